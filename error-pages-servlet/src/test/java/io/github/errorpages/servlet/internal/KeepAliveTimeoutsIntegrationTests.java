package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;

/**
 * {@link KeepAliveTimeouts} with a client as {@link JettyForwarder} makes it, against a real upstream: what it
 * remembers of a connection goes with the connection, whichever way the connection ends, so a gateway that runs
 * for months holds no time of a connection long closed.
 */
class KeepAliveTimeoutsIntegrationTests {

    @Test
    void forgetsAConnectionAsThePoolLetsItGo() throws Exception {
        KeepAliveTimeouts keepAlive = new KeepAliveTimeouts(Duration.ofMinutes(1));
        HttpClient client = CloseDelimitedBodies.newClient(8, keepAlive);
        client.start();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            String target = exchange.request().target();
            exchange.respond(200, "ok", "Content-Type", "text/plain", "Keep-Alive",
                    target.equals("/zero") ? "timeout=0" : "timeout=5");
            if (target.equals("/close")) {
                exchange.closeConnection();
            }
        })) {
            // Closed by the pool as it came back: the upstream allows no idle time.
            assertThat(get(client, keepAlive, upstream, "/zero").getStatus()).isEqualTo(200);
            Await.until(() -> keepAlive.remembered() == 0, "the closed connection forgotten");
            // Closed by the upstream once idle.
            assertThat(get(client, keepAlive, upstream, "/close").getStatus()).isEqualTo(200);
            Await.until(() -> keepAlive.remembered() == 0, "the connection the upstream closed forgotten");
            // Kept in the pool, with its time: the next request goes on it. (Not counted from the start: under load
            // Jetty's pool may open one connection more than the requests queued for it need.)
            assertThat(get(client, keepAlive, upstream, "/kept").getStatus()).isEqualTo(200);
            assertThat(keepAlive.remembered()).isEqualTo(1);
            int connections = upstream.connectionCount();
            assertThat(get(client, keepAlive, upstream, "/kept").getStatus()).isEqualTo(200);
            assertThat(upstream.connectionCount()).as("no new connection").isEqualTo(connections);
        } finally {
            client.stop();
        }
        // Closed with the client.
        Await.until(() -> keepAlive.remembered() == 0, "the pooled connection forgotten at the client's stop");
    }

    /** A GET whose head is told to {@code keepAlive}, as the forwarder tells it every final head. */
    private static ContentResponse get(HttpClient client, KeepAliveTimeouts keepAlive, FaultyUpstream upstream,
            String target) throws Exception {
        return client.newRequest(upstream.uri().resolve(target)).onResponseHeaders(keepAlive::remember)
                .timeout(10, TimeUnit.SECONDS).send();
    }
}
