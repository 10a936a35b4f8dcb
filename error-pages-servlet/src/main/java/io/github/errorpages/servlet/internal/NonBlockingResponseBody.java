package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.jspecify.annotations.Nullable;

/**
 * Writes an upstream response body to the client without blocking (a {@link WriteListener}), so that a slow
 * reader holds no thread: each part the upstream client delivers is written when the container says the
 * client can take it, and only then is the next part asked for, so at most one part is held per response.
 *
 * <p>One per relayed response of an asynchronous request. The upstream client calls {@link #write} (never
 * again before the demand it was given runs) and then {@link #end}; the container calls the listener.
 * A part whose bytes are an array is written as it is and held until the container took it; any other is
 * copied. Thread-safe: the state is guarded by this object's lock, and callbacks run outside it.
 */
final class NonBlockingResponseBody implements WriteListener {

    private final ServletOutputStream out;
    private final boolean flushEachPart;
    private final Consumer<Throwable> clientFailed;
    private boolean listening;
    private Content.@Nullable Chunk writing;
    private byte @Nullable [] queued;
    private int queuedOffset;
    private int queuedLength;
    private Content.@Nullable Chunk queuedChunk;
    private @Nullable Runnable demand;
    /** When the part {@link #demand} waits for the client to take was handed over ({@link System#nanoTime()}). */
    private long heldSinceNanos;
    private boolean flush;
    private @Nullable Runnable whenDrained;
    private boolean failed;

    /**
     * @param out the client's output stream, of an asynchronous request
     * @param flushEachPart whether each part is flushed as it is written (a stream: {@link StreamingResponses})
     * @param clientFailed told once when writing to the client fails (the client went away)
     */
    NonBlockingResponseBody(ServletOutputStream out, boolean flushEachPart, Consumer<Throwable> clientFailed) {
        this.out = out;
        this.flushEachPart = flushEachPart;
        this.clientFailed = clientFailed;
    }

    /**
     * Queues one part of the body; {@code demander} runs once the client took it.
     *
     * @param chunk the part, released by the caller when this returns
     * @param arrivedNanos when it arrived ({@link System#nanoTime()}): its wait for the client starts then
     * @param demander asks the upstream client for the next part
     */
    void write(Content.Chunk chunk, long arrivedNanos, Runnable demander) {
        ByteBuffer bytes = chunk.getByteBuffer();
        boolean start;
        synchronized (this) {
            if (failed) {
                return;
            }
            if (bytes.hasArray() && chunk.canRetain()) {
                chunk.retain(); // held until the container took the array
                queuedChunk = chunk;
                queued = bytes.array();
                queuedOffset = bytes.arrayOffset() + bytes.position();
                queuedLength = bytes.remaining();
            } else {
                byte[] copy = new byte[bytes.remaining()];
                bytes.slice().get(copy);
                queued = copy;
                queuedOffset = 0;
                queuedLength = copy.length;
            }
            demand = demander;
            heldSinceNanos = arrivedNanos;
            start = firstToListen();
        }
        listenAndDrain(start);
    }

    /**
     * Sends the response head, with nothing of a body: for a response that has none (to {@code HEAD}, a 304) and
     * whose length is not known, which the container would otherwise complete with {@code Content-Length: 0}
     * ({@link ResponseHeadCheck#commitWithoutLength}). {@link #end} then waits until the client took it.
     */
    void commit() {
        boolean start;
        synchronized (this) {
            if (failed) {
                return;
            }
            flush = true;
            start = firstToListen();
        }
        listenAndDrain(start);
    }

    /** Whether this caller is the first to have something to send, and so sets the listener. Holding the lock. */
    private boolean firstToListen() {
        boolean first = !listening;
        listening = true;
        return first;
    }

    private void listenAndDrain(boolean first) {
        if (first) {
            out.setWriteListener(this);
        }
        // Written at once when the client can take it (isReady()), rather than on the container thread that the
        // listener's first onWritePossible wakes: that hand-off would cost a thread wake-up per response.
        drain();
    }

    /**
     * Runs {@code action} once everything queued was taken by the client (at once when nothing is), or when
     * the client went away.
     *
     * @param action what to do then
     */
    void end(Runnable action) {
        boolean now;
        synchronized (this) {
            now = failed || !listening;
            if (!now) {
                whenDrained = action;
            }
        }
        if (now) {
            action.run();
        } else {
            drain();
        }
    }

    /**
     * @param now {@link System#nanoTime()}
     * @return for how long a part has waited for the client to take it, in nanoseconds, the next not asked for
     *     meanwhile (a wait that is the client's, not the upstream's); 0 when none waits. The container tells when a
     *     write is taken whole, not how much of it: a part (and what the container buffers with it, up to its
     *     response buffer) counts as waiting until the client took all of it.
     */
    synchronized long clientWaitNanos(long now) {
        return demand != null && !failed ? Math.max(1, now - heldSinceNanos) : 0;
    }

    @Override
    public void onWritePossible() {
        drain();
    }

    @Override
    public void onError(Throwable t) {
        Runnable drained;
        synchronized (this) {
            if (failed) {
                return;
            }
            drained = fail();
        }
        ended(t, drained);
    }

    /**
     * Gives up on a client that has not taken the part it holds for {@code limitNanos}: what is held is released,
     * and the body ends as for a client that went away. Checked and done under the lock, so that a client that took
     * the part meanwhile is not given up on.
     *
     * @param now {@link System#nanoTime()}
     * @param limitNanos how long the part may wait
     * @param reason what the body ends with, told to the one that listens for the client's failure
     * @param first run before that, once it is sure the client is given up on
     * @return whether the client was given up on
     */
    boolean giveUp(long now, long limitNanos, IOException reason, Runnable first) {
        Runnable drained;
        synchronized (this) {
            if (failed || demand == null || now - heldSinceNanos < limitNanos) {
                return false;
            }
            drained = fail();
        }
        first.run();
        ended(reason, drained);
        return true;
    }

    /** Holding the lock: marks the body failed, lets go of what it holds, and returns what waited for its end. */
    private @Nullable Runnable fail() {
        failed = true;
        releaseAll();
        Runnable drained = whenDrained;
        whenDrained = null;
        demand = null;
        return drained;
    }

    private void ended(Throwable t, @Nullable Runnable drained) {
        clientFailed.accept(t);
        if (drained != null) {
            drained.run();
        }
    }

    /** Writes what is queued while the client can take it; runs what waited for that outside the lock. */
    private void drain() {
        Runnable next = null;
        Runnable drained = null;
        IOException writeFailed = null;
        synchronized (this) {
            try {
                while (!failed && out.isReady()) {
                    if (writing != null) {
                        writing.release(); // taken by the container: isReady() said so
                        writing = null;
                    }
                    byte[] bytes = queued;
                    if (bytes != null) {
                        writing = queuedChunk;
                        queued = null;
                        queuedChunk = null;
                        out.write(bytes, queuedOffset, queuedLength);
                        flush = flushEachPart;
                        continue;
                    }
                    if (flush) {
                        flush = false;
                        out.flush();
                        continue;
                    }
                    next = demand;
                    demand = null;
                    drained = whenDrained;
                    whenDrained = null;
                    break;
                }
            } catch (IOException e) {
                writeFailed = ClientAborts.mark(e); // a write to the client: its connection's failure, not an upstream's
            }
        }
        if (writeFailed != null) {
            onError(writeFailed);
            return;
        }
        if (next != null) {
            next.run();
        }
        if (drained != null) {
            drained.run();
        }
    }

    private void releaseAll() {
        if (writing != null) {
            writing.release();
            writing = null;
        }
        if (queuedChunk != null) {
            queuedChunk.release();
            queuedChunk = null;
        }
        queued = null;
    }
}
