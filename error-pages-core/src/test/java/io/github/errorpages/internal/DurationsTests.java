package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DurationsTests {

    static Stream<Arguments> durations() {
        return Stream.of(
                Arguments.of(Duration.ZERO, "0s"),
                Arguments.of(Duration.ofMillis(1), "1ms"),
                Arguments.of(Duration.ofMillis(999), "999ms"),
                Arguments.of(Duration.ofSeconds(1), "1s"),
                Arguments.of(Duration.ofMillis(1500), "1500ms"),
                Arguments.of(Duration.ofSeconds(59), "59s"),
                Arguments.of(Duration.ofSeconds(60), "1m"),
                Arguments.of(Duration.ofSeconds(90), "90s"),
                Arguments.of(Duration.ofMinutes(61), "61m"),
                Arguments.of(Duration.ofHours(1), "1h"),
                Arguments.of(Duration.ofHours(1).plusMillis(1), "3600001ms"),
                Arguments.of(Duration.ofDays(1), "24h"),
                Arguments.of(Duration.ofDays(2).plusSeconds(1), "172801s"),
                // No millisecond divides these: ISO-8601, which ConfigParameters.duration reads back as well.
                Arguments.of(Duration.ofNanos(1), "PT0.000000001S"),
                Arguments.of(Duration.ofNanos(999_999), "PT0.000999999S"),
                Arguments.of(Duration.ofHours(1).plusNanos(1), "PT1H0.000000001S"),
                Arguments.of(Duration.ofSeconds(-1), "-1s"),
                Arguments.of(Duration.ofMillis(-500), "-500ms"),
                Arguments.of(Duration.ofSeconds(Long.MAX_VALUE, 999_000_000), "PT2562047788015215H30M7.999S"),
                Arguments.of(Duration.ofSeconds(Long.MIN_VALUE), "PT-2562047788015215H-30M-8S"));
    }

    /**
     * A duration in a message reads as the configuration is written, the largest unit it is a whole number of: a
     * bound of an hour said "at most PT1H" next to a value written "2h". No "1m30s": one number and one unit, as the
     * parameters read a duration back.
     */
    @ParameterizedTest
    @MethodSource("durations")
    void showsADurationInTheConfigurationsNotation(Duration duration, String shown) {
        assertThat(Durations.shown(duration)).isEqualTo(shown);
    }

    /** A refused Duration given to a builder from code is shown the same way: "but was 2h", not "but was PT2H". */
    @Test
    void aRefusedDurationIsShownInTheConfigurationsNotation() {
        assertThat(ConfigurationErrors.invalid("retry-after.max", Duration.ofHours(48), "must be at most 24h")
                .getMessage()).isEqualTo("Invalid error-pages configuration: retry-after.max must be at most 24h, "
                        + "but was 48h");
    }
}
