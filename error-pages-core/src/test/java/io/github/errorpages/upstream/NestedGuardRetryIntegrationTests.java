package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static io.github.errorpages.upstream.Guards.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.spi.CauseClassifier;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two layers of guards: a guarded service method ({@code checkout}) whose call runs a {@link GuardedHttpClient} to
 * another upstream ({@code orders}). The retries belong to the layer nearest the failing upstream (R47): the outer
 * guard does not repeat an attempt the inner guard already retried, or refused to retry or to make, because its
 * attempt would make the inner calls again (twice the inner retries for each outer one), spend what the inner retry
 * budget held back, and send again what the inner guard would not (R13).
 */
class NestedGuardRetryIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener outerEvents = new RecordingListener();
    private final RecordingListener innerEvents = new RecordingListener();

    @Test
    void failureTheInnerGuardRetriedIsNotRetriedAgain() { // R47, R14
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(2));
        UpstreamGuard outer = outer(3);

        UpstreamFailureException thrown = nested(outer, inner, get("/orders"));

        assertThat(orders.requestCount()).as("the inner guard's two attempts, once").isEqualTo(2);
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.upstream()).isEqualTo("checkout");
        assertThat(failure.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(failure.upstreamStatus()).isEqualTo(503);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
        assertThat(outerEvents.refusals()).containsExactly(RetryRefusal.INNER_GUARD_GAVE_UP);
        assertThat(innerEvents.refusals()).containsExactly(RetryRefusal.MAX_ATTEMPTS);
        assertThat(outer.metrics().retries()).isZero();
    }

    @Test
    void postTheInnerGuardWouldNotSendAgainIsNotSentAgainByTheOuterOne() { // R13, R47
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(3));

        UpstreamFailureException thrown = nested(outer(3), inner, request("POST", "/orders", "{\"item\":42}"));

        assertThat(orders.requests()).singleElement()
                .satisfies(r -> assertThat(r.bodyText()).isEqualTo("{\"item\":42}"));
        assertThat(innerEvents.refusals()).containsExactly(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
    }

    @Test
    void innerGuardsSpentRetryBudgetIsNotSpentByTheOuterGuard() { // R44, R47
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        // No minimum: one call earns a tenth of a retry, so the inner guard refuses its retry.
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(3)
                .retryBudget(true, 0.1, 0, Duration.ofMinutes(1)));

        UpstreamFailureException thrown = nested(outer(3), inner, get("/orders"));

        assertThat(orders.requestCount()).isEqualTo(1);
        assertThat(innerEvents.refusals()).containsExactly(RetryRefusal.BUDGET_EXHAUSTED);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
    }

    /** An inner guard with its retries off (max-attempts 1) leaves them to the outer one: still one layer. */
    @Test
    void innerGuardWithoutRetriesLeavesThemToTheOuterGuard() { // R47, R14
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(1));
        UpstreamGuard outer = outer(3);

        UpstreamFailureException thrown = nested(outer, inner, get("/orders"));

        assertThat(orders.requestCount()).isEqualTo(3);
        assertThat(innerEvents.refusals()).containsExactly(RetryRefusal.MAX_ATTEMPTS, RetryRefusal.MAX_ATTEMPTS,
                RetryRefusal.MAX_ATTEMPTS);
        assertThat(thrown.failure().attempts()).isEqualTo(3);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.MAX_ATTEMPTS);
    }

    /**
     * The same for a PUT with a body: an inner GuardedHttpClient with max-attempts 1 keeps no copy of the body, and
     * refuses its retry as body_not_replayable, for a request it found safe to repeat. The outer guard took that for
     * the inner guard's decision and made one PUT in all; its attempt sends a new request, body and all.
     */
    @Test
    void bodyTheInnerGuardWithoutRetriesDidNotKeepLeavesTheRetriesToTheOuterGuard() { // R47, R14
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(1));

        UpstreamFailureException thrown = nested(outer(3), inner, request("PUT", "/orders/7", "{\"item\":42}"));

        assertThat(orders.requests()).hasSize(3)
                .allSatisfy(r -> assertThat(r.bodyText()).isEqualTo("{\"item\":42}"));
        assertThat(innerEvents.refusals()).containsOnly(RetryRefusal.BODY_NOT_REPLAYABLE);
        assertThat(thrown.failure().attempts()).isEqualTo(3);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.MAX_ATTEMPTS);
    }

    /**
     * A failure the inner guard does not retry by its configuration (a 500, not in its retry.statuses) is not
     * retried by an outer guard whose configuration retries it: that refusal comes before the inner guard's check
     * of the method, so it does not say whether the request was safe to repeat, and a POST was sent three times.
     */
    @Test
    void failureTheInnerGuardDoesNotRetryIsNotRetriedByAnOuterGuardThatWould() { // R13, R47
        FaultyUpstream orders = upstreams.start(Behaviour.respond(500, "oops"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(3));
        UpstreamGuard outer = UpstreamGuard.builder(UpstreamConfig.builder("checkout")
                .endpoints(URI.create("http://10.0.0.9:8080"))
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(3)
                .retryStatuses(Set.of(500, 502, 503, 504)).build()).listener(outerEvents).build();

        UpstreamFailureException thrown = nested(outer, inner, request("POST", "/orders", "{\"item\":42}"));

        assertThat(orders.requests()).singleElement().satisfies(r -> assertThat(r.method()).isEqualTo("POST"));
        assertThat(innerEvents.refusals()).containsExactly(RetryRefusal.NOT_RETRYABLE);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(500);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
    }

    /**
     * The application translates the inner guard's failure into one of its own, with the inner one as its cause:
     * the classifier takes the nearest, one attempt with no refusal, and the outer guard made orders 6 GETs again.
     */
    @Test
    void innerGuardsFailureUnderTheApplicationsOwnIsNotRetriedAgain() { // R47
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(2));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> outer(3).call(UpstreamRequest.of("GET"), attempt -> {
                    try {
                        return inner.send(get("/orders"), BodyHandlers.ofString());
                    } catch (UpstreamFailureException ordersFailed) {
                        throw new UpstreamFailureException(UpstreamFailure.ofUpstreamStatus(503, null), ordersFailed);
                    }
                }));

        assertThat(orders.requestCount()).isEqualTo(2);
        assertThat(thrown.failure().attempts()).isEqualTo(1);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
    }

    /** One the application throws itself, saying which upstream failed how, is an attempt's failure as before. */
    @Test
    void upstreamFailureTheApplicationThrowsIsRetried() { // R14
        UpstreamGuard outer = outer(3);
        AtomicInteger calls = new AtomicInteger();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> outer.call(UpstreamRequest.of("GET"), attempt -> {
                    calls.incrementAndGet();
                    throw new UpstreamFailureException(UpstreamFailure.ofUpstreamStatus(503, null), null);
                }));

        assertThat(calls).hasValue(3);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.MAX_ATTEMPTS);
    }

    /**
     * A failure a classifier builds from a plain client's exception is one attempt with no refusal, whatever an
     * extension's statusFailure built: one with attempts(0) (no guard's attempt, its author thought) or a refusal
     * was taken for another guard's decision, and the call was not retried.
     */
    @Test
    void extensionsStatusFailureIsNoInnerGuardsDecision() { // R47, R14
        CauseClassifier feignLike = new CauseClassifier() {
            @Override
            public Optional<FailureCause> classify(Throwable throwable) {
                return throwable instanceof IllegalStateException ? Optional.of(FailureCause.UPSTREAM_STATUS)
                        : Optional.empty();
            }

            @Override
            public UpstreamFailure statusFailure(Throwable throwable) {
                return UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(503)
                        .upstreamRetryAfter(Duration.ofMillis(1)).attempts(0)
                        .retryRefusal(RetryRefusal.BREAKER_OPEN).breakerRemainingOpen(Duration.ofHours(1)).build();
            }
        };
        UpstreamGuard outer = UpstreamGuard.builder(UpstreamConfig.builder("checkout")
                .endpoints(URI.create("http://10.0.0.9:8080"))
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(3).build())
                .classifier(FailureClassifier.of(List.of(feignLike))).listener(outerEvents).build();
        AtomicInteger calls = new AtomicInteger();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> outer.call(UpstreamRequest.of("GET"), attempt -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("503 from billing");
                }));

        assertThat(calls).hasValue(3);
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.upstreamStatus()).isEqualTo(503);
        assertThat(failure.upstreamRetryAfter()).isEqualTo(Duration.ofMillis(1));
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.MAX_ATTEMPTS);
        assertThat(failure.breakerRemainingOpen()).as("no breaker of checkout's, nor of another guard's").isNull();
    }

    /**
     * The inner guard's full bulkhead refused its call: the outer guard's attempt ran (checkout's code did), so its
     * failure is one attempt of checkout's, not retried. It was taken for checkout's own client holding the request
     * back: checkout's rejected call, {@code attempts=0} in the log line, as if checkout's own bulkhead were full.
     */
    @Test
    void innerGuardsFullBulkheadIsAnAttemptOfTheOuterGuardNotItsRejection() { // R47
        FaultyUpstream orders = upstreams.start(Behaviour.ok());
        GuardedHttpClient inner = inner(fast(orders.uri())
                .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(1).maxWaitDuration(Duration.ZERO).build()));
        assertThat(inner.guard().bulkhead().tryAcquirePermission()).as("the inner guard's one permit, held").isTrue();
        UpstreamGuard outer = outer(3);

        UpstreamFailureException thrown = nested(outer, inner, get("/orders"));

        assertThat(orders.requestCount()).isZero();
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.upstream()).isEqualTo("checkout");
        assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.NOT_RETRYABLE);
        assertThat(outer.metrics().rejectedCalls()).isZero();
        assertThat(outer.metrics().failedCalls()).isEqualTo(1);
        assertThat(outer.metrics().attempts()).isEqualTo(1);
        assertThat(inner.guard().metrics().rejectedCalls()).isEqualTo(1);
    }

    /**
     * The same when the inner guard's refusal reaches the outer guard only as a suppressed exception (the application
     * fell back to a cache, and threw its miss with the inner failure suppressed), where the classifier finds it too:
     * the outer guard looked for it among the causes only, and took it for its own client holding the request back.
     * (A client's own refusal names no upstream, and stays a rejected call: UpstreamGuardTests.)
     */
    @Test
    void innerGuardsFullBulkheadSuppressedByTheApplicationsOwnFailureIsAnAttemptToo() { // R47
        FaultyUpstream orders = upstreams.start(Behaviour.ok());
        GuardedHttpClient inner = inner(fast(orders.uri())
                .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(1).maxWaitDuration(Duration.ZERO).build()));
        assertThat(inner.guard().bulkhead().tryAcquirePermission()).as("the inner guard's one permit, held").isTrue();
        UpstreamGuard outer = outer(3);

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> outer.call(UpstreamRequest.of("GET"), attempt -> {
                    try {
                        return inner.send(get("/orders"), BodyHandlers.ofString());
                    } catch (UpstreamFailureException ordersFull) {
                        IOException cacheMiss = new IOException("no cached orders either");
                        cacheMiss.addSuppressed(ordersFull);
                        throw new UncheckedIOException(cacheMiss);
                    }
                }));

        UpstreamFailure failure = thrown.failure();
        assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.NOT_RETRYABLE);
        assertThat(outer.metrics().rejectedCalls()).isZero();
        assertThat(outer.metrics().attempts()).isEqualTo(1);
    }

    @Test
    void asynchronousOuterCallDoesNotRetryTheInnerGuardsFailureEither() throws Exception { // R47
        FaultyUpstream orders = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient inner = inner(fast(orders.uri()).maxAttempts(2));
        UpstreamGuard outer = outer(3);

        Throwable thrown = outer.callAsync(UpstreamRequest.of("GET"),
                attempt -> inner.sendAsync(get("/orders"), BodyHandlers.ofString()))
                .handle((response, failure) -> failure).get(10, TimeUnit.SECONDS);

        assertThat(orders.requestCount()).isEqualTo(2);
        assertThat(thrown).isInstanceOf(UpstreamFailureException.class);
        assertThat(((UpstreamFailureException) thrown).failure().retryRefusal())
                .isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
    }

    /**
     * An inner guard around a client that throws for a 5xx (Spring's RestClient) whose response carries a
     * Proxy-Status error, which the inner guard weighed (refused, or retried with retry.on-proxy-status-error): an
     * outer guard that retries such responses reads the same Proxy-Status down the cause chain, and repeated what
     * the inner guard decided, 3 or 6 calls instead of 1 or 2.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void proxyStatusTheInnerGuardWeighedIsNotRetriedByTheOuterGuard(boolean innerRetriesIt, @TempDir Path classes)
            throws Exception { // R47
        RuntimeException springs = springResponseException(502, "edge; error=connection_timeout", classes);
        UpstreamGuard inner = UpstreamGuard.builder(fast(URI.create("http://10.0.0.7:8080")).maxAttempts(2)
                .retryOnProxyStatusErrorEnabled(innerRetriesIt).build()).listener(innerEvents).build();
        UpstreamGuard outer = UpstreamGuard.builder(UpstreamConfig.builder("checkout")
                .endpoints(URI.create("http://10.0.0.9:8080"))
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(3)
                .retryOnProxyStatusErrorEnabled(true).build()).listener(outerEvents).build();
        AtomicInteger calls = new AtomicInteger();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> outer.call(UpstreamRequest.of("GET"), attempt -> inner.call(UpstreamRequest.of("GET"), call -> {
                    calls.incrementAndGet();
                    throw springs;
                })));

        assertThat(calls).hasValue(innerRetriesIt ? 2 : 1);
        assertThat(innerEvents.refusals()).containsExactly(innerRetriesIt ? RetryRefusal.MAX_ATTEMPTS
                : RetryRefusal.UPSTREAM_GATEWAY_GAVE_UP);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(502);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.INNER_GUARD_GAVE_UP);
        assertThat(outer.metrics().retries()).isZero();
    }

    private GuardedHttpClient inner(UpstreamConfig.Builder config) {
        return GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config.build()).listener(innerEvents).build());
    }

    /** The outer guard, retrying as eagerly as the inner one; its endpoint is never called (the call is the code's). */
    private UpstreamGuard outer(int maxAttempts) {
        return UpstreamGuard.builder(UpstreamConfig.builder("checkout").endpoints(URI.create("http://10.0.0.9:8080"))
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(maxAttempts).build())
                .listener(outerEvents).build();
    }

    private static UpstreamFailureException nested(UpstreamGuard outer, GuardedHttpClient inner, HttpRequest request) {
        return catchThrowableOfType(UpstreamFailureException.class, () -> outer.call(UpstreamRequest.of("GET"),
                attempt -> inner.send(request, BodyHandlers.ofString())));
    }

    /**
     * Spring's exception for a 5xx response (RestTemplate's, RestClient's), as the classifier and the guard know it:
     * by its class name, its status and Proxy-Status read by reflection. Compiled at run time into a loader of its
     * own: the core's tests have no Spring, and a class of that name among them would shadow Spring's own in the
     * servlet module's tests, which have this module's test-jar.
     */
    private static RuntimeException springResponseException(int status, String proxyStatus, Path classes)
            throws Exception {
        Path source = classes.resolve("RestClientResponseException.java");
        Files.writeString(source, """
                package org.springframework.web.client;

                public class RestClientResponseException extends RuntimeException {
                    private final int status;
                    private final String proxyStatus;

                    public RestClientResponseException(int status, String proxyStatus) {
                        super(status + " on the upstream's response");
                        this.status = status;
                        this.proxyStatus = proxyStatus;
                    }

                    public Code getStatusCode() {
                        return new Code(status);
                    }

                    public Headers getResponseHeaders() {
                        return new Headers(proxyStatus);
                    }

                    public static final class Code {
                        private final int value;

                        Code(int value) {
                            this.value = value;
                        }

                        public int value() {
                            return value;
                        }
                    }

                    public static final class Headers {
                        private final String proxyStatus;

                        Headers(String proxyStatus) {
                            this.proxyStatus = proxyStatus;
                        }

                        public String getFirst(String name) {
                            return "Proxy-Status".equalsIgnoreCase(name) ? proxyStatus : null;
                        }
                    }
                }
                """);
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                source.toString())).as("compiled").isZero();
        ClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                NestedGuardRetryIntegrationTests.class.getClassLoader());
        return (RuntimeException) loader.loadClass("org.springframework.web.client.RestClientResponseException")
                .getConstructor(int.class, String.class).newInstance(status, proxyStatus);
    }
}
