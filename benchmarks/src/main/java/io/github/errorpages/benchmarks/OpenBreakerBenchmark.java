package io.github.errorpages.benchmarks;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.benchmarks.servlet.StubConfig;
import io.github.errorpages.benchmarks.servlet.StubRequest;
import io.github.errorpages.benchmarks.servlet.StubResponse;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A request to an upstream whose circuit breaker is open, end to end in one process (issue 7, item 1;
 * DESIGN §5: an open breaker answers in microseconds):
 * <ul>
 *   <li>{@link #proxyServlet()}: {@link ReverseProxyServlet} from {@code service(request, response)} to the
 *       written 503 page: the guard refuses the call before the upstream request is prepared
 *       ({@link UpstreamGuard#refuseIfUnavailable()}), the failure is decided and the HTML page rendered and
 *       written with its headers;</li>
 *   <li>{@link #guardAndRender()}: the same without the servlet, for an application that calls
 *       {@link UpstreamGuard#call} itself and answers with {@link ErrorPages#render}.</li>
 * </ul>
 * The breaker stays open for an hour, so no call ever reaches the (unused) endpoint. The log line of each
 * error response is switched off, as in {@link RenderingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"},
        jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=error")
public class OpenBreakerBenchmark {

    private static final UpstreamRequest GET = UpstreamRequest.of("GET");

    private UpstreamGuard guard;
    private ErrorPages errorPages;
    private ReverseProxyServlet servlet;
    private StubRequest request;
    private StubResponse response;
    private ErrorRequest errorRequest;

    @Setup
    public void setUp() throws ServletException, IOException {
        CircuitBreakerConfig openForAnHour = CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                .waitDurationInOpenState(Duration.ofHours(1))
                .build();
        // Port 9 (discard) on loopback: never contacted, the breaker refuses every call.
        guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(URI.create("http://127.0.0.1:9"))
                .circuitBreakerConfig(openForAnHour).build());
        guard.circuitBreakers().get(0).transitionToOpenState();
        errorPages = ErrorPages.ofDefaults();
        servlet = ReverseProxyServlet.builder(guard).errorPages(errorPages).build();
        servlet.init(new StubConfig("orders"));
        request = new StubRequest("GET", "/orders/42", Map.of(
                "Host", "shop.example",
                "Accept", RenderingBenchmark.BROWSER_ACCEPT,
                "Accept-Language", "en-GB,en;q=0.9",
                "User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"));
        response = new StubResponse();
        errorRequest = new ErrorRequest("GET", "/orders/42", RenderingBenchmark.BROWSER_ACCEPT, "en-GB,en;q=0.9", null);

        servlet.service(request, response);
        if (response.getStatus() != 503 || response.getHeader("Retry-After") == null || response.bodyLength() == 0) {
            throw new IllegalStateException("an open breaker must give a 503 page with Retry-After, but gave "
                    + response.getStatus() + " with " + response.bodyLength() + " bytes");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        servlet.destroy();
    }

    @Benchmark
    public int proxyServlet() throws ServletException, IOException {
        response.clear();
        servlet.service(request, response);
        return response.bodyLength();
    }

    @Benchmark
    public ErrorResponse guardAndRender() throws InterruptedException {
        try {
            guard.call(GET, attempt -> "never");
            throw new IllegalStateException("the breaker is open");
        } catch (UpstreamFailureException rejected) {
            return errorPages.render(rejected.failure(), errorRequest);
        }
    }
}
