package io.github.errorpages.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every thread of the test's JVM was doing when something a test waited for never came: for a failure seen once
 * in a few hundred runs, which a rerun does not show. Written under {@code target/diagnostics} of the module, which
 * {@code .ci/run} prints at the end of its output, where the CI report shows it.
 *
 * <p>An idle thread ({@link #IDLE}: waiting for a task, an event or a connection), or the JVM's own, is left out, and
 * each stack is cut to its top frames: what is left is what was busy or blocked, short enough to read in the last
 * lines of a CI log. Thread-safe.
 */
public final class ThreadDumps {

    private static final Path DIRECTORY = Path.of("target", "diagnostics");
    private static final int FRAMES = 14;
    /**
     * Frames of a thread waiting for a task of its pool or a timer's, for a selector's next event, or for a server's
     * next connection: nothing under way. (A thread blocked in a read, a write or a lock shows none of them.)
     */
    private static final List<String> IDLE = List.of("$Runner.idleJobPoll", "$ReservedThread.waitForTask",
            "ThreadPoolExecutor.getTask", "ForkJoinPool.awaitWork", "$DelayedWorkQueue.take", "ReferenceQueue.remove",
            "Reference.waitForReferencePendingList", "SelectorImpl.lockAndDoSelect", "ServerSocketChannelImpl.accept",
            "LocalConnector.accept", "CommandDecoder.decode");
    private static final AtomicInteger WRITTEN = new AtomicInteger();

    private ThreadDumps() {
    }

    /**
     * Writes the threads that are not idle, with the top of their stacks and the locks they wait for.
     *
     * @param why what did not come, the first line of the file
     * @return the file written
     * @throws UncheckedIOException when the file cannot be written
     */
    public static Path write(String why) {
        StringBuilder dump = new StringBuilder("ThreadDumps: ").append(why).append('\n');
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            StackTraceElement[] stack = thread.getStackTrace();
            if (stack.length == 0 || isIdle(stack)) { // the JVM's own (no Java frames), or waiting for work
                continue;
            }
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                dump.append(" on ").append(thread.getLockName());
                if (thread.getLockOwnerName() != null) {
                    dump.append(" held by \"").append(thread.getLockOwnerName()).append('"');
                }
            }
            dump.append('\n');
            for (int i = 0; i < Math.min(FRAMES, stack.length); i++) {
                dump.append("    at ").append(stack[i]).append('\n');
            }
        }
        try {
            Files.createDirectories(DIRECTORY);
            Path file = DIRECTORY.resolve("threads-" + ProcessHandle.current().pid() + "-"
                    + WRITTEN.incrementAndGet() + ".txt");
            Files.writeString(file, dump, StandardCharsets.UTF_8);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isIdle(StackTraceElement[] stack) {
        return Arrays.stream(stack).map(frame -> frame.getClassName() + "." + frame.getMethodName())
                .anyMatch(frame -> IDLE.stream().anyMatch(frame::contains));
    }
}
