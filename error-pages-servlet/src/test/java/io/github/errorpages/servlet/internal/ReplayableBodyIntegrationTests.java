package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplayableBody} between a real client, a Jetty servlet and a real upstream: the servlet reads
 * the client's body with a 1 KiB replay buffer, sends it upstream twice, and reports what happened.
 */
class ReplayableBodyIntegrationTests {

    private static final int LIMIT = 1024;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static FaultyUpstream upstream;
    private static Server server;
    private static ServerConnector connector;

    @BeforeAll
    static void start() throws Exception {
        upstream = FaultyUpstream.start(Behaviour.ok());
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                ReplayableBody body = ReplayableBody.of(request, LIMIT);
                String report = "present=" + body.isPresent() + " before=" + body.isReplayable()
                        + " first=" + send(body) + " after=" + body.isReplayable() + " second=" + send(body);
                response.getWriter().write(report);
            }
        }), "/*");
        server.setHandler(context);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        upstream.close();
    }

    private static String send(ReplayableBody body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(upstream.uri().resolve("/echo"))
                    .method("POST", body.publisher()).build();
            return String.valueOf(CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (IOException e) {
            return "failed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String post(HttpRequest.BodyPublisher body) throws Exception {
        upstream.clearRequests();
        URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/proxy");
        return CLIENT.send(HttpRequest.newBuilder(uri).POST(body).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void keepsBodyThatFitsAndSendsItAgain() throws Exception {
        String report = post(HttpRequest.BodyPublishers.ofString("a".repeat(LIMIT)));

        assertThat(report).isEqualTo("present=true before=true first=200 after=true second=200");
        assertThat(upstream.requests()).hasSize(2)
                .allSatisfy(r -> assertThat(r.bodyText()).isEqualTo("a".repeat(LIMIT)));
    }

    @Test
    void keepsChunkedBodyThatFits() throws Exception {
        byte[] bytes = "chunked body".getBytes(StandardCharsets.UTF_8);
        String report = post(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)));

        assertThat(report).isEqualTo("present=true before=true first=200 after=true second=200");
        assertThat(upstream.requests()).extracting(FaultyUpstream.RecordedRequest::bodyText)
                .containsExactly("chunked body", "chunked body");
    }

    @Test
    void streamsLargerBodyOnceWithoutHoldingItWhole() throws Exception {
        String large = "0123456789".repeat(10_000);

        String report = post(HttpRequest.BodyPublishers.ofString(large));

        assertThat(report).isEqualTo("present=true before=true first=200 after=false second=failed");
        assertThat(upstream.requests()).hasSize(1);
        assertThat(upstream.requests().get(0).bodyText()).isEqualTo(large);
    }

    @Test
    void reportsAbsentBody() throws Exception {
        String report = post(HttpRequest.BodyPublishers.noBody());

        assertThat(report).startsWith("present=false before=true first=200");
    }
}
