package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.testing.SupportCodeSearch;
import io.github.errorpages.upstream.internal.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
     * trace, and how many repeats since. The search troubleshooting.md gives for a user's code finds that user's two
     * lines alone, the first user's too, though the repeats name that code: as {@code for support code CODE}, found
     * from the trace, where {@code support_code=CODE} had the search find them all. The pages hold none of it (R36).
     */
    @Test
    void aBugsRepeatWithinAMinuteNamesTheLineWithItsStackTraceInsteadOfPrintingItAgain() { // R36
        ErrorPages pages = ErrorPages.builder().clock(clock).build();
        List<UpstreamFailureException> occurrences = ordersBug(3);
        List<ErrorResponse> answered = new ArrayList<>();

        String first = StandardError.capture(() ->
                answered.add(pages.handle(occurrences.get(0), REQUEST).orElseThrow()));
        clock.advance(Duration.ofSeconds(30));
        String repeats = StandardError.capture(() -> {
            answered.add(pages.handle(occurrences.get(1), REQUEST).orElseThrow());
            answered.add(pages.handle(occurrences.get(2), REQUEST).orElseThrow());
        });

        String traced = answered.get(0).supportCode();
        assertThat(first).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + traced + ")\n")
                .contains("Caused by: java.lang.CloneNotSupportedException: boom for order 0, replica 10.1.2.3:5432")
                .contains("\tat io.github.errorpages.");
        assertThat(repeats).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + answered.get(1).supportCode() + ") "
                + "io.github.errorpages.UpstreamFailureException: upstream 'orders' failed: proxy_internal_error; "
                + "root cause java.lang.CloneNotSupportedException: boom for order 1, replica 10.1.2.3:5432; stack "
                + "trace as logged for support code " + traced + " at 2026-12-07T18:45:12Z, repeated 1 time since\n")
                .containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + answered.get(2).supportCode() + ") "
                + "io.github.errorpages.UpstreamFailureException: upstream 'orders' failed: proxy_internal_error; "
                + "root cause java.lang.CloneNotSupportedException: boom for order 2, replica 10.1.2.3:5432; stack "
                + "trace as logged for support code " + traced + " at 2026-12-07T18:45:12Z, repeated 2 times since\n")
                .doesNotContain("\tat ", "Caused by");
        String log = first + repeats;
        for (ErrorResponse page : answered) {
            assertThat(page.bodyText()).doesNotContain("boom", "10.1.2.3", "Exception", "stack trace");
            assertTheSearchForItsCodeFindsItsTwoLinesAlone(log, page.supportCode());
        }
        assertThat(log.lines().filter(line -> line.contains("stack trace as logged for support code " + traced
                + " at "))).as("the repeats, found from the trace's code, %s", log).hasSize(2);
    }

    /**
     * The search troubleshooting.md gives for a user's support code finds that user's two lines, the page's WARN line
     * and the ERROR line of what was thrown, and no other user's: a repeat named the trace's code as
     * {@code support_code=}, so the search for the first user's code found every repeat's line too.
     */
    private static void assertTheSearchForItsCodeFindsItsTwoLinesAlone(String log, String supportCode) {
        assertThat(SupportCodeSearch.linesOf(log, supportCode)).as("the lines of %s in %s", supportCode, log)
                .satisfiesExactly(
                        line -> assertThat(line).contains("WARN io.github.errorpages.ErrorPages - error page "
                                + "status=500 cause=proxy_internal_error upstream=orders ")
                                .endsWith(" support_code=" + supportCode),
                        line -> assertThat(line).contains("ERROR io.github.errorpages.ErrorPages - "
                                + "proxy_internal_error: what was thrown (upstream=orders, support_code=" + supportCode
                                + ")"));
    }

    /**
     * With the {@link ErrorPages} clock fixed (tests, pages rendered for a set time), a bug's stack trace is printed
     * again a minute after its first, as with any clock: the minute is timed on {@code nanoTime}. On the fixed clock
     * alone no minute ever ended: the trace was printed once for the instance's life, and every repeat named a line
     * that log rotation deletes. The repeats name the trace by the fixed clock's time.
     */
    @Test
    void withAFixedErrorPagesClockABugsTraceIsPrintedAgainAMinuteLater() {
        AtomicLong nanos = new AtomicLong(-Duration.ofSeconds(30).toNanos());
        InternalErrors errors = new InternalErrors(new StackTraceLimiter(Clock.fixed(START, ZoneOffset.UTC),
                nanos::get, StackTraceLimiter.WINDOW, StackTraceLimiter.MAX_TRACKED));
        List<UpstreamFailureException> occurrences = ordersBug(4);

        String log = StandardError.capture(() -> {
            errors.write(FAILURE, occurrences.get(0), "DJDS-FH9Y");
            nanos.addAndGet(Duration.ofSeconds(59).toNanos());
            errors.write(FAILURE, occurrences.get(1), "NEW1-CODE");
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            errors.write(FAILURE, occurrences.get(2), "NEW2-CODE");
            errors.write(FAILURE, occurrences.get(3), "NEW3-CODE");
        });

        assertThat(log).containsOnlyOnce("proxy_internal_error: what was thrown (upstream=orders, "
                + "support_code=DJDS-FH9Y)\n")
                .contains("(upstream=orders, support_code=NEW1-CODE) io.github.errorpages.UpstreamFailureException: ")
                .contains("; stack trace as logged for support code DJDS-FH9Y at 2026-12-07T18:45:12Z, repeated 1 "
                + "time since\n")
                .containsOnlyOnce("proxy_internal_error: what was thrown (upstream=orders, support_code=NEW2-CODE)\n")
                .contains("(upstream=orders, support_code=NEW3-CODE) io.github.errorpages.UpstreamFailureException: ")
                .contains("; stack trace as logged for support code NEW2-CODE at 2026-12-07T18:45:12Z, repeated 1 "
                + "time since\n");
        assertThat(Pattern.compile("Caused by: java\\.lang\\.CloneNotSupportedException").matcher(log).results()
                .count()).as("two traces, %s", log).isEqualTo(2);
    }

    /**
     * A repeat's line is one line: a {@code toString()} holding a CR or LF (a message quoting a request, or a forged
     * log line) has them escaped as {@code \r} and {@code \n}. Its root cause is the chain's real root, past the 8
     * links that tell one bug from another; a chain that comes back to itself names its last link as such, and one
     * longer than any root cause worth walking to names the last cause read by its place.
     */
    @Test
    void aRepeatsLineIsOneLineAndNamesTheRealRootCause() {
        InternalErrors errors = new InternalErrors(new StackTraceLimiter(clock));
        List<Throwable> forged = new ArrayList<>();
        List<Throwable> long10 = new ArrayList<>();
        List<Throwable> cyclic = new ArrayList<>();
        List<Throwable> long100 = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            forged.add(new IllegalStateException("boom\r\nERROR io.github.errorpages.ErrorPages - forged " + i,
                    new CloneNotSupportedException("root\nline " + i)));
            long10.add(chainOf(10, new CloneNotSupportedException("the real root " + i)));
            IllegalStateException outer = new IllegalStateException("outer " + i);
            IllegalArgumentException inner = new IllegalArgumentException("inner " + i, outer);
            outer.initCause(inner);
            cyclic.add(outer);
            long100.add(chainOf(100, new CloneNotSupportedException("too deep " + i)));
        }
        for (List<Throwable> bug : List.of(forged, long10, cyclic, long100)) {
            StandardError.capture(() -> errors.write(FAILURE, bug.get(0), "FRST-CODE")); // the trace
        }

        String repeats = StandardError.capture(() -> {
            for (List<Throwable> bug : List.of(forged, long10, cyclic, long100)) {
                errors.write(FAILURE, bug.get(1), "RPT1-CODE");
            }
        });

        String line = "ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was thrown (upstream=orders, "
                + "support_code=RPT1-CODE) ";
        String named = "; stack trace as logged for support code FRST-CODE at 2026-12-07T18:45:12Z, repeated 1 time "
                + "since\n";
        assertThat(repeats).containsOnlyOnce(line + "java.lang.IllegalStateException: boom\\r\\nERROR "
                + "io.github.errorpages.ErrorPages - forged 1; root cause java.lang.CloneNotSupportedException: "
                + "root\\nline 1" + named)
                .containsOnlyOnce(line + "java.lang.IllegalStateException: link 0; root cause "
                + "java.lang.CloneNotSupportedException: the real root 1" + named)
                .containsOnlyOnce(line + "java.lang.IllegalStateException: outer 1; last cause of a cyclic chain "
                + "java.lang.IllegalArgumentException: inner 1" + named)
                .containsOnlyOnce(line + "java.lang.IllegalStateException: link 0; cause 64 of a longer chain "
                + "java.lang.IllegalStateException: link 64" + named);
        assertThat(repeats.lines()).as("one line each: %s", repeats).hasSize(4);
    }

    /**
     * {@code links} exceptions, {@code link 0} outermost, each the cause of the one before, {@code root} the last's.
     */
    private static Throwable chainOf(int links, Throwable root) {
        Throwable chain = root;
        for (int i = links - 1; i >= 0; i--) {
            chain = new IllegalStateException("link " + i, chain);
        }
        return chain;
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
