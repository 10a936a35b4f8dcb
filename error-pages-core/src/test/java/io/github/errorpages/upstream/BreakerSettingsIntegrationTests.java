package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.BodyOutcomeTests.AwaitingResponses;
import io.github.errorpages.upstream.UpstreamGuardTests.FakeResponse;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Breaker settings that name exceptions ({@code recordExceptions}, {@code ignoreExceptions}): Resilience4j counts an
 * exception they name neither way as a successful call, so settings copied from its own example (I/O errors and
 * timeouts) would have counted an upstream's 503s as successes and never opened (R47). The guard refuses such
 * settings when it is built, naming the key, and reports a failure whose own exception they do not name as an
 * {@link UpstreamFailureException}.
 */
class BreakerSettingsIntegrationTests {

    /** Resilience4j's documented example: records I/O errors and timeouts only. */
    private static final CircuitBreakerConfig IO_AND_TIMEOUTS = CircuitBreakerConfig.custom()
            .recordExceptions(IOException.class, TimeoutException.class)
            .build();
    /** Opens at half of four calls failed, records only the guard's own exception. */
    private static final CircuitBreakerConfig GUARD_FAILURES_ONLY = CircuitBreakerConfig.custom()
            .slidingWindow(4, 4, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .recordExceptions(UpstreamFailureException.class)
            .build();

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();

    @Test
    void settingsGivenForTheUpstreamThatWouldCount5xxAsSuccessesAreRefused() {
        UpstreamConfig config = fast(URI.create("http://127.0.0.1:1"))
                .circuitBreakerConfig(IO_AND_TIMEOUTS).build();

        assertThatThrownBy(() -> UpstreamGuard.of(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: upstreams.orders.circuit-breaker must "
                        + "record or ignore io.github.errorpages.UpstreamFailureException")
                .hasMessageContaining("but was the settings given to circuitBreakerConfig, which neither record nor "
                        + "ignore io.github.errorpages.UpstreamFailureException");
    }

    @Test
    void aRegistrysDefaultSettingsAreCheckedAndARefusedGuardLeavesNothingInTheRegistries() {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(IO_AND_TIMEOUTS);
        BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
        UpstreamConfig config = fast(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"))
                .build();

        assertThatThrownBy(() -> UpstreamGuard.builder(config).circuitBreakerRegistry(breakers)
                .bulkheadRegistry(bulkheads).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("upstreams.orders.circuit-breaker")
                .hasMessageContaining("but was the circuit breaker registry's default settings");
        assertThat(breakers.getAllCircuitBreakers()).isEmpty();
        assertThat(bulkheads.getAllBulkheads()).isEmpty();
    }

    @Test
    void aBreakerTheApplicationMadeInTheRegistryIsCheckedByItsOwnSettings() {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
        breakers.circuitBreaker("orders", IO_AND_TIMEOUTS);
        UpstreamConfig config = fast(URI.create("http://127.0.0.1:1"))
                .circuitBreakerConfig(GUARD_FAILURES_ONLY).build(); // not used: the breaker exists

        assertThatThrownBy(() -> UpstreamGuard.builder(config).circuitBreakerRegistry(breakers).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but was the settings of the breaker 'orders' already in the registry");
    }

    @Test
    void settingsThatRecordTheGuardsExceptionOpenOnUpstream503s() { // R47
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "down"));
        CircuitBreakerConfig ioTimeoutsAndGuard = CircuitBreakerConfig.from(GUARD_FAILURES_ONLY)
                .recordExceptions(IOException.class, TimeoutException.class, UpstreamFailureException.class).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .circuitBreakerConfig(ioTimeoutsAndGuard).build()));

        failFourTimes(client);

        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertThat(breaker.getState()).isEqualTo(State.OPEN);
    }

    @Test
    void aResetTheSettingsDoNotNameCountsAsAFailureNotASuccess() {
        FaultyUpstream upstream = upstreams.start(Behaviour.resetBeforeResponse());
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .circuitBreakerConfig(GUARD_FAILURES_ONLY).build()));

        for (int i = 0; i < 4; i++) {
            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> client.send(get("/orders"), BodyHandlers.ofString()));
            assertThat(thrown.failure().cause()).isEqualTo(FailureCause.CONNECTION_TERMINATED);
        }

        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getState()).isEqualTo(State.OPEN);
    }

    @Test
    void theGuardsOwnTimeoutCountsAsAFailureThoughTheSettingsRecordOnlyIoErrors() {
        CircuitBreakerConfig ioAndGuard = CircuitBreakerConfig.from(GUARD_FAILURES_ONLY)
                .recordExceptions(IOException.class, UpstreamFailureException.class).build();
        UpstreamGuard guard = UpstreamGuard.of(fast(upstreams.start(Behaviour.ok()).uri()).maxAttempts(1)
                .attemptTimeout(Duration.ofMillis(50)).circuitBreakerConfig(ioAndGuard).build());

        // An attempt that never completes: the guard's timer ends it with a TimeoutException, no IOException.
        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                attempt -> new CompletableFuture<>());
        CompletionException thrown = catchThrowableOfType(CompletionException.class, call::join);

        assertThat(thrown).cause().isInstanceOf(UpstreamFailureException.class);
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    }

    @Test
    void settingsThatIgnoreTheGuardsExceptionKeep5xxOutButStillOpenOnResets() {
        CircuitBreakerConfig ioOnly5xxIgnored = CircuitBreakerConfig.from(GUARD_FAILURES_ONLY)
                .recordExceptions(IOException.class).ignoreExceptions(UpstreamFailureException.class).build();
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "down"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .circuitBreakerConfig(ioOnly5xxIgnored).build()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);

        failFourTimes(client);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("503s: neither success nor failure").isZero();

        upstream.behave(Behaviour.resetBeforeResponse());
        failFourTimes(client);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getState()).isEqualTo(State.OPEN);
    }

    /**
     * Settings whose predicate looks into the failure pass the build's check (they record its sample, a 503) and still
     * name a reset neither way, nor the failure the guard reports for it: it is counted as nothing, never as a
     * success, while 503s open the breaker.
     */
    @Test
    void aFailureNoPredicateNamesIsCountedAsNothingRatherThanASuccess() {
        CircuitBreakerConfig only5xx = CircuitBreakerConfig.custom()
                .slidingWindow(4, 4, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .recordException(e -> e instanceof UpstreamFailureException u && u.failure().upstreamStatus() >= 500)
                .build();
        FaultyUpstream upstream = upstreams.start(Behaviour.resetBeforeResponse());
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .circuitBreakerConfig(only5xx).build()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);

        failFourTimes(client);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("resets: neither success nor failure").isZero();

        upstream.behave(Behaviour.respond(503, "down"));
        failFourTimes(client);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getState()).isEqualTo(State.OPEN);
    }

    /**
     * What operations.md's Security section gives against a client that opens the shared breaker by making the
     * upstream answer 500 for its own requests: an {@code ignoreException} predicate on the status keeps the 500s out
     * of the breaker (neither success nor failure), while the other 5xx still open it.
     */
    @Test
    void anIgnorePredicateOnTheStatusKeepsAnUpstreams500sOutOfTheBreakerWhileItsOther5xxStillOpenIt() {
        CircuitBreakerConfig no500s = CircuitBreakerConfig.custom()
                .slidingWindow(4, 4, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(50)
                .ignoreException(e -> e instanceof UpstreamFailureException u && u.failure().upstreamStatus() == 500)
                .build();
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(500, "boom"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .circuitBreakerConfig(no500s).build()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);

        failFourTimes(client);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("500s: neither success nor failure").isZero();
        assertThat(breaker.getState()).isEqualTo(State.CLOSED);

        upstream.behave(Behaviour.respond(503, "down"));
        failFourTimes(client);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getState()).isEqualTo(State.OPEN);
    }

    @Test
    void aBodyBrokenOffWithAnExceptionTheSettingsDoNotNameCountsAsAFailure() throws Exception {
        UpstreamGuard guard = UpstreamGuard.of(fast(upstreams.start(Behaviour.ok()).uri()).maxAttempts(1)
                .circuitBreakerConfig(GUARD_FAILURES_ONLY).build());
        AwaitingResponses responses = new AwaitingResponses();

        guard.call(UpstreamRequest.of("GET"), responses, attempt -> new FakeResponse(200, Map.of()));
        responses.bodies.get(0).failed(new EOFException("the upstream closed the connection early"));

        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    }

    /**
     * A predicate of the settings is the application's code, and may throw (here for an exception without a message,
     * as the JDK's {@code ConnectException} for a refusal can be). The failure is then counted as nothing, and the
     * half-open breaker gets its trial permission back: it had kept it, refusing every later call with 503 for good.
     * The failure still reaches the caller as the upstream's, and the first such error of the settings is logged.
     */
    @Test
    void aPredicateThatThrowsCountsTheOutcomeAsNothingAndTheHalfOpenBreakerKeepsAdmittingCalls() {
        CircuitBreakerConfig throwsForNoMessage = CircuitBreakerConfig.custom()
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(e -> e instanceof UpstreamFailureException || e.getMessage().contains("refused"))
                .build();
        UpstreamGuard guard = UpstreamGuard.of(fast(URI.create("http://127.0.0.1:1")).maxAttempts(1)
                .circuitBreakerConfig(throwsForNoMessage).build());
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        String log = StandardError.capture(() -> {
            for (int i = 0; i < 2; i++) {
                UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                        () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                            throw new ConnectException(); // no message: the predicate throws a NullPointerException
                        }));
                assertThat(thrown.failure().cause()).isEqualTo(FailureCause.CONNECTION_REFUSED);
                assertThat(thrown.failure().attempts()).isEqualTo(1);
            }
        });

        assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(log).containsOnlyOnce("upstreams.orders.circuit-breaker").contains("NullPointerException");
        assertThat(callAnswered(guard)).isEqualTo("ok");
        assertThat(breaker.getState()).as("the trial call's success closes it").isEqualTo(State.CLOSED);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    @Test
    void aResultPredicateThatThrowsCountsTheAnswerAsNothingAndTheHalfOpenBreakerKeepsAdmittingCalls() {
        CircuitBreakerConfig resultPredicateThrows = CircuitBreakerConfig.custom()
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordResult(result -> {
                    throw new IllegalStateException("the application's predicate is broken");
                })
                .build();
        UpstreamGuard guard = UpstreamGuard.of(fast(URI.create("http://127.0.0.1:1")).maxAttempts(1)
                .circuitBreakerConfig(resultPredicateThrows).build());
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        String log = StandardError.capture(() -> {
            for (int i = 0; i < 2; i++) {
                assertThat(callAnswered(guard)).isEqualTo("ok");
            }
        });

        assertThat(breaker.getState()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(log).containsOnlyOnce("the application's predicate is broken");
        assertThat(breaker.tryAcquirePermission()).as("the trial permission came back").isTrue();
    }

    @Test
    void aBodyBrokenOffWhoseJudgingThrowsIsStillAnsweredAsTheUpstreamsFailure() throws Exception {
        CircuitBreakerConfig throwsForEof = CircuitBreakerConfig.custom()
                .recordException(e -> {
                    if (e instanceof EOFException) {
                        throw new IllegalStateException("the application's predicate is broken");
                    }
                    return true;
                })
                .build();
        UpstreamGuard guard = UpstreamGuard.of(fast(URI.create("http://127.0.0.1:1")).maxAttempts(1)
                .circuitBreakerConfig(throwsForEof).build());
        AwaitingResponses responses = new AwaitingResponses();
        guard.call(UpstreamRequest.of("GET"), responses, attempt -> new FakeResponse(200, Map.of()));

        String log = StandardError.capture(() -> assertThat(responses.bodies.get(0)
                .failed(new EOFException("the upstream closed the connection early")).cause())
                .isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE));

        assertThat(log).contains("the application's predicate is broken");
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    /** A call whose attempt answers "ok". */
    private static String callAnswered(UpstreamGuard guard) {
        try {
            return guard.call(UpstreamRequest.of("GET"), attempt -> "ok");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Sends four GETs, each failing as the upstream answers it. */
    private static void failFourTimes(GuardedHttpClient client) {
        for (int i = 0; i < 4; i++) {
            catchThrowableOfType(UpstreamFailureException.class, () -> client.send(get("/orders"),
                    BodyHandlers.ofString()));
        }
    }
}
