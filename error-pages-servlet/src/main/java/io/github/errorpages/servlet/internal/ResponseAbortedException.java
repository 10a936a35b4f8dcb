package io.github.errorpages.servlet.internal;

import java.io.IOException;

/**
 * Thrown to the container when an upstream failure comes after the response was committed: the status
 * and part of the body are on the wire, nothing can be appended (R5), and a container that gets an
 * exception for a committed response aborts the connection, so the client sees an incomplete response
 * instead of a truncated one that looks whole. An {@link IOException} so that containers log it as one
 * line; without a stack trace, because it always comes from the same place.
 */
public final class ResponseAbortedException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, naming the cause token; no host, no address
     */
    public ResponseAbortedException(String message) {
        super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
