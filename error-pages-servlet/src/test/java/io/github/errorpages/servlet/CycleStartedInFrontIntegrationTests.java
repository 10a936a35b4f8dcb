package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.servlet.internal.ProxyHeaders;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A request whose asynchronous cycle a filter in front started before the chain (as a framework's filter may, for the
 * servlet behind to take): the proxy takes the cycle, and its answer, relayed or its own page, ends when the proxy is
 * done with it, on Jetty, Tomcat and Undertow, with either transport. Left to the filter in front, which never ends it
 * (as {@link TestServlets#startingAsyncInFront()} does not), the cycle ended with that filter's timeout (120 s here):
 * with the JDK transport an answer of unknown length waited that long for its last chunk, and the connection's next
 * request for the answer before it, whatever the transport, after a page the proxy wrote itself.
 */
class CycleStartedInFrontIntegrationTests {

    private static final String EVENT_STREAM_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String NDJSON_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";

    /** An answer of unknown length, relayed chunk by chunk, ends with its last chunk at once. */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void anAnswerOfUnknownLengthEndsWhole(ProxyContainer container, ProxyTransport transport) throws Exception {
        try (FaultyUpstream chunked = FaultyUpstream.start(exchange -> exchange.writeRaw("HTTP/1.1 200 OK\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{\"ok\":1}\r\n0\r\n\r\n"));
                ProxyContainer.Server front = container.start(List.of(TestServlets.startingAsyncInFront()),
                        ReverseProxyServlet.builder(guard(chunked.uri())).transport(transport).build(), true)) {
            List<HttpTester.Response> answers = answersOnOneConnection(front.port(), "/front-started-async/orders");

            for (HttpTester.Response answer : answers) {
                assertThat(answer.getStatus()).isEqualTo(200);
                assertThat(answer.getContent()).isEqualTo("{\"ok\":1}");
            }
        }
    }

    /**
     * A page the proxy writes itself (here for an open breaker) ends at once: the connection's next request is
     * answered, not held until the cycle's timeout (on Tomcat, which closes the connection after a 503, the close
     * comes at once).
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void theProxysOwnPageEndsAtOnce(ProxyContainer container, ProxyTransport transport) throws Exception {
        try (FaultyUpstream unused = FaultyUpstream.start(exchange -> exchange.respond(200, "{}"))) {
            UpstreamGuard guard = guard(unused.uri());
            guard.circuitBreakers().get(0).transitionToForcedOpenState();
            try (ProxyContainer.Server front = container.start(List.of(TestServlets.startingAsyncInFront()),
                    ReverseProxyServlet.builder(guard).transport(transport).build(), true)) {
                List<HttpTester.Response> answers = answersOnOneConnection(front.port(), "/front-started-async/orders");

                for (HttpTester.Response answer : answers) {
                    assertThat(answer.getStatus()).isEqualTo(503);
                    assertThat(answer.get("Retry-After")).isNotNull();
                    assertThat(answer.getContent()).contains("\"status\": 503");
                }
            }
        }
    }

    /**
     * An answer the proxy leaves to the container's {@code sendError} (here a 431 for more than 100 header field names,
     * which Tomcat refuses itself before the chain) ends at once too: Jetty ends the cycle with the error, and the
     * proxy's end of it after that changes nothing.
     */
    @ParameterizedTest(name = "Jetty server, {0} transport")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void theContainersErrorEndsAtOnce(ProxyTransport transport) throws Exception {
        try (FaultyUpstream unused = FaultyUpstream.start(exchange -> exchange.respond(200, "{}"));
                ProxyContainer.Server front = ProxyContainer.JETTY.start(List.of(TestServlets.startingAsyncInFront()),
                        ReverseProxyServlet.builder(guard(unused.uri())).transport(transport).build(), true)) {
            StringBuilder fields = new StringBuilder();
            for (int name = 1; name <= ProxyHeaders.MAX_FIELD_NAMES; name++) { // and Host, Accept
                fields.append("X-Field-").append(name).append(": v\r\n");
            }
            List<HttpTester.Response> answers = answersOnOneConnection(front.port(), "/front-started-async/orders",
                    fields.toString());

            for (HttpTester.Response answer : answers) {
                assertThat(answer.getStatus()).isEqualTo(431);
            }
            assertThat(unused.requests()).isEmpty();
        }
    }

    /**
     * A quiet event stream ends whole, as it does without the filter in front, and counts nothing against the
     * upstream.
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aQuietEventStreamEndsWhole(ProxyContainer container, ProxyTransport transport) throws Exception {
        try (FaultyUpstream events = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(EVENT_STREAM_HEAD + "d\r\ndata: first\n\n\r\n");
            exchange.awaitClosedByClient(Duration.ofSeconds(20));
        })) {
            UpstreamGuard guard = guard(events.uri());
            try (ProxyContainer.Server front = container.start(List.of(TestServlets.startingAsyncInFront()),
                    ReverseProxyServlet.builder(guard).transport(transport).bodyIdleTimeout(Duration.ofMillis(300))
                            .build(), true)) {
                HttpResponse<InputStream> response = Client.stream("GET",
                        front.uri("/front-started-async/feed"), "text/event-stream");

                assertThat(response.statusCode()).isEqualTo(200);
                try (InputStream body = response.body()) {
                    assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8))
                            .as("the stream ended whole (no IOException)").isEqualTo("data: first\n\n");
                }
                Await.until(() -> guard.metrics().successfulCalls() == 1, "the call recorded");
                assertThat(guard.metrics().brokenBodies()).isZero();
                assertThat(guard.metrics().failedCalls()).isZero();
            }
        }
    }

    /** A quiet stream of another type is aborted at once, not ended as if whole with the cycle's timeout. */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aQuietNdjsonStreamIsAborted(ProxyContainer container, ProxyTransport transport) throws Exception {
        try (FaultyUpstream ndjson = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(NDJSON_HEAD + "8\r\n{\"n\":1}\n\r\n");
            exchange.awaitClosedByClient(Duration.ofSeconds(20));
        })) {
            UpstreamGuard guard = guard(ndjson.uri());
            try (ProxyContainer.Server front = container.start(List.of(TestServlets.startingAsyncInFront()),
                    ReverseProxyServlet.builder(guard).transport(transport).bodyIdleTimeout(Duration.ofMillis(300))
                            .build(), true)) {
                String received = Client.rawExchange(front.port(),
                        "GET /front-started-async/feed HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n");

                assertThat(received).startsWith("HTTP/1.1 200").contains("{\"n\":1}");
                assertThat(received).as("no last chunk").doesNotEndWith("0\r\n\r\n");
                Await.until(() -> guard.metrics().successfulCalls() == 1, "the call recorded");
                assertThat(guard.metrics().brokenBodies()).isZero();
            }
        }
    }

    private static UpstreamGuard guard(URI upstream) {
        return UpstreamGuard.of(UpstreamConfig.builder("taken-cycle").endpoints(upstream).build());
    }

    /**
     * Sends two GETs one after the other on one connection and reads their answers, each within the socket's timeout
     * of 10 s. An answer that closes the connection (Tomcat's to a 503, which it sends with {@code Connection: close})
     * is the last: the close must come within that time too.
     */
    private static List<HttpTester.Response> answersOnOneConnection(int port, String path) throws IOException {
        return answersOnOneConnection(port, path, "");
    }

    /** {@link #answersOnOneConnection(int, String)} with more fields in each request ({@code name: value\r\n}). */
    private static List<HttpTester.Response> answersOnOneConnection(int port, String path, String fields)
            throws IOException {
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            InputStream received = client.getInputStream();
            HttpTester.Input in = HttpTester.from(received);
            List<HttpTester.Response> answers = new ArrayList<>();
            for (int request = 1; request <= 2; request++) {
                out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n" + fields
                        + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                HttpTester.Response answer = HttpTester.parseResponse(in);
                assertThat(answer).as("answer %d, within 10 s", request).isNotNull();
                answers.add(answer);
                if ("close".equalsIgnoreCase(answer.get("Connection"))) {
                    assertThat(received.read()).as("the connection closed after answer %d", request).isEqualTo(-1);
                    break;
                }
            }
            return answers;
        }
    }
}
