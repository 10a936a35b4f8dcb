package io.github.errorpages.upstream;

/**
 * Receives an {@link UpstreamGuard}'s {@link UpstreamEvent}s: every retry decision, budget exhaustion,
 * breaker transition and the end of every call, for metrics and logs.
 *
 * <p>Events are delivered synchronously on the thread that made the decision, so an implementation must be
 * thread-safe and fast and must not block. An exception it throws, or a {@link LinkageError} (a class of an
 * optional library missing at run time), is logged (once per listener class) and otherwise ignored: it never
 * changes the outcome of a call.
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
