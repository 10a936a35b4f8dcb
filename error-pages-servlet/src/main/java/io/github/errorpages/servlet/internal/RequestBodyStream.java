package io.github.errorpages.servlet.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The request body as the application behind the filter reads it: the container's stream, each of whose failures
 * is {@linkplain ClientAborts#mark marked} as the request connection's own (a client that went away, or stalled
 * past the container's idle timeout; a stream read after it was closed), also when the container reports it to
 * the application's {@link ReadListener}. Made for each {@code getInputStream()} call, holding nothing of its
 * own: the container's stream keeps the state.
 *
 * <p>Not thread-safe beyond what the Servlet specification asks of a request's stream.
 */
final class RequestBodyStream extends ServletInputStream {

    private final ServletInputStream delegate;

    RequestBodyStream(ServletInputStream delegate) {
        this.delegate = delegate;
    }

    @Override
    public int read() throws IOException {
        try {
            return delegate.read();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return delegate.read(b, off, len);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** The container's own (Servlet 6.1): Jetty's advances the buffer's position, as a channel's read does. */
    @Override
    public int read(ByteBuffer buffer) throws IOException {
        try {
            return delegate.read(buffer);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int readLine(byte[] b, int off, int len) throws IOException {
        try {
            return delegate.readLine(b, off, len);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public byte[] readAllBytes() throws IOException {
        try {
            return delegate.readAllBytes();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public byte[] readNBytes(int len) throws IOException {
        try {
            return delegate.readNBytes(len);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int readNBytes(byte[] b, int off, int len) throws IOException {
        try {
            return delegate.readNBytes(b, off, len);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return delegate.skip(n);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int available() throws IOException {
        try {
            return delegate.available();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            delegate.close();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public boolean isFinished() {
        return delegate.isFinished();
    }

    @Override
    public boolean isReady() {
        return delegate.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
        delegate.setReadListener(new ReadListener() {
            private volatile @Nullable Throwable thrownByListener;

            @Override
            public void onDataAvailable() throws IOException {
                try {
                    listener.onDataAvailable();
                } catch (IOException | RuntimeException | Error own) {
                    thrownByListener = own;
                    throw own;
                }
            }

            @Override
            public void onAllDataRead() throws IOException {
                try {
                    listener.onAllDataRead();
                } catch (IOException | RuntimeException | Error own) {
                    thrownByListener = own;
                    throw own;
                }
            }

            @Override
            public void onError(Throwable failure) {
                listener.onError(ClientAborts.markReported(failure, thrownByListener));
            }
        });
    }
}
