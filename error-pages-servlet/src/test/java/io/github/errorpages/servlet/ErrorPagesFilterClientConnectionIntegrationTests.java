package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What fails on the request's own connection (a client that went away, or stalled past the container's idle
 * timeout) is the container's to answer, never an upstream's failure with a page; and what fails on an
 * upstream's connection is, even when both are reported with the same exception types, as Jetty reports both with
 * its {@code EofException}. On a real Jetty 12 with real sockets; the application's upstream is called with
 * Jetty's own HTTP client.
 */
class ErrorPagesFilterClientConnectionIntegrationTests {

    private static final String JSON = "application/json";
    /** More events than a client that is gone could be sent before the writer reports it. */
    private static final int EVENTS_AT_MOST = 1000;
    /**
     * What the upstream answers Jetty's client with: responses the client cannot parse (not HTTP, a status that is no
     * number, a field name with a space), then a well-formed 401 without a challenge, which it refuses all the same.
     */
    private static final List<String> ANSWERS = List.of("SSH-2.0-OpenSSH_9.6\r\n",
            "HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    private static final CountDownLatch clientLeft = new CountDownLatch(1);
    private static final CompletableFuture<Integer> eventsAfterTheClientLeft = new CompletableFuture<>();
    private static final String READ_FAILURE = "test.read-failure";
    /** What the chain threw past the filter, for the reader's paths. */
    private static final BlockingQueue<Throwable> thrownPastTheFilter = new LinkedBlockingQueue<>();
    /** The path of a reader's servlet that read the first part of the body and waits for the rest. */
    private static final BlockingQueue<String> readingTheBody = new LinkedBlockingQueue<>();
    /**
     * Lines of "é€😀" (2, 3 and 4 bytes in UTF-8), about 20 KB, each ended by CRLF or LF in turn: sent in pieces of
     * 1000 bytes, and read by Jetty in buffers of its own, the characters straddle both.
     */
    private static final String CHARACTERS;

    static {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; lines.length() < 9_000; i++) {
            lines.append("é€😀".repeat(i % 40 + 1)).append(i % 2 == 0 ? "\r\n" : "\n");
        }
        CHARACTERS = lines.append("no line end").toString();
    }
    private static JettyServer jetty;
    private static HttpClient upstreamClient;

    @BeforeAll
    static void start() throws Exception {
        upstreamClient = new HttpClient();
        upstreamClient.start();
        jetty = new JettyServer().idleTimeout(Duration.ofMillis(500));
        // In front of the filter, for the reader's paths: what the chain threw past it, once the filter is done.
        jetty.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> {
            try {
                chain.doFilter(request, response);
            } catch (IOException | ServletException | RuntimeException thrown) {
                thrownPastTheFilter.add(thrown);
                throw thrown;
            }
        }), "/read-chars-by/*", EnumSet.of(DispatcherType.REQUEST));
        jetty.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> {
            try {
                chain.doFilter(request, response);
            } catch (IOException | ServletException | RuntimeException thrown) {
                thrownPastTheFilter.add(thrown);
                throw thrown;
            }
        }), "/write-by/*", EnumSet.of(DispatcherType.REQUEST));
        jetty.filter(ErrorPagesFilter.builder().build());
        ServletHolder parts = new ServletHolder(servlet((request, response) -> {
            response.getWriter().write("parts " + request.getParts().size());
        }));
        parts.getRegistration().setMultipartConfig(new MultipartConfigElement(System.getProperty("java.io.tmpdir")));
        jetty.context().addServlet(parts, "/read-parts");
        jetty
                .servlet("/events", servlet((request, response) -> {
                    response.setContentType("text/event-stream");
                    PrintWriter events = response.getWriter();
                    events.write("data: first\n\n");
                    events.flush();
                    awaitQuietly(clientLeft);
                    int written = 0;
                    while (written < EVENTS_AT_MOST && !events.checkError()) {
                        events.write("data: " + "x".repeat(1000) + "\n\n");
                        written++;
                    }
                    eventsAfterTheClientLeft.complete(written);
                }))
                .servlet("/captured-then-check-error", servlet((request, response) -> {
                    response.setStatus(503);
                    PrintWriter writer = response.getWriter();
                    writer.write("the application's own 503 body, which the page replaces");
                    response.setHeader("X-Check-Error", Boolean.toString(writer.checkError()));
                }))
                .servlet("/read-body", servlet((request, response) -> {
                    byte[] body = request.getInputStream().readAllBytes();
                    response.getWriter().write("read " + body.length);
                }))
                .servlet("/read-body-by/*", servlet((request, response) -> {
                    readToTheEnd(request.getInputStream(), request.getPathInfo().substring(1));
                    response.getWriter().write("read");
                }))
                .servlet("/read-chars-by/*", servlet((request, response) -> {
                    if ("async".equals(request.getQueryString())) {
                        request.startAsync().setTimeout(60_000); // then read in the dispatch, as before
                    }
                    readCharsToTheEnd(request.getReader(), request.getPathInfo().substring(1),
                            () -> readingTheBody.add(request.getPathInfo()));
                    response.getWriter().write("read");
                }))
                .servlet("/write-by/*", servlet((request, response) ->
                        writeUntilItFails(response, request.getPathInfo().substring(1))))
                .servlet("/echo-by-reader/*", echoByReader())
                .servlet("/echo-by-stream/*", echoByStream())
                .servlet("/read-without-blocking", servlet((request, response) -> {
                    if (request.getAttribute(READ_FAILURE) instanceof Throwable failed) {
                        // the read listener's failure, thrown on in the dispatch it asked for
                        throw new IOException("the request's body could not be read", failed);
                    }
                    AsyncContext async = request.startAsync();
                    ServletInputStream in = request.getInputStream();
                    in.setReadListener(new ReadListener() {
                        @Override
                        public void onDataAvailable() throws IOException {
                            TestServlets.readWhatIsThere(in);
                        }

                        @Override
                        public void onAllDataRead() throws IOException {
                            response.getWriter().write("read");
                            async.complete();
                        }

                        @Override
                        public void onError(Throwable failure) {
                            request.setAttribute(READ_FAILURE, failure);
                            async.dispatch();
                        }
                    });
                }))
                .servlet("/read-form", servlet((request, response) -> {
                    response.getWriter().write("hello " + request.getParameter("name"));
                }))
                .servlet("/upload-to-upstream", servlet((request, response) -> uploadToAnUpstreamThatResets()))
                .servlet("/malformed/*", servlet((request, response) -> {
                    String answer = ANSWERS.get(Integer.parseInt(request.getPathInfo().substring(1)));
                    try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
                        exchange.writeRaw(answer);
                        exchange.closeConnection();
                    })) {
                        send(upstreamClient.newRequest(upstream.uri().resolve("/orders/42")), "the orders service");
                    }
                }))
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
        upstreamClient.stop();
    }

    /**
     * A streaming servlet (server-sent events, long polling) that stops when {@code PrintWriter.checkError()} says
     * the client is gone stops behind the filter too: the filter's writer reports the container's writer's error.
     * It reported none, so such a loop wrote for ever to a closed connection, holding its thread.
     */
    @Test
    void streamingServletSeesTheClientLeaveThroughCheckError() throws Exception {
        try (Socket client = new Socket("127.0.0.1", jetty.port())) {
            client.getOutputStream().write("GET /events HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(Client.readUntil(client.getInputStream(), "data: first")).startsWith("HTTP/1.1 200");
            client.setSoLinger(true, 0); // a reset, as a browser tab closed mid-stream
        }
        clientLeft.countDown();

        assertThat(eventsAfterTheClientLeft.get(10, TimeUnit.SECONDS)).isLessThan(EVENTS_AT_MOST);
    }

    /**
     * While a captured status is held, {@code checkError()} neither commits the response (it flushes the
     * container's writer, which would send the application's 503 without the page) nor reports an error.
     */
    @Test
    void checkErrorWhileAStatusIsCapturedLeavesThePageToBeWritten() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/captured-then-check-error"), JSON);

        assertErrorPage(response, "GET", 503, "30");
        assertThat(Client.text(response)).doesNotContain("the application's own 503 body");
    }

    /**
     * A client that stalls in the middle of its request body until the container's idle timeout: Jetty fails the
     * servlet's read with an {@code IOException} of a {@code TimeoutException}, which the classifier would take
     * for an upstream's late response. It is the request's own connection: left to the container, no 504 page
     * claiming that an upstream took too long (R4).
     */
    @Test
    void clientStallingInItsBodyIsNoUpstreamTimeout() throws Exception {
        String answer;
        try (Socket client = new Socket("127.0.0.1", jetty.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /read-body HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789")
                    .getBytes(StandardCharsets.US_ASCII));
            answer = readToTheEnd(client.getInputStream());
        }

        assertThat(answer).doesNotStartWith("HTTP/1.1 504").doesNotContain("http_response_timeout")
                .doesNotContainIgnoringCase("X-Content-Type-Options");
    }

    /**
     * The same stall, whichever of the stream's reads waits for the client: each is the container's own (the filter's
     * stream passes each on, not through one of the others), and each failure of theirs is the request connection's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"read", "read-byte", "read-n-bytes", "read-n-bytes-into", "read-buffer", "read-line",
        "skip"})
    void clientStallingInItsBodyIsNoUpstreamTimeoutWhicheverReadWaits(String read) throws Exception {
        String answer;
        try (Socket client = new Socket("127.0.0.1", jetty.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /read-body-by/" + read + " HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789")
                    .getBytes(StandardCharsets.US_ASCII));
            answer = readToTheEnd(client.getInputStream());
        }

        assertThat(answer).doesNotStartWith("HTTP/1.1 504").doesNotContain("http_response_timeout")
                .doesNotContainIgnoringCase("X-Content-Type-Options");
    }

    /**
     * The same stall, whichever of the reader's reads waits for the client, also in an async cycle the servlet started
     * first ({@code ?async}): each failure of the container's reader is the request connection's, marked so by the
     * filter's reader, where the classifier would read the idle timeout as an upstream's (R4). In the cycle, Jetty
     * reports what the dispatch threw to the cycle's {@code AsyncListener.onError} too, where it is again the client's:
     * no 504 page there either.
     */
    @ParameterizedTest
    @CsvSource({"read, ''", "read-chars, ''", "read-chars-at, ''", "read-line, ''", "skip, ''", "read, ?async",
        "read-line, ?async", "skip, ?async"})
    void clientStallingInItsBodyIsNoUpstreamTimeoutWhicheverReadOfTheReaderWaits(String read, String async)
            throws Exception {
        String answer;
        try (Socket client = new Socket("127.0.0.1", jetty.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /read-chars-by/" + read + async + " HTTP/1.1\r\nHost: test\r\n"
                    + "Accept: " + JSON + "\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n01234\n6789")
                    .getBytes(StandardCharsets.US_ASCII));
            answer = readToTheEnd(client.getInputStream());
        }

        assertThat(answer).doesNotStartWith("HTTP/1.1 504").doesNotContain("http_response_timeout")
                .doesNotContainIgnoringCase("X-Content-Type-Options");
    }

    /**
     * A client that resets its connection in the middle of its body while the application reads it with the reader
     * and throws the failure on: the request's own connection failed, so no page and no "error page" line (R4), also
     * in an async cycle, whose {@code onError} Jetty then calls with it.
     */
    @ParameterizedTest
    @CsvSource({"read-line, ''", "read, ''", "read-line, ?async"})
    void clientResettingInItsBodyWhileTheReaderWaitsGetsNoPage(String read, String async) throws Exception {
        thrownPastTheFilter.clear();
        readingTheBody.clear();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        String log = StandardError.capture(() -> {
            try (Socket client = new Socket("127.0.0.1", jetty.port())) {
                client.getOutputStream().write(("POST /read-chars-by/" + read + async + " HTTP/1.1\r\nHost: test\r\n"
                        + "Accept: " + JSON + "\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
                        + "first line\nsecond").getBytes(StandardCharsets.US_ASCII));
                assertThat(readingTheBody.poll(10, TimeUnit.SECONDS)).as("the first read").isEqualTo("/" + read);
                client.setSoLinger(true, 0); // a reset
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
            try {
                thrown.set(thrownPastTheFilter.poll(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });

        assertThat(thrown.get()).as("the reader's failure, thrown on past the filter").isInstanceOf(IOException.class);
        assertThat(log).doesNotContain("error page status=", "aborted");
    }

    /**
     * A client that stops reading a large answer while the application writes it, by each of the stream's ways to
     * write: Jetty gives up on it at its idle timeout (500 ms here), the write fails, and the application throws the
     * failure on. That is the request's own connection, not an upstream's (R4): no "error page" line and no WARN of an
     * upstream failure after commit (R5), which the classifier alone would read the timeout as.
     */
    @ParameterizedTest
    @ValueSource(strings = {"write-byte", "write-buffer", "print", "flush", "flush-buffer", "close"})
    void clientThatStopsReadingIsNoUpstreamFailureWhicheverWriteWaits(String write) {
        thrownPastTheFilter.clear();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        String log = StandardError.capture(() -> {
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(4096);
                client.connect(new InetSocketAddress("127.0.0.1", jetty.port()));
                client.getOutputStream().write(("GET /write-by/" + write + " HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                thrown.set(thrownPastTheFilter.poll(20, TimeUnit.SECONDS)); // never reading what comes
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });

        assertThat(thrown.get()).as("the write's failure, thrown on past the filter").isInstanceOf(IOException.class);
        assertThat(log).doesNotContain("error page status=", "aborted", "upstream failure");
    }

    /**
     * Writes a large answer with one of the stream's ways to write ({@code how}) until the write fails, as a streaming
     * application would, and throws the failure on: {@code write-byte} byte by byte, {@code write-buffer} one 32 MB
     * {@code ByteBuffer}, {@code print} strings, {@code flush} a small chunk and a flush each time (the flush waits),
     * {@code flush-buffer} the same with the response's {@code flushBuffer()} (the flush waits),
     * {@code close} 24 MB into a buffer of 32 MB, then {@code close()} (which waits).
     */
    static void writeUntilItFails(HttpServletResponse response, String how) throws IOException {
        response.setContentType("text/plain");
        int large = 32 * 1024 * 1024;
        if (how.equals("close")) {
            response.setBufferSize(large);
        }
        ServletOutputStream out = response.getOutputStream();
        byte[] chunk = "x".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        long written = 0;
        while (written < 1024L * large) { // bounded: a write that never failed ends the test, not the build
            switch (how) {
                case "write-byte" -> {
                    out.write('x');
                    written++;
                }
                case "write-buffer" -> {
                    out.write(ByteBuffer.allocate(large));
                    written += large;
                }
                case "print" -> {
                    out.print("x".repeat(1000));
                    written += 1000;
                }
                case "flush" -> {
                    out.write(chunk);
                    out.flush();
                    written += chunk.length;
                }
                case "flush-buffer" -> {
                    out.write(chunk);
                    response.flushBuffer();
                    written += chunk.length;
                }
                case "close" -> {
                    out.write(new byte[large * 3 / 4]);
                    out.close();
                    written += large;
                }
                default -> throw new IllegalArgumentException(how);
            }
        }
        throw new IllegalStateException("the client took " + written + " bytes without reading");
    }

    /**
     * The application behind the filter reads the body with the reader, by each of its reads, and gets exactly the
     * client's characters: the filter's reader passes each call on to the container's, which keeps the buffer, so that
     * a line read with {@code readLine()} (ended by CRLF) and the rest read otherwise, a {@code skip}, a
     * {@code mark}/{@code reset}, {@code ready()} between reads and a read after {@code close()} behave as the
     * container's reader does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"read", "read-chars", "read-chars-at", "read-line", "read-line-then-read", "skip",
        "ready", "mark-reset", "close"})
    void readerHandsTheApplicationExactlyTheClientsCharacters(String read) throws Exception {
        String asWithoutTheFilter;
        try (JettyServer unfiltered = new JettyServer()) {
            unfiltered.servlet("/echo-by-reader/*", echoByReader()).start();
            asWithoutTheFilter = echoedBy(unfiltered, "/echo-by-reader/" + read);
        }

        String echoed = echoedBy(jetty, "/echo-by-reader/" + read);

        assertThat(echoed).isEqualTo(asWithoutTheFilter);
        if (!read.equals("close")) { // Jetty's reader closes its stream only: a read after close() is at the end
            assertThat(echoed).isEqualTo(expectedEcho(read));
        }
    }

    /**
     * The application behind the filter reads the body with the stream, by each of its reads that the stalls below
     * only see fail, and gets exactly the client's bytes, in the pieces the container's stream hands out: the
     * filter's stream passes each call on to the container's, so that {@code readLine} stops at each line end,
     * {@code readNBytes} fills the length asked for, {@code skip} skips what it says and {@code available()} tells
     * what the container holds, as without the filter. A read lost or shortened there is an upload the application
     * takes for another than the client sent. (No rule of standards.md: the application's request is its own.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"read-line", "read-n-bytes", "read-n-bytes-into", "skip", "available"})
    void streamHandsTheApplicationExactlyTheClientsBytes(String read) throws Exception {
        String asWithoutTheFilter;
        try (JettyServer unfiltered = new JettyServer()) {
            unfiltered.servlet("/echo-by-stream/*", echoByStream()).start();
            asWithoutTheFilter = echoedBy(unfiltered, "/echo-by-stream/" + read);
        }

        String echoed = echoedBy(jetty, "/echo-by-stream/" + read);

        assertThat(echoed).isEqualTo(asWithoutTheFilter).isEqualTo(expectedStreamEcho(read));
    }

    /**
     * The same stall where the application reads without blocking: the container reports it to the application's
     * {@code ReadListener}, which throws it on in a dispatch of its own. The request connection's failure too.
     */
    @Test
    void clientStallingInABodyReadWithoutBlockingIsNoUpstreamTimeout() throws Exception {
        String answer;
        try (Socket client = new Socket("127.0.0.1", jetty.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /read-without-blocking HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789")
                    .getBytes(StandardCharsets.US_ASCII));
            answer = readToTheEnd(client.getInputStream());
        }
        assertThat(answer).doesNotStartWith("HTTP/1.1 504").doesNotContain("http_response_timeout")
                .doesNotContainIgnoringCase("X-Content-Type-Options").doesNotContain("already set");
    }

    /**
     * A client that stalls in a form or multipart body the container parses itself ({@code getParameter},
     * {@code getParts}): Jetty throws its {@code BadMessageException} (400) of the idle timeout's
     * {@code TimeoutException}, through no stream the filter wraps, and the classifier took it for an upstream's
     * late response: a 504 page and an incident logged for the client's own stall. Left to the container (R4).
     */
    @ParameterizedTest
    @ValueSource(strings = {"/read-form", "/read-parts"})
    void clientStallingInABodyTheContainerParsesIsNoUpstreamTimeout(String path) throws Exception {
        boolean form = path.equals("/read-form");
        String type = form ? "application/x-www-form-urlencoded" : "multipart/form-data; boundary=XX";
        String sent = form ? "name=abc&" : "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
        String answer;
        try (Socket client = new Socket("127.0.0.1", jetty.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: test\r\nAccept: text/html"
                    + "\r\nContent-Type: " + type + "\r\nContent-Length: 1000\r\n\r\n" + sent)
                    .getBytes(StandardCharsets.US_ASCII));
            answer = readToTheEnd(client.getInputStream());
        }

        assertThat(answer).startsWith("HTTP/1.1 400").doesNotContain("http_response_timeout");
    }

    /**
     * The application uploads to an upstream with Jetty's HTTP client, and the upstream resets the connection
     * mid-upload: Jetty's client reports it with the {@code EofException} its server uses for a client that went
     * away, so the filter took it for one and left the application's exception to the container (Jetty's own 500
     * page). It is the upstream's failure: the branded 502 (R2).
     */
    @Test
    void upstreamResetReportedByJettysClientIsAnUpstreamFailure() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/upload-to-upstream"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("connection_terminated");
    }

    /**
     * The application calls an upstream with Jetty's HTTP client, and the upstream answers with something its parser
     * refuses: Jetty's client throws its {@code HttpResponseException}, which nothing classified, and Jetty's
     * server answered the application's exception with the status the parser gave the upstream's response (505
     * "Unknown Version", 400 "Bad status"), blaming the client. A malformed response of the upstream's: 502 (R2).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void malformedResponseReportedByJettysClientIsAnUpstreamFailure(int malformed) {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/malformed/" + malformed), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("http_protocol_error");
    }

    /**
     * Jetty's client refuses a well-formed 401 without {@code WWW-Authenticate} with the same exception type as a
     * response it cannot parse, which is no upstream failure: one caller's credentials (no 502 page, no count
     * against the upstream), the application's to answer, here left to the container.
     */
    @Test
    void unchallenged401ReportedByJettysClientIsNoUpstreamFailure() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/malformed/3"), JSON);

        assertThat(response.statusCode()).isNotEqualTo(502);
        assertThat(Client.text(response)).doesNotContain("http_protocol_error");
    }

    private static void uploadToAnUpstreamThatResets() throws IOException {
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread resetting = new Thread(() -> {
                try (Socket accepted = upstream.accept()) {
                    accepted.getInputStream().readNBytes(1000);
                    accepted.setSoLinger(true, 0);
                } catch (IOException e) {
                    // the test fails on what the application saw
                }
            }, "upstream-that-resets");
            resetting.setDaemon(true);
            resetting.start();
            send(upstreamClient.POST("http://127.0.0.1:" + upstream.getLocalPort() + "/uploads")
                    .body(new BytesRequestContent(new byte[16 << 20])).timeout(10, TimeUnit.SECONDS), "the upload");
        }
    }

    /** Sends with Jetty's client, as an application does: its failures thrown on as an IOException of the call. */
    private static void send(Request request, String what) throws IOException {
        try {
            request.send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(what + " failed", e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads the request's body to its end with one of the stream's reads ({@code how}), as an application might. */
    private static void readToTheEnd(ServletInputStream in, String how) throws IOException {
        byte[] buffer = new byte[1000];
        switch (how) {
            case "read" -> {
                while (in.read(buffer, 0, buffer.length) >= 0) {
                    // on to the end
                }
            }
            case "read-byte" -> {
                while (in.read() >= 0) {
                    // on to the end
                }
            }
            case "read-n-bytes" -> in.readNBytes(buffer.length);
            case "read-n-bytes-into" -> in.readNBytes(buffer, 0, buffer.length);
            case "read-buffer" -> {
                ByteBuffer bytes = ByteBuffer.allocate(buffer.length);
                while (bytes.hasRemaining() && in.read(bytes) >= 0) {
                    // on to the end
                }
            }
            case "read-line" -> {
                while (in.readLine(buffer, 0, buffer.length) >= 0) {
                    // on to the end
                }
            }
            case "skip" -> {
                while (in.skip(buffer.length) > 0) {
                    // on to the end
                }
            }
            default -> throw new IllegalArgumentException(how);
        }
    }

    /** Reads the request's body to its end with one of the reader's reads ({@code how}), as an application might. */
    private static void readCharsToTheEnd(BufferedReader in, String how, Runnable firstRead) throws IOException {
        char[] buffer = new char[1000];
        boolean first = true;
        while (switch (how) {
            case "read" -> in.read() >= 0;
            case "read-chars" -> in.read(buffer) >= 0;
            case "read-chars-at" -> in.read(buffer, 10, 500) >= 0;
            case "read-line" -> in.readLine() != null;
            case "skip" -> in.skip(buffer.length) > 0;
            default -> throw new IllegalArgumentException(how);
        }) {
            if (first) {
                first = false;
                firstRead.run();
            }
        }
    }

    /** Answers what it read of the body with the reader, by the read its path names. */
    private static HttpServlet echoByReader() {
        return servlet((request, response) -> {
            byte[] echo = echoByReader(request.getReader(), request.getPathInfo().substring(1))
                    .getBytes(StandardCharsets.UTF_8);
            response.setContentType("text/plain;charset=UTF-8");
            response.setContentLength(echo.length);
            response.getOutputStream().write(echo);
        });
    }

    /**
     * Answers what it read of the body with the stream, by the read its path names: the length each call returned,
     * then a line end, then the bytes.
     */
    private static HttpServlet echoByStream() {
        return servlet((request, response) -> {
            ServletInputStream in = request.getInputStream();
            StringBuilder calls = new StringBuilder();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[777];
            switch (request.getPathInfo().substring(1)) {
                case "read-line" -> {
                    for (int n = in.readLine(buffer, 0, buffer.length); n >= 0;
                            n = in.readLine(buffer, 0, buffer.length)) {
                        calls.append(n).append(',');
                        bytes.write(buffer, 0, n);
                    }
                }
                case "read-n-bytes" -> {
                    for (byte[] part = in.readNBytes(3000); part.length > 0; part = in.readNBytes(3000)) {
                        calls.append(part.length).append(',');
                        bytes.write(part);
                    }
                }
                case "read-n-bytes-into" -> {
                    byte[] into = new byte[3100];
                    for (int n = in.readNBytes(into, 100, 3000); n > 0; n = in.readNBytes(into, 100, 3000)) {
                        calls.append(n).append(',');
                        bytes.write(into, 100, n);
                    }
                }
                case "skip" -> {
                    calls.append(in.skip(4000)).append(',');
                    in.transferTo(bytes);
                }
                case "available" -> {
                    bytes.write(in.read());
                    calls.append(in.available() > 0 ? "some held" : "none held").append(',');
                    in.transferTo(bytes);
                }
                default -> throw new IllegalArgumentException(request.getPathInfo());
            }
            byte[] echo = (calls + "\n" + bytes.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            response.setContentType("text/plain;charset=UTF-8");
            response.setContentLength(echo.length);
            response.getOutputStream().write(echo);
        });
    }

    /** What {@code /echo-by-stream} answers for the read named, worked out from {@link #CHARACTERS}. */
    private static String expectedStreamEcho(String how) {
        byte[] body = CHARACTERS.getBytes(StandardCharsets.UTF_8);
        StringBuilder calls = new StringBuilder();
        switch (how) {
            case "read-line" -> {
                int start = 0;
                for (int i = 0; i < body.length; i++) {
                    if (body[i] == '\n' || i - start + 1 == 777 || i == body.length - 1) {
                        calls.append(i - start + 1).append(',');
                        start = i + 1;
                    }
                }
            }
            case "read-n-bytes", "read-n-bytes-into" -> {
                for (int start = 0; start < body.length; start += 3000) {
                    calls.append(Math.min(3000, body.length - start)).append(',');
                }
            }
            case "skip" -> {
                return "4000,\n" + new String(body, 4000, body.length - 4000, StandardCharsets.UTF_8);
            }
            case "available" -> calls.append("some held,");
            default -> throw new IllegalArgumentException(how);
        }
        return calls + "\n" + CHARACTERS;
    }

    /**
     * Sends {@link #CHARACTERS} to {@code path} in pieces of 1000 bytes.
     *
     * @return the body of the 200 it answers
     */
    private static String echoedBy(JettyServer server, String path) throws IOException {
        try (Socket client = new Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            byte[] body = CHARACTERS.getBytes(StandardCharsets.UTF_8);
            OutputStream out = client.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain;"
                    + "charset=UTF-8\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int sent = 0; sent < body.length; sent += 1000) {
                out.write(body, sent, Math.min(1000, body.length - sent));
                out.flush();
            }
            HttpTester.Response response = HttpTester.parseResponse(HttpTester.from(client.getInputStream()));
            assertThat(response.getStatus()).isEqualTo(200);
            return response.getContent();
        }
    }

    /** What {@code /echo-by-reader} answers for the read named: what it read, and what it was told on the way. */
    private static String echoByReader(BufferedReader in, String how) throws IOException {
        StringBuilder read = new StringBuilder();
        char[] buffer = new char[777];
        switch (how) {
            case "read" -> {
                for (int c = in.read(); c >= 0; c = in.read()) {
                    read.append((char) c);
                }
            }
            case "read-chars" -> {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(buffer, 0, n);
                }
            }
            case "read-chars-at" -> {
                for (int n = in.read(buffer, 5, 300); n >= 0; n = in.read(buffer, 5, 300)) {
                    read.append(buffer, 5, n);
                }
            }
            case "read-line" -> {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    read.append(line).append('|');
                }
            }
            case "read-line-then-read" -> {
                read.append(in.readLine()).append('|');
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(buffer, 0, n);
                }
            }
            case "skip" -> {
                read.append(in.skip(4000)).append('|');
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(buffer, 0, n);
                }
            }
            case "ready" -> {
                in.ready(); // whatever it answers, it reads nothing
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(buffer, 0, n);
                    in.ready();
                }
            }
            case "mark-reset" -> {
                read.append(in.markSupported()).append('|');
                in.mark(100);
                read.append(buffer, 0, in.read(buffer, 0, 10)).append('|');
                in.reset();
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(buffer, 0, n);
                }
            }
            case "close" -> {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    read.append(buffer, 0, n);
                }
                in.close();
                try {
                    in.read();
                    read.append("|read after close");
                } catch (IOException closed) {
                    read.append("|closed");
                }
            }
            default -> throw new IllegalArgumentException(how);
        }
        return read.toString();
    }

    /** What {@link #echoByReader} answers for {@link #CHARACTERS}, worked out from them. */
    private static String expectedEcho(String how) {
        String[] lines = CHARACTERS.split("\r?\n", -1);
        return switch (how) {
            case "read", "read-chars", "read-chars-at", "ready" -> CHARACTERS;
            case "read-line" -> String.join("|", lines) + "|";
            case "read-line-then-read" -> lines[0] + "|" + CHARACTERS.substring(lines[0].length() + 2);
            case "skip" -> "4000|" + CHARACTERS.substring(4000);
            case "mark-reset" -> "true|" + CHARACTERS.substring(0, 10) + "|" + CHARACTERS;
            default -> throw new IllegalArgumentException(how);
        };
    }

    private static String readToTheEnd(InputStream in) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        try {
            in.transferTo(read);
        } catch (SocketException reset) {
            // the container may end the connection with a reset: what came before it is the answer
        }
        return read.toString(StandardCharsets.UTF_8);
    }
}
