package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.UploadWatch.answerToTheRestOfTheUploadAndARequest;
import static io.github.errorpages.servlet.UploadWatch.readHead;
import static io.github.errorpages.servlet.UploadWatch.readUntilTheProxyWaitsForMoreUpload;
import static io.github.errorpages.servlet.UploadWatch.sendHalfAnUpload;
import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.ThreadDumps;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ErrorPagesFilter} in front of {@link ReverseProxyServlet} (Jetty transport) on a real Jetty, a real upstream
 * over sockets and a raw-socket client: how the pair answers while the client's upload is paused.
 */
class FilterInFrontOfProxyIntegrationTests {

    /**
     * An upstream that answers early (before it read the upload, as servers refusing one do: RFC 9110 §15, RFC 9112
     * §9.3) while the client's upload is paused half-way, the proxy waiting for the rest. Without the filter the
     * relayed answer reaches the client at once; behind the filter the page replacing it must too: the status the
     * filter intercepts (R3) as a page, with the upstream's {@code Retry-After} on a 503 (R3, R8, R11), nothing of
     * the upstream's body, and {@code Connection: close} (RFC 9112 §9.6): the rest of the upload is not read. With
     * {@code fail-on-5xx} on, the proxy answers with its own page of the upstream's status (R3), which the filter
     * lets through, and counts the failure against the upstream (R2); off, it counts nothing. Both in a servlet with
     * and without async support (the Jetty transport then reads the upload with blocking I/O). The relayed answer
     * the filter replaces was dropped, and the page written only once the exchange ended, which waited for the
     * client's next bytes: the client, pausing for an answer, got none until it gave up. Without async support the
     * page then waited for the servlet's wait for the blocked read to end, too.
     */
    @ParameterizedTest(name = "async supported: {0}, upstream: {1}, fail-on-5xx: {2}")
    @CsvSource({"true, 503, false", "false, 503, false", "true, 502, false", "false, 504, false",
            "true, 503, true", "false, 503, true"})
    void anEarly5xxInTheMiddleOfAPausedUploadIsAnsweredWithThePagePromptly(boolean asyncSupported, int status,
            boolean failOn5xx) throws Exception {
        assertAnEarly5xxIsAnsweredWithThePage(status, failOn5xx, false, (guard, waitingForMoreUpload) -> {
            JettyServer jetty = new JettyServer().filter(ErrorPagesFilter.builder().build())
                    .filter(new UploadWatch(10, waitingForMoreUpload))
                    .servlet("/*", ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build(),
                            asyncSupported).start();
            return new Started(jetty.port(), jetty);
        });
    }

    /**
     * The same on Tomcat, which answered as late: the client, pausing for an answer, got none before it gave up (the
     * relayed answer dropped, the page waiting for the exchange's end). Now the page comes at once and closes the
     * connection, and nothing of the upload's rest is answered.
     */
    @ParameterizedTest(name = "async supported: {0}, upstream: {1}, fail-on-5xx: {2}")
    @CsvSource({"true, 503, false", "false, 503, false", "true, 502, false", "false, 504, false",
            "true, 503, true", "false, 503, true"})
    void onTomcatAnEarly5xxInTheMiddleOfAPausedUploadIsAnsweredWithThePagePromptly(boolean asyncSupported,
            int status, boolean failOn5xx) throws Exception {
        assertAnEarly5xxIsAnsweredWithThePage(status, failOn5xx, false, (guard, waitingForMoreUpload) -> {
            TomcatServer tomcat = TomcatServer.inCode().filter(ErrorPagesFilter.builder().build())
                    .filter("watch", new UploadWatch(10, waitingForMoreUpload))
                    .servlet("/*", ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build(),
                            asyncSupported).start();
            return new Started(tomcat.uri("/").getPort(), tomcat);
        });
    }

    /**
     * The same on the connection the proxy kept from the upstream's answer to an earlier request, without async
     * support, on Jetty and on Tomcat. Jetty's client writes a request on the thread that sends it when a connection is
     * free at once, and reads its body there as it writes it: that was the servlet's own thread, which then waited for
     * the paused client in the read instead of for the exchange's outcome, and the page came only once the client
     * gave up. (A new connection made the same happen now and then: when it opened in the instant before the send
     * looked for one a second time.) An asynchronous request reads without blocking, on whichever thread.
     */
    @ParameterizedTest(name = "on Tomcat: {0}")
    @ValueSource(booleans = {false, true})
    void onAKeptConnectionAnEarly503InTheMiddleOfAPausedUploadIsAnsweredWithThePagePromptly(boolean onTomcat)
            throws Exception {
        assertAnEarly5xxIsAnsweredWithThePage(503, false, true, (guard, waitingForMoreUpload) -> {
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build();
            if (onTomcat) {
                TomcatServer tomcat = TomcatServer.inCode().filter(ErrorPagesFilter.builder().build())
                        .filter("watch", new UploadWatch(10, waitingForMoreUpload)).servlet("/*", proxy, false)
                        .start();
                return new Started(tomcat.uri("/").getPort(), tomcat);
            }
            JettyServer jetty = new JettyServer().filter(ErrorPagesFilter.builder().build())
                    .filter(new UploadWatch(10, waitingForMoreUpload)).servlet("/*", proxy, false).start();
            return new Started(jetty.port(), jetty);
        });
    }

    /**
     * The same over HTTP/2 (h2c, as a gateway behind a load balancer speaks it), where a stream, not the connection,
     * carries the upload: the page is the stream's answer, at once, without the upstream's body (RFC 9113 §8.1: a
     * server may answer before the request's end). {@code Connection: close} is no HTTP/2 field (RFC 9113 §8.2.2):
     * the answer must come without it rather than as a malformed stream, and the client's connection stays open for
     * its other streams. The exchange ends with the answer: the bulkhead's permit is given back at once, and the
     * upstream's connection given up, also when the upload is read with blocking I/O (a servlet without async
     * support), whose read, blocked in the stream Jetty resets, must not hold it until the server stops.
     */
    @ParameterizedTest(name = "async supported: {0}")
    @ValueSource(booleans = {true, false})
    void overHttp2AnEarly503InTheMiddleOfAPausedUploadIsAnsweredWithThePagePromptly(boolean asyncSupported)
            throws Exception {
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        try (ServerSocket early = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // How long the proxy held the upstream's connection after its answer.
            CompletableFuture<Duration> answered = CompletableFuture.supplyAsync(() -> {
                long answeredAt = System.nanoTime();
                try (Socket upstream = early.accept()) {
                    InputStream in = upstream.getInputStream();
                    readUntilTheProxyWaitsForMoreUpload(in, waitingForMoreUpload);
                    upstream.getOutputStream().write(("HTTP/1.1 503 Early\r\nRetry-After: 20\r\n"
                            + "Content-Length: 8\r\nConnection: close\r\n\r\nrefusing")
                            .getBytes(StandardCharsets.US_ASCII));
                    upstream.getOutputStream().flush();
                    answeredAt = System.nanoTime();
                    upstream.shutdownOutput();
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException ended) {
                    // the proxy gave the connection up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Duration.ofNanos(System.nanoTime() - answeredAt);
            }, OWN_THREAD);
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("early").endpoints(
                    URI.create("http://127.0.0.1:" + early.getLocalPort())).maxAttempts(1).build());
            JettyServer jetty = new JettyServer().h2c().filter(ErrorPagesFilter.builder().build())
                    .filter(new UploadWatch(10, waitingForMoreUpload))
                    .servlet("/*", ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build(),
                            asyncSupported).start();
            HttpClient h2 = Http2Clients.started();
            AsyncRequestContent upload = new AsyncRequestContent("application/octet-stream");
            try (jetty) {
                upload.write(ByteBuffer.wrap("A".repeat(10).getBytes(StandardCharsets.US_ASCII)), Callback.NOOP);
                CompletableFuture<String> body = new CompletableFuture<>();
                CompletableFuture<Result> answer = new CompletableFuture<>();
                h2.newRequest(jetty.h2cUri("/uploads")).method("POST").body(upload)
                        .headers(fields -> fields.put("Accept", "application/json"))
                        .send(new BufferingResponseListener() {
                            @Override
                            public void onComplete(Result result) {
                                body.complete(getContentAsString());
                                answer.complete(result);
                            }
                        });

                Result result = answer.get(8, TimeUnit.SECONDS); // within the attempt's timeout (10 s)

                assertThat(result.getResponseFailure()).as("the answer, whole").isNull();
                Response page = result.getResponse();
                assertThat(page.getStatus()).isEqualTo(503);
                assertThat(page.getHeaders().get("Content-Type")).startsWith("application/problem+json");
                assertThat(body.get()).containsPattern("\"status\":\\s*503").doesNotContain("refusing");
                assertThat(page.getHeaders().get("Retry-After")).isEqualTo("20");
                assertThat(page.getHeaders().get("Connection")).isNull();
                int permits = guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls();
                Await.until(() -> guard.bulkhead().getMetrics().getAvailableConcurrentCalls() == permits,
                        "the exchange's end, the client's stream still open", Duration.ofSeconds(5));
                // Read with blocking I/O, the upload's read on the upstream client's thread is interrupted as the
                // servlet returns: Jetty's reset of the h2 stream does not wake it, and it held the upstream's
                // connection until the server stopped. Nor is it given up a second later, by the timer of a discarded
                // body's drain: that timer starts once the proxy has the answer, after it was sent, so a connection
                // it gives up was held a second at least. The bound is that second, not a few hundred milliseconds,
                // to leave a busy machine all the room the timer allows.
                assertThat(answered.get(5, TimeUnit.SECONDS)).as("the upstream's connection held after its answer")
                        .isLessThan(Duration.ofSeconds(1));
                assertThat(h2.newRequest(jetty.h2cUri("/uploads")).method("OPTIONS").headers(fields -> fields
                        .put("Max-Forwards", "0")).timeout(8, TimeUnit.SECONDS).send().getStatus())
                        .as("the connection's next stream").isEqualTo(200);
            } finally {
                upload.close();
                h2.stop();
            }
            answered.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Without the filter, over HTTP/2: an early answer the upstream completed (a 413 before it read the body) is
     * relayed whole as the stream's answer, and ends the exchange with it (RFC 9113 §8.1: a server may answer before
     * the request's end; RFC 9112 §9.6 on the upstream's side): the upstream's connection is given up at once, and
     * what the client still sends on the stream is not forwarded; nothing counts against the upstream (R2). The
     * exchange waited for the rest of the upload, to forward it, and the stream's end with it: a client that waits
     * for the answer before it sends more got no whole answer until it gave up.
     */
    @ParameterizedTest(name = "async supported: {0}")
    @ValueSource(booleans = {true, false})
    void overHttp2AnEarly413RelayedWholeInTheMiddleOfAnUploadStopsTheUpload(boolean asyncSupported) throws Exception {
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        try (ServerSocket early = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // What of the upload the upstream received after its answer, and how long it held the connection after it.
            CompletableFuture<String> afterTheAnswer = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                long answeredAt = System.nanoTime();
                try (Socket upstream = early.accept()) {
                    InputStream in = upstream.getInputStream();
                    readUntilTheProxyWaitsForMoreUpload(in, waitingForMoreUpload);
                    upstream.getOutputStream().write(("HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\n"
                            + "Connection: close\r\n\r\ntoo big!").getBytes(StandardCharsets.US_ASCII));
                    upstream.getOutputStream().flush();
                    answeredAt = System.nanoTime();
                    upstream.setSoTimeout(10_000);
                    in.transferTo(received);
                } catch (IOException ended) {
                    // the proxy gave the connection up, or held it 10 s
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return received.toString(StandardCharsets.ISO_8859_1) + " after "
                        + Duration.ofNanos(System.nanoTime() - answeredAt).toMillis() + " ms";
            }, OWN_THREAD);
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("early").endpoints(
                    URI.create("http://127.0.0.1:" + early.getLocalPort())).maxAttempts(1).build());
            JettyServer jetty = new JettyServer().h2c().filter(new UploadWatch(10, waitingForMoreUpload))
                    .servlet("/*", ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build(),
                            asyncSupported).start();
            HttpClient h2 = Http2Clients.started();
            AsyncRequestContent upload = new AsyncRequestContent("application/octet-stream");
            try (jetty) {
                upload.write(ByteBuffer.wrap("A".repeat(10).getBytes(StandardCharsets.US_ASCII)), Callback.NOOP);
                CompletableFuture<String> body = new CompletableFuture<>();
                CompletableFuture<Result> answer = new CompletableFuture<>();
                h2.newRequest(jetty.h2cUri("/uploads")).method("POST").body(upload)
                        .send(new BufferingResponseListener() {
                            @Override
                            public void onComplete(Result result) {
                                body.complete(getContentAsString());
                                answer.complete(result);
                            }
                        });

                Result result = answer.get(8, TimeUnit.SECONDS); // within the attempt's timeout (10 s)
                upload.write(ByteBuffer.wrap("B".repeat(10).getBytes(StandardCharsets.US_ASCII)), Callback.NOOP);

                assertThat(result.getResponseFailure()).as("the answer, whole").isNull();
                assertThat(result.getResponse().getStatus()).isEqualTo(413);
                assertThat(body.get()).isEqualTo("too big!");
                assertThat(afterTheAnswer.get(15, TimeUnit.SECONDS)).as("the upload's rest, forwarded")
                        .doesNotContain("B").containsPattern(" after \\d{1,3} ms$");
                int permits = guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls();
                Await.until(() -> guard.bulkhead().getMetrics().getAvailableConcurrentCalls() == permits,
                        "the exchange's end, the client's stream still open", Duration.ofSeconds(5));
                assertThat(guard.metrics().failedCalls()).as("R2").isZero();
                assertThat(h2.newRequest(jetty.h2cUri("/uploads")).method("OPTIONS").headers(fields -> fields
                        .put("Max-Forwards", "0")).timeout(8, TimeUnit.SECONDS).send().getStatus())
                        .as("the connection's next stream").isEqualTo(200);
            } finally {
                upload.close();
                h2.stop();
            }
        }
    }

    /**
     * Gets {@code /warm-up} through the proxy, and waits until its exchange ended, its connection back in the proxy's
     * pool: for a request without async support the guard's permit is given back once the body's end was reported,
     * after Jetty's client released the connection. (An asynchronous request's permit comes back with the head.)
     */
    private static void getThroughTheProxy(int port, UpstreamGuard guard) throws IOException {
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(8_000);
            client.getOutputStream().write("GET /warm-up HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            HttpTester.Response warm = HttpTester.parseResponse(HttpTester.from(client.getInputStream()));
            assertThat(warm).isNotNull();
            assertThat(warm.getStatus()).isEqualTo(200);
            assertThat(warm.getContent()).isEqualTo("ok");
        }
        int permits = guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls();
        Await.until(() -> guard.bulkhead().getMetrics().getAvailableConcurrentCalls() == permits,
                "the end of the exchange of /warm-up");
    }

    /** A server started with the filter in front of the proxy. */
    private record Started(int port, AutoCloseable server) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    /** Starts the server under test; the watch's latch counts down when the proxy waits for more of the upload. */
    @FunctionalInterface
    private interface ServerUnderTest {
        Started start(UpstreamGuard guard, CountDownLatch waitingForMoreUpload);
    }

    /**
     * The client got no answer in time, with where the thread dump taken then is ({@link ThreadDumps}, which
     * {@code .ci/run} prints): what the servlet's thread waited for shows there.
     */
    private static final class NoAnswer extends Exception {
        NoAnswer(SocketTimeoutException cause, Path threads) {
            super("no answer within 8 s; threads at the time: " + threads, cause);
        }
    }

    /**
     * @param kept whether the upload goes on the connection the proxy kept from the upstream's answer to a GET
     *     before it (a 200 on the same connection), rather than on one opened for it
     */
    private static void assertAnEarly5xxIsAnsweredWithThePage(int status, boolean failOn5xx, boolean kept,
            ServerUnderTest server) throws Exception {
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        try (ServerSocket early = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> {
                try (Socket upstream = early.accept()) {
                    InputStream in = upstream.getInputStream();
                    if (kept) {
                        readHead(in);
                        upstream.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                .getBytes(StandardCharsets.US_ASCII));
                        upstream.getOutputStream().flush();
                    }
                    readUntilTheProxyWaitsForMoreUpload(in, waitingForMoreUpload);
                    upstream.getOutputStream().write(("HTTP/1.1 " + status + " Early\r\nRetry-After: 20\r\n"
                            + "Content-Length: 8\r\nConnection: close\r\n\r\nrefusing")
                            .getBytes(StandardCharsets.US_ASCII));
                    upstream.getOutputStream().flush();
                    upstream.shutdownOutput(); // the answer's end, read or not what is left of the upload
                    in.transferTo(OutputStream.nullOutputStream()); // until the proxy closes its connection
                } catch (IOException ended) {
                    // the proxy gave the connection up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, OWN_THREAD);
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("early").endpoints(
                    URI.create("http://127.0.0.1:" + early.getLocalPort())).maxAttempts(1).failOn5xxEnabled(failOn5xx)
                    .build());
            try (Started started = server.start(guard, waitingForMoreUpload);
                    Socket uploader = new Socket("127.0.0.1", started.port())) {
                if (kept) {
                    getThroughTheProxy(started.port(), guard);
                }
                uploader.setSoTimeout(8_000); // within the attempt's timeout (10 s); the upload never ends
                OutputStream out = uploader.getOutputStream();
                sendHalfAnUpload(out);
                HttpTester.Input in = HttpTester.from(uploader.getInputStream());

                HttpTester.Response page;
                try {
                    page = HttpTester.parseResponse(in);
                } catch (SocketTimeoutException none) {
                    throw new NoAnswer(none, ThreadDumps.write("no answer to the paused upload within 8 s (status "
                            + status + ", fail-on-5xx " + failOn5xx + ")"));
                }

                assertThat(page).as("an answer before the upload's end").isNotNull();
                assertThat(page.getStatus()).isEqualTo(status);
                assertThat(page.get("Content-Type")).startsWith("application/problem+json");
                assertThat(page.getContent()).containsPattern("\"status\":\\s*" + status).doesNotContain("refusing");
                if (status == 503) {
                    assertThat(page.get("Retry-After")).isEqualTo("20");
                }
                assertThat(page.get("Connection")).as("the upload's rest is not read").isEqualToIgnoringCase("close");
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls())
                        .isEqualTo(failOn5xx ? 1 : 0);
                assertThat(answerToTheRestOfTheUploadAndARequest(out, in))
                        .as("nothing after the page but the connection's end").isNull();
            }
            answered.get(10, TimeUnit.SECONDS);
        }
    }
}
