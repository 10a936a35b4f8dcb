package io.github.errorpages.upstream.internal;

import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Flow;

/**
 * Passes a request body publisher through and notes whether the HTTP client has started to read it. An
 * untouched body can be sent again even when it cannot be replayed: the JDK's client subscribes to the body
 * only once the connection is established, so after a connect failure the body is still untouched.
 */
public final class TrackingBodyPublisher implements BodyPublisher {

    private final BodyPublisher delegate;
    private volatile boolean subscribed;

    /**
     * @param delegate the body
     */
    public TrackingBodyPublisher(BodyPublisher delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return whether no one has subscribed to the body yet */
    public boolean isUntouched() {
        return !subscribed;
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        subscribed = true;
        delegate.subscribe(subscriber);
    }
}
