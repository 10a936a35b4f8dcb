package io.github.errorpages.benchmarks;

import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the upstream guard costs around a call that needs no network (issue 3): the happy path through
 * breaker, bulkhead, budget and counters, and the rejection of a call by an open breaker, which must answer
 * in microseconds (DESIGN §5).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class UpstreamGuardBenchmark {

    private static final UpstreamRequest GET = UpstreamRequest.of("GET");

    private UpstreamGuard healthy;
    private UpstreamGuard open;

    @Setup
    public void setUp() {
        URI endpoint = URI.create("http://10.0.0.7:8080");
        healthy = UpstreamGuard.of(UpstreamConfig.builder("healthy").endpoints(endpoint).build());
        // Open for an hour: with the default 30 s, a long run would see the breaker half-open and let calls by.
        CircuitBreakerConfig openForAnHour = CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                .waitDurationInOpenState(Duration.ofHours(1))
                .build();
        open = UpstreamGuard.of(UpstreamConfig.builder("open").endpoints(endpoint)
                .circuitBreakerConfig(openForAnHour).build());
        open.circuitBreakers().get(0).transitionToOpenState();
    }

    @Benchmark
    public String guardedCallThatSucceeds() throws InterruptedException {
        return healthy.call(GET, attempt -> "ok");
    }

    @Benchmark
    public UpstreamFailure callRejectedByAnOpenBreaker() throws InterruptedException {
        try {
            open.call(GET, attempt -> "never");
            throw new IllegalStateException("the breaker is open");
        } catch (UpstreamFailureException rejected) {
            return rejected.failure();
        }
    }
}
