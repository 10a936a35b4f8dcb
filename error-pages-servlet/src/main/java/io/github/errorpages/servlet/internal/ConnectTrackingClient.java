package io.github.errorpages.servlet.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.util.Promise;

/**
 * Jetty's client for {@link JettyForwarder}, but for knowing since when a connection to an endpoint has been opening.
 * A request that its attempt's timer finds still queued for a connection ({@code AttemptListener.lateFailure}) waited
 * for a late connect only when a connect was under way for a good part of the attempt: the pool's count of connections
 * being opened cannot tell that from one opened a moment ago to replace a connection that closed (an attempt that
 * timed out aborts its exchange, and so closes its connection), for a request that the full pool held back until then.
 *
 * <p>Each connect is noted from when the pool asks for it until it is open or failed (its TCP connect and, for
 * {@code https}, its TLS handshake), at a cost of one map entry while it is under way. Thread-safe.
 */
final class ConnectTrackingClient extends HttpClient {

    /** When each connect under way began ({@link System#nanoTime()}), with its endpoint, by the promise it ends. */
    private final Map<Promise<Connection>, Connect> underWay = new ConcurrentHashMap<>();

    /**
     * @param transport the client's transport
     */
    ConnectTrackingClient(HttpClientTransport transport) {
        super(transport);
    }

    @Override
    public void newConnection(Destination destination, Promise<Connection> promise) {
        Promise<Connection> noted = new Promise.Wrapper<>(promise) {
            @Override
            public void succeeded(Connection connection) {
                underWay.remove(this);
                super.succeeded(connection);
            }

            @Override
            public void failed(Throwable failure) {
                underWay.remove(this);
                super.failed(failure);
            }
        };
        underWay.put(noted, new Connect(destination, System.nanoTime()));
        try {
            super.newConnection(destination, noted);
        } catch (RuntimeException | Error refused) {
            underWay.remove(noted);
            throw refused;
        }
    }

    /**
     * @param destination an endpoint's destination
     * @param none what to return when no connect to it is under way
     * @return when the longest-running connect to {@code destination} now under way began, in
     *     {@link System#nanoTime()}, or {@code none}
     */
    long oldestConnectStarted(Destination destination, long none) {
        long oldest = none;
        boolean found = false;
        for (Connect connect : underWay.values()) {
            if (connect.destination() == destination && (!found || connect.startedNanos() - oldest < 0)) {
                oldest = connect.startedNanos();
                found = true;
            }
        }
        return oldest;
    }

    /** A connect under way: to which endpoint, since when. */
    private record Connect(Destination destination, long startedNanos) {
    }
}
