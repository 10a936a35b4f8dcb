package io.github.errorpages.internal;

import java.io.InterruptedIOException;
import java.net.SocketException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * Tells a call its caller gave up on (cancelled it, or interrupted the thread that made it) from a call the upstream
 * failed: the one test that the failure classifier and the upstream guard both apply, so that neither a page nor the
 * circuit breaker ever blames the upstream for it. Thread-safe (static methods only).
 */
public final class CallerAborts {

    private CallerAborts() {
    }

    /**
     * @param t one throwable of a cause chain
     * @return whether it says the caller gave up: a cancellation, an interrupt, or I/O that an interrupt ended
     */
    public static boolean isCallerAbort(Throwable t) {
        return t instanceof CancellationException || t instanceof InterruptedException
                // A SocketTimeoutException is an InterruptedIOException too, but a timeout, not an interrupt.
                || (t.getClass() == InterruptedIOException.class && !isTimeout(t.getMessage()))
                // A channel closed because the thread blocked on it was interrupted.
                || t instanceof ClosedByInterruptException
                // A virtual thread interrupted in a blocking socket operation (JDK 21 and later): the socket is closed.
                // Any SocketException: a subclass may override getMessage(), which must not throw here (Causes).
                || (t instanceof SocketException && "Closed by interrupt".equals(Causes.messageOf(t)));
    }

    /**
     * Whether a plain {@link InterruptedIOException} says a timeout rather than an interrupt: OkHttp's call timeout
     * and Okio's timeouts throw one ("timeout", "deadline reached") on a thread nobody interrupted, where an
     * interrupt gives "interrupted".
     *
     * @param message the exception's message, or {@code null}
     * @return whether it is the message of such a timeout
     */
    public static boolean isTimeout(@Nullable String message) {
        return "timeout".equals(message) || "deadline reached".equals(message);
    }
}
