package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.servlet.internal.JettyClientPresence;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How {@link ReverseProxyServlet} picks its {@link ProxyTransport}: the init-parameter {@code transport}, the
 * builder's checks, and {@link ProxyTransport#AUTO} without {@code jetty-client} on the class path. Which
 * transport forwarded is told by the upstream: the JDK's client adds a {@code User-Agent} of its own to a
 * request that has none ({@code Java-http-client/...}), Jetty's client is configured to add none.
 */
class ProxyTransportSelectionIntegrationTests {

    private static final String JDK_USER_AGENT = "Java-http-client/";
    private static FaultyUpstream upstream;
    private static UpstreamGuard guard;

    @BeforeAll
    static void start() {
        upstream = FaultyUpstream.start(Behaviour.ok());
        guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    @Test
    void failsStartupNamingTransportAndItsValue() {
        try (JettyServer server = new JettyServer()) {
            ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
            holder.setInitParameter("endpoints", upstream.uri().toString());
            holder.setInitParameter("transport", "bogus");
            holder.setInitOrder(0); // initialised at startup, not on the first request
            server.context().addServlet(holder, "/*");

            assertThatThrownBy(server::start)
                    .hasStackTraceContaining("transport must be one of auto, jetty, jdk, but was bogus");
        }
    }

    @ParameterizedTest(name = "transport={0}")
    @CsvSource({
        "JDK,   true",
        "jdk,   true",
        "' Jdk ', true",
        "JETTY, false",
        "Jetty, false",
        // jetty-client is on the test class path, an optional dependency of the module
        "AUTO,  false",
        "auto,  false"})
    void readsTransportInitParameterInAnyCase(String value, boolean jdk) {
        try (JettyServer server = new JettyServer()) {
            ServletHolder holder = new ServletHolder(ReverseProxyServlet.class);
            holder.setInitParameter("endpoints", upstream.uri().toString());
            holder.setInitParameter("transport", value);
            holder.setInitOrder(0);
            server.context().addServlet(holder, "/*");
            server.start();

            assertThat(userAgentReceivedThrough(server)).as("the User-Agent the upstream received")
                    .satisfies(userAgent -> {
                        if (jdk) {
                            assertThat(userAgent).startsWith(JDK_USER_AGENT);
                        } else {
                            assertThat(userAgent).isNull();
                        }
                    });
        }
    }

    @Test
    void builderRefusesJdkClientWithJettyTransport() {
        HttpClient client = HttpClient.newHttpClient();

        assertThatThrownBy(() -> ReverseProxyServlet.builder(guard).httpClient(client).transport(ProxyTransport.JETTY)
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JETTY");
        assertThatThrownBy(() -> ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).httpClient(client)
                .build()).as("in either order").isInstanceOf(IllegalArgumentException.class);
        // The JDK transport and the default (which a JDK client decides) take it.
        ReverseProxyServlet.builder(guard).httpClient(client).transport(ProxyTransport.JDK).build().destroy();
        ReverseProxyServlet.builder(guard).httpClient(client).build().destroy();
    }

    /**
     * A servlet built but never destroyed (the context failed to start after it) must not keep the JVM alive: Jetty's
     * client made its scheduler thread no daemon, and the demo gateway hung after a failed start.
     */
    @Test
    void jettyTransportStartsOnlyDaemonThreads() {
        ReverseProxyServlet servlet = ReverseProxyServlet.builder(guard).transport(ProxyTransport.JETTY).build();
        try (JettyServer server = new JettyServer().servlet("/*", servlet).start()) {
            assertThat(userAgentReceivedThrough(server)).as("forwarded with Jetty's client").isNull();

            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(thread -> !thread.isDaemon())
                    .extracting(Thread::getName).noneMatch(name -> name.startsWith("error-pages-proxy-")
                            || name.startsWith("HttpClient@"));
        }
    }

    @Test
    void builderWithJdkClientForwardsWithIt() {
        try (JettyServer server = new JettyServer()
                .servlet("/*", ReverseProxyServlet.builder(guard).httpClient(HttpClient.newHttpClient()).build())
                .start()) {
            assertThat(userAgentReceivedThrough(server)).startsWith(JDK_USER_AGENT);
        }
    }

    @Test
    void autoIsJettyWhenJettyClientIsOnTheClassPath() {
        assertThat(JettyClientPresence.unusableBecause(null)).isNull();
        try (JettyServer server = new JettyServer()
                .servlet("/*", ReverseProxyServlet.builder(guard).build())
                .start()) {
            assertThat(userAgentReceivedThrough(server)).as("Jetty's client adds no User-Agent").isNull();
        }
    }

    /**
     * Everything but the JDK loaded from the test class path without the {@code jetty-client} jar: the servlet's
     * classes link without Jetty's client, {@code AUTO} falls back to the JDK's, and {@code JETTY} is refused with
     * a message that says what is missing.
     */
    @Test
    void autoFallsBackToJdkWithoutJettyClient() throws Exception {
        List<String> removed = new ArrayList<>();
        URL[] path = testClassPathWithout("jetty-client-", removed);
        assertThat(removed).as("the jetty-client jar, left out").hasSize(1);

        // The parent sees only the JDK, so io.github.errorpages.* and org.eclipse.jetty.* come from the path.
        try (URLClassLoader withoutJettyClient = new URLClassLoader("without-jetty-client", path,
                ClassLoader.getPlatformClassLoader())) {
            Class<?> presence = Class.forName(JettyClientPresence.class.getName(), true, withoutJettyClient);
            assertThat(presence).isNotSameAs(JettyClientPresence.class);
            assertThat(presence.getMethod("unusableBecause", ClassLoader.class).invoke(null, (Object) null))
                    .as("unusableBecause(null) there").isEqualTo(JettyClientPresence.ABSENT);
            assertThat(JettyClientPresence.unusableBecause(null)).as("unusableBecause(null) here").isNull();

            Map<String, String> found = probe(withoutJettyClient, JettyClientAbsentProbe.class);

            assertThat(found).containsEntry("jetty-client loadable", "threw java.lang.ClassNotFoundException: "
                    + "org.eclipse.jetty.client.HttpClient");
            assertThat(found).containsEntry("JettyClientPresence", JettyClientPresence.ABSENT);
            assertThat(found).as("no NoClassDefFoundError: the servlet links without Jetty's client")
                    .containsEntry("builder, AUTO", "built");
            // Absent, as on most Tomcats, AUTO is the JDK's client without a word: the WARN is for a jetty-client of
            // another version, which an operator may not know is passed over.
            assertThat(found.get("builder, AUTO, logged")).as("what AUTO logged without jetty-client")
                    .doesNotContain("WARN").doesNotContain("forwards with the JDK's HttpClient");
            assertThat(found.get("builder, JETTY")).startsWith("threw java.lang.IllegalArgumentException")
                    .contains("org.eclipse.jetty:jetty-client");
            assertThat(found.get("forwarded, builder AUTO")).as("status and User-Agent: the JDK's client forwarded")
                    .startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("forwarded, by class without transport")).startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("startup, transport=jetty")).startsWith("threw")
                    .contains("transport must be auto or jdk when org.eclipse.jetty:jetty-client is not on the class "
                            + "path (on the module path: no module requires org.eclipse.jetty.client), but was jetty");
        }
    }

    /**
     * A {@code jetty-client} of another version on the class path (here Jetty's own 12.1 jar, declaring 11.0.20, as a
     * framework's BOM may pin it): {@code AUTO} falls back to the JDK's client, which forwards, and says so in a WARN
     * line naming the version found, since an operator who put Jetty's client there may not know it is passed over
     * (absent, on most Tomcats, it says nothing). {@code JETTY} is refused naming the version.
     */
    @Test
    void autoFallsBackToJdkWithAWarningWhenJettyClientIsAnotherVersion(@TempDir Path dir) throws Exception {
        List<String> removed = new ArrayList<>();
        List<URL> path = new ArrayList<>(List.of(testClassPathWithout("jetty-client-", removed)));
        assertThat(removed).as("the jetty-client jar, replaced").hasSize(1);
        path.add(copied(Path.of(removed.get(0)), dir.resolve("jetty-client.jar"), "11.0.20", null).toUri().toURL());
        String unfit = "org.eclipse.jetty:jetty-client on the class path is 11.0.20, not 12.1";

        try (URLClassLoader jetty11Client = new URLClassLoader("jetty-11-client", path.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            Map<String, String> found = probe(jetty11Client, JettyClientAbsentProbe.class);

            assertThat(found).containsEntry("jetty-client loadable", "yes");
            assertThat(found).containsEntry("JettyClientPresence", unfit);
            assertThat(found.get("builder, AUTO, logged")).as("what AUTO logged")
                    .contains("WARN").contains("forwards with the JDK's HttpClient: " + unfit);
            assertThat(found.get("forwarded, builder AUTO")).as("status and User-Agent: the JDK's client forwarded")
                    .startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("forwarded, by class without transport")).startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("builder, JETTY")).startsWith("threw java.lang.IllegalArgumentException")
                    .contains(unfit);
        }
    }

    /**
     * Jetty jars of fitting versions whose classes still do not fit together (here jetty-http 12.1 without a class
     * the forwarder makes as it starts, as a jar of an earlier 12.1 release could lack one): {@code AUTO} falls back to
     * the JDK's client, which forwards, and says why in a WARN line; {@code transport=jetty} fails startup saying it.
     * The version check cannot see it: only starting Jetty's client tells.
     */
    @Test
    void autoFallsBackToJdkWithAWarningWhenJettyClassesDoNotFitTogether(@TempDir Path dir) throws Exception {
        List<String> removed = new ArrayList<>();
        List<URL> path = new ArrayList<>(List.of(testClassPathWithout("jetty-http-", removed)));
        assertThat(removed).as("the jetty-http jar, replaced").hasSize(1);
        String missing = "org/eclipse/jetty/http/HttpCookieStore$Empty";
        path.add(copied(Path.of(removed.get(0)), dir.resolve("jetty-http.jar"), null, missing + ".class").toUri()
                .toURL());
        String unfit = "the Jetty classes on the class path do not fit together (java.lang.NoClassDefFoundError: "
                + missing + ")";

        try (URLClassLoader unfitting = new URLClassLoader("unfitting-jetty", path.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            assertThat(unfitting.getResource(missing + ".class")).isNull();
            Map<String, String> found = probe(unfitting, JettyClientAbsentProbe.class);

            assertThat(found).as("the versions check out").containsEntry("JettyClientPresence", "null");
            assertThat(found).containsEntry("builder, AUTO", "built");
            assertThat(found.get("builder, AUTO, logged")).as("what AUTO logged")
                    .contains("WARN").contains("forwards with the JDK's HttpClient: " + unfit);
            assertThat(found.get("forwarded, builder AUTO")).as("status and User-Agent: the JDK's client forwarded")
                    .startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("startup, transport=jetty")).startsWith("threw")
                    .contains("transport must be auto or jdk when " + unfit + ", but was jetty");
        }
    }

    /**
     * A copy of a jar, whose manifest declares {@code version} if any, without the entry {@code leftOut} if any.
     */
    private static Path copied(Path jar, Path to, @Nullable String version, @Nullable String leftOut)
            throws IOException {
        try (JarFile from = new JarFile(jar.toFile())) {
            Manifest manifest = new Manifest(from.getManifest());
            if (version != null) {
                manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
            }
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(to), manifest)) {
                for (Enumeration<JarEntry> entries = from.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME) || entry.getName().equals(leftOut)) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream in = from.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        return to;
    }

    /**
     * Tomcat with no Jetty jar at all: the JDK transport, chosen or the default, forwards, and so does an answer from
     * an ASYNC dispatch (a body cut short over HTTP/2). Asking {@code JettyForwarder} whether Jetty's client was there
     * made the JVM verify it, which needs Jetty's types: every proxy servlet failed to start with a
     * {@code NoClassDefFoundError} ({@code org/eclipse/jetty/util/thread/Scheduler}), whatever its transport.
     */
    @Test
    void forwardsOnTomcatWithNoJettyJarAtAll() throws Exception {
        List<String> removed = new ArrayList<>();
        URL[] path = testClassPathWithout("jetty-", removed);
        assertThat(removed).as("the Jetty jars, left out").anyMatch(jar -> jar.contains("jetty-util-"));

        try (URLClassLoader withoutJetty = new URLClassLoader("without-jetty", path,
                ClassLoader.getPlatformClassLoader())) {
            Map<String, String> found = probe(withoutJetty, TomcatWithoutJettyProbe.class);

            assertThat(found).containsEntry("jetty-util loadable", "threw java.lang.ClassNotFoundException: "
                    + "org.eclipse.jetty.util.thread.Scheduler");
            assertThat(found).containsEntry("JettyClientPresence", JettyClientPresence.ABSENT);
            assertThat(found.get("builder, JETTY")).startsWith("threw java.lang.IllegalArgumentException")
                    .contains(JettyClientPresence.ABSENT).doesNotContain("NoClassDefFoundError");
            assertThat(found.get("init, transport=jetty")).startsWith("threw")
                    .contains("transport must be auto or jdk when " + JettyClientPresence.ABSENT + ", but was jetty")
                    .doesNotContain("NoClassDefFoundError");
            assertThat(found.get("forwarded /auto/orders")).startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("forwarded /jdk/orders")).startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("forwarded /by-class/orders")).startsWith("200 " + JDK_USER_AGENT);
            assertThat(found.get("cut short over HTTP/2")).as("the stream reset")
                    .startsWith("threw java.io.IOException");
            assertThat(found.get("thrown through the filter")).as("the abort, nothing else")
                    .contains("ResponseAbortedException").doesNotContain("Error");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> probe(ClassLoader loader, Class<?> probeClass) throws Exception {
        Class<?> type = Class.forName(probeClass.getName(), true, loader);
        assertThat(type).isNotSameAs(probeClass);
        Callable<Map<String, String>> probe = (Callable<Map<String, String>>) type.getConstructor().newInstance();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader); // what a container sets for its web application
        try {
            return probe.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * @param prefix how the file names of the jars to leave out begin
     * @param leftOut where the entries left out are added
     * @return the test class path without those jars
     */
    private static URL[] testClassPathWithout(String prefix, List<String> leftOut) throws MalformedURLException {
        List<URL> path = new ArrayList<>();
        for (String entry : testClassPath()) {
            if (Path.of(entry).getFileName().toString().startsWith(prefix)) {
                leftOut.add(entry);
            } else {
                path.add(Path.of(entry).toUri().toURL());
            }
        }
        return path.toArray(URL[]::new);
    }

    /** The test class path: Surefire's, else this JVM's. */
    private static List<String> testClassPath() {
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>();
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** Sends a request without a {@code User-Agent} through the server; returns the one the upstream got. */
    private static String userAgentReceivedThrough(JettyServer server) {
        upstream.clearRequests();
        HttpTester.Response response = HttpTester.parseResponse(server.raw(
                "GET /orders HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"));
        assertThat(response.getStatus()).as(response.getContent()).isEqualTo(200);
        assertThat(upstream.requests()).hasSize(1);
        return upstream.requests().get(0).headers().get("user-agent");
    }
}
