package io.github.errorpages.examples.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.examples.Http;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The demo's container error page on a real Jetty server: a servlet's bug shows the status, never the bug (R36). */
class PlainErrorHandlerTests {

    private final Server server = new Server();

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/html", "application/json", "text/plain"})
    void pageOfAServletsBugNamesNoExceptionInAnyFormat(String accept) throws Exception {
        URI base = start(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                throw new IllegalStateException("order-service.internal:8443 said no",
                        new java.io.IOException("pool exhausted"));
            }
        });

        HttpResponse<String> response = Http.get(base.resolve("/bug"), accept);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("500").doesNotContain("IllegalStateException", "IOException",
                "order-service", "pool exhausted", "Exception");
    }

    @Test
    void htmlPageSaysTheStatusAndItsReason() throws Exception {
        URI base = start(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
                response.sendError(503, "<script>alert(1)</script>");
            }
        });

        HttpResponse<String> response = Http.get(base.resolve("/down"), "text/html");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("HTTP ERROR 503 Service Unavailable").doesNotContain("<script>");
    }

    /**
     * R38, R36: neither the URL, built from the client's own {@code Host} field, nor the servlet's name: a 405 for a
     * method the servlet does not serve showed both (Jetty's "URI" and "SERVLET" rows, JSON's "url" and "origin").
     */
    @ParameterizedTest
    @ValueSource(strings = {"text/html", "application/json", "text/plain"})
    void pageShowsNeitherTheUrlNorTheServletInAnyFormat(String accept) throws Exception {
        URI base = start(new HttpServlet() {
            // GET only: a POST is answered 405 by HttpServlet's own sendError
        });

        String response = Http.raw(base, "POST /summary?id=42 HTTP/1.1\r\nHost: attacker.example\r\nAccept: " + accept
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 405 ");
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        assertThat(body).contains("405", "Method Not Allowed")
                .doesNotContain("attacker", "summary", "id=42", "127.0.0.1", "PlainErrorHandlerTests", "SERVLET");
    }

    private URI start(HttpServlet servlet) throws Exception {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setErrorHandler(new PlainErrorHandler());
        context.addServlet(new ServletHolder(servlet), "/*");
        server.setHandler(context);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
    }
}
