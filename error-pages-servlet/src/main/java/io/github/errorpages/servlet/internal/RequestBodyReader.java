package io.github.errorpages.servlet.internal;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * The request body as the application behind the filter reads it as characters: the container's reader, each of
 * whose failures is {@linkplain ClientAborts#mark marked} as the request connection's own, as
 * {@link RequestBodyStream} marks the stream's. Made for each {@code getReader()} call, and buffering nothing
 * itself (every method goes to the container's reader, which keeps the state and the buffer), so that two of
 * them over the same request read one body, as two calls of the container's {@code getReader()} do.
 *
 * <p>Not thread-safe beyond what the Servlet specification asks of a request's reader.
 */
final class RequestBodyReader extends BufferedReader {

    private final BufferedReader delegate;

    RequestBodyReader(BufferedReader delegate) {
        super(delegate, 1); // the superclass's buffer is never used
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
    public int read(char[] buffer, int off, int len) throws IOException {
        try {
            return delegate.read(buffer, off, len);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public String readLine() throws IOException {
        try {
            return delegate.readLine();
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
    public boolean ready() throws IOException {
        try {
            return delegate.ready();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public boolean markSupported() {
        return delegate.markSupported();
    }

    @Override
    public void mark(int readAheadLimit) throws IOException {
        delegate.mark(readAheadLimit);
    }

    @Override
    public void reset() throws IOException {
        try {
            delegate.reset();
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
}
