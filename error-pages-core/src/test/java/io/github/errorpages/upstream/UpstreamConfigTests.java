package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.github.errorpages.FailureCause;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamConfigTests {

    private final UpstreamConfig.Builder billing = UpstreamConfig.builder("billing")
            .endpoints(URI.create("http://10.0.0.7:8080"));

    @Test
    void defaultsAreSafe() { // R13, R14, R43–R46
        UpstreamConfig config = billing.build();

        assertThat(config.maxAttempts()).isEqualTo(2);
        assertThat(config.deadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.attemptTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.minAttemptTimeout()).as("a retry gets a full attempt").isEqualTo(config.attemptTimeout());
        assertThat(config.backoffInitial()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.backoffJitter()).isEqualTo(0.2);
        assertThat(config.maxHonouredRetryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.retryStatuses()).containsExactly(502, 503, 504);
        assertThat(config.retryCauses()).contains(FailureCause.CONNECTION_REFUSED, FailureCause.CONNECTION_TERMINATED)
                .doesNotContain(FailureCause.HTTP_RESPONSE_INCOMPLETE, FailureCause.TLS_CERTIFICATE_ERROR);
        assertThat(config.isRetryUnsafeNeverSentEnabled()).isFalse();
        assertThat(config.isRetryUnsafeWithIdempotencyKeyEnabled()).isFalse();
        assertThat(config.isRetryOnProxyStatusErrorEnabled()).isFalse();
        assertThat(config.isRetryBudgetEnabled()).isTrue();
        assertThat(config.retryBudgetRatio()).isEqualTo(0.1);
        assertThat(config.isFailOn5xxEnabled()).isTrue();
        assertThat(config.maxReplayBody()).isEqualTo(64 * 1024);
        assertThat(config.circuitBreakerConfig()).isEmpty();
        assertThat(config.bulkheadConfig()).isEmpty();
    }

    @Test
    void rejectsMoreThanThreeAttemptsNamingKeyAndValue() { // R14
        assertThatIllegalArgumentException().isThrownBy(() -> billing.maxAttempts(4))
                .withMessage("Invalid error-pages configuration: upstreams.billing.max-attempts must be between 1 and 3 "
                        + "(retrying a retry multiplies the load on a failing upstream), but was 4");
        assertThatIllegalArgumentException().isThrownBy(() -> billing.maxAttempts(0))
                .withMessageContaining("upstreams.billing.max-attempts").withMessageEndingWith("but was 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/relative", "ftp://host", "http://host/x?q=1", "http://host/#frag",
        "mailto:ops@example.com"})
    void rejectsEndpointsThatAreNotBaseUrls(String endpoint) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create(endpoint)))
                .withMessageStartingWith("Invalid error-pages configuration: upstreams.billing.endpoints must hold "
                        + "absolute http or https URLs")
                .withMessageEndingWith("but was " + endpoint);
    }

    @Test
    void rejectsUserInfoWithoutWritingItIntoTheMessage() {
        // The message ends up in startup logs: no password of a rejected endpoint goes with it.
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create("http://ops:s3cret@host/api")))
                .withMessageContaining("upstreams.billing.endpoints must hold absolute http or https URLs")
                .withMessageEndingWith("but was http://***@host/api")
                .withMessageNotContaining("s3cret");
        // Two '@': java.net.URI sees no user info at all, and the password must still not be written.
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create("http://ops:p@ss@host/api")))
                .withMessageEndingWith("but was http://***@host/api");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://host:0", "http://host:65536", "https://host:99999/api"})
    void rejectsPortsOutOfRangeNamingKeyAndValue(String endpoint) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create(endpoint)))
                .withMessage("Invalid error-pages configuration: upstreams.billing.endpoints must hold ports from 1 to "
                        + "65535, but was " + endpoint);
    }

    /**
     * An endpoint whose port has more digits than an int holds gets the message of any port out of range, naming the
     * key and the value: java.net.URI reads no host in it (a registry authority), and it was refused as a URL
     * "with a host", which sent the operator looking at a host that is fine. A host no URL takes is still refused so.
     */
    @ParameterizedTest
    @ValueSource(strings = {"http://host:99999999999", "https://billing.internal:2147483648/api"})
    void rejectsAPortTooLongForAnIntAsOutOfRangeNotAsNoHost(String endpoint) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create(endpoint)))
                .withMessage("Invalid error-pages configuration: upstreams.billing.endpoints must hold ports from 1 to "
                        + "65535, but was " + endpoint);
        URI noHost = URI.create("http://bill_ing:99999999999");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(noHost))
                .withMessageContaining("upstreams.billing.endpoints must hold absolute http or https URLs with a host");
    }

    @ParameterizedTest
    @CsvSource({"http://a/api, http://a:80/api", "https://a, https://A:443/", "http://a:8080, HTTP://A:8080",
        "http://a/x, http://a/y", "http://[::1], http://[0:0:0:0:0:0:0:1]", "http://a.example, http://a.example.",
        "https://a.example./api, https://A.EXAMPLE:443", "http://[fe80::1%25nosuchif0], http://[fe80:0::1%nosuchif0]",
        "http://[fe80::1%25lo], http://[FE80:0:0::1%25lo]"})
    void rejectsTheSameServerSpelledTwice(String first, String second) {
        // Two breakers for one server, and a failover that goes back to where it failed; its paths make no other
        // server (the docs said "no server twice", and two paths of one were taken).
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create(first), URI.create(second)))
                .withMessage("Invalid error-pages configuration: upstreams.billing.endpoints must not name a server "
                        + "twice, but was " + second);
    }

    /** Other ports, schemes or IPv6 zones are other servers. */
    @Test
    void takesOneHostOnOtherPortsOrSchemes() {
        assertThat(UpstreamConfig.builder("billing").endpoints(URI.create("http://a:8080"), URI.create("http://a:8081"),
                URI.create("https://a:8080"), URI.create("http://[::1]:8080"), URI.create("http://[fe80::1%25a]"),
                URI.create("http://[fe80::1%25b]"), URI.create("http://[fe80::1%25B]")).build().endpoints()).hasSize(7);
    }

    @Test
    void rejectsRepeatedEndpointsAndNone() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing")
                        .endpoints(URI.create("http://a:1/api"), URI.create("http://a:1/api/")))
                .withMessageContaining("upstreams.billing.endpoints must not name a server twice");
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamConfig.builder("billing").build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.endpoints must name at least one "
                        + "base URL, but was []");
    }

    /**
     * Every trailing slash goes, not only the last: {@code http://d/api//} joined with a request's {@code /orders}
     * would otherwise send {@code /api//orders}, another path to most servers.
     */
    @Test
    void normalisesEndpointsWithoutTrailingSlash() {
        UpstreamConfig config = UpstreamConfig.builder("billing")
                .endpoints(URI.create("HTTP://a:1/api/"), URI.create("https://b"), URI.create("http://C:80/x"),
                        URI.create("https://[::1]:443"), URI.create("http://[::1]:8080"), URI.create("http://d/api//"),
                        URI.create("http://e///")).build();

        assertThat(config.endpoints()).containsExactly(URI.create("http://a:1/api"), URI.create("https://b"),
                URI.create("http://c/x"), URI.create("https://[::1]"), URI.create("http://[::1]:8080"),
                URI.create("http://d/api"), URI.create("http://e"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-x", "has space", "a/b", "ünïcode"})
    void rejectsNamesThatCannotBeKeysOrTags(String name) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamConfig.builder(name))
                .withMessageContaining("upstreams.<name>").withMessageEndingWith("but was '" + name + "'");
    }

    @Test
    void checksTimeoutsAgainstTheDeadline() { // R45
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.deadline(Duration.ofSeconds(2)).attemptTimeout(Duration.ofSeconds(3)).build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.attempt-timeout must not exceed "
                        + "upstreams.billing.deadline (2s), but was 3s");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.deadline(Duration.ofSeconds(2)).attemptTimeout(Duration.ofSeconds(1))
                        .minAttemptTimeout(Duration.ofMillis(1500)).build())
                .withMessageContaining("upstreams.billing.min-attempt-timeout must not exceed")
                .withMessageEndingWith("but was 1500ms");
        assertThatIllegalArgumentException().isThrownBy(() -> billing.deadline(Duration.ZERO))
                .withMessageContaining("upstreams.billing.deadline must be at least 1ms")
                .withMessageEndingWith("but was 0s");
    }

    /**
     * A deadline or timeout under a millisecond is refused, naming the key and the value: a nanosecond was taken, and
     * every call then failed as the upstream's 504 (its deadline gone by before the first attempt began), which the
     * upstream's breaker counted until it opened; the clients count whole milliseconds besides. A millisecond is
     * taken (R45: a deadline, however short, is the operator's to set).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"deadline", "attempt-timeout", "min-attempt-timeout"})
    void refusesATimeoutUnderAMillisecondNamingKeyAndValue(String key) {
        for (Duration tooShort : List.of(Duration.ofNanos(1), Duration.ofNanos(999_999))) {
            assertThatIllegalArgumentException().isThrownBy(() -> timeout(billing, key, tooShort))
                    .withMessage("Invalid error-pages configuration: upstreams.billing." + key
                            + " must be at least 1ms and at most 1h, but was " + tooShort);
        }
        UpstreamConfig config = timeout(UpstreamConfig.builder("billing").endpoints(URI.create("http://10.0.0.7:8080"))
                .deadline(Duration.ofMillis(1)).attemptTimeout(Duration.ofMillis(1)), key, Duration.ofMillis(1))
                .build();
        assertThat(List.of(config.deadline(), config.attemptTimeout(), config.minAttemptTimeout()))
                .containsOnly(Duration.ofMillis(1));
    }

    private static UpstreamConfig.Builder timeout(UpstreamConfig.Builder builder, String key, Duration value) {
        return switch (key) {
            case "deadline" -> builder.deadline(value);
            case "attempt-timeout" -> builder.attemptTimeout(value);
            default -> builder.minAttemptTimeout(value);
        };
    }

    /**
     * A cross-field check names the key that was set and its value, not a key left at its default: a deadline set
     * shorter than the default attempt timeout is the deadline's problem, and the message says so (the key the user
     * looks for in their configuration), with the default it clashes with.
     */
    @Test
    void crossFieldChecksNameTheKeyThatWasSet() { // R45
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.deadline(Duration.ofSeconds(5)).build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.deadline must not be shorter than "
                        + "upstreams.billing.attempt-timeout (10s, the default; set it shorter too), but was 5s");
        UpstreamConfig built = UpstreamConfig.builder("billing").endpoints(URI.create("http://10.0.0.7:8080")).build();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> built.toBuilder().deadline(Duration.ofSeconds(5)).build())
                .withMessageStartingWith("Invalid error-pages configuration: upstreams.billing.deadline must not be "
                        + "shorter than").withMessageEndingWith("but was 5s");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create("http://10.0.0.7:8080"))
                        .attemptTimeout(Duration.ofMinutes(1)).build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.attempt-timeout must not exceed "
                        + "upstreams.billing.deadline (30s, the default), but was 1m");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamConfig.builder("billing").endpoints(URI.create("http://10.0.0.7:8080"))
                        .minAttemptTimeout(Duration.ofSeconds(15)).build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.min-attempt-timeout must not exceed "
                        + "upstreams.billing.attempt-timeout (10s, the default), but was 15s");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.backoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(50), 0.2))
                .withMessage("Invalid error-pages configuration: upstreams.billing.retry.backoff.max must not be "
                        + "shorter than upstreams.billing.retry.backoff.initial (100ms), but was 50ms");
    }

    /**
     * The durations a refusal names, the value, its bounds and the other key's value, are written as the operator
     * writes them ({@code 2h}, {@code 10s}, {@code 500ms}), so that they can be copied into the configuration as
     * they are: it said "at most PT1H, but was PT2H" and "(PT10S, the default; ...)" to someone who writes
     * {@code deadline=2h} or {@code Duration.ofSeconds(5)} (R45).
     */
    @Test
    void refusalsWriteDurationsAsTheConfigurationIsWritten() {
        assertThatIllegalArgumentException().isThrownBy(() -> billing.deadline(Duration.ofHours(2)))
                .withMessage("Invalid error-pages configuration: upstreams.billing.deadline must be at least 1ms and "
                        + "at most 1h, but was 2h");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.deadline(Duration.ofMillis(500)).attemptTimeout(Duration.ofSeconds(90))
                        .build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.attempt-timeout must not exceed "
                        + "upstreams.billing.deadline (500ms), but was 90s");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.retryBudget(true, 0.1, 10, Duration.ofMillis(10 * 60 * 1000 + 1)))
                .withMessage("Invalid error-pages configuration: upstreams.billing.retry-budget.window must be "
                        + "positive and at most 10m, but was 600001ms");
    }

    /**
     * The longest bulkhead wait of a deadline of an odd number of milliseconds: half of 15ms is 7.5ms, which was
     * the bound, shown in ISO-8601 to someone who writes {@code 15ms}: "must be at most PT0.0075S". Half the
     * deadline is taken in whole milliseconds, rounded down, in the check as in its message: at most 7ms, which is
     * what Resilience4j waits of 7.5ms anyway, and never more than the deadline allows (R45).
     */
    @Test
    void theLongestBulkheadWaitOfAnOddDeadlineIsHalfOfItInWholeMillisecondsRoundedDown() {
        UpstreamConfig.Builder odd = billing.deadline(Duration.ofMillis(15)).attemptTimeout(Duration.ofMillis(15));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> odd.bulkheadConfig(waiting(Duration.ofMillis(10))).build())
                .withMessage("Invalid error-pages configuration: upstreams.billing.bulkhead.maxWaitDuration must be "
                        + "at most 7ms, what an attempt needs (upstreams.billing.min-attempt-timeout, 15ms as the "
                        + "attempt timeout, but no more than half of upstreams.billing.deadline, 15ms): a longer wait "
                        + "could hold a call past its deadline, but was 10ms");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> odd.bulkheadConfig(waiting(Duration.ofMillis(8))).build())
                .withMessageContaining("must be at most 7ms,");
        assertThat(odd.bulkheadConfig(waiting(Duration.ofMillis(7))).build().bulkheadConfig())
                .hasValueSatisfying(taken -> assertThat(taken.getMaxWaitDuration()).isEqualTo(Duration.ofMillis(7)));
    }

    private static BulkheadConfig waiting(Duration maxWait) {
        return BulkheadConfig.custom().maxWaitDuration(maxWait).build();
    }

    @Test
    void checksTheBackoff() { // R43
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.backoff(Duration.ofMillis(100), 2.0, Duration.ofMillis(50), 0.2))
                .withMessageContaining("upstreams.billing.retry.backoff.max must not be shorter than")
                .withMessageEndingWith("but was 50ms");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.backoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 1.0))
                .withMessageContaining("upstreams.billing.retry.backoff.jitter").withMessageEndingWith("but was 1.0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.backoff(Duration.ofMillis(100), 0.5, Duration.ofSeconds(1), 0.2))
                .withMessageContaining("upstreams.billing.retry.backoff.multiplier");
    }

    @Test
    void rejectsRetryingWhatNoRetryCanHelp() {
        assertThatIllegalArgumentException().isThrownBy(() -> billing.retryStatuses(Set.of(503, 429)))
                .withMessageContaining("upstreams.billing.retry.statuses must hold only 5xx statuses");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.retryCauses(Set.of(FailureCause.DESTINATION_UNAVAILABLE)))
                .withMessage("Invalid error-pages configuration: upstreams.billing.retry.causes must not hold a cause "
                        + "no retry can help with, but was destination_unavailable");
    }

    @Test
    void checksTheRetryBudgetAndReplayCap() { // R44
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.retryBudget(true, 0.0, 10, Duration.ofSeconds(10)))
                .withMessageContaining("upstreams.billing.retry-budget.ratio").withMessageEndingWith("but was 0.0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> billing.retryBudget(true, 0.1, 10, Duration.ofMillis(500)))
                .withMessageContaining("upstreams.billing.retry-budget.window must be at least 1s");
        assertThatIllegalArgumentException().isThrownBy(() -> billing.maxReplayBody(-1))
                .withMessageContaining("upstreams.billing.retry.max-replay-body").withMessageEndingWith("but was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> billing.maxHonouredRetryAfter(Duration.ofMinutes(5)))
                .withMessageContaining("upstreams.billing.retry.max-honoured-retry-after");
    }

    /**
     * Every value out of its range is refused when it is set, and the message names the key and the value as given,
     * so that the line in the startup log points at the line of the configuration: the ends of each range, a value
     * that is no number ({@code NaN} compares false both ways), and a status list with a hole in it.
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("valuesOutOfRange")
    void refusesEveryValueOutOfItsRangeNamingKeyAndValue(Consumer<UpstreamConfig.Builder> setting, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> setting.accept(UpstreamConfig.builder("billing")))
                .withMessage("Invalid error-pages configuration: upstreams.billing." + message);
    }

    static Stream<Arguments> valuesOutOfRange() {
        Duration second = Duration.ofSeconds(1);
        Set<Integer> with600 = Set.of(502, 600);
        Set<Integer> withNull = new HashSet<>(Arrays.asList(503, null));
        return Stream.of(
                outOfRange(b -> b.endpoints(List.of()), "endpoints must name at least one base URL, but was []"),
                outOfRange(b -> b.deadline(Duration.ofSeconds(-1)),
                        "deadline must be at least 1ms and at most 1h, but was -1s"),
                outOfRange(b -> b.deadline(Duration.ofHours(1).plusNanos(1)),
                        "deadline must be at least 1ms and at most 1h, but was PT1H0.000000001S"),
                outOfRange(b -> b.attemptTimeout(Duration.ofMinutes(61)),
                        "attempt-timeout must be at least 1ms and at most 1h, but was 61m"),
                outOfRange(b -> b.backoff(Duration.ofNanos(999_999), 2.0, second, 0.2),
                        "retry.backoff.initial must be at least 1ms, but was PT0.000999999S"),
                outOfRange(b -> b.backoff(Duration.ofMillis(1), 10.5, second, 0.2),
                        "retry.backoff.multiplier must be between 1 and 10, but was 10.5"),
                outOfRange(b -> b.backoff(Duration.ofMillis(1), Double.NaN, second, 0.2),
                        "retry.backoff.multiplier must be between 1 and 10, but was NaN"),
                outOfRange(b -> b.backoff(Duration.ofMillis(1), 2.0, second, -0.1),
                        "retry.backoff.jitter must be at least 0 and below 1, but was -0.1"),
                outOfRange(b -> b.backoff(Duration.ofMillis(1), 2.0, second, Double.NaN),
                        "retry.backoff.jitter must be at least 0 and below 1, but was NaN"),
                outOfRange(b -> b.maxHonouredRetryAfter(Duration.ofMillis(-1)),
                        "retry.max-honoured-retry-after must be between 0s and 60s, but was -1ms"),
                outOfRange(b -> b.retryStatuses(with600),
                        "retry.statuses must hold only 5xx statuses (500-599), but was " + with600),
                outOfRange(b -> b.retryStatuses(withNull),
                        "retry.statuses must hold only 5xx statuses (500-599), but was " + withNull),
                outOfRange(b -> b.retryBudget(true, 1.5, 10, Duration.ofSeconds(10)),
                        "retry-budget.ratio must be above 0 and at most 1, but was 1.5"),
                outOfRange(b -> b.retryBudget(true, Double.NaN, 10, Duration.ofSeconds(10)),
                        "retry-budget.ratio must be above 0 and at most 1, but was NaN"),
                outOfRange(b -> b.retryBudget(true, 0.1, -1, Duration.ofSeconds(10)),
                        "retry-budget.min-retries must be between 0 and 1000000, but was -1"),
                outOfRange(b -> b.retryBudget(true, 0.1, 1_000_001, Duration.ofSeconds(10)),
                        "retry-budget.min-retries must be between 0 and 1000000, but was 1000001"),
                outOfRange(b -> b.retryBudget(true, 0.1, 10, Duration.ofMinutes(11)),
                        "retry-budget.window must be positive and at most 10m, but was 11m"),
                outOfRange(b -> b.maxReplayBody(16L * 1024 * 1024 + 1),
                        "retry.max-replay-body must be between 0 and 16777216 bytes, but was 16777217"));
    }

    private static Arguments outOfRange(Consumer<UpstreamConfig.Builder> setting, String message) {
        return Arguments.of(setting, message);
    }

    /** The ends of each range are in it: a check one off would refuse a documented value at startup. */
    @Test
    void takesTheEndsOfEveryRange() {
        UpstreamConfig config = billing.deadline(Duration.ofHours(1)).attemptTimeout(Duration.ofHours(1))
                .backoff(Duration.ofMillis(1), 10.0, Duration.ofMinutes(1), 0.0).maxHonouredRetryAfter(Duration.ZERO)
                .retryStatuses(Set.of(500, 599)).retryBudget(true, 1.0, 1_000_000, Duration.ofMinutes(10))
                .maxReplayBody(16L * 1024 * 1024).build();

        assertThat(config.deadline()).isEqualTo(Duration.ofHours(1));
        assertThat(config.backoffMultiplier()).isEqualTo(10.0);
        assertThat(config.retryStatuses()).containsExactly(500, 599);
        assertThat(config.retryBudgetRatio()).isEqualTo(1.0);
        assertThat(config.maxReplayBody()).isEqualTo(16L * 1024 * 1024);
    }

    /**
     * {@code retry.causes} set empty (retry on upstream statuses only) builds, and so does a copy of it: the copy
     * made an {@code EnumSet} of an empty set that is none, which throws.
     */
    @Test
    void noRetryCausesAtAllIsAConfigurationToo() {
        UpstreamConfig none = billing.retryCauses(Set.of()).build();

        assertThat(none.retryCauses()).isEmpty();
        assertThat(none.toBuilder().maxAttempts(3).build().retryCauses()).isEmpty();
    }

    /**
     * What a startup log line shows of an upstream: its settings, its durations as the configuration writes them
     * ({@code 30s}, not {@code PT30S}), the retry budget's off as "off".
     */
    @Test
    void toStringShowsTheSettings() {
        assertThat(billing.retryBudget(true, 0.2, 5, Duration.ofSeconds(30)).build().toString())
                .startsWith("UpstreamConfig{name=billing, endpoints=1, maxAttempts=2, deadline=30s, "
                        + "attemptTimeout=10s, minAttemptTimeout=10s, backoff=100ms*2.0^n<=1s±0.2, "
                        + "maxHonouredRetryAfter=2s, ")
                .contains("retryStatuses=[502, 503, 504]", "retryBudget=0.2 min 5 per 30s")
                .endsWith(", failOn5xx=true, maxReplayBody=65536}");
        assertThat(billing.retryBudgetEnabled(false).build().toString()).contains("retryBudget=off,");
    }

    @Test
    void builtConfigIsACopy() {
        UpstreamConfig first = billing.maxAttempts(3).build();
        billing.maxAttempts(1).endpoints(List.of(URI.create("http://elsewhere")));

        assertThat(first.maxAttempts()).isEqualTo(3);
        assertThat(first.endpoints()).containsExactly(URI.create("http://10.0.0.7:8080"));
        UpstreamConfig copy = first.toBuilder().retryBudgetEnabled(false).build();
        assertThat(copy.maxAttempts()).isEqualTo(3);
        assertThat(copy.isRetryBudgetEnabled()).isFalse();
        assertThat(first.isRetryBudgetEnabled()).isTrue();
    }

    /**
     * A bulkhead that admits no call failed every call as connection_limit_reached (503), with no word at startup. A
     * guard so refused leaves nothing in the application's registries: its breaker and bulkhead stayed there, with
     * the settings of a configuration that was refused. The registry's own bulkhead of the upstream's name is the one
     * checked, even where the upstream has settings of its own (the registry gives its own bulkhead for them).
     */
    @Test
    void refusesABulkheadThatAdmitsNoCall() {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamConfig.builder("orders")
                .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(0).build()))
                .withMessage("Invalid error-pages configuration: upstreams.orders.bulkhead.maxConcurrentCalls must be "
                        + "at least 1 (a bulkhead of 0 refuses every call), but was 0");
        UpstreamConfig config = UpstreamConfig.builder("orders").endpoints(URI.create("http://127.0.0.1:1")).build();
        BulkheadRegistry none = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(0).build());
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamGuard.builder(config).bulkheadRegistry(none).build())
                .withMessageContaining("upstreams.orders.bulkhead.maxConcurrentCalls (the bulkhead registry's)")
                .withMessageEndingWith("but was 0");
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamGuard.builder(config)
                .circuitBreakerRegistry(breakers).bulkheadRegistry(none).build());
        assertThat(breakers.getAllCircuitBreakers()).isEmpty();
        assertThat(none.getAllBulkheads()).isEmpty();
        BulkheadRegistry closed = BulkheadRegistry.ofDefaults();
        closed.bulkhead("orders", BulkheadConfig.custom().maxConcurrentCalls(0).build());
        UpstreamConfig ownBulkhead = config.toBuilder()
                .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(5).build()).build();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamGuard.builder(ownBulkhead).circuitBreakerRegistry(breakers)
                        .bulkheadRegistry(closed).build())
                .withMessageEndingWith("but was 0");
        assertThat(breakers.getAllCircuitBreakers()).isEmpty();
        assertThat(UpstreamGuard.builder(config).bulkheadRegistry(BulkheadRegistry.of(BulkheadConfig.custom()
                .maxConcurrentCalls(1).build())).build()).isNotNull();
    }

    @Test
    void aNullEndpointIsNamed() {
        assertThatNullPointerException().isThrownBy(() -> UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://10.0.0.1:8080"), null)).withMessage("endpoint");
    }
}
