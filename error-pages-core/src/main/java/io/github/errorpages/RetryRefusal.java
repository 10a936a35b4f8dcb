package io.github.errorpages;

import java.util.Locale;

/**
 * Why a failed attempt was not retried: the reason in {@link io.github.errorpages.upstream.UpstreamEvent.RetryRefused},
 * and in the failure the call ends with ({@link UpstreamFailure#retryRefusal()}), in the order in which the guard
 * checks them (the first that applies is reported).
 *
 * <p>It is the upstream guard's decision, but lives in the API package beside {@link FailureCause}, so that an
 * {@link UpstreamFailure} can carry it while the API depends on no package that builds on it.
 *
 * <p>Constants are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum RetryRefusal {
    /** The cause or upstream status is not retryable ({@code retry.causes}, {@code retry.statuses}, R43). */
    NOT_RETRYABLE,
    /**
     * The upstream's response carries a {@code Proxy-Status} error: another gateway already gave up, so the
     * retry belongs to that layer (R47).
     */
    UPSTREAM_GATEWAY_GAVE_UP,
    /**
     * The attempt failed with the {@link io.github.errorpages.UpstreamFailureException} of another upstream guard that
     * it ran (a guarded service method, a {@code GuardedHttpClient} inside this guard's call), and that guard retried
     * or refused a retry: the retries belong to the layer nearest the failing upstream (R47), and another attempt
     * would make its calls again, spend what its retry budget held back, or send again what it would not (R13).
     *
     * <p>Left to this guard: the failure of a guard with its retries off, its one attempt refused as
     * {@link #MAX_ATTEMPTS} (or as {@link #BODY_NOT_REPLAYABLE}: a {@code GuardedHttpClient} with {@code max-attempts}
     * 1 keeps no body), and a failure the application throws itself (one attempt, no refusal) unless its causes hold
     * another guard's failure that is not left to this guard. Not left to it: {@link #NOT_RETRYABLE}, checked before
     * the method, so it does not say whether the request was safe to repeat (a POST's 500). A call the other guard
     * refused (its breakers open, its bulkhead full) is not retried for its cause, which no guard retries:
     * {@link #NOT_RETRYABLE}.
     */
    INNER_GUARD_GAVE_UP,
    /**
     * The request is not safe to repeat (R13): a non-idempotent method (POST, PATCH, ...) without an enabled
     * exception, or a read timeout on anything but GET and HEAD. Also when the cause shows that the request never
     * reached the upstream (a POST's {@code connection_refused}) while {@code retry.on-connect-failure-for-unsafe},
     * the exception for that, is off (its default): the cause, not this reason, says whether it reached the upstream.
     */
    NOT_IDEMPOTENT,
    /** The request body has been consumed and was not buffered, so it cannot be sent again. */
    BODY_NOT_REPLAYABLE,
    /** The call has made {@code max-attempts} attempts (R14). */
    MAX_ATTEMPTS,
    /**
     * The upstream's {@code Retry-After} exceeds {@code retry.max-honoured-retry-after}; it is passed on (R46). With
     * several endpoints: no endpoint the call has not tried, and that is not pushing back itself, admits the retry
     * (or the one it was to go to stopped admitting it before it started), and the soonest end of the waits the
     * endpoints the call tried still ask for (of those whose breakers may admit the retry by then; else the longest)
     * exceeds it; the one that ends soonest is passed on.
     */
    RETRY_AFTER_TOO_LONG,
    /**
     * Backoff (or the upstream's {@code Retry-After}) plus a minimum attempt would overrun the deadline, or a
     * granted retry woke up so late (a busy executor, a pause) that less than {@code min-attempt-timeout} is left
     * (R45). With several endpoints also when the endpoint a retry past a {@code Retry-After} was to go to stopped
     * admitting it before it started, and the wait the retry would then take ({@link #BREAKER_OPEN}) plus a minimum
     * attempt would overrun the deadline.
     */
    DEADLINE,
    /**
     * Every endpoint's circuit breaker is open, or a half-open one has no permit left. Also when a retry starts and no
     * endpoint it may go to admits it, with several endpoints: no endpoint the call has not tried admits it and those
     * it tried are pushing back again (another call's {@code Retry-After}); or the retry waited for the
     * {@code Retry-After} of an endpoint the call tried, none it had not tried being able to take it past it, and no
     * endpoint that is not pushing back admits it then (one pushing back is not taken, tried or not); or the one the
     * retry was to go to past a {@code Retry-After} stopped admitting it meanwhile (its breaker opened, or it began
     * pushing back), and no breaker may admit it by the end of the wait it then takes, or none that is not pushing
     * back admits it once that wait is over. That wait is the soonest end of the waits the endpoints the call tried
     * still ask for (of those whose breakers may admit the retry by then), after which the retry goes to an endpoint
     * not pushing back, as the same attempt, with the retry budget it took: it is refused only when the wait is longer
     * than {@code retry.max-honoured-retry-after} ({@link #RETRY_AFTER_TOO_LONG}), overruns the deadline
     * ({@link #DEADLINE}) or no breaker may admit the retry by its end.
     */
    BREAKER_OPEN,
    /** The bulkhead had no permit left for the retry, or the client's own limit held it back (a full pool). */
    BULKHEAD_FULL,
    /** The retry budget of the upstream is spent (R44). */
    BUDGET_EXHAUSTED,
    /**
     * The guard's executor refused to run a granted retry when its time came ({@code RejectedExecutionException}:
     * it is shut down, or its queue is full), or failed to take it (any other exception or {@code Error} it threw).
     * Only asynchronous calls use the executor. (One that takes the retry and never runs it: {@link #DEADLINE}.)
     */
    EXECUTOR_REJECTED;

    private final String token = name().toLowerCase(Locale.ROOT);

    /**
     * Returns the reason as log lines write it ({@code retry_refused=}), e.g. {@code not_idempotent}: the
     * constant's name in lower case, stable across releases as the constant is.
     *
     * @return the lower-case token, never empty
     */
    public String token() {
        return token;
    }
}
