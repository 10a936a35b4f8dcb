package io.github.errorpages.servlet.internal;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.SerializedInvoker;
import org.jspecify.annotations.Nullable;

/**
 * The content of an upstream request whose body is read from a blocking {@link InputStream} (the servlet input of a
 * request without async support, {@link BlockingRequestBody}) on threads of the proxy's own, never on the thread
 * that asks Jetty's client for it. Jetty's {@code InputStreamRequestContent} reads in {@link #read()}, on whatever
 * thread of the client's pool sends or writes the request: an upload stalled in the middle held that thread, and
 * once uploads held them all, the client's connects and responses, which run on the same threads, waited, so a GET
 * to a healthy upstream failed with 504 and opened its breaker. Here {@link #read()} never blocks: {@link #demand}
 * hands one blocking read at a time to the executor, whose thread, once the read returns, keeps the bytes for the
 * next {@link #read()} and runs the demand's callback. A slow uploader holds one thread of the executor, and nothing
 * of the client's.
 *
 * <p>The stream is read only when the client demands content (once its connection is ready to write the body), so a
 * body no attempt asked for is untouched, as before, and may be sent again.
 *
 * <p>Since {@link #read()} returns {@code null} until a read returned, Jetty's {@code HttpSender}, which sends the
 * request's head as soon as its first ask for content finds none, sends the head before any body byte is read from
 * the client (with {@code InputStreamRequestContent} the head went out with the first chunk, once it was read). An
 * upstream can so see the head of an upload whose client never sends a byte, and answer it early; an upload
 * whose client stalls before its first byte still counts as started ({@link BlockingRequestBody}), as it did then.
 *
 * <p>Thread-safe: the state is guarded by this object's monitor, never held across a read or a callback.
 */
final class BlockingReadsContent implements Request.Content {

    /** The bytes read at once, as Jetty's {@code InputStreamRequestContent} read them. */
    private static final int READ_SIZE = 4096;

    private final InputStream in;
    private final Executor reads;
    private final SerializedInvoker invoker = new SerializedInvoker(BlockingReadsContent.class);
    /** Bytes read and not yet taken by {@link #read()}. */
    private Content.@Nullable Chunk ready;
    /** The end of the stream, or its failure (a read's, or {@link #fail}'s): returned from then on. */
    private Content.@Nullable Chunk last;
    /** Whether a read is under way on a thread of the executor. */
    private boolean reading;
    private @Nullable Runnable demand;
    /** Run once, on the thread that first asks for the content: see the constructor. */
    private @Nullable Runnable asked;

    /**
     * @param in the body, read with blocking I/O; never closed here (the container owns the servlet's stream)
     * @param reads where the blocking reads run: threads that may each wait as long as a client stalls its upload
     * @param asked run once, on the thread that first asks for the content ({@link #read} or {@link #demand}), before
     *     that call returns: Jetty's client asks before it sends the request's head, so whatever it notes (the body
     *     touched and started, {@link BlockingRequestBody}) holds by the time the upstream can answer, as when
     *     {@code InputStreamRequestContent} read on that thread. A read handed to the executor may begin only after
     *     the upstream answered.
     */
    BlockingReadsContent(InputStream in, Executor reads, Runnable asked) {
        this.in = in;
        this.reads = reads;
        this.asked = asked;
    }

    /** Runs {@link #asked} if this is the first time the content is asked for, on the asking thread. */
    private void noteAsked() {
        Runnable first;
        synchronized (this) {
            first = asked;
            asked = null;
        }
        if (first != null) {
            first.run();
        }
    }

    /**
     * @return {@code null}: the request's own {@code Content-Type}, if it has one, is among the fields forwarded; the
     *     default, {@code application/octet-stream}, would make one up for a body that has none
     */
    @Override
    public @Nullable String getContentType() {
        return null;
    }

    @Override
    public Content.@Nullable Chunk read() {
        noteAsked();
        synchronized (this) {
            Content.Chunk failed = last;
            if (failed != null && Content.Chunk.isFailure(failed)) {
                return failed; // before bytes kept: the request failed
            }
            Content.Chunk chunk = ready;
            if (chunk != null) {
                ready = null;
                return chunk;
            }
            return last; // null: none read yet, demand() reads more
        }
    }

    @Override
    public void demand(Runnable callback) {
        noteAsked();
        boolean callNow;
        boolean readNow;
        synchronized (this) {
            if (demand != null) {
                throw new IllegalStateException("demand pending");
            }
            demand = callback;
            callNow = ready != null || last != null;
            readNow = !callNow && !reading; // a read under way calls back once it returns
            reading |= readNow;
        }
        if (callNow) {
            invoker.run(this::invokeDemand);
        }
        if (!readNow) {
            return;
        }
        try {
            reads.execute(this::readOnce);
        } catch (RejectedExecutionException stopped) { // the forwarder stopped
            finish(Content.Chunk.from(stopped));
        }
    }

    /**
     * One blocking read, on a thread of the executor: keeps what it read, then calls the demand back. Skipped when
     * the content failed since the read was handed on (the attempt was aborted, timed out or answered): the client's
     * bytes are not taken for an attempt that will never send them. No retry could send them either: the first ask
     * ({@link #asked}) marked the body touched before this read was handed on.
     */
    private void readOnce() {
        Content.Chunk failure;
        synchronized (this) {
            failure = last != null && Content.Chunk.isFailure(last) ? last : null;
        }
        if (failure != null) {
            finish(failure); // calls the demand back: fail() left that to the read under way
            return;
        }
        Content.Chunk chunk;
        try {
            byte[] buffer = new byte[READ_SIZE];
            int n = in.read(buffer, 0, buffer.length);
            chunk = n < 0 ? Content.Chunk.EOF : Content.Chunk.from(ByteBuffer.wrap(buffer, 0, n), false);
        } catch (Throwable failed) { // as Jetty's InputStreamContentSource: the request fails with it
            chunk = Content.Chunk.from(failed);
        }
        finish(chunk);
    }

    private void finish(Content.Chunk chunk) {
        synchronized (this) {
            reading = false;
            if (chunk.isLast()) {
                if (last == null) {
                    last = chunk;
                }
            } else {
                ready = chunk;
            }
        }
        invoker.run(this::invokeDemand);
    }

    private void invokeDemand() {
        Runnable callback;
        synchronized (this) {
            callback = demand;
            demand = null;
        }
        if (callback != null) {
            try {
                callback.run();
            } catch (Throwable failed) {
                fail(failed);
            }
        }
    }

    @Override
    public void fail(Throwable failure) {
        boolean callBack;
        synchronized (this) {
            if (last == null || !Content.Chunk.isFailure(last)) {
                last = Content.Chunk.from(failure);
            }
            ready = null;
            // A read under way calls the demand back once it returns; none under way, nothing else would.
            callBack = demand != null && !reading;
        }
        if (callBack) {
            invoker.run(this::invokeDemand);
        }
    }
}
