package io.github.errorpages;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.Blackhole;
import io.github.errorpages.upstream.AsyncUpstreamCall;
import io.github.errorpages.upstream.UpstreamCall;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Produces each failure for real, over loopback sockets with the JDK's HttpClient and with HttpURLConnection,
 * and checks the cause the classifier finds, the status and the Retry-After the policy picks (standards R2, R8,
 * R9).
 */
class FailureClassifierIntegrationTests {

    private final FailureClassifier classifier = FailureClassifier.ofDefaults();
    private final ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private Closeable resource;

    @AfterEach
    void close() throws Exception {
        if (resource != null) {
            resource.close();
        }
    }

    /** A fault: how to set it up (returns the URI to call) and what it must be classified as. */
    record Fault(String name, Supplier<Object> setUp, FailureCause cause, int status, long retryAfter) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Failures that both clients report alike. */
    static Stream<Fault> eitherClientsFaults() {
        return Stream.of(
                new Fault("connection refused", () -> URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                        FailureCause.CONNECTION_REFUSED, 502, 10),
                new Fault("unresolvable .invalid host", () -> URI.create("http://billing-internal.invalid:8443"),
                        FailureCause.DNS_ERROR, 502, 10),
                new Fault("connect timeout (full accept queue)", Blackhole::open,
                        FailureCause.CONNECTION_TIMEOUT, 504, 10),
                new Fault("reset before response", () -> FaultyUpstream.start(Behaviour.resetBeforeResponse()),
                        FailureCause.CONNECTION_TERMINATED, 502, 10),
                // HttpURLConnection: "Unexpected end of file from server". Nothing arrived, as the HttpClient's
                // "received no bytes" says, so retried alike (DEFAULT_RETRY_CAUSES), not an incomplete response.
                new Fault("closed before response", () -> FaultyUpstream.start(Behaviour.closeBeforeResponse()),
                        FailureCause.CONNECTION_TERMINATED, 502, 10),
                new Fault("self-signed certificate", () -> FaultyUpstream.startTlsSelfSigned(Behaviour.ok()),
                        FailureCause.TLS_CERTIFICATE_ERROR, 502, 10),
                // Bad chunked framing (R2: http_protocol_error), not a failure nothing recognises (500), nor a head
                // over a size limit. HttpClient: "Illegal character in chunk size", "invalid chunk header";
                // HttpURLConnection: "Bogus chunk size", "missing CR".
                new Fault("chunk size not hexadecimal",
                        () -> FaultyUpstream.start(Behaviour.chunked("zz\r\nhello\r\n")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("chunked body cut short", () -> FaultyUpstream.start(Behaviour.chunked("50\r\nhello")),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE, 502, 10));
    }

    static Stream<Arguments> faults() {
        return Stream.concat(eitherClientsFaults(), Stream.of(
                new Fault("no answer within the response timeout", () -> FaultyUpstream.start(Behaviour.stall()),
                        FailureCause.HTTP_RESPONSE_TIMEOUT, 504, 10),
                new Fault("garbage status line", () -> FaultyUpstream.start(Behaviour.garbage()),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                // Over the JDK client's jdk.http.maxHeaderSize (384 KiB by default since 17.0.12 and 21.0.4).
                new Fault("response head over the client's limit", () -> FaultyUpstream.start(
                        Behaviour.respond(200, "ok", "X-Padding", "p".repeat(400_000))),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE, 502, 10),
                new Fault("Content-Length not a number", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("Content-Length a list", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                // Bad framing as Jetty's client says too, not a body cut short ("fixed content-length: -5").
                new Fault("Content-Length negative", () -> FaultyUpstream.start(exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello");
                    exchange.closeConnection();
                }), FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("204 announcing a body", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("truncated body", () -> FaultyUpstream.start(Behaviour.truncatedBody()),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE, 502, 10),
                // The JDK reports a reset after part of a fixed-length body as a short body, not as a reset.
                new Fault("reset mid-body", () -> FaultyUpstream.start(Behaviour.resetMidBody()),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE, 502, 10),
                new Fault("chunk header without LF", () -> FaultyUpstream.start(Behaviour.chunked("5\rhello\r\n")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10)))
                .map(Arguments::of);
    }

    /**
     * The failures of {@link #eitherClientsFaults()} and more with the blocking {@link HttpURLConnection} (what a
     * RestTemplate without a request factory of its own uses), whose exceptions differ: a SocketTimeoutException
     * for either timeout, an IOException with a message of its own for a response it cannot parse.
     */
    static Stream<Arguments> blockingFaults() {
        return Stream.concat(eitherClientsFaults(), Stream.of(
                new Fault("no answer within the read timeout", () -> FaultyUpstream.start(Behaviour.stall()),
                        FailureCause.CONNECTION_READ_TIMEOUT, 504, 10),
                // "Invalid Http response"
                new Fault("garbage status line", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                // "missing CR"
                new Fault("chunk data without CRLF", () -> FaultyUpstream.start(Behaviour.chunked("5\r\nhelloXX")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                // "missing LF": a chunk's data ended by a CR alone
                new Fault("chunk data with CR without LF",
                        () -> FaultyUpstream.start(Behaviour.chunked("5\r\nhello\rX\r\n0\r\n\r\n")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                // "Server returned HTTP response code: 600 for URL: ...": a status outside 100-599 is invalid (RFC 9110
                // §15: treated as a 5xx), a malformed response (R2), not the internal error nothing recognised.
                new Fault("status 600", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 600 Weird\r\nContent-Length: 2\r\n\r\nok")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10)))
                .map(Arguments::of);
    }

    /**
     * A NumberFormatException the JDK's client throws while it reads a response head ("Content-Length: abc") is
     * the upstream's; one thrown by the caller's own code that the client calls back is a bug, not classified.
     */
    @Test
    void numberFormatExceptionOfTheCallersBodyMappingIsNoUpstreamFailure() throws Exception {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "not a number"));
        resource = upstream;
        HttpRequest request = HttpRequest.newBuilder(upstream.uri().resolve("/count")).build();

        Throwable thrown = catchThrowable(() -> client.send(request, info ->
                HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                        Integer::parseInt)));

        assertThat(thrown).hasRootCauseInstanceOf(NumberFormatException.class);
        assertThat(classifier.classify(thrown)).isEmpty();
    }

    /**
     * The same bug in an asynchronous stage of the caller's (the body parsed by {@code Long::parseLong} on the
     * common pool): no frame of the caller's or of the client is on the stack, only the JDK's own. No Content-Length
     * of a response, so no 502 http_protocol_error (R2) for a healthy upstream's answer.
     */
    @Test
    void numberFormatExceptionOfTheCallersAsyncStageIsNoUpstreamFailure() {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "not a number"));
        resource = upstream;
        HttpRequest request = HttpRequest.newBuilder(upstream.uri().resolve("/count")).build();

        Throwable thrown = catchThrowable(() -> client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApplyAsync(HttpResponse::body).thenApplyAsync(Long::parseLong).join());

        assertThat(thrown).hasRootCauseInstanceOf(NumberFormatException.class);
        assertThat(classifier.classify(thrown)).isEmpty();
    }

    /**
     * An https:// upstream whose port ends the connection during the TLS handshake (a plain listener that takes the
     * ClientHello for a request and closes), called with HttpsURLConnection (a RestTemplate's default): "Remote host
     * terminated the handshake" over an EOFException. A failed handshake (R2: tls_protocol_error, 502), not a failed
     * check of the upstream's certificate, which nothing below it names. (The JDK 17 HttpClient reports this
     * handshake only as "HTTP connect timed out" once its connect timeout passes.)
     */
    @Test
    void handshakeTheUpstreamEndsIsATlsProtocolError() throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        resource = listener;
        CompletableFuture.runAsync(() -> {
            try (Socket accepted = listener.accept()) {
                accepted.getInputStream().read(new byte[512]); // a part of the ClientHello, then the close
            } catch (IOException closed) {
                // the test is over
            }
        }, OWN_THREAD);
        HttpURLConnection connection = (HttpURLConnection) URI.create("https://127.0.0.1:" + listener.getLocalPort()
                + "/orders").toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(10_000);

        Throwable thrown = catchThrowable(connection::getResponseCode);

        assertThat(thrown).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        assertThat(classifier.classify(thrown)).hasValueSatisfying(
                failure -> assertThat(failure.cause()).as(String.valueOf(thrown))
                        .isEqualTo(FailureCause.TLS_PROTOCOL_ERROR));
    }

    /**
     * The JDK's {@code HttpClient.send} rethrows the caller's own exception from a body handler (a JSON mapping
     * that throws Jackson's parse error, an IOException outside the JDK's packages, in an UncheckedIOException) as
     * a new {@code java.io.IOException} with the same message. A healthy upstream answered; the words the parser
     * quoted ("reset", "end-of-input", "protocol") are not the JDK's and make no 502 (R2, R4).
     */
    @ParameterizedTest
    @ValueSource(strings = {"Unrecognized field \"reset\" (class Order), not marked as ignorable",
        "Unexpected end-of-input: expected close marker for Object", "Illegal character ((CTRL-CHAR)) (protocol)"})
    void callersBodyHandlerExceptionRethrownByTheClientIsNoUpstreamFailure(String parseError) {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "{\"id\": 42}"));
        resource = upstream;
        HttpRequest request = HttpRequest.newBuilder(upstream.uri().resolve("/orders/42")).build();

        Throwable thrown = catchThrowable(() -> client.send(request, info ->
                HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                        json -> {
                            throw new UncheckedIOException(new JsonParseError(parseError));
                        })));

        assertThat(thrown).isExactlyInstanceOf(IOException.class).hasMessageContaining(parseError)
                .hasRootCauseInstanceOf(JsonParseError.class);
        assertThat(classifier.classify(thrown)).isEmpty();
    }

    /** Stands in for Jackson 2's {@code JsonParseException}: an IOException of a data format library. */
    private static final class JsonParseError extends IOException {
        private static final long serialVersionUID = 1L;

        JsonParseError(String message) {
            super(message);
        }
    }

    /**
     * An exception whose message is a file's path or a URL says nothing about a connection, whatever words the path
     * holds: HttpURLConnection's 404 (a FileNotFoundException of the URL) passes through as the troubleshooting
     * guide promises, and so does a missing local file; neither is a 502 {@code connection_terminated} (R2, R4).
     */
    @Test
    void pathsAndUrlsInMessagesAreNoUpstreamFailure(@TempDir Path folder) throws Exception {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(404, "no such page"));
        resource = upstream;
        URI reset = upstream.uri().resolve("/password/reset");

        Throwable notFound = catchThrowable(() -> reset.toURL().openStream().close());
        Throwable noFile = catchThrowable(() -> Files.readString(folder.resolve("reset-tokens.txt")));
        Throwable noStream = catchThrowable(() -> new FileInputStream(folder.resolve("closed-accounts.csv").toFile()));

        assertThat(notFound).isInstanceOf(FileNotFoundException.class).hasMessageContaining("/password/reset");
        assertThat(classifier.classify(notFound)).isEmpty();
        assertThat(noFile).isInstanceOf(NoSuchFileException.class);
        assertThat(classifier.classify(noFile)).isEmpty();
        assertThat(classifier.classify(noStream)).isEmpty();
    }

    /**
     * The JDK HttpClient's body stream closed on this side and read on: its IOException "closed". Spring's
     * JdkClientHttpRequestFactory closes the stream when its read timeout passes, so the thread reading a stalled
     * body gets this and no timeout of its own. Too slow an upstream (R2: 504), not one that closed the connection
     * (502), which it did not.
     */
    @Test
    void jdkBodyStreamClosedHereIsAReadTimeoutNotATerminatedConnection() throws Exception {
        InputStream body = bodyStreamFrom(Behaviour.stallMidBody());
        assertThat(body.read()).as("the body's first byte").isNotNegative();
        body.close(); // as Spring's read timeout does, from its timer thread

        Throwable thrown = catchThrowable(body::readAllBytes); // what was buffered, then the stream's own failure

        assertThat(thrown).isExactlyInstanceOf(IOException.class).hasMessage("closed");
        assertThat(classifier.classify(thrown)).map(UpstreamFailure::cause)
                .contains(FailureCause.CONNECTION_READ_TIMEOUT);
    }

    /**
     * The same stream failed by the upstream, which closed the connection mid-body: its "closed" has the upstream's
     * failure for a cause, which decides (R2: 502). Not a read timeout.
     */
    @Test
    void jdkBodyStreamFailedByTheUpstreamIsNoReadTimeout() throws Exception {
        InputStream body = bodyStreamFrom(Behaviour.truncatedBody());

        Throwable thrown = catchThrowable(body::readAllBytes);

        assertThat(thrown).isNotNull();
        assertThat(classifier.classify(thrown)).map(UpstreamFailure::cause)
                .contains(FailureCause.HTTP_RESPONSE_INCOMPLETE);
    }

    /** The JDK HttpClient's body stream ({@code ofInputStream()}) of an upstream that behaves so. */
    private InputStream bodyStreamFrom(Behaviour behaviour) throws IOException, InterruptedException {
        FaultyUpstream upstream = FaultyUpstream.start(behaviour);
        resource = upstream;
        return client.send(HttpRequest.newBuilder(upstream.uri()).build(), HttpResponse.BodyHandlers.ofInputStream())
                .body();
    }

    /**
     * A thread interrupted while it blocks on a {@link SocketChannel} gets a ClosedByInterruptException, which is a
     * ClosedChannelException: the caller gave up, as with an InterruptedIOException, and the upstream closed
     * nothing. Neither a page nor a failure for the breaker, nor a retry.
     */
    @Test
    void interruptedChannelReadIsAClientAbortNotAClosedConnection() {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.stall());
        resource = upstream;
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"),
                attempt -> readInterrupted(attempt.endpoint(), false)));
        boolean interrupted = Thread.interrupted(); // and cleared for the next test

        assertThat(interrupted).as("consumed, as by any method that throws InterruptedException").isFalse();
        assertCallerAbort(guard, thrown, ClosedByInterruptException.class);
    }

    /**
     * A virtual thread (JDK 21 and later) interrupted while it blocks on a {@link Socket} has the socket closed and
     * gets a SocketException "Closed by interrupt": the caller gave up, as on a channel, and the upstream closed
     * nothing. Started through reflection, as the tests compile for Java 17.
     */
    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void interruptedVirtualThreadsSocketReadIsAClientAbortNotAClosedConnection() throws Exception {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.stall());
        resource = upstream;
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Runnable call = () -> thrown.complete(catchThrowable(() -> guard.call(UpstreamRequest.of("GET"),
                attempt -> readInterrupted(attempt.endpoint(), true))));

        Object virtualThreads = Thread.class.getMethod("ofVirtual").invoke(null);
        Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(virtualThreads, call);

        Throwable failure = thrown.get(10, TimeUnit.SECONDS);
        assertCallerAbort(guard, failure, SocketException.class);
        assertThat(failure.getCause()).hasMessage("Closed by interrupt");
    }

    private void assertCallerAbort(UpstreamGuard guard, Throwable thrown, Class<? extends Throwable> cause) {
        // UpstreamGuard.call's javadoc: an interrupt during an attempt is an InterruptedException, the client's
        // exception its cause.
        assertThat(thrown).isInstanceOf(InterruptedException.class).hasCauseInstanceOf(cause);
        assertThat(classifier.classify(thrown.getCause())).isEmpty();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.metrics().retries()).isZero();
    }

    /** Sends a request, then reads the answer that never comes, the thread interrupted as the read starts. */
    private static String readInterrupted(URI endpoint, boolean blockingSocket) throws IOException {
        ByteBuffer request = StandardCharsets.US_ASCII.encode("GET /orders/42 HTTP/1.1\r\nHost: orders\r\n\r\n");
        InetSocketAddress address = new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
        if (blockingSocket) {
            try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                socket.getOutputStream().write(request.array(), 0, request.limit());
                Thread.currentThread().interrupt(); // as a cancelled task or a shutdown would
                return "never " + socket.getInputStream().read();
            }
        }
        try (SocketChannel channel = SocketChannel.open(address)) {
            channel.write(request);
            Thread.currentThread().interrupt();
            return "never " + channel.read(ByteBuffer.allocate(1024));
        }
    }

    /**
     * A network the host has no route to (ENETUNREACH): the destination is unroutable (R2, RFC 9209 §2.3.6), for
     * a blocking socket (a SocketException of no type of its own, which nothing recognised) as for the HttpClient
     * (which wraps it in a ConnectException, so far taken for a refused connection). Linux refuses a TCP connect to
     * the broadcast address this way at once, before any packet leaves.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void unreachableNetworkIsAnUnroutableDestination() {
        URI broadcast = URI.create("http://255.255.255.255:80/orders/42");

        Throwable fromSocket = catchThrowable(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(broadcast.getHost(), broadcast.getPort()), 500);
            }
        });
        Throwable fromConnection = catchThrowable(() -> broadcast.toURL().openStream().close());
        Throwable fromClient = catchThrowable(() -> client.send(HttpRequest.newBuilder(broadcast).build(),
                HttpResponse.BodyHandlers.discarding()));

        assertThat(fromSocket).hasMessageContaining("Network is unreachable");
        for (Throwable thrown : List.of(fromSocket, fromConnection, fromClient)) {
            UpstreamFailure failure = classifier.classify(thrown).orElseThrow(
                    () -> new AssertionError("not classified: " + thrown, thrown));
            assertThat(failure.cause()).as("cause of %s", thrown).isEqualTo(FailureCause.DESTINATION_IP_UNROUTABLE);
            assertThat(policy.decide(failure).status()).isEqualTo(502);
        }
    }

    /**
     * An upstream that requires a client certificate (mTLS) the gateway does not present ends the handshake with
     * its alert ("Received fatal alert: bad_certificate"): tls_alert_received, where the troubleshooting guide
     * sends operators for mTLS, not tls_certificate_error, which says the upstream's own certificate failed the
     * gateway's check (R2, RFC 9209 §2.3.14, §2.3.15).
     */
    @Test
    void upstreamRejectingTheClientCertificateIsAnAlertReceived() {
        FaultyUpstream upstream = FaultyUpstream.startTlsRequiringClientCertificate(Behaviour.ok());
        resource = upstream;
        URI uri = upstream.uri().resolve("/orders/42");
        SSLContext trusting = FaultyUpstream.trustingSelfSigned();

        Throwable thrown = catchThrowable(() -> HttpClient.newBuilder().sslContext(trusting).build()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()));

        assertThat(thrown).hasMessageContaining("Received fatal alert");
        assertThat(classifier.classify(thrown)).map(UpstreamFailure::cause).contains(FailureCause.TLS_ALERT_RECEIVED);
    }

    /**
     * HttpURLConnection throws for an upstream's 5xx ("Server returned HTTP response code: 503 for URL: ..."): a
     * well-formed response, whose status is kept (R3) whatever words its URL holds, and which the guard counts and
     * retries as a 503 it read itself. Its 4xx are no upstream failure.
     */
    @Test
    void httpUrlConnectionsExceptionForA5xxKeepsTheUpstreamsStatus() {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(
                exchange.request().target().startsWith("/busy") ? 503 : 429, "try later", "Retry-After", "20"));
        resource = upstream;

        Throwable busy = catchThrowable(() -> upstream.uri().resolve("/busy/protocol").toURL().openStream().close());
        Throwable limited = catchThrowable(() -> upstream.uri().resolve("/limited").toURL().openStream().close());
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).build());
        UpstreamFailure guarded = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    try (InputStream body = attempt.endpoint().resolve("/busy").toURL().openStream()) {
                        return body.readAllBytes();
                    }
                })).failure();

        UpstreamFailure failure = classifier.classify(busy).orElseThrow(() -> new AssertionError(busy));
        assertThat(failure.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(failure.upstreamStatus()).isEqualTo(503);
        assertThat(policy.decide(failure).status()).isEqualTo(503);
        assertThat(policy.decide(failure).retryAfterHeader()).isNotNull();
        assertThat(classifier.classify(limited)).isEmpty();
        assertThat(guarded.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(guarded.upstreamStatus()).isEqualTo(503);
        assertThat(guarded.attempts()).isEqualTo(2);
    }

    /** One attempt as an application writes it with HttpURLConnection: a GET whose body is read whole. */
    private static UpstreamCall<byte[]> urlConnectionGet(String path) {
        return attempt -> {
            try (InputStream body = attempt.endpoint().resolve(path).toURL().openStream()) {
                return body.readAllBytes();
            }
        };
    }

    /** The attempt run on another thread, its exception completing the future. */
    private static AsyncUpstreamCall<byte[]> onAnotherThread(UpstreamCall<byte[]> call) {
        return attempt -> CompletableFuture.supplyAsync(() -> {
            try {
                return call.call(attempt);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, OWN_THREAD);
    }

    /**
     * HttpURLConnection's exception for an upstream 4xx (a FileNotFoundException of the URL for a 404, "Server returned
     * HTTP response code: 400" for the others) is that response too, never a failure: the caller gets its own
     * exception back, one attempt, a success for the breaker and the metrics. It was a proxy_internal_error, which
     * ErrorPages answered with the 500 page, while the troubleshooting guide promises that a 404 passes through.
     */
    @ParameterizedTest
    @ValueSource(ints = {404, 400, 410, 429})
    void httpUrlConnectionsExceptionForA4xxIsTheResponseNotAFailure(int status) {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(status, "client error"));
        resource = upstream;
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(2).build());
        UpstreamCall<byte[]> call = urlConnectionGet("/orders/42");
        AsyncUpstreamCall<byte[]> asyncCall = onAnotherThread(call);

        AsyncUpstreamCall<byte[]> uncheckedAsyncCall = attempt -> CompletableFuture.supplyAsync(() -> {
            try {
                return call.call(attempt);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // the usual way out of a Supplier
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, OWN_THREAD);

        Throwable returned = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), call));
        Throwable returnedAsync = catchThrowable(() -> guard.callAsync(UpstreamRequest.of("GET"), asyncCall).join());
        Throwable returnedUnchecked = catchThrowable(
                () -> guard.callAsync(UpstreamRequest.of("GET"), uncheckedAsyncCall).join());

        Class<? extends IOException> thrownForIt = status == 404 || status == 410 ? FileNotFoundException.class
                : IOException.class;
        assertThat(returned).isExactlyInstanceOf(UncheckedIOException.class).cause().isExactlyInstanceOf(thrownForIt);
        assertThat(returnedAsync).isExactlyInstanceOf(CompletionException.class).cause()
                .isExactlyInstanceOf(thrownForIt);
        assertThat(returnedUnchecked).isExactlyInstanceOf(CompletionException.class).cause()
                .isExactlyInstanceOf(UncheckedIOException.class).cause().isExactlyInstanceOf(thrownForIt);
        assertThat(ErrorPages.ofDefaults().handle(returned, ErrorRequest.of("GET", "/orders/42"))).isEmpty();
        assertThat(guard.metrics().successfulCalls()).isEqualTo(3);
        assertThat(guard.metrics().failedCalls()).isZero();
        assertThat(guard.metrics().abortedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(3);
        assertThat(upstream.requestCount()).isEqualTo(3); // one per call: no retry
    }

    /**
     * Over HTTPS too (HttpsURLConnection, whose 404 is a FileNotFoundException of the {@code https://} URL), the
     * upstream's 404 is its answer, handed back to the caller after one attempt, a success for the breaker (R3),
     * not an internal error that ErrorPages answers with its 500 page (R1, R22).
     */
    @Test
    void httpsUrlConnectionsExceptionForA404IsTheResponseNotAFailure() {
        FaultyUpstream upstream = FaultyUpstream.startTlsSelfSigned(
                exchange -> exchange.respond(404, "no such order"));
        resource = upstream;
        URI endpoint = URI.create("https://localhost:" + upstream.port());
        SSLSocketFactory trusting = FaultyUpstream.trustingSelfSigned().getSocketFactory();
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(endpoint).build());

        Throwable returned = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            HttpsURLConnection connection =
                    (HttpsURLConnection) attempt.endpoint().resolve("/orders/42").toURL().openConnection();
            connection.setSSLSocketFactory(trusting);
            try (InputStream body = connection.getInputStream()) {
                return body.readAllBytes();
            }
        }));

        assertThat(returned).isExactlyInstanceOf(UncheckedIOException.class).cause()
                .isExactlyInstanceOf(FileNotFoundException.class).hasMessageStartingWith("https://localhost:");
        assertThat(ErrorPages.ofDefaults().handle(returned, ErrorRequest.of("GET", "/orders/42"))).isEmpty();
        assertThat(guard.metrics().successfulCalls()).isEqualTo(1);
        assertThat(guard.metrics().failedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    /**
     * An application's own checked exception around HttpURLConnection's 404 cannot reach the synchronous caller as it
     * is: the call fails as with any exception that is no upstream failure (proxy_internal_error), rather than
     * throwing the CancellationException the guard keeps for a cancelled attempt.
     */
    @Test
    void anApplicationsCheckedExceptionAroundA4xxFailsTheCall() {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(404, "no such order"));
        resource = upstream;
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    try (InputStream body = attempt.endpoint().resolve("/orders/42").toURL().openStream()) {
                        return body.readAllBytes();
                    } catch (FileNotFoundException notFound) {
                        throw new Exception("order 42 not found upstream", notFound); // an application's own
                    }
                }));

        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    /**
     * Only HttpURLConnection's FileNotFoundException of a URL is the upstream's 404: one the application makes itself
     * naming a URL (a missing cached copy, say), or one whose stack trace is gone (made without one, or stripped),
     * is no response the upstream gave. The call fails as with any exception that is no upstream failure, rather
     * than passing for a 404 the upstream answered: a success for the breaker and the metrics, and no page (R3).
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anApplicationsOwnFileNotFoundExceptionNamingAUrlIsNoResponse(boolean withStackTrace) {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200, "{}"));
        resource = upstream;
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    FileNotFoundException missing = new FileNotFoundException(
                            attempt.endpoint().resolve("/cache/orders/42.json").toString());
                    if (!withStackTrace) {
                        missing.setStackTrace(new StackTraceElement[0]);
                    }
                    throw missing;
                }));

        assertThat(thrown).as("no 404 of the upstream's").isNotNull();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(guard.metrics().successfulCalls()).isZero();
    }

    /**
     * An attempt that throws an IOException without a message (the application's own, a FileNotFoundException made
     * without one) fails the call as any exception that is no upstream failure does (R4: proxy_internal_error, 500):
     * the guard, which reads such exceptions for a response's status as HttpURLConnection words them, must not fail
     * on the missing message and leave the caller a NullPointerException of its own.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anAttemptsIoExceptionWithoutAMessageIsAnInternalError(boolean fileNotFound) {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://orders.internal")).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    throw fileNotFound ? new FileNotFoundException() : new IOException();
                }));

        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(thrown.failure().attempts()).isEqualTo(1);
    }

    /**
     * HttpURLConnection's exception for an upstream 5xx is that response, and the guard treats it as one it read
     * itself: with fail-on-5xx on a failure, counted by the breaker and retried (R3); with fail-on-5xx off no
     * failure at all, like any response (docs/configuration.md): one attempt, nothing counted against the upstream,
     * and the caller gets its own exception back (wrapped in an UncheckedIOException where the synchronous call
     * cannot throw it), not a branded 503.
     */
    @Test
    void httpUrlConnectionsExceptionForA5xxIsAFailureOnlyWhenFailOn5xxIsOn() {
        FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(503, "business error"));
        resource = upstream;
        UpstreamGuard failing = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(2).build());
        UpstreamGuard returning = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2).maxAttempts(2)
                .failOn5xxEnabled(false).build());
        UpstreamCall<byte[]> call = urlConnectionGet("/orders/42");
        AsyncUpstreamCall<byte[]> asyncCall = onAnotherThread(call);

        UpstreamFailure failed = catchThrowableOfType(UpstreamFailureException.class,
                () -> failing.call(UpstreamRequest.of("GET"), call)).failure();
        Throwable returned = catchThrowable(() -> returning.call(UpstreamRequest.of("GET"), call));
        Throwable returnedAsync = catchThrowable(() -> returning.callAsync(UpstreamRequest.of("GET"), asyncCall).join());

        assertThat(failed.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(failed.upstreamStatus()).isEqualTo(503);
        assertThat(failed.attempts()).isEqualTo(2);
        assertThat(failing.metrics().attempts()).isEqualTo(2);
        assertThat(failing.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
        assertThat(returned).isExactlyInstanceOf(UncheckedIOException.class)
                .cause().isExactlyInstanceOf(IOException.class).hasMessageContaining("response code: 503");
        assertThat(returnedAsync).isExactlyInstanceOf(CompletionException.class)
                .cause().isExactlyInstanceOf(IOException.class).hasMessageContaining("response code: 503");
        assertThat(returning.metrics().attempts()).isEqualTo(2); // one per call: no retry
        assertThat(returning.metrics().failedCalls()).isZero();
        assertThat(returning.metrics().successfulCalls()).isEqualTo(2);
        assertThat(returning.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(returning.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(2);
        assertThat(upstream.requestCount()).isEqualTo(4);
    }

    /**
     * HttpURLConnection refuses a call its caller got wrong with a ProtocolException: a bug of the caller's, made
     * before anything was sent, not the upstream's malformed answer. The guard fails the call as an internal error
     * (500, R4) and its breaker does not count it, where a bug of every call would otherwise open it.
     */
    @Test
    void misusedHttpUrlConnectionIsNoUpstreamFailure() {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
        resource = upstream;
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());

        UpstreamFailure method = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    HttpURLConnection connection = open(attempt.endpoint());
                    connection.setRequestMethod("FETCH");
                    return connection.getResponseCode();
                })).failure();
        UpstreamFailure output = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    HttpURLConnection connection = open(attempt.endpoint());
                    connection.getInputStream().close();
                    return connection.getOutputStream();
                })).failure();

        // "Cannot read from URLConnection if doInput=false ...", "HTTP method TRACE doesn't support output".
        List<UpstreamFailure> more = List.of(
                catchThrowableOfType(UpstreamFailureException.class,
                        () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                            HttpURLConnection connection = open(attempt.endpoint());
                            connection.setDoInput(false);
                            return connection.getInputStream();
                        })).failure(),
                catchThrowableOfType(UpstreamFailureException.class,
                        () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                            HttpURLConnection connection = open(attempt.endpoint());
                            connection.setRequestMethod("TRACE");
                            connection.setDoOutput(true);
                            return connection.getOutputStream();
                        })).failure());

        assertThat(method.cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(output.cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(more).extracting(UpstreamFailure::cause).containsOnly(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(policy.decide(output).status()).isEqualTo(500);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * The JDK's exceptions for the application's own local mistakes, with no upstream involved: a base URL without
     * its scheme, a stream reset it cannot be, a string too long for {@code writeUTF}, output to a file URL. Their
     * messages hold "protocol", "reset", "too long": they were 502 pages, and failures of the upstream's breaker.
     */
    @Test
    void localIoMistakesAreNoUpstreamFailures(@TempDir Path files) throws IOException {
        Path file = Files.writeString(files.resolve("orders.json"), "[]");
        List<Throwable> mistakes = List.of(
                catchThrowable(() -> URI.create("orders.internal:8080/api").toURL()),
                catchThrowable(() -> new java.net.URL("htps://orders.internal/api")),
                catchThrowable(() -> InputStream.nullInputStream().reset()),
                catchThrowable(() -> new java.io.BufferedInputStream(new FileInputStream(file.toFile())).reset()),
                catchThrowable(() -> new java.io.DataOutputStream(java.io.OutputStream.nullOutputStream())
                        .writeUTF("x".repeat(70_000))),
                catchThrowable(() -> file.toUri().toURL().openConnection().getOutputStream()));

        assertThat(mistakes).allSatisfy(mistake -> {
            assertThat(mistake).isInstanceOfAny(IOException.class, IllegalArgumentException.class);
            assertThat(classifier.classify(mistake)).as("%s", mistake).isEmpty();
            assertThat(classifier.classify(new UncheckedIOException(new IOException("reading orders failed", mistake))))
                    .as("wrapped %s", mistake).isEmpty();
        });
    }

    private static HttpURLConnection open(URI endpoint) throws IOException {
        return (HttpURLConnection) endpoint.resolve("/orders/42").toURL().openConnection();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void classifiesRealFailure(Fault fault) {
        URI uri = setUp(fault);
        HttpClient budgeted = HttpClient.newBuilder().connectTimeout(connectTimeout(fault)).build();
        HttpRequest request = HttpRequest.newBuilder(uri.resolve("/orders/42")).timeout(responseTimeout(fault))
                .build();

        Throwable thrown = catchThrowable(() -> budgeted.send(request, HttpResponse.BodyHandlers.ofString()));

        assertClassified(fault, thrown);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blockingFaults")
    void classifiesRealFailureOfHttpUrlConnection(Fault fault) {
        URI uri = setUp(fault);

        Throwable thrown = catchThrowable(() -> {
            HttpURLConnection connection = (HttpURLConnection) uri.resolve("/orders/42").toURL().openConnection();
            connection.setConnectTimeout((int) connectTimeout(fault).toMillis());
            connection.setReadTimeout((int) responseTimeout(fault).toMillis());
            try (InputStream body = connection.getInputStream()) {
                body.readAllBytes();
            }
        });

        assertClassified(fault, thrown);
    }

    /**
     * Short where the fault is a connect that never completes, which the call waits out; otherwise a budget the call
     * never waits out, as the upstream's answer or close ends it: the JDK client's connect timeout covers the TLS
     * handshake too, which, the first of the JVM on a loaded machine, took longer than 500 ms (a self-signed
     * certificate reported as a connect timeout).
     */
    private static Duration connectTimeout(Fault fault) {
        return fault.cause() == FailureCause.CONNECTION_TIMEOUT ? Duration.ofMillis(500) : Duration.ofSeconds(10);
    }

    /** Short where the fault is an upstream that never answers, which the call waits out; otherwise a budget. */
    private static Duration responseTimeout(Fault fault) {
        return fault.cause() == FailureCause.HTTP_RESPONSE_TIMEOUT || fault.cause() == FailureCause
                .CONNECTION_READ_TIMEOUT ? Duration.ofMillis(700) : Duration.ofSeconds(10);
    }

    private URI setUp(Fault fault) {
        Object target = fault.setUp().get();
        if (target instanceof FaultyUpstream upstream) {
            resource = upstream;
            return upstream.uri();
        }
        if (target instanceof Blackhole blackhole) {
            resource = blackhole;
            return blackhole.uri();
        }
        return (URI) target;
    }

    private void assertClassified(Fault fault, Throwable thrown) {
        assertThat(thrown).as("the call must fail").isNotNull();
        UpstreamFailure failure = classifier.classify(thrown).orElseThrow(
                () -> new AssertionError("not classified: " + thrown, thrown));
        assertThat(failure.cause()).as("cause of %s", thrown).isEqualTo(fault.cause());
        ErrorDecision decision = policy.decide(failure);
        assertThat(decision.status()).isEqualTo(fault.status());
        assertThat(decision.errorCode()).isEqualTo(fault.cause().token());
        assertThat(decision.retryAfterHeader()).isEqualTo(Long.toString(fault.retryAfter()));
    }
}
