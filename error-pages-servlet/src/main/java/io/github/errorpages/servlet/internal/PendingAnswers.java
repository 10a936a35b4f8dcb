package io.github.errorpages.servlet.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The exchanges of a proxy whose answer is not written yet, which {@code destroy()} lets finish: once
 * it returns, the container stops the web application's class loader, and an answer written later would find
 * none of the classes it needs that were not loaded yet.
 *
 * <p>Thread-safe. Counting costs an atomic update per exchange, no lock: only {@link #awaitNone} takes one, and the
 * answer that ends its wait.
 */
public final class PendingAnswers {

    private final AtomicInteger pending = new AtomicInteger();
    /** Whether a thread waits, or has waited, in {@link #awaitNone}: only then is the last answer announced. */
    private volatile boolean awaited;
    /**
     * Guards the wait for the last answer. A lock, not this object's monitor: {@link #awaitNone} waits under it for up
     * to its limit, which on a virtual thread of Java 21 to 23 (a container that runs {@code destroy()} on one) would
     * pin its carrier thread for that long (JEP 491 lifted that only in Java 24).
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the last pending exchange is answered ({@link #awaitNone} waits for it). */
    private final Condition noneLeft = lock.newCondition();

    /** Counts an exchange whose answer is to come. */
    public void add() {
        pending.incrementAndGet();
    }

    /** Counts an exchange answered (or left to the container), one {@link #add()} each. */
    public void remove() {
        if (pending.decrementAndGet() == 0 && awaited) {
            // Under the lock: a waiter that read the count before this decrement is in awaitNanos by the time the
            // lock is free, and gets the signal.
            lock.lock();
            try {
                noneLeft.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** @return how many exchanges are not answered yet, at the moment of the call */
    public int count() {
        return pending.get();
    }

    /**
     * Waits until every exchange is answered, or the limit passes.
     *
     * @param limit how long to wait at most
     * @return how many exchanges are still unanswered: 0 once all are
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public int awaitNone(Duration limit) throws InterruptedException {
        long left = limit.toNanos();
        lock.lock();
        try {
            awaited = true;
            while (pending.get() > 0 && left > 0) {
                left = noneLeft.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
        return pending.get();
    }
}
