package io.github.errorpages.upstream.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Knows how long a Resilience4j circuit breaker stays open, which Resilience4j does not expose: it notes
 * the time of each transition to OPEN (fed by the breaker's state-transition events) and how many times in
 * a row the breaker has opened, and applies the breaker's own wait-interval function to that count, as the
 * breaker does.
 *
 * <p>When the breaker was already open before the tracker saw it open, the opening time is unknown and the
 * full wait interval is reported: an upper bound, so a client told to come back then does not come back too
 * early. A breaker opened for an explicit time ({@code transitionToOpenStateFor}, {@code transitionToOpenStateUntil}
 * or a {@code transitionOnResult} rule) is reported with its configured wait interval instead, since the
 * event does not carry that time.
 *
 * <p>Thread-safe.
 */
public final class OpenStateTracker {

    private final CircuitBreaker breaker;
    private final Clock clock;
    private volatile Opening opening;

    /**
     * @param breaker the breaker; the caller feeds its transitions to {@link #onTransition(StateTransition)}
     */
    public OpenStateTracker(CircuitBreaker breaker) {
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.clock = breaker.getCircuitBreakerConfig().getClock();
        State state = breaker.getState();
        this.opening = new Opening(null, state == State.OPEN || state == State.HALF_OPEN ? 1 : 0);
    }

    /**
     * Notes a transition of the breaker.
     *
     * @param transition the transition, from the breaker's event
     */
    public void onTransition(StateTransition transition) {
        State to = transition.getToState();
        // Resilience4j counts consecutive openings, forced ones included, and passes the count to the wait-interval
        // function; a closed, disabled or metrics-only breaker starts again at one.
        int before = startsAgain(transition.getFromState()) ? 0 : opening.count;
        if (to == State.OPEN) {
            opening = new Opening(clock.instant(), before + 1);
        } else if (to == State.FORCED_OPEN) {
            opening = new Opening(null, before + 1);
        } else if (startsAgain(to)) {
            opening = new Opening(null, 0);
        }
    }

    private static boolean startsAgain(State state) {
        return state == State.CLOSED || state == State.DISABLED || state == State.METRICS_ONLY;
    }

    /**
     * @return how long the breaker stays open from now: zero when it is half-open (it admits a few calls
     *     again) or its wait is over, {@code null} when it is not open or forced open (no end known)
     */
    public @Nullable Duration remainingOpen() {
        State state = breaker.getState();
        if (state == State.HALF_OPEN) {
            return Duration.ZERO;
        }
        if (state != State.OPEN) {
            return null;
        }
        Opening o = opening;
        long waitMillis = breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState()
                .apply(Math.max(1, o.count));
        if (o.at == null) {
            return Duration.ofMillis(waitMillis);
        }
        Duration remaining = Duration.between(clock.instant(), o.at.plusMillis(waitMillis));
        return remaining.isNegative() ? Duration.ZERO : remaining;
    }

    /**
     * @param within a duration from now
     * @return whether the breaker may admit a call within that time: it is not open, or its wait ends by then
     */
    public boolean mayAdmitWithin(Duration within) {
        State state = breaker.getState();
        if (state == State.FORCED_OPEN) {
            return false;
        }
        Duration remaining = remainingOpen();
        return remaining == null || remaining.compareTo(within) <= 0;
    }

    /** @return the breaker */
    public CircuitBreaker breaker() {
        return breaker;
    }

    private static final class Opening {
        final @Nullable Instant at;
        final int count;

        Opening(@Nullable Instant at, int count) {
            this.at = at;
            this.count = count;
        }
    }
}
