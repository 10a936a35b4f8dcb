package io.github.errorpages.testing;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition that another thread makes true, instead of sleeping for a guessed time. */
public final class Await {

    private Await() {
    }

    /**
     * Returns once the condition holds; fails the test after 10 s.
     *
     * @param condition what must become true
     * @param what the condition in words, for the failure message
     */
    public static void until(BooleanSupplier condition, String what) {
        until(condition, what, Duration.ofSeconds(10));
    }

    /**
     * Returns once the condition holds; fails the test after {@code limit}: for a condition that would come true by
     * itself later (a thread that ends once its owner is collected), which the code under test must make true sooner.
     *
     * @param condition what must become true
     * @param what the condition in words, for the failure message
     * @param limit how long to wait
     */
    public static void until(BooleanSupplier condition, String what, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("waited " + limit.toMillis() + " ms for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * Waits up to 10 s for a latch, failing nothing: for a thread of the code under test (a container's, a stream's
     * listener), where a failed assertion would be taken for the code's own error; its caller asserts the result on
     * the test's thread.
     *
     * @param latch what must open
     * @return whether it opened in time (not if the waiting thread was interrupted, whose interrupt is kept)
     */
    public static boolean opened(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
