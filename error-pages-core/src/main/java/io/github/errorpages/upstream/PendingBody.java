package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.upstream.internal.BodyFailures;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
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
 */
final class PendingBody implements BodyOutcome {

    private static final AtomicIntegerFieldUpdater<PendingBody> STATE =
            AtomicIntegerFieldUpdater.newUpdater(PendingBody.class, "state");
    /** The body's end was reported. */
    private static final int ENDED = 1;
    /** The bulkhead permit waits for the body's end. */
    private static final int HOLDING = 2;

    private final UpstreamGuard guard;
    private final UpstreamRequest request;
    private final Endpoint endpoint;
    private final @Nullable Object result;
    private final long headNanos;
    /** When the call started ({@link System#nanoTime()}): a broken body's failure took this long. */
    private final long callStarted;
    private final int attempts;
    private final boolean recordedAtHead;
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
     */
    PendingBody(UpstreamGuard guard, UpstreamRequest request, Endpoint endpoint, @Nullable Object result,
            long headNanos, long callStarted, int attempts, boolean recordedAtHead) {
        this.guard = guard;
        this.request = request;
        this.endpoint = endpoint;
        this.result = result;
        this.headNanos = headNanos;
        this.callStarted = callStarted;
        this.attempts = attempts;
        this.recordedAtHead = recordedAtHead;
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
        boolean counted = (markEnded() & ENDED) == 0 && !request.isBodySourceFailed();
        if (!counted) {
            return broken(cause, guard.failingSinceOrNull());
        }
        // A cause that is not the upstream's fault leaves the breaker as an attempt failing with it would: a
        // closed breaker holds no permission for the call, and records nothing.
        if (UpstreamGuard.countsAgainstUpstream(cause)) {
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
     * permission of a call that failed so, and this record holds none (the call's was used up when the head arrived,
     * or a closed breaker keeps none): a half-open breaker would admit one more trial call than it is configured for.
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
     * not closed. Half-open, a permission waiting for a body that streams for minutes would keep it half-open all
     * that time; closed, it holds no permission.
     */
    static boolean recordsAtHead(Endpoint endpoint) {
        return endpoint.breaker().getState() != CircuitBreaker.State.CLOSED;
    }
}
