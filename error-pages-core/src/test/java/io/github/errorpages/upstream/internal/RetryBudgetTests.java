package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Standards R44: retries stay within max(min, ratio * calls) over a sliding window. */
class RetryBudgetTests {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final RetryBudget budget = RetryBudget.of(0.1, 3, Duration.ofSeconds(10), nanos::get);

    @Test
    void grantsTheMinimumToAQuietUpstream() {
        budget.recordCall();

        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).isTrue();
        assertThat(budget.tryAcquireRetry()).as("a fourth retry for one call").isFalse();
        assertThat(budget.retries()).isEqualTo(3);
    }

    @Test
    void grantsTenPercentOfTheCallsOnceAboveTheMinimum() {
        for (int i = 0; i < 1000; i++) {
            budget.recordCall();
        }

        int granted = 0;
        while (budget.tryAcquireRetry()) {
            granted++;
        }

        assertThat(granted).isEqualTo(100);
        assertThat(budget.calls()).isEqualTo(1000);
        budget.recordCall();
        assertThat(budget.tryAcquireRetry()).as("1001 calls still allow 100 retries only").isFalse();
        for (int i = 0; i < 9; i++) {
            budget.recordCall();
        }
        assertThat(budget.tryAcquireRetry()).as("1010 calls allow a 101st").isTrue();
    }

    /**
     * R44 and docs/configuration.md: the retries stay at or below {@code ratio × calls}, the ratio as it was written.
     * In double arithmetic 0.29 × 100 is 28.999999999999996 and 0.35 × 180 is 62.99999999999999: rounded down, a
     * retry the budget allows was refused.
     */
    @ParameterizedTest(name = "{0} x {1} calls -> {2} retries")
    @CsvSource({"0.29, 100, 29", "0.35, 180, 63", "0.29, 800, 232", "0.1, 1000, 100"})
    void grantsTheRatioOfTheCallsAsWrittenNotItsNearestDouble(double ratio, int calls, int allowed) {
        RetryBudget exact = RetryBudget.of(ratio, 0, Duration.ofSeconds(10), nanos::get);
        for (int i = 0; i < calls; i++) {
            exact.recordCall();
        }

        int granted = 0;
        while (exact.tryAcquireRetry()) {
            granted++;
        }

        assertThat(granted).isEqualTo(allowed);
    }

    @Test
    void forgetsCallsAndRetriesOnceTheyLeaveTheWindow() {
        for (int i = 0; i < 200; i++) {
            budget.recordCall();
        }
        while (budget.tryAcquireRetry()) {
            // spend it
        }
        assertThat(budget.retries()).isEqualTo(20);

        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(budget.calls()).as("half a window later").isEqualTo(200);
        assertThat(budget.tryAcquireRetry()).isFalse();

        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(budget.calls()).as("a full window later").isZero();
        assertThat(budget.retries()).isZero();
        assertThat(budget.tryAcquireRetry()).as("the minimum applies again").isTrue();
    }

    @Test
    void slidesBucketByBucket() {
        for (int i = 0; i < 100; i++) {
            budget.recordCall();
        }
        nanos.addAndGet(Duration.ofSeconds(6).toNanos());
        for (int i = 0; i < 50; i++) {
            budget.recordCall();
        }
        assertThat(budget.calls()).isEqualTo(150);

        nanos.addAndGet(Duration.ofSeconds(4).toNanos());

        assertThat(budget.calls()).as("the first 100 calls are 10 s old").isEqualTo(50);
    }

    @Test
    void concurrentFailuresNeverOverdrawTheBudget() throws Exception {
        RetryBudget shared = RetryBudget.of(0.1, 10, Duration.ofSeconds(60), System::nanoTime);
        int threads = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> grants = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                grants.add(pool.submit(() -> {
                    start.await();
                    int granted = 0;
                    for (int i = 0; i < 500; i++) {
                        shared.recordCall();
                        if (shared.tryAcquireRetry()) {
                            granted++;
                        }
                    }
                    return granted;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> g : grants) {
                total += g.get(30, TimeUnit.SECONDS);
            }

            // 32 000 calls allow 3 200 retries; every grant was checked against the calls counted so far.
            assertThat(total).isLessThanOrEqualTo(3200).isGreaterThanOrEqualTo(3190);
            assertThat(shared.retries()).isEqualTo(total);
            assertThat(shared.calls()).isEqualTo(32_000);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A call taken back (its client held it back, never sent) lowers the calls of its own period only: once that
     * period has left the window, the calls now counted in its bucket are another period's and stay, and no count
     * goes below zero (a budget of fewer calls than none would refuse retries that the minimum grants).
     */
    @Test
    void takesBackACallOnlyWithinItsOwnPeriodAndNeverBelowNone() {
        long old = budget.recordCall();
        nanos.addAndGet(Duration.ofSeconds(10).toNanos()); // a whole window later: the same bucket, another period
        long current = budget.recordCall();

        budget.unrecordCall(old);
        assertThat(budget.calls()).as("the newer period's call stays").isEqualTo(1);
        budget.unrecordCall(current);
        budget.unrecordCall(current);
        assertThat(budget.calls()).isZero();
        budget.recordCall();
        assertThat(budget.calls()).isEqualTo(1);
    }

    @Test
    void unlimitedBudgetGrantsEveryRetry() {
        RetryBudget unlimited = RetryBudget.unlimited();
        for (int i = 0; i < 10_000; i++) {
            assertThat(unlimited.tryAcquireRetry()).isTrue();
        }
        unlimited.unrecordCall(unlimited.recordCall()); // nothing counted, nothing to take back
        assertThat(unlimited.calls()).isZero();
    }
}
