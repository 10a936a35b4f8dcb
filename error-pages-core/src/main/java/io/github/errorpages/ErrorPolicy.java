package io.github.errorpages;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Turns an {@link UpstreamFailure} into an {@link ErrorDecision}: status, {@code Retry-After} and error
 * code. This is the single place where that decision is made (DESIGN §4).
 *
 * <p><b>Status.</b> A well-formed upstream 5xx ({@link FailureCause#UPSTREAM_STATUS}) keeps the upstream's
 * status (R3). Any other cause gets {@link ErrorPagesConfig#statusFor(FailureCause)}: the RFC 9209
 * recommendation unless overridden (R2).
 *
 * <p><b>Retry-After.</b> Sent on every 503; unless {@code retry-after.on-502-504} is off, on 502 and 504; on
 * any other status with a configured {@code retry-after.default.<status>} (e.g. a cause overridden to 507);
 * on the rest only when the upstream sent one ({@link UpstreamFailure#upstreamRetryAfter()}, R3); never on a 500 the
 * gateway caused (R4). The breakers' time alone puts none on a status that carries one only then, nor does an
 * endpoint's pushback past them that it includes (a {@code Retry-After} another call was told).
 * The value is the best signal available: the time the circuit breaker stays open (or until an endpoint pushing
 * back past it stops, {@link UpstreamFailure#breakerRemainingOpen()}) or the upstream's own
 * {@code Retry-After}, the later of the two when both are known (each is a floor: the breaker refuses calls
 * until then, and the upstream asked for no retry sooner, R46), else the configured default for the status.
 * Jitter, if configured, then adds up to its fraction at random; finally the value is rounded up to whole
 * seconds and clamped to {@code [1, retry-after.max]} (R10).
 *
 * <p>Instances are immutable and thread-safe, provided the {@link RandomGenerator} is (the default is).
 *
 * @since 0.1.0
 */
public final class ErrorPolicy {

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);

    private final ErrorPagesConfig config;
    private final Clock clock;
    private final RandomGenerator random;

    private ErrorPolicy(ErrorPagesConfig config, Clock clock, RandomGenerator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * A policy on the system UTC clock, with the calling thread's {@link ThreadLocalRandom} for jitter.
     *
     * @param config the configuration
     * @return the policy
     * @throws NullPointerException if {@code config} is null
     */
    public static ErrorPolicy of(ErrorPagesConfig config) {
        // Each thread's own generator: RandomGenerator.getDefault() makes one that is not thread-safe, whose state
        // threads rendering pages at once raced on (and drew the same jitter, the herd it is there to spread).
        return new ErrorPolicy(config, Clock.systemUTC(), () -> ThreadLocalRandom.current().nextLong());
    }

    /**
     * A policy with an explicit clock (for HTTP-date values) and random source (for jitter); for tests
     * and for callers that drive time themselves.
     *
     * @param config the configuration
     * @param clock the clock
     * @param random the random source; must be thread-safe if the policy is shared
     * @return the policy
     * @throws NullPointerException if an argument is null
     */
    public static ErrorPolicy of(ErrorPagesConfig config, Clock clock, RandomGenerator random) {
        return new ErrorPolicy(config, clock, random);
    }

    /**
     * @return the configuration this policy applies
     */
    public ErrorPagesConfig config() {
        return config;
    }

    /**
     * Decides how to answer a failure.
     *
     * @param failure the failure
     * @return the decision, never {@code null}
     * @throws NullPointerException if {@code failure} is null
     */
    public ErrorDecision decide(UpstreamFailure failure) {
        Objects.requireNonNull(failure, "failure");
        FailureCause cause = failure.cause();
        int status = statusOf(failure);
        Duration retryAfter = retryAfter(status, failure);
        String header = null;
        if (retryAfter != null) {
            header = config.retryAfterFormat() == RetryAfterFormat.HTTP_DATE
                    ? RetryAfter.formatHttpDate(clock.instant(), retryAfter)
                    : RetryAfter.formatDelaySeconds(retryAfter);
        }
        return new ErrorDecision(status, cause, cause.token(), retryAfter, header, failure);
    }

    private int statusOf(UpstreamFailure failure) {
        if (failure.cause() == FailureCause.UPSTREAM_STATUS) {
            int upstream = failure.upstreamStatus();
            return upstream >= 500 && upstream <= 599 ? upstream : FailureCause.UPSTREAM_STATUS.defaultStatus();
        }
        return config.statusFor(failure.cause());
    }

    private Duration retryAfter(int status, UpstreamFailure failure) {
        boolean always = status == 503 || (status == 502 || status == 504
                ? config.isRetryAfterOn502And504Enabled() : config.retryAfterDefault(status) != null);
        boolean gatewayFault = status == 500 && failure.cause() != FailureCause.UPSTREAM_STATUS;
        Duration signal = bestSignal(failure);
        if (signal == null && always) {
            signal = config.retryAfterDefault(status);
            if (signal == null) {
                signal = status == 503 ? ErrorPagesConfig.DEFAULT_RETRY_AFTER_503 : null;
            }
        }
        if (signal == null || gatewayFault || !(always || failure.upstreamRetryAfter() != null)) {
            return null;
        }
        return clamp(withJitter(signal));
    }

    /**
     * A configured default as {@link #decide} sends it: jittered, rounded up to whole seconds and clamped (R10). For a
     * {@code Retry-After} that stands in for a time nobody knows, the maintenance page's of an unknown end, which
     * every client would otherwise be given to the same second.
     *
     * @param value the default
     * @return the value to send, in {@code [1 s, retry-after.max]}
     */
    Duration jitteredDefault(Duration value) {
        return clamp(withJitter(value));
    }

    private static Duration bestSignal(UpstreamFailure failure) {
        Duration breaker = failure.breakerRemainingOpen();
        Duration upstream = failure.upstreamRetryAfter();
        if (breaker == null) {
            return upstream;
        }
        return upstream != null && upstream.compareTo(breaker) > 0 ? upstream : breaker;
    }

    private Duration withJitter(Duration value) {
        double jitter = config.retryAfterJitter();
        if (jitter == 0.0 || value.isZero() || value.compareTo(config.retryAfterMax()) >= 0) {
            // At or past the maximum the clamp decides; adding to a huge value could also overflow.
            return value;
        }
        long millis = saturatedMillis(value);
        long extra = (long) Math.floor(millis * jitter * random.nextDouble());
        // Added to the value itself, not to its whole milliseconds: a breaker open 30.0004 s cut to 30 s would be
        // rounded up to 30, and the client sent back while it still refuses (R10).
        return value.plusMillis(extra);
    }

    private Duration clamp(Duration value) {
        Duration max = config.retryAfterMax();
        if (value.compareTo(max) >= 0) {
            return max;
        }
        Duration whole = Duration.ofSeconds(RetryAfter.ceilSeconds(value));
        return whole.compareTo(ONE_SECOND) < 0 ? ONE_SECOND : whole.compareTo(max) > 0 ? max : whole;
    }

    private static long saturatedMillis(Duration value) {
        try {
            return value.toMillis();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "ErrorPolicy{" + config + '}';
    }
}
