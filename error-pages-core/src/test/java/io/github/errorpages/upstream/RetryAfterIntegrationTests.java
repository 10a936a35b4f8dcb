package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.internal.JdkResponseAdapter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upstream's {@code Retry-After} is a floor for the next attempt, and above the cap or the deadline it
 * ends the call at once and is passed on (standards R46, R3, R10).
 */
class RetryAfterIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    @Test
    void retryAfterOneSecondDelaysTheRetryByAtLeastASecond() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(503, "busy", "Retry-After", "1"), Behaviour.ok()));
        // The body-agnostic API, with the JDK client used by hand, so the test sees each attempt.
        // 1.7 s of the deadline are left for the retry's first 300 ms after the 1 s wait, so a busy machine's
        // delays do not end the call before its second attempt.
        UpstreamConfig config = fast(upstream.uri()).deadline(Duration.ofSeconds(3))
                .attemptTimeout(Duration.ofMillis(2500)).minAttemptTimeout(Duration.ofMillis(300)).build();
        UpstreamGuard guard = UpstreamGuard.builder(config).listener(events).build();
        List<Attempt> attempts = new CopyOnWriteArrayList<>();

        HttpResponse<String> response = guard.call(UpstreamRequest.of("GET"), JdkResponseAdapter.instance(), attempt -> {
            attempts.add(attempt);
            HttpRequest request = HttpRequest.newBuilder(attempt.resolve(URI.create("/orders/42")))
                    .timeout(attempt.timeout()).build();
            return HTTP.send(request, BodyHandlers.ofString());
        });

        assertThat(response.statusCode()).isEqualTo(200);
        List<Long> received = upstream.requestTimesNanos();
        assertThat(received).hasSize(2);
        assertThat(Duration.ofNanos(received.get(1) - received.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(e -> assertThat(e.delay()).isEqualTo(Duration.ofSeconds(1)));
        // The retry only gets what is left of the deadline after the wait: less than 3 s - 1 s, where its full
        // 2.5 s would show the wait not counted. Time lost to a busy machine only makes it shorter.
        assertThat(attempts).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(attempts.get(0).timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(attempts.get(1).timeout()).isLessThan(Duration.ofSeconds(2)).isPositive();
    }

    @Test
    void retryAfterAboveTheCapEndsTheCallAtOnceAndIsPassedOn() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "120"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP,
                UpstreamGuard.builder(fast(upstream.uri()).maxAttempts(3).maxHonouredRetryAfter(Duration.ofSeconds(10))
                        .build()).listener(events).build());

        long start = System.nanoTime();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(upstream.requestCount()).isEqualTo(1);
        // At once: a guard that waited before giving up would wait the 10 s it honours at least.
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(events.refusals()).containsExactly(RetryRefusal.RETRY_AFTER_TOO_LONG);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(120));
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure());
        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.retryAfterHeader()).isEqualTo("120");
    }

    @Test
    void hugeRetryAfterIsPassedOnClamped() { // R10
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "99999"));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).build()));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure()).retryAfterHeader())
                .isEqualTo("3600");
    }

    @Test
    void retryAfterBeyondTheDeadlineEndsTheCallAtOnce() { // R45, R46
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "5"));
        UpstreamConfig config = fast(upstream.uri()).deadline(Duration.ofSeconds(4))
                .attemptTimeout(Duration.ofSeconds(1)).maxHonouredRetryAfter(Duration.ofSeconds(10)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config).listener(events).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(events.refusals()).containsExactly(RetryRefusal.DEADLINE);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(5));
        // At once: waiting out the Retry-After (5 s) or the deadline (4 s) before giving up would take longer.
        assertThat(thrown.failure().elapsed()).isLessThan(Duration.ofSeconds(4));
    }
}
