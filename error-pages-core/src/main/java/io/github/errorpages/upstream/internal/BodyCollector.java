package io.github.errorpages.upstream.internal;

import java.io.IOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

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
    /** The executor's thread while it runs this collector's task, on which {@link #keepInterrupt} records. */
    private volatile @Nullable Thread reader;
    /** Written and read on {@link #reader} only: {@link #keepInterrupt} interrupted it again during the task. */
    private boolean readerInterruptedAgain;
    /** Written and read on the caller's thread only: {@code execute} returned. */
    private boolean submitted;

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
     * thread until the whole body is read. An interrupt that the publisher throws on the executor's thread rather
     * than signals is that thread's again for the rest of the task only (see {@link #keepInterrupt}): the task
     * clears it as it ends, since a pool's thread may run the next, unrelated task with its flag as it is (a
     * {@code ForkJoinPool}'s, as the common pool's, clears it only once the thread goes idle), unless the thread was
     * interrupted as the task began, which keeps that interrupt, its own. A task the executor runs on the caller's
     * thread within {@code execute} (a direct executor, a caller-runs policy) leaves that interrupt to the caller's
     * thread, whose it was.
     *
     * @param publisher the body
     * @param expectedLength its declared length, in [0, {@link Integer#MAX_VALUE} - 8]
     * @param executor where to subscribe
     * @return the bytes, or a failure as {@link #collect(BodyPublisher, long)} describes, or the executor's
     *     {@link RejectedExecutionException}
     */
    public static CompletableFuture<byte[]> collect(BodyPublisher publisher, long expectedLength, Executor executor) {
        BodyCollector collector = new BodyCollector(expectedLength);
        Thread caller = Thread.currentThread();
        try {
            executor.execute(() -> collector.subscribeOnExecutor(publisher, caller));
        } catch (RejectedExecutionException rejected) {
            collector.result.completeExceptionally(rejected);
        } finally {
            collector.submitted = true;
        }
        return collector.result;
    }

    /**
     * The task of {@link #collect(BodyPublisher, long, Executor)}: subscribes, and clears the interrupt that
     * {@link #keepInterrupt} gave the executor's thread back during it, unless the thread was interrupted as the task
     * began: each thread is left as the task found it (but for an interrupt that reaches it during the task and that
     * the publisher consumed, which ends with the task too: the flag is one bit).
     *
     * <p>{@code submitted} is read only when this thread is the caller's, which wrote it: no other thread reads it.
     */
    private void subscribeOnExecutor(BodyPublisher publisher, Thread caller) {
        Thread current = Thread.currentThread();
        if (current == caller && !submitted) {
            // Run within execute on the caller's thread: an interrupt the publisher consumed was the caller's own.
            subscribeTo(publisher);
            return;
        }
        // A thread interrupted before the task (one that runs queued tasks while it waits, as ForkJoinPool's
        // awaitQuiescence does, or a caller draining a queue later) keeps that interrupt: it is the thread's own.
        boolean interruptedBefore = current.isInterrupted();
        reader = current;
        try {
            subscribeTo(publisher);
        } finally {
            reader = null;
            if (readerInterruptedAgain && !interruptedBefore) {
                Thread.interrupted();
            }
        }
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
     * that could not tell the caller, a publisher's thread that was being stopped and went on). The caller's
     * blocking send throws it as the {@code InterruptedException} it declares ({@code GuardedHttpClient.send}). Only
     * once the result is complete: what depends on it and runs on this thread (an async send's future, the caller's
     * own stages) runs with the flag as the publisher left it. On an executor's thread it lasts as long as the task
     * that reads the body, which clears it then, unless the thread was interrupted as the task began
     * ({@link #subscribeOnExecutor}): the read was all that interrupt stopped, and the future tells of it.
     */
    private void keepInterrupt(Throwable escaped) {
        if (escaped instanceof InterruptedException) {
            Thread current = Thread.currentThread();
            current.interrupt();
            if (current == reader) {
                readerInterruptedAgain = true;
            }
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
