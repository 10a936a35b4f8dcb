package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A gateway stopped while it relays a request (SIGTERM, a rolling deploy): with Jetty's {@code GracefulHandler} and a
 * stop timeout longer than the call can take, as docs/operations.md ("Shutdown") asks, the client still gets the
 * upstream's answer, and the guard counts a success. Without a stop timeout (Jetty's default) the stop ends the request
 * at once, and a healthy upstream's answer never reaches the client: with the Jetty transport Jetty's empty 500 and
 * the guard's {@code CallAborted} (CancellationException), with the JDK transport a connection closed with no answer.
 */
class GracefulShutdownIntegrationTests {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nanswered";

    /**
     * The request is at the upstream when the stop begins; Jetty then refuses new requests, and the upstream answers
     * only after that: the client gets the 200 and its body whole, the stop completes after it, and the guard's
     * listeners hear of a success, not an aborted call.
     */
    @ParameterizedTest(name = "{0} transport")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void aRequestInFlightWhenJettyStopsGracefullyGetsTheUpstreamsAnswer(ProxyTransport transport) throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (Await.opened(answer)) {
                exchange.writeRaw(OK);
            }
        })) {
            List<UpstreamEvent> events = new CopyOnWriteArrayList<>();
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .build()).listener(events::add).build();
            JettyServer proxy = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).transport(transport)
                    .build()).graceful(Duration.ofSeconds(20)).start();
            try {
                CompletableFuture<HttpResponse<String>> response = Client.ofItsOwn().sendAsync(
                        HttpRequest.newBuilder(proxy.uri("/orders/42")).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).as("the request at the upstream")
                        .isTrue();

                CompletableFuture<Void> stopped = CompletableFuture.runAsync(proxy::close);
                Await.until(proxy::shuttingDown, "Jetty's graceful stop begun");
                assertThat(stopped).as("the stop, waiting for the request in flight").isNotDone();
                answer.countDown();

                HttpResponse<String> answered = response.get(10, TimeUnit.SECONDS);
                assertThat(answered.statusCode()).isEqualTo(200);
                assertThat(answered.body()).isEqualTo("answered");
                stopped.get(10, TimeUnit.SECONDS);
                assertThat(guard.metrics().successfulCalls()).isEqualTo(1);
                assertThat(guard.metrics().abortedCalls()).isZero();
                assertThat(events).hasAtLeastOneElementOfType(UpstreamEvent.CallSucceeded.class)
                        .noneMatch(UpstreamEvent.CallAborted.class::isInstance);
            } finally {
                answer.countDown();
                proxy.close();
            }
        }
    }
}
