package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.Durations;
import io.github.errorpages.internal.OversizedPorts;
import io.github.errorpages.internal.UpstreamNames;
import io.github.errorpages.internal.UserInfo;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * How one named upstream is called: its endpoints, the deadline and per-attempt timeout, the retry policy
 * and retry budget, and the Resilience4j circuit breaker and bulkhead settings (DESIGN §4, standards R13,
 * R14 and R43–R47).
 *
 * <p>Every setting has a configuration key below {@code upstreams.<name>.}, given in each builder
 * method's javadoc (e.g. {@code upstreams.billing.max-attempts}; the proxy servlet's init-parameters drop the
 * {@code upstreams.<name>.} prefix), and it is named in every validation message together with the rejected
 * value. Prefixed with {@code error-pages.}, it is meant to be the planned Spring Boot starter's property.
 *
 * <p>The defaults are safe: two attempts at most (one retry, RFC 9110 §9.2.2 advises against retrying a
 * retry), idempotent methods only, a retry budget of 10 % of calls, and a retry never waits for an
 * upstream {@code Retry-After} longer than two seconds.
 *
 * <p>Instances are immutable and thread-safe. {@link Builder} is not thread-safe; it validates each value
 * as it is set, checks the values against each other in {@link Builder#build()}, and copies, so a builder
 * reused later cannot change a config built before.
 *
 * @since 0.1.0
 */
public final class UpstreamConfig {

    /** Default for {@code max-attempts}: one retry (R14). */
    public static final int DEFAULT_MAX_ATTEMPTS = 2;
    /** The largest {@code max-attempts} accepted (R14, Google SRE's per-request budget of three attempts). */
    public static final int MAX_MAX_ATTEMPTS = 3;
    /** Default for {@code deadline}: the time all attempts of one call may take together (R45). */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    /** Default for {@code attempt-timeout}: the time one attempt may take until its response is there. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    /** Default for {@code retry.backoff.initial}. */
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofMillis(100);
    /** Default for {@code retry.backoff.multiplier}. */
    public static final double DEFAULT_BACKOFF_MULTIPLIER = 2.0;
    /** Default for {@code retry.backoff.max}. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(1);
    /** Default for {@code retry.backoff.jitter}: each delay is multiplied by a random factor in [0.8, 1.2) (gRPC A6). */
    public static final double DEFAULT_BACKOFF_JITTER = 0.2;
    /** Default for {@code retry.max-honoured-retry-after} (R46). */
    public static final Duration DEFAULT_MAX_HONOURED_RETRY_AFTER = Duration.ofSeconds(2);
    /** Default for {@code retry.statuses}: the upstream statuses that are retried (R43). */
    public static final Set<Integer> DEFAULT_RETRY_STATUSES = Set.of(502, 503, 504);
    /**
     * Default for {@code retry.causes}: connect failures, a connection closed or reset before the response,
     * and timeouts waiting for the response (R43). The two timeouts are retried for GET and HEAD only, whatever
     * this set says (R13).
     */
    public static final Set<FailureCause> DEFAULT_RETRY_CAUSES = Collections.unmodifiableSet(EnumSet.of(
            FailureCause.CONNECTION_REFUSED, FailureCause.CONNECTION_TIMEOUT, FailureCause.DESTINATION_IP_UNROUTABLE,
            FailureCause.DNS_TIMEOUT, FailureCause.CONNECTION_TERMINATED, FailureCause.CONNECTION_READ_TIMEOUT,
            FailureCause.HTTP_RESPONSE_TIMEOUT));
    /** Default for {@code retry-budget.ratio}: retries may add 10 % to the calls (R44). */
    public static final double DEFAULT_RETRY_BUDGET_RATIO = 0.1;
    /** Default for {@code retry-budget.min-retries}: the retries allowed per window however few the calls. */
    public static final int DEFAULT_RETRY_BUDGET_MIN_RETRIES = 10;
    /** Default for {@code retry-budget.window}. */
    public static final Duration DEFAULT_RETRY_BUDGET_WINDOW = Duration.ofSeconds(10);
    /** Default for {@code retry.max-replay-body}: 64 KiB. */
    public static final long DEFAULT_MAX_REPLAY_BODY = 64 * 1024;

    /**
     * The shortest {@code deadline}, {@code attempt-timeout} and {@code min-attempt-timeout}: a nanosecond was taken,
     * and failed every call as the upstream's 504.
     */
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    /** The longest {@code deadline}, {@code attempt-timeout} and {@code min-attempt-timeout}. */
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    /**
     * Causes a retry can never help with: the guard's own refusals and configuration errors. They cannot
     * be put into {@code retry.causes}.
     */
    private static final Set<FailureCause> NEVER_RETRIED = Collections.unmodifiableSet(EnumSet.of(
            FailureCause.DESTINATION_UNAVAILABLE, FailureCause.CONNECTION_LIMIT_REACHED,
            FailureCause.DESTINATION_NOT_FOUND, FailureCause.PROXY_INTERNAL_ERROR, FailureCause.PROXY_LOOP_DETECTED,
            FailureCause.UPSTREAM_STATUS));

    private final String name;
    private final List<URI> endpoints;
    private final int maxAttempts;
    private final Duration deadline;
    private final Duration attemptTimeout;
    private final @Nullable Duration minAttemptTimeout;
    private final Duration backoffInitial;
    private final double backoffMultiplier;
    private final Duration backoffMax;
    private final double backoffJitter;
    private final Duration maxHonouredRetryAfter;
    private final Set<Integer> retryStatuses;
    private final Set<FailureCause> retryCauses;
    private final boolean retryUnsafeNeverSent;
    private final boolean retryUnsafeWithIdempotencyKey;
    private final boolean retryOnProxyStatusError;
    private final boolean retryBudgetEnabled;
    private final double retryBudgetRatio;
    private final int retryBudgetMinRetries;
    private final Duration retryBudgetWindow;
    private final boolean failOn5xx;
    private final long maxReplayBody;
    private final @Nullable CircuitBreakerConfig circuitBreakerConfig;
    private final @Nullable BulkheadConfig bulkheadConfig;
    /** Whether deadline and attempt-timeout were set, not left at their defaults: build() names what was set. */
    private final boolean deadlineSet;
    private final boolean attemptTimeoutSet;

    private UpstreamConfig(Builder b) {
        this.name = b.name;
        this.endpoints = List.copyOf(b.endpoints);
        this.maxAttempts = b.maxAttempts;
        this.deadline = b.deadline;
        this.attemptTimeout = b.attemptTimeout;
        this.minAttemptTimeout = b.minAttemptTimeout;
        this.backoffInitial = b.backoffInitial;
        this.backoffMultiplier = b.backoffMultiplier;
        this.backoffMax = b.backoffMax;
        this.backoffJitter = b.backoffJitter;
        this.maxHonouredRetryAfter = b.maxHonouredRetryAfter;
        this.retryStatuses = Collections.unmodifiableSet(new TreeSet<>(b.retryStatuses));
        this.retryCauses = Collections.unmodifiableSet(b.retryCauses.isEmpty()
                ? EnumSet.noneOf(FailureCause.class) : EnumSet.copyOf(b.retryCauses));
        this.retryUnsafeNeverSent = b.retryUnsafeNeverSent;
        this.retryUnsafeWithIdempotencyKey = b.retryUnsafeWithIdempotencyKey;
        this.retryOnProxyStatusError = b.retryOnProxyStatusError;
        this.retryBudgetEnabled = b.retryBudgetEnabled;
        this.retryBudgetRatio = b.retryBudgetRatio;
        this.retryBudgetMinRetries = b.retryBudgetMinRetries;
        this.retryBudgetWindow = b.retryBudgetWindow;
        this.failOn5xx = b.failOn5xx;
        this.maxReplayBody = b.maxReplayBody;
        this.circuitBreakerConfig = b.circuitBreakerConfig;
        this.bulkheadConfig = b.bulkheadConfig;
        this.deadlineSet = b.deadlineSet;
        this.attemptTimeoutSet = b.attemptTimeoutSet;
    }

    /**
     * Starts a builder holding the defaults.
     *
     * @param name the upstream's name: 1 to 64 of {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit;
     *     it names the circuit breakers, the bulkhead, log lines and metric tags, never a host
     * @return a new builder
     * @throws IllegalArgumentException if {@code name} is not such a name
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * @return a new builder holding this configuration's values
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** @return the upstream's name */
    public String name() {
        return name;
    }

    /** @return the endpoints (base URLs), at least one, in configuration order; unmodifiable */
    public List<URI> endpoints() {
        return endpoints;
    }

    /** @return the most attempts one call makes, the first included, in [1, 3] */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return the time all attempts of one call may take together */
    public Duration deadline() {
        return deadline;
    }

    /** @return the time one attempt may take until the response headers arrive */
    public Duration attemptTimeout() {
        return attemptTimeout;
    }

    /**
     * @return the least time a retry must have left before the deadline to be started; the attempt timeout
     *     unless set lower
     */
    public Duration minAttemptTimeout() {
        return minAttemptTimeout != null ? minAttemptTimeout : attemptTimeout;
    }

    /** @return the base delay before the first retry */
    public Duration backoffInitial() {
        return backoffInitial;
    }

    /** @return the factor by which the base delay grows with each retry */
    public double backoffMultiplier() {
        return backoffMultiplier;
    }

    /** @return the cap of the base delay, before jitter */
    public Duration backoffMax() {
        return backoffMax;
    }

    /** @return the jitter fraction j: each delay is the base delay times a random factor in [1 - j, 1 + j) */
    public double backoffJitter() {
        return backoffJitter;
    }

    /** @return the longest upstream {@code Retry-After} a retry waits for; longer ones fail at once (R46) */
    public Duration maxHonouredRetryAfter() {
        return maxHonouredRetryAfter;
    }

    /** @return the upstream statuses that are retried; unmodifiable, ordered */
    public Set<Integer> retryStatuses() {
        return retryStatuses;
    }

    /** @return the failure causes (other than an upstream status) that are retried; unmodifiable */
    public Set<FailureCause> retryCauses() {
        return retryCauses;
    }

    /**
     * @return whether a non-idempotent request is retried when it provably never reached the upstream
     *     ({@link FailureCause#requestNeverSent()}, R13)
     */
    public boolean isRetryUnsafeNeverSentEnabled() {
        return retryUnsafeNeverSent;
    }

    /** @return whether a non-idempotent request that carries an {@code Idempotency-Key} is retried */
    public boolean isRetryUnsafeWithIdempotencyKeyEnabled() {
        return retryUnsafeWithIdempotencyKey;
    }

    /**
     * @return whether a response whose {@code Proxy-Status} carries an error (another gateway already gave
     *     up) is retried anyway (R47)
     */
    public boolean isRetryOnProxyStatusErrorEnabled() {
        return retryOnProxyStatusError;
    }

    /** @return whether retries are limited by the retry budget (R44) */
    public boolean isRetryBudgetEnabled() {
        return retryBudgetEnabled;
    }

    /** @return the retries allowed per call within the budget window, e.g. 0.1 */
    public double retryBudgetRatio() {
        return retryBudgetRatio;
    }

    /** @return the retries allowed within the budget window however few the calls */
    public int retryBudgetMinRetries() {
        return retryBudgetMinRetries;
    }

    /** @return the sliding window over which the retry budget counts calls and retries */
    public Duration retryBudgetWindow() {
        return retryBudgetWindow;
    }

    /** @return whether an upstream 5xx response is a failure (retried, counted by the breaker, thrown) */
    public boolean isFailOn5xxEnabled() {
        return failOn5xx;
    }

    /** @return the largest request body, in bytes, that is buffered so that it can be sent again */
    public long maxReplayBody() {
        return maxReplayBody;
    }

    /**
     * @return the circuit breaker settings for the endpoints, or empty for the registry's default (or the
     *     guard's default, {@link UpstreamGuard#DEFAULT_CIRCUIT_BREAKER_CONFIG}, when the guard makes the
     *     registry)
     */
    public Optional<CircuitBreakerConfig> circuitBreakerConfig() {
        return Optional.ofNullable(circuitBreakerConfig);
    }

    /**
     * @return the bulkhead settings, or empty for the registry's default (or
     *     {@link UpstreamGuard#DEFAULT_BULKHEAD_CONFIG} when the guard makes the registry)
     */
    public Optional<BulkheadConfig> bulkheadConfig() {
        return Optional.ofNullable(bulkheadConfig);
    }

    /**
     * Refuses a bulkhead whose {@code maxWaitDuration} could keep a call waiting past its deadline (R45): Resilience4j
     * waits the whole of it when no permit is free, with no bound a call could set, and the guard looks at the time
     * left only afterwards. So the wait may be no longer than an attempt needs ({@code min-attempt-timeout}, at most
     * half the deadline, as {@link GuardedCall} counts a first attempt's need): a first attempt still has what it
     * needs after the longest wait, and a retry, started only with {@code min-attempt-timeout} left, ends its wait by
     * the deadline. Half the deadline is taken in whole milliseconds, rounded down (7ms of a 15ms deadline): a bound
     * of 7.5ms was shown in ISO-8601 ({@code PT0.0075S}) to someone who writes {@code 15ms}, and Resilience4j waits
     * whole milliseconds anyway, so a wait of 7.5ms was one of 7ms.
     *
     * @param bulkhead the settings of the bulkhead the guard takes
     * @param whose said after the key, where the settings are not this configuration's own ({@code " (the bulkhead
     *     registry's)"}); empty when they are
     * @throws IllegalArgumentException if the bulkhead's {@code maxWaitDuration} is longer; the message names the key,
     *     its value and the keys the longest wait comes from
     */
    void checkBulkheadWait(BulkheadConfig bulkhead, String whose) {
        Duration wait = bulkhead.getMaxWaitDuration();
        Duration halfDeadline = Duration.ofMillis(deadline.toMillis() / 2);
        Duration longest = minAttemptTimeout().compareTo(halfDeadline) < 0 ? minAttemptTimeout() : halfDeadline;
        if (wait.compareTo(longest) > 0) {
            String prefix = "upstreams." + name + ".";
            throw ConfigurationErrors.invalid(prefix + "bulkhead.maxWaitDuration" + whose, wait, "must be at most "
                    + Durations.shown(longest) + ", what an attempt needs (" + prefix + "min-attempt-timeout, "
                    + Durations.shown(minAttemptTimeout())
                    + (minAttemptTimeout == null ? " as the attempt timeout" : "")
                    + ", but no more than half of " + prefix + "deadline, " + Durations.shown(deadline)
                    + (deadlineSet ? "" : ", the default")
                    + "): a longer wait could hold a call past its deadline");
        }
    }

    @Override
    public String toString() {
        return "UpstreamConfig{name=" + name + ", endpoints=" + endpoints.size() + ", maxAttempts=" + maxAttempts
                + ", deadline=" + Durations.shown(deadline) + ", attemptTimeout=" + Durations.shown(attemptTimeout)
                + ", minAttemptTimeout=" + Durations.shown(minAttemptTimeout()) + ", backoff="
                + Durations.shown(backoffInitial) + "*" + backoffMultiplier + "^n<=" + Durations.shown(backoffMax)
                + "±" + backoffJitter + ", maxHonouredRetryAfter=" + Durations.shown(maxHonouredRetryAfter)
                + ", retryStatuses=" + retryStatuses + ", retryCauses=" + retryCauses + ", retryUnsafeNeverSent="
                + retryUnsafeNeverSent + ", retryUnsafeWithIdempotencyKey=" + retryUnsafeWithIdempotencyKey
                + ", retryOnProxyStatusError=" + retryOnProxyStatusError + ", retryBudget=" + (retryBudgetEnabled
                ? retryBudgetRatio + " min " + retryBudgetMinRetries + " per " + Durations.shown(retryBudgetWindow)
                : "off") + ", failOn5xx=" + failOn5xx
                + ", maxReplayBody=" + maxReplayBody + '}';
    }

    /**
     * Builds an {@link UpstreamConfig}. Not thread-safe. Each method checks its value at once and throws
     * {@link IllegalArgumentException} naming the configuration key and the rejected value.
     */
    public static final class Builder {
        private final String name;
        private final List<URI> endpoints = new ArrayList<>();
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration deadline = DEFAULT_DEADLINE;
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private @Nullable Duration minAttemptTimeout;
        private Duration backoffInitial = DEFAULT_BACKOFF_INITIAL;
        private double backoffMultiplier = DEFAULT_BACKOFF_MULTIPLIER;
        private Duration backoffMax = DEFAULT_BACKOFF_MAX;
        private double backoffJitter = DEFAULT_BACKOFF_JITTER;
        private Duration maxHonouredRetryAfter = DEFAULT_MAX_HONOURED_RETRY_AFTER;
        private Set<Integer> retryStatuses = new TreeSet<>(DEFAULT_RETRY_STATUSES);
        private Set<FailureCause> retryCauses = EnumSet.copyOf(DEFAULT_RETRY_CAUSES);
        private boolean retryUnsafeNeverSent;
        private boolean retryUnsafeWithIdempotencyKey;
        private boolean retryOnProxyStatusError;
        private boolean retryBudgetEnabled = true;
        private double retryBudgetRatio = DEFAULT_RETRY_BUDGET_RATIO;
        private int retryBudgetMinRetries = DEFAULT_RETRY_BUDGET_MIN_RETRIES;
        private Duration retryBudgetWindow = DEFAULT_RETRY_BUDGET_WINDOW;
        private boolean failOn5xx = true;
        private long maxReplayBody = DEFAULT_MAX_REPLAY_BODY;
        private @Nullable CircuitBreakerConfig circuitBreakerConfig;
        private @Nullable BulkheadConfig bulkheadConfig;
        private boolean deadlineSet;
        private boolean attemptTimeoutSet;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (!UpstreamNames.isValid(name)) {
                throw new IllegalArgumentException("Invalid error-pages configuration: upstreams.<name> must be "
                        + UpstreamNames.RULE + ", but was " + UpstreamNames.quoted(name));
            }
            this.name = name;
        }

        private Builder(UpstreamConfig c) {
            this.name = c.name;
            this.endpoints.addAll(c.endpoints);
            this.maxAttempts = c.maxAttempts;
            this.deadline = c.deadline;
            this.attemptTimeout = c.attemptTimeout;
            this.minAttemptTimeout = c.minAttemptTimeout;
            this.backoffInitial = c.backoffInitial;
            this.backoffMultiplier = c.backoffMultiplier;
            this.backoffMax = c.backoffMax;
            this.backoffJitter = c.backoffJitter;
            this.maxHonouredRetryAfter = c.maxHonouredRetryAfter;
            this.retryStatuses = new TreeSet<>(c.retryStatuses);
            this.retryCauses = c.retryCauses.isEmpty() ? EnumSet.noneOf(FailureCause.class) : EnumSet.copyOf(c.retryCauses);
            this.retryUnsafeNeverSent = c.retryUnsafeNeverSent;
            this.retryUnsafeWithIdempotencyKey = c.retryUnsafeWithIdempotencyKey;
            this.retryOnProxyStatusError = c.retryOnProxyStatusError;
            this.retryBudgetEnabled = c.retryBudgetEnabled;
            this.retryBudgetRatio = c.retryBudgetRatio;
            this.retryBudgetMinRetries = c.retryBudgetMinRetries;
            this.retryBudgetWindow = c.retryBudgetWindow;
            this.failOn5xx = c.failOn5xx;
            this.maxReplayBody = c.maxReplayBody;
            this.circuitBreakerConfig = c.circuitBreakerConfig;
            this.bulkheadConfig = c.bulkheadConfig;
            this.deadlineSet = c.deadlineSet;
            this.attemptTimeoutSet = c.attemptTimeoutSet;
        }

        /**
         * Sets the endpoints (key {@code endpoints}): base URLs such as {@code http://10.0.0.7:8080} or
         * {@code https://billing.internal/api}. Each attempt sends the request's path and query to one of
         * them, after the endpoint's own path. Required; no default. Calls go round-robin to the endpoints whose
         * circuit breaker admits them: every endpoint takes calls, the first listed is no primary that the others
         * only back up. A retry goes to an endpoint the call has not tried yet, if one admits it, else to one it
         * tried; a {@code Retry-After} holds for the endpoint that sent it ({@link #maxHonouredRetryAfter(Duration)}).
         *
         * @param endpoints absolute {@code http} or {@code https} URLs with a host, a port (if any) from 1 to 65535,
         *     and no query, fragment or user info; at least one, no server twice whatever the paths (the scheme and
         *     host are compared without case, the scheme's default port is the same as none, a host name's trailing
         *     dot is ignored, and an IPv6 address is the same however written)
         * @return this builder
         * @throws IllegalArgumentException if the list is empty or an endpoint is not such a URL or names the server
         *     of another
         */
        public Builder endpoints(List<URI> endpoints) {
            Objects.requireNonNull(endpoints, "endpoints");
            String key = key("endpoints");
            if (endpoints.isEmpty()) {
                throw invalid(key, endpoints, "must name at least one base URL");
            }
            List<URI> normalized = new ArrayList<>();
            Set<String> servers = new HashSet<>();
            for (URI endpoint : endpoints) {
                URI uri = normalize(key, Objects.requireNonNull(endpoint, "endpoint"));
                // A server, whatever the path: two breakers for one server, and a failover that goes back to it.
                if (!servers.add(serverOf(uri))) {
                    throw invalid(key, endpoint, "must not name a server twice");
                }
                normalized.add(uri);
            }
            this.endpoints.clear();
            this.endpoints.addAll(normalized);
            return this;
        }

        /**
         * Sets the endpoints; see {@link #endpoints(List)}.
         *
         * @param endpoints at least one base URL
         * @return this builder
         * @throws NullPointerException if {@code endpoints} or an element is null
         * @throws IllegalArgumentException as {@link #endpoints(List)} does
         */
        public Builder endpoints(URI... endpoints) {
            return endpoints(Arrays.asList(Objects.requireNonNull(endpoints, "endpoints")));
        }

        /**
         * Sets the most attempts of one call, the first one included (key {@code max-attempts}). Default
         * {@value UpstreamConfig#DEFAULT_MAX_ATTEMPTS}; 1 turns retries off.
         *
         * @param maxAttempts in [1, {@value UpstreamConfig#MAX_MAX_ATTEMPTS}]
         * @return this builder
         * @throws IllegalArgumentException if {@code maxAttempts} is outside [1, 3] (R14)
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
                throw invalid(key("max-attempts"), maxAttempts, "must be between 1 and " + MAX_MAX_ATTEMPTS
                        + " (retrying a retry multiplies the load on a failing upstream)");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the time all attempts of one call may take together, backoff included (key
         * {@code deadline}, R45). Default 30 s.
         *
         * @param deadline at least a millisecond, at most one hour
         * @return this builder
         * @throws IllegalArgumentException if {@code deadline} is shorter than a millisecond or longer than an hour
         */
        public Builder deadline(Duration deadline) {
            this.deadline = timeout("deadline", deadline);
            this.deadlineSet = true;
            return this;
        }

        /**
         * Sets the time one attempt may take until the upstream's response is there (key {@code attempt-timeout}):
         * its headers, and with {@link GuardedHttpClient} a body the handler reads whole ({@code ofString()}); a
         * body streamed to the caller is not bounded once handed over. The last attempt gets less when the
         * deadline is nearer. Default 10 s.
         *
         * @param attemptTimeout at least a millisecond, at most the deadline (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code attemptTimeout} is shorter than a millisecond or longer than an
         *     hour
         */
        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = timeout("attempt-timeout", attemptTimeout);
            this.attemptTimeoutSet = true;
            return this;
        }

        /**
         * Sets the least time a retry must still have before the deadline, after its backoff, to be started
         * at all (key {@code min-attempt-timeout}, R45). Default: the attempt timeout, so that a retry always
         * gets a full attempt.
         *
         * @param minAttemptTimeout at least a millisecond, at most the attempt timeout (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code minAttemptTimeout} is shorter than a millisecond or longer than
         *     an hour
         */
        public Builder minAttemptTimeout(Duration minAttemptTimeout) {
            this.minAttemptTimeout = timeout("min-attempt-timeout", minAttemptTimeout);
            return this;
        }

        /**
         * Sets the exponential backoff before retries (keys {@code retry.backoff.initial},
         * {@code retry.backoff.multiplier}, {@code retry.backoff.max}, {@code retry.backoff.jitter}). The
         * delay before retry k (k = 1 for the first retry) is
         * {@code min(initial * multiplier^(k-1), max) * f} with f uniformly random in
         * {@code [1 - jitter, 1 + jitter)} (R43, gRPC A6). An upstream {@code Retry-After} is a floor on top
         * of it. Defaults 100 ms, 2.0, 1 s and 0.2.
         *
         * @param initial the first base delay, in [1 ms, 1 min]
         * @param multiplier in [1, 10]
         * @param max the cap of the base delay, in [initial, 1 min]
         * @param jitter in [0, 1)
         * @return this builder
         * @throws IllegalArgumentException if a value is outside its range
         */
        public Builder backoff(Duration initial, double multiplier, Duration max, double jitter) {
            Duration i = positive("retry.backoff.initial", initial, Duration.ofMinutes(1));
            if (i.compareTo(Duration.ofMillis(1)) < 0) {
                throw invalid(key("retry.backoff.initial"), initial, "must be at least 1ms");
            }
            if (!(multiplier >= 1.0 && multiplier <= 10.0)) {
                throw invalid(key("retry.backoff.multiplier"), multiplier, "must be between 1 and 10");
            }
            Duration m = positive("retry.backoff.max", max, Duration.ofMinutes(1));
            if (m.compareTo(i) < 0) {
                throw invalid(key("retry.backoff.max"), max, "must not be shorter than " + key("retry.backoff.initial")
                        + " (" + Durations.shown(i) + ")");
            }
            if (!(jitter >= 0.0 && jitter < 1.0)) {
                throw invalid(key("retry.backoff.jitter"), jitter, "must be at least 0 and below 1");
            }
            this.backoffInitial = i;
            this.backoffMultiplier = multiplier;
            this.backoffMax = m;
            this.backoffJitter = jitter;
            return this;
        }

        /**
         * Sets the longest upstream {@code Retry-After} a retry waits for (key
         * {@code retry.max-honoured-retry-after}, R46). A longer one means no retry: the call fails at once
         * and the failure carries the upstream's value, so the client is told. Default 2 s.
         *
         * <p>With several endpoints a {@code Retry-After} is the pushback of the endpoint that sent it: a retry that
         * can go to an endpoint the call has not tried, and that is not pushing back itself (by a {@code Retry-After}
         * the guard's other calls got from it), goes there after its usual backoff, neither waiting for the
         * {@code Retry-After} nor failing on it. Once no such endpoint admits the retry, the retry's floor is the
         * soonest end of the waits the endpoints the call tried still ask for (of those whose breakers may admit it by
         * then, else the longest), and fails the call when longer than {@code max}; the retry then goes to no endpoint
         * that is still pushing back, tried or not (one the guard's other calls were told of too): no endpoint is
         * called again sooner than it asked, and the endpoint whose wait ended comes before one that asked to be left
         * alone longer.
         * When the endpoint the retry was to go to past a {@code Retry-After} stops admitting it before it starts (its
         * breaker opened, or it began pushing back), the retry waits for that floor then, and goes to an endpoint that
         * is not pushing back, as the same attempt with the retry budget it took; the call fails when it starts only
         * when the floor is longer than {@code max} ({@code RETRY_AFTER_TOO_LONG}), the floor and a minimum attempt
         * overrun the deadline ({@code DEADLINE}), or no breaker may admit the retry by the floor's end
         * ({@code BREAKER_OPEN}).
         * A call that then ends without a success, whatever its later attempts failed with, reports the failure of the
         * endpoint still pushing back (its status, cause and what is left of its {@code Retry-After}; of several, the
         * one that ends soonest), so that the client learns when the service will be back; the failure's
         * {@code retryRefusal} stays why the last attempt was not retried. Only a last attempt that failed for a reason of its own that no retry helps is reported as it is: a
         * forwarding loop, a status or cause not retried, a gateway past the upstream or an inner guard that gave up
         * ({@code PROXY_LOOP_DETECTED}, {@code NOT_RETRYABLE}, {@code UPSTREAM_GATEWAY_GAVE_UP},
         * {@code INNER_GUARD_GAVE_UP}). The guard's other calls, too, go to an endpoint that admits them before one
         * still pushing back, until its {@code Retry-After} ends, it answers a call that started after it sent that, or
         * its breaker is reset ({@code CircuitBreaker.reset()}).
         *
         * @param max zero (never wait for one) up to one minute
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is negative or longer than a minute
         */
        public Builder maxHonouredRetryAfter(Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.isNegative() || max.compareTo(Duration.ofMinutes(1)) > 0) {
                throw invalid(key("retry.max-honoured-retry-after"), max, "must be between 0s and 60s");
            }
            this.maxHonouredRetryAfter = max;
            return this;
        }

        /**
         * Sets the upstream statuses that are retried (key {@code retry.statuses}). Default 502, 503, 504.
         *
         * @param statuses statuses in [500, 599]; may be empty
         * @return this builder
         * @throws IllegalArgumentException if a status is not in [500, 599]
         */
        public Builder retryStatuses(Set<Integer> statuses) {
            Objects.requireNonNull(statuses, "statuses");
            for (Integer status : statuses) {
                if (status == null || status < 500 || status > 599) {
                    throw invalid(key("retry.statuses"), statuses, "must hold only 5xx statuses (500-599)");
                }
            }
            this.retryStatuses = new TreeSet<>(statuses);
            return this;
        }

        /**
         * Sets the failure causes, other than an upstream status, that are retried (key {@code retry.causes}).
         * Default {@link UpstreamConfig#DEFAULT_RETRY_CAUSES}. Whatever the set, a read or response timeout is
         * retried for GET and HEAD only, and a cause after which the request may have reached the upstream is
         * retried for idempotent requests only (R13).
         *
         * @param causes the causes; may be empty
         * @return this builder
         * @throws IllegalArgumentException if a cause is one no retry can help with: {@code upstream_status}
         *     (see {@link #retryStatuses(Set)}), {@code destination_unavailable}, {@code connection_limit_reached},
         *     {@code destination_not_found}, {@code proxy_internal_error} or {@code proxy_loop_detected}
         */
        public Builder retryCauses(Set<FailureCause> causes) {
            Objects.requireNonNull(causes, "causes");
            for (FailureCause cause : causes) {
                if (NEVER_RETRIED.contains(Objects.requireNonNull(cause, "cause"))) {
                    throw invalid(key("retry.causes"), cause.token(), "must not hold a cause no retry can help with");
                }
            }
            this.retryCauses = causes.isEmpty() ? EnumSet.noneOf(FailureCause.class) : EnumSet.copyOf(causes);
            return this;
        }

        /**
         * Whether a non-idempotent request (POST, PATCH, …) is retried when it provably never reached the
         * upstream and its cause is one of the {@link #retryCauses(Set) retried causes}: by default a connection
         * refused or timed out, an unroutable address, a DNS timeout; a DNS error or failed TLS handshake only when
         * added to them (key {@code retry.on-connect-failure-for-unsafe}, R13). Default {@code false}.
         *
         * @param enabled whether to retry
         * @return this builder
         */
        public Builder retryUnsafeNeverSentEnabled(boolean enabled) {
            this.retryUnsafeNeverSent = enabled;
            return this;
        }

        /**
         * Whether a non-idempotent request that carries an {@code Idempotency-Key} header is retried like an
         * idempotent one (key {@code retry.with-idempotency-key}). Only enable it when the upstream honours the
         * key. A blank key (empty, white space, or an empty quoted string) counts as none. Default {@code false}.
         *
         * @param enabled whether to retry
         * @return this builder
         */
        public Builder retryUnsafeWithIdempotencyKeyEnabled(boolean enabled) {
            this.retryUnsafeWithIdempotencyKey = enabled;
            return this;
        }

        /**
         * Whether a 5xx response whose {@code Proxy-Status} header carries an {@code error} (another gateway
         * already gave up, and may already have retried) is retried anyway (key
         * {@code retry.on-proxy-status-error}, R47). Default {@code false}: retry at one layer only.
         *
         * @param enabled whether to retry
         * @return this builder
         */
        public Builder retryOnProxyStatusErrorEnabled(boolean enabled) {
            this.retryOnProxyStatusError = enabled;
            return this;
        }

        /**
         * Sets the retry budget (keys {@code retry-budget.enabled}, {@code retry-budget.ratio},
         * {@code retry-budget.min-retries}, {@code retry-budget.window}, R44): within the sliding window,
         * the retries of all calls together stay at or below {@code max(minRetries, ratio * calls)}, so a
         * failing upstream gets at most {@code ratio} more load, not {@code max-attempts} times the load, while a
         * quiet upstream can still retry. Defaults: on, 0.1, 10 and 10 s.
         *
         * @param enabled whether retries are limited by the budget
         * @param ratio in (0, 1]
         * @param minRetries in [0, 1000000]
         * @param window in [1 s, 10 min]
         * @return this builder
         * @throws IllegalArgumentException if a value is outside its range
         */
        public Builder retryBudget(boolean enabled, double ratio, int minRetries, Duration window) {
            if (!(ratio > 0.0 && ratio <= 1.0)) {
                throw invalid(key("retry-budget.ratio"), ratio, "must be above 0 and at most 1");
            }
            if (minRetries < 0 || minRetries > 1_000_000) {
                throw invalid(key("retry-budget.min-retries"), minRetries, "must be between 0 and 1000000");
            }
            Duration w = positive("retry-budget.window", window, Duration.ofMinutes(10));
            if (w.compareTo(Duration.ofSeconds(1)) < 0) {
                throw invalid(key("retry-budget.window"), window, "must be at least 1s");
            }
            this.retryBudgetEnabled = enabled;
            this.retryBudgetRatio = ratio;
            this.retryBudgetMinRetries = minRetries;
            this.retryBudgetWindow = w;
            return this;
        }

        /**
         * Turns the retry budget off or on, keeping its other settings (key {@code retry-budget.enabled}).
         *
         * @param enabled whether retries are limited by the budget
         * @return this builder
         */
        public Builder retryBudgetEnabled(boolean enabled) {
            this.retryBudgetEnabled = enabled;
            return this;
        }

        /**
         * Whether an upstream 5xx response is a failure (key {@code fail-on-5xx}): retried when its status is
         * retryable, counted by the circuit breaker, and in the end thrown as an
         * {@link io.github.errorpages.UpstreamFailureException} (its body discarded) so that the branded page
         * replaces it. When {@code false}, a 5xx response is returned to the caller like any other, and a
         * client's exception for one (HttpURLConnection's "Server returned HTTP response code: 503 ...") is
         * thrown on to the caller as a success: not retried, not counted by the breaker. Default {@code true}.
         *
         * @param enabled whether 5xx responses are failures
         * @return this builder
         */
        public Builder failOn5xxEnabled(boolean enabled) {
            this.failOn5xx = enabled;
            return this;
        }

        /**
         * Sets the largest request body that {@link GuardedHttpClient} buffers so that it can send it again
         * (key {@code retry.max-replay-body}). A larger body, or one of unknown length, is never buffered: such
         * a request is retried only if its body was never read. Default 64 KiB.
         *
         * @param bytes in [0, 16 MiB]; 0 buffers nothing
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is outside [0, 16 MiB]
         */
        public Builder maxReplayBody(long bytes) {
            if (bytes < 0 || bytes > 16L * 1024 * 1024) {
                throw invalid(key("retry.max-replay-body"), bytes, "must be between 0 and 16777216 bytes");
            }
            this.maxReplayBody = bytes;
            return this;
        }

        /**
         * Sets the Resilience4j circuit breaker settings for this upstream's endpoints (key
         * {@code circuit-breaker}). A breaker that already exists in the registry under the endpoint's name
         * keeps its own settings. Default: the registry's default configuration. Settings that name exceptions must
         * record or ignore {@link io.github.errorpages.UpstreamFailureException}, with which the guard reports an
         * upstream's 5xx answers: {@link UpstreamGuard.Builder#build()} refuses others, as Resilience4j would count
         * those failures as successful calls.
         *
         * @param config the settings
         * @return this builder
         */
        public Builder circuitBreakerConfig(CircuitBreakerConfig config) {
            this.circuitBreakerConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Sets the Resilience4j bulkhead settings for this upstream (key {@code bulkhead}). Its
         * {@code maxWaitDuration} should stay zero, or short: a full bulkhead fails the call with 503
         * {@code connection_limit_reached} rather than queueing it. A wait counts against the deadline: an attempt
         * it leaves with less than it needs ({@code min-attempt-timeout}, for a first attempt at most half the
         * deadline) is not started, and the call fails as the full bulkhead would have failed it (a retry: as its
         * last attempt did). Resilience4j waits the whole {@code maxWaitDuration} whatever is left of the deadline,
         * so {@link #build()} refuses one longer than that need ({@code min-attempt-timeout}, at most half the
         * deadline): no wait then holds a call past its deadline (R45), though a wait that leaves too little for an
         * attempt still runs to its end before the call fails. A wait blocks the thread that starts the attempt, also
         * for an asynchronous call (the caller's for a first attempt, the guard's executor's for a retry): with one,
         * give the guard an executor whose threads may block ({@link UpstreamGuard.Builder#executor}). Default: the
         * registry's default configuration (no wait).
         *
         * @param config the settings, with at least one call in flight
         * @return this builder
         * @throws IllegalArgumentException if its {@code maxConcurrentCalls} is 0, which would refuse every call
         *     as {@code connection_limit_reached}
         */
        public Builder bulkheadConfig(BulkheadConfig config) {
            Objects.requireNonNull(config, "config");
            if (config.getMaxConcurrentCalls() < 1) {
                throw invalid(key("bulkhead") + ".maxConcurrentCalls", config.getMaxConcurrentCalls(),
                        "must be at least 1 (a bulkhead of 0 refuses every call)");
            }
            this.bulkheadConfig = config;
            return this;
        }

        /**
         * Checks the values against each other and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException if no endpoint is set, the attempt timeout exceeds the deadline,
         *     the minimum attempt timeout exceeds the attempt timeout, or the bulkhead's {@code maxWaitDuration}
         *     exceeds the minimum attempt timeout or half the deadline ({@link #bulkheadConfig(BulkheadConfig)}).
         *     The message names the key that was set and its value, and the other key with its value (marked as
         *     the default when it was not set): a deadline set shorter than the default attempt timeout names
         *     {@code deadline}, not {@code attempt-timeout}
         */
        public UpstreamConfig build() {
            if (endpoints.isEmpty()) {
                throw invalid(key("endpoints"), "[]", "must name at least one base URL");
            }
            if (attemptTimeout.compareTo(deadline) > 0) {
                // Only a value that was set can be wrong: the defaults fit each other.
                if (attemptTimeoutSet) {
                    throw invalid(key("attempt-timeout"), attemptTimeout,
                            "must not exceed " + key("deadline") + " (" + valueOf(deadline, deadlineSet) + ")");
                }
                throw invalid(key("deadline"), deadline, "must not be shorter than " + key("attempt-timeout") + " ("
                        + valueOf(attemptTimeout, false) + "; set it shorter too)");
            }
            if (minAttemptTimeout != null && minAttemptTimeout.compareTo(attemptTimeout) > 0) {
                throw invalid(key("min-attempt-timeout"), minAttemptTimeout,
                        "must not exceed " + key("attempt-timeout") + " (" + valueOf(attemptTimeout, attemptTimeoutSet)
                                + ")");
            }
            UpstreamConfig config = new UpstreamConfig(this);
            if (bulkheadConfig != null) {
                config.checkBulkheadWait(bulkheadConfig, "");
            }
            return config;
        }

        private static String valueOf(Duration value, boolean set) {
            return Durations.shown(value) + (set ? "" : ", the default");
        }

        private String key(String suffix) {
            return "upstreams." + name + "." + suffix;
        }

        /**
         * A deadline or timeout: at least a millisecond, at most an hour. Shorter, every call failed: a deadline gone
         * by before the first attempt began, a 504 that the upstream's breaker counted, until it opened. The clients
         * count whole milliseconds too (the servlet's connect timeout has the same floor).
         */
        private Duration timeout(String suffix, Duration value) {
            Objects.requireNonNull(value, suffix);
            if (value.compareTo(MIN_TIMEOUT) < 0 || value.compareTo(MAX_TIMEOUT) > 0) {
                throw invalid(key(suffix), value, "must be at least 1ms and at most " + Durations.shown(MAX_TIMEOUT));
            }
            return value;
        }

        private Duration positive(String suffix, Duration value, Duration max) {
            Objects.requireNonNull(value, suffix);
            if (value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
                throw invalid(key(suffix), value, "must be positive and at most " + Durations.shown(max));
            }
            return value;
        }

        private static URI normalize(String key, URI written) {
            // A port too long for an int read as one out of range: java.net.URI reads no host then, and such an
            // endpoint was refused as one without a host, where :99999 gets the port's own message.
            URI endpoint = written.getHost() == null ? portsReadable(written) : written;
            String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!endpoint.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null
                    || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null
                    || endpoint.getRawUserInfo() != null) {
                throw invalid(key, UserInfo.masked(written.toString()), "must hold absolute http or https URLs with "
                        + "a host and no query, fragment or user info");
            }
            int port = endpoint.getPort();
            if (port == 0 || port > 65535) {
                // java.net.URI takes any number; the HTTP clients would refuse it on every request.
                throw invalid(key, written, "must hold ports from 1 to 65535");
            }
            String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            // One spelling per server, so that a repeat is seen: http://H:80 is http://h (RFC 3986 §6.2.3).
            boolean defaultPort = port == -1 || port == (scheme.equals("https") ? 443 : 80);
            // Not an IPv6 literal's zone: it names an interface, whose name the JDK looks up with its case.
            String host = endpoint.getHost();
            int zone = host.startsWith("[") ? host.indexOf('%') : -1;
            host = zone < 0 ? host.toLowerCase(Locale.ROOT)
                    : host.substring(0, zone).toLowerCase(Locale.ROOT) + host.substring(zone);
            return URI.create(scheme + "://" + host + (defaultPort ? "" : ":" + port) + path);
        }

        /** @return the endpoint with a port past an int's range written as 65536 ({@link OversizedPorts}) */
        private static URI portsReadable(URI endpoint) {
            String readable = OversizedPorts.readable(endpoint.toString());
            if (readable.equals(endpoint.toString())) {
                return endpoint;
            }
            try {
                return new URI(readable);
            } catch (URISyntaxException stillMalformed) {
                return endpoint;
            }
        }

        /**
         * @param endpoint a normalised endpoint
         * @return its server: scheme, host and port, the host without a trailing dot (the same name, absolute), an
         *     IPv6 literal in one spelling ({@code [::1]} is {@code [0:0:0:0:0:0:0:1]}); no name is looked up
         */
        private static String serverOf(URI endpoint) {
            String host = endpoint.getHost();
            if (host.startsWith("[")) {
                String literal = host.substring(1, host.length() - 1);
                // The zone apart (RFC 6874 writes its "%" as "%25"): InetAddress looks a zone up among the machine's
                // interfaces, and the same two endpoints were refused on one machine and taken on another.
                int percent = literal.indexOf('%');
                String zone = "";
                if (percent >= 0) {
                    zone = literal.substring(literal.startsWith("%25", percent) ? percent + 3 : percent + 1);
                    literal = literal.substring(0, percent);
                }
                try {
                    host = InetAddress.getByName(literal).getHostAddress() + (zone.isEmpty() ? "" : "%" + zone);
                } catch (UnknownHostException notALiteral) {
                    // java.net.URI checked the literal: kept as written
                }
            } else if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            return endpoint.getScheme() + "://" + host + ":" + endpoint.getPort();
        }

        private static IllegalArgumentException invalid(String key, Object value, String rule) {
            return ConfigurationErrors.invalid(key, value, rule);
        }
    }
}
