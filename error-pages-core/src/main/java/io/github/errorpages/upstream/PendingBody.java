package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.upstream.internal.BodyFailures;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The {@link BodyOutcome} of one response a guarded call returned: records the call in the endpoint's circuit
 * breaker when the body ends, unless the breaker recorded it when the head arrived, and gives back the bulkhead
 * permit if it was held for the body. A body that broke off is announced ("failing since", {@link
 * UpstreamEvent.BodyBrokenOff}) after the call's own end ({@link UpstreamEvent.CallSucceeded}), even when the caller
 * reports it while the guard still hands the body over: the body may end before the call does. Thread-safe: the
 * first report wins.
 *
 * <p>A trial call of a half-open breaker keeps its permission until its body ends, and its body's end is the trial's
 * outcome, a success or a failure: Resilience4j judges a half-open phase once each of its
 * {@code permittedNumberOfCallsInHalfOpenState} calls was recorded, by their failure rate, and a success recorded at
 * the head with the body's failure recorded after it gave the phase one success and one failure for each trial that
 * broke off (one call of the phase too many, which Resilience4j did not admit): three trials that all broke off
 * closed a default breaker (one failure in three). The trial's outcome is taken when its body ends or when its
 * attempt's timeout passes, measured from the attempt's start, whichever comes first: the bound the trial already had
 * for its head, so that a trial holds the phase at most its attempt's timeout, head or body, as before it waited for
 * its body (a short grace more, {@link #BOUND_GRACE}, when the guard's executor is too busy to run the bound at once),
 * and the {@code Retry-After} of the calls refused meanwhile ({@link UpstreamGuard#trialCallsEnd}) stays true. A body
 * that still streams then (a download, an event stream, or one stalled that its reader has not failed yet) counts as
 * the trial's success, so that it does not keep the breaker half-open, every other call refused, for as long as it
 * lasts. Whoever takes the trial owns its outcome: a body that breaks off after the bound took it records
 * nothing into the phase while it lasts (one trial recorded twice, a success and a failure, was the bug's shape), and
 * once the phase ended is judged as a closed breaker's body that outlasts the closed state, in the breaker's state of
 * the moment: nothing, success or failure, while a later phase is half-open, of which it is no trial; a body that
 * completes after the bound records no second success.
 * Forcing the breaker open again when a trial's body broke off after the phase closed would not judge the phase as
 * Resilience4j does (one broken trial of three is below a threshold of 50 %), nor keep the phase from admitting calls
 * the closed state then counts.
 */
final class PendingBody implements BodyOutcome {

    private static final AtomicIntegerFieldUpdater<PendingBody> STATE =
            AtomicIntegerFieldUpdater.newUpdater(PendingBody.class, "state");
    /** The body's end was reported. */
    private static final int ENDED = 1;
    /** The bulkhead permit waits for the body's end. */
    private static final int HOLDING = 2;
    private static final AtomicIntegerFieldUpdater<PendingBody> TRIAL =
            AtomicIntegerFieldUpdater.newUpdater(PendingBody.class, "trial");
    /** The call is a half-open phase's trial whose outcome waits for the body ({@link #trial}). */
    private static final int TRIAL_HELD = 1;
    /** The held trial's outcome was taken: by the body's end, the bound, or the call's own end. */
    private static final int TRIAL_TAKEN = 2;

    /**
     * How long after a held trial's bound the guard's executor has to run it before the timer's thread does: short, as
     * the calls refused meanwhile were told the trial ends at its bound, and long enough for a free executor.
     */
    static final Duration BOUND_GRACE = Duration.ofMillis(250);

    private final UpstreamGuard guard;
    private final UpstreamRequest request;
    private final Endpoint endpoint;
    private final @Nullable Object result;
    private final long headNanos;
    /** When the call started ({@link System#nanoTime()}): a broken body's failure took this long. */
    private final long callStarted;
    private final int attempts;
    /** Whether the breaker recorded the call's success when the head arrived. */
    private final boolean recordedAtHead;
    /** The metrics of the half-open phase whose trial this call is, held for its body; else {@code null}. */
    private final CircuitBreaker.@Nullable Metrics trialPhase;
    /** {@link #TRIAL_HELD} while a held trial's outcome waits for the body, then {@link #TRIAL_TAKEN}; else 0. */
    private volatile int trial;
    /** "Failing since" when the head arrived: the failing period this call's success may end, and no later one. */
    private final @Nullable Instant failingAtHead;
    private volatile int state;
    /** Whether the caller will report the body's end ({@link ResponseAdapter#awaitBody} said so). */
    private volatile boolean awaited;
    /** Whether the call's own end was recorded, after which a broken body is announced at once. */
    private boolean callEnded; // guarded by this
    /** The cause of a body that broke off before the call's end, to announce after it. */
    private @Nullable FailureCause unannounced; // guarded by this

    /**
     * @param request the call's request, whose body's source may fail while the response's body streams
     * @param result the call's result, for the breaker's result predicate
     * @param headNanos the attempt's time to the head: the duration recorded
     * @param callStarted when the call started, by {@link System#nanoTime()}
     * @param recordedAtHead whether the breaker recorded the call's success when the head arrived
     * @param trialPhase the metrics of the half-open phase whose trial call this is, when the breaker is still in
     *     that phase and holds the trial for the body; else {@code null}
     */
    PendingBody(UpstreamGuard guard, UpstreamRequest request, Endpoint endpoint, @Nullable Object result,
            long headNanos, long callStarted, int attempts, boolean recordedAtHead,
            CircuitBreaker.@Nullable Metrics trialPhase) {
        this.guard = guard;
        this.request = request;
        this.endpoint = endpoint;
        this.result = result;
        this.headNanos = headNanos;
        this.callStarted = callStarted;
        this.attempts = attempts;
        this.recordedAtHead = recordedAtHead;
        this.trialPhase = trialPhase;
        this.trial = trialPhase != null ? TRIAL_HELD : 0;
        this.failingAtHead = guard.failingSinceOrNull();
    }

    @Override
    public void holdBulkheadPermit() {
        int current;
        do {
            current = state;
            if ((current & ENDED) != 0) {
                return; // ended already: the call gives the permit back now
            }
        } while (!STATE.compareAndSet(this, current, current | HOLDING));
    }

    /** The caller will report the body's end. */
    void awaited() {
        awaited = true;
    }

    /** @return whether the caller will report the body's end: the call's success leaves "failing since" to it */
    boolean isAwaited() {
        return awaited;
    }

    /** @return whether the permit waits for the body's end, which then gives it back */
    boolean holdsBulkheadPermit() {
        return (state & HOLDING) != 0;
    }

    @Override
    public void completed() {
        if ((markEnded() & ENDED) != 0) {
            return;
        }
        // Ends the failing period its head found, as the head itself would have: a body that began before an
        // outage (a download, an event stream, one its client stopped reading) says nothing of one that began since.
        guard.bodyCompleted(failingAtHead);
        if (trialPhase != null) {
            if (!takeTrial()) {
                // The bound took the trial's outcome: it recorded the trial's success, or found the phase ended. A
                // success now would be a second one, in the phase or (its success having closed it) the closed window.
                return;
            }
            if (inPhase(endpoint, trialPhase)) {
                BreakerRecording.answered(guard, endpoint.breaker(), headNanos, result); // the trial's success
                return;
            }
            // The phase that admitted it ended without it (by hand, or others' records filled it): the permission
            // went with the phase, and the body is judged as one a closed breaker admitted.
        }
        // Only while the breaker is still closed: a body may outlast its closed state (a download, an event stream,
        // while other calls opened it), and half-open it would take the success of a call it admitted before for a
        // trial call's, and close on bodies that began before the outage.
        if (!recordedAtHead && endpoint.breaker().getState() == CircuitBreaker.State.CLOSED) {
            try {
                endpoint.breaker().onResult(headNanos, TimeUnit.NANOSECONDS, result);
            } catch (RuntimeException | Error predicateFailure) {
                guard.breakerSettingsFailed(predicateFailure); // counted as nothing; the body holds no permission
            }
        }
    }

    @Override
    public UpstreamFailure failed(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        FailureCause cause = BodyFailures.cause(guard.classifier(), failure);
        // Only the first report counts. Nor does one after the client the request's body streams from went away:
        // the exchange ended with it, the response's body too (an upstream that answers while it reads an upload),
        // and as for an attempt failing so, the breaker forgets the call and the upstream broke nothing off.
        boolean first = (markEnded() & ENDED) == 0;
        boolean counted = first && !request.isBodySourceFailed();
        // A held trial's failure is the trial's outcome, recorded (or its permission given back) as an attempt's.
        boolean took = first && trialPhase != null && takeTrial();
        boolean trialsOwn = took && inPhase(endpoint, trialPhase);
        // A held trial whose outcome the bound took (its success recorded, or about to be) records nothing into the
        // phase while it lasts: the phase would count one trial twice, a success and a failure, and be judged while
        // another trial still runs. Once the phase ended, the body is judged as one a closed breaker admitted.
        boolean boundsOwn = first && trialPhase != null && !took && inPhase(endpoint, trialPhase);
        if (trialsOwn) {
            if (counted && UpstreamGuard.countsAgainstUpstream(cause)) {
                BreakerRecording.failed(guard, endpoint.breaker(), headNanos, failure,
                        () -> UpstreamFailure.builder(cause).upstream(guard.name()).attempts(attempts).build());
            } else {
                endpoint.breaker().releasePermission();
            }
        }
        if (!counted) {
            return broken(cause, guard.failingSinceOrNull());
        }
        // A cause that is not the upstream's fault leaves the breaker as an attempt failing with it would: a
        // closed breaker holds no permission for the call, and records nothing. Nor is a body that is no trial of the
        // phase (admitted closed, or a trial of a phase that ended) recorded while the breaker is half-open, as
        // completed() records no success then: the phase would count a failure it never admitted as one of its
        // trials, and be judged before its own trials ran.
        if (!trialsOwn && !boundsOwn && UpstreamGuard.countsAgainstUpstream(cause)
                && endpoint.breaker().getState() != CircuitBreaker.State.HALF_OPEN) {
            try {
                Throwable reported = BreakerRecording.asCounted(endpoint.breaker(), failure,
                        () -> UpstreamFailure.builder(cause).upstream(guard.name()).attempts(attempts).build());
                if (reported != null && !ignoredByBreaker(reported)) {
                    endpoint.breaker().onError(headNanos, TimeUnit.NANOSECONDS, reported);
                }
            } catch (RuntimeException | Error predicateFailure) {
                // Counted as nothing, the body's failure still answered; the body holds no permission.
                guard.breakerSettingsFailed(predicateFailure);
            }
        }
        synchronized (this) {
            if (!callEnded) {
                unannounced = cause;
                return broken(cause, guard.failingSinceOrNull());
            }
        }
        return announce(cause);
    }

    /**
     * Bounds a held trial: when its attempt's timeout passes ({@code attemptEnd}), a body that still streams counts as
     * the trial's success ({@link #trialBoundPassed}). Call it once the caller awaits the body.
     *
     * @param attemptEnd when the attempt's timeout passes, by {@link System#nanoTime()}
     * @param attemptTimeout the attempt's timeout, which bounds the grace ({@link #BOUND_GRACE}) given the executor
     */
    void boundTrial(long attemptEnd, Duration attemptTimeout) {
        if (trial != TRIAL_HELD) {
            return; // its body ended already
        }
        long delay = Math.max(0, attemptEnd - System.nanoTime());
        // Handed to the guard's executor, not run on the JDK's shared timer: recording may transition the breaker,
        // whose listeners are the application's code, and that one thread runs every delayed task of the JVM.
        timer(delay).execute(() -> {
            if (trial != TRIAL_HELD) {
                return; // its body ended before the bound: nothing to hand over
            }
            try {
                guard.executor().execute(this::trialBoundPassed);
            } catch (RuntimeException refused) { // shut down, a full queue: never run there
                trialBoundPassed();
            }
        });
        // A task the executor accepted and has not run yet (busy with other work, as the common pool's one thread on
        // two cores may be, or dropping it: a discard policy, shutdownNow()) would keep the breaker half-open, every
        // other call refused, past the bound that Retry-After promised (UpstreamGuard.trialCallsEnd), for as long
        // again as the executor takes or until the body ends (hours for an event stream): run here then, a short
        // grace later, a read of one field on the timer's thread when the executor ran it in time.
        long grace = Math.min(attemptTimeout.toNanos(), BOUND_GRACE.toNanos());
        timer(saturatedAdd(delay, grace)).execute(() -> {
            if (trial == TRIAL_HELD) {
                trialBoundPassed();
            }
        });
    }

    private static Executor timer(long delayNanos) {
        return CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, Runnable::run);
    }

    /** The held trial's body still streams at its bound: the trial succeeded, as far as the breaker is concerned. */
    private void trialBoundPassed() {
        if (takeTrial() && inPhase(endpoint, trialPhase)) {
            BreakerRecording.answered(guard, endpoint.breaker(), headNanos, result);
        }
    }

    /**
     * Takes the held trial's outcome from whoever would still record it, for a caller that broke its contract (its
     * adapter threw) or that will not report the body's end.
     *
     * @return whether the trial was still held: its permission is the caller's to give back or record with
     */
    boolean abandonTrial() {
        return takeTrial();
    }

    /** @return whether this took the held trial's outcome, which only one of its takers does */
    private boolean takeTrial() {
        return TRIAL.compareAndSet(this, TRIAL_HELD, TRIAL_TAKEN);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** The call's own end was recorded: a body that broke off before is announced now, after it. */
    void callEnded() {
        FailureCause cause;
        synchronized (this) {
            callEnded = true;
            cause = unannounced;
            unannounced = null;
        }
        if (cause != null) {
            announce(cause);
        }
    }

    private UpstreamFailure announce(FailureCause cause) {
        Instant failingSince = UpstreamGuard.showsUpstreamTrouble(cause) ? guard.markFailing()
                : guard.failingSinceOrNull();
        UpstreamFailure broken = broken(cause, failingSince);
        guard.bodyBrokenOff(broken, endpoint);
        return broken;
    }

    /**
     * The failure of a body that broke off. When every breaker is open (this body's failure may have opened the
     * last), it says for how long, as a failed attempt's does: a client told to come back sooner would only be
     * refused (R8).
     */
    private UpstreamFailure broken(FailureCause cause, @Nullable Instant failingSince) {
        Duration remainingOpen = guard.remainingOpen();
        return UpstreamFailure.builder(cause).upstream(guard.name()).attempts(attempts).failingSince(failingSince)
                .breakerRemainingOpen(remainingOpen == null || remainingOpen.isZero() ? null : remainingOpen)
                .elapsed(Duration.ofNanos(System.nanoTime() - callStarted)).build();
    }

    /**
     * Whether the breaker's configuration ignores the failure ({@code ignoreExceptions}): Resilience4j gives back the
     * permission of a call that failed so, and this record holds none (the call's was used up when the head arrived
     * or at a held trial's bound, or went with the phase that admitted it, or a closed breaker keeps none): a
     * half-open breaker would admit one more trial call than it is configured for.
     */
    private boolean ignoredByBreaker(Throwable failure) {
        return endpoint.breaker().getCircuitBreakerConfig().getIgnoreExceptionPredicate().test(failure);
    }

    /**
     * Ends the body for a caller that broke its contract (its adapter threw): what it reports later counts for
     * nothing.
     *
     * @return whether the body gave back the bulkhead permit (it held it), so that the call must not
     */
    boolean abandon() {
        return (markEnded() & HOLDING) != 0;
    }

    /**
     * Marks the body's end; whoever marks it first gives back a bulkhead permit held for it.
     *
     * @return the state before: {@link #ENDED} set when it was not the first
     */
    private int markEnded() {
        int current;
        do {
            current = state;
            if ((current & ENDED) != 0) {
                return current;
            }
        } while (!STATE.compareAndSet(this, current, current | ENDED));
        if ((current & HOLDING) != 0) {
            guard.bulkhead().onComplete();
        }
        return current;
    }

    /**
     * Whether the breaker records the call when the head arrives although its body will be reported: when it is
     * not closed, and the call is no trial that the half-open phase which admitted it still holds for its body
     * ({@link #inPhase}, which the caller asks first). Closed, it holds no permission for the call; otherwise the
     * permission is recorded with at once, as the head's success.
     */
    static boolean recordsAtHead(Endpoint endpoint) {
        return endpoint.breaker().getState() != CircuitBreaker.State.CLOSED;
    }

    /**
     * Whether the breaker is still in the half-open phase that admitted a trial call. Resilience4j's state machine
     * gives each half-open phase metrics of its own ({@link CircuitBreaker#getMetrics()} is the current state's), which
     * tell the phase from a later one; a breaker of another implementation that answers the same metrics for each is
     * taken to be in the phase while it is half-open, and one that answers new metrics on each call is never held.
     *
     * @param phase the metrics the breaker had when it admitted the trial, or {@code null} for no trial
     */
    static boolean inPhase(Endpoint endpoint, CircuitBreaker.@Nullable Metrics phase) {
        CircuitBreaker breaker = endpoint.breaker();
        return phase != null && breaker.getState() == CircuitBreaker.State.HALF_OPEN && breaker.getMetrics() == phase;
    }
}
