package io.github.errorpages.upstream.internal;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Takes the place of the caller's body handler for an upstream 5xx response that is a failure: its body is
 * never shown to anyone, so it is not read. The subscription is cancelled at once, which closes the
 * connection; draining instead could hang on an upstream that sends a 5xx head and then stalls, since the
 * request timeout no longer runs once the head has arrived.
 *
 * @param <T> the body type the caller asked for; the body is always {@code null}
 */
public final class DiscardingBodySubscriber<T> implements BodySubscriber<T> {

    private final CompletableFuture<T> body = CompletableFuture.completedFuture(null);

    @Override
    public CompletionStage<T> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        // cancelled: nothing more arrives, and nothing is kept
    }

    @Override
    public void onError(Throwable throwable) {
        // the body is discarded, and so is its failure
    }

    @Override
    public void onComplete() {
        // nothing to do
    }
}
