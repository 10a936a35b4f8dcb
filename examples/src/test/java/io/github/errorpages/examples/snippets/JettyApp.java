package io.github.errorpages.examples.snippets;

import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A real Jetty 12 (ee10) web application on an ephemeral 127.0.0.1 port, set up as a snippet expects. */
final class JettyApp implements AutoCloseable {

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final ServletContextHandler context = new ServletContextHandler();

    JettyApp() {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        context.setContextPath("/");
        server.setHandler(context);
    }

    JettyApp listener(ServletContextListener listener) {
        context.addEventListener(listener);
        return this;
    }

    JettyApp contextParameter(String name, String value) {
        context.setInitParameter(name, value);
        return this;
    }

    JettyApp servlet(String pathSpec, HttpServlet servlet, Map<String, String> initParameters) {
        ServletHolder holder = new ServletHolder(servlet);
        holder.setInitParameters(initParameters);
        holder.setAsyncSupported(true);
        context.addServlet(holder, pathSpec);
        return this;
    }

    JettyApp start() throws Exception {
        server.start();
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
