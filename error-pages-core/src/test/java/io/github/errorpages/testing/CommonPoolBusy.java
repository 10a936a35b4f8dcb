package io.github.errorpages.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;

/**
 * Every worker of the JVM's common pool blocked, as an application's blocking tasks there leave it (on two cores the
 * pool has one worker, and nothing makes up for a task that waits on a latch or a socket), until closed: for the
 * library's own tasks, which must not wait for a worker.
 *
 * <p>Not thread-safe: start and close it on the test's thread.
 */
public final class CommonPoolBusy implements AutoCloseable {

    private final CountDownLatch release = new CountDownLatch(1);

    private CommonPoolBusy() {
    }

    /**
     * Blocks every worker of the common pool, and returns once each is blocked.
     *
     * @return what releases them when closed
     * @throws InterruptedException if interrupted while the workers take their tasks
     */
    public static CommonPoolBusy start() throws InterruptedException {
        CommonPoolBusy busy = new CommonPoolBusy();
        int workers = ForkJoinPool.commonPool().getParallelism();
        CountDownLatch blocked = new CountDownLatch(workers);
        for (int i = 0; i < workers; i++) {
            ForkJoinPool.commonPool().execute(() -> {
                blocked.countDown();
                try {
                    busy.release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        blocked.await();
        return busy;
    }

    /** Releases the workers. */
    @Override
    public void close() {
        release.countDown();
    }
}
