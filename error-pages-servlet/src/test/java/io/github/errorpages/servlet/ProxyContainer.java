package io.github.errorpages.servlet;

import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The servers a test runs a servlet in, behind filters of its own: Jetty, Tomcat and Undertow, each on an ephemeral
 * loopback port, the filters in the order given on {@code REQUEST} dispatches, all with async support.
 */
enum ProxyContainer {
    JETTY, TOMCAT, UNDERTOW;

    /** Every container with either transport: the arguments of a test run in each. */
    static Stream<Arguments> withEachTransport() {
        List<Arguments> all = new ArrayList<>();
        for (ProxyContainer container : values()) {
            for (ProxyTransport transport : List.of(ProxyTransport.JETTY, ProxyTransport.JDK)) {
                all.add(Arguments.of(container, transport));
            }
        }
        return all.stream();
    }

    /**
     * @param inFront the filters in front of the servlet, first to last
     * @param servlet the servlet, mapped to {@code /*}
     * @param asyncSupported whether the servlet supports async
     * @return the started server
     */
    Server start(List<Filter> inFront, HttpServlet servlet, boolean asyncSupported) {
        return start(inFront, servlet, asyncSupported, null);
    }

    /**
     * @param inFront the filters in front of the servlet, first to last
     * @param servlet the servlet, mapped to {@code /*}
     * @param asyncSupported whether the servlet supports async
     * @param multipart how the servlet reads multipart bodies ({@code getParts}), or {@code null} for not at all
     * @return the started server
     */
    Server start(List<Filter> inFront, HttpServlet servlet, boolean asyncSupported,
            @Nullable MultipartConfigElement multipart) {
        return start(inFront, servlet, asyncSupported, multipart, false);
    }

    /**
     * Starts the servlet, with async support, behind filters mapped for {@code ASYNC} dispatches too, as the
     * documentation asks of {@link ErrorPagesFilter} for async applications.
     *
     * @param inFront the filters in front of the servlet, first to last, on {@code REQUEST} and {@code ASYNC}
     *     dispatches
     * @param servlet the servlet, mapped to {@code /*}
     * @return the started server
     */
    Server startWithAsyncDispatches(List<Filter> inFront, HttpServlet servlet) {
        return start(inFront, servlet, true, null, true);
    }

    private Server start(List<Filter> inFront, HttpServlet servlet, boolean asyncSupported,
            @Nullable MultipartConfigElement multipart, boolean asyncDispatches) {
        return switch (this) {
            case JETTY -> {
                JettyServer jetty = new JettyServer();
                inFront.forEach(jetty::filter); // on ASYNC dispatches too
                ServletHolder holder = new ServletHolder(servlet);
                holder.setAsyncSupported(asyncSupported);
                if (multipart != null) {
                    holder.getRegistration().setMultipartConfig(multipart);
                }
                jetty.context().addServlet(holder, "/*");
                jetty.start();
                yield new Server(jetty, jetty.uri("/"));
            }
            case TOMCAT -> {
                TomcatServer tomcat = TomcatServer.inCode();
                for (int i = 0; i < inFront.size(); i++) {
                    if (asyncDispatches) {
                        tomcat.filter("front-" + i, inFront.get(i), "REQUEST", "ASYNC");
                    } else {
                        tomcat.filter("front-" + i, inFront.get(i), "REQUEST");
                    }
                }
                tomcat.servlet("/*", servlet, asyncSupported, multipart).start();
                yield new Server(tomcat, tomcat.uri("/"));
            }
            case UNDERTOW -> undertow(inFront, servlet, asyncSupported, multipart, asyncDispatches);
        };
    }

    private static Server undertow(List<Filter> inFront, HttpServlet servlet, boolean asyncSupported,
            @Nullable MultipartConfigElement multipart, boolean asyncDispatches) {
        DeploymentInfo info = Servlets.deployment().setClassLoader(ProxyContainer.class.getClassLoader())
                .setContextPath("/").setDeploymentName("test")
                .addServlet(Servlets.servlet("servlet", HttpServlet.class, new ImmediateInstanceFactory<>(servlet))
                        .addMapping("/*").setAsyncSupported(asyncSupported).setMultipartConfig(multipart));
        for (int i = 0; i < inFront.size(); i++) {
            info.addFilter(Servlets.filter("front-" + i, Filter.class,
                    new ImmediateInstanceFactory<>(inFront.get(i))).setAsyncSupported(true))
                    .addFilterUrlMapping("front-" + i, "/*", DispatcherType.REQUEST);
            if (asyncDispatches) {
                info.addFilterUrlMapping("front-" + i, "/*", DispatcherType.ASYNC);
            }
        }
        DeploymentManager deployment = Servlets.newContainer().addDeployment(info);
        deployment.deploy();
        try {
            Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(deployment.start())
                    .build();
            undertow.start();
            int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
            return new Server(() -> {
                undertow.stop();
                deployment.stop();
                deployment.undeploy();
            }, URI.create("http://127.0.0.1:" + port + "/"));
        } catch (ServletException e) {
            throw new IllegalStateException("Undertow did not start", e);
        }
    }

    /** A started server, stopped by {@link #close()}. */
    record Server(AutoCloseable server, URI base) implements AutoCloseable {

        int port() {
            return base.getPort();
        }

        URI uri(String path) {
            return base.resolve(path);
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
