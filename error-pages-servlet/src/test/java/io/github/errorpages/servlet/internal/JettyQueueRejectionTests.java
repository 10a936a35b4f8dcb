package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.testing.FaultyUpstream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.junit.jupiter.api.Test;

/**
 * How the Jetty transport names Jetty's refusal of a request its queue for the endpoint has no room for. The queue
 * holds 1024 requests in the transport's client, more than the guard's bulkhead lets wait by default, so the servlet
 * suites cannot fill it at a bearable cost; here a client of its own with a queue of one refuses a request over
 * real sockets, and the transport must recognise what Jetty 12.1 throws then.
 */
class JettyQueueRejectionTests {

    @Test
    void requestRefusedByTheFullQueueIsTheGatewaysConnectionLimit() throws Exception { // R2, R4
        Semaphore release = new Semaphore(0);
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.await(release, Duration.ofSeconds(10));
            exchange.respond(200, "ok", "Content-Type", "text/plain");
        });
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(1);
        client.setMaxRequestsQueuedPerDestination(1);
        try {
            client.start();
            CompletableFuture<Result> busy = send(client, upstream);
            assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).as("the one connection is busy").isTrue();
            CompletableFuture<Result> queued = send(client, upstream);
            Result refused = send(client, upstream).get(5, TimeUnit.SECONDS);

            assertThat(refused.getFailure()).isInstanceOf(RejectedExecutionException.class);
            assertThat(JettyForwarder.isQueueFull(refused.getFailure())).isTrue();
            assertThat(FailureClassifier.ofDefaults().classify(JettyForwarder.connectionLimitReached(refused.getFailure())))
                    .map(UpstreamFailure::cause).hasValue(FailureCause.CONNECTION_LIMIT_REACHED);
            release.release(2);
            assertThat(busy.get(5, TimeUnit.SECONDS).isSucceeded()).isTrue();
            assertThat(queued.get(5, TimeUnit.SECONDS).isSucceeded()).isTrue();
        } finally {
            release.release(2);
            client.stop();
            upstream.close();
        }
    }

    /** The client's other refusal, once stopped, is no limit of connections: the servlet is being destroyed. */
    @Test
    void requestRefusedByAStoppedClientIsNotTheConnectionLimit() throws Exception {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200, "ok"));
        HttpClient client = new HttpClient();
        try {
            client.start();
            client.stop();
            Result refused = send(client, upstream).get(5, TimeUnit.SECONDS);

            assertThat(refused.getFailure()).isInstanceOf(RejectedExecutionException.class);
            assertThat(JettyForwarder.isQueueFull(refused.getFailure())).isFalse();
        } finally {
            upstream.close();
        }
    }

    private static CompletableFuture<Result> send(HttpClient client, FaultyUpstream upstream) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        client.newRequest(upstream.uri().resolve("/orders/42")).send(result::complete);
        return result;
    }
}
