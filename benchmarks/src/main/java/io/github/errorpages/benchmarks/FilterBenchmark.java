package io.github.errorpages.benchmarks;

import io.github.errorpages.benchmarks.servlet.StubConfig;
import io.github.errorpages.benchmarks.servlet.StubRequest;
import io.github.errorpages.benchmarks.servlet.StubResponse;
import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link ErrorPagesFilter} costs a request that succeeds (issue 7, items 1 and 4: budget 150 ns and
 * 64 B per request): the filter as the builder makes it, in front of a servlet that answers 200 with a
 * small body through the output stream, against the same servlet called without the filter.
 *
 * <p>The servlet is kept from being inlined into the filter, as a container's filter chain and servlet
 * (several virtual calls deep) are in a real server: otherwise the JIT could see that the filter's
 * wrappers never escape and remove them, and the benchmark would measure less than a server pays. The
 * request and response are hand-written stubs that allocate nothing ({@code io.github.errorpages.benchmarks
 * .servlet}), so {@code gc.alloc.rate.norm} of {@link #withFilter()} is the filter's own allocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class FilterBenchmark {

    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    private ErrorPagesFilter filter;
    private StubRequest request;
    private StubResponse response;
    private final FilterChain servlet = FilterBenchmark::helloServlet;

    @Setup
    public void setUp() throws ServletException, IOException {
        filter = ErrorPagesFilter.builder().build();
        filter.init(new StubConfig("errorPages"));
        request = new StubRequest("GET", "/hello", Map.of("Host", "127.0.0.1:8080", "Accept", "*/*"));
        response = new StubResponse();

        withFilter();
        if (response.getStatus() != HttpServletResponse.SC_OK || response.bodyLength() != HELLO.length) {
            throw new IllegalStateException("the servlet behind the filter must answer 200 with its " + HELLO.length
                    + " bytes, but gave " + response.getStatus() + " with " + response.bodyLength() + " bytes");
        }
    }

    /** The servlet alone: what the request costs without the filter (the stubs' share of the time). */
    @Benchmark
    public int withoutFilter() throws IOException, ServletException {
        request.clearAttributes();
        response.clear();
        servlet.doFilter(request, response);
        return response.bodyLength();
    }

    /** The same servlet behind the filter. */
    @Benchmark
    public int withFilter() throws IOException, ServletException {
        request.clearAttributes();
        response.clear();
        filter.doFilter(request, response, servlet);
        return response.bodyLength();
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static void helloServlet(ServletRequest request, ServletResponse response) throws IOException {
        HttpServletResponse http = (HttpServletResponse) response;
        http.setStatus(HttpServletResponse.SC_OK);
        http.setContentType("text/plain");
        http.setContentLength(HELLO.length);
        http.getOutputStream().write(HELLO);
    }
}
