package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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

    /**
     * A paced load waits its pacing between the requests of each connection: the background of (e) is "one request
     * per 50 ms each", light enough that its own CPU does not decide the ratio. The pacing script's delay() is in
     * milliseconds; given in whole seconds (0 for 50 ms) the background loaded the dead route as fast as it answered.
     * One connection paced at 400 ms for 2 s sends at most 2 s / 400 ms + 1 requests (the first goes at once),
     * however fast or slow the machine; unpaced, thousands.
     */
    @Test
    void aPacedRunWaitsItsPacingBetweenTheRequestsOfAConnection() throws Exception {
        assumeTrue(Wrk.isInstalled(), "wrk is not installed (LoadHarnessSmokeTests says how to install it)");
        Server server = Scenario.HELLO.start(0, null);
        try {
            URI target = URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort()
                    + "/hello");

            WrkResult paced = new Wrk(1, 1, Duration.ofMillis(400), Wrk.DEFAULT_TIMEOUT)
                    .run(target, Measurement.BROWSER, Duration.ofSeconds(2));

            assertThat(paced.requests()).isBetween(1L, 6L);
            assertThat(paced.non2xx3xx() + paced.socketErrors()).isZero();
        } finally {
            server.stop();
        }
    }
}
