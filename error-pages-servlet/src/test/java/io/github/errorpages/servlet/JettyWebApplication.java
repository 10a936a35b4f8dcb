package io.github.errorpages.servlet;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.jspecify.annotations.Nullable;

/**
 * A web application's folder ({@link WebApplicationFolder}) deployed on a real Jetty 12 server, on an ephemeral
 * 127.0.0.1 port, in a {@code WebAppContext} of the ee10 or the ee11 environment as an embedded Jetty deploys a WAR:
 * Jetty's default configurations, which take in every one its class path offers (the annotations module's, which
 * runs the {@code ServletContainerInitializer}s, when its jar is there), and Jetty's default of a start that fails:
 * the context logs it and answers 503, and the server's start does not throw. Deployed as a WAR, the library's
 * classes are hidden from the web application (as Jetty hides its own): it loads each from its {@code WEB-INF/lib},
 * never from this class path, as on a container that does not have the library.
 */
final class JettyWebApplication implements AutoCloseable {

    /** The Jetty environment the application is deployed in. */
    enum Environment {
        /** Jakarta EE 10, Servlet 6.0. */
        EE10,
        /** Jakarta EE 11, Servlet 6.1 (Jetty 12.1). */
        EE11
    }

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final Environment environment;
    private final ContextHandler context;

    private JettyWebApplication(Environment environment, Path folder, boolean libraryHidden) {
        this.environment = environment;
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        if (environment == Environment.EE10) {
            org.eclipse.jetty.ee10.webapp.WebAppContext webApp = new org.eclipse.jetty.ee10.webapp.WebAppContext();
            webApp.setWar(folder.toString());
            if (libraryHidden) {
                webApp.getHiddenClassMatcher().add("io.github.errorpages.");
            }
            context = webApp;
        } else {
            org.eclipse.jetty.ee11.webapp.WebAppContext webApp = new org.eclipse.jetty.ee11.webapp.WebAppContext();
            webApp.setWar(folder.toString());
            if (libraryHidden) {
                webApp.getHiddenClassMatcher().add("io.github.errorpages.");
            }
            context = webApp;
        }
        context.setContextPath("/");
        server.setHandler(context);
    }

    /**
     * Deploys the application, which carries the library in its {@code WEB-INF/lib}, and starts the server.
     *
     * @param environment the Jetty environment
     * @param folder the application's folder ({@link WebApplicationFolder#write})
     * @return the started server
     */
    static JettyWebApplication deploy(Environment environment, Path folder) {
        return start(new JettyWebApplication(environment, folder, true));
    }

    /**
     * Deploys the application, which does not carry the library, and starts the server, which has the library on its
     * class path (this one), as an embedded Jetty may: the application loads it from there.
     *
     * @param environment the Jetty environment
     * @param folder the application's folder ({@link WebApplicationFolder#writeWithoutTheLibrary})
     * @return the started server
     */
    static JettyWebApplication deployWithTheLibraryOnTheServersClassPath(Environment environment, Path folder) {
        return start(new JettyWebApplication(environment, folder, false));
    }

    private static JettyWebApplication start(JettyWebApplication application) {
        try {
            application.server.start();
        } catch (Exception e) {
            application.close();
            throw new IllegalStateException("Jetty did not start", e);
        }
        return application;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    /** Stops the context and starts it again, the server running on, as an operator's restart of one application. */
    void restart() throws Exception {
        context.stop();
        context.start();
    }

    /** @return why the context's last start failed, or {@code null} when it is available */
    @Nullable Throwable unavailableBecause() {
        return environment == Environment.EE10
                ? ((org.eclipse.jetty.ee10.webapp.WebAppContext) context).getUnavailableException()
                : ((org.eclipse.jetty.ee11.webapp.WebAppContext) context).getUnavailableException();
    }

    /** @return the name of the filter of each of the context's filter mappings, in their order */
    List<String> filterMappings() {
        List<String> names = new ArrayList<>();
        if (environment == Environment.EE10) {
            var handler = ((org.eclipse.jetty.ee10.webapp.WebAppContext) context).getServletHandler();
            for (var mapping : Objects.requireNonNullElse(handler.getFilterMappings(),
                    new org.eclipse.jetty.ee10.servlet.FilterMapping[0])) {
                names.add(mapping.getFilterName());
            }
        } else {
            var handler = ((org.eclipse.jetty.ee11.webapp.WebAppContext) context).getServletHandler();
            for (var mapping : Objects.requireNonNullElse(handler.getFilterMappings(),
                    new org.eclipse.jetty.ee11.servlet.FilterMapping[0])) {
                names.add(mapping.getFilterName());
            }
        }
        return names;
    }

    /**
     * @param name a filter's name
     * @return the class of the filter of that name, as the started context made it
     */
    Class<?> filterClass(String name) {
        if (environment == Environment.EE10) {
            var handler = ((org.eclipse.jetty.ee10.webapp.WebAppContext) context).getServletHandler();
            return handler.getFilter(name).getFilter().getClass();
        }
        var handler = ((org.eclipse.jetty.ee11.webapp.WebAppContext) context).getServletHandler();
        return handler.getFilter(name).getFilter().getClass();
    }

    /** @return the web application's class loader, which loads what its {@code WEB-INF} holds */
    ClassLoader classLoader() {
        return context.getClassLoader();
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
