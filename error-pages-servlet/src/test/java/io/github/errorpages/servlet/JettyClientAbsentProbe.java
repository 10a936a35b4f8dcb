package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.ProbeSteps.step;

import io.github.errorpages.servlet.internal.JettyClientPresence;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;

/**
 * What {@link ReverseProxyServlet} does where {@code jetty-client} is absent: run by
 * {@link ProxyTransportSelectionIntegrationTests} in a class loader whose class path lacks the jar, so that this
 * class and everything it uses (the servlet, Jetty's server, the upstream) are loaded there. Each step's result
 * is a string, and a step that throws records the throwable, so that a {@code NoClassDefFoundError} is reported
 * as a finding rather than ending the probe. Public, with a public constructor: it is created reflectively.
 */
public final class JettyClientAbsentProbe implements Callable<Map<String, String>> {

    /** Created reflectively, through the isolating class loader. */
    public JettyClientAbsentProbe() {
    }

    @Override
    public Map<String, String> call() throws Exception {
        Map<String, String> found = new LinkedHashMap<>();
        found.put("jetty-client loadable", step(() -> {
            Class.forName("org.eclipse.jetty.client.HttpClient", false, getClass().getClassLoader());
            return "yes";
        }));
        found.put("JettyClientPresence", step(() -> String.valueOf(JettyClientPresence.unusableBecause(null))));
        UpstreamGuard unreachable = UpstreamGuard.of(UpstreamConfig.builder("x")
                .endpoints(URI.create("http://127.0.0.1:1")).build());
        found.put("builder, AUTO", step(() -> {
            ReverseProxyServlet.builder(unreachable).build().destroy();
            return "built";
        }));
        // What a build logs, through the logger loaded here too (slf4j-simple, which writes to System.err)
        found.put("builder, AUTO, logged", StandardError.capture(() -> ReverseProxyServlet.builder(unreachable).build()
                .destroy()));
        found.put("builder, JETTY", step(() -> {
            ReverseProxyServlet.builder(unreachable).transport(ProxyTransport.JETTY);
            return "accepted";
        }));
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            found.put("forwarded, builder AUTO", step(() -> forward(upstream, servlet -> servlet.servlet("/*",
                    ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("auto")
                            .endpoints(upstream.uri()).build())).build()))));
            found.put("forwarded, by class without transport", step(() -> forward(upstream, server -> {
                ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
                holder.setInitParameter("endpoints", upstream.uri().toString());
                holder.setInitOrder(0);
                server.context().addServlet(holder, "/*");
            })));
            found.put("startup, transport=jetty", step(() -> {
                try (JettyServer server = new JettyServer()) {
                    ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
                    holder.setInitParameter("endpoints", upstream.uri().toString());
                    holder.setInitParameter("transport", "jetty");
                    holder.setInitOrder(0);
                    server.context().addServlet(holder, "/*");
                    server.start();
                    return "started";
                }
            }));
        }
        return found;
    }

    /**
     * Forwards one request without a {@code User-Agent} through a proxy servlet to the upstream.
     *
     * @return the status, and the {@code User-Agent} the upstream received (the JDK's client adds its own,
     *     Jetty's adds none), e.g. {@code 200 Java-http-client/17.0.15}
     */
    private static String forward(FaultyUpstream upstream, java.util.function.Consumer<JettyServer> setUp) {
        upstream.clearRequests();
        try (JettyServer server = new JettyServer()) {
            setUp.accept(server);
            server.start();
            HttpTester.Response response = HttpTester.parseResponse(server.raw(
                    "GET /orders HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"));
            String userAgent = upstream.requests().isEmpty() ? "(no request)"
                    : upstream.requests().get(0).headers().getOrDefault("user-agent", "(none)");
            return response.getStatus() + " " + userAgent;
        }
    }
}
