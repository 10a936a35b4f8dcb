package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureClassifier;
import io.github.errorpages.internal.Causes;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
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
 *
 * <p>An attempt whose own time runs out first ends the handshake the same way ({@link #endUnlessDone}), and reports a
 * connect timeout, which says the request never reached the upstream (a POST is then sent again where
 * {@code retry.on-connect-failure-for-unsafe} is on), only where the handshake had not succeeded: the deadline or the
 * handshake's success, whichever comes first, decides, and a success that comes after the deadline fails the handshake
 * before any byte of the request is encrypted. Aborting the request would not do: Jetty's client leaves its head's
 * write, waiting on the handshake, to go out when the handshake completes.
 */
final class TlsHandshakeDeadline implements SslHandshakeListener, Connection.Listener, Runnable {
    /** Where {@link #startConnect} keeps when the TCP connect began, in the connection's context. */
    private static final String CONNECT_STARTED = TlsHandshakeDeadline.class.getName() + ".connectStarted";
    /** The handshake ended, succeeded or failed, before any deadline. */
    private static final Object ENDED = new Object();

    private final EndPoint network;
    private final long timeoutMillis;
    private final long connectStarted;
    private final Scheduler scheduler;
    /**
     * {@code null} while the handshake is under way; then {@link #ENDED} when it succeeded or failed first, or the
     * timeout that ended it ({@link #endUnlessDone}). Set once.
     */
    private final AtomicReference<@Nullable Object> outcome = new AtomicReference<>();
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
                if (connection instanceof WithDeadline secured
                        && context.get(CONNECT_STARTED) instanceof Long started) {
                    TlsHandshakeDeadline deadline = new TlsHandshakeDeadline(network, connectTimeout.get().toMillis(),
                            started, scheduler);
                    secured.deadline = deadline;
                    secured.addHandshakeListener(deadline);
                    secured.addEventListener(deadline); // its task is scheduled once the connection is open
                }
                return connection;
            }

            @Override
            protected SslConnection newSslConnection(EndPoint network, SSLEngine engine) {
                // As Jetty's own, but for a connection that holds its deadline, which endUnlessDone looks for.
                return new WithDeadline(getByteBufferPool(), getExecutor(), getSslContextFactory(), network, engine,
                        isDirectBuffersForEncryption(), isDirectBuffersForDecryption());
            }
        };
    }

    /**
     * Ends the TLS handshake of a connection of the {@link #factory}'s now, as its deadline would, unless it ended
     * already: for an attempt whose own time ran out while its request waited for the handshake, before which nothing
     * of the request is written. Once this returned a timeout, nothing of any request is written on the connection,
     * also where the handshake completes in the same moment: its success fails the handshake instead.
     *
     * @param connection the connection of Jetty's client a request was given, or {@code null} when it has none yet
     * @param millis the time the attempt had, for the failure's message
     * @return the connect timeout, where this or the connection's own deadline ended the handshake; {@code null} where
     *     the handshake ended (succeeded or failed) first, or the connection is none of the factory's TLS connections:
     *     then the request may have reached the upstream
     */
    static @Nullable HandshakeTimeout endUnlessDone(org.eclipse.jetty.client.@Nullable Connection connection,
            long millis) {
        if (connection instanceof Connection upper && upper.getEndPoint() instanceof SslConnection.SslEndPoint tls) {
            TlsHandshakeDeadline deadline = of(tls.getSslConnection());
            return deadline == null ? null : deadline.end(timedOut(millis));
        }
        return null;
    }

    /**
     * @param secured a TLS connection
     * @return its deadline, where the {@link #factory} made it with one; else {@code null}
     */
    static @Nullable TlsHandshakeDeadline of(SslConnection secured) {
        return secured instanceof WithDeadline withDeadline ? withDeadline.deadline : null;
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
        if (outcome.get() != null) {
            cancel(); // it ended before its task was kept
        }
    }

    /**
     * Takes the success for the handshake's end, unless a deadline ended it first: then the success fails the
     * handshake (Jetty fails a handshake whose listener throws an {@link SSLException}), on the thread that would
     * encrypt the request next, after the connection is closed.
     */
    @Override
    public void handshakeSucceeded(Event event) throws SSLException {
        if (outcome.compareAndSet(null, ENDED)) {
            cancel();
            return;
        }
        if (outcome.get() instanceof HandshakeTimeout late) {
            network.close(late); // closed by the deadline already, or about to be: closed here before anything is sent
            SSLHandshakeException refused = new SSLHandshakeException("the TLS handshake ended after its deadline");
            refused.addSuppressed(late);
            throw refused;
        }
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure) {
        if (outcome.compareAndSet(null, ENDED)) {
            cancel();
            return;
        }
        if (outcome.get() instanceof HandshakeTimeout late && late != failure
                && !List.of(failure.getSuppressed()).contains(late)) {
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
        end(timedOut(timeoutMillis));
    }

    /**
     * @param late the timeout to end the handshake with
     * @return {@code late}, where it ended the handshake; the timeout that ended it, where a deadline did first (the
     *     connection's own, a connect begun before the attempt: nothing of the request was written either); {@code
     *     null} where the handshake had ended first
     */
    @Nullable HandshakeTimeout end(HandshakeTimeout late) {
        // Taken before the close, whose failed handshake may be reported first.
        if (!outcome.compareAndSet(null, late)) {
            return outcome.get() instanceof HandshakeTimeout first ? first : null;
        }
        cancel();
        network.close(late);
        return late;
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

    /** Jetty's TLS connection, but for holding its deadline, which {@link #endUnlessDone} ends. */
    private static final class WithDeadline extends SslConnection {
        private volatile @Nullable TlsHandshakeDeadline deadline;

        WithDeadline(ByteBufferPool buffers, Executor executor, SslContextFactory tls, EndPoint network,
                SSLEngine engine, boolean directForEncryption, boolean directForDecryption) {
            super(buffers, executor, tls, network, engine, directForEncryption, directForDecryption);
        }
    }

    /** A TLS handshake that did not end in time: its own type, to be told from any other timeout. */
    static final class HandshakeTimeout extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        HandshakeTimeout(String message) {
            super(message);
        }
    }
}
