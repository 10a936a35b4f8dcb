package io.github.errorpages.upstream.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attempt's time left when the head arrives bounds a body that is still to be made, not one made as soon as the
 * client asks for it: the JDK's client asks on its executor, later than the head arrived.
 */
class AttemptBoundBodySubscriberTests {

    private static final ResponseInfo HEAD = OkHead.INSTANCE;

    /**
     * A head that came in the attempt's last moment, whose body a streaming handler hands over at once: the time ran
     * out before the client asked for the body, and the stream failed ("closed") although the upstream's answer, whole
     * and in time, was on its way; the breaker counted a broken body and the proxy answered 504.
     */
    @Test
    void aBodyHandedOverAtOnceIsNotEndedByATimeThatRanOutBeforeTheClientAsked() throws IOException {
        AttemptBoundBodySubscriber<InputStream> subscriber = ranOut(BodyHandlers.ofInputStream());
        Subscription subscription = new Subscription();
        CountDownLatch delivered = new CountDownLatch(1);
        holdDelayThreadUntil(delivered); // the client's signals come within the grace

        subscriber.onSubscribe(subscription);
        InputStream body = made(subscriber).getNow(null);
        subscriber.onNext(List.of(ByteBuffer.wrap("whole".getBytes(StandardCharsets.US_ASCII))));
        subscriber.onComplete();
        delivered.countDown();

        assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("whole");
        assertThat(subscription.cancelled).isFalse();
    }

    /**
     * The same head, with the time running out while the client asks for the body (between its ask and the handler
     * handing the stream over): the body was ended as it was handed over, and the proxy's reader failed at its first
     * read as late (a 504 {@code connection_read_timeout}, and a breaker failure) although the upstream's answer was
     * whole and in time. Deterministic, whatever the machine's load, on the JDK's one delay thread, which runs its
     * tasks in the order they are due: it is held until the client asks (so that the attempt's timer finds it asking),
     * the handler hands its stream over only once the time ran out (told by a task due after the attempt's timer, and
     * before the grace the timer gives, 50 ms from when it ran), and that task holds the thread until the client's ask
     * returned (so that the grace cannot end the stream first, as it did in runs under load).
     */
    @Test
    void aBodyHandedOverAtOnceIsNotEndedByATimeThatRanOutWhileTheClientAsked() throws Exception {
        CountDownLatch asking = new CountDownLatch(1);
        CountDownLatch timeRanOut = new CountDownLatch(1);
        CountDownLatch asked = new CountDownLatch(1);
        BodyHandler<InputStream> handingOverAsTheTimeRunsOut = info -> new DelegatingSubscriber<>(
                BodySubscribers.ofInputStream()) {
            @Override
            public CompletionStage<InputStream> getBody() {
                asking.countDown();
                try {
                    assertThat(timeRanOut.await(5, TimeUnit.SECONDS)).as("the time ran out").isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.getBody();
            }
        };
        holdDelayThreadUntil(asking);
        AttemptBoundBodySubscriber<InputStream> subscriber = (AttemptBoundBodySubscriber<InputStream>)
                AttemptBoundBodyHandler.within(handingOverAsTheTimeRunsOut, Duration.ofMillis(50)).apply(HEAD);
        CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
            timeRanOut.countDown();
            Await.opened(asked); // the grace, due later on this thread, waits for the ask to return
        });
        Subscription subscription = new Subscription();
        subscriber.onSubscribe(subscription);

        InputStream body = made(subscriber).get(5, TimeUnit.SECONDS);
        asked.countDown();
        assertThat(subscriber.ranOut()).as("the time ran out while the client asked").isTrue();
        pastGrace();
        subscriber.onNext(List.of(ByteBuffer.wrap("whole".getBytes(StandardCharsets.US_ASCII))));
        subscriber.onComplete();

        assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("whole");
        assertThat(subscription.cancelled).isFalse();
    }

    /** A body read whole before the client asked for it is the upstream's answer in time too. */
    @Test
    void aBodyWholeWhenTheClientAsksIsNotEndedByATimeThatRanOutBefore() throws Exception {
        AttemptBoundBodySubscriber<String> subscriber = ranOut(BodyHandlers.ofString());
        subscriber.onSubscribe(new Subscription());
        subscriber.onNext(List.of(ByteBuffer.wrap("whole".getBytes(StandardCharsets.US_ASCII))));
        subscriber.onComplete();

        assertThat(made(subscriber).get(5, TimeUnit.SECONDS)).isEqualTo("whole");
    }

    /** R45: a body still to be read when the client asks for it, after the time ran out, ends as late at once. */
    @Test
    void aBodyNotMadeWhenTheClientAsksAfterTheTimeRanOutEndsAsLate() {
        AttemptBoundBodySubscriber<String> subscriber = ranOut(BodyHandlers.ofString());
        Subscription subscription = new Subscription();
        subscriber.onSubscribe(subscription);
        subscriber.onNext(List.of(ByteBuffer.wrap("part".getBytes(StandardCharsets.US_ASCII))));

        assertThatThrownBy(() -> made(subscriber).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HttpTimeoutException.class);
        Await.until(() -> subscription.cancelled, "the connection closed"); // cancelled after the body failed
    }

    /** R45: asked for in time, a body that is still not whole when the time runs out ends as late. */
    @Test
    void aBodyAskedForInTimeThatStallsEndsAsLate() {
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) AttemptBoundBodyHandler
                .within(BodyHandlers.ofString(), Duration.ofMillis(50)).apply(HEAD);
        Subscription subscription = new Subscription();
        subscriber.onSubscribe(subscription);

        assertThatThrownBy(() -> made(subscriber).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(HttpTimeoutException.class);
        Await.until(() -> subscription.cancelled, "the connection closed");
    }

    /**
     * R45: what the client fails the exchange with once the time ended the body (JDK 25: "subscription cancelled", as
     * the subscription is cancelled) is the body's timeout; a failure before that, an {@link Error} (also wrapped, as
     * the blocking send wraps it) and a cancellation stay as they are.
     */
    @Test
    void aFailureThatFollowsTheEndOfABodyIsTheBodysTimeout() {
        AttemptBoundBodyHandler<String> handler = AttemptBoundBodyHandler.within(BodyHandlers.ofString(),
                Duration.ofMillis(50));
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) handler.apply(HEAD);
        IOException cancelled = new IOException("subscription cancelled");
        assertThat(handler.explained(cancelled)).as("before the time ran out").isSameAs(cancelled);
        subscriber.onSubscribe(new Subscription());
        made(subscriber);
        Await.until(subscriber::ranOut, "the attempt's time ran out");
        pastGrace(); // ended, also if the time ran out while the client asked

        assertThat(handler.explained(cancelled)).isInstanceOf(HttpTimeoutException.class)
                .hasMessage("response body not complete within the attempt timeout of 50 ms")
                .hasSuppressedException(cancelled);
        assertThat(handler.explained(new CompletionException(cancelled))).isInstanceOf(HttpTimeoutException.class);
        OutOfMemoryError bug = new OutOfMemoryError();
        assertThat(handler.explained(bug)).isSameAs(bug);
        // The blocking send wraps a handler's Error in an IOException: it stays the caller's to see.
        IOException wrappedBug = new IOException("java.lang.AssertionError: handler bug", new AssertionError());
        assertThat(handler.explained(wrappedBug)).isSameAs(wrappedBug);
        CancellationException aborted = new CancellationException();
        assertThat(handler.explained(aborted)).isSameAs(aborted);
    }

    /**
     * R2, R45: a head the JDK's own request timer (the attempt's timeout) cut after the client parsed it, before it
     * took it in: the client closed the connection and then failed the body, on JDK 17 as cut short. Read as it was,
     * that was the upstream's incomplete answer (a 502 {@code http_response_incomplete}, not retried); the time had
     * run out before the body was made, so it is the attempt's timeout, as the grace's end would have made it, for
     * the body's subscriber and for the send the client fails.
     */
    @Test
    void aBodyTheClientFailsAfterTheTimeRanOutBeforeItWasMadeFailsAsLate() {
        AttemptBoundBodyHandler<String> handler = AttemptBoundBodyHandler.within(BodyHandlers.ofString(),
                Duration.ZERO);
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) handler.apply(HEAD);
        Await.until(subscriber::ranOut, "the attempt's time ran out");
        IOException cutShort = new IOException("fixed content-length: 100, bytes received: 10",
                new IOException("connection closed locally"));
        CountDownLatch failed = new CountDownLatch(1);
        holdDelayThreadUntil(failed); // the client's failure comes within the grace, as it does at once
        subscriber.onSubscribe(new Subscription());
        CompletableFuture<String> body = made(subscriber);

        subscriber.onError(cutShort);
        failed.countDown();

        assertThatThrownBy(() -> body.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(HttpTimeoutException.class).hasSuppressedException(cutShort);
        assertThat(handler.explained(cutShort)).isInstanceOf(HttpTimeoutException.class)
                .hasMessage("response body not complete within the attempt timeout of 0 ms");
    }

    /**
     * The same cut for a body the handler handed over at once in the grace (a stream): the client tells the stream's
     * subscriber of the cut a moment later, and that is the attempt's timeout too, not the upstream's body broken off.
     * At once on the subscriber's clock, which stands still: a loaded machine's pause between the steps changes
     * nothing.
     */
    @Test
    void aStreamHandedOverInTheGraceThatTheClientFailsAtOnceFailsAsLate() {
        AttemptBoundBodySubscriber<InputStream> subscriber = ranOut(BodyHandlers.ofInputStream(), new ManualClock());
        CountDownLatch failed = new CountDownLatch(1);
        holdDelayThreadUntil(failed); // the late ask's grace (10 ms) ends nothing first: the failure says it is late
        subscriber.onSubscribe(new Subscription());
        InputStream body = made(subscriber).getNow(null);
        IOException cutShort = new IOException("fixed content-length: 100, bytes received: 0");

        subscriber.onError(cutShort);
        failed.countDown();

        assertThatThrownBy(body::read).isInstanceOf(IOException.class).hasCauseInstanceOf(HttpTimeoutException.class);
    }

    /**
     * R45: a stream handed over in the grace that the client fails well after it was handed over (100 ms on the
     * subscriber's clock, past the 50 ms in which the client tells a stream of its timer's cut): the upstream broke it
     * off while the proxy relayed it, and the reader sees the client's failure, not the attempt's timeout.
     */
    @Test
    void aStreamHandedOverInTheGraceThatTheClientFailsLaterFailsWithTheClientsFailure() {
        ManualClock clock = new ManualClock();
        AttemptBoundBodySubscriber<InputStream> subscriber = ranOut(BodyHandlers.ofInputStream(), clock);
        CountDownLatch failed = new CountDownLatch(1);
        holdDelayThreadUntil(failed); // the late ask's grace (10 ms) does not end the stream before it is handed over
        subscriber.onSubscribe(new Subscription());
        InputStream body = made(subscriber).getNow(null);
        clock.advance(Duration.ofMillis(100));
        IOException brokenOff = new IOException("fixed content-length: 100, bytes received: 0");

        subscriber.onError(brokenOff);
        failed.countDown();

        assertThatThrownBy(body::read).isInstanceOf(IOException.class).hasCause(brokenOff);
    }

    /**
     * After the time ran out, a failure that says what it is stays as it is: the caller's cancel of the exchange (an
     * abort, which counts nothing against the upstream) and a bug are not made the upstream's timeout.
     */
    @Test
    void aCancellationOrAnErrorTheClientFailsALateBodyWithStaysAsItIs() {
        CancellationException aborted = new CancellationException("Request cancelled");
        AttemptBoundBodySubscriber<String> cancelledOne = ranOut(BodyHandlers.ofString());
        AssertionError bug = new AssertionError("handler bug");
        AttemptBoundBodySubscriber<String> failedOne = ranOut(BodyHandlers.ofString());
        CountDownLatch failed = new CountDownLatch(1);
        holdDelayThreadUntil(failed); // the client's failures come within the grace, as they do at once
        cancelledOne.onSubscribe(new Subscription());
        CompletableFuture<String> cancelledBody = made(cancelledOne);
        cancelledOne.onError(aborted);
        failedOne.onSubscribe(new Subscription());
        CompletableFuture<String> failedBody = made(failedOne);
        failedOne.onError(new IOException("java.lang.AssertionError: handler bug", bug));
        failed.countDown();

        // Not get(): on JDK 25 it throws a CancellationException of its own, with the body's as its cause.
        assertThat(cancelledBody.handle((body, failure) -> failure).orTimeout(5, TimeUnit.SECONDS).join())
                .isSameAs(aborted);
        assertThatThrownBy(() -> failedBody.get(5, TimeUnit.SECONDS)).cause().hasCause(bug);
    }

    /**
     * R2, R45: the same cut of a request with its own timeout, shorter than the attempt's: the client's request timer
     * runs on that one, and was due when the client took the head in, although the attempt has time left. The body
     * the client fails at once is the attempt's timeout, not the upstream's incomplete answer (a 502
     * {@code http_response_incomplete}, not retried), as it was while only the attempt's time counted. At once on the
     * subscriber's clock, which stands still: a loaded machine's pause between the steps changes nothing.
     */
    @Test
    void aBodyTheClientFailsAtOnceAfterTheRequestsOwnShorterTimeoutWasDueFailsAsLate() {
        AttemptBoundBodyHandler<String> handler = AttemptBoundBodyHandler.within(BodyHandlers.ofString(),
                Duration.ofSeconds(10), Duration.ZERO, new ManualClock());
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) handler.apply(HEAD);
        IOException cutShort = new IOException("fixed content-length: 100, bytes received: 10",
                new IOException("connection closed locally"));
        subscriber.onSubscribe(new Subscription());
        CompletableFuture<String> body = made(subscriber);

        subscriber.onError(cutShort);

        assertThatThrownBy(() -> body.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(HttpTimeoutException.class).hasSuppressedException(cutShort);
        assertThat(handler.explained(cutShort)).isInstanceOf(HttpTimeoutException.class)
                .hasMessage("response body not complete within the attempt timeout of 10000 ms");
    }

    /**
     * R45: the request's own shorter timeout was due as the client took the head in, but the client's timer did not
     * cut the exchange (it cancels the timer before it asks the handler): the body the upstream breaks off later,
     * while the attempt has time left, is the upstream's incomplete answer, as the client says, not a late one.
     */
    @Test
    void aBodyOfARequestWhoseOwnTimeoutWasDueThatFailsLaterInTheAttemptsTimeFailsWithTheClientsFailure() {
        ManualClock clock = new ManualClock();
        AttemptBoundBodyHandler<String> handler = AttemptBoundBodyHandler.within(BodyHandlers.ofString(),
                Duration.ofSeconds(10), Duration.ZERO, clock);
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) handler.apply(HEAD);
        subscriber.onSubscribe(new Subscription());
        CompletableFuture<String> body = made(subscriber);
        subscriber.onNext(List.of(ByteBuffer.wrap("part".getBytes(StandardCharsets.US_ASCII))));
        // Past the window in which the client tells a body of its timer's cut (50 ms): the upstream broke it off.
        clock.advance(Duration.ofMillis(100));
        IOException brokenOff = new IOException("fixed content-length: 100, bytes received: 4");

        subscriber.onError(brokenOff);

        assertThatThrownBy(() -> body.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCause(brokenOff);
        assertThat(handler.explained(brokenOff)).isSameAs(brokenOff);
    }

    /** A failure of a body whose time has not run out is the client's, as it says: the upstream broke it off. */
    @Test
    void aBodyTheClientFailsInTimeFailsWithTheClientsFailure() {
        AttemptBoundBodyHandler<String> handler = AttemptBoundBodyHandler.within(BodyHandlers.ofString(),
                Duration.ofSeconds(10));
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) handler.apply(HEAD);
        IOException cutShort = new IOException("fixed content-length: 100, bytes received: 10");
        subscriber.onSubscribe(new Subscription());
        CompletableFuture<String> body = made(subscriber);

        subscriber.onError(cutShort);

        assertThatThrownBy(() -> body.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCause(cutShort);
        assertThat(handler.explained(cutShort)).isSameAs(cutShort);
    }

    /**
     * R45 for a mapping handler that reads its stream as the client asks for the body (a {@code GZIPInputStream} over
     * {@code ofInputStream()}), which blocks in {@code getBody()} while the upstream stalls: the time that runs out
     * meanwhile ends the body, and the read with it. (It ran on until the guard's backstop, twice the attempt's time.)
     */
    @ParameterizedTest(name = "time ran out before the client asked: {0}")
    @ValueSource(booleans = {false, true})
    void aMappingHandlerBlockedReadingAStalledBodyEndsAsLate(boolean ranOutBeforeAsked) throws Exception {
        BodyHandler<Integer> firstByte = info -> BodySubscribers.mapping(BodySubscribers.ofInputStream(), in -> {
            try {
                return in.read();
            } catch (IOException failed) {
                throw new UncheckedIOException(failed);
            }
        });
        AttemptBoundBodySubscriber<Integer> subscriber = ranOutBeforeAsked ? ranOut(firstByte)
                : (AttemptBoundBodySubscriber<Integer>) AttemptBoundBodyHandler.within(firstByte,
                        Duration.ofMillis(100)).apply(HEAD);
        Subscription subscription = new Subscription();
        subscriber.onSubscribe(subscription);

        // Blocks, reading.
        CompletableFuture<Integer> body = CompletableFuture.supplyAsync(() -> made(subscriber), OWN_THREAD)
                .thenCompose(made -> made);

        assertThatThrownBy(() -> body.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(HttpTimeoutException.class);
        Await.until(() -> subscription.cancelled, "the connection closed"); // cancelled after the body failed
    }

    /**
     * R45: the caller's subscriber sees the protocol's order whatever the timing: a time that ran out after the client
     * asked for the body but before it subscribed (its executor late) fails the body right after its onSubscribe, and
     * what the client delivers once the body has ended (a late piece, its end, a failure) reaches it no more: one
     * terminal signal, the timeout.
     */
    @Test
    void theCallersSubscriberGetsOnSubscribeFirstAndOneEndOnly() {
        Recording recording = new Recording();
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) AttemptBoundBodyHandler
                .within(info -> recording, Duration.ofMillis(20)).apply(HEAD);
        subscriber.getBody();
        Await.until(subscriber::ranOut, "the attempt's time ran out");
        pastGrace(); // ended, also if the time ran out while the client asked
        Subscription subscription = new Subscription();

        subscriber.onSubscribe(subscription);
        subscriber.onNext(List.of(ByteBuffer.wrap("late".getBytes(StandardCharsets.US_ASCII))));
        subscriber.onComplete();
        subscriber.onError(new IOException("connection reset"));

        assertThat(recording.signals).containsExactly("onSubscribe", "onError HttpTimeoutException");
        assertThat(subscription.cancelled).isTrue();
    }

    /**
     * R45: the time runs out while the caller's subscriber is in its {@code onNext} (writing a file, say). The JDK's
     * one delay thread, which times every call of the JVM, does not wait for it, and no other thread is asked to (the
     * common pool's workers may all be blocked by the application): the body ends as {@code onNext} returns, on the
     * thread that delivered it, and the subscriber still gets its signals one at a time.
     */
    @Test
    void aTimeThatRunsOutDuringOnNextEndsTheBodyAsOnNextReturnsWithoutHoldingTheTimer() throws Exception {
        SlowWrite write = new SlowWrite();
        // The time runs out only once onNext is under way, however late the thread that calls it starts on a loaded
        // machine (else the body ends before it, and onNext is never called).
        holdDelayThreadUntil(write.writing);
        AttemptBoundBodySubscriber<String> subscriber = (AttemptBoundBodySubscriber<String>) AttemptBoundBodyHandler
                .within(info -> write, Duration.ofMillis(50)).apply(HEAD);
        CompletableFuture<String> body = made(subscriber);
        Subscription subscription = new Subscription();
        subscriber.onSubscribe(subscription);
        CompletableFuture<Void> delivered = CompletableFuture.runAsync(() -> subscriber.onNext(
                List.of(ByteBuffer.wrap("part".getBytes(StandardCharsets.US_ASCII)))), OWN_THREAD);
        assertThat(write.writing.await(5, TimeUnit.SECONDS)).as("in onNext").isTrue();

        // Runs on the delay thread after the expiry, due earlier: only if the expiry did not wait for onNext.
        CompletableFuture<Void> timerFree = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS, Runnable::run)
                .execute(() -> timerFree.complete(null));
        timerFree.get(5, TimeUnit.SECONDS);
        assertThat(body).as("not ended within onNext").isNotDone();
        write.letGo.countDown();
        delivered.get(5, TimeUnit.SECONDS);

        assertThat(body).as("ended as onNext returned, on its thread").isCompletedExceptionally();
        assertThat(write.signals).containsExactly("onSubscribe", "onNext", "onError HttpTimeoutException");
        assertThat(subscription.cancelled).isTrue();
    }

    /** A subscriber of the caller's that passes every signal on to another. */
    private static class DelegatingSubscriber<T> implements BodySubscriber<T> {
        private final BodySubscriber<T> delegate;

        DelegatingSubscriber(BodySubscriber<T> delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletionStage<T> getBody() {
            return delegate.getBody();
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            delegate.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            delegate.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            delegate.onError(throwable);
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }
    }

    /** A subscriber of the caller's whose {@code onNext} takes until it is let go, as a slow write does. */
    private static final class SlowWrite extends Recording {
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);

        @Override
        public void onNext(List<ByteBuffer> item) {
            writing.countDown();
            try {
                assertThat(letGo.await(10, TimeUnit.SECONDS)).as("let go").isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.onNext(item);
        }
    }

    /** A subscriber of the caller's that records the signals it gets, in order. */
    private static class Recording implements BodySubscriber<String> {
        final List<String> signals = new CopyOnWriteArrayList<>();
        private final CompletableFuture<String> body = new CompletableFuture<>();

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            signals.add("onSubscribe");
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            signals.add("onNext");
        }

        @Override
        public void onError(Throwable throwable) {
            signals.add("onError " + throwable.getClass().getSimpleName());
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            signals.add("onComplete");
            body.complete("");
        }
    }

    /** A subscriber whose time ran out as the head arrived, before the client asked for its body. */
    private static <T> AttemptBoundBodySubscriber<T> ranOut(BodyHandler<T> handler) {
        return ranOut(handler, System::nanoTime);
    }

    /** As {@link #ranOut(BodyHandler)}, reading the time on {@code nanoTime}. */
    private static <T> AttemptBoundBodySubscriber<T> ranOut(BodyHandler<T> handler, LongSupplier nanoTime) {
        AttemptBoundBodySubscriber<T> subscriber = (AttemptBoundBodySubscriber<T>) AttemptBoundBodyHandler
                .within(handler, Duration.ZERO, Duration.ZERO, nanoTime).apply(HEAD);
        Await.until(subscriber::ranOut, "the attempt's time ran out");
        return subscriber;
    }

    /**
     * The clock a handler and its bodies read the time on, which moves only when a test moves it: whether a failure
     * came at once or later is then the test's to say, not the machine's load (the timer and the graces stay on real
     * time, on the JDK's delay thread).
     */
    private static final class ManualClock implements LongSupplier {
        private final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));

        @Override
        public long getAsLong() {
            return nanos.get();
        }

        void advance(Duration by) {
            nanos.addAndGet(by.toNanos());
        }
    }

    /**
     * Holds the JDK's one delay thread, which runs the attempt's timer and ends a grace, until {@code released} is
     * counted down (10 s at most): a task due at once runs before any due later, so that what the test does in the
     * attempt's 50 ms or a grace of 10 ms is done in it however long a loaded machine takes between its steps (the
     * grace ended first now and then, with two forks on two busy cores). Call it once the time ran out where the test
     * waits for that.
     */
    private static void holdDelayThreadUntil(CountDownLatch released) {
        CompletableFuture.delayedExecutor(0, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
            try {
                released.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * Waits until the JDK's one delay thread has run every task due within 200 ms from now: a grace that a time which
     * ran out gave (10 or 50 ms) has then ended the body, which {@code ranOut()} does not wait for (it is true as soon
     * as the grace is given).
     */
    private static void pastGrace() {
        CompletableFuture<Void> pastGrace = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS, Runnable::run)
                .execute(() -> pastGrace.complete(null));
        assertThat(pastGrace).succeedsWithin(Duration.ofSeconds(5));
    }

    /** The body, as the client asks for it (the JDK's own futures refuse {@code toCompletableFuture()}). */
    private static <T> CompletableFuture<T> made(AttemptBoundBodySubscriber<T> subscriber) {
        CompletableFuture<T> made = new CompletableFuture<>();
        subscriber.getBody().whenComplete((body, failure) -> {
            if (failure != null) {
                made.completeExceptionally(failure);
            } else {
                made.complete(body);
            }
        });
        return made;
    }

    private static final class Subscription implements Flow.Subscription {
        volatile boolean cancelled;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
