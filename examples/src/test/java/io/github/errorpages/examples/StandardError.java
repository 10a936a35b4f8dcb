package io.github.errorpages.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What the examples' slf4j-simple logs (to standard error) while a test's action runs. Not thread-safe: one capture at
 * a time.
 */
public final class StandardError {

    private StandardError() {
    }

    /**
     * @param action what to run
     * @return what was written to standard error while it ran, as UTF-8
     */
    public static String during(Runnable action) {
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
