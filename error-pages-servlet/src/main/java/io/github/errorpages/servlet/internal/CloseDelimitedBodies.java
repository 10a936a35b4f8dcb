package io.github.errorpages.servlet.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Tells, for {@link JettyForwarder}'s client, a response body that ends with its connection from one cut short.
 *
 * <p>A body with neither {@code Content-Length} nor chunks is delimited by the connection's end (RFC 9112 §6.3, rule
 * 8; HTTP/1.0 servers and some streaming ones send such bodies). It is complete when the upstream closes the
 * connection, over TLS with its closure alert ({@code close_notify}), and cut short when the upstream resets the
 * connection or, over TLS, closes it without the alert (RFC 9112 §9.8): a server that crashed or aborted the
 * response. Jetty's client took all of these for the body's end: its endpoint reads a failed read (a reset) as the
 * input's end, as it reads a close, and its TLS connection by default takes an end without the alert for one with it
 * (many servers send none after a body of known length, where it does not matter; Jetty can require it only of every
 * connection of a client). The proxy relayed the part as the whole (R5) and recorded a success. Bodies of known
 * length and chunked ones are incomplete either way ("Early EOF"), so nothing changes for them.
 *
 * <p>The client's TCP connections remember a failed read, and its TLS engines an input closed before the alert
 * ({@link #newClient}, {@link #newTlsContextFactory}, {@link #cutShort}); everything else they do is Jetty's own and
 * the JDK's, but for the connect timeout, which the connector made here also puts on the TLS handshake
 * ({@link TlsHandshakeDeadline}). Thread-safe.
 */
final class CloseDelimitedBodies {

    private CloseDelimitedBodies() {
    }

    /**
     * A client for HTTP/1.1 and 1.0 whose TCP connections remember a failed read, and whose connect timeout bounds
     * the TLS handshake too, not started; the buffers it reads responses into are new each time
     * ({@link FreshReceiveBuffers}). Made here, not in {@link JettyForwarder}: verifying a method that passes the
     * transport as an {@code HttpClientTransport} loads that type, and {@code JettyForwarder} must load without
     * Jetty's client. Its pools of connections are Jetty's, but for how long they keep one idle ({@code keepAlive}),
     * and it knows since when a connection to an endpoint is being opened ({@link ConnectTrackingClient}).
     *
     * @param maxBucketSize how many buffers of a size the pool keeps: Jetty's default is half the client's threads
     * @param keepAlive how long the pools keep an idle connection
     * @return the client
     */
    static HttpClient newClient(int maxBucketSize, KeepAliveTimeouts keepAlive) {
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(new Connector());
        transport.setConnectionPoolFactory(keepAlive.poolFactory());
        ConnectTrackingClient client = new ConnectTrackingClient(transport);
        // Jetty's default pool but for the receivers' buffers.
        client.setByteBufferPool(new FreshReceiveBuffers(new ArrayByteBufferPool(0, 2048, 65536, maxBucketSize),
                client::getResponseBufferSize));
        return client;
    }

    /**
     * Jetty's factory of the client's TLS engines, with the JVM's trust until given a context, whose engines remember
     * an input closed before the upstream's closure alert ({@link AlertRecordingEngine}), and which name the
     * endpoint's host in their handshakes as the JDK's client does ({@link HostNameSni}).
     *
     * @return the factory, to configure further
     */
    static SslContextFactory.Client newTlsContextFactory() {
        SslContextFactory.Client factory = new SslContextFactory.Client() {
            @Override
            public SSLEngine newSSLEngine() {
                return new AlertRecordingEngine(super.newSSLEngine());
            }

            @Override
            public SSLEngine newSSLEngine(@Nullable String host, int port) {
                return new AlertRecordingEngine(super.newSSLEngine(host, port));
            }
        };
        factory.setSNIProvider(new HostNameSni());
        return factory;
    }

    /**
     * How the input of the connection a response came on was cut, if it was: a failed read (a reset), or over TLS
     * its end before the upstream's closure alert. Asked once the response completed, for a body delimited by the
     * connection's end, it tells whether the body was cut short: such a body ends only with the connection's input,
     * so the cut seen is the one that ended it.
     *
     * @param response a response of the forwarder's client, over HTTP/1.1 or 1.0
     * @return the cut, or {@code null} when the input ended as it should, or has not ended
     */
    static @Nullable IOException cutShort(Response response) {
        @Nullable Object endPoint = response.getRequest() instanceof HttpRequest request
                // Where Jetty's HTTP/1 receiver keeps the connection's endpoint when a head arrives.
                ? request.getConversation().getAttribute(EndPoint.class.getName()) : null;
        if (endPoint instanceof SslConnection.SslEndPoint tls) {
            // Over TLS the alert ends the body, and the engine alone knows whether it came: a reset after it cuts
            // nothing, and one before it leaves the input closed before the alert.
            // (Without the engine's exception as its cause: the classifier would take the cut for a TLS failure.)
            return tls.getSslConnection().getSSLEngine() instanceof AlertRecordingEngine engine
                    && engine.closedBeforeAlert()
                    ? new EOFException("the upstream ended the connection without its TLS closure alert") : null;
        }
        return endPoint instanceof RememberingEndPoint remembering ? remembering.failure : null;
    }

    /**
     * Jetty's connector, but for making TCP endpoints that remember a failed read, and TLS connections whose handshake
     * the connect timeout bounds.
     */
    private static final class Connector extends ClientConnector {

        /** With one selector, as Jetty's client makes its own connector. */
        Connector() {
            setSelectors(1);
        }

        @Override
        public void connect(SocketAddress address, Map<String, Object> context) {
            TlsHandshakeDeadline.startConnect(context);
            super.connect(address, context);
        }

        /** As Jetty's own, but for a TLS handshake bounded by the connect timeout ({@link TlsHandshakeDeadline}). */
        @Override
        public ClientConnectionFactory newSslClientConnectionFactory(SslContextFactory.@Nullable Client tls,
                ClientConnectionFactory next) {
            return TlsHandshakeDeadline.factory(tls != null ? tls : getSslContextFactory(), getByteBufferPool(),
                    getExecutor(), next, getScheduler(), this::getConnectTimeout);
        }

        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
            // As ClientConnector itself decides: the transport that made the channel makes its endpoint.
            Object context = key.attachment();
            if (channel instanceof SocketChannel socket && context instanceof Map<?, ?> map
                    && map.get(Transport.CONTEXT_KEY) == Transport.TCP_IP) {
                return new RememberingEndPoint(socket, selector, key, getScheduler());
            }
            return super.newEndPoint(channel, selector, key);
        }
    }

    /** Jetty's endpoint for a TCP connection, but for remembering the failure of a read. */
    private static final class RememberingEndPoint extends SocketChannelEndPoint {
        private volatile @Nullable IOException failure;

        RememberingEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
            super(channel, selector, key, scheduler);
        }

        /**
         * What {@link SocketChannelEndPoint#fill} does, but for keeping the failure it turns into the input's end
         * (which the rest of the client goes on seeing): that method keeps nothing of it.
         */
        @Override
        public int fill(ByteBuffer buffer) throws IOException {
            if (isInputShutdown()) {
                return -1;
            }
            int position = BufferUtil.flipToFill(buffer);
            try {
                int filled = getChannel().read(buffer);
                if (filled > 0) {
                    notIdle();
                } else if (filled == -1) {
                    shutdownInput();
                }
                return filled;
            } catch (IOException failed) {
                failure = failed;
                shutdownInput();
                return -1;
            } finally {
                BufferUtil.flipToFlush(buffer, position);
            }
        }
    }
}
