package io.github.errorpages.benchmarks.load;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One server set-up of the load harness. Each runs in its own JVM ({@link LoadServer}), so the server CPU
 * time per request can be read from that process alone while wrk shares the cores.
 */
public enum Scenario {

    /** The upstream the proxy scenarios forward to: 200 with a 2 KB body. */
    UPSTREAM("upstream", (context, upstream) -> context.addServlet(new ServletHolder(new FixedBodyServlet(2048)), "/*")),

    /** A bare Jetty 12 servlet answering "hello": the happy-path baseline. */
    HELLO("Jetty hello servlet", (context, upstream) -> context.addServlet(new ServletHolder(new FixedBodyServlet(5)), "/*")),

    /** The app calls sendError(502) and Jetty's own ErrorHandler writes its default page. */
    JETTY_502("Jetty default 502 page", (context, upstream) -> context.addServlet(new ServletHolder(new HttpServlet() {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendError(502);
        }
    }), "/*")),

    /** Jetty's own transparent ProxyServlet (jetty-ee10-proxy) to the upstream. */
    JETTY_PROXY("Jetty ProxyServlet", (context, upstream) -> {
        ServletHolder proxy = new ServletHolder(new ProxyServlet.Transparent());
        proxy.setInitParameter("proxyTo", upstream.toString());
        proxy.setInitParameter("maxThreads", "64");
        context.addServlet(proxy, "/*");
    });

    private final String label;
    private final BiConsumer<ServletContextHandler, URI> configure;

    Scenario(String label, BiConsumer<ServletContextHandler, URI> configure) {
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
    public Server start(int port, URI upstream) throws Exception {
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

    /** Answers 200 with a fixed body of the given size. */
    static final class FixedBodyServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final byte[] body;

        FixedBodyServlet(int size) {
            String text = "hello" + "x".repeat(Math.max(0, size - 5));
            this.body = text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
