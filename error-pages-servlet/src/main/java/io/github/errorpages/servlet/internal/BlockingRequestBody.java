package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.Request;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body read with blocking servlet I/O, for a request that cannot go asynchronous (a servlet or
 * filter without async support), on a thread of the proxy's own ({@link BlockingReadsContent}), never one of the
 * upstream client's: a slow uploader holds that one thread, and nothing the client needs for other exchanges.
 * Never closed by the upstream client (a retry may read it again when the first attempt read nothing).
 *
 * <p>Jetty's client sends the request's head when its first ask for content finds none read yet, so the upstream now
 * gets the head before any byte of the body is read from the client (with {@code InputStreamRequestContent}, read on
 * the asking thread, the head went out with the first chunk). The first ask marks the body touched and started
 * ({@link #asked}), so an answer to the head alone is an early answer to an upload under way, as it was then.
 *
 * <p>The reads, and so a filter's wrapper of the request's stream, run on the proxy's body-reader threads
 * ({@code error-pages-proxy-<upstream>-body-<n>}, as with the {@code jdk} transport): daemon threads with the platform
 * class loader as their context class loader and no MDC, where they ran on the Jetty client's threads before.
 */
final class BlockingRequestBody extends InputStream implements ForwardedBody, BlockingBodyReads {

    private final ClientInputStream in;
    /** Where the blocking reads run ({@link BlockingReadsContent}). */
    private final Executor reads;
    private volatile boolean touched;
    /** Whether the upstream's answer is whole: what the client still sends is not forwarded ({@link #answered}). */
    private volatile boolean answered;

    /**
     * @param request the servlet request, whose input stream is got when an attempt first reads the body
     * @param length the request's {@code Content-Length}, or -1 when it has none
     * @param reads where the blocking reads run: threads of the proxy's own, each held as long as its client stalls
     */
    BlockingRequestBody(ServletRequest request, long length, Executor reads) {
        this.in = new ClientInputStream(request, length);
        this.reads = reads;
    }

    @Override
    public Request.Content content() {
        return new BlockingReadsContent(this, reads, this::asked);
    }

    /**
     * The upstream client asked for the body, on its own thread, before the request's head went out and before the
     * read it asked for began on a thread of {@link #reads}: the body is touched (never sent again) and started (an
     * answer from now on is an early one, in the middle of the upload) as the upstream can see the head. Noted only
     * once that read began, an upstream that answered the head at once raced it: its answer found the upload unread,
     * kept the connection, and the read that began next took the bytes of the client's next request.
     */
    private void asked() {
        touched = true;
        in.asked();
    }

    @Override
    public boolean isUntouched() {
        return !touched;
    }

    @Override
    public @Nullable IOException failure() {
        return in.failure();
    }

    @Override
    public boolean isAwaitingClient() {
        return in.isReading();
    }

    @Override
    public long awaitingClientSinceNanos() {
        return in.readingSinceNanos();
    }

    @Override
    public boolean stopStartingReads() {
        return in.stopStarting();
    }

    @Override
    public boolean isSourceCutShort() {
        return in.isStarted() && !in.isFinished();
    }

    @Override
    public boolean isSourceUnread() {
        return !in.isStarted();
    }

    @Override
    public boolean isCutShort() {
        return isSourceCutShort();
    }

    @Override
    public boolean stopReading(Duration patience) throws InterruptedException {
        return in.stop(patience);
    }

    @Override
    public void abortReading() {
        in.abort();
    }

    /**
     * {@inheritDoc} Aborting the upstream request does not end a read blocked in the client's stream, after which
     * Jetty's client wrote what it read: that read fails now, which ends the request and closes the upstream's
     * connection.
     */
    @Override
    public void answered() {
        answered = true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        touched = true;
        if (answered && isCutShort()) {
            throw new UploadStopped();
        }
        int n = in.read(b, off, len);
        if (n > 0 && answered) {
            throw new UploadStopped();
        }
        return n; // all read, the end is read too: the request is complete
    }

    @Override
    public void close() {
        // The container owns the servlet input stream.
    }
}
