package io.github.errorpages.servlet.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The executor of a JDK {@code HttpClient} the proxy builds: it runs what the client hands off its selector thread
 * (the parsing of responses, above all) on a few threads that take their tasks from a queue, and adds a thread for
 * each that has been running one task for longer than {@code stuckAfter}.
 *
 * <p>Why not the client's default, a cached thread pool: each hand-off there wakes a parked thread (a new one when
 * none is idle), and with every exchange's response handed off that way a proxied request cost 1.5 to 3 times the
 * CPU it costs with the responses parsed on the selector thread itself (benchmarks/README.md). A thread that drains a queue takes the next
 * task without being woken. Why not the selector thread itself, or a fixed number of threads: the JDK's
 * chunked-body parser (JDK 17 to 25) loops for ever on a chunk size of 2^31 or more, and whatever thread it runs on is
 * lost; on the selector thread, or on every thread of a fixed pool, one such response per thread stopped every later
 * exchange of the client. Here a looping task keeps its thread, and the tasks queued behind it get another one once
 * it counts as stuck.
 *
 * <p>Stuck tasks are looked for when a task had to queue, and when a task that counted as stuck ended: at most one
 * check is pending at a time, {@code stuckAfter} after what asked for it, on the JDK's shared delay thread of
 * {@link CompletableFuture}; a check that still finds tasks queued asks for the next. The pool is its base and a
 * thread for each task found stuck; threads idle for a minute end.
 *
 * <p>Once shut down, it hands what it is given to the JDK's shared pool.
 *
 * <p>Thread-safe.
 */
public final class ClientTaskExecutor extends ThreadPoolExecutor {

    private static final long KEEP_ALIVE_SECONDS = 60;

    private final int baseThreads;
    private final long stuckNanos;
    /** The threads running a task, with the {@link System#nanoTime()} it started at. */
    private final Map<Thread, Long> taskStarts = new ConcurrentHashMap<>();
    private final AtomicBoolean checkPending = new AtomicBoolean();
    private final Executor checkTimer;

    /**
     * @param baseThreads the threads it keeps when no task is stuck; positive
     * @param stuckAfter how long one task may run before its thread counts as stuck; positive
     * @param threads makes its threads, on whatever thread needs one: the client's selector thread, the shared
     *     delay thread ({@link DaemonThreads} makes them fit for that)
     * @throws IllegalArgumentException if {@code baseThreads} or {@code stuckAfter} is not positive
     * @throws NullPointerException if {@code stuckAfter} or {@code threads} is {@code null}
     */
    public ClientTaskExecutor(int baseThreads, Duration stuckAfter, ThreadFactory threads) {
        super(baseThreads, baseThreads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Objects.requireNonNull(threads, "threads"));
        Objects.requireNonNull(stuckAfter, "stuckAfter");
        if (stuckAfter.isNegative() || stuckAfter.isZero()) {
            throw new IllegalArgumentException("stuckAfter must be positive, but was " + stuckAfter);
        }
        this.baseThreads = baseThreads;
        this.stuckNanos = stuckAfter.toNanos();
        this.checkTimer = CompletableFuture.delayedExecutor(stuckNanos, TimeUnit.NANOSECONDS, Runnable::run);
        allowCoreThreadTimeOut(true);
        // Shut down with its proxy, whose client (Java 17's, which cannot be stopped) may still have exchanges in
        // flight: their tasks run on the JDK's shared pool, as a client from Java 21 on runs what its executor
        // refuses, rather than be lost (an exchange never completed) or keep a thread of the servlet's.
        setRejectedExecutionHandler((task, executor) -> ForkJoinPool.commonPool().execute(task));
    }

    @Override
    public void execute(Runnable command) {
        super.execute(command);
        if (!getQueue().isEmpty()) {
            askForCheck();
        }
    }

    @Override
    protected void beforeExecute(Thread thread, Runnable task) {
        taskStarts.put(thread, System.nanoTime());
    }

    @Override
    protected void afterExecute(Runnable task, @Nullable Throwable failure) {
        Long started = taskStarts.remove(Thread.currentThread());
        if (started != null && System.nanoTime() - started >= stuckNanos) {
            askForCheck(); // a task that counted as stuck ended: the thread added for it may go
        }
    }

    private void askForCheck() {
        if (!isShutdown() && checkPending.compareAndSet(false, true)) {
            checkTimer.execute(this::check);
        }
    }

    private void check() {
        checkPending.set(false);
        if (isShutdown()) {
            return;
        }
        long now = System.nanoTime();
        int stuck = 0;
        for (Long started : taskStarts.values()) {
            if (now - started >= stuckNanos) {
                stuck++;
            }
        }
        resize(baseThreads + stuck);
        if (!getQueue().isEmpty()) {
            askForCheck();
        }
    }

    private synchronized void resize(int wanted) {
        // The maximum never goes below the core size: raised first, lowered last.
        if (wanted > getMaximumPoolSize()) {
            setMaximumPoolSize(wanted);
            setCorePoolSize(wanted); // starts threads for the tasks queued
        } else if (wanted < getCorePoolSize()) {
            setCorePoolSize(wanted); // the threads over it end when next idle
            setMaximumPoolSize(wanted);
        }
    }
}
