package io.github.errorpages.upstream.internal;

import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.Causes;
import io.github.errorpages.upstream.BodyOutcome;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * The end of the body of one attempt's response of the JDK's client, as the client signals it to the body's
 * subscriber, reported to the guard's {@link BodyOutcome} ({@link JdkResponseAdapter#awaitBody}): so that a body the
 * caller of {@code GuardedHttpClient} streams after the call returned ({@code ofInputStream()}, {@code ofLines()},
 * {@code ofPublisher()}) and the upstream breaks off counts against the upstream, as the proxy's bodies do. A body
 * read whole before the call returns ({@code ofString()}) has ended by then and is reported at once.
 *
 * <p>The body ends complete when the client completes it, and when the caller stops reading it (closes the stream,
 * cancels the subscription), which says nothing about the upstream; it fails when the client fails it, and the
 * caller's subscriber then gets an {@code IOException} caused by the guard's failure
 * ({@link UpstreamFailureException}, caused by the client's), once the guard handed its outcome over when the body
 * failed before that. A body the caller never reads to its end nor closes is never reported, and its call is not
 * recorded by a closed breaker.
 *
 * <p>Thread-safe: the end and the outcome may arrive in either order, on any threads; whichever comes second
 * reports, and the outcome counts the first report only.
 */
public final class StreamedBodyEnd implements AwaitedBody {

    private static final Object COMPLETE = new Object();

    // Guarded by this: set once each, rarely (once per body), and read together.
    private @Nullable BodyOutcome outcome;
    /** {@link #COMPLETE}, or the failure; {@code null} while the body goes on. */
    private @Nullable Object end;
    /** Tells the body's reader of its failure, once the outcome is here to say what the guard made of it. */
    private @Nullable Consumer<@Nullable UpstreamFailure> failingReader;

    /**
     * @param <T> the body type
     * @param handler the caller's handler
     * @return a handler whose bodies report their end here
     */
    public <T> BodyHandler<T> observing(BodyHandler<T> handler) {
        return info -> new Subscriber<>(handler.apply(info));
    }

    /**
     * @param <T> the body type
     * @param response the response whose body {@link #observing} observes
     * @return the same response, carrying this end for {@link JdkResponseAdapter#awaitBody}
     */
    public <T> HttpResponse<T> attachTo(HttpResponse<T> response) {
        return new Response<>(response, this);
    }

    /**
     * @param <T> the body type
     * @param sent the client's future response, whose body {@link #observing} observes
     * @param explaining what the future fails with, given what {@code sent} failed with
     * @return a future of the same response, carrying this end; cancelling it cancels {@code sent} (the client
     *     aborts the exchange), and a response that arrives all the same is discarded
     */
    public <T> CompletableFuture<HttpResponse<T>> attachTo(CompletableFuture<HttpResponse<T>> sent,
            UnaryOperator<Throwable> explaining) {
        CompletableFuture<HttpResponse<T>> attached = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                sent.cancel(mayInterruptIfRunning);
                return super.cancel(mayInterruptIfRunning);
            }
        };
        sent.whenComplete((response, failure) -> {
            if (failure != null) {
                attached.completeExceptionally(explaining.apply(failure));
            } else if (!attached.complete(attachTo(response))) {
                JdkResponseAdapter.<T>instance().discard(response); // cancelled meanwhile: release its connection
            }
        });
        return attached;
    }

    @Override
    public void reportTo(BodyOutcome outcome) {
        @Nullable Object how;
        @Nullable Consumer<@Nullable UpstreamFailure> reader;
        synchronized (this) {
            this.outcome = outcome;
            how = end;
            reader = failingReader;
            failingReader = null;
        }
        if (how != null) {
            UpstreamFailure failure = report(outcome, how);
            if (reader != null) {
                reader.accept(failure);
            }
        }
    }

    /** Reports the body's end to the outcome if it is here already; the first end is the body's. */
    private void ended(Object how) {
        BodyOutcome awaiting;
        synchronized (this) {
            if (end != null) {
                return; // a failure after the caller stopped reading, say
            }
            end = how;
            awaiting = outcome;
        }
        if (awaiting != null) {
            report(awaiting, how);
        }
    }

    private static @Nullable UpstreamFailure report(BodyOutcome outcome, Object how) {
        if (how == COMPLETE) {
            outcome.completed();
            return null;
        }
        return outcome.failed((Throwable) how);
    }

    /** The caller's subscriber, whose signals and cancellation end the body here too. */
    private final class Subscriber<T> implements BodySubscriber<T> {
        private final BodySubscriber<T> delegate;
        /** The body, once the client asked for it: asked once, as a mapping handler maps at each call. */
        private volatile @Nullable CompletionStage<T> body;

        Subscriber(BodySubscriber<T> delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletionStage<T> getBody() {
            CompletionStage<T> made = delegate.getBody();
            body = made;
            return made;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            delegate.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    subscription.request(n);
                }

                @Override
                public void cancel() {
                    ended(COMPLETE); // the caller stopped reading: no failure of the upstream's
                    subscription.cancel();
                }
            });
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            delegate.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            // A body the caller streams after the call returned: what its reads throw carries the guard's failure
            // (the upstream's name, attempts, time), which the page and its log line take, as they would a call's.
            boolean asked = body != null;
            boolean streamed = isStreamed(); // the caller's stage: asked outside the lock
            @Nullable BodyOutcome awaiting;
            @Nullable FailureOfAnUnaskedBody unasked = null;
            synchronized (StreamedBodyEnd.this) {
                if (end != null) { // the caller stopped reading first: the body's end was no failure
                    awaiting = null;
                } else {
                    end = throwable;
                    awaiting = outcome;
                    if (awaiting == null && streamed) {
                        // Broken right after its head, before the guard handed the outcome over: the reader, who
                        // cannot have the body before then, waits for it. A body read whole cannot: the client
                        // hands the guard its response only once the body ended.
                        failingReader = failure -> delegate.onError(forReader(throwable, failure));
                        return;
                    }
                    if (awaiting == null && !asked) {
                        // Broken before the client even asked for the body: whether it is read whole or streamed is
                        // not known yet, and a mapping handler reads it as it is asked for, so it is told at once,
                        // of a failure the guard's outcome explains once here (the caller has the stream after it).
                        FailureOfAnUnaskedBody told = new FailureOfAnUnaskedBody(throwable);
                        failingReader = told::explainedBy;
                        unasked = told;
                    }
                }
            }
            delegate.onError(unasked != null ? unasked
                    : forReader(throwable, awaiting == null ? null : awaiting.failed(throwable)));
        }

        /**
         * @return whether the body is the caller's to read before it ends (a stream, lines, a publisher) and its
         *     end is this one's to report: a body that reports its own end ({@link AwaitedBody}, the proxy's) is
         *     handed the outcome instead, and this one never is
         */
        private boolean isStreamed() {
            CompletionStage<T> asked = body;
            if (asked == null) {
                return false; // not asked for yet: nobody has it to read
            }
            try {
                CompletableFuture<T> made = asked.toCompletableFuture();
                return made.isDone() && !(made.getNow(null) instanceof AwaitedBody);
            } catch (RuntimeException unsupported) { // toCompletableFuture is optional: say it was read whole
                return false;
            }
        }

        @Override
        public void onComplete() {
            ended(COMPLETE);
            delegate.onComplete();
        }
    }

    /**
     * @return what the reader's subscriber is told: still an {@code IOException}, as the client's own is, for
     *     subscribers that tell failures by their type, carrying the guard's failure when there is one
     */
    private static Throwable forReader(Throwable failed, @Nullable UpstreamFailure failure) {
        return failure == null ? failed
                : new IOException(Causes.messageOf(failed), new UpstreamFailureException(failure, failed, false));
    }

    /**
     * What a body's subscriber is told when the body failed before the client asked for it and before the guard
     * handed its outcome over: caused by the client's failure until the outcome arrives, and from then on, as
     * {@link #forReader} says, by the guard's failure (caused by the client's). The caller has a streamed body only
     * after the outcome arrived, so its reads throw it explained; a body read whole fails the call with the client's.
     */
    private static final class FailureOfAnUnaskedBody extends IOException {
        private static final long serialVersionUID = 1L;

        private final transient Throwable failed;
        private transient volatile @Nullable UpstreamFailureException explained;

        FailureOfAnUnaskedBody(Throwable failed) {
            super(Causes.messageOf(failed));
            this.failed = failed;
        }

        void explainedBy(@Nullable UpstreamFailure failure) {
            if (failure != null) {
                explained = new UpstreamFailureException(failure, failed, false);
            }
        }

        @Override
        public Throwable getCause() {
            UpstreamFailureException guards = explained;
            return guards != null ? guards : failed;
        }
    }

    /** The client's response, as it is, but for carrying the end of its body. */
    static final class Response<T> implements HttpResponse<T> {
        private final HttpResponse<T> response;
        private final StreamedBodyEnd end;

        Response(HttpResponse<T> response, StreamedBodyEnd end) {
            this.response = response;
            this.end = end;
        }

        StreamedBodyEnd end() {
            return end;
        }

        @Override
        public int statusCode() {
            return response.statusCode();
        }

        @Override
        public HttpRequest request() {
            return response.request();
        }

        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return response.previousResponse();
        }

        @Override
        public HttpHeaders headers() {
            return response.headers();
        }

        @Override
        public T body() {
            return response.body();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return response.sslSession();
        }

        @Override
        public URI uri() {
            return response.uri();
        }

        @Override
        public HttpClient.Version version() {
            return response.version();
        }

        @Override
        public String toString() {
            return response.toString();
        }
    }
}
