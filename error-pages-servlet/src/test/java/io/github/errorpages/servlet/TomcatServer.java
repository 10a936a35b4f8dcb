package io.github.errorpages.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Globals;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.jspecify.annotations.Nullable;

/** A real embedded Tomcat 11 (tomcat-embed-core from Maven Central) on an ephemeral 127.0.0.1 port. */
final class TomcatServer implements AutoCloseable {

    private final Path baseDir = TemporaryDirectory.create("error-pages-tomcat");
    private final Tomcat tomcat = embedded(baseDir);
    private final Connector connector = new Connector("HTTP/1.1");
    private final Context context;
    private final @Nullable Path webApp;

    private TomcatServer(@Nullable Path webApp, String contextPath) {
        this.webApp = webApp;
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        if (webApp == null) {
            context = tomcat.addContext(contextPath, baseDir.toString());
        } else {
            tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP servlet: jasper is not on the classpath
            ContextConfig config = new ContextConfig();
            config.setDefaultWebXml(Constants.NoDefaultWebXml);
            context = tomcat.addWebapp(tomcat.getHost(), "", webApp.toString(), config);
            StandardJarScanner scanner = new StandardJarScanner();
            scanner.setScanClassPath(false); // nothing to find by annotation; initializers are found without it
            context.setJarScanner(scanner);
        }
    }

    /**
     * A Tomcat whose base directory, and home, is {@code baseDir}. Tomcat keeps the first instance's base directory
     * as {@code catalina.home} for the rest of the JVM and creates it again for every later instance: cleared here,
     * so that a directory deleted with its instance stays deleted.
     */
    static Tomcat embedded(Path baseDir) {
        System.clearProperty(Globals.CATALINA_HOME_PROP);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        // The application's classes (and the thread context class loader of its requests) come from where Tomcat's
        // do: by default from the system class loader, which is not where a test's isolating class loader has them.
        tomcat.getServer().setParentClassLoader(TomcatServer.class.getClassLoader());
        return tomcat;
    }

    /** A context configured in code, the root one: add servlets and filters, then start. */
    static TomcatServer inCode() {
        return inCode("");
    }

    /**
     * A context configured in code at the path given ({@code /app}; {@code ""} for the root): add servlets and
     * filters, then start. Its servlets are reached below that path ({@code uri("/app/orders")}).
     */
    static TomcatServer inCode(String contextPath) {
        return new TomcatServer(null, contextPath);
    }

    /**
     * A web application whose {@code WEB-INF/web.xml} Tomcat parses, with container initializers found
     * through {@code META-INF/services}, as in any deployment.
     */
    static TomcatServer webApp(String webXml) {
        Path webApp = TemporaryDirectory.create("error-pages-webapp");
        try {
            Files.createDirectories(webApp.resolve("WEB-INF"));
            Files.writeString(webApp.resolve("WEB-INF/web.xml"), webXml);
        } catch (IOException e) {
            TemporaryDirectory.delete(webApp);
            throw new UncheckedIOException(e);
        }
        return new TomcatServer(webApp, "");
    }

    /** Adds a servlet with async support, as the documentation asks of the proxy servlet. */
    TomcatServer servlet(String pattern, HttpServlet servlet) {
        return servlet(pattern, servlet, true);
    }

    /**
     * @param asyncSupported {@code false} to register the servlet as a {@code web.xml} without
     *     {@code <async-supported>} does: {@code request.isAsyncSupported()} is then false
     */
    TomcatServer servlet(String pattern, HttpServlet servlet, boolean asyncSupported) {
        add(pattern, servlet).setAsyncSupported(asyncSupported);
        return this;
    }

    /**
     * @param asyncSupported {@code false} to register the servlet as a {@code web.xml} without
     *     {@code <async-supported>} does
     * @param multipart how the servlet reads multipart bodies ({@code getParts}), or {@code null} for not at all
     */
    TomcatServer servlet(String pattern, HttpServlet servlet, boolean asyncSupported,
            @Nullable MultipartConfigElement multipart) {
        Wrapper wrapper = add(pattern, servlet);
        wrapper.setAsyncSupported(asyncSupported);
        wrapper.setMultipartConfigElement(multipart);
        return this;
    }

    /** Adds a servlet with async support and the init-parameters given, as {@code web.xml} would. */
    TomcatServer servlet(String pattern, HttpServlet servlet, Map<String, String> initParameters) {
        Wrapper wrapper = add(pattern, servlet);
        wrapper.setAsyncSupported(true);
        initParameters.forEach(wrapper::addInitParameter);
        return this;
    }

    private Wrapper add(String pattern, HttpServlet servlet) {
        String name = "servlet" + pattern.replaceAll("[^A-Za-z0-9]", "_");
        Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
        context.addServletMappingDecoded(pattern, name);
        return wrapper;
    }

    TomcatServer filter(Filter filter) {
        return filter("errorPages", filter);
    }

    /** Adds a filter behind those added before, on every dispatch. */
    TomcatServer filter(String name, Filter filter) {
        return filter(name, filter, "REQUEST", "FORWARD", "ASYNC");
    }

    /** Adds a filter behind those added before, for the dispatcher types given ({@code REQUEST}, ...). */
    TomcatServer filter(String name, Filter filter, String... dispatcherTypes) {
        FilterDef definition = new FilterDef();
        definition.setFilterName(name);
        definition.setFilter(filter);
        definition.setAsyncSupported("true");
        context.addFilterDef(definition);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName(name);
        mapping.addURLPattern("/*");
        for (String type : dispatcherTypes) {
            mapping.setDispatcher(type);
        }
        context.addFilterMap(mapping);
        return this;
    }

    /**
     * Adds an application error page ({@code <error-page>}): for an exception type, or with {@code null} the default
     * one, which has a location only (Spring Boot registers one at {@code /error}).
     */
    TomcatServer errorPage(@Nullable Class<? extends Throwable> exceptionType, String location) {
        ErrorPage page = new ErrorPage();
        if (exceptionType != null) {
            page.setExceptionType(exceptionType.getName());
        }
        page.setLocation(location);
        context.addErrorPage(page);
        return this;
    }

    /** Adds an application error page ({@code <error-page>}) for a status ({@code <error-code>}). */
    TomcatServer errorPage(int status, String location) {
        ErrorPage page = new ErrorPage();
        page.setErrorCode(status);
        page.setLocation(location);
        context.addErrorPage(page);
        return this;
    }

    /**
     * Sets the connector's {@code encodedSolidusHandling}: {@code reject} (the default), {@code decode} or
     * {@code passthrough}.
     */
    TomcatServer encodedSolidusHandling(String handling) {
        connector.setEncodedSolidusHandling(handling);
        return this;
    }

    /**
     * Sets the connector's {@code encodedReverseSolidusHandling} (Tomcat 11): {@code decode} (the default),
     * {@code reject} or {@code passthrough}.
     */
    TomcatServer encodedReverseSolidusHandling(String handling) {
        connector.setEncodedReverseSolidusHandling(handling);
        return this;
    }

    /** Sets the connector's {@code connectionTimeout}: how long a read from the client may wait. */
    TomcatServer connectionTimeout(Duration timeout) {
        connector.setProperty("connectionTimeout", String.valueOf(timeout.toMillis()));
        return this;
    }

    /** Lets the connector speak HTTP/2 without TLS too: upgraded, or with prior knowledge (h2c). */
    TomcatServer h2c() {
        connector.addUpgradeProtocol(new Http2Protocol());
        return this;
    }

    /** Switches on Tomcat's own response compression (the connector's {@code compression="on"}). */
    TomcatServer compression() {
        connector.setProperty("compression", "on");
        return this;
    }

    /**
     * Undeploys the context while Tomcat runs on, as a redeployment does: Tomcat unmaps it, waits (here 100 ms,
     * {@code unloadDelay} is 2 s by default) for its asynchronous requests, destroys its servlets and filters.
     */
    void undeploy() {
        ((StandardContext) context).setUnloadDelay(100);
        tomcat.getHost().removeChild(context);
    }

    /**
     * How many asynchronous requests the context counts in progress: each one counted until its cycle completes,
     * which a stop of the context waits for up to its {@code unloadDelay}.
     */
    long inProgressAsyncRequests() {
        return ((StandardContext) context).getInProgressAsyncCount();
    }

    /** Starts Tomcat; one that does not start is stopped and its folders deleted, for no caller holds it yet. */
    TomcatServer start() {
        try {
            tomcat.start();
        } catch (LifecycleException | RuntimeException e) {
            IllegalStateException failed = new IllegalStateException("Tomcat did not start", e);
            try {
                close();
            } catch (RuntimeException alsoFailed) {
                failed.addSuppressed(alsoFailed);
            }
            throw failed;
        }
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    /** Stops Tomcat and deletes the directories it wrote to. */
    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException("Tomcat did not stop", e);
        } finally {
            try {
                TemporaryDirectory.delete(baseDir);
            } finally {
                if (webApp != null) {
                    TemporaryDirectory.delete(webApp);
                }
            }
        }
    }
}
