package io.github.errorpages.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The loopback load harness (issue 7): starts each server scenario in its own JVM, drives it with
 * {@code wrk} (warm-up, then a measured run), reads the server process's CPU time around the measured run,
 * and prints one table with throughput, p99 latency and server CPU per request, plus the budget ratios
 * measured side by side in the same run.
 *
 * <p>Usage: {@code LoadHarness [--warmup 20s] [--duration 10s] [--connections 32] [--threads 2]}.
 * Needs {@code wrk} on the PATH ({@code benchmarks/load.sh} installs it from Debian's packages).
 */
public final class LoadHarness {

    private final Duration warmup;
    private final Duration duration;
    private final int connections;
    private final int threads;
    private final PrintStream out;

    LoadHarness(Duration warmup, Duration duration, int connections, int threads, PrintStream out) {
        this.warmup = warmup;
        this.duration = duration;
        this.connections = connections;
        this.threads = threads;
        this.out = out;
    }

    /**
     * @param args options, see the class comment
     * @throws Exception when a server or wrk fails
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        LoadHarness harness = new LoadHarness(
                seconds(options.getOrDefault("--warmup", "20s")),
                seconds(options.getOrDefault("--duration", "10s")),
                Integer.parseInt(options.getOrDefault("--connections", "32")),
                Integer.parseInt(options.getOrDefault("--threads", "2")),
                System.out);
        harness.run(Measurement.all());
    }

    /**
     * Runs the measurements and prints the table.
     *
     * @param measurements what to measure, in order
     * @return the results by measurement name
     * @throws Exception when a server or wrk fails
     */
    Map<String, Result> run(List<Measurement> measurements) throws Exception {
        Map<String, Result> results = new LinkedHashMap<>();
        try (ServerProcess upstream = ServerProcess.start(Scenario.UPSTREAM, null)) {
            for (Measurement measurement : measurements) {
                results.put(measurement.name(), measure(measurement, upstream.uri()));
            }
        }
        printTable(results);
        return results;
    }

    private Result measure(Measurement measurement, URI upstream) throws Exception {
        try (ServerProcess server = ServerProcess.start(measurement.scenario(), upstream)) {
            URI target = server.uri().resolve(measurement.path());
            if (!warmup.isZero()) {
                wrk(target, measurement.accept(), warmup);
            }
            Duration cpuBefore = server.cpu();
            WrkResult wrk = wrk(target, measurement.accept(), duration);
            Duration cpu = server.cpu().minus(cpuBefore);
            double cpuMicrosPerRequest = wrk.requests() == 0 ? Double.NaN : cpu.toNanos() / 1_000.0 / wrk.requests();
            return new Result(measurement, wrk, cpuMicrosPerRequest);
        }
    }

    private WrkResult wrk(URI target, String accept, Duration length) throws IOException, InterruptedException {
        List<String> command = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + length.toSeconds() + "s",
                "--latency", "-H", "Accept: " + accept, target.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(length.toSeconds() + 30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("wrk failed: " + String.join(" ", command) + "\n" + output);
        }
        return WrkResult.parse(output);
    }

    private void printTable(Map<String, Result> results) {
        out.printf(Locale.ROOT, "%n| measurement | req/s | p99 | server CPU/req | non-2xx |%n|---|---:|---:|---:|---:|%n");
        for (Result r : results.values()) {
            out.printf(Locale.ROOT, "| %s | %,.0f | %.2f ms | %.1f µs | %d |%n", r.measurement().label(),
                    r.wrk().requestsPerSecond(), r.wrk().p99Micros() / 1000, r.cpuMicrosPerRequest(), r.wrk().non2xx3xx());
        }
        List<String> budgets = new ArrayList<>();
        for (Budget budget : Budget.all()) {
            Result ours = results.get(budget.ours());
            Result theirs = results.get(budget.baseline());
            if (ours != null && theirs != null) {
                budgets.add(budget.evaluate(ours, theirs));
            }
        }
        if (!budgets.isEmpty()) {
            out.printf("%n| budget | ratio (req/s) | CPU ratio | target | verdict |%n|---|---:|---:|---|---|%n");
            budgets.forEach(out::println);
        }
    }

    private static Duration seconds(String value) {
        return Duration.ofSeconds(Long.parseLong(value.replaceAll("s$", "")));
    }

    /**
     * One measured run: a scenario, the path and Accept header wrk sends.
     *
     * @param name the key budgets refer to
     * @param scenario the server set-up
     * @param path the request path
     * @param accept the Accept header
     */
    record Measurement(String name, Scenario scenario, String path, String accept) {
        String label() {
            return scenario.label();
        }

        static List<Measurement> all() {
            String browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
            return List.of(
                    new Measurement("hello", Scenario.HELLO, "/hello", browser),
                    new Measurement("jetty-502", Scenario.JETTY_502, "/orders", browser),
                    new Measurement("jetty-proxy", Scenario.JETTY_PROXY, "/orders", browser));
        }
    }

    /**
     * One measured result.
     *
     * @param measurement what was measured
     * @param wrk what wrk reported
     * @param cpuMicrosPerRequest server CPU time per request, in microseconds
     */
    record Result(Measurement measurement, WrkResult wrk, double cpuMicrosPerRequest) {
    }

    /**
     * A budget: the throughput of one measurement over another's, at least {@code minRatio}, and optionally a
     * p99 ceiling for ours.
     *
     * @param label what the budget says
     * @param ours our measurement's name
     * @param baseline the baseline's name
     * @param minRatio the lowest acceptable ratio of requests per second
     * @param maxP99Micros the highest acceptable p99 of ours, or 0 for none
     */
    record Budget(String label, String ours, String baseline, double minRatio, double maxP99Micros) {
        static List<Budget> all() {
            return List.of();
        }

        String evaluate(Result mine, Result theirs) {
            double ratio = mine.wrk().requestsPerSecond() / theirs.wrk().requestsPerSecond();
            double cpuRatio = mine.cpuMicrosPerRequest() / theirs.cpuMicrosPerRequest();
            boolean met = ratio >= minRatio && (maxP99Micros == 0 || mine.wrk().p99Micros() <= maxP99Micros);
            String target = "≥ " + minRatio + (maxP99Micros == 0 ? "" : String.format(Locale.ROOT, ", p99 ≤ %.0f ms",
                    maxP99Micros / 1000));
            return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %s |", label, ratio, cpuRatio, target,
                    met ? "met" : "MISSED");
        }
    }

    /** A scenario server in its own JVM, started with this JVM's class path. */
    static final class ServerProcess implements AutoCloseable {
        private final Process process;
        private final int port;

        private ServerProcess(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static ServerProcess start(Scenario scenario, URI upstream) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-Xms512m", "-Xmx512m", "-XX:+UseParallelGC",
                    "-cp", System.getProperty("java.class.path"),
                    LoadServer.class.getName(), scenario.name()));
            if (upstream != null) {
                command.add(upstream.toString());
            }
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("READY port=")) {
                    return new ServerProcess(process, Integer.parseInt(line.substring("READY port=".length()).trim()));
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("server for " + scenario + " exited before it was ready");
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port);
        }

        Duration cpu() {
            return process.info().totalCpuDuration().orElseThrow(
                    () -> new UncheckedIOException(new IOException("the OS reports no CPU time for pid " + process.pid())));
        }

        @Override
        public void close() throws InterruptedException {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // it is going away anyway
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
