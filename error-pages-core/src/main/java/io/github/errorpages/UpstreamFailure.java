package io.github.errorpages;

import io.github.errorpages.internal.UpstreamNames;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What is known about one failed upstream call: the input of {@link ErrorPolicy#decide(UpstreamFailure)}.
 *
 * <p>Only {@code cause} is required. Everything else is what the caller (usually an upstream guard)
 * learned on the way and may be absent. None of it is ever shown to clients as is: the upstream name,
 * for example, is for logs and metric tags only.
 *
 * <p>Instances are immutable and thread-safe, and serializable: an {@link UpstreamFailureException} keeps its
 * failure when it crosses Java serialization (a replicated session, a remote call) between nodes of the same build.
 * No serial form is kept across versions before 1.0: a failure serialized by a build before {@code attemptsKnown} and
 * {@code elapsedKnown} reads as not knowing its attempts and time, and is refused
 * ({@link java.io.InvalidObjectException}) when its attempts were not 1 or its time not zero, as the constructor
 * refuses such a failure.
 *
 * @param upstream the configured name of the upstream (not its host), or {@code ""} when unknown: a name as
 *     {@link io.github.errorpages.upstream.UpstreamConfig#builder(String)} takes it (1 to 64 of
 *     {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit), since it goes as it is into the incident's log
 *     line, whose {@code key=value} fields a space, an {@code =} or a line break would forge
 * @param cause why the call failed
 * @param upstreamStatus the status the upstream answered with, or {@code 0} when it gave none;
 *     when non-zero, between 100 and 599
 * @param upstreamRetryAfter the upstream's own {@code Retry-After}, already parsed, or {@code null}; an upstream
 *     guard whose retry went past one endpoint's {@code Retry-After} to another endpoint, which failed too, reports
 *     that endpoint's failure, with what was left of its {@code Retry-After} when the call ended (unless the last
 *     attempt failed for a reason of its own that is not retried, a forwarding loop for one: that failure as it is).
 *     A {@code Retry-After} another call was told is never reported here but in {@code breakerRemainingOpen}:
 *     {@link ErrorPolicy} puts one on a status that carries it only when the upstream sent one (an upstream's own
 *     500) for this component alone
 * @param breakerRemainingOpen how long the circuit breaker stays open, or {@code null} when it is not open; an
 *     upstream guard reports it for a call its breakers refused, for a call whose failures left every breaker
 *     open, and for a call whose last attempt failed with another guard's failure that reported it. For a call
 *     refused by a half-open breaker whose trial calls are all under way, the time until they end: the attempt
 *     timeout, or the wait the breaker was open for when that is shorter. When the endpoint that will first both
 *     admit calls and have stopped pushing back is kept longer by its {@code Retry-After} (one told to an earlier
 *     call) than by its breaker, what is left of that {@code Retry-After} instead (for a call whose failures left
 *     every breaker open, when it is later than the call's own {@code Retry-After} too): a client sent back sooner
 *     would be told it then
 * @param attempts how many attempts were made, {@code 0} when none reached the upstream (open breaker); {@code 1}
 *     when not known ({@code attemptsKnown} false)
 * @param elapsed the call's time from its start to its end: its attempts and the waits between them (backoff,
 *     an upstream's {@code Retry-After}) together; zero when not known ({@code elapsedKnown} false)
 * @param failingSince since when the upstream has been failing without a success in between, or
 *     {@code null} when unknown
 * @param retryRefusal why the failure the call ended with was not retried, as the upstream guard's
 *     {@link io.github.errorpages.upstream.UpstreamEvent.RetryRefused} event said, or {@code null} when no retry was
 *     weighed: a call refused before any attempt (breaker open, bulkhead full), a failure that is no upstream failure
 *     the guard decided on, or one not from a guard at all. For logs only: no page, header or JSON member shows it
 * @param attemptsKnown whether {@code attempts} was counted (an upstream guard's failure, or one whose reporter
 *     set {@link Builder#attempts(int)}), rather than the builder's default: a failure a classifier read from a
 *     client's exception does not know how many attempts that client made, and its log line says {@code attempts=-};
 *     but for {@code connection_limit_reached} read from a client whose pool had no connection free (Apache
 *     HttpClient's {@code ConnectionRequestTimeoutException}, Reactor Netty's {@code PoolAcquireTimeoutException} or
 *     {@code PoolAcquirePendingLimitException}), whose request was never sent: {@code 0}, known
 * @param elapsedKnown whether {@code elapsed} was measured (an upstream guard's failure, or one whose reporter set
 *     {@link Builder#elapsed(Duration)}), rather than the builder's default: a failure a classifier read from a
 *     client's exception, after that client's own timeout perhaps, took a time no guard saw, and its log line says
 *     {@code elapsed_ms=-} rather than a false {@code 0}
 * @since 0.1.0
 */
public record UpstreamFailure(
        String upstream,
        FailureCause cause,
        int upstreamStatus,
        @Nullable Duration upstreamRetryAfter,
        @Nullable Duration breakerRemainingOpen,
        int attempts,
        Duration elapsed,
        @Nullable Instant failingSince,
        @Nullable RetryRefusal retryRefusal,
        boolean attemptsKnown,
        boolean elapsedKnown) implements Serializable {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code upstream}, {@code cause} or {@code elapsed} is null
     * @throws IllegalArgumentException if {@code upstream} is neither empty nor a name the configuration takes,
     *     {@code upstreamStatus} is neither 0 nor in [100, 599], {@code attempts} is negative, a duration is
     *     negative, {@code attempts} is not 1 while {@code attemptsKnown} is false, or {@code elapsed} is not zero
     *     while {@code elapsedKnown} is false
     */
    public UpstreamFailure {
        requireUpstreamName(upstream);
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(elapsed, "elapsed");
        requireStatus(upstreamStatus);
        requireAttempts(attempts);
        requireNotNegative("upstreamRetryAfter", upstreamRetryAfter);
        requireNotNegative("breakerRemainingOpen", breakerRemainingOpen);
        requireNotNegative("elapsed", elapsed);
        // A count or a time said unknown is the builder's default: any other value would be logged as "-" while
        // attempts() or elapsed() returned it, and code that reads attempts() (a guard telling an inner guard's
        // retries from one attempt) would act on a number nobody counted.
        if (!attemptsKnown && attempts != 1) {
            throw new IllegalArgumentException("attempts must be 1 when attemptsKnown is false, but was " + attempts);
        }
        if (!elapsedKnown && !elapsed.isZero()) {
            throw new IllegalArgumentException("elapsed must be zero when elapsedKnown is false, but was " + elapsed);
        }
    }

    /**
     * A failure whose attempts and elapsed time are both known: the record's components before
     * {@code attemptsKnown} and {@code elapsedKnown}, kept so that code constructing a failure with them still builds
     * and runs. Code that deconstructs one with a record pattern ({@code case UpstreamFailure(var upstream, ...)})
     * names every component, so it must name the two new ones too.
     *
     * @param upstream as the record's
     * @param cause as the record's
     * @param upstreamStatus as the record's
     * @param upstreamRetryAfter as the record's
     * @param breakerRemainingOpen as the record's
     * @param attempts as the record's
     * @param elapsed as the record's
     * @param failingSince as the record's
     * @param retryRefusal as the record's
     * @throws NullPointerException as the canonical constructor does
     * @throws IllegalArgumentException as the canonical constructor does
     */
    public UpstreamFailure(String upstream, FailureCause cause, int upstreamStatus,
            @Nullable Duration upstreamRetryAfter, @Nullable Duration breakerRemainingOpen, int attempts,
            Duration elapsed, @Nullable Instant failingSince, @Nullable RetryRefusal retryRefusal) {
        this(upstream, cause, upstreamStatus, upstreamRetryAfter, breakerRemainingOpen, attempts, elapsed,
                failingSince, retryRefusal, true, true);
    }

    /**
     * A failure with nothing known but its cause.
     *
     * @param cause why the call failed
     * @return a failure of an unnamed upstream, its attempts and elapsed time not known
     * @throws NullPointerException if {@code cause} is null
     */
    public static UpstreamFailure of(FailureCause cause) {
        return builder(cause).build();
    }

    /**
     * A failure for an upstream's well-formed 5xx response (R3).
     *
     * @param status the upstream's status, in [500, 599]
     * @param retryAfter the upstream's parsed {@code Retry-After}, or {@code null}
     * @return a failure with cause {@link FailureCause#UPSTREAM_STATUS}
     * @throws IllegalArgumentException if {@code status} is not in [500, 599]
     */
    public static UpstreamFailure ofUpstreamStatus(int status, @Nullable Duration retryAfter) {
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("status must be in [500, 599], but was " + status);
        }
        return builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(status).upstreamRetryAfter(retryAfter).build();
    }

    /**
     * Starts a builder.
     *
     * @param cause why the call failed
     * @return a new builder; not thread-safe
     * @throws NullPointerException if {@code cause} is null
     */
    public static Builder builder(FailureCause cause) {
        return new Builder(cause);
    }

    /**
     * Returns a builder holding this failure's values.
     *
     * @return a new builder; not thread-safe
     */
    public Builder toBuilder() {
        Builder builder = new Builder(cause)
                .upstream(upstream)
                .upstreamStatus(upstreamStatus)
                .upstreamRetryAfter(upstreamRetryAfter)
                .breakerRemainingOpen(breakerRemainingOpen)
                .failingSince(failingSince)
                .retryRefusal(retryRefusal);
        // Set through the fields: the setters would make what this failure did not know known.
        builder.attempts = attempts;
        builder.attemptsKnown = attemptsKnown;
        builder.elapsed = elapsed;
        builder.elapsedKnown = elapsedKnown;
        return builder;
    }

    /**
     * The name goes into the incident's log line as it is: a CR or LF would split the line in two, the second
     * forged ("error page status=200 ..."), a space or an {@code =} would add a field ("orders attempts=0"). A name the
     * configuration would refuse names no configured upstream, so it is refused here too, from application code and
     * a classifier alike, shown escaped.
     */
    private static String requireUpstreamName(String upstream) {
        Objects.requireNonNull(upstream, "upstream");
        if (!upstream.isEmpty() && !UpstreamNames.isValid(upstream)) {
            throw new IllegalArgumentException("upstream must be empty or " + UpstreamNames.RULE + ", but was "
                    + UpstreamNames.quoted(upstream));
        }
        return upstream;
    }

    private static @Nullable Duration requireNotNegative(String name, @Nullable Duration value) {
        if (value != null && value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, but was " + value);
        }
        return value;
    }

    private static int requireStatus(int upstreamStatus) {
        if (upstreamStatus != 0 && (upstreamStatus < 100 || upstreamStatus > 599)) {
            throw new IllegalArgumentException("upstreamStatus must be 0 or in [100, 599], but was " + upstreamStatus);
        }
        return upstreamStatus;
    }

    private static int requireAttempts(int attempts) {
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, but was " + attempts);
        }
        return attempts;
    }

    /**
     * Builds an {@link UpstreamFailure}. Not thread-safe. Defaults: upstream {@code ""}, status 0,
     * attempts and elapsed time not known (one attempt and zero, {@code attemptsKnown} and {@code elapsedKnown}
     * false, until set), everything else absent.
     */
    public static final class Builder {
        private final FailureCause cause;
        private String upstream = "";
        private int upstreamStatus;
        private @Nullable Duration upstreamRetryAfter;
        private @Nullable Duration breakerRemainingOpen;
        private int attempts = 1;
        private boolean attemptsKnown;
        private Duration elapsed = Duration.ZERO;
        private boolean elapsedKnown;
        private @Nullable Instant failingSince;
        private @Nullable RetryRefusal retryRefusal;

        private Builder(FailureCause cause) {
            this.cause = Objects.requireNonNull(cause, "cause");
        }

        /**
         * @param upstream the configured upstream name, or {@code ""} when unknown (the default): 1 to 64 of
         *     {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit, as the configuration takes it
         * @return this builder
         * @throws NullPointerException if {@code upstream} is null
         * @throws IllegalArgumentException if {@code upstream} is neither empty nor such a name (a space, an
         *     {@code =} or a line break in it would forge the incident's log line); the message shows it in quotes,
         *     a control character escaped
         */
        public Builder upstream(String upstream) {
            this.upstream = requireUpstreamName(upstream);
            return this;
        }

        /**
         * @param upstreamStatus the upstream's status, or 0
         * @return this builder
         * @throws IllegalArgumentException if it is neither 0 nor in [100, 599]
         */
        public Builder upstreamStatus(int upstreamStatus) {
            this.upstreamStatus = requireStatus(upstreamStatus);
            return this;
        }

        /**
         * @param upstreamRetryAfter the upstream's parsed {@code Retry-After}, or {@code null}
         * @return this builder
         * @throws IllegalArgumentException if it is negative
         */
        public Builder upstreamRetryAfter(@Nullable Duration upstreamRetryAfter) {
            this.upstreamRetryAfter = requireNotNegative("upstreamRetryAfter", upstreamRetryAfter);
            return this;
        }

        /**
         * @param breakerRemainingOpen the breaker's remaining open time, or {@code null}
         * @return this builder
         * @throws IllegalArgumentException if it is negative
         */
        public Builder breakerRemainingOpen(@Nullable Duration breakerRemainingOpen) {
            this.breakerRemainingOpen = requireNotNegative("breakerRemainingOpen", breakerRemainingOpen);
            return this;
        }

        /**
         * @param attempts the number of attempts made, which makes it known
         * @return this builder
         * @throws IllegalArgumentException if it is negative
         */
        public Builder attempts(int attempts) {
            this.attempts = requireAttempts(attempts);
            this.attemptsKnown = true;
            return this;
        }

        /**
         * @param elapsed the call's time from its start to its end, the waits between attempts included, which makes
         *     it known
         * @return this builder
         * @throws NullPointerException if {@code elapsed} is null
         * @throws IllegalArgumentException if it is negative
         */
        public Builder elapsed(Duration elapsed) {
            this.elapsed = Objects.requireNonNull(requireNotNegative("elapsed", elapsed), "elapsed");
            this.elapsedKnown = true;
            return this;
        }

        /**
         * @param failingSince since when the upstream fails, or {@code null}
         * @return this builder
         */
        public Builder failingSince(@Nullable Instant failingSince) {
            this.failingSince = failingSince;
            return this;
        }

        /**
         * @param retryRefusal why the last failure was not retried, or {@code null} when no retry was weighed
         * @return this builder
         */
        public Builder retryRefusal(@Nullable RetryRefusal retryRefusal) {
            this.retryRefusal = retryRefusal;
            return this;
        }

        /**
         * @return the failure
         * @throws IllegalArgumentException as {@link UpstreamFailure#UpstreamFailure} does
         */
        public UpstreamFailure build() {
            return new UpstreamFailure(upstream, cause, upstreamStatus, upstreamRetryAfter, breakerRemainingOpen,
                    attempts, elapsed, failingSince, retryRefusal, attemptsKnown, elapsedKnown);
        }
    }
}
