package io.github.errorpages.benchmarks.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A scenario's server in its own JVM ({@link LoadServer}), started with this JVM's class path, so that its
 * CPU time can be read apart from wrk's and the harness's. Every server JVM gets the same heap and
 * collector, so that scenarios differ only in what they serve.
 */
final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the server and waits until it listens.
     *
     * @param scenario what it serves
     * @param upstream the upstream for proxy scenarios, or {@code null}
     * @param jvmOptions more options for the server's JVM, e.g. to record a flight recording
     * @return the running server
     * @throws IOException when the JVM cannot be started
     * @throws IllegalStateException when it exits before it listens
     */
    static ServerProcess start(Scenario scenario, @Nullable URI upstream, List<String> jvmOptions)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xms512m", "-Xmx512m", "-XX:+UseParallelGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoadServer.class.getName(),
                scenario.name()));
        if (upstream != null) {
            command.add(upstream.toString());
        }
        // The log (one WARN line per error response) is written as a server would, to /dev/null.
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
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
