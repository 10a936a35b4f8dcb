package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness run without {@code wrk} on the PATH (as {@code mvn -Dload} runs it, without {@code load.sh}'s check)
 * says so before it starts a server: it started the upstream and a server JVM, then died with the stack trace of
 * {@code Cannot run program "wrk"}.
 */
class LoadHarnessWithoutWrkIntegrationTests {

    @Test
    void saysWrkIsMissingBeforeItStartsAServer(@TempDir Path emptyDirectory) throws Exception {
        ProcessBuilder harness = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LoadHarness.class.getName(),
                "--only", "hello", "--warmup", "0s", "--duration", "1s");
        harness.environment().put("PATH", emptyDirectory.toString());
        Process process = harness.start();

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(errors.lines()).containsExactly("LoadHarness: wrk is missing; install it with: sudo apt-get install "
                + "wrk (benchmarks/load.sh does it when run as root)");
        assertThat(process.getInputStream().readAllBytes()).as("no table, no server").isEmpty();
        assertThat(process.exitValue()).isEqualTo(1);
    }
}
