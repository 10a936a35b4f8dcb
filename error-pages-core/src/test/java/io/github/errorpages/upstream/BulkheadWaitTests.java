package io.github.errorpages.upstream;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.Await;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A bulkhead that queues calls ({@code maxWaitDuration} above zero, which {@link UpstreamConfig.Builder#bulkheadConfig}
 * allows): its wait counts against the call's deadline, and an interrupt during the wait is the caller's abort. Both
 * were taken for the upstream's or the local limit's failure.
 */
class BulkheadWaitTests {

    private static final URI FIRST = URI.create("http://10.0.0.1:8080");

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
        UpstreamGuard guard = queueing(Duration.ofMillis(1));
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
        BulkheadRegistry oneQueued = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                .maxWaitDuration(Duration.ofSeconds(10)).build());
        CircuitBreakerRegistry oneTrial = CircuitBreakerRegistry.of(CircuitBreakerConfig.from(
                UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG).permittedNumberOfCallsInHalfOpenState(1).build());
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).deadline(Duration.ofMillis(1))
                .attemptTimeout(Duration.ofMillis(1)).build())
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
     * The wait outlasted the deadline: the attempt started with the 1 ms floor of a timeout, was recorded against
     * the upstream's breaker when it timed out (a 504), and marked the upstream failing, for the local queue.
     */
    @Test
    void aWaitThatTakesTheDeadlineFailsTheCallAsAFullBulkheadWithoutCallingTheUpstream() throws Exception {
        long deadlineNanos = 200_000_000;
        UpstreamGuard guard = queueing(Duration.ofNanos(deadlineNanos));
        Future<String> held = holdThePermit(guard);
        Thread caller = Thread.currentThread();
        long start = System.nanoTime();
        CompletableFuture.runAsync(() -> {
            // Frees the permit once the caller waits for it and its deadline has passed.
            Await.until(() -> caller.getState() == Thread.State.TIMED_WAITING
                    && System.nanoTime() - start > deadlineNanos + 100_000_000, "the deadline passed in the wait");
            release.countDown();
        }, OWN_THREAD);

        AtomicBoolean called = new AtomicBoolean();
        UpstreamFailureException refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    called.set(true);
                    return "answered after the deadline";
                }));

        UpstreamFailure failure = refused.failure();
        assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(failure.attempts()).isZero();
        assertThat(called).as("the upstream called after the deadline").isFalse();
        assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("held");
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).as("only the held call")
                .isEqualTo(1);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        assertThat(guard.failingSince()).as("a local limit says nothing about the upstream").isEmpty();
        assertThat(guard.metrics().rejectedCalls()).isEqualTo(1);
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
                    .bulkheadRegistry(BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                            .maxWaitDuration(Duration.ofSeconds(10)).build()))
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
                    .bulkheadRegistry(BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                            .maxWaitDuration(Duration.ofMillis(300)).build()))
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
     * upstream's failure. The event says why: the deadline.
     */
    @Test
    void aRetryWhoseWaitForAPermitTookItsTimeFailsAsItsLastAttemptDid() throws Exception {
        long deadlineNanos = 2_000_000_000L;
        long attemptNanos = 500_000_000L;
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).maxAttempts(2)
                .deadline(Duration.ofNanos(deadlineNanos)).attemptTimeout(Duration.ofNanos(attemptNanos)).build())
                .bulkheadRegistry(BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                        .maxWaitDuration(Duration.ofSeconds(10)).build()))
                .listener(events).build();
        Thread caller = Thread.currentThread();
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<Future<String>> held = new AtomicReference<>();

        UpstreamFailureException failed = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    if (attempts.incrementAndGet() == 1) {
                        // Taken in the attempt, after the guard set its deadline: taken before the call, a caller
                        // held up on its way into the call (a loaded machine) left the retry more time than counted.
                        long start = System.nanoTime();
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

    private UpstreamGuard queueing(Duration deadline) {
        BulkheadRegistry oneQueued = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                .maxWaitDuration(Duration.ofSeconds(10)).build());
        return UpstreamGuard.builder(Guards.fast(FIRST).deadline(deadline).attemptTimeout(deadline).build())
                .bulkheadRegistry(oneQueued).listener(events).build();
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
