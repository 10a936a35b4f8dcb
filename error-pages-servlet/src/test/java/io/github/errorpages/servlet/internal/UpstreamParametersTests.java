package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.errorpages.upstream.UpstreamConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamParametersTests {

    /** The upstream's keys too, named as the builder names them (upstreams.<name>.<key>). */
    @Test
    void upstreamRefusalsNameTheValueAsWritten() {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", "deadline", "2h")))
                .withMessage("Invalid error-pages configuration: upstreams.orders.deadline must be at least 1ms and "
                        + "at most 1h, but was 2h");
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", "retry.statuses", "404, 502")))
                .withMessageStartingWith("Invalid error-pages configuration: upstreams.orders.retry.statuses ")
                .withMessageEndingWith(", but was 404, 502");
    }

    /**
     * A deadline or timeout under a millisecond is refused at startup, naming the full key and the value as written:
     * {@code PT0.000000001S} was taken, and every call failed as the upstream's 504 until its breaker opened (R45).
     */
    @ParameterizedTest
    @CsvSource({"deadline, PT0.000000001S", "attempt-timeout, PT0.0005S", "min-attempt-timeout, 0ms"})
    void timeoutsUnderAMillisecondAreRefusedNamingTheKey(String key, String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", key, value)))
                .withMessage("Invalid error-pages configuration: upstreams.orders." + key + " must be at least 1ms "
                        + "and at most 1h, but was " + value);
    }

    /**
     * The timeouts refused against each other name both values as written where they were set: it was "must not
     * exceed upstreams.orders.deadline (PT2S), but was PT10S" for deadline=2s and attempt-timeout=10s. A default named
     * beside them is written as they are ({@code 10s}, not {@code PT10S}).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2s|10s||upstreams.orders.attempt-timeout must not exceed upstreams.orders.deadline (2s), but was 10s",
        "1s|||upstreams.orders.deadline must not be shorter than upstreams.orders.attempt-timeout (10s, the default; "
                + "set it shorter too), but was 1s",
        "|2s|5000ms|upstreams.orders.min-attempt-timeout must not exceed upstreams.orders.attempt-timeout (2s), but "
                + "was 5000ms"})
    void timeoutsRefusedAgainstEachOtherAreNamedAsWritten(String deadline, String attempt, String min,
            String message) {
        Map<String, String> parameters = new HashMap<>(Map.of("endpoints", "http://127.0.0.1:1"));
        if (deadline != null) {
            parameters.put("deadline", deadline);
        }
        if (attempt != null) {
            parameters.put("attempt-timeout", attempt);
        }
        if (min != null) {
            parameters.put("min-attempt-timeout", min);
        }

        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders", parameters))
                .withMessage("Invalid error-pages configuration: " + message);
    }

    /** A duration read across a line break ("10\ns" is 10 s) is named on one line when refused against another. */
    @Test
    void timeoutsRefusedAgainstEachOtherAreNamedOnOneLine() {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", "deadline", "2s", "attempt-timeout", "10\ns")))
                .withMessage("Invalid error-pages configuration: upstreams.orders.attempt-timeout must not exceed "
                        + "upstreams.orders.deadline (2s), but was 10\\ns");
    }

    /** ASCII digits only, as every other integer key: Integer.parseInt read ٥٠٣ and fullwidth ５０３ as 503. */
    @ParameterizedTest
    @ValueSource(strings = {"\u0665\u0660\u0663", "\uFF15\uFF10\uFF13", "502, \u0665\u0660\u0663"})
    void retryStatusesTakeAsciiDigitsOnly(String statuses) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", "retry.statuses", statuses)))
                .withMessage("Invalid error-pages configuration: upstreams.orders.retry.statuses must list statuses "
                        + "separated by commas, but was " + statuses);
    }

    /**
     * A status with more digits than an int holds is refused at startup as the status out of range it is, worded as
     * the builder words one, with the whole value: it was refused as a list that does not parse, "must list statuses
     * separated by commas", of a value that is one number, or numbers separated by commas.
     */
    @ParameterizedTest
    @ValueSource(strings = {"503503503503", "502, 99999999999", "-2147483649"})
    void aRetryStatusPastAnIntsRangeIsRefusedAsOutOf5xxNotAsAListThatDoesNotParse(String statuses) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", "retry.statuses", statuses)))
                .withMessage("Invalid error-pages configuration: upstreams.orders.retry.statuses must hold only 5xx "
                        + "statuses (500-599), but was " + statuses);
    }

    /**
     * An endpoint list cut short is refused, as the lists of statuses are: "a," and "a,,b" started with the endpoints
     * left (a failover endpoint dropped, perhaps), and a list of commas alone was named "[]", not as written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:9,", "http://127.0.0.1:9,,http://127.0.0.1:10", ",http://127.0.0.1:9",
        "http://127.0.0.1:9, ,http://127.0.0.1:10", ","})
    void endpointsListCutShortIsRefusedAsWritten(String endpoints) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", endpoints)))
                .withMessage("Invalid error-pages configuration: upstreams.orders.endpoints must not hold an empty "
                        + "element (a list cut short), but was " + endpoints);
    }

    /** Commas, spaces, or both, between the endpoints; a blank list names none. */
    @Test
    void endpointsAreSeparatedByCommasOrSpacesAndABlankListNamesNone() {
        assertThat(UpstreamParameters.config("orders", Map.of("endpoints",
                "http://127.0.0.1:9 ,\thttp://127.0.0.1:10 http://127.0.0.1:11")).endpoints()).hasSize(3);
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", " ")))
                .withMessageStartingWith("Invalid error-pages configuration: upstreams.orders.endpoints must name at "
                        + "least one base URL, but was ");
    }

    /**
     * An endpoint whose port has more digits than an int holds, given as the proxy servlet's init-parameter, fails
     * startup with the message of any port out of range, naming the key and the endpoint as written, whatever its host
     * (the builder's own check: UpstreamConfigTests.rejectsAPortTooLongForAnIntAsOutOfRangeNotAsNoHost): an IPv6
     * literal's, which java.net.URI refuses as malformed, was refused as "must hold URLs".
     */
    @ParameterizedTest
    @ValueSource(strings = {"http://[::1]:99999999999", "https://[FD00:0::7]:2147483648/api", "http://[::1]:99999",
        "http://10.0.0.7:99999999999", "http://billing.internal:99999999999/api"})
    void anEndpointsPortPastAnIntIsRefusedAsOutOfRangeWhateverItsHost(String endpoint) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:9 " + endpoint)))
                .withMessage("Invalid error-pages configuration: upstreams.orders.endpoints must hold ports from 1 to "
                        + "65535, but was " + endpoint);
    }

    /**
     * Beside that, an IPv6 endpoint that is no URL whatever its port is still refused as no URL, and one with user
     * info for it, as any endpoint with user info, in words that name the whole value masked.
     */
    @Test
    void anIpv6EndpointWithAPortPastAnIntIsStillRefusedForWhatElseIsWrongWithIt() {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://[::1:99999999999")))
                .withMessage("Invalid error-pages configuration: upstreams.orders.endpoints must hold URLs, but was "
                        + "http://[::1:99999999999");
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamParameters.config("orders",
                Map.of("endpoints", "http://ops:s3cr3t@[::1]:99999999999")))
                .withMessageStartingWith("Invalid error-pages configuration: upstreams.orders.endpoints must hold "
                        + "absolute http or https URLs").withMessageNotContaining("s3cr3t");
    }

    /**
     * Each switch sets its own setting and no other: read into its neighbour's,
     * {@code retry.on-connect-failure-for-unsafe} would let a POST with an Idempotency-Key be sent twice, where the
     * operator only allowed one that never left to be sent again (R13), and {@code retry.with-idempotency-key} the
     * reverse. Set one at a time, against the defaults, so that two swapped setters cannot hide behind each other.
     */
    @ParameterizedTest
    @CsvSource({"retry.on-connect-failure-for-unsafe, true", "retry.with-idempotency-key, true",
        "retry.on-proxy-status-error, true", "retry-budget.enabled, false", "fail-on-5xx, false"})
    void eachSwitchSetsItsOwnSettingAndNoOther(String key, boolean value) {
        Map<String, Predicate<UpstreamConfig>> switches = Map.of(
                "retry.on-connect-failure-for-unsafe", UpstreamConfig::isRetryUnsafeNeverSentEnabled,
                "retry.with-idempotency-key", UpstreamConfig::isRetryUnsafeWithIdempotencyKeyEnabled,
                "retry.on-proxy-status-error", UpstreamConfig::isRetryOnProxyStatusErrorEnabled,
                "retry-budget.enabled", UpstreamConfig::isRetryBudgetEnabled,
                "fail-on-5xx", UpstreamConfig::isFailOn5xxEnabled);
        UpstreamConfig defaults = UpstreamParameters.config("orders", Map.of("endpoints", "http://127.0.0.1:1"));

        UpstreamConfig config = UpstreamParameters.config("orders",
                Map.of("endpoints", "http://127.0.0.1:1", key, String.valueOf(value)));

        assertThat(switches.get(key).test(defaults)).as("the default of " + key).isNotEqualTo(value);
        switches.forEach((name, setting) -> assertThat(setting.test(config)).as(name)
                .isEqualTo(name.equals(key) ? value : setting.test(defaults)));
    }

    /** Every key with a value is read into its own setting, in the units it is written in. */
    @Test
    void readsEveryKeyWithAValue() {
        UpstreamConfig config = UpstreamParameters.config("orders", Map.of("endpoints", "http://127.0.0.1:1",
                "max-attempts", "3", "deadline", "20s", "attempt-timeout", "5s", "min-attempt-timeout", "500ms",
                "retry.statuses", "503", "retry.max-honoured-retry-after", "3s", "retry.max-replay-body", "1024"));

        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.deadline()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.attemptTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.minAttemptTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.retryStatuses()).containsExactly(503);
        assertThat(config.maxHonouredRetryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.maxReplayBody()).isEqualTo(1024);
    }
}
