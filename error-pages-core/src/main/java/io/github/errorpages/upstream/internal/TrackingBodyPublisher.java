package io.github.errorpages.upstream.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Passes a request body publisher through and notes what the guard must know of it: whether the HTTP client has
 * started to read it, whether its source failed, and whether the client waits for more of it.
 *
 * <p>An untouched body can be sent again even when it cannot be replayed: the JDK's client subscribes to the
 * body only once the connection is established, so after a connect failure the body is still untouched. A body
 * whose publisher signalled an error failed at its source (a client that went away while uploading), and one for
 * which the client asked for more than it got, or whose publisher is reading its source, is waiting for it (a
 * client that stalled): a failure of the attempt then is not the upstream's.
 *
 * <p>The HTTP client subscribes a second time when it sends the request again on its own: to follow a redirect
 * that keeps the body (307, 308), to answer an authentication challenge (401, 407), (the JDK's client, for a GET
 * or HEAD) when the connection closed before any response byte, or (the JDK's client from Java 21 or so, for any
 * method) when an HTTP/2 upstream refused the request's stream unprocessed ({@code REFUSED_STREAM}, or a
 * {@code GOAWAY} that leaves it out, RFC 9113 §8.7). The JDK's own publishers of a string, a byte array or a file
 * read their source afresh for each subscriber, and are subscribed to again. Any other body is read once: a second
 * read would start at its source's end, and the upstream get the request with the rest of the body only, or none.
 * The second subscriber then gets an {@link EOFException} at once, a failure of the connection
 * ({@code connection_terminated}) that the upstream closed or refused before its response; but for any other method
 * than GET and HEAD through a client that follows redirects or answers challenges, whose own redirect or
 * authentication may have asked for it (the guard refuses a JDK client set to resend other methods on a closed
 * connection, R13): that second subscriber gets an {@link IOException} that says so, and the body counts as
 * {@linkplain #isSourceFailed() failed at its source}, so that the upstream, which answered, is not blamed.
 * Thread-safe.
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

    /** The JDK's publishers that read their source afresh for each subscriber (ofString is a ByteArrayPublisher). */
    private static final Set<String> REPLAYABLE = Set.of("jdk.internal.net.http.RequestPublishers$ByteArrayPublisher",
            "jdk.internal.net.http.RequestPublishers$FilePublisher",
            "jdk.internal.net.http.RequestPublishers$EmptyPublisher");

    private final BodyPublisher delegate;
    private final boolean replayable;
    private final boolean resentByRedirectOrChallenge;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile boolean failed;
    private volatile boolean completed;
    /** Items the HTTP client asked for and did not get yet; saturates at Long.MAX_VALUE (unbounded demand). */
    private final AtomicLong outstanding = new AtomicLong();
    /**
     * Calls of the publisher's {@code request(n)} that have not returned: a publisher that reads its source inside
     * them (the JDK's {@code ofInputStream}, which reads ahead of demand to find the body's end) waits there for a
     * source that stalled, with no demand outstanding.
     */
    private final AtomicInteger requesting = new AtomicInteger();

    /**
     * @param delegate the body
     * @param method the request's method: for any but GET and HEAD, the client reads the body a second time for a
     *     redirect or an authentication challenge, or for an HTTP/2 stream refused unprocessed
     * @param answersForTheCaller whether the client follows redirects or answers authentication challenges itself
     */
    public TrackingBodyPublisher(BodyPublisher delegate, String method, boolean answersForTheCaller) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.replayable = isReplayable(delegate);
        this.resentByRedirectOrChallenge = answersForTheCaller && !method.equals("GET") && !method.equals("HEAD");
    }

    /** @return whether no one has subscribed to the body yet */
    public boolean isUntouched() {
        return !subscribed.get();
    }

    /**
     * @return whether the body's publisher signalled an error (its source failed), or a body that cannot be read
     *     twice was asked for again by the client's redirect or authentication: either way not the upstream's doing
     */
    public boolean isSourceFailed() {
        return failed;
    }

    /**
     * @return whether the HTTP client asked for more of the body than the source has given it so far, or the
     *     publisher is reading its source (inside a {@code request(n)} that has not returned)
     */
    public boolean isSourceAwaited() {
        return subscribed.get() && !completed && !failed && (outstanding.get() > 0 || requesting.get() > 0);
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (!subscribed.getAndSet(true)) {
            delegate.subscribe(new Tracker(subscriber));
        } else if (replayable) {
            // The earlier exchange is over: the client asks again only once it has ended.
            completed = false;
            outstanding.set(0);
            delegate.subscribe(new Tracker(subscriber));
        } else if (resentByRedirectOrChallenge) {
            failed = true;
            subscriber.onSubscribe(NOTHING);
            subscriber.onError(new IOException("the HttpClient sends the request again, to follow a redirect (307, "
                    + "308) or to answer an authentication challenge, but its body cannot be read twice; send it "
                    + "with BodyPublishers.ofByteArray, ofString or ofFile, or let the client follow no redirects"));
        } else {
            subscriber.onSubscribe(NOTHING);
            subscriber.onError(new EOFException("connection closed, or the request's stream refused, before a "
                    + "response, after the request body was read: the body is not sent again"));
        }
    }

    private static boolean isReplayable(BodyPublisher body) {
        for (Class<?> type = body.getClass(); type != null; type = type.getSuperclass()) {
            if (REPLAYABLE.contains(type.getName())) {
                return true;
            }
        }
        return false;
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
                    requesting.incrementAndGet();
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
                    } finally {
                        requesting.decrementAndGet();
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
