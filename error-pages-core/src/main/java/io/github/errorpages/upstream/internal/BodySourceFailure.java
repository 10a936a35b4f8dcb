package io.github.errorpages.upstream.internal;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How a guarded call ends when the request body's source failed it, not the upstream: the client the body streams
 * from went away, or stalled while the upstream waited for the rest. An {@link UncheckedIOException}, as the guard
 * has always ended such a call, of its own type so that what answers the request (the reverse proxy, the error
 * pages' filter behind application code) tells it from an upstream's failure, whose exceptions its cause chain holds
 * too: a stall's is the attempt's timeout, which read as the upstream's made a 504 page of a client's 408.
 *
 * <p>Immutable; thread-safe.
 */
public final class BodySourceFailure extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    private final boolean stalled;

    /**
     * @param cause what reading the body, or the attempt, failed with, in the words of what happened
     * @param stalled whether the source stalled (the attempt timed out waiting for it) rather than failed
     */
    public BodySourceFailure(IOException cause, boolean stalled) {
        super(cause);
        this.stalled = stalled;
    }

    /** @return whether the source stalled: the attempt timed out while the upstream waited for the rest */
    public boolean isStalled() {
        return stalled;
    }
}
