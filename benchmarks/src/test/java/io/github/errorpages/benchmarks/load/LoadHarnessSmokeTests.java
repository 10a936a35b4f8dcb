package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks that the load harness itself works: starts server JVMs, drives them with wrk for a second each (after a
 * second of warm-up) and prints the table with a budget row. It measures nothing worth keeping;
 * {@code benchmarks/load.sh} does the real runs.
 */
class LoadHarnessSmokeTests {

    @Test
    void startsServersDrivesThemWithWrkAndPrintsTable() throws Exception {
        assumeWrkIsInstalled();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        // A second of warm-up each: a cold server's first proxied requests (class loading, the HTTP client's set-up)
        // took more than the one measured second on a busy machine, which left a run with no answer at all.
        LoadHarness harness = new LoadHarness(Duration.ofSeconds(1), Duration.ofSeconds(1), 4, 1,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));

        Map<String, MeasurementResult> results = harness.run(
                Measurement.named("hello", "jetty-502", "branded-502", "healthy-beside-dead"));

        assertThat(results.get("hello").wrk().requestsPerSecond()).isPositive();
        assertThat(results.get("hello").cpuMicrosPerRequest()).isPositive();
        assertThat(results.values()).allSatisfy(result -> assertThat(result.problems()).isEmpty());
        assertThat(results.get("branded-502").wrk().non2xx3xx()).isEqualTo(results.get("branded-502").wrk().requests());
        // Who wrote the error pages, which wrk cannot tell: ours carry a Content-Security-Policy, Jetty's do not.
        assertThat(results.get("branded-502").probe()).extracting(Answer::status, Answer::branded)
                .containsExactly(502, true);
        assertThat(results.get("jetty-502").probe()).extracting(Answer::status, Answer::branded)
                .containsExactly(502, false);
        // The sizes the runs were checked against: the whole answer as wrk reads it, the branded page's 10 KB.
        assertThat(results.get("hello").probe().size()).isBetween(100L, 200L);
        assertThat(results.get("branded-502").probe().size()).isGreaterThan(9_000L);
        assertThat(results.get("healthy-beside-dead").backgroundProbe()).isNotNull();
        assertThat(results.get("healthy-beside-dead").background()).isNotNull();
        assertThat(results.get("healthy-beside-dead/alone").background()).isNull();
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("| Jetty hello servlet |").contains("| Jetty default 502 page |")
                .contains("| ↳ background: 16 connections to the dead route")
                .containsPattern("\\| \\(b\\) branded 502 / Jetty's 502 \\| [0-9.]+ \\| [0-9.]+ \\| ≥ 1.0 \\| "
                        + "(met|MISSED) "
                        + "\\(not the issue's protocol: warm-up 1 s, measured 1 s, wrk -t1 -c4; "
                        + "the issue's: 20 s, 10 s, wrk -t2 -c32\\) \\|");
    }

    /**
     * {@code --jfr} leaves the flight recording of each server JVM, which JFR writes as that JVM exits: the harness
     * ends a server by closing its standard input, and waits for it. A server left running was killed 10 s later,
     * and a killed JVM writes no recording, so a run with {@code --jfr} ended with none. {@link JfrShares} reads it, and
     * finds the filter's frames on the stacks.
     */
    @Test
    void withJfrEachServerJvmLeavesItsFlightRecording(@TempDir Path recordings) throws Exception {
        assumeWrkIsInstalled();

        LoadHarness.main(new String[] {"--only", "hello-filtered", "--warmup", "0s", "--duration", "1s",
                "--connections", "4", "--threads", "1", "--jfr", recordings.toString()});

        Path recording = recordings.resolve("hello-filtered.jfr");
        assertThat(recording).isNotEmptyFile();
        JfrShares shares = JfrShares.of(recording);
        assertThat(shares.samples()).as("Java execution samples").isPositive();
        assertThat(shares.withLibrary()).as("samples with a frame of the library's").isPositive();
    }

    private static void assumeWrkIsInstalled() {
        if (!Wrk.isInstalled()) {
            if ("true".equals(System.getenv("CI"))) {
                // CI installs wrk (.ci/install-test-tools): a skip there would hide that the harness went untested.
                fail("wrk is not installed, and CI must run the load harness smoke test: run .ci/install-test-tools");
            }
            System.err.println("*** wrk is not installed: the load harness smoke test is SKIPPED. "
                    + "Run .ci/install-test-tools (CI does) or apt-get install wrk. ***");
        }
        assumeTrue(Wrk.isInstalled(), "wrk is not installed");
    }
}
