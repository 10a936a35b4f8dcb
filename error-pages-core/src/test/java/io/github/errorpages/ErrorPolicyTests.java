package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorPolicyTests {

    private final ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({ // R2, RFC 9209 §2.3
            "DNS_ERROR, 502", "DNS_TIMEOUT, 504", "CONNECTION_REFUSED, 502", "CONNECTION_TERMINATED, 502",
            "CONNECTION_TIMEOUT, 504", "CONNECTION_READ_TIMEOUT, 504", "HTTP_RESPONSE_TIMEOUT, 504",
            "TLS_PROTOCOL_ERROR, 502", "TLS_CERTIFICATE_ERROR, 502", "TLS_ALERT_RECEIVED, 502",
            "HTTP_PROTOCOL_ERROR, 502", "HTTP_RESPONSE_INCOMPLETE, 502", "HTTP_RESPONSE_HEADER_SECTION_SIZE, 502",
            "HTTP_RESPONSE_BODY_SIZE, 502", "DESTINATION_UNAVAILABLE, 503", "CONNECTION_LIMIT_REACHED, 503",
            "DESTINATION_NOT_FOUND, 500", "PROXY_INTERNAL_ERROR, 500", "PROXY_LOOP_DETECTED, 502",
            "DESTINATION_IP_UNROUTABLE, 502"})
    void mapsCauseToRfc9209Status(FailureCause cause, int status) {
        ErrorDecision decision = policy.decide(UpstreamFailure.of(cause));

        assertThat(decision.status()).isEqualTo(status).isBetween(500, 504); // R1
        assertThat(decision.errorCode()).isEqualTo(cause.token());
    }

    @Test
    void everyCauseHasADistinctLowerCaseToken() {
        assertThat(FailureCause.values()).extracting(FailureCause::token).doesNotHaveDuplicates()
                .allMatch(token -> token.matches("[a-z_]+"));
        for (FailureCause cause : FailureCause.values()) {
            assertThat(FailureCause.fromToken(cause.token().toUpperCase(Locale.ROOT))).contains(cause);
        }
        assertThat(FailureCause.fromToken("nonsense")).isEmpty();
        assertThat(FailureCause.fromToken(null)).as("documented: null gives empty").isEmpty();
    }

    @Test
    void wellFormedUpstream5xxKeepsItsStatusAndRetryAfter() { // R3
        ErrorDecision decision = policy.decide(UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(20)));

        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfterHeader()).isEqualTo("20");
        assertThat(policy.decide(UpstreamFailure.ofUpstreamStatus(500, null)).status()).isEqualTo(500);
    }

    @Test
    void upstream500KeepsUpstreamRetryAfterButGatewayFault500HasNone() { // R3, R4
        assertThat(policy.decide(UpstreamFailure.ofUpstreamStatus(500, Duration.ofSeconds(7))).retryAfterHeader())
                .isEqualTo("7");
        assertThat(policy.decide(UpstreamFailure.ofUpstreamStatus(500, null)).retryAfterHeader()).isNull();
        assertThat(policy.decide(UpstreamFailure.of(FailureCause.DESTINATION_NOT_FOUND)).retryAfter()).isNull();
    }

    /**
     * A failure marked as the upstream's status whose recorded status is no 5xx (none, or a 2xx or 4xx a caller
     * passed) is answered as the cause's 502: an upstream failure is never answered with 2xx, 3xx or 4xx (R1), and
     * only a well-formed 5xx keeps its status (R3). Taking any status up to 599 made a decision that threw.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 200, 404, 499})
    void anUpstreamStatusThatIsNo5xxIsAnswered502(int upstreamStatus) { // R1, R3
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(upstreamStatus)
                .build();

        ErrorDecision decision = policy.decide(failure);

        assertThat(decision.status()).isEqualTo(502);
        assertThat(decision.retryAfterHeader()).isEqualTo("10");
    }

    /**
     * A 500 the gateway caused (a bug, or a cause configured to 500) is no temporary condition: it carries no
     * Retry-After, not even an upstream's own met on the way or the time a breaker stays open (R4). An upstream's own
     * 500 still passes its value on (R3).
     */
    @Test
    void aGatewayFault500CarriesNoRetryAfterWhateverItsSignals() { // R4, R3
        UpstreamFailure internal = UpstreamFailure.builder(FailureCause.PROXY_INTERNAL_ERROR)
                .upstreamRetryAfter(Duration.ofSeconds(20)).breakerRemainingOpen(Duration.ofSeconds(40)).build();
        UpstreamFailure refused = UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                .upstreamRetryAfter(Duration.ofSeconds(20)).build();
        ErrorPolicy refusedIs500 = ErrorPolicy.of(ErrorPagesConfig.builder()
                .status(FailureCause.CONNECTION_REFUSED, 500).build());

        assertThat(policy.decide(internal)).extracting(ErrorDecision::status, ErrorDecision::retryAfterHeader)
                .containsExactly(500, null);
        assertThat(refusedIs500.decide(refused)).extracting(ErrorDecision::status, ErrorDecision::retryAfterHeader)
                .containsExactly(500, null);
        assertThat(policy.decide(UpstreamFailure.ofUpstreamStatus(500, Duration.ofSeconds(20))).retryAfterHeader())
                .isEqualTo("20");
    }

    @Test
    void upstreamRetryAfterIsClampedToMax() { // R10
        ErrorDecision decision = policy.decide(UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(99999)));

        assertThat(decision.retryAfterHeader()).isEqualTo("3600");
    }

    @Test
    void openBreakerRemainingTimeIsTheBestSignal() { // R8
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE).attempts(0)
                .breakerRemainingOpen(Duration.ofMillis(12_300)).upstreamRetryAfter(Duration.ofSeconds(5)).build();

        ErrorDecision decision = policy.decide(failure);

        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfter()).isEqualTo(Duration.ofSeconds(13)); // rounded up, never early
    }

    /**
     * The breaker's open time and the upstream's Retry-After are both floors: the later one wins. A client sent
     * back when the breaker lets trial calls through would reach an upstream that asked for no call before then
     * (R46); the breaker-first order gave 13 here.
     */
    @Test
    void upstreamRetryAfterLongerThanTheBreakersOpenTimeWins() { // R8, R46
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(503)
                .breakerRemainingOpen(Duration.ofMillis(12_300)).upstreamRetryAfter(Duration.ofSeconds(99)).build();

        assertThat(policy.decide(failure).retryAfter()).isEqualTo(Duration.ofSeconds(99));
    }

    /** On a 502 the breaker's open time beats the 502's default, the more so a shorter one's (R8). */
    @Test
    void openBreakerRemainingTimeIsTheRetryAfterOfA502Too() { // R8
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                .breakerRemainingOpen(Duration.ofMillis(29_400)).build();
        ErrorPolicy strict = ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterOn502And504Enabled(false).build());

        assertThat(policy.decide(failure).retryAfterHeader()).isEqualTo("30");
        assertThat(strict.decide(failure).retryAfterHeader()).as("R9: off on 502 is off").isNull();
    }

    @Test
    void retryAfterIsNeverBelowOneSecond() { // R10
        UpstreamFailure almostClosed = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .breakerRemainingOpen(Duration.ZERO).build();

        assertThat(policy.decide(almostClosed).retryAfterHeader()).isEqualTo("1");
    }

    @Test
    void every503CarriesRetryAfterEvenWithoutAnySignal() { // R8
        ErrorDecision decision = policy.decide(UpstreamFailure.of(FailureCause.CONNECTION_LIMIT_REACHED));

        assertThat(decision.retryAfterHeader()).isEqualTo("30");
        assertThat(decision.retryAfterDelay()).as("what the page's text and JSON say").contains(Duration.ofSeconds(30));
        assertThat(strictDecision(FailureCause.CONNECTION_REFUSED).retryAfterDelay()).isEmpty();
    }

    private static ErrorDecision strictDecision(FailureCause cause) {
        return ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterOn502And504Enabled(false).build())
                .decide(UpstreamFailure.of(cause));
    }

    @Test
    void on502And504CanBeSwitchedOff() { // R9
        ErrorPolicy strict = ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterOn502And504Enabled(false).build());

        assertThat(strict.decide(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED)).retryAfterHeader()).isNull();
        assertThat(strict.decide(UpstreamFailure.of(FailureCause.CONNECTION_TIMEOUT)).retryAfterHeader()).isNull();
        assertThat(strict.decide(UpstreamFailure.of(FailureCause.DESTINATION_UNAVAILABLE)).retryAfterHeader())
                .isEqualTo("30");
        // An upstream's own value is still passed on (R3).
        assertThat(strict.decide(UpstreamFailure.ofUpstreamStatus(502, Duration.ofSeconds(5))).retryAfterHeader())
                .isEqualTo("5");
    }

    @Test
    void aConfiguredDefaultIsSentOnItsStatus() { // R8, R9, R10, R3
        // A retry-after.default.<status> for a status other than 502-504 means that status carries it
        // (RFC 9110 §10.2.3 does not forbid it there), clamped like any other value.
        ErrorPolicy custom = ErrorPolicy.of(ErrorPagesConfig.builder()
                .status(FailureCause.CONNECTION_REFUSED, 507).retryAfterDefault(507, Duration.ofSeconds(42))
                .retryAfterMax(Duration.ofSeconds(600)).retryAfterDefault(599, Duration.ofSeconds(900)).build());

        assertThat(custom.decide(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED)).retryAfterHeader()).isEqualTo("42");
        assertThat(custom.decide(UpstreamFailure.ofUpstreamStatus(507, null)).retryAfterHeader()).isEqualTo("42");
        assertThat(custom.decide(UpstreamFailure.ofUpstreamStatus(599, null)).retryAfterHeader()).isEqualTo("600");
        // A status without a default still carries only the upstream's own (R3).
        assertThat(custom.decide(UpstreamFailure.ofUpstreamStatus(505, null)).retryAfterHeader()).isNull();
        // retry-after.on-502-504 still decides 502 and 504, whatever their defaults (R9).
        ErrorPolicy strict = ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterOn502And504Enabled(false)
                .retryAfterDefault(502, Duration.ofSeconds(20)).build());
        assertThat(strict.decide(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED)).retryAfterHeader()).isNull();
    }

    @Test
    void statusOverrideApplies() {
        ErrorPolicy envoyLike = ErrorPolicy.of(ErrorPagesConfig.builder()
                .status(FailureCause.CONNECTION_REFUSED, 503).build());

        ErrorDecision decision = envoyLike.decide(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED));

        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfterHeader()).isEqualTo("30");
    }

    @Test
    void jitterStaysWithinBoundsAndOnlyLengthens() {
        ErrorPagesConfig config = ErrorPagesConfig.builder().retryAfterJitter(0.5).build();
        ErrorPolicy seeded = ErrorPolicy.of(config, Clock.systemUTC(), new Random(42));
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .breakerRemainingOpen(Duration.ofSeconds(20)).build();

        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < 1000; i++) {
            long seconds = seeded.decide(failure).retryAfterSeconds();
            min = Math.min(min, seconds);
            max = Math.max(max, seconds);
        }

        assertThat(min).isGreaterThanOrEqualTo(20);
        assertThat(max).isLessThanOrEqualTo(30);
        assertThat(max).as("jitter spreads the values").isGreaterThan(min);
    }

    @Test
    void jitterNeverExceedsMax() {
        ErrorPagesConfig config = ErrorPagesConfig.builder().retryAfterJitter(1.0).retryAfterMax(Duration.ofSeconds(25))
                .build();
        ErrorPolicy policy = ErrorPolicy.of(config, Clock.systemUTC(), new Random(7));

        for (int i = 0; i < 200; i++) {
            assertThat(policy.decide(UpstreamFailure.of(FailureCause.CONNECTION_LIMIT_REACHED)).retryAfterSeconds())
                    .isBetween(25L, 25L);
        }
    }

    /**
     * R8, R10: jitter only ever lengthens, and the value is rounded up to whole seconds, so a client is never sent
     * back while the breaker still refuses it. A breaker open for a fraction of a millisecond past a whole second
     * (its end is an instant, the clock's now has microseconds) was cut to whole milliseconds before the jitter was
     * added: with a jitter that drew nothing (or a whole second) 30.0004 s became 30 s, and the client came back to
     * the open breaker.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 400_000L, 999_999L})
    void jitterKeepsTheFractionOfAMillisecondThatRoundsUp(long extraNanos) {
        ErrorPagesConfig config = ErrorPagesConfig.builder().retryAfterJitter(0.5).build();
        RandomGenerator drawsNothing = () -> 0L; // nextDouble() is 0
        ErrorPolicy policy = ErrorPolicy.of(config, Clock.systemUTC(), drawsNothing);
        Duration open = Duration.ofSeconds(30).plusNanos(extraNanos);
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .breakerRemainingOpen(open).build();

        ErrorDecision decision = policy.decide(failure);

        assertThat(decision.retryAfter()).isGreaterThanOrEqualTo(open).isEqualTo(Duration.ofSeconds(31));
        assertThat(decision.retryAfterHeader()).isEqualTo("31");
    }

    /**
     * The one-argument factory's random source varies: a constant one gave every client the same jittered value, the
     * herd jitter is there to spread. The values stay within the jitter's bounds (R10).
     */
    @Test
    void theDefaultRandomSourceSpreadsJitter() { // R10
        ErrorPolicy jittered = ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterJitter(1.0).build());
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .breakerRemainingOpen(Duration.ofSeconds(100)).build();

        Set<Long> seconds = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seconds.add(jittered.decide(failure).retryAfterSeconds());
        }

        assertThat(seconds).allSatisfy(value -> assertThat(value).isBetween(100L, 200L)).hasSizeGreaterThan(1);
    }

    /**
     * R10, R46: an upstream's Retry-After too large to add jitter to (a long of milliseconds would overflow) is
     * still clamped to the maximum, not wrapped around to a negative value and raised to one second.
     */
    @ParameterizedTest
    @ValueSource(longs = {99_999L, 4_700_000_000_000_000L, 9_000_000_000_000_000L, 9_223_372_036_854_775L})
    void jitterOnAHugeUpstreamRetryAfterStillGivesTheMax(long upstreamSeconds) {
        ErrorPagesConfig config = ErrorPagesConfig.builder().retryAfterJitter(1.0).build();
        RandomGenerator nearlyOne = new RandomGenerator() {
            @Override
            public long nextLong() {
                return Long.MAX_VALUE;
            }

            @Override
            public double nextDouble() {
                return 0.999;
            }
        };
        ErrorPolicy policy = ErrorPolicy.of(config, Clock.systemUTC(), nearlyOne);
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(503)
                .upstreamRetryAfter(Duration.ofSeconds(upstreamSeconds)).build();

        assertThat(policy.decide(failure).retryAfterSeconds()).isEqualTo(config.retryAfterMax().toSeconds());
    }

    @Test
    void httpDateFormatUsesTheClock() { // R7
        Clock clock = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);
        ErrorPolicy dated = ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE).build(),
                clock, new Random(1));

        ErrorDecision decision = dated.decide(UpstreamFailure.of(FailureCause.DESTINATION_UNAVAILABLE));

        assertThat(decision.retryAfterHeader()).isEqualTo("Tue, 24 Nov 2026 10:00:30 GMT");
        assertThat(decision.retryAfterSeconds()).isEqualTo(30);
    }

    @Test
    void httpDateIsNeverEarlierThanTheDelayWhenTheClockIsBetweenSeconds() { // R7, R10
        // An IMF-fixdate has no fraction of a second (RFC 9110 §5.6.7): from 10:00:00.999 a 1 s delay written
        // as 10:00:01 would let a client come back after 1 ms. The date is counted from the next whole second.
        Clock clock = Clock.fixed(Instant.parse("2026-11-24T10:00:00.999Z"), ZoneOffset.UTC);
        ErrorPolicy dated = ErrorPolicy.of(ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE).build(),
                clock, new Random(1));
        UpstreamFailure almostClosed = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .breakerRemainingOpen(Duration.ofMillis(200)).build();

        ErrorDecision decision = dated.decide(almostClosed);

        assertThat(decision.retryAfterSeconds()).isEqualTo(1);
        assertThat(decision.retryAfterHeader()).isEqualTo("Tue, 24 Nov 2026 10:00:02 GMT");
        assertThat(dated.decide(UpstreamFailure.of(FailureCause.CONNECTION_LIMIT_REACHED)).retryAfterHeader())
                .isEqualTo("Tue, 24 Nov 2026 10:00:31 GMT");
    }
}
