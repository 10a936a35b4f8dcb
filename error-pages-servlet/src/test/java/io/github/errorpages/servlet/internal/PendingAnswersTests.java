package io.github.errorpages.servlet.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What {@code ReverseProxyServlet.destroy()} waits on: the asynchronous exchanges whose answer is not written yet.
 * Returned early, destroy() lets the container stop the web application's class loader under an answer still to be
 * written, and logs the exchange as unanswered.
 */
class PendingAnswersTests {

    /** A limit no test waits out: the waits below end by the exchanges' answers, never by it. */
    private static final Duration LONG = Duration.ofMinutes(1);

    @Test
    void withNoExchangeReturnsAtOnceWithNone() throws InterruptedException {
        assertThat(new PendingAnswers().awaitNone(LONG)).isZero();
    }

    /**
     * What {@code destroy()} says it cuts off: the exchanges not answered yet, at the moment it asks, none once
     * they are answered.
     */
    @Test
    void countsTheExchangesNotAnsweredYet() {
        PendingAnswers pending = new PendingAnswers();
        pending.add();
        pending.add();
        pending.remove();
        pending.add();

        assertThat(pending.count()).isEqualTo(2);
        pending.remove();
        pending.remove();
        assertThat(pending.count()).isZero();
    }

    /**
     * One exchange in flight, one alone: the wait lasts until it is answered, and then says none is left. It must not
     * take one pending exchange for none.
     */
    @Test
    void waitsForTheOneExchangeInFlightUntilItIsAnswered() throws Exception {
        PendingAnswers pending = new PendingAnswers();
        pending.add();
        AtomicReference<Thread> waiter = new AtomicReference<>();

        CompletableFuture<Integer> unanswered = awaitNoneOnAThreadOfItsOwn(pending, waiter);
        awaitWaiting(waiter, unanswered);

        assertThat(unanswered).as("returned with the exchange still in flight").isNotDone();
        pending.remove();
        assertThat(unanswered.get(30, TimeUnit.SECONDS)).isZero();
    }

    /** Two in flight: answered one after the other, the wait ends with the second only. */
    @Test
    void waitsUntilEveryExchangeIsAnswered() throws Exception {
        PendingAnswers pending = new PendingAnswers();
        pending.add();
        pending.add();
        AtomicReference<Thread> waiter = new AtomicReference<>();

        CompletableFuture<Integer> unanswered = awaitNoneOnAThreadOfItsOwn(pending, waiter);
        awaitWaiting(waiter, unanswered);
        pending.remove();
        awaitWaiting(waiter, unanswered);

        assertThat(unanswered).as("returned with one exchange still in flight").isNotDone();
        pending.remove();
        assertThat(unanswered.get(30, TimeUnit.SECONDS)).isZero();
    }

    /** The limit ends the wait: it says how many exchanges are left unanswered, which destroy() logs. */
    @Test
    void saysHowManyAreLeftWhenTheLimitPasses() throws InterruptedException {
        PendingAnswers pending = new PendingAnswers();
        pending.add();
        pending.add();
        pending.remove();
        pending.add();

        assertThat(pending.awaitNone(Duration.ofMillis(1))).isEqualTo(2);
    }

    /** destroy()'s wait, on a thread it names to {@code waiter}: what it returns, the exchanges left unanswered. */
    private static CompletableFuture<Integer> awaitNoneOnAThreadOfItsOwn(PendingAnswers pending,
            AtomicReference<Thread> waiter) {
        return CompletableFuture.supplyAsync(() -> {
            waiter.set(Thread.currentThread());
            try {
                return pending.awaitNone(LONG);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, OWN_THREAD);
    }

    /**
     * Waits until the waiting thread is parked in its timed wait, or has returned: a condition, not a pause. (Between
     * two checks it may have woken to look at the count again, and gone back to waiting: then it is seen waiting.)
     */
    private static void awaitWaiting(AtomicReference<Thread> waiter, CompletableFuture<Integer> unanswered)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!unanswered.isDone()) {
            Thread thread = waiter.get();
            if (thread != null && thread.getState() == Thread.State.TIMED_WAITING) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the waiting thread never waited");
            }
            Thread.onSpinWait();
        }
    }
}
