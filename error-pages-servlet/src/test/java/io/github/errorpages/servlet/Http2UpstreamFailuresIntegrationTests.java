package io.github.errorpages.servlet;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failures only HTTP/2 has, from a real Jetty 12 upstream that speaks HTTP/2 after an h2c upgrade, to the JDK's
 * HttpClient in its default version (HTTP/2, which it also negotiates with ALPN on every https upstream that
 * offers it).
 */
class Http2UpstreamFailuresIntegrationTests {

    private final Server upstream = new Server();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    /** One permit for each head a gateway's guard received. */
    private final Semaphore headsArrived = new Semaphore(0);
    private URI base;

    @BeforeEach
    void start() throws Exception {
        HttpConfiguration config = new HttpConfiguration();
        ServerConnector connector = new ServerConnector(upstream, new HttpConnectionFactory(config),
                new HTTP2CServerConnectionFactory(config));
        connector.setHost("127.0.0.1");
        upstream.addConnector(connector);
        upstream.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                // The head and part of the body, then the handler fails: Jetty resets the stream (RST_STREAM). Under
                // /held/ only once a gateway has the head, so that the reset cannot overtake it.
                boolean held = request.getHttpURI().getPath().startsWith("/held/");
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 100);
                response.write(false, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)),
                        Callback.from(() -> {
                            if (held) {
                                CompletableFuture.runAsync(() -> {
                                    awaitHead();
                                    callback.failed(new IllegalStateException("the upstream broke"));
                                }, OWN_THREAD);
                            } else {
                                callback.failed(new IllegalStateException("the upstream broke"));
                            }
                        }, callback::failed));
                return true;
            }
        });
        upstream.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterEach
    void stop() throws Exception {
        upstream.stop();
    }

    /**
     * A stream the upstream resets ("Received RST_STREAM: Stream cancelled") is a connection terminated before a
     * complete response (R2: 502 {@code connection_terminated}), retried for a GET like a reset HTTP/1.1
     * connection, not a failure nothing recognises (500 {@code proxy_internal_error}).
     */
    @Test
    void streamResetByTheUpstreamIsConnectionTerminated() {
        Throwable thrown = catchThrowable(() -> client.send(HttpRequest.newBuilder(base.resolve("/orders/42")).build(),
                HttpResponse.BodyHandlers.ofString()));

        assertThat(thrown).hasMessageContaining("RST_STREAM");
        assertThat(FailureClassifier.ofDefaults().classify(thrown)).map(UpstreamFailure::cause)
                .contains(FailureCause.CONNECTION_TERMINATED);

        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(base)
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).build());
        UpstreamFailure failure = catchThrowableOfType(UpstreamFailureException.class,
                () -> GuardedHttpClient.of(client, guard).send(
                        HttpRequest.newBuilder(URI.create("http://orders/orders/42")).build(),
                        HttpResponse.BodyHandlers.ofString())).failure();

        assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_TERMINATED);
        assertThat(failure.attempts()).isEqualTo(2);
        assertThat(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(failure).status()).isEqualTo(502);
    }

    /**
     * The same reset read from the JDK's body stream ({@code ofInputStream()}, as Spring's JdkClientHttpRequestFactory
     * reads): the stream fails with "closed" whose cause is the reset, a connection the upstream ended (R2: 502). The
     * stream's "closed" for a close on this side (Spring's read timeout) is a read timeout; for the upstream's it is
     * not.
     */
    @Test
    void streamResetReadFromTheBodyStreamIsNoReadTimeout() throws Exception {
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(base.resolve("/orders/42")).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        Throwable thrown = catchThrowable(response.body()::readAllBytes);

        assertThat(thrown).hasMessage("closed").rootCause().hasMessageContaining("RST_STREAM"); // worded per JDK
        assertThat(FailureClassifier.ofDefaults().classify(thrown)).map(UpstreamFailure::cause)
                .contains(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * The same upstream failure, the head and part of the body and then the upstream breaks, gets one answer from
     * the proxy whichever transport and HTTP version: 502 {@code http_response_incomplete} in the page, the log line
     * and Proxy-Status. The JDK transport with an HTTP/2 client of the application's reported the stream's reset
     * ("Received RST_STREAM") as {@code connection_terminated}, the cause of a connection lost before any
     * response, where Jetty's transport and the JDK's own HTTP/1.1 client, which see the connection end, said
     * {@code http_response_incomplete} (R2).
     */
    @Test
    void bodyBrokenOffAfterTheHeadIsAnIncompleteResponseWithEitherTransportAndVersion() throws Exception {
        Map<String, ReverseProxyServlet.Builder> proxies = Map.of(
                "/jdk-http2/*", proxy().httpClient(client),
                "/jdk/*", proxy().transport(ProxyTransport.JDK),
                "/jetty/*", proxy().transport(ProxyTransport.JETTY));
        try (JettyServer gateway = new JettyServer()) {
            proxies.forEach((path, proxy) -> gateway.servlet(path, proxy.proxyStatus("edge").build()));
            gateway.start();
            for (String path : proxies.keySet()) {
                HttpResponse<byte[]> answer = Client.send("GET", gateway.uri(path.replace("*", "held/42")),
                        "application/json");

                assertThat(answer.statusCode()).as(path).isEqualTo(502);
                assertThat(Client.text(answer)).as(path).contains("\"http_response_incomplete\"");
                assertThat(answer.headers().firstValue("Proxy-Status")).as(path)
                        .hasValue("edge; error=http_response_incomplete");
            }
        }
    }

    /** A proxy whose guard says when it has a head: the call succeeded, the body follows. */
    private ReverseProxyServlet.Builder proxy() {
        return ReverseProxyServlet.builder(UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(base).build())
                .listener(event -> {
                    if (event instanceof UpstreamEvent.CallSucceeded) {
                        headsArrived.release();
                    }
                }).build()).errorPages(ErrorPages.ofDefaults());
    }

    private void awaitHead() {
        try {
            headsArrived.tryAcquire(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
