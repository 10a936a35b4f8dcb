package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryAfterFormat;
import io.github.errorpages.internal.Durations;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigParametersTests {

    @Test
    void readsEveryConfigurationKey() {
        ErrorPagesConfig config = ConfigParameters.config(Map.of(
                "status.connection_refused", "503",
                "retry-after.max", "10m",
                "retry-after.default.504", "PT20S",
                "retry-after.on-502-504", "FALSE",
                "retry-after.jitter", "0.25",
                "retry-after.format", "http-date"));

        assertThat(config.statusFor(FailureCause.CONNECTION_REFUSED)).isEqualTo(503);
        assertThat(config.retryAfterMax()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.retryAfterDefault(504)).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.isRetryAfterOn502And504Enabled()).isFalse();
        assertThat(config.retryAfterJitter()).isEqualTo(0.25);
        assertThat(config.retryAfterFormat()).isEqualTo(RetryAfterFormat.HTTP_DATE);
    }

    @ParameterizedTest
    @CsvSource({"30, PT30S", "30s, PT30S", "500ms, PT0.5S", "5m, PT5M", "2h, PT2H", "1d, PT24H", "PT45S, PT45S",
            "' 7 s', PT7S"})
    void readsDurationsWithAndWithoutUnit(String value, Duration expected) {
        assertThat(ConfigParameters.duration("retry-after.max", value.trim())).isEqualTo(expected);
    }

    /**
     * A duration a message names (a bound, a default, a value a builder was given) reads back as that duration when
     * copied into an init-parameter: {@code 1h}, {@code 500ms}, {@code 90s}, never ISO-8601's {@code PT1H} beside
     * values written {@code 2h}; a duration no millisecond divides is shown in ISO-8601, which reads back too.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT0.001S", "PT0.999S", "PT1S", "PT1.5S", "PT59S", "PT1M", "PT1M30S", "PT1H",
        "PT1H0.001S", "PT24H", "PT48H1S", "PT0.000000001S", "PT0.000999999S", "PT1H0.000000001S",
        "PT2562047788015215H30M7.999S", "PT2562047788015215H30M7S"})
    void aDurationAsAMessageShowsItReadsBackAsTheSameDuration(Duration duration) {
        String shown = Durations.shown(duration);

        assertThat(ConfigParameters.duration("retry-after.max", shown)).as(shown).isEqualTo(duration);
        assertThat(shown).as("one number and one unit, unless no millisecond divides it or they overflow")
                .matches(duration.getNano() == 0 || duration.getNano() % 1_000_000 == 0
                        && duration.getSeconds() < Long.MAX_VALUE / 1000 ? "\\d+(ms|s|m|h)" : "PT.*");
    }

    /** A boolean is {@code true} or {@code false} in any case, as its javadoc says, and nothing else. */
    @ParameterizedTest
    @CsvSource({"true, true", "TRUE, true", "True, true", "false, false", "FALSE, false", "fAlSe, false"})
    void readsBooleansInAnyCase(String value, boolean expected) {
        assertThat(ConfigParameters.bool("compression.enabled", value)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "retry-after.max|forever|retry-after.max must be a duration such as 30s, 500ms, 5m or PT30S, but was forever",
            // Too long for a Duration: said so, not that it is no duration
            "retry-after.max|99999999999999999999|retry-after.max is too long a duration, but was 99999999999999999999",
            "retry-after.max|P9999999999999999D|retry-after.max is too long a duration, but was P9999999999999999D",
            "retry-after.max|PT99999999999999999999S|retry-after.max is too long a duration, "
                    + "but was PT99999999999999999999S",
            "retry-after.on-502-504|yes|retry-after.on-502-504 must be true or false, but was yes",
            "retry-after.jitter|lots|retry-after.jitter must be a number between 0 and 1, but was lots",
            // Java's other spellings of a number are no decimal an operator writes: 1d was read as 1.0
            "retry-after.jitter|1d|retry-after.jitter must be a number between 0 and 1, but was 1d",
            "retry-after.jitter|0x1p-1|retry-after.jitter must be a number between 0 and 1, but was 0x1p-1",
            "retry-after.jitter|1e-1|retry-after.jitter must be a number between 0 and 1, but was 1e-1",
            // A blank value is named, not left as nothing after "but was"
            "retry-after.max|' '|retry-after.max must be a duration such as 30s, 500ms, 5m or PT30S, "
                    + "but was an empty value",
            "retry-after.on-502-504|''|retry-after.on-502-504 must be true or false, but was an empty value",
            "retry-after.format|''|retry-after.format must be delay-seconds or http-date, but was an empty value",
            "retry-after.format|unix|retry-after.format must be delay-seconds or http-date, but was unix",
            "status.connection_refused|bad|status.connection_refused must be an integer, but was bad",
            // Other scripts' digits and a plus sign, which Integer.parseInt reads and no duration or decimal key takes
            "status.connection_refused|٥٠٣|status.connection_refused must be an integer, but was ٥٠٣",
            "status.connection_refused|+503|status.connection_refused must be an integer, but was +503",
            // Digits past an int's range: a number still, not "must be an integer"
            "status.connection_refused|99999999999|status.connection_refused is out of range, but was 99999999999",
            "status.no_such_cause|503|status.no_such_cause names no failure cause",
            "status.connection_refused|404|status.connection_refused must be a 5xx status",
            // As written, not as parsed (PT0.5S, PT48H): the operator searches the configuration for it
            "retry-after.max|0s|retry-after.max must be whole seconds between 1s and 86400s, but was 0s",
            "retry-after.max|500ms|retry-after.max must be whole seconds between 1s and 86400s, but was 500ms",
            "retry-after.max|2d|retry-after.max must be whole seconds between 1s and 86400s, but was 2d",
            "retry-after.default.503|PT0.5S|but was PT0.5S",
            // What the key names is refused, not the value: shown as the builder shows it
            "retry-after.default.200|30s|retry-after.default.200 names no status that may carry a default Retry-After "
                    + "(501-599), but was 200"})
    void rejectsInvalidValueNamingKeyAndValue(String key, String value, String message) {
        assertThatThrownBy(() -> ConfigParameters.config(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: ")
                .hasMessageContaining(message);
    }

    /**
     * A space around a listed status is a space whatever its kind, as in a value of spaces alone: a value of Unicode
     * spaces only (an em space, U+2003, which {@code String.trim()} keeps and {@code isBlank()} does not) listed no
     * status, but the same space before or after a status refused the whole list as "not separated by commas", and
     * one alone between commas was no empty element. A no-break space (U+00A0), no space to {@code isBlank()}, is
     * refused alone and beside a status alike, as any other character that is no digit. Every message as before.
     */
    @Test
    void aStatusListTakesUnicodeSpacesAroundAStatusAsItTakesAValueOfThemAlone() {
        String outOfRange = "must hold only 5xx statuses (500-599)";

        assertThat(ConfigParameters.statusList("retry.statuses", "\u2003", outOfRange)).isEmpty();
        assertThat(ConfigParameters.statusList("retry.statuses", "\u2003502", outOfRange)).containsExactly(502);
        assertThat(ConfigParameters.statusList("retry.statuses", "502,\u2003503\u3000", outOfRange))
                .containsExactly(502, 503);
        for (String refused : new String[] {"502,\u2003", "502,\u2003,503", "\u00A0", "\u00A0502", "502\u00A0"}) {
            assertThatThrownBy(() -> ConfigParameters.statusList("retry.statuses", refused, outOfRange))
                    .as(refused).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Invalid error-pages configuration: retry.statuses must list statuses "
                            + "separated by commas, but was ");
        }
        assertThatThrownBy(() -> ConfigParameters.statusList("retry.statuses", "\u2003503503503503", outOfRange))
                .hasMessageStartingWith("Invalid error-pages configuration: retry.statuses " + outOfRange);
    }

    @Test
    void knowsWhichKeysAreConfigurationKeys() {
        assertThat(ConfigParameters.isConfigKey("status.dns_error")).isTrue();
        assertThat(ConfigParameters.isConfigKey("retry-after.default.503")).isTrue();
        assertThat(ConfigParameters.isConfigKey("retry-after.maxx")).isFalse();
        // A status written as no status is: read as 99, refused as retry-after.default.99, a key nobody wrote.
        assertThat(ConfigParameters.isConfigKey("retry-after.default.099")).isFalse();
        assertThat(ConfigParameters.isConfigKey("retry-after.default.000")).isFalse();
        assertThat(ConfigParameters.isConfigKey("retry-after.default.5031")).isFalse();
        assertThat(ConfigParameters.isConfigKey("intercept-statuses")).isFalse();
    }

    /**
     * Every key {@link ConfigParameters#config} reads is a configuration key: the filter and the proxy servlet pass
     * on only those ({@link ResponderParameters}), and refuse any other init-parameter as none of theirs: with one left
     * out, {@code retry-after.jitter=0.1} would fail the start as "no parameter of ErrorPagesFilter".
     */
    @ParameterizedTest
    @ValueSource(strings = {"status.connection_refused", "retry-after.max", "retry-after.default.504",
        "retry-after.on-502-504", "retry-after.jitter", "retry-after.format"})
    void everyKeyItReadsIsAConfigurationKeyOfTheFilterAndTheProxy(String key) {
        assertThat(ConfigParameters.isConfigKey(key)).isTrue();
        assertThat(ResponderParameters.isKey(key)).isTrue();
    }
}
