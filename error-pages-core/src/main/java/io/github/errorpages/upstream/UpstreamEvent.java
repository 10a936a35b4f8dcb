package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Something an {@link UpstreamGuard} decided or saw, delivered to its {@link UpstreamEventListener}s: one
 * event per retry decision ({@link RetryScheduled} or {@link RetryRefused}), the start of each episode of an
 * exhausted retry budget, every circuit breaker transition, the end of every call ({@link CallSucceeded},
 * {@link CallFailed} or {@link CallAborted}, exactly one per call), and a response body broken off after a
 * successful call ({@link BodyBrokenOff}): what metrics, alerts and log lines are made
 * of (the planned Spring Boot starter will turn them into Micrometer metrics).
 *
 * <p>Events hold no request data, and endpoints only where the event is about one. They are immutable and
 * thread-safe.
 *
 * @since 0.1.0
 */
public sealed interface UpstreamEvent {

    /**
     * @return the name of the upstream the event is about
     */
    String upstream();

    /**
     * A failed attempt will be retried after {@code delay}.
     *
     * @param upstream the upstream's name
     * @param attempt the number of the attempt that failed; the retry is attempt {@code attempt + 1}
     * @param endpoint the endpoint the failed attempt went to
     * @param cause why it failed
     * @param upstreamStatus the upstream's status for {@link FailureCause#UPSTREAM_STATUS}, else 0
     * @param delay the wait before the retry: the jittered backoff, or the upstream's {@code Retry-After}
     *     when that is longer
     */
    record RetryScheduled(String upstream, int attempt, URI endpoint, FailureCause cause, int upstreamStatus,
            Duration delay) implements UpstreamEvent {
        /** @throws NullPointerException if a reference component is null */
        public RetryScheduled {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(delay, "delay");
        }
    }

    /**
     * A failed attempt will not be retried; the call fails with it.
     *
     * @param upstream the upstream's name
     * @param attempt the number of the attempt that failed
     * @param cause why it failed
     * @param upstreamStatus the upstream's status for {@link FailureCause#UPSTREAM_STATUS}, else 0
     * @param reason why there is no retry
     */
    record RetryRefused(String upstream, int attempt, FailureCause cause, int upstreamStatus, RetryRefusal reason)
            implements UpstreamEvent {
        /** @throws NullPointerException if a reference component is null */
        public RetryRefused {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The retry budget refused a retry: delivered for the first refusal, then at most once per budget window
     * while refusals go on, so it suits a log line. Every refusal is also a {@link RetryRefused} event with
     * {@link RetryRefusal#BUDGET_EXHAUSTED}, which suits a counter.
     *
     * @param upstream the upstream's name
     * @param retries the retries granted within the budget window
     * @param calls the calls counted within the budget window
     */
    record RetryBudgetExhausted(String upstream, long retries, long calls) implements UpstreamEvent {
        /** @throws NullPointerException if {@code upstream} is null */
        public RetryBudgetExhausted {
            Objects.requireNonNull(upstream, "upstream");
        }
    }

    /**
     * An endpoint's circuit breaker changed state.
     *
     * @param upstream the upstream's name
     * @param endpoint the endpoint the breaker guards
     * @param breaker the breaker's name in the Resilience4j registry
     * @param from the previous state
     * @param to the new state
     */
    record BreakerStateChanged(String upstream, URI endpoint, String breaker, CircuitBreaker.State from,
            CircuitBreaker.State to) implements UpstreamEvent {
        /** @throws NullPointerException if a component is null */
        public BreakerStateChanged {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(breaker, "breaker");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }

    /**
     * A call succeeded. Only delivered when a listener is registered, so the fast path stays free of it
     * otherwise.
     *
     * @param upstream the upstream's name
     * @param attempts the attempts it took, at least 1
     * @param elapsed the call's time from its start to its end, the waits between attempts included
     */
    record CallSucceeded(String upstream, int attempts, Duration elapsed) implements UpstreamEvent {
        /** @throws NullPointerException if a reference component is null */
        public CallSucceeded {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(elapsed, "elapsed");
        }
    }

    /**
     * A call ended with neither a result nor an {@link io.github.errorpages.UpstreamFailureException}: its caller
     * aborted it (an interrupt, a cancellation, the caller's own time limit on an asynchronous call), the source
     * of its request body failed or stalled ({@link UpstreamRequest#withBodySource}), or an attempt threw an
     * exception that is no upstream failure (a bug). The circuit breaker counted none of it. Only delivered when
     * a listener is registered, like {@link CallSucceeded}.
     *
     * @param upstream the upstream's name
     * @param attempts the attempts it started, at least 1 but for a call interrupted or cancelled while the bulkhead
     *     made its first attempt wait ({@code maxWaitDuration}), or a blocking call begun on a thread interrupted
     *     already: 0
     * @param elapsed the time from its start to its end
     * @param reason the class of the exception it ended with, e.g. {@link java.util.concurrent.CancellationException};
     *     only the class, since the exception's message may hold request data
     */
    record CallAborted(String upstream, int attempts, Duration elapsed, Class<? extends Throwable> reason)
            implements UpstreamEvent {
        /** @throws NullPointerException if a reference component is null */
        public CallAborted {
            Objects.requireNonNull(upstream, "upstream");
            Objects.requireNonNull(elapsed, "elapsed");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The upstream broke off the body of a response a call returned, after the call succeeded: its connection
     * ended, or it let the caller wait too long for the next part ({@link BodyOutcome#failed}). Delivered once per
     * such response, after the call's {@link CallSucceeded}; the circuit breaker counted it as a failure when its
     * cause counts against the upstream.
     *
     * @param failure what the caller answers its client with, if nothing was sent to it yet
     * @param endpoint the endpoint that sent the response
     */
    record BodyBrokenOff(UpstreamFailure failure, URI endpoint) implements UpstreamEvent {
        /** @throws NullPointerException if a component is null */
        public BodyBrokenOff {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(endpoint, "endpoint");
        }

        @Override
        public String upstream() {
            return failure.upstream();
        }
    }

    /**
     * A call failed with an {@link io.github.errorpages.UpstreamFailureException} carrying {@code failure};
     * {@code failure.attempts() == 0} when it was refused without calling the upstream (breaker open,
     * bulkhead full).
     *
     * @param failure the failure thrown
     */
    record CallFailed(UpstreamFailure failure) implements UpstreamEvent {
        /** @throws NullPointerException if {@code failure} is null */
        public CallFailed {
            Objects.requireNonNull(failure, "failure");
        }

        @Override
        public String upstream() {
            return failure.upstream();
        }
    }
}
