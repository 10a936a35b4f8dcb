package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.ConfigurationErrors;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How the guard reports the failures it counts against an upstream to a Resilience4j breaker whose settings may name
 * exceptions ({@code recordExceptions}, {@code ignoreExceptions}, or their predicates).
 *
 * <p>Resilience4j counts an exception its settings neither record nor ignore as a <em>successful</em> call. Settings
 * that record {@code IOException} and {@code TimeoutException} only, as in Resilience4j's own example, would so
 * count an upstream's 5xx answers (reported as an {@link UpstreamFailureException}), a client library's exception for
 * one (Spring's {@code HttpServerErrorException}) and the guard's own timeouts as successes: the breaker would
 * never open on them, its failure rate diluted. So the guard refuses, when it is built, settings that neither record
 * nor ignore an {@code UpstreamFailureException} ({@link #check}), and reports a failure whose own exception the
 * settings name neither way as an {@code UpstreamFailureException} with that exception as its cause
 * ({@link #asCounted}); one they name neither way even so (their predicates look into the failure) is counted as
 * nothing. Settings still decide: what they ignore is ignored, and settings that ignore
 * {@code UpstreamFailureException} keep 5xx answers, and whatever else they do not name, out of the breaker.
 *
 * <p>The settings' predicates are the application's code, run by the guard (and by Resilience4j) before anything is
 * recorded. One that throws (a predicate reading a message that some exceptions lack) would leave a half-open breaker
 * without the attempt's permission for good, every later call refused; so an outcome whose judging throws is counted
 * as nothing, its permission given back, and the guard logs the first such failure ({@link #failed},
 * {@link #answered}).
 *
 * <p>Static methods only; thread-safe.
 */
final class BreakerRecording {

    private BreakerRecording() {
    }

    /**
     * Checks that settings count what the guard reports as a failure, or ignore it: never as a success.
     *
     * @param settings the settings a breaker of the upstream has or will have
     * @param upstream the upstream's name
     * @param source where the settings come from, for the message ("the settings given to circuitBreakerConfig")
     * @throws IllegalArgumentException if the settings neither record nor ignore an {@link UpstreamFailureException}
     *     of an upstream's 503; the message names the key {@code upstreams.<name>.circuit-breaker} and the source
     */
    static void check(CircuitBreakerConfig settings, String upstream, String source) {
        UpstreamFailureException answered5xx = new UpstreamFailureException(UpstreamFailure
                .builder(FailureCause.UPSTREAM_STATUS).upstream(upstream).upstreamStatus(503).attempts(1).build(),
                null, false);
        if (!names(settings, answered5xx)) {
            throw ConfigurationErrors.invalid("upstreams." + upstream + ".circuit-breaker", source + ", which "
                    + "neither record nor ignore " + UpstreamFailureException.class.getName(), "must record or "
                    + "ignore " + UpstreamFailureException.class.getName() + " (recordExceptions, ignoreExceptions or "
                    + "their predicates): the guard reports with it the upstream's 5xx answers and the failures whose "
                    + "own exceptions the settings name neither way, which Resilience4j would count as successful "
                    + "calls, so that the breaker would never open on them. Record it (or RuntimeException), or "
                    + "ignore it to keep those failures out of the breaker");
        }
    }

    /**
     * @param breaker the breaker of the endpoint the attempt went to
     * @param error what the attempt (or its response body) failed with, a failure the guard counts against the
     *     upstream
     * @param failure the failure, made only when the breaker's settings name {@code error} neither way
     * @return the exception to report to the breaker: {@code error} when its settings record or ignore it, else an
     *     {@link UpstreamFailureException} of the failure with {@code error} as its cause; {@code null} when they name
     *     that neither way either (predicates that look into the failure: {@code upstreamStatus() >= 500} passes
     *     {@link #check} and names no timeout), for the caller to give the permission back: counted as nothing,
     *     never as a success
     */
    static @Nullable Throwable asCounted(CircuitBreaker breaker, Throwable error, Supplier<UpstreamFailure> failure) {
        CircuitBreakerConfig settings = breaker.getCircuitBreakerConfig();
        if (names(settings, error)) {
            return error;
        }
        Throwable reported = error instanceof UpstreamFailureException ? error
                : new UpstreamFailureException(failure.get(), error);
        return reported != error && names(settings, reported) ? reported : null;
    }

    /**
     * Reports an attempt's failure that counts against the upstream to the breaker that gave the attempt its
     * permission: as {@link #asCounted} has it reported, or, when that is nothing, with the permission given back.
     *
     * @param guard the guard, which logs the first failure of the settings' predicates
     * @param breaker the breaker of the attempt's endpoint, which holds the attempt's permission
     * @param nanos how long the attempt took
     * @param error what the attempt failed with
     * @param failure the failure, made only when the settings name {@code error} neither way
     */
    static void failed(UpstreamGuard guard, CircuitBreaker breaker, long nanos, Throwable error,
            Supplier<UpstreamFailure> failure) {
        try {
            Throwable counted = asCounted(breaker, error, failure);
            if (counted != null) {
                breaker.onError(nanos, TimeUnit.NANOSECONDS, counted);
                return;
            }
        } catch (RuntimeException | Error predicateFailure) {
            // Resilience4j runs the predicates before it records anything (and catches what its event consumers
            // throw): the permission is still the attempt's.
            guard.breakerSettingsFailed(predicateFailure);
        }
        breaker.releasePermission();
    }

    /**
     * Reports an attempt's answer to the breaker that gave the attempt its permission; the settings'
     * {@code recordResult} predicate may still count it as a failure.
     *
     * @param guard the guard, which logs the first failure of the settings' predicates
     * @param breaker the breaker of the attempt's endpoint, which holds the attempt's permission
     * @param nanos how long the attempt took to its answer (its head)
     * @param result the answer, null for none
     */
    static void answered(UpstreamGuard guard, CircuitBreaker breaker, long nanos, @Nullable Object result) {
        try {
            breaker.onResult(nanos, TimeUnit.NANOSECONDS, result);
        } catch (RuntimeException | Error predicateFailure) {
            guard.breakerSettingsFailed(predicateFailure);
            breaker.releasePermission();
        }
    }

    private static boolean names(CircuitBreakerConfig settings, Throwable error) {
        // Resilience4j tests the cause of a CompletionException or an ExecutionException (CircuitBreakerStateMachine).
        Throwable tested = (error instanceof CompletionException || error instanceof ExecutionException)
                && error.getCause() != null ? error.getCause() : error;
        return settings.getIgnoreExceptionPredicate().test(tested)
                || settings.getRecordExceptionPredicate().test(tested);
    }
}
