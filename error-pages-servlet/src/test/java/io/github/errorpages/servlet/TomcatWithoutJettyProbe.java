package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.ProbeSteps.step;

import io.github.errorpages.servlet.internal.JettyClientPresence;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.catalina.webresources.TomcatURLStreamHandlerFactory;

/**
 * What {@link ReverseProxyServlet} does on Tomcat with no Jetty jar at all: run by
 * {@link ProxyTransportSelectionIntegrationTests} in a class loader whose class path lacks every
 * {@code org.eclipse.jetty} jar, so that this class and everything it uses (the servlet, Tomcat, the upstream) are
 * loaded there. It names no Jetty class. Each step's result is a string, and a step that throws records the
 * throwable, so that a {@code NoClassDefFoundError} is reported as a finding rather than ending the probe. Public,
 * with a public constructor: it is created reflectively.
 */
public final class TomcatWithoutJettyProbe implements Callable<Map<String, String>> {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What the application's filter in front saw thrown through it: the class names of each cause chain. */
    private final Queue<String> thrown = new ConcurrentLinkedQueue<>();

    /** Created reflectively, through the isolating class loader. */
    public TomcatWithoutJettyProbe() {
    }

    @Override
    public Map<String, String> call() throws Exception {
        Map<String, String> found = new LinkedHashMap<>();
        found.put("jetty-util loadable", step(() -> {
            Class.forName("org.eclipse.jetty.util.thread.Scheduler", false, getClass().getClassLoader());
            return "yes";
        }));
        found.put("JettyClientPresence", step(() -> String.valueOf(JettyClientPresence.unusableBecause(null))));
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                FaultyUpstream cutting = FaultyUpstream.start(exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(50_000) + "\r\n"
                            + "x".repeat(50_000) + "\r\n");
                    exchange.closeConnection();
                })) {
            found.put("builder, JETTY", step(() -> {
                ReverseProxyServlet.builder(guard("jetty", upstream.uri())).transport(ProxyTransport.JETTY);
                return "accepted";
            }));
            Filter recording = (request, response, chain) -> {
                try {
                    chain.doFilter(request, response);
                } catch (IOException | RuntimeException | Error | jakarta.servlet.ServletException failure) {
                    StringBuilder causes = new StringBuilder();
                    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
                        causes.append(causes.length() == 0 ? "" : " caused by ").append(t.getClass().getName());
                    }
                    thrown.add(causes.toString());
                    throw failure;
                }
            };
            // This Tomcat's classes are the isolating loader's: it must not claim the JVM's one URL stream handler
            // factory, which the test class path's Tomcat of every other test registers (and cannot again).
            TomcatURLStreamHandlerFactory.disable();
            try (TomcatServer tomcat = TomcatServer.inCode().h2c().filter("recording", recording)
                    .servlet("/auto/*", ReverseProxyServlet.builder(guard("auto", upstream.uri())).build())
                    .servlet("/jdk/*", ReverseProxyServlet.builder(guard("jdk", upstream.uri()))
                            .transport(ProxyTransport.JDK).build())
                    .servlet("/by-class/*", new ReverseProxyServlet(),
                            Map.of("endpoints", upstream.uri().toString(), "transport", "jdk"))
                    .servlet("/cut/*", ReverseProxyServlet.builder(guard("cut", cutting.uri())).build())
                    .servlet("/init-with-transport-jetty", TestServlets.servlet((request, response) -> {
                        // As Tomcat initialises a servlet of web.xml, with the outcome where the probe can read it.
                        response.getWriter().write(step(() -> {
                            new ReverseProxyServlet().init(config(request.getServletContext(),
                                    Map.of("endpoints", upstream.uri().toString(), "transport", "jetty")));
                            return "initialised";
                        }));
                    }))
                    .start()) {
                HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
                found.put("init, transport=jetty", step(() -> client.send(HttpRequest.newBuilder(
                        tomcat.uri("/init-with-transport-jetty")).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofString()).body()));
                for (String path : List.of("/auto/orders", "/jdk/orders", "/by-class/orders")) {
                    found.put("forwarded " + path, step(() -> {
                        upstream.clearRequests();
                        HttpResponse<String> response = client.send(HttpRequest.newBuilder(tomcat.uri(path))
                                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
                        return response.statusCode() + " " + (upstream.requests().isEmpty() ? "(no request)"
                                : upstream.requests().get(0).headers().getOrDefault("user-agent", "(none)"));
                    }));
                }
                // HTTP/2 (h2c, upgraded): the JDK transport answers a body cut short from an ASYNC dispatch.
                HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(TIMEOUT)
                        .build();
                found.put("cut short over HTTP/2", step(() -> {
                    HttpResponse<byte[]> response = http2.send(HttpRequest.newBuilder(tomcat.uri("/cut/file"))
                            .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
                    return response.version() + " " + response.statusCode() + " " + response.body().length + " bytes";
                }));
                found.put("thrown through the filter", String.join("; ", thrown));
            }
        }
        return found;
    }

    private static UpstreamGuard guard(String name, URI endpoint) {
        return UpstreamGuard.of(UpstreamConfig.builder(name).endpoints(endpoint).build());
    }

    /** A servlet's configuration with the init-parameters given, in the context given. */
    private static ServletConfig config(ServletContext context, Map<String, String> initParameters) {
        return new ServletConfig() {
            @Override
            public String getServletName() {
                return "proxy";
            }

            @Override
            public ServletContext getServletContext() {
                return context;
            }

            @Override
            public String getInitParameter(String name) {
                return initParameters.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(initParameters.keySet());
            }
        };
    }
}
