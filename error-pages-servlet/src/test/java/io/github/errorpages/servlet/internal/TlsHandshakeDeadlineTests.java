package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deadline of a TLS handshake with the upstream, on Jetty's own TLS connection factory and scheduler, over an
 * in-memory network endpoint whose TCP connect began when the test says. The proxy's tests see a handshake that never
 * completes answered in time (R2); a connect that takes a while is what loopback cannot do.
 */
class TlsHandshakeDeadlineTests {
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("deadline-test", true);
    private final SslContextFactory.Client tls = CloseDelimitedBodies.newTlsContextFactory();

    @BeforeEach
    void start() throws Exception {
        scheduler.start();
        tls.setSslContext(FaultyUpstream.trustingSelfSigned());
        tls.start();
    }

    @AfterEach
    void stop() throws Exception {
        tls.stop();
        scheduler.stop();
    }

    /**
     * The connect timeout counts from the start of the TCP connect, as the JDK's client counts it: a handshake that
     * begins after a connect that took longer than the timeout has no time left, and its connection is closed at
     * once. Counted from the handshake's start, an upstream slow to accept held each attempt up to twice the timeout.
     */
    @Test
    void handshakeGetsOnlyWhatTheTcpConnectLeftOfTheConnectTimeout() throws Exception {
        ByteArrayEndPoint network = new ByteArrayEndPoint();

        open(network, connectionWithNoTimeLeft(network));

        Await.until(() -> !network.isOpen(), "the handshake's deadline closed the connection", Duration.ofSeconds(10));
    }

    /**
     * A TCP connect that used up the whole connect timeout leaves the handshake no time, but the deadline closes the
     * connection only once it is open: Jetty's selector opens the network endpoint after it made the connection, and
     * an endpoint closed in between fails to open ({@code IllegalStateException}), which the proxy answered as its own
     * error (500) instead of the connect timeout (504 {@code connection_timeout}, R2). Seen with a 1 ms timeout.
     */
    @Test
    void noTimeLeftClosesTheConnectionOnlyOnceOpenedWithTheConnectTimeout() throws Exception {
        ByteArrayEndPoint network = new ByteArrayEndPoint();
        SslConnection secured = connectionWithNoTimeLeft(network);
        network.setConnection(secured);
        // The scheduler has one thread: a task of no delay scheduled now runs after any it already had.
        CountDownLatch ranBefore = new CountDownLatch(1);
        scheduler.schedule(ranBefore::countDown, 0, TimeUnit.MILLISECONDS);
        assertThat(ranBefore.await(10, TimeUnit.SECONDS)).as("the scheduler ran what it had").isTrue();

        assertThat(network.isOpen()).as("the endpoint, not yet opened by the selector").isTrue();
        assertThatCode(network::onOpen).as("the selector opens the endpoint").doesNotThrowAnyException();
        secured.onOpen();

        Await.until(() -> !network.isOpen(), "the handshake's deadline closed the connection", Duration.ofSeconds(10));
        Throwable reported = writingTheRequest(secured);
        assertThat(JettyForwarder.translate(reported)).isInstanceOf(SocketTimeoutException.class)
                .hasMessage("connect timed out: no TLS handshake within 30000 ms");
    }

    /**
     * A handshake the deadline ended is a connect timeout (R2), whatever Jetty makes of the close: its TLS connection,
     * asked to write the request once the deadline closed the connection under it (a request's write on another
     * thread, the moment the deadline fires), fails the handshake with its own exception, which read as the
     * upstream's TLS error ({@code tls_protocol_error}, 502) when it reached the exchange before the close did.
     */
    @Test
    void handshakeFailureJettyReportsAfterTheDeadlineClosedTheConnectionIsTheConnectTimeout() throws Exception {
        ByteArrayEndPoint network = new ByteArrayEndPoint();
        SslConnection secured = connectionWithNoTimeLeft(network);
        open(network, secured);
        Await.until(() -> !network.isOpen(), "the handshake's deadline closed the connection", Duration.ofSeconds(10));

        Throwable reported = writingTheRequest(secured);

        assertThat(reported).as("Jetty's own report: the upstream's TLS error, as it reads")
                .isInstanceOf(SSLException.class);
        assertThat(JettyForwarder.translate(reported)).isInstanceOf(SocketTimeoutException.class)
                .hasMessage("connect timed out: no TLS handshake within 30000 ms");
    }

    /**
     * A failure whose cause chain loops (a library that set a wrapper as the cause of what it wrapped) is searched for
     * the deadline's timeout only as far as the classifier walks a chain: the search ends, with none found, and the
     * failure is classified as any other. Walked to its end, the thread that classifies it spun for ever, and the
     * client's request hung with it.
     */
    @Test
    void aFailureWhoseCauseChainLoopsHoldsNoDeadlineTimeout() {
        SSLException outer = new SSLException("handshake failed");
        IOException inner = new IOException("closed", outer);
        outer.initCause(inner);

        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThat(TlsHandshakeDeadline.timedOutIn(outer)).isNull());
    }

    /**
     * An attempt whose own time ran out while its request waited for the TLS handshake ends the handshake, and a
     * success of the handshake that comes after that fails it, the connection closed, before anything of the request
     * is encrypted: reported as a connect timeout, the request said never to have reached the upstream (a POST sent
     * again where {@code retry.on-connect-failure-for-unsafe} is on), the first connection's head must never go out
     * (the proxy's test of it sees the connection closed before its handshake can end).
     */
    @Test
    void aHandshakeThatSucceedsAfterTheAttemptEndedItFailsBeforeAnythingIsSent() throws Exception {
        ByteArrayEndPoint network = new ByteArrayEndPoint();
        SslConnection secured = connectionWithTimeLeft(network);
        open(network, secured);
        TlsHandshakeDeadline deadline = TlsHandshakeDeadline.of(secured);
        assertThat(deadline).as("the factory's connection holds its deadline").isNotNull();

        TlsHandshakeDeadline.HandshakeTimeout ended = deadline.end(TlsHandshakeDeadline.timedOut(500));

        assertThat(ended).as("the attempt ended the handshake").isNotNull();
        assertThat(network.isOpen()).as("the connection closed").isFalse();
        Throwable succeeded = catchThrowable(
                () -> deadline.handshakeSucceeded(new SslHandshakeListener.Event(secured.getSSLEngine())));
        assertThat(succeeded).as("the success fails the handshake").isInstanceOf(SSLHandshakeException.class)
                .hasSuppressedException(ended);
    }

    /**
     * A handshake that succeeded before the attempt's time ran out is not ended by it: the request's head may be out,
     * and what is late is the response's head, never a connect the request went out on.
     */
    @Test
    void aHandshakeThatSucceededFirstIsNotEndedByTheAttempt() throws Exception {
        ByteArrayEndPoint network = new ByteArrayEndPoint();
        SslConnection secured = connectionWithTimeLeft(network);
        open(network, secured);
        TlsHandshakeDeadline deadline = TlsHandshakeDeadline.of(secured);
        deadline.handshakeSucceeded(new SslHandshakeListener.Event(secured.getSSLEngine()));

        assertThat(deadline.end(TlsHandshakeDeadline.timedOut(500))).isNull();
        assertThat(network.isOpen()).as("the connection kept").isTrue();
    }

    /**
     * A handshake the connection's own deadline ended first (a connect begun before the attempt, for another
     * request) is the connect timeout for the attempt too: nothing of its request was written. Taken for a late
     * response head, it counted against the upstream and a POST was not retried.
     */
    @Test
    void aHandshakeTheConnectTimeoutEndedFirstIsTheAttemptsConnectTimeoutToo() throws Exception {
        ByteArrayEndPoint network = new ByteArrayEndPoint();
        SslConnection secured = connectionWithNoTimeLeft(network);
        open(network, secured);
        Await.until(() -> !network.isOpen(), "the handshake's deadline closed the connection", Duration.ofSeconds(10));

        assertThat(TlsHandshakeDeadline.of(secured).end(TlsHandshakeDeadline.timedOut(500)))
                .as("the connect timeout that ended it").isNotNull()
                .hasMessage("connect timed out: no TLS handshake within 30000 ms");
    }

    /** A TLS connection the deadline's factory makes over the endpoint, its TCP connect begun now: 30 s are left. */
    private SslConnection connectionWithTimeLeft(EndPoint network) throws IOException {
        return connectionWhoseConnectBegan(network, Duration.ZERO);
    }

    /**
     * A TLS connection the deadline's factory makes over the endpoint, to an upstream that never answers the hello,
     * after a TCP connect that took a minute, twice the connect timeout: no time is left for the handshake.
     */
    private SslConnection connectionWithNoTimeLeft(EndPoint network) throws IOException {
        return connectionWhoseConnectBegan(network, Duration.ofMinutes(1));
    }

    /** A TLS connection the deadline's factory makes over the endpoint, its TCP connect begun {@code ago}. */
    private SslConnection connectionWhoseConnectBegan(EndPoint network, Duration ago) throws IOException {
        Map<String, Object> context = new HashMap<>();
        context.put(ClientConnector.REMOTE_SOCKET_ADDRESS_CONTEXT_KEY, InetSocketAddress.createUnresolved("localhost",
                8443));
        TlsHandshakeDeadline.startConnect(context);
        context.replaceAll((key, value) -> value instanceof Long started ? started - ago.toNanos() : value);
        return (SslConnection) TlsHandshakeDeadline.factory(tls, new ArrayByteBufferPool(), Runnable::run,
                silentUpstream(), scheduler, () -> Duration.ofSeconds(30)).newConnection(network, context);
    }

    /** @return the connection over TLS of an upstream that never answers the hello */
    private static ClientConnectionFactory silentUpstream() {
        return (endPoint, ignored) -> new AbstractConnection(endPoint, Runnable::run) {
            @Override
            public void onFillable() {
                // nothing comes: the upstream never answers the hello
            }
        };
    }

    /** @return what Jetty's TLS connection reports when a request's head is written over it */
    private static Throwable writingTheRequest(SslConnection secured) {
        return catchThrowable(() -> secured.getSslEndPoint().flush(
                ByteBuffer.wrap("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
    }

    /** Opens a connection the factory made over an endpoint, as Jetty's selector does. */
    private static void open(EndPoint network, Connection connection) {
        network.setConnection(connection);
        network.onOpen();
        connection.onOpen();
    }
}
