package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.errorpages.upstream.UpstreamConfig;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamFailureTests {

    /**
     * The upstream's name goes into the incident's log line: one with a CR or LF split it in two, the second line
     * the caller's to write ("error page status=200 ..."), from application code that builds its own failure. The
     * setter refuses it at once, the message showing it escaped (a message is logged too), and so does the record's
     * constructor.
     */
    @ParameterizedTest
    @MethodSource("namesWithAControlCharacterAndHowTheyAreShown")
    void refusesAnUpstreamNameWithAControlCharacterShowingItEscaped(String name, String shown) {
        UpstreamFailure.Builder builder = UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED);

        assertThatIllegalArgumentException().isThrownBy(() -> builder.upstream(name))
                .withMessage("upstream must be empty or 1 to 64 of A-Z a-z 0-9 . _ - starting with a letter or digit, "
                        + "but was " + shown)
                .withMessageNotContaining(name);
        assertThat(builder.build().upstream()).as("the name it refused was not kept").isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamFailure(name, FailureCause.CONNECTION_REFUSED,
                0, null, null, 1, Duration.ZERO, null, null)).withMessageEndingWith("but was " + shown);
    }

    static Stream<Arguments> namesWithAControlCharacterAndHowTheyAreShown() {
        return Stream.of(
                Arguments.of("orders\nerror page status=200", "'orders\\nerror page status=200'"),
                Arguments.of("orders\r", "'orders\\r'"),
                Arguments.of("a\tb", "'a\\tb'"),
                Arguments.of("a\u0000b", "'a\\u0000b'"),
                Arguments.of("a\u007fb", "'a\\u007Fb'"),
                Arguments.of("a\u0085b", "'a\\u0085b'"),
                Arguments.of("a\u2028b", "'a\\u2028b'"));
    }

    /**
     * The log line is {@code key=value} fields: a name with a space or an {@code =} in it forged one
     * ({@code upstream=orders attempts=0 attempts=3}), and any name the configuration refuses names no configured
     * upstream. The setter refuses what {@code UpstreamConfig.builder} refuses.
     */
    @ParameterizedTest
    @ValueSource(strings = {"orders attempts=0", "a=b", " orders", "-orders", ".orders", "bestellungen-ü", "a/b",
        "orders\\", "o123456789o123456789o123456789o123456789o123456789o123456789abcde"})
    void refusesAnUpstreamNameTheConfigurationRefuses(String name) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamConfig.builder(name));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name))
                .withMessageStartingWith("upstream must be empty or 1 to 64 of A-Z a-z 0-9 . _ - ")
                .withMessageEndingWith(", but was '" + name.replace("\\", "\\\\") + "'");
    }

    /**
     * Why the failure was not retried is part of its value: absent unless set, kept by {@code toBuilder()}, and two
     * failures that differ only in it are not equal (one would stand for the other in a test or a cache key).
     */
    @Test
    void theRetryRefusalIsAbsentUnlessSetAndKeptByToBuilder() {
        UpstreamFailure plain = UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream("orders").build();
        UpstreamFailure refused = plain.toBuilder().retryRefusal(RetryRefusal.NOT_IDEMPOTENT).build();

        assertThat(plain.retryRefusal()).isNull();
        assertThat(refused.retryRefusal()).isEqualTo(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(refused.toBuilder().build()).isEqualTo(refused);
        assertThat(refused).isNotEqualTo(plain);
        assertThat(refused.toBuilder().retryRefusal(null).build()).isEqualTo(plain);
    }

    /** The token the log lines write: each constant's name in lower case, e.g. {@code not_idempotent}. */
    @Test
    void everyRetryRefusalHasItsLowerCaseNameAsToken() {
        assertThat(RetryRefusal.NOT_IDEMPOTENT.token()).isEqualTo("not_idempotent");
        assertThat(RetryRefusal.values()).allSatisfy(refusal -> assertThat(refusal.token())
                .isEqualTo(refusal.name().toLowerCase(Locale.ROOT)));
    }

    /**
     * A failure an application or an extension builds (a CauseClassifier's {@code statusFailure}) with a value out
     * of range is refused at once, naming the component and the value: a status of 600 or 99 would become a page
     * outside 5xx (R1), a negative Retry-After an invalid header (R7).
     */
    @Test
    void refusesAComponentOutOfItsRangeNamingItAndItsValue() {
        UpstreamFailure.Builder status = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS);

        assertThatIllegalArgumentException().isThrownBy(() -> status.upstreamStatus(600).build())
                .withMessage("upstreamStatus must be 0 or in [100, 599], but was 600");
        assertThatIllegalArgumentException().isThrownBy(() -> status.upstreamStatus(99).build())
                .withMessage("upstreamStatus must be 0 or in [100, 599], but was 99");
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamFailure.ofUpstreamStatus(404, null))
                .withMessage("status must be in [500, 599], but was 404");
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamFailure.ofUpstreamStatus(600, null))
                .withMessage("status must be in [500, 599], but was 600");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).attempts(-1).build())
                .withMessage("attempts must be >= 0, but was -1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(-5)))
                .withMessage("upstreamRetryAfter must not be negative, but was PT-5S");
        assertThat(UpstreamFailure.ofUpstreamStatus(599, Duration.ZERO).upstreamStatus()).isEqualTo(599);
        assertThat(status.upstreamStatus(100).build().upstreamStatus()).isEqualTo(100);
    }

    /**
     * The builder checks each value as it is set, as the house style's builders do (and as its {@code upstream} did):
     * a status, attempts or a duration out of range failed only at {@code build()}, away from the line that set it.
     */
    @Test
    void builderRefusesAValueOutOfRangeWhereItIsSet() {
        UpstreamFailure.Builder builder = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS);

        assertThatIllegalArgumentException().isThrownBy(() -> builder.upstreamStatus(42))
                .withMessage("upstreamStatus must be 0 or in [100, 599], but was 42");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.attempts(-3))
                .withMessage("attempts must be >= 0, but was -3");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.upstreamRetryAfter(Duration.ofSeconds(-1)))
                .withMessage("upstreamRetryAfter must not be negative, but was PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.breakerRemainingOpen(Duration.ofSeconds(-1)))
                .withMessage("breakerRemainingOpen must not be negative, but was PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.elapsed(Duration.ofMillis(-1)))
                .withMessage("elapsed must not be negative, but was PT-0.001S");
        UpstreamFailure untouched = builder.build();
        assertThat(untouched.upstreamStatus()).as("nothing refused was kept").isZero();
        assertThat(untouched.attemptsKnown()).isFalse();
        assertThat(untouched.elapsedKnown()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "orders", "orders-1.eu_west", "9.billing_API",
        "o123456789o123456789o123456789o123456789o123456789o123456789abcd"})
    void acceptsEveryNameTheConfigurationTakesAndNone(String name) {
        assertThat(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name).build().upstream())
                .isEqualTo(name);
        assertThat(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name).build().toBuilder().build()
                .upstream()).isEqualTo(name);
    }

    /**
     * A failure knows whether its attempts and elapsed time were counted: set through the builder (an upstream
     * guard's, a reporter's), or given to the constructor of the record's former components, they are; the
     * builder's defaults (one attempt, zero), as {@link UpstreamFailure#of} has them, are not, and a copy keeps that.
     * The exception's message then names no attempts ("after 1 attempt" of a client that may have retried).
     */
    @Test
    void tellsAttemptsAndElapsedTimeItWasNotToldFromOnesMeasured() {
        UpstreamFailure classified = UpstreamFailure.of(FailureCause.HTTP_RESPONSE_TIMEOUT);
        UpstreamFailure timed = UpstreamFailure.builder(FailureCause.HTTP_RESPONSE_TIMEOUT).attempts(1)
                .elapsed(Duration.ZERO).build();
        UpstreamFailure constructed = new UpstreamFailure("orders", FailureCause.HTTP_RESPONSE_TIMEOUT, 0, null, null,
                1, Duration.ZERO, null, null);

        assertThat(classified.attempts()).as("as before").isEqualTo(1);
        assertThat(classified.elapsed()).as("as before").isZero();
        assertThat(classified.attemptsKnown()).isFalse();
        assertThat(classified.elapsedKnown()).isFalse();
        assertThat(classified.toBuilder().upstream("orders").build()).satisfies(copy -> {
            assertThat(copy.attemptsKnown()).isFalse();
            assertThat(copy.elapsedKnown()).isFalse();
        });
        assertThat(classified.toBuilder().attempts(1).build().attemptsKnown()).isTrue();
        assertThat(timed.attemptsKnown()).isTrue();
        assertThat(timed.elapsedKnown()).as("a measured 0").isTrue();
        assertThat(timed.toBuilder().build()).isEqualTo(timed);
        assertThat(constructed.attemptsKnown()).isTrue();
        assertThat(constructed.elapsedKnown()).isTrue();
        assertThat(new UpstreamFailureException(classified, null)).hasMessage("upstream failed: http_response_timeout");
        assertThat(new UpstreamFailureException(timed, null))
                .hasMessage("upstream failed: http_response_timeout after 1 attempt");
    }

    /**
     * An attempts count or an elapsed time said unknown can only be the builder's default (one attempt, zero): a
     * failure constructed with 3 attempts and {@code attemptsKnown} false was accepted, its log line saying
     * {@code attempts=-} while {@code attempts()} returned 3, which a guard reads to tell an inner guard's retries
     * from one attempt. The record's constructor refuses it, naming the component; the known ones, and the unknown
     * defaults, are accepted.
     */
    @Test
    void refusesAnAttemptsCountOrAnElapsedTimeSaidUnknownThatIsNotTheDefault() {
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamFailure("orders",
                FailureCause.HTTP_RESPONSE_TIMEOUT, 0, null, null, 3, Duration.ZERO, null, null, false, true))
                .withMessage("attempts must be 1 when attemptsKnown is false, but was 3");
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamFailure("orders",
                FailureCause.HTTP_RESPONSE_TIMEOUT, 0, null, null, 0, Duration.ZERO, null, null, false, true))
                .withMessage("attempts must be 1 when attemptsKnown is false, but was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamFailure("orders",
                FailureCause.HTTP_RESPONSE_TIMEOUT, 0, null, null, 1, Duration.ofSeconds(5), null, null, true, false))
                .withMessage("elapsed must be zero when elapsedKnown is false, but was PT5S");

        assertThat(new UpstreamFailure("orders", FailureCause.HTTP_RESPONSE_TIMEOUT, 0, null, null, 1, Duration.ZERO,
                null, null, false, false)).isEqualTo(UpstreamFailure.builder(FailureCause.HTTP_RESPONSE_TIMEOUT)
                .upstream("orders").build());
        assertThat(new UpstreamFailure("orders", FailureCause.HTTP_RESPONSE_TIMEOUT, 0, null, null, 3,
                Duration.ofSeconds(5), null, null, true, true).attempts()).isEqualTo(3);
    }
}
