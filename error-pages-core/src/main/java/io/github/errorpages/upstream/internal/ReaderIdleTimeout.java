package io.github.errorpages.upstream.internal;

import java.time.Duration;

/**
 * A body's outcome ({@link io.github.errorpages.upstream.BodyOutcome}) told how long the body's reader lets the body
 * go quiet before it fails it: the reverse proxy's {@code body-idle-timeout}. The guard holds a half-open breaker's
 * trial call until its body ends, at most {@code attempt-timeout} after the head plus this timeout, so that a trial
 * whose body stalls fails before the bound passes and counts as the failed trial it is (not API).
 */
public interface ReaderIdleTimeout {

    /**
     * Says how long at most the reader lets the body go quiet before it fails it (its idle timeout, plus how late
     * its check may come); call it when the guard hands the outcome over
     * ({@link io.github.errorpages.upstream.ResponseAdapter#awaitBody}), before the call returns.
     *
     * @param timeout the longest a quiet body lasts
     */
    void readerIdleTimeout(Duration timeout);
}
