package io.github.errorpages.testing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test, or a test class (its {@code @AfterAll} and {@code @BeforeAll} included), that leaves the JVM's common
 * pool busy: a task of its own still blocked there (a fake upstream waiting for a connection that is never closed), or
 * one of the library's that does not end. On two cores the pool has one worker, and every later test's task, and the
 * library's, would wait behind it (see {@link TestThreads}). Registered for every test class of the modules that
 * enable JUnit's extension autodetection. Costs nothing while the pool is idle, as it is after every test now.
 */
public final class CommonPoolLeftIdle implements AfterEachCallback, AfterAllCallback {

    /** Long enough for the library's short tasks of a test's last moments (an expiry, a page written late). */
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    public void afterEach(ExtensionContext context) {
        awaitIdle(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        awaitIdle(context);
    }

    private static void awaitIdle(ExtensionContext context) {
        ForkJoinPool pool = ForkJoinPool.commonPool();
        if (pool.isQuiescent()) {
            return; // after nearly every test: nothing to wait for, nothing to describe
        }
        try {
            Await.until(pool::isQuiescent, "the common pool to go idle after " + what(context), WAIT);
        } catch (AssertionError busy) {
            // The workers' stacks as they are at the end of the wait, not at its start.
            throw new AssertionError(busy.getMessage() + ": " + pool + "\n" + workerStacks(), busy);
        }
    }

    /** The class, and for a test its name: a test's display name alone ({@code [2] true, 503}) says too little. */
    private static String what(ExtensionContext context) {
        String testClass = context.getTestClass().map(Class::getSimpleName).orElse(context.getDisplayName());
        return context.getTestMethod().isPresent() ? testClass + " " + context.getDisplayName() : testClass;
    }

    private static String workerStacks() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(thread -> thread.getKey().getName().startsWith("ForkJoinPool.commonPool"))
                .map(CommonPoolLeftIdle::describe)
                .collect(Collectors.joining("\n"));
    }

    private static String describe(Map.Entry<Thread, StackTraceElement[]> thread) {
        StringBuilder text = new StringBuilder(thread.getKey().getName()).append(':');
        for (StackTraceElement frame : thread.getValue()) {
            text.append("\n\tat ").append(frame);
        }
        return text.toString();
    }
}
