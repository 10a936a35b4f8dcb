package io.github.errorpages.internal;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The one rule for a checked exception that a request body's source threw or signalled past the compiler's check (a
 * servlet filter's wrapper of the body in Kotlin, or with Lombok's {@code @SneakyThrows}): it is a bug, the call's
 * {@code proxy_internal_error}, unless it is an I/O failure ({@link IOException}: the client went away), a stall
 * ({@link TimeoutException}: the client's, which the proxy answers with 408) or an interrupt
 * ({@link InterruptedException}: someone ended the thread's wait, as {@link CallerAborts} reads it). Shared by the
 * JDK client's guarded call (a streamed body, and one buffered for a resend) and the servlet module's Jetty transport
 * (a body buffered on the request's thread): each of them kept a copy once, and the copies drifted apart, the Jetty
 * transport taking a stall and an interrupt for bugs.
 *
 * <p>Static methods only; thread-safe.
 */
public final class CheckedBugs {

    private CheckedBugs() {
    }

    /**
     * @param signalled what the body's source threw, or its publisher signalled, as it is
     * @return {@code signalled} when it is a checked exception that is neither an I/O failure, nor a stall, nor an
     *     interrupt; else {@code null}
     */
    public static @Nullable Throwable of(Throwable signalled) {
        return signalled instanceof IOException || signalled instanceof RuntimeException || signalled instanceof Error
                || signalled instanceof TimeoutException || signalled instanceof InterruptedException
                ? null : signalled;
    }

    /**
     * The rule of {@link #of} for what the JDK's blocking {@code HttpClient.send} threw: it restates what its exchange
     * failed with (a body publisher's signal among it) as a plain {@link IOException} of the same message, whose
     * cause is what was signalled. Only where that client threw: elsewhere such an exception is the source's own I/O
     * failure, wrapped as any other, and no bug ({@code new IOException(e.getMessage(), e)} around a
     * {@code DataFormatException} of a body that inflates its source).
     *
     * @param thrown what the JDK client's send threw, or its future failed with
     * @return the checked exception, neither I/O nor a stall nor an interrupt, that {@code thrown} is or restates, or
     *     {@code null}
     */
    public static @Nullable Throwable ofRestatedByJdkClient(Throwable thrown) {
        Throwable cause = Causes.of(thrown);
        boolean restated = thrown.getClass() == IOException.class && cause != null
                && Objects.equals(thrown.getMessage(), Causes.messageOf(cause));
        return of(restated ? cause : thrown);
    }
}
