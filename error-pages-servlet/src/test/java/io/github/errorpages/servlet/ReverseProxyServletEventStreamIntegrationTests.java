package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streams through the proxy. Server-sent events and the other streaming types ({@code StreamingResponses}) reach the
 * client part by part as they arrive, their head at once: held in the response buffer, an ndjson stream's line
 * reached the client only with the 32 KB after it, or at its end. A stream quiet between its records for longer than
 * {@code body-idle-timeout} is no failure of the upstream's: quiet is what streams do between records, and what a
 * stream whose client left looks like (the proxy learns of it only when it writes). Counted as a read timeout, every
 * quiet stream of a healthy upstream was a failure, and four of them opened its breaker, every other request to it
 * then answered with a 503. An event stream a GET asked for then ends as a whole response, which a browser's
 * {@code EventSource} reconnects to (with {@code Last-Event-ID}) as it does to one that failed; any other is aborted,
 * not passed off as whole. A stream the upstream breaks off, or that stalls within a record, still counts against
 * the upstream. Runs once per {@link ProxyTransport}
 * ({@link ReverseProxyServletEventStreamJettyTransportIntegrationTests},
 * {@link ReverseProxyServletEventStreamJdkTransportIntegrationTests}).
 */
abstract class ReverseProxyServletEventStreamIntegrationTests {

    private static final String EVENT_STREAM_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String FIRST_EVENT = "d\r\ndata: first\n\n\r\n"; // a chunk of 13 bytes
    private static final String NDJSON_HEAD =
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String FIRST_LINE = "8\r\n{\"n\":1}\n\r\n";
    /** Opens after two failures of the last four calls: a stream counted as failed would open it at once. */
    private static final CircuitBreakerConfig QUICK_TO_OPEN = CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(4)
            .minimumNumberOfCalls(2).failureRateThreshold(50).waitDurationInOpenState(Duration.ofMinutes(1)).build();

    private final ProxyTransport transport;
    private final ExecutorService ownThreads = Executors.newCachedThreadPool();
    private JettyServer proxy;

    ReverseProxyServletEventStreamIntegrationTests(ProxyTransport transport) {
        this.transport = transport;
    }

    @AfterEach
    void stopProxy() {
        ownThreads.shutdownNow();
        if (proxy != null) {
            proxy.close();
        }
    }

    /**
     * Quiet streams of a healthy upstream, with and without asynchronous support (the Jetty transport then writes
     * with blocking writes on the container's thread): each ends as a whole response once quiet for the body idle
     * timeout, its upstream connection closed, and the breaker stays closed with no failure and no broken body.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void quietEventStreamsEndWholeAndCountNothingAgainstTheUpstream(boolean asyncSupported) throws Exception {
        CompletableFuture<Boolean> closedByTheProxy = new CompletableFuture<>();
        try (FaultyUpstream events = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(EVENT_STREAM_HEAD + FIRST_EVENT);
            closedByTheProxy.complete(exchange.awaitClosedByClient(Duration.ofSeconds(20)));
        })) {
            UpstreamGuard guard = guard(events);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .bodyIdleTimeout(Duration.ofMillis(300)).build(), asyncSupported).start();

            for (int stream = 1; stream <= 3; stream++) {
                HttpResponse<InputStream> response = Client.stream("GET", proxy.uri("/feed"), "text/event-stream");

                assertThat(response.statusCode()).isEqualTo(200);
                try (BufferedReader lines = lines(response)) {
                    assertThat(lines.readLine()).isEqualTo("data: first");
                    assertThat(lines.readLine()).isEmpty();
                    assertThat(lines.readLine()).as("the end of stream %d, whole (no IOException)", stream).isNull();
                }
            }

            assertThat(closedByTheProxy.get(20, TimeUnit.SECONDS)).as("the upstream's connection closed").isTrue();
            Await.until(() -> guard.metrics().successfulCalls() == 3, "the three calls recorded");
            assertThat(guard.metrics().brokenBodies()).isZero();
            assertThat(guard.metrics().failedCalls()).isZero();
            assertThat(breaker(guard).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(breaker(guard).getMetrics().getNumberOfFailedCalls()).isZero();
        }
    }

    /**
     * A stream's head and each of its parts reach the client before the upstream sends the next part: the media types
     * of streams, and any response the upstream marks with {@code X-Accel-Buffering: no}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Content-Type: application/x-ndjson", "Content-Type: application/ndjson; charset=utf-8",
            "Content-Type: application/grpc-web+proto", "Content-Type: Application/Stream+JSON",
            "Content-Type: application/json\r\nX-Accel-Buffering: no", "Content-Type: text/event-stream"})
    void streamsReachTheClientPartByPart(String fields) throws Exception {
        Semaphore firstPart = new Semaphore(0);
        Semaphore secondPart = new Semaphore(0);
        try (FaultyUpstream stream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\n" + fields + "\r\nTransfer-Encoding: chunked\r\n\r\n");
            exchange.await(firstPart, Duration.ofSeconds(30));
            exchange.writeRaw("8\r\n{\"n\":1}\n\r\n");
            exchange.await(secondPart, Duration.ofSeconds(30));
            exchange.writeRaw("8\r\n{\"n\":2}\n\r\n0\r\n\r\n");
        })) {
            UpstreamGuard guard = guard(stream);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport).build())
                    .start();
            try {
                HttpResponse<InputStream> response = ownThreads.submit(
                        () -> Client.stream("GET", proxy.uri("/feed"), "*/*")).get(10, TimeUnit.SECONDS);

                assertThat(response.statusCode()).as("the head, before any part").isEqualTo(200);
                firstPart.release();
                try (BufferedReader lines = lines(response)) {
                    assertThat(ownThreads.submit(lines::readLine).get(10, TimeUnit.SECONDS))
                            .as("the first part, before the upstream sent the second").isEqualTo("{\"n\":1}");
                    secondPart.release();
                    assertThat(lines.readLine()).isEqualTo("{\"n\":2}");
                    assertThat(lines.readLine()).isNull();
                }
            } finally {
                firstPart.release();
                secondPart.release();
            }
        }
    }

    /**
     * Any other body without a length waits in the response buffer: an upstream that fails within the first buffer
     * still gets the client a 502 page, not a 200 cut short (R21).
     */
    @Test
    void bodyOfAnotherTypeFailingWithinTheFirstBufferGetsThePage() throws Exception {
        try (FaultyUpstream stream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    + "\r\n8\r\n{\"n\":1}\n\r\n");
            exchange.closeConnection();
        })) {
            UpstreamGuard guard = guard(stream);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport).build())
                    .start();

            HttpResponse<byte[]> response = Client.get(proxy.uri("/feed"), "application/json");

            assertThat(response.statusCode()).isEqualTo(502);
        }
    }

    /** A stream whose events come more often than the body idle timeout is relayed to its end, however long. */
    @Test
    void eventStreamThatKeepsSendingOutlivesTheBodyIdleTimeout() throws Exception {
        try (FaultyUpstream events = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(EVENT_STREAM_HEAD);
            for (int event = 0; event < 6; event++) {
                exchange.await(Duration.ofMillis(250)); // the upstream's pace, six times a quarter of the timeout
                exchange.writeRaw("9\r\ndata: " + event + "\n\n\r\n");
            }
            exchange.writeRaw("0\r\n\r\n");
        })) {
            UpstreamGuard guard = guard(events);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .bodyIdleTimeout(Duration.ofSeconds(1)).build()).start();

            HttpResponse<InputStream> response = Client.stream("GET", proxy.uri("/feed"), "text/event-stream");

            try (BufferedReader lines = lines(response)) {
                for (int event = 0; event < 6; event++) {
                    assertThat(lines.readLine()).isEqualTo("data: " + event);
                    assertThat(lines.readLine()).isEmpty();
                }
                assertThat(lines.readLine()).isNull();
            }
            Await.until(() -> guard.metrics().successfulCalls() == 1, "the call recorded");
            assertThat(guard.metrics().brokenBodies()).isZero();
        }
    }

    /** An event stream the upstream breaks off (its connection closed mid-body) is a failure of the upstream's. */
    @Test
    void eventStreamTheUpstreamBreaksOffCountsAgainstIt() throws Exception {
        try (FaultyUpstream events = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(EVENT_STREAM_HEAD + FIRST_EVENT);
            exchange.closeConnection(); // no last chunk
        })) {
            UpstreamGuard guard = guard(events);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .bodyIdleTimeout(Duration.ofSeconds(10)).build()).start();

            HttpResponse<InputStream> response = Client.stream("GET", proxy.uri("/feed"), "text/event-stream");

            try (BufferedReader lines = lines(response)) {
                assertThat(lines.readLine()).isEqualTo("data: first");
                assertThat(lines.readLine()).isEmpty();
                assertThatThrownBy(lines::readLine).as("a response aborted, not ended as if whole")
                        .isInstanceOf(IOException.class);
            }
            Await.until(() -> guard.metrics().brokenBodies() == 1, "the broken body counted");
        }
    }

    /**
     * A stream that stalls within a record (an event, within an HTTP chunk the upstream announced or in a chunk of
     * half an event; a line of ndjson) is the upstream's failure, which it is whether the client is there or not: its
     * response aborted, its broken body counted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"an event, within a chunk", "an event", "a line"})
    void streamThatStallsWithinARecordCountsAgainstTheUpstream(String within) throws Exception {
        String sent = switch (within) {
            case "an event, within a chunk" -> EVENT_STREAM_HEAD + FIRST_EVENT + "e\r\ndata: sec"; // 9 of 14 bytes
            case "an event" -> EVENT_STREAM_HEAD + FIRST_EVENT + "9\r\ndata: sec\r\n";
            case "a line" -> NDJSON_HEAD + FIRST_LINE + "6\r\n{\"n\":2\r\n";
            default -> throw new IllegalArgumentException(within);
        };
        try (FaultyUpstream events = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(sent);
            exchange.awaitClosedByClient(Duration.ofSeconds(20));
        })) {
            UpstreamGuard guard = guard(events);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .bodyIdleTimeout(Duration.ofMillis(300)).build()).start();

            HttpResponse<InputStream> response = Client.stream("GET", proxy.uri("/feed"), "*/*");

            assertThat(response.statusCode()).isEqualTo(200);
            try (InputStream body = response.body()) {
                assertThatThrownBy(body::readAllBytes).as("a response aborted, not ended as if whole")
                        .isInstanceOf(IOException.class);
            }
            Await.until(() -> guard.metrics().brokenBodies() == 1, "the broken body counted");
            assertThat(breaker(guard).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        }
    }

    /**
     * A stream quiet between records that no client reconnects to when it ends (an event stream that answers a POST,
     * a chat's reply read with {@code fetch}; ndjson; gRPC-Web; a response marked {@code X-Accel-Buffering: no}), or
     * whose end would cut it short (a length, a content coding): its response is aborted, not ended as if it were
     * whole, but it counts nothing against the upstream. Its quiet is what streams do, and what a stream whose client
     * left looks like: counted, users who closed their tabs opened a healthy upstream's breaker.
     */
    @ParameterizedTest
    @ValueSource(strings = {"POST event stream", "event stream short of its length", "compressed event stream",
            "ndjson", "gRPC-Web", "X-Accel-Buffering: no"})
    void quietStreamThatCannotEndWholeIsAbortedCountingNothing(String stream) throws Exception {
        String sent = switch (stream) {
            case "POST event stream" -> EVENT_STREAM_HEAD + FIRST_EVENT;
            case "event stream short of its length" -> "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    + "Content-Length: 99\r\n\r\ndata: first\n\n";
            case "compressed event stream" -> EVENT_STREAM_HEAD.replace("\r\n\r\n",
                    "\r\nContent-Encoding: gzip\r\n\r\n") + FIRST_EVENT;
            case "ndjson" -> NDJSON_HEAD + FIRST_LINE;
            case "gRPC-Web" -> NDJSON_HEAD.replace("application/x-ndjson", "application/grpc-web+proto")
                    + "3\r\n\u0000\u0000\u0000\r\n"; // within a frame's length prefix: not read, so between records
            case "X-Accel-Buffering: no" -> NDJSON_HEAD.replace("application/x-ndjson",
                    "application/json\r\nX-Accel-Buffering: no") + "2\r\n[{\r\n";
            default -> throw new IllegalArgumentException(stream);
        };
        CompletableFuture<Boolean> closedByTheProxy = new CompletableFuture<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(sent);
            closedByTheProxy.complete(exchange.awaitClosedByClient(Duration.ofSeconds(20)));
        })) {
            UpstreamGuard guard = guard(upstream);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .bodyIdleTimeout(Duration.ofMillis(300)).build()).start();

            HttpResponse<InputStream> response = Client.stream(stream.startsWith("POST") ? "POST" : "GET",
                    proxy.uri("/feed"), "*/*");

            assertThat(response.statusCode()).isEqualTo(200);
            try (InputStream body = response.body()) {
                assertThatThrownBy(body::readAllBytes).as("a response aborted, not ended as if whole")
                        .isInstanceOf(IOException.class);
            }
            assertThat(closedByTheProxy.get(20, TimeUnit.SECONDS)).as("the upstream's connection closed").isTrue();
            Await.until(() -> guard.metrics().successfulCalls() == 1, "the call recorded");
            assertThat(guard.metrics().brokenBodies()).isZero();
            assertThat(guard.metrics().failedCalls()).isZero();
            assertThat(breaker(guard).getMetrics().getNumberOfFailedCalls()).isZero();
        }
    }

    /**
     * A quiet ndjson stream behind a filter that started the asynchronous cycle itself (as a framework's filter may) is
     * aborted too. With the JDK transport the abort thrown within that cycle did not end it, and Jetty completed it
     * when the filter's timeout came (120 s here), with the last chunk, as if the body were whole; the Jetty transport
     * answered nothing at all ({@code ReverseProxyServletIntegrationTests}).
     */
    @Test
    void quietStreamInACycleAFilterInFrontStartedIsAborted() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(NDJSON_HEAD + FIRST_LINE);
            exchange.awaitClosedByClient(Duration.ofSeconds(20));
        })) {
            UpstreamGuard guard = guard(upstream);
            proxy = new JettyServer().filter(TestServlets.startingAsyncInFront()).servlet("/*",
                    ReverseProxyServlet.builder(guard).transport(transport).bodyIdleTimeout(Duration.ofMillis(300))
                            .build()).start();

            AtomicReference<String> received = new AtomicReference<>();
            String log = StandardError.capture(() -> received.set(Client.rawExchange(proxy.port(),
                    "GET /front-started-async/feed HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n")));

            assertThat(received.get()).startsWith("HTTP/1.1 200").contains("{\"n\":1}");
            assertThat(received.get()).as("no last chunk").doesNotEndWith("0\r\n\r\n");
            assertThat(log).as("Jetty's WARN for an exception thrown after the abort").doesNotContain("onError");
            Await.until(() -> guard.metrics().successfulCalls() == 1, "the call recorded");
            assertThat(guard.metrics().brokenBodies()).isZero();
        }
    }

    /**
     * A client that leaves a quiet stream (closes its HTTP/1.1 connection) tells the proxy nothing until it writes:
     * the stream ends with the body idle timeout at the latest, its upstream connection closed, and the call is no
     * failure of the upstream's, an event stream's or any other stream's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"text/event-stream", "application/x-ndjson"})
    void clientLeavingAQuietStreamCountsNothingAgainstTheUpstream(String type) throws Exception {
        boolean events = type.equals("text/event-stream");
        CompletableFuture<Boolean> closedByTheProxy = new CompletableFuture<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw(events ? EVENT_STREAM_HEAD + FIRST_EVENT : NDJSON_HEAD + FIRST_LINE);
            closedByTheProxy.complete(exchange.awaitClosedByClient(Duration.ofSeconds(20)));
        })) {
            UpstreamGuard guard = guard(upstream);
            proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .bodyIdleTimeout(Duration.ofMillis(300)).build()).start();

            try (Socket client = new Socket("127.0.0.1", proxy.port())) {
                client.setSoTimeout(20_000);
                client.getOutputStream().write(("GET /feed HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Accept: " + type + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                BufferedReader lines = new BufferedReader(
                        new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                String first = events ? "data: first" : "{\"n\":1}";
                String line;
                do {
                    line = lines.readLine();
                } while (line != null && !line.equals(first));
                assertThat(line).isEqualTo(first);
            } // the user closed the tab

            assertThat(closedByTheProxy.get(20, TimeUnit.SECONDS)).as("the upstream's connection closed").isTrue();
            Await.until(() -> guard.metrics().calls() == guard.metrics().successfulCalls()
                    + guard.metrics().abortedCalls(), "the call to end");
            assertThat(guard.metrics().failedCalls()).isZero();
            assertThat(guard.metrics().brokenBodies()).isZero();
            assertThat(breaker(guard).getMetrics().getNumberOfFailedCalls()).isZero();
        }
    }

    private static UpstreamGuard guard(FaultyUpstream upstream) {
        return UpstreamGuard.of(UpstreamConfig.builder("events").endpoints(upstream.uri())
                .circuitBreakerConfig(QUICK_TO_OPEN).build());
    }

    private static CircuitBreaker breaker(UpstreamGuard guard) {
        return guard.circuitBreakers().get(0);
    }

    private static BufferedReader lines(HttpResponse<InputStream> response) {
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }
}
