package io.github.errorpages.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what is written to standard error, which is where the tests' logger (slf4j-simple, which looks
 * {@code System.err} up on every line) writes: to assert on log lines without a logging framework of
 * our own. Not thread-safe: it swaps a JVM-wide stream, so only for tests that run alone.
 */
public final class StandardError {

    private StandardError() {
    }

    /**
     * @param action what to run
     * @return everything written to standard error while it ran
     */
    public static String capture(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
