package io.github.errorpages.upstream.internal;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Takes the place of the caller's body handler for an upstream 5xx response that is a failure: its body is
 * never shown to anyone. The response is complete at once (its body is {@code null}); the body is drained in
 * the background so that the connection can serve the next request, but only up to
 * {@value #MAX_DRAINED_BYTES} bytes and {@value #MAX_DRAIN_MILLIS} ms: after that the subscription is
 * cancelled, which closes the connection. Without that bound an upstream that sends a 5xx head and then
 * stalls would hold the connection forever, since the request timeout no longer runs once the head arrived.
 *
 * @param <T> the body type the caller asked for; the body is always {@code null}
 */
public final class DiscardingBodySubscriber<T> implements BodySubscriber<T> {

    /** The most bytes drained before the connection is given up. */
    public static final long MAX_DRAINED_BYTES = 64 * 1024;
    /** The longest time spent draining before the connection is given up. */
    public static final long MAX_DRAIN_MILLIS = 1000;

    private final CompletableFuture<T> body = CompletableFuture.completedFuture(null);
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile Flow.@Nullable Subscription subscription;
    private long drained;

    @Override
    public CompletionStage<T> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
        // Runs on the JDK's delay thread itself: cancelling is cheap, and no pool thread is needed per response.
        CompletableFuture.delayedExecutor(MAX_DRAIN_MILLIS, TimeUnit.MILLISECONDS, Runnable::run).execute(this::giveUp);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        for (ByteBuffer buffer : item) {
            drained += buffer.remaining();
        }
        if (drained > MAX_DRAINED_BYTES) {
            giveUp();
        }
    }

    @Override
    public void onError(Throwable throwable) {
        finished.set(true); // the body is discarded, and so is its failure
    }

    @Override
    public void onComplete() {
        finished.set(true);
    }

    private void giveUp() {
        Flow.Subscription s = subscription;
        if (s != null && finished.compareAndSet(false, true)) {
            s.cancel();
        }
    }
}
