package io.github.errorpages.upstream;

/**
 * Receives an {@link UpstreamGuard}'s {@link UpstreamEvent}s: every retry decision, budget exhaustion,
 * breaker transition and the end of every call, for metrics and logs.
 *
 * <p>Events are delivered synchronously on the thread that made the decision, so an implementation must be
 * thread-safe and fast and must not block. Whatever it throws, an exception or an {@link Error} (a
 * {@link LinkageError} of an optional library missing a class at run time, an {@link AssertionError}, even an
 * {@link OutOfMemoryError}), is logged (once per guard and listener class: one listener given to two guards may be
 * logged twice) and otherwise ignored, as Resilience4j's circuit breaker treats its event consumers: it never changes
 * the outcome of a call, and the other listeners still get the event.
 *
 * <p>Events of one thread arrive in the order its decisions were made; events of different threads need not. Two
 * calls that change a breaker's state at nearly the same time (one opens it, another's trial closes it) may deliver
 * their {@link UpstreamEvent.BreakerStateChanged} in the reverse order: Resilience4j changes the state atomically and
 * publishes the transition after it, on each thread. A listener that keeps the last state it was told of may then
 * hold one the breaker has left; a gauge of a breaker's state reads it from
 * {@link UpstreamGuard#circuitBreakers()} instead ({@code getState()}), and an alert on a transition takes the event
 * for what happened, not for the state now. With Resilience4j's default settings an open breaker stays
 * {@code OPEN} past its wait until a call arrives (no transition, so no event, comes before); how long the upstream
 * is still kept from callers is {@link UpstreamGuard#breakerRemainingOpen()}.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface UpstreamEventListener {

    /**
     * @param event what happened
     */
    void onEvent(UpstreamEvent event);
}
