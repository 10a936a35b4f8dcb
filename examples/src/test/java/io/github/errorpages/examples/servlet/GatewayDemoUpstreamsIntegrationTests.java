package io.github.errorpages.examples.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import io.github.errorpages.examples.Http;
import io.github.errorpages.examples.upstream.DemoMode;
import io.github.errorpages.examples.upstream.DemoUpstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link GatewayDemo} with {@code --upstream} URLs instead of its built-in upstream, started in-process. */
class GatewayDemoUpstreamsIntegrationTests {

    private final DemoUpstream first = DemoUpstream.start();
    private final DemoUpstream second = DemoUpstream.start();
    private GatewayDemo gateway;
    /** An upstream that answers every request with one status and no body. */
    private HttpServer unusable;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (unusable != null) {
            unusable.stop(0);
        }
        first.close();
        second.close();
    }

    @Test
    void repeatedUpstreamsFailOverToTheOneThatAnswers() throws Exception {
        first.mode(DemoMode.REFUSING);
        gateway = GatewayDemo.start(GatewayOptions.parse("--port", "0",
                "--upstream", first.uri().toString(), "--upstream", second.uri().toString()));

        for (int i = 0; i < 4; i++) {
            assertThat(Http.get(gateway.uri().resolve("/orders"), Http.BROWSER).statusCode()).as("request %d", i)
                    .isEqualTo(200);
        }
        assertThat(gateway.demoUpstream()).isEmpty();
        assertThat(gateway.guard().config().endpoints()).containsExactly(first.uri(), second.uri());
        assertThat(second.requestCount()).isEqualTo(4);
    }

    @Test
    void whenEveryUpstreamFailsTheAnswerIsThePage() throws Exception {
        first.mode(DemoMode.REFUSING);
        second.mode(DemoMode.REFUSING);
        gateway = GatewayDemo.start(GatewayOptions.parse("--port", "0",
                "--upstream", first.uri().toString(), "--upstream", second.uri().toString()));

        HttpResponse<String> response = Http.get(gateway.uri().resolve("/orders"), "application/json");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(Http.member(response.body(), "code")).contains("connection_refused");
        assertThat(response.body()).doesNotContain(Integer.toString(first.uri().getPort()),
                Integer.toString(second.uri().getPort()), "127.0.0.1"); // R37
    }

    /**
     * An answer other than 200 is nothing the summary endpoint can summarise, a 204 (no orders to count) as much as
     * a 404: a summary made of an empty body would be made up.
     */
    @ParameterizedTest(name = "upstream {0}")
    @ValueSource(ints = {404, 204})
    void applicationEndpointTurnsAnUnusableAnswerIntoA502ThatTheFilterAnswers(int status) throws Exception {
        unusable = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        unusable.createContext("/", exchange -> {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        unusable.start();
        gateway = GatewayDemo.start(GatewayOptions.parse("--port", "0",
                "--upstream", "http://127.0.0.1:" + unusable.getAddress().getPort()));

        HttpResponse<String> summary = Http.get(gateway.uri().resolve("/api/summary"), "application/json");
        HttpResponse<String> proxied = Http.get(gateway.uri().resolve("/orders"), "application/json");

        assertThat(summary.statusCode()).isEqualTo(502);
        assertThat(Http.contentType(summary)).isEqualTo("application/problem+json");
        assertThat(Http.member(summary.body(), "code")).contains("upstream_status");
        assertThat(proxied.statusCode()).as("the proxy passes a %d through", status).isEqualTo(status);
    }

    /**
     * Stopping the gateway (Ctrl+C) while a request waits for a slow upstream lets that request end as it would,
     * with the proxy's 504 within the deadline: the filter's listener made Jetty answer it with its own 500 page,
     * which names the exception (R36).
     */
    @Test
    void stoppingLetsTheRequestInFlightEndWithTheProxysAnswer() throws Exception {
        first.mode(DemoMode.SLOW);
        gateway = GatewayDemo.start(GatewayOptions.parse("--port", "0", "--upstream", first.uri().toString()));
        CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newHttpClient().sendAsync(HttpRequest
                .newBuilder(gateway.uri().resolve("/orders")).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (first.requestCount() == 0 && System.nanoTime() < waitUntil) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        assertThat(first.requestCount()).as("the upstream has the request").isPositive();

        gateway.close();
        gateway = null;

        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(Http.contentType(response)).isEqualTo("application/problem+json");
        assertThat(response.body()).doesNotContain("Exception", "jetty");
    }

    @Test
    void applicationEndpointSaysWhichMethodsItAnswers() throws Exception {
        gateway = GatewayDemo.start(GatewayOptions.parse("--port", "0", "--upstream", second.uri().toString()));
        URI summary = gateway.uri().resolve("/api/summary");

        HttpResponse<String> put = Http.send(HttpRequest.newBuilder(summary).PUT(BodyPublishers.noBody()).build());
        HttpResponse<String> options = Http.send(HttpRequest.newBuilder(summary)
                .method("OPTIONS", BodyPublishers.noBody()).build());

        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS"); // RFC 9110 §15.5.6
        assertThat(options.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
        assertThat(second.requestCount()).isZero();
    }

    @Test
    void takenPortFailsTheStart() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Throwable failure = catchThrowable(() ->
                    GatewayDemo.start(GatewayOptions.parse("--port", Integer.toString(taken.getLocalPort()))));

            assertThat(failure).isInstanceOf(IOException.class);
        }
    }

    @Test
    void uriOfTheGatewayIsItsBase() throws Exception {
        gateway = GatewayDemo.start(GatewayOptions.parse("--port", "0", "--upstream", second.uri().toString()));

        URI base = gateway.uri();

        assertThat(base.getScheme()).isEqualTo("http");
        assertThat(base.getHost()).isEqualTo("127.0.0.1");
        assertThat(base.getPath()).isEqualTo("/");
        assertThat(base.getPort()).isPositive();
        assertThat(GatewayDemo.displayHost("0.0.0.0")).isEqualTo("localhost");
        assertThat(GatewayDemo.displayHost("::")).isEqualTo("localhost");
        assertThat(GatewayDemo.displayHost("::1")).isEqualTo("[::1]");
        assertThat(GatewayDemo.displayHost("[::1]")).as("given in brackets already").isEqualTo("[::1]");
        assertThat(GatewayDemo.displayHost("gateway.local")).isEqualTo("gateway.local");
    }
}
