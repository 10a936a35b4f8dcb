package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.RetryAfter;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.servlet.UpstreamFaults.Fault;
import io.github.errorpages.servlet.UpstreamFaults.Kind;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix for {@link ErrorPagesFilter}: an application on a real Jetty server calls a
 * real misbehaving loopback upstream with the JDK's HttpClient and lets the failure escape (or, for an
 * upstream 5xx, reports it as an {@link UpstreamFailureException}); the filter must answer every fault ×
 * GET/HEAD/POST × HTML/JSON/text with the right status, the headers of DESIGN §4, a body of the right
 * shape, and nothing about the upstream. Servers are shared by all rows.
 */
class ErrorPagesFilterFaultMatrixIntegrationTests {

    private static final ErrorPages PAGES = ErrorPages.ofDefaults();
    private static UpstreamFaults faults;
    private static JettyServer jetty;

    @BeforeAll
    static void start() {
        faults = new UpstreamFaults("30"); // the default for 503: a bare CallNotPermittedException has no open time
        HttpClient fast = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(250)).build();
        HttpClient patient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        CircuitBreaker breaker = CircuitBreaker.ofDefaults("billing");
        breaker.transitionToOpenState();
        List<Fault> rows = faults.all();
        jetty = new JettyServer()
                .filter(ErrorPagesFilter.builder().errorPages(PAGES).build())
                .servlet("/app/*", servlet((request, response) -> {
                    Fault fault = rows.get(Integer.parseInt(request.getPathInfo().substring(1)));
                    if (fault.kind() == Kind.BREAKER_OPEN) {
                        breaker.acquirePermission(); // throws CallNotPermittedException: the breaker is open
                    }
                    callUpstream(fault.timeout().toMillis() < 1000 ? fast : patient, fault, request, response);
                }))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
        faults.close();
    }

    /** Evaluated after {@code @BeforeAll}, so the rows are the running upstreams. */
    static Stream<Arguments> cells() {
        return FaultMatrix.cells(faults);
    }

    @ParameterizedTest(name = "{0}, Accept: {1}")
    @MethodSource("cells")
    void answersEveryFaultForEveryMethodAndFormat(Fault fault, String accept) throws Exception {
        // Up to 2 calls per GET: the JDK client itself repeats an idempotent request whose connection was reset.
        FaultMatrix.assertAnswers(jetty.uri("/app/" + faults.all().indexOf(fault)), fault, accept, PAGES, 2, null,
                false, null);
    }

    /** What a typical application does: call the upstream, copy its answer, let failures escape. */
    private static void callUpstream(HttpClient client, Fault fault, HttpServletRequest request,
            HttpServletResponse response) throws Exception {
        HttpRequest.Builder upstreamRequest = HttpRequest.newBuilder(fault.target().resolve("/orders/42"))
                .timeout(fault.timeout())
                // The client's Accept passed on: the matrix tells the upstream requests of its cells apart by it.
                .header("Accept", request.getHeader("Accept"));
        if ("POST".equals(request.getMethod())) {
            upstreamRequest.POST(HttpRequest.BodyPublishers.ofByteArray(request.getInputStream().readAllBytes()));
        }
        if (fault.kind() == Kind.COMMITTED) {
            // Streams the upstream body as it arrives: a failure half-way comes after the commit.
            HttpResponse<InputStream> streamed = client.send(upstreamRequest.build(), HttpResponse.BodyHandlers.ofInputStream());
            response.setStatus(streamed.statusCode());
            streamed.headers().firstValueAsLong("Content-Length").ifPresent(response::setContentLengthLong);
            try (InputStream in = streamed.body()) {
                OutputStream out = response.getOutputStream();
                byte[] buffer = new byte[4096];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
            return;
        }
        HttpResponse<byte[]> answer = client.send(upstreamRequest.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() >= 500) {
            throw new UpstreamFailureException(UpstreamFailure.ofUpstreamStatus(answer.statusCode(),
                    RetryAfter.parse(answer.headers().firstValue("Retry-After").orElse(null), Clock.systemUTC())
                            .orElse(null)), null);
        }
        response.getOutputStream().write(answer.body());
    }
}
