package io.github.errorpages.benchmarks.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a server JVM's time went, from the flight recording that {@code load.sh --jfr} leaves of it: of the Java
 * execution samples, the share with a frame of the library's on the stack; of those, the library's own code (a frame
 * of the library's on top) and the work it asked of the container or the JDK (their code on top, called by the
 * library's frame nearest to the top), each by method; and the sampled allocation under the library's frames, by
 * class. The numbers {@code benchmarks/README.md} gives under "Where the time goes" come from it.
 *
 * <p>The library is {@code io.github.errorpages}; this module's own servlets and scenarios
 * ({@code io.github.errorpages.benchmarks}) stand for the application and the upstream, and a sample whose frame of
 * {@code io.github.errorpages} nearest to the top is one of theirs counts as the application's. Stacks that JFR cut
 * short are counted apart: they may lack the library's frames below the cut (the harness records 256 frames).
 *
 * <p>Needs only the JDK, so it runs from the source without a build:
 * <pre>{@code java benchmarks/src/main/java/io/github/errorpages/benchmarks/load/JfrShares.java RECORDING.jfr [ROWS]}</pre>
 *
 * <p>Not thread-safe: one instance adds up one recording.
 */
public final class JfrShares {

    private static final String LIBRARY = "io.github.errorpages.";
    private static final String APPLICATION = "io.github.errorpages.benchmarks.";

    private int samples;
    private int cutShort;
    private int withLibrary;
    private int libraryOnTop;
    private int application;
    private final Map<String, Integer> ownCode = new HashMap<>();
    private final Map<String, Integer> askedOfOthers = new HashMap<>();
    private long allocated;
    private final Map<String, Long> allocatedUnderLibrary = new HashMap<>();

    /**
     * @param args the recording, and optionally how many rows each list shows (15)
     * @throws IOException if the recording cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java JfrShares.java RECORDING.jfr [ROWS]");
            System.exit(2);
        }
        of(Path.of(args[0])).print(System.out, args[0], args.length == 2 ? Integer.parseInt(args[1]) : 15);
    }

    /**
     * @param recording a flight recording with {@code jdk.ExecutionSample} and {@code jdk.ObjectAllocationSample}
     *     events (JFR's {@code profile} settings)
     * @return its samples, added up
     * @throws IOException if the recording cannot be read
     */
    public static JfrShares of(Path recording) throws IOException {
        JfrShares shares = new JfrShares();
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                String type = event.getEventType().getName();
                if (type.equals("jdk.ExecutionSample")) {
                    RecordedStackTrace stack = event.getStackTrace();
                    if (stack != null) {
                        shares.addSample(methods(stack), stack.isTruncated());
                    }
                } else if (type.equals("jdk.ObjectAllocationSample")) {
                    RecordedStackTrace stack = event.getStackTrace();
                    shares.addAllocation(stack == null ? List.of() : methods(stack),
                            event.getClass("objectClass").getName(), event.getLong("weight"));
                }
            }
        }
        return shares;
    }

    private static List<String> methods(RecordedStackTrace stack) {
        List<String> methods = new ArrayList<>(stack.getFrames().size());
        for (RecordedFrame frame : stack.getFrames()) {
            methods.add(frame.getMethod().getType().getName() + '.' + frame.getMethod().getName());
        }
        return methods;
    }

    /**
     * Adds one execution sample.
     *
     * @param methods the stack, top first, each frame as {@code class.method}
     * @param truncated whether JFR cut the stack short
     */
    void addSample(List<String> methods, boolean truncated) {
        samples++;
        if (truncated) {
            cutShort++;
        }
        int nearest = nearestOfOurs(methods);
        if (nearest < 0) {
            return;
        }
        String frame = methods.get(nearest);
        if (frame.startsWith(APPLICATION)) {
            application++;
            return;
        }
        withLibrary++;
        if (nearest == 0) {
            libraryOnTop++;
            ownCode.merge(frame, 1, Integer::sum);
        } else {
            askedOfOthers.merge(frame + " -> " + methods.get(nearest - 1), 1, Integer::sum);
        }
    }

    /**
     * Adds one allocation sample.
     *
     * @param methods the allocating stack, top first
     * @param objectClass the class of the object allocated
     * @param weight the bytes this sample stands for
     */
    void addAllocation(List<String> methods, String objectClass, long weight) {
        allocated += weight;
        int nearest = nearestOfOurs(methods);
        if (nearest >= 0 && !methods.get(nearest).startsWith(APPLICATION)) {
            allocatedUnderLibrary.merge(objectClass + " via " + methods.get(nearest), weight, Long::sum);
        }
    }

    private static int nearestOfOurs(List<String> methods) {
        for (int i = 0; i < methods.size(); i++) {
            if (methods.get(i).startsWith(LIBRARY)) {
                return i;
            }
        }
        return -1;
    }

    /** @return the execution samples added */
    int samples() {
        return samples;
    }

    /** @return the execution samples with a frame of the library's, nearer to the top than the application's */
    int withLibrary() {
        return withLibrary;
    }

    /** @return of those, the samples with the library's frame on top */
    int libraryOnTop() {
        return libraryOnTop;
    }

    /** @return the samples whose nearest frame of {@code io.github.errorpages} is the application's */
    int application() {
        return application;
    }

    /** @return the library's own code: samples by the method on top */
    Map<String, Integer> ownCode() {
        return ownCode;
    }

    /** @return the work the library asked of others: samples by its nearest frame and the method that frame called */
    Map<String, Integer> askedOfOthers() {
        return askedOfOthers;
    }

    /** @return the sampled bytes allocated under the library's frames, by class and the library's nearest frame */
    Map<String, Long> allocatedUnderLibrary() {
        return allocatedUnderLibrary;
    }

    /**
     * Prints the shares.
     *
     * @param out where to
     * @param name the recording's name, for the first line
     * @param rows how many rows each list shows
     */
    void print(PrintStream out, String name, int rows) {
        out.printf(Locale.ROOT, "%s: %d Java execution samples (%d cut short)%n", name, samples, cutShort);
        out.printf(Locale.ROOT, "%6.1f %% with a frame of the library's%n", percent(withLibrary, samples));
        out.printf(Locale.ROOT, "%6.1f %%   its own code on top%n", percent(libraryOnTop, samples));
        out.printf(Locale.ROOT, "%6.1f %%   the container's or the JDK's code, called by the library%n",
                percent(withLibrary - libraryOnTop, samples));
        out.printf(Locale.ROOT, "%6.1f %% the application's (this module's servlets), and what they called%n",
                percent(application, samples));
        out.println("-- the library's own code, by the method on top");
        top(ownCode, rows).forEach(e -> out.printf(Locale.ROOT, "%6.1f %% %s%n", percent(e.getValue(), samples),
                e.getKey()));
        out.println("-- the work it asked of others, by its nearest frame -> the method that frame called");
        top(askedOfOthers, rows).forEach(e -> out.printf(Locale.ROOT, "%6.1f %% %s%n",
                percent(e.getValue(), samples), e.getKey()));
        out.printf(Locale.ROOT, "-- sampled allocation under the library's frames, of %d MB in all%n",
                allocated / 1_000_000);
        top(allocatedUnderLibrary, rows).forEach(e -> out.printf(Locale.ROOT, "%6.1f %% %s%n",
                percent(e.getValue(), allocated), e.getKey()));
    }

    private static <V extends Number & Comparable<V>> List<Map.Entry<String, V>> top(Map<String, V> counts,
            int rows) {
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, V>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(rows)
                .toList();
    }

    private static double percent(double part, double whole) {
        return whole == 0 ? 0 : part * 100 / whole;
    }
}
