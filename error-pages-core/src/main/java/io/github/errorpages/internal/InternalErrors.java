package io.github.errorpages.internal;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
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
 * <p>One {@code ERROR} line, on the logger of the page's line ({@link ErrorPages}) and under its support code
 * ({@link ErrorPages#MDC_SUPPORT_CODE}, and in the message), so that the two are found together. The line has the
 * exception's stack trace the first time a bug ({@link BugFingerprint}) is logged within a minute
 * ({@link StackTraceLimiter}, one per {@link ErrorPages}); a repeat within that minute has the exception's class and
 * message (and its root cause's) on one line and names the line with the trace (by that line's support code, written
 * so that the search for a code's lines does not find it, and its time): a bug failing every request printed one trace
 * per request. The exception and its message stay in the log: the response never holds them (R36).
 *
 * <p>Thread-safe.
 */
public final class InternalErrors {

    private static final Logger log = LoggerFactory.getLogger(ErrorPages.class);

    /** How {@link #log} finds the instance of an {@link ErrorPages}, which keeps it private ({@link #grantAccess}). */
    private static volatile @Nullable Function<ErrorPages, InternalErrors> ofPages;

    /** How many causes {@link #described} walks to find the root cause. */
    static final int MAX_DESCRIBED_CAUSES = 64;

    private final StackTraceLimiter stackTraces;

    /**
     * @param clock the time of the trace a repeat names (the minute a trace stands for its repeats is timed on
     *     {@link System#nanoTime()}, {@link StackTraceLimiter})
     */
    public InternalErrors(Clock clock) {
        this(new StackTraceLimiter(clock));
    }

    InternalErrors(StackTraceLimiter stackTraces) {
        this.stackTraces = stackTraces;
    }

    /**
     * Lets {@link #log} find the instance an {@link ErrorPages} holds, for the servlet module's answers as for its
     * own, without a method of its public API: called once, by {@link ErrorPages}' static initializer, which has run
     * before any {@link ErrorPages} exists to be passed to {@link #log}.
     *
     * @param access gives an {@link ErrorPages}' instance
     * @throws IllegalStateException if access was granted already
     */
    public static synchronized void grantAccess(Function<ErrorPages, InternalErrors> access) {
        if (ofPages != null) {
            throw new IllegalStateException("access was granted already");
        }
        ofPages = Objects.requireNonNull(access, "access");
    }

    /**
     * Logs what was thrown, if the failure is {@code proxy_internal_error} and something was: with its stack trace,
     * or, for a repeat of the same bug within a minute of the trace of {@code pages}, with its description and the
     * support code and time of the line that has the trace.
     *
     * @param pages the error pages the answer is of, whose own stack traces count
     * @param failure the failure the page or answer is for
     * @param thrown what was thrown for it, or {@code null} when nothing was (a failure the application named)
     * @param supportCode the page's support code, or {@code null} when the answer has none (a response aborted once
     *     committed, a plain-text answer to {@code /robots.txt})
     */
    public static void log(ErrorPages pages, UpstreamFailure failure, @Nullable Throwable thrown,
            @Nullable String supportCode) {
        if (thrown == null || failure.cause() != FailureCause.PROXY_INTERNAL_ERROR) {
            return;
        }
        Objects.requireNonNull(ofPages, "ErrorPages grants access when it is initialized").apply(pages)
                .write(failure, thrown, supportCode);
    }

    /** As {@link #log}, for a failure of {@code proxy_internal_error}. */
    void write(UpstreamFailure failure, Throwable thrown, @Nullable String supportCode) {
        String upstream = failure.upstream().isEmpty() ? "-" : failure.upstream();
        StackTraceLimiter.Repeat repeat = stackTraces.occurred(thrown, supportCode);
        if (supportCode == null) {
            if (repeat == null) {
                // A broken getMessage() of the application's must not fail the answer from within the log call.
                log.error("proxy_internal_error: what was thrown (upstream={}, no page)", upstream,
                        Causes.printable(thrown));
            } else {
                log.error("proxy_internal_error: what was thrown (upstream={}, no page) {}; {}", upstream,
                        described(thrown), whereTheTraceIs(repeat));
            }
            return;
        }
        MDC.put(ErrorPages.MDC_SUPPORT_CODE, supportCode);
        try {
            if (repeat == null) {
                log.error("proxy_internal_error: what was thrown (upstream={}, support_code={})", upstream,
                        supportCode, Causes.printable(thrown));
            } else {
                log.error("proxy_internal_error: what was thrown (upstream={}, support_code={}) {}; {}", upstream,
                        supportCode, described(thrown), whereTheTraceIs(repeat));
            }
        } finally {
            MDC.remove(ErrorPages.MDC_SUPPORT_CODE);
        }
    }

    /**
     * What a repeat's line says of what was thrown: its {@code toString()} and, when it has causes, its root cause's
     * (the bug itself, where the outermost is the guard's {@code UpstreamFailureException}), each on one line
     * ({@link ConfigurationErrors#oneLine}: a message holding a line break would start what reads as a line of its
     * own, the log's or a forged one). Neither fails for a broken {@code getMessage()} ({@link Causes#toStringOf}).
     * A chain that comes back to a link of its own has no root: its last link before that is named as the last cause
     * of a cyclic chain; one of more than {@value #MAX_DESCRIBED_CAUSES} causes, whose walk would take ever longer,
     * names the last one read by its place in the chain.
     */
    private static String described(Throwable thrown) {
        String outermost = ConfigurationErrors.oneLine(Causes.toStringOf(thrown));
        List<Throwable> chain = Causes.chain(thrown, MAX_DESCRIBED_CAUSES + 1);
        if (chain.size() == 1) {
            return outermost;
        }
        Throwable last = chain.get(chain.size() - 1);
        Throwable beyond = Causes.of(last);
        String which;
        if (beyond == null) {
            which = "root cause ";
        } else if (chain.stream().anyMatch(link -> link == beyond)) {
            which = "last cause of a cyclic chain ";
        } else {
            which = "cause " + (chain.size() - 1) + " of a longer chain ";
        }
        return outermost + "; " + which + ConfigurationErrors.oneLine(Causes.toStringOf(last));
    }

    /**
     * Names the line with the trace by its support code, but not as {@code support_code=}: the search the operators
     * are given for a user's code ({@code support_code=CODE} up to the code's end, troubleshooting.md) then found every
     * repeat of the bug too, all the other users' lines, a thousand a minute for a bug failing every request, where it
     * promises the user's own lines. Written {@code for support code CODE at}, it is found the other way round: from
     * the trace's code to its repeats.
     */
    private static String whereTheTraceIs(StackTraceLimiter.Repeat repeat) {
        String tracedAt = repeat.tracedAt().truncatedTo(ChronoUnit.SECONDS).toString();
        String line = repeat.tracedSupportCode() != null ? "for support code " + repeat.tracedSupportCode() + " at "
                + tracedAt : "with no page at " + tracedAt;
        return "stack trace as logged " + line + ", repeated " + repeat.repeats()
                + (repeat.repeats() == 1 ? " time since" : " times since");
    }
}
