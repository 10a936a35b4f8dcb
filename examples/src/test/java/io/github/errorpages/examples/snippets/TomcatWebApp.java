package io.github.errorpages.examples.snippets;

import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Globals;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * A web application deployed on a real embedded Tomcat 11, on an ephemeral 127.0.0.1 port: Tomcat parses its
 * {@code WEB-INF/web.xml} and runs the container initializers it finds, as in any deployment.
 */
final class TomcatWebApp implements AutoCloseable {

    private final Tomcat tomcat = new Tomcat();
    private final Connector connector = new Connector("HTTP/1.1");
    private final Context context;
    private final Path baseDir;
    private final Path webApp;

    /**
     * @param webApp the application's folder, holding {@code WEB-INF/web.xml}; deleted with Tomcat's own folder on
     *     {@link #close()}, so that test runs leave nothing behind in the system's temporary directory
     */
    TomcatWebApp(Path webApp) throws IOException {
        this.webApp = webApp;
        baseDir = Files.createTempDirectory("examples-tomcat");
        // Tomcat keeps the first instance's base directory as catalina.home for the rest of the JVM and creates it
        // again for every later instance: cleared, so that a directory deleted with its instance stays deleted.
        System.clearProperty(Globals.CATALINA_HOME_PROP);
        tomcat.setBaseDir(baseDir.toString());
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP servlet: Jasper is not on the class path
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml(Constants.NoDefaultWebXml);
        context = tomcat.addWebapp(tomcat.getHost(), "", webApp.toString(), config);
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false); // initializers are found through META-INF/services without scanning
        context.setJarScanner(scanner);
    }

    /**
     * @param webXml the deployment descriptor
     * @return a new application folder holding it
     */
    static Path webApp(String webXml) throws IOException {
        Path webApp = Files.createTempDirectory("examples-webapp");
        Files.createDirectories(webApp.resolve("WEB-INF"));
        Files.writeString(webApp.resolve("WEB-INF/web.xml"), webXml, StandardCharsets.UTF_8);
        return webApp;
    }

    /** As {@code <Context failCtxIfServletStartFails="true">}: a servlet that fails to start fails the application. */
    TomcatWebApp failingIfAServletFailsToStart() {
        ((StandardContext) context).setFailCtxIfServletStartFails(true);
        return this;
    }

    /** @return whether the application started and serves, not failed */
    boolean available() {
        return context.getState().isAvailable();
    }

    /** Adds an initializer, run at start as Spring Boot's embedded Tomcat runs its one, with the context. */
    TomcatWebApp initializer(ServletContainerInitializer initializer) {
        context.addServletContainerInitializer(initializer, null);
        return this;
    }

    TomcatWebApp servlet(String pattern, HttpServlet servlet) {
        String name = "servlet" + pattern.replaceAll("[^A-Za-z0-9]", "_");
        Tomcat.addServlet(context, name, servlet).setAsyncSupported(true);
        context.addServletMappingDecoded(pattern, name);
        return this;
    }

    /** Starts Tomcat; one that does not start is stopped and its folders deleted, for no caller holds it yet. */
    TomcatWebApp start() throws LifecycleException, IOException {
        try {
            tomcat.start();
        } catch (LifecycleException | RuntimeException e) {
            try {
                close();
            } catch (LifecycleException | IOException | RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Override
    public void close() throws LifecycleException, IOException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            try {
                delete(baseDir);
            } finally {
                delete(webApp);
            }
        }
    }

    private static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
