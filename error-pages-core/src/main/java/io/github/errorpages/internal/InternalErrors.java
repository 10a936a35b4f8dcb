package io.github.errorpages.internal;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logs what was thrown behind a page of {@code proxy_internal_error}: a bug of the gateway's or the application's
 * (an exception no classifier knows, thrown by code a guard ran, or by the proxy itself), which the page's own
 * {@code error page} line only names by its cause. The operators' alert on that cause found nothing to work from.
 * Other causes are expected failures of an upstream, whose line says all there is: their exceptions are not logged.
 *
 * <p>One {@code ERROR} line, with the exception's stack trace, on the logger of the page's line
 * ({@link ErrorPages}) and under its support code ({@link ErrorPages#MDC_SUPPORT_CODE}, and in the message), so that
 * the two are found together. The exception and its message stay in the log: the response never holds them (R36).
 *
 * <p>Thread-safe (stateless).
 */
public final class InternalErrors {

    private static final Logger log = LoggerFactory.getLogger(ErrorPages.class);

    private InternalErrors() {
    }

    /**
     * Logs what was thrown, if the failure is {@code proxy_internal_error} and something was.
     *
     * @param failure the failure the page or answer is for
     * @param thrown what was thrown for it, or {@code null} when nothing was (a failure the application named)
     * @param supportCode the page's support code, or {@code null} when the answer has none (a response aborted once
     *     committed, a plain-text answer to {@code /robots.txt})
     */
    public static void log(UpstreamFailure failure, @Nullable Throwable thrown, @Nullable String supportCode) {
        if (thrown == null || failure.cause() != FailureCause.PROXY_INTERNAL_ERROR) {
            return;
        }
        // A broken getMessage() of the application's must not fail the answer from within the log call.
        Throwable printable = Causes.printable(thrown);
        if (supportCode == null) {
            log.error("proxy_internal_error: what was thrown (upstream={}, no page)",
                    failure.upstream().isEmpty() ? "-" : failure.upstream(), printable);
            return;
        }
        MDC.put(ErrorPages.MDC_SUPPORT_CODE, supportCode);
        try {
            log.error("proxy_internal_error: what was thrown (upstream={}, support_code={})",
                    failure.upstream().isEmpty() ? "-" : failure.upstream(), supportCode, printable);
        } finally {
            MDC.remove(ErrorPages.MDC_SUPPORT_CODE);
        }
    }
}
