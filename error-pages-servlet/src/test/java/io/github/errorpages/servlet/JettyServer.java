package io.github.errorpages.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * A real Jetty 12 (ee10) server on an ephemeral 127.0.0.1 port, plus a {@link LocalConnector} for raw
 * HTTP. Servlets and filters are added before {@link #start()}.
 */
final class JettyServer implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;
    private final LocalConnector local;
    private final ServletContextHandler context = new ServletContextHandler();
    private @Nullable ServerConnector h2c;
    private @Nullable GracefulHandler graceful;

    JettyServer() {
        this(new QueuedThreadPool());
    }

    /**
     * @param threads the server's threads: Jetty's default pool, or a {@code VirtualThreadPool} (Java 21+) for a
     *     virtual thread per task, as a user running on virtual threads configures it
     */
    JettyServer(ThreadPool threads) {
        server = new Server(threads);
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        local = new LocalConnector(server);
        server.addConnector(local);
        // The container's own banner is not the filter's business (R40), but it would trip the leak checks.
        for (var connectorOfServer : server.getConnectors()) {
            var http = connectorOfServer.getConnectionFactory(HttpConnectionFactory.class);
            http.getHttpConfiguration().setSendServerVersion(false);
        }
        context.setContextPath("/");
        server.setHandler(context);
    }

    /**
     * Adds a second connector that speaks HTTP/2 without TLS (h2c with prior knowledge), as a gateway behind a
     * load balancer that talks HTTP/2 to it does.
     */
    JettyServer h2c() {
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        h2c = new ServerConnector(server, new HTTP2CServerConnectionFactory(config));
        h2c.setHost("127.0.0.1");
        h2c.setPort(0);
        server.addConnector(h2c);
        return this;
    }

    /** @return the URI of a path on the {@link #h2c()} connector */
    URI h2cUri(String path) {
        return URI.create("http://127.0.0.1:" + Objects.requireNonNull(h2c, "no h2c connector").getLocalPort() + path);
    }

    /** Sets how long the client's connection may go without I/O before Jetty fails it (its default: 30 s). */
    JettyServer idleTimeout(Duration idle) {
        connector.setIdleTimeout(idle.toMillis());
        return this;
    }

    /**
     * Gives each connection of the plain connector a socket send buffer of this size (the kernel's default grows
     * with the traffic), so that a client that reads nothing holds back the server's writes after a few KiB.
     */
    JettyServer sendBufferSize(int bytes) {
        connector.setAcceptedSendBufferSize(bytes);
        return this;
    }

    /** Sets the largest request head the plain connector accepts (Jetty's default: 8 KiB). */
    JettyServer requestHeaderSize(int bytes) {
        connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setRequestHeaderSize(bytes);
        return this;
    }

    /** Sets the largest response head the plain connector sends (Jetty's default: 8 KiB). */
    JettyServer responseHeaderSize(int bytes) {
        connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setResponseHeaderSize(bytes);
        return this;
    }

    /**
     * Lets the plain and the local connector accept an encoded {@code /} in a path, and the context decode it, as
     * operators configure Jetty for identifiers that hold a {@code /}: the path the context maps is then fully
     * decoded, {@code %2F} included (Jetty's default refuses such a request with 400).
     */
    JettyServer ambiguousPathSeparators() {
        for (var connectorOfServer : server.getConnectors()) {
            connectorOfServer.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setUriCompliance(
                    UriCompliance.DEFAULT.with("allow-%2F", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
        }
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        return this;
    }

    /** Gives the context sessions ({@code request.getSession()}), off by default. */
    JettyServer sessions() {
        context.setSessionHandler(new SessionHandler());
        return this;
    }

    ServletContextHandler context() {
        return context;
    }

    /** Adds a servlet with async support, as the documentation asks of the proxy servlet. */
    JettyServer servlet(String pathSpec, HttpServlet servlet) {
        return servlet(pathSpec, servlet, true);
    }

    /**
     * @param asyncSupported {@code false} to register the servlet as a {@code web.xml} without
     *     {@code <async-supported>} does: {@code request.isAsyncSupported()} is then false
     */
    JettyServer servlet(String pathSpec, HttpServlet servlet, boolean asyncSupported) {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(asyncSupported);
        context.addServlet(holder, pathSpec);
        return this;
    }

    JettyServer filter(Filter filter) {
        return filter(new FilterHolder(filter));
    }

    JettyServer filter(FilterHolder holder) {
        holder.setAsyncSupported(true);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC));
        return this;
    }

    /** Puts Jetty's {@link SizeLimitHandler} in front of the servlets: request bodies over the limit get its 413. */
    JettyServer requestSizeLimit(long bytes) {
        SizeLimitHandler limit = new SizeLimitHandler(bytes, -1);
        limit.setHandler(context);
        server.setHandler(limit);
        return this;
    }

    /** Puts Jetty's own response compression ({@link GzipHandler}, its defaults) in front of the servlets. */
    JettyServer gzipHandler() {
        GzipHandler gzip = new GzipHandler();
        gzip.setHandler(context);
        server.setHandler(gzip);
        return this;
    }

    /**
     * Gives {@link Server#stop()} this long to let the requests in flight end, with Jetty's {@link GracefulHandler} in
     * front of everything, as an operator configures a graceful stop (SIGTERM): without a stop timeout (0 by default)
     * a stop ends them at once.
     */
    JettyServer graceful(Duration stopTimeout) {
        GracefulHandler handler = new GracefulHandler();
        handler.setHandler(server.getHandler());
        server.setHandler(handler);
        server.setStopTimeout(stopTimeout.toMillis());
        graceful = handler;
        return this;
    }

    /** @return whether a stop has begun and the {@link #graceful} handler refuses new requests */
    boolean shuttingDown() {
        return Objects.requireNonNull(graceful, "not graceful").isShutdown();
    }

    JettyServer start() {
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not start", e);
        }
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    int port() {
        return connector.getLocalPort();
    }

    /** Sends a raw request through the in-memory connector and returns the raw response. */
    String raw(String request) {
        try {
            return local.getResponse(request);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        }
    }
}
