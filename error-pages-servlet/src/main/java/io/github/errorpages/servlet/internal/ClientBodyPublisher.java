package io.github.errorpages.servlet.internal;

import io.github.errorpages.upstream.SourcedBodyPublisher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body for the JDK's HTTP client, read with blocking servlet I/O, that tells the guard when a
 * failed attempt was the client's doing: reading its body failed or ended early (it went away), or a read was
 * waiting for it when the attempt timed out (it stalled). Each read runs on the executor given, not in the JDK
 * client's write loop ({@link ExecutorStreamPublisher}); only the stream itself knows when it waits for the client.
 *
 * <p>One per forwarded request; thread-safe (the client's executor reads, the guard asks from any thread).
 */
public final class ClientBodyPublisher implements SourcedBodyPublisher, BlockingBodyReads {

    private final HttpServletRequest request;
    private final long length;
    private final BodyPublisher delegate;
    private @Nullable ClientInputStream source; // guarded by this

    /**
     * @param request the client's request, whose body is read when an attempt first asks for it
     * @param length its {@code Content-Length}, or -1 when it has none
     * @param reads where the blocking reads of the body run
     */
    public ClientBodyPublisher(HttpServletRequest request, long length, Executor reads) {
        this.request = request;
        this.length = length;
        ExecutorStreamPublisher streamed = new ExecutorStreamPublisher(this::source, reads);
        this.delegate = length > 0 ? BodyPublishers.fromPublisher(streamed, length) : BodyPublishers.fromPublisher(streamed);
    }

    @Override
    public boolean isSourceFailed() {
        ClientInputStream current = currentSource();
        return current != null && current.failure() != null;
    }

    @Override
    public boolean isSourceAwaited() {
        ClientInputStream current = currentSource();
        return current != null && current.isReading();
    }

    @Override
    public boolean stopStartingReads() {
        return source().stopStarting();
    }

    @Override
    public boolean isSourceCutShort() {
        ClientInputStream current = currentSource();
        return current != null && current.isStarted() && !current.isFinished();
    }

    @Override
    public boolean isSourceUnread() {
        ClientInputStream current = currentSource();
        return current == null || !current.isStarted();
    }

    @Override
    public boolean stopReading(Duration patience) throws InterruptedException {
        return source().stop(patience);
    }

    @Override
    public void abortReading() {
        source().abort();
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        delegate.subscribe(subscriber);
    }

    private synchronized @Nullable ClientInputStream currentSource() {
        return source;
    }

    /**
     * @return the stream every attempt reads, made by the first to ask for it, a stop too: an attempt that starts
     *     after a stop reads nothing
     */
    private synchronized ClientInputStream source() {
        if (source == null) {
            source = new ClientInputStream(request, length);
        }
        return source;
    }
}
