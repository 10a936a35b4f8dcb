package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.servlet.internal.LogProviderCheck;
import io.github.errorpages.testing.StandardError;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With no SLF4J provider on the class path, SLF4J drops every line of the library, among them the one that carries
 * each page's support code: the library says so once, in the container's log (on standard error for an embedded
 * Jetty, whose log is SLF4J's too), when it starts. In a JVM of its own ({@link NoLogProviderProbe}) whose class path
 * is this one without slf4j-simple; the Jetty, Tomcat and Undertow cases start the filter, the proxy servlet and the
 * initializer each first.
 */
class NoLogProviderIntegrationTests {

    /**
     * Jetty's own log goes through the SLF4J that drops the library's lines: the line is on standard error, next to
     * SLF4J's own warning; once, for two filters and a servlet.
     */
    @Test
    void anEmbeddedJettySaysOnceThatTheLogLinesAreDropped(@TempDir Path folder) throws Exception {
        String printed = probe(folder, "jetty");

        assertThat(printed).as(printed).contains("logger factory: org.slf4j.helpers.NOPLoggerFactory", "started")
                .contains("No SLF4J providers were found");
        assertThat(occurrences(printed, LogProviderCheck.DROPPED)).as(printed).isOne();
    }

    /**
     * The proxy servlet says it too, with no filter in front. Tomcat's log ({@code ServletContext.log}) goes through
     * its own logging, which needs no SLF4J.
     */
    @Test
    void theProxyServletAloneSaysItInTomcatsLog(@TempDir Path folder) throws Exception {
        String printed = probe(folder, "tomcat");

        assertThat(printed).as(printed).contains("logger factory: org.slf4j.helpers.NOPLoggerFactory", "started",
                "answered 502");
        assertThat(occurrences(printed, LogProviderCheck.DROPPED)).as(printed).isOne();
        // Written by the container's logger (java.util.logging's console: its level, then the line), not to
        // standard error by the library.
        assertThat(printed).as(printed).contains("INFO: " + LogProviderCheck.DROPPED);
    }

    /**
     * The initializer says it, at deployment: Undertow initialises the filter it registers only at the first request.
     * Undertow's log ({@code ServletContext.log}) goes through JBoss Logging, to {@code java.util.logging} without a
     * backend of its own.
     */
    @Test
    void undertowsLogSaysItWhenTheInitializerRegistersTheFilter(@TempDir Path folder) throws Exception {
        String printed = probe(folder, "undertow");

        assertThat(printed).as(printed).contains("logger factory: org.slf4j.helpers.NOPLoggerFactory", "started");
        assertThat(occurrences(printed, LogProviderCheck.DROPPED)).as(printed).isOne();
        assertThat(printed).as(printed).contains("INFO: " + LogProviderCheck.DROPPED);
    }

    /**
     * This JVM has a provider (slf4j-simple, which writes to standard error, as an embedded Jetty's line would go):
     * the page's line is logged, and nothing is said of a provider.
     */
    @Test
    void withAProviderNothingIsSaid() {
        String logged = StandardError.capture(() -> {
            try (JettyServer jetty = new JettyServer()) {
                jetty.filter(new FilterHolder(ErrorPagesFilter.class))
                        .servlet("/*", TestServlets.servlet((request, response) -> response.sendError(503))).start();
                jetty.raw("GET /orders HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n");
            }
        });

        assertThat(logged).as(logged).contains("WARN", "error page status=503")
                .doesNotContain(LogProviderCheck.DROPPED);
    }

    private static String probe(Path folder, String container) throws Exception {
        List<String> path = new ArrayList<>();
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            if (!entry.isBlank() && !Path.of(entry).getFileName().toString().startsWith("slf4j-simple-")) {
                path.add(entry);
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Path output = folder.resolve("probe.log"); // a file, not a pipe, which a chatty probe would fill and block on
        Process probe = new ProcessBuilder(List.of(java, "-cp", String.join(File.pathSeparator, path),
                NoLogProviderProbe.class.getName(), container)).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            probe.destroyForcibly();
        }
    }

    private static int occurrences(String text, String line) {
        return text.split(java.util.regex.Pattern.quote(line), -1).length - 1;
    }
}
