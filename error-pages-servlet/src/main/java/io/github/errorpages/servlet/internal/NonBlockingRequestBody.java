package io.github.errorpages.servlet.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body for Jetty's HTTP client, read from the servlet request without blocking (a
 * {@link ReadListener}), so that a slow uploader holds no thread at all: the upstream client reads when the
 * container says data is there, and waits for nothing.
 *
 * <p>One per forwarded request, which must be asynchronous ({@code startAsync}) before the first attempt
 * starts. Each attempt gets a {@link #content() view} of its own; the listener is set when an attempt first
 * asks for the body, which Jetty's client does only once the request head went out, so a body that no
 * attempt touched (the connection was refused) can still be sent by a retry ({@link #isUntouched()}).
 *
 * <p>Thread-safe: the container calls the listener on its threads, the upstream client reads on its own; the
 * client never reads concurrently with itself. On Undertow a stream read with a listener is asked and read only on
 * the exchange's IO thread ({@link #ioThread}).
 */
final class NonBlockingRequestBody implements ReadListener, ForwardedBody {

    private static final int CHUNK = 16 * 1024;

    private final ServletRequest request;
    private final long length;
    /** The request's stream, got when an attempt first asks for the body ({@link #listen()}). */
    private volatile @Nullable ServletInputStream in;
    /** The body is left to the container unread ({@link #leaveUnread()}): no attempt gets its stream. Locked. */
    private boolean leftUnread;
    private final AtomicReference<@Nullable Runnable> demand = new AtomicReference<>();
    /**
     * When the latest {@link #demand} began to wait for the client, in {@link System#nanoTime()}: when it was set, or
     * for one handed to Undertow's IO thread ({@link #askPending}), when that thread found the stream without data;
     * written before the demand, or before {@link #askPending} is cleared.
     */
    private volatile long demandedNanos;
    /**
     * Whether the latest {@link #demand} was handed to Undertow's IO thread ({@link #ioThread}), which has not found
     * the stream without data yet: not waiting for the client, whose data may be there already, but for that thread.
     * A busy IO thread then held the body back, and an attempt timed out meanwhile was no stall of the client's (a
     * 408, uncounted), but the upstream's, as on other containers, where the stream is asked at once. Written before
     * the demand. (A stale clear, by an ask that found no data just as the next demand was handed over, counts that
     * demand as waiting for the client a moment early, as all were before.)
     */
    private volatile boolean askPending;
    private volatile boolean touched;
    private volatile @Nullable IOException failure;
    /**
     * What asking the stream threw on Undertow's IO thread that is no refusal of the body (a filter's wrapper stream
     * whose {@code isReady()} throws): a bug, thrown on by the next {@link Source#read()}, as it is where the stream
     * is asked on the upstream client's thread.
     */
    private volatile @Nullable Throwable bug;
    private volatile boolean ended;
    /** Jetty's client was waiting for more of the body when the attempt failed (and took its demand back). */
    private volatile boolean awaitedWhenFailed;
    /** Whether the upstream's answer is whole: nothing more is forwarded ({@link #answered}). */
    private volatile boolean answered;
    /**
     * Whether the stream refused a listener ({@code UnsupportedOperationException}: a wrapper's in front, over a body
     * it holds in memory): it is read with blocking reads, whenever the upstream client asks.
     */
    private volatile boolean withoutListener;
    /** How much of the body was read; only the upstream client reads, one read at a time. */
    private long read;
    /**
     * The last part of a body of announced length, held until the stream is found to end with it: a stream that goes
     * on past the length gets none of it forwarded ({@link RequestBodyOverrunException}).
     */
    private @Nullable ByteBuffer held;
    /**
     * Whether the container called {@link #onAllDataRead()}: the body of unknown length (chunked) ended whole. On
     * Undertow its stream's end alone does not say so: it reports a chunked body it could not decode (a bad chunk
     * size) as finished, read returning -1, and only then its failure to {@link #onError}, and the body went to the
     * upstream as a whole one, with its last chunk. Nor does its call alone: the stream of such a body it closes, and
     * a later {@code isReady()} calls the listener's {@code onAllDataRead} for it before its {@code onError}.
     */
    private volatile boolean allDataRead;
    /**
     * Whether the request is Undertow's, whose end of a body of unknown length waits for {@link #onAllDataRead()}. Not
     * elsewhere: Tomcat calls it for a stream finished before the listener was set (an HTTP/2 POST without a body)
     * only once {@code isReady()} is asked again, and the request waited for the attempt's timeout.
     */
    private final boolean onUndertow;
    /**
     * The IO thread of Undertow's exchange, on which alone its stream, read with a listener, is asked and read
     * ({@link #awayFromIoThread}; one without, a filter's wrapper's, is read where the client asks, blocking);
     * {@code null} elsewhere. An {@code isReady()} that finds nothing to read resumes the connection's reads, not in
     * one step with its check: when data came in between, the resumed reads run the stream's channel listener once
     * more on the IO thread, which reads the connection as soon as the stream's data was taken. Taken by a read on the
     * upstream client's thread, that read went on to read the connection at the same time, and Undertow's chunked
     * decoding failed on the IO thread (its {@code onError}: a 400 for a well-formed body) or on the client's ("Buffer
     * has already been freed", a bug thrown to the container), for one chunked upload in thousands.
     */
    private final @Nullable Executor ioThread;
    /** Sends Tomcat's answer to a body it refused, before it closes the connection ({@link #onError}). */
    private final Runnable refusedByTomcat;

    /**
     * @param request an asynchronous request, whose input stream is got when an attempt first asks for the body
     * @param length the request's {@code Content-Length}, or -1 when it has none
     * @param refusedByTomcat sends the answer Tomcat set for a body it could not decode, on the container's thread that
     *     tells the listener so: Tomcat closes the connection once {@link #onError} returns
     */
    NonBlockingRequestBody(ServletRequest request, long length, Runnable refusedByTomcat) {
        this.request = request;
        this.length = length;
        this.onUndertow = Containers.onUndertow(request);
        this.ioThread = onUndertow ? UndertowIoThreads.of(request) : null;
        this.refusedByTomcat = refusedByTomcat;
    }

    @Override
    public boolean isUntouched() {
        return !touched;
    }

    @Override
    public @Nullable IOException failure() {
        return failure;
    }

    /** The upstream client asked to be called back when more of the body is there, and it is not there yet. */
    @Override
    public boolean isAwaitingClient() {
        // The demand first: askPending is written before it is set, so that a demand seen comes with its own.
        return awaitedWhenFailed || (!ended && failure == null && demand.get() != null && !askPending);
    }

    @Override
    public long awaitingClientSinceNanos() {
        return demandedNanos;
    }

    @Override
    public boolean isCutShort() {
        ServletInputStream stream = in;
        return stream != null && !ended && !stream.isFinished();
    }

    @Override
    public void answered() {
        answered = true;
    }

    /**
     * Leaves the body to the container if no attempt got its stream yet, in one step with the check: an attempt that
     * asks for the body from now on (it would listen to the stream, racing the container's discard of it) fails.
     *
     * @return whether nothing of the body was asked of the container (nor a {@code 100 Continue}), and nothing will be
     */
    synchronized boolean leaveUnread() {
        if (in == null) {
            leftUnread = true;
        }
        return leftUnread;
    }

    /** @return the body for one attempt */
    @Override
    public Request.Content content() {
        return new Source();
    }

    @Override
    public void onDataAvailable() {
        runDemand();
    }

    @Override
    public void onAllDataRead() {
        ServletInputStream stream = in;
        // Undertow closes the stream of a body it could not decode, which finishes it, and calls this from the next
        // isReady() as for a body read whole; its onError follows.
        if (!onUndertow || stream == null || !closedByContainer(stream)) {
            allDataRead = true;
        }
        runDemand();
    }

    /** Whether the container closed the stream: Undertow's {@code available()} then throws. */
    private static boolean closedByContainer(ServletInputStream stream) {
        try {
            stream.available();
            return false;
        } catch (IOException closed) {
            return true;
        }
    }

    @Override
    public void onError(Throwable t) {
        failure = t instanceof IOException io ? io : new IOException("the client's request body failed", t);
        if (ClientBodyStatus.refusedByTomcat(t)) {
            // Tomcat could not decode the body (a bad chunk header) when a read of the upstream client's ran in this
            // listener's onDataAvailable, set its 400, and closes the connection (CLOSE_NOW) as soon as this returns:
            // an answer left to the cycle's end never goes out.
            refusedByTomcat.run();
        }
        runDemand();
    }

    /** @return whether a demand was there to run */
    private boolean runDemand() {
        Runnable waiting = demand.getAndSet(null);
        if (waiting != null) {
            waiting.run();
            return true;
        }
        return false;
    }

    /**
     * Gets the request's stream and listens to it, the first time. Not sooner: the container sends the
     * {@code 100 Continue} a client's {@code Expect} asks for when the stream is got, and a client told to go on
     * uploads its whole body, though the upstream is down and the attempt fails without asking for it. Not at all once
     * the body was {@link #leaveUnread() left unread}.
     */
    private ServletInputStream listen() throws IOException {
        ServletInputStream stream;
        synchronized (this) {
            stream = in;
            if (stream != null) {
                return stream;
            }
            if (leftUnread) {
                throw new IOException("the request's body was left unread: the client was answered without it");
            }
            stream = request.getInputStream();
            in = stream;
        }
        try {
            stream.setReadListener(this); // not under the lock: the container may call back at once
        } catch (UnsupportedOperationException notImplemented) {
            // A wrapper's stream in front (a filter that read the body to cache it) that never learned non-blocking
            // reads: its body is in memory, and blocking reads of it never wait.
            withoutListener = true;
        }
        return stream;
    }

    /**
     * Ends the body once all of it was read: with an EOF when as long as announced (or of unknown length), with a
     * failure when shorter, which no container's own stream is (a filter in front read the body, or a wrapper's
     * stream gave less): the attempt then ends as the client's failure, never blamed on the upstream, which would wait
     * for the rest until the attempt timed out. A form whose stream had nothing (a filter in front had the container
     * parse it) is sent as its parameters make it, if as long as announced ({@link ParsedForms}).
     */
    private Content.Chunk end() {
        byte[] form = read == 0 && length != 0 ? ParsedForms.fromParameters(request, length) : null;
        if (form != null) {
            read = form.length;
            ended = true;
            return Content.Chunk.from(ByteBuffer.wrap(form), true);
        }
        if (length > 0 && read < length) {
            IOException shortBody = new EOFException("the request's stream ended after " + read + " of the "
                    + length + " bytes its Content-Length announced");
            failure = shortBody;
            return Content.Chunk.from(shortBody, true);
        }
        ended = true;
        return Content.Chunk.EOF;
    }

    /**
     * Whether the end of the stream must wait for the container's {@link #onAllDataRead()} (or its {@link #onError}):
     * for a body of unknown length read with a listener, on Undertow ({@link #onUndertow}). One of announced length is
     * whole when that many bytes came.
     */
    private boolean awaitsAllDataRead() {
        return onUndertow && length < 0 && !withoutListener && !allDataRead;
    }

    /**
     * Whether the end of the stream must wait for the container's {@link #onAllDataRead()}, as
     * {@link #awaitsAllDataRead()} says, having asked the container for it. Undertow calls it on its own only when its
     * I/O thread found the end; when a read found it (the last chunk came with the data before it, as a body sent in
     * one write does), only from a later {@code isReady()}, at once or after the {@code onDataAvailable} it is asked
     * in, and a body that waited without asking was never forwarded whole: the request waited for the attempt's
     * timeout (408).
     */
    private boolean allDataReadAskedFor(ServletInputStream finished) {
        if (!awaitsAllDataRead()) {
            return false;
        }
        finished.isReady(); // false once finished; may call onAllDataRead, which runs the demand
        return true;
    }

    /**
     * Whether the stream is Undertow's, listened to, and this thread is not its exchange's IO thread: the stream is
     * neither asked nor read here ({@link #ioThread}); the upstream client's demand is handed to that thread.
     */
    private boolean awayFromIoThread() {
        Executor io = ioThread;
        return io != null && !withoutListener && Thread.currentThread() != io;
    }

    /** The body as one attempt's client reads it. */
    private final class Source implements Request.Content {

        @Override
        public long getLength() {
            return length;
        }

        @Override
        public @Nullable String getContentType() {
            return null; // the client's own Content-Type field is forwarded, and none is made up
        }

        @Override
        public Content.@Nullable Chunk read() {
            touched = true;
            Throwable thrown = bug;
            if (thrown instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            IOException failed = failure;
            if (failed != null) {
                return Content.Chunk.from(failed, true);
            }
            try {
                ServletInputStream stream = listen();
                if (awayFromIoThread()) {
                    // Jetty's client sends the request's head without a part of the body, or demands it: demand()
                    // asks the stream on the IO thread, whose callback reads it there.
                    return null;
                }
                ByteBuffer last = held;
                if (last != null || (length >= 0 && read == length)) {
                    // All the announced bytes are in: the last part goes only once the stream is found to end there.
                    if (!stream.isFinished()) {
                        if (!withoutListener && !stream.isReady()) {
                            return null; // onDataAvailable or onAllDataRead follows
                        }
                        if (stream.read() >= 0) {
                            held = null;
                            IOException overrun = RequestBodyOverrunException.logged(request, length);
                            failure = overrun;
                            return Content.Chunk.from(overrun, true);
                        }
                    }
                    held = null;
                    ended = true;
                    return last == null ? Content.Chunk.EOF : Content.Chunk.from(last, true);
                }
                if (stream.isFinished()) {
                    return awaitsAllDataRead() ? null : end();
                }
                if (!withoutListener && !stream.isReady()) {
                    return null; // onDataAvailable follows
                }
                // Jetty may write it after read() returns: never reused
                byte[] bytes = new byte[length < 0 ? CHUNK : (int) Math.min(CHUNK, length - read)];
                int n = stream.read(bytes);
                if (n < 0) {
                    return awaitsAllDataRead() ? null : end();
                }
                read += n;
                if (answered) {
                    return Content.Chunk.from(new UploadStopped(), true);
                }
                ByteBuffer part = ByteBuffer.wrap(bytes, 0, n);
                if (read == length) {
                    held = part;
                    return read(); // whether the stream ends here
                }
                return Content.Chunk.from(part, false);
            } catch (IOException e) {
                failure = e;
                return Content.Chunk.from(e, true);
            } catch (RuntimeException refused) {
                // The container's refusal of the body, unchecked (Jetty's 413 over a SizeLimitHandler's limit): the
                // client's failure, as an IOException would be, not the attempt's to be blamed on the upstream.
                // Anything else (the application's filter took the body as a reader) is a bug, thrown on.
                if (!ClientBodyStatus.refusedByContainer(refused)) {
                    throw refused;
                }
                IOException refusal = new IOException("the container refused the request's body", refused);
                failure = refusal;
                return Content.Chunk.from(refusal, true);
            }
        }

        @Override
        public void demand(Runnable callback) {
            touched = true;
            boolean toIoThread = awayFromIoThread();
            if (!toIoThread) {
                demandedNanos = System.nanoTime();
            }
            askPending = toIoThread; // the IO thread's askStream clears it once it finds no data
            demand.set(callback);
            if (toIoThread) {
                try {
                    Objects.requireNonNull(ioThread).execute(this::askStreamOnIoThread);
                    return;
                } catch (RejectedExecutionException stopping) {
                    // Undertow's worker is stopping, and the exchange with it: asked here, as on other containers.
                }
            }
            askStream();
        }

        /**
         * {@link #askStream()} as a task of Undertow's IO thread. What it throws would reach only XNIO, which logs it
         * ("XNIO000011: Task ... failed with an exception"): the demand stayed set, the attempt waited for its
         * timeout, and was blamed on the client (408). Kept for {@link #read()} instead, which the demand, run here,
         * has throw it to Jetty's client: the attempt fails at once, a bug, as where the stream is asked on the
         * client's thread.
         */
        private void askStreamOnIoThread() {
            if (demand.get() == null) {
                return; // the attempt failed meanwhile, or the listener ran the demand: nothing to ask for
            }
            try {
                askStream();
            } catch (RuntimeException | Error thrown) {
                bug = thrown;
                if (!runDemand()) {
                    // The attempt failed meanwhile, and no read will throw it: XNIO logs it, as it is nobody's else.
                    throw thrown;
                }
            }
        }

        /**
         * Runs the demand if the stream has more, or an end to tell, or failed; else the container calls the listener
         * when it has.
         */
        private void askStream() {
            boolean ready;
            try {
                ServletInputStream stream = listen();
                // isReady() true means the container calls no listener until a read empties the stream: run it here.
                // Not at the end of a body of unknown length before the container said it was whole: onAllDataRead
                // or onError follows, once asked for (allDataReadAskedFor).
                ready = withoutListener || (stream.isFinished() ? !allDataReadAskedFor(stream) : stream.isReady());
            } catch (IOException e) {
                failure = e;
                ready = true;
            } catch (RuntimeException refused) {
                if (!ClientBodyStatus.refusedByContainer(refused)) {
                    throw refused; // a bug, as in read()
                }
                failure = new IOException("the container refused the request's body", refused); // as in read()
                ready = true;
            }
            if (ready || failure != null) {
                runDemand();
            } else if (askPending) {
                // Handed to the IO thread, which found no data: from now on the demand waits for the client.
                demandedNanos = System.nanoTime();
                askPending = false;
            }
        }

        @Override
        public void fail(Throwable cause) {
            // The attempt failed: the servlet stream stays as it is, the container's to end. An attempt that timed
            // out is aborted before the guard asks whether the body was waiting for the client: remember it.
            if (demand.getAndSet(null) != null && !askPending && !ended && failure == null) {
                awaitedWhenFailed = true;
            }
        }

        @Override
        public boolean rewind() {
            return false;
        }
    }
}
