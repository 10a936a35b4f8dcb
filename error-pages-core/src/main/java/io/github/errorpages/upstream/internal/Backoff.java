package io.github.errorpages.upstream.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with proportional jitter (standards R43, gRPC A6): the delay before retry k
 * (k = 1 for the first retry) is {@code min(initial * multiplier^(k-1), max) * f} with f uniformly random
 * in {@code [1 - jitter, 1 + jitter)}.
 *
 * <p>Instances are immutable and thread-safe, provided the random source is.
 */
public final class Backoff {

    private final long initialNanos;
    private final double multiplier;
    private final long maxNanos;
    private final double jitter;
    private final RandomGenerator random;

    /**
     * @param initial the first base delay, positive
     * @param multiplier at least 1
     * @param max the cap of the base delay, at least {@code initial}
     * @param jitter in [0, 1)
     * @param random the random source; thread-safe if the backoff is shared
     */
    public Backoff(Duration initial, double multiplier, Duration max, double jitter, RandomGenerator random) {
        this.initialNanos = initial.toNanos();
        this.multiplier = multiplier;
        this.maxNanos = max.toNanos();
        this.jitter = jitter;
        this.random = Objects.requireNonNull(random, "random");
        if (initialNanos <= 0 || multiplier < 1.0 || maxNanos < initialNanos || !(jitter >= 0.0 && jitter < 1.0)) {
            throw new IllegalArgumentException("initial " + initial + ", multiplier " + multiplier + ", max " + max
                    + ", jitter " + jitter);
        }
    }

    /**
     * @param retry the retry's number, 1 for the first retry
     * @return the base delay before jitter: {@code min(initial * multiplier^(retry-1), max)}
     * @throws IllegalArgumentException if {@code retry} is below 1
     */
    public Duration base(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be at least 1, but was " + retry);
        }
        double nanos = initialNanos * Math.pow(multiplier, retry - 1.0);
        return Duration.ofNanos(nanos >= maxNanos ? maxNanos : (long) nanos);
    }

    /**
     * @param retry the retry's number, 1 for the first retry
     * @return the jittered delay, in {@code [base * (1 - jitter), base * (1 + jitter))}
     * @throws IllegalArgumentException if {@code retry} is below 1
     */
    public Duration delay(int retry) {
        long base = base(retry).toNanos();
        double factor = 1.0 - jitter + 2.0 * jitter * random.nextDouble();
        long nanos = (long) (base * factor);
        double excluded = base * (1.0 + jitter);
        if (jitter > 0 && nanos >= excluded) {
            // Rounding carried the largest factors up to the excluded bound itself: the nanosecond below it.
            nanos = (long) Math.ceil(excluded) - 1;
        }
        return Duration.ofNanos(nanos);
    }
}
