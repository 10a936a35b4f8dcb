package io.github.errorpages.upstream;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bulkhead that queues calls ({@code maxWaitDuration} above zero, which {@link UpstreamConfig.Builder#bulkheadConfig}
 * allows up to what an attempt needs): its wait counts against the call's deadline, and an interrupt during the wait is
 * the caller's abort. Both were taken for the upstream's or the local limit's failure.
 */
class BulkheadWaitTests {

    private static final URI FIRST = URI.create("http://10.0.0.1:8080");

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();
    private final ExecutorService holder = Executors.newSingleThreadExecutor();
    private final CountDownLatch holding = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<Thread> holderThread = new AtomicReference<>();

    @AfterEach
    void releaseThePermit() {
        release.countDown();
        holder.shutdownNow();
    }

    /**
     * A deadline already short before the bulkhead was asked (here the shortest, 1 ms, gone by when the permit is
     * given; in practice a few milliseconds on a cold path), with a bulkhead that never queues (the default), is no
     * queue's doing: the first attempt is made, the call's only chance. It was refused as connection_limit_reached, a
     * 503 blaming a bulkhead that made nobody wait.
     */
    @Test
    void aFirstAttemptShortOfTimeWithoutWaitingIsMadeNotBlamedOnTheBulkhead() throws Exception {
        UpstreamGuard guard = UpstreamGuard.of(Guards.fast(FIRST).deadline(Duration.ofMillis(1))
                .attemptTimeout(Duration.ofMillis(1)).minAttemptTimeout(Duration.ofMillis(1)).build());
        deadlinePassesAtThePermit(guard);

        String answer = guard.call(UpstreamRequest.of("GET"), attempt -> "answered");

        assertThat(answer).isEqualTo("answered");
    }

    /**
     * A bulkhead that queues takes the blame for an attempt short of time, even when a permit looked free: one just
     * returned shows free while a queued call is being woken for it, and a call that took that look for "no queue"
     * queued behind the others and was made late, a timeout under load that opened the breaker of a healthy
     * upstream.
     */
    @Test
    void aFirstAttemptShortOfTimeBehindAQueueingBulkheadIsRefusedNotMade() {
        // The shortest deadline that takes a wait at all (half of it in whole milliseconds).
        UpstreamGuard guard = queueing(Duration.ofMillis(2));
        deadlinePassesAtThePermit(guard);
        AtomicBoolean called = new AtomicBoolean();

        UpstreamFailureException refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    called.set(true);
                    return "answered late";
                }));

        assertThat(refused.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(called).isFalse();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * Refused for the time a queueing bulkhead may take, a call gives the breaker back the permit it took first:
     * half-open, that is a trial call, which was lost, and with it the way back to a closed breaker.
     */
    @Test
    void aCallRefusedShortOfTimeGivesAHalfOpenBreakerItsTrialCallBack() {
        // The shortest deadline that takes a wait at all (half of it in whole milliseconds), and that wait.
        BulkheadRegistry oneQueued = oneQueued(Duration.ofMillis(1));
        CircuitBreakerRegistry oneTrial = CircuitBreakerRegistry.of(CircuitBreakerConfig.from(
                UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG).permittedNumberOfCallsInHalfOpenState(1).build());
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).deadline(Duration.ofMillis(2))
                .attemptTimeout(Duration.ofMillis(2)).build())
                .bulkheadRegistry(oneQueued).circuitBreakerRegistry(oneTrial).listener(events).build();
        deadlinePassesAtThePermit(guard);
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        UpstreamFailureException refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> "answered late"));

        assertThat(refused.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(breaker.tryAcquirePermission()).as("the trial call is there to take").isTrue();
    }

    /**
     * A bulkhead's wait never holds a call past its deadline (R45: the call fails at the deadline regardless).
     * Resilience4j waits the whole {@code maxWaitDuration} whatever is left of the deadline, and the guard looked at
     * the time only afterwards: with a deadline of 1 s and a wait of 5 s, a call behind a stalled holder of the permit
     * (the proxy's JDK transport holds it while it copies a download) was answered when the holder let go, 2.8 s
     * later. Such a wait is refused when the guard is built. The longest one accepted, half the deadline here, ends
     * the call within its deadline, for a blocking and an asynchronous call alike, as a full bulkhead's refusal (503
     * {@code connection_limit_reached}) that neither calls the upstream nor counts against it.
     */
    @Test
    void aBulkheadWaitNeverHoldsACallPastItsDeadline() throws Exception {
        FaultyUpstream stalled = upstreams.start(Behaviour.stall());
        Duration deadline = Duration.ofSeconds(1);
        UpstreamConfig config = Guards.fast(stalled.uri()).deadline(deadline).attemptTimeout(deadline).build();
        BulkheadRegistry tooLong = oneQueued(Duration.ofSeconds(5));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamGuard.builder(config).bulkheadRegistry(tooLong).build())
                .withMessage("Invalid error-pages configuration: upstreams.orders.bulkhead.maxWaitDuration (the "
                        + "bulkhead registry's) must be at most 500ms, what an attempt needs (upstreams.orders."
                        + "min-attempt-timeout, 1s as the attempt timeout, but no more than half of "
                        + "upstreams.orders.deadline, 1s): a longer wait could hold a call past its deadline, "
                        + "but was 5s");
        assertThat(tooLong.getAllBulkheads()).as("nothing left in the registry").isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> config.toBuilder()
                .bulkheadConfig(BulkheadConfig.custom().maxWaitDuration(Duration.ofSeconds(5)).build()).build())
                .withMessageStartingWith("Invalid error-pages configuration: upstreams.orders.bulkhead.maxWaitDuration "
                        + "must be at most 500ms");
        UpstreamGuard guard = UpstreamGuard.builder(config).bulkheadRegistry(oneQueued(deadline.dividedBy(2)))
                .listener(events).build();
        // The holder's attempt waits for the stalled upstream past its own timeout, as a body copied on does.
        holder.submit(() -> guard.call(UpstreamRequest.of("GET"), attempt -> HTTP.send(
                HttpRequest.newBuilder(attempt.endpoint().resolve("/download")).build(), BodyHandlers.discarding())));
        assertThat(stalled.awaitRequests(1, Duration.ofSeconds(10))).as("the holder's request").isTrue();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);

        long start = System.nanoTime();
        UpstreamFailureException refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/x"), BodyHandlers.ofString()));
        Duration blocking = Duration.ofNanos(System.nanoTime() - start);
        start = System.nanoTime();
        // The first attempt of an asynchronous call waits on the caller's thread.
        ExecutionException refusedAsync = catchThrowableOfType(ExecutionException.class,
                () -> client.sendAsync(get("/x"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));
        Duration asynchronous = Duration.ofNanos(System.nanoTime() - start);

        // The wait is half the deadline: the other half is the margin of a loaded machine.
        assertThat(blocking).as("the blocking call's time").isLessThan(deadline);
        assertThat(asynchronous).as("the asynchronous call's time").isLessThan(deadline);
        for (Throwable failed : List.of(refused, refusedAsync.getCause())) {
            UpstreamFailure failure = ((UpstreamFailureException) failed).failure();
            assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
            assertThat(failure.attempts()).isZero();
        }
        assertThat(stalled.requestCount()).as("the holder's only").isEqualTo(1);
        assertThat(guard.metrics().rejectedCalls()).isEqualTo(2);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.failingSince()).as("a local limit says nothing about the upstream").isEmpty();
    }

    /** Interrupted in the wait: Resilience4j gives up and sets the flag again; that was a 503 page and a failed call. */
    @Test
    void anInterruptDuringTheWaitAbortsTheCall() throws Exception {
        UpstreamGuard guard = queueing(Duration.ofSeconds(10));
        holdThePermit(guard);
        interruptOnceWaiting(Thread.currentThread());

        catchThrowableOfType(InterruptedException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> "never"));

        assertThat(events.of(UpstreamEvent.CallAborted.class)).singleElement()
                .satisfies(aborted -> assertThat(aborted.reason()).isEqualTo(InterruptedException.class));
        assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.metrics().rejectedCalls()).isZero();
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).as("held by the other call").isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    /** The same for an asynchronous call, whose first attempt waits on the caller's thread. */
    @Test
    void anInterruptDuringTheWaitCancelsTheAsynchronousCallAndKeepsTheThreadsFlag() throws Exception {
        UpstreamGuard guard = queueing(Duration.ofSeconds(10));
        holdThePermit(guard);
        interruptOnceWaiting(Thread.currentThread());

        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                attempt -> CompletableFuture.completedFuture("never"));
        boolean interrupted = Thread.interrupted();

        assertThat(interrupted).as("the caller's interrupt, kept").isTrue();
        // JDK 17 throws the exception the future ended with, later JDKs a new one caused by it.
        assertThat(catchThrowableOfType(CancellationException.class, () -> call.get(10, TimeUnit.SECONDS)))
                .as("ended as cancelled").hasRootCauseInstanceOf(InterruptedException.class);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
    }

    /**
     * A blocking call begun on a thread interrupted already ends at once with the InterruptedException, no attempt
     * made (the JDK's send would start the exchange, only to cancel it), whether or not the bulkhead queues: an
     * abort of 0 attempts, as one interrupted in the bulkhead's wait, which the counters and the event say.
     */
    @Test
    void aBlockingCallOnAnInterruptedThreadIsAbortedBeforeItsFirstAttempt() {
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).listener(events).build();
        AtomicBoolean called = new AtomicBoolean();

        Thread.currentThread().interrupt();
        InterruptedException thrown = catchThrowableOfType(InterruptedException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> called.getAndSet(true)));

        assertThat(Thread.interrupted()).as("consumed, as by any method that throws it").isFalse();
        assertThat(thrown).hasMessage("interrupted before the attempt");
        assertThat(called).isFalse();
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.attempts()).isZero();
        assertThat(metrics.rejectedCalls()).isZero();
        assertThat(events.of(UpstreamEvent.CallAborted.class)).singleElement()
                .satisfies(aborted -> assertThat(aborted.attempts()).isZero());
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
    }

    /**
     * A bulkhead that never queues (the default) makes nobody wait, so an interrupt the caller's thread kept from
     * before (as one should, having caught an InterruptedException) is no abort of an asynchronous call, which
     * blocks nowhere: the call is made, and the flag stays the caller's. Resilience4j's bulkhead refuses an
     * interrupted thread all the same (it asks its semaphore with a timeout of zero), and the call was cancelled as
     * interrupted.
     */
    @Test
    void aKeptInterruptDoesNotCancelAnAsynchronousCallTheBulkheadMakesNoOneWaitFor() throws Exception {
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).listener(events).build();

        Thread.currentThread().interrupt();
        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                attempt -> CompletableFuture.completedFuture("answered"));
        boolean interrupted = Thread.interrupted();

        assertThat(interrupted).as("the caller's interrupt, kept").isTrue();
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("answered");
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.successfulCalls()).isEqualTo(1);
        assertThat(metrics.abortedCalls()).isZero();
        assertThat(metrics.attempts()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.CallAborted.class)).isEmpty();
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
    }

    /**
     * A call cancelled while its retry waits for a permit makes no retry: the retry's thread, given the permit (or
     * not) when the wait ends, found the call ended. It called the upstream for nobody, or, when the wait ended
     * without a permit, recorded the caller's cancel as a failed call that marked the upstream failing.
     */
    @Test
    void aRetryWaitingForAPermitWhenItsCallIsCancelledIsNeverMade() throws Exception {
        ExecutorService retries = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Thread> retryThread = new AtomicReference<>();
            UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).maxAttempts(2)
                    .deadline(Duration.ofSeconds(20)).attemptTimeout(Duration.ofSeconds(5)).build())
                    .bulkheadRegistry(oneQueued(Duration.ofSeconds(5)))
                    .executor(task -> retries.execute(() -> {
                        retryThread.set(Thread.currentThread());
                        task.run();
                    }))
                    .listener(events).build();
            CompletableFuture<String> firstAttempt = new CompletableFuture<>();
            AtomicInteger attempts = new AtomicInteger();
            CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                    attempt -> attempts.incrementAndGet() == 1 ? firstAttempt : new CompletableFuture<>());
            // Another call waits for the permit the first attempt holds, and takes it when that attempt fails (the
            // bulkhead's semaphore is fair): it must be waiting before then, or the retry could take the permit first.
            Future<String> held = holdThePermitOnceFree(guard);
            Await.until(() -> holderThread.get() != null && holderThread.get().getState() == Thread.State.TIMED_WAITING,
                    "the other call waits for the permit");
            firstAttempt.completeExceptionally(new ConnectException("Connection refused"));
            holding.await();
            Await.until(() -> retryThread.get() != null && retryThread.get().getState() == Thread.State.TIMED_WAITING,
                    "the retry waits for the permit");

            call.cancel(true);
            release.countDown();

            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("held");
            Await.until(() -> guard.metrics().abortedCalls() == 1, "the cancelled call to be counted as aborted");
            retries.shutdown();
            assertThat(retries.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(attempts.get()).as("no retry for nobody").isEqualTo(1);
            UpstreamMetrics metrics = guard.metrics();
            assertThat(metrics.lostRetries()).isEqualTo(1);
            assertThat(metrics.failedCalls()).isZero();
            assertThat(metrics.attempts()).isEqualTo(metrics.calls() - metrics.rejectedCalls() + metrics.retries()
                    - metrics.lostRetries());
            assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
            assertThat(guard.failingSince()).as("the connect refused alone, no failure recorded").isEmpty();
        } finally {
            retries.shutdownNow();
        }
    }

    /**
     * As above, but the retry's wait ends without a permit: the cancelled call is the caller's abort, and the retry
     * gives back only what it took, the breaker's permission; the bulkhead keeps the one permit it was built with
     * (a permit given back that was never taken would let two calls in at once for good).
     */
    @Test
    void aCancelledCallsRetryWhoseWaitEndsWithoutAPermitGivesNoneBack() throws Exception {
        ExecutorService retries = Executors.newSingleThreadExecutor();
        CountDownLatch gate = new CountDownLatch(1);
        try {
            AtomicReference<Thread> retryThread = new AtomicReference<>();
            UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).maxAttempts(2)
                    .deadline(Duration.ofSeconds(20)).attemptTimeout(Duration.ofSeconds(5)).build())
                    .bulkheadRegistry(oneQueued(Duration.ofMillis(300)))
                    .executor(task -> retries.execute(() -> {
                        try {
                            gate.await(); // until the other call holds the permit
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        retryThread.set(Thread.currentThread());
                        task.run();
                    }))
                    .listener(events).build();
            AtomicInteger attempts = new AtomicInteger();
            CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"), attempt -> {
                attempts.incrementAndGet();
                return CompletableFuture.failedFuture(new ConnectException("Connection refused"));
            });
            Future<String> held = holdThePermit(guard);
            gate.countDown();
            Await.until(() -> retryThread.get() != null && retryThread.get().getState() == Thread.State.TIMED_WAITING,
                    "the retry waits for the permit");

            call.cancel(true);

            Await.until(() -> guard.metrics().abortedCalls() == 1, "the cancelled call to be counted as aborted");
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("held");
            assertThat(attempts).as("no retry for nobody").hasValue(1);
            UpstreamMetrics metrics = guard.metrics();
            assertThat(metrics.failedCalls()).isZero();
            assertThat(metrics.rejectedCalls()).isZero();
            assertThat(metrics.lostRetries()).isEqualTo(1);
            assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
            assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).as("as configured").isEqualTo(1);
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls())
                    .as("the failed attempt and the held call").isEqualTo(2);
        } finally {
            retries.shutdownNow();
        }
    }

    /**
     * A retry whose wait for a permit left it less than {@code min-attempt-timeout} before the deadline is not made
     * (it could only time out, R45), and the call fails as its last attempt did: the upstream's refused connection
     * (a 502), not the local limit's 503 {@code connection_limit_reached}, which blamed the bulkhead for the
     * upstream's failure. The event says why: the deadline. The wait, no longer than {@code min-attempt-timeout},
     * ends within the deadline, as the retry started with that much left.
     */
    @Test
    void aRetryWhoseWaitForAPermitTookItsTimeFailsAsItsLastAttemptDid() throws Exception {
        long deadlineNanos = 2_000_000_000L;
        long attemptNanos = 1_000_000_000L;
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).maxAttempts(2)
                .deadline(Duration.ofNanos(deadlineNanos)).attemptTimeout(Duration.ofNanos(attemptNanos)).build())
                .bulkheadRegistry(oneQueued(Duration.ofNanos(attemptNanos))).listener(events).build();
        Thread caller = Thread.currentThread();
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<Future<String>> held = new AtomicReference<>();

        long began = System.nanoTime();
        UpstreamFailureException failed = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    if (attempts.incrementAndGet() == 1) {
                        // Taken in the attempt, after the guard set its deadline: taken before the call, a caller
                        // held up on its way into the call (a loaded machine) left the retry more time than counted.
                        long start = System.nanoTime();
                        // Fails late enough that the retry's longest wait would leave it less than it needs.
                        Await.until(() -> System.nanoTime() - start > 700_000_000L, "the first attempt's 700 ms");
                        // Another call queues for this attempt's permit, and takes it when this attempt fails.
                        held.set(holdThePermitOnceFree(guard));
                        Await.until(() -> holderThread.get() != null
                                && holderThread.get().getState() == Thread.State.TIMED_WAITING,
                                "the other call waits for the permit");
                        CompletableFuture.runAsync(() -> {
                            // Frees the permit once the retry waits for it, and too little of the deadline is left.
                            Await.until(() -> caller.getState() == Thread.State.TIMED_WAITING
                                    && System.nanoTime() - start > deadlineNanos - attemptNanos + 100_000_000,
                                    "the retry waited past its last start");
                            release.countDown();
                        }, OWN_THREAD);
                        throw new ConnectException("Connection refused");
                    }
                    return "answered too late";
                }));
        Duration took = Duration.ofNanos(System.nanoTime() - began);

        assertThat(took).as("ended within the deadline (about 1.1 s of 2 s)")
                .isLessThan(Duration.ofNanos(deadlineNanos));
        UpstreamFailure failure = failed.failure();
        assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_REFUSED);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.DEADLINE);
        assertThat(attempts).as("no attempt that could only time out").hasValue(1);
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).as("the retry was granted").hasSize(1);
        assertThat(events.refusals()).containsExactly(RetryRefusal.DEADLINE);
        assertThat(guard.metrics().lostRetries()).isEqualTo(1);
        assertThat(held.get().get(10, TimeUnit.SECONDS)).isEqualTo("held");
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    /**
     * Makes the call's deadline go by before the guard looks at what is left of it, as a deadline of 1 ns did (no
     * longer taken): the bulkhead tells of a permit it gives on the caller's thread, once the call has begun, and
     * the caller is kept there until the deadline has passed.
     */
    private static void deadlinePassesAtThePermit(UpstreamGuard guard) {
        long deadlineNanos = guard.config().deadline().toNanos();
        guard.bulkhead().getEventPublisher().onCallPermitted(permitted -> {
            long permittedAt = System.nanoTime();
            Await.until(() -> System.nanoTime() - permittedAt > deadlineNanos, "the call's deadline passed");
        });
    }

    /** Like {@link #holdThePermit}, for a permit another call holds now: the call waits for it. */
    private Future<String> holdThePermitOnceFree(UpstreamGuard guard) {
        return holder.submit(() -> {
            holderThread.set(Thread.currentThread());
            return guard.call(UpstreamRequest.of("GET"), attempt -> {
                holding.countDown();
                release.await();
                return "held";
            });
        });
    }

    /** A guard of one permit whose bulkhead makes a call wait as long as the deadline lets it: half of it. */
    private UpstreamGuard queueing(Duration deadline) {
        return UpstreamGuard.builder(Guards.fast(FIRST).deadline(deadline).attemptTimeout(deadline).build())
                .bulkheadRegistry(oneQueued(deadline.dividedBy(2))).listener(events).build();
    }

    /** @return a registry whose bulkheads admit one call, and make another wait up to {@code maxWait} */
    private static BulkheadRegistry oneQueued(Duration maxWait) {
        return BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1).maxWaitDuration(maxWait).build());
    }

    /** Another call takes the bulkhead's one permit, until {@link #release}. */
    private Future<String> holdThePermit(UpstreamGuard guard) throws InterruptedException {
        Future<String> held = holder.submit(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            holding.countDown();
            release.await();
            return "held";
        }));
        holding.await();
        return held;
    }

    private static void interruptOnceWaiting(Thread caller) {
        CompletableFuture.runAsync(() -> {
            Await.until(() -> caller.getState() == Thread.State.TIMED_WAITING, "the caller waits for the permit");
            caller.interrupt();
        }, OWN_THREAD);
    }
}
