package io.github.errorpages.upstream.internal;

import java.io.EOFException;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Passes a request body publisher through and notes what the guard must know of it: whether the HTTP client has
 * started to read it, whether its source failed, and whether the client waits for more of it.
 *
 * <p>An untouched body can be sent again even when it cannot be replayed: the JDK's client subscribes to the
 * body only once the connection is established, so after a connect failure the body is still untouched. A body
 * whose publisher signalled an error failed at its source (a client that went away while uploading), and one for
 * which the client asked for more than it got is waiting for its source (a client that stalled): a failure of
 * the attempt then is not the upstream's.
 *
 * <p>The body is read once. A second subscription, which the HTTP client makes when it sends the request again
 * on its own (the JDK's client repeats a GET or HEAD whose connection closed before any response byte), gets an
 * {@link EOFException} at once, a failure of the connection ({@code connection_terminated}), not of the source:
 * a body that cannot be replayed would otherwise be read again at its end, and the upstream get the request with
 * the rest of the body only, or none. Thread-safe.
 */
public final class TrackingBodyPublisher implements BodyPublisher {

    /** The subscription of a body that is not sent again: nothing to ask for. */
    private static final Flow.Subscription NOTHING = new Flow.Subscription() {
        @Override
        public void request(long n) {
            // ended at once by onError
        }

        @Override
        public void cancel() {
            // nothing to stop
        }
    };

    private final BodyPublisher delegate;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile boolean failed;
    private volatile boolean completed;
    /** Items the HTTP client asked for and did not get yet; saturates at Long.MAX_VALUE (unbounded demand). */
    private final AtomicLong outstanding = new AtomicLong();

    /**
     * @param delegate the body
     */
    public TrackingBodyPublisher(BodyPublisher delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return whether no one has subscribed to the body yet */
    public boolean isUntouched() {
        return !subscribed.get();
    }

    /** @return whether the body's publisher signalled an error: its source failed */
    public boolean isSourceFailed() {
        return failed;
    }

    /** @return whether the HTTP client asked for more of the body than the source has given it so far */
    public boolean isSourceAwaited() {
        return subscribed.get() && !completed && !failed && outstanding.get() > 0;
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (subscribed.getAndSet(true)) {
            subscriber.onSubscribe(NOTHING);
            subscriber.onError(new EOFException("connection closed before a response, after the request body was "
                    + "sent: the body is not sent again"));
            return;
        }
        delegate.subscribe(new Tracker(subscriber));
    }

    /** Counts the demand and what met it, and notes how the body ended. */
    private final class Tracker implements Flow.Subscriber<ByteBuffer> {
        private final Flow.Subscriber<? super ByteBuffer> downstream;
        private volatile @Nullable Throwable downstreamFailure;

        Tracker(Flow.Subscriber<? super ByteBuffer> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            downstream.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (n > 0) {
                        outstanding.accumulateAndGet(n, (have, more) -> have + more < 0 ? Long.MAX_VALUE : have + more);
                    }
                    try {
                        subscription.request(n);
                    } catch (RuntimeException | Error escaped) {
                        // A publisher that reads its source inside request(n) (the JDK's ofInputStream) may let
                        // the source's failure escape from here instead of signalling onError; what the HTTP
                        // client's own onNext threw on the way is not the source's.
                        if (escaped != downstreamFailure) {
                            failed = true;
                        }
                        throw escaped;
                    }
                }

                @Override
                public void cancel() {
                    subscription.cancel();
                }
            });
        }

        @Override
        public void onNext(ByteBuffer item) {
            outstanding.getAndUpdate(have -> have == Long.MAX_VALUE || have == 0 ? have : have - 1);
            try {
                downstream.onNext(item);
            } catch (RuntimeException | Error clientFailed) {
                downstreamFailure = clientFailed;
                throw clientFailed;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            failed = true;
            downstream.onError(throwable);
        }

        @Override
        public void onComplete() {
            completed = true;
            downstream.onComplete();
        }
    }
}
