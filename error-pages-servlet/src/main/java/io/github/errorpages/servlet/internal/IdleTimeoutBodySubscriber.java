package io.github.errorpages.servlet.internal;

import io.github.errorpages.upstream.BodyOutcome;
import io.github.errorpages.upstream.internal.AwaitedBody;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A response body for the JDK's HttpClient as an {@link InputStream}, like
 * {@code BodyHandlers.ofInputStream()}, except that a read waits at most the idle timeout for the next
 * bytes: the JDK's own stream blocks for ever when an upstream stalls in the middle of a body, and so
 * would the servlet thread that copies it. A read that times out throws a {@link SocketTimeoutException}
 * ({@code connection_read_timeout}) and cancels the exchange, which closes the connection.
 *
 * <p>It asks for one buffer list at a time, and for the next only when the previous one has been read, so
 * the bytes held per response stay at what the client delivers at once (some 16 KiB), however large the
 * body: the client's socket reads follow the demand.
 *
 * <p>{@link Body#readBuffer()} hands out the client's buffers themselves, so that a proxy can write them
 * to its client without an intermediate copy or a copy buffer per response.
 *
 * <p>Through a guarded client the body reports its end to the guard ({@link AwaitedBody}): the reader reports
 * a failure ({@link Body#outcome()}), and {@link Body#close()} reports a body that ended otherwise as complete.
 *
 * <p>The subscriber side is called by the client's threads, or by the thread that asks for more within its
 * {@code request(1)} when bytes have arrived already, and never blocks (it only queues), so the client may run it on
 * its selector thread; the stream is read by one thread.
 */
public final class IdleTimeoutBodySubscriber implements BodySubscriber<IdleTimeoutBodySubscriber.Body> {

    private static final Object END = new Object();

    private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final Duration idleTimeout;
    private final @Nullable Executor demands;
    private final Body body = new Body();
    private volatile Flow.@Nullable Subscription subscription;
    private volatile boolean cancelled;

    /**
     * @param idleTimeout the longest wait for the next bytes of the body; positive
     */
    public IdleTimeoutBodySubscriber(Duration idleTimeout) {
        this(idleTimeout, null);
    }

    /**
     * @param idleTimeout the longest wait for the next bytes of the body; positive
     * @param demands where the reader's requests for the next bytes are made, or {@code null} for on the reader's
     *     own thread. The JDK's client parses bytes that have arrived already within the request: given its own
     *     executor, the reader's thread never parses, so a response the parser loops on holds a thread of the
     *     executor's, and the reader's wait ends with the idle timeout
     * @throws IllegalArgumentException if {@code idleTimeout} is not positive
     */
    public IdleTimeoutBodySubscriber(Duration idleTimeout, @Nullable Executor demands) {
        this.demands = demands;
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, but was " + idleTimeout);
        }
    }

    @Override
    public CompletionStage<Body> getBody() {
        return CompletableFuture.completedFuture(body);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        arrived.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
        arrived.add(throwable);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    private void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    /** The body as the copying thread reads it. Not thread-safe: one thread reads it. */
    public final class Body extends InputStream implements AwaitedBody {
        private @Nullable Iterator<ByteBuffer> buffers;
        private @Nullable ByteBuffer current;
        private boolean demanded = true; // onSubscribe asks for the first list
        private boolean done;
        private boolean timedOut;
        private volatile @Nullable BodyOutcome outcome;

        /** Also keeps the call's bulkhead permit until the end: the thread that reads the body waits for it. */
        @Override
        public void reportTo(BodyOutcome outcome) {
            outcome.holdBulkheadPermit();
            this.outcome = outcome;
        }

        /**
         * @return where to report a failure of the body, or {@code null} when the body was not read through a
         *     guard
         */
        public @Nullable BodyOutcome outcome() {
            return outcome;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            ByteBuffer buffer = next();
            if (buffer == null) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }

        /**
         * Returns the next bytes of the body as the client delivered them, without copying: the caller
         * consumes them (advances the buffer's position to its limit) before it reads again. Waits at most
         * the idle timeout, as {@link #read(byte[], int, int)} does.
         *
         * @return a buffer with at least one byte remaining, or {@code null} at the end of the body
         * @throws java.net.SocketTimeoutException when no bytes arrived within the idle timeout
         * @throws java.io.InterruptedIOException when the thread was interrupted while waiting
         * @throws IOException when the body failed (the upstream's failure is the cause)
         */
        public @Nullable ByteBuffer readBuffer() throws IOException {
            return next();
        }

        /**
         * @return whether a read ended because no bytes arrived within the idle timeout (and ended the body), not
         *     because the body failed or the thread was interrupted
         */
        public boolean timedOut() {
            return timedOut;
        }

        @Override
        public int available() {
            ByteBuffer buffer = current;
            return buffer == null ? 0 : buffer.remaining();
        }

        /**
         * Ends the body: an exchange still under way is cancelled, which closes its connection. Reports the body as
         * complete unless a failure was reported: whether read to its end or no longer wanted, the upstream did
         * nothing wrong.
         */
        @Override
        public void close() {
            end();
            BodyOutcome reported = outcome;
            if (reported != null) {
                reported.completed();
            }
        }

        private void end() {
            if (!done) {
                done = true;
                cancel();
            }
        }

        private @Nullable ByteBuffer next() throws IOException {
            while (current == null || !current.hasRemaining()) {
                if (buffers != null && buffers.hasNext()) {
                    current = buffers.next();
                    continue;
                }
                if (done) {
                    return null;
                }
                Flow.Subscription s = subscription;
                if (!demanded && s != null) {
                    demanded = true;
                    demandNext(s);
                }
                Object item = poll();
                demanded = false;
                if (item == END) {
                    done = true;
                    return null;
                }
                if (item instanceof Throwable failure) {
                    done = true;
                    throw failure instanceof IOException io ? new IOException(io.getMessage(), io)
                            : new IOException(failure);
                }
                @SuppressWarnings("unchecked")
                List<ByteBuffer> list = (List<ByteBuffer>) item;
                buffers = list.iterator();
            }
            return current;
        }

        private void demandNext(Flow.Subscription s) {
            Executor executor = demands;
            if (executor != null) {
                try {
                    executor.execute(() -> s.request(1));
                    return;
                } catch (RejectedExecutionException stopped) {
                    // the proxy is being stopped: asked here, as without an executor
                }
            }
            s.request(1);
        }

        private Object poll() throws IOException {
            Object item;
            try {
                item = arrived.poll(idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                end();
                throw new java.io.InterruptedIOException("interrupted while waiting for the upstream's body");
            }
            if (item == null) {
                timedOut = true;
                end(); // the timeout is reported by the reader: a failure, or a stream's quiet end
                throw new SocketTimeoutException("Read timed out: no bytes of the body for " + idleTimeout.toMillis()
                        + " ms");
            }
            return item;
        }
    }
}
