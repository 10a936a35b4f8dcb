package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.spi.CauseClassifier;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.UnresolvedAddressException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.spec.InvalidKeySpecException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.crypto.AEADBadTagException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailureClassifierTests {

    private final FailureClassifier classifier = FailureClassifier.of(List.of());

    /** The clock is checked, a null one named, even for a throwable that would need none. */
    @Test
    void classifyingWithANullClockIsRefused() {
        FailureClassifier classifier = FailureClassifier.ofDefaults();

        assertThatNullPointerException().isThrownBy(() -> classifier.classify(new ConnectException(), null))
                .withMessage("clock");
    }

    @Test
    void deeperDnsErrorBeatsTheConnectExceptionThatWrapsIt() {
        ConnectException outer = new ConnectException();
        outer.initCause(new UnresolvedAddressException());

        assertThat(cause(outer)).contains(FailureCause.DNS_ERROR);
    }

    @Test
    void connectTimeoutBeatsItsConnectExceptionCause() {
        HttpConnectTimeoutException outer = new HttpConnectTimeoutException("HTTP connect timed out");
        outer.initCause(new ConnectException("HTTP connect timed out"));

        assertThat(cause(outer)).contains(FailureCause.CONNECTION_TIMEOUT);
    }

    @Test
    void certificateProblemInsideHandshakeFailureIsCertificateError() {
        SSLHandshakeException handshake = new SSLHandshakeException("handshake failed");
        handshake.initCause(new CertPathValidatorException("signature check failed"));

        assertThat(cause(new ExecutionException(handshake))).contains(FailureCause.TLS_CERTIFICATE_ERROR);
    }

    /**
     * R2: an upstream whose certificate could not be verified is tls_certificate_error (502), whatever the words.
     * Apache HttpClient 4 asks the session for the peer's certificates to check the host name, and the JDK says
     * "peer not authenticated" when it has none; read as any other TLS record failure, it was a connection torn
     * down mid-stream, whose page points at the network, not at the certificate.
     */
    @Test
    void unverifiedPeerIsACertificateErrorWhateverItsWords() {
        assertThat(cause(new SSLPeerUnverifiedException("peer not authenticated")))
                .contains(FailureCause.TLS_CERTIFICATE_ERROR);
    }

    @Test
    void tlsAlertIsRecognised() {
        assertThat(cause(new SSLException("Received fatal alert: handshake_failure")))
                .contains(FailureCause.TLS_ALERT_RECEIVED);
    }

    /**
     * R2, R4: an application's bad input is no upstream failure. Jackson 2's parse errors are IOExceptions (a
     * servlet that reads a client's JSON throws them) whose messages quote what they read; the same words in an
     * instance of the JDK's own IOException class still name a connection that ended, whoever threw it: the check is
     * on the exception's class, as JdkCauseClassifier and docs/servlet-quick-start.md say.
     */
    @Test
    void messagesOfAnApplicationsIOExceptionsSayNothingOfAConnection() {
        assertThat(cause(new InputParseException("Unexpected end-of-input: expected close marker for Object"))).isEmpty();
        assertThat(cause(new InputParseException("Unrecognized field \"reset\" (class Order), not marked as ignorable")))
                .isEmpty();
        assertThat(cause(new InputParseException("Illegal unquoted character: has to be escaped (protocol)")))
                .isEmpty();
        assertThat(cause(new ServletFailure(new IOException("Connection reset")))).contains(FailureCause.CONNECTION_TERMINATED);
        // HttpURLConnection's words for a 5xx, but the application's exception: no upstream's status to keep (R3).
        assertThat(cause(new InputParseException("Server returned HTTP response code: 503 for URL: http://x/")))
                .isEmpty();
        assertThat(cause(new IOException("Connection reset"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new IOException("Unexpected end-of-input: expected close marker for Object")))
                .contains(FailureCause.HTTP_RESPONSE_INCOMPLETE);
    }

    /**
     * R2, R4: the JDK's {@code HttpClient.send} rethrows whatever ended the call as a new {@code java.io.IOException}
     * with the same message, the application's own exception from a body handler too; {@code new IOException(cause)}
     * takes the cause's {@code toString()}. Such a wrapper's words are its cause's, read only if the cause's are.
     */
    @Test
    void jdkExceptionThatOnlyRepeatsItsCausesWordsIsReadAsItsCause() {
        InputParseException parse = new InputParseException("Unrecognized field \"reset\" (class Order)");
        UncheckedIOException fromBodyHandler = new UncheckedIOException(parse);

        assertThat(cause(new IOException(fromBodyHandler.getMessage(), fromBodyHandler))).isEmpty();
        assertThat(cause(new IOException(parse))).isEmpty();
        IOException reset = new IOException("Connection reset");
        assertThat(cause(new IOException(reset.getMessage(), reset))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new IOException(new SocketException("Connection reset"))))
                .contains(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * R2: only the JDK HttpClient's body stream, closed on this side while it was read, makes its "closed" a read
     * timeout (504; FailureClassifierIntegrationTests reads a real one). The same words of an IOException made
     * anywhere else (a connection wrapper of the application's, or one whose stack trace is gone) name a connection
     * that ended: 502 connection_terminated, as any JDK IOException's words are read.
     */
    @Test
    void closedOfAnIoExceptionNotMadeByTheJdkBodyStreamIsATerminatedConnection() {
        IOException stackless = new IOException("closed");
        stackless.setStackTrace(new StackTraceElement[0]);

        assertThat(cause(new IOException("closed"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(stackless)).contains(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * A cause whose getMessage(), toString() or getCause() throws is read without what cannot be read: the JDK's
     * classifier asked it directly, threw, and was ignored for the exception, so that a reset read as an internal
     * error (a 500, not retried, no failing period).
     */
    @ParameterizedTest
    @ValueSource(strings = {"getMessage", "toString", "getCause"})
    void aCauseThatCannotBeReadLeavesTheExceptionItsOwnWords(String broken) {
        IllegalStateException cause = new IllegalStateException("parse") {
            @Override
            public String getMessage() {
                if (broken.equals("getMessage")) {
                    throw new AssertionError("getMessage failed");
                }
                return super.getMessage();
            }

            @Override
            public String toString() {
                if (broken.equals("toString")) {
                    throw new AssertionError("toString failed");
                }
                return "a broken cause";
            }

            @Override
            public synchronized Throwable getCause() {
                if (broken.equals("getCause")) {
                    throw new AssertionError("getCause failed");
                }
                return null;
            }
        };

        assertThat(cause(new IOException("Connection reset", cause))).contains(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * R2, R4, R13: an established connection that the kernel gives up on (ETIMEDOUT after its retransmissions or
     * keep-alive probes; EHOSTUNREACH, EHOSTDOWN, ENETUNREACH when the route goes away) is the upstream's failure,
     * not the gateway's 500, and one after which the request may have been sent. NIO reports these as plain
     * IOExceptions, a blocking socket as SocketExceptions, with the errno's text; loopback drops no packets, so
     * they are built here with the JDK's messages. A connect that fails so has exception types of its own.
     */
    @Test
    void establishedConnectionThatTimesOutOrLosesItsRouteIsAnUpstreamFailure() {
        assertThat(cause(new IOException("Connection timed out"))).contains(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(cause(new SocketException("Connection timed out"))).contains(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(cause(new IOException("No route to host"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new SocketException("No route to host"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new IOException("Host is down"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new IOException("Network is unreachable"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(FailureCause.CONNECTION_READ_TIMEOUT.requestNeverSent()).isFalse();
        assertThat(FailureCause.CONNECTION_TERMINATED.requestNeverSent()).isFalse();

        assertThat(cause(new ConnectException("Connection timed out"))).contains(FailureCause.CONNECTION_TIMEOUT);
        assertThat(cause(new NoRouteToHostException("No route to host")))
                .contains(FailureCause.DESTINATION_IP_UNROUTABLE);
    }

    /**
     * Jetty's HTTP/2 client names a stream the upstream reset by its error code alone, from its receiver (as
     * {@code JettyClientClassificationIntegrationTests} sees over a socket); the same words from elsewhere, an
     * application's own "internal_error", say nothing of an upstream.
     */
    @Test
    void readsJettysHttp2ResetOnlyFromItsReceiver() {
        IOException reset = new IOException("internal_error");
        reset.setStackTrace(new StackTraceElement[] {new StackTraceElement(
                "org.eclipse.jetty.http2.client.transport.internal.HttpReceiverOverHTTP2", "onReset", null, 262)});

        assertThat(cause(reset)).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new IOException("internal_error"))).isEmpty();
        assertThat(cause(new IOException("cancel_stream_error"))).isEmpty();
        // An error code's name is lower-case letters, digits and underscores (Jetty's "reset_code_153" for a code it
        // does not know); other words from the receiver are not a reset's.
        assertThat(cause(jettyHttp2Reset("reset_code_153"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(jettyHttp2Reset("http_1_1_required_error"))).contains(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(cause(jettyHttp2Reset("protocol_error"))).contains(FailureCause.HTTP_PROTOCOL_ERROR);
        for (String notACode : new String[] {"", "Internal_Error", "internal error", "internal-error", "error:1"}) {
            assertThat(cause(jettyHttp2Reset(notACode))).as(notACode).isEmpty();
        }
    }

    private static IOException jettyHttp2Reset(String message) {
        IOException reset = new IOException(message);
        reset.setStackTrace(new StackTraceElement[] {new StackTraceElement(
                "org.eclipse.jetty.http2.client.transport.internal.HttpReceiverOverHTTP2", "onReset", null, 262)});
        return reset;
    }

    /**
     * HTTP/2 words of the JDK's client (17): a GOAWAY fails every open stream, whatever its last-stream-id; a
     * connection at the upstream's SETTINGS_MAX_CONCURRENT_STREAMS fails the request before it is sent; a header
     * section past the client's limit has other words than over HTTP/1.1. They were all 500 proxy_internal_error or
     * the wrong token.
     */
    @Test
    void readsTheJdkClientsHttp2Words() {
        assertThat(cause(new IOException("/10.0.0.7:8443: GOAWAY received"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new IOException("too many concurrent streams")))
                .contains(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(FailureCause.CONNECTION_LIMIT_REACHED.requestNeverSent()).isTrue();
        assertThat(cause(new java.net.ProtocolException("Size exceeds MAX_HEADERS_LIST_SIZE: 393546 > 393216")))
                .contains(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE);
    }

    /**
     * An upstream that only speaks TLS 1.0 or 1.1, or no cipher suite the gateway offers, says so with an alert
     * (OpenSSL: protocol_version, insufficient_security): the documented tls_protocol_error, not tls_alert_received,
     * whose advice (client certificates, SNI) would mislead.
     */
    @Test
    void aVersionOrCipherMismatchAlertIsATlsProtocolError() {
        assertThat(cause(new javax.net.ssl.SSLHandshakeException("Received fatal alert: protocol_version")))
                .contains(FailureCause.TLS_PROTOCOL_ERROR);
        assertThat(cause(new javax.net.ssl.SSLHandshakeException("Received fatal alert: insufficient_security")))
                .contains(FailureCause.TLS_PROTOCOL_ERROR);
        assertThat(cause(new javax.net.ssl.SSLHandshakeException("Received fatal alert: certificate_required")))
                .contains(FailureCause.TLS_ALERT_RECEIVED);
    }

    /**
     * R13: the words of Apache HttpClient's ConnectTimeoutException (an InterruptedIOException of its own package,
     * which 5.x builds without a cause) say a connect timed out, which provably never sent the request: not the
     * read timeout that "timed out" alone means on an established connection. The messages are read from any
     * network stack's IOException alike, so the JDK's class carries them here (the library is no dependency).
     */
    @Test
    void apacheHttpClientsConnectTimeoutIsAConnectTimeout() {
        assertThat(cause(new IOException(
                "Connect to http://billing:8080 [billing/10.0.0.7] failed: Connect timed out")))
                .contains(FailureCause.CONNECTION_TIMEOUT);
        assertThat(cause(new IOException("Connect to billing:8080 [billing/10.0.0.7] timed out")))
                .contains(FailureCause.CONNECTION_TIMEOUT);
        assertThat(cause(new IOException("Connection timed out"))).contains(FailureCause.CONNECTION_READ_TIMEOUT);
    }

    /**
     * R2, R4: the application's own cryptography failing (a session cookie that does not decrypt, a key or a
     * forwarded client certificate it cannot parse, an algorithm it lacks) is no TLS failure of an upstream. A
     * certificate exception counts only below an SSLException, as the JDK's failed certificate checks are.
     */
    @Test
    void securityExceptionsOutsideATlsFailureAreTheApplicationsOwn() {
        assertThat(cause(new AEADBadTagException("Tag mismatch"))).isEmpty();
        assertThat(cause(new InvalidKeySpecException("encoded key spec not recognized"))).isEmpty();
        assertThat(cause(new CertificateException("Could not parse certificate: X-Client-Cert"))).isEmpty();
        assertThat(cause(new NoSuchAlgorithmException("ChaCha20-Poly1305 Cipher not available"))).isEmpty();
        assertThat(cause(new CertificateExpiredException("NotAfter: Sun Nov 29 10:00:00 UTC 2026"))).isEmpty();

        SSLHandshakeException handshake = new SSLHandshakeException("(certificate_expired) validity check failed");
        handshake.initCause(new CertificateExpiredException("NotAfter: Sun Nov 29 10:00:00 UTC 2026"));
        assertThat(cause(handshake)).contains(FailureCause.TLS_CERTIFICATE_ERROR);
    }

    /**
     * R13: an SSLException that names no handshake, alert or certificate is a record the client could not read
     * after the handshake ("Tag mismatch", a bad MAC): the connection broke mid-exchange, possibly after the
     * request went out, so not a failed handshake, which would let a retry send a POST again.
     */
    @Test
    void tlsRecordFailureAfterTheHandshakeIsATerminatedConnection() {
        assertThat(cause(new SSLException("Tag mismatch"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new SSLException("Connection reset"))).contains(FailureCause.CONNECTION_TERMINATED);
        assertThat(cause(new SSLException("Unsupported or unrecognized SSL message")))
                .contains(FailureCause.TLS_PROTOCOL_ERROR);
        assertThat(cause(new SSLHandshakeException("Remote host terminated the handshake")))
                .contains(FailureCause.TLS_PROTOCOL_ERROR);
    }

    /** An UpstreamFailureException that crossed Java serialization (a replicated session) keeps its failure. */
    @Test
    void upstreamFailureExceptionKeepsItsFailureAcrossSerialization() throws Exception {
        UpstreamFailure known = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstream("orders")
                .upstreamStatus(503).upstreamRetryAfter(Duration.ofSeconds(30)).attempts(2)
                .failingSince(Instant.parse("2026-12-01T11:00:00Z")).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new UpstreamFailureException(known, new ConnectException("Connection refused")));
        }

        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }

        assertThat(copy).isInstanceOfSatisfying(UpstreamFailureException.class,
                e -> assertThat(e.failure()).isEqualTo(known));
        assertThat(classifier.classify((Throwable) copy)).contains(known);
    }

    /** An application's own IOException, as Jackson 2's {@code JsonParseException} is one. */
    private static final class InputParseException extends IOException {
        private static final long serialVersionUID = 1L;

        InputParseException(String message) {
            super(message);
        }
    }

    /** An application's wrapper around the JDK's IOException: its cause is still read. */
    private static final class ServletFailure extends IOException {
        private static final long serialVersionUID = 1L;

        ServletFailure(IOException cause) {
            super("could not answer", cause);
        }
    }

    @Test
    void walksWrappersOfEveryKind() {
        Throwable wrapped = new CompletionException(new UncheckedIOException(new IOException("x",
                new UnknownHostException("billing-internal.svc.cluster.local"))));

        assertThat(cause(wrapped)).contains(FailureCause.DNS_ERROR);
    }

    @Test
    void socketTimeoutsAreSplitIntoConnectAndRead() {
        assertThat(cause(new SocketTimeoutException("Read timed out"))).contains(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(cause(new SocketTimeoutException("Connect timed out"))).contains(FailureCause.CONNECTION_TIMEOUT);
        assertThat(cause(new TimeoutException())).contains(FailureCause.HTTP_RESPONSE_TIMEOUT);
    }

    @Test
    void recognisesResilience4jRejections() {
        CircuitBreaker breaker = CircuitBreaker.ofDefaults("orders");
        breaker.transitionToOpenState();
        Bulkhead bulkhead = Bulkhead.ofDefaults("orders");

        assertThat(cause(CallNotPermittedException.createCallNotPermittedException(breaker)))
                .contains(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(cause(BulkheadFullException.createBulkheadFullException(bulkhead)))
                .contains(FailureCause.CONNECTION_LIMIT_REACHED);
    }

    /**
     * A rate limiter's refusal is a call not made for want of a permit, as a full bulkhead's (R2's
     * connection_limit_reached, a 503), not the container's 500 naming it. Its module is optional, so the classifier
     * knows it by name only; here the real limiter refuses its second call in a period of one permit.
     */
    @Test
    void recognisesResilience4jRateLimitersRejectionByName() {
        RateLimiter limiter = RateLimiter.of("orders", RateLimiterConfig.custom().limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofHours(1)).timeoutDuration(Duration.ZERO).build());
        limiter.executeRunnable(() -> { });

        Throwable refusal = catchThrowable(() -> limiter.executeRunnable(() -> { }));

        assertThat(refusal).isInstanceOf(RequestNotPermitted.class);
        assertThat(cause(refusal)).contains(FailureCause.CONNECTION_LIMIT_REACHED);
    }

    @Test
    void upstreamFailureExceptionIsTakenAsIs() {
        UpstreamFailure known = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .upstream("orders").attempts(0).breakerRemainingOpen(Duration.ofSeconds(12)).build();
        Throwable thrown = new RuntimeException(new UpstreamFailureException(known, new ConnectException()));

        assertThat(classifier.classify(thrown)).contains(known);
    }

    @Test
    void upstreamFailureExceptionMessageNamesUpstreamAndTokenOnly() {
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS)
                .upstream("orders").upstreamStatus(503).attempts(2).build();

        assertThat(new UpstreamFailureException(failure, null))
                .hasMessage("upstream 'orders' failed: upstream_status (status 503) after 2 attempts");
    }

    @Test
    void upstreamFailureExceptionMessageSaysWhyTheFailureWasNotRetried() {
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                .upstream("orders").attempts(1).retryRefusal(RetryRefusal.NOT_IDEMPOTENT).build();

        assertThat(new UpstreamFailureException(failure, null)).hasMessage(
                "upstream 'orders' failed: connection_refused after 1 attempt, not retried: not_idempotent");
    }

    @Test
    void upstreamFailureExceptionBuildsItsMessageWhenAskedAndStillRefusesANullFailure() {
        // A breaker's refusal is made without a stack trace and its message only when asked (nothing on the page's
        // path reads it): a logger's getLocalizedMessage and toString must still say it.
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                .upstream("orders").attempts(0).build();
        UpstreamFailureException refused = new UpstreamFailureException(failure, null, false);

        assertThat(refused.getStackTrace()).isEmpty();
        assertThat(refused.getLocalizedMessage())
                .isEqualTo("upstream 'orders' failed: destination_unavailable after 0 attempts");
        assertThat(refused).hasToString(UpstreamFailureException.class.getName()
                + ": upstream 'orders' failed: destination_unavailable after 0 attempts");
        assertThatNullPointerException().isThrownBy(() -> new UpstreamFailureException(null, null, false))
                .withMessage("failure");
        assertThatNullPointerException().isThrownBy(() -> new UpstreamFailureException(null, new IOException("x")))
                .withMessage("failure");
    }

    @Test
    void unknownExceptionIsNoUpstreamFailureAndDefaultsToInternalError() {
        IllegalStateException bug = new IllegalStateException("bug in the app");

        assertThat(classifier.classify(bug)).isEmpty();
        assertThat(classifier.classify(null)).isEmpty();
        assertThat(classifier.classifyOrDefault(bug).cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
    }

    @Test
    void clientAbortsAreNeverUpstreamFailures() {
        assertThat(classifier.classify(new CancellationException())).isEmpty();
        assertThat(classifier.classify(new IOException("x", new InterruptedException()))).isEmpty();
    }

    @Test
    void cyclicCauseChainTerminates() {
        IOException a = new IOException("a");
        IOException b = new IOException("Connection reset", a);
        a.initCause(b);

        assertThat(cause(a)).contains(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * The walk reads {@value FailureClassifier#MAX_CHAIN} throwables of a chain, the top one included, and no more:
     * a DNS failure that is the 32nd is found, one that is the 33rd is not, so a chain an application wrapped without
     * end costs a bounded walk on the error path.
     */
    @Test
    void causeChainIsReadToMaxChainThrowablesAndNoFurther() {
        assertThat(cause(wrappedIn(FailureClassifier.MAX_CHAIN - 1, new UnknownHostException("billing.internal"))))
                .contains(FailureCause.DNS_ERROR);
        assertThat(cause(wrappedIn(FailureClassifier.MAX_CHAIN, new UnknownHostException("billing.internal"))))
                .isEmpty();
    }

    private static Throwable wrappedIn(int wrappers, Throwable deepest) {
        Throwable top = deepest;
        for (int i = 0; i < wrappers; i++) {
            top = new IllegalStateException("wrapper " + i, top);
        }
        return top;
    }

    /**
     * A call the caller cancelled or interrupted is no upstream failure (R1's counterpart: no page, no breaker
     * failure), even when a failure of an earlier attempt hangs on it as a suppressed exception: suppressed ones are
     * read only when the causes say nothing, and a client abort among the causes says enough.
     */
    @Test
    void clientAbortAmongTheCausesIsNotOverruledBySuppressedFailures() {
        UpstreamFailure earlier = UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream("orders").build();
        IOException interrupted = new IOException("the call failed",
                new IllegalStateException("waiting for the next attempt", new InterruptedException()));
        interrupted.addSuppressed(new UpstreamFailureException(earlier, new ConnectException("Connection refused")));
        ExecutionException cancelled = new ExecutionException(new IllegalStateException(new CancellationException()));
        cancelled.addSuppressed(new ConnectException("Connection refused"));

        assertThat(classifier.classify(interrupted)).isEmpty();
        assertThat(classifier.classify(cancelled)).isEmpty();
    }

    /**
     * Of two causes of one rank, the nearest to the top wins, as an {@link UpstreamFailureException} does: the 503
     * the call ended with, with what it says, not the 502 of an earlier exchange it keeps as its cause (R3).
     */
    @Test
    void ofTwoUpstreamStatusesTheNearestToTheTopWins() {
        IOException earlier = new IOException("Server returned HTTP response code: 502 for URL: http://orders/a");
        IOException last = new IOException("Server returned HTTP response code: 503 for URL: http://orders/b", earlier);

        assertThat(classifier.classify(last)).map(UpstreamFailure::upstreamStatus).contains(503);
        assertThat(classifier.classify(new RuntimeException(last))).map(UpstreamFailure::upstreamStatus).contains(503);
    }

    /**
     * The resolver's EAI_AGAIN (glibc's and musl's wording, as the JDK passes it on) is a DNS timeout, 504 and
     * retried by default; a name that does not resolve is a DNS error (R2). Not reproducible on loopback without
     * a broken resolver, so built by hand with the JDK's message.
     */
    @Test
    void temporaryResolverFailureIsADnsTimeout() {
        assertThat(cause(new UnknownHostException("billing.internal: Temporary failure in name resolution")))
                .contains(FailureCause.DNS_TIMEOUT);
        assertThat(cause(new UnknownHostException("billing.internal: Try again"))).contains(FailureCause.DNS_TIMEOUT);
        assertThat(cause(new UnknownHostException("billing.invalid: Name or service not known")))
                .contains(FailureCause.DNS_ERROR);
        assertThat(cause(new UnknownHostException("billing.invalid"))).contains(FailureCause.DNS_ERROR);
        assertThat(FailureCause.DNS_TIMEOUT.defaultStatus()).isEqualTo(504);
    }

    @Test
    void suppressedExceptionsAreLookedAtWhenTheCausesSayNothing() {
        IllegalStateException top = new IllegalStateException("closing failed");
        top.addSuppressed(new ConnectException("Connection refused"));

        assertThat(cause(top)).contains(FailureCause.CONNECTION_REFUSED);
    }

    /**
     * A client that tried the IPv6 address first (refused), then connected over IPv4, sent the request and timed
     * out reading: the read timeout is what happened to the request. Ranked with the suppressed refusal, the call
     * would pass for one whose request was never sent, and a retry would send a PUT or an opted-in POST again.
     */
    @Test
    void suppressedFailuresARequestRecoveredFromDoNotOutrankWhatHappenedToIt() {
        SocketTimeoutException readTimeout = new SocketTimeoutException("Read timed out");
        readTimeout.addSuppressed(new ConnectException("Connection refused"));
        IOException wrapped = new IOException("the exchange failed", readTimeout);
        wrapped.addSuppressed(new UnknownHostException("billing.internal"));

        assertThat(cause(readTimeout)).contains(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(cause(wrapped)).contains(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(FailureCause.CONNECTION_READ_TIMEOUT.requestNeverSent()).isFalse();
    }

    /** An exception type of some other HTTP client library, unknown to the built-in rules. */
    static final class OtherClientTimeout extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void extensionRecognisesOtherClientsExceptions() {
        CauseClassifier other = t -> t instanceof OtherClientTimeout
                ? Optional.of(FailureCause.CONNECTION_READ_TIMEOUT) : Optional.empty();

        assertThat(FailureClassifier.of(List.of(other)).classify(new OtherClientTimeout()))
                .map(UpstreamFailure::cause).contains(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(classifier.classify(new OtherClientTimeout())).isEmpty();
    }

    /** Another client's exception for a 5xx response it read, as Feign's FeignException holds its status. */
    static final class OtherClientStatus extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        OtherClientStatus(int status) {
            this.status = status;
        }
    }

    /** Knows OtherClientStatus, and its status (R3) and Retry-After, as an extension for such a client would. */
    static final class OtherClientStatuses implements CauseClassifier {
        @Override
        public Optional<FailureCause> classify(Throwable t) {
            return t instanceof OtherClientStatus ? Optional.of(FailureCause.UPSTREAM_STATUS) : Optional.empty();
        }

        @Override
        public @Nullable UpstreamFailure statusFailure(Throwable t) {
            int status = ((OtherClientStatus) t).status;
            if (status >= 500) {
                return UpstreamFailure.ofUpstreamStatus(status, Duration.ofSeconds(30));
            }
            if (status >= 400) { // a broken extension's answer: a 4xx is no upstream failure
                return UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(status)
                        .upstreamRetryAfter(Duration.ofSeconds(30)).build();
            }
            return UpstreamFailure.of(FailureCause.CONNECTION_REFUSED); // a broken extension's answer
        }
    }

    /**
     * An extension that recognises another client's exception for an upstream 5xx keeps the upstream's status and
     * Retry-After (R3, R46): it could name the cause only, and the page was a 502 without Retry-After. What is no
     * upstream status is not taken from it.
     */
    @Test
    void extensionKeepsTheUpstreamsStatusOfOtherClientsExceptions() {
        FailureClassifier withExtension = FailureClassifier.of(List.of(new OtherClientStatuses()));

        UpstreamFailure busy = withExtension.classify(new RuntimeException(new OtherClientStatus(503))).orElseThrow();
        UpstreamFailure wrong = withExtension.classify(new OtherClientStatus(200)).orElseThrow();
        UpstreamFailure notFound = withExtension.classify(new OtherClientStatus(404)).orElseThrow();

        assertThat(busy.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(busy.upstreamStatus()).isEqualTo(503);
        assertThat(busy.upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(wrong.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(wrong.upstreamStatus()).as("none known: the page's own 502").isZero();
        assertThat(notFound.upstreamStatus()).as("a 4xx is no upstream failure's status").isZero();
        assertThat(notFound.upstreamRetryAfter()).isNull();
    }

    /**
     * An extension that names an upstream status but cannot tell it (a lambda: the interface's default
     * {@code statusFailure}), or whose {@code statusFailure} throws, still has its cause taken: the page is the
     * upstream_status 502 without a status or Retry-After of the upstream's (R2, R3), and a broken extension never
     * breaks the classification, as CauseClassifier's javadoc promises.
     */
    @Test
    void extensionThatCannotTellTheUpstreamsStatusLeavesA502WithoutOne() {
        CauseClassifier namingOnly = t -> t instanceof OtherClientStatus
                ? Optional.of(FailureCause.UPSTREAM_STATUS) : Optional.empty();
        CauseClassifier throwing = new CauseClassifier() {
            @Override
            public Optional<FailureCause> classify(Throwable t) {
                return namingOnly.classify(t);
            }

            @Override
            public @Nullable UpstreamFailure statusFailure(Throwable t) {
                throw new IllegalStateException("broken extension");
            }
        };
        ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());

        for (CauseClassifier extension : List.of(namingOnly, throwing)) {
            UpstreamFailure failure = FailureClassifier.of(List.of(extension))
                    .classify(new RuntimeException(new OtherClientStatus(503))).orElseThrow();

            assertThat(failure.cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
            assertThat(failure.upstreamStatus()).as("none known").isZero();
            assertThat(failure.upstreamRetryAfter()).isNull();
            assertThat(policy.decide(failure).status()).isEqualTo(502);
        }
    }

    /**
     * Knows HttpURLConnection's exception for a 503, and the Retry-After of the response, which that exception does
     * not carry: as an application's extension that kept the connection would.
     */
    static final class UrlConnectionRetryAfter implements CauseClassifier {
        @Override
        public Optional<FailureCause> classify(Throwable t) {
            return String.valueOf(t.getMessage()).startsWith("Server returned HTTP response code: 503")
                    ? Optional.of(FailureCause.UPSTREAM_STATUS) : Optional.empty();
        }

        @Override
        public @Nullable UpstreamFailure statusFailure(Throwable t) {
            return UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(20));
        }
    }

    /**
     * Extensions are asked before the built-in rules, so that of two classifiers that name one throwable the same
     * cause, the extension's word counts: its Retry-After of the upstream's 503 is kept (R3, R46), where the built-in
     * rule for HttpURLConnection knows the status only.
     */
    @Test
    void extensionIsAskedBeforeTheBuiltInRulesForTheSameThrowable() {
        IOException busy = new IOException("Server returned HTTP response code: 503 for URL: http://orders/a");

        UpstreamFailure failure = FailureClassifier.of(List.of(new UrlConnectionRetryAfter())).classify(busy)
                .orElseThrow();

        assertThat(failure.upstreamStatus()).isEqualTo(503);
        assertThat(failure.upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(classifier.classify(busy).orElseThrow().upstreamRetryAfter()).isNull();
    }

    @Test
    void extensionFoundThroughServiceLoader() {
        // src/test/resources/META-INF/services registers TestCauseClassifier.
        assertThat(FailureClassifier.ofDefaults().classify(new TestCauseClassifier.Marker()))
                .map(UpstreamFailure::cause).contains(FailureCause.PROXY_LOOP_DETECTED);
    }

    /** A service file naming a class that is not there fails at startup, as ofDefaults' javadoc says. */
    @Test
    void serviceFileNamingAMissingClassFailsWithServiceConfigurationError(@TempDir Path classes) throws IOException {
        Path services = Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(services.resolve(CauseClassifier.class.getName()), "com.example.MissingClassifier\n");
        Thread thread = Thread.currentThread();
        ClassLoader caller = thread.getContextClassLoader();
        try (URLClassLoader application = new URLClassLoader(new URL[] {classes.toUri().toURL()}, caller)) {
            thread.setContextClassLoader(application); // as a container does for the application's threads
            assertThatExceptionOfType(ServiceConfigurationError.class).isThrownBy(FailureClassifier::ofDefaults)
                    .withMessageContaining("com.example.MissingClassifier");
        } finally {
            thread.setContextClassLoader(caller);
        }
    }

    @Test
    void throwingExtensionIsIgnoredAndNeverBreaksClassification() {
        CauseClassifier broken = t -> {
            throw new IllegalStateException("broken extension");
        };

        assertThat(FailureClassifier.of(List.of(broken)).classify(new ConnectException("Connection refused")))
                .map(UpstreamFailure::cause).contains(FailureCause.CONNECTION_REFUSED);
    }

    @Test
    void extensionThrowingAnErrorIsIgnoredToo() {
        CauseClassifier asserting = t -> {
            throw new AssertionError("unexpected " + t);
        };
        CauseClassifier recursing = new CauseClassifier() {
            @Override
            public Optional<FailureCause> classify(Throwable t) {
                return classify(t); // a cause-chain walk that never ends
            }
        };

        FailureClassifier withBrokenExtensions = FailureClassifier.of(List.of(asserting, recursing));

        assertThat(withBrokenExtensions.classify(new ConnectException("Connection refused")))
                .map(UpstreamFailure::cause).contains(FailureCause.CONNECTION_REFUSED);
        assertThat(withBrokenExtensions.classify(new IllegalStateException("not an upstream failure"))).isEmpty();
    }

    private Optional<FailureCause> cause(Throwable t) {
        return classifier.classify(t).map(UpstreamFailure::cause);
    }

    @Test
    void aNullExtensionIsNamed() {
        assertThatNullPointerException().isThrownBy(() -> FailureClassifier.of(null)).withMessage("extensions");
        assertThatNullPointerException().isThrownBy(() -> FailureClassifier.of(java.util.Arrays.asList(
                (CauseClassifier) null))).withMessage("extension");
    }
}
