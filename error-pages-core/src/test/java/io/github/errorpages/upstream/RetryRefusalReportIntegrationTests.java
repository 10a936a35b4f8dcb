package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static io.github.errorpages.upstream.Guards.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.StandardError;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Why a failed call was not retried, told where an operator looks: the failure the call ends with carries the
 * reason of the guard's {@link UpstreamEvent.RetryRefused} event, and the error page's WARN line says it as
 * {@code retry_refused=} (operations.md). "attempts=1" alone could not tell a POST that must not be sent twice (R13)
 * from a spent retry budget (R44); "attempts=2" not the last allowed attempt (R14) from a retry cut by the deadline
 * (R45). A call no retry was weighed for (its breaker open before any attempt, R47) says {@code retry_refused=-}.
 */
class RetryRefusalReportIntegrationTests {

    private static final ErrorPages PAGES = ErrorPages.builder().build();
    private static final ErrorRequest JSON = new ErrorRequest("GET", "/orders", "application/json", null, null);

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    private GuardedHttpClient client(UpstreamConfig.Builder config) {
        return GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config.build()).listener(events).build());
    }

    @Test
    void postRefusedAsNotIdempotentSaysSo() { // R13
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3));

        UpstreamFailure failure = failureOf(client, "POST");

        assertThat(failure.attempts()).isEqualTo(1);
        assertReported(failure, RetryRefusal.NOT_IDEMPOTENT, "attempts=1 ", "retry_refused=not_idempotent ");
    }

    @Test
    void spentRetryBudgetSaysSo() { // R44
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        // No minimum: one call earns a tenth of a retry, so its retry is refused.
        GuardedHttpClient client = client(fast(upstream.uri()).retryBudget(true, 0.1, 0, Duration.ofMinutes(1)));

        UpstreamFailure failure = failureOf(client, "GET");

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertReported(failure, RetryRefusal.BUDGET_EXHAUSTED, "attempts=1 ", "retry_refused=budget_exhausted ");
    }

    @Test
    void lastAllowedAttemptSaysSo() { // R14
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(2));

        UpstreamFailure failure = failureOf(client, "GET");

        assertThat(upstream.requestCount()).isEqualTo(2);
        assertReported(failure, RetryRefusal.MAX_ATTEMPTS, "attempts=2 ", "retry_refused=max_attempts ");
    }

    @Test
    void retryTheDeadlineLeavesNoRoomForSaysSo() { // R45
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        // A backoff of 4 to 6 s does not fit a deadline of 2 s: decided at once, whatever the machine's speed.
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3)
                .backoff(Duration.ofSeconds(5), 2.0, Duration.ofSeconds(5), 0.2)
                .deadline(Duration.ofSeconds(2)).attemptTimeout(Duration.ofSeconds(1)));

        UpstreamFailure failure = failureOf(client, "GET");

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertReported(failure, RetryRefusal.DEADLINE, "attempts=1 ", "retry_refused=deadline ");
    }

    @Test
    void callItsOpenBreakerRefusedWeighedNoRetry() { // R47
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        client.guard().circuitBreakers().get(0).transitionToOpenState();

        UpstreamFailure failure = failureOf(client, "GET");

        assertThat(upstream.requestCount()).isZero();
        assertThat(failure.cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertReported(failure, null, "attempts=0 ", "retry_refused=- ");
    }

    /**
     * A retry granted, then lost when its time came (the breaker opened meanwhile): the failure is the last attempt's,
     * and says the reason of the lost retry's event, not the grant's absence of one.
     */
    @Test
    void retryLostToABreakerThatOpenedDuringTheBackoffSaysSo() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        AtomicReference<UpstreamGuard> guard = new AtomicReference<>();
        // The guard's executor runs only retries: it opens the breaker just before the retry starts.
        Executor opensTheBreakerFirst = retry -> {
            guard.get().circuitBreakers().get(0).transitionToForcedOpenState();
            retry.run();
        };
        guard.set(UpstreamGuard.builder(fast(upstream.uri()).build()).executor(opensTheBreakerFirst)
                .listener(events).build());

        CompletableFuture<?> sent = GuardedHttpClient.of(HTTP, guard.get()).sendAsync(get("/orders"),
                BodyHandlers.ofString());
        ExecutionException failed =
                catchThrowableOfType(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS));
        UpstreamFailure failure = ((UpstreamFailureException) failed.getCause()).failure();

        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(1);
        assertThat(guard.get().metrics().lostRetries()).isEqualTo(1);
        assertThat(failure.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertReported(failure, RetryRefusal.BREAKER_OPEN, "attempts=1 ", "retry_refused=breaker_open ");
    }

    private static UpstreamFailure failureOf(GuardedHttpClient client, String method) {
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(request(method, "/orders", "POST".equals(method) ? "{\"item\":42}" : null),
                        BodyHandlers.ofString()));
        assertThat(thrown).as("the call failed").isNotNull();
        return thrown.failure();
    }

    /**
     * The failure says the reason the event said (none when no event was), the call's failure event carries that very
     * failure, and the page's log line says it beside the attempts.
     */
    private void assertReported(UpstreamFailure failure, @Nullable RetryRefusal reason, String attempts,
            String retryRefused) {
        assertThat(failure.retryRefusal()).isEqualTo(reason);
        if (reason == null) {
            assertThat(events.refusals()).isEmpty();
        } else {
            assertThat(events.refusals()).containsExactly(reason);
        }
        assertThat(events.of(UpstreamEvent.CallFailed.class)).extracting(UpstreamEvent.CallFailed::failure)
                .containsExactly(failure);
        String log = StandardError.capture(() -> PAGES.render(failure, JSON));
        assertThat(log).contains("upstream=orders " + attempts).contains(retryRefused + "support_code=");
    }
}
