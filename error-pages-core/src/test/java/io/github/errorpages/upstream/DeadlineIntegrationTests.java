package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.CommonPoolBusy;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.net.URI;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One deadline across all attempts, and a timeout per attempt (standards R45, R2). */
class DeadlineIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    @Test
    void slowUpstreamGetsOneAttemptAnd504WithinTheDeadline() {
        // The upstream answers after 30 s (the wait ends when the test closes it): far from the attempt's 1.5 s.
        FaultyUpstream slow = upstreams.start(Behaviour.delay(Duration.ofSeconds(30)));
        UpstreamConfig config = fast(slow.uri()).maxAttempts(3)
                .deadline(Duration.ofSeconds(2)).attemptTimeout(Duration.ofMillis(1500)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config).listener(events).build());

        long start = System.nanoTime();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/reports"), BodyHandlers.ofString()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(slow.requestCount()).isEqualTo(1);
        assertThat(thrown.failure().attempts()).isEqualTo(1);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(thrown.failure()).status()).isEqualTo(504);
        assertThat(events.refusals()).containsExactly(RetryRefusal.DEADLINE);
        assertThat(thrown.failure().retryRefusal()).as("as the event says").isEqualTo(RetryRefusal.DEADLINE);
        // Ended by the attempt timeout, not by the upstream's 30 s answer: the upper bound is half of that answer,
        // not a few hundred milliseconds past the attempt timeout, so a loaded CI machine cannot reach it (the number
        // of requests and the refusal above already show no second attempt was made).
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1500)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void fastFailureLeavesTimeForARetryWithinTheDeadline() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(Behaviour.respond(503, "busy"), Behaviour.ok()));
        UpstreamConfig config = fast(upstream.uri())
                .deadline(Duration.ofSeconds(2)).attemptTimeout(Duration.ofMillis(1500)).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(config));

        assertThat(client.send(get("/reports"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(upstream.requestCount()).isEqualTo(2);
    }

    @Test
    void asyncAttemptIsTimedOutAndCancelledByTheGuard() throws Exception {
        UpstreamConfig config = fast(URI.create("http://127.0.0.1:9")).maxAttempts(2)
                .deadline(Duration.ofSeconds(4)).attemptTimeout(Duration.ofMillis(400)).build();
        UpstreamGuard guard = UpstreamGuard.builder(config).listener(events).build();
        CompletableFuture<String> neverAnswered = new CompletableFuture<>();
        CompletableFuture<String> secondNeverAnswered = new CompletableFuture<>();

        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                attempt -> attempt.number() == 1 ? neverAnswered : secondNeverAnswered);
        ExecutionException failed = catchThrowableOfType(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));

        assertThat(failed.getCause()).isInstanceOf(UpstreamFailureException.class);
        UpstreamFailureException thrown = (UpstreamFailureException) failed.getCause();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        assertThat(thrown.failure().attempts()).isEqualTo(2);
        assertThat(neverAnswered).isCancelled();
        assertThat(secondNeverAnswered).isCancelled();
        // Both attempts ended by their own 400 ms timeout, not by the 4 s deadline (which would end the call no
        // sooner than 4 s, after one attempt): the deadline leaves a busy machine seconds of room.
        assertThat(thrown.failure().elapsed()).isLessThan(Duration.ofSeconds(4));
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
    }

    @Test
    void retryThatWakesUpTooLateIsNotSent() throws Exception {
        // R45: granted with time to spare, the retry starts 1.5 s late (a saturated executor); an attempt then
        // could only time out, count as a second failure and hide the upstream's 503 behind a 504.
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "down"));
        ScheduledExecutorService late = Executors.newSingleThreadScheduledExecutor();
        try {
            Executor saturated = task -> late.schedule(task, 1500, TimeUnit.MILLISECONDS);
            UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).deadline(Duration.ofSeconds(1))
                    .attemptTimeout(Duration.ofMillis(500)).minAttemptTimeout(Duration.ofMillis(200)).build())
                    .executor(saturated).listener(events).build();

            CompletableFuture<?> sent = GuardedHttpClient.of(HTTP, guard).sendAsync(get("/x"), BodyHandlers.ofString());

            ExecutionException failed = catchThrowableOfType(ExecutionException.class, () -> sent.get(5, TimeUnit.SECONDS));
            UpstreamFailureException thrown = (UpstreamFailureException) failed.getCause();
            assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
            assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
            assertThat(upstream.requestCount()).as("requests that reached the upstream").isEqualTo(1);
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
            assertThat(events.refusals()).containsExactly(RetryRefusal.DEADLINE);
            assertThat(thrown.failure().retryRefusal()).as("as the event says").isEqualTo(RetryRefusal.DEADLINE);
        } finally {
            late.shutdownNow();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS) // without the bound, the upstream's stall lasts ten minutes
    void blockingSendEndsByTheAttemptTimeoutWhenTheBodyStalls() {
        // R45: the JDK's own request timeout ends with the response head; a handler that reads the whole body
        // (ofString) would wait for an upstream that stalls mid-body until it closes the connection.
        GuardedHttpClient client = clientOfAnUpstreamThatStallsMidBody();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/x"), BodyHandlers.ofString()));

        assertThat(thrown).as("ended by the attempt timeout, not by the upstream").isNotNull();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        // Ended by the bound on the body, not by the blocking send's backstop, which comes 500 ms later: told by the
        // cause rather than by the clock, which a busy machine may slow by as much.
        assertThat(thrown).hasStackTraceContaining("response body not complete within the attempt timeout");
        // Without any bound, the send would wait for the upstream's ten minutes and the @Timeout end the test: half
        // of that timeout leaves a busy machine room past the 500 ms.
        assertThat(thrown.failure().elapsed()).isLessThan(Duration.ofSeconds(10));
    }

    /**
     * The same with every worker of the JVM's common pool blocked by the application (a parallel stream, a
     * {@code supplyAsync} that waits: on two cores the pool has one worker): the bound on the body is the guard's own,
     * and must not wait for a worker that never comes. (It did: the blocking send's backstop ended the call, 500 ms
     * later; an expiry handed to the pool then ran once the application let a worker go.)
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void blockingSendEndsByTheAttemptTimeoutWhenTheBodyStallsAndTheCommonPoolIsBusy() throws InterruptedException {
        GuardedHttpClient client = clientOfAnUpstreamThatStallsMidBody();

        UpstreamFailureException thrown;
        try (CommonPoolBusy busy = CommonPoolBusy.start()) {
            thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> client.send(get("/x"), BodyHandlers.ofString()));
        }

        assertThat(thrown).as("ended by the attempt timeout, not by the upstream").isNotNull();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        assertThat(thrown).hasStackTraceContaining("response body not complete within the attempt timeout");
    }

    /**
     * The same for {@code sendAsync}, which the guard's own timeout of the attempt ends as well as the bound on the
     * body: nothing on its way to the caller waits for a worker of the common pool.
     */
    @Test
    void asyncSendEndsByTheAttemptTimeoutWhenTheBodyStallsAndTheCommonPoolIsBusy() throws InterruptedException {
        GuardedHttpClient client = clientOfAnUpstreamThatStallsMidBody();

        ExecutionException thrown;
        try (CommonPoolBusy busy = CommonPoolBusy.start()) {
            CompletableFuture<HttpResponse<String>> sent = client.sendAsync(get("/x"), BodyHandlers.ofString());
            thrown = catchThrowableOfType(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS));
        }

        assertThat(thrown).as("ended, and not by the 10 s wait").isNotNull()
                .hasCauseInstanceOf(UpstreamFailureException.class);
        assertThat(((UpstreamFailureException) thrown.getCause()).failure().cause())
                .isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
    }

    /** One attempt of 500 ms, within a deadline of 1 s, to an upstream that sends half a body and stalls. */
    private GuardedHttpClient clientOfAnUpstreamThatStallsMidBody() {
        FaultyUpstream upstream = upstreams.start(Behaviour.stallMidBody());
        return GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .deadline(Duration.ofSeconds(1)).attemptTimeout(Duration.ofMillis(500)).build()));
    }

    @Test
    void streamedBodyIsNotBoundedOnceHandedOver() throws Exception {
        // The attempt timeout bounds the body a handler reads whole, not one it hands over at once: the caller
        // of ofInputStream reads it as slowly as the upstream sends it.
        FaultyUpstream upstream = upstreams.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n");
            for (int i = 0; i < 10; i++) {
                exchange.await(Duration.ofMillis(100)); // 1 s in all, the attempt timeout is 300 ms
                exchange.writeRaw("x");
            }
        });
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1)
                .attemptTimeout(Duration.ofMillis(300)).build()));

        HttpResponse<InputStream> response = client.send(get("/export"), BodyHandlers.ofInputStream());

        try (InputStream body = response.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("xxxxxxxxxx");
        }
    }
}
