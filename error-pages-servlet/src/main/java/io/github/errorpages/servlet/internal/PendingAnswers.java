package io.github.errorpages.servlet.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The asynchronous exchanges of a proxy whose answer is not written yet, which {@code destroy()} lets finish: once
 * it returns, the container stops the web application's class loader, and an answer written later would find
 * none of the classes it needs that were not loaded yet.
 *
 * <p>Thread-safe. Counting costs an atomic update per exchange, no lock: only {@link #awaitNone} takes one.
 */
public final class PendingAnswers {

    private final AtomicInteger pending = new AtomicInteger();
    /** Whether a thread waits, or has waited, in {@link #awaitNone}: only then is the last answer announced. */
    private volatile boolean awaited;

    /** Counts an exchange whose answer is to come. */
    public void add() {
        pending.incrementAndGet();
    }

    /** Counts an exchange answered (or left to the container), one {@link #add()} each. */
    public void remove() {
        if (pending.decrementAndGet() == 0 && awaited) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /**
     * Waits until every exchange is answered, or the limit passes.
     *
     * @param limit how long to wait at most
     * @return how many exchanges are still unanswered: 0 once all are
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public synchronized int awaitNone(Duration limit) throws InterruptedException {
        awaited = true;
        long deadline = System.nanoTime() + limit.toNanos();
        long left = limit.toNanos();
        while (pending.get() > 0 && left > 0) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
            left = deadline - System.nanoTime();
        }
        return pending.get();
    }
}
