package io.github.errorpages.upstream;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.Causes;
import io.github.errorpages.upstream.internal.Backoff;
import io.github.errorpages.upstream.internal.CallsFailedBeforeAnyAttempt;
import io.github.errorpages.upstream.internal.OpenStateTracker;
import io.github.errorpages.upstream.internal.RetryBudget;
import io.github.errorpages.upstream.internal.SharedTimerStart;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.core.EventConsumer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the calls to one named upstream: one instance per upstream, shared by all threads for the life
 * of the application.
 *
 * <p><b>Composition.</b> Each call is {@code Retry(CircuitBreaker(Bulkhead(attempt)))} under one deadline:
 * <ol>
 *   <li>The <b>retry</b> policy (this class) makes up to {@code max-attempts} attempts within the call's
 *       {@code deadline}, each bounded by the {@code attempt-timeout}. It retries only what is safe and
 *       useful (R13, R43): a retryable cause or upstream status; an idempotent method, or a non-idempotent
 *       one that provably never left or carries an {@code Idempotency-Key} (each opt-in); a read timeout
 *       only for GET and HEAD; a body that can be sent again; never a response whose {@code Proxy-Status}
 *       shows that another gateway already gave up (R47). It waits a capped exponential backoff with jitter,
 *       and at least the upstream's {@code Retry-After}; a longer {@code Retry-After} than
 *       {@code retry.max-honoured-retry-after}, or one beyond the deadline, fails the call at once with the
 *       value passed on (R46). A retry is started only when a minimum attempt still fits the deadline (R45),
 *       an endpoint may admit it, and the upstream's retry budget allows it (R44).</li>
 *   <li>One Resilience4j <b>circuit breaker per endpoint</b> (from a {@link CircuitBreakerRegistry} that
 *       may be the application's) sees every attempt. It counts upstream failures, 5xx responses included,
 *       but not 4xx responses, client aborts, local refusals or bugs. Settings that name exceptions
 *       ({@code recordExceptions}, {@code ignoreExceptions}) decide among those failures, but none counts as a
 *       success: the guard refuses settings that neither record nor ignore an {@link UpstreamFailureException}
 *       (with which it reports a 5xx answer, and a failure whose exception they name neither way, which
 *       Resilience4j would count as a successful call). Attempts go round-robin to the
 *       endpoints whose breaker admits them, and a retry goes to an endpoint the call has not tried yet when
 *       there is one (nginx's {@code proxy_next_upstream}). Only when no endpoint admits a call does it fail
 *       at once, without any upstream call, with 503 {@code destination_unavailable} and the time until the
 *       first breaker admits calls again ({@link io.github.errorpages.UpstreamFailure#breakerRemainingOpen()}), or
 *       until the first endpoint both admits calls and stops pushing back by a {@code Retry-After}, when later.
 *       A caller that streams the response body after the call can have the breaker judge the call by the
 *       body too ({@link ResponseAdapter#awaitBody}, {@link BodyOutcome}), as the reverse proxy does. A half-open
 *       breaker's trial call whose asynchronous caller leaves runs on to its outcome, which the breaker judges
 *       ({@link #callAsync(UpstreamRequest, AsyncUpstreamCall)}): the trial calls stay as few as configured.</li>
 *   <li>One Resilience4j <b>bulkhead</b> per upstream bounds the attempts in flight, and the response bodies
 *       read on a thread held for them ({@link BodyOutcome#holdBulkheadPermit()}); a full bulkhead fails the
 *       call with 503 {@code connection_limit_reached}.</li>
 * </ol>
 * Retries are not delegated to Resilience4j's {@code Retry}: it can express neither the choice of another
 * endpoint, nor the deadline, the retry budget or {@code Retry-After}, nor the request-dependent rules of
 * RFC 9110 §9.2.2.
 *
 * <p><b>Outcome.</b> A call returns the result of the attempt that succeeded, or throws an
 * {@link UpstreamFailureException} carrying a complete {@link io.github.errorpages.UpstreamFailure}: the
 * upstream's name, the cause of the last attempt, the attempts made, the time spent, the upstream's status
 * and {@code Retry-After}, since when the upstream has been failing, and, when the call's failures left every
 * endpoint's breaker open, how long they stay open, or until an endpoint pushing back past them stops, when later
 * (so the page's {@code Retry-After} sends no client back to a breaker that would refuse it, nor to an endpoint still
 * pushing back). An attempt that fails with another guard's {@link UpstreamFailureException} (the
 * call runs a service method that calls its own upstream through a guard) is classified by that failure, whose
 * {@code Retry-After} and breakers' open time the call's failure keeps. {@link io.github.errorpages.ErrorPages}
 * and the servlet filter take it as is. A call the caller aborts (interrupt, cancellation) ends with that
 * exception; an attempt that cancelled its request through its own client because its caller went away says so
 * by throwing a {@link java.util.concurrent.CancellationException}, as {@link UpstreamCall} shows for Apache
 * HttpClient, which throws the same for that cancel as for a hard timeout's. An exception that is no upstream
 * failure (a bug) is thrown as is; neither it nor an abort is retried, and the breaker counts neither. A
 * client library's exception for an upstream response whose status is no failure (HttpURLConnection's, Spring's
 * {@code HttpClientErrorException} or the JAX-RS client's {@code NotFoundException} for a 404) is that response:
 * thrown as is too, not retried, and a successful call. An attempt whose request its client's own limit held
 * back, never sent (a full pool of connections), says so by throwing an
 * {@link UpstreamFailureException} of {@code connection_limit_reached} that reports 0 attempts: the call is then
 * rejected as with a full bulkhead (0 attempts, {@code rejectedCalls}), or its retry lost (the call fails as its
 * last attempt did).
 *
 * <p><b>Events.</b> Every retry decision, the exhaustion of the retry budget, every breaker transition, the
 * end of every call and every response body broken off after it are delivered to the
 * {@link UpstreamEventListener}s; {@link #metrics()} counts them.
 *
 * <p>Instances are thread-safe.
 *
 * @since 0.1.0
 */
public final class UpstreamGuard {

    /**
     * The circuit breaker settings the guard uses when it makes its own registry: a count-based window of
     * the last 20 attempts, open at 50 % failures once 10 attempts were seen, 30 s open, then 3 trial calls.
     * Every exception reported to it counts: the guard reports upstream failures only.
     */
    public static final CircuitBreakerConfig DEFAULT_CIRCUIT_BREAKER_CONFIG = CircuitBreakerConfig.custom()
            .slidingWindow(20, 10, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .failureRateThreshold(50)
            .waitDurationInOpenState(Duration.ofSeconds(30))
            .permittedNumberOfCallsInHalfOpenState(3)
            .writableStackTraceEnabled(false)
            .build();

    /**
     * The bulkhead settings the guard uses when it makes its own registry: at most 50 attempts in flight
     * to one upstream, and no waiting for a permit, so one slow upstream cannot take every server thread.
     */
    public static final BulkheadConfig DEFAULT_BULKHEAD_CONFIG = BulkheadConfig.custom()
            .maxConcurrentCalls(50)
            .maxWaitDuration(Duration.ZERO)
            .writableStackTraceEnabled(false)
            .build();

    /**
     * Causes that are local decisions, local limits, configuration errors or bugs: the breaker does not count
     * them. A response over a size limit of the gateway's says nothing of the upstream's health, and one route
     * with large heads must not open the breaker for every other route of the upstream.
     */
    private static final Set<FailureCause> NOT_THE_UPSTREAMS_FAULT = Collections.unmodifiableSet(EnumSet.of(
            FailureCause.DESTINATION_UNAVAILABLE, FailureCause.CONNECTION_LIMIT_REACHED,
            FailureCause.DESTINATION_NOT_FOUND, FailureCause.PROXY_INTERNAL_ERROR, FailureCause.PROXY_LOOP_DETECTED,
            FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE, FailureCause.HTTP_RESPONSE_BODY_SIZE));

    /** Causes that say nothing about the upstream's health, so they do not start "failing since". */
    private static final Set<FailureCause> NO_UPSTREAM_TROUBLE = Collections.unmodifiableSet(EnumSet.of(
            FailureCause.CONNECTION_LIMIT_REACHED, FailureCause.DESTINATION_NOT_FOUND,
            FailureCause.PROXY_INTERNAL_ERROR, FailureCause.PROXY_LOOP_DETECTED,
            FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE, FailureCause.HTTP_RESPONSE_BODY_SIZE));

    private static final Logger log = LoggerFactory.getLogger(UpstreamGuard.class);

    static {
        // Every guard's calls are timed on the JDK's shared timer: started where no application's loader sticks.
        SharedTimerStart.ensure();
        // The servlet module's Jetty transport ends a call before any attempt as this package does (not API).
        CallsFailedBeforeAnyAttempt.install(UpstreamGuard::failBeforeAnyAttempt);
    }
    /**
     * The upstream each breaker a guard took belongs to, so that two upstreams never share one in a registry. Weak
     * keys: a breaker is forgotten with its registry (and its guards). Guarded by itself.
     */
    private static final Map<CircuitBreaker, BreakerOwner> BREAKER_OWNERS = new WeakHashMap<>();
    private static final long NEVER = Long.MIN_VALUE;
    private static final int[] NO_ENDPOINT_TRIED = new int[0];
    /** Stands for the request of a call that {@link #refuseIfUnavailable()} refuses: it is never sent. */
    private static final UpstreamRequest UNAVAILABLE_PROBE = UpstreamRequest.of("GET");

    private final UpstreamConfig config;
    private final List<Endpoint> endpoints;
    private final List<CircuitBreaker> breakers;
    private final Bulkhead bulkhead;
    final RetryBudget budget;
    final Backoff backoff;
    private final FailureClassifier classifier;
    private final List<UpstreamEventListener> listeners;
    private final Set<Class<?>> failedListeners = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean breakerSettingsFailed = new AtomicBoolean();
    private final Clock clock;
    private final Executor executor;
    private final AtomicInteger cursor = new AtomicInteger();
    /** The {@link System#nanoTime()} the times in {@link #pushedBackUntil} count from, so that 0 can mean none. */
    private final long pushbackEpoch = System.nanoTime();
    /**
     * Until when each endpoint asked by its last {@code Retry-After} not to be called (R46), in nanoseconds since
     * {@link #pushbackEpoch}; 0 when it did not, or answered a call since. While one does, a call goes to an endpoint
     * that does not first ({@link #acquireEndpoint}).
     */
    private final AtomicLongArray pushedBackUntil;
    /**
     * When each endpoint's pushback in {@link #pushedBackUntil} was noted, in nanoseconds since {@link #pushbackEpoch}:
     * only a call that started after it ends it by its success ({@link #answered}).
     */
    private final AtomicLongArray pushedBackAt;
    /** Whether any endpoint ever sent a {@code Retry-After}: until then, picking one reads no clock. */
    private volatile boolean pushedBackOnce;
    private final AtomicReference<@Nullable Instant> failingSince = new AtomicReference<>();
    private final AtomicLong lastBudgetExhaustedEvent = new AtomicLong(NEVER);
    final Counters counters = new Counters();

    private UpstreamGuard(Builder b) {
        this.config = b.config;
        this.classifier = b.classifier != null ? b.classifier : FailureClassifier.ofDefaults();
        this.listeners = List.copyOf(b.listeners);
        this.clock = b.clock;
        this.executor = b.executor;
        this.backoff = new Backoff(config.backoffInitial(), config.backoffMultiplier(), config.backoffMax(),
                config.backoffJitter(), b.random);
        this.budget = config.isRetryBudgetEnabled()
                ? RetryBudget.of(config.retryBudgetRatio(), config.retryBudgetMinRetries(), config.retryBudgetWindow(),
                        System::nanoTime)
                : RetryBudget.unlimited();
        CircuitBreakerRegistry registry = b.circuitBreakerRegistry != null
                ? b.circuitBreakerRegistry : CircuitBreakerRegistry.of(DEFAULT_CIRCUIT_BREAKER_CONFIG);
        BulkheadRegistry bulkheads = b.bulkheadRegistry != null
                ? b.bulkheadRegistry : BulkheadRegistry.of(DEFAULT_BULKHEAD_CONFIG);
        // The bulkhead the guard will take: the registry's of that name, else one of the upstream's settings (which
        // UpstreamConfig checked) or of the registry's default. Checked before anything is made in either registry.
        BulkheadConfig settings = bulkheads.find(config.name()).map(Bulkhead::getBulkheadConfig)
                .or(config::bulkheadConfig).orElseGet(bulkheads::getDefaultConfig);
        int maxCalls = settings.getMaxConcurrentCalls();
        if (maxCalls < 1) {
            throw new IllegalArgumentException("Invalid error-pages configuration: upstreams." + config.name()
                    + ".bulkhead.maxConcurrentCalls (the bulkhead registry's) must be at least 1 (a bulkhead of 0 "
                    + "refuses every call), but was " + maxCalls);
        }
        // The upstream's own settings passed UpstreamConfig.build()'s check already; a registry's had none.
        config.checkBulkheadWait(settings, " (the bulkhead registry's)");
        List<URI> uris = config.endpoints();
        List<CircuitBreaker> own = new ArrayList<>();
        synchronized (BREAKER_OWNERS) {
            for (int i = 0; i < uris.size(); i++) {
                // Checked before any breaker is made, so that a guard refused leaves nothing in the registry.
                Optional<CircuitBreaker> existing = registry.find(breakerName(config, i));
                existing.ifPresent(this::checkNotAnotherUpstreams);
                if (existing.isPresent()) {
                    BreakerRecording.check(existing.get().getCircuitBreakerConfig(), config.name(),
                            "the settings of the breaker '" + existing.get().getName() + "' already in the registry");
                } else if (config.circuitBreakerConfig().isPresent()) {
                    BreakerRecording.check(config.circuitBreakerConfig().get(), config.name(),
                            "the settings given to circuitBreakerConfig");
                } else {
                    BreakerRecording.check(registry.getDefaultConfig(), config.name(),
                            "the circuit breaker registry's default settings");
                }
            }
            for (int i = 0; i < uris.size(); i++) {
                String breakerName = breakerName(config, i);
                CircuitBreaker breaker = config.circuitBreakerConfig()
                        .map(c -> registry.circuitBreaker(breakerName, c))
                        .orElseGet(() -> registry.circuitBreaker(breakerName));
                BREAKER_OWNERS.put(breaker, new BreakerOwner(config.name(), uris.size()));
                own.add(breaker);
            }
        }
        // After the breakers' check and the bulkhead's, so that a guard refused leaves nothing in a shared registry.
        this.bulkhead = config.bulkheadConfig()
                .map(c -> bulkheads.bulkhead(config.name(), c))
                .orElseGet(() -> bulkheads.bulkhead(config.name()));
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < uris.size(); i++) {
            Endpoint endpoint = new Endpoint(i, uris.get(i), new OpenStateTracker(own.get(i)));
            int index = i;
            own.get(i).getEventPublisher()
                    .onStateTransition(new WeakListener<>(this, (guard, e) -> guard.onBreakerTransition(endpoint, e)))
                    .onReset(new WeakListener<>(this, (guard, e) -> guard.onBreakerReset(index)));
            list.add(endpoint);
        }
        this.endpoints = List.copyOf(list);
        this.breakers = list.stream().map(Endpoint::breaker).toList();
        this.pushedBackUntil = new AtomicLongArray(list.size());
        this.pushedBackAt = new AtomicLongArray(list.size());
    }

    private static String breakerName(UpstreamConfig config, int endpoint) {
        return config.endpoints().size() == 1 ? config.name() : config.name() + "-" + (endpoint + 1);
    }

    /**
     * A breaker the registry already has may be this upstream's (a guard built again for it) or one the application
     * configured under the name; it must not be another upstream's, whose breaker name for one of its endpoints is
     * this upstream's own ({@code orders-1} of {@code orders}), or the other way round.
     */
    private void checkNotAnotherUpstreams(CircuitBreaker existing) {
        BreakerOwner owner = BREAKER_OWNERS.get(existing);
        if (owner != null && !owner.upstream().equals(config.name())) {
            BreakerOwner self = new BreakerOwner(config.name(), config.endpoints().size());
            throw new IllegalArgumentException("Invalid error-pages configuration: upstreams." + owner.upstream()
                    + " and upstreams." + config.name() + " would share the circuit breaker '" + existing.getName()
                    + "' of one CircuitBreakerRegistry, and with it their failures and state (" + owner.describe()
                    + ", " + self.describe() + "): rename one of them");
        }
    }

    /**
     * A guard with its own registries, the default classifier and no listener.
     *
     * @param config the upstream's configuration
     * @return the guard
     * @throws IllegalArgumentException as {@link Builder#build()} does
     * @throws java.util.ServiceConfigurationError as {@link Builder#build()} does
     */
    public static UpstreamGuard of(UpstreamConfig config) {
        return builder(config).build();
    }

    /**
     * @param config the upstream's configuration
     * @return a new builder; not thread-safe
     */
    public static Builder builder(UpstreamConfig config) {
        return new Builder(config);
    }

    /**
     * Calls the upstream, retrying as the policy allows. Blocks, during attempts and backoff, on the calling
     * thread. Every result the call returns is a success.
     *
     * @param <T> the result type
     * @param request what the guard needs to know about the request
     * @param call one attempt; invoked once per attempt
     * @return the result of the attempt that succeeded
     * @throws UpstreamFailureException when the call failed: rejected, not retried, or out of attempts. A call
     *     rejected before its first attempt (open breakers, full bulkhead) has no stack trace when the
     *     breaker's or the bulkhead's {@code writableStackTraceEnabled} is off, as in the defaults here
     * @throws InterruptedException when the thread was interrupted during an attempt, the backoff, or a wait for
     *     a bulkhead permit
     * @throws java.util.concurrent.CancellationException when an attempt was cancelled: it threw one (see
     *     {@link UpstreamCall}), or Apache HttpClient's exception for a request aborted before it left, the cause
     * @throws java.io.UncheckedIOException when an attempt failed because the request body's source failed or
     *     stalled ({@link UpstreamRequest#withBodySource}); the cause is an {@link java.io.IOException} that says
     *     which ("reading the request body's source failed", "the attempt timed out waiting for the request body's
     *     source"), whose own cause is what the attempt threw. Also when the
     *     attempt threw an {@link java.io.IOException} for an upstream response whose status is no failure
     *     (HttpURLConnection's for a 4xx, or a 5xx while {@code fail-on-5xx} is off): the cause is that exception, and
     *     the call counts as a success, like the response itself would
     * @throws RuntimeException what an attempt threw when it is no upstream failure (a bug, or a client library's
     *     exception for a response whose status is no failure, such as Spring's {@code HttpClientErrorException}),
     *     as is
     */
    public <T> T call(UpstreamRequest request, UpstreamCall<T> call) throws InterruptedException {
        return run(request, null, call);
    }

    /**
     * Calls the upstream like {@link #call(UpstreamRequest, UpstreamCall)}, and reads each result with an
     * adapter: an upstream 5xx response is a failure (when {@code fail-on-5xx} is on), and so is one whose status is
     * outside 100–599, no HTTP status ({@code http_protocol_error}), whatever {@code fail-on-5xx} says; a failure is
     * retried when its status is retryable, and discarded (its body closed) rather than returned.
     *
     * @param <T> the response type
     * @param request what the guard needs to know about the request
     * @param responses reads the responses
     * @param call one attempt
     * @return the response of the attempt that succeeded: any status from 100 to 599 but a 5xx that is a failure
     * @throws UpstreamFailureException when the call failed
     * @throws InterruptedException when the thread was interrupted during an attempt, the backoff, or a wait for
     *     a bulkhead permit
     * @throws java.util.concurrent.CancellationException when an attempt was cancelled: it threw one (see
     *     {@link UpstreamCall}), or Apache HttpClient's exception for a request aborted before it left, the cause
     * @throws java.io.UncheckedIOException when an attempt failed because the request body's source failed or
     *     stalled ({@link UpstreamRequest#withBodySource}); the cause is an {@link java.io.IOException} that says
     *     which ("reading the request body's source failed", "the attempt timed out waiting for the request body's
     *     source"), whose own cause is what the attempt threw. Also when the
     *     attempt threw an {@link java.io.IOException} for an upstream response whose status is no failure
     *     (HttpURLConnection's for a 4xx, or a 5xx while {@code fail-on-5xx} is off): the cause is that exception, and
     *     the call counts as a success, like the response itself would
     * @throws RuntimeException what an attempt threw when it is no upstream failure (a bug, or a client library's
     *     exception for a response whose status is no failure, such as Spring's {@code HttpClientErrorException}),
     *     as is
     */
    public <T> T call(UpstreamRequest request, ResponseAdapter<? super T> responses, UpstreamCall<T> call)
            throws InterruptedException {
        return run(request, Objects.requireNonNull(responses, "responses"), call);
    }

    /**
     * Calls the upstream without blocking: attempts start on the calling thread or, after a backoff, on the
     * guard's executor (a bulkhead with a {@code maxWaitDuration} makes that thread wait for a permit: see {@link
     * Builder#executor}). The guard bounds each attempt by its timeout itself: when the timeout passes, it cancels
     * the attempt's future, and only if that cancel takes effect is the attempt a timeout; an attempt that
     * completed first keeps its outcome, so that whatever the attempt did with it (a response head relayed, say)
     * is not followed by a retry or a page. Cancelling the returned future cancels the attempt in flight and any
     * pending retry, but for a half-open breaker's trial call: that attempt runs on, within its timeout, and the
     * breaker records its outcome as any trial call's (a response is discarded), while the future has ended for the
     * caller and the call is counted as aborted. Cancelled, its permission came back at once, and callers less patient
     * than {@code attempt-timeout} let one trial call after another through to an upstream that never answers,
     * without the breaker ever judging one (R47). A blocking call's attempt, ended by its thread's interrupt, gives
     * its permission back.
     *
     * <p>The returned future completes on the thread that completed the last attempt's future, or, when the
     * guard's timer ended the attempt, on the JDK's timer thread that {@code CompletableFuture.orTimeout} uses,
     * which every {@code orTimeout} and delayed executor of the JVM shares: chain slow or blocking work with an
     * {@code *Async} method and an executor of yours, or it holds up every other call's timeout. (Not the guard's
     * executor: a busy one would hold up the timeout itself, and a caller blocking on its own pool would wait for
     * ever.)
     *
     * @param <T> the result type
     * @param request what the guard needs to know about the request
     * @param call one attempt
     * @return the result of the attempt that succeeded, or completed exceptionally with an
     *     {@link UpstreamFailureException} (or the abort or bug, as {@link #call(UpstreamRequest, UpstreamCall)}
     *     throws them; an attempt's exception for a response that is no failure as it is, unwrapped)
     */
    public <T> CompletableFuture<T> callAsync(UpstreamRequest request, AsyncUpstreamCall<T> call) {
        return runAsync(request, null, call, false);
    }

    /**
     * Calls the upstream without blocking, reading each result with an adapter like
     * {@link #call(UpstreamRequest, ResponseAdapter, UpstreamCall)}.
     *
     * @param <T> the response type
     * @param request what the guard needs to know about the request
     * @param responses reads the responses
     * @param call one attempt
     * @return the response of the attempt that succeeded, or completed exceptionally as
     *     {@link #callAsync(UpstreamRequest, AsyncUpstreamCall)} describes
     */
    public <T> CompletableFuture<T> callAsync(UpstreamRequest request, ResponseAdapter<? super T> responses,
            AsyncUpstreamCall<T> call) {
        return runAsync(request, Objects.requireNonNull(responses, "responses"), call, false);
    }

    /**
     * Calls the upstream like {@link #callAsync(UpstreamRequest, ResponseAdapter, AsyncUpstreamCall)}, with attempts
     * that end themselves when their timeout passes and tell what was late, as {@link GuardedHttpClient}'s do (the
     * JDK client's request timeout: a connect or the response head). The guard's own timer would race theirs and
     * report any late attempt as a late response; here it is a backstop only, should an attempt not end.
     */
    <T> CompletableFuture<T> callAsyncTimedByAttempts(UpstreamRequest request, ResponseAdapter<? super T> responses,
            AsyncUpstreamCall<T> call, CompletableFuture<T> result) {
        return runAsync(request, responses, call, true, result);
    }

    /**
     * Refuses a call at once when no endpoint's circuit breaker admits calls, without anything to call: the
     * check a caller makes before it spends work on preparing a request that an open breaker would refuse
     * anyway (a reverse proxy parsing and copying the client's request, for example).
     *
     * <p>When some endpoint's breaker is neither open nor forced open, this returns empty at once and records
     * nothing: reading each breaker's state is all it costs. Otherwise it asks each breaker for a permission,
     * exactly as the first attempt of {@link #call(UpstreamRequest, UpstreamCall)} does, and:
     * <ul>
     *   <li>when none grants one, it records the refusal as such a call would record it (a call, a rejected and
     *       failed call in {@link #metrics()}, a {@link UpstreamEvent.CallFailed} event, a call not permitted
     *       in each breaker's metrics, and "failing since") and returns the same failure:
     *       {@link FailureCause#DESTINATION_UNAVAILABLE}, no attempt, and the time until the first breaker
     *       admits calls again ({@link io.github.errorpages.UpstreamFailure#breakerRemainingOpen()}), or, when an
     *       endpoint pushing back by its {@code Retry-After} past that time is the first to take calls again, what is
     *       left of that {@code Retry-After} instead (no upstream {@code Retry-After}: no upstream sent one to this
     *       call);</li>
     *   <li>when one grants one (its open time ended a moment ago), it gives the permission back and returns
     *       empty; the caller's next call then gets its own permission.</li>
     * </ul>
     * An empty result says only that a call was not refused at that moment: the call itself checks again.
     *
     * <p>Thread-safe, like the rest of the guard.
     *
     * @return the failure of the refused call, or empty when the caller should make the call
     */
    public Optional<UpstreamFailure> refuseIfUnavailable() {
        for (Endpoint endpoint : endpoints) {
            CircuitBreaker.State state = endpoint.breaker().getState();
            if (state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN) {
                return Optional.empty();
            }
        }
        int index = acquireEndpoint(NO_ENDPOINT_TRIED, 0, false, false);
        if (index >= 0) {
            endpoints.get(index).breaker().releasePermission();
            return Optional.empty();
        }
        return Optional.of(new GuardedCall<>(this, UNAVAILABLE_PROBE, null).refusedByBreakers());
    }

    /** @return the upstream's name */
    public String name() {
        return config.name();
    }

    /** @return the configuration */
    public UpstreamConfig config() {
        return config;
    }

    /** @return the circuit breakers, one per endpoint, in the order of {@link UpstreamConfig#endpoints()} */
    public List<CircuitBreaker> circuitBreakers() {
        return breakers;
    }

    /** @return the bulkhead */
    public Bulkhead bulkhead() {
        return bulkhead;
    }

    /**
     * @return since when the upstream has been failing: the end of the first failed call after the last successful one
     *     (whose body, when its caller streams it, ended without the upstream breaking it off; a body whose head came
     *     before the failing began ends nothing) or the last reset of one of the guard's breakers
     *     ({@link CircuitBreaker#reset()}, an operator's word that the upstream is mended) that left none of them open,
     *     forced open or half-open (while another endpoint's breaker is open, that endpoint is still failing); empty
     *     while calls succeed and after such a reset until the next failure. Only a success or such a reset ends it,
     *     not time: a failure, then no call for a while, then another failure, is one period, dated from the first
     *     (nothing in between said the upstream was back). A call refused or failed for a reason that says nothing of
     *     the upstream's health starts nothing: the gateway's own limits ({@code connection_limit_reached},
     *     {@code http_response_header_section_size}, {@code http_response_body_size}), a loop
     *     ({@code proxy_loop_detected}), no route configured ({@code destination_not_found}) and a bug
     *     ({@code proxy_internal_error})
     */
    public Optional<Instant> failingSince() {
        return Optional.ofNullable(failingSince.get());
    }

    /**
     * @return when no endpoint admits calls, the time until the first one does again (zero when one is
     *     half-open); empty when an endpoint admits calls, or every open one is forced open
     */
    public Optional<Duration> breakerRemainingOpen() {
        return Optional.ofNullable(remainingOpen());
    }

    /** @return the counters since the guard was built */
    public UpstreamMetrics metrics() {
        return new UpstreamMetrics(counters.calls.sum(), counters.successfulCalls.sum(), counters.failedCalls.sum(),
                counters.rejectedCalls.sum(), counters.abortedCalls.sum(), counters.attempts.sum(),
                counters.retries.sum(), counters.lostRetries.sum(), counters.retriesDeniedByBudget.sum(),
                counters.brokenBodies.sum());
    }

    @Override
    public String toString() {
        return "UpstreamGuard{" + config.name() + ", " + endpoints.size() + " endpoint(s)}";
    }

    // ---- the drivers ------------------------------------------------------------------------------------

    private <T> T run(UpstreamRequest request, @Nullable ResponseAdapter<? super T> responses, UpstreamCall<T> call)
            throws InterruptedException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(call, "call");
        GuardedCall<T> guarded = new GuardedCall<>(this, request, responses);
        while (true) {
            Attempt attempt = guarded.begin();
            if (attempt == null) {
                // A retry whose endpoint stopped admitting it waits for the soonest Retry-After first (R46).
                backOff(guarded, guarded.floorToWait());
                continue;
            }
            T result = null;
            Throwable thrown = null;
            try {
                result = call.call(attempt);
            } catch (Throwable t) {
                thrown = t;
            }
            // Outside the try: what onResult throws (a broken adapter) must not be taken for the attempt's
            // failure, which would release the bulkhead permit a second time.
            GuardedCall.Step<T> step = thrown == null ? guarded.onResult(result) : guarded.onError(thrown);
            if (step.isDone()) {
                return step.result();
            }
            if (!step.isRetry()) {
                throw rethrowable(step.failure());
            }
            backOff(guarded, step.delay());
        }
    }

    /** Waits before a retry; an interrupt meanwhile aborts the call. */
    private static void backOff(GuardedCall<?> guarded, Duration delay) throws InterruptedException {
        try {
            TimeUnit.NANOSECONDS.sleep(delay.toNanos());
        } catch (InterruptedException e) {
            guarded.abortBackoff(e);
            throw e;
        }
    }

    private static RuntimeException rethrowable(Throwable failure) throws InterruptedException {
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof InterruptedException interrupted) {
            throw interrupted;
        }
        if (failure instanceof IOException io && !GuardedCall.isClientAbort(io)) {
            // The client's exception for a response that is no failure (fail-on-5xx off), which call cannot throw.
            throw new UncheckedIOException(io);
        }
        if (failure instanceof IOException) {
            // I/O that an interrupt ended (an InterruptedIOException, a ClosedByInterruptException, a virtual
            // thread's "Closed by interrupt"): the InterruptedException documented, its flag consumed as by any
            // method that throws one.
            Thread.interrupted();
            InterruptedException interrupted = new InterruptedException("upstream call interrupted");
            interrupted.initCause(failure);
            throw interrupted;
        }
        java.util.concurrent.CancellationException cancelled =
                new java.util.concurrent.CancellationException("upstream call cancelled");
        cancelled.initCause(failure);
        throw cancelled;
    }

    private <T> CompletableFuture<T> runAsync(UpstreamRequest request, @Nullable ResponseAdapter<? super T> responses,
            AsyncUpstreamCall<T> call, boolean timedByAttempts) {
        return runAsync(request, responses, call, timedByAttempts, new CompletableFuture<>());
    }

    /** @param result the call's future, which the caller may have (and end) before the first attempt starts */
    private <T> CompletableFuture<T> runAsync(UpstreamRequest request, @Nullable ResponseAdapter<? super T> responses,
            AsyncUpstreamCall<T> call, boolean timedByAttempts, CompletableFuture<T> result) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(call, "call");
        new AsyncRun<>(new GuardedCall<>(this, request, responses), responses, call, result, executor, timedByAttempts)
                .attempt();
        return result;
    }

    // ---- what GuardedCall asks of the guard ------------------------------------------------------------

    /**
     * Picks the endpoint for the next attempt and takes its breaker permission. A call's first attempt goes
     * round-robin to the endpoints whose breaker admits it: when the endpoint the guard's turn points at does not, the
     * next turn's endpoint is asked, not the one after it in the list. A retry starts at the endpoint after the one
     * that failed. Either way an endpoint this call has not tried yet whose breaker admits the attempt wins, else the
     * first tried one; and of either, one that is not pushing back by a {@code Retry-After} (R46, another call's
     * perhaps) before one that is.
     * A retry takes no endpoint it tried that is still pushing back: it waited for the soonest to end; nor then, with
     * {@code notPushingBackOnly}, one it has not tried that is.
     *
     * @param untriedOnly whether only an endpoint the call has not tried, and that is not pushing back, may be taken
     *     (a retry past a {@code Retry-After}, {@link #anyUntriedMayAdmitWithin})
     * @param notPushingBackOnly whether only an endpoint that is not pushing back may be taken, tried or not (with
     *     several endpoints: a retry that waited for the end of the {@code Retry-After} of an endpoint the call tried,
     *     as no endpoint it had not tried could take it past it, or the one it was to go to stopped admitting it)
     * @return the endpoint's index, or -1 when no breaker admits the attempt (of those that may be taken)
     */
    int acquireEndpoint(int[] tried, int triedCount, boolean untriedOnly, boolean notPushingBackOnly) {
        int n = endpoints.size();
        if (n == 1) {
            return !untriedOnly && endpoints.get(0).breaker().tryAcquirePermission() ? 0 : -1;
        }
        // Apart, so that this method stays short enough to be inlined into the guard's call (GuardedCall.begin).
        return acquireOneOf(n, tried, triedCount, untriedOnly, notPushingBackOnly);
    }

    /** {@link #acquireEndpoint} of {@code n > 1} endpoints. */
    private int acquireOneOf(int n, int[] tried, int triedCount, boolean untriedOnly, boolean notPushingBackOnly) {
        int start = triedCount == 0 ? Math.floorMod(cursor.getAndIncrement(), n) : (tried[triedCount - 1] + 1) % n;
        // Untried and not pushing back, untried and pushing back, then the same of the tried ones: an endpoint that
        // asked to be left alone is taken only when no other admits the attempt. One this call has not tried still
        // comes before one it tried: the call's own failure there (a refused connection) says more than a pushback
        // another call was told of. A retry past a Retry-After takes only the first: it may go to no endpoint that
        // asked to be left alone sooner than it asked (R46); nor may any other retry go to one it tried (the last).
        // One that waited for a Retry-After of an endpoint it tried to end instead (no untried one could take it past
        // it, or the one it was to go to stopped admitting it) takes only the not-pushing-back ones: an untried one
        // pushing back still asks to be left alone, and the one whose wait ended no longer does.
        // Each endpoint's state is read once, for all passes: one that stopped pushing back between two of them (a
        // success of another call there) would be skipped by both, and the attempt refused with its breaker closed.
        boolean @Nullable [] pushingBack = pushedBackOnce ? pushingBack(System.nanoTime() - pushbackEpoch) : null;
        for (int pass = 0; pass < (untriedOnly ? 1 : triedCount > 0 ? 3 : 4); pass++) {
            boolean pushingBackPass = pass % 2 == 1;
            if (pushingBackPass && (pushingBack == null || notPushingBackOnly)) {
                continue;
            }
            // A first attempt's first pass takes a new turn of the cursor when the endpoint at its turn refuses (its
            // breaker open) or is skipped (pushing back), up to n turns, rather than asking the endpoint after it: an
            // endpoint that admits calls then gets the turns that fall to it and no others, the same share as every
            // other one, where the endpoint after a dead one got the dead one's turns too (two thirds of the calls,
            // with one of three down). Then those no turn came to, in order: other calls took those turns. Each
            // endpoint is asked once, as its breaker counts every refusal in its metrics: the mask of those asked has
            // room for 64, so a guard of more takes one turn and asks the endpoints after it in order, as before.
            int turns = pass == 0 && triedCount == 0 && n <= Long.SIZE ? n : 1;
            long asked = 0;
            for (int i = 0, index = start; i < n + turns - 1; i++) {
                if (i > 0) {
                    index = i < turns ? Math.floorMod(cursor.getAndIncrement(), n) : (start + i - turns + 1) % n;
                }
                long bit = index < Long.SIZE ? 1L << index : 0;
                if ((asked & bit) != 0) {
                    continue;
                }
                asked |= bit;
                boolean triedBefore = contains(tried, triedCount, index);
                if ((pass < 2) == triedBefore || pushingBack != null && pushingBack[index] != pushingBackPass) {
                    continue;
                }
                if (endpoints.get(index).breaker().tryAcquirePermission()) {
                    return index;
                }
            }
        }
        return -1;
    }

    /**
     * @param sinceEpoch now, in nanoseconds since {@link #pushbackEpoch}
     * @return whether each endpoint is pushing back now, by index; {@code null} when none is
     */
    private boolean @Nullable [] pushingBack(long sinceEpoch) {
        boolean[] pushing = null;
        for (int i = 0; i < endpoints.size(); i++) {
            if (isPushingBack(i, sinceEpoch)) {
                if (pushing == null) {
                    pushing = new boolean[endpoints.size()];
                }
                pushing[i] = true;
            }
        }
        return pushing;
    }

    private static boolean contains(int[] values, int count, int value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    Endpoint endpoint(int index) {
        return endpoints.get(index);
    }

    /**
     * Notes that an endpoint answered with a {@code Retry-After}: other calls go to another endpoint first until it
     * ends, or until the endpoint answers a call that started after this ({@link #answered}).
     *
     * @param index the endpoint's index
     * @param now when it answered, in {@link System#nanoTime()}
     * @param retryAfter its positive {@code Retry-After}
     */
    void pushedBack(int index, long now, Duration retryAfter) {
        // At most a day, which no pushback worth heeding outlasts: an HTTP-date of the year 9999 overflows nanoseconds.
        long until = now - pushbackEpoch + Math.min(retryAfter.toSeconds(), 86_400) * 1_000_000_000L
                + retryAfter.toNanosPart();
        // The time first: answered() reads it after the end it is for, or a newer one.
        pushedBackAt.set(index, now - pushbackEpoch);
        pushedBackUntil.set(index, Math.max(until, 1));
        pushedBackOnce = true;
    }

    /**
     * Notes that an endpoint answered a call (a success): whatever it pushed back with before the call started is over.
     * A success that was under way when the endpoint began pushing back ends nothing: a draining node finishes the
     * requests it has while it answers new ones {@code 503} with a {@code Retry-After}.
     *
     * @param index the endpoint's index
     * @param attemptStarted when the attempt it answered started, in {@link System#nanoTime()}
     */
    void answered(int index, long attemptStarted) {
        if (!pushedBackOnce) {
            return;
        }
        long until = pushedBackUntil.get(index);
        if (until != 0 && attemptStarted - pushbackEpoch - pushedBackAt.get(index) >= 0) {
            // Only the pushback read: one noted meanwhile (another call's 503) holds.
            pushedBackUntil.compareAndSet(index, until, 0);
        }
    }

    /**
     * An operator reset an endpoint's breaker ({@link CircuitBreaker#reset()}, its RESET event), as after mending the
     * upstream: calls are to go there again, as after its {@code Retry-After}, so its pushback is forgotten; and when
     * no breaker of the guard is left open (forced open or half-open either: a half-open breaker's endpoint is still
     * in its outage, waiting for a trial call), the failing period ends as a success would end it,
     * so that the next failure is not dated from trouble the operator declared over ("going on since 15:46" on a page
     * at 15:54, the upstream mended and failing again since). While another endpoint's breaker is still open, that
     * endpoint is still broken: ending the period then would date a day-long outage from the next failure there, and
     * the outage gauge fed by {@link #failingSince()} would fall back to 0 with every reset an operator tries a fix by.
     * The breaker reset is already CLOSED when its RESET event comes (Resilience4j moves it first), so resetting every
     * breaker, one after the other, ends the period at the last.
     */
    private void onBreakerReset(int index) {
        pushedBackUntil.set(index, 0);
        if (noBreakerOpen()) {
            failingSince.set(null);
        }
    }

    private boolean noBreakerOpen() {
        for (Endpoint endpoint : endpoints) {
            CircuitBreaker.State state = endpoint.breaker().getState();
            if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN
                    || state == CircuitBreaker.State.HALF_OPEN) {
                return false;
            }
        }
        return true;
    }

    private boolean isPushingBack(int index, long sinceEpoch) {
        long until = pushedBackUntil.get(index);
        return until != 0 && until - sinceEpoch > 0;
    }

    /**
     * @return whether an endpoint the call has not tried yet may admit an attempt within {@code delay}: its breaker
     *     may, and it is not pushing back by a {@code Retry-After} (another call's perhaps) past {@code delay} (R46)
     */
    boolean anyUntriedMayAdmitWithin(int[] tried, int triedCount, Duration delay) {
        long thenSinceEpoch = pushedBackOnce ? System.nanoTime() - pushbackEpoch + delay.toNanos() : -1;
        for (int i = 0; i < endpoints.size(); i++) {
            if (!contains(tried, triedCount, i) && (thenSinceEpoch < 0 || !isPushingBack(i, thenSinceEpoch))
                    && endpoints.get(i).tracker().mayAdmitWithin(delay)) {
                return true;
            }
        }
        return false;
    }

    boolean anyEndpointMayAdmitWithin(Duration delay) {
        for (Endpoint endpoint : endpoints) {
            if (endpoint.tracker().mayAdmitWithin(delay)) {
                return true;
            }
        }
        return false;
    }

    /**
     * For a call every endpoint's breaker refused, and one whose failure left them all open: the time until the first
     * endpoint both admits calls again and no longer pushes back by a {@code Retry-After} (R46), when what keeps that
     * endpoint is its pushback, not its breaker. A client sent back when its breaker lets trial calls through would
     * have its call go to an endpoint that asked to be left alone longer, and be told that endpoint's
     * {@code Retry-After} then: it is told now. The failure reports it as the breakers' time
     * ({@link io.github.errorpages.UpstreamFailure#breakerRemainingOpen()}) in place of their remaining open time
     * ({@link #remainingOpen()}), not as an upstream's {@code Retry-After}, which no upstream sent to that call: a
     * status that carries a {@code Retry-After} only when the upstream sent one gets none from it (an upstream's own
     * 500, a 502 with {@code retry-after.on-502-504} off). An endpoint forced open admits no call by any time, and
     * counts for nothing.
     * Reads no clock while no endpoint ever pushed back: a refusal by the breakers of a guard that never got a
     * {@code Retry-After} costs what it did.
     *
     * @return that time, or {@code null} when no endpoint is pushing back past its breaker's open time, the first
     *     endpoint to admit calls again is not pushing back by then, an endpoint admits calls, or every one is forced
     *     open
     */
    @Nullable Duration pushbackPastBreakers() {
        if (!pushedBackOnce) {
            return null;
        }
        long sinceEpoch = System.nanoTime() - pushbackEpoch;
        long soonestReady = Long.MAX_VALUE;
        boolean byPushback = false;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint endpoint = endpoints.get(i);
            Duration remaining = endpoint.tracker().remainingOpen();
            if (remaining == null) {
                if (endpoint.breaker().getState() != CircuitBreaker.State.FORCED_OPEN) {
                    return null; // this endpoint admits calls
                }
                continue;
            }
            // Saturated: a breaker may be configured to stay open for longer than nanoseconds count.
            long open = remaining.getSeconds() < 86_400 ? remaining.toNanos() : Long.MAX_VALUE - 1;
            long until = pushedBackUntil.get(i);
            long pushback = until == 0 ? 0 : until - sinceEpoch;
            long ready = Math.max(open, pushback);
            if (ready < soonestReady || ready == soonestReady && pushback <= open) {
                soonestReady = ready;
                byPushback = pushback > open;
            }
        }
        return byPushback ? Duration.ofNanos(soonestReady) : null;
    }

    @Nullable Duration remainingOpen() {
        Duration soonest = null;
        for (Endpoint endpoint : endpoints) {
            Duration remaining = endpoint.tracker().remainingOpen();
            CircuitBreaker.State state = endpoint.breaker().getState();
            if (remaining == null && state != CircuitBreaker.State.FORCED_OPEN) {
                return null; // this endpoint admits calls
            }
            if (remaining != null && (soonest == null || remaining.compareTo(soonest) < 0)) {
                soonest = remaining;
            }
        }
        return soonest;
    }

    /**
     * @return how soon a half-open breaker may admit calls again once its trial calls are all under way: when they
     *     have ended, which is within an attempt timeout (a trial whose body streams on counts as ended when its
     *     attempt's timeout passes, {@link PendingBody}, or at most a grace of 250 ms later when the guard's executor
     *     is busy), and no later than the wait it was open for, if any (R8: a refusal's {@code Retry-After} is no
     *     longer than the breaker's open wait); the soonest of the half-open endpoints', {@code null} when none is
     *     half-open
     */
    @Nullable Duration trialCallsEnd() {
        Duration soonest = null;
        for (Endpoint endpoint : endpoints) {
            if (endpoint.breaker().getState() == CircuitBreaker.State.HALF_OPEN) {
                Duration wait = endpoint.tracker().openWait(); // zero after a forced opening: no wait to keep to
                Duration end = !wait.isZero() && wait.compareTo(config.attemptTimeout()) < 0 ? wait
                        : config.attemptTimeout();
                if (soonest == null || end.compareTo(soonest) < 0) {
                    soonest = end;
                }
            }
        }
        return soonest;
    }

    /**
     * Whether a response with this status is a failure of the call (retried, counted by the breakers,
     * answered with the page) rather than the call's result: a 5xx while {@code fail-on-5xx} is on. A
     * transport that streams the response body asks this when the head arrives, so that it copies nothing of
     * a response the guard will discard.
     *
     * @param status an HTTP status code
     * @return whether the guard treats a response with it as a failure
     */
    public boolean isFailureStatus(int status) {
        return status >= 500 && status <= 599 && config.isFailOn5xxEnabled();
    }

    /**
     * Whether the guard may send a request again after it reached the upstream (an idempotent method, or an
     * {@code Idempotency-Key} with {@code retry.with-idempotency-key} on, and more than one attempt): only
     * then is a request body worth buffering so that a retry can send it again.
     *
     * @param request the request
     * @return whether a retry after the request was sent is possible
     * @throws NullPointerException if {@code request} is null
     */
    public boolean mayRetryAfterSending(UpstreamRequest request) {
        Objects.requireNonNull(request, "request");
        return config.maxAttempts() > 1 && (request.isIdempotent()
                || (request.hasIdempotencyKey() && config.isRetryUnsafeWithIdempotencyKeyEnabled()));
    }

    static boolean countsAgainstUpstream(FailureCause cause) {
        return !NOT_THE_UPSTREAMS_FAULT.contains(cause);
    }

    static boolean showsUpstreamTrouble(FailureCause cause) {
        return !NO_UPSTREAM_TROUBLE.contains(cause);
    }

    /** @return the classifier that turns the exceptions of attempts into failures */
    public FailureClassifier classifier() {
        return classifier;
    }

    Clock clock() {
        return clock;
    }

    Executor executor() {
        return executor;
    }

    Instant markFailing() {
        Instant since = failingSince.get();
        if (since != null) {
            return since;
        }
        Instant now = clock.instant();
        return failingSince.compareAndSet(null, now) ? now : Objects.requireNonNull(failingSince.get(), "failingSince");
    }

    /**
     * Ends a call before its first attempt with a bug of the request's own: its body's source threw a checked
     * exception of no I/O while the body was read to be buffered ({@link GuardedCall#failBeforeAnyAttempt}).
     * {@link GuardedHttpClient} calls it, and through {@link CallsFailedBeforeAnyAttempt} the servlet module's Jetty
     * transport.
     *
     * @param startedNanos when the caller began the call ({@link System#nanoTime()}), the body's read included
     * @return the failure to throw
     */
    UpstreamFailureException failBeforeAnyAttempt(UpstreamRequest request, Throwable bug, long startedNanos) {
        return new GuardedCall<>(this, request, null, startedNanos).failBeforeAnyAttempt(bug);
    }

    @Nullable Instant failingSinceOrNull() {
        return failingSince.get();
    }

    /**
     * Records a call's success.
     *
     * @param endsFailing whether it ends "failing since": not while its body is still to come ({@link #bodyCompleted})
     */
    void succeeded(int attempts, long elapsedNanos, boolean endsFailing) {
        counters.successfulCalls.increment();
        if (endsFailing && failingSince.get() != null) {
            failingSince.set(null);
        }
        if (!listeners.isEmpty()) {
            emit(new UpstreamEvent.CallSucceeded(config.name(), attempts, Duration.ofNanos(elapsedNanos)));
        }
    }

    /**
     * A streamed body ended without the upstream breaking it off: the failing period its head found is over.
     *
     * @param failingAtHead "failing since" when its head arrived: {@code null}, or a period since ended, ends nothing
     */
    void bodyCompleted(@Nullable Instant failingAtHead) {
        if (failingAtHead != null) {
            failingSince.compareAndSet(failingAtHead, null);
        }
    }

    void bodyBrokenOff(UpstreamFailure failure, Endpoint endpoint) {
        counters.brokenBodies.increment();
        emit(new UpstreamEvent.BodyBrokenOff(failure, endpoint.uri()));
    }

    void aborted(int attempts, long elapsedNanos, Throwable reason) {
        counters.abortedCalls.increment();
        if (!listeners.isEmpty()) {
            emit(new UpstreamEvent.CallAborted(config.name(), attempts, Duration.ofNanos(elapsedNanos), reason.getClass()));
        }
    }

    void budgetDenied() {
        counters.retriesDeniedByBudget.increment();
        // At the edge of its budget a failing upstream alternates between granted and refused retries; one
        // event per window keeps the log readable, the RetryRefused events count every refusal.
        long now = System.nanoTime();
        long last = lastBudgetExhaustedEvent.get();
        if ((last == NEVER || now - last >= config.retryBudgetWindow().toNanos())
                && lastBudgetExhaustedEvent.compareAndSet(last, now)) {
            emit(new UpstreamEvent.RetryBudgetExhausted(config.name(), budget.retries(), budget.calls()));
        }
    }

    void emit(UpstreamEvent event) {
        for (UpstreamEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (Throwable e) {
                // Any Error too, as Resilience4j's breakers treat their event consumers (this guard's among them): a
                // LinkageError of an optional library (Micrometer) missing a class, an AssertionError, a
                // StackOverflowError. Thrown on, it would end the call with it in the middle of its bookkeeping,
                // losing its result (and connection), and leave an asynchronous caller's future pending for ever.
                if (failedListeners.add(listener.getClass())) {
                    logListenerFailure(listener, e);
                }
            }
        }
    }

    /**
     * A predicate of a breaker's settings threw while judging an attempt's outcome, which is then counted as nothing
     * ({@link BreakerRecording}): logged the first time, with its stack trace, for the application to mend.
     */
    void breakerSettingsFailed(Throwable e) {
        if (!breakerSettingsFailed.getAndSet(true)) {
            log.warn("The circuit-breaker settings of upstream {} (upstreams.{}.circuit-breaker) threw while "
                    + "judging an attempt's outcome; such outcomes are counted as nothing, neither success nor failure "
                    + "(logged once)", config.name(), config.name(), e);
        }
    }

    private static void logListenerFailure(UpstreamEventListener listener, Throwable e) {
        log.warn("Upstream event listener {} failed; its failures are ignored", listener.getClass().getName(),
                Causes.printable(e));
    }

    private void onBreakerTransition(Endpoint endpoint, CircuitBreakerOnStateTransitionEvent event) {
        CircuitBreaker.StateTransition transition = event.getStateTransition();
        endpoint.tracker().onTransition(transition);
        emit(new UpstreamEvent.BreakerStateChanged(config.name(), endpoint.uri(), endpoint.breaker().getName(),
                transition.getFromState(), transition.getToState()));
    }

    /**
     * Hears a breaker's events (its transitions, its resets) for a guard while the guard is in use. A breaker of an
     * application's registry
     * outlives the guard (a guard built again for a changed configuration takes the same breaker), and Resilience4j
     * cannot remove a consumer: holding the guard strongly kept every guard ever built over the registry alive, each
     * still telling its listeners of the live breaker's transitions. What is left of a guard gone is this object and
     * what its action holds (an endpoint, an index), which hear nothing more.
     */
    private static final class WeakListener<E> implements EventConsumer<E> {
        private final WeakReference<UpstreamGuard> guard;
        private final BiConsumer<UpstreamGuard, E> action;

        /** @param action what the guard does with the event; it must not hold the guard itself */
        WeakListener(UpstreamGuard guard, BiConsumer<UpstreamGuard, E> action) {
            this.guard = new WeakReference<>(guard);
            this.action = action;
        }

        @Override
        public void consumeEvent(E event) {
            UpstreamGuard inUse = guard.get();
            if (inUse != null) {
                action.accept(inUse, event);
            }
        }
    }

    /** The upstream whose guard took a breaker from a registry, and how many endpoints (so breakers) it has. */
    private record BreakerOwner(String upstream, int endpoints) {
        String describe() {
            return endpoints == 1 ? "upstream " + upstream + " names its breaker " + upstream
                    : "upstream " + upstream + " names the breakers of its " + endpoints + " endpoints " + upstream
                            + "-1 to " + upstream + "-" + endpoints;
        }
    }

    /** The counters behind {@link UpstreamMetrics}. */
    static final class Counters {
        final LongAdder calls = new LongAdder();
        final LongAdder successfulCalls = new LongAdder();
        final LongAdder failedCalls = new LongAdder();
        final LongAdder rejectedCalls = new LongAdder();
        final LongAdder abortedCalls = new LongAdder();
        final LongAdder attempts = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder lostRetries = new LongAdder();
        final LongAdder retriesDeniedByBudget = new LongAdder();
        final LongAdder brokenBodies = new LongAdder();
    }

    /**
     * Builds an {@link UpstreamGuard}. Not thread-safe.
     */
    public static final class Builder {
        private final UpstreamConfig config;
        private @Nullable CircuitBreakerRegistry circuitBreakerRegistry;
        private @Nullable BulkheadRegistry bulkheadRegistry;
        private @Nullable FailureClassifier classifier;
        private final List<UpstreamEventListener> listeners = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random = () -> ThreadLocalRandom.current().nextLong();
        private Executor executor = ForkJoinPool.commonPool();

        private Builder(UpstreamConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * Takes the circuit breakers from a registry, e.g. the application's, so that their metrics and
         * health show up with the rest. A breaker is named after the upstream, or {@code <name>-<n>} (n from 1)
         * when the upstream has several endpoints (n in the order they are listed: a guard built again with its
         * endpoints in another order takes their breakers by that number); one that already exists keeps its
         * settings. Guards built for one upstream name share its breakers; two upstreams never share one
         * ({@link #build()} refuses an upstream {@code orders-1} where upstream {@code orders} has two endpoints).
         * Default: a registry of the guard's own, with {@link UpstreamGuard#DEFAULT_CIRCUIT_BREAKER_CONFIG}.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder circuitBreakerRegistry(CircuitBreakerRegistry registry) {
            this.circuitBreakerRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Takes the bulkhead, named after the upstream, from a registry; one that already exists keeps its
         * settings. Default: a registry of the guard's own, with {@link UpstreamGuard#DEFAULT_BULKHEAD_CONFIG}.
         *
         * @param registry the registry
         * @return this builder
         */
        public Builder bulkheadRegistry(BulkheadRegistry registry) {
            this.bulkheadRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Sets the classifier of exceptions. Default {@link FailureClassifier#ofDefaults()}.
         *
         * @param classifier the classifier
         * @return this builder
         */
        public Builder classifier(FailureClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /**
         * Adds a listener for the guard's events; listeners are called in the order they were added.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(UpstreamEventListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Sets the clock for wall-clock instants: "failing since" and HTTP-date {@code Retry-After} values.
         * Durations (deadline, timeouts, backoff) always use {@link System#nanoTime()}. Default UTC system
         * clock.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets the random source of the backoff jitter, e.g. a seeded one in tests. Default: the calling
         * thread's {@link ThreadLocalRandom}.
         *
         * @param random the source; must be thread-safe, since the guard is shared
         * @return this builder
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Sets the executor on which asynchronous calls start their retries after the backoff. Retries start
         * a non-blocking attempt and return, so a small shared pool suffices, unless the bulkhead has a
         * {@code maxWaitDuration} ({@link UpstreamConfig.Builder#bulkheadConfig}): a retry then waits for its permit
         * on the executor's thread, and the common pool's few threads (one less than the cores) would all wait,
         * every other task of the JVM's common pool behind them. Give such a guard an executor whose threads may
         * block, such as {@code Executors.newVirtualThreadPerTaskExecutor()} (Java 21). {@link
         * GuardedHttpClient#sendAsync} also reads a request body to buffer on it when its HTTP client has no
         * executor of its own. Default {@link ForkJoinPool#commonPool()}.
         *
         * <p>The executor must run every task it accepts: one it refuses ({@code RejectedExecutionException}) the
         * guard handles (a retry fails the call, a trial's bound below runs at once), but one it accepts and drops
         * (a {@code DiscardPolicy}, {@code shutdownNow()}) is lost to it. It also runs the bound of a half-open
         * breaker's trial call whose response body streams on: when the attempt's timeout passes, the trial counts
         * as a success and the breaker may close, which runs the breaker's event consumers, application code that
         * the JDK's single timer thread, shared by the whole JVM, should not wait for. A bound the executor accepted
         * and not yet run (busy with other tasks, or dropping them) is run on that timer thread a short grace later
         * (250 ms, or the attempt timeout when that is shorter), so that a busy or dropping executor keeps the
         * breaker half-open, every other call refused, no more than that grace past the attempt timeout, and not for
         * as long as the executor takes or the body lasts.
         *
         * @param executor the executor
         * @return this builder
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Builds the guard, creating (or finding) its circuit breakers and bulkhead in the registries. The
         * guard subscribes to its breakers' state transitions, and Resilience4j offers no way to unsubscribe:
         * build one guard per upstream for the life of the application, not one per request or per reload
         * of a shared registry.
         *
         * @return the guard
         * @throws IllegalArgumentException when a breaker the guard would take from the registry is another
         *     upstream's, a guard of which took it before: an upstream {@code orders} with two endpoints names its
         *     breakers {@code orders-1} and {@code orders-2}, so upstream {@code orders-1} with one endpoint would
         *     share a breaker with it, their failures and state merged. The message names both upstreams. Also
         *     when the bulkhead the guard takes from the registry admits no call ({@code maxConcurrentCalls} 0) or
         *     may make a call wait longer than an attempt needs, which could hold it past its deadline
         *     ({@code maxWaitDuration}, {@link UpstreamConfig.Builder#bulkheadConfig}), and when the settings
         *     of a breaker it would take (or make) neither record nor ignore an
         *     {@link UpstreamFailureException}, with which it reports an upstream's 5xx answers: Resilience4j would
         *     count them as successful calls. The message names the key {@code upstreams.<name>.circuit-breaker}
         * @throws java.util.ServiceConfigurationError without a classifier set, when a listed
         *     {@link io.github.errorpages.spi.CauseClassifier} cannot be loaded
         *     ({@link FailureClassifier#ofDefaults()})
         */
        public UpstreamGuard build() {
            return new UpstreamGuard(this);
        }
    }
}
