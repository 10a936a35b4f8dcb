package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.RecordedRequest;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@link ReverseProxyServlet} included from another web application of the same Jetty 12 server (cross-context
 * dispatch): Jetty gives the included request no scheme, and the proxy threw a {@code NullPointerException} making
 * its {@code X-Forwarded-Proto} and {@code Forwarded} fields, so the includer's page showed Jetty's error page where
 * the upstream's answer belonged, and the upstream was never called.
 */
class CrossContextIncludeIntegrationTests {

    private final FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "from the upstream",
            "Content-Type", "text/plain"));
    private final Server server = new Server();

    @AfterEach
    void stop() throws Exception {
        server.stop();
        upstream.close();
    }

    @ParameterizedTest(name = "transport={0}")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void aProxyIncludedFromAnotherContextForwardsWithTheSchemeItCameBy(ProxyTransport transport) throws Exception {
        ServletContextHandler portal = context("/portal");
        portal.addServlet(new ServletHolder(new IncludingServlet()), "/page");
        ServletContextHandler gateway = context("/gateway");
        ServletHolder proxy = new ServletHolder(ReverseProxyServlet.class);
        proxy.setInitParameter("endpoints", upstream.uri().toString());
        proxy.setInitParameter("transport", transport.name().toLowerCase(Locale.ROOT));
        proxy.setAsyncSupported(true);
        gateway.addServlet(proxy, "/orders/*");
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        contexts.addHandler(portal);
        contexts.addHandler(gateway);
        server.setHandler(contexts);
        server.start();

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/portal/page"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("before|from the upstream|after");
        assertThat(upstream.requests()).hasSize(1);
        RecordedRequest forwarded = upstream.requests().get(0);
        assertThat(forwarded.headers()).containsEntry("x-forwarded-proto", "http");
        assertThat(forwarded.headers().get("forwarded")).endsWith(";proto=http");
    }

    private static ServletContextHandler context(String path) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath(path);
        context.setCrossContextDispatchSupported(true);
        return context;
    }

    /** Writes its own text around what the gateway's proxy includes. */
    private static final class IncludingServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            response.setContentType("text/plain");
            response.getWriter().write("before|");
            ServletContext gateway = Objects.requireNonNull(getServletContext().getContext("/gateway"), "gateway");
            gateway.getRequestDispatcher("/orders/42").include(request, response);
            response.getWriter().write("|after");
        }
    }
}
