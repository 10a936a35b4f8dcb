package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.TestThreads;
import io.github.errorpages.upstream.internal.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One circuit breaker per endpoint: what it counts, what an open one costs the upstream (nothing), and how
 * calls are spread over the endpoints (standards R8, R47, R2).
 */
class CircuitBreakerIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
    /** Opens after 4 attempts with 50 % failures, for 30 s by the test's clock. */
    private final CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .slidingWindow(4, 4, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(30))
            .permittedNumberOfCallsInHalfOpenState(1)
            .clock(clock)
            .build());

    private GuardedHttpClient client(UpstreamConfig.Builder config) {
        return GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config.build())
                .circuitBreakerRegistry(registry).listener(events).clock(clock).build());
    }

    /**
     * @param config the upstream
     * @param aborted counted down at each call's abort: a trial call whose caller left ends so
     * @return a guard on the test's registry, listener and clock whose breaker is open with its wait over: the next
     *     call is its one trial call (the registry's settings)
     */
    private UpstreamGuard guardWithTrialDue(UpstreamConfig.Builder config, CountDownLatch aborted) {
        UpstreamGuard guard = UpstreamGuard.builder(config.build()).circuitBreakerRegistry(registry).listener(events)
                .clock(clock).listener(event -> {
                    if (event instanceof UpstreamEvent.CallAborted) {
                        aborted.countDown();
                    }
                }).build();
        guard.circuitBreakers().get(0).transitionToOpenState();
        clock.advance(Duration.ofSeconds(31));
        return guard;
    }

    @Test
    void openBreakerSendsNothingAndTellsHowLongItStaysOpen() { // R8, R47
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        client.guard().circuitBreakers().get(0).transitionToOpenState();
        clock.advance(Duration.ofSeconds(12));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isZero();
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(failure.attempts()).isZero();
        assertThat(failure.breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(18));
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(failure);
        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfterHeader()).isEqualTo("18");
        assertThat(client.guard().metrics().rejectedCalls()).isEqualTo(1);
    }

    @Test
    void aHalfOpenBreakerSendsClientsBackNoLaterThanItWasOpen() { // R8: 1 <= Retry-After <= its open wait
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).circuitBreakerConfig(CircuitBreakerConfig
                .from(registry.getDefaultConfig()).waitDurationInOpenState(Duration.ofSeconds(5)).build()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        assertThat(breaker.tryAcquirePermission()).as("its one trial call, under way").isTrue();

        UpstreamFailure failure = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();

        assertThat(failure.breakerRemainingOpen()).as("its open wait, shorter than the 10 s attempt timeout")
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(failure).retryAfterHeader()).isEqualTo("5");
    }

    @Test
    void breakerOpensOnUpstreamFailuresAndThenSparesTheUpstream() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));

        for (int i = 0; i < 4; i++) {
            catchThrowableOfType(UpstreamFailureException.class, () -> client.send(get("/orders"), BodyHandlers.ofString()));
        }
        assertThat(client.guard().circuitBreakers().get(0).getState()).isEqualTo(State.OPEN);
        UpstreamFailureException rejected = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(4);
        assertThat(rejected.failure().breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(30));
        assertThat(events.of(UpstreamEvent.BreakerStateChanged.class)).singleElement().satisfies(e -> {
            assertThat(e.breaker()).isEqualTo("orders");
            assertThat(e.endpoint()).isEqualTo(upstream.uri());
            assertThat(e.from()).isEqualTo(State.CLOSED);
            assertThat(e.to()).isEqualTo(State.OPEN);
        });
    }

    /**
     * The failure that opens the breaker says how long it stays open, as the refusals after it do: its 502 said
     * {@code Retry-After: 10} (the default for 502) while the breaker refused every call for 30 s, so a client that
     * came back as told only got a 503 telling it to wait again (R8). A retry the open breaker refused alike.
     */
    @Test
    void failureThatLeavesTheBreakerOpenTellsHowLongItStaysOpen() { // R8
        GuardedHttpClient client = client(fast(LoopbackUpstreams.refusing()).maxAttempts(3));
        ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());

        UpstreamFailure beforeOpening = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure(); // 3 of the 4 attempts
        UpstreamFailure opening = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        clock.advance(Duration.ofSeconds(12));
        UpstreamFailure refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();

        assertThat(beforeOpening.breakerRemainingOpen()).as("the breaker still admits calls").isNull();
        assertThat(policy.decide(beforeOpening).retryAfterHeader()).isEqualTo("10");
        assertThat(opening.cause()).isEqualTo(FailureCause.CONNECTION_REFUSED);
        assertThat(opening.attempts()).as("its retry refused by the breaker it opened").isEqualTo(1);
        assertThat(events.refusals()).endsWith(RetryRefusal.BREAKER_OPEN);
        assertThat(opening.breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.decide(opening).status()).isEqualTo(502);
        assertThat(policy.decide(opening).retryAfterHeader()).isEqualTo("30");
        assertThat(events.of(UpstreamEvent.CallFailed.class).get(1).failure()).isEqualTo(opening);
        assertThat(policy.decide(refused).retryAfterHeader()).isEqualTo("18");
    }

    /**
     * An upstream's own Retry-After longer than the open time of the breaker its failure opened is kept: both are
     * floors, and a client sent back sooner would reach an upstream that asked for no call before then (R46).
     */
    @Test
    void upstreamsLongerRetryAfterOutlastsTheBreakerItsFailureOpened() { // R3, R8, R46
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "120"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));
        ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());

        UpstreamFailure last = null;
        for (int i = 0; i < 4; i++) {
            last = catchThrowableOfType(UpstreamFailureException.class,
                    () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        }

        assertThat(client.guard().circuitBreakers().get(0).getState()).isEqualTo(State.OPEN);
        assertThat(last.breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.decide(last).status()).isEqualTo(503);
        assertThat(policy.decide(last).retryAfterHeader()).isEqualTo("120");
    }

    /**
     * A call refused while the half-open breaker's trial calls are under way is sent back for when they end, within
     * an attempt timeout: not at once (zero remaining time made {@code Retry-After: 1}, and every client came back
     * each second while the trials went on), nor for the 503's default, which may be longer than the breaker was
     * open (a 5 s wait, and 30 s for a client that came while it was half-open).
     */
    @Test
    void callRefusedDuringTheHalfOpenTrialsIsSentBackForWhenTheyEnd() { // R8
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(2)));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        breaker.transitionToOpenState();
        clock.advance(Duration.ofSeconds(31));
        assertThat(breaker.tryAcquirePermission()).as("the one trial call, under way").isTrue();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
        assertThat(upstream.requestCount()).isZero();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(thrown.failure().breakerRemainingOpen()).as("the attempt timeout, shorter than the 30 s open wait")
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure()).retryAfterHeader())
                .isEqualTo("2");
    }

    /**
     * A call the open breaker refused at the very end of its wait (Resilience4j admits calls only once its clock is
     * past the end) is sent back at once, as its remaining time of zero says: it was sent away for the 503's default
     * 30 s, no half-open breaker's trial calls being under way to tell another time, while the breaker admitted the
     * next call (R8: a client of an open breaker is told when it admits calls again).
     */
    @Test
    void callRefusedAsTheOpenWaitEndsIsSentBackAtOnce() throws Exception { // R8
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        breaker.transitionToOpenState();
        clock.advance(Duration.ofSeconds(30));

        UpstreamFailure refused = client.guard().refuseIfUnavailable().orElseThrow();
        UpstreamFailure called = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();

        assertThat(breaker.getState()).isEqualTo(State.OPEN);
        assertThat(upstream.requestCount()).isZero();
        for (UpstreamFailure failure : new UpstreamFailure[] {refused, called}) {
            assertThat(failure.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
            assertThat(failure.breakerRemainingOpen()).as("its wait is over").isEqualTo(Duration.ZERO);
            assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(failure).retryAfterHeader())
                    .as("not the 503's default 30").isEqualTo("1");
        }
        clock.advance(Duration.ofMillis(1));
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    /**
     * An open breaker whose wait is over while no call arrives (Resilience4j's default, no automatic transition)
     * still says {@code OPEN}: a gauge of {@code getState()} shows an outage that could be over, where
     * {@code guard.breakerRemainingOpen()} says zero, the time the upstream is kept from callers, as
     * docs/operations.md ("Events to alert on") says to gauge. The next call is let through (R8).
     */
    @Test
    void aBreakerPastItsOpenWaitSaysOpenUntilACallArrivesWhileItsRemainingTimeIsZero() throws Exception { // R8
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        breaker.transitionToOpenState();
        assertThat(client.guard().breakerRemainingOpen()).contains(Duration.ofSeconds(30));

        clock.advance(Duration.ofMinutes(5));

        assertThat(breaker.getState()).as("no call arrived to move it").isEqualTo(State.OPEN);
        assertThat(client.guard().breakerRemainingOpen()).contains(Duration.ZERO);
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(breaker.getState()).isNotEqualTo(State.OPEN);
    }

    /**
     * A call refused while a half-open breaker's trial calls fail and open it again, between the guard's reads of the
     * breakers (its remaining time read as zero, then no half-open breaker left), is sent back for the breakers' time,
     * not at once: every breaker is open for its whole wait again (R8). The breaker's clock opens it again in the
     * middle of the first read, where the race would.
     */
    @Test
    void callRefusedAsATrialOpensTheBreakerAgainIsSentBackForItsWait() { // R8
        AtomicBoolean armed = new AtomicBoolean();
        AtomicReference<CircuitBreaker> racing = new AtomicReference<>();
        java.time.Clock reopening = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                boolean inRemainingOpen = StackWalker.getInstance().walk(frames -> frames.anyMatch(frame ->
                        frame.getMethodName().equals("remainingOpen") && frame.getClassName().endsWith("Tracker")));
                if (inRemainingOpen && armed.getAndSet(false)) {
                    racing.get().transitionToOpenState(); // its trial calls failed meanwhile
                }
                return Instant.now();
            }
        };
        UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("reopening")
                .endpoints(URI.create("http://10.9.9.1:8080"), URI.create("http://10.9.9.2:8080"))
                .circuitBreakerConfig(CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                        .clock(reopening).build()).build()).build();
        racing.set(guard.circuitBreakers().get(0));
        guard.circuitBreakers().get(1).transitionToOpenState();
        racing.get().transitionToOpenState();
        racing.get().transitionToHalfOpenState();
        while (racing.get().tryAcquirePermission()) {
            // every trial call under way
        }
        armed.set(true);

        UpstreamFailure refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> "never")).failure();

        assertThat(armed).as("the breaker opened again during the guard's reads").isFalse();
        assertThat(refused.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(refused.breakerRemainingOpen()).as("open for its wait again").isGreaterThan(Duration.ofSeconds(25));
        assertThat(Integer.parseInt(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(refused).retryAfterHeader()))
                .isGreaterThan(25);
    }

    @Test
    void halfOpenBreakerLetsATrialCallThroughAndClosesOnSuccess() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        breaker.transitionToOpenState();
        clock.advance(Duration.ofSeconds(31));

        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(breaker.getState()).isEqualTo(State.CLOSED);
        assertThat(events.of(UpstreamEvent.BreakerStateChanged.class)).extracting(UpstreamEvent.BreakerStateChanged::to)
                .containsExactly(State.OPEN, State.HALF_OPEN, State.CLOSED);
    }

    /**
     * A half-open breaker's trial call whose caller leaves once the request was sent (a cancelled future: an HTTP/2
     * client's reset of the proxy's exchange, an {@code orTimeout} shorter than {@code attempt-timeout}) runs on to its
     * outcome. It gave its permission back at the cancel, so each caller that left let another trial call through: an
     * upstream that never answers got trial calls without end, none of them judged, and the breaker stayed half-open
     * for good. Now the stalled upstream gets the one trial call while callers keep leaving, later calls are refused
     * as the open breaker's are, and the trial's timeout opens the breaker again (R47: an open breaker sheds load).
     */
    @Test
    void trialCallsWhoseCallersLeaveStayTheTrialsAndTheirTimeoutOpensTheBreaker() throws Exception { // R47
        FaultyUpstream upstream = upstreams.start(Behaviour.stall());
        CountDownLatch trialEnded = new CountDownLatch(1);
        UpstreamGuard guard = guardWithTrialDue(fast(upstream.uri()).attemptTimeout(Duration.ofMillis(500)),
                trialEnded);
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        CircuitBreaker breaker = guard.circuitBreakers().get(0);

        int trials = 0;
        for (int call = 0; call < 5; call++) {
            CompletableFuture<HttpResponse<String>> future = client.sendAsync(get("/orders"), BodyHandlers.ofString());
            if (future.isDone()) {
                continue; // refused at once, on this thread (checked below)
            }
            trials++;
            assertThat(upstream.awaitRequests(trials, Duration.ofSeconds(5))).as("trial %d sent", trials).isTrue();
            future.cancel(true); // the caller leaves
        }

        assertThat(trials).as("trial calls the upstream got while their callers left").isEqualTo(1);
        assertThat(trialEnded.await(10, TimeUnit.SECONDS)).as("the trial call's end").isTrue();
        assertThat(breaker.getState()).as("the trial's timeout reopens the breaker").isEqualTo(State.OPEN);
        assertThat(events.of(UpstreamEvent.BreakerStateChanged.class)).extracting(UpstreamEvent.BreakerStateChanged::to)
                .containsExactly(State.OPEN, State.HALF_OPEN, State.OPEN);
        assertThat(upstream.requestCount()).isEqualTo(1);
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.rejectedCalls()).as("refused as the open breaker's calls are").isEqualTo(4);
        assertThat(metrics.abortedCalls()).as("the trial's call, as its caller saw it").isEqualTo(1);
        assertThat(metrics.calls())
                .isEqualTo(metrics.successfulCalls() + metrics.failedCalls() + metrics.abortedCalls());
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    /**
     * The other outcome of a trial call whose caller left: the upstream, recovered, answers it, and the breaker closes
     * on it, as on any trial call's success (a cancelled trial judged nothing: the breaker waited for another caller).
     * The response, which nobody takes, is discarded.
     */
    @Test
    void trialCallWhoseCallerLeftClosesTheBreakerWhenTheUpstreamAnswersIt() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.delay(Duration.ofMillis(300)));
        CountDownLatch trialEnded = new CountDownLatch(1);
        UpstreamGuard guard = guardWithTrialDue(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(5)), trialEnded);
        CircuitBreaker breaker = guard.circuitBreakers().get(0);

        CompletableFuture<HttpResponse<String>> future = GuardedHttpClient.of(HTTP, guard)
                .sendAsync(get("/orders"), BodyHandlers.ofString());
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        future.cancel(true);

        assertThat(trialEnded.await(10, TimeUnit.SECONDS)).as("the trial call's end").isTrue();
        assertThat(breaker.getState()).isEqualTo(State.CLOSED);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    /**
     * A trial call whose caller left is judged as it would have been had the caller stayed: a gateway past the
     * upstream answering that the request had passed it before ({@code Proxy-Status: ...; error=proxy_loop_detected},
     * RFC 9209) is a mistake of the routing, which the breaker does not count for a caller that waits. The trial's
     * judge counted it as the upstream's 502, so that a loop an impatient client's trial call met opened the breaker
     * again, and every client got 503s for its whole wait. Now the breaker stays half-open, the trial's permission
     * given back, and the next trial call, answered, closes it (R47: the breaker judges trial calls as any call).
     */
    @Test
    void trialCallWhoseCallerLeftIsNotCountedWhenAGatewayPastTheUpstreamReportsALoop() throws Exception { // R47
        Semaphore answer = new Semaphore(0);
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(exchange -> {
            exchange.await(answer, Duration.ofSeconds(10)); // until its caller has left
            exchange.respond(502, "", "Proxy-Status", "edge; error=proxy_loop_detected");
        }, Behaviour.ok()));
        CountDownLatch trialEnded = new CountDownLatch(1);
        UpstreamGuard guard = guardWithTrialDue(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(15)),
                trialEnded);
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);
        CircuitBreaker breaker = guard.circuitBreakers().get(0);

        CompletableFuture<HttpResponse<String>> future = client.sendAsync(get("/orders"), BodyHandlers.ofString());
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        future.cancel(true); // the caller leaves
        answer.release();

        assertThat(trialEnded.await(10, TimeUnit.SECONDS)).as("the trial call's end").isTrue();
        assertThat(breaker.getState()).as("a loop says nothing of the upstream's health").isEqualTo(State.HALF_OPEN);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode())
                .as("the next trial call, let through").isEqualTo(200);
        assertThat(breaker.getState()).isEqualTo(State.CLOSED);
        assertThat(upstream.requestCount()).isEqualTo(2);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
    }

    /**
     * A trial call whose caller left, answered with a response that is no failure for which the client library
     * throws (HttpURLConnection's FileNotFoundException for a 404; its "Server returned HTTP response code: 503" while
     * {@code fail-on-5xx} is off), closes the breaker, as the same answer does for a caller that waits: the upstream
     * answered. The trial's judge counted it as nothing, so that the breaker stayed half-open for a next trial call,
     * refusing every call but the trials meanwhile, though the upstream was answering (R47: the breaker judges trial
     * calls as any call).
     */
    @ParameterizedTest(name = "{0}, fail-on-5xx {1}")
    @CsvSource({"404, true", "503, false"})
    void trialCallWhoseCallerLeftClosesTheBreakerWhenTheClientThrowsForAResponseThatIsNoFailure(int status,
            boolean failOn5xx) throws Exception { // R47
        Semaphore answer = new Semaphore(0);
        FaultyUpstream upstream = upstreams.start(exchange -> {
            exchange.await(answer, Duration.ofSeconds(10)); // until its caller has left
            exchange.respond(status, "answered");
        });
        CountDownLatch trialEnded = new CountDownLatch(1);
        UpstreamGuard guard = guardWithTrialDue(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(15))
                .failOn5xxEnabled(failOn5xx), trialEnded);
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        AsyncUpstreamCall<byte[]> urlConnection = attempt -> CompletableFuture.supplyAsync(() -> {
            try (InputStream body = attempt.endpoint().resolve("/orders/42").toURL().openStream()) {
                return body.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // the usual way out of a Supplier
            }
        }, TestThreads.OWN_THREAD);

        CompletableFuture<byte[]> future = guard.callAsync(UpstreamRequest.of("GET"), urlConnection);
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        future.cancel(true); // the caller leaves
        answer.release();

        assertThat(trialEnded.await(10, TimeUnit.SECONDS)).as("the trial call's end").isTrue();
        assertThat(breaker.getState()).as("the upstream answered the trial call").isEqualTo(State.CLOSED);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    @Test
    void breakerCountsNeitherClientErrorsNorBugsNorAborts() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(404, "no such order"));
        GuardedHttpClient client = client(fast(upstream.uri()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);

        for (int i = 0; i < 5; i++) {
            assertThat(client.send(get("/orders/0"), BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
        IllegalStateException bug = new IllegalStateException("a bug in the caller");
        assertThat(catchThrowableOfType(IllegalStateException.class, () -> client.guard().call(
                UpstreamRequest.of("GET"), attempt -> {
                    throw bug;
                }))).isSameAs(bug);
        catchThrowableOfType(InterruptedException.class, () -> client.guard().call(UpstreamRequest.of("GET"), attempt -> {
            throw new InterruptedException("caller gave up");
        }));
        // The JDK's blocking send restates what its exchange failed with as an IOException, a body handler's own
        // bug too: thrown as is, as sendAsync throws it, not taken for an upstream failure (500, breaker).
        IllegalStateException handlerBug = new IllegalStateException("a bug in the caller's body handler");
        assertThat(catchThrowableOfType(IllegalStateException.class, () -> client.send(get("/orders/0"), info -> {
            throw handlerBug;
        }))).isSameAs(handlerBug);

        assertThat(breaker.getState()).isEqualTo(State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(4); // the window holds the last 4 calls
        assertThat(client.guard().metrics().abortedCalls()).isEqualTo(3);
        assertThat(client.guard().metrics().failedCalls()).isZero();
    }

    @Test
    void callsGoRoundRobinOverTheEndpoints() throws Exception {
        FaultyUpstream first = upstreams.start(Behaviour.ok());
        FaultyUpstream second = upstreams.start(Behaviour.ok());
        FaultyUpstream third = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(first.uri(), second.uri(), third.uri()));

        for (int i = 0; i < 9; i++) {
            client.send(get("/orders"), BodyHandlers.ofString());
        }

        assertThat(first.requestCount()).isEqualTo(3);
        assertThat(second.requestCount()).isEqualTo(3);
        assertThat(third.requestCount()).isEqualTo(3);
        assertThat(client.guard().circuitBreakers()).extracting(CircuitBreaker::getName)
                .containsExactly("orders-1", "orders-2", "orders-3");
    }

    @Test
    void openEndpointIsSkippedWhileAnotherAdmitsCalls() throws Exception {
        FaultyUpstream first = upstreams.start(Behaviour.ok());
        FaultyUpstream second = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(first.uri(), second.uri()));
        client.guard().circuitBreakers().get(0).transitionToOpenState();

        for (int i = 0; i < 6; i++) {
            client.send(get("/orders"), BodyHandlers.ofString());
        }

        assertThat(first.requestCount()).isZero();
        assertThat(second.requestCount()).isEqualTo(6);
        assertThat(client.guard().breakerRemainingOpen()).isEmpty();
    }

    /**
     * An open endpoint's share of the calls is shared by the endpoints that admit calls, not given whole to the one
     * after it in the list: with the first of three open, the second took two thirds of the calls (each of its turns
     * and the first's), twice its load with all three up, where each of the others is to take half (R47: an open
     * breaker sheds load, and a replica sized to carry its share when one is lost would be overloaded).
     */
    @Test
    void anOpenEndpointsCallsAreSharedByTheEndpointsThatAdmitCalls() throws Exception { // R47
        FaultyUpstream first = upstreams.start(Behaviour.ok());
        FaultyUpstream second = upstreams.start(Behaviour.ok());
        FaultyUpstream third = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(first.uri(), second.uri(), third.uri()));
        client.guard().circuitBreakers().get(0).transitionToOpenState();

        for (int i = 0; i < 12; i++) {
            client.send(get("/orders"), BodyHandlers.ofString());
        }

        assertThat(first.requestCount()).isZero();
        assertThat(second.requestCount()).as("half, not two thirds").isEqualTo(6);
        assertThat(third.requestCount()).isEqualTo(6);
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfNotPermittedCalls())
                .as("asked once by each call whose turn came to it").isEqualTo(6);
    }

    @Test
    void destinationUnavailableOnlyWhenEveryEndpointIsOpen() {
        FaultyUpstream first = upstreams.start(Behaviour.ok());
        FaultyUpstream second = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(first.uri(), second.uri()));
        client.guard().circuitBreakers().get(0).transitionToOpenState();
        clock.advance(Duration.ofSeconds(20));
        client.guard().circuitBreakers().get(1).transitionToOpenState();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(first.requestCount() + second.requestCount()).isZero();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(thrown.failure().breakerRemainingOpen()).as("the first to admit again").isEqualTo(Duration.ofSeconds(10));
        assertThat(client.guard().breakerRemainingOpen()).contains(Duration.ofSeconds(10));
    }

    /**
     * The endpoint that admits calls again first sets the Retry-After, wherever it stands in the list: with the last
     * endpoint opened first, the first one's longer open time was the one reported, and clients came back to be
     * refused again (R8).
     */
    @Test
    void destinationUnavailableTellsTheSoonestReopeningWhicheverEndpointItIs() { // R8
        FaultyUpstream first = upstreams.start(Behaviour.ok());
        FaultyUpstream second = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(first.uri(), second.uri()));
        client.guard().circuitBreakers().get(1).transitionToOpenState();
        clock.advance(Duration.ofSeconds(20));
        client.guard().circuitBreakers().get(0).transitionToOpenState();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(first.requestCount() + second.requestCount()).isZero();
        assertThat(thrown.failure().breakerRemainingOpen()).as("the second's 10 s, not the first's 30 s")
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure()).retryAfterHeader())
                .isEqualTo("10");
    }

    @Test
    void retryGoesToAnotherEndpoint() throws Exception {
        FaultyUpstream failing = upstreams.start(Behaviour.respond(503, "busy"));
        FaultyUpstream healthy = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(failing.uri(), healthy.uri()));

        for (int i = 0; i < 4; i++) {
            assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        // Calls start alternately at each endpoint; each that starts at the failing one retries on the other.
        assertThat(failing.requestCount()).isEqualTo(2);
        assertThat(healthy.requestCount()).isEqualTo(4);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(2)
                .allSatisfy(e -> assertThat(e.endpoint()).isEqualTo(failing.uri()));
    }

    @Test
    void knowsSinceWhenTheUpstreamIsFailing() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(502, "bad"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));
        Instant firstFailure = clock.instant();

        catchThrowableOfType(UpstreamFailureException.class, () -> client.send(get("/a"), BodyHandlers.ofString()));
        clock.advance(Duration.ofMinutes(5));
        UpstreamFailureException later = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/a"), BodyHandlers.ofString()));

        assertThat(later.failure().failingSince()).isEqualTo(firstFailure);
        assertThat(client.guard().failingSince()).contains(firstFailure);

        upstream.behave(Behaviour.ok());
        client.send(get("/a"), BodyHandlers.ofString());
        assertThat(client.guard().failingSince()).isEmpty();

        upstream.behave(Behaviour.respond(502, "bad"));
        UpstreamFailureException fresh = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/a"), BodyHandlers.ofString()));
        assertThat(fresh.failure().failingSince()).isEqualTo(clock.instant());
    }

    @Test
    void refuseIfUnavailableRecordsTheRefusalExactlyAsARefusedCall() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = openedAgo(upstream, Duration.ofSeconds(12));
        UpstreamGuard guard = client.guard();
        CircuitBreaker breaker = guard.circuitBreakers().get(0);

        UpstreamFailure refused = guard.refuseIfUnavailable().orElseThrow();

        assertThat(upstream.requestCount()).isZero();
        assertThat(refused.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(refused.upstream()).isEqualTo("orders");
        assertThat(refused.attempts()).isZero();
        assertThat(refused.breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(18));
        assertThat(refused.failingSince()).isEqualTo(clock.instant());
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(refused).retryAfterHeader()).isEqualTo("18");
        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(1, 0, 1, 1, 0, 0, 0, 0, 0, 0));
        assertThat(events.of(UpstreamEvent.CallFailed.class)).extracting(UpstreamEvent.CallFailed::failure)
                .containsExactly(refused);
        assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(1);

        // A call refused by the breaker records the same, once more.
        UpstreamFailure called = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString())).failure();
        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(2, 0, 2, 2, 0, 0, 0, 0, 0, 0));
        assertThat(events.of(UpstreamEvent.CallFailed.class)).hasSize(2);
        assertThat(events.all()).as("the opening and the two refusals").hasSize(3);
        assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(2);
        assertThat(called.toBuilder().elapsed(refused.elapsed()).build()).isEqualTo(refused);
    }

    /**
     * A breaker forced open (by an operator, through the registry or an actuator) refuses as an open one does: the
     * check before the request is prepared refuses the call too, without an end it cannot know (no Retry-After of a
     * forced opening, R8), and the upstream gets nothing.
     */
    @Test
    void refuseIfUnavailableRefusesACallABreakerForcedOpenWouldRefuse() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        UpstreamGuard guard = client.guard();
        guard.circuitBreakers().get(0).transitionToForcedOpenState();

        UpstreamFailure refused = guard.refuseIfUnavailable().orElseThrow();

        assertThat(refused.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(refused.attempts()).isZero();
        assertThat(refused.breakerRemainingOpen()).isNull();
        assertThat(guard.metrics().rejectedCalls()).isEqualTo(1);
        assertThat(upstream.requestCount()).isZero();
    }

    @Test
    void refuseIfUnavailableRecordsNothingWhileAnEndpointAdmitsCalls() throws Exception {
        FaultyUpstream first = upstreams.start(Behaviour.ok());
        FaultyUpstream second = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(first.uri(), second.uri()));
        UpstreamGuard guard = client.guard();
        guard.circuitBreakers().get(0).transitionToOpenState();

        assertThat(guard.refuseIfUnavailable()).isEmpty();
        guard.circuitBreakers().get(0).transitionToClosedState();
        assertThat(guard.refuseIfUnavailable()).isEmpty();

        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
        assertThat(guard.circuitBreakers()).allSatisfy(b -> {
            assertThat(b.getMetrics().getNumberOfNotPermittedCalls()).isZero();
            assertThat(b.getMetrics().getNumberOfBufferedCalls()).isZero();
        });
        assertThat(first.requestCount() + second.requestCount()).isZero();
    }

    @Test
    void refuseIfUnavailableGivesBackThePermissionOfABreakerWhoseOpenTimeEnded() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = openedAgo(upstream, Duration.ofSeconds(31));
        UpstreamGuard guard = client.guard();
        CircuitBreaker breaker = guard.circuitBreakers().get(0);

        assertThat(guard.refuseIfUnavailable()).isEmpty();

        assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
        assertThat(guard.metrics().calls()).isZero();
        // The half-open breaker admits one trial call, and it is still there for the real call.
        assertThat(client.send(get("/orders"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(breaker.getState()).isEqualTo(State.CLOSED);
    }

    /**
     * A guarded call that runs a service method guarded too (checkout's call, orders' guard inside it), whose open
     * breaker refused it: the outer failure did not say how long that breaker stays open, so the page said the 503's
     * default 30 while orders refused calls for 25 s more (R8). Neither retried nor counted against checkout: the
     * refusal says nothing of checkout's health.
     */
    @Test
    void outerGuardKeepsTheOpenTimeOfAnInnerGuardThatRefusedItsCall() { // R8, R47
        UpstreamGuard orders = openedAgo(upstreams.start(Behaviour.ok()), Duration.ofSeconds(5)).guard();
        AtomicInteger ordersCalls = new AtomicInteger();
        UpstreamGuard checkout = checkout();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> checkout.call(UpstreamRequest.of("GET"),
                        attempt -> orders.call(UpstreamRequest.of("GET"), inner -> ordersCalls.incrementAndGet())));

        assertThat(ordersCalls).hasValue(0);
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.upstream()).isEqualTo("checkout");
        assertThat(failure.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(25));
        assertThat(checkout.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertPageIs503WithRetryAfter(thrown, "25");
    }

    /** The same with a GuardedHttpClient inside the outer guard's call: the upstream gets nothing (R8, R47). */
    @Test
    void outerGuardKeepsTheOpenTimeOfAGuardedHttpClientsBreaker() { // R8, R47
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient orders = openedAgo(upstream, Duration.ofSeconds(5));

        UpstreamFailureException thrown = nested(checkout(), orders);

        assertThat(upstream.requestCount()).isZero();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(thrown.failure().breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(25));
        assertPageIs503WithRetryAfter(thrown, "25");
    }

    /** The inner upstream's own 503 and its long Retry-After reach the page through the outer guard (R3, R46). */
    @Test
    void outerGuardPassesOnTheRetryAfterOfTheUpstreamAnInnerGuardCalled() { // R3, R10, R46
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "120"));

        UpstreamFailureException thrown = nested(checkout(), client(fast(upstream.uri())));

        assertThat(upstream.requestCount()).as("too long a Retry-After for either guard to wait").isEqualTo(1);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(120));
        assertPageIs503WithRetryAfter(thrown, "120");
    }

    /**
     * The inner call's failure that opened orders' breaker for 30 s carried the upstream's {@code Retry-After: 5} and
     * that open time; the outer failure kept the 5 alone, and clients sent back after 5 s were refused (R8).
     */
    @Test
    void outerGuardKeepsTheOpenTimeOfTheBreakerAnInnerFailureOpened() { // R8, R46
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "5"));
        GuardedHttpClient orders = client(fast(upstream.uri()).maxAttempts(1));
        UpstreamGuard checkout = checkout();

        UpstreamFailureException last = null;
        for (int i = 0; i < 4; i++) {
            last = nested(checkout, orders);
        }

        assertThat(orders.guard().circuitBreakers().get(0).getState()).isEqualTo(State.OPEN);
        assertThat(checkout.circuitBreakers().get(0).getState()).as("fewer calls than its window needs")
                .isEqualTo(State.CLOSED);
        assertThat(last.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThat(last.failure().breakerRemainingOpen()).isEqualTo(Duration.ofSeconds(30));
        assertPageIs503WithRetryAfter(last, "30");
    }

    /** An outer guard, with a registry of its own, whose calls run application code that calls another upstream. */
    private UpstreamGuard checkout() {
        return UpstreamGuard.builder(UpstreamConfig.builder("checkout").endpoints(URI.create("http://10.0.0.9:8080"))
                .build()).clock(clock).build();
    }

    private static UpstreamFailureException nested(UpstreamGuard outer, GuardedHttpClient inner) {
        return catchThrowableOfType(UpstreamFailureException.class, () -> outer.call(UpstreamRequest.of("GET"),
                attempt -> inner.send(get("/orders"), BodyHandlers.ofString())));
    }

    /** The page the filter renders for what the outer guard threw is a 503 with this Retry-After. */
    private static void assertPageIs503WithRetryAfter(UpstreamFailureException thrown, String retryAfter) {
        ErrorResponse page = ErrorPages.ofDefaults().handle(thrown, ErrorRequest.of("GET", "/checkout")).orElseThrow();
        assertThat(page.status()).isEqualTo(503);
        assertThat(page.header("Retry-After")).isEqualTo(retryAfter);
    }

    /** A client whose only endpoint's breaker opened {@code ago} by the test's clock (it stays open 30 s). */
    private GuardedHttpClient openedAgo(FaultyUpstream upstream, Duration ago) {
        GuardedHttpClient client = client(fast(upstream.uri()));
        client.guard().circuitBreakers().get(0).transitionToOpenState();
        clock.advance(ago);
        return client;
    }
}
