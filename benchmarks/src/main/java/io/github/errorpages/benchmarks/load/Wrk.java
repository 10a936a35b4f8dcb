package io.github.errorpages.benchmarks.load;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code wrk} (4.x, on the PATH) against one URL: {@code wrk -tT -cC -dDs --timeout Ns --latency
 * -H 'Accept: ...'} (and any other header fields), optionally paced by a Lua {@code delay()} so that each
 * connection waits between its requests.
 *
 * @param threads wrk's threads
 * @param connections open connections, each with at most one request in flight
 * @param pacing the wait of each connection between a response and its next request; zero for none (as
 *     fast as the server answers)
 * @param timeout how long to wait for an answer before counting a timeout and reconnecting
 */
record Wrk(int threads, int connections, Duration pacing, Duration timeout) {

    /** wrk's own default timeout. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** How much longer than its duration a wrk run may take before it counts as hung. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    /**
     * @return whether {@code wrk} is an executable on the PATH
     */
    static boolean isInstalled() {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> new File(dir, "wrk").canExecute());
    }

    /**
     * Runs wrk and waits for its result.
     *
     * @param target the URL
     * @param headers the header fields sent with every request, each {@code "Name: value"}
     * @param length how long to run, whole seconds
     * @return what wrk reported
     * @throws IOException when wrk cannot be started
     * @throws InterruptedException when interrupted while waiting
     * @throws IllegalStateException when wrk fails or hangs
     */
    WrkResult run(URI target, List<String> headers, Duration length) throws IOException, InterruptedException {
        return start(target, headers, length).await();
    }

    /**
     * Starts wrk without waiting for it, for a load that runs beside another.
     *
     * @param target the URL
     * @param headers the header fields sent with every request, each {@code "Name: value"}
     * @param length how long to run, whole seconds
     * @return the running wrk
     * @throws IOException when wrk cannot be started
     */
    Running start(URI target, List<String> headers, Duration length) throws IOException {
        List<String> command = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections,
                "-d" + Math.max(1, length.toSeconds()) + "s", "--timeout", Math.max(1, timeout.toSeconds()) + "s",
                "--latency"));
        for (String header : headers) {
            command.addAll(List.of("-H", header));
        }
        Path script = null;
        if (!pacing.isZero()) {
            // wrk calls delay() before each next request of a connection: milliseconds to wait.
            script = Files.createTempFile("wrk-pacing", ".lua");
            Files.writeString(script, "function delay()\n  return " + pacing.toMillis() + "\nend\n");
            command.addAll(List.of("-s", script.toString()));
        }
        command.add(target.toString());
        Path output = Files.createTempFile("wrk", ".out");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        } catch (IOException notStarted) {
            deleteFiles(output, script);
            throw notStarted;
        }
        return new Running(command, process, output, script, length.plus(GRACE));
    }

    /** Deletes a run's output and its pacing script, if it has one. */
    private static void deleteFiles(Path output, Path script) throws IOException {
        Files.deleteIfExists(output);
        if (script != null) {
            Files.deleteIfExists(script);
        }
    }

    /**
     * A wrk run in progress. Closed (stopped, its files deleted) by {@link #await} or, when whatever it runs beside
     * fails first, by {@link #close}: a background wrk left running went on loading the server's port for half a
     * minute after the harness exited, and its files stayed in the temporary directory.
     */
    static final class Running implements AutoCloseable {
        private final List<String> command;
        private final Process process;
        private final Path output;
        private final Path script;
        private final Duration patience;

        Running(List<String> command, Process process, Path output, Path script, Duration patience) {
            this.command = command;
            this.process = process;
            this.output = output;
            this.script = script;
            this.patience = patience;
        }

        /**
         * @return what wrk reported, once it is done
         * @throws IOException when its output cannot be read
         * @throws InterruptedException when interrupted while waiting
         * @throws IllegalStateException when wrk fails or hangs
         */
        WrkResult await() throws IOException, InterruptedException {
            try {
                boolean done = process.waitFor(patience.toSeconds(), TimeUnit.SECONDS);
                if (!done) {
                    process.destroyForcibly().waitFor();
                }
                String text = Files.readString(output, StandardCharsets.UTF_8);
                if (!done || process.exitValue() != 0) {
                    throw new IllegalStateException("wrk failed: " + String.join(" ", command) + "\n" + text);
                }
                return WrkResult.parse(text);
            } finally {
                close();
            }
        }

        /**
         * Stops wrk if it still runs and deletes its files; does nothing more once done.
         *
         * @throws IOException when a file cannot be deleted
         */
        @Override
        public void close() throws IOException {
            process.destroyForcibly(); // nothing once it exited
            deleteFiles(output, script);
        }

        /** @return whether wrk still runs; for tests */
        boolean isRunning() {
            return process.isAlive();
        }
    }
}
