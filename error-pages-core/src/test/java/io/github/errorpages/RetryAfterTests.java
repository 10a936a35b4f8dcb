package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry-After syntax, standards R7 (sender) and R11 (recipient). */
class RetryAfterTests {

    /** 1994-11-06T08:49:37Z, the RFC's example instant. */
    private static final Instant RFC_EXAMPLE = Instant.parse("1994-11-06T08:49:37Z");
    private static final Clock TWO_MINUTES_BEFORE = Clock.fixed(RFC_EXAMPLE.minusSeconds(120), ZoneOffset.UTC);
    private static final Pattern R7 = Pattern.compile(
            "^\\d+$|^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} "
                    + "\\d{2}:\\d{2}:\\d{2} GMT$");

    @Test
    void parsesDelaySeconds() { // R11
        assertThat(RetryAfter.parse("120", TWO_MINUTES_BEFORE)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", TWO_MINUTES_BEFORE)).contains(Duration.ZERO);
    }

    @Test
    void parsesAllThreeHttpDateForms() { // R11, RFC 9110 §5.6.7
        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", TWO_MINUTES_BEFORE)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", TWO_MINUTES_BEFORE)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", TWO_MINUTES_BEFORE)).contains(Duration.ofSeconds(120));
    }

    /**
     * Java's DateTimeFormatter.RFC_1123_DATE_TIME writes a one-digit day ("Sun, 6 Nov 1994"), no HTTP-date: a Java
     * upstream's Retry-After was ignored in a month's first nine days. Read as the IMF-fixdate it means to be; a
     * wrong day's name or a one-digit day in another form stays no date.
     */
    @Test
    void aNullArgumentIsNamed() {
        assertThatNullPointerException().isThrownBy(() -> RetryAfter.parseHttpDate(null)).withMessage("value");
        assertThatNullPointerException().isThrownBy(() -> RetryAfter.formatHttpDate(null)).withMessage("instant");
    }

    @Test
    void readsTheOneDigitDayJavasRfc1123FormatterWrites() { // R11
        String written = DateTimeFormatter.RFC_1123_DATE_TIME.format(RFC_EXAMPLE.atZone(ZoneOffset.UTC));

        assertThat(written).isEqualTo("Sun, 6 Nov 1994 08:49:37 GMT");
        assertThat(RetryAfter.parse(written, TWO_MINUTES_BEFORE)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parseHttpDate("Mon, 6 Nov 1994 08:49:37 GMT")).isEmpty();
        assertThat(RetryAfter.parseHttpDate("Sun, 6 Nov 1994 8:49:37 GMT")).isEmpty();
        assertThat(RetryAfter.parseHttpDate("Sunday, 6-Nov-94 08:49:37 GMT")).isEmpty();
    }

    /**
     * Times and days that do not exist are no dates, in each form: {@code 24:00:00} was taken for the next day's
     * midnight (its day's name unchecked) and 31 February for the 28th, and honoured as an upstream's Retry-After.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Thu, 03 Dec 2026 24:00:00 GMT", "Thursday, 03-Dec-26 24:00:00 GMT",
        "Thu Dec  3 24:00:00 2026", "Sat, 31 Feb 2026 10:00:00 GMT", "Thu, 03 Dec 2026 10:60:00 GMT",
        "Thu, 03 Dec 2026 10:00:61 GMT"})
    void aTimeOrDayThatDoesNotExistIsNoDate(String value) { // R11
        assertThat(RetryAfter.parseHttpDate(value)).isEmpty();
    }

    /** A leap second is a valid second (RFC 9110 §5.6.7: 00-60), in each form: the one before it, and one more. */
    @Test
    void aLeapSecondIsTheNextDaysMidnight() { // R11
        Instant midnight = Instant.parse("2017-01-01T00:00:00Z");

        assertThat(RetryAfter.parseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT")).contains(midnight);
        assertThat(RetryAfter.parseHttpDate("Saturday, 31-Dec-16 23:59:60 GMT")).contains(midnight);
        assertThat(RetryAfter.parseHttpDate("Sat Dec 31 23:59:60 2016")).contains(midnight);
    }

    @Test
    void rfc850TwoDigitYearTooFarAheadIsTheLastCentury() {
        Clock in2026 = Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC);

        assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", in2026)).contains(Duration.ZERO);
        assertThat(RetryAfter.parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).contains(RFC_EXAMPLE);
        assertThat(RetryAfter.parse("Tuesday, 24-Nov-26 00:00:30 GMT", in2026)).contains(Duration.ofSeconds(30));
        // The year 50 years ahead: up to this moment in it, not more than 50 years ahead (2076); after it, more
        // (1976, a Friday; 2076-12-31 is a Thursday). Compared by year, the whole of '76 was 2076.
        assertThat(RetryAfter.parse("Tuesday, 24-Nov-76 00:00:00 GMT", in2026)).contains(
                Duration.between(Instant.parse("2026-11-24T00:00:00Z"), Instant.parse("2076-11-24T00:00:00Z")));
        assertThat(RetryAfter.parse("Friday, 31-Dec-76 00:00:00 GMT", in2026)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("Thursday, 31-Dec-76 00:00:00 GMT", in2026)).isEmpty();
    }

    /**
     * The century is the latest that puts the date no more than 50 years ahead, also past 2099: read in 2000–2099
     * only, a date 90 s ahead of a clock on the last minute of 2099 was a date of 2000, its weekday refused.
     */
    @Test
    void rfc850TwoDigitYearMayBeInTheNextCentury() {
        Clock endOf2099 = Clock.fixed(Instant.parse("2099-12-31T23:59:00Z"), ZoneOffset.UTC);

        assertThat(RetryAfter.parse("Friday, 01-Jan-00 00:00:30 GMT", endOf2099)).contains(Duration.ofSeconds(90));
        assertThat(RetryAfter.parse("Saturday, 01-Jan-00 00:00:30 GMT", endOf2099)).as("2000's weekday").isEmpty();
    }

    /**
     * R11, RFC 9110 §5.6.7: a two-digit year exactly 50 years ahead is not "more than 50 years in the future", so
     * it stays ahead, also when that puts it in the next century (2110, read first as 2010 by the formatter).
     */
    @Test
    void rfc850TwoDigitYearExactlyFiftyYearsAheadIsInTheNextCentury() {
        Instant now = Instant.parse("2060-01-01T00:00:00Z");

        assertThat(RetryAfter.parse("Wednesday, 01-Jan-10 00:00:00 GMT", Clock.fixed(now, ZoneOffset.UTC)))
                .contains(Duration.between(now, Instant.parse("2110-01-01T00:00:00Z")));
        assertThat(RetryAfter.parse("Friday, 01-Jan-10 00:00:00 GMT", Clock.fixed(now, ZoneOffset.UTC)))
                .as("2010's weekday").isEmpty();
    }

    /** 29 February of a year 00 is a date in 2000 only: moved to 1900 or 2100 it is none (was the 28th). */
    @Test
    void rfc850TwentyNinthOfFebruaryInACenturyYearWithoutOneIsNoDate() {
        Clock in1940 = Clock.fixed(Instant.parse("1940-01-01T00:00:00Z"), ZoneOffset.UTC);

        assertThat(RetryAfter.parse("Tuesday, 29-Feb-00 00:00:00 GMT", in1940)).isEmpty();
        assertThat(RetryAfter.parse("Wednesday, 29-Feb-00 00:00:00 GMT", in1940)).isEmpty();
        assertThat(RetryAfter.parse("Tuesday, 29-Feb-00 00:00:00 GMT", Clock.fixed(
                Instant.parse("2000-02-28T00:00:00Z"), ZoneOffset.UTC))).contains(Duration.ofDays(1));
    }

    @Test
    void dateInThePastMeansNow() { // R11
        Clock later = Clock.fixed(RFC_EXAMPLE.plusSeconds(3600), ZoneOffset.UTC);

        assertThat(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", later)).contains(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "1.5", "abc", "", "   ", "1994-11-06T08:49:37Z", "120s", "+10", "0x10",
            "Mon, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC", "12 0",
            "Sat, 01 Jan +10000 00:00:00 GMT", "Sat, 1 Jan +10000 00:00:00 GMT"})
    void ignoresInvalidValues(String value) { // R11; an HTTP-date's year is 4DIGIT (RFC 9110 §5.6.7), no "+10000"
        assertThat(RetryAfter.parse(value, TWO_MINUTES_BEFORE)).isEmpty();
    }

    /**
     * R11, RFC 9110 §5.6.7: "HTTP-date is case sensitive", so a day or month name in the wrong case is no date; a
     * field value's surrounding whitespace (OWS, §5.5) is no part of it, also for a caller of parseHttpDate.
     */
    @Test
    void anHttpDateIsCaseSensitiveAndItsSurroundingWhitespaceIgnored() {
        assertThat(RetryAfter.parseHttpDate("sunday, 06-Nov-94 08:49:37 GMT")).isEmpty();
        assertThat(RetryAfter.parseHttpDate("SUNDAY, 06-Nov-94 08:49:37 GMT")).isEmpty();
        assertThat(RetryAfter.parseHttpDate("sun, 06 Nov 1994 08:49:37 GMT")).isEmpty();
        assertThat(RetryAfter.parseHttpDate("Sun, 06 nov 1994 08:49:37 GMT")).isEmpty();
        assertThat(RetryAfter.parseHttpDate(" Sun, 06 Nov 1994 08:49:37 GMT\t")).contains(RFC_EXAMPLE);
        assertThat(RetryAfter.parseHttpDate(" Sunday, 06-Nov-94 08:49:37 GMT ")).contains(RFC_EXAMPLE);
    }

    @Test
    void absentHeaderIsEmpty() {
        assertThat(RetryAfter.parse(null, TWO_MINUTES_BEFORE)).isEmpty();
    }

    @Test
    void hugeDelaySaturatesInsteadOfFailing() {
        assertThat(RetryAfter.parse("99999999999999999999999", TWO_MINUTES_BEFORE))
                .contains(Duration.ofSeconds(Long.MAX_VALUE));
    }

    @Test
    void formatsDelaySecondsRoundingUp() { // R7
        assertThat(RetryAfter.formatDelaySeconds(Duration.ofSeconds(30))).isEqualTo("30").matches(R7);
        assertThat(RetryAfter.formatDelaySeconds(Duration.ofMillis(1001))).isEqualTo("2");
        assertThat(RetryAfter.formatDelaySeconds(Duration.ZERO)).isEqualTo("0");
        // The longest Duration, rounded up, overflowed to a negative value.
        assertThat(RetryAfter.formatDelaySeconds(ChronoUnit.FOREVER.getDuration()))
                .isEqualTo(Long.toString(Long.MAX_VALUE)).matches(R7);
        assertThatIllegalArgumentException().isThrownBy(() -> RetryAfter.formatDelaySeconds(Duration.ofSeconds(-1)))
                .withMessage("delay must not be negative, but was PT-1S");
    }

    @Test
    void formatsImfFixdateOnly() { // R7
        assertThat(RetryAfter.formatHttpDate(RFC_EXAMPLE)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT").matches(R7);
        assertThat(RetryAfter.formatHttpDate(Instant.parse("2026-01-05T03:04:05.999Z")))
                .isEqualTo("Mon, 05 Jan 2026 03:04:05 GMT").matches(R7);
        assertThat(RetryAfter.formatHttpDate(Instant.parse("9999-12-31T23:59:59Z")))
                .isEqualTo("Fri, 31 Dec 9999 23:59:59 GMT").matches(R7);
        // A five-digit year came out as "+10000", no IMF-fixdate.
        assertThatIllegalArgumentException().isThrownBy(
                () -> RetryAfter.formatHttpDate(Instant.parse("+10000-01-01T00:00:00Z")))
                .withMessageContaining("the years 1 to 9999");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryAfter.formatHttpDate(Instant.MIN));
    }

    @Test
    void formattedDateParsesBack() {
        Instant now = Instant.parse("2026-11-24T10:00:00Z");
        String header = RetryAfter.formatHttpDate(now.plusSeconds(45));

        assertThat(RetryAfter.parse(header, Clock.fixed(now, ZoneOffset.UTC))).contains(Duration.ofSeconds(45));
    }
}
