package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.servlet.JettyWebApplication.Environment;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.StandardError;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.jsoup.Jsoup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The filter in a web application deployed as WAR users deploy it, on Jetty: a folder as a WAR unpacks to, its
 * {@code web.xml}, its own servlets in {@code WEB-INF/classes} and the library in {@code WEB-INF/lib}
 * ({@link WebApplicationFolder}), in a {@code WebAppContext} of an embedded Jetty 12 ({@link JettyWebApplication}).
 * What {@code docs/servlet-quick-start.md} §2 promises: the filter registered in {@code web.xml}; registered by the
 * context parameter {@code error-pages.auto-register} where Jetty's annotations module runs the jar's
 * {@code ServletContainerInitializer} (from {@code WEB-INF/lib}, or from the server's class path), and silently not
 * without it or where an {@code <absolute-ordering>} leaves the jar out; the application's own
 * {@code errorPagesFilter} kept; a context started again keeping the filter of its first start, or failing to start,
 * naming the parameters changed since. The application's servlet calls a real upstream over a real socket: one that
 * answers 200, and a loopback port that refuses the connection (R1, R2: a 502 page, not the container's 500).
 */
class JettyWebAppContextIntegrationTests {

    /** The switch, and one parameter of the filter's: Retry-After 8 for a 502, where the default is 10. */
    private static final String AUTO_REGISTER = """
              <context-param>
                <param-name>error-pages.auto-register</param-name><param-value>true</param-value>
              </context-param>
              <context-param>
                <param-name>error-pages.retry-after.default.502</param-name><param-value>8</param-value>
              </context-param>
            """;

    private static FaultyUpstream stock;
    private static int refused;

    private JettyWebApplication application;

    @BeforeAll
    static void startUpstreams() {
        stock = FaultyUpstream.start(Behaviour.respond(200, "12 in stock", "Content-Type", "text/plain;charset=utf-8"));
        refused = FaultyUpstream.closedPort();
    }

    @AfterAll
    static void stopUpstreams() {
        stock.close();
    }

    @AfterEach
    void undeploy() {
        if (application != null) {
            application.close();
        }
    }

    /**
     * {@code web.xml} declares the filter by class, with init-parameters (the quick start's first way): a refused
     * upstream call is answered with the branded 502 page (R1, R2, R16 no-store, R36/R37 nothing of the upstream's
     * address), with the init-parameters' Retry-After and site name, and the 200 of an upstream that answers goes
     * through as the application wrote it.
     */
    @Test
    void aFilterDeclaredByClassInWebXmlAnswersARefusedUpstreamWithTheBrandedPageAndLetsA200Through(@TempDir Path dir) {
        application = JettyWebApplication.deploy(Environment.EE10, folder(dir, """
                  <filter>
                    <filter-name>errorPages</filter-name>
                    <filter-class>io.github.errorpages.servlet.ErrorPagesFilter</filter-class>
                    <async-supported>true</async-supported>
                    <init-param>
                      <param-name>retry-after.default.502</param-name><param-value>8</param-value>
                    </init-param>
                    <init-param>
                      <param-name>branding.site-name</param-name><param-value>Acme Shop</param-value>
                    </init-param>
                  </filter>
                  <filter-mapping>
                    <filter-name>errorPages</filter-name>
                    <url-pattern>/*</url-pattern>
                    <dispatcher>REQUEST</dispatcher>
                    <dispatcher>FORWARD</dispatcher>
                    <dispatcher>ASYNC</dispatcher>
                  </filter-mapping>
                """));

        HttpResponse<byte[]> page = Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT);

        assertErrorPage(page, "GET", 502, "8");
        assertThat(PageAssertions.contentType(page)).isEqualTo("text/html;charset=utf-8");
        var html = Jsoup.parse(Client.text(page));
        assertThat(html.title()).contains("Acme Shop");
        assertThat(html.select("h1").text()).isEqualTo("This page isn’t working right now");
        assertThat(Client.text(page)).as("R37: nothing of the upstream's address").doesNotContain("127.0.0.1")
                .doesNotContain(String.valueOf(refused)).doesNotContain("localhost");

        HttpResponse<byte[]> passed = Client.get(application.uri("/stock"), Client.BROWSER_ACCEPT);

        assertThat(passed.statusCode()).isEqualTo(200);
        assertThat(Client.text(passed)).isEqualTo("12 in stock");
        assertThat(PageAssertions.contentType(passed)).isEqualTo("text/plain;charset=utf-8");
        assertThat(passed.headers().firstValue("Cache-Control")).as("the application's answer, untouched").isEmpty();
        assertThat(passed.headers().firstValue("Retry-After")).isEmpty();
    }

    /**
     * The context parameter {@code error-pages.auto-register}, in an embedded Jetty whose class path has the
     * environment's annotations jar and no configuration of Jetty's set in code: Jetty finds the annotations module
     * there, which runs the initializer of the library's jar in {@code WEB-INF/lib}; the filter is registered before
     * the filters of {@code web.xml}, and the {@code error-pages.} context parameters are its init-parameters
     * (Retry-After 8, not the default 10). Context parameters without the prefix are none of its business (as an
     * init-parameter, {@code app.mode} would fail the filter's start as unknown).
     */
    @ParameterizedTest
    @EnumSource(Environment.class)
    void theContextParameterRegistersTheFilterWhereTheAnnotationsJarIsOnTheClassPath(Environment environment,
            @TempDir Path dir) throws Exception {
        application = JettyWebApplication.deploy(environment, folder(dir, AUTO_REGISTER + """
                  <context-param><param-name>app.mode</param-name><param-value>live</param-value></context-param>
                  <filter>
                    <filter-name>application</filter-name>
                    <filter-class>io.github.errorpages.servlet.ApplicationHeaderFilter</filter-class>
                    <async-supported>true</async-supported>
                  </filter>
                  <filter-mapping><filter-name>application</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                """));

        assertErrorPage(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT), "GET", 502, "8");
        assertErrorPage(Client.get(application.uri("/status-502"), "application/json"), "GET", 502, "8");
        HttpResponse<byte[]> passed = Client.get(application.uri("/stock"), Client.BROWSER_ACCEPT);
        assertThat(Client.text(passed)).isEqualTo("12 in stock");
        assertThat(passed.headers().firstValue("X-Application-Filter")).hasValue("seen");
        assertThat(application.filterMappings()).as("before the filters of web.xml")
                .containsExactly(ErrorPagesInitializer.FILTER_NAME, "application");
        Class<?> registered = application.filterClass(ErrorPagesInitializer.FILTER_NAME);
        assertThat(registered.getName()).isEqualTo(ErrorPagesFilter.class.getName());
        assertThat(registered.getClassLoader()).as("the web application's class loader, not this class path's")
                .isSameAs(application.classLoader()).isNotSameAs(ErrorPagesFilter.class.getClassLoader());
        assertThat(codeSource(registered)).as("loaded from the application's WEB-INF/lib")
                .startsWith(dir.resolve("webapp/WEB-INF/lib").toRealPath());
    }

    /**
     * An embedded Jetty that has the library on its own class path, its application none in {@code WEB-INF/lib}: the
     * annotations module runs the initializer from there too, and an {@code <absolute-ordering/>}, which orders the
     * application's jars alone, does not leave it out.
     */
    @ParameterizedTest
    @EnumSource(Environment.class)
    void theContextParameterRegistersTheFilterFromTheServersClassPathWhateverTheOrdering(Environment environment,
            @TempDir Path dir) {
        Path folder = WebApplicationFolder.writeWithoutTheLibrary(dir.resolve("webapp"),
                webXml("  <absolute-ordering/>\n" + AUTO_REGISTER), UpstreamCallingServlet.class, StatusServlet.class);
        assertThat(folder.resolve("WEB-INF/lib")).doesNotExist();

        application = JettyWebApplication.deployWithTheLibraryOnTheServersClassPath(environment, folder);

        assertErrorPage(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT), "GET", 502, "8");
        assertThat(application.filterMappings()).containsExactly(ErrorPagesInitializer.FILTER_NAME);
    }

    /**
     * The same application on an embedded Jetty whose class path lacks {@code jetty-ee10-annotations} (a class loader
     * over this class path without the jar): no annotations module, so no {@code ServletContainerInitializer} runs and
     * the context parameter does nothing, silently, as the quick start says: the refused call is the container's 500,
     * the application's own 502 the container's page, and no line of the library's is logged.
     */
    @Test
    void withoutTheAnnotationsJarTheContextParameterRegistersNothingAndSaysNothing(@TempDir Path dir) throws Exception {
        Path folder = folder(dir, AUTO_REGISTER);
        List<URL> path = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            if (Path.of(entry).getFileName().toString().startsWith("jetty-ee10-annotations-")) {
                leftOut.add(entry);
            } else {
                path.add(Path.of(entry).toUri().toURL());
            }
        }
        assertThat(leftOut).as("the jetty-ee10-annotations jar, left out").hasSize(1);

        Map<String, String> found = new HashMap<>();
        Map<String, HttpResponse<byte[]>> answers = new HashMap<>();
        String logged;
        // The parent sees only the JDK: Jetty, the probe and the test helpers come from the path.
        try (URLClassLoader withoutAnnotations = new URLClassLoader("without-jetty-annotations",
                path.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            logged = StandardError.capture(() -> {
                try (Deployed deployed = deploy(withoutAnnotations, folder)) {
                    found.putAll(deployed.found());
                    for (String page : List.of("/orders", "/status-502")) {
                        answers.put(page, Client.get(deployed.uri(page), Client.BROWSER_ACCEPT));
                    }
                }
            });
        }

        assertThat(found.get("annotations loadable")).startsWith("threw java.lang.ClassNotFoundException");
        assertThat(found).containsEntry("filters", "[]");
        assertThat(answers.get("/orders").statusCode()).as("the container's 500, not a page").isEqualTo(500);
        assertThat(answers.get("/status-502").statusCode()).isEqualTo(502);
        assertThat(answers).allSatisfy((page, answer) -> assertThat(answer.headers()
                .firstValue("X-Content-Type-Options")).as("the container's page for %s", page).isEmpty());
        assertSilent(logged);
    }

    /**
     * The switch on, and {@code web.xml} declaring a filter of its own named {@code errorPagesFilter}: that filter is
     * kept, with its own init-parameters (Retry-After 77), and one WARN line names the {@code error-pages.} context
     * parameters that configure nothing.
     */
    @Test
    void aFilterNamedErrorPagesFilterInWebXmlIsKeptAndAWarnLineNamesTheContextParametersItLeavesUnused(
            @TempDir Path dir) {
        Path folder = folder(dir, AUTO_REGISTER + """
                  <filter>
                    <filter-name>errorPagesFilter</filter-name>
                    <filter-class>io.github.errorpages.servlet.ErrorPagesFilter</filter-class>
                    <async-supported>true</async-supported>
                    <init-param>
                      <param-name>retry-after.default.502</param-name><param-value>77</param-value>
                    </init-param>
                  </filter>
                  <filter-mapping>
                    <filter-name>errorPagesFilter</filter-name><url-pattern>/*</url-pattern>
                  </filter-mapping>
                """);

        String log = StandardError.capture(() -> application = JettyWebApplication.deploy(Environment.EE10, folder));

        assertThat(log).containsOnlyOnce("configure nothing");
        assertOneWarnLineSays(log, "A filter named errorPagesFilter is registered already; error-pages.auto-register "
                + "leaves it as it is, with its own init-parameters, and context parameters "
                + "[error-pages.retry-after.default.502] configure nothing");
        assertErrorPage(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT), "GET", 502, "77");
        assertThat(application.filterMappings()).containsExactly(ErrorPagesInitializer.FILTER_NAME);
    }

    /**
     * A context stopped and started again (the server running on): Jetty keeps the filter the initializer registered
     * at the first start, which answers as before, mapped once. Its {@code web.xml} then edited to another
     * {@code error-pages.} value and the context started again: the start fails, naming the parameter with both
     * values, rather than run with the old one; Jetty's {@code WebAppContext} logs that at WARN and answers 503 (its
     * default: the server's start does not throw). Mended, the context starts again with the filter.
     */
    @ParameterizedTest
    @EnumSource(Environment.class)
    void aContextStartedAgainKeepsTheFilterOfItsFirstStartAndFailsToStartWithOtherParametersNamingThem(
            Environment environment, @TempDir Path dir) throws Exception {
        Path folder = folder(dir, AUTO_REGISTER);
        application = JettyWebApplication.deploy(environment, folder);
        assertErrorPage(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT), "GET", 502, "8");

        application.restart();

        assertThat(application.unavailableBecause()).isNull();
        assertThat(application.filterMappings()).containsExactly(ErrorPagesInitializer.FILTER_NAME);
        assertErrorPage(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT), "GET", 502, "8");

        write(folder.resolve("WEB-INF/web.xml"), webXml(AUTO_REGISTER.replace(">8<", ">22<")));
        String log = StandardError.capture(() -> {
            try {
                application.restart();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        String named = "changed since: error-pages.retry-after.default.502 (8, now 22)";
        assertThat(application.unavailableBecause()).isNotNull().hasMessageContaining(named);
        List<String> lines = log.lines().toList();
        List<Integer> failedStartup = IntStream.range(0, lines.size()).filter(i -> lines.get(i).contains(" WARN ")
                && lines.get(i).contains("Failed startup of context")).boxed().toList();
        assertThat(failedStartup).as("Jetty's one WARN line of the failed start in:%n%s", log).hasSize(1);
        assertThat(lines.get(failedStartup.get(0) + 1)).as("the exception logged with it").contains(named);
        HttpResponse<byte[]> unavailable = Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT);
        assertThat(unavailable.statusCode()).as("Jetty's answer for a context that did not start").isEqualTo(503);
        assertThat(unavailable.headers().firstValue("Retry-After")).as("not the old filter's page").isEmpty();

        write(folder.resolve("WEB-INF/web.xml"), webXml(AUTO_REGISTER));
        application.restart();

        assertThat(application.unavailableBecause()).as("mended").isNull();
        assertErrorPage(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT), "GET", 502, "8");
    }

    /**
     * A {@code web.xml} with an {@code <absolute-ordering>} that leaves the library's jar out, as an empty one does
     * (some applications have one to spare the container the scanning of their jars): the Servlet specification
     * leaves out the {@code ServletContainerInitializer} of a jar in {@code WEB-INF/lib} that the ordering does not
     * take in, so the switch does nothing, silently. An ordering with {@code <others/>} takes the jar in (it has no
     * {@code web-fragment.xml}, so no name to list): the filter is registered. Silently: no line of the library's
     * is logged for the application whose ordering leaves the jar out, as the quick start says.
     */
    @Test
    void anAbsoluteOrderingWithoutOthersLeavesTheInitializerOutAndOneWithOthersRunsIt(@TempDir Path dir) {
        Path empty = folder(dir.resolve("empty"), "  <absolute-ordering/>\n" + AUTO_REGISTER);
        List<HttpResponse<byte[]>> answered = new ArrayList<>();
        List<String> filters = new ArrayList<>();

        String logged = StandardError.capture(() -> {
            application = JettyWebApplication.deploy(Environment.EE10, empty);
            answered.add(Client.get(application.uri("/status-502"), Client.BROWSER_ACCEPT));
            filters.addAll(application.filterMappings());
            application.close();
        });

        HttpResponse<byte[]> unregistered = answered.get(0);
        assertThat(unregistered.statusCode()).isEqualTo(502);
        assertThat(unregistered.headers().firstValue("X-Content-Type-Options")).as("the container's page").isEmpty();
        assertThat(filters).isEmpty();
        assertSilent(logged);

        application = JettyWebApplication.deploy(Environment.EE10,
                folder(dir.resolve("others"), "  <absolute-ordering><others/></absolute-ordering>\n" + AUTO_REGISTER));

        assertErrorPage(Client.get(application.uri("/status-502"), Client.BROWSER_ACCEPT), "GET", 502, "8");
    }

    /** The web application's folder, with {@link #webXml} of {@code part}. */
    private static Path folder(Path dir, String part) {
        return WebApplicationFolder.write(dir.resolve("webapp"), webXml(part), UpstreamCallingServlet.class,
                StatusServlet.class, ApplicationHeaderFilter.class);
    }

    /**
     * A {@code web.xml} with {@code part} (context parameters, filters) and the application's servlets: {@code /orders}
     * calls the refusing port, {@code /stock} the upstream that answers 200, {@code /status-502} answers 502 itself.
     */
    private static String webXml(String part) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee
                                             https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                         version="6.0">
                """ + part + """
                  <servlet>
                    <servlet-name>orders</servlet-name>
                    <servlet-class>io.github.errorpages.servlet.UpstreamCallingServlet</servlet-class>
                    <init-param>
                      <param-name>upstream</param-name><param-value>http://127.0.0.1:%d/orders</param-value>
                    </init-param>
                    <async-supported>true</async-supported>
                  </servlet>
                  <servlet-mapping>
                    <servlet-name>orders</servlet-name><url-pattern>/orders</url-pattern>
                  </servlet-mapping>
                  <servlet>
                    <servlet-name>stock</servlet-name>
                    <servlet-class>io.github.errorpages.servlet.UpstreamCallingServlet</servlet-class>
                    <init-param><param-name>upstream</param-name><param-value>%s/stock</param-value></init-param>
                    <async-supported>true</async-supported>
                  </servlet>
                  <servlet-mapping><servlet-name>stock</servlet-name><url-pattern>/stock</url-pattern></servlet-mapping>
                  <servlet>
                    <servlet-name>status502</servlet-name>
                    <servlet-class>io.github.errorpages.servlet.StatusServlet</servlet-class>
                    <init-param><param-name>status</param-name><param-value>502</param-value></init-param>
                    <async-supported>true</async-supported>
                  </servlet>
                  <servlet-mapping>
                    <servlet-name>status502</servlet-name><url-pattern>/status-502</url-pattern>
                  </servlet-mapping>
                </web-app>
                """.formatted(refused, stock.uri());
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the real path of the jar or folder {@code type} was loaded from */
    private static Path codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toRealPath();
    }

    /** Asserts that no line of the library's was logged: nothing names it, its filter or its parameters' prefix. */
    private static void assertSilent(String logged) {
        assertThat(logged).as("silently").doesNotContain("error-pages").doesNotContain("errorPages")
                .doesNotContain("ErrorPages");
    }

    /** Asserts that one line is logged at WARN and says {@code message}. */
    private static void assertOneWarnLineSays(String logged, String message) {
        assertThat(logged.lines().filter(line -> line.contains(" WARN ") && line.contains(message)))
                .as("a WARN line saying %s in:%n%s", message, logged).hasSize(1);
    }

    /**
     * Deploys the application with {@link WebAppContextWithoutAnnotationsProbe} loaded by {@code loader}, which
     * Jetty takes for its own. The thread's context class loader is {@code loader} while the probe deploys, and only
     * then: a thread started under it keeps it, and so the loader, a second Jetty and the test's classes, for as long
     * as it runs (the JDK 17 threads of an {@code HttpClient} made there, for the rest of the JVM).
     */
    @SuppressWarnings("unchecked")
    private static Deployed deploy(ClassLoader loader, Path folder) {
        Object probe;
        try {
            Class<?> type = Class.forName(WebAppContextWithoutAnnotationsProbe.class.getName(), true, loader);
            assertThat(type).isNotSameAs(WebAppContextWithoutAnnotationsProbe.class);
            probe = type.getConstructor(String.class).newInstance(folder.toString());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader); // whence Jetty's WebAppContext takes its configurations and class loader
        try {
            return new Deployed(((Callable<Map<String, String>>) probe).call(), (AutoCloseable) probe);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** What {@link WebAppContextWithoutAnnotationsProbe} found as it deployed, and the probe, which undeploys. */
    private record Deployed(Map<String, String> found, AutoCloseable probe) implements AutoCloseable {

        URI uri(String path) {
            return URI.create(found.get(path));
        }

        @Override
        public void close() {
            try {
                probe.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
