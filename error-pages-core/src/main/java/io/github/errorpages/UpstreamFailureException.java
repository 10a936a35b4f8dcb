package io.github.errorpages;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when an upstream call failed and the thrower already knows why: it carries the complete
 * {@link UpstreamFailure}, which {@link FailureClassifier} takes as is, wherever the exception sits in
 * a cause chain.
 *
 * <p>The message names the upstream by its configured name and the cause by its token, with the number of attempts
 * when the failure knows it ({@link UpstreamFailure#attemptsKnown()}) and, when the guard weighed a retry, why there
 * was none ({@code not retried: not_idempotent}, the token of {@link RetryRefusal}); it never holds a host, an address
 * or a response body, though it is meant for logs only.
 *
 * <p>The failure it carries is immutable; the exception is as thread-safe as any {@link Throwable} (its stack
 * trace and suppressed exceptions are set as for others).
 *
 * @since 0.1.0
 */
public class UpstreamFailureException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final UpstreamFailure failure;

    /**
     * @param failure what is known about the failure
     * @param cause the exception that caused it, kept for the server log, or {@code null}
     * @throws NullPointerException if {@code failure} is null
     */
    public UpstreamFailureException(UpstreamFailure failure, @Nullable Throwable cause) {
        super(null, cause);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    /**
     * For a failure thrown often and cheaply, such as a call an open circuit breaker refuses: without a stack
     * trace, filling in which costs more than the rest of such a refusal (Resilience4j's
     * {@code writableStackTraceEnabled} does the same for its {@code CallNotPermittedException}).
     *
     * @param failure what is known about the failure
     * @param cause the exception that caused it, kept for the server log, or {@code null}
     * @param writableStackTrace whether the stack trace is filled in (and can be set)
     * @throws NullPointerException if {@code failure} is null
     * @since 0.1.0
     */
    public UpstreamFailureException(UpstreamFailure failure, @Nullable Throwable cause, boolean writableStackTrace) {
        super(null, cause, true, writableStackTrace);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    /**
     * @return the failure this exception reports
     */
    public UpstreamFailure failure() {
        return failure;
    }

    /**
     * Built from the failure each time it is asked for, not when the exception is made: an open breaker's refusals
     * are thrown by the thousand where nothing reads their message (the classifier takes the failure), and building it
     * was 264 of the 664 bytes such a refusal allocated.
     *
     * @return the message described above, never {@code null}
     */
    @Override
    public String getMessage() {
        return messageFor(failure);
    }

    private static String messageFor(UpstreamFailure failure) {
        String name = failure.upstream().isEmpty() ? "upstream" : "upstream '" + failure.upstream() + "'";
        StringBuilder message = new StringBuilder(name).append(" failed: ").append(failure.cause().token());
        if (failure.upstreamStatus() != 0) {
            message.append(" (status ").append(failure.upstreamStatus()).append(')');
        }
        if (failure.attemptsKnown()) {
            // Not "after 1 attempt" for a failure read from a client's exception: that client may have retried.
            message.append(" after ").append(failure.attempts())
                    .append(failure.attempts() == 1 ? " attempt" : " attempts");
        }
        // An application that logs the exception itself gets what the library's own log line says (retry_refused=).
        RetryRefusal refusal = failure.retryRefusal();
        if (refusal != null) {
            message.append(", not retried: ").append(refusal.token());
        }
        return message.toString();
    }
}
