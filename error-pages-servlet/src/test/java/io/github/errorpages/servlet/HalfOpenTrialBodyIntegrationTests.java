package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.internal.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
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
 * three. The stalled body is failed by {@code body-idle-timeout}, longer here than {@code attempt-timeout}: the
 * guard holds a trial that long, the proxy having said so, and not only {@code attempt-timeout} after its head.
 */
class HalfOpenTrialBodyIntegrationTests {

    private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(500);
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
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                            .attemptTimeout(ATTEMPT_TIMEOUT)
                            .circuitBreakerConfig(CircuitBreakerConfig
                                    .from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG).clock(clock).build())
                            .build())
                    .clock(clock).listener(event -> {
                        if (event instanceof UpstreamEvent.BreakerStateChanged changed) {
                            transitions.add(changed.from() + "->" + changed.to());
                        }
                    }).build();
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
}
