package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.internal.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An upstream that sends every response's head and then breaks its body off, reset or stalled mid-body, behind the
 * proxy with the guard's default breaker (three trial calls half-open, 50 %): once its open wait is over, the three
 * trial calls reach the upstream, their broken bodies count as three failed trials, and the breaker opens again
 * ({@code state=OPEN previous=HALF_OPEN}, the alert for a breaker that keeps re-opening); every request after them
 * gets the 503 page without reaching the upstream (R47). The trials' successes were recorded at their heads and the
 * bodies' failures after them: success, failure, success closed the breaker (one in three failed), operators read
 * {@code state=CLOSED previous=HALF_OPEN}, and each cycle sent about eleven requests to the dead upstream instead of
 * three. A trial is held until its body ends or its attempt's timeout passes, measured from the attempt's start: the
 * stalled body is failed by {@code body-idle-timeout} (1 s, which Jetty's sweep may stretch by a quarter) well within
 * the attempt's 6 s, so that a pause of seconds on loaded cores still finds the stall detected in time; a body stalled
 * beyond its attempt's time would count as the trial's success at the bound (BodyOutcomeTests).
 */
class HalfOpenTrialBodyIntegrationTests {

    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(6);
    private static final Duration BODY_IDLE_TIMEOUT = Duration.ofSeconds(1);

    static Stream<Arguments> transportsAndBreaks() {
        return Stream.of(ProxyTransport.JETTY, ProxyTransport.JDK).flatMap(transport -> Stream.of(
                Arguments.of(transport, "reset"), Arguments.of(transport, "stall")));
    }

    @ParameterizedTest(name = "{0} transport, body {1} mid-way")
    @MethodSource("transportsAndBreaks")
    void halfOpenTrialsWhoseBodiesBreakOffOpenTheDefaultBreakerAgain(ProxyTransport transport, String breaks)
            throws Exception { // R47
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        List<String> transitions = new CopyOnWriteArrayList<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(
                "reset".equals(breaks) ? Behaviour.resetMidBody() : Behaviour.stallMidBody())) {
            UpstreamGuard guard = guardWithTheDefaultBreaker(upstream, ATTEMPT_TIMEOUT, clock, transitions);
            CircuitBreaker breaker = guard.circuitBreakers().get(0);
            try (JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(transport).bodyIdleTimeout(BODY_IDLE_TIMEOUT).build()).start()) {
                breaker.transitionToOpenState(); // as ten broken bodies open it (BodyOutcomeTests)
                clock.advance(Duration.ofSeconds(31)); // the default's 30 s wait is over

                Map<Integer, Integer> statuses = new TreeMap<>();
                for (int i = 0; i < 10; i++) {
                    HttpResponse<byte[]> response = Client.get(server.uri("/orders/" + i), "application/json");
                    statuses.merge(response.statusCode(), 1, Integer::sum);
                }

                assertThat(upstream.requestCount()).as("the three trial calls alone reached the upstream")
                        .isEqualTo(3);
                assertThat(statuses).isEqualTo(Map.of("reset".equals(breaks) ? 502 : 504, 3, 503, 7));
                assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
                assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
            }
        }
    }

    /** The streaming trial's body: sent in two halves, the second when the test lets it. */
    private static final int HALF = 64 * 1024;

    /**
     * Healthy trial calls whose bodies stream on (a download, an event stream) behind a proxy whose
     * {@code body-idle-timeout} is long (30 s) count as the trials' successes when their attempts' timeout (4 s) has
     * passed since their start, and the default breaker closes then, while the bodies still stream; a request sent
     * meanwhile gets the 503 page, told by {@code Retry-After} to come back within the attempt timeout (R8), which
     * holds. The bodies then end whole, and nothing is recorded twice. Before trials were bound by their attempt's
     * timeout, a trial was held until {@code attempt-timeout} after its head plus the body-idle-timeout (a quarter more
     * with the jetty transport's sweep), and the phase refused every other request for 34 to 42 s, longer than the
     * 30 s open wait, while the refused were told 4 s.
     */
    @ParameterizedTest(name = "{0} transport")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void healthyTrialsWhoseBodiesStreamOnCloseTheBreakerWhenTheirAttemptsTimeoutPasses(ProxyTransport transport)
            throws Exception { // R8, R47
        Duration attemptTimeout = Duration.ofSeconds(4); // the close awaited 15 s, far below the old bound's 34 s
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        List<String> transitions = new CopyOnWriteArrayList<>();
        Semaphore secondHalves = new Semaphore(0);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + 2 * HALF + "\r\n\r\n");
            exchange.writeRepeated((byte) 'x', HALF);
            exchange.await(secondHalves, Duration.ofSeconds(30));
            exchange.writeRepeated((byte) 'y', HALF);
        })) {
            UpstreamGuard guard = guardWithTheDefaultBreaker(upstream, attemptTimeout, clock, transitions);
            CircuitBreaker breaker = guard.circuitBreakers().get(0);
            try (JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(transport).bodyIdleTimeout(Duration.ofSeconds(30)).build()).start()) {
                breaker.transitionToOpenState();
                clock.advance(Duration.ofSeconds(31)); // the default's 30 s wait is over
                HttpClient client = Client.ofItsOwn();
                List<CompletableFuture<HttpResponse<byte[]>>> trials = new CopyOnWriteArrayList<>();
                for (int i = 0; i < 3; i++) {
                    trials.add(client.sendAsync(HttpRequest.newBuilder(server.uri("/download/" + i))
                            .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray()));
                }
                Await.until(() -> upstream.requestCount() == 3, "the three trial calls under way");

                long refusedAt = System.nanoTime();
                HttpResponse<byte[]> refused = Client.get(server.uri("/download/refused"), "application/json");
                Await.until(() -> breaker.getState() == CircuitBreaker.State.CLOSED,
                        "the trials' attempts' timeout passing", Duration.ofSeconds(15));
                long closedAt = System.nanoTime();
                secondHalves.release(3);

                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                long told = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
                // Read after the close, so later than it: the close came no later than the client was told.
                assertThat(TimeUnit.NANOSECONDS.toMillis(closedAt - refusedAt)).as("closed within Retry-After")
                        .isLessThanOrEqualTo(TimeUnit.SECONDS.toMillis(told) + 1000);
                for (CompletableFuture<HttpResponse<byte[]>> trial : trials) {
                    HttpResponse<byte[]> whole = trial.get(30, TimeUnit.SECONDS);
                    assertThat(whole.statusCode()).isEqualTo(200);
                    assertThat(whole.body()).hasSize(2 * HALF);
                }
                assertThat(upstream.requestCount()).as("the refused request never reached the upstream").isEqualTo(3);
                assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
                assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("nothing recorded twice").isZero();
            }
        }
    }

    /**
     * A guard of the upstream with the default breaker on the test's clock (its open wait passed by advancing it), and
     * the given attempt timeout, that notes each of the breaker's transitions as {@code FROM->TO}.
     */
    private static UpstreamGuard guardWithTheDefaultBreaker(FaultyUpstream upstream, Duration attemptTimeout,
            MutableClock clock, List<String> transitions) {
        return UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                        .attemptTimeout(attemptTimeout)
                        .circuitBreakerConfig(CircuitBreakerConfig
                                .from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG).clock(clock).build())
                        .build())
                .clock(clock).listener(event -> {
                    if (event instanceof UpstreamEvent.BreakerStateChanged changed) {
                        transitions.add(changed.from() + "->" + changed.to());
                    }
                }).build();
    }
}
