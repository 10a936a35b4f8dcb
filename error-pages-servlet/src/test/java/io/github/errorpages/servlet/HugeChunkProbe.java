package io.github.errorpages.servlet;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Run in a JVM of its own ({@link JdkTransportHugeChunkIntegrationTests}): the JDK client's parser loops for ever on
 * the chunk size of the first three responses, burning each thread it runs on until the JVM ends. Prints the status
 * and body of the request after them, through the same proxy.
 */
final class HugeChunkProbe {

    private HugeChunkProbe() {
    }

    public static void main(String[] args) throws Exception {
        Behaviour hugeChunk = exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "80000000\r\nok\r\n");
            exchange.closeConnection();
        };
        // One more than the client's threads for its tasks (2): the last is parsed on a thread added for it.
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.sequence(hugeChunk, hugeChunk, hugeChunk,
                Behaviour.ok()));
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .maxAttempts(1).attemptTimeout(Duration.ofSeconds(3)).deadline(Duration.ofSeconds(3)).build());
        JettyServer gateway = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                .transport(ProxyTransport.JDK).bodyIdleTimeout(Duration.ofMillis(500)).build()).start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 3; i++) {
            try {
                client.send(HttpRequest.newBuilder(gateway.uri("/huge")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception cutOff) {
                // the huge chunk's response is cut off: what matters is the next one
            }
        }
        HttpResponse<String> next = client.send(HttpRequest.newBuilder(gateway.uri("/orders/42"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("next: " + next.statusCode() + " " + next.body().replaceAll("\\s+", " ").strip());
        System.out.flush();
        Runtime.getRuntime().halt(0); // the looping thread would keep the JVM
    }
}
