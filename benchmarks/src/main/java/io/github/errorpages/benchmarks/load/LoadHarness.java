package io.github.errorpages.benchmarks.load;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The loopback load harness (issue 7): starts each server scenario in its own JVM, drives it with
 * {@code wrk} (warm-up, then a measured run), reads the server process's CPU time around the measured run,
 * and prints one table with throughput, p99 latency and server CPU per request, plus the budget ratios
 * measured side by side in the same run.
 *
 * <p>A measurement with a background load (a second, paced wrk on another route of the same server) is
 * taken twice in one server JVM: first with that route idle, then with the background started before a
 * second warm-up and running until after the measured run.
 *
 * <p>Usage: {@code LoadHarness [--warmup 20s] [--duration 10s] [--connections 32] [--threads 2]
 * [--only name,name...] [--rounds 1] [--jfr directory]}. {@code --rounds N} runs every measurement N times,
 * prints each round's table, and then the budgets judged by the medians of the rounds. {@code --jfr} makes
 * every server JVM record a flight recording (JFR's {@code profile} settings) into the directory, one file per
 * measurement ({@code hello.jfr}; with rounds, per round: {@code hello-round2.jfr}), to find where the server's
 * time goes. An unknown option or measurement, or a value that does not parse, stops the harness before it
 * starts a server, with a message that names it (exit status 2); {@code --help} prints the options and the
 * measurements' names. Needs {@code wrk} on the PATH ({@code benchmarks/load.sh} installs it from Debian's packages):
 * without it, the harness says so before it starts a server (exit status 1).
 *
 * <p>Every run's answers are checked ({@link MeasurementResult#problems()}): a run that got answers of the wrong
 * status, writer, body or size is INVALID, and so is every budget that uses it. A warm-up, measured run or wrk's
 * connections and threads other than the (20 s, then 10 s, {@code wrk -t2 -c32}) are noted beside every
 * verdict, which is then no result.
 */
public final class LoadHarness {

    private final Duration warmup;
    private final Duration duration;
    private final Wrk wrk;
    private final PrintStream out;
    private final @Nullable Path jfrDirectory;

    LoadHarness(Duration warmup, Duration duration, int connections, int threads, PrintStream out) {
        this(warmup, duration, connections, threads, out, null);
    }

    private LoadHarness(Duration warmup, Duration duration, int connections, int threads, PrintStream out,
            @Nullable Path jfrDirectory) {
        this.warmup = warmup;
        this.duration = duration;
        this.wrk = new Wrk(threads, connections, Duration.ZERO, Wrk.DEFAULT_TIMEOUT);
        this.out = out;
        this.jfrDirectory = jfrDirectory;
    }

    /**
     * @param args options, see the class comment
     * @throws Exception when a server or wrk fails
     */
    public static void main(String[] args) throws Exception {
        if (Arrays.stream(args).anyMatch(LoadOptions.HELP::contains)) {
            System.out.println(LoadOptions.help());
            return;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException invalid) {
            System.err.println("LoadHarness: " + invalid.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        if (!Wrk.isInstalled()) {
            // Before any server starts: it started the upstream and a server JVM, then died with a stack trace.
            System.err.println("LoadHarness: wrk is missing; install it with: sudo apt-get install wrk"
                    + " (benchmarks/load.sh does it when run as root)");
            System.exit(1);
            return;
        }
        LoadHarness harness = new LoadHarness(options.warmup(), options.duration(), options.connections(),
                options.threads(), System.out, options.jfrDirectory());
        int rounds = options.rounds();
        List<Map<String, MeasurementResult>> results = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            if (rounds > 1) {
                System.out.printf(Locale.ROOT, "%nround %d of %d%n", round, rounds);
            }
            results.add(harness.run(options.measurements(), rounds > 1 ? "-round" + round : ""));
        }
        if (rounds > 1) {
            harness.printMedians(results);
        }
    }

    /**
     * Runs the measurements and prints the table.
     *
     * @param measurements what to measure, in order
     * @return the results by measurement name
     * @throws Exception when a server or wrk fails
     */
    Map<String, MeasurementResult> run(List<Measurement> measurements) throws Exception {
        return run(measurements, "");
    }

    /**
     * @param recordingSuffix what the names of this run's flight recordings end with, so that rounds keep theirs
     */
    private Map<String, MeasurementResult> run(List<Measurement> measurements, String recordingSuffix)
            throws Exception {
        Map<String, MeasurementResult> results = new LinkedHashMap<>();
        try (ServerProcess upstream = ServerProcess.start("upstream", Scenario.UPSTREAM, null, List.of())) {
            for (Measurement measurement : measurements) {
                measure(measurement, upstream.uri(), results, recordingSuffix);
            }
        }
        printTable(results);
        return results;
    }

    /**
     * Measures in a new server JVM. A measurement with a background load is measured twice in that JVM: first
     * with the background route idle (the result named {@link Measurement#aloneName()}, the budget's
     * baseline), then with the background running. Both in one JVM, because separate JVMs of the proxy
     * scenarios differ from run to run by more than the budget's margin (the JDK HttpClient settles in a
     * faster or a slower way), which would swamp what the budget looks for.
     */
    private void measure(Measurement measurement, URI upstream, Map<String, MeasurementResult> results,
            String recordingSuffix) throws Exception {
        try (ServerProcess server = ServerProcess.start(measurement.name(), measurement.scenario(), upstream,
                jvmOptions(measurement.name() + recordingSuffix))) {
            URI target = server.uri().resolve(measurement.path());
            warmUp(target, measurement);
            Measurement.Background background = measurement.background();
            if (background == null) {
                results.put(measurement.name(), measured(server, target, measurement, null));
                return;
            }
            results.put(measurement.aloneName(), measured(server, target, measurement.alone(), null));
            // Runs through a second warm-up (the dead upstream's breaker settles) and the measured run, and a
            // little beyond, so it never stops early; stopped when either fails.
            try (Wrk.Running backgroundLoad = new Wrk(1, background.connections(), background.pacing(),
                    Measurement.Background.TIMEOUT)
                    .start(server.uri().resolve(background.path()), measurement.headers(),
                            warmup.plus(duration).plusSeconds(2))) {
                warmUp(target, measurement);
                results.put(measurement.name(), measured(server, target, measurement, backgroundLoad));
            }
        }
    }

    private void warmUp(URI target, Measurement measurement) throws IOException, InterruptedException {
        if (!warmup.isZero()) {
            wrk.run(target, measurement.headers(), warmup);
        }
    }

    private MeasurementResult measured(ServerProcess server, URI target, Measurement measurement,
            Wrk.@Nullable Running backgroundLoad) throws IOException, InterruptedException {
        Duration cpuBefore = server.cpu();
        WrkResult measured = wrk.run(target, measurement.headers(), duration);
        Duration cpu = server.cpu().minus(cpuBefore);
        Answer probe = probe(target, measurement.headers());
        Measurement.Background background = measurement.background();
        // While the background still runs (it runs 2 s beyond the measured run), as its own requests found the route.
        Answer backgroundProbe = backgroundLoad == null || background == null ? null
                : probe(server.uri().resolve(background.path()), measurement.headers());
        WrkResult backgroundResult = backgroundLoad == null ? null : backgroundLoad.await();
        double backgroundRequests = backgroundResult == null ? 0
                : backgroundResult.requestsPerSecond() * duration.toMillis() / 1000.0;
        double answered = measured.requests() + backgroundRequests;
        double cpuMicrosPerRequest = answered == 0 ? Double.NaN : cpu.toNanos() / 1_000.0 / answered;
        return new MeasurementResult(measurement, measured, cpuMicrosPerRequest, backgroundResult, probe,
                backgroundProbe);
    }

    /** One request as wrk's, after the measured run (outside the CPU it measured): what it got, or null. */
    private static @Nullable Answer probe(URI target, List<String> headers) {
        try {
            return Answer.take(target, headers);
        } catch (IOException noAnswer) {
            return null;
        }
    }

    /**
     * What each verdict is followed by when the run's warm-up, measured run, connections or threads are not the
     * issue's ({@code wrk -t2 -c32}, 20 s, then 10 s), so that a quick or lighter run's "met" is not taken for a
     * result: a run of 1 s each on a busy machine printed (b) as met, which every full run missed.
     */
    private String protocolNote() {
        if (warmup.equals(LoadOptions.PROTOCOL_WARMUP) && duration.equals(LoadOptions.PROTOCOL_DURATION)
                && wrk.connections() == LoadOptions.PROTOCOL_CONNECTIONS
                && wrk.threads() == LoadOptions.PROTOCOL_THREADS) {
            return "";
        }
        return String.format(Locale.ROOT, " (not the issue's protocol: warm-up %d s, measured %d s, wrk -t%d -c%d; "
                + "the issue's: %d s, %d s, wrk -t%d -c%d)", warmup.toSeconds(), duration.toSeconds(), wrk.threads(),
                wrk.connections(), LoadOptions.PROTOCOL_WARMUP.toSeconds(), LoadOptions.PROTOCOL_DURATION.toSeconds(),
                LoadOptions.PROTOCOL_THREADS, LoadOptions.PROTOCOL_CONNECTIONS);
    }

    private List<String> jvmOptions(String recordingName) throws IOException {
        if (jfrDirectory == null) {
            return List.of();
        }
        Files.createDirectories(jfrDirectory);
        Path recording = jfrDirectory.resolve(recordingName + ".jfr");
        // The profile settings' 10-20 ms sampling left 300-500 samples of a 10 s measurement, too few to read a share
        // of a few per cent. Jetty's request stacks take up to about 76 frames, a few more than JFR's default 64.
        return List.of("-XX:FlightRecorderOptions=stackdepth=256",
                "-XX:StartFlightRecording=settings=profile,method-profiling=max,dumponexit=true,filename=" + recording);
    }

    private void printTable(Map<String, MeasurementResult> results) {
        out.printf(Locale.ROOT, "%n| measurement | req/s | p99 | server CPU/req | non-2xx |%n|---|---:|---:|---:|---:|%n");
        List<String> problems = new ArrayList<>();
        for (MeasurementResult r : results.values()) {
            out.printf(Locale.ROOT, "| %s | %,.0f | %.2f ms | %.1f µs | %d |%n", r.measurement().label(),
                    r.wrk().requestsPerSecond(), r.wrk().p99Micros() / 1000, r.cpuMicrosPerRequest(),
                    r.wrk().non2xx3xx());
            WrkResult background = r.background();
            Measurement.Background load = r.measurement().background();
            if (background != null && load != null) {
                out.printf(Locale.ROOT, "| ↳ background: %s | %,.0f | %.2f ms | | %d (%d socket errors) |%n",
                        load.label(), background.requestsPerSecond(),
                        background.p99Micros() / 1000, background.non2xx3xx(), background.socketErrors());
            }
            r.problems().forEach(problem -> problems.add(r.measurement().name() + ": " + problem));
        }
        List<String> budgets = new ArrayList<>();
        for (Budget budget : Budget.all()) {
            MeasurementResult ours = results.get(budget.ours());
            MeasurementResult theirs = results.get(budget.baseline());
            if (ours != null && theirs != null) {
                budgets.add(budget.evaluate(ours, theirs, protocolNote()));
            }
        }
        if (!budgets.isEmpty()) {
            out.printf("%n| budget | ratio (req/s) | CPU ratio | target | verdict |%n|---|---:|---:|---|---|%n");
            budgets.forEach(out::println);
        }
        if (!problems.isEmpty()) {
            out.printf("%nINVALID runs (they did not measure what they should):%n");
            problems.forEach(problem -> out.println("- " + problem));
        }
    }

    /**
     * Prints the budgets judged by the medians of several rounds, for the budgets measured in every round.
     *
     * @param rounds the results of each round, by measurement name
     */
    void printMedians(List<Map<String, MeasurementResult>> rounds) {
        List<String> budgets = new ArrayList<>();
        for (Budget budget : Budget.all()) {
            List<MeasurementResult> ours = new ArrayList<>();
            List<MeasurementResult> theirs = new ArrayList<>();
            for (Map<String, MeasurementResult> round : rounds) {
                if (round.containsKey(budget.ours()) && round.containsKey(budget.baseline())) {
                    ours.add(round.get(budget.ours()));
                    theirs.add(round.get(budget.baseline()));
                }
            }
            if (ours.size() == rounds.size()) {
                budgets.add(budget.evaluate(ours, theirs, protocolNote()));
            }
        }
        if (!budgets.isEmpty()) {
            out.printf(Locale.ROOT, "%nMedians of %d rounds:%n%n| budget | median ratio (req/s) (each round) | median CPU "
                    + "ratio | target | verdict |%n|---|---|---:|---|---|%n", rounds.size());
            budgets.forEach(out::println);
        }
    }

}
