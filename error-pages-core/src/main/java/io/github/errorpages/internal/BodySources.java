package io.github.errorpages.internal;

import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.upstream.internal.BodySourceFailure;

/**
 * Tells a guarded call that the request body's source failed from one the upstream failed, for what answers a
 * request with a page: the guard's word for it ({@link BodySourceFailure}) has the attempt's timeout or the
 * source's I/O exception in its cause chain, which the classifier alone reads as the upstream's. Thread-safe (static
 * methods only).
 */
public final class BodySources {

    private BodySources() {
    }

    /**
     * @param throwable what a call, or the code around it, threw
     * @return whether its cause chain (as much of it as the classifier reads) holds the guard's
     *     {@link BodySourceFailure} with no {@link UpstreamFailureException} above it, which the classifier would take
     *     as the failure
     */
    public static boolean isBodySourceFailure(Throwable throwable) {
        Throwable current = throwable;
        for (int i = 0; current != null && i < FailureClassifier.MAX_CHAIN; i++, current = Causes.of(current)) {
            if (current instanceof UpstreamFailureException) {
                return false;
            }
            if (current instanceof BodySourceFailure) {
                return true;
            }
        }
        return false;
    }
}
