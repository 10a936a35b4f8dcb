package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A background wrk that the measurement beside it did not wait for (its warm-up or measured run failed) is stopped
 * and its files deleted: it went on loading the server's port for half a minute after the harness exited, and its
 * output and pacing script stayed in the temporary directory.
 */
class WrkRunningTests {

    @Test
    void closingARunThatWasNotAwaitedStopsItAndDeletesItsFiles() throws Exception {
        Path output = Files.createTempFile("wrk", ".out");
        Path script = Files.createTempFile("wrk-pacing", ".lua");
        // Any long-running process stands for wrk here: what matters is that it is stopped.
        Process process = new ProcessBuilder("sleep", "60").start();
        Wrk.Running running = new Wrk.Running(List.of("sleep", "60"), process, output, script, Duration.ofMinutes(1));
        assertThat(running.isRunning()).isTrue();

        running.close();

        assertThat(process.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(running.isRunning()).isFalse();
        assertThat(output).doesNotExist();
        assertThat(script).doesNotExist();
        running.close(); // again: nothing left to do
    }
}
