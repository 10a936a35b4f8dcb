package io.github.errorpages.internal;

import java.time.Duration;

/**
 * A duration as the configuration is written ({@code 2h}, {@code 12s}, {@code 500ms}), for the messages that name a
 * setting's value or bound: a refusal, a startup log line. {@link Duration#toString()} wrote {@code PT1H} next to a
 * value the operator wrote {@code 2h}, a notation to translate; the code's own user, who wrote
 * {@code Duration.ofSeconds(12)}, reads {@code 12s} as well.
 *
 * <p>The one largest unit the duration is a whole number of, {@code h}, {@code m}, {@code s} or {@code ms}: one
 * number and one unit, as an init-parameter, a context parameter and an {@code error-pages.*} property read a
 * duration back, so that a bound can be copied into the configuration as it is shown. No {@code d}: a day reads
 * {@code 24h}, as {@code docs/configuration.md} writes its bounds. A duration no millisecond divides (a builder was
 * given {@code Duration.ofNanos(500)}) is shown in ISO-8601, which those read back as well, as is one whose
 * milliseconds overflow a {@code long}. A negative duration, never a valid setting, is shown with a minus sign.
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class Durations {

    private static final int NANOS_PER_MILLI = 1_000_000;

    private Durations() {
    }

    /**
     * @param duration the duration
     * @return it in the configuration's notation, such as {@code 0s}, {@code 500ms}, {@code 90s}, {@code 5m} or
     *     {@code 1h}; ISO-8601 ({@code PT0.0000005S}) when it is not whole milliseconds
     */
    public static String shown(Duration duration) {
        if (duration.isNegative()) {
            if (duration.equals(Duration.ofSeconds(Long.MIN_VALUE))) {
                return duration.toString(); // no positive duration of that size to put a minus sign before
            }
            return "-" + shown(duration.negated());
        }
        long seconds = duration.getSeconds();
        int nanos = duration.getNano();
        if (nanos % NANOS_PER_MILLI != 0) {
            return duration.toString();
        }
        if (nanos != 0) {
            if (seconds > (Long.MAX_VALUE - nanos / NANOS_PER_MILLI) / 1000) {
                return duration.toString(); // more milliseconds than "<n>ms" can be read back as
            }
            return (seconds * 1000 + nanos / NANOS_PER_MILLI) + "ms";
        }
        if (seconds != 0 && seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds != 0 && seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
