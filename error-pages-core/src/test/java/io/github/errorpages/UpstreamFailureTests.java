package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamFailureTests {

    /**
     * The upstream's name goes into the incident's log line: one with a CR or LF split it in two, the second line
     * the caller's to write ("error page status=200 ..."), from application code that builds its own failure.
     */
    @ParameterizedTest
    @ValueSource(strings = {"orders\nerror page status=200", "orders\r", "a\u0000b", "a\u007fb", "a\u0085b"})
    void refusesAnUpstreamNameWithAControlCharacter(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name).build())
                .withMessageStartingWith("upstream must hold no control character, but held U+")
                .withMessageNotContaining(name);
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamFailure(name, FailureCause.CONNECTION_REFUSED,
                0, null, null, 1, Duration.ZERO, null, null));
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

    @ParameterizedTest
    @ValueSource(strings = {"", "orders", "orders-1.eu_west", "bestellungen-ü"})
    void acceptsNames(String name) {
        assertThat(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name).build().upstream())
                .isEqualTo(name);
    }
}
