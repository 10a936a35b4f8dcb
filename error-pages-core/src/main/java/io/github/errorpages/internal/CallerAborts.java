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
     * @return whether it says the caller gave up: a cancellation, an interrupt, I/O that an interrupt ended, or
     *     Apache HttpClient's exception for a request the application aborted before it left
     *     ({@link #isAbortedBeforeItLeft})
     */
    public static boolean isCallerAbort(Throwable t) {
        return t instanceof CancellationException || t instanceof InterruptedException
                // A SocketTimeoutException is an InterruptedIOException too, but a timeout, not an interrupt.
                || (t.getClass() == InterruptedIOException.class && !isTimeout(t.getMessage()))
                // A channel closed because the thread blocked on it was interrupted.
                || t instanceof ClosedByInterruptException
                // A virtual thread interrupted in a blocking socket operation (JDK 21 and later): the socket is closed.
                // Any SocketException: a subclass may override getMessage(), which must not throw here (Causes).
                || (t instanceof SocketException && "Closed by interrupt".equals(Causes.messageOf(t)))
                || isAbortedBeforeItLeft(t);
    }

    /**
     * Whether it is Apache HttpClient's exception for a request the application aborted before the request left,
     * which no upstream can cause: 4's cause-less {@code RequestAbortedException("Request aborted")}, which its
     * executor throws where it checks {@code isAborted()}, before it takes a connection or between the exchanges of
     * one execution (an abort during an exchange fails its I/O: "Socket closed"); Apache 5 classic's
     * {@code IllegalStateException("Endpoint not acquired / already released")} of its execution runtime, whose
     * connection a {@code cancel()} made before the request was sent on it released. Not Apache 5's
     * {@code RequestFailedException("Request aborted")}: its retry executor throws that for a cancel during an
     * exchange, a hard timeout's of a stalled upstream too. Matched by class name, Apache being no dependency.
     *
     * @param t one throwable of a cause chain
     * @return whether it says that the application aborted its request before it left
     */
    public static boolean isAbortedBeforeItLeft(Throwable t) {
        if (t.getClass() == IllegalStateException.class) {
            StackTraceElement[] frames = t.getStackTrace();
            return "Endpoint not acquired / already released".equals(Causes.messageOf(t)) && frames.length > 0
                    && frames[0].getClassName().equals("org.apache.hc.client5.http.impl.classic.InternalExecRuntime");
        }
        // Its interrupted wait for a connection has the same message and the InterruptedException as its cause.
        return t.getClass().getName().equals("org.apache.http.impl.execchain.RequestAbortedException")
                && "Request aborted".equals(Causes.messageOf(t)) && Causes.of(t) == null;
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
