package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.testing.Await;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JDK transport client's executor: a task the JDK's chunked-body parser loops in for ever keeps its thread, and
 * the tasks queued behind it must get another one, or one such upstream response per thread stops the client.
 */
class ClientTaskExecutorTests {

    private static final ThreadFactory THREADS = task -> {
        Thread thread = new Thread(task, "client-task");
        thread.setDaemon(true);
        return thread;
    };

    private final CountDownLatch release = new CountDownLatch(1);
    private ClientTaskExecutor executor;

    @AfterEach
    void stop() {
        release.countDown();
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Test
    void aTaskQueuedBehindStuckOnesGetsAThreadOfItsOwn() throws Exception {
        executor = new ClientTaskExecutor(2, Duration.ofMillis(100), THREADS);
        CountDownLatch stuck = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            executor.execute(() -> {
                stuck.countDown();
                awaitRelease();
            });
        }
        assertThat(stuck.await(10, TimeUnit.SECONDS)).as("both threads run a task that does not end").isTrue();
        CountDownLatch ran = new CountDownLatch(1);

        executor.execute(ran::countDown);

        assertThat(ran.await(10, TimeUnit.SECONDS)).as("the task queued behind them ran").isTrue();
        assertThat(executor.getMaximumPoolSize()).as("its base and one thread for each stuck task").isEqualTo(4);
    }

    @Test
    void shrinksBackToItsBaseOnceTheStuckTaskEnded() throws Exception {
        executor = new ClientTaskExecutor(1, Duration.ofMillis(100), THREADS);
        CountDownLatch stuck = new CountDownLatch(1);
        executor.execute(() -> {
            stuck.countDown();
            awaitRelease();
        });
        assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).as("the task queued behind it ran").isTrue();
        assertThat(executor.getMaximumPoolSize()).isEqualTo(2);

        release.countDown();

        Await.until(() -> executor.getMaximumPoolSize() == 1 && executor.getCorePoolSize() == 1,
                "the pool is back to its base");
    }

    /** What it is for: the client's short tasks queue for its few threads, and no thread is added for them. */
    @Test
    void shortTasksAddNoThread() throws Exception {
        executor = new ClientTaskExecutor(2, Duration.ofMinutes(1), THREADS);
        int tasks = 10_000;
        CountDownLatch ran = new CountDownLatch(tasks);
        for (int i = 0; i < tasks; i++) {
            executor.execute(ran::countDown);
        }

        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(executor.getLargestPoolSize()).isLessThanOrEqualTo(2);
        assertThat(executor.getMaximumPoolSize()).isEqualTo(2);
    }

    @Test
    void refusesAStuckTimeThatIsNotPositive() {
        assertThatThrownBy(() -> new ClientTaskExecutor(2, Duration.ZERO, THREADS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stuckAfter must be positive, but was PT0S");
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
