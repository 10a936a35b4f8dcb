package io.github.errorpages.servlet;

/**
 * The HTTP client with which {@link ReverseProxyServlet} forwards requests (init-parameter
 * {@value ReverseProxyServlet#TRANSPORT_PARAMETER}: {@code auto}, {@code jetty} or {@code jdk}).
 *
 * <p>Both transports forward the same requests with the same header fields, go through the same
 * {@link io.github.errorpages.upstream.UpstreamGuard} and answer every failure with the same page; the fault
 * matrix runs against both. (The JDK's client adds a {@code User-Agent} of its own to a request that has none,
 * and sends a GET again by itself when a connection is reset before any response byte arrived; Jetty's does
 * neither. Only Jetty's answers a request head over 63 KiB, forwarding fields included, with 431, where the JDK's
 * forwards it; ends an exchange whose client went away, as the container tells it (an HTTP/2 stream reset), at
 * once; answers the exchanges {@code destroy()} cuts off with the 503 page; and closes an idle connection after
 * {@code pool-idle-timeout}, or before the timeout an upstream names in a {@code Keep-Alive} field, where the JDK's
 * keeps it for {@code jdk.httpclient.keepalive.timeout}, a system property of the whole JVM.) They differ in cost
 * and in threads:
 * <ul>
 *   <li>{@link #JETTY}: Jetty's non-blocking {@code HttpClient} ({@code org.eclipse.jetty:jetty-client}, an
 *       optional dependency). The servlet goes asynchronous ({@code startAsync}) while it waits for the
 *       upstream, so no container thread waits; the response body is copied by the client's threads as it
 *       arrives, written without blocking, and a streamed request body is read without blocking: a slow
 *       client holds no thread. About two thirds of the CPU per forwarded request of {@link #JDK}, as much
 *       as Jetty's own {@code ProxyServlet} (see {@code benchmarks/README.md}). Works in any Servlet 6
 *       container, not only Jetty; not on Undertow, which cannot replace a response written without blocking with
 *       the page for a body cut before commit (use {@link #JDK} there).</li>
 *   <li>{@link #JDK}: the JDK's {@code java.net.http.HttpClient}. The container thread waits for the upstream
 *       and copies the body. No dependency: it runs where no Jetty jar is on the class path at all.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public enum ProxyTransport {

    /**
     * {@link #JETTY} when {@code jetty-client} 12.1 is on the class path, else {@link #JDK}: the default. (Another
     * version of {@code jetty-client}, as Jetty 11 or 12.0, is passed over with a WARN line that names it.)
     */
    AUTO,

    /** Jetty's non-blocking {@code HttpClient}; needs {@code org.eclipse.jetty:jetty-client} 12.1. */
    JETTY,

    /** The JDK's {@code java.net.http.HttpClient}. */
    JDK
}
