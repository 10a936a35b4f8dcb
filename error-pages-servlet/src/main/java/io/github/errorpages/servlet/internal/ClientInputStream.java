package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body as a proxy reads it with blocking servlet I/O to forward it, noting what the guard
 * asks when an attempt fails: whether a read is waiting for the client right now (it stalled), and whether a
 * read failed (it went away). An end before the announced {@code Content-Length} is such a failure, whatever the
 * container makes of it; a stream that goes on past it (a wrapper's in front) fails with a
 * {@link RequestBodyOverrunException}, nothing read past the length. Never closes the servlet stream, which the
 * container owns.
 *
 * <p>Reads come from one thread at a time; the questions may come from any.
 */
final class ClientInputStream extends InputStream {

    private final ServletRequest request;
    private volatile @Nullable InputStream in;
    private final long length;
    private final AtomicInteger reading = new AtomicInteger();
    /**
     * Guards {@link #stopped}'s check against {@link #reading}, and {@link #reader}. A lock, not the stream's monitor:
     * {@link #stop} waits under it for up to a read's timeout, which on a virtual thread of Java 21 to 23 would pin its
     * carrier thread for that long, one per client that paused its upload (JEP 491 lifted that only in Java 24).
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when no read is under way any more ({@link #stop} waits for it). */
    private final Condition noReadUnderWay = lock.newCondition();
    /** When the latest read began, in {@link System#nanoTime()}: written before it counts itself {@link #reading}. */
    private volatile long readingSinceNanos;
    private volatile @Nullable IOException failure;
    /** Set once the request is over: no read may touch the container's stream after that. */
    private volatile boolean stopped;
    private volatile boolean finished;
    /** Whether an attempt asked for the body ({@link #asked}), its first read perhaps still to start. */
    private volatile boolean asked;
    /** The thread of the read under way, which {@link #abort} interrupts. */
    private @Nullable Thread reader;
    /** Whether {@link #abort} interrupted the read under way, whose end clears the interrupt. */
    private boolean readerInterrupted;
    private long read;

    /**
     * @param request the servlet request, whose input stream is got on the first read: the container sends the
     *     {@code 100 Continue} a client's {@code Expect} asks for then, which must wait until the upstream asks
     *     for the body (a client told to go on uploads it all, though the upstream is down)
     * @param length the request's {@code Content-Length}, or -1 when it has none
     */
    ClientInputStream(ServletRequest request, long length) {
        this.request = request;
        this.length = length;
    }

    /** @return whether a read is waiting for the client right now */
    boolean isReading() {
        return reading.get() > 0;
    }

    /** @return since when the read under way waits for the client, in {@link System#nanoTime()} */
    long readingSinceNanos() {
        return readingSinceNanos;
    }

    /** @return how reading failed, or {@code null} */
    @Nullable IOException failure() {
        return failure;
    }

    /**
     * @return whether an attempt asked for the body ({@link #asked}), or a read asked the container for it (a 100
     *     Continue went out, if one was expected)
     */
    boolean isStarted() {
        return asked || in != null;
    }

    /**
     * Notes that an attempt asked for the body, on the thread that asks, before the read it hands to another thread
     * has begun ({@link BlockingReadsContent}): from then on the body counts as started ({@link #isStarted}). The
     * upstream client asks before it sends the request's head, and an upstream that answers that head at once (a 502
     * before it reads the body) was otherwise answered before the read began, the upload taken for unread: the page
     * kept the connection, and the read that began after it took the bytes of the client's next request.
     */
    void asked() {
        asked = true;
    }

    /** @return whether the whole body was read */
    boolean isFinished() {
        return finished;
    }

    /**
     * Lets no read start from now on ({@link #stop} then waits for the one under way), and tells whether one is under
     * way. Under the lock a read checks {@link #stopped} under, after counting itself in {@link #reading}: a read about
     * to start is refused, or counted here.
     *
     * @return whether a read is under way (or was about to be, and is refused now)
     */
    boolean stopStarting() {
        lock.lock();
        try {
            stopped = true;
            return reading.get() > 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops reading, and waits for a read under way to return: the container's stream is the request's, whose
     * objects the container reuses for the connection's next request, or another connection's, once the servlet
     * returned. A read left blocked in it then read into them: Tomcat parsed the client's next bytes (NULs, for
     * the buffer it had cleared) as a request of their own and answered it with a 400 nobody asked for.
     *
     * @param patience the longest wait; the container's read timeout ends a read first
     * @return whether no read is under way any more
     * @throws InterruptedException when the waiting thread is interrupted
     */
    boolean stop(Duration patience) throws InterruptedException {
        long left = patience.toNanos();
        lock.lock();
        try {
            stopped = true;
            while (reading.get() > 0) {
                if (left <= 0) {
                    return false;
                }
                left = noReadUnderWay.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    /**
     * Stops reading, and ends a read under way by interrupting its thread, without waiting for it to return: for a
     * stream the container resets once the servlet returns (HTTP/2). Jetty 12 does not wake a read blocked in such a
     * stream's input: the reset is local and the request's channel recycled, nothing ends its wait. Left blocked,
     * the read held the upstream client's request, and the upstream's connection with it, until the server stopped.
     * An interrupt ends the container's blocking read (Jetty: an {@code InterruptedException} made a failed read).
     * The interrupt is this stream's own: cleared once the read returns, the thread (one of the proxy's own
     * body-reader threads) is not left interrupted.
     */
    void abort() {
        lock.lock();
        try {
            stopped = true;
            Thread current = reader;
            if (current != null && !readerInterrupted) {
                readerInterrupted = true;
                current.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        readingSinceNanos = System.nanoTime();
        reading.incrementAndGet();
        try {
            lock.lock();
            try {
                if (stopped) {
                    throw new IOException("the request is over");
                }
                reader = Thread.currentThread();
            } finally {
                lock.unlock();
            }
            InputStream source = in;
            if (source == null) {
                source = request.getInputStream();
                in = source;
            }
            if (length >= 0 && read == length) {
                finished = true; // and found to end there: see below
                return -1;
            }
            int n = source.read(b, off, length < 0 ? len : (int) Math.min(len, length - read));
            if (n < 0 && read == 0 && length != 0) {
                // Nothing there: a form a filter in front had the container parse is sent as its parameters make it
                byte[] form = ParsedForms.fromParameters(request, length);
                if (form != null) {
                    source = new ByteArrayInputStream(form);
                    in = source;
                    n = source.read(b, off, length < 0 ? len : (int) Math.min(len, length));
                }
            }
            if (n < 0 && length > 0 && read < length) {
                throw new EOFException("the client sent " + read + " of the " + length + " bytes it announced");
            }
            if (n > 0 && read + n == length && source.read() >= 0) {
                // The announced bytes are in, and the stream goes on (a wrapper in front made it): the last of them
                // are not returned, so that the upstream never gets a body that looks whole.
                throw RequestBodyOverrunException.logged(request, length);
            }
            if (n > 0) {
                read += n;
            }
            finished = n < 0 || read == length;
            return n;
        } catch (IOException e) {
            failure = e;
            throw e;
        } catch (RuntimeException refused) {
            // The container's refusal of the body, unchecked (Jetty's 413 over a SizeLimitHandler's limit): the
            // client's failure, as an IOException is. Anything else (the application's filter took the body as a
            // reader) is a bug, thrown on.
            if (!ClientBodyStatus.refusedByContainer(refused)) {
                throw refused;
            }
            IOException failed = new IOException("the container refused the request's body", refused);
            failure = failed;
            throw failed;
        } finally {
            lock.lock();
            try {
                if (reader == Thread.currentThread()) {
                    reader = null;
                    if (readerInterrupted) {
                        readerInterrupted = false;
                        Thread.interrupted(); // abort()'s, not the thread owner's
                    }
                }
                if (reading.decrementAndGet() == 0) {
                    noReadUnderWay.signalAll(); // a stop() waiting for this read
                }
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void close() {
        // The container owns the servlet input stream.
    }
}
