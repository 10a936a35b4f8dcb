package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 64 threads hammer one guard, half of them through the blocking and half through the async driver, against
 * one upstream reached through two endpoint names: every call is accounted for exactly once, the counters
 * agree with each other, with the upstream and with the events, and no bulkhead permit is lost.
 */
class GuardConcurrencyIntegrationTests {

    private static final int THREADS = 64;
    private static final int CALLS_PER_THREAD = 40;
    private static final int MAX_CONCURRENT = 12;

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();
    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void countersStayConsistentAndNoBulkheadPermitIsLost() throws Exception {
        AtomicInteger served = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        // Every third request fails with a retryable 503; each takes a moment, so the bulkhead fills up. A request
        // is in flight from its receipt until its answer is written, not until the upstream's thread is done
        // with it: the guard gives its permit back once the answer arrives, and the next attempt may reach the
        // upstream before a descheduled thread has counted the last one out (13 of 12, 6 times in 240 runs on a
        // busy machine).
        FaultyUpstream upstream = upstreams.start(exchange -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            boolean fails;
            try {
                exchange.await(Duration.ofMillis(2));
                fails = served.incrementAndGet() % 3 == 0;
            } finally {
                inFlight.decrementAndGet();
            }
            if (fails) {
                exchange.respond(503, "busy");
            } else {
                exchange.respond(200, "ok");
            }
        });
        // Two endpoint names for the same server, so the server sees everything the guard sends.
        URI viaLocalhost = URI.create("http://localhost:" + upstream.port());
        BulkheadRegistry bulkheads = BulkheadRegistry.of(BulkheadConfig.custom()
                .maxConcurrentCalls(MAX_CONCURRENT).maxWaitDuration(Duration.ZERO).build());
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri(), viaLocalhost).maxAttempts(3).build())
                .bulkheadRegistry(bulkheads).listener(events).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);

        LongAdder successes = new LongAdder();
        LongAdder failures = new LongAdder();
        LongAdder rejections = new LongAdder();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            boolean async = t % 2 == 0;
            workers.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                    try {
                        HttpResponse<String> response = async
                                ? client.sendAsync(get("/orders/" + i), BodyHandlers.ofString()).join()
                                : client.send(get("/orders/" + i), BodyHandlers.ofString());
                        assertThat(response.statusCode()).isEqualTo(200);
                        successes.increment();
                    } catch (UpstreamFailureException | CompletionException e) {
                        UpstreamFailureException failure = (UpstreamFailureException)
                                (e instanceof CompletionException ? e.getCause() : e);
                        failures.increment();
                        if (failure.failure().attempts() == 0) {
                            assertThat(failure.failure().cause()).isIn(FailureCause.CONNECTION_LIMIT_REACHED,
                                    FailureCause.DESTINATION_UNAVAILABLE);
                            rejections.increment();
                        }
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> worker : workers) {
            worker.get(120, TimeUnit.SECONDS);
        }

        UpstreamMetrics metrics = guard.metrics();
        long calls = (long) THREADS * CALLS_PER_THREAD;
        assertThat(metrics.calls()).isEqualTo(calls);
        assertThat(metrics.successfulCalls()).isEqualTo(successes.sum());
        assertThat(metrics.failedCalls()).isEqualTo(failures.sum());
        assertThat(metrics.rejectedCalls()).isEqualTo(rejections.sum());
        assertThat(metrics.abortedCalls()).isZero();
        assertThat(metrics.successfulCalls() + metrics.failedCalls()).isEqualTo(calls);
        assertThat(metrics.attempts())
                .isEqualTo(metrics.calls() - metrics.rejectedCalls() + metrics.retries() - metrics.lostRetries())
                .isEqualTo(upstream.requestCount());
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize((int) metrics.retries());
        assertThat(events.of(UpstreamEvent.CallSucceeded.class)).hasSize((int) metrics.successfulCalls());
        assertThat(events.of(UpstreamEvent.CallFailed.class)).hasSize((int) metrics.failedCalls());
        Bulkhead bulkhead = guard.bulkhead();
        assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).as("every permit came back")
                .isEqualTo(MAX_CONCURRENT);
        assertThat(maxInFlight.get()).as("the bulkhead bounded the attempts in flight")
                .isLessThanOrEqualTo(MAX_CONCURRENT);
        // The run exercised every path: successes, retries, and rejections by the full bulkhead.
        assertThat(metrics.successfulCalls()).isPositive();
        assertThat(metrics.retries()).isPositive();
        assertThat(metrics.rejectedCalls()).isPositive();
    }
}
