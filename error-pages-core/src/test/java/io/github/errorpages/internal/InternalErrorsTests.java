package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.internal.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The ERROR line of a bug behind a {@code proxy_internal_error} ({@link InternalErrors}), as {@link ErrorPages#handle}
 * and the servlet module write it: the stack trace once a minute per bug and per {@link ErrorPages}, and in between a
 * line per occurrence, under its own support code, naming the line that has the trace.
 */
class InternalErrorsTests {

    private static final Instant START = Instant.parse("2026-12-07T18:45:12.345Z");
    private static final ErrorRequest REQUEST = new ErrorRequest("GET", "/", "application/json", null, null);
    private static final UpstreamFailure FAILURE =
            UpstreamFailure.builder(FailureCause.PROXY_INTERNAL_ERROR).upstream("orders").build();

    private final MutableClock clock = new MutableClock(START);

    /**
     * A bug failing request after request: the first page's ERROR line has the stack trace; a repeat's line, 30 s
     * later, keeps the message with its own support code (every code the users report finds its line) and says, in
     * place of the trace, what was thrown and its root cause, and the support code and time of the line with the
     * trace, and how many repeats since. A minute after the trace, the next line has the trace again. The pages hold
     * none of it (R36).
     */
    @Test
    void aBugsRepeatWithinAMinuteNamesTheLineWithItsStackTraceInsteadOfPrintingItAgain() { // R36
        ErrorPages pages = ErrorPages.builder().clock(clock).build();
        List<UpstreamFailureException> occurrences = ordersBug(4);
        List<ErrorResponse> answered = new ArrayList<>();

        String first = StandardError.capture(() ->
                answered.add(pages.handle(occurrences.get(0), REQUEST).orElseThrow()));
        clock.advance(Duration.ofSeconds(30));
        String repeats = StandardError.capture(() -> {
            answered.add(pages.handle(occurrences.get(1), REQUEST).orElseThrow());
            answered.add(pages.handle(occurrences.get(2), REQUEST).orElseThrow());
        });
        clock.advance(Duration.ofSeconds(30));
        String afterAMinute = StandardError.capture(() ->
                answered.add(pages.handle(occurrences.get(3), REQUEST).orElseThrow()));

        String traced = answered.get(0).supportCode();
        assertThat(first).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + traced + ")\n")
                .contains("Caused by: java.lang.CloneNotSupportedException: boom for order 0, replica 10.1.2.3:5432")
                .contains("\tat io.github.errorpages.");
        assertThat(repeats).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + answered.get(1).supportCode() + ") "
                + "io.github.errorpages.UpstreamFailureException: upstream 'orders' failed: proxy_internal_error; "
                + "root cause java.lang.CloneNotSupportedException: boom for order 1, replica 10.1.2.3:5432; stack "
                + "trace as logged under support_code=" + traced + " at 2026-12-07T18:45:12Z, repeated 1 time since\n")
                .containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + answered.get(2).supportCode() + ") "
                + "io.github.errorpages.UpstreamFailureException: upstream 'orders' failed: proxy_internal_error; "
                + "root cause java.lang.CloneNotSupportedException: boom for order 2, replica 10.1.2.3:5432; stack "
                + "trace as logged under support_code=" + traced + " at 2026-12-07T18:45:12Z, repeated 2 times since\n")
                .doesNotContain("\tat ", "Caused by");
        assertThat(afterAMinute).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what "
                + "was thrown (upstream=orders, support_code=" + answered.get(3).supportCode() + ")\n")
                .contains("Caused by: java.lang.CloneNotSupportedException: boom for order 3")
                .contains("\tat io.github.errorpages.");
        for (ErrorResponse page : answered) {
            assertThat(page.bodyText()).doesNotContain("boom", "10.1.2.3", "Exception", "stack trace");
        }
    }

    /**
     * A bug behind answers with no page (a response aborted once committed, {@code /robots.txt}) is logged as
     * {@code no page} alike: its repeat names the trace by the line's time, or by its support code when the trace was
     * a page's; a {@code getMessage()} that throws fails neither line. Each {@link ErrorPages} counts its own traces:
     * another application's first occurrence of the bug prints its trace.
     */
    @Test
    void aRepeatWithNoPageNamesTheTraceByItsTimeAndEachErrorPagesCountsItsOwn() {
        ErrorPages pages = ErrorPages.builder().clock(clock).build();
        ErrorPages another = ErrorPages.builder().clock(clock).build();
        List<UpstreamFailureException> occurrences = brokenBug(4);

        String log = StandardError.capture(() -> {
            InternalErrors.log(pages, FAILURE, occurrences.get(0), null);
            clock.advance(Duration.ofMillis(1_000));
            InternalErrors.log(pages, FAILURE, occurrences.get(1), null);
            InternalErrors.log(pages, FAILURE, occurrences.get(2), "NEW2-CODE");
            InternalErrors.log(another, FAILURE, occurrences.get(3), null);
        });

        String broken = occurrences.get(0).getCause().getClass().getName();
        assertThat(log).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, no page) io.github.errorpages.UpstreamFailureException: upstream 'orders' "
                + "failed: proxy_internal_error; root cause " + broken + "; stack trace as logged with no page at "
                + "2026-12-07T18:45:12Z, repeated 1 time since\n")
                .containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=NEW2-CODE) io.github.errorpages.UpstreamFailureException: "
                + "upstream 'orders' failed: proxy_internal_error; root cause " + broken + "; stack trace as logged "
                + "with no page at 2026-12-07T18:45:12Z, repeated 2 times since\n");
        // A trace's line ends with the message; the stand-in of an exception that cannot be printed follows it.
        Matcher traces = Pattern.compile("ERROR io\\.github\\.errorpages\\.ErrorPages - proxy_internal_error: what was "
                + "thrown \\(upstream=orders, no page\\)\\njava\\.lang\\.IllegalStateException: an exception that "
                + "cannot be printed: io\\.github\\.errorpages\\.UpstreamFailureException: upstream 'orders' failed: "
                + "proxy_internal_error\\n\\tat ").matcher(log);
        assertThat(traces.results().count()).as("one trace each, %s", log).isEqualTo(2);
    }

    /** Occurrences of one bug of the orders client's, each with a message of its own, as a guard wraps it. */
    private static List<UpstreamFailureException> ordersBug(int count) {
        List<UpstreamFailureException> occurrences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            occurrences.add(new UpstreamFailureException(FAILURE, new CloneNotSupportedException("boom for order " + i
                    + ", replica 10.1.2.3:5432")));
        }
        return occurrences;
    }

    /** Occurrences of one bug whose exception's getMessage() throws. */
    private static List<UpstreamFailureException> brokenBug(int count) {
        List<UpstreamFailureException> occurrences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            occurrences.add(new UpstreamFailureException(FAILURE, new IllegalStateException() {
                @Override
                public String getMessage() {
                    throw new IllegalStateException("getMessage failed");
                }
            }));
        }
        return occurrences;
    }
}
