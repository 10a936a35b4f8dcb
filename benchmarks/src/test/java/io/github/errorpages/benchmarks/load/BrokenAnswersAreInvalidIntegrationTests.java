package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The harness's check of the answers ("Every run checks its answers", benchmarks/README.md) keeps a broken server
 * from looking fast: each test runs wrk for 1 s against a broken stand-in of a measurement's server, judges the run as
 * {@code LoadHarness.measured} does (wrk's counts and bytes read, then one {@link Answer#take} after the run) and
 * expects {@link MeasurementResult#problems()} to name what is wrong. All three passed as valid runs, and the blank
 * page and the empty 200 were faster than the real answers, so they would have raised the ratios of (b) and (d).
 */
class BrokenAnswersAreInvalidIntegrationTests {

    private Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    /** A branded 502 that lost its page: status and CSP right, no body at all (a blank page). */
    @Test
    void aBlankBranded502IsInvalid() throws Exception {
        URI base = start(context -> context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                resp.setStatus(502);
                resp.setHeader("Content-Security-Policy", "default-src 'none'");
                resp.setContentLength(0);
            }
        }), "/*"));

        MeasurementResult result = measure(base, "branded-502", () -> { });

        assertThat(result.problems()).as("a blank 502 page measured as the branded page")
                .anySatisfy(problem -> assertThat(problem).startsWith("a request after the run got 502 (error-pages' "
                        + "page) of ").contains("its body 0 characters"));
    }

    /** The proxy's 200 without the upstream's 2 KB body (a proxy that dropped the body). */
    @Test
    void anEmptyProxied200IsInvalid() throws Exception {
        URI base = start(context -> context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                resp.setStatus(200);
                resp.setContentLength(0);
            }
        }), "/*"));

        MeasurementResult result = measure(base, "proxy", () -> { });

        assertThat(result.problems()).as("an empty 200 measured as the proxied 2 KB answer")
                .anySatisfy(problem -> assertThat(problem).startsWith("a request after the run got 200 ")
                        .contains("expected 200 with the upstream's 2048-byte body"));
    }

    /**
     * The real branded-502 set-up (ErrorPagesFilter in front of a servlet calling sendError(502)), but a filter in
     * front of it answers with Jetty's own 500 page (sendError(500)) whenever another request is in flight: under
     * wrk's load most answers are Jetty's 500 page, while the one request sent after the run gets the branded 502
     * (the filter stops once wrk is done: a request of wrk's still in flight then, on a loaded machine, made the probe
     * a 500 too). wrk read far fewer bytes per answer than the branded page has.
     */
    @Test
    void aBranded502ServerThatAnswersJettys500UnderLoadIsInvalid() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicLong jetty500s = new AtomicLong();
        AtomicLong total = new AtomicLong();
        // Set once wrk is done: a request of its still in flight as the probe comes (a loaded machine) is no load.
        AtomicBoolean probing = new AtomicBoolean();
        URI base = start(context -> {
            Filter breaksUnderLoad = (request, response, chain) -> {
                total.incrementAndGet();
                int concurrent = inFlight.incrementAndGet();
                try {
                    if (concurrent > 1 && !probing.get()) {
                        jetty500s.incrementAndGet();
                        // Jetty's own 500 page, as fast as its 502 (no exception, so no stack trace logged)
                        ((HttpServletResponse) response).sendError(500);
                        return;
                    }
                    chain.doFilter(request, response);
                } finally {
                    inFlight.decrementAndGet();
                }
            };
            context.addFilter(new FilterHolder(breaksUnderLoad), "/*", EnumSet.of(DispatcherType.REQUEST));
            FilterHolder errorPages = new FilterHolder(ErrorPagesFilter.builder().build());
            errorPages.setAsyncSupported(true);
            context.addFilter(errorPages, "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC));
            context.addServlet(new ServletHolder(new Scenario.BadGatewayServlet()), "/*");
        });

        MeasurementResult result = measure(base, "branded-502", () -> probing.set(true));

        assertThat(jetty500s.get()).as("the server did answer requests with Jetty's 500").isPositive();
        assertThat(result.probe()).extracting(Answer::status, Answer::branded).containsExactly(502, true);
        assertThat(result.problems()).as("a run where %d of %d answers were Jetty's 500 page", jetty500s.get(),
                total.get()).anySatisfy(problem -> assertThat(problem).startsWith("the answers were ")
                        .endsWith("the answer after the run " + result.probe().size() + " bytes: more than 2 % apart"));
    }

    /**
     * What LoadHarness.measured does for a measurement without background: wrk, then one request, then judge.
     *
     * @param beforeProbe run once wrk is done, before the one request
     */
    private static MeasurementResult measure(URI base, String name, Runnable beforeProbe) throws Exception {
        assumeTrue(Wrk.isInstalled(), "wrk is not installed");
        Measurement measurement = Measurement.named(name).get(0);
        URI target = base.resolve(measurement.path());
        WrkResult wrk = new Wrk(1, 4, Duration.ZERO, Wrk.DEFAULT_TIMEOUT).run(target, measurement.headers(),
                Duration.ofSeconds(1));
        beforeProbe.run();
        Answer probe = Answer.take(target, measurement.headers());
        return new MeasurementResult(measurement, wrk, 1.0, null, probe, null);
    }

    private URI start(Consumer<ServletContextHandler> configure) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        configure.accept(context);
        server.setHandler(context);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

}
