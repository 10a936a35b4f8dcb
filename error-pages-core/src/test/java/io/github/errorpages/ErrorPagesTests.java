package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.page.PageConfig;
import io.github.errorpages.spi.CauseClassifier;
import io.github.errorpages.testing.StandardError;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

class ErrorPagesTests {

    private static final Instant NOW = Instant.parse("2026-11-24T10:15:30Z");
    private static final ErrorPages PAGES = ErrorPages.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

    @Test
    void handlesAnUpstreamFailureAndLeavesOtherExceptionsToTheCaller() {
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);

        assertThat(PAGES.handle(new ConnectException("Connection refused"), request)).hasValueSatisfying(response -> {
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.bodyText()).contains("\"code\": \"connection_refused\"");
        });
        assertThat(PAGES.handle(new IllegalArgumentException("a bug of the application"), request)).isEmpty();
    }

    /**
     * A failure of cause {@code proxy_internal_error} (a bug: here a guarded call whose client threw what no
     * classifier knows, naming a replica's address) has the exception logged with its stack trace, once, at ERROR on
     * this class's logger right after the page's line, under the page's support code (in the line, and in the MDC as
     * {@link ErrorPages#MDC_SUPPORT_CODE}, which the tests' simple logger does not keep), so that on-call finds what
     * broke from the code the user reports. The page holds none of it (R36). Any other
     * cause is an expected failure of an upstream: no exception logged.
     */
    @Test
    void aBugBehindAProxyInternalErrorIsLoggedAtErrorUnderThePagesSupportCodeAndNotShown() { // R33, R36
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);
        Exception bug = new CloneNotSupportedException("boom in the orders client, replica 10.1.2.3:5432");
        UpstreamFailureException thrown = new UpstreamFailureException(UpstreamFailure.builder(
                FailureCause.PROXY_INTERNAL_ERROR).upstream("orders").build(), bug);
        List<Optional<ErrorResponse>> answered = new ArrayList<>();

        String log = StandardError.capture(() -> {
            answered.add(PAGES.handle(thrown, request));
            answered.add(PAGES.handle(new ConnectException("Connection refused: 10.1.2.3:5432"), request));
        });

        ErrorResponse page = answered.get(0).orElseThrow();
        assertThat(page.status()).isEqualTo(500);
        assertThat(page.bodyText()).contains("\"code\": \"proxy_internal_error\"")
                .doesNotContain("boom", "10.1.2.3", "Exception");
        assertThat(log).containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was "
                + "thrown (upstream=orders, support_code=" + page.supportCode() + ")")
                .containsOnlyOnce("boom in the orders client, replica 10.1.2.3:5432")
                .containsOnlyOnce("UpstreamFailureException").containsOnlyOnce("java.lang.CloneNotSupportedException")
                .contains("\tat io.github.errorpages.")
                .containsOnlyOnce("ERROR").contains("cause=connection_refused");
        assertThat(MDC.get(ErrorPages.MDC_SUPPORT_CODE)).as("removed once the line is written").isNull();
    }

    @Test
    void theSupportCodeIsOnThePageInTheJsonAndInTheLogLine() { // R33
        ErrorRequest html = new ErrorRequest("GET", "/", "text/html", "en", null);
        ErrorResponse[] rendered = new ErrorResponse[1];

        String log = StandardError.capture(() -> rendered[0] = PAGES.render(
                UpstreamFailure.builder(FailureCause.CONNECTION_TERMINATED).upstream("billing").build(), html));
        ErrorResponse page = rendered[0];
        ErrorResponse json = PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_TERMINATED),
                new ErrorRequest("GET", "/", "application/json", null, null));

        assertThat(page.supportCode()).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
        assertThat(page.bodyText()).contains("<code translate=\"no\" dir=\"ltr\">" + page.supportCode() + "</code>");
        assertThat(log).contains("support_code=" + page.supportCode()).contains("status=502")
                .contains("cause=connection_terminated").contains("upstream=billing");
        assertThat(json.bodyText()).contains("\"support_code\": \"" + json.supportCode() + "\"");
        assertThat(json.supportCode()).isNotEqualTo(page.supportCode());
        assertThat(MDC.get(ErrorPages.MDC_SUPPORT_CODE)).as("removed once the line is written").isNull();
    }

    /**
     * The log line says why the failure was not retried, in lower snake case beside the attempts, and {@code -} when
     * no retry was weighed; the response, in every format, says nothing of it: a page that told "not_idempotent" or
     * "budget_exhausted" would show how the gateway is set up (R36).
     */
    @Test
    void theLogLineSaysWhyTheFailureWasNotRetriedAndTheResponseDoesNot() { // R36
        UpstreamFailure refused = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(503)
                .upstream("orders").attempts(1).elapsed(Duration.ofMillis(12))
                .retryRefusal(RetryRefusal.BUDGET_EXHAUSTED).build();
        for (String accept : List.of("text/html", "application/json", "text/plain")) {
            ErrorResponse[] rendered = new ErrorResponse[1];

            String log = StandardError.capture(() -> rendered[0] = PAGES.render(refused,
                    new ErrorRequest("GET", "/", accept, "en", null)));

            assertThat(log).contains("upstream=orders attempts=1 elapsed_ms=12 retry_refused=budget_exhausted "
                    + "support_code=" + rendered[0].supportCode());
            assertThat(rendered[0].bodyText() + rendered[0].headers()).as(accept)
                    .doesNotContainIgnoringCase("budget").doesNotContainIgnoringCase("retry_refused");
        }
        String none = StandardError.capture(() -> PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, null)));
        assertThat(none).contains("upstream=- attempts=- elapsed_ms=- retry_refused=- support_code=");
        String maintenance = StandardError.capture(() -> PAGES.renderMaintenance(
                new ErrorRequest("GET", "/", "application/json", null, null), null));
        assertThat(maintenance).contains(" attempts=0 elapsed_ms=- retry_refused=- support_code=");
    }

    /**
     * A failure no guard timed says so in the log line: {@code elapsed_ms=-}, and {@code attempts=-} when nothing
     * counted them, never a false 0 a reader judging timeouts by {@code elapsed_ms} would believe (operations.md).
     * Seen: an application's client read timeout that took 2.05 s, classified from its exception, logged
     * {@code cause=http_response_timeout upstream=- attempts=1 elapsed_ms=0}. What a reporter did set is logged as
     * set, a measured 0 as 0.
     */
    @Test
    void aFailureNoGuardTimedLogsItsTimeAndAttemptsAsUnknownNotAsZero() {
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);

        String classified = StandardError.capture(() -> PAGES.handle(
                new HttpTimeoutException("request timed out"), request));
        String reported = StandardError.capture(() -> PAGES.render(UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS)
                .upstreamStatus(503).upstream("billing").attempts(2).build(), request));
        String measured = StandardError.capture(() -> PAGES.render(UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS)
                .upstreamStatus(503).upstream("billing").attempts(0).elapsed(Duration.ofNanos(300)).build(), request));
        String copied = StandardError.capture(() -> PAGES.render(
                UpstreamFailure.of(FailureCause.CONNECTION_REFUSED).toBuilder().upstream("billing").build(), request));

        assertThat(classified).contains("cause=http_response_timeout upstream=- attempts=- elapsed_ms=- ")
                .doesNotContain("elapsed_ms=0");
        assertThat(reported).contains(" upstream=billing attempts=2 elapsed_ms=- ");
        assertThat(measured).contains(" upstream=billing attempts=0 elapsed_ms=0 ");
        assertThat(copied).as("toBuilder keeps them unknown").contains(" upstream=billing attempts=- elapsed_ms=- ");
    }

    @Test
    void aSafeRequestIdBecomesTheSupportCodeAndAnUnsafeOneDoesNot() { // R39
        ErrorResponse safe = PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, "req-7f3a.b_9"));
        ErrorResponse unsafe = PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, "abc\r\nSet-Cookie: x=1"));

        assertThat(safe.supportCode()).isEqualTo("req-7f3a.b_9");
        assertThat(safe.bodyText()).contains("\"support_code\": \"req-7f3a.b_9\"");
        assertThat(unsafe.supportCode()).doesNotContain("Set-Cookie").hasSize(9);
    }

    /** R39: at most 64 characters are echoed; a longer request id is replaced, however safe its characters. */
    @Test
    void aRequestIdOfMoreThan64CharactersIsNotTaken() { // R39
        String longest = "r".repeat(64);
        String tooLong = "r".repeat(65);

        assertThat(PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, longest)).supportCode()).isEqualTo(longest);
        ErrorResponse replaced = PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, tooLong));
        assertThat(replaced.supportCode()).hasSize(9);
        assertThat(replaced.bodyText()).doesNotContain(tooLong);
    }

    /**
     * A caller's request id in the shape of the library's own codes is not taken: any caller could send the code of
     * another request's page, and the code a user reports would lead to two log lines, not exactly one
     * (troubleshooting.md). Whatever the case of its letters: support may well search for a code read aloud so.
     */
    @ParameterizedTest
    @ValueSource(strings = {"7KQ2-MF4X", "7kq2-mf4x", "ABCD-1234", "IIII-OOOO"})
    void aRequestIdShapedAsTheLibrarysOwnCodesIsNotTaken(String requestId) { // R33, R39
        ErrorResponse page = PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, requestId));

        assertThat(page.supportCode()).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
                .isNotEqualToIgnoringCase(requestId);
        assertThat(PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), new ErrorRequest("GET", "/",
                "application/json", null, requestId + "-1")).supportCode()).as("another shape: the caller's")
                .isEqualTo(requestId + "-1");
    }

    /**
     * A page that shared caches may keep ({@code cache.max-age}) shows a code of the library's, also in its log
     * line, not the caller's request id: any caller could choose that text ("CALL.1-800-...") for everyone the cache
     * serves. A page no cache keeps (no-store, the default) still shows the request's id.
     */
    @Test
    void aPageSharedCachesMayKeepNeverShowsTheCallersRequestId() { // R39, R17
        ErrorPages cached = ErrorPages.builder().pageConfig(PageConfig.builder().cacheMaxAge(Duration.ofSeconds(10))
                .build()).build();
        ErrorRequest chosen = new ErrorRequest("GET", "/", "text/html", "en", "CALL.1-800-555-0199.TO.UNLOCK");
        ErrorResponse[] rendered = new ErrorResponse[2];

        String log = StandardError.capture(() -> {
            rendered[0] = cached.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), chosen);
            rendered[1] = cached.renderMaintenance(chosen, null);
        });

        for (ErrorResponse shared : rendered) {
            assertThat(shared.header("Cache-Control")).startsWith("public, max-age=");
            assertThat(shared.supportCode()).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
            assertThat(shared.bodyText()).doesNotContain("CALL.1-800").contains(shared.supportCode());
            assertThat(log).contains("support_code=" + shared.supportCode());
        }
        assertThat(log).doesNotContain("CALL.1-800");
        assertThat(PAGES.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), chosen).supportCode())
                .as("no-store: the caller's own id").isEqualTo("CALL.1-800-555-0199.TO.UNLOCK");
    }

    @Test
    void theMaintenancePageCountsToTheEndOfTheMaintenance() {
        ErrorRequest request = new ErrorRequest("GET", "/", "text/html", "en", null);

        ErrorResponse response = PAGES.renderMaintenance(request, NOW.plus(Duration.ofMinutes(20)));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("1200");
        assertThat(response.decision().errorCode()).isEqualTo(ErrorPages.MAINTENANCE_ERROR_CODE);
        assertThat(response.bodyText()).contains("We’re down for scheduled maintenance")
                .contains("We expect to be back by 10:36 UTC.").contains("20 minutes"); // 10:35:30, rounded up (R10)
    }

    /**
     * The maintenance's decision alone (for an answer that is no page, such as the servlet filter's robots.txt) is
     * the page's: the same status, error code and Retry-After, counted to the end, capped (R10), or the 503 default
     * when the end is unknown or past (R8); and, rendering nothing, it writes no log line.
     */
    @Test
    void theMaintenanceDecisionIsThePagesWithoutALogLine() {
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);
        for (Instant until : Arrays.asList(NOW.plus(Duration.ofMinutes(20)), NOW.plus(Duration.ofDays(3)),
                NOW.minus(Duration.ofMinutes(1)), null)) {
            ErrorDecision[] decided = new ErrorDecision[1];

            String log = StandardError.capture(() -> decided[0] = PAGES.decideMaintenance(until));

            ErrorDecision page = PAGES.renderMaintenance(request, until).decision();
            assertThat(log).as("until %s", until).doesNotContain("error page");
            assertThat(decided[0]).as("until %s", until).usingRecursiveComparison().isEqualTo(page);
        }
        assertThat(PAGES.decideMaintenance(NOW.plus(Duration.ofMinutes(20))).retryAfterHeader()).isEqualTo("1200");
    }

    /**
     * An end on another day is said with its date, in words each language has for a date: the date was put where
     * the sentence expects a time of day ("a las 2026-11-25 10:16", "um 2026-11-25 10:16").
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            en    | We expect to be back by 10:16 UTC on November 25, 2026.
            de    | Wir sind voraussichtlich am 25. November 2026 um 10:16 UTC wieder da.
            es    | Esperamos volver el 25 de noviembre de 2026 a las 10:16 UTC.
            fr    | Nous prévoyons d’être de retour le 25 novembre 2026 à 10:16 UTC.
            pt    | Devemos voltar em 25 de novembro de 2026 às 10:16 UTC.
            ja    | 2026年11月25日 10:16（UTC）に再開する予定です。
            zh-CN | 预计将于 2026年11月25日 10:16（UTC）恢复。
            ar    | نتوقع العودة في 25 نوفمبر 2026 بحلول الساعة 10:16 بالتوقيت العالمي المنسق (UTC).
            """)
    void anEndOnAnotherDayIsSaidWithItsDateInTheWordsOfTheLanguage(String language, String sentence) {
        ErrorRequest request = new ErrorRequest("GET", "/", "text/plain", language, null);

        ErrorResponse response = PAGES.renderMaintenance(request, NOW.plus(Duration.ofDays(1)));

        assertThat(response.header("Content-Language")).isEqualTo(language);
        assertThat(response.bodyText()).contains(sentence);
    }

    /**
     * Past retry-after.max only the header is capped: the page's words count to the announced end. They said
     * "Please try again in 60 minutes" next to "We expect to be back by 11:56 UTC", a hundred minutes away.
     */
    @Test
    void aMaintenanceLongerThanTheRetryAfterCapIsCountedToItsEndInWords() { // R10
        ErrorRequest html = new ErrorRequest("GET", "/", "text/html", "en", null);
        ErrorRequest json = new ErrorRequest("GET", "/", "application/json", null, null);
        Instant end = NOW.plus(Duration.ofMinutes(100));

        ErrorResponse page = PAGES.renderMaintenance(html, end);

        assertThat(page.header("Retry-After")).isEqualTo("3600");
        assertThat(page.bodyText()).contains("Please try again in <time datetime=\"PT6000S\">100 minutes</time>.")
                .contains("We expect to be back by 11:56 UTC.").doesNotContain("60 minutes");
        assertThat(PAGES.renderMaintenance(json, end).bodyText()).as("the header's delay, for machines")
                .contains("\"retry_after\": 3600");
        ErrorRequest text = new ErrorRequest("GET", "/", "text/plain", "en", null);
        assertThat(PAGES.renderMaintenance(text, NOW.plus(Duration.ofDays(3))).bodyText())
                .contains("Please try again in 3 days.");
    }

    /**
     * From three days the words count days, with no separator in the number: a year-long end was "8,784 Stunden",
     * which a German reader takes for 8.8 hours. Below, hours: days rounded up told "3 days" for an end 48 hours away.
     */
    @Test
    void aMaintenanceDaysAwayIsCountedInDaysWithoutAThousandsSeparator() { // R10
        ErrorRequest german = new ErrorRequest("GET", "/", "text/plain", "de", null);

        assertThat(PAGES.renderMaintenance(german, NOW.plus(Duration.ofDays(3))).bodyText())
                .contains("Bitte versuchen Sie es in 3 Tagen erneut.");
        assertThat(PAGES.renderMaintenance(german, NOW.plus(Duration.ofDays(1365))).bodyText())
                .contains("Bitte versuchen Sie es in 1365 Tagen erneut.");
        assertThat(PAGES.renderMaintenance(new ErrorRequest("GET", "/", "text/plain", "en", null),
                NOW.plus(Duration.ofHours(48).plusMinutes(1))).bodyText()).contains("Please try again in 49 hours.");
    }

    /** Arabic's plural of a count depends on the count modulo 100, which a ChoiceFormat alone cannot tell. */
    @ParameterizedTest(name = "{0} days")
    @CsvSource(delimiter = '|', textBlock = """
            3    | 3 أيام
            11   | 11 يومًا
            100  | 100 يوم
            102  | 102 يوم
            203  | 203 أيام
            366  | 366 يومًا
            1000 | 1000 يوم
            """)
    void arabicDaysTakeThePluralOfTheirCountModulo100(int days, String words) {
        ErrorRequest arabic = new ErrorRequest("GET", "/", "text/plain", "ar", null);

        assertThat(PAGES.renderMaintenance(arabic, NOW.plus(Duration.ofDays(days))).bodyText())
                .contains("يُرجى المحاولة مرة أخرى بعد " + words + ".");
    }

    /** French writes the first of a month as an ordinal, which the long style of CLDR does not. */
    @Test
    void aFrenchEndOnTheFirstOfAMonthIsLePremier() {
        ErrorRequest french = new ErrorRequest("GET", "/", "text/plain", "fr", null);

        assertThat(PAGES.renderMaintenance(french, NOW.plus(Duration.ofDays(7))).bodyText())
                .contains("Nous prévoyons d’être de retour le 1er décembre 2026 à 10:16 UTC.");
        assertThat(PAGES.renderMaintenance(french, NOW.plus(Duration.ofDays(8))).bodyText())
                .contains("le 2 décembre 2026 à 10:16 UTC.");
    }

    /** A countdown would reload the page at the capped header's delay, before the time its words give. */
    @Test
    void aMaintenanceLongerThanTheRetryAfterCapHasNoCountdown() { // R10, R52
        ErrorPages counting = ErrorPages.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .config(ErrorPagesConfig.builder().retryAfterMax(Duration.ofSeconds(30)).build())
                .pageConfig(PageConfig.builder().autoRetryEnabled(true).build()).build();
        ErrorRequest html = new ErrorRequest("GET", "/", "text/html", "en", null);

        ErrorResponse capped = counting.renderMaintenance(html, NOW.plusSeconds(100));
        ErrorResponse within = counting.renderMaintenance(html, NOW.plusSeconds(20));

        assertThat(capped.header("Retry-After")).isEqualTo("30");
        assertThat(capped.bodyText()).contains("100 seconds").doesNotContain("id=\"auto-retry\"");
        assertThat(within.header("Retry-After")).isEqualTo("20");
        assertThat(within.bodyText()).contains("20 seconds").contains("id=\"auto-retry\"");
    }

    /**
     * A countdown reloads the page at its Retry-After, so it is left out where the words, rounded up to their unit,
     * state a later time: a maintenance ending in 270 s ("try again in 5 minutes", "back by 10:20") counted down
     * 270 s, and an upstream's Retry-After of 150 s ("3 minutes") 150 s. Words on the second keep their countdown.
     */
    @Test
    void noCountdownReloadsBeforeTheTimeItsWordsState() { // R10, R52
        ErrorPages counting = ErrorPages.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .pageConfig(PageConfig.builder().autoRetryEnabled(true).build()).build();
        ErrorRequest html = new ErrorRequest("GET", "/", "text/html", "en", null);

        ErrorResponse rounded = counting.renderMaintenance(html, NOW.plusSeconds(270));
        ErrorResponse roundedFailure = counting.render(UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(150)),
                html);
        ErrorResponse wholeMinutes = counting.renderMaintenance(html, NOW.plusSeconds(240));
        ErrorResponse seconds = counting.renderMaintenance(html, NOW.plusSeconds(119));

        assertThat(rounded.header("Retry-After")).isEqualTo("270");
        assertThat(rounded.bodyText()).contains(">5 minutes<").contains("back by 10:20 UTC")
                .doesNotContain("id=\"auto-retry\"");
        assertThat(roundedFailure.header("Retry-After")).isEqualTo("150");
        assertThat(roundedFailure.bodyText()).contains(">3 minutes<").doesNotContain("id=\"auto-retry\"");
        assertThat(wholeMinutes.bodyText()).contains(">4 minutes<").contains("data-seconds=\"240\"");
        assertThat(seconds.bodyText()).contains(">119 seconds<").contains("data-seconds=\"119\"");
    }

    @Test
    void maintenanceWithoutAnEndUsesThe503DefaultAndAFarEndIsClamped() { // R10
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);

        assertThat(PAGES.renderMaintenance(request, null).header("Retry-After")).isEqualTo("30");
        assertThat(PAGES.renderMaintenance(request, NOW.minusSeconds(5)).header("Retry-After")).isEqualTo("30");
        assertThat(PAGES.renderMaintenance(request, NOW).header("Retry-After")).isEqualTo("30");
        // Ending in less than a second is still an end to wait for: the least delay, not the far default.
        assertThat(PAGES.renderMaintenance(request, NOW.plusMillis(300)).header("Retry-After")).isEqualTo("1");
        assertThat(PAGES.renderMaintenance(request, NOW.plus(Duration.ofDays(3))).header("Retry-After")).isEqualTo("3600");
        // The latest instant there is: its minute has no next one to round "back by" up to, which threw.
        ErrorRequest html = new ErrorRequest("GET", "/", "text/html", "en", null);
        assertThat(PAGES.renderMaintenance(html, Instant.MAX).header("Retry-After")).isEqualTo("3600");
        ErrorPages httpDates = ErrorPages.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .config(ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE).build()).build();
        assertThat(httpDates.renderMaintenance(request, NOW.plusSeconds(90)).header("Retry-After"))
                .isEqualTo("Tue, 24 Nov 2026 10:17:00 GMT");
    }

    /**
     * Without a known end (or past it) the maintenance page sends the 503 default as any 503 does: jittered by
     * retry-after.jitter, then clamped, so that the clients it turns away do not all come back in the same second (it
     * sent the bare default to every one). A known end stays exact: jitter would send them past the end the page says.
     */
    @Test
    void maintenanceWithoutAKnownEndIsJitteredAsEvery503DefaultAndAKnownEndIsNot() { // R8, R10
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        ErrorPagesConfig config = ErrorPagesConfig.builder().retryAfterJitter(1.0)
                .retryAfterDefault(503, Duration.ofSeconds(100)).build();
        RandomGenerator drawsOneHalf = () -> Long.MIN_VALUE; // nextDouble() is 0.5
        ErrorPages pages = ErrorPages.builder().clock(clock)
                .policy(ErrorPolicy.of(config, clock, drawsOneHalf)).build();
        ErrorPages capped = ErrorPages.builder().clock(clock).policy(ErrorPolicy.of(
                config.toBuilder().retryAfterMax(Duration.ofSeconds(120)).build(), clock, drawsOneHalf)).build();
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);

        assertThat(pages.render(UpstreamFailure.of(FailureCause.DESTINATION_UNAVAILABLE), request)
                .header("Retry-After")).as("a failure's 503").isEqualTo("150");
        assertThat(pages.renderMaintenance(request, null).header("Retry-After")).isEqualTo("150");
        assertThat(pages.decideMaintenance(NOW.minusSeconds(5)).retryAfterHeader()).isEqualTo("150");
        assertThat(capped.renderMaintenance(request, null).header("Retry-After")).isEqualTo("120");
        assertThat(pages.renderMaintenance(request, NOW.plusSeconds(90)).header("Retry-After")).isEqualTo("90");
    }

    @Test
    void aMaintenanceHttpDateIsNeverEarlierThanItsDelay() { // R7, R10
        // From 10:15:30.999 the 30 s default written as 10:16:00 would be 29.001 s (RFC 9110 §5.6.7 has no
        // fractions): the date is counted from the next whole second.
        ErrorPages httpDates = ErrorPages.builder().clock(Clock.fixed(NOW.plusMillis(999), ZoneOffset.UTC))
                .config(ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE).build()).build();
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);

        assertThat(httpDates.renderMaintenance(request, null).header("Retry-After"))
                .isEqualTo("Tue, 24 Nov 2026 10:16:01 GMT");
    }

    /**
     * An HTTP-date Retry-After of a maintenance with a known end names that end, as configuration.md's
     * retry-after.jitter row promises ("an announced end is sent exact"): the time left, rounded up to 1200 s, was
     * counted from 10:15:30.500 rounded up again, and named 10:35:31 for an end at 10:35:30. An end within a second
     * is rounded up to it (never earlier, R10); one past retry-after.max is still counted from now.
     */
    @Test
    void aMaintenanceHttpDatePointsAtTheAnnouncedEnd() { // R7, R10
        ErrorPages httpDates = ErrorPages.builder().clock(Clock.fixed(NOW.plusMillis(500), ZoneOffset.UTC))
                .config(ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE).build()).build();
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);
        Instant end = NOW.plus(Duration.ofMinutes(20));

        ErrorResponse page = httpDates.renderMaintenance(request, end);

        assertThat(page.header("Retry-After")).isEqualTo("Tue, 24 Nov 2026 10:35:30 GMT");
        assertThat(page.bodyText()).contains("\"retry_after\": 1200");
        assertThat(httpDates.decideMaintenance(end).retryAfterHeader()).isEqualTo("Tue, 24 Nov 2026 10:35:30 GMT");
        assertThat(httpDates.decideMaintenance(end.plusMillis(200)).retryAfterHeader())
                .isEqualTo("Tue, 24 Nov 2026 10:35:31 GMT");
        assertThat(httpDates.decideMaintenance(NOW.plus(Duration.ofDays(3))).retryAfterHeader())
                .as("clamped to retry-after.max").isEqualTo("Tue, 24 Nov 2026 11:15:31 GMT");
    }

    /**
     * The maintenance page's "back by" is rounded up to the minute, as its Retry-After is (R10): 10:17:29 was shown
     * as 10:17, half a minute before the 119 seconds its header and its sentence gave.
     */
    @Test
    void theMaintenancePagesEndIsNeverEarlierThanItsRetryAfter() {
        ErrorRequest request = new ErrorRequest("GET", "/", "text/html", "en", null);

        ErrorResponse response = PAGES.renderMaintenance(request, NOW.plusSeconds(119));

        assertThat(response.header("Retry-After")).isEqualTo("119");
        assertThat(response.bodyText()).contains("We expect to be back by 10:18 UTC.");
    }

    /**
     * The builder's clock dates an HTTP-date Retry-After of a failure's page too, as it dates the page's time and
     * the maintenance page's header: the default policy took the system clock, and one page said two times.
     */
    @Test
    void theBuildersClockDatesTheRetryAfterOfEveryPage() {
        ErrorPages httpDates = ErrorPages.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .config(ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE).build()).build();

        ErrorResponse page = httpDates.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, null));

        // 10 s for a 502, with up to 20 % jitter added, after the clock's 10:15:30.
        assertThat(page.header("Retry-After")).matches("Tue, 24 Nov 2026 10:15:4[0-2] GMT");
    }

    /** An application's own exception type, which only its extension of the classifier knows. */
    static final class InventoryTimeout extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /**
     * A policy carries its own configuration: set beside one, the builder's configuration was silently ignored (a
     * connection refused mapped to 503 there was decided 502 by the policy's defaults). Now the build refuses both.
     */
    @Test
    void refusesAConfigurationBesideAPolicyWhichWouldIgnoreIt() {
        ErrorPages.Builder both = ErrorPages.builder()
                .config(ErrorPagesConfig.builder().status(FailureCause.CONNECTION_REFUSED, 503).build())
                .policy(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()));

        assertThatThrownBy(both::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("both config(...) and policy(...) were set");
    }

    /**
     * The classifier and the policy given to the builder are the ones that answer: the application's extension names
     * its client's exception (a page rather than the exception passed on), and its policy's status override sets the
     * page's status (R2 mapping, configurable).
     */
    @Test
    void answersWithTheBuildersClassifierAndPolicy() {
        CauseClassifier inventory = t -> t instanceof InventoryTimeout
                ? Optional.of(FailureCause.CONNECTION_READ_TIMEOUT) : Optional.empty();
        FailureClassifier classifier = FailureClassifier.of(List.of(inventory));
        ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.builder()
                .status(FailureCause.CONNECTION_READ_TIMEOUT, 503).build());
        ErrorPages pages = ErrorPages.builder().classifier(classifier).policy(policy).build();
        ErrorRequest request = new ErrorRequest("GET", "/", "application/json", null, null);

        assertThat(pages.classifier()).isSameAs(classifier);
        assertThat(pages.policy()).isSameAs(policy);
        assertThat(pages.handle(new InventoryTimeout(), request)).hasValueSatisfying(response -> {
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.bodyText()).contains("\"code\": \"connection_read_timeout\"");
        });
        assertThat(PAGES.handle(new InventoryTimeout(), request)).as("unknown to the defaults").isEmpty();
    }

    /**
     * Built on a thread without a context class loader (one a library or the JVM started, where
     * {@code getContextClassLoader()} is null), the templates of a class-path folder are looked up through the
     * library's own loader: the application's 504 page, not a startup failure or the built-in page.
     */
    @Test
    void findsClasspathTemplatesOnAThreadWithoutAContextClassLoader() throws Exception {
        CompletableFuture<ErrorPages> built = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                built.complete(ErrorPages.builder()
                        .pageConfig(PageConfig.builder().templateClasspathFolder("error-pages-test/templates").build())
                        .build());
            } catch (Throwable e) {
                built.completeExceptionally(e);
            }
        });
        thread.setContextClassLoader(null);
        thread.start();

        ErrorPages pages = built.get(30, TimeUnit.SECONDS);

        assertThat(pages.handle(new SocketTimeoutException("Connect timed out"),
                new ErrorRequest("GET", "/", "text/plain", null, null))).hasValueSatisfying(response -> {
                    assertThat(response.status()).isEqualTo(504);
                    assertThat(response.bodyText()).startsWith("classpath 504 template: ");
                });
    }

    @Test
    void exposesItsConfiguration() {
        PageConfig config = PageConfig.builder().autoRetryEnabled(true).build();

        assertThat(ErrorPages.builder().pageConfig(config).build().pageConfig()).isSameAs(config);
        assertThat(ErrorPages.ofDefaults().pageConfig()).isSameAs(PageConfig.ofDefaults());
    }
}
