package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.upstream.UpstreamGuardTests.FakeResponse;
import io.github.errorpages.upstream.UpstreamGuardTests.FakeResponses;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.spi.CauseClassifier;
import io.github.errorpages.testing.Await;
import io.github.errorpages.upstream.internal.MutableClock;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A response whose body the caller reads after the call ({@link ResponseAdapter#awaitBody}): the breaker judges
 * the call by its body too, so that an upstream whose every response breaks off after its head opens it (no
 * sockets needed: the guard only sees what the caller reports).
 */
class BodyOutcomeTests {

    private static final URI ENDPOINT = URI.create("http://10.0.0.1:8080");
    private static final FakeResponse OK = new FakeResponse(200, Map.of());
    /** Opens at half of four calls failed; half-open, two trial calls. */
    private static final CircuitBreakerConfig SMALL_WINDOW = CircuitBreakerConfig.custom()
            .slidingWindow(4, 4, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .permittedNumberOfCallsInHalfOpenState(2)
            .build();

    private final RecordingListener events = new RecordingListener();
    private final UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
            .circuitBreakerConfig(SMALL_WINDOW).build()).listener(events).build();
    private final CircuitBreaker breaker = guard.circuitBreakers().get(0);
    private final AwaitingResponses responses = new AwaitingResponses();

    /** Takes the outcome of every response's body, as a proxy that streams the body does. */
    static class AwaitingResponses implements ResponseAdapter<FakeResponse> {
        final List<BodyOutcome> bodies = new CopyOnWriteArrayList<>();
        private final FakeResponses read = new FakeResponses();

        @Override
        public int status(FakeResponse response) {
            return read.status(response);
        }

        @Override
        public @Nullable String header(FakeResponse response, String name) {
            return read.header(response, name);
        }

        @Override
        public void discard(FakeResponse response) {
            read.discard(response);
        }

        @Override
        public boolean awaitBody(FakeResponse response, BodyOutcome body) {
            bodies.add(body);
            return true;
        }
    }

    private BodyOutcome call() throws InterruptedException {
        int before = responses.bodies.size();
        FakeResponse response = guard.call(UpstreamRequest.of("GET"), responses, attempt -> OK);
        assertThat(response).isSameAs(OK);
        assertThat(responses.bodies).hasSize(before + 1);
        return responses.bodies.get(before);
    }

    @Test
    void closedBreakerRecordsTheCallWhenItsBodyEnds() throws Exception {
        BodyOutcome body = call();

        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("not before the body's end").isZero();
        assertThat(guard.metrics().successfulCalls()).as("the call itself succeeded with its head").isEqualTo(1);
        body.completed();
        body.completed();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).as("once").isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(guard.metrics().brokenBodies()).isZero();
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).isEmpty();
    }

    @Test
    void bodiesThatBreakOffOpenTheBreakerAsFailedAttemptsWould() throws Exception {
        for (int i = 0; i < 4; i++) {
            UpstreamFailure failure = call().failed(new EOFException("the upstream closed the connection early"));
            assertThat(failure.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
            assertThat(failure.upstream()).isEqualTo("orders");
            assertThat(failure.failingSince()).as("the upstream is in trouble").isNotNull();
        }

        // Recorded at the head, four successes and four failures would have kept it closed; open, it sheds the
        // load (R47).
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertThat(guard.metrics().successfulCalls()).isEqualTo(4);
        assertThat(guard.metrics().brokenBodies()).isEqualTo(4);
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).hasSize(4).allSatisfy(broken -> {
            assertThat(broken.endpoint()).isEqualTo(ENDPOINT);
            assertThat(broken.upstream()).isEqualTo("orders");
            assertThat(broken.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
        });
    }

    /**
     * A body that broke off opened the breaker: its page tells how long the breaker stays open, as a failed
     * attempt's does (R8). It said nothing, and the 502's own default (10 s) sent clients back into a breaker
     * refusing them for the whole wait.
     */
    @Test
    void bodyThatOpensTheBreakerTellsHowLongItStaysOpen() throws Exception {
        UpstreamFailure last = null;
        for (int i = 0; i < 4; i++) {
            last = call().failed(new EOFException("the upstream closed the connection early"));
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        Duration wait = Duration.ofSeconds(60); // Resilience4j's default waitDurationInOpenState
        assertThat(last.breakerRemainingOpen()).isNotNull().isPositive().isLessThanOrEqualTo(wait);
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).last()
                .satisfies(event -> assertThat(event.failure().breakerRemainingOpen()).isPositive());
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).first()
                .satisfies(event -> assertThat(event.failure().breakerRemainingOpen()).as("closed").isNull());
    }

    /**
     * An upstream whose every response breaks off is failing since the first one, as one refusing connections is:
     * the success of each call's head (the body still to come) ended "failing since", and every broken body began
     * it anew, so the page said "this started in the last few minutes" however long it had lasted. A body that
     * completes ends it.
     */
    @Test
    void failingSinceLastsWhileTheUpstreamBreaksOffEveryBody() throws Exception {
        Instant start = Instant.parse("2026-12-01T10:00:00Z");
        MutableClock clock = new MutableClock(start);
        UpstreamGuard clocked =
                UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1).build()).clock(clock).build();
        List<Instant> since = new ArrayList<>();

        for (int i = 0; i < 3; i++) {
            clocked.call(UpstreamRequest.of("GET"), responses, attempt -> OK);
            since.add(responses.bodies.get(i).failed(new EOFException("the upstream closed the connection early"))
                    .failingSince());
            clock.advance(Duration.ofMinutes(10));
        }

        assertThat(since).containsOnly(start);
        assertThat(clocked.failingSince()).contains(start);
        clocked.call(UpstreamRequest.of("GET"), responses, attempt -> OK);
        assertThat(clocked.failingSince()).as("until the body completes").contains(start);
        responses.bodies.get(3).completed();
        assertThat(clocked.failingSince()).isEmpty();
    }

    /**
     * A body that began before an outage (a download, an event stream) and ends during it says nothing of the
     * outage: "failing since" stays, as it did when only a head ended it. Ending it, the next failure began it anew.
     */
    @Test
    void aBodyThatBeganBeforeAnOutageDoesNotEndIt() throws Exception {
        Instant start = Instant.parse("2026-12-01T10:00:00Z");
        MutableClock clock = new MutableClock(start);
        UpstreamGuard clocked =
                UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1).build()).clock(clock).build();
        clocked.call(UpstreamRequest.of("GET"), responses, attempt -> OK);
        BodyOutcome download = responses.bodies.get(0);
        clock.advance(Duration.ofMinutes(5));
        catchThrowableOfType(UpstreamFailureException.class, () -> clocked.call(UpstreamRequest.of("GET"), attempt -> {
            throw new java.net.ConnectException("Connection refused");
        }));
        Instant outage = start.plus(Duration.ofMinutes(5));
        assertThat(clocked.failingSince()).contains(outage);
        clock.advance(Duration.ofMinutes(50));

        download.completed();

        assertThat(clocked.failingSince()).as("the outage goes on").contains(outage);
    }

    /** A body's failure took the call's time so far: the page's log line said elapsed_ms=0 for every one. */
    @Test
    void aBodyThatBreaksOffTookTheTimeSinceTheCallStarted() throws Exception {
        long before = System.nanoTime();
        BodyOutcome body = call();

        UpstreamFailure failure = body.failed(new EOFException("the upstream closed the connection early"));
        Duration bound = Duration.ofNanos(System.nanoTime() - before);

        assertThat(failure.elapsed()).isPositive().isLessThanOrEqualTo(bound);
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).singleElement()
                .satisfies(event -> assertThat(event.failure().elapsed()).isPositive().isLessThanOrEqualTo(bound));
    }

    @Test
    void onlyTheFirstReportCounts() throws Exception {
        BodyOutcome body = call();

        UpstreamFailure first = body.failed(new SocketTimeoutException("Read timed out"));
        UpstreamFailure second = body.failed(new IOException("connection reset"));
        body.completed();

        assertThat(first.cause()).isEqualTo(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(second.cause()).as("classified all the same").isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(guard.metrics().brokenBodies()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).singleElement();
    }

    /**
     * An upstream that answers while it reads an upload loses the response's body with the exchange when the
     * client the upload streams from goes away: the client's failure, which the breaker forgets as it forgets an
     * attempt that failed so, and no broken body of the upstream's.
     */
    @Test
    void bodyEndedByTheRequestBodysFailedSourceIsForgotten() throws Exception {
        AtomicBoolean sourceFailed = new AtomicBoolean();
        UpstreamRequest upload = UpstreamRequest.of("POST").withBodySource(sourceFailed::get, () -> false);
        guard.call(upload, responses, attempt -> OK);
        BodyOutcome body = responses.bodies.get(0);

        sourceFailed.set(true);
        UpstreamFailure failure = body.failed(new EOFException("the upstream closed the connection early"));

        assertThat(failure.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
        assertThat(failure.failingSince()).isNull();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.metrics().brokenBodies()).isZero();
        assertThat(guard.failingSince()).isEmpty();
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).isEmpty();
    }

    @Test
    void causesAreTheSameWhateverTheClientCallsThem() throws Exception {
        assertThat(call().failed(new TimeoutException("no part of the body within 200 ms")).cause())
                .as("Jetty's stalled body").isEqualTo(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(call().failed(new IOException("Received RST_STREAM: Stream cancelled")).cause())
                .as("the JDK's HTTP/2 reset").isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
        assertThat(call().failed(new IllegalStateException("something no classifier knows")).cause())
                .isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
    }

    /**
     * A trial call whose body streams on (a download, an event stream) counts as the trial's success when its
     * attempt's timeout passes, measured from the attempt's start: held until its body ended, it kept the breaker
     * half-open, every other call refused, for as long as the body lasts; held longer than its attempt's timeout (as
     * long again after a late head, or a body-idle-timeout more), the calls refused meanwhile were told to come back
     * before it ended (R8). Not before the attempt's timeout: until then its body may still break off. The body's
     * end then records nothing twice. Here the head comes halfway through the attempt's 3 s: the breaker closes 3 s
     * after the attempt's start, not 3 s after the head, and the call refused meanwhile was told no sooner.
     */
    @Test
    void halfOpenTrialWhoseBodyStreamsOnCountsAsASuccessWhenItsAttemptsTimeoutPasses() throws Exception {
        Duration attemptTimeout = Duration.ofSeconds(3);
        Duration headAfter = Duration.ofMillis(1500);
        // Its own executor, run on the timer's thread: the bound's time is measured, not a free common pool's.
        UpstreamGuard oneTrial = UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
                .attemptTimeout(attemptTimeout).circuitBreakerConfig(CircuitBreakerConfig.from(SMALL_WINDOW)
                        .permittedNumberOfCallsInHalfOpenState(1).build()).build())
                .executor(Runnable::run).build();
        CircuitBreaker halfOpen = oneTrial.circuitBreakers().get(0);
        AtomicLong closedAt = new AtomicLong();
        halfOpen.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
                closedAt.set(System.nanoTime());
            }
        });
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState();

        long started = System.nanoTime();
        oneTrial.call(UpstreamRequest.of("GET"), responses, attempt -> {
            // The upstream's head comes late, halfway through the attempt's time.
            Await.until(() -> System.nanoTime() - started >= headAfter.toNanos(), "the head's time");
            return OK;
        });
        long refusedAt = System.nanoTime();
        UpstreamFailureException refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> oneTrial.call(UpstreamRequest.of("GET"), responses, attempt -> OK));
        Await.until(() -> closedAt.get() != 0, "the bound recording the trial's success");

        assertThat(refused).as("the trial holds the phase").isNotNull();
        assertThat(refused.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(Duration.ofNanos(closedAt.get() - started)).as("closed when the attempt's time passed")
                .isGreaterThanOrEqualTo(attemptTimeout)
                .isLessThan(headAfter.plus(attemptTimeout)); // the head's time plus an attempt timeout: the old bound
        assertThat(refused.failure().breakerRemainingOpen()).as("Retry-After: no sooner than the trial's end (R8)")
                .isNotNull()
                .isGreaterThanOrEqualTo(Duration.ofNanos(closedAt.get() - refusedAt));
        responses.bodies.forEach(BodyOutcome::completed);
        assertThat(halfOpen.getMetrics().getNumberOfBufferedCalls()).as("nothing recorded twice").isZero();
    }

    /**
     * Whoever takes a trial's outcome owns it: a trial whose success the bound recorded and whose body then breaks off
     * while the same phase is still half-open (another trial's body still streams) records nothing into that phase,
     * and the phase is judged by the other trial. Recorded, it was one trial counted twice, a success and a failure,
     * the bug's shape again, and with two trial calls the phase was judged (one failure in two: open) while the other
     * trial still ran. Its attempt's timeout of 2 s is the first trial's bound; the second's starts after it.
     */
    @Test
    void trialWhoseBodyBreaksOffAfterItsBoundRecordsNothingIntoThePhaseStillHalfOpen() throws Exception {
        RecordingListener listener = new RecordingListener();
        UpstreamGuard twoTrials = UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
                .attemptTimeout(Duration.ofSeconds(2)).circuitBreakerConfig(SMALL_WINDOW).build())
                .listener(listener).executor(Runnable::run).build();
        CircuitBreaker halfOpen = twoTrials.circuitBreakers().get(0);
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState();
        AwaitingResponses awaiting = new AwaitingResponses();

        twoTrials.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK);
        Await.until(() -> halfOpen.getMetrics().getNumberOfSuccessfulCalls() == 1,
                "the first trial's bound recording its success");
        twoTrials.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // the second trial, its body streaming
        awaiting.bodies.get(0).failed(new EOFException("reset mid-body")); // the first trial's body, after its bound

        assertThat(halfOpen.getState()).as("the second trial still held").isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(halfOpen.getMetrics().getNumberOfBufferedCalls()).as("nothing recorded into the phase").isEqualTo(1);
        awaiting.bodies.get(1).completed();
        assertThat(transitions(listener)).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
        assertThat(halfOpen.getMetrics().getNumberOfBufferedCalls()).as("nor into the closed window").isZero();
    }

    /**
     * A guard's executor that accepts the trial's bound and drops it (a {@code DiscardPolicy}, {@code shutdownNow()}):
     * the timer's thread takes the trial's outcome a short grace after its attempt's timeout, and the breaker closes
     * then. It ran the bound a whole attempt timeout later (and as late with an executor merely busy, the common pool's
     * one thread on two cores), while the calls refused meanwhile were told the trial ended at its bound (R8).
     */
    @Test
    void heldTrialsBoundThatTheExecutorDropsIsTakenAShortGraceAfterIt() throws Exception {
        Duration attemptTimeout = Duration.ofSeconds(3);
        long started = System.nanoTime();
        long closedAt = closeTimeOfOneTrialWith(task -> { }, attemptTimeout);

        assertThat(Duration.ofNanos(closedAt - started)).as("closed a grace after the attempt's time, not twice it")
                .isGreaterThanOrEqualTo(attemptTimeout)
                .isLessThan(attemptTimeout.plus(PendingBody.BOUND_GRACE).plusMillis(1500));
    }

    /** A guard's executor that refuses the trial's bound (shut down, a full queue): the bound runs at once. */
    @Test
    void heldTrialsBoundThatTheExecutorRefusesIsTakenAtIt() throws Exception {
        Duration attemptTimeout = Duration.ofSeconds(1);
        long started = System.nanoTime();
        long closedAt = closeTimeOfOneTrialWith(task -> {
            throw new RejectedExecutionException("shut down");
        }, attemptTimeout);

        assertThat(Duration.ofNanos(closedAt - started)).as("closed when the attempt's time passed")
                .isGreaterThanOrEqualTo(attemptTimeout)
                .isLessThan(attemptTimeout.plusMillis(1500));
    }

    /**
     * Makes a call the one trial of a half-open breaker whose guard runs on {@code executor}, its body streaming on.
     *
     * @return when the breaker closed, by {@link System#nanoTime()}
     */
    private long closeTimeOfOneTrialWith(Executor executor, Duration attemptTimeout) throws Exception {
        UpstreamGuard oneTrial = UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
                .attemptTimeout(attemptTimeout).circuitBreakerConfig(CircuitBreakerConfig.from(SMALL_WINDOW)
                        .permittedNumberOfCallsInHalfOpenState(1).build()).build())
                .executor(executor).build();
        CircuitBreaker halfOpen = oneTrial.circuitBreakers().get(0);
        AtomicLong closedAt = new AtomicLong();
        halfOpen.getEventPublisher().onStateTransition(event -> {
            if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
                closedAt.set(System.nanoTime());
            }
        });
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState();
        AwaitingResponses awaiting = new AwaitingResponses();

        oneTrial.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK);
        Await.until(() -> closedAt.get() != 0, "the bound recording the trial's success", Duration.ofSeconds(20));
        awaiting.bodies.get(0).completed();
        assertThat(halfOpen.getMetrics().getNumberOfBufferedCalls()).as("nothing recorded twice").isZero();
        return closedAt.get();
    }

    /**
     * A body that is no trial of the half-open phase of the moment (a trial of a phase that ended, by hand here, or a
     * body admitted closed) and breaks off records nothing into it, as such a body's success records nothing: recorded,
     * the later phase counted a failure it never admitted as one of its trials, and with two trial calls opened at one
     * failure in two while its second trial had not run. The later phase is judged by its own two trials.
     */
    @Test
    void bodyThatIsNoTrialOfTheCurrentPhaseRecordsNoFailureIntoIt() throws Exception {
        RecordingListener listener = new RecordingListener();
        UpstreamGuard phases = UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
                .attemptTimeout(Duration.ofSeconds(30)).circuitBreakerConfig(SMALL_WINDOW).build())
                .listener(listener).build();
        CircuitBreaker halfOpen = phases.circuitBreakers().get(0);
        AwaitingResponses awaiting = new AwaitingResponses();
        phases.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // admitted closed, its body streaming
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState();
        phases.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // phase A's trial, its body streaming
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState(); // phase B

        awaiting.bodies.get(0).failed(new EOFException("reset mid-body"));
        awaiting.bodies.get(1).failed(new EOFException("reset mid-body"));

        assertThat(halfOpen.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(halfOpen.getMetrics().getNumberOfBufferedCalls()).as("nothing recorded into phase B").isZero();
        phases.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // phase B's first trial
        phases.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // its second
        awaiting.bodies.get(2).completed();
        assertThat(halfOpen.getState()).as("judged by its two trials").isEqualTo(CircuitBreaker.State.HALF_OPEN);
        awaiting.bodies.get(3).completed();
        assertThat(transitions(listener)).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
                "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    /**
     * A response adapter that throws (a bug) with a trial call held: the trial's permission is given back to the phase
     * that admitted it, and to no later one. Given back to a phase begun meanwhile (by hand), it let that phase admit
     * one trial call more than it is configured for; nor does an adapter that will not report the body record the
     * trial's success into a later phase.
     */
    @Test
    void heldTrialGivesItsPermissionBackOnlyToThePhaseThatAdmittedIt() throws Exception {
        AwaitingResponses throwing = new AwaitingResponses() {
            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                super.awaitBody(response, body);
                throw new IllegalStateException("the adapter's bug");
            }
        };
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        catchThrowableOfType(IllegalStateException.class,
                () -> guard.call(UpstreamRequest.of("GET"), throwing, attempt -> OK));
        assertThat(breaker.tryAcquirePermission()).as("its permission given back").isTrue();
        assertThat(breaker.tryAcquirePermission()).as("the second trial's").isTrue();
        assertThat(breaker.tryAcquirePermission()).as("no third").isFalse();

        AwaitingResponses newPhaseThenThrowing = new AwaitingResponses() {
            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                breaker.transitionToOpenState();
                breaker.transitionToHalfOpenState();
                throw new IllegalStateException("the adapter's bug");
            }
        };
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        catchThrowableOfType(IllegalStateException.class,
                () -> guard.call(UpstreamRequest.of("GET"), newPhaseThenThrowing, attempt -> OK));
        assertThat(breaker.tryAcquirePermission()).as("the later phase's first trial").isTrue();
        assertThat(breaker.tryAcquirePermission()).as("its second").isTrue();
        assertThat(breaker.tryAcquirePermission()).as("no third").isFalse();

        AwaitingResponses newPhaseThenNotAwaiting = new AwaitingResponses() {
            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                breaker.transitionToOpenState();
                breaker.transitionToHalfOpenState();
                return false;
            }
        };
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        guard.call(UpstreamRequest.of("GET"), newPhaseThenNotAwaiting, attempt -> OK);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("no success in the later phase").isZero();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    /** The default breaker's settings, its open wait passing by the test's clock. */
    private static UpstreamGuard defaultBreakerGuard(MutableClock clock, RecordingListener listener) {
        return UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
                .circuitBreakerConfig(CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                        .clock(clock).build())
                .build()).listener(listener).clock(clock).build();
    }

    /**
     * Opens a default breaker as an upstream that breaks off every body does (ten bodies broken off), then lets its
     * open wait pass: the next calls are the three trial calls.
     */
    private static void openAndWaitOut(UpstreamGuard defaults, AwaitingResponses awaiting, MutableClock clock)
            throws InterruptedException {
        CircuitBreaker breaker = defaults.circuitBreakers().get(0);
        while (breaker.getState() == CircuitBreaker.State.CLOSED) {
            defaults.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK);
            awaiting.bodies.get(awaiting.bodies.size() - 1).failed(new EOFException("reset mid-body"));
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        clock.advance(Duration.ofSeconds(31)); // the default's wait: 30 s
    }

    /** @return the breaker's transitions so far, as "FROM->TO" */
    private static List<String> transitions(RecordingListener listener) {
        return listener.of(UpstreamEvent.BreakerStateChanged.class).stream()
                .map(changed -> changed.from() + "->" + changed.to()).toList();
    }

    /**
     * An upstream that sends every head and breaks off every body, behind the guard's default breaker (three trial
     * calls, 50 %): each trial call, one after the other, counts as the failure it is, and the breaker opens again
     * after the three, which alone reached the upstream; the calls after them are refused without an upstream call
     * (R47). Recorded as a success at the head and a failure after it, the trials closed the breaker (success,
     * failure, success: one in three failed), and the calls went on reaching the dead upstream until ten more
     * failures opened it again, the operators told it had recovered.
     */
    @Test
    void halfOpenTrialsWhoseBodiesAllBreakOffOpenTheDefaultBreakerAgain() throws Exception { // R47
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        RecordingListener listener = new RecordingListener();
        UpstreamGuard defaults = defaultBreakerGuard(clock, listener);
        CircuitBreaker defaultBreaker = defaults.circuitBreakers().get(0);
        AwaitingResponses awaiting = new AwaitingResponses();
        openAndWaitOut(defaults, awaiting, clock);
        AtomicInteger reached = new AtomicInteger();

        int refused = 0;
        for (int i = 0; i < 10; i++) {
            try {
                defaults.call(UpstreamRequest.of("GET"), awaiting, attempt -> {
                    reached.incrementAndGet();
                    return OK;
                });
                awaiting.bodies.get(awaiting.bodies.size() - 1).failed(new EOFException("reset mid-body"));
            } catch (UpstreamFailureException open) {
                assertThat(open.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
                refused++;
            }
        }

        assertThat(reached.get()).as("the trial calls alone reached the upstream")
                .isEqualTo(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG.getPermittedNumberOfCallsInHalfOpenState());
        assertThat(refused).isEqualTo(7);
        assertThat(defaultBreaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(transitions(listener)).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    }

    /**
     * Trial calls under way together: each holds its permission until its body ends, so that the half-open breaker
     * admits no call beyond its three trials meanwhile, and their bodies, all broken off, open it again. Recorded at
     * their heads, the three closed it before any body ended.
     */
    @Test
    void concurrentHalfOpenTrialsHoldTheBreakerUntilTheirBodiesEnd() throws Exception { // R47
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        RecordingListener listener = new RecordingListener();
        UpstreamGuard defaults = defaultBreakerGuard(clock, listener);
        CircuitBreaker defaultBreaker = defaults.circuitBreakers().get(0);
        AwaitingResponses awaiting = new AwaitingResponses();
        openAndWaitOut(defaults, awaiting, clock);
        int before = awaiting.bodies.size();

        for (int i = 0; i < 3; i++) {
            defaults.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK);
        }
        UpstreamFailureException fourth = catchThrowableOfType(UpstreamFailureException.class,
                () -> defaults.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK));
        assertThat(defaultBreaker.getState()).as("the trials' bodies still stream")
                .isEqualTo(CircuitBreaker.State.HALF_OPEN);
        awaiting.bodies.subList(before, before + 3)
                .forEach(body -> body.failed(new EOFException("reset mid-body")));

        assertThat(fourth).as("no fourth trial call").isNotNull();
        assertThat(fourth.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(defaultBreaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(transitions(listener)).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    }

    /**
     * The half-open phase is judged as Resilience4j judges it, a broken body being one failed trial call: with the
     * default 50 % threshold, one broken body among three trials closes the breaker, two open it again. Recorded at
     * the head with the failure on top, two broken bodies of three closed it too (the second trial's head made the
     * phase's third record: one failure in three).
     */
    @Test
    void halfOpenPhaseIsJudgedByItsTrialsBodiesAsResilience4jJudgesIt() throws Exception {
        for (int broken = 1; broken <= 2; broken++) {
            MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
            RecordingListener listener = new RecordingListener();
            UpstreamGuard defaults = defaultBreakerGuard(clock, listener);
            AwaitingResponses awaiting = new AwaitingResponses();
            openAndWaitOut(defaults, awaiting, clock);

            for (int trial = 0; trial < 3; trial++) {
                defaults.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK);
                BodyOutcome body = awaiting.bodies.get(awaiting.bodies.size() - 1);
                if (trial < broken) {
                    body.failed(new EOFException("reset mid-body"));
                } else {
                    body.completed();
                }
            }

            assertThat(transitions(listener)).as("%d broken of 3", broken).containsExactly("CLOSED->OPEN",
                    "OPEN->HALF_OPEN", broken == 1 ? "HALF_OPEN->CLOSED" : "HALF_OPEN->OPEN");
        }
    }

    /**
     * Bodies that outlast their breaker's closed state (downloads, event streams, while other calls opened it) end
     * with the breaker half-open: their successes are no trial calls', which the breaker has not admitted yet,
     * and do not close it.
     */
    @Test
    void bodiesEndingOnceTheBreakerIsHalfOpenAreNoTrialCalls() throws Exception {
        BodyOutcome first = call();
        BodyOutcome second = call();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        first.completed();
        second.completed();

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    @Test
    void halfOpenTrialWhoseBodyBreaksOffOpensTheBreakerAgain() throws Exception {
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        BodyOutcome first = call();
        BodyOutcome second = call();
        assertThat(breaker.getState()).as("nothing recorded at the heads").isEqualTo(CircuitBreaker.State.HALF_OPEN);
        first.failed(new EOFException("the upstream closed the connection early"));
        second.failed(new EOFException("the upstream closed the connection early"));

        // Both trial calls failed, and nothing else took their places.
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(events.of(UpstreamEvent.BreakerStateChanged.class)).last()
                .satisfies(changed -> assertThat(changed.from()).isEqualTo(CircuitBreaker.State.HALF_OPEN));
    }

    @Test
    void responseWhoseBodyNobodyAwaitsIsRecordedWithItsHead() throws Exception {
        FakeResponses plain = new FakeResponses();

        guard.call(UpstreamRequest.of("GET"), plain, attempt -> OK);

        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
    }

    /** Holds the bulkhead permit of every response whose body it awaits, as a blocking copy does. */
    private static final class HoldingResponses extends AwaitingResponses {
        @Override
        public boolean awaitBody(FakeResponse response, BodyOutcome body) {
            body.holdBulkheadPermit();
            return super.awaitBody(response, body);
        }
    }

    @Test
    void heldBulkheadPermitIsGivenBackOnceWhenTheBodyEnds() throws Exception {
        UpstreamGuard onePermit = UpstreamGuard.of(Guards.fast(ENDPOINT).maxAttempts(1)
                .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(1).maxWaitDuration(Duration.ZERO).build())
                .build());
        HoldingResponses holding = new HoldingResponses();

        onePermit.call(UpstreamRequest.of("GET"), holding, attempt -> OK);
        UpstreamFailureException full = catchThrowableOfType(UpstreamFailureException.class,
                () -> onePermit.call(UpstreamRequest.of("GET"), holding, attempt -> OK));
        holding.bodies.get(0).failed(new EOFException("cut"));
        holding.bodies.get(0).completed();

        assertThat(full.failure().cause()).as("the body still held the permit")
                .isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(onePermit.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        onePermit.call(UpstreamRequest.of("GET"), holding, attempt -> OK);
        assertThat(onePermit.bulkhead().getMetrics().getAvailableConcurrentCalls()).isZero();
        holding.bodies.get(1).completed();
        assertThat(onePermit.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void bulkheadPermitIsGivenBackWithTheHeadUnlessHeld() throws Exception {
        call();

        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
    }

    @Test
    void holdingAfterTheBodyEndedHoldsNothing() throws Exception {
        BodyOutcome body = call();
        body.completed();
        body.holdBulkheadPermit();

        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
    }

    /**
     * A body failure that the breaker's own configuration ignores: recorded without a permission (a body that began
     * while the breaker was closed and ends half-open), Resilience4j would give one back that the call never held,
     * and a half-open breaker would admit one trial call more.
     */
    @Test
    void bodyFailureTheBreakerIgnoresGivesBackNoPermissionItNeverHeld() throws Exception {
        CircuitBreakerConfig ignoringEof = CircuitBreakerConfig.from(SMALL_WINDOW)
                .ignoreExceptions(EOFException.class).build();
        UpstreamGuard ignoring = UpstreamGuard.of(Guards.fast(ENDPOINT).maxAttempts(1)
                .circuitBreakerConfig(ignoringEof).build());
        CircuitBreaker halfOpen = ignoring.circuitBreakers().get(0);
        AwaitingResponses awaiting = new AwaitingResponses();
        ignoring.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // admitted closed
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState();

        awaiting.bodies.get(0).failed(new EOFException("the upstream closed the connection early"));

        assertThat(halfOpen.tryAcquirePermission()).as("the first trial call").isTrue();
        assertThat(halfOpen.tryAcquirePermission()).as("the second").isTrue();
        assertThat(halfOpen.tryAcquirePermission()).as("no third").isFalse();
        assertThat(ignoring.metrics().brokenBodies()).as("counted all the same").isEqualTo(1);
    }

    /**
     * A trial call's body whose failure judges nothing (the breaker's settings ignore it) gives the trial's permission
     * back, as an attempt failing so does: held for the body and never given back, it left the half-open breaker one
     * trial call short for good, unable to close or open again.
     */
    @Test
    void trialWhoseBodyFailureJudgesNothingGivesItsPermissionBack() throws Exception {
        CircuitBreakerConfig ignoringEof = CircuitBreakerConfig.from(SMALL_WINDOW)
                .ignoreExceptions(EOFException.class).build();
        UpstreamGuard ignoring = UpstreamGuard.of(Guards.fast(ENDPOINT).maxAttempts(1)
                .circuitBreakerConfig(ignoringEof).build());
        CircuitBreaker halfOpen = ignoring.circuitBreakers().get(0);
        halfOpen.transitionToOpenState();
        halfOpen.transitionToHalfOpenState();
        AwaitingResponses awaiting = new AwaitingResponses();

        ignoring.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // the first of two trial calls
        ignoring.call(UpstreamRequest.of("GET"), awaiting, attempt -> OK); // the second
        awaiting.bodies.get(0).failed(new EOFException("the upstream closed the connection early"));
        awaiting.bodies.get(1).failed(new EOFException("the upstream closed the connection early"));

        assertThat(halfOpen.getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(halfOpen.tryAcquirePermission()).as("the first trial call again").isTrue();
        assertThat(halfOpen.tryAcquirePermission()).as("the second").isTrue();
        assertThat(halfOpen.tryAcquirePermission()).as("no third").isFalse();
    }

    /**
     * A body that ended before the guard finished handing it over (a streamed body the upstream reset at once, whose
     * end the caller reports from within awaitBody) is announced after the call's own end: the call's success, then
     * its broken body, and "failing since" stays set, as for a body that breaks off later.
     */
    @Test
    void bodyThatBrokeOffWhileHandedOverIsAnnouncedAfterTheCallsSuccess() throws Exception {
        AwaitingResponses failingAtOnce = new AwaitingResponses() {
            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                body.failed(new EOFException("the upstream closed the connection early"));
                return true;
            }
        };

        guard.call(UpstreamRequest.of("GET"), failingAtOnce, attempt -> OK);

        assertThat(events.all()).filteredOn(event -> event instanceof UpstreamEvent.CallSucceeded
                || event instanceof UpstreamEvent.BodyBrokenOff)
                .extracting(event -> (Object) event.getClass())
                .containsExactly(UpstreamEvent.CallSucceeded.class, UpstreamEvent.BodyBrokenOff.class);
        assertThat(guard.failingSince()).as("the broken body came after the success").isPresent();
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(guard.metrics().brokenBodies()).isEqualTo(1);
    }

    /** A guard of one bulkhead permit that refuses at once when it is taken. */
    private static UpstreamGuard onePermit() {
        return UpstreamGuard.of(Guards.fast(ENDPOINT).maxAttempts(1)
                .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(1).maxWaitDuration(Duration.ZERO).build())
                .build());
    }

    /**
     * A body that ended while handed over (its end reported from within awaitBody), and whose permit the caller then
     * asks to hold: nothing is left to give it back but the call, which does. Held for a body that had ended, the
     * permit was never given back, and the bulkhead lost one call for good (R47).
     */
    @Test
    void holdingThePermitOfABodyThatEndedWhileHandedOverLeaksNoPermit() throws Exception {
        UpstreamGuard onePermit = onePermit();
        AwaitingResponses endedAtOnce = new AwaitingResponses() {
            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                body.completed();
                body.holdBulkheadPermit();
                return super.awaitBody(response, body);
            }
        };

        onePermit.call(UpstreamRequest.of("GET"), endedAtOnce, attempt -> OK);

        assertThat(onePermit.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        FakeResponse next = onePermit.call(UpstreamRequest.of("GET"), endedAtOnce, attempt -> OK);
        assertThat(next).as("not refused").isSameAs(OK);
    }

    /**
     * An adapter that holds the permit and then throws (a bug): the body it abandons gives the permit back, and the
     * call does not give it back a second time, nor does a report that comes later. Given back twice, the bulkhead
     * let one call more through than it is configured for, for good.
     */
    @Test
    void adapterThatThrowsAfterHoldingThePermitGivesItBackOnce() throws Exception {
        UpstreamGuard onePermit = onePermit();
        AwaitingResponses failing = new AwaitingResponses() {
            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                super.awaitBody(response, body);
                body.holdBulkheadPermit();
                throw new IllegalStateException("the adapter's bug");
            }
        };

        IllegalStateException bug = catchThrowableOfType(IllegalStateException.class,
                () -> onePermit.call(UpstreamRequest.of("GET"), failing, attempt -> OK));
        failing.bodies.get(0).completed();

        assertThat(bug).hasMessage("the adapter's bug");
        assertThat(onePermit.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    /** What a proxy's own limit on a response's body throws when the body exceeds it. */
    private static final class BodyTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTooLarge() {
            super("the response's body exceeds the proxy's limit");
        }
    }

    /**
     * A body cut off by the proxy's own limit ({@code http_response_body_size}) is the limit's doing, not the
     * upstream's: as for an attempt failing so, the breaker records nothing and the upstream is not failing.
     * Recorded, responses too large for the proxy opened the breaker of an upstream in good health (R47).
     */
    @Test
    void bodyCutOffByTheProxysOwnLimitIsNoFailureOfTheUpstream() throws Exception {
        FailureClassifier classifier = FailureClassifier.of(List.<CauseClassifier>of(failure -> failure
                instanceof BodyTooLarge ? Optional.of(FailureCause.HTTP_RESPONSE_BODY_SIZE) : Optional.empty()));
        UpstreamGuard limited = UpstreamGuard.builder(Guards.fast(ENDPOINT).maxAttempts(1)
                .circuitBreakerConfig(SMALL_WINDOW).build()).classifier(classifier).build();
        CircuitBreaker limitedBreaker = limited.circuitBreakers().get(0);

        for (int i = 0; i < 4; i++) {
            limited.call(UpstreamRequest.of("GET"), responses, attempt -> OK);
            UpstreamFailure failure = responses.bodies.get(i).failed(new BodyTooLarge());
            assertThat(failure.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_BODY_SIZE);
            assertThat(failure.failingSince()).isNull();
        }

        assertThat(limitedBreaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(limitedBreaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(limited.failingSince()).isEmpty();
    }
}
