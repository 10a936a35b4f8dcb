package io.github.errorpages.testing;

import static org.assertj.core.api.Assertions.fail;

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
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("waited 10 s for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
