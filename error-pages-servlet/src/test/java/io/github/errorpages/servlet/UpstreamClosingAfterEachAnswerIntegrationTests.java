package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An upstream that closes its connection right after each answer without saying so ({@code Connection: close}, which
 * RFC 9112 §9.6 asks of a server that does not keep connections, and which some leave out). The close is in the
 * proxy's socket before its next request to that upstream, and the request must go on a new connection: sent on the
 * closed one, it failed before any answer, and a POST, which must not be sent again (R13), got a 502
 * {@code connection_terminated} for a request the upstream never saw (Jetty transport: 10 of 30 here), a GET was sent
 * twice, and the breaker counted a healthy upstream's closes as failures.
 */
class UpstreamClosingAfterEachAnswerIntegrationTests {

    @ParameterizedTest(name = "{0} transport, Connection: close said: {1}")
    @CsvSource({"JETTY, false", "JDK, false", "JETTY, true", "JDK, true"})
    void everyRequestGoesOnAConnectionTheUpstreamKeeps(ProxyTransport transport, boolean saysClose)
            throws Exception {
        AtomicInteger postsReceived = new AtomicInteger();
        Semaphore closed = new Semaphore(0); // each next request once the upstream closed (its close then on its way)
        try (FaultyUpstream closing = FaultyUpstream.start(exchange -> {
            if (exchange.request().method().equals("POST")) {
                postsReceived.incrementAndGet();
            }
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                    + (saysClose ? "Connection: close\r\n" : "") + "\r\nok");
            exchange.closeConnection();
            closed.release();
        })) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("closing").endpoints(closing.uri()).build());
            try (JettyServer proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(transport).build()).start()) {
                List<String> answers = new ArrayList<>();
                for (int round = 0; round < 30; round++) {
                    for (String request : List.of("GET /items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                            "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                                    + "Content-Length: 3\r\nConnection: close\r\n\r\nabc")) {
                        String answer = firstLine(Client.rawExchange(proxy.port(), request));
                        answers.add(answer);
                        if (answer.equals("HTTP/1.1 200 OK")) {
                            assertThat(closed.tryAcquire(10, TimeUnit.SECONDS)).as("the upstream's close").isTrue();
                        }
                    }
                }

                assertThat(answers).as("the upstream's answers").allMatch(line -> line.equals("HTTP/1.1 200 OK"));
                assertThat(postsReceived).hasValue(30);
                assertThat(guard.metrics().retries()).as("GETs sent twice").isZero();
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
            }
        }
    }

    private static String firstLine(String answer) {
        return answer.lines().findFirst().orElse("");
    }
}
