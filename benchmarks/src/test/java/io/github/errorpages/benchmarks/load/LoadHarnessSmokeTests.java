package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.errorpages.benchmarks.load.LoadHarness.Measurement;
import io.github.errorpages.benchmarks.load.LoadHarness.Result;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks that the load harness itself works: starts server JVMs, drives them with wrk for a second each and
 * prints the table. It measures nothing worth keeping; {@code benchmarks/load.sh} does the real runs.
 */
class LoadHarnessSmokeTests {

    @Test
    void startsServersDrivesThemWithWrkAndPrintsTable() throws Exception {
        boolean wrkPresent = Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .anyMatch(dir -> new File(dir, "wrk").canExecute());
        if (!wrkPresent) {
            System.err.println("*** wrk is not installed: the load harness smoke test is SKIPPED. "
                    + "Run .ci/install-test-tools (CI does) or apt-get install wrk. ***");
        }
        assumeTrue(wrkPresent, "wrk is not installed");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LoadHarness harness = new LoadHarness(Duration.ZERO, Duration.ofSeconds(1), 4, 1,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<Measurement> smoke = Measurement.all().stream()
                .filter(m -> m.name().equals("hello") || m.name().equals("jetty-502")).toList();

        Map<String, Result> results = harness.run(smoke);

        assertThat(results.get("hello").wrk().requestsPerSecond()).isPositive();
        assertThat(results.get("hello").wrk().non2xx3xx()).isZero();
        assertThat(results.get("jetty-502").wrk().non2xx3xx()).isEqualTo(results.get("jetty-502").wrk().requests());
        assertThat(results.get("hello").cpuMicrosPerRequest()).isPositive();
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| Jetty hello servlet |").contains("| Jetty default 502 page |");
    }
}
