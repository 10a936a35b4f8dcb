package io.github.errorpages.servlet.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDK transport's own client once its servlet stops it: what it refuses to send, and what fails in flight, is
 * the gateway's doing ({@code connection_limit_reached}), not the upstream's, against a real loopback upstream.
 */
class StoppableHttpClientIntegrationTests {

    private final StoppableHttpClient client = new StoppableHttpClient(HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build(), true);

    @Test
    void sendsNothingOnceRefusing() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            HttpRequest request = HttpRequest.newBuilder(upstream.uri()).build();

            client.refuseSends();

            assertThatThrownBy(() -> client.send(request, BodyHandlers.ofString()))
                    .isInstanceOfSatisfying(UpstreamFailureException.class, refused -> {
                        assertThat(refused.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                        assertThat(refused.failure().attempts()).as("never sent").isZero();
                    });
            assertThatThrownBy(() -> client.sendAsync(request, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(UpstreamFailureException.class);
            assertThat(upstream.requestCount()).isZero();
        }
    }

    /**
     * The JDK's client stopped under an exchange fails it with an exception of its own: the stop cut it off. So for
     * a blocking send (the JDK transport's, for a request that is not asynchronous) as for an async one: the servlet
     * destroyed under it (a redeploy) cuts it off, and its page says so ({@code connection_limit_reached}, 503), not
     * the upstream's failure (a 502 counted against a healthy upstream; R2).
     */
    @ParameterizedTest(name = "blocking: {0}")
    @ValueSource(booleans = {false, true})
    void anExchangeThatFailsOnceRefusingWasCutOffByTheGateway(boolean blocking) throws Exception {
        Semaphore reset = new Semaphore(0);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.await(reset, Duration.ofSeconds(10));
            exchange.reset();
        })) {
            // A POST: the JDK's client would send a GET again itself on a connection reset before the response.
            HttpRequest post = HttpRequest.newBuilder(upstream.uri()).POST(BodyPublishers.ofString("order")).build();
            CompletableFuture<HttpResponse<String>> inFlight = !blocking
                    ? client.sendAsync(post, BodyHandlers.ofString())
                    : CompletableFuture.supplyAsync(() -> {
                        try {
                            return client.send(post, BodyHandlers.ofString());
                        } catch (IOException | InterruptedException e) {
                            throw new CompletionException(e);
                        }
                    }, OWN_THREAD);
            assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();

            client.refuseSends();
            reset.release();

            assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(UpstreamFailureException.class, cutOff -> {
                        assertThat(cutOff.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                        assertThat(cutOff.getCause()).as("the client's own failure, kept for the log")
                                .isInstanceOf(IOException.class);
                    });
        }
    }

    /**
     * Java 17's client cannot be stopped: {@code cutOffExchanges()} ends an exchange waiting for its head itself, as
     * the gateway's doing ({@code connection_limit_reached}, which the breaker does not count), and aborts it (the
     * upstream sees its connection closed). A blocking send's thread, interrupted for it, keeps no interrupt that
     * would reach the code after it (the servlet's answer, the container's thread).
     */
    @ParameterizedTest(name = "blocking: {0}")
    @ValueSource(booleans = {false, true})
    void cuttingOffEndsAnExchangeWaitingForItsHead(boolean blocking) throws Exception {
        CompletableFuture<Boolean> closedByClient = new CompletableFuture<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(
                exchange -> closedByClient.complete(exchange.awaitClosedByClient(Duration.ofSeconds(20))))) {
            HttpRequest get = HttpRequest.newBuilder(upstream.uri()).build();
            CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
            CompletableFuture<HttpResponse<String>> inFlight = !blocking
                    ? client.sendAsync(get, BodyHandlers.ofString())
                    : CompletableFuture.supplyAsync(() -> {
                        try {
                            return client.send(get, BodyHandlers.ofString());
                        } catch (IOException | InterruptedException e) {
                            throw new CompletionException(e);
                        } finally {
                            interruptedAfter.complete(Thread.currentThread().isInterrupted());
                        }
                    }, OWN_THREAD);
            assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();

            client.refuseSends();
            client.cutOffExchanges();

            assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(UpstreamFailureException.class, cutOff ->
                            assertThat(cutOff.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED));
            assertThat(closedByClient.get(20, TimeUnit.SECONDS)).as("the client aborted the exchange").isTrue();
            if (blocking) {
                assertThat(interruptedAfter.get(10, TimeUnit.SECONDS)).as("interrupted after the send").isFalse();
            }
        }
    }

    @Test
    void anExchangeThatFailsWhileSendingIsTheUpstreamsFailure() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.resetBeforeResponse())) {
            CompletableFuture<HttpResponse<String>> sent = client.sendAsync(HttpRequest.newBuilder(upstream.uri())
                    .POST(BodyPublishers.ofString("order")).build(), BodyHandlers.ofString());

            assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IOException.class);
        }
    }

    @Test
    void cancellingTheAnswerAbortsTheExchange() throws Exception {
        CompletableFuture<Boolean> closedByClient = new CompletableFuture<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(
                exchange -> closedByClient.complete(exchange.awaitClosedByClient(Duration.ofSeconds(10))))) {
            CompletableFuture<HttpResponse<String>> waiting = client.sendAsync(
                    HttpRequest.newBuilder(upstream.uri()).build(), BodyHandlers.ofString());
            assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();

            waiting.cancel(true);

            assertThat(waiting).isCancelled();
            assertThat(closedByClient.get(20, TimeUnit.SECONDS)).as("the client aborted the exchange").isTrue();
        }
    }
}
