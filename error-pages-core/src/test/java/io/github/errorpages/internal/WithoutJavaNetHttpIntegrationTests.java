package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On the module path this library's jars are automatic modules, which cannot require {@code java.net.http}: an
 * application module that does not require it runs without it. The classifier's checks for the HttpClient's
 * exceptions then failed with {@code NoClassDefFoundError}, which took the whole JDK classifier out: a refused
 * connection became the container's 500 naming it. In a JVM of its own, whose observable modules leave
 * {@code java.net.http} out as such an application's boot layer does.
 */
class WithoutJavaNetHttpIntegrationTests {

    @Test
    void theJdksNetworkExceptionsAreClassifiedWithoutTheHttpClientsModule() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process probe = new ProcessBuilder(List.of(java.toString(), "--limit-modules", "java.base,java.logging",
                "-cp", System.getProperty("java.class.path"), WithoutJavaNetHttpProbe.class.getName()))
                .redirectErrorStream(true).start();
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ends").isTrue();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(output).contains("java.net.http: false", "refused: connection_refused",
                "read timeout: connection_read_timeout").doesNotContain("NoClassDefFoundError");
        assertThat(probe.exitValue()).as(output).isZero();
    }
}
