package io.github.errorpages.upstream.internal;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Bounds the time a body handler takes to make its body by what is left of the attempt's timeout when the
 * response head arrives. The JDK's request timeout ends with the head, so a handler that reads the whole body
 * ({@code ofString()}) would otherwise wait for an upstream that stalls mid-body until it closes the connection
 * (R45). When the time is up, the subscription is cancelled (the JDK client closes the connection) and the body
 * fails with an {@link java.net.http.HttpTimeoutException}, which classifies as {@code http_response_timeout};
 * the {@link AttemptBoundBodyHandler} that made this subscriber is told first, for the client may fail the exchange
 * with a failure of its own as the subscription is cancelled.
 *
 * <p>A handler that hands its body over at once and streams the rest ({@code ofInputStream()}) is not bounded
 * after that: the timer stops as soon as the body is made. The client asks for the body later than the head
 * arrived, on its executor: a time that runs out before it asks ends the body only if it is not made when asked
 * (a head that came in the attempt's last milliseconds, with the body handed over at once or already whole, is
 * the upstream's answer in time; one that is not made 10 ms after the client asked ends then).
 *
 * <p>The timer is {@link CompletableFuture#orTimeout}'s, on the JDK's shared delay thread, and is removed when
 * the body is made in time; only an expiry runs a task (on the common pool). Signals to the handler's
 * subscriber stay serial: the expiry and the client's signals take the same lock.
 *
 * @param <T> the body type
 */
final class AttemptBoundBodySubscriber<T> implements BodySubscriber<T> {

    /**
     * How much longer than the attempt's time a body has when the time ran out before the client asked for it: the
     * client delivers a body that arrived whole, and hands over a streamed one, a few milliseconds after it asks.
     */
    private static final long LATE_ASK_GRACE_MILLIS = 10;

    private final BodySubscriber<T> delegate;
    /** The attempt's handler, which made this subscriber: told when the time ends the body. */
    private final AttemptBoundBodyHandler<T> bound;
    /** Completed once the body is made: the timer stops then. */
    private final CompletableFuture<Void> timer = new CompletableFuture<>();
    private Flow.@Nullable Subscription subscription;
    private boolean ended;
    /** Whether the client asked for the body ({@link #getBody}). */
    private boolean asked;
    /** Whether the time ran out before the client asked for the body: it decides then. */
    private boolean expiredUnasked;
    /** Whether the body is made: it is not bounded after that. */
    private volatile boolean made;

    AttemptBoundBodySubscriber(BodySubscriber<T> delegate, long remainingNanos, AttemptBoundBodyHandler<T> bound) {
        this.delegate = delegate;
        this.bound = bound;
        timer.orTimeout(Math.max(remainingNanos, 0), TimeUnit.NANOSECONDS).whenComplete((done, expired) -> {
            if (expired != null) {
                // Off the JDK's one delay thread: expire() waits for a subscriber's onNext, which may write a file.
                ForkJoinPool.commonPool().execute(this::expire);
            }
        });
    }

    /**
     * The handler's body, asked for once, when the client asks (on its executor, once the body is subscribed to): a
     * mapping handler ({@code BodySubscribers.mapping}) applies its function at each call, and one that reads a
     * stream (a {@code GZIPInputStream} over {@code ofInputStream()}) blocked here, asked before the body could flow,
     * until the attempt timed out.
     */
    @Override
    public CompletionStage<T> getBody() {
        boolean late;
        synchronized (this) {
            // Asked from now on: a time that runs out while the handler makes its body ends it, for a mapping handler
            // that reads its stream blocks below until the body flows, or fails.
            asked = true;
            late = expiredUnasked;
        }
        if (late) {
            // The time ran out before the client asked: a body made at once (below) is kept, one that is not is
            // ended a little later, also while making it blocks, and one the client delivers meanwhile is kept.
            CompletableFuture.delayedExecutor(LATE_ASK_GRACE_MILLIS, TimeUnit.MILLISECONDS, ForkJoinPool.commonPool())
                    .execute(this::expire);
        }
        CompletionStage<T> body = delegate.getBody();
        // Runs at once for a body made at once (a stage whose isDone() may refuse to answer, as the JDK's do).
        body.whenComplete((result, error) -> {
            made = true;
            timer.complete(null);
        });
        return body;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        delegate.onSubscribe(subscription);
        if (ended) {
            // Expired before the body started: the subscriber still gets onSubscribe first, as the protocol wants.
            failAndCancel(subscription);
        }
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> item) {
        if (!ended) {
            delegate.onNext(item);
        }
    }

    @Override
    public synchronized void onError(Throwable throwable) {
        if (!ended) {
            ended = true;
            delegate.onError(throwable);
        }
    }

    @Override
    public synchronized void onComplete() {
        if (!ended) {
            ended = true;
            delegate.onComplete();
        }
    }

    private synchronized void expire() {
        if (ended || made) {
            return;
        }
        if (!asked) {
            expiredUnasked = true; // getBody() decides
            return;
        }
        ended = true;
        bound.endingABody();
        Flow.Subscription current = subscription;
        if (current != null) {
            failAndCancel(current);
        }
    }

    /** @return whether the time ran out (whether or not that ended the body); for tests */
    synchronized boolean ranOut() {
        return ended || expiredUnasked;
    }

    /**
     * The body fails with the timeout first, then the subscription is cancelled: cancelled first, the client
     * fails the body itself (on JDK 25 as an incomplete body, which would read as the upstream's fault).
     */
    private void failAndCancel(Flow.Subscription current) {
        delegate.onError(bound.timedOut());
        current.cancel();
    }
}
