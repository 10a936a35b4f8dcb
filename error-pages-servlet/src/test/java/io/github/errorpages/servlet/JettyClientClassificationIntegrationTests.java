package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Application code that calls its upstream with Jetty 12's own client and lets the exception reach error-pages:
 * the cause of each connection that ends early, over real loopback sockets. Jetty reports all of them as an
 * {@code EOFException}; one that ended while the body came is a response cut short (R1: 502
 * {@code http_response_incomplete}, not retried), one before the head a connection torn down (retried, R47). The
 * body's were all {@code connection_terminated}, which the docs' table put under the reset before the head.
 */
class JettyClientClassificationIntegrationTests {

    private static final HttpClient CLIENT = new HttpClient();
    /** One whose application bounds a response's head, as the proxy's Jetty transport does (8 KiB). */
    private static final HttpClient BOUNDED = new HttpClient();

    private final FailureClassifier classifier = FailureClassifier.ofDefaults();

    @BeforeAll
    static void startClient() throws Exception {
        CLIENT.start();
        BOUNDED.setMaxResponseHeadersSize(8 * 1024);
        BOUNDED.start();
    }

    @AfterAll
    static void stopClient() throws Exception {
        CLIENT.stop();
        BOUNDED.stop();
    }

    static Stream<Arguments> endsEarly() {
        return Stream.of(
                Arguments.of("a body short of its Content-Length", Behaviour.truncatedBody(),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE),
                Arguments.of("a reset mid-body", Behaviour.resetMidBody(), FailureCause.HTTP_RESPONSE_INCOMPLETE),
                Arguments.of("a close before the head", Behaviour.closeBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                Arguments.of("a reset before the head", Behaviour.resetBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                // Jetty's parser's "Early EOF" in an HttpResponseException (R2): ended as a close before the head,
                // not a head it could not parse (http_protocol_error, which a GET does not retry).
                Arguments.of("a close inside the head", (Behaviour) exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nX-Request: ord");
                    exchange.closeConnection();
                }, FailureCause.CONNECTION_TERMINATED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endsEarly")
    void connectionThatEndsEarlyIsNamedByWhereItEnded(String fault, Behaviour behaviour, FailureCause cause) {
        try (FaultyUpstream upstream = FaultyUpstream.start(behaviour)) {
            Throwable thrown = catchThrowable(() -> CLIENT.newRequest(upstream.uri().resolve("/orders"))
                    .timeout(10, TimeUnit.SECONDS).send());

            assertThat(thrown).as(fault).isNotNull();
            assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(fault + ": " + thrown)
                    .hasValue(cause);
        }
    }

    static Stream<Arguments> unparsable() {
        return Stream.of(
                Arguments.of("a head over the client's maxResponseHeadersSize", Behaviour.respond(200, "ok",
                        "X-Padding", "p".repeat(20_000)), FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                Arguments.of("a status line that is no HTTP", Behaviour.garbage(), FailureCause.HTTP_PROTOCOL_ERROR));
    }

    /**
     * A response Jetty's client refuses while it parses it: its HttpResponseException around the parser's
     * exception, whose words say what was wrong. A head over the limit the application set on the client
     * ({@code maxResponseHeadersSize}; Jetty's own default lets 20 KB through) is the upstream's oversized header
     * section (R2: 502 {@code http_response_header_section_size}, as the JDK's client's "Header size too big" is),
     * not just any malformed response, which is {@code http_protocol_error}.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unparsable")
    void responseTheClientCannotParseIsNamedByWhatItsParserSaid(String fault, Behaviour behaviour,
            FailureCause cause) {
        try (FaultyUpstream upstream = FaultyUpstream.start(behaviour)) {
            Throwable thrown = catchThrowable(() -> BOUNDED.newRequest(upstream.uri().resolve("/orders"))
                    .timeout(10, TimeUnit.SECONDS).send());

            assertThat(thrown).as(fault).isNotNull();
            assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(fault + ": " + thrown)
                    .hasValue(cause);
        }
    }

    /**
     * Jetty's client refuses a well-formed 401 without a {@code WWW-Authenticate} challenge with the same
     * HttpResponseException, but no parser's exception under it: the upstream answered, and a 401 is no upstream
     * failure (R1, R22: no 502 page for it, nothing for the breaker).
     */
    @Test
    void a401WithoutAChallengeIsNoUpstreamFailure() {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(401, "who are you"))) {
            Throwable thrown = catchThrowable(() -> CLIENT.newRequest(upstream.uri().resolve("/orders"))
                    .timeout(10, TimeUnit.SECONDS).send());

            assertThat(thrown).hasRootCauseInstanceOf(org.eclipse.jetty.client.HttpResponseException.class);
            assertThat(classifier.classify(thrown)).isEmpty();
        }
    }

    static Stream<Arguments> streamsEndedByTheUpstream() {
        return Stream.of(Arguments.of("RST_STREAM INTERNAL_ERROR", reset(0x2), FailureCause.CONNECTION_TERMINATED),
                Arguments.of("RST_STREAM CANCEL", reset(0x8), FailureCause.CONNECTION_TERMINATED),
                Arguments.of("RST_STREAM REFUSED_STREAM", reset(0x7), FailureCause.CONNECTION_TERMINATED),
                Arguments.of("RST_STREAM of a code Jetty does not know", reset(0x99), FailureCause.CONNECTION_TERMINATED),
                Arguments.of("RST_STREAM PROTOCOL_ERROR", reset(0x1), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("RST_STREAM HTTP_1_1_REQUIRED", reset(0xd), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("RST_STREAM FLOW_CONTROL_ERROR", reset(0x3), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("RST_STREAM SETTINGS_TIMEOUT", reset(0x4), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("RST_STREAM FRAME_SIZE_ERROR", reset(0x6), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("RST_STREAM COMPRESSION_ERROR", reset(0x9), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("RST_STREAM INADEQUATE_SECURITY", reset(0xc), FailureCause.HTTP_PROTOCOL_ERROR),
                Arguments.of("GOAWAY NO_ERROR before the stream", goAway(0x0), FailureCause.CONNECTION_TERMINATED),
                Arguments.of("GOAWAY INTERNAL_ERROR before the stream", goAway(0x2),
                        FailureCause.CONNECTION_TERMINATED));
    }

    /**
     * Jetty's client over HTTP/2, and an upstream that ends the request's stream. A reset (RST_STREAM, RFC 9113
     * §6.4): Jetty throws a bare IOException named by the error code ("internal_error"); a GOAWAY whose last stream
     * is before the request's (§6.8, the request never processed): its RetryableRequestException. Neither was an
     * upstream failure (the filter let the container answer with its 500; a guard took it for the caller's own
     * error, not retried). One that gives up is a connection torn down (R1: 502, retried for idempotent requests
     * only, R13), a reset for a broken rule a protocol error.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("streamsEndedByTheUpstream")
    void http2StreamEndedByTheUpstreamIsNamedByItsFrame(String fault, byte[] frame, FailureCause cause)
            throws Exception {
        HttpClient http2 = Http2Clients.started();
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> answerTheFirstStream(upstream, frame),
                    task -> new Thread(task, "h2-upstream").start());
            Throwable thrown;
            try {
                thrown = catchThrowable(() -> http2.newRequest("http://127.0.0.1:" + upstream.getLocalPort()
                        + "/orders").timeout(10, TimeUnit.SECONDS).send());
            } finally {
                http2.stop(); // closes the connection, which the upstream's side reads to its end
            }

            assertThat(thrown).as(fault).isNotNull();
            assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(fault + ": " + thrown)
                    .hasValue(cause);
            served.get(10, TimeUnit.SECONDS);
        }
    }

    /** An RST_STREAM frame of {@code errorCode} for stream 1, a client's first. */
    private static byte[] reset(int errorCode) {
        return new byte[] {0, 0, 4, 3, 0, 0, 0, 0, 1, 0, 0, 0, (byte) errorCode};
    }

    /** A GOAWAY frame of {@code errorCode} whose last stream is 0: no stream of the client's was processed. */
    private static byte[] goAway(int errorCode) {
        return new byte[] {0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) errorCode};
    }

    /**
     * An HTTP/2 upstream's side of one connection (prior knowledge): the prefaces, then, once the client's HEADERS
     * frame arrived, {@code frame}.
     */
    private static void answerTheFirstStream(ServerSocket upstream, byte[] frame) {
        try (Socket connection = upstream.accept()) {
            connection.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(connection.getInputStream());
            in.readFully(new byte[24]); // "PRI * HTTP/2.0..."
            OutputStream out = connection.getOutputStream();
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}); // SETTINGS, its ACK
            byte[] header = new byte[9];
            do {
                in.readFully(header);
                in.readFully(new byte[(header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff]);
            } while (header[3] != 1); // HEADERS
            out.write(frame);
            out.flush();
            in.readAllBytes(); // until the client closes
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
