package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.testing.FaultyUpstream;
import java.nio.ByteBuffer;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TLS engines of {@link JettyForwarder}'s client ({@link CloseDelimitedBodies#newTlsContextFactory()}): JDK
 * engines that remember an input closed before the upstream's closure alert ({@link AlertRecordingEngine}), in a TLS
 * session with an upstream's JDK engine, their records passed in memory. The proxy's tests see the body cut short
 * (R5); these pin, engine by engine, what tells the cut from the end, and what the wrapper must still do as the
 * engine it wraps: close with the alert, name and verify the upstream's host.
 */
class AlertRecordingEngineTests {
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private SslContextFactory.Client factory;
    private SSLEngine upstream;
    /** Records on their way from the proxy's engine to the upstream's, and back. */
    private final ByteBuffer toUpstream = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer toProxy = ByteBuffer.allocate(1 << 17);

    @BeforeEach
    void startFactoryAndUpstream() throws Exception {
        factory = CloseDelimitedBodies.newTlsContextFactory();
        factory.setSslContext(FaultyUpstream.trustingSelfSigned());
        factory.start();
        upstream = FaultyUpstream.serverContext().createSSLEngine();
        upstream.setUseClientMode(false);
    }

    @AfterEach
    void stopFactory() throws Exception {
        factory.stop();
    }

    /**
     * An input that ends before the upstream's closure alert is a truncation (RFC 9112 §9.8): closing it throws, as
     * {@link SSLEngine#closeInbound()} says, and the engine remembers it, which tells a body delimited by the
     * connection's end cut short (R5). Not before: an open session is no cut.
     */
    @Test
    void inputClosedBeforeTheClosureAlertIsRecordedAsACut() throws Exception {
        AlertRecordingEngine proxy = proxyEngine("localhost");
        handshake(proxy);
        assertThat(proxy.closedBeforeAlert()).isFalse();

        assertThatThrownBy(proxy::closeInbound).isInstanceOf(SSLException.class);

        assertThat(proxy.closedBeforeAlert()).isTrue();
        assertThat(proxy.isInboundDone()).isTrue();
    }

    /** An input that ends after the upstream's closure alert ended a body whole: closing it is no cut. */
    @Test
    void inputClosedAfterTheClosureAlertIsNoCut() throws Exception {
        AlertRecordingEngine proxy = proxyEngine("localhost");
        handshake(proxy);

        upstream.closeOutbound();
        send(upstream, toProxy);
        assertThat(receive(proxy, toProxy).getStatus()).isEqualTo(SSLEngineResult.Status.CLOSED);
        proxy.closeInbound();

        assertThat(proxy.closedBeforeAlert()).isFalse();
    }

    /**
     * The proxy's own end of a connection is a clean one: the engine Jetty closes sends its closure alert, which the
     * upstream, as this proxy, must be able to tell from a truncation (RFC 9112 §9.8).
     */
    @Test
    void closingTheOutputSendsTheClosureAlert() throws Exception {
        AlertRecordingEngine proxy = proxyEngine("localhost");
        handshake(proxy);

        proxy.closeOutbound();
        send(proxy, toUpstream);

        assertThat(proxy.isOutboundDone()).isTrue();
        assertThat(receive(upstream, toUpstream).getStatus()).isEqualTo(SSLEngineResult.Status.CLOSED);
        assertThat(upstream.isInboundDone()).isTrue();
    }

    /**
     * The engine the factory wraps names the endpoint's host in its hello, though the host has no dot
     * ({@link HostNameSni}), and reports it, as the engine it wraps.
     */
    @Test
    void namesTheEndpointsHostToTheUpstream() throws Exception {
        AlertRecordingEngine proxy = proxyEngine("localhost");

        handshake(proxy);

        assertThat(proxy.getPeerHost()).isEqualTo("localhost");
        assertThat(proxy.getPeerPort()).isEqualTo(8443);
        assertThat(((ExtendedSSLSession) upstream.getSession()).getRequestedServerNames())
                .containsExactly(new SNIHostName("localhost"));
    }

    /**
     * A trusted certificate for another host is refused (RFC 9110 §4.3.4): the factory's engines verify the
     * endpoint's host name, as the JDK's client does. Without it a trusted internal certificate authority's
     * certificate for any host would do for every upstream.
     */
    @Test
    void refusesATrustedCertificateForAnotherHost() throws Exception {
        AlertRecordingEngine proxy = proxyEngine("orders.internal.example");

        assertThatThrownBy(() -> handshake(proxy)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("orders.internal.example");
    }

    /** An engine of the factory, in client mode as Jetty's TLS connection factory puts it. */
    private AlertRecordingEngine proxyEngine(String host) {
        SSLEngine engine = factory.newSSLEngine(host, 8443);
        engine.setUseClientMode(true);
        assertThat(engine).isInstanceOf(AlertRecordingEngine.class);
        return (AlertRecordingEngine) engine;
    }

    /** Passes the records of a handshake between the proxy's engine and the upstream's until both have ended it. */
    private void handshake(SSLEngine proxy) throws SSLException {
        proxy.beginHandshake();
        upstream.beginHandshake();
        for (int round = 0; round < 20 && (handshaking(proxy) || handshaking(upstream)); round++) {
            step(proxy, toProxy, toUpstream);
            step(upstream, toUpstream, toProxy);
        }
        assertThat(handshaking(proxy) || handshaking(upstream)).as("the handshake ended").isFalse();
    }

    private static boolean handshaking(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED;
    }

    /** Does what one engine's handshake asks until it waits for the other's records. */
    private static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out) throws SSLException {
        in.flip();
        try {
            for (int i = 0; i < 100; i++) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> runTasks(engine);
                    case NEED_WRAP -> engine.wrap(NOTHING, out);
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        SSLEngineResult result = engine.unwrap(in, ByteBuffer.allocate(1 << 17));
                        runTasks(engine);
                        if (result.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                            return;
                        }
                    }
                    default -> {
                        return;
                    }
                }
            }
        } finally {
            in.compact();
        }
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }

    /** Wraps what an engine has to send after its output was closed: its closure alert. */
    private static void send(SSLEngine engine, ByteBuffer out) throws SSLException {
        for (int i = 0; i < 10 && !engine.isOutboundDone(); i++) {
            engine.wrap(NOTHING, out);
        }
    }

    /** Unwraps the records that came, a session ticket first perhaps; @return the last record's result */
    private static SSLEngineResult receive(SSLEngine engine, ByteBuffer in) throws SSLException {
        in.flip();
        try {
            SSLEngineResult result;
            do {
                result = engine.unwrap(in, ByteBuffer.allocate(1 << 17));
                runTasks(engine);
            } while (result.getStatus() == SSLEngineResult.Status.OK && in.hasRemaining());
            return result;
        } finally {
            in.compact();
        }
    }
}
