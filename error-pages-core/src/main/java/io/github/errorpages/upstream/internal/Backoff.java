package io.github.errorpages.upstream.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;
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
    /** The jitter as the decimal it was written as: {@code Double.toString} gives the shortest that reads back. */
    private final BigDecimal writtenJitter;
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
        this.writtenJitter = BigDecimal.valueOf(jitter);
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
     * @return the jittered delay, in {@code [base * (1 - jitter), base * (1 + jitter))}, a whole number of
     *     nanoseconds, with {@code jitter} the decimal it was written as ({@code 0.1}, not the double nearest it)
     * @throws IllegalArgumentException if {@code retry} is below 1
     */
    public Duration delay(int retry) {
        long base = base(retry).toNanos();
        if (jitter == 0) {
            return Duration.ofNanos(base);
        }
        // The whole nanoseconds in the range, computed in decimal: in double arithmetic rounding carried a delay to
        // the excluded bound (110 ms for 100 ms and 0.1) and truncation took one below the lower (32899999 ns for
        // 35 ms and 0.06).
        BigDecimal nanos = BigDecimal.valueOf(base);
        long lowest = nanos.multiply(BigDecimal.ONE.subtract(writtenJitter)).setScale(0, RoundingMode.CEILING)
                .longValueExact();
        long highest = nanos.multiply(BigDecimal.ONE.add(writtenJitter)).setScale(0, RoundingMode.CEILING)
                .longValueExact() - 1;
        long span = highest - lowest + 1;
        return Duration.ofNanos(lowest + Math.min(span - 1, (long) (random.nextDouble() * span)));
    }
}
