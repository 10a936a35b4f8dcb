package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the tracker tells the guard about a streamed body, driven signal by signal. */
class TrackingBodyPublisherTests {

    /** A body source that sends exactly what the test tells it to. */
    private static final class Source implements Flow.Publisher<ByteBuffer> {
        Flow.Subscriber<? super ByteBuffer> subscriber;

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
        }
    }

    /** Stands for the HTTP client: asks for one part at a time when told to. */
    private static final class Reader implements Flow.Subscriber<ByteBuffer> {
        Flow.Subscription subscription;
        int parts;
        Throwable failure;
        boolean complete;

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
        }

        @Override
        public void onNext(ByteBuffer item) {
            parts++;
        }

        @Override
        public void onError(Throwable throwable) {
            failure = throwable;
        }

        @Override
        public void onComplete() {
            complete = true;
        }
    }

    @Test
    void awaitsItsSourceExactlyWhileTheClientAskedForMoreThanItGot() {
        Source source = new Source();
        TrackingBodyPublisher body = new TrackingBodyPublisher(BodyPublishers.fromPublisher(source), "PUT", true);
        Reader reader = new Reader();
        assertThat(body.isUntouched()).isTrue();
        assertThat(body.isSourceAwaited()).isFalse();

        body.subscribe(reader);
        assertThat(body.isUntouched()).isFalse();
        assertThat(body.isSourceAwaited()).as("subscribed, nothing asked for yet").isFalse();

        reader.subscription.request(1);
        assertThat(body.isSourceAwaited()).as("asked for a part: the source owes it").isTrue();
        source.subscriber.onNext(ByteBuffer.wrap(new byte[] {1}));
        assertThat(body.isSourceAwaited()).as("got it; the client is busy sending it").isFalse();
        assertThat(reader.parts).isEqualTo(1);

        reader.subscription.request(Long.MAX_VALUE);
        source.subscriber.onNext(ByteBuffer.wrap(new byte[] {2}));
        assertThat(body.isSourceAwaited()).as("unbounded demand stays owed").isTrue();
        source.subscriber.onComplete();
        assertThat(body.isSourceAwaited()).isFalse();
        assertThat(body.isSourceFailed()).isFalse();
        assertThat(reader.complete).isTrue();
    }

    /**
     * A publisher that reads its source inside {@code request(n)} (the JDK's {@code ofInputStream}, which reads ahead
     * of demand to find the body's end) waits there for a client that stalled though it owes no part: the source is
     * awaited until that call returns, so that an attempt timing out meanwhile is not the upstream's (R2, R47).
     */
    @Test
    void awaitsItsSourceWhileThePublisherReadsItInsideARequestThatOwesNothing() {
        AtomicReference<TrackingBodyPublisher> tracked = new AtomicReference<>();
        AtomicReference<Boolean> awaitedWhileReadingAhead = new AtomicReference<>();
        Flow.Publisher<ByteBuffer> readsAhead = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                subscriber.onNext(ByteBuffer.wrap(new byte[] {1}));
                // The part asked for is given; reading on for the body's end, which the client has not sent yet.
                awaitedWhileReadingAhead.set(tracked.get().isSourceAwaited());
            }

            @Override
            public void cancel() {
            }
        });
        TrackingBodyPublisher body = new TrackingBodyPublisher(BodyPublishers.fromPublisher(readsAhead), "PUT", true);
        tracked.set(body);
        Reader reader = new Reader();
        body.subscribe(reader);

        reader.subscription.request(1);

        assertThat(reader.parts).isEqualTo(1);
        assertThat(awaitedWhileReadingAhead.get()).as("inside request(n), nothing owed").isTrue();
        assertThat(body.isSourceAwaited()).as("request(n) returned, nothing owed").isFalse();
    }

    @Test
    void failsAtItsSourceWhenThePublisherSignalsAnError() {
        Source source = new Source();
        TrackingBodyPublisher body = new TrackingBodyPublisher(BodyPublishers.fromPublisher(source), "PUT", true);
        Reader reader = new Reader();
        body.subscribe(reader);
        reader.subscription.request(1);

        IOException gone = new IOException("the client went away");
        source.subscriber.onError(gone);

        assertThat(body.isSourceFailed()).isTrue();
        assertThat(body.isSourceAwaited()).isFalse();
        assertThat(reader.failure).isSameAs(gone);
    }

    /**
     * What escapes {@code request(n)} is the source's failure (the JDK's {@code ofInputStream} reads inside it),
     * unless it is what the HTTP client's own {@code onNext} threw on the way, which says nothing of the source.
     */
    @ParameterizedTest(name = "the client's own failure: {0}")
    @ValueSource(booleans = {true, false})
    void whatEscapesARequestIsTheSourcesFailureUnlessTheClientThrewIt(boolean clientsOwn) {
        RuntimeException clientFailed = new IllegalStateException("the client's own onNext failed");
        RuntimeException sourceFailed = new UncheckedIOException(new IOException("the client went away"));
        Flow.Publisher<ByteBuffer> readsInsideRequest = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (!clientsOwn) {
                    throw sourceFailed;
                }
                subscriber.onNext(ByteBuffer.wrap(new byte[] {1}));
            }

            @Override
            public void cancel() {
            }
        });
        TrackingBodyPublisher body = new TrackingBodyPublisher(BodyPublishers.fromPublisher(readsInsideRequest),
                "PUT", true);
        AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        body.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription.set(s);
            }

            @Override
            public void onNext(ByteBuffer item) {
                throw clientFailed;
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        });

        assertThatThrownBy(() -> subscription.get().request(1)).isSameAs(clientsOwn ? clientFailed : sourceFailed);
        assertThat(body.isSourceFailed()).isEqualTo(!clientsOwn);
    }

    /**
     * The JDK's publishers of a string, a byte array or a file read their source afresh for each subscriber: the
     * client's second subscription (a redirect, a challenge) gets the whole body again.
     */
    @Test
    void jdkPublisherThatReadsItsSourceAfreshIsSubscribedToAgain() {
        TrackingBodyPublisher body = new TrackingBodyPublisher(BodyPublishers.ofString("{\"item\":7}"), "POST", true);
        Reader first = new Reader();
        Reader second = new Reader();

        body.subscribe(first);
        first.subscription.request(Long.MAX_VALUE);
        body.subscribe(second);
        second.subscription.request(Long.MAX_VALUE);

        assertThat(first.complete).isTrue();
        assertThat(second.failure).isNull();
        assertThat(second.parts).isPositive();
        assertThat(second.complete).isTrue();
        assertThat(body.isSourceFailed()).isFalse();
    }

    /**
     * The client's second subscription to a body read afresh (a redirect, a challenge) owes nothing until it asks:
     * what the first one asked for and never got (its unbounded demand) is over with it, and an attempt that fails
     * before the second asks (its head is still on the way) is not taken for a client that stalled (R2, R47).
     */
    @Test
    void secondSubscriptionOfABodyReadAfreshAwaitsNothingBeforeItAsks() {
        TrackingBodyPublisher body = new TrackingBodyPublisher(BodyPublishers.ofString("{\"item\":7}"), "POST", true);
        Reader first = new Reader();
        Reader second = new Reader();
        body.subscribe(first);
        first.subscription.request(Long.MAX_VALUE);
        assertThat(first.complete).isTrue();

        body.subscribe(second);

        assertThat(body.isSourceAwaited()).as("subscribed again, nothing asked for yet").isFalse();
        second.subscription.request(Long.MAX_VALUE);
        assertThat(second.complete).isTrue();
        assertThat(body.isSourceAwaited()).isFalse();
    }

    /**
     * Any other body is read once. For a POST through a client that follows redirects or answers challenges, its
     * redirect or authentication may ask again (R13: the guard refuses a client that resends other methods on a
     * closed connection): not the upstream's doing, so the body counts as failed at its source. For a GET, the JDK's
     * resend after a connection closed before the response: a failure of that connection.
     */
    @Test
    void bodyThatCannotBeReadTwiceRefusesTheSecondSubscriber() {
        TrackingBodyPublisher post = new TrackingBodyPublisher(BodyPublishers.fromPublisher(new Source()), "POST",
                true);
        TrackingBodyPublisher get = new TrackingBodyPublisher(BodyPublishers.fromPublisher(new Source()), "GET",
                true);
        Reader postAgain = new Reader();
        Reader getAgain = new Reader();

        post.subscribe(new Reader());
        post.subscribe(postAgain);
        get.subscribe(new Reader());
        get.subscribe(getAgain);

        assertThat(postAgain.failure).isExactlyInstanceOf(IOException.class)
                .hasMessageContaining("cannot be read twice");
        assertThat(post.isSourceFailed()).isTrue();
        assertThat(getAgain.failure).isInstanceOf(EOFException.class);
        assertThat(get.isSourceFailed()).isFalse();
    }

    /**
     * Through a client that follows no redirects and answers no challenges, a second read of a POST's body is the
     * client's own resend of a request the upstream left unprocessed (an HTTP/2 stream refused, RFC 9113 §8.7, which
     * the JDK's client sends again for any method): a failure of the upstream's connection, not of the body's source,
     * which would end the call as the caller's upload broken.
     */
    @Test
    void bodyReadAgainByAClientThatAnswersNothingForTheCallerIsTheConnectionsFailure() {
        TrackingBodyPublisher post = new TrackingBodyPublisher(BodyPublishers.fromPublisher(new Source()), "POST",
                false);
        Reader postAgain = new Reader();

        post.subscribe(new Reader());
        post.subscribe(postAgain);

        assertThat(postAgain.failure).isInstanceOf(EOFException.class);
        assertThat(post.isSourceFailed()).isFalse();
    }
}
