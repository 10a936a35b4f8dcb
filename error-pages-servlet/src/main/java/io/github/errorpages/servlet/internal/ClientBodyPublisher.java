package io.github.errorpages.servlet.internal;

import io.github.errorpages.upstream.SourcedBodyPublisher;
import jakarta.servlet.http.HttpServletRequest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body for the JDK's HTTP client, read with blocking servlet I/O, that tells the guard when a
 * failed attempt was the client's doing: reading its body failed or ended early (it went away), or a read was
 * waiting for it when the attempt timed out (it stalled). The JDK's {@code ofInputStream} reads ahead of
 * demand, so only the stream itself knows when it waits for the client.
 *
 * <p>One per forwarded request; thread-safe (the client's executor reads, the guard asks from any thread).
 */
public final class ClientBodyPublisher implements SourcedBodyPublisher {

    private final HttpServletRequest request;
    private final long length;
    private final BodyPublisher delegate;
    private final AtomicInteger reading = new AtomicInteger();
    private volatile boolean failed;
    private @Nullable Source source; // guarded by this

    /**
     * @param request the client's request, whose body is read when an attempt first asks for it
     * @param length its {@code Content-Length}, or -1 when it has none
     */
    public ClientBodyPublisher(HttpServletRequest request, long length) {
        this.request = request;
        this.length = length;
        BodyPublisher streamed = BodyPublishers.ofInputStream(this::source);
        this.delegate = length > 0 ? BodyPublishers.fromPublisher(streamed, length) : streamed;
    }

    @Override
    public boolean isSourceFailed() {
        return failed;
    }

    @Override
    public boolean isSourceAwaited() {
        return reading.get() > 0;
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        delegate.subscribe(subscriber);
    }

    private synchronized InputStream source() {
        if (source == null) {
            try {
                source = new Source(request.getInputStream());
            } catch (IOException e) {
                failed = true;
                throw new UncheckedIOException(e);
            }
        }
        return source;
    }

    /** The servlet stream, with what it does noted; an end before the announced length is a failure. */
    private final class Source extends InputStream {
        private final InputStream in;
        private long read;

        Source(InputStream in) {
            this.in = in;
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
                failed = true;
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
}
