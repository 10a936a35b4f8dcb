package io.github.errorpages.servlet;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.servlet.UpstreamFaults.Fault;
import io.github.errorpages.servlet.UpstreamFaults.Kind;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix for {@link ReverseProxyServlet}: each fault's upstream behind its own proxy
 * servlet and guard on one real Jetty server; every fault × GET/HEAD/POST × HTML/JSON/text must give the
 * right status, the headers of DESIGN §4, a body of the right shape and nothing about the upstream (R36,
 * R37), a committed response cut off mid-body must stay incomplete (R5), and a POST must reach the upstream
 * exactly once (one attempt, R13) in every case. Runs once per {@link ProxyTransport}
 * ({@link ReverseProxyServletFaultMatrixJettyTransportIntegrationTests},
 * {@link ReverseProxyServletFaultMatrixJdkTransportIntegrationTests}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReverseProxyServletFaultMatrixIntegrationTests {

    private static final ErrorPages PAGES = ErrorPages.ofDefaults();
    /** Never opens by itself during the matrix (many failures in a row), 60 s open when forced. */
    private static final CircuitBreakerConfig BREAKER = CircuitBreakerConfig.custom()
            .slidingWindowSize(10_000)
            .minimumNumberOfCalls(10_000)
            .waitDurationInOpenState(Duration.ofSeconds(60))
            .build();
    /** The gateway's name in Proxy-Status (R6), on in this matrix; off by default, which the proxy's tests check. */
    private static final String PROXY_STATUS_NAME = "edge-gateway";
    private final ProxyTransport transport;
    private final List<UpstreamGuard> guards = new ArrayList<>();
    private UpstreamFaults faults;
    private JettyServer jetty;

    ReverseProxyServletFaultMatrixIntegrationTests(ProxyTransport transport) {
        this.transport = transport;
    }

    @BeforeAll
    void start() {
        // R8: the breaker's remaining open time, rounded up: at most 60 s, less as the matrix runs
        faults = new UpstreamFaults("[1-9]|[1-5]\\d|60");
        jetty = new JettyServer();
        for (Fault fault : faults.all()) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing")
                    .endpoints(fault.target())
                    .attemptTimeout(fault.timeout())
                    .deadline(fault.timeout().multipliedBy(4))
                    .retryBudgetEnabled(false) // every GET gets its retry, so the counts are the same every run
                    .circuitBreakerConfig(BREAKER)
                    .build());
            if (fault.kind() == Kind.BREAKER_OPEN) {
                guard.circuitBreakers().forEach(breaker -> breaker.transitionToOpenState());
            }
            guards.add(guard);
            // The connect timeout as short as the attempt's: the blackhole row is a connect timeout either way.
            jetty.servlet("/proxy/" + guards.size() + "/*", ReverseProxyServlet.builder(guard)
                    .transport(transport)
                    .connectTimeout(fault.timeout())
                    .errorPages(PAGES)
                    .proxyStatus(PROXY_STATUS_NAME)
                    .build());
        }
        jetty.start();
    }

    @AfterAll
    void stop() throws Exception {
        jetty.close();
        faults.close();
    }

    /** Evaluated after {@code @BeforeAll}, so the rows are the running upstreams. */
    Stream<Arguments> cells() {
        return FaultMatrix.cells(faults);
    }

    @ParameterizedTest(name = "{0}, Accept: {1}")
    @MethodSource("cells")
    void answersEveryFaultForEveryMethodAndFormat(Fault fault, String accept) throws Exception {
        int index = faults.all().indexOf(fault);
        UpstreamGuard guard = guards.get(index);
        // A GET may take 2 attempts (one retry, R14). The JDK client also repeats a GET itself on a connection
        // reset before any response byte, within one attempt: up to 4 calls. Jetty's client never repeats a
        // request on its own, so there each attempt is one call: up to 2.
        int maxGetCalls = transport == ProxyTransport.JDK ? 4 : 2;
        FaultMatrix.assertAnswers(jetty.uri("/proxy/" + (index + 1) + "/orders/42"), fault, accept, PAGES,
                maxGetCalls, () -> guard.metrics().attempts(), true, PROXY_STATUS_NAME);
    }
}
