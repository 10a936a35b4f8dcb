package io.github.errorpages.upstream.internal;

import io.github.errorpages.FailureClassifier;
import io.github.errorpages.internal.Causes;
import java.io.IOException;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

/**
 * The body handler of one attempt: bounds the bodies it makes by what is left of the attempt's timeout (see
 * {@link AttemptBoundBodySubscriber}), and tells the attempt's failure from the end it gave a body when that time
 * ran out. Ending a body cancels its subscription, and the JDK's client may then fail the exchange with a failure
 * of its own before the body's timeout reaches the caller (on JDK 25, an {@code IOException("subscription
 * cancelled")} when a mapping handler blocks reading the body): that is no failure of the upstream's, and read as
 * one of the library's own it made a stalled body {@code proxy_internal_error}. {@link #explained} makes it the
 * timeout it follows from. The client's own request timer, which may cut a head it parsed as the time runs out, runs
 * on the request's timeout, which is the attempt's or shorter: bodies are told when that was due, to tell its cut
 * from the upstream's answer broken off. Thread-safe.
 *
 * @param <T> the body type
 */
public final class AttemptBoundBodyHandler<T> implements BodyHandler<T> {

    private final BodyHandler<T> handler;
    private final Duration timeout;
    /**
     * The clock the deadlines below and the bodies' readings of the time are on: {@link System#nanoTime()} outside
     * tests, which drive it to tell a failure that comes at once from one that comes later, whatever the machine's
     * load (a body's timer and its graces run on the JDK's delay thread, on real time).
     */
    private final LongSupplier nanoTime;
    private final long deadlineNanos;
    /** When the client's request timer is due, on {@link #nanoTime}'s scale: no later than the deadline. */
    private final long clientDeadlineNanos;
    /** Whether the time ran out and ended a body this handler made. */
    private volatile boolean endedABody;

    private AttemptBoundBodyHandler(BodyHandler<T> handler, Duration timeout, Duration clientTimeout,
            LongSupplier nanoTime) {
        this.handler = handler;
        this.timeout = timeout;
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        this.deadlineNanos = now + timeout.toNanos();
        this.clientDeadlineNanos = now + Math.min(clientTimeout.toNanos(), timeout.toNanos());
    }

    /**
     * Bounds the bodies of one attempt's responses, whose request the client times by the attempt's timeout.
     *
     * @param <T> the body type
     * @param handler the caller's handler
     * @param timeout the attempt's timeout
     * @return a handler whose bodies are made within what is left of {@code timeout}, counted from now
     */
    public static <T> AttemptBoundBodyHandler<T> within(BodyHandler<T> handler, Duration timeout) {
        return within(handler, timeout, timeout);
    }

    /**
     * Bounds the bodies of one attempt's responses, whose request the client times by {@code clientTimeout}: the
     * request's own timeout where that is shorter than the attempt's.
     *
     * @param <T> the body type
     * @param handler the caller's handler
     * @param timeout the attempt's timeout
     * @param clientTimeout the timeout the client's request timer runs on, counted from now (one longer than
     *     {@code timeout} counts as {@code timeout})
     * @return a handler whose bodies are made within what is left of {@code timeout}, counted from now
     */
    public static <T> AttemptBoundBodyHandler<T> within(BodyHandler<T> handler, Duration timeout,
            Duration clientTimeout) {
        return within(handler, timeout, clientTimeout, System::nanoTime);
    }

    /** As {@link #within(BodyHandler, Duration, Duration)}, on the clock {@code nanoTime}: for tests. */
    static <T> AttemptBoundBodyHandler<T> within(BodyHandler<T> handler, Duration timeout, Duration clientTimeout,
            LongSupplier nanoTime) {
        return new AttemptBoundBodyHandler<>(handler, timeout, clientTimeout, nanoTime);
    }

    @Override
    public BodySubscriber<T> apply(ResponseInfo info) {
        long now = nanoTime.getAsLong();
        return new AttemptBoundBodySubscriber<>(handler.apply(info), deadlineNanos - now, clientDeadlineNanos - now,
                this, nanoTime);
    }

    /**
     * What the attempt failed with, as the caller should see it: once the time ran out and ended a body, the
     * body's timeout, whatever the client or the handler failed with after that (kept as a suppressed exception);
     * one with an {@link Error}, a cancellation, an interrupt or a timeout in its chain stays as it is, and so does
     * every failure before that.
     *
     * @param failure what the attempt failed with
     * @return {@code failure}, or the body's timeout that it follows from
     */
    public Throwable explained(Throwable failure) {
        if (!endedABody || saysItself(failure)) {
            return failure;
        }
        Throwable cause = failure;
        while (cause instanceof CompletionException && Causes.of(cause) != null) {
            cause = Causes.of(cause);
        }
        HttpTimeoutException late = timedOut();
        late.addSuppressed(cause);
        return late;
    }

    /**
     * Whether a failure is one that stays as it is, anywhere in its chain: the blocking send wraps whatever the
     * exchange failed with in an {@link IOException}, a handler's {@code Error} too.
     */
    static boolean saysItself(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; t != null && i < FailureClassifier.MAX_CHAIN; i++, t = Causes.of(t)) {
            if (t instanceof HttpTimeoutException || t instanceof Error || t instanceof CancellationException
                    || t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * As {@link #explained(Throwable)}, for the blocking send's failure.
     *
     * @param failure what the attempt failed with
     * @return {@code failure}, or the body's timeout that it follows from
     */
    public IOException explained(IOException failure) {
        return (IOException) explained((Throwable) failure);
    }

    /**
     * The time ran out and is about to end a body: called before its subscription is cancelled, or before the body
     * fails as late when the client failed it after the time ran out.
     */
    void endingABody() {
        endedABody = true;
    }

    HttpTimeoutException timedOut() {
        return new HttpTimeoutException("response body not complete within the attempt timeout of "
                + timeout.toMillis() + " ms");
    }
}
