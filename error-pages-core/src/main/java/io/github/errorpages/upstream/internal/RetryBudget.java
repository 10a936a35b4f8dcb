package io.github.errorpages.upstream.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Limits the retries of one upstream to a share of its calls over a sliding time window (standards R44,
 * the "retry budget" of Google SRE, Finagle and Envoy): a retry is granted only while the retries granted
 * within the window stay at or below {@code max(minRetries, ratio * calls)}.
 *
 * <p>The window is split into {@value #BUCKETS} buckets that roll over as time passes. Counting a call
 * ({@link #recordCall()}, on every call) takes no lock; granting a retry ({@link #tryAcquireRetry()}, only
 * after a failure) takes this object's lock, so that concurrent failures can never overdraw the budget.
 *
 * <p>Thread-safe.
 */
public final class RetryBudget {

    /** How many buckets the window is split into: the granularity with which old calls leave it. */
    public static final int BUCKETS = 10;

    private static final RetryBudget UNLIMITED = new RetryBudget();

    private final double ratio;
    /** The ratio as the decimal it was written as: {@code Double.toString} gives the shortest that reads back. */
    private final BigDecimal writtenRatio;
    private final long minRetries;
    private final long bucketNanos;
    private final LongSupplier nanoTime;
    private final Bucket[] buckets;

    private RetryBudget() {
        this.ratio = 0;
        this.writtenRatio = BigDecimal.ZERO;
        this.minRetries = 0;
        this.bucketNanos = 1;
        this.nanoTime = () -> 0L;
        this.buckets = new Bucket[0];
    }

    private RetryBudget(double ratio, int minRetries, Duration window, LongSupplier nanoTime) {
        this.ratio = ratio;
        this.writtenRatio = BigDecimal.valueOf(ratio);
        this.minRetries = minRetries;
        this.bucketNanos = Math.max(1, window.toNanos() / BUCKETS);
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.buckets = new Bucket[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            buckets[i] = new Bucket();
        }
    }

    /**
     * @param ratio retries per call, in (0, 1]
     * @param minRetries retries granted within the window however few the calls, at least 0
     * @param window the sliding window, positive
     * @param nanoTime the time source, {@code System::nanoTime} outside tests
     * @return a budget
     */
    public static RetryBudget of(double ratio, int minRetries, Duration window, LongSupplier nanoTime) {
        if (!(ratio > 0.0 && ratio <= 1.0) || minRetries < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("ratio " + ratio + ", minRetries " + minRetries + ", window " + window);
        }
        return new RetryBudget(ratio, minRetries, window, nanoTime);
    }

    /**
     * @return a budget that grants every retry and counts nothing
     */
    public static RetryBudget unlimited() {
        return UNLIMITED;
    }

    /**
     * Counts one call (its first attempt; retries are counted by {@link #tryAcquireRetry()}).
     *
     * @return the period it was counted in, for {@link #unrecordCall}
     */
    public long recordCall() {
        if (this == UNLIMITED) {
            return Long.MIN_VALUE;
        }
        long epoch = epoch();
        bucket(epoch).calls.incrementAndGet();
        return epoch;
    }

    /**
     * Takes back a call counted by {@link #recordCall()} that turned out to be rejected, never sent (its client's
     * own limit held it back): it must not raise the retries allowed, as a call a full bulkhead rejects does not.
     * Nothing once its period has left the window.
     *
     * @param epoch what {@link #recordCall()} returned
     */
    public void unrecordCall(long epoch) {
        if (this == UNLIMITED) {
            return;
        }
        Bucket b = buckets[(int) Math.floorMod(epoch, (long) BUCKETS)];
        synchronized (b) {
            if (b.epoch == epoch && b.calls.get() > 0) {
                b.calls.decrementAndGet();
            }
        }
    }

    /**
     * Grants a retry if the budget allows one, and counts it.
     *
     * @return whether the retry may be made
     */
    public boolean tryAcquireRetry() {
        if (this == UNLIMITED) {
            return true;
        }
        synchronized (this) {
            long epoch = epoch();
            long calls = 0;
            long retries = 0;
            for (Bucket b : buckets) {
                long e = b.epoch;
                if (e > epoch - BUCKETS && e <= epoch) {
                    calls += b.calls.get();
                    retries += b.retries.get();
                }
            }
            if (retries >= Math.max(minRetries, allowedFor(calls))) {
                return false;
            }
            bucket(epoch).retries.incrementAndGet();
            return true;
        }
    }

    /**
     * The retries {@code calls} allow, {@code ratio × calls} rounded down, computed in decimal: in double arithmetic
     * 0.29 × 100 is 28.999999999999996, and the 29th retry the budget allows was refused. Only after a failure.
     */
    private long allowedFor(long calls) {
        return writtenRatio.multiply(BigDecimal.valueOf(calls)).longValue();
    }

    /** @return the calls counted within the window now */
    public long calls() {
        return sum(false);
    }

    /** @return the retries granted within the window now */
    public long retries() {
        return sum(true);
    }

    private long sum(boolean retries) {
        long epoch = epoch();
        long sum = 0;
        for (Bucket b : buckets) {
            long e = b.epoch;
            if (e > epoch - BUCKETS && e <= epoch) {
                sum += retries ? b.retries.get() : b.calls.get();
            }
        }
        return sum;
    }

    private long epoch() {
        return Math.floorDiv(nanoTime.getAsLong(), bucketNanos);
    }

    private Bucket bucket(long epoch) {
        Bucket b = buckets[(int) Math.floorMod(epoch, (long) BUCKETS)];
        if (b.epoch != epoch) {
            synchronized (b) {
                // Only ever move a bucket forward: a thread that read the clock a moment too early must not
                // wipe counts of the newer period.
                if (b.epoch < epoch) {
                    b.calls.set(0);
                    b.retries.set(0);
                    b.epoch = epoch;
                }
            }
        }
        return b;
    }

    @Override
    public String toString() {
        return this == UNLIMITED ? "RetryBudget{unlimited}"
                : "RetryBudget{ratio=" + ratio + ", minRetries=" + minRetries + ", calls=" + calls() + ", retries="
                        + retries() + '}';
    }

    private static final class Bucket {
        volatile long epoch = Long.MIN_VALUE;
        final AtomicLong calls = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
    }
}
