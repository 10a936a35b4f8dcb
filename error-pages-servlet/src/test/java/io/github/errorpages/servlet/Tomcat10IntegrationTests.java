package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tomcat 10.1 (Servlet 6.0), which the docs name among the containers, in a JVM of its own ({@link Tomcat10Probe})
 * whose class path has Tomcat 10.1's jars (copied to {@code target/tomcat-10.1} by the build) in place of Tomcat 11's
 * and of the Servlet 6.1 API.
 */
class Tomcat10IntegrationTests {

    private static final Path TOMCAT_10 = Path.of("target", "tomcat-10.1");

    /**
     * A response written without blocking (the proxy relaying a body; an application's WriteListener) and a failure
     * before anything was committed: the page (R1). Tomcat 10.1's isReady() answers false in the ASYNC dispatch that
     * answers it, and the page gave way to an abort that Tomcat sent as a 400 with the buffered 4 KiB of the
     * upstream's body, or the application's 14 bytes of JSON, under a Content-Length that made them look whole.
     */
    @Test
    void failureBeforeCommitAfterANonBlockingWriteIsThePage(@TempDir Path folder) throws Exception {
        String printed = probe(folder);

        assertThat(printed).as(printed).contains("servlet API of ").contains("/tomcat-10.1/tomcat-embed-core-10.1.")
                .containsPattern("/proxy/orders: 502 Retry-After=\\d+ \\{.*\"status\": 502")
                .containsPattern("/app: 503 Retry-After=\\d+ \\{.*\"status\": 503")
                .doesNotContain("xxxx").doesNotContain("items");
    }

    private static String probe(Path folder) throws Exception {
        List<String> path = new ArrayList<>();
        try (Stream<Path> jars = Files.list(TOMCAT_10)) {
            jars.map(jar -> jar.toAbsolutePath().toString()).sorted().forEach(path::add);
        }
        assertThat(path).as("Tomcat 10.1's jars in " + TOMCAT_10).hasSize(2);
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (!entry.isBlank() && !name.startsWith("tomcat-embed-") && !name.startsWith("tomcat-annotations-api-")
                    && !name.startsWith("jakarta.servlet-api-")) {
                path.add(entry);
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Path output = folder.resolve("probe.log"); // a file, not a pipe, which a chatty probe would fill and block on
        Process probe = new ProcessBuilder(List.of(java, "-cp", String.join(File.pathSeparator, path),
                Tomcat10Probe.class.getName())).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            probe.destroyForcibly();
        }
    }
}
