package io.github.errorpages.servlet.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.testing.Await;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The proxy's blocking reads of a client's body, as {@code ReverseProxyServlet} ends them once it answered: whether a
 * read may be waiting for the client is told in the same step that lets no new one start. Told apart, a read that
 * started in between waited for a paused client unseen, and the page it was owed came only when the client gave up.
 * The container's stream is a stand-in here: the race needs a read held at will.
 */
class ClientInputStreamTests {

    private final HeldInput input = new HeldInput();
    private final ClientInputStream stream = new ClientInputStream(requestReading(input), -1);

    @Test
    void noReadStartsOnceStoppedWhenNoneWasUnderWay() {
        assertThat(stream.stopStarting()).as("a read under way").isFalse();

        assertThatIOException().isThrownBy(() -> stream.read(new byte[8], 0, 8)).withMessage("the request is over");
        assertThat(input.reads).as("reads of the container's stream").hasValue(0);
    }

    @Test
    void aReadUnderWayIsToldAndWaitedFor() throws Exception {
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return stream.read(new byte[8], 0, 8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, OWN_THREAD);
        Await.until(() -> input.reads.get() == 1, "the read waits for the client");

        assertThat(stream.stopStarting()).as("a read under way").isTrue();
        input.clientSends.countDown();

        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(stream.stop(Duration.ofSeconds(5))).as("no read under way any more").isTrue();
        assertThatIOException().isThrownBy(() -> stream.read(new byte[8], 0, 8)).withMessage("the request is over");
    }

    /**
     * {@code stop} waits for the read under way, and returns as that read does: what keeps a read of the container's
     * stream from outliving the request (ReverseProxyServlet's paused uploads). Its waiting thread is woken by the
     * read's end, not by its patience running out.
     */
    @Test
    void stopWaitsForTheReadUnderWayAndReturnsAsItEnds() throws Exception {
        CompletableFuture<Integer> read = readOnItsOwnThread();
        Await.until(() -> input.reads.get() == 1, "the read waits for the client");

        AtomicReference<Thread> stopping = new AtomicReference<>();
        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> {
            stopping.set(Thread.currentThread());
            try {
                return stream.stop(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, OWN_THREAD);
        Await.until(() -> stopping.get() != null && stopping.get().getState() == Thread.State.TIMED_WAITING,
                "stop() waits for the read");
        assertThat(read).as("the read, held by its client").isNotDone();
        input.clientSends.countDown();

        assertThat(stopped.get(10, TimeUnit.SECONDS)).as("no read under way any more").isTrue();
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(1);
    }

    /** {@code stop} whose patience runs out while the read still waits for its client says so, and waits no longer. */
    @Test
    void stopWhosePatienceRunsOutTellsThatAReadIsStillUnderWay() throws Exception {
        CompletableFuture<Integer> read = readOnItsOwnThread();
        Await.until(() -> input.reads.get() == 1, "the read waits for the client");

        assertThat(stream.stop(Duration.ofMillis(1))).as("no read under way any more").isFalse();
        assertThat(stream.stop(Duration.ZERO)).as("no read under way any more, without waiting").isFalse();

        input.clientSends.countDown();
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(stream.stop(Duration.ofSeconds(5))).as("no read under way any more").isTrue();
    }

    /**
     * A {@code stop} whose thread is interrupted gives up with an {@code InterruptedException}, the lock free again:
     * {@code abort} then ends the read under way by interrupting it, and the read's thread (the upstream client's) is
     * not left interrupted by an interrupt that was the stream's own.
     */
    @Test
    void anInterruptedStopGivesUpAndAbortEndsTheReadLeavingItsThreadUninterrupted() throws Exception {
        CompletableFuture<Boolean> readersInterrupt = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> {
            try {
                stream.read(new byte[8], 0, 8);
                readersInterrupt.completeExceptionally(new AssertionError("the read was not ended"));
            } catch (IOException ended) {
                readersInterrupt.complete(Thread.currentThread().isInterrupted());
            }
        }, OWN_THREAD);
        Await.until(() -> input.reads.get() == 1, "the read waits for the client");

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> stream.stop(Duration.ofMinutes(5))).isInstanceOf(InterruptedException.class);
        } finally {
            Thread.interrupted();
        }
        stream.abort();

        assertThat(readersInterrupt.get(10, TimeUnit.SECONDS)).as("the read's thread interrupted once it ended")
                .isFalse();
        assertThat(stream.stop(Duration.ofSeconds(5))).as("no read under way any more").isTrue();
    }

    private CompletableFuture<Integer> readOnItsOwnThread() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return stream.read(new byte[8], 0, 8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, OWN_THREAD);
    }

    /** A request whose only use here is its input stream. */
    static ServletRequest requestReading(ServletInputStream input) {
        return (ServletRequest) Proxy.newProxyInstance(ClientInputStreamTests.class.getClassLoader(),
                new Class<?>[] {ServletRequest.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getInputStream")) {
                        return input;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** The container's stream of a client that sends one byte when let, after each read has begun. */
    private static final class HeldInput extends ServletInputStream {
        final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch clientSends = new CountDownLatch(1);

        @Override
        public int read() throws IOException {
            reads.incrementAndGet();
            try {
                if (!clientSends.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("the client sent nothing");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
            return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int c = read();
            b[off] = (byte) c;
            return 1;
        }

        @Override
        public boolean isFinished() {
            return false;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException();
        }
    }
}
