package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JDK's shared timer thread, which the guard times calls with, does not hold the class loader of the web
 * application that first timed a call: in a JVM of its own, since the timer starts once per JVM.
 */
class SharedTimerStartIntegrationTests {

    @Test
    void timerThreadHoldsNoApplicationsClassLoader() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process probe = new ProcessBuilder(List.of(java.toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.security=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SharedTimerProbe.class.getName()))
                .redirectErrorStream(true).start();
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ends").isTrue();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(output).contains("timer: ");
        assertThat(probe.exitValue()).as(output).isZero();
    }
}
