package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Tells, for {@link JettyForwarder}'s client, a response body that ends with its connection from one cut short.
 *
 * <p>A body with neither {@code Content-Length} nor chunks is delimited by the connection's end (RFC 9112 §6.3, rule
 * 8; HTTP/1.0 servers and some streaming ones send such bodies). It is complete when the upstream closes the
 * connection, and cut short when the upstream resets it: a server that crashed or aborted the response. Jetty's
 * client took both for the body's end: its endpoint reads a failed read (a reset) as the input's end, as it reads a
 * close. The proxy relayed the part as the whole (R5) and recorded a success. Bodies of known length and chunked
 * ones are incomplete either way ("Early EOF"), so nothing changes for them.
 *
 * <p>The client's TCP connections remember a failed read ({@link #newClient}, {@link #cutShort}); everything else
 * they do is Jetty's own. Thread-safe.
 */
final class CloseDelimitedBodies {

    private CloseDelimitedBodies() {
    }

    /**
     * A client for HTTP/1.1 and 1.0 whose TCP connections remember a failed read, not started. Made here, not in
     * {@link JettyForwarder}: verifying a method that passes the transport as an {@code HttpClientTransport} loads
     * that type, and {@code JettyForwarder} must load without Jetty's client.
     *
     * @return the client
     */
    static HttpClient newClient() {
        return new HttpClient(new HttpClientTransportOverHTTP(new Connector()));
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
        for (int depth = 0; endPoint instanceof EndPoint.Wrapper wrapper && depth < 4; depth++) {
            endPoint = wrapper.unwrap(); // TLS: the decrypting endpoint wraps the connection's own
        }
        return endPoint instanceof RememberingEndPoint remembering ? remembering.cut : null;
    }

    /** Jetty's connector, but for making TCP endpoints that remember a failed read. */
    private static final class Connector extends ClientConnector {

        /** With one selector, as Jetty's client makes its own connector. */
        Connector() {
            setSelectors(1);
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

    /** Jetty's endpoint for a TCP connection, but for remembering how its input was cut. */
    private static final class RememberingEndPoint extends SocketChannelEndPoint {
        private volatile @Nullable IOException cut;

        RememberingEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
            super(channel, selector, key, scheduler);
        }

        /**
         * What {@link SocketChannelEndPoint#fill} does, but for keeping the failure it turns into the input's end
         * (which the rest of the client goes on seeing; that method keeps nothing of it), and, over TLS, whether the
         * input ended before the closure alert: the TLS connection reads from here, on its own thread, and has
         * taken in every byte read before (once it has the alert it reads no further).
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
                cut = failed;
                shutdownInput();
                return -1;
            } finally {
                BufferUtil.flipToFlush(buffer, position);
            }
        }
    }
}
