package io.github.errorpages;

import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.Durations;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How failures are turned into responses: the status for each cause and the {@code Retry-After} rules
 * (DESIGN §4, standards R2 and R7–R11).
 *
 * <p>Every setting has a configuration key (given in each builder method's javadoc, e.g.
 * {@code retry-after.max}); it is the key used in servlet init-parameters (and, prefixed with
 * {@code error-pages.}, in servlet context parameters and the planned Spring Boot starter's properties), and it
 * is named in every validation message, together with the rejected value.
 *
 * <p>Instances are immutable and thread-safe. {@link Builder} is not thread-safe; it validates each value
 * as it is set and {@link Builder#build()} copies, so a builder reused later cannot change a config built
 * before.
 *
 * @since 0.1.0
 */
public final class ErrorPagesConfig {

    /** Default for {@code retry-after.max}: one hour (R10). */
    public static final Duration DEFAULT_RETRY_AFTER_MAX = Duration.ofHours(1);
    /** The largest {@code retry-after.max} accepted: one day, after which search engines start to drop pages. */
    public static final Duration MAX_RETRY_AFTER_MAX = Duration.ofDays(1);
    /** Default {@code Retry-After} for a 503 when no better signal exists. */
    public static final Duration DEFAULT_RETRY_AFTER_503 = Duration.ofSeconds(30);
    /** Default {@code Retry-After} for a 502 or 504 when no better signal exists. */
    public static final Duration DEFAULT_RETRY_AFTER_502_504 = Duration.ofSeconds(10);
    /** Default for {@code retry-after.on-502-504}. */
    public static final boolean DEFAULT_RETRY_AFTER_ON_502_504 = true;
    /** Default for {@code retry-after.jitter}: none, so the header equals the best signal. */
    public static final double DEFAULT_RETRY_AFTER_JITTER = 0.0;
    /** Default for {@code retry-after.format}. */
    public static final RetryAfterFormat DEFAULT_RETRY_AFTER_FORMAT = RetryAfterFormat.DELAY_SECONDS;

    private static final ErrorPagesConfig DEFAULTS = builder().build();

    private final Map<FailureCause, Integer> statusOverrides;
    private final Duration retryAfterMax;
    private final Map<Integer, Duration> retryAfterDefaults;
    private final boolean retryAfterOn502And504;
    private final double retryAfterJitter;
    private final RetryAfterFormat retryAfterFormat;

    private ErrorPagesConfig(Builder b) {
        this.statusOverrides = Collections.unmodifiableMap(new EnumMap<>(b.statusOverrides));
        this.retryAfterMax = b.retryAfterMax;
        this.retryAfterDefaults = Collections.unmodifiableMap(new TreeMap<>(b.retryAfterDefaults));
        this.retryAfterOn502And504 = b.retryAfterOn502And504;
        this.retryAfterJitter = b.retryAfterJitter;
        this.retryAfterFormat = b.retryAfterFormat;
    }

    /**
     * @return the configuration with every default
     */
    public static ErrorPagesConfig ofDefaults() {
        return DEFAULTS;
    }

    /**
     * @return a new builder holding the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a new builder holding this configuration's values
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the status for a cause: the configured override, else the RFC 9209 recommendation.
     *
     * @param cause the cause
     * @return a status in [500, 599]
     * @throws NullPointerException if {@code cause} is null
     */
    public int statusFor(FailureCause cause) {
        Integer override = statusOverrides.get(Objects.requireNonNull(cause, "cause"));
        return override != null ? override : cause.defaultStatus();
    }

    /**
     * @return the configured status overrides, by cause; unmodifiable
     */
    public Map<FailureCause, Integer> statusOverrides() {
        return statusOverrides;
    }

    /**
     * @return the upper bound of every {@code Retry-After} sent
     */
    public Duration retryAfterMax() {
        return retryAfterMax;
    }

    /**
     * Returns the {@code Retry-After} used for a status when neither the breaker nor the upstream gives one.
     *
     * @param status an HTTP status
     * @return the default, or {@code null} when the status has none
     */
    public @Nullable Duration retryAfterDefault(int status) {
        return retryAfterDefaults.get(status);
    }

    /**
     * @return the per-status defaults; unmodifiable, ordered by status
     */
    public Map<Integer, Duration> retryAfterDefaults() {
        return retryAfterDefaults;
    }

    /**
     * @return whether 502 and 504 responses carry a {@code Retry-After} too (503 always does)
     */
    public boolean isRetryAfterOn502And504Enabled() {
        return retryAfterOn502And504;
    }

    /**
     * @return the jitter fraction: up to this share of the value is added at random, in [0, 1]
     */
    public double retryAfterJitter() {
        return retryAfterJitter;
    }

    /**
     * @return how the header is written
     */
    public RetryAfterFormat retryAfterFormat() {
        return retryAfterFormat;
    }

    @Override
    public String toString() {
        Map<Integer, String> defaults = new TreeMap<>();
        retryAfterDefaults.forEach((status, delay) -> defaults.put(status, Durations.shown(delay)));
        return "ErrorPagesConfig{statusOverrides=" + statusOverrides + ", retryAfterMax="
                + Durations.shown(retryAfterMax) + ", retryAfterDefaults=" + defaults + ", retryAfterOn502And504="
                + retryAfterOn502And504
                + ", retryAfterJitter=" + retryAfterJitter + ", retryAfterFormat=" + retryAfterFormat + '}';
    }

    /**
     * Builds an {@link ErrorPagesConfig}. Not thread-safe. Each method checks its value at once and
     * throws {@link IllegalArgumentException} naming the configuration key and the rejected value.
     */
    public static final class Builder {
        private final Map<FailureCause, Integer> statusOverrides = new EnumMap<>(FailureCause.class);
        private Duration retryAfterMax = DEFAULT_RETRY_AFTER_MAX;
        private final Map<Integer, Duration> retryAfterDefaults = new TreeMap<>();
        private boolean retryAfterOn502And504 = DEFAULT_RETRY_AFTER_ON_502_504;
        private double retryAfterJitter = DEFAULT_RETRY_AFTER_JITTER;
        private RetryAfterFormat retryAfterFormat = DEFAULT_RETRY_AFTER_FORMAT;

        private Builder() {
            retryAfterDefaults.put(502, DEFAULT_RETRY_AFTER_502_504);
            retryAfterDefaults.put(503, DEFAULT_RETRY_AFTER_503);
            retryAfterDefaults.put(504, DEFAULT_RETRY_AFTER_502_504);
        }

        private Builder(ErrorPagesConfig config) {
            statusOverrides.putAll(config.statusOverrides);
            retryAfterMax = config.retryAfterMax;
            retryAfterDefaults.putAll(config.retryAfterDefaults);
            retryAfterOn502And504 = config.retryAfterOn502And504;
            retryAfterJitter = config.retryAfterJitter;
            retryAfterFormat = config.retryAfterFormat;
        }

        /**
         * Overrides the status for a cause (key {@code status.<token>}, e.g. {@code status.connection_refused}).
         * Default: the RFC 9209 recommendation, {@link FailureCause#defaultStatus()}.
         *
         * @param cause the cause; not {@link FailureCause#UPSTREAM_STATUS}, whose status is the upstream's own
         * @param status a status in [500, 599]
         * @return this builder
         * @throws IllegalArgumentException if {@code status} is not in [500, 599], or {@code cause} is
         *     {@link FailureCause#UPSTREAM_STATUS}
         */
        public Builder status(FailureCause cause, int status) {
            Objects.requireNonNull(cause, "cause");
            String key = "status." + cause.token();
            if (cause == FailureCause.UPSTREAM_STATUS) {
                throw invalid(key, status, "cannot be overridden: an upstream's well-formed 5xx keeps its status");
            }
            if (status < 500 || status > 599) {
                throw invalid(key, status, "must be a 5xx status (500-599); an upstream failure is never answered "
                        + "with 2xx, 3xx or 4xx");
            }
            statusOverrides.put(cause, status);
            return this;
        }

        /**
         * Sets the upper bound of every {@code Retry-After} sent, including an upstream's own (key
         * {@code retry-after.max}). Default {@link #DEFAULT_RETRY_AFTER_MAX}.
         *
         * @param max whole seconds in [1 s, 1 day]
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is outside [1 s, 1 day] or not whole seconds
         */
        public Builder retryAfterMax(Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.compareTo(Duration.ofSeconds(1)) < 0 || max.compareTo(MAX_RETRY_AFTER_MAX) > 0 || max.getNano() != 0) {
                throw invalid("retry-after.max", max, "must be whole seconds between 1s and 86400s");
            }
            retryAfterMax = max;
            return this;
        }

        /**
         * Sets the {@code Retry-After} for a status when neither an open breaker nor the upstream gives one
         * (key {@code retry-after.default.<status>}). Defaults: 503 → 30 s, 502 and 504 → 10 s; other
         * statuses have none, and a 500 must not have one (R4: it is not temporary). A status given one here
         * always carries a {@code Retry-After}, except 502 and 504 while {@code retry-after.on-502-504} is off.
         *
         * @param status a status in [501, 599]
         * @param delay whole seconds, at least 1 s; clamped to {@code retry-after.max} when used
         * @return this builder
         * @throws IllegalArgumentException if {@code status} is not in [501, 599] or {@code delay} is below
         *     one second or not whole seconds
         */
        public Builder retryAfterDefault(int status, Duration delay) {
            Objects.requireNonNull(delay, "delay");
            String key = "retry-after.default." + status;
            if (status < 501 || status > 599) {
                throw invalid(key, status, "names no status that may carry a default Retry-After (501-599)");
            }
            if (delay.compareTo(Duration.ofSeconds(1)) < 0 || delay.getNano() != 0) {
                throw invalid(key, delay, "must be whole seconds, at least 1s");
            }
            retryAfterDefaults.put(status, delay);
            return this;
        }

        /**
         * Whether 502 and 504 responses carry a {@code Retry-After} too (key {@code retry-after.on-502-504}).
         * 503 responses always do. Default {@code true}; RFC 9110 defines the field only for 503 and 3xx,
         * so set {@code false} for the strict reading (R9).
         *
         * @param enabled whether to send it
         * @return this builder
         */
        public Builder retryAfterOn502And504Enabled(boolean enabled) {
            retryAfterOn502And504 = enabled;
            return this;
        }

        /**
         * Adds up to this fraction of the value at random, so that clients told to come back do not all
         * come back at the same second (key {@code retry-after.jitter}). Jitter only ever lengthens the
         * delay, and the result is still clamped to {@code retry-after.max}. Default 0 (none).
         *
         * @param fraction in [0, 1]
         * @return this builder
         * @throws IllegalArgumentException if {@code fraction} is not in [0, 1]
         */
        public Builder retryAfterJitter(double fraction) {
            if (!(fraction >= 0.0 && fraction <= 1.0)) {
                throw invalid("retry-after.jitter", fraction, "must be between 0 and 1");
            }
            retryAfterJitter = fraction;
            return this;
        }

        /**
         * Sets how the header is written (key {@code retry-after.format}). Default delay-seconds.
         *
         * @param format the format
         * @return this builder
         */
        public Builder retryAfterFormat(RetryAfterFormat format) {
            retryAfterFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * @return the configuration
         */
        public ErrorPagesConfig build() {
            return new ErrorPagesConfig(this);
        }

        private static IllegalArgumentException invalid(String key, Object value, String rule) {
            return ConfigurationErrors.invalid(key, value, rule);
        }
    }
}
