package io.github.errorpages.servlet;

import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.net.URI;

/**
 * Run in a JVM of its own, started with {@code javax.net.ssl.*} system properties the JVM cannot make its default TLS
 * context from (the JVM makes it once, and keeps it): builds a proxy with the Jetty transport, which takes that context
 * for its {@code https} endpoints, and prints what the build threw.
 */
final class DefaultTlsContextProbe {

    private DefaultTlsContextProbe() {
    }

    public static void main(String[] args) {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("https://127.0.0.1:8443")).build());
        try {
            ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build().destroy();
            System.out.println("built");
        } catch (RuntimeException failed) {
            System.out.println("threw " + failed.getClass().getName() + ": " + failed.getMessage());
        }
        System.out.flush();
    }
}
