package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static io.github.errorpages.upstream.Guards.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.internal.JdkResponseAdapter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The retry policy against a real loopback upstream that counts what it receives (standards R13, R14, R43,
 * R47): what is sent once, what is sent again, and where.
 */
class SafeRetryIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    private GuardedHttpClient client(UpstreamConfig.Builder config) {
        return GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config.build()).listener(events).build());
    }

    static Stream<Arguments> failuresAfterTheRequestLeft() {
        return Stream.of(
                Arguments.of("upstream 503", Behaviour.respond(503, "busy"), FailureCause.UPSTREAM_STATUS),
                Arguments.of("read timeout", Behaviour.stall(), FailureCause.HTTP_RESPONSE_TIMEOUT),
                Arguments.of("reset after the request", Behaviour.resetBeforeResponse(), FailureCause.CONNECTION_TERMINATED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failuresAfterTheRequestLeft")
    void postIsSentExactlyOnce(String name, Behaviour failure, FailureCause cause) { // R13
        FaultyUpstream upstream = upstreams.start(failure);
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3).attemptTimeout(Duration.ofMillis(300)));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(request("POST", "/orders", "{\"item\":42}"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(upstream.requests().get(0).bodyText()).isEqualTo("{\"item\":42}");
        assertThat(thrown.failure().cause()).isEqualTo(cause);
        assertThat(thrown.failure().attempts()).isEqualTo(1);
        assertThat(events.refusals()).containsExactly(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(thrown.failure().retryRefusal()).as("as the event says").isEqualTo(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(client.guard().metrics().attempts()).isEqualTo(1);
    }

    @ParameterizedTest(name = "max-attempts {0}")
    @ValueSource(ints = {1, 2, 3})
    void getIsSentOncePlusRetries(int maxAttempts) { // R14
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(maxAttempts));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders/42"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(maxAttempts);
        assertThat(upstream.requests()).allSatisfy(r -> assertThat(r.target()).isEqualTo("/orders/42"));
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(failure.upstreamStatus()).isEqualTo(503);
        assertThat(failure.attempts()).isEqualTo(maxAttempts);
        assertThat(failure.upstream()).isEqualTo("orders");
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(maxAttempts - 1);
        assertThat(events.refusals()).containsExactly(RetryRefusal.MAX_ATTEMPTS);
        assertThat(failure.retryRefusal()).as("as the event says").isEqualTo(RetryRefusal.MAX_ATTEMPTS);
    }

    @Test
    void retriedPutSucceedsWhenTheUpstreamRecovers() {
        // PUT, because the JDK client itself sends a GET again when the connection closes before any byte.
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(Behaviour.resetBeforeResponse(),
                Behaviour.respond(502, "bad"), Behaviour.ok()));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3));

        HttpResponse<String> response = assertSent(client, request("PUT", "/orders/42", "{}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(upstream.requestCount()).isEqualTo(3);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).extracting(UpstreamEvent.RetryScheduled::cause)
                .containsExactly(FailureCause.CONNECTION_TERMINATED, FailureCause.UPSTREAM_STATUS);
        assertThat(events.of(UpstreamEvent.CallSucceeded.class)).singleElement()
                .satisfies(e -> assertThat(e.attempts()).isEqualTo(3));
    }

    @Test
    void readTimeoutIsRetriedForGetButNotForPut() { // R13: only safe methods after a read timeout
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(Behaviour.stall(), Behaviour.ok()));
        // The retry must succeed within the same attempt timeout, on a new connection: 300 ms was too short for
        // that on two cores shared with other builds (it failed 2 of 4 runs at load average 12).
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(1)));

        assertThat(assertSent(client, get("/slow")).statusCode()).isEqualTo(200);
        assertThat(upstream.requestCount()).isEqualTo(2);

        upstream.clearRequests();
        upstream.behave(Behaviour.stall());
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(request("PUT", "/orders/42", "{}"), BodyHandlers.ofString()));
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(events.refusals()).containsExactly(RetryRefusal.NOT_IDEMPOTENT);
    }

    @Test
    void putIsRetriedWithTheSameBufferedBody() {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(Behaviour.respond(503, "busy"), Behaviour.ok()));
        GuardedHttpClient client = client(fast(upstream.uri()));

        assertSent(client, request("PUT", "/orders/42", "{\"state\":\"paid\"}"));

        assertThat(upstream.requests()).extracting(FaultyUpstream.RecordedRequest::bodyText)
                .containsExactly("{\"state\":\"paid\"}", "{\"state\":\"paid\"}");
    }

    @Test
    void postWithIdempotencyKeyIsRetriedOnlyWhenEnabled() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://orders/payments"))
                .header("Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324")
                .POST(BodyPublishers.ofString("amount=10"))
                .build();

        catchThrowableOfType(UpstreamFailureException.class, () -> client(fast(upstream.uri())).send(post,
                BodyHandlers.ofString()));
        assertThat(upstream.requestCount()).as("opt-in off").isEqualTo(1);

        upstream.clearRequests();
        upstream.behave(Behaviour.sequence(Behaviour.respond(503, "busy"), Behaviour.ok()));
        GuardedHttpClient enabled = client(fast(upstream.uri()).retryUnsafeWithIdempotencyKeyEnabled(true));
        assertThat(assertSent(enabled, post).statusCode()).isEqualTo(200);
        assertThat(upstream.requests()).hasSize(2).allSatisfy(r -> {
            assertThat(r.bodyText()).isEqualTo("amount=10");
            assertThat(r.headers()).containsEntry("idempotency-key", "8e03978e-40d5-43e8-bc93-6894a57f9324");
        });
    }

    /** A blank key names nothing the upstream could recognise the second request by: not retried. */
    @Test
    void postWithABlankIdempotencyKeyIsNotRetried() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient enabled = client(fast(upstream.uri()).retryUnsafeWithIdempotencyKeyEnabled(true));

        for (String blank : List.of("", " ", "\"\"", "\" \"", ",")) {
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://orders/payments"))
                    .header("Idempotency-Key", blank).POST(BodyPublishers.ofString("amount=10")).build();
            catchThrowableOfType(UpstreamFailureException.class, () -> enabled.send(post, BodyHandlers.ofString()));
        }

        assertThat(upstream.requestCount()).as("each POST sent once").isEqualTo(5);
        assertThat(events.refusals()).containsOnly(RetryRefusal.NOT_IDEMPOTENT);
    }

    @Test
    void postThatNeverLeftGoesToTheNextEndpointOnlyWhenEnabled() { // R13: connect refused, body never read
        FaultyUpstream live = upstreams.start(Behaviour.ok());
        URI refusing = LoopbackUpstreams.refusing();
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://orders/orders"))
                .POST(BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream("streamed order".getBytes(StandardCharsets.UTF_8))))
                .build();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client(fast(refusing, live.uri())).send(post, BodyHandlers.ofString()));
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.CONNECTION_REFUSED);
        assertThat(live.requestCount()).isZero();
        assertThat(events.refusals()).containsExactly(RetryRefusal.NOT_IDEMPOTENT);

        GuardedHttpClient enabled = client(fast(refusing, live.uri()).retryUnsafeNeverSentEnabled(true));
        assertThat(assertSent(enabled, post).statusCode()).isEqualTo(200);
        assertThat(live.requests()).singleElement()
                .satisfies(r -> assertThat(r.bodyText()).isEqualTo("streamed order"));
    }

    @Test
    void bodyTooLargeToBufferIsNotSentAgain() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxReplayBody(16));

        catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(request("PUT", "/documents/7", "x".repeat(100)), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(upstream.requests().get(0).body()).hasSize(100);
        assertThat(events.refusals()).containsExactly(RetryRefusal.BODY_NOT_REPLAYABLE);
    }

    /** R13: a body of exactly {@code retry.max-replay-body} is buffered, so an idempotent request is sent again. */
    @Test
    void bodyOfExactlyTheReplayLimitIsSentAgain() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxReplayBody(16).maxAttempts(2));

        catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(request("PUT", "/documents/7", "x".repeat(16)), BodyHandlers.ofString()));

        assertThat(upstream.requests()).hasSize(2)
                .allSatisfy(r -> assertThat(r.bodyText()).isEqualTo("x".repeat(16)));
        assertThat(events.refusals()).containsExactly(RetryRefusal.MAX_ATTEMPTS);
    }

    /**
     * An application that calls through the guard itself with a body it can send only once (a stream it copies from
     * its own client) says so with {@code withReplayableBody(false)}: an idempotent PUT that met a 503 is then not
     * sent again. Sent again, the stream's rest, nothing, went out as the whole body, a PUT that empties the resource.
     */
    @Test
    void bodyTheCallerCannotSendAgainIsNotRetried() { // R13
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).maxAttempts(3).build()).listener(events)
                .build();
        ByteArrayInputStream once = new ByteArrayInputStream("{\"paid\":true}".getBytes(StandardCharsets.UTF_8));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("PUT").withReplayableBody(false),
                        JdkResponseAdapter.<String>instance(), attempt -> HTTP.send(
                                HttpRequest.newBuilder(attempt.resolve(URI.create("/orders/42")))
                                        .timeout(attempt.timeout()).PUT(BodyPublishers.ofInputStream(() -> once))
                                        .build(), BodyHandlers.ofString())));

        assertThat(upstream.requests()).singleElement()
                .satisfies(r -> assertThat(r.bodyText()).isEqualTo("{\"paid\":true}"));
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.BODY_NOT_REPLAYABLE);
        assertThat(events.refusals()).containsExactly(RetryRefusal.BODY_NOT_REPLAYABLE);
    }

    @Test
    void responseFromAGatewayThatAlreadyGaveUpIsNotRetried() { // R47
        FaultyUpstream upstream = upstreams.start(
                Behaviour.respond(502, "", "Proxy-Status", "edge-proxy; error=connection_timeout"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(502);
        assertThat(events.refusals()).containsExactly(RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP);
    }

    /**
     * R47's opt-in, {@code retry.on-proxy-status-error}: a 5xx another gateway already gave up on is retried like any
     * other retryable status, and the retry's success is the call's.
     */
    @Test
    void responseFromAGatewayThatGaveUpIsRetriedWhenConfiguredTo() { // R47
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(502, "", "Proxy-Status", "edge-proxy; error=connection_timeout"), Behaviour.ok()));
        GuardedHttpClient client = client(fast(upstream.uri()).retryOnProxyStatusErrorEnabled(true));

        HttpResponse<String> response = assertSent(client, get("/orders"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(upstream.requestCount()).isEqualTo(2);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.upstreamStatus()).isEqualTo(502));
        assertThat(events.refusals()).isEmpty();
    }

    /**
     * A replayable body larger than the first buffer it is read into (8 KiB; a 20 000-byte PUT comes from the JDK's
     * publisher in pieces of 16 KiB and 3 616 bytes) is sent again whole, byte for byte: the buffer grows to the
     * declared length, and a retry never sends a part of the body, or another one.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void bodyLargerThanOneBufferIsSentAgainWhole(boolean async) throws Exception { // R13
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(Behaviour.respond(503, "busy"), Behaviour.ok()));
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(4)));
        byte[] body = new byte[20_000];
        new SplittableRandom(11).nextBytes(body);
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/documents/7"))
                .PUT(BodyPublishers.ofByteArray(body)).build();

        HttpResponse<String> response = async
                ? client.sendAsync(put, BodyHandlers.ofString()).get(20, TimeUnit.SECONDS)
                : client.send(put, BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(upstream.requests()).hasSize(2).allSatisfy(r -> assertThat(r.body()).isEqualTo(body));
    }

    /**
     * A gateway past the upstream (this one, the request come round) answered that the request had passed it before:
     * the failure is the loop (RFC 9209), neither retried nor counted by the breaker, so that the page, the log line
     * and the support code name the loop. It was an upstream 502 that the breaker counted until it opened.
     */
    @Test
    void aForwardingLoopReportedPastTheUpstreamIsTheLoop() {
        FaultyUpstream upstream = upstreams.start(
                Behaviour.respond(502, "", "Proxy-Status", "edge; error=proxy_loop_detected"));
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).maxAttempts(3).build()).listener(events)
                .build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);

        for (int call = 0; call < 12; call++) {
            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> client.send(get("/orders"), BodyHandlers.ofString()));

            assertThat(thrown.failure().cause()).as("call %d", call).isEqualTo(FailureCause.PROXY_LOOP_DETECTED);
            assertThat(thrown.failure().attempts()).isEqualTo(1);
        }
        assertThat(upstream.requestCount()).isEqualTo(12);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 501, 505})
    void statusesThatARetryCannotFixAreNotRetried(int status) { // R43
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(status, "broken"));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client(fast(upstream.uri())).send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(status);
        assertThat(events.refusals()).containsExactly(RetryRefusal.NOT_RETRYABLE);
    }

    @Test
    void clientErrorsAreAnswersNotFailures() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(404, "no such order"));
        GuardedHttpClient client = client(fast(upstream.uri()));

        HttpResponse<String> response = assertSent(client, get("/orders/0"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("no such order");
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
    }

    @Test
    void retryDelaysLieWithinTheJitterBoundsWithAFixedSeed() { // R43
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        UpstreamConfig config = UpstreamConfig.builder("orders").endpoints(upstream.uri()).maxAttempts(3)
                .backoff(Duration.ofMillis(40), 2.0, Duration.ofMillis(60), 0.2).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP,
                UpstreamGuard.builder(config).listener(events).random(new SplittableRandom(7)).build());

        catchThrowableOfType(UpstreamFailureException.class, () -> client.send(get("/orders"), BodyHandlers.ofString()));

        List<Duration> delays = events.of(UpstreamEvent.RetryScheduled.class).stream()
                .map(UpstreamEvent.RetryScheduled::delay).toList();
        assertThat(delays).hasSize(2);
        assertThat(delays.get(0)).isBetween(Duration.ofMillis(32), Duration.ofMillis(48)); // 0.8–1.2 × 40 ms
        assertThat(delays.get(1)).isBetween(Duration.ofMillis(48), Duration.ofMillis(72)); // 0.8–1.2 × min(80, 60) ms
        // Jittered, not the bare exponential delays, which lie within those bounds too: without jitter every
        // gateway instance retries in lock-step (a fixed seed draws other factors than exactly 1).
        assertThat(delays).doesNotContain(Duration.ofMillis(40), Duration.ofMillis(60));
        List<Long> received = upstream.requestTimesNanos();
        for (int retry = 1; retry <= 2; retry++) {
            assertThat(received.get(retry) - received.get(retry - 1))
                    .as("gap before retry %d", retry).isGreaterThanOrEqualTo(delays.get(retry - 1).toNanos());
        }
    }

    private static HttpResponse<String> assertSent(GuardedHttpClient client, HttpRequest request) {
        try {
            return client.send(request, BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
