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
 * the application's {@link ReadListener}. An upstream failure that listener throws before the response was
 * committed is answered with the page at once ({@link AsyncCapturingRequest#answersListenerFailure}); one it throws
 * after commit aborts the response on Jetty and Undertow, which would end the body as if whole
 * ({@link AsyncCapturingRequest#abortFor}). One for the request, as the container's stream is, where the connection
 * after a page depends on what was read (Jetty: {@link UnreadBodies#streamOf}), holding of its own only how much of
 * the body the application read and whether it read the body's end: the page after it then says whether the
 * connection ends ({@link UnreadBodies}).
 *
 * <p>Not thread-safe beyond what the Servlet specification asks of a request's stream.
 */
final class RequestBodyStream extends ServletInputStream {

    private final ServletInputStream delegate;
    private final AsyncCapturingRequest request;
    /** The bytes of the body read (or skipped) through this stream. */
    private volatile long consumed;
    /** Whether a read found the body's end. */
    private volatile boolean ended;
    /** Whether the application reads without blocking: its {@code ReadListener} is the container's to call. */
    private volatile boolean listened;

    /**
     * @param delegate the container's stream
     * @param request the request it is the body of, which answers what the application's read listener throws
     */
    RequestBodyStream(ServletInputStream delegate, AsyncCapturingRequest request) {
        this.delegate = delegate;
        this.request = request;
    }

    @Override
    public int read() throws IOException {
        try {
            int b = delegate.read();
            if (b < 0) {
                ended = true;
            } else {
                consumed++;
            }
            return b;
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return counted(delegate.read(b, off, len));
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** The container's own (Servlet 6.1): Jetty's advances the buffer's position, as a channel's read does. */
    @Override
    public int read(ByteBuffer buffer) throws IOException {
        try {
            return counted(delegate.read(buffer));
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int readLine(byte[] b, int off, int len) throws IOException {
        try {
            return counted(delegate.readLine(b, off, len));
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public byte[] readAllBytes() throws IOException {
        try {
            byte[] all = delegate.readAllBytes();
            consumed += all.length;
            ended = true;
            return all;
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public byte[] readNBytes(int len) throws IOException {
        try {
            byte[] bytes = delegate.readNBytes(len);
            consumed += bytes.length;
            if (bytes.length < len) {
                ended = true;
            }
            return bytes;
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public int readNBytes(byte[] b, int off, int len) throws IOException {
        try {
            int n = delegate.readNBytes(b, off, len);
            consumed += n;
            if (n < len) {
                ended = true;
            }
            return n;
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            long skipped = delegate.skip(n);
            consumed += Math.max(skipped, 0);
            return skipped;
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** Counts what a read returned: bytes, or the body's end (-1). */
    private int counted(int read) {
        if (read < 0) {
            ended = true;
        } else {
            consumed += read;
        }
        return read;
    }

    /**
     * @param length the body's {@code Content-Length}, or -1 when it has none
     * @return whether the application read the body to its end through this stream
     */
    boolean isReadToItsEnd(long length) {
        return ended || (length >= 0 && consumed >= length) || delegate.isFinished();
    }

    /**
     * @param length the body's {@code Content-Length}
     * @return how much of it the application did not read through this stream
     */
    long unread(long length) {
        return Math.max(length - consumed, 0);
    }

    /** @return whether the application reads the body without blocking ({@link #setReadListener}) */
    boolean isListened() {
        return listened;
    }

    /** @return whether this stream is over the container's stream given */
    boolean wraps(ServletInputStream containers) {
        return delegate == containers;
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
        listened = true; // the page reads nothing of a stream its listener reads (UnreadBodies)
        delegate.setReadListener(new ReadListener() {
            private volatile @Nullable Throwable thrownByListener;
            /**
             * Whether the filter answered what a callback threw ({@code answered}), or aborted the response for it
             * ({@code aborted}): the listener, told of it in its {@code onError}, is called no more. Tomcat calls
             * {@code onAllDataRead} after an {@code onDataAvailable} that read the body to its end returned, also when
             * the filter answered what it threw: the application's listener would be called after its
             * {@code onError}, and what it threw again there ended the connection.
             */
            private volatile boolean answeredFailure;

            @Override
            public void onDataAvailable() throws IOException {
                if (answeredFailure) {
                    return;
                }
                try {
                    listener.onDataAvailable();
                } catch (IOException | RuntimeException own) {
                    if (!answered(own) && !aborted(own)) {
                        thrownByListener = own;
                        throw own;
                    }
                } catch (Error own) {
                    thrownByListener = own;
                    throw own;
                }
            }

            @Override
            public void onAllDataRead() throws IOException {
                if (answeredFailure) {
                    return;
                }
                try {
                    listener.onAllDataRead();
                } catch (IOException | RuntimeException own) {
                    if (!answered(own) && !aborted(own)) {
                        thrownByListener = own;
                        throw own;
                    }
                } catch (Error own) {
                    thrownByListener = own;
                    throw own;
                }
            }

            /**
             * Whether the filter answered what the callback threw with its page and completed the cycle. Then it is
             * not thrown on: Jetty would only report it to this listener's {@code onError} (not to the cycle's
             * listeners, where Tomcat has the filter answer it), and the response is complete. The application's
             * {@code onError} gets it all the same, as the containers pass it there, to release what it holds.
             */
            private boolean answered(Exception own) {
                if (!request.answersListenerFailure(own)) {
                    return false;
                }
                answeredFailure = true;
                try {
                    listener.onError(own);
                } finally {
                    request.listenerTold();
                }
                return true;
            }

            /**
             * Whether what the callback threw after commit is an upstream failure the filter aborted the response for,
             * on Jetty or Undertow, which tell it only to this listener's {@code onError}, whose {@code complete()}
             * would end the body as if whole: the listener is told of it, and the response aborted, in the order the
             * container needs ({@link ResponseAbortedException#abortAround}). Tomcat tells the cycle's listeners too,
             * where the filter aborts it.
             */
            private boolean aborted(Exception own) {
                ResponseAbortedException abort = request.abortFor(own);
                if (abort == null) {
                    return false;
                }
                answeredFailure = true;
                request.abort(abort, () -> listener.onError(own));
                return true;
            }

            @Override
            public void onError(Throwable failure) {
                listener.onError(ClientAborts.markReported(failure, thrownByListener));
            }
        });
    }
}
