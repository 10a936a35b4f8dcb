package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ErrorPagesConfigTests {

    @Test
    void defaultsFollowTheStandards() {
        ErrorPagesConfig config = ErrorPagesConfig.ofDefaults();

        assertThat(config.retryAfterMax()).isEqualTo(Duration.ofHours(1));
        assertThat(config.retryAfterDefault(503)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.retryAfterDefault(502)).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.retryAfterDefault(500)).isNull();
        assertThat(config.isRetryAfterOn502And504Enabled()).isTrue();
        assertThat(config.retryAfterFormat()).isEqualTo(RetryAfterFormat.DELAY_SECONDS);
        assertThat(config.statusFor(FailureCause.CONNECTION_REFUSED)).isEqualTo(502);
    }

    @Test
    void rejectsNon5xxStatusNamingKeyAndValue() { // R1, R22
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().status(FailureCause.CONNECTION_REFUSED, 404))
                .withMessage("Invalid error-pages configuration: status.connection_refused must be a 5xx status "
                        + "(500-599); an upstream failure is never answered with 2xx, 3xx or 4xx, but was 404");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().status(FailureCause.DNS_ERROR, 200))
                .withMessageContaining("status.dns_error").withMessageContaining("but was 200");
    }

    @Test
    void rejectsOverridingUpstreamStatus() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().status(FailureCause.UPSTREAM_STATUS, 502))
                .withMessageContaining("status.upstream_status cannot be overridden");
    }

    @Test
    void rejectsRetryAfterMaxOutOfRange() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterMax(Duration.ZERO))
                .withMessage("Invalid error-pages configuration: retry-after.max must be whole seconds between 1s "
                        + "and 86400s, but was 0s");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterMax(Duration.ofDays(2)))
                .withMessageContaining("retry-after.max").withMessageEndingWith("but was 48h");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterMax(Duration.ofMillis(1500)))
                .withMessageEndingWith("but was 1500ms");
    }

    @Test
    void rejectsDefaultRetryAfterFor500AndBadDelays() { // R4
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterDefault(500, Duration.ofSeconds(5)))
                .withMessageContaining("retry-after.default.500").withMessageContaining("but was 500");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterDefault(503, Duration.ZERO))
                .withMessageContaining("retry-after.default.503").withMessageEndingWith("but was 0s");
    }

    @Test
    void rejectsJitterOutsideUnitInterval() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterJitter(1.5))
                .withMessage("Invalid error-pages configuration: retry-after.jitter must be between 0 and 1, but was 1.5");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterJitter(Double.NaN))
                .withMessageContaining("NaN");
    }

    /**
     * A status or delay just past its range (a 600 typed for 500, a delay in milliseconds) is refused at startup,
     * naming the key and the value (R1, R7): the status of a page, a status that may carry a default Retry-After.
     */
    @Test
    void rejectsAStatusAboveTheRangeAndADelayOfFractionalSeconds() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().status(FailureCause.CONNECTION_REFUSED, 600))
                .withMessageContaining("status.connection_refused").withMessageContaining("but was 600");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterDefault(600, Duration.ofSeconds(5)))
                .withMessageContaining("retry-after.default.600").withMessageContaining("but was 600");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ErrorPagesConfig.builder().retryAfterDefault(503, Duration.ofMillis(1500)))
                .withMessageContaining("retry-after.default.503").withMessageEndingWith("but was 1500ms");
        assertThat(ErrorPagesConfig.builder().status(FailureCause.CONNECTION_REFUSED, 599)
                .retryAfterDefault(599, Duration.ofSeconds(5)).build().retryAfterDefault(599))
                .isEqualTo(Duration.ofSeconds(5));
    }

    /** What an application or the starter's health and info endpoints read back: what was set, unmodifiable. */
    @Test
    void exposesItsOverridesAndDefaultsUnmodifiable() {
        ErrorPagesConfig config = ErrorPagesConfig.builder().status(FailureCause.CONNECTION_REFUSED, 503)
                .retryAfterDefault(507, Duration.ofSeconds(20)).build();

        assertThat(config.statusOverrides()).containsExactly(java.util.Map.entry(FailureCause.CONNECTION_REFUSED, 503));
        assertThat(config.retryAfterDefaults()).containsEntry(507, Duration.ofSeconds(20))
                .containsEntry(503, Duration.ofSeconds(30));
        assertThatThrownBy(() -> config.retryAfterDefaults().put(500, Duration.ofSeconds(1)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(config).hasToString("ErrorPagesConfig{statusOverrides={CONNECTION_REFUSED=503}, "
                + "retryAfterMax=1h, retryAfterDefaults={502=10s, 503=30s, 504=10s, 507=20s}, "
                + "retryAfterOn502And504=true, retryAfterJitter=0.0, retryAfterFormat=DELAY_SECONDS}");
    }

    @Test
    void builtConfigIsNotChangedByItsBuilder() {
        ErrorPagesConfig.Builder builder = ErrorPagesConfig.builder().retryAfterMax(Duration.ofSeconds(60));
        ErrorPagesConfig first = builder.build();

        builder.retryAfterMax(Duration.ofSeconds(120)).status(FailureCause.CONNECTION_REFUSED, 503);

        assertThat(first.retryAfterMax()).isEqualTo(Duration.ofSeconds(60));
        assertThat(first.statusFor(FailureCause.CONNECTION_REFUSED)).isEqualTo(502);
        assertThat(first.toBuilder().build().retryAfterMax()).isEqualTo(Duration.ofSeconds(60));
    }
}
