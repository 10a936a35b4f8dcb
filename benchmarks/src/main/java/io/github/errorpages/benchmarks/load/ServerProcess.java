package io.github.errorpages.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A scenario's server in its own JVM ({@link LoadServer}), started with this JVM's class path, so that its
 * CPU time can be read apart from wrk's and the harness's. Every server JVM gets the same heap and
 * collector, so that scenarios differ only in what they serve.
 */
final class ServerProcess implements AutoCloseable {

    /** How long a server JVM may take to listen: a few seconds on a busy machine, so a minute means it hangs. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /** How many of the last lines of its output and standard error a server that did not start is reported with. */
    private static final int ERROR_LINES = 20;

    private final Process process;
    private final int port;
    private final Path errors;

    private ServerProcess(Process process, int port, Path errors) {
        this.process = process;
        this.port = port;
        this.errors = errors;
    }

    /**
     * Starts the server and waits until it listens, at most {@link #READY_TIMEOUT}.
     *
     * @param name what the server is for in the harness's messages: the measurement's name, or {@code upstream}
     * @param scenario what it serves
     * @param upstream the upstream for proxy scenarios, or {@code null}
     * @param jvmOptions more options for the server's JVM, e.g. to record a flight recording
     * @return the running server
     * @throws IOException when the JVM cannot be started
     * @throws IllegalStateException when it exits before it listens, or does not listen within the timeout, with
     *     the last lines of its output and standard error (the JVM's own reason, or the exception of
     *     {@link LoadServer})
     * @throws InterruptedException when interrupted while waiting
     */
    static ServerProcess start(String name, Scenario scenario, @Nullable URI upstream, List<String> jvmOptions)
            throws IOException, InterruptedException {
        return start(name, scenario, upstream, jvmOptions, READY_TIMEOUT);
    }

    /**
     * @param readyTimeout how long to wait for the server to listen
     * @see #start(String, Scenario, URI, List)
     */
    static ServerProcess start(String name, Scenario scenario, @Nullable URI upstream, List<String> jvmOptions,
            Duration readyTimeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xms512m", "-Xmx512m", "-XX:+UseParallelGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadServer.class.getName(),
                scenario.name()));
        if (upstream != null) {
            command.add(upstream.toString());
        }
        // Until it listens, the server's output and standard error are what says why a JVM did not start (the JVM
        // prints a JFR option it refused or a heap it could not reserve on its output, LoadServer's exception goes to
        // standard error), so the failure quotes both, the standard error from a file. Once it listens, LoadServer
        // writes its log (one WARN line per error response) to /dev/null, as before: in a file, its writes would add
        // to the CPU measured per request.
        Path errors = Files.createTempFile("load-server-" + scenario.name().toLowerCase(Locale.ROOT) + "-", ".err");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        } catch (IOException notStarted) {
            Files.deleteIfExists(errors);
            throw notStarted;
        }
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Deque<String> output = new ArrayDeque<>();
        Thread reader = new Thread(() -> ready.complete(readyPort(process, output)), "READY of " + name);
        reader.setDaemon(true);
        reader.start();
        Integer port;
        String failure;
        try {
            port = ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            failure = port == null ? "exited before it was ready" : null;
        } catch (TimeoutException notYet) {
            port = null;
            failure = "did not print READY within " + readyTimeout.toSeconds() + " s";
        } catch (ExecutionException cannotHappen) {
            throw new IllegalStateException(cannotHappen.getCause());
        }
        if (failure == null) {
            return new ServerProcess(process, port, errors);
        }
        process.destroyForcibly().waitFor();
        reader.join(TimeUnit.SECONDS.toMillis(10)); // its output ended with the process
        String said;
        synchronized (output) {
            said = String.join("\n", output);
        }
        String errorTail = lastLines(errors);
        Files.deleteIfExists(errors);
        throw new IllegalStateException("server for " + name + " (" + scenario + ") " + failure
                + (said.isEmpty() ? "; no output" : "; the last lines of its output:\n" + said)
                + (errorTail.isEmpty() ? "\nand nothing on its standard error"
                        : "\nand of its standard error:\n" + errorTail));
    }

    /**
     * @param output where the lines before {@code READY} are kept, the last {@link #ERROR_LINES} of them
     * @return the port of the server's {@code READY port=N} line, or null when its output ends without one
     */
    private static @Nullable Integer readyPort(Process process, Deque<String> output) {
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("READY port=")) {
                    return Integer.parseInt(line.substring("READY port=".length()).trim());
                }
                synchronized (output) {
                    output.addLast(line);
                    if (output.size() > ERROR_LINES) {
                        output.removeFirst();
                    }
                }
            }
        } catch (IOException ended) {
            // the process was destroyed while we read
        }
        return null;
    }

    private static String lastLines(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - ERROR_LINES), all.size()));
        } catch (IOException | UncheckedIOException unreadable) {
            return "(" + file + " could not be read: " + unreadable + ")";
        }
    }

    /**
     * @return {@code http://127.0.0.1:port}
     */
    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /**
     * @return the CPU time the server process has used so far, user and system
     * @throws UncheckedIOException when the OS does not report it
     */
    Duration cpu() {
        return process.info().totalCpuDuration().orElseThrow(() -> new UncheckedIOException(new IOException(
                process.isAlive() ? "the OS reports no CPU time for pid " + process.pid()
                        : "the server (pid " + process.pid() + ") exited during the measurement")));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close(); // LoadServer stops when its standard input ends
        } catch (IOException ignored) {
            // it is going away anyway
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } finally {
            try {
                Files.deleteIfExists(errors);
            } catch (IOException ignored) {
                // a file in the temporary directory
            }
        }
    }
}
