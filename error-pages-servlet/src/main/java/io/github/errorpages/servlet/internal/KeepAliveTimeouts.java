package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.DuplexConnectionPool;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.jspecify.annotations.Nullable;

/**
 * How long {@link JettyForwarder}'s client keeps a connection to an upstream open, unused, for a next request: the
 * servlet's {@code pool-idle-timeout}, or less where the upstream said in a {@code Keep-Alive: timeout=<seconds>}
 * field that it closes idle connections sooner, less a margin.
 *
 * <p>An upstream closes a connection left idle past its own keep-alive timeout (Node.js, Apache httpd and uvicorn
 * after 5 s, gunicorn 2 s). A request sent on the connection as it closes fails before any response ("connection
 * terminated"): the client cannot tell a server that closed an idle connection from one that took the request and
 * crashed, so a POST, a PATCH must not be sent again (R13) and is answered with the 502 page. Jetty's client sees a
 * close of an idle connection when its selector gets to it, and the pool passes over one whose close is there already
 * as it is taken ({@code Pool.activate}), but one that crosses a request on its way still meets it: on loopback, a few
 * POSTs in a hundred sent about when the upstream's timeout ends. A connection the client closes first never meets
 * it, so the client closes its idle ones before the upstream does. The margin covers the time between the upstream's
 * clock starting (when it wrote the response) and the client's (when it read it): a second, or half of a shorter
 * timeout.
 *
 * <p>Each connection's time is set as it goes back to the pool, from the {@code Keep-Alive} field of the last
 * response it carried, {@link #remember remembered} when that response's head arrived. Thread-safe.
 */
final class KeepAliveTimeouts {

    /** The longest margin taken off an upstream's keep-alive timeout. */
    private static final long MARGIN_MILLIS = 1_000;
    /** More seconds than any keep-alive timeout needs (pool-idle-timeout is 24 h at most); longer ones read as this. */
    private static final long MAX_SECONDS = 999_999_999;

    private final long poolIdleMillis;
    /**
     * What the upstream allows each connection that carried a {@code Keep-Alive} timeout, in milliseconds; forgotten
     * when the pool removes the connection.
     */
    private final Map<Connection, Long> allowedByUpstream = new ConcurrentHashMap<>();

    /**
     * @param poolIdleTimeout how long a connection may stay idle when its upstream says nothing shorter
     */
    KeepAliveTimeouts(Duration poolIdleTimeout) {
        this.poolIdleMillis = Math.max(1, poolIdleTimeout.toMillis());
    }

    /** @return the client's pools, one per endpoint, each as Jetty's own but for the idle times */
    ConnectionPool.Factory poolFactory() {
        return destination -> new Pool(destination, destination.getHttpClient().getMaxConnectionsPerDestination());
    }

    /**
     * Remembers the keep-alive timeout the head of a response on a connection of the client's names, if it names one,
     * for when the connection goes back to the pool; forgets an earlier one if it names none.
     *
     * @param head a final response head, as it arrives
     */
    void remember(Response head) {
        Connection connection = head.getRequest().getConnection();
        if (connection == null) {
            return;
        }
        long allowed = allowedIdleMillis(head.getHeaders());
        if (allowed < 0) {
            allowedByUpstream.remove(connection);
            return;
        }
        allowedByUpstream.put(connection, allowed);
        // Closed meanwhile (an abort as the head arrived), the pool may have forgotten it before this put: a
        // connection marks itself closed before the pool removes it, so this forgets what would stay for good.
        if (connection.isClosed()) {
            allowedByUpstream.remove(connection);
        }
    }

    /** @return how many connections have a keep-alive time of their upstream's remembered (for tests) */
    int remembered() {
        return allowedByUpstream.size();
    }

    /**
     * How long a connection may stay idle after a response whose {@code Keep-Alive} fields name a timeout: the
     * shortest named, less the margin.
     *
     * @param headers a response's header fields
     * @return milliseconds, 0 when the connection must not be used again, or -1 when no field names a timeout
     */
    static long allowedIdleMillis(HttpFields headers) {
        long shortest = -1;
        for (HttpField field : headers) {
            if (field.is(HttpHeader.KEEP_ALIVE.asString())) {
                long seconds = timeoutSeconds(field.getValue());
                if (seconds >= 0 && (shortest < 0 || seconds < shortest)) {
                    shortest = seconds;
                }
            }
        }
        return shortest < 0 ? -1 : afterMargin(shortest);
    }

    /**
     * @param seconds an upstream's keep-alive timeout, at least 0
     * @return how long the client may keep a connection idle, in milliseconds: a second less, or half for less than
     *     2 s
     */
    static long afterMargin(long seconds) {
        long millis = seconds * 1_000;
        return millis - Math.min(MARGIN_MILLIS, millis / 2);
    }

    /**
     * The {@code timeout} parameter of a {@code Keep-Alive} field value ({@code timeout=5, max=100}; RFC 2068
     * §19.7.1.1, which later RFCs leave to practice): whole seconds, possibly quoted.
     *
     * @return the seconds, or -1 when the value has no such parameter or it is not a number
     */
    static long timeoutSeconds(@Nullable String value) {
        if (value == null) {
            return -1;
        }
        for (String parameter : value.split(",")) {
            int equals = parameter.indexOf('=');
            if (equals < 0 || !parameter.substring(0, equals).trim().equalsIgnoreCase("timeout")) {
                continue;
            }
            String seconds = parameter.substring(equals + 1).trim();
            if (seconds.length() >= 2 && seconds.startsWith("\"") && seconds.endsWith("\"")) {
                seconds = seconds.substring(1, seconds.length() - 1);
            }
            long read = seconds.isEmpty() ? -1 : 0;
            for (int i = 0; i < seconds.length() && read >= 0; i++) {
                char c = seconds.charAt(i);
                read = c >= '0' && c <= '9' ? Math.min(MAX_SECONDS, read * 10 + (c - '0')) : -1;
            }
            return read;
        }
        return -1;
    }

    /**
     * @param connection an idle connection to an upstream, just taken from the pool
     * @return whether the upstream ended it (closed it, or sent bytes nobody asked for)
     */
    private static boolean endedByUpstream(Connection connection) {
        if (!(connection instanceof org.eclipse.jetty.io.Connection open)) {
            return false;
        }
        EndPoint endPoint = open.getEndPoint();
        if (!endPoint.isOpen() || endPoint.isInputShutdown()) {
            return true;
        }
        try {
            return endPoint.fill(BufferUtil.allocate(1)) != 0;
        } catch (IOException failed) {
            return true;
        }
    }

    /**
     * Jetty's pool of connections to one endpoint, but for setting each one's idle time as it comes back, and for
     * passing over one the upstream ended as it is taken.
     */
    private final class Pool extends DuplexConnectionPool {

        Pool(Destination destination, int maxConnections) {
            super(destination, maxConnections);
        }

        /**
         * Sets the idle time of a connection that comes back, before another exchange can take it; gives back
         * {@code false} for one the upstream allows no idle time, which Jetty then closes, as it closes one past the
         * pool's {@code maxDuration}.
         */
        @Override
        public boolean release(Connection connection) {
            Long allowed = allowedByUpstream.get(connection);
            long idle = allowed != null ? Math.min(allowed, poolIdleMillis) : poolIdleMillis;
            if (idle <= 0) {
                remove(connection);
                return false;
            }
            // The connection restored the idle time it had before its exchange: the time set at its last release, or
            // the connector's for a new one (which must cover a slow TLS handshake too).
            if (connection instanceof org.eclipse.jetty.io.Connection open) {
                open.getEndPoint().setIdleTimeout(idle);
            }
            return super.release(connection);
        }

        /**
         * Takes an idle connection for a request, passing over those the upstream closed after their last answer
         * without saying so (no {@code Connection: close}, which RFC 9112 §9.6 asks of it but which some servers leave
         * out): the close is in the socket already, but Jetty's client learns of it only when its selector gets to
         * it, and a request sent on it meanwhile failed before any answer, a POST then answered with a 502
         * {@code connection_terminated} (not sent again: R13) although the upstream never saw it. A read that does not
         * wait finds the close, or bytes nobody asked for (an upstream's 408 before it closes): either way the
         * connection is closed, and the next one taken, or a new one made.
         */
        @Override
        protected Connection activate() {
            while (true) {
                Connection connection = super.activate();
                if (connection == null || !endedByUpstream(connection)) {
                    return connection;
                }
                connection.close(); // and out of the pool
            }
        }

        @Override
        protected void onRemoved(Connection connection) {
            allowedByUpstream.remove(connection);
            super.onRemoved(connection);
        }
    }
}
