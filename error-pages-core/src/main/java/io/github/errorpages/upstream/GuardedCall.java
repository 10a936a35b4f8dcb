package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.RetryAfter;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.CallerAborts;
import io.github.errorpages.internal.Causes;
import io.github.errorpages.internal.CheckedBugs;
import io.github.errorpages.internal.JdkCauseClassifier;
import io.github.errorpages.internal.ResponseExceptionClassifier;
import io.github.errorpages.upstream.internal.BodySourceFailure;
import io.github.errorpages.upstream.internal.ProxyStatus;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ProtocolException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The state of one guarded call, from its first attempt to its end, and every decision on the way: which
 * endpoint, whether an outcome is a failure, whether and when to retry. The sync and async drivers in
 * {@link UpstreamGuard} only run attempts and wait; all decisions are made here, once, for both.
 *
 * <p>Not thread-safe: the drivers call it from one thread at a time, each step happening after the one
 * before it.
 *
 * @param <T> the call's result
 */
final class GuardedCall<T> {

    /** The {@code Proxy-Status} error type of a gateway that found the request had passed it before. */
    private static final String LOOP = FailureCause.PROXY_LOOP_DETECTED.token();

    private final UpstreamGuard guard;
    private final UpstreamConfig config;
    private final UpstreamRequest request;
    private final @Nullable ResponseAdapter<? super T> responses;
    private final long started;
    private final long deadline;
    private final int[] tried;
    private int attempts;
    private @Nullable Endpoint endpoint;
    private long attemptStarted;
    /** The current attempt's timeout in nanoseconds: a held trial's outcome is taken by then at the latest. */
    private long attemptTimeoutNanos;
    /** Whether the current attempt is a trial call: its endpoint's breaker was half-open when it admitted it. */
    private boolean trial;
    /**
     * The metrics of the half-open phase that admitted the current attempt as a trial call, which tell that phase
     * from a later one ({@link PendingBody#inPhase}); {@code null} when the attempt is no trial call.
     */
    private CircuitBreaker.@Nullable Metrics trialPhase;
    private FailureCause lastCause = FailureCause.PROXY_INTERNAL_ERROR;
    private int lastStatus;
    private @Nullable Duration lastRetryAfter;
    /** How long the breakers of another guard stay open, as the failure of that guard the last attempt threw said. */
    private @Nullable Duration lastInnerRemainingOpen;
    private @Nullable Throwable lastError;
    private boolean retryPending;
    /**
     * The failure with a {@code Retry-After} each endpoint's last attempt of this call failed with, by the endpoint's
     * index ({@code null} for one whose last attempt sent none): its pushback (R46). {@code null} until one did.
     */
    private @Nullable Pushback @Nullable [] pushbacks;
    /**
     * Whether the next retry goes past a {@code Retry-After}, to an endpoint the call has not tried and that is not
     * pushing back ({@link #afterFailure}): it takes none the call tried, which might be the one that asked, sooner
     * than it asked, nor one that asked the guard's other calls.
     */
    private boolean untriedOnly;
    /**
     * Whether the next retry waits out the {@code Retry-After} of an endpoint the call tried: one that no endpoint the
     * call has not tried could take past it ({@link #afterFailure}), or whose endpoint stopped admitting it
     * ({@link #waitForFloor}). It takes only an endpoint that is not pushing back, the one whose wait ended among them,
     * not another that asked the guard's other calls to be left alone longer (R46).
     */
    private boolean notPushingBackOnly;
    /** The retry budget's period the call was counted in, to take it back from a rejected call. */
    private long budgetEpoch;

    GuardedCall(UpstreamGuard guard, UpstreamRequest request, @Nullable ResponseAdapter<? super T> responses) {
        this(guard, request, responses, System.nanoTime());
    }

    /**
     * @param started when the call began ({@link System#nanoTime()}): for one that ends before its first attempt
     *     ({@link #failBeforeAnyAttempt}), when its caller began it, the read of a body to buffer included
     */
    GuardedCall(UpstreamGuard guard, UpstreamRequest request, @Nullable ResponseAdapter<? super T> responses,
            long started) {
        this.guard = guard;
        this.config = guard.config();
        this.request = request;
        this.responses = responses;
        this.started = started;
        this.deadline = started + config.deadline().toNanos();
        this.tried = new int[config.maxAttempts()];
        guard.counters.calls.increment();
    }

    /**
     * Starts the next attempt: picks an endpoint whose breaker admits it (round-robin, an endpoint not yet
     * tried by this call first) and takes a bulkhead permit.
     *
     * <p>A retry past a {@code Retry-After} whose endpoint stopped admitting it meanwhile is handed back to wait
     * first ({@link #waitForFloor}): the driver waits {@link #floorToWait()} as it waits a backoff, then calls this
     * again.
     *
     * @return the attempt, or {@code null} when the retry is to wait {@link #floorToWait()} first
     * @throws UpstreamFailureException when no endpoint admits the attempt, the bulkhead is full, or waiting for
     *     its permit left less time than an attempt needs ({@code min-attempt-timeout}; for the first attempt at
     *     most half the deadline): for the first attempt a rejection without any upstream call, for a retry the
     *     previous attempt's failure; for a retry handed back to wait, as {@link #waitForFloor} says
     * @throws InterruptedException when the thread was interrupted while the bulkhead made it wait, or before (the
     *     bulkhead refuses an interrupted thread, waiting or not): the call is then aborted
     */
    @Nullable Attempt begin() throws InterruptedException {
        return begin(() -> false);
    }

    /**
     * Starts the next attempt as {@link #begin()} does, unless the caller ended the call while the bulkhead made
     * it wait: then none is made.
     *
     * @param abandoned whether the caller has ended the call (an asynchronous call's future completed from outside)
     * @return the attempt, or {@code null} when the retry is to wait {@link #floorToWait()} first
     * @throws CancellationException when the caller ended the call while the bulkhead made the attempt wait (the
     *     call is then aborted)
     * @throws UpstreamFailureException as {@link #begin()}
     * @throws InterruptedException as {@link #begin()}
     */
    @Nullable Attempt begin(BooleanSupplier abandoned) throws InterruptedException {
        // A retry needs min-attempt-timeout (R45). A first attempt is the call's only chance, and has the whole
        // deadline unless a bulkhead made it wait; it needs no more than half of that.
        long minAttemptNanos = config.minAttemptTimeout().toNanos();
        long needed = attempts > 0 ? minAttemptNanos : Math.min(minAttemptNanos, config.deadline().toNanos() / 2);
        if (attempts > 0 && deadline - System.nanoTime() < needed) {
            // The retry was granted with time to spare, but woke up late (a busy executor, a pause): an attempt
            // now could only time out, and would count against the upstream as a second failure (R45).
            throw exception(refuseStart(lastCause, RetryRefusal.DEADLINE));
        }
        int index = guard.acquireEndpoint(tried, attempts, untriedOnly, notPushingBackOnly);
        if (index < 0) {
            if (untriedOnly) {
                return waitForFloor(); // the endpoint the retry was to go to stopped admitting meanwhile
            }
            boolean stackTrace = guard.endpoint(0).breaker().getCircuitBreakerConfig().isWritableStackTraceEnabled();
            throw refusal(refusedByBreakers(), stackTrace);
        }
        // The rest apart: an open breaker's refusal runs only the lines above, and a method this short can be inlined
        // into the guard's call, where escape analysis then removes objects the refusal allocated (96 of its 400 bytes
        // in most JVMs measured; benchmarks/README.md, the JMH section).
        return admit(index, needed, abandoned);
    }

    /**
     * The endpoint a retry past a {@code Retry-After} was to go to stopped admitting it before it started (its breaker
     * opened for other calls' failures, or another call's {@code Retry-After} made it push back): the retry is decided
     * again as {@link #afterFailure} decides one that no endpoint the call has not tried may take (R46). It waits for
     * the soonest end of the waits the endpoints the call tried still ask for ({@link #retryFloor}), then goes to an
     * endpoint that is not pushing back, when that wait is no longer than {@code retry.max-honoured-retry-after}, a
     * minimum attempt still fits the deadline after it (R45), and a breaker may admit the retry by then. It is the
     * retry granted already: its attempt's number, the retry budget it took and its {@code RetryScheduled} event stay
     * as they were, and the request is sent again only as that retry would have sent it (R13).
     *
     * @return {@code null}: the driver waits {@link #floorToWait()}, then starts the retry again
     * @throws UpstreamFailureException the previous attempt's failure, refused as {@code RETRY_AFTER_TOO_LONG},
     *     {@code DEADLINE} or {@code BREAKER_OPEN} when the wait is too long, overruns the deadline, or ends with no
     *     breaker admitting the retry
     */
    private @Nullable Attempt waitForFloor() {
        long now = System.nanoTime();
        Duration floor = retryFloor(now);
        RetryRefusal refusal = null;
        if (floor.compareTo(config.maxHonouredRetryAfter()) > 0) {
            refusal = RetryRefusal.RETRY_AFTER_TOO_LONG;
        } else if (now + floor.toNanos() + config.minAttemptTimeout().toNanos() - deadline > 0) {
            refusal = RetryRefusal.DEADLINE;
        } else if (!guard.anyEndpointMayAdmitWithin(floor)) {
            refusal = RetryRefusal.BREAKER_OPEN;
        }
        if (refusal != null) {
            throw exception(refuseStart(lastCause, refusal));
        }
        untriedOnly = false;
        notPushingBackOnly = true;
        return null;
    }

    /**
     * @return how long the retry waits before {@link #begin} is called again, when it returned {@code null}: what is
     *     left of the soonest {@code Retry-After} that may let the retry through, zero when it ended meanwhile. Read
     *     again rather than kept from {@code begin}, a field every call would carry: a moment later, it is no longer.
     */
    Duration floorToWait() {
        return retryFloor(System.nanoTime());
    }

    /** Takes a bulkhead permit for the endpoint at {@code index}, whose breaker admitted the attempt, and starts it. */
    private Attempt admit(int index, long needed, BooleanSupplier abandoned) throws InterruptedException {
        Endpoint chosen = guard.endpoint(index);
        // Waits up to the bulkhead's maxWaitDuration, when it has one and no permit is free. Resilience4j takes no
        // bound of the call's, so a wait longer than an attempt needs is refused when the guard is built
        // (UpstreamConfig.checkBulkheadWait): this one ends by the deadline.
        boolean permitted = guard.bulkhead().tryAcquirePermission();
        if (abandoned.getAsBoolean()) {
            // The caller ended the call during that wait: an attempt now would call the upstream for nobody (and a
            // refusal would record the caller's cancel as a failure).
            if (permitted) {
                guard.bulkhead().onComplete();
            }
            chosen.breaker().releasePermission();
            CancellationException cancelled = new CancellationException("upstream call cancelled");
            abort(cancelled);
            throw cancelled;
        }
        if (!permitted) {
            chosen.breaker().releasePermission();
            if (Thread.interrupted()) {
                // The caller was interrupted while the bulkhead made it wait (Resilience4j gives up and sets the
                // flag again), or before: Resilience4j refuses an interrupted thread even when it would not wait. The
                // caller's abort, as an interrupt during an attempt is, not the local limit's; no attempt is made,
                // which would send the request only to cancel it (the JDK's send starts the exchange, then waits).
                InterruptedException interrupted = new InterruptedException(mayQueue()
                        ? "interrupted waiting for a bulkhead permit" : "interrupted before the attempt");
                abort(interrupted);
                throw interrupted;
            }
            boolean stackTrace = guard.bulkhead().getBulkheadConfig().isWritableStackTraceEnabled();
            throw refusal(refuseStart(FailureCause.CONNECTION_LIMIT_REACHED, RetryRefusal.BULKHEAD_FULL), stackTrace);
        }
        if (deadline - System.nanoTime() < needed && (attempts > 0 || mayQueue())) {
            // A bulkhead that queues (its maxWaitDuration) may have taken the time an attempt needs: the attempt
            // could only time out, and the upstream would be blamed (a 504, a breaker failure) for the local limit.
            // A retry short of time is not made either, as above. But without a queue, a first attempt lost its time
            // elsewhere (a deadline of a few milliseconds, a cold first call): it is the call's only chance, made,
            // and fails as what it meets, not as connection_limit_reached. (Whether a permit looked free before
            // the acquire tells nothing: one just returned shows free while a queued call is being woken for it.)
            guard.bulkhead().onComplete();
            chosen.breaker().releasePermission();
            boolean stackTrace = guard.bulkhead().getBulkheadConfig().isWritableStackTraceEnabled();
            throw refusal(refuseStart(attempts == 0 ? FailureCause.CONNECTION_LIMIT_REACHED : lastCause,
                    RetryRefusal.DEADLINE), stackTrace);
        }
        if (attempts == 0) {
            budgetEpoch = guard.budget.recordCall();
        }
        retryPending = false;
        tried[attempts++] = index;
        guard.counters.attempts.increment();
        endpoint = chosen;
        trial = chosen.breaker().getState() == CircuitBreaker.State.HALF_OPEN;
        trialPhase = trial ? chosen.breaker().getMetrics() : null;
        attemptStarted = System.nanoTime();
        long timeout = Math.min(config.attemptTimeout().toNanos(), deadline - attemptStarted);
        // A retry starts with at least min-attempt-timeout left (checked above); the floor is for the clock's jitter.
        attemptTimeoutNanos = Math.max(timeout, TimeUnit.MILLISECONDS.toNanos(1));
        return new Attempt(chosen.uri(), attempts, Duration.ofNanos(attemptTimeoutNanos));
    }

    /** Whether the bulkhead makes a call wait for a permit rather than refusing it at once. */
    boolean mayQueue() {
        return !guard.bulkhead().getBulkheadConfig().getMaxWaitDuration().isZero();
    }

    /**
     * Takes the result of the current attempt: a success, or a failure when the adapter reads a status that is one,
     * a 5xx while {@code fail-on-5xx} is on or a status outside 100–599 whatever it says ({@link #failedAnswer}).
     */
    Step<T> onResult(@Nullable T result) {
        long now = System.nanoTime();
        Endpoint current = current();
        if (responses != null && result != null) {
            @Nullable Outcome failed;
            try {
                failed = failedAnswer(responses, result);
            } catch (RuntimeException | Error adapterBug) {
                // An adapter that breaks its contract: a bug, thrown as is. The breaker has recorded nothing yet
                // and gets its permission back, the bulkhead too.
                releaseBulkhead();
                current.breaker().releasePermission();
                abort(adapterBug);
                throw adapterBug;
            }
            if (failed != null) {
                releaseBulkhead();
                judge(current, failed, now);
                UpstreamFailure answer = failed.failure();
                if (failed.kind() == Outcome.Kind.LOOP_REPORTED) {
                    return loopReported(answer.upstreamStatus(), null, now);
                }
                // An upstream 5xx, or an answer with no HTTP status (http_protocol_error, its reason for the log).
                return afterFailure(answer.cause(), answer.upstreamStatus(), answer.upstreamRetryAfter(), null,
                        ProxyStatus.hasError(failed.proxyStatus()) ? RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP : null,
                        failed.error().getCause(), now);
            }
        }
        long headNanos = now - attemptStarted;
        @Nullable PendingBody body = null;
        if (responses == null || result == null) {
            releaseBulkhead();
            BreakerRecording.answered(guard, current.breaker(), headNanos, result);
        } else {
            body = awaitBody(current, responses, result, headNanos);
        }
        guard.answered(current.index(), attemptStarted);
        // A body still to come ends "failing since" only if it completes: one the upstream breaks off is no success
        // in between, and an upstream that breaks off every body would look as if its trouble began at each call.
        guard.succeeded(attempts, now - started, body == null || !body.isAwaited());
        if (body != null) {
            body.callEnded();
        }
        return Step.done(result);
    }

    /**
     * Offers the caller the end of the result's body ({@link ResponseAdapter#awaitBody}), records the call in the
     * breaker now unless the body's end will, and gives the bulkhead permit back now unless the body's end will.
     *
     * @return the body's outcome, to be told when the call's own end was recorded
     */
    private PendingBody awaitBody(Endpoint current, ResponseAdapter<? super T> adapter, T result, long headNanos) {
        // A trial call of the half-open phase still going on holds its permission until its body ends, so that a
        // body that breaks off counts as the failed trial it is (PendingBody).
        CircuitBreaker.@Nullable Metrics phase = trial && PendingBody.inPhase(current, trialPhase) ? trialPhase : null;
        boolean atHead = phase == null && PendingBody.recordsAtHead(current);
        if (atHead) {
            BreakerRecording.answered(guard, current.breaker(), headNanos, result);
        }
        PendingBody body = new PendingBody(guard, request, current, result, headNanos, started, attempts, atHead,
                phase);
        boolean awaited;
        try {
            awaited = adapter.awaitBody(result, body);
            if (awaited) {
                body.awaited();
            }
        } catch (RuntimeException | Error adapterBug) {
            // As for the adapter's other methods: a bug, thrown as is, with a trial's permission given back while the
            // phase that admitted it lasts (unless its body reported its end before the bug: its outcome is taken; a
            // later phase's permissions are none of this call's), and the bulkhead's, once. Closed at the head, the
            // breaker holds no permission for the call; otherwise it recorded the head's success already.
            boolean trialsOwn = phase != null && body.abandonTrial();
            if (!body.abandon()) {
                releaseBulkhead();
            }
            if (trialsOwn && PendingBody.inPhase(current, phase)) {
                current.breaker().releasePermission();
            }
            abort(adapterBug);
            throw adapterBug;
        }
        if (!awaited || !body.holdsBulkheadPermit()) {
            releaseBulkhead();
        }
        if (!atHead && !awaited) {
            // Nobody will report the body's end: a trial's success too is recorded now, while its phase lasts (a
            // permission of a later phase is none of this call's). Nothing reported it yet (a report within awaitBody
            // would have meant the body was awaited).
            if (phase == null || body.abandonTrial() && PendingBody.inPhase(current, phase)) {
                BreakerRecording.answered(guard, current.breaker(), headNanos, result);
            }
        } else if (phase != null) {
            // Taken by the attempt's timeout from its start at the latest, the bound the trial had for its head.
            body.boundTrial(attemptStarted + attemptTimeoutNanos, Duration.ofNanos(attemptTimeoutNanos));
        }
        return body;
    }

    /**
     * @return whether the current attempt is a trial call of a half-open breaker, one of its
     *     {@code permittedNumberOfCallsInHalfOpenState}: the asynchronous driver lets it run on when its caller leaves
     *     ({@link #trialEnded})
     */
    boolean isTrial() {
        return trial;
    }

    /**
     * Takes the outcome of a trial call of a half-open breaker whose caller ended the call while it ran, which the
     * asynchronous driver let run on rather than cancel ({@link AsyncRun}): the breaker judges the upstream by it
     * exactly as it would have had the caller stayed ({@link #judge}: a success, a client's exception for a response
     * that is no failure too; an upstream failure such as its timeout; or nothing for a failure that is not the
     * upstream's, a loop a gateway past it reported too), a response is discarded, nothing is retried, and the call is
     * counted as aborted, as its caller saw it. Given its permission back at the caller's abort instead, each trial
     * call that callers less patient than {@code attempt-timeout} abandoned let the next one through: an upstream that
     * never answers got trial calls without end, and the breaker, recording none, stayed half-open for good (R47).
     *
     * @param result what the attempt returned, when it returned
     * @param thrown what the attempt threw (or completed exceptionally with), or {@code null} when it returned
     * @throws RuntimeException or {@link Error}: what the response adapter threw (a bug), after the breaker got the
     *     permission back and the call was counted
     */
    void trialEnded(@Nullable T result, @Nullable Throwable thrown) {
        long now = System.nanoTime();
        Endpoint current = releaseBulkhead();
        try {
            judgeTrial(current, result, thrown, now);
        } finally {
            abort(new CancellationException("upstream call cancelled"));
        }
    }

    /**
     * Has the breaker judge a trial call whose caller left by its outcome, as {@link #onResult} and {@link #onError}
     * would have had it judged had the caller stayed: one rule, {@link #judge}, whether the caller waits or not (R47).
     */
    private void judgeTrial(Endpoint current, @Nullable T result, @Nullable Throwable thrown, long now) {
        if (thrown != null) {
            judge(current, thrownOutcome(unwrap(thrown)), now);
            return;
        }
        @Nullable Outcome failed = null;
        if (responses != null && result != null) {
            try {
                failed = failedAnswer(responses, result);
                if (failed == null) {
                    responses.discard(result); // nobody takes it
                }
            } catch (RuntimeException | Error adapterBug) {
                current.breaker().releasePermission(); // as onResult: the bug judges nothing
                throw adapterBug;
            }
        }
        if (failed != null) {
            judge(current, failed, now);
        } else {
            BreakerRecording.answered(guard, current.breaker(), now - attemptStarted, result);
            guard.answered(current.index(), attemptStarted);
        }
    }

    /**
     * Reads what the guard weighs of a response whose status is a failure for this upstream (its {@code Retry-After}
     * and {@code Proxy-Status}) and discards it: its body is nobody's. A status outside 100–599 is no HTTP status
     * (RFC 9110 §15), whatever {@code fail-on-5xx} says: an answer that was no HTTP response, which a client read as
     * one ({@code HttpURLConnection}'s {@code -1} for bytes it took for HTTP/0.9), is the upstream's protocol error
     * ({@code http_protocol_error}), as the servlet module's transports check the head they relay, not a success the
     * application would then fail to read outside the guard.
     *
     * @return the answer as a failure ({@link Outcome.Kind#LOOP_REPORTED} or {@link Outcome.Kind#COUNTED}), or
     *     {@code null} when its status is no failure (the response, untouched, is the call's)
     * @throws RuntimeException or {@link Error}: what the adapter threw, a bug
     */
    private @Nullable Outcome failedAnswer(ResponseAdapter<? super T> adapter, T result) {
        int status = adapter.status(result);
        if (status < 100 || status > 599) {
            adapter.discard(result);
            UpstreamFailure malformed = UpstreamFailure.builder(FailureCause.HTTP_PROTOCOL_ERROR)
                    .upstream(guard.name()).attempts(attempts).build();
            // The reason, for the log line (no page shows it): the status as the adapter read it.
            ProtocolException reason = new ProtocolException(
                    "the upstream's answer has status " + status + ", which is no HTTP status (RFC 9110 §15)");
            return new Outcome(Outcome.Kind.COUNTED, new UpstreamFailureException(malformed, reason), malformed, null);
        }
        if (!guard.isFailureStatus(status)) {
            return null;
        }
        Duration retryAfter = RetryAfter.parse(adapter.header(result, "Retry-After"), guard.clock()).orElse(null);
        @Nullable String proxyStatus = adapter.header(result, "Proxy-Status");
        adapter.discard(result);
        UpstreamFailure reported = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstream(guard.name())
                .upstreamStatus(status).upstreamRetryAfter(retryAfter).attempts(attempts).build();
        return new Outcome(ProxyStatus.hasError(proxyStatus, LOOP) ? Outcome.Kind.LOOP_REPORTED : Outcome.Kind.COUNTED,
                new UpstreamFailureException(reported, null), reported, proxyStatus);
    }

    /**
     * Decides what an attempt's exception is, for the breaker and for the call: the one place that tells an upstream
     * failure from the caller's abort, the request body's source, a response that is no failure, a bug or a local
     * limit, which {@link #onError} acts on and {@link #judgeTrial} judges a trial call by.
     *
     * @param error what the attempt threw, unwrapped ({@link #unwrap})
     */
    private Outcome thrownOutcome(Throwable error) {
        if (isClientAbort(error)) {
            return new Outcome(Outcome.Kind.CALLER_ABORT, error, null, null);
        }
        if (request.isBodySourceFailed()) {
            return new Outcome(Outcome.Kind.BODY_SOURCE_FAILED, error, null, null);
        }
        Optional<UpstreamFailure> classified = guard.classifier().classify(error, guard.clock());
        if (classified.isEmpty()) {
            int status = thrownResponseStatus(error);
            // A client library's exception for a response (HttpURLConnection's for a 404, Spring's
            // HttpClientErrorException): the upstream answered, and the status is no failure.
            return new Outcome(status != 0 && !guard.isFailureStatus(status) && isRethrowable(error)
                    ? Outcome.Kind.ANSWERED : Outcome.Kind.NO_UPSTREAM_FAILURE, error, null, null);
        }
        UpstreamFailure failure = classified.get();
        if (isTimeout(failure.cause()) && request.isBodySourceAwaited()) {
            // The upstream waited for the rest of a body the client did not send: the client stalled.
            return new Outcome(Outcome.Kind.BODY_SOURCE_STALLED, error, failure, null);
        }
        if (isReturnedStatus(failure)) {
            // HttpURLConnection's IOException for a 5xx while fail-on-5xx is off.
            return new Outcome(Outcome.Kind.ANSWERED, error, failure, null);
        }
        if (failure.cause() == FailureCause.CONNECTION_LIMIT_REACHED && failure.attempts() == 0
                && !isAnotherGuards(failure)) {
            // The attempt's client held the request back, never sent (its pool of connections full): no attempt of
            // the upstream. (Another guard's full bulkhead, whose call this attempt made, is no such thing: the
            // attempt ran.)
            return new Outcome(Outcome.Kind.HELD_BACK, error, failure, null);
        }
        // A client's exception for a 5xx response (Spring's, the JAX-RS client's) holds its Proxy-Status as well.
        @Nullable String proxyStatus = failure.cause() == FailureCause.UPSTREAM_STATUS
                ? ResponseExceptionClassifier.header(error, "Proxy-Status") : null;
        if (ProxyStatus.hasError(proxyStatus, LOOP)) {
            return new Outcome(Outcome.Kind.LOOP_REPORTED, error, failure, proxyStatus);
        }
        return new Outcome(UpstreamGuard.countsAgainstUpstream(failure.cause()) ? Outcome.Kind.COUNTED
                : Outcome.Kind.NOT_COUNTED, error, failure, proxyStatus);
    }

    /**
     * Reports an attempt's outcome to the breaker that gave the attempt its permission: an upstream failure counted
     * against it, a response that is no failure (a client's exception for it) as a success, and everything else as
     * nothing, its permission given back. The one rule for all of an attempt's outcomes but a response the call
     * returns, whether its caller waits for it or left a trial call to run on (R47: the breaker judges a trial call as
     * any call).
     */
    private void judge(Endpoint current, Outcome outcome, long now) {
        CircuitBreaker breaker = current.breaker();
        // An expression, so that javac refuses a kind left out: one left out would neither be recorded nor give the
        // permission back, and a half-open breaker would wait for it for good.
        boolean recorded = switch (outcome.kind()) {
            case COUNTED -> {
                UpstreamFailure failure = outcome.failure();
                BreakerRecording.failed(guard, breaker, now - attemptStarted, outcome.error(), () -> failure);
                yield true;
            }
            case ANSWERED -> {
                breaker.onSuccess(now - attemptStarted, TimeUnit.NANOSECONDS);
                guard.answered(current.index(), attemptStarted);
                yield true;
            }
            // The caller gave up, or its request body's source failed (a client gone or stalled, a bug in the read):
            // not the upstream's fault, and neither are a bug, a local limit or a loop of the routing.
            case CALLER_ABORT, BODY_SOURCE_FAILED, BODY_SOURCE_STALLED, NO_UPSTREAM_FAILURE, HELD_BACK, LOOP_REPORTED,
                    NOT_COUNTED -> false;
        };
        if (!recorded) {
            breaker.releasePermission();
        }
    }

    /**
     * Ends the call before its first attempt with a bug of the request's own (a checked exception of no I/O that its
     * body's source threw while the body was read to be buffered: {@link CheckedBugs}),
     * recorded as the same bug is when an attempt streams the body ({@link #bodySourceFailed}): a failed call, its
     * {@link UpstreamEvent.CallFailed} event, its time since the call began; no attempt, nothing counted against the
     * upstream, no retry weighed.
     *
     * @param bug what the source threw, the exception's cause
     * @return the call's failure, {@code proxy_internal_error}, to throw
     */
    UpstreamFailureException failBeforeAnyAttempt(Throwable bug) {
        lastCause = FailureCause.PROXY_INTERNAL_ERROR;
        lastError = bug;
        return fail(FailureCause.PROXY_INTERNAL_ERROR, 0, null, null, null, System.nanoTime());
    }

    /** Takes what the current attempt threw (or completed exceptionally with). */
    Step<T> onError(Throwable thrown) {
        long now = System.nanoTime();
        Endpoint current = releaseBulkhead();
        Outcome outcome = thrownOutcome(unwrap(thrown));
        judge(current, outcome, now);
        Throwable error = outcome.error();
        return switch (outcome.kind()) {
            case CALLER_ABORT -> callerAborted(error);
            case BODY_SOURCE_FAILED -> bodySourceFailed(error, now);
            case BODY_SOURCE_STALLED -> abortForBodySource(error,
                    "the attempt timed out waiting for the request body's source", true);
            case ANSWERED -> returned(error, now);
            case NO_UPSTREAM_FAILURE -> noUpstreamFailure(error, now);
            case HELD_BACK -> heldBack(error);
            case LOOP_REPORTED -> loopReported(outcome.failure().upstreamStatus(), error, now);
            case COUNTED, NOT_COUNTED -> failed(outcome.failure(), outcome.proxyStatus(), error, now);
        };
    }

    /** The caller gave up: the call is aborted with its reason. */
    private Step<T> callerAborted(Throwable error) {
        if (CallerAborts.isAbortedBeforeItLeft(error)) {
            // Apache's own exception for a request the application aborted before it left: its cancel, neither
            // a bug (Apache 5's IllegalStateException) nor an interrupt (4's InterruptedIOException).
            CancellationException cancelled = new CancellationException("upstream call cancelled");
            cancelled.initCause(error);
            return abort(cancelled);
        }
        return abort(error);
    }

    /**
     * Reading the request body's source failed while the attempt streamed it: the call is aborted, or for a checked
     * exception that is no I/O failure, the call's {@code proxy_internal_error}.
     */
    private Step<T> bodySourceFailed(Throwable error, long now) {
        // The JDK's blocking send restates what the body's publisher signalled: its rule, shared with a body to
        // buffer (GuardedHttpClient) and the servlet module's Jetty transport.
        Throwable checkedBug = CheckedBugs.ofRestatedByJdkClient(error);
        if (checkedBug != null) {
            // A checked exception the source's read cannot declare, thrown past the compiler's check (a wrapper of the
            // body in Kotlin, or with Lombok's @SneakyThrows): a bug, as a checked exception no classifier knows is
            // (noUpstreamFailure), not the client's failure, which a 400 blamed it for; nothing counted against the
            // upstream (judge).
            lastCause = FailureCause.PROXY_INTERNAL_ERROR;
            lastInnerRemainingOpen = null;
            lastError = checkedBug;
            return Step.fail(fail(FailureCause.PROXY_INTERNAL_ERROR, 0, null, null, null, now));
        }
        Throwable bug = bugOf(error);
        if (bug instanceof UncheckedIOException && !(bug instanceof BodySourceFailure)
                && !holdsUpstreamFailure(error)) {
            // The source's I/O failure, unchecked to pass through the publisher (the JDK's ofInputStream wraps its
            // stream's SocketException or EOFException so): the client went away, as for a body to buffer
            // (GuardedHttpClient), not a bug, which a page answered as the upstream's connection_terminated. But not
            // a stream over another guarded call's body (a download piped into this upload) that broke off: that
            // upstream's failure keeps its page, thrown as is.
            return abortForBodySource(error, "reading the request body's source failed", false);
        }
        if (bug != null) {
            // The source's read threw unchecked (a servlet filter took the body as a reader): a bug, thrown as is,
            // as for a body to buffer (GuardedHttpClient), not the client's failure.
            return abort(bug);
        }
        // The client the body streams from went away.
        return abortForBodySource(error, "reading the request body's source failed", false);
    }

    /** Whether an {@link UpstreamFailureException} is among the causes of what an attempt threw. */
    private static boolean holdsUpstreamFailure(Throwable error) {
        Throwable current = error;
        for (int i = 0; current != null && i < FailureClassifier.MAX_CHAIN; i++, current = Causes.of(current)) {
            if (current instanceof UpstreamFailureException) {
                return true;
            }
        }
        return false;
    }

    /** An exception that is no upstream failure: a bug, thrown as is, or the call fails as the proxy's own error. */
    private Step<T> noUpstreamFailure(Throwable error, long now) {
        Throwable bug = bugOf(error);
        if (bug != null) {
            return abort(bug); // a bug, ours or the caller's: thrown as is
        }
        lastCause = FailureCause.PROXY_INTERNAL_ERROR;
        lastInnerRemainingOpen = null;
        lastError = error;
        return Step.fail(fail(FailureCause.PROXY_INTERNAL_ERROR, 0, null, null, null, now));
    }

    /**
     * The attempt's client held the request back, never sent: no attempt of the upstream, as when the bulkhead is
     * full, so a rejected call, or for a retry a lost one.
     */
    private Step<T> heldBack(Throwable error) {
        attempts--;
        guard.counters.attempts.decrement();
        if (attempts == 0) {
            lastError = error; // the client's refusal, for the log; a lost retry reports its last attempt's
            guard.budget.unrecordCall(budgetEpoch); // a rejected call raises no retry budget
        }
        return Step.fail(exception(refuseStart(FailureCause.CONNECTION_LIMIT_REACHED, RetryRefusal.BULKHEAD_FULL)));
    }

    /** An upstream failure the attempt threw, counted by the breaker or not: retried, or the call's failure. */
    private Step<T> failed(UpstreamFailure failure, @Nullable String proxyStatus, Throwable error, long now) {
        // The failure of another guard whose call this attempt made (a guarded service method inside this guard's
        // call) may say how long that guard's breakers stay open: a client sent back sooner would be refused (R8).
        // It may also say that guard retried, or would not: the retries are that layer's (R47). Its decision comes
        // first: a Proxy-Status error in the client's exception it failed with (Spring's, read down the chain) is one
        // it weighed already, and this guard's retry.on-proxy-status-error would otherwise repeat what it retried.
        RetryRefusal gaveUp = isInnerGuardsDecision(failure) || hasInnerGuardsDecision(error)
                ? RetryRefusal.INNER_GUARD_GAVE_UP
                : ProxyStatus.hasError(proxyStatus) ? RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP : null;
        return afterFailure(failure.cause(), failure.upstreamStatus(), failure.upstreamRetryAfter(),
                failure.breakerRemainingOpen(), gaveUp, error, now);
    }

    /**
     * Whether the failure an attempt threw is another guard's that retried or refused a retry:
     * {@link RetryRefusal#INNER_GUARD_GAVE_UP}, whose javadoc says which refusals leave the retry to this guard and
     * why. A failure a classifier reads from a client's exception, and one an application builds, is one attempt with
     * no refusal.
     */
    private static boolean isInnerGuardsDecision(UpstreamFailure failure) {
        RetryRefusal refusal = failure.retryRefusal();
        return failure.attempts() != 1
                || refusal != null && refusal != RetryRefusal.MAX_ATTEMPTS
                        && refusal != RetryRefusal.BODY_NOT_REPLAYABLE;
    }

    /**
     * Whether a failure is another guard's: one names its upstream, and a client's that held the request back does
     * not (the classifier's for a full pool, the proxy's Jetty transport's and stopped client's, thrown as an
     * {@link UpstreamFailureException} of 0 attempts from inside this guard's attempt). Told by the name, not by
     * whether an exception was thrown for it, nor where in the chain: those of the proxy's own client are thrown too,
     * and another guard's may reach this one only as a suppressed exception, where the classifier finds it as well.
     */
    private boolean isAnotherGuards(UpstreamFailure failure) {
        return !failure.upstream().isEmpty() && !failure.upstream().equals(guard.name());
    }

    /**
     * Whether a failure of another guard further down {@code error}'s cause chain than the one classified (the
     * nearest) says that guard retried or refused: an application that translates the inner guard's failure into one
     * of its own ({@code new UpstreamFailureException(UpstreamFailure.ofUpstreamStatus(503, null), innerFailure)}),
     * one attempt with no refusal, still ran the inner guard's attempts, which another attempt would make again.
     * Bounded as the classifier's walk is, for a cycle of causes.
     */
    private static boolean hasInnerGuardsDecision(Throwable error) {
        Throwable t = error;
        for (int i = 0; t != null && i < FailureClassifier.MAX_CHAIN; i++, t = Causes.of(t)) {
            if (t instanceof UpstreamFailureException inner && isInnerGuardsDecision(inner.failure())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A gateway past the upstream, this one perhaps, answered that the request had passed it before: a forwarding
     * loop (RFC 9209 {@code proxy_loop_detected}), a mistake of the routing rather than a sign of the upstream's
     * health. The failure says so, so that the page, the log line and the support code the client gets name the
     * loop; the breaker does not count it, and it is not retried: it would come round again.
     */
    private Step<T> loopReported(int status, @Nullable Throwable error, long now) {
        return afterFailure(FailureCause.PROXY_LOOP_DETECTED, status, null, null, RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP,
                error, now);
    }

    /**
     * The client threw for a response the guard would have returned: the upstream answered, so the call ends as if it
     * had returned that response, with the attempt's own exception: a success for the breaker, no retry, no page.
     */
    private Step<T> returned(Throwable error, long now) {
        guard.succeeded(attempts, now - started, true);
        return Step.fail(error);
    }

    /**
     * Whether {@code call} can throw the attempt's exception as the documented one: as it is, or an {@link IOException}
     * in an {@link UncheckedIOException}. Another checked exception around a response (an application's own)
     * could only reach the caller as something it means another thing by, so the call fails instead, as with any
     * exception that is no upstream failure.
     */
    private static boolean isRethrowable(Throwable error) {
        return error instanceof RuntimeException || error instanceof IOException;
    }

    /**
     * The status of the upstream response a client library threw an exception for, whatever it is:
     * HttpURLConnection's, Spring's and the JAX-RS client's, in {@code error}'s cause chain as the classifier reads
     * it (an {@code UncheckedIOException} around HttpURLConnection's, the usual way out of a {@code Supplier});
     * 0 when the chain holds no such exception.
     */
    private static int thrownResponseStatus(Throwable error) {
        Throwable t = error;
        for (int i = 0; t != null && i < FailureClassifier.MAX_CHAIN; i++, t = Causes.of(t)) {
            int status = JdkCauseClassifier.urlConnectionStatus(t);
            if (status == 0) {
                status = ResponseExceptionClassifier.responseStatus(t);
            }
            if (status != 0) {
                return status;
            }
        }
        return 0;
    }

    /** Whether a failure is an upstream response whose status is no failure for this upstream, as read by a client. */
    private boolean isReturnedStatus(UpstreamFailure failure) {
        return failure.cause() == FailureCause.UPSTREAM_STATUS && failure.upstreamStatus() != 0
                && !guard.isFailureStatus(failure.upstreamStatus());
    }

    private Step<T> abortForBodySource(Throwable error, String what, boolean stalled) {
        return abort(new BodySourceFailure(new IOException(what, error), stalled));
    }

    private static boolean isTimeout(FailureCause cause) {
        return cause == FailureCause.CONNECTION_READ_TIMEOUT || cause == FailureCause.HTTP_RESPONSE_TIMEOUT;
    }

    /**
     * @return how long a granted retry may still start, in nanoseconds: until {@code min-attempt-timeout} before the
     *     deadline, after which {@link #begin()} refuses it; negative once that passed
     */
    long nanosToLastRetryStart() {
        return deadline - config.minAttemptTimeout().toNanos() - System.nanoTime();
    }

    /**
     * A granted retry that did not start while an attempt still had time (its executor never ran it): the call
     * fails as its last attempt did, as {@link #begin()} fails a retry that starts that late.
     *
     * @return the failure to complete the call with
     */
    UpstreamFailureException retryTooLate() {
        return exception(refuseStart(lastCause, RetryRefusal.DEADLINE));
    }

    /** The caller aborted while the call waited for its retry. */
    Throwable abortBackoff(Throwable reason) {
        return abort(reason).failure();
    }

    /**
     * The executor refused to run the granted retry: the call fails as its last attempt did.
     *
     * @return the failure to complete the call with
     */
    UpstreamFailureException retryRejected(RejectedExecutionException rejected) {
        UpstreamFailureException failure = exception(refuseStart(lastCause, RetryRefusal.EXECUTOR_REJECTED));
        failure.addSuppressed(rejected);
        return failure;
    }

    private Step<T> afterFailure(FailureCause cause, int status, @Nullable Duration retryAfter,
            @Nullable Duration innerRemainingOpen, @Nullable RetryRefusal gaveUp, @Nullable Throwable error, long now) {
        lastCause = cause;
        lastStatus = status;
        lastRetryAfter = retryAfter;
        lastInnerRemainingOpen = innerRemainingOpen;
        lastError = error;
        notePushback(cause, status, retryAfter, innerRemainingOpen, error, now);
        Duration delay = null;
        RetryRefusal refusal = staticRefusal(cause, status, gaveUp);
        if (refusal == null) {
            Duration backoff = guard.backoff.delay(attempts);
            // With one endpoint, the last attempt's Retry-After (if positive); with several, the soonest end of the
            // waits the endpoints the call tried asked for, of those that may admit the retry then: the retry takes
            // none still pushing back (UpstreamGuard.acquireEndpoint), so none is tried again sooner than it asked.
            Duration pushback = pushbacks == null ? Duration.ZERO : retryFloor(now);
            // A Retry-After is the pushback of the endpoint that sent it (R46): a retry that can go to one the call
            // has not tried need neither wait for it nor give up on it (a node in maintenance among healthy ones),
            // unless that one is pushing back too (the guard's other calls were told): then as with one endpoint.
            untriedOnly = pushback.compareTo(backoff) > 0 && guard.anyUntriedMayAdmitWithin(tried, attempts, backoff);
            // A retry that waits for that floor instead goes to no endpoint still pushing back, untried or not: the
            // wait was for the one that asked the call, and one that asked the guard's other calls asks this one too.
            notPushingBackOnly = !untriedOnly && !pushback.isZero();
            if (!untriedOnly && pushback.compareTo(config.maxHonouredRetryAfter()) > 0) {
                refusal = RetryRefusal.RETRY_AFTER_TOO_LONG;
            } else {
                delay = backoff;
                if (!untriedOnly && pushback.compareTo(delay) > 0) {
                    delay = pushback; // the upstream's Retry-After is a floor (R46)
                }
                if (now + delay.toNanos() + config.minAttemptTimeout().toNanos() - deadline > 0) {
                    refusal = RetryRefusal.DEADLINE;
                } else if (!guard.anyEndpointMayAdmitWithin(delay)) {
                    refusal = RetryRefusal.BREAKER_OPEN;
                } else if (!guard.budget.tryAcquireRetry()) {
                    refusal = RetryRefusal.BUDGET_EXHAUSTED;
                    guard.budgetDenied();
                }
            }
        }
        if (refusal != null) {
            guard.emit(new UpstreamEvent.RetryRefused(guard.name(), attempts, cause, status, refusal));
            reportSoonestPushback(refusal, now);
            return Step.fail(fail(lastCause, lastStatus, lastRetryAfter, null, refusal, now));
        }
        guard.counters.retries.increment();
        retryPending = true;
        guard.emit(new UpstreamEvent.RetryScheduled(guard.name(), attempts, current().uri(), cause, status, delay));
        return Step.retry(delay);
    }

    /**
     * Keeps the current attempt's failure as its endpoint's pushback when it holds a positive {@code Retry-After},
     * else forgets the one that endpoint sent before: what it said last holds.
     */
    private void notePushback(FailureCause cause, int status, @Nullable Duration retryAfter,
            @Nullable Duration innerRemainingOpen, @Nullable Throwable error, long now) {
        @Nullable Pushback pushback = retryAfter != null && retryAfter.compareTo(Duration.ZERO) > 0
                ? new Pushback(now, retryAfter, cause, status, innerRemainingOpen, error) : null;
        if (pushback != null) {
            guard.pushedBack(tried[attempts - 1], now, pushback.retryAfter()); // for the other calls too
        }
        @Nullable Pushback[] kept = pushbacks;
        if (kept == null) {
            if (pushback == null) {
                return; // none yet: a call without any Retry-After allocates nothing
            }
            kept = new Pushback[config.endpoints().size()];
            pushbacks = kept;
        }
        kept[tried[attempts - 1]] = pushback;
    }

    /**
     * @return the soonest end of the waits the endpoints the call tried still ask for by their {@code Retry-After}, of
     *     those whose breakers may admit an attempt by then; when none may, the longest wait (the retry would find
     *     no breaker admitting it sooner); zero when no endpoint the call tried still asks for one
     */
    private Duration retryFloor(long now) {
        Duration soonest = null;
        if (pushbacks != null) {
            for (int i = 0; i < pushbacks.length; i++) {
                Pushback pushback = pushbacks[i];
                Duration left = pushback == null ? Duration.ZERO : pushback.left(now);
                if (!left.isZero() && (soonest == null || left.compareTo(soonest) < 0)
                        && guard.endpoint(i).tracker().mayAdmitWithin(left)) {
                    soonest = left;
                }
            }
        }
        return soonest != null ? soonest : latestPushback(now);
    }

    /**
     * @return the longest wait an endpoint the call tried still asks for by its {@code Retry-After}, zero when none
     */
    private Duration latestPushback(long now) {
        Duration latest = Duration.ZERO;
        if (pushbacks != null) {
            for (Pushback pushback : pushbacks) {
                if (pushback != null && pushback.left(now).compareTo(latest) > 0) {
                    latest = pushback.left(now);
                }
            }
        }
        return latest;
    }

    /**
     * A call that ends without a success while an endpoint still pushes back reports that endpoint's failure (its
     * cause, status and exception), with what is left of its {@code Retry-After}, rather than the last attempt's
     * (a retry went past the {@code Retry-After} to another endpoint, which failed too, perhaps with no
     * {@code Retry-After} at all): the client learns when the service will be back, which is what the pushback is for
     * (R46). Of several, the one that ends soonest; when that is the last attempt's own, its failure as it is.
     *
     * <p>Only when the last attempt failed as any attempt may, and was not retried for the call's limits (its attempts,
     * deadline, the breakers, the bulkhead, the budget, a {@code Retry-After} too long): a failure of its own that is
     * not retried ({@link #isOwnFailure}) is reported as it is, which another endpoint's {@code 503} would hide.
     *
     * @param refusal why the last attempt was not retried
     */
    private void reportSoonestPushback(RetryRefusal refusal, long now) {
        if (pushbacks == null || isOwnFailure(refusal)) {
            return;
        }
        int soonest = -1;
        Duration soonestLeft = null;
        for (int i = 0; i < pushbacks.length; i++) {
            Pushback pushback = pushbacks[i];
            Duration left = pushback == null ? Duration.ZERO : pushback.left(now);
            if (!left.isZero() && (soonestLeft == null || left.compareTo(soonestLeft) < 0)) {
                soonest = i;
                soonestLeft = left;
            }
        }
        Pushback reported = soonest < 0 ? null : pushbacks[soonest];
        if (reported == null || soonestLeft == null || soonest == tried[attempts - 1]) {
            // None, or the last attempt's own: its failure is reported as it is (with its Retry-After whole).
            return;
        }
        lastCause = reported.cause();
        lastStatus = reported.status();
        lastRetryAfter = soonestLeft;
        lastInnerRemainingOpen = reported.innerRemainingOpen();
        lastError = reported.error();
    }

    /**
     * Whether the last attempt failed for a reason of its own that a retry could not help, which the call's failure
     * names: a forwarding loop (the page, the log line and the support code name it), a status or cause that is not
     * retried, or another layer that gave up on the request already (a gateway past the upstream, an inner guard).
     *
     * @param refusal why the last attempt was not retried
     */
    private boolean isOwnFailure(RetryRefusal refusal) {
        return lastCause == FailureCause.PROXY_LOOP_DETECTED || refusal == RetryRefusal.NOT_RETRYABLE
                || refusal == RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP || refusal == RetryRefusal.INNER_GUARD_GAVE_UP;
    }

    /**
     * The checks that need neither time nor shared state, in the order {@link RetryRefusal} documents.
     *
     * @param gaveUp the other layer that gave up on the attempt's request: a gateway past the upstream that said so
     *     in {@code Proxy-Status} ({@code UPSTREAM_GATEWAY_GAVE_UP}), a guard the attempt ran
     *     ({@code INNER_GUARD_GAVE_UP}); {@code null} when neither
     */
    private @Nullable RetryRefusal staticRefusal(FailureCause cause, int status, @Nullable RetryRefusal gaveUp) {
        boolean retryable = cause == FailureCause.UPSTREAM_STATUS
                ? config.retryStatuses().contains(status) : config.retryCauses().contains(cause);
        if (!retryable) {
            return RetryRefusal.NOT_RETRYABLE;
        }
        if (gaveUp == RetryRefusal.INNER_GUARD_GAVE_UP
                || gaveUp == RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP && !config.isRetryOnProxyStatusErrorEnabled()) {
            return gaveUp;
        }
        if (!safeToRepeat(cause)) {
            return RetryRefusal.NOT_IDEMPOTENT;
        }
        if (!request.isBodyReplayable()) {
            return RetryRefusal.BODY_NOT_REPLAYABLE;
        }
        return attempts >= config.maxAttempts() ? RetryRefusal.MAX_ATTEMPTS : null;
    }

    /** RFC 9110 §9.2.2 and R13: may this request be sent again after failing this way? */
    private boolean safeToRepeat(FailureCause cause) {
        if (cause == FailureCause.CONNECTION_READ_TIMEOUT || cause == FailureCause.HTTP_RESPONSE_TIMEOUT) {
            // The upstream may still be working on it: only a safe method may be sent twice.
            return request.isRetriedAfterReadTimeout();
        }
        if (request.isIdempotent()) {
            return true;
        }
        if (cause.requestNeverSent() && config.isRetryUnsafeNeverSentEnabled()) {
            return true;
        }
        return request.hasIdempotencyKey() && config.isRetryUnsafeWithIdempotencyKeyEnabled();
    }

    /**
     * No endpoint's breaker admitted the next attempt: for the first attempt a rejected call (503
     * {@code destination_unavailable} with the breakers' remaining open time, or the time until an endpoint also stops
     * pushing back when that is later, {@link #untilReady}), for a retry the previous attempt's failure. Records the
     * call's end (metrics, events) either way.
     *
     * @return the failure, not yet thrown: {@link UpstreamGuard#refuseIfUnavailable()} reports it without an
     *     exception
     */
    UpstreamFailure refusedByBreakers() {
        return refuseStart(FailureCause.DESTINATION_UNAVAILABLE, RetryRefusal.BREAKER_OPEN);
    }

    private UpstreamFailure refuseStart(FailureCause cause, RetryRefusal refusal) {
        long now = System.nanoTime();
        if (attempts == 0) {
            guard.counters.rejectedCalls.increment();
            if (cause != FailureCause.DESTINATION_UNAVAILABLE) {
                return recordFailure(cause, 0, null, null, null, now); // no retry was weighed: none is refused
            }
            return recordFailure(cause, 0, null, refusingFor(), null, now); // or a later pushback: untilReady
        }
        // A granted retry found no permit when its time came: the call fails as its last attempt did.
        guard.counters.lostRetries.increment();
        retryPending = false;
        guard.emit(new UpstreamEvent.RetryRefused(guard.name(), attempts, lastCause, lastStatus, refusal));
        reportSoonestPushback(refusal, now);
        return recordFailure(lastCause, lastStatus, lastRetryAfter, null, refusal, now);
    }

    private UpstreamFailureException fail(FailureCause cause, int status, @Nullable Duration retryAfter,
            @Nullable Duration breakerRemainingOpen, @Nullable RetryRefusal refusal, long now) {
        return exception(recordFailure(cause, status, retryAfter, breakerRemainingOpen, refusal, now));
    }

    /**
     * Records the end of a failed call (metrics, "failing since", the event) and returns its failure. A call whose
     * failures left every breaker open (its last attempt opened the last one, or a retry found them open) reports
     * how long they stay open, as a call refused by them does: a client told to come back sooner would only be
     * refused (R8). So does a call whose last attempt failed with another guard's failure that reported how long
     * that guard's breakers stay open (the attempt called a service method guarded too), the later of the two when
     * both are known. The breakers' time of a call that left every breaker open is, as a refusal's is, that of the
     * first endpoint to admit calls and stop pushing back ({@link #untilReady}) when that is later than the call's own
     * {@code Retry-After} too: a client of this call is to come back no sooner than those of the calls the breakers
     * then refuse (R46). {@code refusal} is the reason of the {@link UpstreamEvent.RetryRefused} event just emitted,
     * so that the failure, and the log line made of it, say what the event said; {@code null} when none was.
     */
    private UpstreamFailure recordFailure(FailureCause cause, int status, @Nullable Duration retryAfter,
            @Nullable Duration breakerRemainingOpen, @Nullable RetryRefusal refusal, long now) {
        Instant failingSince = UpstreamGuard.showsUpstreamTrouble(cause) ? guard.markFailing() : guard.failingSinceOrNull();
        @Nullable Duration open = breakerRemainingOpen != null || attempts == 0 ? breakerRemainingOpen : stillOpen();
        @Nullable Duration inner = attempts == 0 ? null : lastInnerRemainingOpen;
        if (open != null) {
            open = untilReady(open, retryAfter); // a refusal's, and a failure's that left them open, alike
        }
        UpstreamFailure failure = UpstreamFailure.builder(cause)
                .upstream(guard.name())
                .upstreamStatus(status)
                .upstreamRetryAfter(retryAfter)
                .breakerRemainingOpen(open == null || (inner != null && inner.compareTo(open) > 0) ? inner : open)
                .attempts(attempts)
                .elapsed(Duration.ofNanos(now - started))
                .failingSince(failingSince)
                .retryRefusal(refusal)
                .build();
        guard.counters.failedCalls.increment();
        guard.emit(new UpstreamEvent.CallFailed(failure));
        return failure;
    }

    /**
     * @return how long every breaker stays open, for a call they refused or after this call's attempts, or
     *     {@code null} when one admits calls (closed, or half-open, its trial calls perhaps under way: zero says
     *     nothing a default would not say better), or every open one is forced open
     */
    private @Nullable Duration stillOpen() {
        Duration remaining = guard.remainingOpen();
        return remaining == null || remaining.isZero() ? null : remaining;
    }

    /**
     * The breakers' time as a client is to be told it when every breaker keeps calls away: {@code open}, or what is
     * left of an endpoint's pushback past it when the first endpoint to both admit calls and stop pushing back is kept
     * by its {@code Retry-After} ({@link UpstreamGuard#pushbackPastBreakers()}): another call's 503
     * {@code Retry-After: 120} holds a node past its breaker's 30 s, and a client sent back after the 30 s would be
     * told the rest then (R46). Carried on the breakers' side, not as the upstream's {@code Retry-After}: it picks the
     * value of a {@code Retry-After} the status carries, and puts none on a status that carries one only when the
     * upstream sent it to this call (an upstream's own 500, a 502 with {@code retry-after.on-502-504} off), nor makes
     * the endpoint of an outer guard, whose attempt this call was, push back.
     *
     * @param open how long the breakers keep refusing, or {@code null} when one admits calls or every open one is
     *     forced open
     * @param told the {@code Retry-After} the call's own failure reports, or {@code null}: when the pushback is no
     *     later (the failure that opened the last breaker said it), the breakers' time stays theirs
     * @return the pushback when it is later than both, else {@code open}
     */
    private @Nullable Duration untilReady(@Nullable Duration open, @Nullable Duration told) {
        @Nullable Duration past = guard.pushbackPastBreakers();
        return past != null && (open == null || past.compareTo(open) > 0) && (told == null || past.compareTo(told) > 0)
                ? past : open;
    }

    /**
     * @return how long the breakers that refused this call keep refusing: their remaining open time, or, when one is
     *     half-open and its trial calls are under way, until they end ({@link UpstreamGuard#trialCallsEnd()}), rather
     *     than a default that may send a client away for longer than the breaker was open (R8); zero when its wait
     *     is over, or it closed, between the reads; {@code null} when every open one is forced open
     */
    private @Nullable Duration refusingFor() {
        Duration remaining = guard.remainingOpen();
        if (remaining == null || !remaining.isZero()) {
            return remaining;
        }
        // Zero is an open breaker whose wait just ended (it admits the next call: Resilience4j's clock had not passed
        // the end when it refused this one) or a half-open one, which may have left that state since: no half-open
        // breaker is no breaker time, and the page said the 503's default 30 s for a breaker that admits calls now.
        Duration trialsEnd = guard.trialCallsEnd();
        if (trialsEnd != null) {
            return trialsEnd;
        }
        // Read again: a half-open breaker whose trial failed meanwhile is open for its whole wait again, and one that
        // closed admits calls (null, as no breaker that every open one is forced open would have read zero above).
        Duration again = guard.remainingOpen();
        return again != null ? again : Duration.ZERO;
    }

    private UpstreamFailureException exception(UpstreamFailure failure) {
        return new UpstreamFailureException(failure, lastError);
    }

    /**
     * A call refused before its first attempt has no stack trace when the breaker's or bulkhead's
     * {@code writableStackTraceEnabled} is off (as in the guard's defaults): under an outage every call is
     * refused, and the stack trace was most of a refusal's cost. A retry's lost start reports the previous
     * attempt's failure, stack trace and all.
     */
    private UpstreamFailureException refusal(UpstreamFailure failure, boolean stackTrace) {
        return attempts == 0 && !stackTrace ? new UpstreamFailureException(failure, lastError, false) : exception(failure);
    }

    private Step<T> abort(Throwable reason) {
        if (retryPending) {
            retryPending = false;
            guard.counters.lostRetries.increment();
        }
        guard.aborted(attempts, System.nanoTime() - started, reason);
        return Step.fail(reason);
    }

    private Endpoint releaseBulkhead() {
        guard.bulkhead().onComplete();
        return current();
    }

    private Endpoint current() {
        Endpoint current = endpoint;
        if (current == null) {
            throw new IllegalStateException("no attempt was started");
        }
        return current;
    }

    static Throwable unwrap(Throwable thrown) {
        Throwable t = thrown;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && Causes.of(t) != null) {
            t = Causes.of(t);
        }
        return t;
    }

    /**
     * The bug, ours or the caller's, an attempt failed with: a {@link RuntimeException} or {@link Error}, or one that
     * the JDK's blocking {@code HttpClient.send} restated as a plain {@link IOException} of the same message (it so
     * wraps whatever its exchange failed with, a body handler's own exception too, which {@code sendAsync} gives as
     * it is).
     *
     * @return the bug, or {@code null} when the failure is none
     */
    private static @Nullable Throwable bugOf(Throwable error) {
        if (error instanceof RuntimeException || error instanceof Error) {
            return error;
        }
        Throwable cause = Causes.of(error);
        boolean restated = error.getClass() == IOException.class && Objects.equals(error.getMessage(),
                cause == null ? null : Causes.messageOf(cause));
        return restated && (cause instanceof RuntimeException || cause instanceof Error) ? cause : null;
    }

    static boolean isClientAbort(Throwable thrown) {
        Throwable t = thrown;
        for (int i = 0; t != null && i < FailureClassifier.MAX_CHAIN; i++, t = Causes.of(t)) {
            if (CallerAborts.isCallerAbort(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What an attempt's outcome other than a response the call returns is, for its endpoint's breaker and for the
     * call: decided once ({@link GuardedCall#thrownOutcome}, {@link GuardedCall#failedAnswer}), so that the breaker
     * judges a trial call whose caller left ({@link GuardedCall#judgeTrial}) by the same rule
     * ({@link GuardedCall#judge}) as a call whose caller waits for it ({@link GuardedCall#onError},
     * {@link GuardedCall#onResult}): two copies of that rule drift apart (R47).
     *
     * @param kind what the outcome is
     * @param error what the attempt threw, or for a response whose status is a failure the exception that reports it
     * @param upstreamFailure the failure the outcome is, when it is one ({@code null} for an exception that is no
     *     upstream failure, or the caller's abort)
     * @param proxyStatus the {@code Proxy-Status} of the response an upstream failure is, when it has one
     */
    private record Outcome(Kind kind, Throwable error, @Nullable UpstreamFailure upstreamFailure,
            @Nullable String proxyStatus) {

        /** What an outcome is; the breaker counts only {@link #COUNTED}, and takes {@link #ANSWERED} for a success. */
        enum Kind {
            /** The caller gave up (an interrupt, a cancel): not the upstream's fault. */
            CALLER_ABORT,
            /** Reading the request body's source failed: its client went away, or the read threw (a bug). */
            BODY_SOURCE_FAILED,
            /** The attempt timed out waiting for the request body's source: the client stalled, not the upstream. */
            BODY_SOURCE_STALLED,
            /** A client library's exception for a response whose status is no failure: the upstream answered. */
            ANSWERED,
            /** An exception that is no upstream failure: a bug, or one no classifier knows. */
            NO_UPSTREAM_FAILURE,
            /** The attempt's client held the request back, never sent (its pool full): no attempt of the upstream. */
            HELD_BACK,
            /** A gateway past the upstream answered that the request had passed it before: a loop of the routing. */
            LOOP_REPORTED,
            /** An upstream failure that counts against the upstream ({@link UpstreamGuard#countsAgainstUpstream}). */
            COUNTED,
            /** An upstream failure that does not: a local limit, a response over the gateway's size limits. */
            NOT_COUNTED
        }

        /** @return the failure the outcome is, for one that is an upstream failure */
        UpstreamFailure failure() {
            if (upstreamFailure == null) {
                throw new IllegalStateException("no upstream failure: " + kind);
            }
            return upstreamFailure;
        }
    }

    /**
     * An endpoint's failure with a {@code Retry-After}: its pushback, from {@code at} ({@link System#nanoTime()}) on.
     * Kept as a {@link Duration}, which an HTTP-date of the year 9999 does not overflow as nanoseconds would.
     */
    private record Pushback(long at, Duration retryAfter, FailureCause cause, int status,
            @Nullable Duration innerRemainingOpen, @Nullable Throwable error) {

        /** @return what is left of the wait at {@code now}, zero once it is over */
        Duration left(long now) {
            Duration left = retryAfter.minusNanos(now - at);
            return left.isNegative() ? Duration.ZERO : left;
        }
    }

    /** What a driver does next: return the result, throw, or wait and make another attempt. */
    static final class Step<T> {
        private final @Nullable T result;
        private final @Nullable Duration delay;
        private final @Nullable Throwable failure;

        private Step(@Nullable T result, @Nullable Duration delay, @Nullable Throwable failure) {
            this.result = result;
            this.delay = delay;
            this.failure = failure;
        }

        static <T> Step<T> done(@Nullable T result) {
            return new Step<>(result, null, null);
        }

        static <T> Step<T> retry(Duration delay) {
            return new Step<>(null, delay, null);
        }

        static <T> Step<T> fail(Throwable failure) {
            return new Step<>(null, null, failure);
        }

        boolean isDone() {
            return delay == null && failure == null;
        }

        boolean isRetry() {
            return delay != null;
        }

        @Nullable T result() {
            return result;
        }

        Duration delay() {
            if (delay == null) {
                throw new IllegalStateException("not a retry");
            }
            return delay;
        }

        Throwable failure() {
            if (failure == null) {
                throw new IllegalStateException("not a failure");
            }
            return failure;
        }
    }
}
