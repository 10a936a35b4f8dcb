package io.github.errorpages.servlet.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body as a proxy reads it with blocking servlet I/O to forward it, noting what the guard
 * asks when an attempt fails: whether a read is waiting for the client right now (it stalled), and whether a
 * read failed (it went away). An end before the announced {@code Content-Length} is such a failure, whatever the
 * container makes of it. Never closes the servlet stream, which the container owns.
 *
 * <p>Reads come from one thread at a time; the questions may come from any.
 */
final class ClientInputStream extends InputStream {

    private final InputStream in;
    private final long length;
    private final AtomicInteger reading = new AtomicInteger();
    private volatile @Nullable IOException failure;
    private long read;

    /**
     * @param in the servlet request's input stream
     * @param length the request's {@code Content-Length}, or -1 when it has none
     */
    ClientInputStream(InputStream in, long length) {
        this.in = in;
        this.length = length;
    }

    /** @return whether a read is waiting for the client right now */
    boolean isReading() {
        return reading.get() > 0;
    }

    /** @return how reading failed, or {@code null} */
    @Nullable IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        reading.incrementAndGet();
        try {
            int n = in.read(b, off, len);
            if (n < 0 && length > 0 && read < length) {
                throw new EOFException("the client sent " + read + " of the " + length + " bytes it announced");
            }
            if (n > 0) {
                read += n;
            }
            return n;
        } catch (IOException e) {
            failure = e;
            throw e;
        } finally {
            reading.decrementAndGet();
        }
    }

    @Override
    public void close() {
        // The container owns the servlet input stream.
    }
}
