package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.RecordedRequest;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamMetrics;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ReverseProxyServlet} on a real Jetty server in front of real loopback upstreams: what it forwards,
 * what it passes back, failover, streaming, and configuration by init-parameters.
 */
class ReverseProxyServletIntegrationTests {

    private static final String JSON = "application/json";
    private static final Semaphore eventRelease = new Semaphore(0);
    private static FaultyUpstream orders;
    private static FaultyUpstream stallsMidBody;
    private static FaultyUpstream events;
    private static JettyServer jetty;
    private JettyServer configured;

    @BeforeAll
    static void start() {
        orders = FaultyUpstream.start(exchange -> {
            String target = exchange.request().target();
            if (target.startsWith("/api/missing")) {
                exchange.respond(404, "no such order", "Content-Type", "text/plain");
            } else if (target.startsWith("/api/moved")) {
                exchange.respond(302, "", "Location", "/api/orders/43");
            } else {
                exchange.respond(200, "order 42: " + exchange.request().bodyText(), "Content-Type", "text/plain",
                        "ETag", "\"v7\"", "Connection", "X-Route", "X-Route", "pod-3", "Keep-Alive", "timeout=5");
            }
        });
        stallsMidBody = FaultyUpstream.start(Behaviour.stallMidBody());
        events = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                    + "data: first\n\n");
            exchange.await(eventRelease, Duration.ofSeconds(10));
            exchange.writeRaw("data: second\n\n");
            exchange.closeConnection();
        });
        jetty = new JettyServer()
                .servlet("/billing/*", proxy(UpstreamConfig.builder("billing")
                        .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                                orders.uri().resolve("/api"))
                        .retryBudgetEnabled(false)
                        .retryUnsafeNeverSentEnabled(true) // a refused POST never left: it may go to the other endpoint
                        .build()))
                .servlet("/stalls/*", ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("stalls")
                        .endpoints(stallsMidBody.uri()).build())).bodyIdleTimeout(Duration.ofMillis(200)).build())
                .servlet("/events/*", proxy(UpstreamConfig.builder("events").endpoints(events.uri()).build()))
                .servlet("/down/*", proxy(UpstreamConfig.builder("down")
                        .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort())).build()))
                .start();
    }

    private static ReverseProxyServlet proxy(UpstreamConfig config) {
        return ReverseProxyServlet.builder(UpstreamGuard.of(config)).build();
    }

    @AfterAll
    static void stop() {
        jetty.close();
        orders.close();
        stallsMidBody.close();
        events.close();
    }

    @AfterEach
    void stopConfigured() {
        if (configured != null) {
            configured.close();
        }
    }

    @Test
    void forwardsPathAfterMappingAndQueryToEndpointBasePathFailingOverFromDeadEndpoint() throws IOException {
        orders.clearRequests();

        // The first endpoint refuses: the guard's retry goes to the second one (round-robin).
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> response = Client.send("GET", jetty.uri("/billing/orders/42?full=1&x=%2F"), JSON);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Client.text(response)).isEqualTo("order 42: ");
        }
        assertThat(orders.requests()).extracting(RecordedRequest::target)
                .containsOnly("/api/orders/42?full=1&x=%2F");
    }

    @Test
    void passesStatusHeadersAndBodyOnWithoutHopByHopFields() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/billing/orders/42"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("ETag")).hasValue("\"v7\"");
        assertThat(response.headers().firstValue("Content-Length")).hasValue(String.valueOf("order 42: ".length()));
        assertThat(response.headers().firstValue("X-Route")).as("named by Connection").isEmpty();
        assertThat(response.headers().firstValue("Keep-Alive")).isEmpty();
    }

    @Test
    void addsForwardingFieldsAndDropsHopByHopOnesTowardUpstream() throws IOException {
        orders.clearRequests();

        Client.send("GET", jetty.uri("/billing/orders/42"), JSON, "X-Forwarded-For", "203.0.113.9",
                "Proxy-Authorization", "Basic c2VjcmV0", "Cookie", "session=1");

        RecordedRequest forwarded = orders.requests().get(orders.requests().size() - 1);
        assertThat(forwarded.headers()).containsEntry("x-forwarded-for", "203.0.113.9, 127.0.0.1")
                .containsEntry("x-forwarded-proto", "http")
                .containsEntry("x-forwarded-host", "127.0.0.1:" + jetty.port())
                .containsEntry("forwarded", "for=127.0.0.1;host=\"127.0.0.1:" + jetty.port() + "\";proto=http")
                .containsEntry("via", "1.1 error-pages")
                .containsEntry("cookie", "session=1")
                .doesNotContainKey("proxy-authorization");
        assertThat(forwarded.headers().get("host")).isEqualTo("127.0.0.1:" + orders.port());
    }

    @Test
    void streamsRequestBodyToUpstreamOnce() throws Exception {
        orders.clearRequests();
        // 360 KB: more than the replay buffer, so it is streamed; a refused first endpoint read none of it.
        String body = "line of the order\n".repeat(20_000);

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                jetty.uri("/billing/orders")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(orders.requests()).hasSize(1);
        assertThat(orders.requests().get(0).bodyText()).isEqualTo(body);
    }

    @Test
    void passesUpstreamClientErrorsAndRedirectsOnUnbranded() {
        HttpResponse<byte[]> missing = Client.get(jetty.uri("/billing/missing"), JSON);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(Client.text(missing)).isEqualTo("no such order");

        HttpResponse<byte[]> moved = Client.get(jetty.uri("/billing/moved"), JSON);
        assertThat(moved.statusCode()).isEqualTo(302);
        assertThat(moved.headers().firstValue("Location")).hasValue("/api/orders/43");
    }

    @Test
    void headGetsUpstreamHeadersWithoutBody() throws IOException {
        HttpResponse<byte[]> head = Client.send("HEAD", jetty.uri("/billing/orders/42"), JSON);

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf("order 42: ".length()));
        assertThat(head.body()).isEmpty();
    }

    @Test
    void answersBodyStalledWithinFirstBufferWithPageNotTruncatedResponse() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/stalls/report"), JSON);

        // 4 KiB arrived, then nothing: still in the response buffer, so the page replaces it.
        assertErrorPage(response, "GET", 504, "10");
        assertThat(Client.text(response)).contains("connection_read_timeout");
        assertNoLeak(response, ":" + stallsMidBody.port());
    }

    @Test
    void flushesEventStreamAsItArrives() throws Exception {
        eventRelease.drainPermits();
        HttpResponse<InputStream> response = Client.stream("GET", jetty.uri("/events/feed"), "text/event-stream");

        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("data: first"); // before the upstream sends more
            eventRelease.release();
            assertThat(lines.readLine()).isEmpty();
            assertThat(lines.readLine()).isEqualTo("data: second");
        }
    }

    @Test
    void answersRobotsTxtWithPlainText503WhenUpstreamIsDown() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/down/robots.txt"), Client.BROWSER_ACCEPT);

        // Mapped below the root, so this is not the site's robots.txt: the page it is.
        assertThat(response.statusCode()).isEqualTo(502);
    }

    @Test
    void readsInitParametersWhenRegisteredByClass() {
        configured = new JettyServer();
        ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
        holder.setInitParameter("upstream", "billing");
        holder.setInitParameter("endpoints", "http://127.0.0.1:" + FaultyUpstream.closedPort());
        holder.setInitParameter("max-attempts", "1");
        holder.setInitParameter("retry-after.default.502", "4");
        holder.setInitParameter("robots-txt.fallback", "User-agent: *\nDisallow: /checkout\n");
        configured.context().addServlet(holder, "/*");
        configured.start();

        assertErrorPage(Client.get(configured.uri("/orders"), JSON), "GET", 502, "4");
        HttpResponse<byte[]> robots = Client.get(configured.uri("/robots.txt"), Client.BROWSER_ACCEPT);
        assertThat(robots.statusCode()).isEqualTo(200);
        assertThat(Client.text(robots)).isEqualTo("User-agent: *\nDisallow: /checkout\n");
    }

    @Test
    void failsStartupNamingParameterAndValue() {
        configured = new JettyServer();
        ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
        holder.setInitParameter("endpoints", "http://127.0.0.1:1");
        holder.setInitParameter("max-attempts", "7");
        holder.setInitOrder(0); // initialised at startup, not on the first request
        configured.context().addServlet(holder, "/*");

        assertThatThrownBy(configured::start).hasStackTraceContaining("max-attempts")
                .hasStackTraceContaining("but was 7");
    }

    @Test
    void failsStartupWithoutEndpoints() {
        configured = new JettyServer();
        ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
        holder.setName("inventory");
        holder.setInitOrder(0);
        configured.context().addServlet(holder, "/*");

        assertThatThrownBy(configured::start).hasStackTraceContaining("upstreams.inventory.endpoints");
    }

    @Test
    void answersOnceBehindTheFilter() {
        configured = new JettyServer()
                .filter(ErrorPagesFilter.builder().build())
                .servlet("/*", proxy(UpstreamConfig.builder("down")
                        .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort())).build()));
        configured.start();

        HttpResponse<byte[]> response = Client.get(configured.uri("/orders"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).containsOnlyOnce("connection_refused");
    }

    @Test
    void openBreakerIsAnsweredBeforeTheRequestIsPreparedAndRecordedOnce() throws Exception {
        orders.clearRequests();
        List<UpstreamEvent> events = new CopyOnWriteArrayList<>();
        // A clock that stands still: the breaker stays open for exactly 45 s.
        CircuitBreakerConfig openFor45Seconds = CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                .waitDurationInOpenState(Duration.ofSeconds(45))
                .clock(Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC))
                .build();
        UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("billing").endpoints(orders.uri())
                .circuitBreakerConfig(openFor45Seconds).build()).listener(events::add).build();
        guard.circuitBreakers().get(0).transitionToOpenState();
        events.clear(); // the opening
        configured = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard).build()).start();

        assertErrorPage(Client.get(configured.uri("/orders/42"), JSON), "GET", 503, "45");
        // A request with a body gets the same answer. The body is short on purpose: the servlet answers without
        // reading it, and a long upload still being sent when the server closes the connection can be reset
        // before the client reads the answer (a race of TCP, not of the servlet).
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(configured.uri("/orders"))
                .POST(HttpRequest.BodyPublishers.ofString("order\n".repeat(100))).header("Accept", JSON).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(post.statusCode()).isEqualTo(503);
        assertThat(post.headers().firstValue("Retry-After")).hasValue("45");
        assertThat(post.body()).contains("destination_unavailable");
        assertThat(orders.requests()).isEmpty();
        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(2, 0, 2, 2, 0, 0, 0, 0, 0));
        assertThat(events).hasOnlyElementsOfType(UpstreamEvent.CallFailed.class).hasSize(2)
                .allSatisfy(event -> assertThat(((UpstreamEvent.CallFailed) event).failure().cause())
                        .isEqualTo(FailureCause.DESTINATION_UNAVAILABLE));
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(2);
    }

    @Test
    void slowUploaderStallsNoOtherExchange() throws Exception {
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        configured = new JettyServer()
                .filter(new UploadWatch(5, waitingForMoreUpload))
                .servlet("/*", proxy(UpstreamConfig.builder("orders").endpoints(orders.uri().resolve("/api")).build()))
                .start();
        try (Socket uploader = new Socket("127.0.0.1", configured.port())) {
            OutputStream upload = uploader.getOutputStream();
            upload.write(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nfirst\r\n").getBytes(StandardCharsets.US_ASCII));
            upload.flush();
            assertThat(waitingForMoreUpload.await(10, TimeUnit.SECONDS)).as("the proxy waits for more of the upload")
                    .isTrue();

            // Exchanges without a body and with one go through while a thread waits for the upload.
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> get = Client.get(configured.uri("/orders/42"), JSON);
                assertThat(get.statusCode()).isEqualTo(200);
                assertThat(Client.text(get)).isEqualTo("order 42: ");
            }
            HttpResponse<byte[]> post = Client.send("POST", configured.uri("/orders"), JSON);
            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(Client.text(post)).isEqualTo("order 42: order=42&note=urgent");

            upload.write("6\r\n, then\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            upload.flush();
            HttpTester.Response uploaded = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));
            assertThat(uploaded.getStatus()).as(uploaded.getContent()).isEqualTo(200);
            assertThat(uploaded.getContent()).isEqualTo("order 42: first, then");
        }
    }

    /** Counts down a latch when the servlet reads a request body again after its first {@code bytes}. */
    private static final class UploadWatch implements Filter {
        private final int bytes;
        private final CountDownLatch waiting;

        UploadWatch(int bytes, CountDownLatch waiting) {
            this.bytes = bytes;
            this.waiting = waiting;
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
                @Override
                public ServletInputStream getInputStream() throws IOException {
                    return new WatchedStream(super.getInputStream());
                }
            }, response);
        }

        private final class WatchedStream extends ServletInputStream {
            private final ServletInputStream in;
            private long read;

            WatchedStream(ServletInputStream in) {
                this.in = in;
            }

            @Override
            public int read() throws IOException {
                noteRead();
                int b = in.read();
                read += b < 0 ? 0 : 1;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                noteRead();
                int n = in.read(b, off, len);
                read += Math.max(n, 0);
                return n;
            }

            private void noteRead() {
                if (read >= bytes) {
                    waiting.countDown();
                }
            }

            @Override
            public boolean isFinished() {
                return in.isFinished();
            }

            @Override
            public boolean isReady() {
                return in.isReady();
            }

            @Override
            public void setReadListener(ReadListener listener) {
                in.setReadListener(listener);
            }
        }
    }
}
