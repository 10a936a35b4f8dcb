package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server JVM of the load harness that does not start says why (the JVM prints its reason on its output, the
 * server's exception goes to its standard error), and one that hangs before it listens does not hang
 * the harness: its standard error went to /dev/null, so the harness said only "server for HELLO exited before it
 * was ready" where the JVM had printed its reason (a flight recording it could not write, a heap it could not
 * reserve, a scenario that threw), and the harness waited for {@code READY} for ever.
 */
class ServerThatDoesNotStartIntegrationTests {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aServerJvmThatExitsBeforeItListensIsReportedWithTheLastLinesOfItsStandardError(@TempDir Path directory)
            throws Exception {
        Path notADirectory = Files.createFile(directory.resolve("not-a-directory"));

        assertThatIllegalStateException().isThrownBy(() -> ServerProcess.start("hello", Scenario.HELLO, null,
                        List.of("-XX:StartFlightRecording=filename=" + notADirectory.resolve("hello.jfr"))))
                .withMessageStartingWith("server for hello (HELLO) exited before it was ready; the last lines of its "
                        + "output:\n")
                .withMessageContaining("Could not start recording, not able to write to file")
                .withMessageContaining("Error occurred during initialization of VM");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aServerJvmThatDoesNotListenIsStoppedAfterTheTimeoutNamingTheMeasurement() {
        // A JVM waiting for a debugger before main is a server that never prints READY, and says so on its output.
        List<String> suspended = List.of("-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0");

        assertThatIllegalStateException().isThrownBy(() -> ServerProcess.start("branded-502", Scenario.BRANDED_502,
                        null, suspended, Duration.ofSeconds(3)))
                .withMessageStartingWith("server for branded-502 (BRANDED_502) did not print READY within 3 s; the "
                        + "last lines of its output:\nListening for transport dt_socket at address: ");
    }

    /** A scenario that throws in its start: LoadServer's exception, on standard error, is the reason. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aServerThatThrowsBeforeItListensIsReportedWithItsException() {
        assertThatIllegalStateException().isThrownBy(() -> ServerProcess.start("proxy", Scenario.PROXY, null,
                        List.of()))
                .withMessageStartingWith("server for proxy (PROXY) exited before it was ready")
                .withMessageContaining("\nand of its standard error:\nException in thread \"main\" ");
    }
}
