package io.github.errorpages;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.format.SignStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses and formats the {@code Retry-After} header field (RFC 9110 §10.2.3):
 * {@code Retry-After = HTTP-date / delay-seconds}.
 *
 * <p>Parsing follows the recipient rules (R11): all three HTTP-date forms are accepted (IMF-fixdate,
 * the obsolete RFC 850 form and asctime, RFC 9110 §5.6.7), and IMF-fixdate with a one-digit day, as Java's
 * {@code DateTimeFormatter.RFC_1123_DATE_TIME} writes it; a date in the past means "now" (zero), and
 * anything else (a negative or decimal number, an ISO-8601 date, junk, an empty value) is ignored, as if
 * the header were absent. Formatting follows the sender rules (R7): delay-seconds as a non-negative
 * integer, dates only in IMF-fixdate.
 *
 * <p>This class has static methods only and is thread-safe.
 *
 * @since 0.1.0
 */
public final class RetryAfter {

    private static final Pattern DELAY_SECONDS = Pattern.compile("[0-9]+");

    /** The first and the last instant an HTTP-date's four-digit year can hold. */
    private static final Instant FIRST_HTTP_DATE = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LAST_HTTP_DATE = Instant.parse("9999-12-31T23:59:59.999999999Z");

    /**
     * {@code Sun, 06 Nov 1994 08:49:37 GMT}; the one form a sender may generate. The year is exactly four digits
     * (4DIGIT): the pattern letters {@code uuuu} also read a signed longer year ({@code +10000}).
     */
    private static final DateTimeFormatter IMF_FIXDATE = imfFixdate("dd");

    /**
     * {@code Thu, 3 Dec 2026 10:00:00 GMT}: IMF-fixdate with a one-digit day, no HTTP-date, but what Java's
     * {@code DateTimeFormatter.RFC_1123_DATE_TIME} writes in a month's first nine days, so what many Java upstreams
     * send; ignored, their {@code Retry-After} counted for nothing on those days.
     */
    private static final DateTimeFormatter IMF_FIXDATE_ONE_DIGIT_DAY = imfFixdate("d");

    /**
     * {@code 06-Nov-94 08:49:37 GMT}: the RFC 850 form after its full day name, which is checked separately
     * because the two-digit year must first be pivoted (RFC 9110 §5.6.7) before the day can be checked.
     */
    private static final DateTimeFormatter RFC_850_WITHOUT_DAY = new DateTimeFormatterBuilder()
            .appendValue(ChronoField.DAY_OF_MONTH, 2)
            .appendLiteral('-')
            .appendText(ChronoField.MONTH_OF_YEAR, TextStyle.SHORT)
            .appendLiteral('-')
            .appendValueReduced(ChronoField.YEAR, 2, 2, 2000)
            .appendLiteral(' ')
            .appendPattern("HH:mm:ss")
            .appendLiteral(" GMT")
            .toFormatter(Locale.US)
            .withResolverStyle(ResolverStyle.STRICT);

    /** {@code Sun Nov  6 08:49:37 1994}; the day is space-padded. */
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
            .appendText(ChronoField.DAY_OF_WEEK, TextStyle.SHORT)
            .appendLiteral(' ')
            .appendText(ChronoField.MONTH_OF_YEAR, TextStyle.SHORT)
            .appendLiteral(' ')
            .padNext(2)
            .appendValue(ChronoField.DAY_OF_MONTH, 1, 2, SignStyle.NOT_NEGATIVE)
            .appendLiteral(' ')
            .appendPattern("HH:mm:ss")
            .appendLiteral(' ')
            .appendValue(ChronoField.YEAR, 4)
            .toFormatter(Locale.US)
            .withResolverStyle(ResolverStyle.STRICT);

    /**
     * A leap second's time of day ({@code 23:59:60}), which the grammar allows (RFC 9110 §5.6.7: seconds 00-60) and
     * java.time's formatters refuse.
     */
    private static final Pattern LEAP_SECOND = Pattern.compile("(?<= [0-9]{2}:[0-9]{2}):60(?= |$)");

    private RetryAfter() {
    }

    private static DateTimeFormatter imfFixdate(String day) {
        return new DateTimeFormatterBuilder()
                .appendPattern("EEE, " + day + " MMM ")
                .appendValue(ChronoField.YEAR, 4)
                .appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.US)
                .withZone(ZoneOffset.UTC)
                .withResolverStyle(ResolverStyle.STRICT);
    }

    /**
     * Parses a {@code Retry-After} value into the delay from now.
     *
     * @param value the field value as received, or {@code null} when the header is absent
     * @param clock the clock that says what "now" is for an HTTP-date
     * @return the delay (zero for a date in the past), or empty when the value is absent or invalid
     * @throws NullPointerException if {@code clock} is null
     */
    public static Optional<Duration> parse(@Nullable String value, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (DELAY_SECONDS.matcher(v).matches()) {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
            } catch (NumberFormatException tooLarge) {
                // More seconds than a long holds: effectively "never", which the caller clamps anyway.
                return Optional.of(Duration.ofSeconds(Long.MAX_VALUE));
            }
        }
        return parseHttpDate(v, clock).map(date -> {
            Duration delay = Duration.between(clock.instant(), date);
            return delay.isNegative() ? Duration.ZERO : delay;
        });
    }

    /**
     * Parses an HTTP-date in any of the three forms of RFC 9110 §5.6.7.
     *
     * @param value the date, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}
     * @return the instant, or empty when the value is no valid HTTP-date
     * @throws NullPointerException if {@code value} is null
     */
    public static Optional<Instant> parseHttpDate(String value) {
        return parseHttpDate(Objects.requireNonNull(value, "value"), Clock.systemUTC());
    }

    private static Optional<Instant> parseHttpDate(String value, Clock clock) {
        String v = value.trim();
        Matcher leapSecond = LEAP_SECOND.matcher(v);
        if (leapSecond.find()) {
            // The second before it, and one more: 23:59:60 is read as the next day's 00:00:00.
            return parseHttpDateForms(leapSecond.replaceFirst(":59"), clock).map(instant -> instant.plusSeconds(1));
        }
        return parseHttpDateForms(v, clock);
    }

    /**
     * The three forms, resolved strictly: {@code 24:00:00} and {@code 31 Feb} are no dates (a smart resolver took
     * them for the next day and the 28th, and checked the day's name against neither).
     */
    private static Optional<Instant> parseHttpDateForms(String v, Clock clock) {
        try {
            return Optional.of(ZonedDateTime.parse(v, IMF_FIXDATE).toInstant());
        } catch (DateTimeException notImf) {
            // fall through to the obsolete forms
        }
        if (v.length() == 28) {
            try {
                return Optional.of(ZonedDateTime.parse(v, IMF_FIXDATE_ONE_DIGIT_DAY).toInstant());
            } catch (DateTimeException notImfOfOneDigit) {
                // fall through
            }
        }
        int comma = v.indexOf(", ");
        if (comma > 0) {
            try {
                LocalDateTime parsed = pivotTwoDigitYear(LocalDateTime.parse(v.substring(comma + 2), RFC_850_WITHOUT_DAY), clock);
                String day = parsed.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
                return day.equals(v.substring(0, comma))
                        ? Optional.of(parsed.toInstant(ZoneOffset.UTC)) : Optional.empty();
            } catch (DateTimeException notRfc850) {
                // fall through
            }
        }
        try {
            return Optional.of(LocalDateTime.parse(v, ASCTIME).toInstant(ZoneOffset.UTC));
        } catch (DateTimeException notAsctime) {
            return Optional.empty();
        }
    }

    /**
     * Formats a delay as delay-seconds, rounding a fraction of a second up so a client never comes
     * back early.
     *
     * @param delay the delay; must not be negative
     * @return a non-negative decimal integer, e.g. {@code 30}
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public static String formatDelaySeconds(Duration delay) {
        if (Objects.requireNonNull(delay, "delay").isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, but was " + delay);
        }
        return Long.toString(ceilSeconds(delay));
    }

    /**
     * Formats an instant as an IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}.
     *
     * @param instant the instant, truncated to whole seconds
     * @return the HTTP-date
     * @throws NullPointerException if {@code instant} is null
     * @throws IllegalArgumentException if {@code instant} is before the year 1 or after the year 9999, which an
     *     IMF-fixdate's four-digit year cannot hold
     */
    public static String formatHttpDate(Instant instant) {
        if (Objects.requireNonNull(instant, "instant").isBefore(FIRST_HTTP_DATE) || instant.isAfter(LAST_HTTP_DATE)) {
            throw new IllegalArgumentException("an HTTP-date holds the years 1 to 9999, but the instant was " + instant);
        }
        return IMF_FIXDATE.format(instant);
    }

    /**
     * Formats the instant a delay from now as an IMF-fixdate, never earlier than {@code now + delay}: an
     * IMF-fixdate has no fraction of a second, so {@code now} is rounded up to the next whole second first.
     * Otherwise 10:00:00.999 plus one second would be written as 10:00:01, a delay of one millisecond (R10).
     *
     * @param now the current instant
     * @param delay the delay, whole seconds
     * @return the HTTP-date
     */
    static String formatHttpDate(Instant now, Duration delay) {
        return formatHttpDate(ceilToSecond(now).plus(delay));
    }

    /**
     * Rounds an instant up to the whole second, for an IMF-fixdate that must not name a time before it.
     *
     * @param instant the instant, before {@link Instant#MAX}'s second
     * @return the instant itself when on a whole second, else the next whole second
     */
    static Instant ceilToSecond(Instant instant) {
        return Instant.ofEpochSecond(instant.getEpochSecond() + (instant.getNano() == 0 ? 0 : 1));
    }

    /**
     * Returns the whole seconds of a duration, rounded up.
     *
     * @param delay a non-negative duration
     * @return {@code ceil(delay)} in seconds
     */
    static long ceilSeconds(Duration delay) {
        // Saturated: the longest Duration (ChronoUnit.FOREVER's) rounded up would overflow to a negative value.
        return delay.getNano() == 0 || delay.getSeconds() == Long.MAX_VALUE ? delay.getSeconds() : delay.getSeconds() + 1;
    }

    /**
     * RFC 9110 §5.6.7: a timestamp with a two-digit year that appears to be more than 50 years in the future is
     * taken as in the most recent past year with the same last two digits; so the century is the latest that puts
     * it no more than 50 years ahead. {@link DateTimeFormatter} has put it in 2000–2099: from 2050 on, a year such
     * as {@code 01} is 2101 and no longer 2001. Compared as timestamps, not years: in the year 50 years ahead, a
     * date past today's is more than 50 years ahead.
     *
     * @throws DateTimeException for 29 February in a century year that has none (2000's, moved to 1900 or 2100)
     */
    private static LocalDateTime pivotTwoDigitYear(LocalDateTime parsed, Clock clock) {
        LocalDateTime fiftyYearsAhead = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).plusYears(50);
        LocalDateTime result = parsed;
        while (result.isAfter(fiftyYearsAhead)) {
            result = result.minusYears(100);
        }
        while (!result.plusYears(100).isAfter(fiftyYearsAhead)) {
            result = result.plusYears(100);
        }
        if (result.getDayOfMonth() != parsed.getDayOfMonth()) {
            // plusYears and minusYears make 29 February the 28th where the year has none: no date, as 31 Feb is none.
            throw new DateTimeException("no 29 February in " + result.getYear());
        }
        return result;
    }
}
