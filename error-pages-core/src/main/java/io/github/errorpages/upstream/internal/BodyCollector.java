package io.github.errorpages.upstream.internal;

import java.io.IOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;

/**
 * Reads a request body publisher into memory once, so that the body can be sent again by a retry. Only
 * used for bodies whose length is known and small ({@code retry.max-replay-body}).
 */
public final class BodyCollector implements Flow.Subscriber<ByteBuffer> {

    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final long limit;
    private byte[] bytes;
    private int size;
    private Flow.Subscription subscription;

    private BodyCollector(long expectedLength) {
        this.limit = expectedLength;
        this.bytes = new byte[(int) Math.min(expectedLength, 8192)];
    }

    /**
     * @param publisher the body
     * @param expectedLength its declared length, in [0, {@link Integer#MAX_VALUE} - 8]
     * @return the bytes, or a failure if the publisher fails or delivers more or fewer bytes than it declared
     */
    public static CompletableFuture<byte[]> collect(BodyPublisher publisher, long expectedLength) {
        BodyCollector collector = new BodyCollector(expectedLength);
        collector.subscribeTo(publisher);
        return collector.result;
    }

    /**
     * Reads a body like {@link #collect(BodyPublisher, long)}, but subscribes on an executor: a publisher may read
     * its source inside {@code request(n)} (the JDK's {@code ofInputStream} does), which would hold the subscribing
     * thread until the whole body is read.
     *
     * @param publisher the body
     * @param expectedLength its declared length, in [0, {@link Integer#MAX_VALUE} - 8]
     * @param executor where to subscribe
     * @return the bytes, or a failure as {@link #collect(BodyPublisher, long)} describes, or the executor's
     *     {@link RejectedExecutionException}
     */
    public static CompletableFuture<byte[]> collect(BodyPublisher publisher, long expectedLength, Executor executor) {
        BodyCollector collector = new BodyCollector(expectedLength);
        try {
            executor.execute(() -> collector.subscribeTo(publisher));
        } catch (RejectedExecutionException rejected) {
            collector.result.completeExceptionally(rejected);
        }
        return collector.result;
    }

    /**
     * A publisher that reads its source inside {@code request(n)} (the JDK's {@code ofInputStream}) may let the
     * source's failure escape from there, or from {@code subscribe}, rather than signal it: the body failed then, at
     * once, as if signalled. Escaped on the executor's thread, it was only printed, and the caller waited for the
     * whole deadline. Any Throwable: an Error is a bug, which the caller gets as send throws it; a checked exception
     * thrown past the compiler's check (Kotlin, Lombok's {@code @SneakyThrows}) is judged as a signalled one is
     * (an {@code IOException} the source's failure, any other a bug), where it escaped send undeclared. An
     * {@code InterruptedException} among them is an interrupt of the thread it escaped on (see {@link #keepInterrupt}).
     */
    private void subscribeTo(BodyPublisher publisher) {
        try {
            publisher.subscribe(this);
        } catch (Throwable escaped) {
            result.completeExceptionally(escaped);
            keepInterrupt(escaped);
        }
    }

    /**
     * Whatever threw an {@code InterruptedException} consumed the interrupt of this thread: caught here, and not
     * thrown on, the thread is interrupted again, as any catch of one must, or the interrupt was lost (a blocking send
     * that could not tell the caller, a pool or a publisher's thread that was being stopped and went on). The caller's
     * blocking send throws it as the {@code InterruptedException} it declares ({@code GuardedHttpClient.send}). Only
     * once the result is complete: what depends on it and runs on this thread (an async send's future, the caller's
     * own stages) runs with the flag as it found it.
     */
    private static void keepInterrupt(Throwable escaped) {
        if (escaped instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        try {
            subscription.request(Long.MAX_VALUE);
        } catch (Throwable escaped) {
            // As from subscribe (subscribeTo), and here too for a publisher that calls onSubscribe on a thread of its
            // own, where the escaped exception would be lost and the caller wait for its deadline.
            result.completeExceptionally(escaped);
            try {
                subscription.cancel();
            } finally {
                keepInterrupt(escaped);
            }
        }
    }

    @Override
    public void onNext(ByteBuffer item) {
        int n = item.remaining();
        if (size + (long) n > limit) {
            subscription.cancel();
            result.completeExceptionally(new IOException("request body longer than its declared length " + limit));
            return;
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(size + n, 2L * bytes.length)));
        }
        item.get(bytes, size, n);
        size += n;
    }

    @Override
    public void onError(Throwable throwable) {
        result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        if (size < limit) {
            // Sent as it is, the JDK's client fails such a body; buffered, it would go out as a complete one.
            result.completeExceptionally(new IOException("request body shorter than its declared length " + limit
                    + ": " + size + " bytes"));
            return;
        }
        result.complete(size == bytes.length ? bytes : Arrays.copyOf(bytes, size));
    }
}
