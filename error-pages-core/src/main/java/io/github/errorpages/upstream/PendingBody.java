package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.upstream.internal.BodyFailures;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The {@link BodyOutcome} of one response a guarded call returned: records the call in the endpoint's circuit
 * breaker when the body ends, unless the breaker recorded it when the head arrived. Thread-safe: the first
 * report wins.
 */
final class PendingBody implements BodyOutcome {

    private static final AtomicIntegerFieldUpdater<PendingBody> ENDED =
            AtomicIntegerFieldUpdater.newUpdater(PendingBody.class, "ended");

    private final UpstreamGuard guard;
    private final Endpoint endpoint;
    private final @Nullable Object result;
    private final long headNanos;
    private final int attempts;
    private final boolean recordedAtHead;
    private volatile int ended;

    /**
     * @param result the call's result, for the breaker's result predicate
     * @param headNanos the attempt's time to the head: the duration recorded
     * @param recordedAtHead whether the breaker recorded the call's success when the head arrived
     */
    PendingBody(UpstreamGuard guard, Endpoint endpoint, @Nullable Object result, long headNanos, int attempts,
            boolean recordedAtHead) {
        this.guard = guard;
        this.endpoint = endpoint;
        this.result = result;
        this.headNanos = headNanos;
        this.attempts = attempts;
        this.recordedAtHead = recordedAtHead;
    }

    @Override
    public void completed() {
        if (ENDED.compareAndSet(this, 0, 1) && !recordedAtHead) {
            endpoint.breaker().onResult(headNanos, TimeUnit.NANOSECONDS, result);
        }
    }

    @Override
    public UpstreamFailure failed(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        FailureCause cause = BodyFailures.cause(guard.classifier(), failure);
        boolean first = ENDED.compareAndSet(this, 0, 1);
        if (first && UpstreamGuard.countsAgainstUpstream(cause)) {
            endpoint.breaker().onError(headNanos, TimeUnit.NANOSECONDS, failure);
        }
        // A cause that is not the upstream's fault leaves the breaker as an attempt failing with it would: a
        // closed breaker holds no permission for the call, and records nothing.
        Instant failingSince = first && UpstreamGuard.showsUpstreamTrouble(cause) ? guard.markFailing()
                : guard.failingSinceOrNull();
        UpstreamFailure broken = UpstreamFailure.builder(cause).upstream(guard.name()).attempts(attempts)
                .failingSince(failingSince).build();
        if (first) {
            guard.bodyBrokenOff(broken, endpoint);
        }
        return broken;
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
