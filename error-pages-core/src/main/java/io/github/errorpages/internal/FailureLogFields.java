package io.github.errorpages.internal;

import io.github.errorpages.UpstreamFailure;

/**
 * The {@code attempts} and {@code elapsed_ms} fields of a failure's log lines (the error page's, and the servlet
 * module's for a response aborted or answered without its page): {@code -} when the failure does not know them
 * ({@link UpstreamFailure#attemptsKnown()}, {@link UpstreamFailure#elapsedKnown()}). A failure a classifier read from
 * an application's client (a read timeout after 2 s) said {@code attempts=1 elapsed_ms=0}, and a reader judging
 * timeouts by {@code elapsed_ms} was told the call took no time.
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class FailureLogFields {

    private FailureLogFields() {
    }

    /**
     * @param failure a failure
     * @return its attempts, or {@code -} when not known
     */
    public static String attempts(UpstreamFailure failure) {
        return failure.attemptsKnown() ? Integer.toString(failure.attempts()) : "-";
    }

    /**
     * @param failure a failure
     * @return its elapsed time in whole milliseconds, or {@code -} when not known
     */
    public static String elapsedMillis(UpstreamFailure failure) {
        return failure.elapsedKnown() ? Long.toString(failure.elapsed().toMillis()) : "-";
    }
}
