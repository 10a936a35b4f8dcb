package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.internal.JdkResponseAdapter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream's {@code Retry-After} is a floor for the next attempt, and above the cap or the deadline it
 * ends the call at once and is passed on (standards R46, R3, R10).
 */
class RetryAfterIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    @Test
    void retryAfterOneSecondDelaysTheRetryByAtLeastASecond() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "busy", "Retry-After", "1"), Behaviour.ok()));
        // The body-agnostic API, with the JDK client used by hand, so the test sees each attempt.
        // 1.7 s of the deadline are left for the retry's first 300 ms after the 1 s wait, so a busy machine's
        // delays do not end the call before its second attempt.
        UpstreamConfig config = fast(upstream.uri()).deadline(Duration.ofSeconds(3))
                .attemptTimeout(Duration.ofMillis(2500)).minAttemptTimeout(Duration.ofMillis(300)).build();
        UpstreamGuard guard = UpstreamGuard.builder(config).listener(events).build();
        List<Attempt> attempts = new CopyOnWriteArrayList<>();

        HttpResponse<String> response = guard.call(UpstreamRequest.of("GET"), JdkResponseAdapter.instance(), attempt -> {
            attempts.add(attempt);
            HttpRequest request = HttpRequest.newBuilder(attempt.resolve(URI.create("/orders/42")))
                    .timeout(attempt.timeout()).build();
            return HTTP.send(request, BodyHandlers.ofString());
        });

        assertThat(response.statusCode()).isEqualTo(200);
        List<Long> received = upstream.requestTimesNanos();
        assertThat(received).hasSize(2);
        assertThat(Duration.ofNanos(received.get(1) - received.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(e -> assertThat(e.delay()).isEqualTo(Duration.ofSeconds(1)));
        // The retry only gets what is left of the deadline after the wait: less than 3 s - 1 s, where its full
        // 2.5 s would show the wait not counted. Time lost to a busy machine only makes it shorter.
        assertThat(attempts).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(attempts.get(0).timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(attempts.get(1).timeout()).isLessThan(Duration.ofSeconds(2)).isPositive();
    }

    @Test
    void retryAfterAboveTheCapEndsTheCallAtOnceAndIsPassedOn() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "120"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP,
                UpstreamGuard.builder(fast(upstream.uri()).maxAttempts(3).maxHonouredRetryAfter(Duration.ofSeconds(10))
                        .build()).listener(events).build());

        long start = System.nanoTime();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(upstream.requestCount()).isEqualTo(1);
        // At once: a guard that waited before giving up would wait the 10 s it honours at least.
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(events.refusals()).containsExactly(RetryRefusal.RETRY_AFTER_TOO_LONG);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(120));
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure());
        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfterHeader()).isEqualTo("120");
    }

    /**
     * R46 is one endpoint's pushback: among several, a retry goes to one the call has not tried, neither giving up on
     * the call nor waiting (a node in maintenance among healthy ones). Half the calls started at the node and failed
     * at once with its 120 s. The calls after the first do not start there either: the guard remembers the pushback.
     */
    @Test
    void aLongRetryAfterOfOneEndpointSendsTheRetryToAnotherAtOnce() throws Exception {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(maintenance.uri(),
                healthy.uri()).maxAttempts(2).build()).listener(events).build());

        for (int i = 0; i < 4; i++) {
            assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        assertThat(maintenance.requestCount()).as("the first call only").isEqualTo(1);
        assertThat(healthy.requestCount()).isEqualTo(4);
        assertThat(events.refusals()).isEmpty();
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(1)
                .allSatisfy(retry -> assertThat(retry.delay()).as("the backoff, not the Retry-After")
                        .isLessThan(Duration.ofSeconds(1)));
    }

    /**
     * R46: an endpoint's pushback holds for the guard's other calls too: while it lasts, round-robin starts none of
     * them there (the node in maintenance is not asked again and again, and no call waits for its answer before its
     * retry), as long as another endpoint admits the attempt.
     */
    @Test
    void anEndpointsRetryAfterSendsTheGuardsOtherCallsToAnotherEndpoint() throws Exception {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        UpstreamGuard guard = UpstreamGuard.builder(fast(maintenance.uri(), healthy.uri()).build())
                .listener(events).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);

        for (int i = 0; i < 6; i++) {
            assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        assertThat(maintenance.requestCount()).as("round-robin would start three calls there").isEqualTo(1);
        assertThat(healthy.requestCount()).isEqualTo(6);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(1);

        // No other endpoint admits the attempt: the one pushing back is called, and its answer holds.
        guard.endpoint(1).breaker().transitionToForcedOpenState();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));
        assertThat(maintenance.requestCount()).isEqualTo(2);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(120));
    }

    /** R46: an endpoint that answers a call again is no longer avoided by the guard's other calls. */
    @Test
    void anEndpointThatAnswersAgainIsNoLongerAvoided() throws Exception {
        FaultyUpstream recovering = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "maintenance", "Retry-After", "120"), Behaviour.ok()));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        UpstreamGuard guard = UpstreamGuard.builder(fast(recovering.uri(), healthy.uri()).build()).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        // Only it admits the attempt, and answers: the pushback is over.
        guard.endpoint(1).breaker().transitionToForcedOpenState();
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        guard.endpoint(1).breaker().transitionToClosedState();
        for (int i = 0; i < 4; i++) {
            assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        assertThat(recovering.requestCount()).as("two, then round-robin's half of four").isEqualTo(4);
        assertThat(healthy.requestCount()).isEqualTo(3);
    }

    /**
     * R46: the endpoint that sent a {@code Retry-After} is not tried again sooner, though the call's retry went to
     * another endpoint first: the third attempt, which only it can take, waits for it.
     */
    @Test
    void theEndpointThatSentARetryAfterIsNotTriedAgainSooner() throws Exception {
        FaultyUpstream pushesBack = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "busy", "Retry-After", "1"), Behaviour.ok()));
        FaultyUpstream failing = upstreams.start(Behaviour.respond(503, "down"));
        UpstreamConfig config = fast(pushesBack.uri(), failing.uri()).maxAttempts(3).deadline(Duration.ofSeconds(4))
                .attemptTimeout(Duration.ofSeconds(2)).minAttemptTimeout(Duration.ofMillis(300)).build();
        UpstreamGuard guard = UpstreamGuard.builder(config).listener(events).build();
        List<String> order = new CopyOnWriteArrayList<>();

        // The first attempt must go to the endpoint that pushes back: round-robin starts at the first endpoint.
        HttpResponse<String> response = guard.call(UpstreamRequest.of("GET"), JdkResponseAdapter.instance(),
                attempt -> {
                    order.add(attempt.endpoint().equals(pushesBack.uri()) ? "pushes-back" : "failing");
                    HttpRequest request = HttpRequest.newBuilder(attempt.resolve(URI.create("/orders")))
                            .timeout(attempt.timeout()).build();
                    return HTTP.send(request, BodyHandlers.ofString());
                });

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(order).containsExactly("pushes-back", "failing", "pushes-back");
        List<Long> times = pushesBack.requestTimesNanos();
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    /**
     * R46 per endpoint: a short {@code Retry-After} (2 s, which the guard honours) is the pushback of the endpoint that
     * sent it; the retry to another endpoint goes after its backoff. It waited the 2 s.
     */
    @Test
    void aShortRetryAfterOfOneEndpointDoesNotDelayTheRetryToAnother() throws Exception {
        FaultyUpstream busy = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "2"));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(busy.uri(),
                healthy.uri()).build()).listener(events).build());

        // A new guard's round-robin starts at the first endpoint.
        HttpResponse<String> response = client.send(get("/orders"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(busy.requestCount()).isEqualTo(1);
        assertThat(healthy.requestCount()).isEqualTo(1);
        // The retry's delay as the guard scheduled it, not the call's time, which a loaded machine stretches.
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.delay()).as("the backoff, no wait for the Retry-After")
                        .isLessThan(Duration.ofMillis(10)));
    }

    /**
     * R46, R8: the retry went past an endpoint's long {@code Retry-After} to another, which refused the connection;
     * the call reports the pushing-back endpoint's 503 with what is left of its wait, so that the client learns when
     * the service will be back, not the refusal (a 502 with no Retry-After).
     */
    @Test
    void aRetryAfterIsReportedWhenTheRetryToAnotherEndpointFails() {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "30"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(maintenance.uri(),
                LoopbackUpstreams.refusing()).build()).listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(maintenance.requestCount()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS));
        assertThat(events.refusals()).containsExactly(RetryRefusal.MAX_ATTEMPTS);
        assertThat(thrown.failure().attempts()).isEqualTo(2);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(thrown.failure().upstreamRetryAfter()).isGreaterThan(Duration.ofSeconds(25))
                .isLessThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(thrown).as("the 503's, which no exception made").hasNoCause();
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure());
        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfterHeader()).isEqualTo("30");
    }

    /**
     * R46: the retry went past an endpoint's long {@code Retry-After} to another, which failed without one; the call
     * then ends for that wait (the third attempt could go to neither sooner than it asked), and reports it, not the
     * other endpoint's 503 without one, for which the page would send its default.
     */
    @Test
    void aLongRetryAfterThatEndsTheCallAfterAnotherEndpointFailedIsPassedOn() {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        FaultyUpstream failing = upstreams.start(Behaviour.respond(503, "down"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(maintenance.uri(),
                failing.uri()).maxAttempts(3).maxHonouredRetryAfter(Duration.ofSeconds(10)).build())
                .listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(failing.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().attempts()).isEqualTo(2);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.RETRY_AFTER_TOO_LONG);
        assertThat(thrown.failure().upstreamRetryAfter()).isGreaterThan(Duration.ofSeconds(100))
                .isLessThanOrEqualTo(Duration.ofSeconds(120));
    }

    /** R46: of several endpoints that pushed back, the call reports the one whose wait ends soonest. */
    @Test
    void ofSeveralRetryAftersTheOneThatEndsSoonestIsReported() {
        FaultyUpstream soon = upstreams.start(Behaviour.respond(503, "soon", "Retry-After", "10"));
        FaultyUpstream later = upstreams.start(Behaviour.respond(503, "later", "Retry-After", "20"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(soon.uri(), later.uri(),
                LoopbackUpstreams.refusing()).maxAttempts(3).build()).listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(soon.requestCount()).isEqualTo(1);
        assertThat(later.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().attempts()).isEqualTo(3);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(thrown.failure().upstreamRetryAfter()).isGreaterThan(Duration.ofSeconds(5))
                .isLessThanOrEqualTo(Duration.ofSeconds(10));
    }

    /** R13, R46: a POST is not retried past a {@code Retry-After} to another endpoint either. */
    @Test
    void aNonIdempotentRequestIsNotSentToAnotherEndpointPastARetryAfter() {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(maintenance.uri(),
                healthy.uri()).build()).listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(Guards.request("POST", "/orders", "{}"), BodyHandlers.ofString()));

        assertThat(healthy.requestCount()).isZero();
        assertThat(events.refusals()).containsExactly(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void hugeRetryAfterIsPassedOnClamped() { // R10
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "99999"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).build()));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure()).retryAfterHeader())
                .isEqualTo("3600");
    }

    @Test
    void retryAfterBeyondTheDeadlineEndsTheCallAtOnce() { // R45, R46
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "5"));
        UpstreamConfig config = fast(upstream.uri()).deadline(Duration.ofSeconds(4))
                .attemptTimeout(Duration.ofSeconds(1)).maxHonouredRetryAfter(Duration.ofSeconds(10)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config).listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(events.refusals()).containsExactly(RetryRefusal.DEADLINE);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(5));
        // At once: waiting out the Retry-After (5 s) or the deadline (4 s) before giving up would take longer.
        assertThat(thrown.failure().elapsed()).isLessThan(Duration.ofSeconds(4));
    }

    /**
     * R46: a retry goes past a {@code Retry-After} only to an endpoint that is not pushing back itself. Both endpoints
     * in maintenance: once the guard knows it, each call fails at once with one request and the 120 s, as with one
     * endpoint. Each call also sent its retry to the other endpoint within that endpoint's 120 s, doubling the load.
     */
    @Test
    void aRetryDoesNotGoPastARetryAfterToAnotherEndpointPushingBackToo() {
        FaultyUpstream a = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        FaultyUpstream b = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(a.uri(), b.uri())
                .maxAttempts(2).build()).listener(events).build());
        // The first call learns of both: its retry goes to the other endpoint, which nothing said was pushing back.
        assertThat(catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()))).isNotNull();
        assertThat(a.requestCount() + b.requestCount()).isEqualTo(2);
        int retries = events.of(UpstreamEvent.RetryScheduled.class).size();
        int refusals = events.refusals().size();

        for (int i = 0; i < 4; i++) {
            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> client.send(get("/orders"), BodyHandlers.ofString()));
            assertThat(thrown.failure().attempts()).isEqualTo(1);
            assertThat(thrown.failure().upstreamRetryAfter()).isGreaterThan(Duration.ofSeconds(100));
        }

        assertThat(a.requestCount() + b.requestCount()).as("one request per call").isEqualTo(6);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(retries);
        assertThat(events.refusals().subList(refusals, events.refusals().size()))
                .hasSize(4).containsOnly(RetryRefusal.RETRY_AFTER_TOO_LONG);
    }

    /**
     * R46, R8: a retry past one endpoint's {@code Retry-After} that fails for a reason of its own, a forwarding loop or
     * a status that is not retried, reports that failure: the page, the log line and the support code name the loop
     * (or the 500), which the other endpoint's 503 with its wait and {@code not_retryable} for a 503 replaced.
     */
    @Test
    void aFailureOfItsOwnOnTheRetryPastARetryAfterIsReportedAsItIs() {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "30"));
        FaultyUpstream loop = upstreams.start(Behaviour.respond(502, "loop", "Proxy-Status",
                "gw; error=proxy_loop_detected"));
        GuardedHttpClient looping = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(maintenance.uri(),
                loop.uri()).maxAttempts(3).build()).listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> looping.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(loop.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().attempts()).isEqualTo(2);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_LOOP_DETECTED);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(502);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(events.refusals().get(0))
                .isIn(RetryRefusal.NOT_RETRYABLE, RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP);

        FaultyUpstream broken = upstreams.start(Behaviour.respond(500, "bug"));
        GuardedHttpClient erring = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(maintenance.uri(),
                broken.uri()).maxAttempts(3).build()).build());
        thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> erring.send(get("/orders"), BodyHandlers.ofString()));
        assertThat(broken.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.NOT_RETRYABLE);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(500);
        assertThat(thrown.failure().upstreamRetryAfter()).isNull();
    }

    /**
     * R46, R8: an endpoint that stops pushing back while an attempt looks for an endpoint (another call's success
     * there) is still taken when no other admits it. It was skipped both as pushing back and then as not, and the
     * call was refused as destination_unavailable with its breaker closed.
     */
    @Test
    void aPushbackEndingWhileAnEndpointIsPickedDoesNotRefuseTheCall() throws Exception {
        FaultyUpstream a = upstreams.start(Behaviour.ok());
        FaultyUpstream b = upstreams.start(Behaviour.ok());
        UpstreamGuard guard = UpstreamGuard.builder(fast(a.uri(), b.uri()).build()).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        guard.pushedBack(0, System.nanoTime(), Duration.ofSeconds(120));
        guard.endpoint(1).breaker().transitionToOpenState();
        // Another call's success at the first endpoint, at the moment the second refuses (OPEN tells that, FORCED_OPEN
        // does not).
        guard.endpoint(1).breaker().getEventPublisher().onCallNotPermitted(e -> guard.answered(0, System.nanoTime()));

        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(a.requestCount()).isEqualTo(1);
    }

    /**
     * R46: a success that was under way at an endpoint when it began pushing back does not end the pushback (a
     * draining node finishes the requests it has while it answers new ones 503 Retry-After). The late 200 ended it,
     * and the next calls went back to the node, each waiting for its 503 before its retry.
     */
    @Test
    void aSuccessStartedBeforeAPushbackDoesNotEndIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Behaviour late = exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.respond(200, "late");
        };
        FaultyUpstream draining = upstreams.start(Behaviour.sequence(late,
                Behaviour.respond(503, "maintenance", "Retry-After", "120")));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        UpstreamConfig config = fast(draining.uri(), healthy.uri()).deadline(Duration.ofSeconds(20))
                .attemptTimeout(Duration.ofSeconds(15)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(config));
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(get("/slow"), BodyHandlers.ofString());
        assertThat(draining.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200); // healthy
        // Round-robin's turn of the draining node: its 503 Retry-After: 120, then the healthy one.
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(draining.requestCount()).isEqualTo(2);

        release.countDown();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (int i = 0; i < 4; i++) {
            assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        assertThat(draining.requestCount()).as("its 120 s still hold").isEqualTo(2);
    }

    /**
     * R46: a retry's floor is the soonest end of the waits the endpoints the call tried ask for, and it goes to the one
     * whose wait ended: after 503 Retry-After: 1 and 503 Retry-After: 30 the third attempt goes to the first after its
     * second. The floor was the latest wait, 30 s, so the call failed as retry_after_too_long while it reported 1 s.
     */
    @Test
    void aRetryWaitsForTheSoonestRetryAfterAndGoesWhereItEnded() throws Exception {
        FaultyUpstream soon = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "busy", "Retry-After", "1"), Behaviour.ok()));
        FaultyUpstream later = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "30"));
        UpstreamConfig config = fast(soon.uri(), later.uri()).maxAttempts(3).deadline(Duration.ofSeconds(4))
                .attemptTimeout(Duration.ofSeconds(2)).minAttemptTimeout(Duration.ofMillis(300)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config).listener(events).build());

        // A new guard's round-robin starts at the first endpoint.
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        assertThat(soon.requestCount()).isEqualTo(2);
        assertThat(later.requestCount()).isEqualTo(1);
        List<Long> times = soon.requestTimesNanos();
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(events.refusals()).isEmpty();
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(2).last()
                .satisfies(retry -> assertThat(retry.delay()).isLessThanOrEqualTo(Duration.ofSeconds(1)));
    }

    /**
     * R46, R45, R14: the endpoint a retry past a {@code Retry-After} was to go to stops admitting it before the retry
     * starts (its breaker opened for other calls' failures, or another call's {@code Retry-After: 120} made it push
     * back): the retry waits out what is left of the 1 s the endpoint the call tried asked for, and goes there, as the
     * call's second and last attempt. The call failed then, as breaker_open, though that attempt after the 1 s was
     * within every limit; and once it has waited, the retry does not go to the endpoint pushing back either.
     */
    @ParameterizedTest(name = "async={0}, pushing back={1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void aRetryWhoseEndpointStopsAdmittingWaitsForTheSoonestRetryAfter(boolean async, boolean pushingBack)
            throws Exception {
        FaultyUpstream soon = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "busy", "Retry-After", "1"), Behaviour.ok()));
        FaultyUpstream other = upstreams.start(Behaviour.ok());
        UpstreamConfig config = fast(soon.uri(), other.uri()).maxAttempts(2).deadline(Duration.ofSeconds(4))
                .attemptTimeout(Duration.ofSeconds(2)).minAttemptTimeout(Duration.ofMillis(300)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, stoppingTheSecondOnARetry(config, pushingBack));

        // A new guard's round-robin starts at the first endpoint.
        assertThat(send(client, async).statusCode()).isEqualTo(200);

        assertThat(soon.requestCount()).isEqualTo(2);
        assertThat(other.requestCount()).isZero();
        List<Long> times = soon.requestTimesNanos();
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(events.refusals()).isEmpty();
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).as("one retry, granted once").singleElement()
                .satisfies(retry -> assertThat(retry.delay()).isLessThan(Duration.ofSeconds(1)));
        assertThat(events.of(UpstreamEvent.CallSucceeded.class)).singleElement()
                .satisfies(call -> assertThat(call.attempts()).isEqualTo(2));
    }

    /**
     * R45, R46: when the wait for the soonest {@code Retry-After} that a retry whose endpoint stopped admitting it
     * would need leaves no minimum attempt before the deadline, the call fails when the retry starts, as deadline, with
     * the 503 and what is left of its wait; it neither waits nor calls the endpoint that stopped admitting.
     */
    @ParameterizedTest(name = "async={0}")
    @ValueSource(booleans = {false, true})
    void aRetryWhoseEndpointStopsAdmittingFailsAtOnceWhenTheWaitOverrunsTheDeadline(boolean async) throws Exception {
        FaultyUpstream soon = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "1"));
        FaultyUpstream other = upstreams.start(Behaviour.ok());
        UpstreamConfig config = fast(soon.uri(), other.uri()).maxAttempts(2).deadline(Duration.ofMillis(1200))
                .attemptTimeout(Duration.ofSeconds(1)).minAttemptTimeout(Duration.ofMillis(300)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, stoppingTheSecondOnARetry(config, false));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> send(client, async));

        assertThat(soon.requestCount()).isEqualTo(1);
        assertThat(other.requestCount()).isZero();
        assertThat(events.refusals()).containsExactly(RetryRefusal.DEADLINE);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.DEADLINE);
        assertThat(thrown.failure().attempts()).isEqualTo(1);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(thrown.failure().upstreamRetryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(thrown.failure().elapsed()).as("no wait").isLessThan(Duration.ofSeconds(1));
    }

    /**
     * R46: a retry that waits for the {@code Retry-After: 1} of the endpoint the call tried, the other endpoint pushing
     * back already (another call's {@code Retry-After: 120}), goes to the endpoint whose wait ended, not to the one
     * still pushing back. It went to the other, which the call had not tried, within the 120 s it asked for.
     */
    @ParameterizedTest(name = "async={0}")
    @ValueSource(booleans = {false, true})
    void aRetryThatWaitedForARetryAfterGoesToNoEndpointStillPushingBack(boolean async) throws Exception {
        FaultyUpstream soon = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "busy", "Retry-After", "1"), Behaviour.ok()));
        FaultyUpstream pushingBack = upstreams.start(Behaviour.ok());
        UpstreamConfig config = fast(soon.uri(), pushingBack.uri()).maxAttempts(2).deadline(Duration.ofSeconds(4))
                .attemptTimeout(Duration.ofSeconds(2)).minAttemptTimeout(Duration.ofMillis(300)).build();
        UpstreamGuard guard = UpstreamGuard.builder(config).listener(events).build();
        guard.pushedBack(1, System.nanoTime(), Duration.ofSeconds(120)); // another call's 503
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);

        assertThat(send(client, async).statusCode()).isEqualTo(200);

        assertThat(pushingBack.requestCount()).as("within its 120 s").isZero();
        assertThat(soon.requestCount()).isEqualTo(2);
        List<Long> times = soon.requestTimesNanos();
        assertThat(Duration.ofNanos(times.get(1) - times.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(events.refusals()).isEmpty();
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.delay()).isGreaterThan(Duration.ofMillis(900)));
    }

    /**
     * @param pushingBack whether the second endpoint stops admitting by pushing back (another call's
     *     {@code Retry-After: 120}), rather than by its breaker opening (other calls' failures)
     * @return a guard, recording its events, whose second endpoint stops admitting calls once a retry is granted,
     *     before it starts
     */
    private UpstreamGuard stoppingTheSecondOnARetry(UpstreamConfig config, boolean pushingBack) {
        AtomicReference<UpstreamGuard> guard = new AtomicReference<>();
        guard.set(UpstreamGuard.builder(config).listener(events).listener(event -> {
            if (event instanceof UpstreamEvent.RetryScheduled) {
                if (pushingBack) {
                    guard.get().pushedBack(1, System.nanoTime(), Duration.ofSeconds(120));
                } else {
                    guard.get().endpoint(1).breaker().transitionToOpenState();
                }
            }
        }).build());
        return guard.get();
    }

    /** A GET through the sync driver, or the async one, whose failure is thrown as the sync one throws it. */
    private static HttpResponse<String> send(GuardedHttpClient client, boolean async) throws Exception {
        if (!async) {
            return client.send(get("/orders"), BodyHandlers.ofString());
        }
        try {
            return client.sendAsync(get("/orders"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * R8, R46: a call refused by the open breaker of an endpoint that is pushing back for longer is sent back when the
     * pushback ends, not when the breaker lets trial calls through (their call would go to the endpoint within its
     * {@code Retry-After} and be told it then). The call that opened the breaker said 120 s, and the calls it refused a
     * moment later said 30 s, the breaker's open wait; {@link UpstreamGuard#refuseIfUnavailable()} said so too.
     */
    @Test
    void aCallRefusedByTheBreakerIsSentBackWhenTheUpstreamsLongerRetryAfterEnds() throws Exception {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        UpstreamGuard guard = UpstreamGuard.builder(fast(maintenance.uri()).maxAttempts(1).build()).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());
        UpstreamFailureException told = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));
        assertThat(policy.decide(told.failure()).retryAfterHeader()).isEqualTo("120");
        guard.endpoint(0).breaker().transitionToOpenState(); // for the guard's default 30 s

        UpstreamFailure refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        UpstreamFailure checked = guard.refuseIfUnavailable().orElseThrow();

        assertThat(maintenance.requestCount()).isEqualTo(1);
        for (UpstreamFailure failure : List.of(refused, checked)) {
            assertThat(failure.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
            assertThat(failure.attempts()).isZero();
            assertThat(failure.breakerRemainingOpen()).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(120));
            assertThat(failure.upstreamRetryAfter()).as("no upstream sent one to this call").isNull();
            assertThat(Integer.parseInt(policy.decide(failure).retryAfterHeader())).isBetween(100, 120);
        }
    }

    /**
     * R8, R46: the call whose failure opens the breaker of an endpoint pushing back for longer (another call's
     * {@code Retry-After: 120}) sends its client back when that pushback ends, as the calls the breaker then refuses
     * do. Its own 503 came without a {@code Retry-After}, and it said 30 s, the breaker's open wait, while the refusal
     * a moment later said 120 s.
     */
    @Test
    void theCallThatOpensTheBreakerSendsItsClientBackWhenTheRefusalsAfterItDo() {
        FaultyUpstream maintenance = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "maintenance", "Retry-After", "120"), Behaviour.respond(503, "busy")));
        UpstreamGuard guard = UpstreamGuard.builder(fast(maintenance.uri()).maxAttempts(1)
                .circuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(30))
                        .slidingWindow(2, 2, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).build())
                .build()).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());
        UpstreamFailure told = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        assertThat(policy.decide(told).retryAfterHeader()).isEqualTo("120");

        UpstreamFailure opened = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        assertThat(guard.circuitBreakers().get(0).getState()).isEqualTo(CircuitBreaker.State.OPEN);
        UpstreamFailure refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();

        assertThat(maintenance.requestCount()).isEqualTo(2);
        assertThat(opened.attempts()).isEqualTo(1);
        assertThat(refused.attempts()).isZero();
        assertThat(opened.breakerRemainingOpen()).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(120))
                .isGreaterThanOrEqualTo(refused.breakerRemainingOpen());
        assertThat(opened.upstreamRetryAfter()).as("its own 503 came without one").isNull();
        int openedHeader = Integer.parseInt(policy.decide(opened).retryAfterHeader());
        int refusedHeader = Integer.parseInt(policy.decide(refused).retryAfterHeader());
        assertThat(openedHeader).isBetween(100, 120).isBetween(refusedHeader, refusedHeader + 1);
    }

    /**
     * R3, R9: the call whose upstream's own 500 without a {@code Retry-After} opens the breaker of an endpoint pushing
     * back for longer (another call's {@code Retry-After: 120}) gets none: a 500 carries the upstream's own only
     * (operations.md, "When"). The pushback past the breaker, which a 503 carries, said 120.
     */
    @Test
    void anUpstreamsOwn500ThatOpensTheBreakerOfAnEndpointPushingBackGetsNoRetryAfter() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(500, "boom"));
        UpstreamGuard guard = openedByOneFailure(upstream);
        guard.pushedBack(0, System.nanoTime(), Duration.ofSeconds(120)); // another call's 503 Retry-After: 120
        UpstreamFailure failure = catchThrowableOfType(UpstreamFailureException.class,
                () -> GuardedHttpClient.of(HTTP, guard).send(get("/orders"), BodyHandlers.ofString())).failure();

        assertThat(guard.circuitBreakers().get(0).getState()).isEqualTo(CircuitBreaker.State.OPEN);
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(failure);
        assertThat(decision.status()).isEqualTo(500);
        assertThat(decision.retryAfterHeader()).isNull();
        assertThat(failure.upstreamRetryAfter()).isNull();
        assertThat(failure.breakerRemainingOpen()).as("what a 503 would have said")
                .isBetween(Duration.ofSeconds(100), Duration.ofSeconds(120));
    }

    /**
     * R9: with {@code retry-after.on-502-504} off, the upstream's own 502 without a {@code Retry-After} that opens the
     * breaker of an endpoint pushing back for longer, and a refusal by that breaker mapped to 502, get none; with it
     * on (the default), both say when the pushback ends, as a 503 does.
     */
    @Test
    void aStrict502GetsNoRetryAfterFromAnEndpointsPushbackPastTheBreaker() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(502, "bad"));
        UpstreamGuard guard = openedByOneFailure(upstream);
        guard.pushedBack(0, System.nanoTime(), Duration.ofSeconds(120));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        UpstreamFailure opened = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        UpstreamFailure refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();

        assertThat(upstream.requestCount()).isEqualTo(1);
        ErrorPagesConfig.Builder config = ErrorPagesConfig.builder().status(FailureCause.DESTINATION_UNAVAILABLE, 502);
        ErrorPolicy strict = ErrorPolicy.of(config.retryAfterOn502And504Enabled(false).build());
        ErrorPolicy lenient = ErrorPolicy.of(config.retryAfterOn502And504Enabled(true).build());
        for (UpstreamFailure failure : List.of(opened, refused)) {
            assertThat(strict.decide(failure).status()).isEqualTo(502);
            assertThat(strict.decide(failure).retryAfterHeader()).isNull();
            assertThat(Integer.parseInt(lenient.decide(failure).retryAfterHeader())).isBetween(100, 120);
        }
    }

    /** One endpoint whose breaker one failure opens for 30 s, the call not retried. */
    private UpstreamGuard openedByOneFailure(FaultyUpstream upstream) {
        return UpstreamGuard.builder(fast(upstream.uri()).maxAttempts(1)
                .circuitBreakerConfig(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(30))
                        .slidingWindow(1, 1, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).build())
                .build()).listener(events).build();
    }

    /**
     * R46: a breaker an operator resets ({@code CircuitBreaker.reset()}, the demo's control page does) forgets its
     * endpoint's pushback too: calls are to go there again, and a refusal after it tells the breaker's time only.
     */
    @Test
    void aResetBreakerForgetsItsEndpointsRetryAfter() throws Exception {
        FaultyUpstream maintenance = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "120"));
        UpstreamGuard guard = UpstreamGuard.builder(fast(maintenance.uri()).maxAttempts(1).build()).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));
        guard.endpoint(0).breaker().transitionToOpenState();
        assertThat(guard.refuseIfUnavailable().orElseThrow().breakerRemainingOpen()).as("before the reset")
                .isGreaterThan(Duration.ofSeconds(30));

        guard.endpoint(0).breaker().reset();
        guard.endpoint(0).breaker().transitionToOpenState();

        UpstreamFailure refused = guard.refuseIfUnavailable().orElseThrow();
        assertThat(refused.upstreamRetryAfter()).isNull();
        assertThat(refused.breakerRemainingOpen()).isLessThanOrEqualTo(Duration.ofSeconds(30));
    }

    /**
     * R8, R46: of several endpoints whose breakers refuse a call, the client is sent back when the first of them
     * admits calls and is not pushing back: the trial call then goes there (an endpoint not pushing back first). One in
     * maintenance for 120 s does not keep it away from another whose breaker lets trial calls through after 30 s, nor
     * from another in maintenance for 60 s.
     */
    @Test
    void aCallRefusedByTheBreakersIsSentBackWhenAnEndpointNotPushingBackAdmitsCalls() {
        FaultyUpstream a = upstreams.start(Behaviour.ok());
        FaultyUpstream b = upstreams.start(Behaviour.ok());
        UpstreamGuard guard = UpstreamGuard.builder(fast(a.uri(), b.uri()).build()).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        guard.pushedBack(0, System.nanoTime(), Duration.ofSeconds(120));
        guard.endpoint(0).breaker().transitionToOpenState();
        guard.endpoint(1).breaker().transitionToOpenState();

        UpstreamFailure bothOpen = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        assertThat(bothOpen.upstreamRetryAfter()).isNull();
        assertThat(bothOpen.breakerRemainingOpen()).isLessThanOrEqualTo(Duration.ofSeconds(30));

        // Both pushing back: the first to stop does, not the last.
        guard.pushedBack(1, System.nanoTime(), Duration.ofSeconds(60));
        UpstreamFailure bothPushingBack = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        assertThat(bothPushingBack.breakerRemainingOpen()).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60));

        // Forced open, the second admits no call by any time: the first's pushback is when a client is let through.
        guard.endpoint(1).breaker().transitionToForcedOpenState();
        UpstreamFailure forced = guard.refuseIfUnavailable().orElseThrow();
        assertThat(forced.breakerRemainingOpen()).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(120));
        assertThat(a.requestCount() + b.requestCount()).isZero();
    }
}
