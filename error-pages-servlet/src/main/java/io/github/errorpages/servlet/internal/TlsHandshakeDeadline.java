package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureClassifier;
import io.github.errorpages.internal.Causes;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslClientConnectionFactory;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * Ends, for {@link JettyForwarder}'s client, a TLS handshake with the upstream that outlasts the connect timeout,
 * counted from the start of the TCP connect: a connect timeout, as the JDK's client reports it (and Apache's).
 *
 * <p>Jetty's connect timeout ends with the TCP connect. An upstream that accepts connections and never answers the
 * client's hello (its process hung, a TLS terminator out of workers, a port that speaks no TLS and waits) held each
 * attempt until the attempt's own timeout, {@code 10s} by default against {@code connect-timeout}'s {@code 2s}, and
 * was reported as a late response ({@code http_response_timeout}), which the request was never sent for: retries of
 * a POST that was never sent were refused, and the breaker was told of slow responses. One task per TLS connection,
 * on the client's scheduler from when the connection opens, ended when the handshake ends. Thread-safe.
 *
 * <p>Closing the connection is not the only thing that reports it: Jetty's TLS connection, finding its input closed
 * in the middle of the handshake (a request's write waiting for the upstream's hello, on another thread), fails
 * the handshake with its own {@code SSLHandshakeException} ("Closed during handshake", "CLOSED"), which may reach
 * the exchange before the close does, and read as the upstream's TLS error ({@code tls_protocol_error}, 502). So
 * the deadline keeps its timeout before it closes, hangs it on a handshake failure that follows ({@link #timedOutIn}),
 * and {@link JettyForwarder#translate} answers with it.
 */
final class TlsHandshakeDeadline implements SslHandshakeListener, Connection.Listener, Runnable {
    /** Where {@link #startConnect} keeps when the TCP connect began, in the connection's context. */
    private static final String CONNECT_STARTED = TlsHandshakeDeadline.class.getName() + ".connectStarted";

    private final EndPoint network;
    private final long timeoutMillis;
    private final long connectStarted;
    private final Scheduler scheduler;
    private volatile boolean handshakeEnded;
    private volatile @Nullable HandshakeTimeout expired;
    private volatile Scheduler.@Nullable Task task;

    private TlsHandshakeDeadline(EndPoint network, long timeoutMillis, long connectStarted, Scheduler scheduler) {
        this.network = network;
        this.timeoutMillis = timeoutMillis;
        this.connectStarted = connectStarted;
        this.scheduler = scheduler;
    }

    /**
     * Notes in a connection's context that its TCP connect begins now.
     *
     * @param context the context the client connects with, which its connection factories get
     */
    static void startConnect(Map<String, Object> context) {
        context.put(CONNECT_STARTED, System.nanoTime());
    }

    /**
     * Jetty's factory of TLS connections, but for connections whose handshake must end within the connect timeout.
     *
     * @param tls the TLS context factory
     * @param buffers the connector's buffer pool
     * @param executor the connector's executor
     * @param next the factory of the connection over TLS
     * @param scheduler the connector's scheduler, which ends late handshakes
     * @param connectTimeout the connect timeout, read when a connection is made
     * @return the factory
     */
    static ClientConnectionFactory factory(SslContextFactory.Client tls, ByteBufferPool buffers,
            Executor executor, ClientConnectionFactory next, Scheduler scheduler, Supplier<Duration> connectTimeout) {
        return new SslClientConnectionFactory(tls, buffers, executor, next) {
            @Override
            public Connection newConnection(EndPoint network, Map<String, Object> context) throws IOException {
                Connection connection = super.newConnection(network, context);
                if (connection instanceof SslConnection secured
                        && context.get(CONNECT_STARTED) instanceof Long started) {
                    TlsHandshakeDeadline deadline = new TlsHandshakeDeadline(network, connectTimeout.get().toMillis(),
                            started, scheduler);
                    secured.addHandshakeListener(deadline);
                    secured.addEventListener(deadline); // its task is scheduled once the connection is open
                }
                return connection;
            }
        };
    }

    /**
     * Schedules the deadline once the connection is open, not when it is made: Jetty's selector opens the network
     * endpoint after it made the connection, and an endpoint the deadline closed in between (a TCP connect that used
     * up the whole connect timeout leaves no time) fails to open with an {@code IllegalStateException}, which read as
     * the proxy's own error (500) instead of the connect timeout (504).
     */
    @Override
    public void onOpened(Connection connection) {
        long left = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStarted);
        task = scheduler.schedule(this, Math.max(0, left), TimeUnit.MILLISECONDS);
        if (handshakeEnded) {
            cancel(); // it ended before its task was kept
        }
    }

    @Override
    public void handshakeSucceeded(Event event) {
        handshakeEnded = true;
        cancel();
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure) {
        handshakeEnded = true;
        cancel();
        HandshakeTimeout late = expired;
        if (late != null && late != failure) {
            failure.addSuppressed(late); // what the close made of the handshake, which Jetty reports as its own
        }
    }

    private void cancel() {
        Scheduler.Task scheduled = task;
        if (scheduled != null) {
            scheduled.cancel();
        }
    }

    @Override
    public void run() {
        if (!handshakeEnded) {
            HandshakeTimeout late = timedOut(timeoutMillis);
            expired = late; // before the close, whose failed handshake may be reported first
            network.close(late);
        }
    }

    /**
     * @param failure a failure Jetty's client reported
     * @return the deadline's timeout, if the failure, or one of its causes, is a handshake failure that followed the
     *     deadline's close; otherwise {@code null}
     */
    static @Nullable SocketTimeoutException timedOutIn(Throwable failure) {
        Throwable t = failure;
        // Causes.of, as the classifier walks a chain: a cause that throws when asked for ends the walk, not translate.
        for (int depth = 0; t != null && depth < FailureClassifier.MAX_CHAIN; depth++, t = Causes.of(t)) {
            for (Throwable suppressed : t.getSuppressed()) {
                if (suppressed instanceof HandshakeTimeout late) {
                    return late;
                }
            }
        }
        return null;
    }

    /**
     * @param millis the time the handshake had
     * @return the failure of a handshake that did not end in time: worded as the other connect timeouts, which the
     *     classifier reads as {@code connection_timeout}
     */
    static HandshakeTimeout timedOut(long millis) {
        return new HandshakeTimeout("connect timed out: no TLS handshake within " + millis + " ms");
    }

    /** A TLS handshake that did not end in time: its own type, to be told from any other timeout. */
    static final class HandshakeTimeout extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        HandshakeTimeout(String message) {
            super(message);
        }
    }
}
