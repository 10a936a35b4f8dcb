package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * The scheme of the connection a request came over, on Jetty 12 (ee10, ee11), where a client can name another: Jetty
 * takes a request's scheme from the request itself when the client sends one, an absolute-form target
 * ({@code GET https://shop.example/orders HTTP/1.1}, RFC 9112 §3.2.2; over HTTP/2 its {@code :scheme}), and then
 * reports {@code getScheme()} {@code https} and {@code isSecure()} {@code true} for a plain connection. Forwarded as
 * the scheme ({@code X-Forwarded-Proto}, {@code Forwarded: proto=}), that let a plain-http client pass an upstream's
 * HTTPS checks, which the proxy prevents for the client's own {@code X-Forwarded-Proto}. Tomcat and Undertow report
 * their connector's scheme. A scheme a {@code ForwardedRequestCustomizer} set from a TLS terminator's fields is no
 * client's: Jetty's own request below the customizer's wrapper still has the connection's scheme. Reflection, because
 * this module depends on no container.
 *
 * <p>Thread-safe. The methods found are kept for one request class at a time (one container per application), and
 * only in a field of this class, as {@link JettyStreamFailures} keeps its own.
 */
final class JettyConnectionSchemes {

    private static final String JETTY_SERVLET_PACKAGE = "org\\.eclipse\\.jetty\\.ee1\\d\\.servlet";

    private static volatile @Nullable Lookup lookup;

    private JettyConnectionSchemes() {
    }

    /** The attribute containers set for a request that came over TLS (the Servlet specification's SSL attributes). */
    private static final String TLS_CIPHER_SUITE = "jakarta.servlet.request.cipher_suite";

    /**
     * @param request the request, wrapped or not
     * @param scheme the scheme the container reports for it
     * @return the scheme of the connection ({@code http} or {@code https}) when the request named another, so that
     *     Jetty's {@code getScheme()} is the client's; {@code null} when it did not, on another container, or on a
     *     Jetty without the methods
     */
    static @Nullable String overridden(ServletRequest request, String scheme) {
        if ("https".equalsIgnoreCase(scheme) && request.getAttribute(TLS_CIPHER_SUITE) != null) {
            return null; // a TLS connection's own scheme: asked of every HTTPS request, without reflection
        }
        ServletRequest inner = Containers.of(request);
        Class<?> type = inner.getClass();
        Lookup found = lookup;
        if (found == null || found.requestType != type) {
            found = Lookup.of(type);
            lookup = found;
        }
        if (!found.onJetty()) {
            return null;
        }
        try {
            Object core = found.toCoreRequest.invoke(null, inner);
            if (core == null) {
                return null;
            }
            // Below every wrapper (the context's, a customizer's): the request as the connection made it.
            while (found.wrapper.isInstance(core)) {
                core = found.getWrapped.invoke(core);
            }
            Object uri = found.getHttpUri.invoke(core);
            Object named = uri == null ? null : found.getScheme.invoke(uri);
            Object metaData = found.getConnectionMetaData.invoke(core);
            if (!(named instanceof String fromRequestLine) || metaData == null) {
                return null;
            }
            String connection = Boolean.TRUE.equals(found.isSecure.invoke(metaData)) ? "https" : "http";
            return fromRequestLine.equalsIgnoreCase(connection) ? null : connection;
        } catch (ReflectiveOperationException | RuntimeException unreadable) {
            return null;
        }
    }

    /**
     * Jetty's methods for one request class; all {@code null} for another container's.
     *
     * @param requestType the container's innermost request class
     * @param toCoreRequest {@code ServletContextRequest.getServletContextRequest(ServletRequest)}, static
     * @param wrapper {@code Request.Wrapper}
     * @param getWrapped {@code Request.Wrapper.getWrapped()}
     * @param getHttpUri {@code Request.getHttpURI()}
     * @param getScheme {@code HttpURI.getScheme()}
     * @param getConnectionMetaData {@code Request.getConnectionMetaData()}
     * @param isSecure {@code ConnectionMetaData.isSecure()}
     */
    private record Lookup(Class<?> requestType, @Nullable Method toCoreRequest, @Nullable Class<?> wrapper,
            @Nullable Method getWrapped, @Nullable Method getHttpUri, @Nullable Method getScheme,
            @Nullable Method getConnectionMetaData, @Nullable Method isSecure) {

        boolean onJetty() {
            return toCoreRequest != null;
        }

        static Lookup of(Class<?> requestType) {
            String servletPackage = requestType.getPackageName();
            if (servletPackage.matches(JETTY_SERVLET_PACKAGE)) {
                try {
                    ClassLoader loader = requestType.getClassLoader();
                    Class<?> core = Class.forName("org.eclipse.jetty.server.Request", false, loader);
                    Class<?> wrapper = Class.forName("org.eclipse.jetty.server.Request$Wrapper", false, loader);
                    Class<?> uri = Class.forName("org.eclipse.jetty.http.HttpURI", false, loader);
                    Class<?> metaData = Class.forName("org.eclipse.jetty.server.ConnectionMetaData", false, loader);
                    return new Lookup(requestType,
                            Class.forName(servletPackage + ".ServletContextRequest", false, loader)
                                    .getMethod("getServletContextRequest", ServletRequest.class),
                            wrapper, wrapper.getMethod("getWrapped"), core.getMethod("getHttpURI"),
                            uri.getMethod("getScheme"), core.getMethod("getConnectionMetaData"),
                            metaData.getMethod("isSecure"));
                } catch (ReflectiveOperationException | LinkageError notThere) {
                    // Another Jetty: the container's scheme stands
                }
            }
            return new Lookup(requestType, null, null, null, null, null, null, null);
        }
    }
}
