package io.github.errorpages.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a test runs what blocks beside it: a fake upstream's {@code accept()} and reads, a client's call that waits
 * for its answer.
 *
 * <p>Never {@link CompletableFuture#runAsync(Runnable)} or {@link CompletableFuture#supplyAsync} without an executor:
 * on two cores the common pool has one worker ({@link ForkJoinPool#getCommonPoolParallelism()} is 1), and since
 * JDK 25 {@code CompletableFuture} runs its tasks there rather than on a thread of their own (JDK 17 does that below a
 * parallelism of 2). A task still blocked from an earlier test, an upstream waiting for a connection that is never
 * closed, then holds every later one back: that test's upstream never accepts, and its client times out with no
 * answer at all. The library's own tasks on the common pool would wait behind it too. {@link CommonPoolLeftIdle} fails
 * a test class that leaves the pool busy.
 */
public final class TestThreads {

    private static final AtomicInteger STARTED = new AtomicInteger();

    /**
     * Runs each task on a daemon thread of its own, started at once: what a task blocks on holds back no other, and
     * a task that never ends keeps no JVM from exiting.
     */
    public static final Executor OWN_THREAD = task -> {
        Thread thread = new Thread(task, "test-task-" + STARTED.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    };

    private TestThreads() {
    }
}
