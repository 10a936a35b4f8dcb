package io.github.errorpages;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one decision about a failed upstream call, made by {@link ErrorPolicy}: the status, the
 * {@code Retry-After}, and the stable error code. The page text, the JSON body, the countdown, the log
 * line and the metric tags all take their values from here, so they cannot disagree.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param status the HTTP status to answer with, in [500, 599]
 * @param cause the cause of the failure
 * @param errorCode the stable machine-readable code, the cause's RFC 9209 token (e.g.
 *     {@code connection_refused}); safe to show to clients
 * @param retryAfter when the client should come back, in whole seconds and at least one second, or
 *     {@code null} when no {@code Retry-After} is sent
 * @param retryAfterHeader the {@code Retry-After} field value to send, or {@code null} exactly when
 *     {@code retryAfter} is null
 * @param failure the failure this decision is about
 * @since 0.1.0
 */
public record ErrorDecision(
        int status,
        FailureCause cause,
        String errorCode,
        @Nullable Duration retryAfter,
        @Nullable String retryAfterHeader,
        UpstreamFailure failure) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code cause}, {@code errorCode} or {@code failure} is null
     * @throws IllegalArgumentException if {@code status} is not 5xx, {@code retryAfter} is below one
     *     second or not whole, or exactly one of {@code retryAfter} and {@code retryAfterHeader} is null
     */
    public ErrorDecision {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(errorCode, "errorCode");
        Objects.requireNonNull(failure, "failure");
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("status must be in [500, 599], but was " + status);
        }
        if ((retryAfter == null) != (retryAfterHeader == null)) {
            throw new IllegalArgumentException("retryAfter and retryAfterHeader must both be set or both be null");
        }
        if (retryAfter != null && (retryAfter.compareTo(Duration.ofSeconds(1)) < 0 || retryAfter.getNano() != 0)) {
            throw new IllegalArgumentException("retryAfter must be whole seconds >= 1, but was " + retryAfter);
        }
    }

    /**
     * @return the {@code Retry-After} delay, or empty when none is sent
     */
    public Optional<Duration> retryAfterDelay() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * @return the {@code Retry-After} delay in seconds, or {@code 0} when none is sent
     */
    public long retryAfterSeconds() {
        return retryAfter == null ? 0 : retryAfter.getSeconds();
    }
}
