package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.UploadWatch.answerToTheRestOfTheUploadAndARequest;
import static io.github.errorpages.servlet.UploadWatch.readUntilTheProxyWaitsForMoreUpload;
import static io.github.errorpages.servlet.UploadWatch.sendHalfAnUpload;
import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ReverseProxyServletIntegrationTests} with {@link ProxyTransport#JETTY}, and what only that transport does:
 * a servlet registered without asynchronous support, whose body the Jetty transport writes with blocking writes on
 * its client's threads while the container's thread waits, and the reads of a client's body without blocking.
 */
class ReverseProxyServletJettyTransportIntegrationTests extends ReverseProxyServletIntegrationTests {

    ReverseProxyServletJettyTransportIntegrationTests() {
        super(ProxyTransport.JETTY);
    }

    private static ReverseProxyServlet proxy(UpstreamGuard guard) {
        return ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build();
    }

    /**
     * An event stream relayed by a servlet registered without asynchronous support reaches the client event by event:
     * each part written with the blocking writes of such a request is flushed as it arrives, as over an asynchronous
     * one. Held in the response's buffer, an event reached the client only with the next, or at the stream's end.
     */
    @Test
    void flushesEachEventOfAStreamRelayedWithoutAsyncSupport() throws Exception {
        Semaphore secondEvent = new Semaphore(0);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                    + "data: first\n\n");
            exchange.await(secondEvent, Duration.ofSeconds(30));
            exchange.writeRaw("data: second\n\n");
            exchange.closeConnection();
        }); JettyServer server = new JettyServer().servlet("/*", proxy(UpstreamGuard.of(UpstreamConfig
                .builder("events").endpoints(upstream.uri()).build())), false).start()) {
            HttpResponse<InputStream> response = Client.stream("GET", server.uri("/feed"), "text/event-stream");

            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                // Bounded: the upstream sends the second event only when told, 30 s at the latest.
                CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> readLine(lines), OWN_THREAD);
                assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("data: first");
                secondEvent.release();
                assertThat(lines.readLine()).isEmpty();
                assertThat(lines.readLine()).isEqualTo("data: second");
            } finally {
                secondEvent.release();
            }
        }
    }

    /**
     * A client that left (its connection reset) before the upstream's event stream began, where the servlet has no
     * asynchronous support: sending the stream's head fails, and the upstream's exchange ends with it at once, its
     * connection closed. Left open, it waited for the upstream's next event (none here) or the body idle timeout
     * (30 s here), holding one of the upstream's connections for a client that had gone.
     */
    @Test
    void anEventStreamWhoseClientLeftBeforeItsHeadIsEndedAtOnceWithoutAsyncSupport() throws Exception {
        Semaphore clientLeft = new Semaphore(0);
        CountDownLatch closedByProxy = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.await(clientLeft, Duration.ofSeconds(10));
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
            if (exchange.awaitClosedByClient(Duration.ofSeconds(10))) {
                closedByProxy.countDown();
            }
        }); JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                UpstreamConfig.builder("events").endpoints(upstream.uri()).build())).transport(ProxyTransport.JETTY)
                .bodyIdleTimeout(Duration.ofSeconds(30)).build(), false).start()) {
            try (Socket client = new Socket("127.0.0.1", server.port())) {
                client.getOutputStream().write("GET /feed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().flush();
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();
                client.setSoLinger(true, 0); // a reset
            }
            clientLeft.release();

            assertThat(closedByProxy.await(20, TimeUnit.SECONDS)).as("the upstream connection closed").isTrue();
        }
    }

    private static String readLine(BufferedReader lines) {
        try {
            return lines.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The body of a failure status, which the page replaces, is dropped with its connection past 64 KiB also where
     * the servlet has no asynchronous support (its parts come to the blocking writes' callback): drained on, a body
     * the upstream kept sending held the only connection until the drain's own limit of 1 s, and the next request,
     * whose attempt times out sooner, got 503 {@code connection_limit_reached} for a healthy answer.
     */
    @Test
    void dropsTheLongDiscardedBodyOfAFailureStatusPast64KiBWithoutAsyncSupport() throws Exception {
        Semaphore never = new Semaphore(0);
        String part = "x".repeat(8192);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (!exchange.request().target().startsWith("/fail")) {
                exchange.respond(200, "fine", "Content-Type", "text/plain");
                return;
            }
            exchange.writeRaw("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            for (int sent = 0; sent < 9; sent++) { // 72 KiB, then nothing more and no end
                exchange.writeRaw(Integer.toHexString(part.length()) + "\r\n" + part + "\r\n");
            }
            exchange.await(never, Duration.ofSeconds(10));
        })) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofMillis(500)).build());
            try (JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(ProxyTransport.JETTY).maxConnections(1).build(), false).start()) {

                assertErrorPage(Client.get(server.uri("/fail"), "application/json"), "GET", 503, "\\d+");
                HttpResponse<byte[]> next = Client.get(server.uri("/ok"), "application/json");

                assertThat(next.statusCode()).as(Client.text(next)).isEqualTo(200);
                assertThat(Client.text(next)).isEqualTo("fine");
            }
        }
    }

    /**
     * The container's thread that waits for the upstream, where the servlet has no asynchronous support, is
     * interrupted (a stuck-thread valve, a server stopping its pool): the attempt in flight is aborted at once, its
     * upstream connection closed, and the call ends as aborted, nothing counted against the upstream (R2). Left
     * running, the attempt held its connection and its bulkhead permit until its timeout (30 s here), which then
     * counted. The client gets the page, 503 {@code connection_limit_reached}, the gateway's doing (R1): thrown on,
     * the interrupt got the container's 500, which named {@code java.io.InterruptedIOException} (R36). Its log line
     * gives the exchange's attempt and time, as the same cut-off by the servlet's {@code destroy()} does, not one
     * attempt nobody counted with no time ({@code elapsed_ms=-}).
     */
    @Test
    void interruptingTheWaitingThreadAbortsTheAttemptAndAnswers503WithoutAsyncSupport() throws Exception {
        CountDownLatch closedByProxy = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.awaitClosedByClient(Duration.ofSeconds(30))) {
                closedByProxy.countDown();
            }
        })) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofSeconds(30)).build());
            AtomicReference<Thread> waiting = new AtomicReference<>();
            try (JettyServer server = new JettyServer()
                    .filter((request, response, chain) -> {
                        waiting.set(Thread.currentThread());
                        chain.doFilter(request, response);
                    })
                    .servlet("/*", proxy(guard), false).start()) {
                CompletableFuture<HttpResponse<byte[]>> answered = CompletableFuture.supplyAsync(
                        () -> Client.get(server.uri("/slow"), "application/json"), OWN_THREAD);
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();

                String log = StandardError.capture(() -> {
                    waiting.get().interrupt();
                    answered.join();
                });

                assertThat(closedByProxy.await(10, TimeUnit.SECONDS)).as("the upstream connection closed").isTrue();
                HttpResponse<byte[]> page = answered.get(10, TimeUnit.SECONDS);
                assertErrorPage(page, "GET", HttpServletResponse.SC_SERVICE_UNAVAILABLE, "\\d+");
                assertThat(Client.text(page)).contains("connection_limit_reached")
                        .doesNotContain("Exception", "interrupted");
                Await.until(() -> guard.metrics().abortedCalls() == 1, "the call ended as aborted");
                assertThat(guard.metrics().failedCalls()).isZero();
                assertThat(log).as("the exchange's attempt and its time").containsPattern(
                        "cause=connection_limit_reached upstream=orders attempts=1 elapsed_ms=[0-9]+ ");
            }
        }
    }

    /**
     * The waiting thread interrupted once the upstream's head arrived, before its relay started (held here by the
     * guard's listener, which hears of the call's success between the two): the page is the answer (R1, R36), and
     * nothing of the head is written by the relay, which then only ends its upstream exchange, and with it the call
     * (its bulkhead permit given back). Written, it raced the page, or wrote into the response of a request that had
     * ended. The call stays counted as the success it was when the head arrived (R2: the upstream answered in time),
     * not as aborted, as over the JDK transport for a thread interrupted mid-body: the page's own log line tells of
     * the 503.
     *
     * <p>The relay is let go once the page's write began (its {@code setStatus}, which waits until the relay is
     * done): the race as it comes, the request still under way. Let go only once the page was answered, a relay that
     * wrote anyway failed before its first write, reading the ended request ({@code ErrorDispatches.status}), and so
     * passed as one that wrote nothing. Any touch of the response by a thread other than the servlet's is the relay's.
     *
     * <p>The upstream answers only once the servlet's thread waits for it. A head that came sooner (a loaded machine,
     * the servlet's thread not yet past the guard's start of the call) completed the attempt before the guard waited
     * on it: the guard then heard of the success on the servlet's thread itself, whose listener interrupted its own
     * thread and lost the interrupt in its wait for the answer, and the relay, held by nothing, relayed the head of a
     * body that never came: no page within 15 s, a timeout of the test's making, not the product's.
     */
    @Test
    void interruptedBeforeTheHeadIsRelayedTheRelayWritesNothingWithoutAsyncSupport() throws Exception {
        CountDownLatch closedByProxy = new CountDownLatch(1);
        Semaphore headDue = new Semaphore(0);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.await(headDue, Duration.ofSeconds(10));
            headThenAwaitClose(closedByProxy).handle(exchange);
        })) {
            AtomicReference<Thread> waiting = new AtomicReference<>();
            AtomicBoolean interrupted = new AtomicBoolean();
            CountDownLatch pageBegun = new CountDownLatch(1);
            AtomicReference<String> raced = new AtomicReference<>();
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofSeconds(30)).build()).listener(event -> {
                        if (event instanceof UpstreamEvent.CallSucceeded) { // on the client's thread, before the relay
                            interrupted.set(true);
                            waiting.get().interrupt();
                            try {
                                pageBegun.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException unexpected) {
                                Thread.currentThread().interrupt(); // the assertions below tell
                            }
                        }
                    }).build();
            try (JettyServer server = new JettyServer()
                    .filter((request, response, chain) -> {
                        waiting.set(Thread.currentThread());
                        chain.doFilter(request, new TouchRecordingResponse((HttpServletResponse) response) {
                            @Override
                            protected void touched(String what) {
                                if (Thread.currentThread() != waiting.get()) {
                                    raced.compareAndSet(null, what + " by " + Thread.currentThread().getName());
                                }
                            }

                            @Override
                            public void setStatus(int status) {
                                if (Thread.currentThread() == waiting.get() && interrupted.get()) {
                                    // The page's first write: the relay goes now, and is done once it closed its
                                    // upstream exchange, or wrote.
                                    pageBegun.countDown();
                                    Await.until(() -> closedByProxy.getCount() == 0 || raced.get() != null,
                                            "the relay closed its upstream exchange, or wrote");
                                }
                                super.setStatus(status);
                            }
                        });
                    })
                    .servlet("/*", proxy(guard), false).start()) {
                CompletableFuture<HttpResponse<byte[]>> answered = CompletableFuture.supplyAsync(
                        () -> Client.get(server.uri("/slow"), "application/json"), OWN_THREAD);
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).isTrue();
                Await.until(() -> isWaitingForTheUpstream(waiting.get()),
                        "the servlet's thread waits for the upstream");
                headDue.release();

                HttpResponse<byte[]> page = answered.get(15, TimeUnit.SECONDS);

                assertThat(raced.get()).as("the relay wrote to the response the page answered").isNull();
                assertThat(pageBegun.getCount()).as("the relay held until the page's write began").isZero();
                assertErrorPage(page, "GET", HttpServletResponse.SC_SERVICE_UNAVAILABLE, "\\d+");
                assertThat(Client.text(page)).contains("connection_limit_reached").doesNotContain("Exception");
                assertThat(closedByProxy.await(10, TimeUnit.SECONDS)).as("the upstream connection closed").isTrue();
                assertThat(guard.metrics().failedCalls()).isZero();
                assertThat(guard.metrics().successfulCalls()).as("the head arrived in time").isOne();
                assertThat(guard.metrics().abortedCalls()).isZero();
                int permits = guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls();
                Await.until(() -> guard.bulkhead().getMetrics().getAvailableConcurrentCalls() == permits,
                        "the call's bulkhead permit given back with the body's end");
            }
        }
    }

    /**
     * The waiting thread interrupted while a client thread writes the upstream's head into the response (held here
     * in the response's {@code setStatus}): the page waits until the relay, ended, left the response, and is then
     * written in its place (R1, R36). Written at once, it raced the relay's writes into a response that is not
     * thread-safe: the upstream's status and fields mixed with the page's, or the page with the upstream's body.
     */
    @Test
    void interruptedWhileTheHeadIsRelayedThePageWaitsForTheRelayWithoutAsyncSupport() throws Exception {
        CountDownLatch closedByProxy = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(headThenAwaitClose(closedByProxy))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofSeconds(30)).build());
            AtomicReference<Thread> waiting = new AtomicReference<>();
            CountDownLatch relaying = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<String> raced = new AtomicReference<>();
            try (JettyServer server = new JettyServer()
                    .filter((request, response, chain) -> {
                        waiting.set(Thread.currentThread());
                        chain.doFilter(request, new HttpServletResponseWrapper((HttpServletResponse) response) {
                            @Override
                            public void setStatus(int status) {
                                if (Thread.currentThread() != waiting.get() && relaying.getCount() > 0) {
                                    relaying.countDown();
                                    try {
                                        release.await(20, TimeUnit.SECONDS);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                } else if (release.getCount() > 0) {
                                    raced.set("setStatus(" + status + ") while the relay wrote the head");
                                }
                                super.setStatus(status);
                            }

                            @Override
                            public void reset() {
                                if (release.getCount() > 0) {
                                    raced.set("reset() while the relay wrote the head");
                                }
                                super.reset();
                            }
                        });
                    })
                    .servlet("/*", proxy(guard), false).start()) {
                CompletableFuture<HttpResponse<byte[]>> answered = CompletableFuture.supplyAsync(
                        () -> Client.get(server.uri("/slow"), "application/json"), OWN_THREAD);
                assertThat(relaying.await(10, TimeUnit.SECONDS)).as("the relay writes the head").isTrue();

                waiting.get().interrupt();

                // Either the page's thread waits for the relay (joins the exchange's outcome), or it raced it.
                Await.until(() -> raced.get() != null || Arrays.stream(waiting.get().getStackTrace()).anyMatch(
                        frame -> frame.getClassName().equals(CompletableFuture.class.getName())
                                && frame.getMethodName().equals("join")), "the page's thread waits or races");
                release.countDown();
                assertThat(raced.get()).as("the page written while the relay wrote the head").isNull();
                assertThat(closedByProxy.await(10, TimeUnit.SECONDS)).as("the upstream connection closed").isTrue();
                HttpResponse<byte[]> page = answered.get(10, TimeUnit.SECONDS);
                assertErrorPage(page, "GET", HttpServletResponse.SC_SERVICE_UNAVAILABLE, "\\d+");
                assertThat(Client.text(page)).contains("connection_limit_reached").doesNotContain("Exception");
                assertThat(guard.metrics().failedCalls()).isZero();
            } finally {
                release.countDown();
            }
        }
    }

    /**
     * A client that stops sending a streamed body (a POST, not read ahead for retries) until the container's idle
     * timeout (500 ms here) ends its read: the container tells the read listener with a failure that is no
     * {@link IOException}, which ends the attempt at once as the client's failure, 408 and the connection closed
     * (RFC 9110 §15.5.9); not, after the attempt timeout (30 s here), when the guard finds the body still waiting.
     */
    @Test
    void streamedUploadEndedByTheContainersIdleTimeoutIsAnswered408AtOnce() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200, "took it"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .attemptTimeout(Duration.ofSeconds(30)).build());
            try (JettyServer server = new JettyServer().idleTimeout(Duration.ofMillis(500))
                    .servlet("/*", proxy(guard)).start();
                    Socket uploader = new Socket("127.0.0.1", server.port())) {
                uploader.setSoTimeout(10_000);
                uploader.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n"
                        + "\r\n" + "x".repeat(10)).getBytes(StandardCharsets.US_ASCII));
                uploader.getOutputStream().flush();

                HttpTester.Response answer = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));

                assertThat(answer.getStatus()).as(answer.getContent()).isEqualTo(408);
                assertThat(answer.get("Connection")).isEqualToIgnoringCase("close");
                assertThat(answer.getContent()).doesNotContain("Exception", "127.0.0.1");
            }
            Await.until(() -> guard.metrics().abortedCalls() == 1, "the call ended as aborted");
            assertThat(guard.metrics().failedCalls()).isZero();
        }
    }

    /**
     * A JVM whose default TLS context cannot be made (here {@code javax.net.ssl.keyStore} names no file: a key store
     * moved, or its password wrong) fails the servlet's start with a message that names the upstream and says where
     * to look, rather than with the JDK's {@code NoSuchAlgorithmException} about an algorithm called "Default". Run in
     * a JVM of its own ({@link DefaultTlsContextProbe}): a JVM makes its default context once, and keeps it.
     */
    @Test
    void aJvmDefaultTlsContextThatCannotBeMadeFailsTheStartNamingTheSystemProperties(@TempDir Path folder)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path output = folder.resolve("probe.log"); // a file, not a pipe, which a chatty probe would fill and block on
        Process probe = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Djavax.net.ssl.keyStore=" + folder.resolve("moved.p12"), "-Djavax.net.ssl.keyStorePassword=secret",
                DefaultTlsContextProbe.class.getName())).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        try {
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
        } finally {
            probe.destroyForcibly();
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(printed).as(printed).contains("threw java.lang.IllegalStateException: could not make the JVM's "
                + "default TLS context for upstream orders (see the javax.net.ssl.* system properties)");
    }

    /**
     * A JVM whose default TLS context cannot be made (a key store or a trust store moved, a trust store's password
     * wrong: set for another library in the JVM) does not stop a proxy whose endpoints are all plain {@code http}
     * from starting and forwarding: it never uses TLS, so it makes no TLS context at all. Each setting in a JVM of
     * its own ({@link DefaultTlsContextProbe}).
     */
    @Test
    void aJvmDefaultTlsContextThatCannotBeMadeLeavesAPlainHttpProxyStartingAndForwarding(@TempDir Path folder)
            throws Exception {
        DefaultTlsContextProbe.runForEachBrokenSetting(folder, broken -> List.of("JETTY", "http")).forEach(
                (broken, printed) -> assertThat(printed).as(broken + ": " + printed).contains("forwarded 200 took it"));
    }

    /**
     * As {@link #aJvmDefaultTlsContextThatCannotBeMadeFailsTheStartNamingTheSystemProperties}, for each setting the
     * JVM cannot make its default TLS context from: a proxy with an {@code https} endpoint still fails its start,
     * naming the upstream and where to look, also when its other endpoint is plain {@code http}.
     */
    @Test
    void eachBrokenJvmTlsSettingFailsTheStartOfAnHttpsProxyNamingTheSystemProperties(@TempDir Path folder)
            throws Exception {
        DefaultTlsContextProbe.runForEachBrokenSetting(folder,
                broken -> List.of("JETTY", broken.get(0).contains("keyStore") ? "https,http" : "https")).forEach(
                        (broken, printed) -> assertThat(printed).as(broken + ": " + printed).contains("threw "
                                + "java.lang.IllegalStateException: could not make the JVM's default TLS context for "
                                + "upstream orders (see the javax.net.ssl.* system properties)"));
    }

    /**
     * R4, R47: with the only connection allowed busy and as many requests waiting for it as Jetty's client queues for
     * one endpoint (1024), those beyond are refused at once with 503 {@code connection_limit_reached}: the gateway's
     * own limit, which the breaker does not count, not a failure blamed on an upstream that never saw them.
     */
    @Test
    void requestsBeyondTheClientsFullQueueAreAnswered503ConnectionLimitReached() throws Exception {
        int queued = 1024; // Jetty's default maxRequestsQueuedPerDestination
        int beyond = 20;
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Exchange::stall)) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofSeconds(30))
                    .bulkheadConfig(BulkheadConfig.custom().maxConcurrentCalls(2 * queued).build()).build());
            try (JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(ProxyTransport.JETTY).maxConnections(1).build()).start()) {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpRequest request = HttpRequest.newBuilder(server.uri("/orders/42"))
                        .header("Accept", "application/json").timeout(Duration.ofSeconds(60)).build();
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).as("the connection taken").isTrue();

                for (int i = 0; i < queued + beyond; i++) {
                    answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
                }

                // Those refused are answered at once; the others wait for the connection, up to their 30 s.
                Await.until(() -> answers.stream().filter(CompletableFuture::isDone).count() >= beyond,
                        "the requests beyond the queue answered", Duration.ofSeconds(20));
                List<HttpResponse<String>> answered = answers.stream().filter(CompletableFuture::isDone)
                        .map(CompletableFuture::join).toList();
                assertThat(answered).hasSize(beyond).allSatisfy(response -> {
                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(response.body()).contains("connection_limit_reached");
                    assertThat(response.headers().firstValue("Retry-After")).as("R8").isPresent();
                });
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
                assertThat(upstream.requestCount()).isEqualTo(1);
            }
        }
    }

    /**
     * R13, R47: a request that waited in the Jetty transport's queue for its one connection, busy with a download, until
     * its attempt's time ran out is answered 503 {@code connection_limit_reached}, which says it was never sent, and it
     * is never sent, also when the connection comes free at that very moment: the upstream's count of the request id
     * stays at none, as the guard's metrics say (a rejected call, no attempt). The transport saw the request in the
     * queue, the guard took the failure, and only then was the request aborted: a connection that came free meanwhile
     * took it from the queue and sent it, so the upstream got a request, a POST too, that the guard counted as none,
     * while its client was told it never left and may send it again. Under load (16 clients, {@code max-connections}
     * 1 or 2, an upstream answering in 40 ms, attempts of 150 ms) 4 to 6 of 400 requests reached the upstream so. Here
     * the connection comes free exactly then: the guard's listener, told of the failure on the thread that ended the
     * attempt, ends the download and waits for the upstream to get the request, or 2 s: it got it at once while the
     * request was aborted only after the guard took the failure.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST"})
    void aRequestTheFullPoolHeldUntilItsTimeRanOutIsNeverSentThoughAConnectionComesFreeThen(String method)
            throws Exception {
        Semaphore release = new Semaphore(0);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.request().target().startsWith("/download")) {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nfirst");
                exchange.await(release, Duration.ofSeconds(10));
                exchange.writeRaw(" half");
            } else {
                exchange.respond(200, "order 42", "Content-Type", "text/plain");
            }
        })) {
            AtomicBoolean told = new AtomicBoolean();
            AtomicReference<Boolean> sentMeanwhile = new AtomicReference<>();
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofMillis(300)).build()).listener(event -> {
                        if (event instanceof UpstreamEvent.CallFailed failed
                                && failed.failure().cause() == FailureCause.CONNECTION_LIMIT_REACHED
                                && told.compareAndSet(false, true)) {
                            // The test's hook, blocking the thread that ended the attempt on purpose: the connection
                            // comes free after the request was found queued and before the transport goes on.
                            release.release();
                            try {
                                sentMeanwhile.set(upstream.awaitRequests(2, Duration.ofSeconds(2)));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }).build();
            try (JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(ProxyTransport.JETTY).maxConnections(1).build()).start()) {
                CompletableFuture<HttpResponse<String>> download = HttpClient.newHttpClient().sendAsync(
                        HttpRequest.newBuilder(server.uri("/download")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).as("the download holds the connection")
                        .isTrue();

                HttpResponse<byte[]> waiting = Client.send(method, server.uri("/orders/42"), "application/json",
                        "X-Request-Id", "order-42");

                assertErrorPage(waiting, method, 503, "30");
                assertThat(Client.text(waiting)).contains("connection_limit_reached");
                assertThat(download.get(10, TimeUnit.SECONDS).body()).isEqualTo("first half");
                assertThat(sentMeanwhile.get()).as("the request sent once the connection came free").isFalse();
                assertThat(upstream.requests()).as("the upstream's requests")
                        .noneMatch(request -> "order-42".equals(request.headers().get("x-request-id")));
                assertThat(guard.metrics().rejectedCalls()).isEqualTo(1);
                assertThat(guard.metrics().attempts()).as("attempts, as the upstream saw them: the download's")
                        .isEqualTo(upstream.requestCount()).isEqualTo(1);
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
            }
        } finally {
            release.release();
        }
    }

    /**
     * R13: a POST whose attempt's time runs out while its connection's TLS handshake is still under way is reported as
     * a connect that never completed (which {@code retry.on-connect-failure-for-unsafe} sends again) only where nothing
     * of it can reach the upstream afterwards: the upstream gets the POST once, from the retry, and the client its
     * answer. The transport's own look at what was late found the request waiting for the handshake, reported the
     * connect timeout, and only then aborted the request, which Jetty's client does not take back once its head's
     * write waits on the handshake: a handshake that completed in between sent the POST on the first connection, and
     * the retry sent it again. Here the upstream gets the hello exactly then: the guard's listener, told of the retry
     * on the thread that ended the attempt, lets the held hello through (a relay that held it) and waits for the
     * upstream to get the request, or 2 s: before the fix it got it at once; now the first connection is closed
     * before its handshake can end, and a handshake that succeeds after the attempt ended it fails instead
     * ({@code TlsHandshakeDeadlineTests}). (A request whose connection is not open yet when the attempt's time runs
     * out is taken off the client's queue instead, which the test checks it did not: the TLS classes are loaded first
     * by a request to the upstream itself, and the attempt has 1 s.)
     */
    @Test
    void aPostWhoseTlsHandshakeRanOutOfTimeIsNeverSentThoughTheUpstreamGetsTheHelloThen() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.startTlsSelfSigned(Behaviour.ok());
                HandshakeGate gate = HandshakeGate.before(upstream.port())) {
            AtomicBoolean told = new AtomicBoolean();
            AtomicBoolean helloHeld = new AtomicBoolean();
            AtomicReference<Boolean> sentMeanwhile = new AtomicReference<>();
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(gate.uri())
                    .maxAttempts(2).retryUnsafeNeverSentEnabled(true).attemptTimeout(Duration.ofSeconds(1))
                    .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).build()).listener(event -> {
                        if (event instanceof UpstreamEvent.RetryScheduled retry
                                && retry.cause() == FailureCause.CONNECTION_TIMEOUT
                                && told.compareAndSet(false, true)) {
                            // The test's hook, blocking the thread that ended the attempt on purpose: the handshake
                            // completes after the transport reported the connect timeout and before it goes on.
                            helloHeld.set(gate.holdsAHello());
                            gate.open();
                            try {
                                sentMeanwhile.set(upstream.awaitRequests(1, Duration.ofSeconds(2)));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }).build();
            // The attempt's time is the shorter: the transport's own look at what was late tells a late handshake.
            try (JettyServer server = new JettyServer().servlet("/*", ReverseProxyServlet.builder(guard)
                    .transport(ProxyTransport.JETTY).sslContext(FaultyUpstream.trustingSelfSigned())
                    .connectTimeout(Duration.ofSeconds(5)).build())
                    .servlet("/direct/*", ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig
                            .builder("direct").endpoints(upstream.uri()).build())).transport(ProxyTransport.JETTY)
                            .sslContext(FaultyUpstream.trustingSelfSigned()).build()).start()) {
                assertThat(Client.get(server.uri("/direct/warm-up"), "application/json").statusCode()).isEqualTo(200);
                upstream.clearRequests();

                HttpResponse<byte[]> answered = Client.send("POST", server.uri("/orders"), "application/json",
                        "X-Request-Id", "order-42");

                assertThat(told).as("the retry of a connect that timed out").isTrue();
                assertThat(helloHeld).as("the request's head waiting on the handshake as its time ran out").isTrue();
                assertThat(sentMeanwhile.get()).as("the POST sent on the first connection once its hello got through")
                        .isFalse();
                assertThat(answered.statusCode()).as(Client.text(answered)).isEqualTo(200);
                assertThat(upstream.requests()).as("the upstream's requests")
                        .filteredOn(request -> "order-42".equals(request.headers().get("x-request-id")))
                        .hasSize(1);
                assertThat(guard.metrics().retries()).isEqualTo(1);
            }
        }
    }

    /**
     * R4, R13, R47: a request whose body is read with blocking I/O (a servlet registered without asynchronous support),
     * which a thread of the Jetty transport's client sends, and which that thread queues only some time into the
     * attempt (the client's threads all busy, as on a loaded machine or a cold JVM), waits behind the full pool, its
     * one connection busy with a download, until its attempt's time runs out: the client gets 503
     * {@code connection_limit_reached}, which says it was never sent, and the upstream never gets it; the guard counts
     * no attempt and no breaker failure, and retries nothing. With a {@code connect-timeout} shorter than the
     * attempt's, the transport's own look at what was late, a margin (20 ms) before the guard's timer, is set only for
     * a request the full pool holds back, as it is queued; it was timed from then, not from the attempt's start, so a
     * request queued more than the margin late was looked at only after the guard's timer had ended the attempt as a
     * late response of the upstream's: a 504 {@code http_response_timeout}, a breaker failure, and for a GET (its body
     * replayable while unread) a retry of a request that never left. Here the client's threads are all held until
     * 150 ms into the attempt of 500 ms.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PUT", "GET"})
    void aRequestQueuedLateByABusyClientBehindTheFullPoolIsTheGatewaysLimitNotTheUpstreamsTimeout(String method)
            throws Exception {
        Semaphore release = new Semaphore(0);
        CountDownLatch threadsFree = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.request().target().startsWith("/download")) {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nfirst");
                exchange.await(release, Duration.ofSeconds(10));
                exchange.writeRaw(" half");
            } else {
                exchange.respond(200, "order 42", "Content-Type", "text/plain");
            }
        })) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(2).attemptTimeout(Duration.ofMillis(500)).build());
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .maxConnections(1).connectTimeout(Duration.ofMillis(250)).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).start()) {
                CompletableFuture<HttpResponse<String>> download = HttpClient.newHttpClient().sendAsync(
                        HttpRequest.newBuilder(server.uri("/download")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).as("the download holds the connection")
                        .isTrue();
                QueuedThreadPool clientThreads = clientThreads(proxy);
                int maxThreads = clientThreads.getMaxThreads();
                try {
                    HeldThreads held = holdEveryThread(clientThreads, threadsFree);

                    // A body of unknown length: streamed, read by the client's thread once a connection takes it.
                    CompletableFuture<HttpResponse<byte[]>> waiting = HttpClient.newHttpClient().sendAsync(
                            HttpRequest.newBuilder(server.uri("/orders/42")).header("Accept", "application/json")
                                    .header("X-Request-Id", "order-42").method(method,
                                            HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                                                    "{\"quantity\":1}".getBytes(StandardCharsets.UTF_8))))
                                    .build(), HttpResponse.BodyHandlers.ofByteArray());
                    // It hands the send over to a thread of the client's, which comes 150 ms into its 500 ms.
                    freeTheClientsThreadsInTheAttempt(held, threadsFree, Duration.ofMillis(150));

                    HttpResponse<byte[]> answered = waiting.get(10, TimeUnit.SECONDS);
                    assertErrorPage(answered, method, 503, "30");
                    assertThat(Client.text(answered)).contains("connection_limit_reached");
                } finally {
                    threadsFree.countDown();
                    clientThreads.setMaxThreads(maxThreads);
                }
                release.release();
                assertThat(download.get(10, TimeUnit.SECONDS).body()).isEqualTo("first half");
                assertThat(upstream.requests()).as("the upstream's requests")
                        .noneMatch(request -> "order-42".equals(request.headers().get("x-request-id")));
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
                assertThat(guard.metrics().retries()).as("retries").isZero();
                assertThat(guard.metrics().rejectedCalls()).as("rejected calls").isEqualTo(1);
                assertThat(guard.metrics().attempts()).as("attempts, as the upstream saw them: the download's")
                        .isEqualTo(upstream.requestCount()).isEqualTo(1);
            }
        } finally {
            release.release();
        }
    }

    /**
     * R4, R13, R47: a request whose body is read with blocking I/O (a servlet registered without asynchronous support),
     * which the Jetty transport hands to a thread of its client to send, is answered 503
     * {@code connection_limit_reached} when every thread of the client's stays busy until the attempt's time is up (a
     * loaded gateway): the gateway's own limit, which says the request was never sent, and which the breaker does not
     * count; the guard counts a rejected call, no attempt and no retry. And it is never sent: not when the client's
     * threads come free the moment the failure is reported, while the client's body can still be read, and the send
     * handed to them runs. The request, never handed to the client, was left to the guard's timer, which ended it as
     * a late response of the upstream's: a 504 {@code http_response_timeout}, a breaker failure, and for a GET (its
     * body replayable while unread) a retry that waited for the same threads. With a {@code connect-timeout} no
     * shorter than the attempt's (2 s, the default), the transport's own look at what was late, a margin before the
     * guard's timer, withdraws the send; with a shorter one (200 ms, as with the defaults' 10 s attempt and 2 s
     * connect timeout) nothing looks ahead, and the guard's timer, cancelling the attempt, withdraws it. Here the
     * client's threads are all held until the guard's listener is told of the failure, on the thread that ended the
     * attempt, which frees them and waits until they have run the send handed to them, then for the upstream to get
     * the request, or 500 ms (on loopback, a send taken arrives within milliseconds).
     */
    @ParameterizedTest(name = "{0}, connect timeout {1} ms")
    @CsvSource({"POST, 2000", "GET, 2000", "POST, 200", "GET, 200"})
    void aRequestABusyClientHoldsPastTheAttemptsTimeIsTheGatewaysLimitAndIsNeverSentOnceItsThreadsComeFree(
            String method, long connectTimeoutMillis) throws Exception {
        CountDownLatch threadsFree = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            AtomicReference<HeldThreads> held = new AtomicReference<>();
            List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
            AtomicReference<Boolean> sentMeanwhile = new AtomicReference<>();
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(2).attemptTimeout(Duration.ofMillis(300)).build()).listener(event -> {
                        if (event instanceof UpstreamEvent.CallFailed failed) {
                            failures.add(failed.failure());
                            // The test's hook, blocking the thread that ended the attempt on purpose: the client's
                            // threads come free, and take the send handed to them, before the page is written.
                            int threads = held.get().threads(); // before they are freed, which lets more tasks begin
                            threadsFree.countDown();
                            try {
                                awaitTheTasksHandedOverBefore(held.get().pool(), threads); // the send among them
                                sentMeanwhile.set(upstream.awaitRequests(1, Duration.ofMillis(500)));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }).build();
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .connectTimeout(Duration.ofMillis(connectTimeoutMillis)).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).start()) {
                QueuedThreadPool clientThreads = clientThreads(proxy);
                int maxThreads = clientThreads.getMaxThreads();
                try {
                    held.set(holdEveryThread(clientThreads, threadsFree));

                    // A body of unknown length: streamed, sent by a thread of the client's with blocking reads.
                    HttpResponse<byte[]> answered = HttpClient.newHttpClient().send(
                            HttpRequest.newBuilder(server.uri("/orders/42")).header("Accept", "application/json")
                                    .header("X-Request-Id", "order-42").timeout(Duration.ofSeconds(20))
                                    .method(method, HttpRequest.BodyPublishers.ofInputStream(() ->
                                            new ByteArrayInputStream("{\"quantity\":1}".getBytes(
                                                    StandardCharsets.UTF_8))))
                                    .build(), HttpResponse.BodyHandlers.ofByteArray());

                    assertErrorPage(answered, method, 503, "30");
                    assertThat(Client.text(answered)).contains("connection_limit_reached");
                } finally {
                    threadsFree.countDown();
                    clientThreads.setMaxThreads(maxThreads);
                }
                assertThat(sentMeanwhile.get()).as("the request sent once the client's threads came free").isFalse();
                assertThat(upstream.requests()).as("the upstream's requests").isEmpty();
                assertThat(upstream.connectionCount()).as("connections to the upstream").isZero();
                assertThat(failures).as("the calls that failed").singleElement().satisfies(failure -> {
                    assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                    assertThat(failure.attempts()).as("attempts").isZero();
                });
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls())
                        .as("calls the breaker counted").isZero();
                assertThat(guard.metrics().rejectedCalls()).as("rejected calls").isEqualTo(1);
                assertThat(guard.metrics().retries()).as("retries").isZero();
                assertThat(guard.metrics().attempts()).as("attempts, as the upstream saw them").isZero();
            }
        } finally {
            threadsFree.countDown();
        }
    }

    /**
     * R13, R47: a send that the Jetty transport's busy client takes only once the attempt's time is up sends nothing,
     * also while the guard's timer, due, has not run yet (the JDK's one timer thread late on a loaded machine): the
     * client gets 503 {@code connection_limit_reached} once it runs, and the upstream never gets the request. Taken
     * then, it went out only for the guard's timer to abort it as a late response of the upstream's, or to have its
     * answer count as the attempt's though it came after the attempt's time. Here the JDK's timer thread is held from
     * before the attempt's start until the client's threads, freed once the attempt's time of 300 ms is up, have run
     * the send handed to them.
     */
    @Test
    void aSendTheBusyClientTakesOnlyAfterTheAttemptsTimeIsUpIsWithdrawnThoughTheGuardsTimerIsLate() throws Exception {
        CountDownLatch threadsFree = new CountDownLatch(1);
        CountDownLatch timerFree = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofMillis(300)).build());
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build();
            // The warm-up goes through a proxy of its own, whose guard gives it time: through this one's attempt of
            // 300 ms, a busy machine (CI under load) had it time out, a 504, and counted it against the guard.
            ReverseProxyServlet warmUp = ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("warm-up")
                    .endpoints(upstream.uri()).build())).transport(ProxyTransport.JETTY).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).servlet("/warm-up/*", warmUp, false)
                    .start()) {
                HttpClient client = HttpClient.newHttpClient();
                // The transport's classes loaded, an attempt's timer begins a moment after its start.
                assertThat(client.send(streamedPost(server.uri("/warm-up/orders")),
                        HttpResponse.BodyHandlers.ofByteArray()).statusCode()).isEqualTo(200);
                upstream.clearRequests();
                QueuedThreadPool clientThreads = clientThreads(proxy);
                int maxThreads = clientThreads.getMaxThreads();
                try {
                    HeldThreads held = holdEveryThread(clientThreads, threadsFree);
                    CountDownLatch timerHeld = new CountDownLatch(1);
                    CompletableFuture.delayedExecutor(0, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
                        timerHeld.countDown();
                        try {
                            timerFree.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    assertThat(timerHeld.await(10, TimeUnit.SECONDS)).as("the JDK's timer thread held").isTrue();

                    CompletableFuture<HttpResponse<byte[]>> waiting = client.sendAsync(
                            streamedPost(server.uri("/orders")), HttpResponse.BodyHandlers.ofByteArray());
                    Await.until(held::anotherTaskHandedOver, "the send handed to the client's threads");
                    long handedOver = System.nanoTime(); // after the attempt began
                    // Its time up, and the guard's timer, begun a moment after its start, due.
                    Await.until(() -> System.nanoTime() - handedOver > TimeUnit.MILLISECONDS.toNanos(350),
                            "the attempt's time up");
                    assertThat(waiting).as("the attempt not ended yet").isNotDone();

                    int threads = held.threads(); // before they are freed, which lets more tasks begin
                    threadsFree.countDown();
                    awaitTheTasksHandedOverBefore(clientThreads, threads); // the send among them
                    timerFree.countDown();

                    HttpResponse<byte[]> answered = waiting.get(10, TimeUnit.SECONDS);
                    assertErrorPage(answered, "POST", 503, "30");
                    assertThat(Client.text(answered)).contains("connection_limit_reached");
                } finally {
                    timerFree.countDown();
                    threadsFree.countDown();
                    clientThreads.setMaxThreads(maxThreads);
                }
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(1))).as("the request sent").isFalse();
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
                assertThat(guard.metrics().rejectedCalls()).as("rejected calls").isEqualTo(1);
                assertThat(guard.metrics().attempts()).as("attempts, as the upstream saw them").isZero();
            }
        } finally {
            timerFree.countDown();
            threadsFree.countDown();
        }
    }

    /**
     * R13, R47: a request whose body is read with blocking I/O, which a thread of the Jetty transport's client takes to
     * send only when the client's busy threads have left the upstream less than an attempt needs
     * ({@code min-attempt-timeout}, at most half the attempt's time), and whose response head is then late, is the
     * gateway's limit: 503 {@code connection_limit_reached}, which the breaker does not count, with the attempt made
     * (the upstream got the request), as for a request a full pool held back as long. Left to the guard's timer, it
     * was a 504 {@code http_response_timeout} and a breaker failure, although the upstream had less than half its
     * time. Here the client's threads are all held until more than 1.6 s into the attempt of 3 s (the upstream has
     * less than the 1.5 s an attempt needs, and the thread comes well before the attempt's time is up), and the
     * upstream never answers.
     */
    @Test
    void aRequestABusyClientSendsWithLessThanAnAttemptNeedsLeftIsTheGatewaysLimitWhenItsHeadIsLate() throws Exception {
        CountDownLatch threadsFree = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.stall())) {
            List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
            UpstreamGuard guard = guardRecordingFailures(upstream, failures);
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .connectTimeout(Duration.ofMillis(500)).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).start()) {
                QueuedThreadPool clientThreads = clientThreads(proxy);
                int maxThreads = clientThreads.getMaxThreads();
                try {
                    HeldThreads held = holdEveryThread(clientThreads, threadsFree);

                    CompletableFuture<HttpResponse<byte[]>> waiting = HttpClient.newHttpClient().sendAsync(
                            streamedPost(server.uri("/orders")), HttpResponse.BodyHandlers.ofByteArray());
                    freeTheClientsThreadsLateInTheAttempt(held, threadsFree);

                    HttpResponse<byte[]> answered = waiting.get(10, TimeUnit.SECONDS);
                    assertErrorPage(answered, "POST", 503, "30");
                    assertThat(Client.text(answered)).contains("connection_limit_reached");
                } finally {
                    threadsFree.countDown();
                    clientThreads.setMaxThreads(maxThreads);
                }
                assertThat(upstream.requests()).as("the upstream's requests")
                        .filteredOn(request -> "order-42".equals(request.headers().get("x-request-id"))).hasSize(1);
                assertThat(failures).as("the calls that failed").singleElement().satisfies(failure -> {
                    assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                    assertThat(failure.attempts()).as("attempts").isEqualTo(1);
                });
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
            }
        } finally {
            threadsFree.countDown();
        }
    }

    /**
     * R13, R47: a client that holds the rest of its upload back past the attempt's time is answered 408, its own stall,
     * which the breaker does not count, also when a thread of the Jetty transport's busy client took the request to
     * send so late that the upstream had less than an attempt needs: the gateway's limit took the upstream's time, but
     * the client's body, still awaited, is what was late. Over a connection the client keeps idle, the thread writes
     * the body as it reads it, and waits in the read as the guard's timer ends the attempt; over one it opens, the
     * transport's own look at what was late, a margin before the guard's timer, finds the body awaited. It answered
     * 503 {@code connection_limit_reached} there, asking the client to send again later the upload it had not sent
     * whole. Here the client's threads are all held until more than 1.6 s into the attempt of 3 s, and the client
     * sends half its upload, then waits for the answer.
     */
    @ParameterizedTest(name = "over a connection kept idle: {0}")
    @ValueSource(booleans = {true, false})
    void aClientThatHoldsItsUploadBackPastTheAttemptsTimeStalledThoughABusyClientSentItLate(boolean idleConnection)
            throws Exception {
        CountDownLatch threadsFree = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
            UpstreamGuard guard = guardRecordingFailures(upstream, failures);
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .connectTimeout(Duration.ofMillis(500)).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).start()) {
                if (idleConnection) {
                    // Kept idle: a request sent then is written on the thread that sends it.
                    assertThat(HttpClient.newHttpClient().send(streamedPost(server.uri("/warm-up")),
                            HttpResponse.BodyHandlers.ofByteArray()).statusCode()).isEqualTo(200);
                }
                QueuedThreadPool clientThreads = clientThreads(proxy);
                int maxThreads = clientThreads.getMaxThreads();
                try (Socket uploader = new Socket(InetAddress.getLoopbackAddress(), server.uri("/").getPort())) {
                    uploader.setSoTimeout(10_000);
                    HeldThreads held = holdEveryThread(clientThreads, threadsFree);

                    sendHalfAnUpload(uploader.getOutputStream());
                    freeTheClientsThreadsLateInTheAttempt(held, threadsFree);

                    HttpTester.Response answered = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));
                    assertThat(answered).as("the answer").isNotNull();
                    assertThat(answered.getStatus()).isEqualTo(408);
                    assertThat(answered.getContent()).doesNotContain("connection_limit_reached", "127.0.0.1");
                } finally {
                    threadsFree.countDown();
                    clientThreads.setMaxThreads(maxThreads);
                }
                assertThat(failures).as("the calls that failed").allSatisfy(failure -> assertThat(failure.cause())
                        .isNotEqualTo(FailureCause.CONNECTION_LIMIT_REACHED));
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
                assertThat(guard.metrics().rejectedCalls()).as("rejected calls").isZero();
            }
        } finally {
            threadsFree.countDown();
        }
    }

    /**
     * R4: a streamed upload's send that still waits for a thread of the Jetty transport's busy client when the servlet
     * is destroyed (an undeploy of a loaded gateway) is closed by the client's stopping pool, never run, and quietly:
     * the operator's log got a WARN line "Stopped without executing or closing" naming a class of the library's
     * ({@code JettyForwarder$Exchange$$Lambda}) at each such undeploy. Here the client's threads are all held until the
     * servlet is destroyed, and the log is what the servlet's destruction writes to {@code System.err}
     * (slf4j-simple's).
     */
    @Test
    void aSendStillWaitingForTheBusyClientsThreadsAtUndeployIsClosedWithoutAWarning() throws Exception {
        CountDownLatch threadsFree = new CountDownLatch(1);
        PrintStream err = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).build());
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).start()) {
                QueuedThreadPool clientThreads = clientThreads(proxy);
                HeldThreads held = holdEveryThread(clientThreads, threadsFree);
                CompletableFuture<HttpResponse<byte[]>> waiting = HttpClient.newHttpClient().sendAsync(
                        streamedPost(server.uri("/orders")), HttpResponse.BodyHandlers.ofByteArray());
                Await.until(held::anotherTaskHandedOver, "the send handed to the client's threads");
                try {
                    System.setErr(new PrintStream(new OutputStream() {
                        @Override
                        public void write(int b) {
                            err.write(b);
                            logged.write(b);
                        }
                    }, true, StandardCharsets.UTF_8));
                    proxy.destroy(); // stops the client, its threads interrupted, the send still queued
                } finally {
                    System.setErr(err);
                    threadsFree.countDown();
                }

                assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).as("the answer").isEqualTo(503);
                assertThat(upstream.awaitRequests(1, Duration.ofMillis(500))).as("the request sent").isFalse();
            }
        } finally {
            System.setErr(err);
            threadsFree.countDown();
        }
        assertThat(logged.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("Stopped without executing or closing")))
                .as("the pool's lines for the tasks it stopped without running")
                .noneMatch(line -> line.contains("io.github.errorpages.servlet.internal"));
    }

    /**
     * R13, R47: a large upload that flows, slowly but steadily, sent by the Jetty transport only once its full pool has
     * left the upstream less than an attempt needs, and whose response head is then late, is the gateway's limit: 503
     * {@code connection_limit_reached}, the attempt made, which the breaker does not count. Its body waits for the
     * client's next bytes most of the time, and a read waiting as the attempt's time ran out was taken for the
     * client's stall: 408, the client blamed for a wait the gateway's limit made. Here the one connection is held by a
     * download until more than 1.7 s into the attempt of 3 s, and the client sends a byte of its 1000 every 20 ms.
     */
    @Test
    void aSlowButFlowingUploadTheFullPoolSentLateIsTheGatewaysLimitNotTheClientsStall() throws Exception {
        Semaphore release = new Semaphore(0);
        Semaphore rest = new Semaphore(0);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.request().target().startsWith("/download")) {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nfirst");
                exchange.await(release, Duration.ofSeconds(10));
                exchange.writeRaw(" half");
            } else {
                exchange.await(rest, Duration.ofSeconds(10));
            }
        })) {
            List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
            UpstreamGuard guard = guardRecordingFailures(upstream, failures);
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .maxConnections(1).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy).start();
                    Socket uploader = new Socket(InetAddress.getLoopbackAddress(), server.uri("/").getPort())) {
                uploader.setSoTimeout(10_000);
                CompletableFuture<HttpResponse<String>> download = HttpClient.newHttpClient().sendAsync(
                        HttpRequest.newBuilder(server.uri("/download")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).as("the download holds the connection")
                        .isTrue();
                OutputStream out = uploader.getOutputStream();
                out.write(("POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long started = System.nanoTime();
                pace.scheduleAtFixedRate(() -> {
                    try {
                        out.write('A');
                        out.flush();
                    } catch (IOException answeredAndClosed) {
                        throw new UncheckedIOException(answeredAndClosed); // ends the pace
                    }
                }, 0, 20, TimeUnit.MILLISECONDS);
                Await.until(() -> System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(1700),
                        "1.7 s of the attempt past", Duration.ofSeconds(5));
                release.release(); // the connection comes free: the upload is sent, with 1.3 s of its 3 s left

                HttpTester.Response answered = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));
                assertThat(answered).as("the answer").isNotNull();
                assertThat(answered.getStatus()).isEqualTo(503);
                assertThat(answered.getContent()).contains("connection_limit_reached").doesNotContain("127.0.0.1");
                assertThat(download.get(10, TimeUnit.SECONDS).body()).isEqualTo("first half");
            } finally {
                pace.shutdownNow();
                release.release();
                rest.release();
            }
            assertThat(failures).as("the calls that failed").singleElement().satisfies(failure -> {
                assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                assertThat(failure.attempts()).as("attempts").isEqualTo(1);
            });
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        }
    }

    /**
     * R13, R47: an upload that the Jetty transport's full pool held back until the upstream had less than an attempt
     * needs, whose client had not sent the rest of it yet as the transport looked at the attempt a moment (20 ms)
     * before its time was up, and which the client finished sending before the guard's timer ended the attempt, is
     * the gateway's limit when its response head is late: 503 {@code connection_limit_reached}, the attempt made,
     * which the breaker does not count. The look ahead left the attempt to the guard's timer, the body then waiting
     * for the client (its stall, 408, were it still so at the end), and the guard's timer, which asked again only for
     * a send of the busy client's, ended it as a late response of the upstream's: 504 and a breaker failure, for an
     * upstream that had less than half its time. Here the one connection is held by a download until more than 1.7 s
     * into the attempt of 3 s, the client sends half its upload at once, and the rest is sent by a task on the JDK's
     * one timer thread, which runs the look ahead and the guard's timer too, in the order they are due: due 15 ms after
     * the look ahead and 5 ms before the guard's timer, counted from the attempt's own start, it runs between the
     * two however late the thread comes, and holds the guard's timer until the upstream has the whole body. The
     * upstream never answers.
     */
    @ParameterizedTest(name = "async support: {0}")
    @ValueSource(booleans = {true, false})
    void anUploadTheFullPoolHeldBackAndTheClientFinishedBeforeTheAttemptsEndIsTheGatewaysLimitWhenItsHeadIsLate(
            boolean asyncSupported) throws Exception {
        Semaphore release = new Semaphore(0);
        Semaphore rest = new Semaphore(0);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.request().target().startsWith("/download")) {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nfirst");
                exchange.await(release, Duration.ofSeconds(10));
                exchange.writeRaw(" half");
            } else {
                exchange.await(rest, Duration.ofSeconds(10)); // never answered within the attempt
            }
        })) {
            List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
            UpstreamGuard guard = guardRecordingFailures(upstream, failures);
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .maxConnections(1).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, asyncSupported).start();
                    Socket uploader = new Socket(InetAddress.getLoopbackAddress(), server.uri("/").getPort())) {
                uploader.setSoTimeout(10_000);
                CompletableFuture<HttpResponse<String>> download = HttpClient.newHttpClient().sendAsync(
                        HttpRequest.newBuilder(server.uri("/download")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).as("the download holds the connection")
                        .isTrue();
                HttpDestination destination = (HttpDestination) jettyClient(proxy).getDestinations().get(0);

                sendHalfAnUpload(uploader.getOutputStream());
                Await.until(() -> destination.getQueuedRequestCount() == 1, "the upload held back by the full pool");
                long started = attemptStartedNanos(destination);
                // The look ahead is due 2980 ms after the attempt's start, the guard's timer, begun after it, 3000 ms;
                // this task 2995 ms, at most 2 ms later (onTheJdksTimerThreadWhenDue), still before the guard's timer.
                // (Only a transport's thread held up for 15 ms between reading the clock in timeAfter and setting the
                // look ahead's timer would make it come after this task: it would find the body whole and answer the
                // 503 itself, and the test would pass without the guard's timer asking what was late.)
                // What the task came to, asserted below: thrown on the timer thread, it would vanish into the timer's
                // own future, and that thread, the JVM's shared one, is not to be left interrupted.
                AtomicReference<String> restSent = new AtomicReference<>("not run");
                onTheJdksTimerThreadWhenDue(started + TimeUnit.MILLISECONDS.toNanos(2995), () -> {
                    try {
                        OutputStream out = uploader.getOutputStream();
                        out.write("B".repeat(10).getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        // The guard's timer held until the upstream has the whole body.
                        restSent.set(upstream.awaitRequests(2, Duration.ofSeconds(5)) ? "the whole body at the upstream"
                                : "the upstream had not the whole body within 5 s");
                    } catch (IOException | InterruptedException e) {
                        restSent.set("failed: " + e);
                    }
                });
                Await.until(() -> System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(1700),
                        "1.7 s of the attempt past", Duration.ofSeconds(5));
                release.release(); // the connection comes free: the upload is sent, with 1.3 s of its 3 s left

                HttpTester.Response answered = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));
                assertThat(answered).as("the answer").isNotNull();
                // Run before the guard's timer, which answered: the rest of the upload sent meanwhile.
                assertThat(restSent).as("the rest of the upload, sent on the timer thread")
                        .hasValue("the whole body at the upstream");
                assertThat(answered.getStatus()).as(answered.getContent()).isEqualTo(503);
                assertThat(answered.getContent()).contains("connection_limit_reached").doesNotContain("127.0.0.1");
                assertThat(download.get(10, TimeUnit.SECONDS).body()).isEqualTo("first half");
            } finally {
                release.release();
                rest.release();
            }
            assertThat(upstream.requests()).as("the upstream's requests")
                    .filteredOn(request -> request.target().startsWith("/uploads")).singleElement()
                    .satisfies(request -> assertThat(request.bodyText()).isEqualTo("A".repeat(10) + "B".repeat(10)));
            assertThat(failures).as("the calls that failed").singleElement().satisfies(failure -> {
                assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                assertThat(failure.attempts()).as("attempts").isEqualTo(1);
            });
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        }
    }

    /**
     * R13, R47: a long upload that a thread of the Jetty transport's busy client took to send only when the upstream
     * had less than an attempt needs, over a connection the client kept idle, and which still flows, slowly, as the
     * attempt's time runs out, is the gateway's limit when its response head is late: 503
     * {@code connection_limit_reached}, the attempt made, which the breaker does not count. On an idle connection the
     * thread writes the body as it reads it, and its send returns only once the body is all read: the transport's
     * look ahead of the guard, set only then, never came, and the guard's timer alone ends the attempt, whose cancel
     * of the response head asks what was late for a send taken late; left to the guard, it was a late response of the
     * upstream's, 504 and a breaker failure. Here the client's threads are all held until more than 1.6 s into the
     * attempt of 3 s, and the client sends a byte of its 1000 every 20 ms (20 s of upload, its reads never waiting
     * near the 0.7 s that would make them its stall); the upstream never answers.
     */
    @Test
    void aLongUploadStillWrittenOnTheBusyClientsThreadAsTheAttemptsTimeRunsOutIsTheGatewaysLimitNotTheUpstreams()
            throws Exception {
        CountDownLatch threadsFree = new CountDownLatch(1);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.request().target().startsWith("/warm-up")) {
                exchange.respond(200, "ok", "Content-Type", "text/plain");
            } else {
                exchange.stall();
            }
        })) {
            List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
            UpstreamGuard guard = guardRecordingFailures(upstream, failures);
            // No look ahead from the attempt's start: its time is longer than the connect timeout.
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                    .connectTimeout(Duration.ofMillis(500)).build();
            try (JettyServer server = new JettyServer().servlet("/*", proxy, false).start()) {
                // Kept idle: a request sent then is written on the thread that sends it.
                assertThat(HttpClient.newHttpClient().send(streamedPost(server.uri("/warm-up")),
                        HttpResponse.BodyHandlers.ofByteArray()).statusCode()).isEqualTo(200);
                QueuedThreadPool clientThreads = clientThreads(proxy);
                int maxThreads = clientThreads.getMaxThreads();
                try (Socket uploader = new Socket(InetAddress.getLoopbackAddress(), server.uri("/").getPort())) {
                    uploader.setSoTimeout(10_000);
                    HeldThreads held = holdEveryThread(clientThreads, threadsFree);

                    OutputStream out = uploader.getOutputStream();
                    out.write(("POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    pace.scheduleAtFixedRate(() -> {
                        try {
                            out.write('A');
                            out.flush();
                        } catch (IOException answeredAndClosed) {
                            throw new UncheckedIOException(answeredAndClosed); // ends the pace
                        }
                    }, 0, 20, TimeUnit.MILLISECONDS);
                    freeTheClientsThreadsLateInTheAttempt(held, threadsFree);

                    HttpTester.Response answered = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));
                    assertThat(answered).as("the answer").isNotNull();
                    assertThat(answered.getStatus()).as(answered.getContent()).isEqualTo(503);
                    assertThat(answered.getContent()).contains("connection_limit_reached").doesNotContain("127.0.0.1");
                } finally {
                    pace.shutdownNow();
                    threadsFree.countDown();
                    clientThreads.setMaxThreads(maxThreads);
                }
                assertThat(failures).as("the calls that failed").singleElement().satisfies(failure -> {
                    assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
                    assertThat(failure.attempts()).as("attempts").isEqualTo(1);
                });
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
            }
        } finally {
            pace.shutdownNow();
            threadsFree.countDown();
        }
    }

    /**
     * R4, R47: uploads that a servlet without async support streams, each stalled by its client in the middle, hold no
     * thread of the Jetty transport's client, and a GET to the same healthy upstream meanwhile gets its 200, its
     * breaker closed. The blocking reads of the uploads ran on the client's threads, which its connects and responses
     * need too: once stalled uploads held them all (300 uploads on a client of 200 threads), every exchange of the
     * client waited, GETs included, until its attempt timed out, 504 {@code connection_timeout} or
     * {@code http_response_timeout} and 503 {@code connection_limit_reached}, and the breaker of an upstream that never
     * saw a request opened. Here the client's pool is held to the threads it has, and two uploads more than that stall
     * after 10 bytes of their 20: the proxy waits for the rest of each at once, and a GET goes then.
     */
    @Test
    void uploadsStalledInTheMiddleHoldNoThreadOfTheClientAndAGetToTheSameUpstreamIsAnswered() throws Exception {
        CountDownLatch notRead = new CountDownLatch(1000); // counted down once by each upload the proxy waits for
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "{\"id\":42}",
                "Content-Type", "application/json"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                    .maxAttempts(1).attemptTimeout(Duration.ofSeconds(5)).build());
            ReverseProxyServlet proxy = proxy(guard);
            try (JettyServer server = new JettyServer().filter(new UploadWatch(10, notRead))
                    .servlet("/*", proxy, false).start()) {
                QueuedThreadPool clientThreads = clientThreads(proxy);
                clientThreads.setMaxThreads(clientThreads.getThreads()); // none added: a small pool
                int uploads = clientThreads.getMaxThreads() + 2;
                List<Socket> uploaders = new ArrayList<>();
                try {
                    for (int i = 0; i < uploads; i++) {
                        Socket uploader = new Socket(InetAddress.getLoopbackAddress(), server.uri("/").getPort());
                        uploaders.add(uploader);
                        sendHalfAnUpload(uploader.getOutputStream());
                    }
                    // Read on the client's threads, no more of them than it has were: the rest waited for a thread.
                    Await.until(() -> 1000 - notRead.getCount() == uploads,
                            "every upload waited for by the proxy at once", Duration.ofSeconds(10));

                    HttpResponse<byte[]> answered = Client.get(Client.ofItsOwn(), server.uri("/orders/42"),
                            "application/json");

                    assertThat(answered.statusCode()).as(Client.text(answered)).isEqualTo(200);
                    assertThat(Client.text(answered)).isEqualTo("{\"id\":42}");
                    assertThat(guard.circuitBreakers().get(0).getState().name()).isEqualTo("CLOSED");
                    assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
                } finally {
                    for (Socket uploader : uploaders) {
                        uploader.close(); // the uploads end, and with them their exchanges
                    }
                }
            }
        }
    }

    /** A guard of one attempt of 3 s, which records the calls that failed. */
    private static UpstreamGuard guardRecordingFailures(FaultyUpstream upstream, List<UpstreamFailure> failures) {
        return UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri()).maxAttempts(1)
                .attemptTimeout(Duration.ofSeconds(3)).build()).listener(event -> {
                    if (event instanceof UpstreamEvent.CallFailed failed) {
                        failures.add(failed.failure());
                    }
                }).build();
    }

    /**
     * Frees the client's threads, all {@code held}, once more than 1.6 s of an attempt of 3 s are past
     * ({@link #freeTheClientsThreadsInTheAttempt}): the upstream then has less than the 1.5 s an attempt needs
     * ({@code min-attempt-timeout}, at most half the attempt's time), and the thread that takes the send comes well
     * before the attempt's time is up.
     */
    private static void freeTheClientsThreadsLateInTheAttempt(HeldThreads held, CountDownLatch threadsFree) {
        freeTheClientsThreadsInTheAttempt(held, threadsFree, Duration.ofMillis(1600));
    }

    /**
     * Frees the client's threads, all {@code held}, once more than {@code past} of the attempt are past: the send is
     * handed to them after the attempt began, so that it is seen handed over only then, and the thread that takes it
     * comes no sooner than that into the attempt.
     */
    private static void freeTheClientsThreadsInTheAttempt(HeldThreads held, CountDownLatch threadsFree,
            Duration past) {
        Await.until(held::anotherTaskHandedOver, "the send handed to the client's threads");
        long handedOver = System.nanoTime();
        Await.until(() -> System.nanoTime() - handedOver > past.toNanos(), past.toMillis() + " ms of the attempt past",
                Duration.ofSeconds(5));
        threadsFree.countDown();
    }

    /**
     * The threads of the Jetty transport's own client, which the proxy keeps to itself: reached through its fields, for
     * a test that needs them all busy.
     */
    private static QueuedThreadPool clientThreads(ReverseProxyServlet servlet) throws ReflectiveOperationException {
        return (QueuedThreadPool) jettyClient(servlet).getExecutor();
    }

    /**
     * When the attempt of the one request held back at the Jetty transport's {@code destination} started, in
     * {@link System#nanoTime()}: its look ahead of the guard is due a margin (20 ms) before its time is up counted from
     * then, and the guard's timer, which began after it, no sooner than its time after it. Read off the request the
     * proxy keeps to itself (its listener's start), through their fields.
     */
    private static long attemptStartedNanos(HttpDestination destination) throws ReflectiveOperationException {
        Object request = destination.getHttpExchanges().element().getRequest();
        Object listener = field(request.getClass(), "listener").get(request);
        return field(listener.getClass(), "startedNanos").getLong(listener);
    }

    /**
     * Runs {@code action} on the JDK's one timer thread ({@code CompletableFuture}'s, which runs every
     * {@code orTimeout} of the JVM, the guard's and the transport's), no sooner than {@code dueNanos}: after every
     * timer due before it and before every timer due after it, in the order they are due, however late the thread
     * comes (a loaded machine), and holding those behind it until it returns. A timer is due when it is set plus its
     * delay, the delay counted a moment before: one that this thread set over more than a few milliseconds (the thread
     * preempted in between) may be due that much later, and is disowned (it does nothing) and set again, unless it ran
     * already (its due time came while this thread was preempted): the action runs once, taken by whichever of the
     * timer and the disowning comes first.
     */
    private static void onTheJdksTimerThreadWhenDue(long dueNanos, Runnable action) {
        for (;;) {
            AtomicBoolean owned = new AtomicBoolean(true);
            long before = System.nanoTime();
            CompletableFuture.delayedExecutor(dueNanos - before, TimeUnit.NANOSECONDS, Runnable::run).execute(() -> {
                if (owned.compareAndSet(true, false)) {
                    action.run();
                }
            });
            if (System.nanoTime() - before < TimeUnit.MILLISECONDS.toNanos(2) || !owned.compareAndSet(true, false)) {
                return; // set in time, or it ran already
            }
        }
    }

    /** The Jetty transport's own client, which the proxy keeps to itself: reached through its fields. */
    private static org.eclipse.jetty.client.HttpClient jettyClient(ReverseProxyServlet servlet)
            throws ReflectiveOperationException {
        Object proxy = field(ReverseProxyServlet.class, "proxy").get(servlet);
        Object forwarder = field(proxy.getClass(), "jetty").get(proxy);
        return (org.eclipse.jetty.client.HttpClient) field(forwarder.getClass(), "client").get(forwarder);
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    /**
     * Keeps every thread of the pool from what is handed to it from now on until {@code free}: no thread is added for
     * it, and as many tasks handed to it first, each waiting for {@code free}, take each thread that comes free first.
     *
     * @return the threads held, which tell what is handed to the pool after them
     */
    private static HeldThreads holdEveryThread(QueuedThreadPool threads, CountDownLatch free) {
        threads.setMaxThreads(threads.getThreads());
        int tasks = threads.getMaxThreads();
        AtomicInteger begun = new AtomicInteger();
        for (int i = 0; i < tasks; i++) {
            threads.execute(() -> {
                begun.incrementAndGet();
                try {
                    free.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        // No thread idle, and each task begun or waiting for one: none begins any more, but on a thread that comes
        // free of what it ran before (HeldThreads counts it).
        Await.until(() -> threads.getIdleThreads() == 0 && begun.get() + threads.getQueueSize() >= tasks,
                "every thread held");
        return new HeldThreads(threads, begun, tasks);
    }

    /**
     * The threads of a pool that {@link #holdEveryThread} holds, counted as they are: a thread busy a moment longer (a
     * selector's task) takes a task that holds it only later, which a count taken once missed.
     *
     * @param pool the pool
     * @param begun how many of the tasks that hold a thread have begun: the threads held until they are freed
     * @param tasks how many tasks that hold a thread were handed to the pool
     */
    private record HeldThreads(QueuedThreadPool pool, AtomicInteger begun, int tasks) {
        /**
         * Whether a task was handed to the pool after those that hold its threads: each of them begun or queued, any
         * more in the queue is another. A task that holds a thread moves from the queue to a thread, which the sum
         * keeps.
         */
        boolean anotherTaskHandedOver() {
            // The tasks begun first, the queue then: one taken off the queue between the two reads is counted in
            // neither, an undercount that the next look (Await) corrects. The queue read first counted it in both,
            // one too many: true before anything else was handed over.
            int begunSoFar = begun.get();
            return begunSoFar + pool.getQueueSize() > tasks;
        }

        /** How many threads take the pool's tasks: those held now; asked before they are freed. */
        int threads() {
            return begun.get();
        }
    }

    /**
     * Waits until every task handed to the pool before has ended, on a pool whose {@code threads} that take its tasks
     * are all it may have ({@link #holdEveryThread}, then freed): as many tasks handed to it now, each waiting for the
     * others, all run at once only on every one of those threads, none of them still running a task handed over
     * before them, which they took first.
     */
    private static void awaitTheTasksHandedOverBefore(QueuedThreadPool pool, int threads) throws InterruptedException {
        CountDownLatch allRunning = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            pool.execute(() -> {
                allRunning.countDown();
                try {
                    allRunning.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertThat(allRunning.await(10, TimeUnit.SECONDS)).as("the tasks handed to the client's threads before ended")
                .isTrue();
    }

    /** A POST whose body, of unknown length, the proxy streams: read by a thread of its client's, blocking. */
    private static HttpRequest streamedPost(URI uri) {
        return HttpRequest.newBuilder(uri).header("Accept", "application/json").header("X-Request-Id", "order-42")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        "{\"quantity\":1}".getBytes(StandardCharsets.UTF_8)))).build();
    }

    /**
     * An application's TLS context that was never initialised ({@code SSLContext.getInstance("TLS")} without
     * {@code init}) keeps the Jetty transport's client from starting: the proxy's build fails, naming the upstream,
     * and leaves none of the client's threads behind, which each failed start of a redeployed application would
     * otherwise add to.
     */
    @Test
    void anUninitialisedTlsContextFailsTheBuildNamingTheUpstreamAndLeavesNoThreads() throws Exception {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("uninitialised-tls")
                .endpoints(URI.create("https://127.0.0.1:8443")).build());
        ReverseProxyServlet.Builder builder = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY)
                .sslContext(SSLContext.getInstance("TLS"));

        assertThatIllegalStateException().isThrownBy(builder::build)
                .withMessage("could not start the HTTP client for upstream uninitialised-tls");
        Await.until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("error-pages-proxy-uninitialised-tls")),
                "the client's threads to end", Duration.ofSeconds(10));
    }

    /**
     * A short POST body is read ahead, to be sent again, only when a retry may come: with retries of requests that
     * never reached the upstream on ({@code retry.on-connect-failure-for-unsafe}) but one attempt in all, none can,
     * and the body is streamed as the attempt asks for it. So a client that asks with {@code Expect: 100-continue}
     * gets the page of a refused upstream as its first response (RFC 9110 §10.1.1) rather than a 100 that had it
     * upload its body for nothing.
     */
    @Test
    void aPostIsNotReadAheadForARetryThatOneAttemptInAllRulesOut() throws Exception {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("down")
                .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()))
                .retryUnsafeNeverSentEnabled(true).maxAttempts(1).build());
        try (JettyServer server = new JettyServer().servlet("/*", proxy(guard)).start();
                Socket uploader = new Socket("127.0.0.1", server.port())) {
            uploader.setSoTimeout(10_000);
            uploader.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json"
                    + "\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            uploader.getOutputStream().flush();

            String statusLine = new BufferedReader(new InputStreamReader(uploader.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();

            assertThat(statusLine).as("the first response").isEqualTo("HTTP/1.1 502 Bad Gateway");
        }
    }

    /**
     * A client that stops reading a download over HTTP/1.1 is given up on once the part waiting for it has waited
     * {@code client-idle-timeout} (1 s here), well before the container's own idle timeout (Jetty's 30 s): the
     * upstream's connection is closed, so that a stalled client holds none of the upstream's connections
     * ({@code max-connections}) past the configured timeout, and the client's response is aborted, its body cut short
     * with the connection's end, never ended as if whole (R5).
     */
    @Test
    void aClientThatStopsReadingADownloadIsGivenUpOnAfterTheClientIdleTimeout() throws Exception {
        long length = 64L << 20;
        CompletableFuture<String> upstreamEnd = new CompletableFuture<>();
        try (FaultyUpstream large = FaultyUpstream.start(exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            + "Content-Length: " + length + "\r\n\r\n");
                    try {
                        exchange.writeRepeated((byte) 'x', length);
                        upstreamEnd.complete("written whole");
                    } catch (IOException closed) {
                        upstreamEnd.complete("closed by the gateway");
                    }
                });
                JettyServer server = new JettyServer().sendBufferSize(8 * 1024).servlet("/*", ReverseProxyServlet
                        .builder(UpstreamGuard.of(UpstreamConfig.builder("download").endpoints(large.uri()).build()))
                        .transport(ProxyTransport.JETTY).clientIdleTimeout(Duration.ofSeconds(1))
                        .bodyIdleTimeout(Duration.ofSeconds(2)).build()).start();
                Socket client = new Socket()) {
            client.setReceiveBufferSize(8 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", server.port()));
            client.getOutputStream().write("GET /download.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)); // and reads nothing until the upstream's end

            assertThat(upstreamEnd.get(15, TimeUnit.SECONDS)).isEqualTo("closed by the gateway");
            client.setSoTimeout(10_000);
            long received = 0;
            try (InputStream in = client.getInputStream()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    received += n;
                }
            } catch (SocketException reset) {
                // aborted with a reset: what came before it is what the client got
            }
            assertThat(received).as("bytes before the connection's end").isLessThan(length);
        }
    }

    /**
     * An upstream that answers an upload early and whole (a 413 before it read the body, RFC 9110 §15.5.14) while the
     * client's upload is paused half-way: once the answer is relayed whole, the proxy stops the upload and closes the
     * upstream's connection at once, with or without the upstream's {@code Connection: close}, and with or without
     * {@link ErrorPagesFilter} in front (which lets a 413 through). With {@code close} the upstream said it does not
     * wish to receive the body (RFC 9112 §9.6: the client SHOULD cease transmitting it); without, the proxy has told
     * its own client {@code Connection: close} and reads no more of the upload, so an upload the upstream waits for
     * could not come. A client that sends the rest all the same gets the connection's end, and the upstream none of
     * it; nothing counts against the upstream (R2). The rest was forwarded to the upstream, and the exchange waited
     * for it. Read with blocking I/O (no async support) the read under way, blocked on the paused client, is ended at
     * once over HTTP/1 (the client was told {@code Connection: close}): the request's thread returns and the upstream's
     * connection closes before the client sends more. They waited for the client's next bytes, its close or the
     * container's idle timeout (R1, R2).
     */
    @ParameterizedTest(name = "async supported: {0}, upstream closes: {1}, filter in front: {2}")
    @CsvSource({"true, true, false", "false, true, false", "true, false, false", "false, false, false",
            "true, true, true", "false, false, true"})
    void anUploadAnsweredWholeInTheMiddleIsStoppedAndItsUpstreamConnectionClosed(boolean asyncSupported,
            boolean upstreamCloses, boolean filterInFront) throws Exception {
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        CountDownLatch closedByProxy = new CountDownLatch(1);
        CountDownLatch requestReturned = new CountDownLatch(1); // the request's container thread left the chain
        try (ServerSocket early = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // What of the upload the upstream received after its answer, to the connection's end or 10 s.
            CompletableFuture<String> afterTheAnswer = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                try (Socket upstream = early.accept()) {
                    InputStream in = upstream.getInputStream();
                    readUntilTheProxyWaitsForMoreUpload(in, waitingForMoreUpload);
                    upstream.getOutputStream().write(("HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\n"
                            + (upstreamCloses ? "Connection: close\r\n" : "") + "\r\ntoo big!")
                            .getBytes(StandardCharsets.US_ASCII));
                    upstream.getOutputStream().flush();
                    upstream.setSoTimeout(10_000);
                    for (int b = in.read(); b >= 0; b = in.read()) {
                        received.write(b);
                    }
                    closedByProxy.countDown();
                } catch (SocketTimeoutException stillOpen) {
                    received.writeBytes(" (the connection still open)".getBytes(StandardCharsets.US_ASCII));
                } catch (SocketException reset) {
                    closedByProxy.countDown(); // a reset by the proxy: closed as well
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return received.toString(StandardCharsets.ISO_8859_1);
            }, OWN_THREAD);
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("early").endpoints(
                    URI.create("http://127.0.0.1:" + early.getLocalPort())).maxAttempts(1).build());
            JettyServer jetty = new JettyServer().filter((request, response, chain) -> {
                try {
                    chain.doFilter(request, response);
                } finally {
                    requestReturned.countDown();
                }
            });
            if (filterInFront) {
                jetty.filter(ErrorPagesFilter.builder().build());
            }
            try (JettyServer server = jetty.filter(new UploadWatch(10, waitingForMoreUpload))
                    .servlet("/*", proxy(guard), asyncSupported).start();
                    Socket uploader = new Socket("127.0.0.1", server.port())) {
                uploader.setSoTimeout(10_000);
                OutputStream out = uploader.getOutputStream();
                sendHalfAnUpload(out);
                HttpTester.Input in = HttpTester.from(uploader.getInputStream());

                HttpTester.Response whole = HttpTester.parseResponse(in);
                // Before the client sends more: nothing but the proxy ends the read under way.
                boolean closedPromptly = closedByProxy.await(5, TimeUnit.SECONDS);
                boolean returnedPromptly = requestReturned.await(5, TimeUnit.SECONDS);
                HttpTester.Response answerToTheRest = answerToTheRestOfTheUploadAndARequest(out, in);

                assertThat(whole.getStatus()).isEqualTo(413);
                assertThat(whole.getContent()).isEqualTo("too big!");
                assertThat(whole.get("Connection")).isEqualToIgnoringCase("close");
                assertThat(answerToTheRest).as("nothing after the answer but the connection's end").isNull();
                assertThat(afterTheAnswer.get(15, TimeUnit.SECONDS)).as("the upload's rest, forwarded")
                        .doesNotContain("B", "still open");
                assertThat(closedPromptly).as("the upstream's connection closed after its whole answer").isTrue();
                assertThat(returnedPromptly).as("the request's thread returned after the whole answer").isTrue();
                assertThat(guard.metrics().failedCalls()).as("R2").isZero();
            }
        }
    }

    /**
     * A client that sends the rest of its upload the moment it has the upstream's early answer, whole (here while the
     * proxy's thread that relayed the answer's last byte is held, by a response wrapper, until the proxy read the
     * rest): none of the rest reaches the upstream. The answer's last byte completes the client's response, and
     * Jetty's client tells the answer whole only once the thread that wrote it returns: the rest the client sent
     * meanwhile was forwarded (RFC 9112 §9.6).
     */
    @ParameterizedTest(name = "async supported: {0}")
    @ValueSource(booleans = {true, false})
    void theRestOfAnUploadSentTheMomentItsEarlyAnswerArrivedIsNotForwarded(boolean asyncSupported) throws Exception {
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        CountDownLatch restRead = new CountDownLatch(1);
        try (ServerSocket early = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> afterTheAnswer = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                try (Socket upstream = early.accept()) {
                    InputStream in = upstream.getInputStream();
                    readUntilTheProxyWaitsForMoreUpload(in, waitingForMoreUpload);
                    upstream.getOutputStream().write(("HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\n"
                            + "Connection: close\r\n\r\ntoo big!").getBytes(StandardCharsets.US_ASCII));
                    upstream.getOutputStream().flush();
                    upstream.setSoTimeout(10_000);
                    in.transferTo(received);
                } catch (SocketTimeoutException stillOpen) {
                    received.writeBytes(" (the connection still open)".getBytes(StandardCharsets.US_ASCII));
                } catch (SocketException reset) {
                    // a reset by the proxy: its end
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return received.toString(StandardCharsets.ISO_8859_1);
            }, OWN_THREAD);
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("early").endpoints(
                    URI.create("http://127.0.0.1:" + early.getLocalPort())).maxAttempts(1).build());
            Filter holdingTheRelay = (request, response, chain) -> {
                Thread filtering = Thread.currentThread();
                chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
                    @Override
                    public ServletInputStream getInputStream() throws IOException {
                        return new CountedUpload(super.getInputStream(), 20, restRead);
                    }
                }, new HttpServletResponseWrapper((HttpServletResponse) response) {
                    @Override
                    public ServletOutputStream getOutputStream() throws IOException {
                        return new HeldAfterRelayedWrites(super.getOutputStream(), filtering, restRead);
                    }
                });
            };
            try (JettyServer server = new JettyServer().filter(holdingTheRelay)
                    .filter(new UploadWatch(10, waitingForMoreUpload)).servlet("/*", proxy(guard), asyncSupported)
                    .start();
                    Socket uploader = new Socket("127.0.0.1", server.port())) {
                uploader.setSoTimeout(10_000);
                OutputStream out = uploader.getOutputStream();
                sendHalfAnUpload(out);
                HttpTester.Input in = HttpTester.from(uploader.getInputStream());

                HttpTester.Response whole = HttpTester.parseResponse(in);
                HttpTester.Response answerToTheRest = answerToTheRestOfTheUploadAndARequest(out, in);

                assertThat(whole.getStatus()).isEqualTo(413);
                assertThat(whole.getContent()).isEqualTo("too big!");
                assertThat(answerToTheRest).as("nothing after the answer but the connection's end").isNull();
                assertThat(afterTheAnswer.get(15, TimeUnit.SECONDS)).as("the upload's rest, forwarded")
                        .doesNotContain("B", "still open");
                assertThat(guard.metrics().failedCalls()).as("R2").isZero();
                assertThat(guard.metrics().brokenBodies()).as("the answer was whole").isZero();
            }
        }
    }

    /** A request's stream that counts {@code read} down once it returned {@code bytes}. */
    private static final class CountedUpload extends ServletInputStream {
        private final ServletInputStream in;
        private final long bytes;
        private final CountDownLatch read;
        private long returned;

        CountedUpload(ServletInputStream in, long bytes, CountDownLatch read) {
            this.in = in;
            this.bytes = bytes;
            this.read = read;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            returned += Math.max(n, 0);
            if (returned >= bytes) {
                read.countDown();
            }
            return n;
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

    /** A response's stream whose writes on any thread but the filter's wait, once done, for {@code release}. */
    private static final class HeldAfterRelayedWrites extends ServletOutputStream {
        private final ServletOutputStream out;
        private final Thread filtering;
        private final CountDownLatch release;

        HeldAfterRelayedWrites(ServletOutputStream out, Thread filtering, CountDownLatch release) {
            this.out = out;
            this.filtering = filtering;
            this.release = release;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            if (Thread.currentThread() != filtering) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }

    /**
     * @return whether the thread, a servlet's without asynchronous support, waits for the Jetty transport's outcome:
     *     past the guard's start of the call, which then hears of the upstream's head on the client's thread
     */
    private static boolean isWaitingForTheUpstream(Thread thread) {
        return thread != null && thread.getState() == Thread.State.WAITING && Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().equals(CompletableFuture.class.getName())
                        && frame.getMethodName().equals("get"));
    }

    /** An upstream that sends a chunked 200's head, then counts {@code closedByProxy} down once the proxy closes. */
    private static Behaviour headThenAwaitClose(CountDownLatch closedByProxy) {
        return exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
            if (exchange.awaitClosedByClient(Duration.ofSeconds(30))) {
                closedByProxy.countDown();
            }
        };
    }
}
