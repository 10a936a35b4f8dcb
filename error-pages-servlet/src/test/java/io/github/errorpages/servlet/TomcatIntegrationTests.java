package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static io.github.errorpages.servlet.PageAssertions.assertOnePage;
import static io.github.errorpages.servlet.PageAssertions.assertSameHeaders;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamMetrics;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
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
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.apache.catalina.connector.ClientAbortException;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpTester;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The filter (and the proxy servlet) on embedded Tomcat 11: the smoke test of the issue (exception, captured status, HEAD,
 * committed response, async, robots.txt), plus registration through a real {@code web.xml} and through
 * {@link ErrorPagesInitializer} found in {@code META-INF/services}, and the proxy servlet.
 */
class TomcatIntegrationTests {

    private static final String JSON = "application/json";
    /** Larger than Tomcat's 8 KiB response buffer: written through a WriteListener by the JETTY transport. */
    private static final int LARGE = 2 * 1024 * 1024;
    /** What the {@link #readListenerThrows()} servlet's {@code onError} got. */
    private static final BlockingQueue<Throwable> readListenerErrors = new LinkedBlockingQueue<>();
    /** What the {@link #writeListenerThrowsBeforeCommit()} servlet's {@code onError} got. */
    private static final BlockingQueue<Throwable> writeListenerErrors = new LinkedBlockingQueue<>();
    private static TomcatServer tomcat;
    private static FaultyUpstream upstream;
    private static FaultyUpstream largeUpstream;
    private static FaultyUpstream headsUpstream;

    @BeforeAll
    static void start() {
        upstream = FaultyUpstream.start(Behaviour.respond(200, "order 42", "Content-Type", "text/plain"));
        largeUpstream = FaultyUpstream.start(Behaviour.largeBody(LARGE));
        // A 200 whose head is about as large as the path says (/head/10000), or exactly as the proxy counts it
        // (/exact/7168: the status line as 15 bytes, each field with 4, the final line end; 75 bytes without the
        // padding's value).
        // /via/6900: that large as received, with a Via of 400 elements that alternate protocols, each of whose
        // hosts the proxy hides as "upstream": about 10 KB as relayed.
        headsUpstream = FaultyUpstream.start(exchange -> {
            String target = exchange.request().target();
            int size = Integer.parseInt(target.substring(target.lastIndexOf('/') + 1));
            if (target.startsWith("/via/")) {
                StringBuilder via = new StringBuilder();
                for (int i = 0; i < 400; i++) {
                    via.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "1.0 a" : "1.1 b");
                }
                exchange.respond(200, "ok", "Content-Type", "text/plain", "Via", via.toString(), "X-Padding",
                        "p".repeat(size - 82 - via.length()));
                return;
            }
            int padding = target.startsWith("/exact/") ? size - 75 : size - 100;
            exchange.respond(200, "ok", "Content-Type", "text/plain", "X-Padding", "p".repeat(padding));
        });
        // Tomcat's own compression is on, as in many deployments; only clients sending Accept-Encoding see it.
        tomcat = TomcatServer.inCode().compression()
                .servlet("/long-text", servlet((request, response) -> {
                    response.setContentType("text/plain");
                    response.getWriter().write("a page long enough for Tomcat to compress\n".repeat(100));
                }))
                // The proxy servlet once per transport, behind the filter (mapped for REQUEST and ASYNC) like the rest.
                .servlet("/proxy-jetty/*", proxy("billing", upstream.uri(), ProxyTransport.JETTY))
                .servlet("/proxy-jdk/*", proxy("billing", upstream.uri(), ProxyTransport.JDK))
                .servlet("/large-jetty/*", proxy("large-downloads", largeUpstream.uri(), ProxyTransport.JETTY))
                .servlet("/large-jdk/*", proxy("large-downloads", largeUpstream.uri(), ProxyTransport.JDK))
                .servlet("/heads-jetty/*", proxy("heads", headsUpstream.uri(), ProxyTransport.JETTY))
                .servlet("/heads-jdk/*", proxy("heads", headsUpstream.uri(), ProxyTransport.JDK))
                .servlet("/confined-jetty/*", proxy("confined", upstream.uri().resolve("/api"), ProxyTransport.JETTY))
                .servlet("/confined-jdk/*", proxy("confined", upstream.uri().resolve("/api"), ProxyTransport.JDK))
                .servlet("/dead-jetty/*", proxy("dead", URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                        ProxyTransport.JETTY))
                .servlet("/dead-jdk/*", proxy("dead", URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                        ProxyTransport.JDK))
                .filter(ErrorPagesFilter.builder().build())
                .servlet("/upstream-failure", servlet((request, response) -> {
                    throw new ServletException(new ConnectException("Connection refused: 10.23.4.5:8443"));
                }))
                .servlet("/send-error-503", servlet((request, response) -> {
                    response.setHeader("Retry-After", "45");
                    response.sendError(503, "billing-internal is down");
                }))
                .servlet("/whole-length-then-upstream-failure/*", servlet((request, response) -> {
                    response.setContentType("text/plain");
                    response.setContentLength(4);
                    if (request.getPathInfo().equals("/writer")) {
                        response.getWriter().write("abcd");
                    } else {
                        response.getOutputStream().write("abcd".getBytes(StandardCharsets.US_ASCII));
                    }
                    throw new ConnectException("Connection refused");
                }))
                .servlet("/committed-then-upstream-failure", servlet((request, response) -> {
                    ServletOutputStream out = response.getOutputStream();
                    out.write("x".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_TERMINATED), null);
                }))
                .servlet("/async-send-error", servlet((request, response) -> {
                    AsyncContext async = request.startAsync();
                    async.start(() -> {
                        try {
                            ((HttpServletResponse) async.getResponse()).sendError(504);
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                        async.complete();
                    });
                }))
                .servlet("/async-dispatch", servlet((request, response) -> {
                    AsyncContext async = request.startAsync();
                    async.start(() -> async.dispatch("/upstream-failure"));
                }))
                .servlet("/forwarding-to-async", forwardingToAsync())
                .servlet("/async-started-without-arguments", asyncStartedWithoutArguments())
                .servlet("/forwarding-to-async-with-arguments", forwardingTo("/async-started-with-arguments"))
                .servlet("/async-started-with-arguments", asyncStartedWithArguments())
                .servlet("/async-timeout-listener", TestServlets.asyncTimeoutAnsweredWith(504))
                .servlet("/async-restarted-timeout-listener", TestServlets.asyncRestartedTimeoutAnsweredWith(504))
                .servlet("/async-started-then-thrown",
                        TestServlets.asyncStartedThenThrows(FailureCause.CONNECTION_REFUSED))
                .servlet("/included-error", servlet((request, response) -> {
                    response.sendError(503);
                    response.setStatus(502);
                    response.getWriter().write("included");
                }))
                .servlet("/including", servlet((request, response) -> {
                    response.setContentType("text/plain");
                    response.getWriter().write("before;");
                    request.getRequestDispatcher("/included-error").include(request, response);
                    response.getWriter().write(";after");
                }))
                .servlet("/redirect-after-status/*", servlet((request, response) -> {
                    response.setStatus(503);
                    switch (request.getPathInfo()) {
                        case "/with-status" -> response.sendRedirect("/elsewhere", 303);
                        case "/keeping-buffer" -> response.sendRedirect("/elsewhere", false);
                        default -> response.sendRedirect("/elsewhere", 303, true);
                    }
                }))
                .servlet("/send-error-404-with-message", servlet((request, response) ->
                        response.sendError(404, "no such order 42")))
                .servlet("/ok", servlet((request, response) -> response.getWriter().write("fine")))
                .servlet("/read-after-close/stream", servlet((request, response) -> {
                    ServletInputStream body = request.getInputStream();
                    body.close();
                    body.read(); // Tomcat: IOException "Stream closed", the application's own mistake
                }))
                .servlet("/read-after-close/reader", servlet((request, response) -> {
                    BufferedReader body = request.getReader();
                    body.close();
                    body.readLine();
                }))
                .servlet("/read-after-close/reader-by/*", servlet((request, response) -> {
                    BufferedReader body = request.getReader();
                    body.mark(10);
                    body.close();
                    switch (request.getPathInfo().substring(1)) {
                        case "read" -> body.read();
                        case "read-chars" -> body.read(new char[100], 0, 100);
                        case "skip" -> body.skip(10);
                        case "ready" -> body.ready();
                        case "reset" -> body.reset();
                        default -> throw new IllegalArgumentException(request.getPathInfo());
                    }
                }))
                .servlet("/robots.txt", servlet((request, response) ->
                        request.getRequestDispatcher("/send-error-503").forward(request, response)))
                .servlet("/forward/*", servlet((request, response) ->
                        request.getRequestDispatcher(request.getPathInfo()).forward(request, response)))
                .servlet("/read-listener-throws/*", readListenerThrows())
                .servlet("/write-listener-throws-after-commit", TestServlets.writeListenerThrowsAfterCommit())
                .servlet("/write-listener-throws-before-commit", writeListenerThrowsBeforeCommit())
                .servlet("/write-listener-answers-then-throws/*", writeListenerAnswersThenThrows())
                .start();
    }

    /**
     * A request whose asynchronous cycle a filter in front started, for the servlet behind to take (as a framework's
     * filter may), is forwarded and answered on Tomcat too, on either transport: the proxy takes the cycle rather than
     * starting another (ReverseProxyServletIntegrationTests has the same on Jetty, where starting it again threw).
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void forwardsARequestInACycleAFilterInFrontStarted(ProxyTransport transport) throws Exception {
        try (FaultyUpstream answering = FaultyUpstream.start(exchange -> exchange.respond(200, "{\"ok\":1}",
                "Content-Type: application/json"));
                TomcatServer front = TomcatServer.inCode().filter("front", TestServlets.startingAsyncInFront())
                        .servlet("/*", proxy("taken-cycle", answering.uri(), transport), true).start()) {
            HttpResponse<byte[]> response = Client.get(front.uri("/front-started-async/orders"), "application/json");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":1}");
        }
    }

    /**
     * An upstream body that breaks off after the response was committed reaches an HTTP/2 client as a reset
     * stream, on either transport. Tomcat ends an HTTP/2 stream cleanly when the REQUEST dispatch throws, and
     * resets it only for an exception of an ASYNC dispatch: with the JDK transport, which answered on the REQUEST
     * dispatch, the client got a body cut short that looked whole (with a Content-Length, it waited for ever).
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void upstreamBodyCutShortResetsTheHttp2Stream(ProxyTransport transport) throws Exception {
        try (FaultyUpstream cutting = FaultyUpstream.start(exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(50_000) + "\r\n"
                            + "x".repeat(50_000) + "\r\n");
                    exchange.closeConnection();
                });
                TomcatServer h2 = TomcatServer.inCode().h2c()
                        .servlet("/*", proxy("cut-short", cutting.uri(), transport)).start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                assertThatThrownBy(() -> client.newRequest(h2.uri("/archive.bin")).timeout(20, TimeUnit.SECONDS).send())
                        .as("the stream reset, not ended as if the body were whole")
                        .isInstanceOf(ExecutionException.class);
            } finally {
                client.stop();
            }
        }
    }

    /**
     * A client that stops reading an HTTP/2 download (its stream's window stays shut) is given up on once it took
     * nothing for {@code client-idle-timeout}: its stream is reset, and the upstream's connection closed. Tomcat bounds
     * no wait of a non-blocking write over HTTP/2: the Jetty transport held the upstream's connection, one of
     * {@code max-connections}, for as long as the client kept its stream open, and a few such streams took every one.
     */
    @Test
    void aClientThatStopsReadingAnHttp2DownloadIsGivenUpOn() throws Exception {
        CompletableFuture<String> upstreamEnd = new CompletableFuture<>();
        try (FaultyUpstream large = FaultyUpstream.start(exchange -> {
                    long length = 64L << 20;
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            + "Content-Length: " + length + "\r\n\r\n");
                    try {
                        exchange.writeRepeated((byte) 'x', length);
                        upstreamEnd.complete("written whole");
                    } catch (IOException closed) {
                        upstreamEnd.complete("closed by the gateway");
                    }
                });
                TomcatServer h2 = TomcatServer.inCode().h2c().servlet("/*", ReverseProxyServlet.builder(
                        UpstreamGuard.of(UpstreamConfig.builder("download").endpoints(large.uri()).build()))
                        .transport(ProxyTransport.JETTY).clientIdleTimeout(Duration.ofSeconds(1)).build()).start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                CompletableFuture<Result> result = new CompletableFuture<>();
                client.newRequest(h2.uri("/download.bin"))
                        .onResponseContentSource((response, source) -> { }) // reads nothing: the window stays shut
                        .send(result::complete);

                assertThat(result.get(20, TimeUnit.SECONDS).getResponseFailure()).as("the stream reset").isNotNull();
                assertThat(upstreamEnd.get(20, TimeUnit.SECONDS)).isEqualTo("closed by the gateway");
            } finally {
                client.stop();
            }
        }
    }

    /**
     * R5 over HTTP/2: a chunked body the upstream resets after the response was committed is a reset stream also
     * where the proxy is reached by a forward, or is not async-supported (a REQUEST or FORWARD dispatch). Tomcat ended
     * such a stream with END_STREAM before its reset, which clients ignore: the body cut short looked whole.
     */
    @ParameterizedTest(name = "{0}, transport={1}")
    @CsvSource({"forward, JETTY", "forward, JDK", "not async-supported, JETTY", "not async-supported, JDK"})
    void anHttp2BodyCutShortAfterCommitIsAResetStream(String reachedBy, ProxyTransport transport) throws Exception {
        Semaphore received = new Semaphore(0);
        boolean forward = reachedBy.equals("forward");
        try (FaultyUpstream cut = FaultyUpstream.start(exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n");
                    for (int i = 0; i < 4; i++) {
                        exchange.writeRaw("8000\r\n" + "x".repeat(0x8000) + "\r\n");
                    }
                    exchange.await(received, Duration.ofSeconds(10)); // the client has some of it: committed
                    exchange.reset();
                });
                TomcatServer h2 = TomcatServer.inCode().h2c()
                        .servlet("/orders/*", proxy("orders", cut.uri(), transport), forward)
                        .servlet("/fwd/*", servlet((request, response) -> request.getRequestDispatcher(
                                request.getPathInfo()).forward(request, response)))
                        .start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                CompletableFuture<Result> result = new CompletableFuture<>();
                client.newRequest(h2.uri(forward ? "/fwd/orders/1" : "/orders/1"))
                        .onResponseContent((response, content) -> received.release())
                        .send(result::complete);

                Result ended = result.get(20, TimeUnit.SECONDS);
                assertThat(ended.getResponse().getStatus()).isEqualTo(200);
                assertThat(ended.getResponseFailure()).as("the stream reset, not ended as if whole").isNotNull();
            } finally {
                client.stop();
            }
        }
    }

    /**
     * A relayed answer to HEAD ends its HTTP/2 stream, on either transport, whether its length is known or not, and
     * however the proxy's request runs. Tomcat ends no stream of an asynchronous cycle completed with nothing written:
     * the Jetty transport sent the head, with its {@code Content-Length}, and the client waited for the end of the
     * stream until it gave up (as for the library's own page of a HEAD).
     */
    @ParameterizedTest(name = "transport={0}, async-supported={1}, length={2}")
    @CsvSource({"JETTY, true, Content-Length: 370", "JETTY, true, Transfer-Encoding: chunked",
            "JETTY, false, Content-Length: 370", "JETTY, false, Transfer-Encoding: chunked",
            "JDK, true, Content-Length: 370", "JDK, true, Transfer-Encoding: chunked",
            "JDK, false, Content-Length: 370", "JDK, false, Transfer-Encoding: chunked"})
    void aRelayedAnswerToHeadEndsItsHttp2Stream(ProxyTransport transport, boolean asyncSupported, String length)
            throws Exception {
        try (FaultyUpstream heads = FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + length + "\r\n\r\n"));
                TomcatServer h2 = TomcatServer.inCode().h2c()
                        .servlet("/*", proxy("heads", heads.uri(), transport), asyncSupported).start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                org.eclipse.jetty.client.ContentResponse head = client.newRequest(h2.uri("/report.txt"))
                        .method("HEAD").timeout(10, TimeUnit.SECONDS).send();

                assertThat(head.getStatus()).isEqualTo(200);
                assertThat(head.getContent()).isEmpty();
                if (length.startsWith("Content-Length")) {
                    assertThat(head.getHeaders().get("Content-Length")).isEqualTo("370");
                }
            } finally {
                client.stop();
            }
        }
    }

    /**
     * A page that wrote with {@code getWriter()} includes the proxy: Tomcat refuses the included servlet the stream
     * (Jetty allows both). The Jetty transport took the refusal for a client gone, and the upstream's body was dropped
     * from a 200 {@code before||after} without a word; the JDK transport ended in Tomcat's 500 in Tomcat's words. Both
     * now fail alike, with an exception that says why.
     */
    @ParameterizedTest(name = "transport={0}")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void anIncluderThatWroteWithItsWriterIsToldWhyTheProxyCannotRelay(ProxyTransport transport) {
        try (FaultyUpstream ok = FaultyUpstream.start(Behaviour.respond(200, "UPSTREAM-OK", "Content-Type",
                "text/plain"));
                TomcatServer server = TomcatServer.inCode()
                        .servlet("/orders/*", proxy("orders", ok.uri(), transport))
                        .servlet("/page/*", servlet((request, response) -> {
                            response.getWriter().write("before|");
                            request.getRequestDispatcher("/orders/1").include(request, response);
                            response.getWriter().write("|after");
                        }))
                        .start()) {
            HttpResponse<byte[]> page = Client.get(server.uri("/page/x"), "text/html");

            // The container's 500 with what the page wrote before (Tomcat logs the exception, which says why).
            assertThat(page.statusCode()).isEqualTo(500);
            assertThat(Client.text(page)).isEqualTo("before|");
        }
    }

    /**
     * On Tomcat, which refuses an included servlet the stream once the includer took the writer, an included proxy's
     * page goes through that writer in its charset: a character it cannot encode as a reference to it (JSON's escape
     * here). Written as it was, every Arabic letter of the page went as {@code ?}.
     */
    @ParameterizedTest(name = "transport={0}")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void anIncludedProxysPageThroughTheIncludersWriterIsInItsCharset(ProxyTransport transport) throws IOException {
        try (TomcatServer server = TomcatServer.inCode()
                .servlet("/down/*", proxy("down", URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                        transport))
                .servlet("/page/*", servlet((request, response) -> {
                    response.setContentType("application/json;charset=ISO-8859-1");
                    response.getWriter().write("[");
                    request.getRequestDispatcher("/down/orders").include(request, response);
                    response.getWriter().write("]");
                }))
                .start()) {
            HttpResponse<byte[]> page = Client.send("GET", server.uri("/page/x"), JSON, "Accept-Language", "ar");

            assertThat(page.statusCode()).isEqualTo(200);
            String text = new String(page.body(), StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("[{").endsWith("}\n]").contains("\\u06").doesNotContain("?");
        }
    }

    /**
     * The HEAD of that includer: its GET's status, no body, and a {@code Content-Length}, if any, of its GET's body
     * (RFC 9110 §8.6, R12): the part is written for a HEAD too, for Tomcat to count and not send. Written for the GET
     * only, the HEAD said the length of the includer's own two characters.
     */
    @Test
    void theHeadOfAnIncludersAnswerWithTheProxysPageSaysTheLengthOfItsGet() throws IOException {
        try (TomcatServer server = TomcatServer.inCode()
                .servlet("/down/*", proxy("down", URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                        ProxyTransport.JDK))
                .servlet("/page/*", servlet((request, response) -> {
                    response.setContentType("application/json;charset=UTF-8");
                    response.getWriter().write("[");
                    request.getRequestDispatcher("/down/orders").include(request, response);
                    response.getWriter().write("]");
                }))
                .start()) {
            HttpResponse<byte[]> get = Client.get(server.uri("/page/x"), JSON);
            HttpResponse<byte[]> head = Client.send("HEAD", server.uri("/page/x"), JSON);

            assertThat(head.statusCode()).isEqualTo(get.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValueAsLong("Content-Length")).as("R12: no length but the GET's body's")
                    .satisfiesAnyOf(length -> assertThat(length).isEmpty(),
                            length -> assertThat(length).hasValue(get.body().length));
        }
    }

    /**
     * R12 within an include over HTTP/2: a relayed answer to HEAD leaves the includer's response open, as for its GET.
     * The includer goes on after the include, and a field it sets then is its answer's. Ended there as the answer to
     * the request's own HEAD, the includer's response was complete at the include, and the field lost.
     */
    @ParameterizedTest(name = "transport={0}")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void aRelayedAnswerToHeadWithinAnIncludeLeavesTheIncludersHttp2ResponseOpen(ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream ok = FaultyUpstream.start(Behaviour.respond(200, "UPSTREAM-OK", "Content-Type",
                "text/plain"));
                TomcatServer h2 = TomcatServer.inCode().h2c()
                        .servlet("/orders/*", proxy("orders", ok.uri(), transport))
                        .servlet("/page/*", servlet((request, response) -> {
                            response.setContentType("text/plain");
                            response.getOutputStream().write("before|".getBytes(StandardCharsets.US_ASCII));
                            request.getRequestDispatcher("/orders/1").include(request, response);
                            response.setHeader("X-After", "set after the include");
                            response.getOutputStream().write("|after".getBytes(StandardCharsets.US_ASCII));
                        }))
                        .start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                org.eclipse.jetty.client.ContentResponse get = client.newRequest(h2.uri("/page/x"))
                        .timeout(10, TimeUnit.SECONDS).send();
                org.eclipse.jetty.client.ContentResponse head = client.newRequest(h2.uri("/page/x"))
                        .method("HEAD").timeout(10, TimeUnit.SECONDS).send();

                assertThat(get.getContentAsString()).isEqualTo("before|UPSTREAM-OK|after");
                assertThat(head.getStatus()).isEqualTo(200);
                assertThat(head.getContent()).isEmpty();
                assertThat(head.getHeaders().get("X-After")).as("set after the include")
                        .isEqualTo(get.getHeaders().get("X-After")).isNotNull();
            } finally {
                client.stop();
            }
        }
    }

    private static ReverseProxyServlet proxy(String name, URI endpoint, ProxyTransport transport) {
        return ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder(name).endpoints(endpoint).build()))
                .transport(transport).build();
    }

    @AfterAll
    static void stop() {
        tomcat.close();
        upstream.close();
        headsUpstream.close();
        largeUpstream.close();
    }

    /**
     * A client that resets during its upload to the JDK transport: Tomcat answers the failed read itself (it
     * committed its error response), and the proxy throws nothing, which Tomcat would log. It threw Tomcat's
     * ClientAbortException on wrapped in two IOExceptions, which Tomcat logged as a servlet's failure (SEVERE, with
     * the stack trace), and then Tomcat's own exception, which it logs at DEBUG but shows in its error report.
     */
    @Test
    void leavesTheAnswerToTomcatForAClientThatResetsDuringItsUpload() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("uploads").endpoints(upstream.uri()).build());
            CompletableFuture<@Nullable Throwable> thrown = new CompletableFuture<>();
            try (TomcatServer tomcat = TomcatServer.inCode()
                    .filter("recorder", (request, response, chain) -> {
                        try {
                            chain.doFilter(request, response);
                            thrown.complete(null);
                        } catch (IOException | ServletException | RuntimeException e) {
                            thrown.complete(e);
                            throw e;
                        }
                    })
                    .filter(ErrorPagesFilter.builder().build())
                    .servlet("/orders/*", ReverseProxyServlet.builder(guard).transport(ProxyTransport.JDK).build())
                    .start()) {
                URI base = tomcat.uri("/");
                try (Socket client = new Socket(base.getHost(), base.getPort())) {
                    client.getOutputStream().write(("POST /orders/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000"
                            + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    client.getOutputStream().write(new byte[1000]);
                    client.getOutputStream().flush();
                    Await.until(() -> upstream.connectionCount() > 0, "the upload forwarded");
                    client.setSoLinger(true, 0); // closed with a reset
                }

                assertThat(thrown.get(30, TimeUnit.SECONDS)).isNull();
            }
        }
    }

    /**
     * An upstream that resets while the JDK transport still waits for the rest of the client's upload: the page says
     * {@code Connection: close}, and the servlet returns only once its read of the body returned. The read was left
     * blocked in Tomcat's stream after the servlet returned, and read into the buffer Tomcat had cleared for the
     * connection's next request: Tomcat parsed the client's next bytes as a request of NULs and sent a 400 nobody
     * asked for, which a keep-alive client would take for the answer to its next request.
     */
    @Test
    void anUploadCutShortByTheUpstreamLeavesNoReadBehindOnTomcat() throws Exception {
        assertAPageForACutUploadLeavesNoReadBehind(ProxyTransport.JDK, true, (exchange, in) -> {
            in.read(); // the first of the body: the proxy reads it from the client
            exchange.setSoLinger(true, 0); // a reset, before the rest of the body
        });
    }

    /**
     * An upstream that fails the request before it read the client's upload, to the Jetty transport in a servlet
     * without async support (whose client's thread reads the body blocking): the page says {@code Connection: close},
     * and the servlet returns only once its read of the body returned. The page kept the connection, and the read
     * left behind took part of the body Tomcat was to skip after the servlet returned: the next request on the
     * connection went unanswered until Tomcat's read timeout closed it.
     */
    @Test
    void anUploadAnsweredEarlyLeavesNoReadBehindInAServletWithoutAsyncSupport() throws Exception {
        assertAPageForACutUploadLeavesNoReadBehind(ProxyTransport.JETTY, false, (exchange, in) -> {
            // 502, not 503: Tomcat closes the connection after a 503 (or 500) of its own accord
            exchange.getOutputStream().write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            exchange.getOutputStream().flush();
            in.transferTo(OutputStream.nullOutputStream()); // whatever of the body comes, until the close
        });
    }

    /**
     * The same behind a filter whose request wrapper names no protocol: taken for HTTP/2, the page kept the connection
     * and the servlet returned with a read of the body under way, whose bytes Tomcat then parsed as the next request
     * (400, "Invalid character found in method name").
     */
    @Test
    void anUploadCutShortBehindAWrapperThatNamesNoProtocolLeavesNoReadBehind() throws Exception {
        assertAPageForACutUploadLeavesNoReadBehind(ProxyTransport.JDK, true, true, (exchange, in) -> {
            in.read();
            exchange.setSoLinger(true, 0);
        });
    }

    /**
     * An answer in the middle of a paused upload on Tomcat, in a servlet without async support, whose body each
     * transport reads with blocking I/O: the page (the upstream reset once it read part of the upload, R2), or the
     * upstream's early 413 relayed whole (the Jetty transport; the JDK's client reads no answer before the whole
     * upload), goes out at once, saying {@code Connection: close}, though the proxy's read of the upload is still
     * blocked. The request's thread returns, and the connection ends with nothing after the answer, once Tomcat's read
     * timeout (its {@code connectionTimeout}, 6 s here) ends that read. Not sooner: Tomcat's blocking NIO read
     * ({@code NioEndpoint.NioSocketWrapper.fillReadBuffer}) swallows the interrupt that ends Jetty's
     * (ReverseProxyServletIntegrationTests#aPageInTheMiddleOfAPausedUploadEndsTheConnectionWithoutWaitingForTheClient),
     * and nothing in the Servlet API wakes it (closing the request's input or the response's output, an
     * AsyncContext completed: the read waits on). The bound is that read timeout: {@code connectionTimeout}, 60 s by
     * default, 20 s in the {@code server.xml} Tomcat ships ({@code connectionUploadTimeout} with
     * {@code disableUploadTimeout="false"}). The answer must not wait for it, or a client pausing for it gives up:
     * an early answer of unknown length (chunked) ended only as the response did, after that read, and the client had
     * its head and body but not its last chunk.
     */
    @ParameterizedTest(name = "{0}, upstream: {1}")
    @CsvSource({"JETTY, reset", "JDK, reset", "JETTY, early 413", "JETTY, early chunked 413"})
    void anAnswerInTheMiddleOfAPausedUploadGoesOutAtOnceAndTheConnectionEndsWithTomcatsReadTimeout(
            ProxyTransport transport, String upstreamDoes) throws Exception {
        boolean early = upstreamDoes.startsWith("early");
        String framing = upstreamDoes.contains("chunked")
                ? "Transfer-Encoding: chunked\r\n\r\n8\r\ntoo big!\r\n0\r\n\r\n" : "Content-Length: 8\r\n\r\ntoo big!";
        CountDownLatch waitingForMoreUpload = new CountDownLatch(1);
        CompletableFuture<Void> returned = new CompletableFuture<>();
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> upstreamDone = CompletableFuture.runAsync(() -> {
                try (Socket upstream = listening.accept()) {
                    InputStream in = upstream.getInputStream();
                    UploadWatch.readUntilTheProxyWaitsForMoreUpload(in, waitingForMoreUpload);
                    if (early) {
                        upstream.getOutputStream().write(("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\n"
                                + framing).getBytes(StandardCharsets.US_ASCII));
                        upstream.getOutputStream().flush();
                        upstream.shutdownOutput(); // the answer's end, read or not what is left of the upload
                        in.transferTo(OutputStream.nullOutputStream()); // until the proxy closes its connection
                    } else {
                        upstream.setSoLinger(true, 0); // a reset, before the rest of the body
                    }
                } catch (IOException ended) {
                    // the proxy gave the connection up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, OWN_THREAD);
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("paused").endpoints(
                    URI.create("http://127.0.0.1:" + listening.getLocalPort())).maxAttempts(1).build());
            try (TomcatServer tomcat = TomcatServer.inCode().connectionTimeout(Duration.ofSeconds(6))
                            .filter("returned", (request, response, chain) -> {
                                try {
                                    chain.doFilter(request, response);
                                } finally {
                                    returned.complete(null);
                                }
                            })
                            .filter("watch", new UploadWatch(10, waitingForMoreUpload))
                            .servlet("/*", ReverseProxyServlet.builder(guard).transport(transport).build(), false)
                            .start();
                    Socket uploader = new Socket("127.0.0.1", tomcat.uri("/").getPort())) {
                uploader.setSoTimeout(3_000); // half the read timeout: the answer comes before that read ends
                UploadWatch.sendHalfAnUpload(uploader.getOutputStream());
                HttpTester.Response answer = HttpTester.parseResponse(HttpTester.from(uploader.getInputStream()));
                assertThat(answer.getStatus()).isEqualTo(early ? 413 : 502);
                assertThat(answer.get("Connection")).isEqualToIgnoringCase("close");
                assertThat(answer.getContent()).as("the answer, whole")
                        .matches(early ? "too big!" : "(?s).*\"status\":\\s*502.*");

                uploader.setSoTimeout(30_000);
                int next;
                try {
                    next = uploader.getInputStream().read();
                } catch (SocketException resetByTomcat) {
                    next = -1; // an end as good as a close
                }
                assertThat(next).as("the connection's end after the answer").isEqualTo(-1);
                assertThat(returned).as("the request's thread returned").succeedsWithin(Duration.ofSeconds(30));
            }
            upstreamDone.get(10, TimeUnit.SECONDS);
        }
    }

    /** What an upstream of one exchange does once it has read the request's head. */
    @FunctionalInterface
    private interface AfterTheHead {
        void handle(Socket exchange, InputStream in) throws IOException;
    }

    /**
     * Sends 10 of a 20-byte upload through the proxy, on Tomcat, to an upstream of one exchange: the page is a 502
     * that closes the connection, and the rest of the upload with a next request behind it get nothing but the close.
     */
    private static void assertAPageForACutUploadLeavesNoReadBehind(ProxyTransport transport, boolean asyncSupported,
            AfterTheHead afterTheHead) throws Exception {
        assertAPageForACutUploadLeavesNoReadBehind(transport, asyncSupported, false, afterTheHead);
    }

    private static void assertAPageForACutUploadLeavesNoReadBehind(ProxyTransport transport, boolean asyncSupported,
            boolean namelessProtocol, AfterTheHead afterTheHead) throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread upstream = new Thread(() -> {
                try (Socket exchange = listening.accept()) {
                    InputStream in = exchange.getInputStream();
                    for (int matched = 0; matched < 4; ) { // the request head, up to its empty line
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
                    }
                    afterTheHead.handle(exchange, in);
                } catch (IOException closed) {
                    // the test is over
                }
            }, "one-exchange-upstream");
            upstream.start();
            URI endpoint = URI.create("http://127.0.0.1:" + listening.getLocalPort());
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("uploads").endpoints(endpoint).maxAttempts(1)
                    .build());
            TomcatServer configured = TomcatServer.inCode();
            if (namelessProtocol) {
                configured.filter("nameless", (request, response, chain) -> chain.doFilter(
                        new HttpServletRequestWrapper((HttpServletRequest) request) {
                            @Override
                            public @Nullable String getProtocol() {
                                return null;
                            }
                        }, response));
            }
            try (TomcatServer tomcat = configured.servlet("/orders/*", ReverseProxyServlet.builder(guard)
                            .transport(transport).build(), asyncSupported).start();
                    Socket client = new Socket("127.0.0.1", tomcat.uri("/").getPort())) {
                client.setSoTimeout(20_000);
                OutputStream out = client.getOutputStream();
                out.write(("POST /orders/upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 20"
                        + "\r\n\r\nAAAAAAAAAA").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                HttpTester.Response page = HttpTester.parseResponse(HttpTester.from(client.getInputStream()));

                assertThat(page.getStatus()).isEqualTo(502);
                assertThat(page.get("Connection")).isEqualTo("close");
                out.write("BBBBBBBBBBGET /orders/next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String rest = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(rest).as("nothing after the page but the connection's close").isEmpty();
            }
            upstream.join(10_000);
        }
    }

    /**
     * A page answered before the JDK transport asked for the client's body keeps the connection, whose container
     * discards the body as without the proxy: the next request on it is answered.
     */
    @Test
    void aPageAnsweredBeforeTheBodyWasAskedForKeepsTheConnection() throws Exception {
        URI endpoint = URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort());
        try (TomcatServer tomcat = TomcatServer.inCode().servlet("/orders/*", ReverseProxyServlet.builder(
                        UpstreamGuard.of(UpstreamConfig.builder("down").endpoints(endpoint).maxAttempts(1).build()))
                        .transport(ProxyTransport.JDK).build()).start();
                Socket client = new Socket("127.0.0.1", tomcat.uri("/").getPort())) {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(("POST /orders/first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /orders/second HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            HttpTester.Input in = HttpTester.from(client.getInputStream());
            HttpTester.Response first = HttpTester.parseResponse(in);
            HttpTester.Response second = HttpTester.parseResponse(in);

            assertThat(first.getStatus()).isEqualTo(502);
            assertThat(first.get("Connection")).isNull();
            assertThat(second).as("the pipelined request answered on the same connection").isNotNull();
            assertThat(second.getStatus()).isEqualTo(502);
        }
    }

    /**
     * An HTTP/2 client that stalls in its upload to the JDK transport gets the 408 without a {@code Connection} field,
     * which HTTP/2 forbids (RFC 9113 §8.2.2): Jetty's client refused the response ("Connection specific field").
     */
    @Test
    void anHttp2ClientThatStallsInItsUploadGets408WithoutConnectionField() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                TomcatServer h2 = TomcatServer.inCode().h2c().servlet("/*", ReverseProxyServlet.builder(
                        UpstreamGuard.of(UpstreamConfig.builder("stalled-uploads").endpoints(upstream.uri())
                                .attemptTimeout(Duration.ofSeconds(1)).maxAttempts(1).build()))
                        .transport(ProxyTransport.JDK).build()).start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            AsyncRequestContent body = new AsyncRequestContent("text/plain");
            try {
                body.write(java.nio.ByteBuffer.wrap("first part".getBytes(StandardCharsets.US_ASCII)),
                        org.eclipse.jetty.util.Callback.NOOP); // and no more, nor the end
                CompletableFuture<org.eclipse.jetty.client.Result> exchange = new CompletableFuture<>();
                client.newRequest(h2.uri("/orders")).method("POST")
                        .headers(fields -> fields.put("Content-Length", "100")).body(body)
                        .timeout(20, TimeUnit.SECONDS).send(exchange::complete);
                // The upload itself ends failed: Tomcat resets the stream (NO_ERROR) once it answered.
                org.eclipse.jetty.client.Response answer = exchange.get(30, TimeUnit.SECONDS).getResponse();

                assertThat(answer.getStatus()).isEqualTo(408);
                assertThat(answer.getHeaders().get("Connection")).isNull();
            } finally {
                body.close();
                client.stop();
            }
        }
    }

    /**
     * An upstream that resets while the JDK transport still waits for the rest of an HTTP/2 client's upload: the page
     * (502, R2) has no {@code Connection} field, which HTTP/2 forbids (RFC 9113 §8.2.2; Jetty's client refuses such a
     * response, "Connection specific field"). Over HTTP/2 the page ends the stream, not the connection, whatever of
     * the upload is left; over HTTP/1 it says {@code Connection: close}.
     */
    @Test
    void anHttp2UploadCutShortByTheUpstreamGetsThePageWithoutConnectionField() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> reset = CompletableFuture.runAsync(() -> {
                try (Socket exchange = listening.accept()) {
                    InputStream in = exchange.getInputStream();
                    for (int matched = 0; matched < 4; ) { // the request head, up to its empty line
                        int b = in.read();
                        matched = b < 0 ? 4 : b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
                    }
                    in.read(); // the first of the body: the proxy reads it from the client
                    exchange.setSoLinger(true, 0); // a reset, before the rest of the body
                } catch (IOException closed) {
                    // the proxy gave the connection up
                }
            }, OWN_THREAD);
            URI endpoint = URI.create("http://127.0.0.1:" + listening.getLocalPort());
            try (TomcatServer h2 = TomcatServer.inCode().h2c().servlet("/*", ReverseProxyServlet.builder(
                    UpstreamGuard.of(UpstreamConfig.builder("uploads").endpoints(endpoint).maxAttempts(1).build()))
                    .transport(ProxyTransport.JDK).build()).start()) {
                org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
                AsyncRequestContent body = new AsyncRequestContent("text/plain");
                try {
                    body.write(java.nio.ByteBuffer.wrap("first part".getBytes(StandardCharsets.US_ASCII)),
                            org.eclipse.jetty.util.Callback.NOOP); // and no more, nor the end
                    CompletableFuture<org.eclipse.jetty.client.Result> exchange = new CompletableFuture<>();
                    client.newRequest(h2.uri("/orders")).method("POST").headers(fields -> fields
                            .put("Content-Length", "100").put("Accept", "application/json")).body(body)
                            .timeout(20, TimeUnit.SECONDS).send(exchange::complete);
                    org.eclipse.jetty.client.Response answer = exchange.get(30, TimeUnit.SECONDS).getResponse();

                    assertThat(answer.getStatus()).isEqualTo(502);
                    assertThat(answer.getHeaders().get("Connection")).isNull();
                } finally {
                    body.close();
                    client.stop();
                }
            }
            reset.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A client that stops sending a short body the proxy reads before the first attempt (Tomcat's read times out):
     * Tomcat answers the failed read itself, with its status and no exception. The proxy threw the failure on, and
     * Tomcat's error report showed it with its stack trace, the proxy's classes among the frames.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void clientThatStopsSendingItsBodyGetsTomcatsAnswerWithoutAStackTrace(ProxyTransport transport) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                TomcatServer stalled = TomcatServer.inCode().connectionTimeout(Duration.ofSeconds(1))
                        .servlet("/*", proxy("uploads", upstream.uri(), transport)).start();
                Socket client = new Socket("127.0.0.1", stalled.uri("/").getPort())) {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(("PUT /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20\r\n\r\n"
                    + "first").getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();

            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 4").doesNotContain("Exception", "errorpages", "at org.");
            assertThat(upstream.requests()).isEmpty();
        }
    }

    /**
     * A client that ends its connection part-way through a streamed upload, to a servlet without async support: Tomcat
     * answers the failed read itself, and its error report showed no exception. With the Jetty transport the proxy
     * threw the failure on, and Tomcat's error report showed it with its stack trace, the proxy's classes among the
     * frames.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void clientThatCutsItsStreamedUploadShortGetsNoStackTrace(ProxyTransport transport) throws Exception {
        try (FaultyUpstream slow = FaultyUpstream.start(Behaviour.ok());
                TomcatServer blocking = TomcatServer.inCode()
                        .servlet("/*", proxy("uploads", slow.uri(), transport), false).start();
                Socket client = new Socket("127.0.0.1", blocking.uri("/").getPort())) {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 9000\r\n\r\n"
                    + "first").getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            client.shutdownOutput();

            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 4").doesNotContain("Exception", "errorpages", "at org.");
        }
    }

    /**
     * A client that stops reading a large answer while the application writes it, by each of the stream's ways to
     * write (as {@link ErrorPagesFilterClientConnectionIntegrationTests} on Jetty): Tomcat gives up on the write at its
     * connection timeout (500 ms here), and the application throws the failure on. That is the request's own
     * connection, not an upstream's (R4): no "error page" line and no WARN of an upstream failure after commit (R5).
     */
    @ParameterizedTest
    @ValueSource(strings = {"write-byte", "write-buffer", "print", "flush", "flush-buffer", "close"})
    void clientThatStopsReadingIsNoUpstreamFailureWhicheverWriteWaits(String write) throws Exception {
        BlockingQueue<Throwable> thrownPastTheFilter = new LinkedBlockingQueue<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        try (TomcatServer stalled = TomcatServer.inCode().connectionTimeout(Duration.ofMillis(500))
                .filter("front", (request, response, chain) -> {
                    try {
                        chain.doFilter(request, response);
                    } catch (IOException | ServletException | RuntimeException failure) {
                        thrownPastTheFilter.add(failure);
                        throw failure;
                    }
                })
                .filter(ErrorPagesFilter.builder().build())
                .servlet("/write-by/*", servlet((request, response) -> ErrorPagesFilterClientConnectionIntegrationTests
                        .writeUntilItFails(response, request.getPathInfo().substring(1))))
                .start()) {
            String log = StandardError.capture(() -> {
                try (Socket client = new Socket()) {
                    client.setReceiveBufferSize(4096);
                    client.connect(new InetSocketAddress("127.0.0.1", stalled.uri("/").getPort()));
                    client.getOutputStream().write(("GET /write-by/" + write + " HTTP/1.1\r\nHost: test\r\nAccept: "
                            + JSON + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    thrown.set(thrownPastTheFilter.poll(20, TimeUnit.SECONDS)); // never reading what comes
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });

            assertThat(thrown.get()).as("the write's failure, thrown on past the filter")
                    .isInstanceOf(IOException.class);
            assertThat(log).doesNotContain("error page status=", "aborted", "upstream failure");
        }
    }

    @Test
    void rendersPageForUpstreamFailure() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/upstream-failure"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("connection_refused");
        assertNoLeak(response);
    }

    @Test
    void turnsCapturedSendErrorIntoPageNotTomcatsErrorReport() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/send-error-503"), Client.BROWSER_ACCEPT);

        assertErrorPage(response, "GET", 503, "45");
        assertThat(Client.text(response)).doesNotContain("Apache Tomcat", "billing-internal");
    }

    @Test
    void headRequestGetsStatusAndHeadersOfGetWithoutBody() throws IOException {
        HttpResponse<byte[]> get = Client.send("GET", tomcat.uri("/send-error-503"), JSON, "X-Request-Id", "tc-1");
        HttpResponse<byte[]> head = Client.send("HEAD", tomcat.uri("/send-error-503"), JSON, "X-Request-Id", "tc-1");

        assertErrorPage(head, "HEAD", 503, "45");
        assertSameHeaders(head, get);
    }

    @Test
    void abortsCommittedResponseInsteadOfAppendingPage() throws IOException {
        HttpResponse<InputStream> response = Client.stream("GET", tomcat.uri("/committed-then-upstream-failure"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> {
            try (InputStream body = response.body()) {
                body.readAllBytes();
            }
        }).as("R5: the chunked body never ends properly").isInstanceOf(IOException.class);
    }

    /**
     * The application wrote all of the {@code Content-Length} it set, nothing flushed, then threw an upstream failure:
     * the response is complete, and the client has it whole, as on Jetty (docs/troubleshooting.md). Through the writer,
     * Tomcat's {@code isCommitted()} was true though none of it was sent, the filter aborted, and Tomcat sent the
     * head itself with its 400 for the abort's {@code ClientAbortException}: a client error for an upstream's failure
     * (R1, R22). Through the stream Tomcat sends the response as the length is reached, as before.
     */
    @ParameterizedTest
    @ValueSource(strings = {"writer", "stream"})
    void aResponseWholeBeforeAnUpstreamFailureReachesTheClientWhole(String through) {
        Client.RawAnswer answer = Client.rawAnswer(tomcat.uri("/").getPort(), "GET /whole-length-then-upstream-failure/"
                + through + " HTTP/1.1\r\nHost: shop.example\r\nAccept: text/html\r\n\r\n");

        assertThat(answer.text()).startsWith("HTTP/1.1 200").contains("Content-Length: 4").endsWith("\r\n\r\nabcd");
    }

    /**
     * R5 for a body delimited by the connection's end (RFC 9112 §6.3, rule 8): to an HTTP/1.0 client (nginx's
     * {@code proxy_pass} by default) Tomcat sends a body of unknown length without chunks, and its end is the
     * connection's close. The abort closed the connection as such a body ends, and the client took the part for the
     * whole 200; now the connection is reset, which tells it the body was cut short.
     */
    @Test
    void abortsABodyDelimitedByTheConnectionsEndWithAReset() {
        Client.RawAnswer answer = Client.rawAnswer(tomcat.uri("/").getPort(),
                "GET /committed-then-upstream-failure HTTP/1.0\r\nAccept: " + JSON + "\r\n\r\n");

        assertThat(answer.text()).startsWith("HTTP/1.1 200").contains("x".repeat(1000))
                .doesNotContain("Transfer-Encoding", "Content-Length", "problem+json", "connection_terminated");
        assertThat(answer.reset()).as("the connection reset, not closed as a whole body's is").isTrue();
    }

    @Test
    void rendersPageForStatusSetOnAsyncResponse() {
        assertErrorPage(Client.get(tomcat.uri("/async-send-error"), JSON), "GET", 504, "10");
    }

    /** The application's timeout listener completes through the event's context: the filter's, on Tomcat too. */
    @Test
    void rendersPageWhenTheApplicationsTimeoutListenerSendsErrorAndCompletes() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/async-timeout-listener"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertNoLeak(response);
    }

    /** A timeout listener that re-registers itself in onStartAsync gets the filter's context of the new cycle. */
    @Test
    void rendersPageWhenATimeoutListenerReRegisteredInOnStartAsyncSendsErrorAndCompletes() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/async-restarted-timeout-listener"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertNoLeak(response);
    }

    /** An upstream failure thrown after startAsync(): the page, and the cycle ended so the connection is free. */
    @Test
    void answersAnUpstreamFailureThrownAfterStartAsyncAndEndsTheCycle() {
        for (int i = 0; i < 2; i++) {
            assertErrorPage(Client.get(tomcat.uri("/async-started-then-thrown"), JSON), "GET", 502, "10");
        }
        assertThat(Client.get(tomcat.uri("/ok"), JSON).statusCode()).isEqualTo(200);
    }

    /**
     * An upstream failure the application's {@code ReadListener} throws (from {@code onDataAvailable} or
     * {@code onAllDataRead}) before the response was committed is answered with the page of the status and
     * {@code Retry-After} its cause maps to (R2, R7, R9), logged once, and the cycle completed, so that the answer
     * comes at once rather than at the cycle's timeout (60 s here) with Tomcat's 500. The filter's wrapper of the
     * listener answers it, as on Jetty, which tells no {@code AsyncListener} of it (Tomcat's cycle's
     * {@code AsyncListener.onError}, where the filter answered before, is not reached: the failure is not thrown on).
     * The application's {@code onError} still gets it, and its {@code complete()} there is harmless: Tomcat throws
     * {@code IllegalStateException} for a second one.
     */
    @ParameterizedTest
    @CsvSource({"unavailable, 503, 42, destination_unavailable", "refused-wrapped, 502, 10, connection_refused",
        "read-timeout, 504, 10, connection_read_timeout"})
    void anUpstreamFailureAReadListenerThrowsIsAnsweredAtOnce(String thrown, int status,
            String retryAfter, String token) throws InterruptedException {
        readListenerErrors.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answered.set(postOnAConnectionOfItsOwn(
                tomcat.uri("/read-listener-throws/" + thrown))));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertErrorPage(answered.get(), "POST", status, retryAfter);
        assertNoLeak(answered.get());
        assertThat(Client.text(answered.get())).contains(token);
        assertThat(took).as("answered at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(10));
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
        assertThat(log).contains("error page status=" + status + " cause=" + token);
        // Called once the page is written: awaited, for the client may have it first.
        assertThat(readListenerErrors.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete()"
                + " there").isNotInstanceOf(IllegalStateException.class).isNotNull();
    }

    /**
     * The read listener threw the client's own abort (Tomcat's {@code ClientAbortException} of a reset): the
     * request's connection failed, not an upstream. No page, and nothing logged by the filter (R4): Tomcat ends the
     * request as it does without the filter.
     */
    @Test
    void aClientAbortAReadListenerThrowsGetsNoPage() {
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(rawExchange(readListenerRequest("client-abort"))));

        assertThat(answer.get()).doesNotContain("X-Content-Type-Options", "connection_terminated");
        assertThat(log).doesNotContain("error page status=", "aborted");
    }

    /**
     * The read listener's bug (an {@code IllegalStateException} from {@code onAllDataRead}, before anything was
     * written) is no upstream failure (R4): the client gets what a Tomcat without the filter gives, byte for byte (no
     * answer: Tomcat 11 closes the connection of a cycle that failed so), and the filter logs no page; the
     * application's {@code onError} gets the bug, and its {@code complete()} there works.
     */
    @Test
    void aBugAReadListenerThrowsGetsTomcatsAnswer() throws InterruptedException {
        String request = readListenerRequest("bug");
        String withoutFilter;
        try (TomcatServer bare = TomcatServer.inCode().servlet("/read-listener-throws/*", readListenerThrows())
                .start()) {
            withoutFilter = rawExchange(bare, request);
        }
        readListenerErrors.clear();
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(rawExchange(tomcat, request)));

        // Tomcat 11 ends such a cycle (its onError completed it) by closing the connection without an answer.
        assertThat(answer.get()).as("what Tomcat answers without the filter").isEqualTo(withoutFilter).isEmpty();
        assertThat(log).doesNotContain("error page status=", "aborted");
        assertThat(readListenerErrors.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete()")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("order 7");
    }

    /**
     * The read listener answered (a captured 503, then {@code complete()}, which writes the page), then threw an
     * upstream failure: Tomcat reports that one to {@code onError} after the page. The request was answered once:
     * nothing more is written or logged (no second page, no "aborted after the response was committed").
     */
    @Test
    void anErrorOfTheCycleAfterThePageChangesNothing() {
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(postOnAConnectionOfItsOwn(
                tomcat.uri("/read-listener-throws/after-the-page"))));

        assertErrorPage(answered.get(), "POST", 503, "30");
        assertOnePage(answered.get());
        assertThat(Client.text(answered.get())).contains("upstream_status").doesNotContain("connection_refused");
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
        assertThat(log).doesNotContain("aborted");
    }

    /**
     * A {@code ReadListener} or a {@code WriteListener} answered through Tomcat (a {@code sendError(500)}, which the
     * filter does not intercept, or a redirect), then threw a refused connection, which Tomcat reports to the cycle's
     * {@code onError}. The application's answer stands as it stands without the filter, as when a servlet answers so
     * and throws (Jersey's {@code sendError(500)} for an unmapped exception): the client gets what it gets from a
     * Tomcat without the filter, byte for byte (Tomcat 11 closes the connection of such a cycle without an answer), no
     * page (R1 is for what the application left unanswered), and no WARN "aborted after the response was committed"
     * (R5): the filter aborted nothing. Its {@code onError} marked the request answered and called the responder,
     * which found the response committed and logged that WARN.
     */
    @ParameterizedTest
    @ValueSource(strings = {"POST /read-listener-throws/after-send-error-500",
        "POST /read-listener-throws/after-redirect", "GET /write-listener-answers-then-throws/send-error-500",
        "GET /write-listener-answers-then-throws/redirect"})
    void anUpstreamFailureAListenerThrowsAfterTomcatAnsweredLeavesTomcatsAnswer(String methodAndPath) {
        String request = methodAndPath + " HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                + (methodAndPath.startsWith("POST") ? "\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc"
                        : "\r\n\r\n");
        String withoutFilter;
        try (TomcatServer bare = TomcatServer.inCode().servlet("/read-listener-throws/*", readListenerThrows())
                .servlet("/write-listener-answers-then-throws/*", writeListenerAnswersThenThrows()).start()) {
            withoutFilter = rawExchange(bare, request);
        }
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(rawExchange(tomcat, request)));

        assertThat(answer.get()).as("what Tomcat answers without the filter").isEqualTo(withoutFilter)
                .doesNotContain("connection_refused");
        assertThat(log).doesNotContain("error page status=", "aborted");
    }

    /**
     * An upstream failure a {@code WriteListener} throws after it committed the response with the first part of
     * the body: Tomcat reports it to {@code onError}, where no page can be written. The body is cut short (the chunked
     * body never ends) and the incident is logged once, at WARN, without an "error page" line (R5).
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitCutsTheBodyShort() {
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(rawExchange("GET /write-listener-throws-after-commit "
                + "HTTP/1.1\r\nHost: test\r\nAccept: " + JSON + "\r\n\r\n")));

        AbortedAfterCommit.assertCutShort(answer.get(), "first part");
        AbortedAfterCommit.assertLoggedOnce(log, "GET /write-listener-throws-after-commit");
    }

    /**
     * The same to an HTTP/1.0 client, whose body Tomcat delimits by the connection's end: the connection is reset, not
     * closed as the end of a whole body (R5; RFC 9112 §6.3, rule 8).
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitResetsABodyDelimitedByTheConnectionsEnd() {
        Client.RawAnswer answer = Client.rawAnswer(tomcat.uri("/").getPort(),
                "GET /write-listener-throws-after-commit HTTP/1.0\r\nAccept: " + JSON + "\r\n\r\n");

        assertThat(answer.text()).startsWith("HTTP/1.1 200").contains("first part")
                .doesNotContain("Transfer-Encoding", "problem+json", "connection_refused");
        assertThat(answer.reset()).as("the connection reset, not closed as a whole body's is").isTrue();
    }

    /**
     * The same from a {@code ReadListener}'s {@code onAllDataRead}, after it committed the response with the first part
     * of the body: Tomcat tells the cycle's {@code onError} too, which aborts the response at once (the cycle's timeout
     * is 60 s, beyond the socket's 10 s): the chunked body never ends, one WARN line, no "error page" line (R5).
     */
    @Test
    void anUpstreamFailureAReadListenerThrowsAfterCommitCutsTheBodyShort() {
        AtomicReference<String> answer = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answer.set(rawExchange("POST /read-listener-throws/after-commit "
                + "HTTP/1.1\r\nHost: test\r\nAccept: " + JSON + "\r\nContent-Type: application/x-www-form-urlencoded"
                + "\r\nContent-Length: 7\r\n\r\nitems=3")));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        AbortedAfterCommit.assertCutShort(answer.get(), "partial");
        assertThat(took).as("aborted at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(5));
        AbortedAfterCommit.assertLoggedOnce(log, "POST /read-listener-throws/after-commit");
    }

    /**
     * The {@code WriteListener}'s upstream failure after commit over HTTP/2: the stream is reset (RST_STREAM with
     * {@code INTERNAL_ERROR}), not ended with END_STREAM as if the first part were the whole body (R5), and the incident
     * logged once. Tomcat reports the failure to the cycle's {@code onError} over HTTP/2 too, where the filter logs it,
     * and resets the stream of the failed cycle itself: the filter must throw the failure on (kept by the filter's
     * wrapper, Tomcat was never told and the stream stayed open until the client gave up).
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitResetsTheHttp2Stream() throws Exception {
        try (TomcatServer h2 = TomcatServer.inCode().h2c().filter(ErrorPagesFilter.builder().build())
                .servlet("/write-listener-throws-after-commit", TestServlets.writeListenerThrowsAfterCommit())
                .start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                AtomicReference<Result> ended = new AtomicReference<>();
                String log = StandardError.capture(() -> ended.set(Http2Clients.ended(client.newRequest(
                        h2.uri("/write-listener-throws-after-commit"))
                        .headers(fields -> fields.put("Accept", JSON)))));

                AbortedAfterCommit.assertStreamReset(ended.get());
                AbortedAfterCommit.assertLoggedOnce(log, "GET /write-listener-throws-after-commit");
            } finally {
                client.stop();
            }
        }
    }

    /**
     * The same from a {@code ReadListener}'s {@code onAllDataRead} over HTTP/2: the stream reset, one line (R5). Were
     * the failure kept by the filter's wrapper and told to the listener's {@code onError} only, its {@code complete()}
     * would end the stream with END_STREAM as if whole.
     */
    @Test
    void anUpstreamFailureAReadListenerThrowsAfterCommitResetsTheHttp2Stream() throws Exception {
        try (TomcatServer h2 = TomcatServer.inCode().h2c().filter(ErrorPagesFilter.builder().build())
                .servlet("/read-listener-throws-after-commit", TestServlets.readListenerThrowsAfterCommit())
                .start()) {
            org.eclipse.jetty.client.HttpClient client = Http2Clients.started();
            try {
                AtomicReference<Result> ended = new AtomicReference<>();
                String log = StandardError.capture(() -> ended.set(Http2Clients.ended(client.newRequest(
                        h2.uri("/read-listener-throws-after-commit")).method("POST")
                        .headers(fields -> fields.put("Accept", JSON))
                        .body(new StringRequestContent("application/x-www-form-urlencoded", "items=3")))));

                AbortedAfterCommit.assertStreamReset(ended.get());
                AbortedAfterCommit.assertLoggedOnce(log, "POST /read-listener-throws-after-commit");
            } finally {
                client.stop();
            }
        }
    }

    /**
     * An upstream failure (a refused connection) a {@code WriteListener} throws from {@code onWritePossible} before it
     * wrote anything is answered with the page of the status and {@code Retry-After} its cause maps to (R1, R2, R7,
     * R9), without an exception's name (R36), at once (the cycle's timeout is 120 s, the client's 20 s), logged once.
     * Tomcat reported it to the cycle's {@code AsyncListener.onError}, where the filter wrote the page and logged it,
     * but Tomcat had closed the connection by then: the client got nothing. The filter's wrapper of the listener
     * answers it first now, as on Jetty; the application's {@code onError} still gets it, and its {@code complete()}
     * there is harmless.
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsBeforeCommitIsAnsweredWithThePage() throws InterruptedException {
        writeListenerErrors.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answered.set(getOnAConnectionOfItsOwn(
                tomcat.uri("/write-listener-throws-before-commit"))));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertErrorPage(answered.get(), "GET", 502, "10");
        assertNoLeak(answered.get());
        assertThat(answered.get().headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Client.text(answered.get())).contains("\"code\": \"connection_refused\"")
                .containsPattern("\"support_code\": \"[A-Z0-9]{4}-[A-Z0-9]{4}\"");
        assertThat(took).as("answered at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(10));
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
        assertThat(log).contains("error page status=502 cause=connection_refused");
        // Called once the page is written: awaited, for the client may have it first.
        assertThat(writeListenerErrors.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete()"
                + " there").isInstanceOf(ConnectException.class);
    }

    /**
     * The same failures, thrown by a write listener set on the filter's stream ({@code write}), or by a read listener
     * set on the filter's request stream of a POST from {@code onAllDataRead} or {@code onDataAvailable}, in a cycle
     * its request wrapper did not start: a filter in front of it started the cycle, which the servlet took with
     * {@code getAsyncContext()} ({@code front-started-async}), or the servlet started it on Tomcat's request, past the
     * wrapper ({@code unwrapped-async}). They are answered all the same, at once, with the status and Retry-After of
     * the cause and the format the Accept asks for (R1, R2, R7, R8, R9, R32, R36), logged once: the client got an
     * empty 200. Tomcat calls {@code onAllDataRead} after an {@code onDataAvailable} that read the body to its end,
     * also when that threw: the filter calls the application's listener no more once it answered, where what the
     * listener threw again there dropped the connection (and was told to its {@code onError} a second time).
     * The application's {@code complete()} in its {@code onError}, through the context it holds, breaks nothing: no
     * {@code IllegalStateException} (Tomcat refuses a second {@code complete()} of its own context: the filter's
     * comes after the application's there), and the next request on the same connection gets its own answer, not a
     * second one to the first (after a 503, which Tomcat closes the connection of, on a new one). An application
     * holding Tomcat's own context that does not complete it there ({@code complete=no}) has it completed by the
     * filter: the next request waited for the cycle's timeout.
     */
    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ListenerFailuresPastTheWrapper#rows")
    void answersAnUpstreamFailureAListenerThrowsInACycleStartedPastTheFiltersWrapper(String from, String started,
            String thrown, String format, int status, String retryAfter, String token, String complete)
            throws InterruptedException {
        BlockingQueue<Object> told = new LinkedBlockingQueue<>();
        try (TomcatServer server = TomcatServer.inCode()
                .filter("startingAsyncInFront", TestServlets.startingAsyncInFront(), "REQUEST")
                .filter(ErrorPagesFilter.builder().build())
                .servlet("/" + started + "/*", TestServlets.listenerThrowsInACycleStartedPastTheFilter(told))
                .servlet("/remote-port", TestServlets.remotePort()).start()) {
            ListenerFailuresPastTheWrapper.answersOnTheSameConnection(server::uri, told, true, from, started, thrown,
                    format, status, retryAfter, token, complete);
        }
    }

    /**
     * Servlet 6.0 {@code AsyncContext.dispatch()}: after a forward, a cycle started with {@code startAsync()} (no
     * arguments) is dispatched to the original request's URI. The filter starts the cycle with its own wrappers, and
     * Tomcat dispatches to the URI of the request a cycle started with, which within the forward is the target's:
     * the ASYNC dispatch went to the forward's target (again, for ever, had it started async again).
     */
    @ParameterizedTest
    @ValueSource(strings = {"now", "later"})
    void dispatchesACycleStartedWithoutArgumentsAfterAForwardToTheOriginalUri(String when) {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/forwarding-to-async;v=1?dispatch=" + when), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("ASYNC /forwarding-to-async;v=1?dispatch=" + when);
    }

    /**
     * The same in a context other than the root: the original URI, which starts with the context's path, is
     * dispatched to within the context. Dispatched to with the context's path in it, the cycle went to
     * {@code /app/app/forwarding-to-async}, and the client had no answer.
     */
    @Test
    void dispatchesACycleStartedWithoutArgumentsAfterAForwardToTheOriginalUriInAContextOtherThanTheRoot() {
        try (TomcatServer app = TomcatServer.inCode("/app").filter(ErrorPagesFilter.builder().build())
                .servlet("/forwarding-to-async", forwardingToAsync())
                .servlet("/async-started-without-arguments", asyncStartedWithoutArguments())
                .start()) {
            HttpResponse<byte[]> response = Client.get(app.uri("/app/forwarding-to-async?dispatch=now"), JSON);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Client.text(response)).isEqualTo("ASYNC /app/forwarding-to-async?dispatch=now");
        }
    }

    /**
     * Servlet 6.0 {@code AsyncContext.dispatch()}: a cycle started with the request and response the forward's target
     * was given ({@code startAsync(request, response)}) is dispatched to the URI of that request, the target's. Only a
     * cycle started without arguments goes to the original request's URI: sent there too, this one would reach the
     * servlet that forwarded, which asked for no second dispatch.
     */
    @ParameterizedTest
    @ValueSource(strings = {"now", "later"})
    void dispatchesACycleStartedWithTheForwardedRequestToTheForwardsTarget(String when) {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/forwarding-to-async-with-arguments?dispatch=" + when),
                JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("ASYNC to the forward's target");
    }

    /**
     * A servlet that reads the request's body with a {@code ReadListener} in a cycle with a 60 s timeout, and throws
     * from it what the path names: an {@link UpstreamFailureException} of a 503 with the breaker's remaining open time
     * ({@code unavailable}), a {@link ConnectException} wrapped as an application's call wraps it, from
     * {@code onDataAvailable} ({@code refused-wrapped}), a read timeout ({@code read-timeout}), Tomcat's
     * {@code ClientAbortException} of a reset ({@code client-abort}), the application's bug, an
     * {@code IllegalStateException} ({@code bug}), or an upstream failure after it answered with a
     * captured 503 and {@code complete()} ({@code after-the-page}), or after it answered through Tomcat with a
     * {@code sendError(500)} the filter does not intercept ({@code after-send-error-500}) or a redirect
     * ({@code after-redirect}), a refused connection, or an upstream failure after it committed the response with the
     * first part of the body ({@code after-commit}). Its {@code onError} completes the cycle, as an
     * application releasing what it holds would, and records what it got, or the {@code IllegalStateException} of
     * that {@code complete()}.
     */
    private static HttpServlet readListenerThrows() {
        return servlet((request, response) -> {
            String thrown = request.getPathInfo().substring(1);
            AsyncContext async = request.startAsync();
            async.setTimeout(60_000);
            ServletInputStream in = request.getInputStream();
            in.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    TestServlets.readWhatIsThere(in);
                    if (thrown.equals("refused-wrapped")) {
                        throw new IOException("the billing call failed", new ConnectException("Connection refused"));
                    }
                }

                @Override
                public void onAllDataRead() throws IOException {
                    switch (thrown) {
                        case "unavailable" -> throw new UpstreamFailureException(UpstreamFailure.builder(
                                FailureCause.DESTINATION_UNAVAILABLE).upstream("billing")
                                .breakerRemainingOpen(Duration.ofSeconds(42)).build(), null);
                        case "read-timeout" -> throw new SocketTimeoutException("Read timed out");
                        case "client-abort" -> throw new ClientAbortException(new SocketException("Connection reset"));
                        case "bug" -> throw new IllegalStateException("order 7 is in no state to ship");
                        case "after-send-error-500" -> {
                            ((HttpServletResponse) async.getResponse()).sendError(500);
                            throw new ConnectException("Connection refused");
                        }
                        case "after-redirect" -> {
                            ((HttpServletResponse) async.getResponse()).sendRedirect("/elsewhere");
                            throw new ConnectException("Connection refused");
                        }
                        case "after-commit" -> {
                            async.getResponse().getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
                            async.getResponse().flushBuffer();
                            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                                    null);
                        }
                        case "after-the-page" -> {
                            ((HttpServletResponse) async.getResponse()).setStatus(503);
                            async.complete();
                            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                                    null);
                        }
                        default -> throw new IllegalArgumentException(thrown);
                    }
                }

                @Override
                public void onError(Throwable failure) {
                    try {
                        async.complete();
                        readListenerErrors.add(failure);
                    } catch (IllegalStateException completedTwice) {
                        readListenerErrors.add(completedTwice);
                    }
                }
            });
        });
    }

    /**
     * A servlet whose {@code WriteListener} throws a refused connection before it wrote anything, in a cycle with a
     * 120 s timeout. Its {@code onError} completes the cycle, as an application releasing what it holds would, and
     * records what it got, or the {@code IllegalStateException} of that {@code complete()}.
     */
    private static HttpServlet writeListenerThrowsBeforeCommit() {
        return servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(120_000);
            response.setContentType("text/plain");
            ServletOutputStream out = response.getOutputStream();
            out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() throws IOException {
                    throw new ConnectException("Connection refused");
                }

                @Override
                public void onError(Throwable failure) {
                    try {
                        async.complete();
                        writeListenerErrors.add(failure);
                    } catch (IllegalStateException completedTwice) {
                        writeListenerErrors.add(completedTwice);
                    }
                }
            });
        });
    }

    /**
     * A servlet whose {@code WriteListener} answers through Tomcat, as the path names ({@code send-error-500}: a
     * {@code sendError(500)}, which the filter does not intercept; {@code redirect}: a redirect), then throws a refused
     * connection, in a cycle with a 60 s timeout. Its {@code onError} completes the cycle.
     */
    private static HttpServlet writeListenerAnswersThenThrows() {
        return servlet((request, response) -> {
            String answer = request.getPathInfo().substring(1);
            AsyncContext async = request.startAsync();
            async.setTimeout(60_000);
            ServletOutputStream out = response.getOutputStream();
            out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() throws IOException {
                    HttpServletResponse answering = (HttpServletResponse) async.getResponse();
                    if (answer.equals("redirect")) {
                        answering.sendRedirect("/elsewhere");
                    } else {
                        answering.sendError(500);
                    }
                    throw new ConnectException("Connection refused");
                }

                @Override
                public void onError(Throwable failure) {
                    async.complete();
                }
            });
        });
    }

    /**
     * POSTs a small body with a client of its own, so on a new connection: Tomcat closes the connection of a cycle that
     * failed, and a pooled one it closed meanwhile would fail the POST, which the JDK's client does not retry.
     */
    private static HttpResponse<byte[]> postOnAConnectionOfItsOwn(URI uri) {
        return Client.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString("order=42")), JSON);
    }

    private static HttpResponse<byte[]> getOnAConnectionOfItsOwn(URI uri) {
        return Client.send(HttpClient.newHttpClient(), HttpRequest.newBuilder(uri).GET(), JSON);
    }

    private static String readListenerRequest(String thrown) {
        return "POST /read-listener-throws/" + thrown + " HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                + "\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc";
    }

    /** Sends a raw request on a connection of its own and reads until Tomcat closes it (10 s at most). */
    private static String rawExchange(String request) {
        return rawExchange(tomcat, request);
    }

    /** Sends a raw request to the server on a connection of its own and reads until it closes it (10 s at most). */
    private static String rawExchange(TomcatServer server, String request) {
        return Client.rawExchange(server.uri("/").getPort(), request);
    }

    /** Forwards to {@link #asyncStartedWithoutArguments()}; in an ASYNC dispatch, says the URI it was sent to. */
    private static HttpServlet forwardingToAsync() {
        return forwardingTo("/async-started-without-arguments");
    }

    /** Forwards to the path; in an ASYNC dispatch, says the URI it was sent to. */
    private static HttpServlet forwardingTo(String path) {
        return servlet((request, response) -> {
            if (request.getDispatcherType() == DispatcherType.ASYNC) {
                response.getWriter().write("ASYNC " + request.getRequestURI() + "?" + request.getQueryString());
            } else {
                request.getRequestDispatcher(path).forward(request, response);
            }
        });
    }

    /**
     * Starts a cycle with {@code startAsync()} and dispatches it with {@code dispatch()}, at once or, with the
     * parameter {@code dispatch=later}, from a task of the cycle; in an ASYNC dispatch to itself, says so.
     */
    private static HttpServlet asyncStartedWithoutArguments() {
        return servlet((request, response) -> {
            if (request.getDispatcherType() == DispatcherType.ASYNC) {
                response.getWriter().write("ASYNC to the forward's target");
                return;
            }
            AsyncContext async = request.startAsync();
            if ("later".equals(request.getParameter("dispatch"))) {
                async.start(async::dispatch);
            } else {
                async.dispatch();
            }
        });
    }

    /**
     * As {@link #asyncStartedWithoutArguments()}, with the cycle started with the request and response the servlet was
     * given: {@code startAsync(request, response)}.
     */
    private static HttpServlet asyncStartedWithArguments() {
        return servlet((request, response) -> {
            if (request.getDispatcherType() == DispatcherType.ASYNC) {
                response.getWriter().write("ASYNC to the forward's target");
                return;
            }
            AsyncContext async = request.startAsync(request, response);
            if ("later".equals(request.getParameter("dispatch"))) {
                async.start(async::dispatch);
            } else {
                async.dispatch();
            }
        });
    }

    @Test
    void rendersPageForUpstreamFailureThrownByAsyncDispatch() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/async-dispatch"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertNoLeak(response);
    }

    /**
     * Servlet 6.0 §9.3: an included servlet cannot change the status. Tomcat ignores it through a wrapper it puts
     * under the filter's: the filter took the included 503 and 502 for the application's and answered with the page.
     */
    @Test
    void leavesStatusesAnIncludedServletSetsToTheContainerWhichIgnoresThem() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/including"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("before;included;after");
    }

    /**
     * Servlet 6.1's sendRedirect overloads (Tomcat 11) went past the filter's wrapper: the captured 503 stayed, and
     * the filter's page could not replace the redirect Tomcat had committed, so the client got Tomcat's 500 report.
     */
    @Test
    void redirectOfServlet61AfterCapturedStatusIsTheApplicationsAnswer() {
        for (String variant : List.of("with-status", "keeping-buffer", "with-status-and-buffer")) {
            HttpResponse<byte[]> response = Client.get(tomcat.uri("/redirect-after-status/" + variant), JSON);

            assertThat(response.statusCode()).as(variant).isEqualTo(variant.equals("keeping-buffer") ? 302 : 303);
            assertThat(response.headers().firstValue("Location")).as(variant).hasValueSatisfying(
                    location -> assertThat(location).endsWith("/elsewhere"));
        }
    }

    /** A status the filter does not intercept goes to Tomcat as the application sent it, message and all. */
    @Test
    void passesTheMessageOfANotInterceptedSendErrorOnToTomcat() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/send-error-404-with-message"), Client.BROWSER_ACCEPT);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Client.text(response)).contains("no such order 42");
    }

    /**
     * Tomcat 11 suspends the response when a forward returns: the filter, mapped for FORWARD as documented, answers a
     * status the forward's target set before that. (It answered when the request's chain returned, found the response
     * committed, and aborted it: the client got Tomcat's 500 report.) An exception thrown by the target is answered
     * as one thrown by the servlet that forwarded.
     */
    @Test
    void rendersPageForStatusSetByTheTargetOfAForward() throws IOException {
        HttpResponse<byte[]> get = Client.send("GET", tomcat.uri("/forward/send-error-503"), JSON, "X-Request-Id", "fw-1");
        HttpResponse<byte[]> head = Client.send("HEAD", tomcat.uri("/forward/send-error-503"), JSON, "X-Request-Id", "fw-1");

        assertErrorPage(get, "GET", 503, "45");
        assertOnePage(get);
        assertThat(Client.text(get)).doesNotContain("billing-internal");
        assertErrorPage(head, "HEAD", 503, "45");
        assertSameHeaders(head, get);
        HttpResponse<byte[]> thrown = Client.get(tomcat.uri("/forward/upstream-failure"), JSON);
        assertErrorPage(thrown, "GET", 502, "10");
        assertNoLeak(thrown);
    }

    /** R27 after a forward too: the client asked for /robots.txt, whichever servlet set the 503. */
    @Test
    void answersRobotsTxtWithPlainText503() {
        HttpResponse<byte[]> response = Client.get(tomcat.uri("/robots.txt"), Client.BROWSER_ACCEPT);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(PageAssertions.contentType(response)).isEqualTo("text/plain;charset=utf-8");
    }

    /**
     * A request stream or reader read after the application closed it fails with Tomcat's {@code IOException}
     * "Stream closed", which the classifier would read as a closed upstream connection: it is the request's own stream, so
     * Tomcat answers with its 500, not the filter with a 502 page blaming an upstream (R4). So for each of the reader's
     * methods that fail so, {@code ready()} and {@code reset()} too.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stream", "reader", "reader-by/read", "reader-by/read-chars", "reader-by/skip",
        "reader-by/ready", "reader-by/reset"})
    void failureOfTheRequestsOwnStreamIsLeftToTomcat(String read) throws IOException {
        HttpResponse<byte[]> response = Client.send("POST", tomcat.uri("/read-after-close/" + read), JSON);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("not the filter's page").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletForwardsAndAnswersFailuresOnTomcatToo(ProxyTransport transport) throws IOException {
        String suffix = "-" + transport.name().toLowerCase(Locale.ROOT);
        upstream.clearRequests();

        HttpResponse<byte[]> forwarded = Client.get(tomcat.uri("/proxy" + suffix + "/orders/42"), JSON);
        assertThat(forwarded.statusCode()).isEqualTo(200);
        assertThat(Client.text(forwarded)).isEqualTo("order 42");
        HttpResponse<byte[]> posted = Client.send("POST", tomcat.uri("/proxy" + suffix + "/orders"), JSON);
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(upstream.requests()).extracting(FaultyUpstream.RecordedRequest::target)
                .containsExactly("/orders/42", "/orders");
        assertThat(upstream.requests().get(1).bodyText()).isEqualTo("order=42&note=urgent");

        // Answered once: by the servlet (with the JETTY transport on the ASYNC dispatch), not again by the filter.
        for (String accept : List.of(JSON, Client.BROWSER_ACCEPT)) {
            HttpResponse<byte[]> failed = Client.get(tomcat.uri("/dead" + suffix + "/orders/42"), accept);
            assertErrorPage(failed, "GET", 502, "10");
            assertOnePage(failed);
            assertNoLeak(failed);
        }
        assertThat(Client.text(Client.get(tomcat.uri("/dead" + suffix + "/orders/42"), JSON)))
                .contains("connection_refused");
    }

    /**
     * Tomcat strips path parameters and decodes before it resolves dot segments, and merges {@code //}, so
     * {@code /confined/a/..;/..;/confined/b} is mapped to the proxy with the path {@code /b}. The proxy forwards
     * that path under the endpoint's base path, {@code /api/b}; forwarded raw after the mapping's prefix,
     * {@code /api/a/..;/..;/confined/b} would be {@code /confined/b} to an upstream that resolves it as Tomcat
     * does: out of the base path. Each target, sent as written (HTTP clients resolve dot segments before they
     * send), is either forwarded so or refused by Tomcat.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletForwardsNoPathOutOfTheEndpointsBasePathOnTomcat(ProxyTransport transport) throws IOException {
        String mapping = "/confined-" + transport.name().toLowerCase(Locale.ROOT);
        Map<String, String> forwarded = new LinkedHashMap<>();
        forwarded.put(mapping + "/a/../.." + mapping + "/b", "/api/b");
        forwarded.put(mapping + "/a/..;/..;" + mapping + "/b", "/api/b");
        forwarded.put(mapping + "/a/..;v=1/..;v=2" + mapping + "/b", "/api/b");
        forwarded.put(mapping + "/a/%2e%2e/%2E%2E" + mapping + "/b", "/api/b");
        // Tomcat merges "//" first: "//x/../admin" is "/admin" to it, and so to the upstream; resolved by RFC 3986
        // rules alone it would be "//admin", and "/internal//../public/x" would be "/internal/public/x".
        forwarded.put(mapping + "//x/../admin", "/api/admin");
        forwarded.put(mapping + "/internal//../public/x", "/api/public/x");
        forwarded.put(mapping + "?x=1", "/api?x=1");

        for (Map.Entry<String, String> target : forwarded.entrySet()) {
            upstream.clearRequests();
            int status = rawGet(target.getKey());
            if (status == 200) {
                assertThat(upstream.requests()).as(target.getKey()).extracting(FaultyUpstream.RecordedRequest::target)
                        .containsExactly(target.getValue());
            } else {
                assertThat(upstream.requests()).as(target.getKey() + " answered " + status).isEmpty();
            }
        }
        upstream.clearRequests();
        assertThat(rawGet(mapping + "/a/..;/..;" + mapping + "/b")).as("Tomcat maps it to the proxy").isEqualTo(200);
    }

    /**
     * With Tomcat's {@code encodedSolidusHandling="passthrough"}, which operators switch on for identifiers that
     * hold a {@code /}, {@code /a%2Fb} is one segment to the application and goes to the upstream as the client
     * wrote it, not encoded again as {@code %252F} (another resource). A dot segment behind an encoded slash
     * ({@code /..%2F..%2Fadmin}) is encoded again: an upstream that decodes {@code %2F} before it resolves dot
     * segments would take it out of the endpoint's base path (R37's confinement, as in the test above). Behind an
     * empty segment ({@code /ids//a%2Fb}) or the parameters of the mapping's own segment ({@code /ids;v=1/a%2Fb})
     * too: Tomcat's decoded view was forwarded then, encoded again, {@code %2F} as {@code %252F}. So was any path with
     * an encoded {@code %}, which Tomcat leaves encoded under passthrough.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletForwardsAnEncodedSlashAsWrittenWhereTomcatPassesItThrough(ProxyTransport transport)
            throws IOException {
        try (TomcatServer passthrough = TomcatServer.inCode().encodedSolidusHandling("passthrough")
                .servlet("/ids/*", proxy("ids", upstream.uri().resolve("/api"), transport)).start()) {
            Map<String, String> forwarded = new LinkedHashMap<>();
            forwarded.put("/ids/a%2Fb", "/api/a%2Fb");
            // Tomcat merges an empty segment; the mapping's own parameters are the gateway's: the rest as written
            forwarded.put("/ids//a%2Fb", "/api/a%2Fb");
            forwarded.put("/ids;v=1/a%2Fb", "/api/a%2Fb");
            forwarded.put("/ids//k%2Bv%3D1", "/api/k%2Bv%3D1");
            forwarded.put("/ids/orders/a%2fb%20c?x=1", "/api/orders/a%2fb%20c?x=1");
            forwarded.put("/ids/..%2F..%2Fadmin", "/api/..%252F..%252Fadmin");
            forwarded.put("/ids/x%2F..%2F..%2Fadmin", "/api/x%252F..%252F..%252Fadmin");
            // Tomcat keeps an encoded % too: it was encoded again, 100% as 100%2525, another resource
            forwarded.put("/ids/100%25/x", "/api/100%25/x");
            forwarded.put("/ids/a%2Fb%25", "/api/a%2Fb%25");
            forwarded.put("/ids/a%2541", "/api/a%2541");

            assertForwardedAsWritten(passthrough, forwarded, "");
        }
    }

    /**
     * Tomcat 11 keeps an encoded backslash under its encodedReverseSolidusHandling="passthrough", and an encoded %
     * with it: such a path was encoded again whole (%2F as %252F, %5C as %255C, %25 as %2525), another resource.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletForwardsAnEncodedBackslashAsWrittenWhereTomcatPassesItThrough(ProxyTransport transport)
            throws IOException {
        for (String solidus : List.of("passthrough", "decode")) {
            try (TomcatServer passthrough = TomcatServer.inCode().encodedSolidusHandling(solidus)
                    .encodedReverseSolidusHandling("passthrough")
                    .servlet("/ids/*", proxy("ids", upstream.uri().resolve("/api"), transport)).start()) {
                Map<String, String> forwarded = new LinkedHashMap<>();
                forwarded.put("/ids/a%5Cb", "/api/a%5Cb");
                forwarded.put("/ids/100%25%5C", "/api/100%25%5C");
                if (solidus.equals("passthrough")) {
                    forwarded.put("/ids/a%2Fb%5Cc", "/api/a%2Fb%5Cc");
                }
                forwarded.put("/ids/..%5C..%5Cadmin", "/api/..%255C..%255Cadmin");

                assertForwardedAsWritten(passthrough, forwarded, solidus + " ");
            }
        }
    }

    /** Sends a GET for each target as written and checks the target the upstream got. */
    private static void assertForwardedAsWritten(TomcatServer server, Map<String, String> forwarded, String label)
            throws IOException {
        for (Map.Entry<String, String> target : forwarded.entrySet()) {
            upstream.clearRequests();
            int status = raw(server, "GET " + target.getKey() + " HTTP/1.1\r\nHost: shop.example\r\n"
                    + "Connection: close\r\n\r\n").getStatus();
            assertThat(status).as(label + target.getKey()).isEqualTo(200);
            assertThat(upstream.requests()).as(label + target.getKey())
                    .extracting(FaultyUpstream.RecordedRequest::target).containsExactly(target.getValue());
        }
    }

    /** Sends a GET for a target as written: the JDK's client would resolve its dot segments first. */
    private static int rawGet(String target) throws IOException {
        return raw("GET " + target + " HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n").getStatus();
    }

    /** Sends a request as written, on a connection of its own, and reads the response to the end of the connection. */
    private static HttpTester.Response raw(String request) throws IOException {
        return raw(tomcat, request);
    }

    private static HttpTester.Response raw(TomcatServer server, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            byte[] response = socket.getInputStream().readAllBytes();
            return HttpTester.parseResponse(new String(response, StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * What of RFC 9110 §7.6.2 and RFC 9112 §6.1 is left to the proxy on Tomcat 11: Tomcat refuses TRACE itself
     * (405: its connector's {@code allowTrace} is off by default), CONNECT (501) and a transfer coding other than
     * chunked (501), so none of them reaches the proxy or the upstream. OPTIONS with {@code Max-Forwards: 0} reaches the proxy, which
     * answers it as the final recipient instead of forwarding it; with 1 it is forwarded with 0.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletForwardsNoTraceNoUnknownTransferCodingAndNoOptionsOutOfHopsOnTomcat(ProxyTransport transport)
            throws IOException {
        String path = "/proxy-" + transport.name().toLowerCase(Locale.ROOT) + "/orders/42";
        upstream.clearRequests();

        assertThat(raw("TRACE " + path + " HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n")
                .getStatus()).isEqualTo(405);
        assertThat(raw("CONNECT shop.example:443 HTTP/1.1\r\nHost: shop.example:443\r\nConnection: close\r\n\r\n")
                .getStatus()).isEqualTo(501);
        assertThat(raw("POST " + path + " HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: gzip, chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n").getStatus()).isEqualTo(501);
        HttpTester.Response options = raw("OPTIONS " + path + " HTTP/1.1\r\nHost: shop.example\r\n"
                + "Max-Forwards: 0\r\nConnection: close\r\n\r\n");
        assertThat(options.getStatus()).isEqualTo(200);
        assertThat(options.get("Allow")).isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        assertThat(options.get("Content-Length")).isEqualTo("0");
        assertThat(upstream.requests()).isEmpty();

        assertThat(raw("OPTIONS " + path + " HTTP/1.1\r\nHost: shop.example\r\nMax-Forwards: 1\r\n"
                + "Connection: close\r\n\r\n").getStatus()).isEqualTo(200);
        assertThat(upstream.requests()).singleElement()
                .satisfies(forwarded -> assertThat(forwarded.headers()).containsEntry("max-forwards", "0"));
    }

    /**
     * RFC 9112 §6.1 on Tomcat 11: an HTTP/1.0 request with {@code Transfer-Encoding} has faulty framing, and the
     * connection MUST close after it. Tomcat decodes the chunked body and keeps the connection: the upload went to the
     * upstream and the request pipelined after it too, two 200s on one connection. The proxy answers 400 itself, with
     * {@code Connection: close}, behind the filter as ever: Tomcat closes the connection after it, the pipelined
     * request unanswered, nothing forwarded, the guard counting no call.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletAnswersAnHttp10RequestWithATransferEncodingWithBadRequestAndClosesTheConnectionOnTomcat(
            ProxyTransport transport) {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
            try (TomcatServer tomcat = TomcatServer.inCode()
                    .filter(ErrorPagesFilter.builder().build())
                    .servlet("/orders/*", ReverseProxyServlet.builder(guard).transport(transport).build())
                    .start()) {
                Client.RawAnswer answer = Client.rawAnswer(tomcat.uri("/").getPort(), "POST /orders/42 HTTP/1.0\r\n"
                        + "Host: shop.example\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n"
                        + "GET /orders/42 HTTP/1.0\r\nHost: shop.example\r\nConnection: keep-alive\r\n\r\n");

                assertThat(answer.reset()).as("the connection closed, not reset").isFalse();
                assertThat(answer.text()).as("one answer, the pipelined request unanswered")
                        .containsOnlyOnce("HTTP/1.");
                HttpTester.Response response = HttpTester.parseResponse(answer.text());
                assertThat(response.getStatus()).isEqualTo(400);
                assertThat(response.get("Connection")).isEqualTo("close");
                assertThat(response.get("Cache-Control")).isEqualTo("no-store");
                assertThat(response.get("Content-Length")).isEqualTo("0");
                assertThat(response.getContent()).isEmpty();
                assertThat(upstream.connectionCount()).as("nothing forwarded").isZero();
                assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
            }
        }
    }

    /**
     * Tomcat refuses a response head over its {@code maxHttpResponseHeaderSize} (8 KiB) with its own 500 and
     * error report: the proxy's limit, 7 KiB by default, answers such an upstream head with the page instead
     * (R36), and relays one up to it, which Tomcat then sends with its own fields added.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletAnswersResponseHeadOverTomcatsLimitWithPage(ProxyTransport transport) {
        String suffix = "-" + transport.name().toLowerCase(Locale.ROOT);

        HttpResponse<byte[]> relayed = Client.get(tomcat.uri("/heads" + suffix + "/head/7000"), JSON);
        assertThat(relayed.statusCode()).isEqualTo(200);
        assertThat(relayed.headers().firstValue("X-Padding").orElse("")).hasSize(6900);
        for (String accept : List.of(JSON, Client.BROWSER_ACCEPT)) {
            HttpResponse<byte[]> refused = Client.get(tomcat.uri("/heads" + suffix + "/head/10000"), accept);
            assertErrorPage(refused, "GET", 502, "10");
            assertOnePage(refused);
            assertNoLeak(refused, "Exception", "Tomcat");
            assertThat(refused.headers().firstValue("X-Padding")).isEmpty();
        }
        assertThat(Client.text(Client.get(tomcat.uri("/heads" + suffix + "/head/10000"), JSON)))
                .contains("http_response_header_section_size");

        int limit = ReverseProxyServlet.DEFAULT_MAX_RESPONSE_HEADER_SIZE;
        HttpResponse<byte[]> atTheLimit = Client.get(tomcat.uri("/heads" + suffix + "/exact/" + limit), JSON);
        HttpResponse<byte[]> overIt = Client.get(tomcat.uri("/heads" + suffix + "/exact/" + (limit + 1)), JSON);
        assertThat(atTheLimit.statusCode()).as("relayed, and sent by Tomcat with its own fields").isEqualTo(200);
        assertThat(atTheLimit.headers().firstValue("X-Padding").orElse("")).hasSize(limit - 75);
        assertThat(overIt.statusCode()).isEqualTo(502);
        assertThat(Client.text(overIt)).contains("http_response_header_section_size");

        // Within the limit as received, over Tomcat's as relayed, the hosts of its Via hidden: counted as relayed.
        // It was relayed, and Tomcat answered its bare 500 (the JDK transport) or closed the connection (Jetty's).
        HttpResponse<byte[]> grown = Client.get(tomcat.uri("/heads" + suffix + "/via/6900"), JSON);
        assertErrorPage(grown, "GET", 502, "10");
        assertThat(Client.text(grown)).contains("http_response_header_section_size");
    }

    /**
     * Bodies larger than Tomcat's buffers, both ways: the JETTY transport writes the response and reads the
     * streamed upload (larger than the replay buffer, a POST) without blocking, through Tomcat's listeners.
     */
    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void proxyServletStreamsLargeBodiesBothWaysOnTomcat(ProxyTransport transport) throws Exception {
        String suffix = "-" + transport.name().toLowerCase(Locale.ROOT);

        HttpResponse<byte[]> download = Client.get(tomcat.uri("/large" + suffix + "/archive.bin"), "*/*");
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).hasSize(LARGE).containsOnly((byte) 'x');

        upstream.clearRequests();
        String upload = "line of the order\n".repeat(20_000);
        HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                tomcat.uri("/proxy" + suffix + "/orders")).POST(HttpRequest.BodyPublishers.ofString(upload)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(upstream.requests()).hasSize(1);
        assertThat(upstream.requests().get(0).bodyText()).isEqualTo(upload);
    }

    /**
     * An application undeployed with a request forwarded by the JETTY transport still in flight: destroying the
     * servlet stops its client and cuts the exchange off, and the failure was answered by an {@code ASYNC}
     * dispatch into the unmapped context, which Tomcat answered with its own 500 (logging an NPE "Error during
     * mapping"). The client gets the page, written before the servlet's destroy() returns.
     */
    @Test
    void proxyServletAnswersARequestInFlightWhenTheApplicationIsUndeployed() throws Exception {
        assertRequestInFlightAnsweredAtUndeploy((proxy, answered) -> proxy);
    }

    /**
     * The same, when Tomcat ends the request's asynchronous cycle before it destroys the servlet: it times out the
     * cycles of a context it stops, although the proxy's has no timeout, and answered with its own 500 page (the
     * exception report) unless a listener completed the cycle. Here the servlet's destruction waits for the client's
     * answer, so that Tomcat's timeout surely comes first.
     */
    @Test
    void proxyServletAnswersARequestInFlightWhoseCycleTomcatEndsAtUndeploy() throws Exception {
        assertRequestInFlightAnsweredAtUndeploy(TomcatIntegrationTests::destroyedAfterAnswering);
    }

    /**
     * The same, when the upstream's head came and a client thread writes it into the response (held here in the
     * response's {@code setStatus}) as Tomcat ends the request's cycle at undeploy: the page waits until the relay,
     * ended, left the response, and is then written in its place (R1, R21: the upstream's 200 never goes out as the
     * answer); the upstream's exchange is closed. Written at once, on the container's thread, it raced the relay's
     * writes into a response that is not thread-safe, the upstream's status and fields mixed with the page's, and the
     * cycle completed under the relay, which then wrote into an ended request. Every touch of the response is recorded
     * with its thread: none by another thread while the relay writes, none of the relay's after the page's first.
     */
    @Test
    void aCycleTomcatEndsAtUndeployWhileTheRelayWritesTheHeadIsAnsweredOnceTheRelayLeftTheResponse() throws Exception {
        CountDownLatch closedByProxy = new CountDownLatch(1);
        CountDownLatch relaying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> relay = new AtomicReference<>();
        AtomicReference<String> raced = new AtomicReference<>();
        List<String> touches = new CopyOnWriteArrayList<>();
        CompletableFuture<HttpResponse<byte[]>> inFlight = new CompletableFuture<>();
        CompletableFuture<Void> undeploying = CompletableFuture.completedFuture(null);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: relayed\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            if (exchange.awaitClosedByClient(Duration.ofSeconds(30))) {
                closedByProxy.countDown();
            }
        });
                TomcatServer undeployed = TomcatServer.inCode()
                        .servlet("/proxy/*", destroyedAfterAnswering(
                                proxy("undeployed", upstream.uri(), ProxyTransport.JETTY), inFlight))
                        .filter("touches", (request, response, chain) -> chain.doFilter(request,
                                new ThreadRecordingResponse((HttpServletResponse) response, touches, relay, raced,
                                        relaying, release)))
                        .start()) {
            try {
                CompletableFuture.runAsync(() -> inFlight.complete(Client.get(undeployed.uri("/proxy/orders/42"),
                                JSON)), OWN_THREAD)
                        .exceptionally(failed -> {
                            inFlight.completeExceptionally(failed);
                            return null;
                        });
                assertThat(relaying.await(10, TimeUnit.SECONDS)).as("the relay writes the head").isTrue();

                undeploying = CompletableFuture.runAsync(undeployed::undeploy, OWN_THREAD);

                // Either the container's thread waits for the relay in the cycle's timeout, or it raced it.
                Await.until(() -> raced.get() != null || Thread.getAllStackTraces().entrySet().stream().anyMatch(
                        thread -> thread.getKey().getState() == Thread.State.TIMED_WAITING
                                && Arrays.stream(thread.getValue()).anyMatch(
                                        frame -> frame.getMethodName().equals("answerCycleEndedByContainer"))),
                        "the container's thread waits for the relay, or races it");
            } finally {
                release.countDown();
            }
            HttpResponse<byte[]> response = inFlight.get(20, TimeUnit.SECONDS);
            undeploying.get(20, TimeUnit.SECONDS);

            assertThat(raced.get()).as("a touch of the response by a second thread while the relay wrote; all: %s",
                    touches).isNull();
            assertErrorPage(response, "GET", 503, "\\d+");
            assertOnePage(response);
            assertNoLeak(response);
            assertThat(Client.text(response)).contains("connection_limit_reached");
            assertThat(response.headers().firstValue("X-Upstream")).as("the relayed head's field").isEmpty();
            assertThat(closedByProxy.await(10, TimeUnit.SECONDS)).as("the upstream connection closed").isTrue();
            String relayName = relay.get().getName();
            int firstOfThePage = 0;
            while (firstOfThePage < touches.size() && touches.get(firstOfThePage).startsWith(relayName + ": ")) {
                firstOfThePage++;
            }
            assertThat(touches.subList(firstOfThePage, touches.size())).as("the page's touches, after all the relay's")
                    .isNotEmpty().noneMatch(touch -> touch.startsWith(relayName + ": "));
        } finally {
            release.countDown();
        }
    }

    /**
     * The relay held inside a blocking write of the body (one that fits Tomcat's buffer, written so; held here in the
     * stream's {@code write}, as a client that reads nothing holds it) as Tomcat ends the request's cycle at undeploy:
     * Tomcat's thread waits for the relay at most 2 s (without the bound it waited for as long as the relay was held,
     * and the client with it), then ends the response and completes the cycle while the relay is still held. The
     * client gets nothing, the connection closed: left as it was, Tomcat answered with its own 500 error report under
     * the upstream's fields (X-Upstream, and a Content-Length: 4000 its report did not have), a page that was not the
     * proxy's (R5: nothing is sent as what it is not). The cycle is completed all the same: a listener of a filter in
     * front hears {@code onComplete}, and the context counts no request in progress (left open, its every later stop
     * waited its whole {@code unloadDelay}). The relay, let go then, ends the upstream's exchange, its connection closed
     * by the proxy before the servlet is destroyed, and no other thread touches the response while the relay writes
     * it.
     */
    @Test
    void aCycleTomcatEndsAtUndeployWhileTheRelayIsHeldInABlockingBodyWriteEndsItsConnectionAfterTheBoundedWait()
            throws Exception {
        CountDownLatch destroying = new CountDownLatch(1);
        CompletableFuture<Boolean> closedBeforeDestroy = new CompletableFuture<>();
        CountDownLatch completed = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> relay = new AtomicReference<>();
        AtomicReference<String> raced = new AtomicReference<>();
        List<String> touches = new CopyOnWriteArrayList<>();
        CompletableFuture<Client.RawAnswer> inFlight = new CompletableFuture<>();
        CompletableFuture<Void> undeploying = CompletableFuture.completedFuture(null);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: relayed\r\n"
                    + "Content-Length: 4000\r\n\r\n" + "x".repeat(1000));
            closedBeforeDestroy.complete(exchange.awaitClosedByClient(Duration.ofSeconds(30))
                    && destroying.getCount() > 0);
        });
                TomcatServer undeployed = TomcatServer.inCode()
                        .servlet("/proxy/*", destroyedAfter(proxy("undeployed", upstream.uri(), ProxyTransport.JETTY),
                                CompletableFuture.allOf(inFlight, closedBeforeDestroy), destroying))
                        .filter("touches", (request, response, chain) -> {
                            chain.doFilter(request, new ThreadRecordingResponse((HttpServletResponse) response,
                                    touches, relay, raced, writing, release, Hold.BODY_WRITE));
                            if (request.isAsyncStarted()) {
                                request.getAsyncContext().addListener(new CycleListener(() -> { },
                                        completed::countDown));
                            }
                        })
                        .start()) {
            try {
                sendOnAThreadOfItsOwn(undeployed.uri("/").getPort(), "GET /proxy/orders/42", inFlight);
                assertThat(writing.await(10, TimeUnit.SECONDS)).as("the relay writes the body").isTrue();

                undeploying = CompletableFuture.runAsync(undeployed::undeploy, OWN_THREAD);

                // Either the container's thread waits for the relay in the cycle's timeout, or it raced it.
                Await.until(() -> raced.get() != null || Thread.getAllStackTraces().entrySet().stream().anyMatch(
                        thread -> thread.getKey().getState() == Thread.State.TIMED_WAITING
                                && Arrays.stream(thread.getValue()).anyMatch(
                                        frame -> frame.getMethodName().equals("answerCycleEndedByContainer"))),
                        "the container's thread waits for the relay, or races it");
                // The relay still held in its write: the bound, not the relay, ends Tomcat's wait.
                assertThat(completed.await(10, TimeUnit.SECONDS)).as("the cycle's listener heard onComplete")
                        .isTrue();
                assertThat(inFlight.get(20, TimeUnit.SECONDS).text())
                        .as("nothing of a response: neither the upstream's head nor Tomcat's 500 report").isEmpty();
            } finally {
                release.countDown();
            }
            undeploying.get(20, TimeUnit.SECONDS);

            Await.until(() -> undeployed.inProgressAsyncRequests() == 0,
                    "the context counts no asynchronous request in progress");
            assertThat(closedBeforeDestroy.get(20, TimeUnit.SECONDS))
                    .as("the proxy closed the upstream connection before it was destroyed").isTrue();
            assertThat(raced.get()).as("a touch of the response by a second thread while the relay wrote; all: %s",
                    touches).isNull();
            String relayName = relay.get().getName();
            assertThat(touches).as("every touch of the response is the relay's").isNotEmpty()
                    .allMatch(touch -> touch.startsWith(relayName + ": "));
        } finally {
            release.countDown();
        }
    }

    /**
     * The relay turns to writing without blocking (a stream's head, whose write listener it sets) just as Tomcat's
     * thread times out the request's cycle at undeploy, holding the connection's lock (made certain here by a listener
     * of a filter in front, registered first, which lets the relay on from the cycle's timeout and waits until the
     * relay's thread waits for that lock in Tomcat's {@code setWriteListener}). Tomcat dispatches the relay's first
     * write only once that thread let go of the connection, so a wait for the relay there lasted the whole 2 s, and
     * without the bound for good, the two threads each waiting for the other: Tomcat's thread never waits for it, and
     * the undeploy ends. The client gets nothing, the connection closed: left as it was, Tomcat answered with its own
     * 500 error report under the upstream's field (X-Upstream), a response that looked whole. The cycle is completed
     * all the same: the filter's listener hears {@code onComplete}, and the context counts no request in progress
     * (left open, its every later stop waited its whole {@code unloadDelay}). The proxy closes the upstream's exchange
     * before it is destroyed, and no other thread touches the response while the relay writes its head.
     */
    @Test
    void aCycleTomcatEndsAtUndeployAsTheRelayTurnsToWritingWithoutBlockingEndsItsConnectionWithoutWaitingForTheRelay()
            throws Exception {
        CountDownLatch destroying = new CountDownLatch(1);
        CompletableFuture<Boolean> closedBeforeDestroy = new CompletableFuture<>();
        CountDownLatch completed = new CountDownLatch(1);
        CountDownLatch relaying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch proxysListenerDone = new CountDownLatch(1);
        AtomicReference<Thread> relay = new AtomicReference<>();
        AtomicReference<String> raced = new AtomicReference<>();
        AtomicReference<String> timedOutBy = new AtomicReference<>();
        AtomicBoolean relayWaitsForTheConnection = new AtomicBoolean();
        AtomicReference<String> waited = new AtomicReference<>();
        List<String> touches = new CopyOnWriteArrayList<>();
        CompletableFuture<Client.RawAnswer> inFlight = new CompletableFuture<>();
        AsyncListener first = new CycleListener(() -> {
            Thread timingOut = Thread.currentThread();
            timedOutBy.set(Arrays.toString(timingOut.getStackTrace()));
            release.countDown();
            relayWaitsForTheConnection.set(waitsInTomcatsSetWriteListener(relay.get(), Duration.ofSeconds(10)));
            // From here until the listener after the proxy's: does this thread wait for the relay in between?
            Thread watcher = new Thread(() -> {
                while (proxysListenerDone.getCount() > 0) {
                    StackTraceElement[] stack = timingOut.getStackTrace();
                    if (Arrays.stream(stack).anyMatch(frame -> frame.getMethodName().equals("awaitOutcome"))) {
                        waited.compareAndSet(null, Arrays.toString(stack));
                    }
                    pollAgainShortly();
                }
            }, "awaitOutcome-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }, completed::countDown);
        AsyncListener last = new CycleListener(proxysListenerDone::countDown, () -> { });
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Upstream: relayed\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            closedBeforeDestroy.complete(exchange.awaitClosedByClient(Duration.ofSeconds(30))
                    && destroying.getCount() > 0);
        });
                TomcatServer undeployed = TomcatServer.inCode()
                        .servlet("/proxy/*", destroyedAfter(proxy("undeployed", upstream.uri(), ProxyTransport.JETTY),
                                CompletableFuture.allOf(inFlight, closedBeforeDestroy), destroying))
                        .filter("front", (request, response, chain) -> {
                            if (request.getDispatcherType() != DispatcherType.REQUEST) {
                                chain.doFilter(request, response);
                                return;
                            }
                            // The cycle the proxy takes (as a framework's filter may start it), with a listener before
                            // the proxy's and one after.
                            AsyncContext cycle = request.startAsync();
                            cycle.addListener(first);
                            chain.doFilter(request, new ThreadRecordingResponse((HttpServletResponse) response,
                                    touches, relay, raced, relaying, release, Hold.HEAD));
                            cycle.addListener(last);
                        })
                        .start()) {
            try {
                sendOnAThreadOfItsOwn(undeployed.uri("/").getPort(), "GET /proxy/events", inFlight);
                assertThat(relaying.await(10, TimeUnit.SECONDS)).as("the relay writes the head").isTrue();

                CompletableFuture.runAsync(undeployed::undeploy, OWN_THREAD).get(20, TimeUnit.SECONDS);
            } finally {
                release.countDown();
                proxysListenerDone.countDown();
            }
            Client.RawAnswer answer = inFlight.get(20, TimeUnit.SECONDS);

            assertThat(timedOutBy.get()).as("the cycle timed out on a thread processing the connection")
                    .contains("SocketProcessorBase.run");
            assertThat(relayWaitsForTheConnection).as("the relay's thread waited in Tomcat's setWriteListener for the "
                    + "connection the timing-out thread held; touches: %s", touches).isTrue();
            assertThat(waited.get()).as("the container's thread waited for the relay").isNull();
            assertThat(answer.text()).as("nothing of a response: neither the upstream's head nor Tomcat's 500 report")
                    .isEmpty();
            assertThat(completed.await(10, TimeUnit.SECONDS)).as("the cycle's listener heard onComplete").isTrue();
            Await.until(() -> undeployed.inProgressAsyncRequests() == 0,
                    "the context counts no asynchronous request in progress");
            assertThat(closedBeforeDestroy.get(20, TimeUnit.SECONDS))
                    .as("the proxy closed the upstream connection before it was destroyed").isTrue();
            assertThat(raced.get()).as("a touch of the response by a second thread while the relay wrote; all: %s",
                    touches).isNull();
        } finally {
            release.countDown();
            proxysListenerDone.countDown();
        }
    }

    /**
     * Whether {@code thread} comes to wait, within {@code limit}, inside Tomcat's own {@code setWriteListener} (a frame
     * of Tomcat's, not the test's wrapper around it): for the lock of a connection another thread holds.
     */
    private static boolean waitsInTomcatsSetWriteListener(Thread thread, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() - end < 0) {
            Thread.State state = thread.getState();
            if ((state == Thread.State.BLOCKED || state == Thread.State.WAITING)
                    && Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getClassName()
                            .startsWith("org.apache.") && frame.getMethodName().equals("setWriteListener"))) {
                return true;
            }
            pollAgainShortly();
        }
        return false;
    }

    /** A pause of about a millisecond between two looks at another thread: polling, not a wait for it. */
    private static void pollAgainShortly() {
        Thread.onSpinWait();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** An {@link AsyncListener} that runs {@code onTimeout} at the cycle's timeout, {@code onComplete} at its end. */
    private static final class CycleListener implements AsyncListener {
        private final Runnable onTimeout;
        private final Runnable onComplete;

        CycleListener(Runnable onTimeout, Runnable onComplete) {
            this.onTimeout = onTimeout;
            this.onComplete = onComplete;
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            onTimeout.run();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            onComplete.run();
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }

    /** Where a {@link ThreadRecordingResponse} holds the relay. */
    private enum Hold {
        /** In the {@code setStatus(200)} of the upstream's head: the first thread to set it. */
        HEAD,
        /** In the first write of the body to the response's stream: the first thread to make one. */
        BODY_WRITE
    }

    /**
     * A response that records every touch of it with its thread ({@code "thread: what"}), holds the relay where told
     * until {@code release}, and records in {@code raced} the first touch by another thread meanwhile. Its stream
     * records its writes too, and the write listener set on it (the relay turns to writing without blocking).
     */
    private static final class ThreadRecordingResponse extends TouchRecordingResponse {
        private final List<String> touches;
        private final AtomicReference<Thread> relay;
        private final AtomicReference<String> raced;
        private final CountDownLatch relaying;
        private final CountDownLatch release;
        private final Hold hold;

        ThreadRecordingResponse(HttpServletResponse response, List<String> touches, AtomicReference<Thread> relay,
                AtomicReference<String> raced, CountDownLatch relaying, CountDownLatch release) {
            this(response, touches, relay, raced, relaying, release, Hold.HEAD);
        }

        ThreadRecordingResponse(HttpServletResponse response, List<String> touches, AtomicReference<Thread> relay,
                AtomicReference<String> raced, CountDownLatch relaying, CountDownLatch release, Hold hold) {
            super(response);
            this.touches = touches;
            this.relay = relay;
            this.raced = raced;
            this.relaying = relaying;
            this.release = release;
            this.hold = hold;
        }

        @Override
        protected void touched(String what) {
            Thread current = Thread.currentThread();
            touches.add(current.getName() + ": " + what);
            if (relay.get() != null && current != relay.get() && release.getCount() > 0) {
                raced.compareAndSet(null, what + " by " + current.getName() + " while the relay was held");
            }
        }

        /** Holds the relay, told already, until {@code release}. */
        private void holdTheRelay() {
            relaying.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void setStatus(int status) {
            if (hold == Hold.HEAD && status == 200 && relay.compareAndSet(null, Thread.currentThread())) {
                touched("setStatus(200)");
                holdTheRelay();
                ((HttpServletResponse) getResponse()).setStatus(status); // told already
                return;
            }
            super.setStatus(status);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            ServletOutputStream out = super.getOutputStream();
            return new ServletOutputStream() {
                @Override
                public boolean isReady() {
                    return out.isReady();
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    touched("setWriteListener");
                    out.setWriteListener(listener);
                }

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    touched("write(" + length + ")");
                    if (hold == Hold.BODY_WRITE && relay.compareAndSet(null, Thread.currentThread())) {
                        holdTheRelay();
                    }
                    out.write(bytes, offset, length);
                }

                @Override
                public void flush() throws IOException {
                    touched("flush()");
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    touched("close()");
                    out.close();
                }
            };
        }
    }

    /**
     * Undeploys an application while the JETTY transport's request waits for a stalling upstream; the page's log line
     * gives the exchange's attempts and time.
     *
     * @param mounted the servlet mounted for the proxy, given the future of the client's answer
     */
    private static void assertRequestInFlightAnsweredAtUndeploy(
            BiFunction<ReverseProxyServlet, Future<?>, HttpServlet> mounted) throws Exception {
        CompletableFuture<HttpResponse<byte[]>> inFlight = new CompletableFuture<>();
        try (FaultyUpstream stalls = FaultyUpstream.start(Behaviour.stall());
                TomcatServer undeployed = TomcatServer.inCode()
                        .servlet("/proxy/*", mounted.apply(proxy("undeployed", stalls.uri(), ProxyTransport.JETTY),
                                inFlight))
                        .filter(ErrorPagesFilter.builder().build())
                        .start()) {
            CompletableFuture.runAsync(() -> inFlight.complete(Client.get(undeployed.uri("/proxy/orders/42"), JSON)),
                            OWN_THREAD)
                    .exceptionally(failed -> {
                        inFlight.completeExceptionally(failed);
                        return null;
                    });
            assertThat(stalls.awaitRequests(1, Duration.ofSeconds(10))).as("the upstream has the request").isTrue();

            String log = StandardError.capture(() -> {
                undeployed.undeploy();
                inFlight.join();
            });

            HttpResponse<byte[]> response = inFlight.get(20, TimeUnit.SECONDS);
            assertErrorPage(response, "GET", 503, "30");
            assertOnePage(response);
            assertNoLeak(response);
            // The exchange's one attempt and its time, as the guard counted them, not a made-up attempts=1 with no
            // time (elapsed_ms=-) when Tomcat ended the cycle first.
            assertThat(log).containsPattern(
                    "cause=connection_limit_reached upstream=undeployed attempts=1 elapsed_ms=[0-9]+ ");
        }
    }

    /** The servlet, whose destruction waits (10 s at most) until the client has its answer. */
    private static HttpServlet destroyedAfterAnswering(ReverseProxyServlet proxy, Future<?> answered) {
        return destroyedAfter(proxy, answered, new CountDownLatch(1));
    }

    /**
     * Sends a request of the method and target given on a thread of its own, whose raw answer, or failure, completes
     * {@code answer}: for a test that undeploys the application while the request is in flight.
     */
    private static void sendOnAThreadOfItsOwn(int port, String methodAndTarget,
            CompletableFuture<Client.RawAnswer> answer) {
        CompletableFuture.runAsync(() -> answer.complete(Client.rawAnswer(port,
                methodAndTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")), OWN_THREAD)
                .exceptionally(failed -> {
                    answer.completeExceptionally(failed);
                    return null;
                });
    }

    /**
     * The servlet, whose destruction waits (10 s at most) until {@code awaited} is done, then counts
     * {@code destroying} down and destroys the proxy: what happened before is the proxy's doing, not its destruction's.
     */
    private static HttpServlet destroyedAfter(ReverseProxyServlet proxy, Future<?> awaited,
            CountDownLatch destroying) {
        return new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            public void init(ServletConfig config) throws ServletException {
                proxy.init(config);
            }

            @Override
            public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
                proxy.service(request, response);
            }

            @Override
            public void destroy() {
                try {
                    awaited.get(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // destroyed anyway: the test fails on what it waited for
                }
                destroying.countDown();
                proxy.destroy();
            }
        };
    }

    @Test
    void withTomcatsOwnCompressionOnThePageIsCompressedOnce() throws IOException {
        String[] browser = {"Accept-Encoding", "gzip, deflate, br"};
        HttpResponse<byte[]> text = Client.send("GET", tomcat.uri("/long-text"), "text/plain", browser);
        assertThat(text.headers().firstValue("Content-Encoding")).as("Tomcat's compression is at work").contains("gzip");

        HttpResponse<byte[]> page = Client.send("GET", tomcat.uri("/send-error-503"), Client.BROWSER_ACCEPT, browser);

        assertThat(page.statusCode()).isEqualTo(503);
        assertThat(page.headers().allValues("Content-Encoding")).containsExactly("gzip");
        assertThat(Client.gunzip(page.body())).startsWith("<!DOCTYPE html>");
    }

    @Test
    void readsInitParametersFromWebXml() {
        try (TomcatServer webApp = TomcatServer.webApp(webXml("""
                  <filter>
                    <filter-name>errorPages</filter-name>
                    <filter-class>io.github.errorpages.servlet.ErrorPagesFilter</filter-class>
                    <async-supported>true</async-supported>
                    <init-param><param-name>intercept-statuses</param-name><param-value>502, 503</param-value></init-param>
                    <init-param><param-name>retry-after.default.503</param-name><param-value>90s</param-value></init-param>
                  </filter>
                  <filter-mapping>
                    <filter-name>errorPages</filter-name>
                    <url-pattern>/*</url-pattern>
                    <dispatcher>REQUEST</dispatcher>
                    <dispatcher>ASYNC</dispatcher>
                  </filter-mapping>
                """)).start()) {
            assertErrorPage(Client.get(webApp.uri("/503"), JSON), "GET", 503, "90");
            HttpResponse<byte[]> notIntercepted = Client.get(webApp.uri("/504"), JSON);
            assertThat(notIntercepted.statusCode()).isEqualTo(504);
            assertThat(notIntercepted.headers().firstValue("X-Content-Type-Options")).isEmpty();
        }
    }

    /**
     * A web.xml that declares the filter without its class (a preliminary declaration, which the initializer's
     * registration completes) with an init-parameter a context parameter sets too: the container kept the
     * init-parameter and dropped the context parameter without a word. The start fails naming both.
     */
    @Test
    void initializerFailsStartupWhenAPreliminaryDeclarationSetsAParameterAContextParameterSets() {
        String log = catalinaLog(() -> {
            try (TomcatServer webApp = TomcatServer.webApp(webXml("""
                      <context-param>
                        <param-name>error-pages.auto-register</param-name><param-value>true</param-value>
                      </context-param>
                      <context-param>
                        <param-name>error-pages.retry-after.default.503</param-name><param-value>8s</param-value>
                      </context-param>
                      <filter>
                        <filter-name>errorPagesFilter</filter-name>
                        <init-param>
                          <param-name>retry-after.default.503</param-name><param-value>77s</param-value>
                        </init-param>
                      </filter>
                    """)).start()) {
                assertThat(Client.get(webApp.uri("/503"), JSON).statusCode()).as("the application did not start")
                        .isEqualTo(404);
            }
        });

        assertThat(log).contains("context parameter error-pages.retry-after.default.503 (8s) and the "
                + "init-parameter retry-after.default.503 (77s) of the filter errorPagesFilter the application "
                + "declares both set retry-after.default.503; keep one");
    }

    /**
     * A web.xml that declares the filter without its class, with an init-parameter no context parameter sets: the
     * initializer's registration completes the declaration, and the filter has both, the declaration's
     * {@code intercept-statuses} and the context parameter's Retry-After. Only the conflict had been tested.
     */
    @Test
    void initializerCompletesAPreliminaryDeclarationWhoseParametersTheContextParametersDoNotSet() {
        try (TomcatServer webApp = TomcatServer.webApp(webXml("""
                  <context-param>
                    <param-name>error-pages.auto-register</param-name><param-value>true</param-value>
                  </context-param>
                  <context-param>
                    <param-name>error-pages.retry-after.default.503</param-name><param-value>8s</param-value>
                  </context-param>
                  <filter>
                    <filter-name>errorPagesFilter</filter-name>
                    <init-param><param-name>intercept-statuses</param-name><param-value>503</param-value></init-param>
                  </filter>
                """)).start()) {
            assertErrorPage(Client.get(webApp.uri("/503"), JSON), "GET", 503, "8");
            HttpResponse<byte[]> notIntercepted = Client.get(webApp.uri("/504"), JSON);
            assertThat(notIntercepted.statusCode()).isEqualTo(504);
            assertThat(notIntercepted.headers().firstValue("X-Content-Type-Options")).isEmpty();
        }
    }

    /**
     * An invalid init-parameter of a declaration without the filter's class is named as web.xml writes it: it was
     * called a context parameter ("error-pages.retry-after.max"), which the application does not have.
     */
    @Test
    void initializerNamesAnInvalidInitParameterOfAPreliminaryDeclarationAsWritten() {
        String log = catalinaLog(() -> {
            try (TomcatServer webApp = TomcatServer.webApp(webXml("""
                      <context-param>
                        <param-name>error-pages.auto-register</param-name><param-value>true</param-value>
                      </context-param>
                      <filter>
                        <filter-name>errorPagesFilter</filter-name>
                        <init-param>
                          <param-name>retry-after.max</param-name><param-value>forever</param-value>
                        </init-param>
                      </filter>
                    """)).start()) {
                assertThat(Client.get(webApp.uri("/503"), JSON).statusCode()).as("the application did not start")
                        .isEqualTo(404);
            }
        });

        assertThat(log).contains("Invalid error-pages configuration: retry-after.max must be a duration")
                .doesNotContain("context parameter error-pages.retry-after.max");
    }

    /** What Tomcat logged with an exception while {@code action} ran: through java.util.logging, to the stderr it
     *  first saw, which {@link StandardError} cannot capture. */
    private static String catalinaLog(Runnable action) {
        StringWriter log = new StringWriter();
        Handler recording = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getThrown() != null) {
                    record.getThrown().printStackTrace(new PrintWriter(log));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger catalina = java.util.logging.Logger.getLogger("org.apache.catalina");
        catalina.addHandler(recording);
        try {
            action.run();
        } finally {
            catalina.removeHandler(recording);
        }
        return log.toString();
    }

    @Test
    void initializerFoundInServicesRegistersFilterWhenContextParameterEnablesIt() {
        try (TomcatServer webApp = TomcatServer.webApp(webXml("""
                  <context-param>
                    <param-name>error-pages.auto-register</param-name><param-value>true</param-value>
                  </context-param>
                  <context-param>
                    <param-name>error-pages.retry-after.on-502-504</param-name><param-value>false</param-value>
                  </context-param>
                """)).start()) {
            assertErrorPage(Client.get(webApp.uri("/504"), JSON), "GET", 504, null);
        }
    }

    /**
     * Tomcat's own CorsFilter in web.xml, as web.xml files have it, behind the auto-registered filter: a page for
     * a cross-origin request keeps the CORS fields the CorsFilter set before the servlet failed, so the caller's
     * script can read the status, and Retry-After because the CorsFilter exposes it (it is no CORS-safelisted
     * response header).
     */
    @Test
    void pageKeepsTheCorsFieldsOfAWebXmlCorsFilterBehindTheAutoRegisteredOne() throws IOException {
        try (TomcatServer webApp = TomcatServer.webApp(webXml("""
                  <filter>
                    <filter-name>cors</filter-name>
                    <filter-class>org.apache.catalina.filters.CorsFilter</filter-class>
                    <async-supported>true</async-supported>
                    <init-param><param-name>cors.allowed.origins</param-name><param-value>https://shop.example</param-value></init-param>
                    <init-param><param-name>cors.exposed.headers</param-name><param-value>Retry-After</param-value></init-param>
                    <init-param><param-name>cors.support.credentials</param-name><param-value>true</param-value></init-param>
                  </filter>
                  <filter-mapping><filter-name>cors</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                  <context-param>
                    <param-name>error-pages.auto-register</param-name><param-value>true</param-value>
                  </context-param>
                """)).start()) {
            HttpResponse<byte[]> response = Client.send("GET", webApp.uri("/503"), JSON, "Origin", "https://shop.example");

            assertErrorPage(response, "GET", 503, "30");
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://shop.example");
            assertThat(response.headers().firstValue("Access-Control-Allow-Credentials")).hasValue("true");
            assertThat(response.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
                    .containsIgnoringCase("Retry-After");
            assertThat(String.join(",", response.headers().allValues("Vary"))).containsIgnoringCase("Origin")
                    .containsIgnoringCase("Accept");
        }
    }

    @Test
    void initializerFoundInServicesStaysOffByDefault() {
        try (TomcatServer webApp = TomcatServer.webApp(webXml("")).start()) {
            HttpResponse<byte[]> response = Client.get(webApp.uri("/504"), JSON);

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.headers().firstValue("X-Content-Type-Options")).as("Tomcat's own page").isEmpty();
        }
    }

    private static String webXml(String filterPart) {
        StringBuilder servlets = new StringBuilder();
        for (int status : new int[] {503, 504}) {
            // The ROOT locale: the default one may have other digits (an Arabic locale's %d wrote /٥٠٣).
            servlets.append(String.format(Locale.ROOT, """
                      <servlet>
                        <servlet-name>status%1$d</servlet-name>
                        <servlet-class>io.github.errorpages.servlet.StatusServlet</servlet-class>
                        <init-param><param-name>status</param-name><param-value>%1$d</param-value></init-param>
                        <async-supported>true</async-supported>
                      </servlet>
                      <servlet-mapping><servlet-name>status%1$d</servlet-name><url-pattern>/%1$d</url-pattern></servlet-mapping>
                    """, status));
        }
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                         version="6.0">
                """ + filterPart + servlets + "</web-app>\n";
    }
}
