package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.servlet.internal.CapturingResponse;
import io.github.errorpages.testing.Await;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other direction of the filter's dropping stream and writer: while no status is captured (a 200, a 404 the
 * filter does not intercept, a 5xx the configuration does not capture, a status set after the response was
 * committed), everything the application writes, flushes and closes reaches the client as without the filter, byte
 * for byte. On a real Jetty 12 with real sockets; where "as without the filter" is in question, the same servlet on a
 * Jetty without the filter says what that is. (The dropping direction is in {@link ErrorPagesFilterIntegrationTests}.)
 */
class ErrorPagesFilterPassThroughIntegrationTests {

    /** Every byte value, for the stream's writes: a signed one must go out as its low eight bits. */
    private static final byte[] BYTES = everyByte();
    /** Text in and beyond Latin-1, a character outside the BMP (a surrogate pair) among it. */
    private static final String TEXT = "Z\u00fcrich \u2013 S\u00e3o Paulo \u2013 \u0141\u00f3d\u017a \u2013 "
            + "\u6771\u4eac \u2013 \ud83d\ude00 \u2013 \u00bd\n";
    /** Text that ISO-8859-1 holds too: one byte a character there, two for most of it in UTF-8. */
    private static final String LATIN = "Z\u00fcrich, S\u00e3o Paulo, \u00c6r\u00f8sk\u00f8bing, \u00bd \u00ff";
    private static final String NL = System.lineSeparator();
    /** More than Jetty's response buffer (32 KiB), so the body is sent while the application still writes. */
    private static final int LARGE = 300_000;
    private static final String FIRST_PART = "the first part of the order list";
    private static final String REST = ", and the rest of it";
    /** More events than a client that is gone could be sent before the writer reports it. */
    private static final int EVENTS_AT_MOST = 1000;
    /** By request id: the client saw what the servlet waits for it to see (or the stream was not ready). */
    private static final Map<String, CountDownLatch> clientSaw = new ConcurrentHashMap<>();
    /** By request id: whether the servlet saw the client have the response before it returned. */
    private static final Map<String, CompletableFuture<Boolean>> applicationSaw = new ConcurrentHashMap<>();
    private static final Map<String, CompletableFuture<Integer>> eventsWritten = new ConcurrentHashMap<>();
    private static final AtomicInteger ids = new AtomicInteger();
    private static JettyServer filtered;
    private static JettyServer unfiltered;

    @BeforeAll
    static void start() {
        // A small send buffer, so that a client that reads nothing holds back the server's writes after a few KiB.
        filtered = new JettyServer().sendBufferSize(8192).filter(ErrorPagesFilter.builder().build());
        mountServlets(filtered);
        filtered.start();
        unfiltered = new JettyServer();
        mountServlets(unfiltered);
        unfiltered.start();
    }

    @AfterAll
    static void stop() {
        filtered.close();
        unfiltered.close();
    }

    static Stream<Arguments> writesUnderStatusesNotCaptured() {
        return Stream.of("stream-write-int", "stream-write-array", "stream-write-array-range",
                        "stream-write-byte-buffer", "stream-write-direct-byte-buffer", "stream-print",
                        "writer-write-int", "writer-write-chars", "writer-write-chars-range", "writer-write-string",
                        "writer-write-string-range", "writer-append", "writer-print", "writer-println",
                        "writer-printf", "writer-printf-with-locale")
                .flatMap(write -> Stream.of(0, 404, 500).map(status -> Arguments.of(write, status)));
    }

    /**
     * Whichever {@code write}, {@code print}, {@code append} or {@code printf} of the stream or the writer the
     * application calls, while nothing is captured what it writes is what the client gets, byte for byte and as
     * without the filter: under no status set (200), a 404 the filter does not intercept, and a 500 the default
     * configuration does not capture (502, 503 and 504 are). Text goes in the writer's UTF-8; what the stream prints,
     * in the response's charset as Jetty's own stream prints it. (No rule of standards.md: a response that is no
     * upstream failure is the application's, ErrorPagesFilter's javadoc; DESIGN §5, nothing on the happy path.)
     */
    @ParameterizedTest(name = "{0}, status {1}")
    @MethodSource("writesUnderStatusesNotCaptured")
    void everyWriteReachesTheClientByteForByte(String write, int status) {
        String path = "/write/" + write + "?status=" + status;

        HttpResponse<byte[]> response = Client.get(filtered.uri(path), "*/*");

        assertThat(response.statusCode()).isEqualTo(status == 0 ? 200 : status);
        assertThat(response.body()).as("the bytes written").isEqualTo(expected(write, TEXT, StandardCharsets.UTF_8))
                .as("as without the filter").isEqualTo(Client.get(unfiltered.uri(path), "*/*").body());
    }

    /**
     * Non-ASCII text through a writer in UTF-8 and one in ISO-8859-1, and printed on the stream, goes out in the bytes
     * the response's charset gives it, as without the filter: two bytes a character in UTF-8 where ISO-8859-1 has one.
     * The stream's {@code print} must be the container's, which encodes in that charset: the Servlet API's own, which
     * the filter's stream inherited, writes ISO-8859-1 whatever the charset, so a UTF-8 "Zurich" with an umlaut went
     * out with the single byte 0xFC, which a UTF-8 client cannot decode, and text beyond Latin-1 failed the request
     * (its {@code CharConversionException}, Jetty's 500).
     */
    @ParameterizedTest(name = "{1} in {0}")
    @CsvSource({"UTF-8, writer-write-string", "UTF-8, writer-write-int", "UTF-8, writer-print",
        "UTF-8, writer-printf", "UTF-8, stream-print", "ISO-8859-1, writer-write-string",
        "ISO-8859-1, writer-write-int", "ISO-8859-1, writer-print", "ISO-8859-1, writer-printf",
        "ISO-8859-1, stream-print"})
    void nonAsciiTextReachesTheClientInTheResponsesCharset(String charset, String write) {
        String path = "/write/" + write + "?charset=" + charset + "&text=latin";

        HttpResponse<byte[]> response = Client.get(filtered.uri(path), "*/*");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow().toUpperCase(Locale.ROOT))
                .endsWith("CHARSET=" + charset);
        assertThat(response.body()).isEqualTo(expected(write, LATIN, Charset.forName(charset)))
                .isEqualTo(Client.get(unfiltered.uri(path), "*/*").body());
    }

    /**
     * A body larger than the container buffers (300 KB), written at once, in pieces or a byte or a character at a
     * time, reaches the client whole and in order while nothing is captured: Jetty commits the response and sends
     * what it buffered while the application goes on writing, and the filter's stream and writer keep passing on.
     */
    @ParameterizedTest(name = "{0}, status {1}")
    @CsvSource({"stream-write-array, 0", "stream-write-pieces, 0", "stream-write-int, 0", "writer-write-string, 0",
        "writer-write-pieces, 0", "writer-write-int, 0", "stream-write-pieces, 500", "writer-write-pieces, 404"})
    void aBodyLargerThanTheContainersBufferReachesTheClientWhole(String write, int status) {
        HttpResponse<byte[]> response = Client.get(filtered.uri("/large/" + write + "?status=" + status), "*/*");

        assertThat(response.statusCode()).isEqualTo(status == 0 ? 200 : status);
        assertThat(response.body()).isEqualTo(write.startsWith("stream") ? largeBytes()
                : largeText().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * R5: the application's {@code flush()} of the stream or the writer, or {@code flushBuffer()}, commits the
     * response while nothing is captured: the client has the head (with no length, which was not known yet) and the
     * first part of the body while the application still waits to write the rest, as a streaming response (progress,
     * server-sent events) needs. Not passed on, the client saw nothing until the application returned.
     */
    @ParameterizedTest(name = "{0}, status {1}")
    @CsvSource({"stream, 0", "writer, 0", "buffer, 0", "stream, 404", "writer, 404", "buffer, 404", "stream, 500",
        "writer, 500", "buffer, 500"})
    void flushCommitsTheResponseBeforeTheBodyEnds(String flush, int status) throws Exception {
        String id = Integer.toString(ids.incrementAndGet());

        HttpResponse<InputStream> response = Client.stream("GET",
                filtered.uri("/flush/" + flush + "?status=" + status + "&id=" + id), "*/*");
        byte[] first;
        byte[] rest;
        try (InputStream body = response.body()) {
            first = body.readNBytes(FIRST_PART.length());
            clientSaw(id).countDown();
            rest = body.readAllBytes();
        }

        assertThat(response.statusCode()).isEqualTo(status == 0 ? 200 : status);
        assertThat(response.headers().firstValue("Content-Length")).isEmpty();
        assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo(FIRST_PART);
        assertThat(new String(rest, StandardCharsets.UTF_8)).as("written once the client had the first part")
                .isEqualTo(REST);
    }

    /**
     * R5: once the application flushed, the response is committed, and a status the filter would capture set after
     * it (a 503) is the container's to ignore, as without the filter: what the application wrote before and after
     * it reaches the client under the 200 that went out, nothing of it dropped for a page that can no longer be
     * written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stream", "writer"})
    void aStatusSetAfterAFlushLeavesTheBodyToTheClient(String output) {
        HttpResponse<byte[]> response = Client.get(filtered.uri("/flush-then-503/" + output), "*/*");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo(FIRST_PART + REST);
    }

    /**
     * The application's {@code close()} of the stream or the writer ends the response while nothing is captured: the
     * client has the whole body while the application goes on (to log, to clean up), as without the filter. Not
     * passed on, the client waited for the application to return.
     */
    @ParameterizedTest(name = "{0}, status {1}")
    @CsvSource({"stream, 0", "writer, 0", "stream, 404", "writer, 500"})
    void closeEndsTheResponseWhileTheApplicationGoesOn(String output, int status) throws Exception {
        String id = Integer.toString(ids.incrementAndGet());

        HttpResponse<byte[]> response = Client.send("GET",
                filtered.uri("/close/" + output + "?status=" + status + "&id=" + id), "*/*");
        clientSaw(id).countDown();

        assertThat(response.statusCode()).isEqualTo(status == 0 ? 200 : status);
        assertThat(Client.text(response)).isEqualTo(FIRST_PART + REST);
        assertThat(applicationSaw(id).get(20, TimeUnit.SECONDS)).as("the client had it all before the servlet returned")
                .isTrue();
    }

    /**
     * An async servlet writing without blocking ({@code setWriteListener}, writing while {@code isReady()}) sends
     * 4 MB to a client that reads only once the stream said it was not ready: the filter's stream passes the listener
     * on, answers {@code isReady()} as the container's does, and passes each write on, so the client gets every byte
     * in order. Had it said ready when the container was not, the next write would have failed (Jetty: a write
     * pending) and cut the body.
     */
    @ParameterizedTest(name = "status {0}")
    @ValueSource(ints = {0, 500})
    void writesWithoutBlockingReachTheClientWhole(int status) throws Exception {
        String id = Integer.toString(ids.incrementAndGet());
        HttpTester.Response response;
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(8192); // before connecting: a small window, so the server's writes back up
            client.connect(new InetSocketAddress("127.0.0.1", filtered.port()));
            client.setSoTimeout(20_000);
            client.getOutputStream().write(("GET /non-blocking?status=" + status + "&id=" + id
                    + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));

            assertThat(clientSaw(id).await(10, TimeUnit.SECONDS)).as("the stream said it was not ready").isTrue();
            response = HttpTester.parseResponse(HttpTester.from(client.getInputStream()));
        }

        assertThat(response).isNotNull();
        assertThat(response.getStatus()).isEqualTo(status == 0 ? 200 : status);
        assertThat(response.getContentBytes()).isEqualTo(nonBlockingBody());
    }

    /**
     * A streaming servlet that stops when {@code PrintWriter.checkError()} says the client went away stops behind the
     * filter under any status it does not capture, as under a 200: the filter's writer asks the container's, which
     * swallowed the failed write, while nothing is captured. Otherwise such a loop writes on to a closed connection.
     */
    @ParameterizedTest(name = "status {0}")
    @ValueSource(ints = {0, 404, 500})
    void checkErrorReportsAClientThatWentAway(int status) throws Exception {
        String id = Integer.toString(ids.incrementAndGet());
        try (Socket client = new Socket("127.0.0.1", filtered.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("GET /events?status=" + status + "&id=" + id
                    + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(Client.readUntil(client.getInputStream(), "data: first"))
                    .startsWith("HTTP/1.1 " + (status == 0 ? 200 : status));
            client.setSoLinger(true, 0); // a reset, as a browser tab closed mid-stream
        }
        clientSaw(id).countDown();

        assertThat(eventsWritten(id).get(20, TimeUnit.SECONDS)).as("events written after the client left")
                .isLessThan(EVENTS_AT_MOST);
    }

    /**
     * A writer the application closed, then wrote to, says so through {@code checkError()}, as every
     * {@code PrintWriter} does: the filter's writer keeps its own error flag, besides asking the container's (which
     * it does not while a captured status drops the output, 503 here: its checkError() flushes, and would commit the
     * status before the page). Under no status the client gets what was written before the close, and only that;
     * under the 503, the page.
     */
    @ParameterizedTest(name = "status {0}")
    @ValueSource(ints = {0, 503})
    void checkErrorReportsAWriteAfterTheApplicationClosedItsWriter(int status) throws Exception {
        String id = Integer.toString(ids.incrementAndGet());

        HttpResponse<byte[]> response = Client.get(filtered.uri("/closed-writer?status=" + status + "&id=" + id),
                "*/*");

        assertThat(response.statusCode()).isEqualTo(status == 0 ? 200 : status);
        assertThat(Client.text(response)).doesNotContain(REST);
        if (status == 0) {
            assertThat(Client.text(response)).isEqualTo(FIRST_PART);
        } else {
            assertThat(response.headers().firstValue("X-Content-Type-Options")).as("the page").hasValue("nosniff");
        }
        assertThat(applicationSaw(id).get(10, TimeUnit.SECONDS)).as("checkError() after a write past close()")
                .isTrue();
    }

    /**
     * A response the application touched (here a 200 with a body) costs no look-up of the request attribute in which
     * Spring MVC keeps an exception it resolved to nothing: the filter asks the response's own fields first. On
     * Jetty 12 that look-up walks several layers of the container, and was about a quarter of the filter's own CPU on
     * the happy path (load harness (a), benchmarks/README.md). An untouched response (an empty 200) still gets the
     * look-up, which shows that the count below sees it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"/touched, 0", "/untouched, 1"})
    void onlyAnUntouchedResponseCostsALookUpOfSpringsAttribute(String path, int lookUps) {
        AtomicInteger springLookUps = new AtomicInteger();
        try (JettyServer server = new JettyServer()) {
            server.filter((request, response, chain) -> chain.doFilter(
                    new HttpServletRequestWrapper((HttpServletRequest) request) {
                        @Override
                        public Object getAttribute(String name) {
                            if (name.equals(CapturingResponse.SPRING_MVC_EXCEPTION_ATTRIBUTE)) {
                                springLookUps.incrementAndGet();
                            }
                            return super.getAttribute(name);
                        }
                    }, response));
            server.filter(ErrorPagesFilter.builder().build());
            server.servlet("/touched", servlet((request, response) -> {
                response.setContentType("text/plain;charset=UTF-8");
                response.getWriter().write("hello");
            }));
            server.servlet("/untouched", servlet((request, response) -> { }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri(path), "*/*");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(springLookUps).as("look-ups of Spring MVC's exception attribute").hasValue(lookUps);
        }
    }

    private static void mountServlets(JettyServer server) {
        server.servlet("/closed-writer", servlet((request, response) -> {
            setStatus(request, response);
            response.setContentType("text/plain;charset=UTF-8");
            PrintWriter writer = response.getWriter();
            writer.write(FIRST_PART);
            writer.close();
            writer.write(REST);
            applicationSaw(request.getParameter("id")).complete(writer.checkError());
        }));
        server.servlet("/write/*", servlet((request, response) -> {
            setStatus(request, response);
            Charset charset = Charset.forName(parameter(request, "charset", "UTF-8"));
            response.setContentType("text/plain;charset=" + charset.name());
            write(request.getPathInfo().substring(1), response,
                    "latin".equals(request.getParameter("text")) ? LATIN : TEXT);
        }));
        server.servlet("/large/*", servlet((request, response) -> {
            setStatus(request, response);
            response.setContentType("text/plain;charset=UTF-8");
            writeLarge(request.getPathInfo().substring(1), response);
        }));
        server.servlet("/flush/*", servlet((request, response) -> {
            setStatus(request, response);
            response.setContentType("text/plain;charset=UTF-8");
            String flush = request.getPathInfo().substring(1);
            if (flush.equals("writer")) {
                PrintWriter writer = response.getWriter();
                writer.write(FIRST_PART);
                writer.flush();
                writer.write(restOnceTheClientSaw(request));
            } else {
                ServletOutputStream out = response.getOutputStream();
                out.write(FIRST_PART.getBytes(StandardCharsets.UTF_8));
                if (flush.equals("buffer")) {
                    response.flushBuffer();
                } else {
                    out.flush();
                }
                out.write(restOnceTheClientSaw(request).getBytes(StandardCharsets.UTF_8));
            }
        }));
        server.servlet("/flush-then-503/*", servlet((request, response) -> {
            response.setContentType("text/plain;charset=UTF-8");
            if (request.getPathInfo().equals("/writer")) {
                PrintWriter writer = response.getWriter();
                writer.write(FIRST_PART);
                writer.flush();
                response.setStatus(503);
                writer.write(REST);
            } else {
                ServletOutputStream out = response.getOutputStream();
                out.write(FIRST_PART.getBytes(StandardCharsets.UTF_8));
                out.flush();
                response.setStatus(503);
                out.write(REST.getBytes(StandardCharsets.UTF_8));
            }
        }));
        server.servlet("/close/*", servlet((request, response) -> {
            setStatus(request, response);
            response.setContentType("text/plain;charset=UTF-8");
            if (request.getPathInfo().equals("/writer")) {
                PrintWriter writer = response.getWriter();
                writer.write(FIRST_PART + REST);
                writer.close();
            } else {
                ServletOutputStream out = response.getOutputStream();
                out.write((FIRST_PART + REST).getBytes(StandardCharsets.UTF_8));
                out.close();
            }
            String id = request.getParameter("id");
            applicationSaw(id).complete(Await.opened(clientSaw(id)));
        }));
        server.servlet("/events", servlet((request, response) -> {
            setStatus(request, response);
            response.setContentType("text/event-stream");
            String id = request.getParameter("id");
            PrintWriter events = response.getWriter();
            events.write("data: first\n\n");
            events.flush();
            Await.opened(clientSaw(id));
            int written = 0;
            while (written < EVENTS_AT_MOST && !events.checkError()) {
                events.write("data: " + "x".repeat(1000) + "\n\n");
                written++;
            }
            eventsWritten(id).complete(written);
        }));
        server.servlet("/non-blocking", servlet((request, response) -> {
            setStatus(request, response);
            response.setContentType("application/octet-stream");
            CountDownLatch notReady = clientSaw(request.getParameter("id"));
            AsyncContext async = request.startAsync();
            async.setTimeout(30_000);
            ServletOutputStream out = response.getOutputStream();
            byte[] body = nonBlockingBody();
            out.setWriteListener(new WriteListener() {
                private int written;

                @Override
                public void onWritePossible() throws IOException {
                    while (out.isReady()) {
                        if (written == body.length) {
                            async.complete();
                            return;
                        }
                        int length = Math.min(16_384, body.length - written);
                        out.write(body, written, length);
                        written += length;
                    }
                    notReady.countDown(); // the container calls again once it has sent what it holds
                }

                @Override
                public void onError(Throwable failure) {
                    async.complete();
                }
            });
        }));
    }

    private static void setStatus(HttpServletRequest request, HttpServletResponse response) {
        int status = Integer.parseInt(parameter(request, "status", "0"));
        if (status != 0) {
            response.setStatus(status);
        }
    }

    private static String parameter(HttpServletRequest request, String name, String otherwise) {
        String value = request.getParameter(name);
        return value != null ? value : otherwise;
    }

    /** Writes {@code text} (or {@link #BYTES}, on the stream) with the write the test names. */
    private static void write(String write, HttpServletResponse response, String text) throws IOException {
        if (write.startsWith("stream")) {
            ServletOutputStream out = response.getOutputStream();
            byte[] framed = framed(BYTES);
            switch (write) {
                case "stream-write-int" -> {
                    for (byte b : BYTES) {
                        out.write(b); // negative for the upper half: the low eight bits are the byte
                    }
                }
                case "stream-write-array" -> out.write(BYTES);
                case "stream-write-array-range" -> out.write(framed, 3, BYTES.length);
                case "stream-write-byte-buffer" -> out.write(ByteBuffer.wrap(framed, 3, BYTES.length));
                case "stream-write-direct-byte-buffer" -> {
                    ByteBuffer direct = ByteBuffer.allocateDirect(framed.length).put(framed);
                    out.write(direct.position(3).limit(3 + BYTES.length));
                }
                case "stream-print" -> {
                    out.print(text);
                    out.print('\u00fc');
                    out.print(42);
                    out.print(-7L);
                    out.print(1.5f);
                    out.print(2.25d);
                    out.print(true);
                    out.println();
                    out.println(text);
                    out.println('\u00e9');
                    out.println(42);
                    out.println(-7L);
                    out.println(1.5f);
                    out.println(2.25d);
                    out.println(false);
                }
                default -> throw new IllegalArgumentException(write);
            }
            return;
        }
        PrintWriter writer = response.getWriter();
        String framed = "<<<" + text + ">>>";
        switch (write) {
            case "writer-write-int" -> text.chars().forEach(writer::write);
            case "writer-write-chars" -> writer.write(text.toCharArray());
            case "writer-write-chars-range" -> writer.write(framed.toCharArray(), 3, text.length());
            case "writer-write-string" -> writer.write(text);
            case "writer-write-string-range" -> writer.write(framed, 3, text.length());
            case "writer-append" -> writer.append(text, 0, 3).append(text.charAt(3))
                    .append(new StringBuilder(text.substring(4)));
            case "writer-print" -> {
                writer.print(text);
                writer.print('\u00fc');
                writer.print(42);
                writer.print(-7L);
                writer.print(1.5f);
                writer.print(2.25d);
                writer.print(true);
                writer.print(new char[] {'\u00e9', '!'});
                writer.print((Object) "object");
                writer.print((String) null);
            }
            case "writer-println" -> {
                writer.println();
                writer.println(text);
                writer.println('\u00fc');
                writer.println(42);
                writer.println(-7L);
                writer.println(1.5f);
                writer.println(2.25d);
                writer.println(false);
                writer.println(new char[] {'\u00e9', '!'});
                writer.println((Object) "object");
            }
            // Formatted by the container's writer, with the response's locale: strings only, which no locale changes.
            case "writer-printf" -> writer.printf("%s|%s%n", text, "\u00fc").format("[%s]%n", "\u00e9");
            case "writer-printf-with-locale" -> writer.printf(Locale.ROOT, "%.2f|%,d%n", 1234.5, 1234567)
                    .format(Locale.GERMANY, "%.2f %s%n", 1.5, text);
            default -> throw new IllegalArgumentException(write);
        }
    }

    /** What {@link #write} writes, as the client must get it. */
    private static byte[] expected(String write, String text, Charset charset) {
        String written = switch (write) {
            case "stream-write-int", "stream-write-array", "stream-write-array-range", "stream-write-byte-buffer",
                    "stream-write-direct-byte-buffer" -> null;
            case "stream-print" -> text + "\u00fc42-71.52.25true\r\n" + text + "\r\n\u00e9\r\n42\r\n-7\r\n1.5\r\n"
                    + "2.25\r\nfalse\r\n";
            case "writer-print" -> text + "\u00fc42-71.52.25true\u00e9!objectnull";
            case "writer-println" -> NL + text + NL + "\u00fc" + NL + "42" + NL + "-7" + NL + "1.5" + NL + "2.25" + NL
                    + "false" + NL + "\u00e9!" + NL + "object" + NL;
            case "writer-printf" -> text + "|\u00fc" + NL + "[\u00e9]" + NL;
            case "writer-printf-with-locale" -> "1234.50|1,234,567" + NL + "1,50 " + text + NL;
            default -> text;
        };
        return written == null ? BYTES.clone() : written.getBytes(charset);
    }

    private static void writeLarge(String write, HttpServletResponse response) throws IOException {
        if (write.startsWith("stream")) {
            ServletOutputStream out = response.getOutputStream();
            byte[] body = largeBytes();
            switch (write) {
                case "stream-write-array" -> out.write(body);
                case "stream-write-pieces" -> {
                    for (int at = 0; at < body.length; at += 1000) {
                        out.write(body, at, Math.min(1000, body.length - at));
                    }
                }
                case "stream-write-int" -> {
                    for (byte b : body) {
                        out.write(b);
                    }
                }
                default -> throw new IllegalArgumentException(write);
            }
            return;
        }
        PrintWriter writer = response.getWriter();
        String body = largeText();
        switch (write) {
            case "writer-write-string" -> writer.write(body);
            case "writer-write-pieces" -> {
                char[] chars = body.toCharArray();
                for (int at = 0; at < chars.length; at += 1000) {
                    writer.write(chars, at, Math.min(1000, chars.length - at));
                }
            }
            case "writer-write-int" -> body.chars().forEach(writer::write);
            default -> throw new IllegalArgumentException(write);
        }
    }

    /** Waits for the client to have the first part, and says whether it did. */
    private static String restOnceTheClientSaw(HttpServletRequest request) {
        return Await.opened(clientSaw(request.getParameter("id"))) ? REST : ", which the client never saw before";
    }

    private static CountDownLatch clientSaw(String id) {
        return clientSaw.computeIfAbsent(id, ignored -> new CountDownLatch(1));
    }

    private static CompletableFuture<Boolean> applicationSaw(String id) {
        return applicationSaw.computeIfAbsent(id, ignored -> new CompletableFuture<>());
    }

    private static CompletableFuture<Integer> eventsWritten(String id) {
        return eventsWritten.computeIfAbsent(id, ignored -> new CompletableFuture<>());
    }

    private static byte[] everyByte() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    /** The bytes between three others on each side, for a write of a range. */
    private static byte[] framed(byte[] bytes) {
        byte[] framed = new byte[bytes.length + 6];
        framed[0] = framed[1] = framed[2] = '<';
        System.arraycopy(bytes, 0, framed, 3, bytes.length);
        framed[framed.length - 3] = framed[framed.length - 2] = framed[framed.length - 1] = '>';
        return framed;
    }

    /** {@value #LARGE} bytes no two neighbouring 256 of which are alike: a piece lost or repeated shows. */
    private static byte[] largeBytes() {
        byte[] bytes = new byte[LARGE];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 7 + (i >> 8));
        }
        return bytes;
    }

    /** Numbered lines of {@link #TEXT}, {@value #LARGE} characters and more of them. */
    private static String largeText() {
        StringBuilder text = new StringBuilder(LARGE + 100);
        for (int line = 0; text.length() < LARGE; line++) {
            text.append(line).append(' ').append(TEXT);
        }
        return text.toString();
    }

    /** 4 MB, more than the client's and the server's socket buffers hold between them. */
    private static byte[] nonBlockingBody() {
        byte[] bytes = new byte[4 << 20];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 13 + (i >> 10));
        }
        return bytes;
    }
}
