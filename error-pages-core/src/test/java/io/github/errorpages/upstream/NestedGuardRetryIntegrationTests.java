package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static io.github.errorpages.upstream.Guards.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
}
