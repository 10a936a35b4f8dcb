package io.github.errorpages.servlet;

import java.util.concurrent.Callable;

/**
 * A step of a probe run in an isolating class loader ({@link JettyClientAbsentProbe}, {@link TomcatWithoutJettyProbe}):
 * its result as a string, or what it threw, so that a {@code NoClassDefFoundError} is reported as a finding rather
 * than ending the probe.
 */
final class ProbeSteps {

    private ProbeSteps() {
    }

    /**
     * @param step what to run
     * @return its result, or {@code threw} and the throwable with each of its causes
     */
    static String step(Callable<String> step) {
        try {
            return step.call();
        } catch (Throwable failed) {
            StringBuilder messages = new StringBuilder("threw");
            for (Throwable t = failed; t != null; t = t.getCause() == t ? null : t.getCause()) {
                messages.append(' ').append(t);
            }
            return messages.toString();
        }
    }
}
