package io.github.errorpages.servlet.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

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

    /** A request whose only use here is its input stream. */
    private static ServletRequest requestReading(ServletInputStream input) {
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
