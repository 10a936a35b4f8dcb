package io.github.errorpages.upstream.internal;

import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
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
 * arrived, on its executor: a time that runs out before it asks, or while it asks (the handler making its body),
 * ends the body only if it is not made by then (a head that came in the attempt's last milliseconds, with the body
 * handed over at once or already whole, is the upstream's answer in time; one that is not made 10 ms after the
 * client asked, or 50 ms after the time ran out while it asked, ends then).
 *
 * <p>The JDK's own request timer (the attempt's timeout, or the request's own where that is shorter) may fire after
 * the client parsed a head and before it took it in (while it applied its response filters, on its executor), and
 * cut the exchange then, closing the connection. JDK 17's client then failed the body as cut short ("fixed
 * content-length: 10, bytes received: 0", caused by "connection closed locally"), read as the upstream's incomplete
 * answer (a 502 {@code http_response_incomplete}, not retried, or a streamed body broken off), where the client had
 * timed the attempt out. The client cancels that timer before it applies the body handler, so it can have cut only a
 * body made (by the handler) once the timer was due; the client counts whole milliseconds left on it, and fires it
 * up to one early, so it counts as due a millisecond before it does here. Such a body that fails, whatever I/O
 * failure the client failed it with, fails as late if it is not made yet and the attempt's time has run out (in a
 * grace above), or within 50 ms of the handler making this subscriber, or within 50 ms after it was made (a stream
 * handed over first): the client tells the body of the cut at once. The window is a heuristic: on a loaded machine
 * a notice of the cut that comes later fails as the client says, and a failure of the upstream's that comes within
 * it fails as late. Any other failure fails as the client says. An {@code Error}, a cancellation, an interrupt or a
 * timeout the client fails a body with stays as it is.
 *
 * <p>The timer is {@link CompletableFuture#orTimeout}'s, on the JDK's shared delay thread, and is removed when
 * the body is made in time. Signals to the handler's subscriber stay serial: the expiry and the client's signals
 * take the same lock. The expiry never waits for it: the delay thread ends the body if the lock is free, and
 * otherwise leaves the expiry to the thread that holds it (the client's, in the subscriber's {@code onNext}, which
 * may be writing a file), which ends the body as it lets the lock go. No other thread is asked to: the common
 * pool, which an expiry was handed to before, may have all its workers (one on two cores) blocked by the
 * application, and the body was then never ended.
 *
 * @param <T> the body type
 */
final class AttemptBoundBodySubscriber<T> implements BodySubscriber<T> {

    /**
     * How much longer than the attempt's time a body has when the time ran out before the client asked for it: the
     * client delivers a body that arrived whole, and hands over a streamed one, a few milliseconds after it asks.
     */
    private static final long LATE_ASK_GRACE_MILLIS = 10;
    /**
     * How much longer a body has when the time ran out while the client was asking for it: a body made at once is
     * kept unless the client's thread, on a loaded machine, took longer than this to return from the handler; only a
     * handler that blocks making its body (reading a stalled stream) is still asking then, and is ended.
     */
    private static final long ASKING_GRACE_MILLIS = 50;

    /**
     * How long after the handler made this subscriber, or the body, a failure the client signals may still be the cut
     * of its request timer (above): the client tells the body's subscriber a moment after it hands the body over.
     */
    private static final long CUT_NOTICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * How much sooner than the attempt's time the JDK's client may fire its request timer: it rounds the time left
     * down to whole milliseconds (JDK 25's {@code HttpClientImpl.purgeTimeoutsAndReturnNextDeadline}).
     */
    private static final long CLIENT_TIMER_EARLY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final BodySubscriber<T> delegate;
    /**
     * The clock the times below are read on: {@link System#nanoTime()} outside tests, which drive it to tell a failure
     * that comes at once from one that comes later ({@link #CUT_NOTICE_NANOS}) whatever the machine's load. The timer
     * and the graces run on the JDK's delay thread, on real time.
     */
    private final LongSupplier nanoTime;
    /** When the attempt's time runs out, on {@link #nanoTime}'s scale. */
    private final long deadlineNanos;
    /** When the handler made this subscriber, on {@link #nanoTime}'s scale. */
    private final long createdNanos;
    /**
     * Whether the client's request timer was due when the handler made this subscriber: only then may it have cut the
     * exchange (see the class comment).
     */
    private final boolean clientTimerDue;
    /** The attempt's handler, which made this subscriber: told when the time ends the body. */
    private final AttemptBoundBodyHandler<T> bound;
    /** Completed once the body is made: the timer stops then. */
    private final CompletableFuture<Void> timer = new CompletableFuture<>();
    /** Guards the fields below and makes the signals to {@link #delegate} serial. */
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Whether the time ran out, and {@link #expire} is still to run: by whichever thread takes the lock next, or lets
     * it go ({@link #runPendingExpiry}).
     */
    private volatile boolean expiryPending;
    private Flow.@Nullable Subscription subscription;
    private boolean ended;
    /** Whether the client asked for the body ({@link #getBody}). */
    private boolean asked;
    /** Whether the time ran out before the client asked for the body: it decides then. */
    private boolean expiredUnasked;
    /** Whether the client is in the handler's {@code getBody()}: a time that runs out meanwhile gives it the grace. */
    private boolean asking;
    /** Whether the body was given a grace (of a late ask, or while asking): the expiry that follows ends it. */
    private boolean graced;
    /** Whether the body is made: it is not bounded after that. */
    private volatile boolean made;
    /** When the body was made, on {@link #nanoTime}'s scale; written before {@link #made}. */
    private volatile long madeNanos;

    /**
     * @param remainingNanos what is left of the attempt's time: the body's bound
     * @param clientRemainingNanos what is left of the time of the client's request timer: no more than
     *     {@code remainingNanos}
     * @param nanoTime the clock, {@code System::nanoTime} outside tests
     */
    AttemptBoundBodySubscriber(BodySubscriber<T> delegate, long remainingNanos, long clientRemainingNanos,
            AttemptBoundBodyHandler<T> bound, LongSupplier nanoTime) {
        this.delegate = delegate;
        this.bound = bound;
        this.nanoTime = nanoTime;
        this.createdNanos = nanoTime.getAsLong();
        this.deadlineNanos = createdNanos + remainingNanos;
        this.clientTimerDue = clientRemainingNanos <= CLIENT_TIMER_EARLY_NANOS;
        timer.orTimeout(Math.max(remainingNanos, 0), TimeUnit.NANOSECONDS).whenComplete((done, expired) -> {
            if (expired != null) {
                timeRanOut(); // on the JDK's one delay thread, which it never holds up
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
        lock.lock();
        try {
            // Asked from now on: a time that runs out while the handler makes its body ends it after the grace (see
            // expire), for a mapping handler that reads its stream blocks below until the body flows, or fails.
            asked = true;
            asking = true;
            late = expiredUnasked;
            graced |= late;
        } finally {
            release();
        }
        if (late) {
            // The time ran out before the client asked: a body made at once (below) is kept, one that is not is
            // ended a little later, also while making it blocks, and one the client delivers meanwhile is kept.
            graceThenEnd(LATE_ASK_GRACE_MILLIS);
        }
        CompletionStage<T> body;
        try {
            body = delegate.getBody();
            // Runs at once for a body made at once (a stage whose isDone() may refuse to answer, as the JDK's do):
            // before the ask ends, so that no expiry finds the client done asking and the body not made.
            body.whenComplete((result, error) -> {
                madeNanos = nanoTime.getAsLong(); // before made: read after it
                made = true;
                timer.complete(null);
            });
        } finally {
            lock.lock();
            try {
                asking = false;
            } finally {
                release();
            }
        }
        return body;
    }

    /** Ends the body after a grace, unless it is made by then. */
    private void graceThenEnd(long graceMillis) {
        CompletableFuture.delayedExecutor(graceMillis, TimeUnit.MILLISECONDS, Runnable::run).execute(this::timeRanOut);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        lock.lock();
        try {
            this.subscription = subscription;
            delegate.onSubscribe(subscription);
            if (ended) {
                // Expired before the body started: the subscriber still gets onSubscribe first, as the protocol wants.
                failAndCancel(subscription);
            }
        } finally {
            release();
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        lock.lock();
        try {
            if (!ended) {
                delegate.onNext(item);
            }
        } finally {
            release();
        }
    }

    @Override
    public void onError(Throwable throwable) {
        lock.lock();
        try {
            if (ended) {
                return;
            }
            ended = true;
            if (AttemptBoundBodyHandler.saysItself(throwable) || !isLateFailure()) {
                delegate.onError(throwable);
                return;
            }
            // The client's request timer cut the exchange: late (see the class comment).
            bound.endingABody();
            HttpTimeoutException late = bound.timedOut();
            late.addSuppressed(throwable);
            delegate.onError(late);
        } finally {
            release();
        }
    }

    /**
     * Whether a failure the client signals now is the cut of its request timer, which was due when the handler made
     * this subscriber: the body is not made and the attempt's time ran out (which a grace's end would have ended as
     * late), or the failure comes at once ({@link #CUT_NOTICE_NANOS}) after the handler made this subscriber or the
     * body (a stream handed over as the timer cut the exchange, which the client tells its subscriber a moment
     * later). Any other body fails with what the client says: one the client's timer was not due for can have been
     * broken off by the upstream only, at any time until the attempt's time runs out.
     */
    private boolean isLateFailure() {
        if (!clientTimerDue) {
            return false;
        }
        long now = nanoTime.getAsLong();
        if (made) {
            return now - madeNanos <= CUT_NOTICE_NANOS;
        }
        return isPast(now) || now - createdNanos <= CUT_NOTICE_NANOS;
    }

    /**
     * @param now the time, on {@link #nanoTime}'s scale
     * @return whether the attempt's time has run out by {@code now}, or may have for the JDK's client, which fires its
     *     request timer early
     */
    private boolean isPast(long now) {
        return now - (deadlineNanos - CLIENT_TIMER_EARLY_NANOS) >= 0;
    }

    @Override
    public void onComplete() {
        lock.lock();
        try {
            if (!ended) {
                ended = true;
                delegate.onComplete();
            }
        } finally {
            release();
        }
    }

    /**
     * The attempt's time ran out, or a grace it gave ({@link #getBody}, {@link #expire}): the body ends now, or as
     * the lock's holder lets it go.
     */
    private void timeRanOut() {
        expiryPending = true;
        runPendingExpiry();
    }

    /** Lets the lock go, and runs an expiry that came meanwhile, which did not wait for the lock. */
    private void release() {
        lock.unlock();
        runPendingExpiry();
    }

    /**
     * Runs a pending expiry if the lock is free, and never waits for it: its holder runs the expiry as it lets it go.
     * Not within a signal of the same thread's (the handler's subscriber asking for more may be given it at once),
     * whose own {@link #release} runs it once the signal returned. The flag is read again after each {@code unlock}, so
     * an expiry set while the holder was letting go is not left behind.
     */
    private void runPendingExpiry() {
        while (expiryPending && !lock.isHeldByCurrentThread() && lock.tryLock()) {
            try {
                if (expiryPending) {
                    expiryPending = false;
                    expire();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Ends the body, or marks it for {@link #getBody} to end when it was not asked for yet; with the lock held. */
    private void expire() {
        if (ended || made) {
            return;
        }
        if (!asked) {
            expiredUnasked = true; // getBody() decides
            return;
        }
        if (asking && !graced) {
            // The client is asking, and the handler's body may be made at once, which is the upstream's answer in
            // time: ended now, a body the proxy's reader was handed (the head came in the attempt's last
            // milliseconds) failed before it read a byte, as late (504), although whole. The handler has a grace;
            // one that blocks making its body (reading a stalled stream) is ended after it.
            graced = true;
            graceThenEnd(ASKING_GRACE_MILLIS);
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
    boolean ranOut() {
        lock.lock();
        try {
            return ended || expiredUnasked || graced;
        } finally {
            release();
        }
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
