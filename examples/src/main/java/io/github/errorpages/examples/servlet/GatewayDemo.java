package io.github.errorpages.examples.servlet;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.examples.upstream.DemoControlServlet;
import io.github.errorpages.examples.upstream.DemoUpstream;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.servlet.ErrorPagesFilter;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.jspecify.annotations.Nullable;

/**
 * The demo gateway: an embedded Jetty 12 (ee10) server, plain Servlet API, no Spring, with everything
 * error-pages offers a servlet application.
 * <ul>
 *   <li>{@code /} and every path not listed below: {@link ReverseProxyServlet}, forwarding to the upstream
 *       (the "proxy path": resilience and pages with zero application code);</li>
 *   <li>{@code /api/summary}: {@link OrderSummaryServlet}, application code that calls the same upstream
 *       through a {@link GuardedHttpClient} and leaves failures to the filter (the "filter path");</li>
 *   <li>{@link ErrorPagesFilter} in front of everything;</li>
 *   <li>{@code /_demo}: {@link DemoControlServlet}, which switches the built-in demo upstream between
 *       healthy and its failure modes, when the gateway runs it (no {@code --upstream} given).</li>
 * </ul>
 * Both paths share one {@link UpstreamGuard} (retries, a circuit breaker per endpoint, failover between
 * endpoints) and one {@link ErrorPages} with the demo shop's branding. The timeouts are short, so that a
 * slow upstream shows its 504 within about two seconds, and the breaker opens after a few failed calls
 * and stays open for {@value #BREAKER_OPEN_SECONDS} seconds.
 *
 * <p>Run it with {@code mvn -B -q -Pdemo -pl examples -am package -DskipTests -Dmaven.javadoc.skip}
 * (options in {@code -Ddemo.args=...}; see {@link GatewayOptions#USAGE}). Thread-safe.
 */
public final class GatewayDemo implements AutoCloseable {

    /** A system property: {@code true} makes the gateway stop when the process that started it ends (Maven's). */
    public static final String EXIT_WITH_PARENT_PROPERTY = "error-pages.demo.exit-with-parent";
    /** The upstream's name: in log lines, breaker names and metrics, never on a page. */
    public static final String UPSTREAM_NAME = "orders";
    /** The proxy's name in the {@code Proxy-Status} field of its error responses. */
    public static final String PROXY_STATUS_NAME = "demo-gateway";
    /** How long one attempt may wait for the upstream's response headers. */
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    /** How long all attempts of one call may take: room for a retry after a timed-out first attempt. */
    public static final Duration DEADLINE = Duration.ofMillis(2500);
    /** The longest wait, when stopping, for the requests in flight: the deadline and a relayed body's last part. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** How long the circuit breaker stays open before it lets a trial call through. */
    public static final int BREAKER_OPEN_SECONDS = 15;
    /** What {@link #main(String[])} prints first: this, then the gateway's URL. */
    public static final String BANNER_PREFIX = "error-pages demo gateway: ";

    private final Server server;
    private final ServerConnector connector;
    private final UpstreamGuard guard;
    private final @Nullable DemoUpstream demoUpstream;

    private GatewayDemo(Server server, ServerConnector connector, UpstreamGuard guard,
            @Nullable DemoUpstream demoUpstream) {
        this.server = server;
        this.connector = connector;
        this.guard = guard;
        this.demoUpstream = demoUpstream;
    }

    /**
     * Starts the gateway: prints its URL and what to try, then serves until the JVM is stopped (Ctrl+C).
     *
     * @param args see {@link GatewayOptions#USAGE}
     * @throws Exception if the server cannot start (the port is taken, say)
     */
    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean(EXIT_WITH_PARENT_PROPERTY)) {
            // Run by Maven: stop with it (an IDE's stop button, a CI timeout), not hold the port after it is gone.
            // First thing, while the parent is still the process that started this one.
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        }
        GatewayOptions options;
        try {
            options = GatewayOptions.parse(args);
        } catch (IllegalArgumentException invalid) {
            System.err.println(invalid.getMessage());
            System.err.print(GatewayOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(GatewayOptions.USAGE);
            return;
        }
        GatewayDemo gateway;
        try {
            gateway = start(options);
        } catch (IllegalArgumentException invalid) {
            // An --upstream the library refuses (the same endpoint twice, user info): its message names the key
            // and the value, as for an option that does not parse.
            System.err.println(invalid.getMessage());
            System.err.print(GatewayOptions.USAGE);
            System.exit(2);
            return;
        } catch (IOException e) {
            String why = whyNotListening(e, options.port());
            if (why == null) {
                throw e;
            }
            // The default port 8080 is often taken, a --host mistyped: one line that says what to do, no stack trace.
            String host = options.host();
            host = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host; // IPv6, as in a URL
            System.err.println("error-pages demo: cannot listen on " + host + ":" + options.port() + ", " + why);
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::closeOnShutdown, "gateway-demo-shutdown"));
        gateway.printWelcome(System.out);
        gateway.server.join();
    }

    /**
     * @return why the server could not listen, in words that say what to do, or {@code null} when the failure is
     *     something else
     */
    private static @Nullable String whyNotListening(IOException e, int port) {
        Throwable cause = e instanceof BindException ? e : e.getCause();
        if (cause instanceof BindException bind) {
            String message = String.valueOf(bind.getMessage());
            if (message.contains("in use")) {
                return "the port is in use. Start it on another one: -Ddemo.args='--port 9090' "
                        + "(--port 0: any free port)";
            }
            return message + ": --host must be an address of this machine"
                    + (port > 0 && port < 1024 ? ", and a port below 1024 needs privileges" : "");
        }
        if (cause instanceof UnresolvedAddressException) {
            return "the host name does not resolve: --host takes a name or address of this machine";
        }
        if (cause instanceof SocketException socket) {
            // An address the system will not bind at all (an IPv6 link-local or multicast one): "Invalid argument".
            return socket.getMessage() + ": --host must be an address of this machine";
        }
        return null;
    }

    /**
     * Starts the gateway, and the demo upstream when no upstream is given.
     *
     * @param options the command line
     * @return the running gateway; close it to stop it
     * @throws Exception if the server cannot start
     */
    public static GatewayDemo start(GatewayOptions options) throws Exception {
        DemoUpstream demoUpstream = options.usesDemoUpstream() ? DemoUpstream.start() : null;
        Server started = null;
        try {
            List<URI> endpoints = demoUpstream != null ? List.of(demoUpstream.uri()) : options.upstreams();
            UpstreamGuard guard = UpstreamGuard.of(upstreamConfig(endpoints));
            ErrorPages errorPages = errorPages();

            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost(options.host());
            connector.setPort(options.port());
            server.addConnector(connector);
            for (Connector each : server.getConnectors()) {
                // No "Server: Jetty(12...)" banner: a version number helps attackers, nobody else (R40).
                each.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setSendServerVersion(false);
            }
            // What Jetty refuses before any context (an encoded slash in the path) gets the same plain page.
            server.setErrorHandler(new PlainErrorHandler.ServerLevel());
            // Stopping (Ctrl+C) lets the requests in flight end as they would, each within the deadline, before
            // the connections close: the proxy's answer, not a closed connection or the container's 500.
            server.setHandler(new GracefulHandler(context(guard, errorPages, demoUpstream)));
            server.setStopTimeout(STOP_TIMEOUT.toMillis());
            started = server;
            server.start();
            return new GatewayDemo(server, connector, guard, demoUpstream);
        } catch (Exception | Error e) {
            if (started != null) {
                // Destroys the servlets that did start, the proxy's HTTP client with them.
                try {
                    started.stop();
                } catch (Exception stopFailed) {
                    e.addSuppressed(stopFailed);
                }
            }
            if (demoUpstream != null) {
                demoUpstream.close();
            }
            throw e;
        }
    }

    /**
     * @return the gateway's base URL, e.g. {@code http://127.0.0.1:8080/}; a wildcard interface is shown as
     *     {@code localhost}
     */
    public URI uri() {
        return URI.create("http://" + displayHost(connector.getHost()) + ":" + connector.getLocalPort() + "/");
    }

    /** The host to show in a URL: a wildcard interface as {@code localhost}, an IPv6 address in brackets. */
    static String displayHost(@Nullable String host) {
        if (host == null || host.equals("0.0.0.0") || host.equals("::")) {
            return "localhost";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /**
     * @return the built-in demo upstream, or empty when the gateway forwards to {@code --upstream} URLs
     */
    public Optional<DemoUpstream> demoUpstream() {
        return Optional.ofNullable(demoUpstream);
    }

    /**
     * @return the guard of the upstream, shared by the proxy and the application endpoint
     */
    public UpstreamGuard guard() {
        return guard;
    }

    /**
     * Stops as the JVM shuts down (Ctrl+C, SIGTERM): a request still in flight after the stop timeout (a download,
     * an event stream) is cut off, which is said in one line, not with a stack trace from the hook's thread.
     */
    private void closeOnShutdown() {
        try {
            close();
        } catch (IllegalStateException notStopped) {
            System.err.println("error-pages demo: stopped; " + (notStopped.getCause() instanceof TimeoutException
                    ? "what was still in flight after " + STOP_TIMEOUT.toSeconds() + " s was cut off"
                    : "Jetty did not stop cleanly: " + notStopped.getCause()));
        }
    }

    /** Stops the server and the demo upstream. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        } finally {
            if (demoUpstream != null) {
                demoUpstream.close();
            }
        }
    }

    /**
     * Prints the URL to open and what to try, starting with a line {@link #BANNER_PREFIX} + URL.
     *
     * @param out where to print
     */
    public void printWelcome(PrintStream out) {
        URI base = uri();
        out.println(BANNER_PREFIX + base);
        if (demoUpstream != null) {
            out.println("  Open " + base.resolve("/_demo") + " to switch the demo upstream between healthy, refusing, slow,");
            out.println("  resetting, garbage, 503 + Retry-After and flapping, and see each branded page.");
        } else {
            out.println("  Forwarding to " + guard.config().endpoints().size() + " upstream endpoint(s) given with --upstream.");
        }
        out.println("  " + base + "            proxied to the upstream by ReverseProxyServlet");
        out.println("  " + base.resolve("/api/summary") + " application code calling the upstream through GuardedHttpClient,");
        out.println("  " + " ".repeat(base.resolve("/api/summary").toString().length()) + " behind ErrorPagesFilter");
        out.println("  Try: curl -i " + base.resolve("/orders"));
        if (demoUpstream != null) {
            out.println("       curl -X POST '" + base.resolve("/_demo?mode=slow") + "'");
        }
        out.println("  Stop with Ctrl+C.");
        out.flush();
    }

    private static UpstreamConfig upstreamConfig(List<URI> endpoints) {
        return UpstreamConfig.builder(UPSTREAM_NAME)
                .endpoints(endpoints)
                .attemptTimeout(ATTEMPT_TIMEOUT)
                .deadline(DEADLINE)
                // Opens after a few failed calls so that the demo shows the 503 of an open breaker quickly.
                .circuitBreakerConfig(CircuitBreakerConfig.custom()
                        .slidingWindow(10, 6, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(Duration.ofSeconds(BREAKER_OPEN_SECONDS))
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .writableStackTraceEnabled(false)
                        .build())
                .build();
    }

    private static ErrorPages errorPages() {
        return ErrorPages.builder()
                .pageConfig(PageConfig.builder()
                        .branding(branding())
                        .autoRetryEnabled(true) // the page counts down to Retry-After and reloads (pausable)
                        .build())
                .build();
    }

    /** The demo shop's look: a coffee-gear store, with links a real site would have. */
    static Branding branding() {
        return Branding.builder()
                .siteName("Brewline")
                // A cup and the name, in a tone that reads on the light and the dark background alike.
                .logo("""
                        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 148 32" width="148" height="32">\
                        <path fill="#b5622a" d="M3 11h21v8a8 8 0 0 1-8 8h-5a8 8 0 0 1-8-8z"/>\
                        <path fill="none" stroke="#b5622a" stroke-width="3" d="M24 14h2.5a3.5 3.5 0 0 1 0 7H24"/>\
                        <path fill="none" stroke="#b5622a" stroke-width="2" stroke-linecap="round" \
                        d="M10 3c-1.5 2 1.5 3.5 0 6M16 3c-1.5 2 1.5 3.5 0 6"/>\
                        <text x="38" y="24" fill="#b5622a" font-family="system-ui,sans-serif" font-size="21" \
                        font-weight="700">Brewline</text></svg>""")
                .homeUrl("/")
                .supportUrl("https://brewline.example/help")
                .statusPageUrl("https://status.brewline.example")
                .textColor("#2b211b")
                .backgroundColor("#fffdf9")
                .primaryColor("#8c4513")
                .darkTextColor("#f1e9e1")
                .darkBackgroundColor("#1d1713")
                .darkPrimaryColor("#f0b27a")
                .build();
    }

    private static ServletContextHandler context(UpstreamGuard guard, ErrorPages errorPages,
            @Nullable DemoUpstream demoUpstream) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.setErrorHandler(new PlainErrorHandler());

        FilterHolder filter = new FilterHolder(ErrorPagesFilter.builder().errorPages(errorPages).build());
        filter.setName("errorPages");
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC));

        ServletHolder proxy = new ServletHolder("proxy", ReverseProxyServlet.builder(guard)
                .errorPages(errorPages)
                .connectTimeout(ATTEMPT_TIMEOUT)
                .bodyIdleTimeout(Duration.ofSeconds(2))
                .proxyStatus(PROXY_STATUS_NAME) // the error type in a header: curl -sI shows it (RFC 9209)
                .build());
        proxy.setAsyncSupported(true);
        context.addServlet(proxy, "/");

        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(ATTEMPT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        context.addServlet(new ServletHolder("summary", new OrderSummaryServlet(GuardedHttpClient.of(client, guard))),
                "/api/summary");

        if (demoUpstream != null) {
            // A fresh breaker for each mode, so each shows its own page before the breaker opens.
            Runnable resetBreakers = () -> guard.circuitBreakers().forEach(CircuitBreaker::reset);
            context.addServlet(new ServletHolder("demo", new DemoControlServlet(demoUpstream, resetBreakers)), "/_demo");
        }
        return context;
    }
}
