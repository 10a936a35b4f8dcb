package io.github.errorpages.examples.servlet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The lines a child process writes to one of its streams, read by a daemon thread as they come, and awaited
 * with a deadline (no fixed waits). Thread-safe.
 */
final class ProcessLines {

    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    private ProcessLines() {
    }

    /**
     * @param stream the process's stdout or stderr
     * @param name the reading thread's name
     * @return the lines, growing while the process writes
     */
    static ProcessLines read(InputStream stream, String name) {
        ProcessLines lines = new ProcessLines();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException streamClosed) {
                // the process ended
            } finally {
                lines.end();
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /**
     * Waits for a line.
     *
     * @param wanted what the line must satisfy
     * @param patience how long to wait
     * @return the first line that satisfies it, or empty when none came in time or the stream ended
     * @throws InterruptedException when interrupted while waiting
     */
    synchronized Optional<String> await(Predicate<String> wanted, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        int checked = 0;
        while (true) {
            for (; checked < lines.size(); checked++) {
                if (wanted.test(lines.get(checked))) {
                    return Optional.of(lines.get(checked));
                }
            }
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                return Optional.empty();
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** @return every line so far */
    synchronized List<String> all() {
        return List.copyOf(lines);
    }

    @Override
    public synchronized String toString() {
        return String.join("\n", lines);
    }

    private synchronized void add(String line) {
        lines.add(line);
        notifyAll();
    }

    private synchronized void end() {
        ended = true;
        notifyAll();
    }
}
