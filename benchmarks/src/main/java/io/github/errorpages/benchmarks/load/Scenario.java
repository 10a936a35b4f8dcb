package io.github.errorpages.benchmarks.load;

import io.github.errorpages.servlet.ErrorPagesFilter;
import io.github.errorpages.servlet.ProxyTransport;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.function.BiConsumer;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

/**
 * One server set-up of the load harness. Each runs in its own JVM ({@link LoadServer}), so the server CPU
 * time per request can be read from that process alone while wrk shares the cores.
 */
public enum Scenario {

    /** The upstream the proxy scenarios forward to: 200 with a 2 KB body. */
    UPSTREAM("upstream", (context, upstream) ->
            context.addServlet(new ServletHolder(new FixedBodyServlet(FixedBodyServlet.UPSTREAM_SIZE)), "/*")),

    /** A bare Jetty 12 servlet answering "hello": the happy-path baseline. */
    HELLO("Jetty hello servlet", (context, upstream) ->
            context.addServlet(new ServletHolder(new FixedBodyServlet(FixedBodyServlet.HELLO_SIZE)), "/*")),

    /** The same hello servlet behind {@link ErrorPagesFilter} (budget a). */
    HELLO_FILTERED("Jetty hello servlet behind ErrorPagesFilter", (context, upstream) -> {
        addErrorPagesFilter(context);
        context.addServlet(new ServletHolder(new FixedBodyServlet(FixedBodyServlet.HELLO_SIZE)), "/*");
    }),

    /** The app calls sendError(502) and Jetty's own ErrorHandler writes its default page. */
    JETTY_502("Jetty default 502 page", (context, upstream) ->
            context.addServlet(new ServletHolder(new BadGatewayServlet()), "/*")),

    /** The same servlet calling sendError(502), behind {@link ErrorPagesFilter}: our branded page (budget b). */
    BRANDED_502("branded 502 page (ErrorPagesFilter)", (context, upstream) -> {
        addErrorPagesFilter(context);
        context.addServlet(new ServletHolder(new BadGatewayServlet()), "/*");
    }),

    /**
     * {@link ReverseProxyServlet} whose upstream's circuit breaker is open (and stays open for an hour): the
     * guard refuses every call without touching the network and the servlet answers with the 503 page
     * (budget c).
     */
    OPEN_BREAKER_503("open breaker 503 page (ReverseProxyServlet)", (context, upstream) -> {
        CircuitBreakerConfig openForAnHour = CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                .waitDurationInOpenState(Duration.ofHours(1))
                .build();
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(required(upstream))
                .circuitBreakerConfig(openForAnHour).build());
        guard.circuitBreakers().forEach(CircuitBreaker::transitionToOpenState);
        addServlet(context, "/*", ReverseProxyServlet.builder(guard).build());
    }),

    /** Jetty's own transparent ProxyServlet (jetty-ee10-proxy) to the upstream. */
    JETTY_PROXY("Jetty ProxyServlet", (context, upstream) -> {
        ServletHolder proxy = new ServletHolder(new ProxyServlet.Transparent());
        proxy.setInitParameter("proxyTo", required(upstream).toString());
        proxy.setInitParameter("maxThreads", "64");
        proxy.setAsyncSupported(true);
        context.addServlet(proxy, "/*");
    }),

    /**
     * {@link ReverseProxyServlet} with every default to the same upstream (budget d): with jetty-client on the
     * class path, as here, that is the Jetty transport, asynchronous.
     */
    PROXY("ReverseProxyServlet", (context, upstream) -> addProxy(context, "/*", "orders", required(upstream))),

    /** The same with {@link ProxyTransport#JDK}: the JDK's HttpClient on the container thread. */
    PROXY_JDK("ReverseProxyServlet, JDK HttpClient transport", (context, upstream) -> {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(required(upstream)).build());
        addServlet(context, "/*", ReverseProxyServlet.builder(guard).transport(ProxyTransport.JDK).build());
    }),

    /**
     * Two routes through {@link ReverseProxyServlet}: {@code /healthy/*} to the upstream and {@code /dead/*} to
     * a blackholed one, a loopback socket whose accept queue is full, so that every connect hangs until the
     * client's connect timeout as it does for a host that is down (budget e).
     */
    HEALTHY_AND_DEAD("ReverseProxyServlet, healthy route beside a blackholed one", (context, upstream) -> {
        addProxy(context, "/healthy/*", "orders", required(upstream));
        addProxy(context, "/dead/*", "billing", blackhole(context));
    }),

    /**
     * The same two routes, but the dead route's circuit breaker counts no failure, so it never opens: every
     * request to it waits for its connect timeouts (two attempts of 2 s), and only the upstream's bulkhead (50
     * calls in flight) bounds how many such calls there are (budget e, the hard case). With the Jetty transport
     * a waiting call is a pending exchange, not a server thread.
     */
    HEALTHY_AND_DEAD_NEVER_OPEN(
            "ReverseProxyServlet, healthy route beside a blackholed one whose breaker never opens", (context, upstream) -> {
                addProxy(context, "/healthy/*", "orders", required(upstream));
                CircuitBreakerConfig neverOpens = CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                        .ignoreException(failure -> true)
                        .build();
                UpstreamGuard dead = UpstreamGuard.of(UpstreamConfig.builder("billing")
                        .endpoints(blackhole(context)).circuitBreakerConfig(neverOpens).build());
                addServlet(context, "/dead/*", ReverseProxyServlet.builder(dead).build());
            });

    private final String label;
    private final BiConsumer<ServletContextHandler, @Nullable URI> configure;

    Scenario(String label, BiConsumer<ServletContextHandler, @Nullable URI> configure) {
        this.label = label;
        this.configure = configure;
    }

    /** @return what the scenario measures, for the table */
    public String label() {
        return label;
    }

    /**
     * Starts the scenario's server on 127.0.0.1.
     *
     * @param port the port, 0 for any free one
     * @param upstream the upstream base URL for the proxy scenarios, or {@code null}
     * @return the started server
     * @throws Exception when Jetty fails to start
     */
    public Server start(int port, @Nullable URI upstream) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        configure.accept(context, upstream);
        server.setHandler(context);
        server.start();
        return server;
    }

    private static URI required(@Nullable URI upstream) {
        if (upstream == null) {
            throw new IllegalArgumentException("this scenario forwards to an upstream: give its URL");
        }
        return upstream;
    }

    /**
     * Opens a blackhole for the server's lifetime. The context holds it: unreachable, it would be collected
     * and its sockets closed, and the "dead" upstream would refuse connections instead of leaving them
     * hanging.
     */
    private static URI blackhole(ServletContextHandler context) {
        FaultyUpstream.Blackhole blackhole = FaultyUpstream.Blackhole.open();
        context.addBean(blackhole);
        return blackhole.uri();
    }

    private static void addErrorPagesFilter(ServletContextHandler context) {
        // Registered as the servlet module documents it: async-supported, for REQUEST, FORWARD and ASYNC dispatches.
        FilterHolder filter = new FilterHolder(ErrorPagesFilter.builder().build());
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC));
    }

    private static void addProxy(ServletContextHandler context, String pathSpec, String name, URI endpoint) {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder(name).endpoints(endpoint).build());
        addServlet(context, pathSpec, ReverseProxyServlet.builder(guard).build());
    }

    /** Registers a proxy servlet as its documentation says: async-supported, which its Jetty transport uses. */
    private static void addServlet(ServletContextHandler context, String pathSpec, ReverseProxyServlet servlet) {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, pathSpec);
    }

    /** Calls {@code sendError(502)}, as an application does when its upstream call failed. */
    static final class BadGatewayServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendError(HttpServletResponse.SC_BAD_GATEWAY);
        }
    }

    /** Answers 200 with a fixed body of the given size. */
    static final class FixedBodyServlet extends HttpServlet {
        /** The hello servlet's body size: "hello". */
        static final int HELLO_SIZE = 5;
        /** The upstream's body size. */
        static final int UPSTREAM_SIZE = 2048;
        private static final long serialVersionUID = 1L;
        private final byte[] body;

        FixedBodyServlet(int size) {
            this.body = text(size).getBytes(StandardCharsets.US_ASCII);
        }

        /**
         * @param size the body's length
         * @return the body of that length: "hello", then as many "x" as it takes
         */
        static String text(int size) {
            return ("hello" + "x".repeat(Math.max(0, size - 5))).substring(0, size);
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
