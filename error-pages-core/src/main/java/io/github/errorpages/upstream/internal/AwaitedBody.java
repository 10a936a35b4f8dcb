package io.github.errorpages.upstream.internal;

import io.github.errorpages.upstream.BodyOutcome;

/**
 * A body of the JDK client's responses that reports its end to the guard ({@link JdkResponseAdapter#awaitBody}):
 * the reverse proxy's, which streams each response body to its client after the guarded call returned.
 */
public interface AwaitedBody {

    /**
     * Takes where to report the body's end, exactly once; called before the guarded call returns the response.
     *
     * @param outcome the call's outcome, waiting for the body
     */
    void reportTo(BodyOutcome outcome);
}
