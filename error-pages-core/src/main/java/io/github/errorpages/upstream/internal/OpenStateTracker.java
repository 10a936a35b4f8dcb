package io.github.errorpages.upstream.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.StateTransition;
import java.lang.reflect.Field;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows how long a Resilience4j circuit breaker stays open, which Resilience4j's API does not expose. It reads the
 * end of the open state that Resilience4j's own state machine keeps (its {@code OpenState}'s instant, by reflection):
 * exact for every wait-interval function, a randomized one included (each call of which draws a new wait), for an
 * opening with an explicit time ({@code transitionToOpenStateFor}, {@code transitionToOpenStateUntil}) and for an
 * opening this tracker did not see (a guard built again on a registry's breaker that is open).
 *
 * <p>Should that state not be readable (another version of Resilience4j, another implementation of
 * {@code CircuitBreaker}, a module that does not open it to reflection), it falls back on what the breaker's events
 * say: it notes the time of each transition to OPEN and how many times in a row the breaker has opened, and applies
 * the breaker's wait-interval function to that count once per opening, as the breaker does. That is exact for a
 * deterministic function and an opening it saw; for an opening it did not see it reports the interval of a first
 * opening, and for an explicit time the configured interval.
 *
 * <p>Thread-safe.
 */
public final class OpenStateTracker {

    private static final Logger log = LoggerFactory.getLogger(OpenStateTracker.class);
    /** Resilience4j's state machine's current state, or {@code null} when it cannot be read. */
    private static final @Nullable Field STATE = field(
            "io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine", "stateReference");
    /** The end of the wait its open state keeps, or {@code null} when it cannot be read. */
    private static final @Nullable Field OPEN_UNTIL = field(
            "io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState",
            "retryAfterWaitDuration");

    private final CircuitBreaker breaker;
    private final Clock clock;
    private final boolean readsKeptEnd;
    private volatile Opening opening;

    /**
     * @param breaker the breaker; the caller feeds its transitions to {@link #onTransition(StateTransition)}
     */
    public OpenStateTracker(CircuitBreaker breaker) {
        this(breaker, true);
    }

    /**
     * @param readsKeptEnd whether to read the end Resilience4j keeps; {@code false} to use the events alone (tests)
     */
    OpenStateTracker(CircuitBreaker breaker, boolean readsKeptEnd) {
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.clock = breaker.getCircuitBreakerConfig().getClock();
        this.readsKeptEnd = readsKeptEnd;
        State state = breaker.getState();
        this.opening = state == State.OPEN || state == State.HALF_OPEN ? opening(null, 1) : new Opening(null, 0, 0);
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
            opening = opening(clock.instant(), before + 1);
        } else if (to == State.FORCED_OPEN) {
            opening = new Opening(null, before + 1, 0);
        } else if (startsAgain(to)) {
            opening = new Opening(null, 0, 0);
        }
    }

    /** An opening whose wait is drawn once, as Resilience4j draws it: a randomized function gives another each call. */
    private Opening opening(@Nullable Instant at, int count) {
        return new Opening(at, count,
                breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(Math.max(1, count)));
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
        Instant until = readsKeptEnd ? keptEnd(breaker) : null;
        if (until == null) {
            Opening o = opening;
            if (o.at == null) {
                return Duration.ofMillis(o.waitMillis);
            }
            until = o.at.plusMillis(o.waitMillis);
        }
        Duration remaining = Duration.between(clock.instant(), until);
        return remaining.isNegative() ? Duration.ZERO : remaining;
    }

    /** @return the end of the wait Resilience4j's open state keeps, or {@code null} when it cannot be read */
    private static @Nullable Instant keptEnd(CircuitBreaker breaker) {
        Field state = STATE;
        Field openUntil = OPEN_UNTIL;
        if (state == null || openUntil == null || !state.getDeclaringClass().isInstance(breaker)) {
            return null;
        }
        try {
            Object current = ((AtomicReference<?>) state.get(breaker)).get();
            return openUntil.getDeclaringClass().isInstance(current) ? (Instant) openUntil.get(current) : null;
        } catch (IllegalAccessException | RuntimeException e) {
            return null;
        }
    }

    private static @Nullable Field field(String className, String name) {
        try {
            Field field = Class.forName(className, false, CircuitBreaker.class.getClassLoader()).getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("Cannot read Resilience4j's open state ({}.{}); the breaker's remaining open time is worked out "
                    + "from its events", className, name, e);
            return null;
        }
    }

    /**
     * @return the wait of the breaker's current or last opening, as Resilience4j drew it (the first opening's when
     *     this tracker saw none); zero when it has not opened since it was last closed, or was forced open
     */
    public Duration openWait() {
        return Duration.ofMillis(opening.waitMillis);
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
        /** The wait of this opening, in milliseconds, drawn from the wait-interval function when it began. */
        final long waitMillis;

        Opening(@Nullable Instant at, int count, long waitMillis) {
            this.at = at;
            this.count = count;
            this.waitMillis = waitMillis;
        }
    }
}
