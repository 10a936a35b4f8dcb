package io.github.errorpages.benchmarks;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.internal.ThreadBodies;
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
 * Rendering the built-in 502 page for a refused connection in each format (issue 7, items 1 and 4: HTML
 * budget 5 µs): {@link ErrorPages#render(ErrorDecision, ErrorRequest)} with every default. That is format and
 * language negotiation, a support code, the flat model, the precompiled mustache template, the UTF-8 body and every
 * header (for HTML the {@code Content-Security-Policy} with the hashes of the page's inline style and script). The
 * filter and the proxy servlet call {@code render(failure, request)}, which decides first: that decision is what
 * {@code ClassificationBenchmark.decide} measures (some 15 ns).
 *
 * <p>The one log line per error response is switched off here ({@code defaultLogLevel=error}): what it
 * costs is the application's logging back end's, not the page's. The load harness keeps it on.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"},
        jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=error")
public class RenderingBenchmark {

    /** What Chrome and Firefox send for a page. */
    static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
            + "image/webp,*/*;q=0.8";

    private ErrorPages errorPages;
    private ErrorDecision decision;
    private ErrorRequest browser;
    private ErrorRequest browserTakingGzip;
    private ErrorRequest apiClient;
    private ErrorRequest textClient;

    @Setup
    public void setUp() {
        errorPages = ErrorPages.ofDefaults();
        decision = errorPages.policy().decide(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                .upstream("orders").attempts(2).build());
        browser = new ErrorRequest("GET", "/orders/42", BROWSER_ACCEPT, "en-GB,en;q=0.9", null);
        browserTakingGzip = new ErrorRequest("GET", "/orders/42", BROWSER_ACCEPT, "en-GB,en;q=0.9", null,
                "gzip, deflate, br, zstd");
        apiClient = new ErrorRequest("GET", "/orders/42", "application/json", null, null);
        textClient = new ErrorRequest("GET", "/orders/42", "text/plain", null, null);
        if (decision.status() != 502) {
            throw new IllegalStateException("a refused connection must give 502, but gave " + decision.status());
        }
        if (!"gzip".equals(errorPages.render(decision, browserTakingGzip).header("Content-Encoding"))) {
            throw new IllegalStateException("the HTML page must go compressed to a browser that takes gzip");
        }
    }

    @Benchmark
    public ErrorResponse html502() {
        return errorPages.render(decision, browser);
    }

    /**
     * The same page as the servlet filter and proxy render it for a blocking write: into an array of the thread's own,
     * kept from its last page of that length ({@code ThreadBodies}), not a new one.
     */
    @Benchmark
    public ErrorResponse html502IntoTheThreadsArray() {
        return ThreadBodies.rendering(() -> errorPages.render(decision, browser));
    }

    /** The same page gzip-compressed, as a browser gets it: the compressed chunks and the CRC-32 of the page. */
    @Benchmark
    public ErrorResponse html502Gzip() {
        return errorPages.render(decision, browserTakingGzip);
    }

    @Benchmark
    public ErrorResponse problemJson502() {
        return errorPages.render(decision, apiClient);
    }

    @Benchmark
    public ErrorResponse text502() {
        return errorPages.render(decision, textClient);
    }
}
