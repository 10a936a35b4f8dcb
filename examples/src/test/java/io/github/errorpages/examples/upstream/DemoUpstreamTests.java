package io.github.errorpages.examples.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DemoUpstreamTests {

    private final DemoUpstream upstream = DemoUpstream.start();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() {
        upstream.close();
    }

    @Test
    void healthyAnswersHtmlAndJson() throws Exception {
        assertThat(get("/orders").statusCode()).isEqualTo(200);
        HttpResponse<String> api = get("/api/orders");
        assertThat(api.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(api.body()).contains("\"orders\"");
    }

    /** R27: the shop's robots.txt is plain text, not the shop page a crawler would read as "allow everything". */
    @Test
    void healthyAnswersRobotsTxtAsPlainText() throws Exception {
        HttpResponse<String> robots = get("/robots.txt");

        assertThat(robots.statusCode()).isEqualTo(200);
        assertThat(robots.headers().firstValue("Content-Type")).contains("text/plain; charset=UTF-8");
        assertThat(robots.body()).startsWith("User-agent: *\n").doesNotContain("<html");
    }

    @Test
    void aResponseGoesInOneWrite() throws Exception {
        // Head and body written apart, Nagle's algorithm held the body back for the gateway's delayed ACK: every
        // healthy page through the demo took about 40 ms (354 requests/s under wrk where failures made 10,000).
        List<String> writes = new ArrayList<>();
        OutputStream recording = new OutputStream() {
            @Override
            public void write(int b) {
                writes.add(String.valueOf((char) b));
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                writes.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
            }
        };

        DemoUpstream.respond(recording, new DemoUpstream.Received("GET", "/orders"), 200, "");

        assertThat(writes).singleElement().asString().startsWith("HTTP/1.1 200 OK\r\n")
                .contains("\r\n\r\n<!doctype html>").endsWith("</html>\n");
    }

    @Test
    void refusingClosesThePortAndHealthyReopensTheSamePort() throws Exception {
        upstream.mode(DemoMode.REFUSING);
        assertThat(catchThrowable(() -> get("/"))).isInstanceOf(ConnectException.class);

        upstream.mode(DemoMode.HEALTHY);
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    @Test
    void refusingDropsOpenConnectionsSoAPooledOneIsNotAnsweredAnyMore() throws Exception {
        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        try (Socket pooled = new Socket(upstream.uri().getHost(), upstream.uri().getPort())) {
            pooled.setSoTimeout(5000);
            pooled.getOutputStream().write(request);
            InputStream in = pooled.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");

            upstream.mode(DemoMode.REFUSING);

            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            Throwable failure = catchThrowable(() -> {
                pooled.getOutputStream().write(request); // may already fail: the connection is gone
                for (int b = in.read(); b != -1; b = in.read()) {
                    rest.write(b);
                }
            });
            assertThat(failure).as("end of stream or a reset, nothing else").satisfiesAnyOf(
                    thrown -> assertThat(thrown).isNull(),
                    thrown -> assertThat(thrown).isInstanceOf(java.net.SocketException.class));
            assertThat(rest.toString(StandardCharsets.ISO_8859_1)).as("the rest of the first answer only")
                    .doesNotContain("HTTP/1.1");
        }
    }

    /**
     * A chunked request body (with a chunk extension and a trailer) is read to its end, so that the next request
     * on the connection is read from its start: read as a request of their own, the chunks were answered too, three
     * answers to two requests, and a keep-alive client took the wrong one for its GET.
     */
    @Test
    void aChunkedRequestBodyIsSkippedAndTheNextRequestOnTheConnectionIsAnswered() throws Exception {
        try (Socket connection = new Socket(upstream.uri().getHost(), upstream.uri().getPort())) {
            connection.setSoTimeout(5000);
            connection.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6;note=x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                    + "GET /api/orders HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            connection.shutdownOutput(); // the upstream closes the connection once it read both

            String answers = new String(connection.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answers.lines().filter(line -> line.startsWith("HTTP/1.1 ")))
                    .containsExactly("HTTP/1.1 200 OK", "HTTP/1.1 200 OK");
            assertThat(answers.substring(answers.lastIndexOf("HTTP/1.1 "))).as("the last answer is the GET's")
                    .contains("Content-Type: application/json");
            assertThat(upstream.requestCount()).isEqualTo(2);
        }
    }

    @Test
    void switchingToRefusingAndBackAgainAndAgainAlwaysRefusesAndReopens() throws Exception {
        for (int i = 0; i < 20; i++) {
            upstream.mode(DemoMode.SLOW);
            upstream.mode(DemoMode.REFUSING);
            assertThat(catchThrowable(() -> get("/"))).as("cycle %d", i).isInstanceOf(ConnectException.class);
            upstream.mode(DemoMode.HEALTHY);
        }
        assertThat(get("/").statusCode()).isEqualTo(200);
    }

    @Test
    void unavailableAnswers503WithRetryAfter() throws Exception {
        upstream.mode(DemoMode.UNAVAILABLE);

        HttpResponse<String> response = get("/");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).contains("30");
    }

    @Test
    void flappingAlternates() throws Exception {
        upstream.mode(DemoMode.FLAPPING);

        assertThat(new int[] {get("/").statusCode(), get("/").statusCode()}).containsExactlyInAnyOrder(200, 500);
    }

    @Test
    void resettingAndGarbageFailTheCall() {
        FailureClassifier classifier = FailureClassifier.ofDefaults();

        upstream.mode(DemoMode.RESETTING);
        assertThat(classifier.classify(catchThrowable(() -> get("/")))).map(UpstreamFailure::cause)
                .contains(FailureCause.CONNECTION_TERMINATED);

        upstream.mode(DemoMode.GARBAGE);
        assertThat(classifier.classify(catchThrowable(() -> get("/")))).map(UpstreamFailure::cause)
                .contains(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    @Test
    void slowDoesNotAnswerWithinTheTimeout() {
        upstream.mode(DemoMode.SLOW);

        Throwable thrown = catchThrowable(() -> client.send(HttpRequest.newBuilder(upstream.uri().resolve("/"))
                .timeout(Duration.ofMillis(300)).build(), HttpResponse.BodyHandlers.ofString()));

        assertThat(thrown).isInstanceOf(java.net.http.HttpTimeoutException.class);
    }

    @Test
    void modesHaveSlugs() {
        assertThat(DemoMode.fromSlug("Unavailable")).isEqualTo(DemoMode.UNAVAILABLE);
        assertThatIllegalArgumentException().isThrownBy(() -> DemoMode.fromSlug("broken"))
                .withMessageContaining("Unknown demo mode 'broken'");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(upstream.uri().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
