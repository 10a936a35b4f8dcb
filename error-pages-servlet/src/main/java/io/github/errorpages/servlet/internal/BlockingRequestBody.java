package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.Request;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body read with blocking servlet I/O by the upstream client's thread, for a request that
 * cannot go asynchronous (a servlet or filter without async support): a slow uploader holds that one thread.
 * Never closed by the upstream client (a retry may read it again when the first attempt read nothing).
 */
final class BlockingRequestBody extends InputStream implements ForwardedBody {

    private final InputStream in;
    private volatile boolean touched;
    private volatile @Nullable IOException failure;
    /** Reads in progress: a thread blocked on the client. */
    private final AtomicInteger reading = new AtomicInteger();

    BlockingRequestBody(InputStream in) {
        this.in = in;
    }

    @Override
    public Request.Content content() {
        return new InputStreamRequestContent((String) null, this);
    }

    @Override
    public boolean isUntouched() {
        return !touched;
    }

    @Override
    public @Nullable IOException failure() {
        return failure;
    }

    @Override
    public boolean isAwaitingClient() {
        return reading.get() > 0;
    }

    @Override
    public int read() throws IOException {
        touched = true;
        reading.incrementAndGet();
        try {
            return in.read();
        } catch (IOException e) {
            failure = e;
            throw e;
        } finally {
            reading.decrementAndGet();
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        touched = true;
        reading.incrementAndGet();
        try {
            return in.read(b, off, len);
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
