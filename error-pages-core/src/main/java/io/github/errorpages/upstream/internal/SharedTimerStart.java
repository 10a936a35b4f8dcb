package io.github.errorpages.upstream.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts the JDK's shared timer of {@link CompletableFuture} ({@code orTimeout}, {@code delayedExecutor}), which the
 * guard times attempts and backoffs with, from a thread of the JDK's common pool rather than an application's.
 *
 * <p>The timer's thread lives as long as the JVM, and inherits from the thread that starts it its context class
 * loader and, before Java 24, its access control context, which holds the protection domain, and so the class
 * loader, of every class on that thread's stack. The first web application to time a call started it from one of
 * its request threads: after it was undeployed, its class loader (every class, static and compiled template of it)
 * stayed reachable for the life of the JVM, and Tomcat warned of a thread the application had started and not
 * stopped. The common pool's threads have the system class loader and an access control context of the JDK's own,
 * and here nothing of the application's is on their stack when the timer starts. Thread-safe.
 */
public final class SharedTimerStart {

    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private SharedTimerStart() {
    }

    /**
     * Makes sure the timer was started here, unless it had been started before; returns at once after the first
     * call. Not from this class's own initialisation: the pool's thread runs code of this class, which would wait
     * for that initialisation to end.
     */
    public static void ensure() {
        if (STARTED.compareAndSet(false, true)) {
            startFromTheCommonPool();
        }
    }

    private static void startFromTheCommonPool() {
        if (ForkJoinPool.getCommonPoolParallelism() < 1) {
            return; // a common pool without threads of its own: nothing to start it from
        }
        CompletableFuture<Void> inThePool = new CompletableFuture<>();
        // Registered first, so that completing inThePool, on a thread of the pool, hands this to the timer: the
        // timer's thread starts there, below nothing but the JDK's frames (the supplier has returned by then).
        CompletableFuture<Void> timed = inThePool.thenRunAsync(() -> { },
                CompletableFuture.delayedExecutor(0, TimeUnit.MILLISECONDS));
        inThePool.completeAsync(() -> null, ForkJoinPool.commonPool());
        try {
            timed.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Best effort: a busy pool leaves the timer to be started by the first call timed, as before.
        }
    }
}
