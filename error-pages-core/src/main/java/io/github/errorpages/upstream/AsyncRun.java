package io.github.errorpages.upstream;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Drives one asynchronous guarded call: starts each attempt, bounds it by its timeout, and schedules the
 * retries that {@link GuardedCall} decides on. Ending the call's future from outside (cancelling it, or
 * completing it, as {@code orTimeout} does) cancels the attempt in flight and any retry still waiting, and a
 * response that arrives for a call that has ended is released. An attempt that is a half-open breaker's trial call
 * is not cancelled: it runs on, within its timeout, for the breaker to judge the upstream by its outcome
 * ({@link GuardedCall#trialEnded}); the call's future has ended for its caller all the same.
 *
 * @param <T> the call's result
 */
final class AsyncRun<T> {

    /** How often a retry queued on an ExecutorService is checked for having been dropped by its shutdown. */
    private static final long DROPPED_RETRY_CHECK_MILLIS = 100;

    private final GuardedCall<T> guarded;
    private final @Nullable ResponseAdapter<? super T> responses;
    private final AsyncUpstreamCall<T> call;
    private final CompletableFuture<T> result;
    private final Executor executor;
    /** Whether attempts end themselves when their time is up: the guard's timer is then a backstop only. */
    private final boolean timedByAttempts;
    private volatile @Nullable CompletableFuture<T> inFlight;
    /** Whether {@link #inFlight} is a trial call of a half-open breaker; written before it. */
    private volatile boolean inFlightIsTrial;
    /**
     * Set while a granted retry waits out its delay; whoever clears it owns the call's next step: the delay's end
     * starts the retry, the caller's cancel aborts the call there and then.
     */
    private final AtomicBoolean backingOff = new AtomicBoolean();

    AsyncRun(GuardedCall<T> guarded, @Nullable ResponseAdapter<? super T> responses, AsyncUpstreamCall<T> call,
            CompletableFuture<T> result, Executor executor, boolean timedByAttempts) {
        this.guarded = guarded;
        this.timedByAttempts = timedByAttempts;
        this.responses = responses;
        this.call = call;
        this.result = result;
        this.executor = executor;
        result.whenComplete((value, error) -> {
            CompletableFuture<T> attempt = inFlight;
            if (attempt != null && !attempt.isDone() && !inFlightIsTrial) {
                // Ended from outside (cancel, orTimeout, completeOnTimeout): nobody waits for the attempt any more.
                // A trial call runs on: cancelled, it gave its permission back, and one caller after another that
                // left early let trial calls through without end, none of them ever judged (GuardedCall.trialEnded).
                attempt.cancel(true);
            }
            abortIfBackingOff();
        });
    }

    void attempt() {
        if (result.isDone()) {
            // Ended by the caller between the delay's end and this start.
            guarded.abortBackoff(new CancellationException("upstream call cancelled"));
            return;
        }
        Attempt attempt;
        // Resilience4j's bulkhead refuses a thread whose interrupt flag is set even when it makes nobody wait (it
        // asks its semaphore with a timeout, zero too): a caller that kept an interrupt of its own, as one should
        // after catching an InterruptedException, had a call that blocks nowhere cancelled as interrupted. Only a
        // bulkhead that makes this thread wait takes an interrupt for the caller's abort; the flag is kept.
        // Asked in this order so that an attempt on a thread with no interrupt, nearly every one, reads nothing else.
        boolean keptInterrupt = Thread.currentThread().isInterrupted() && !guarded.mayQueue() && Thread.interrupted();
        try {
            attempt = guarded.begin(result::isDone);
        } catch (RuntimeException rejected) {
            result.completeExceptionally(rejected);
            return;
        } catch (InterruptedException interrupted) {
            // Interrupted while the bulkhead made this thread wait (the caller's, or the executor's for a retry): the
            // call is aborted, and the thread keeps its interrupt for whoever owns it.
            Thread.currentThread().interrupt();
            CancellationException cancelled = new CancellationException("upstream call interrupted");
            cancelled.initCause(interrupted);
            result.completeExceptionally(cancelled);
            return;
        } catch (Error error) {
            // A bug (the breaker's, a stack overflow): the caller's future ends with it, never left pending, and it
            // is thrown on, for the executor's thread (a retry) or the caller (the first attempt) to see.
            result.completeExceptionally(error);
            throw error;
        } finally {
            if (keptInterrupt) {
                Thread.currentThread().interrupt();
            }
        }
        if (attempt == null) {
            // A retry whose endpoint stopped admitting it waits for the soonest Retry-After first (R46).
            backOff(guarded.floorToWait());
            return;
        }
        boolean trial = guarded.isTrial();
        CompletableFuture<T> started;
        try {
            started = call.call(attempt).toCompletableFuture();
        } catch (Throwable t) {
            started = CompletableFuture.failedFuture(t);
        }
        inFlightIsTrial = trial;
        inFlight = started;
        if (result.isDone() && !trial) {
            started.cancel(true); // ended from outside while this attempt started
        }
        CompletableFuture<T> attemptFuture = started;
        // Time out a copy, so that a timeout can cancel the attempt (aborting the exchange) instead of merely
        // completing someone else's future; orTimeout also removes its timer when the copy completes in time.
        attemptFuture.copy().orTimeout(timeLimit(attempt.timeout()), TimeUnit.NANOSECONDS)
                .whenComplete((value, error) -> {
                    try {
                        if (error instanceof TimeoutException && !attemptFuture.cancel(true)) {
                            // The attempt completed as its time ran out, before it could be cancelled: its own
                            // outcome stands, not the timeout. What it completed with may be in use already (a
                            // response head relayed to the client); a timeout now would also retry it, or answer
                            // with a page over it.
                            settle(attemptFuture, trial);
                            return;
                        }
                        if (trial && result.isDone()) {
                            guarded.trialEnded(value, error); // its caller left while it ran on
                            return;
                        }
                        next(error == null ? guarded.onResult(value) : guarded.onError(error));
                    } catch (Throwable bug) {
                        // Never leave the caller's future pending, whatever went wrong here.
                        result.completeExceptionally(bug);
                    }
                });
    }

    /**
     * The attempt's timeout, or for attempts that end themselves a backstop as much again later (a second at most):
     * their own timer must come first, and it passes the failure on through threads of its own (the JDK client's
     * selector, then its executors), where the guard's timer, completing on its own thread, would overtake it.
     */
    private long timeLimit(Duration timeout) {
        return timedByAttempts ? SendBackstop.limitNanos(timeout) : timeout.toNanos();
    }

    private void next(GuardedCall.Step<T> step) {
        if (step.isDone()) {
            T response = step.result();
            if (!result.complete(response) && response != null && responses != null) {
                // The caller ended the call while this response arrived: release it (its pooled connection).
                responses.discard(response);
            }
        } else if (step.isRetry()) {
            backOff(step.delay());
        } else {
            result.completeExceptionally(step.failure());
        }
    }

    /** Starts the granted retry after {@code delay}, unless the caller ends the call meanwhile. */
    private void backOff(Duration delay) {
        backingOff.set(true);
        if (result.isDone()) {
            abortIfBackingOff(); // ended from outside while the retry was decided on
            return;
        }
        // Handed to the executor by the delay's own thread, which would swallow a rejection and leave the
        // caller's future pending forever.
        CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, Runnable::run)
                .execute(this::startRetry);
    }

    /** Ends the call as aborted, at once, when the caller ended it while its retry waited. */
    private void abortIfBackingOff() {
        if (backingOff.compareAndSet(true, false)) {
            guarded.abortBackoff(new CancellationException("upstream call cancelled"));
        }
    }

    private void startRetry() {
        if (!backingOff.compareAndSet(true, false)) {
            return; // the caller ended the call during the delay, which aborted it
        }
        // An executor may also take the retry and never run it (shut down with it queued, a policy that discards):
        // the call was left pending for ever. Once too little of its deadline is left for a retry, it fails as a
        // retry that starts that late would. Whoever completes the start first, the executor's run or that timer
        // (removed when the retry starts in time), owns the call's next step.
        CompletableFuture<Void> start = new CompletableFuture<>();
        start.orTimeout(Math.max(0, guarded.nanosToLastRetryStart()), TimeUnit.NANOSECONDS)
                .whenComplete((started, late) -> {
                    if (late == null) {
                        return;
                    }
                    if (result.isDone()) {
                        guarded.abortBackoff(new CancellationException("upstream call cancelled"));
                    } else {
                        result.completeExceptionally(guarded.retryTooLate());
                    }
                });
        try {
            executor.execute(() -> {
                if (start.complete(null)) {
                    attempt();
                }
            });
        } catch (RuntimeException | Error refused) {
            // Refused (shut down, a full queue), or failing to make a thread (an Error): never run either way.
            refuseRetry(start, refused instanceof RejectedExecutionException rejected ? rejected
                    : new RejectedExecutionException("the guard's executor failed to take the retry", refused));
            if (refused instanceof Error error) {
                throw error;
            }
            return;
        }
        if (executor instanceof ExecutorService service && executor != ForkJoinPool.commonPool()) {
            watchForDroppedRetry(service, start); // the common pool never terminates
        }
    }

    /**
     * Watches a retry queued on an {@link ExecutorService} that {@code shutdownNow()} may drop, at an application's
     * stop: the call then waited until too little of its deadline was left (seconds), and its refusal blamed the
     * deadline. A service that has terminated with the retry never started dropped it. Checked every
     * {@value #DROPPED_RETRY_CHECK_MILLIS} ms while the retry waits, on the JDK's timer thread itself (a few
     * reads): handed to the JDK's async pool, each check started a thread of its own on a machine of two cores.
     */
    private void watchForDroppedRetry(ExecutorService service, CompletableFuture<Void> start) {
        Executor timer = CompletableFuture.delayedExecutor(DROPPED_RETRY_CHECK_MILLIS, TimeUnit.MILLISECONDS,
                Runnable::run);
        timer.execute(() -> {
            if (start.isDone()) {
                return;
            }
            if (service.isTerminated()) {
                refuseRetry(start,
                        new RejectedExecutionException("the guard's executor stopped with the retry queued"));
            } else {
                watchForDroppedRetry(service, start);
            }
        });
    }

    /** Fails the call as its executor's refusal of the retry, unless the retry started or was refused already. */
    private void refuseRetry(CompletableFuture<Void> start, RejectedExecutionException refused) {
        if (!start.complete(null)) {
            return;
        }
        if (result.isDone()) {
            guarded.abortBackoff(new CancellationException("upstream call cancelled")); // as attempt() would
        } else {
            result.completeExceptionally(guarded.retryRejected(refused));
        }
    }

    /** Goes on with the outcome of an attempt that has completed, a trial call's whose caller left for its breaker. */
    private void settle(CompletableFuture<T> attempt, boolean trial) {
        T value;
        try {
            value = attempt.join();
        } catch (CompletionException | CancellationException failed) {
            if (trial && result.isDone()) {
                guarded.trialEnded(null, failed);
            } else {
                next(guarded.onError(failed));
            }
            return;
        }
        if (trial && result.isDone()) {
            guarded.trialEnded(value, null);
        } else {
            next(guarded.onResult(value));
        }
    }
}
