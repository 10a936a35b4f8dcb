package io.github.errorpages.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which bug a throwable is, for {@link StackTraceLimiter}: the class of each link of its cause chain and a 64-bit hash
 * of each one's stack frames (each frame's class, method, file and line), all of them but those the link shares with
 * the stack of the thread that logs it. The same code failing again gives an equal fingerprint, whatever the messages
 * say (they often hold the request's own values); another throw site, another path to it, or another exception
 * wrapped on the way, gives another.
 *
 * <p>All the frames, not the top ones alone: the top ones are often a helper every caller shares
 * ({@code Objects.requireNonNull}, {@code Objects.checkIndex} five frames into the JDK, Guava's
 * {@code Preconditions.checkState}, an application's exception factory, a library's deep internals such as those under
 * Jackson's {@code convertValue}), so that two bugs differing only deeper down would be one, a rare bug next to a
 * frequent one would never get a trace of its own, and a repeat would point to the trace of another.
 *
 * <p>Not the frames a link shares at its bottom with the logging thread's stack (what {@code printStackTrace} prints
 * as "... n more" for a cause): those are the thread's and the container's dispatch of the request, down from where
 * the code that logs the bug was called, and they differ from one occurrence of the same bug to the next. Jetty 12
 * runs a connection's task by one of the paths of its {@code AdaptiveExecutionStrategy}, five frames apart, and
 * counting them made one bug two, each with its trace a minute. A link thrown on another thread (an HTTP client's
 * executor) shares at most a thread's run loop with it and counts nearly all of its frames, its own thread's dispatch
 * included: where that dispatch varies (Jetty's client threads, a {@code CompletableFuture} stage run by whichever
 * thread completed the one before) one bug gets a trace a minute for each path. A bug reached by two paths above that
 * point (two callers, a recursion of another depth) counts as two, and gets a trace more: never a repeat that names
 * the trace of other code. Links past {@value #MAX_LINKS} are left out; a cause chain that comes back to a link of
 * its own ends there ({@link Causes#chain}).
 *
 * <p>A link whose stack trace is empty counts by its class alone: an exception made without one
 * ({@code writableStackTrace} false), a {@code getStackTrace()} override that throws, and the JVM's preallocated
 * exceptions of a hot throw site ({@code -XX:+OmitStackTraceInFastThrow}, on by default: a
 * {@code NullPointerException} or {@code ArithmeticException} thrown often enough from compiled code has no frames),
 * which are then one bug per class, whichever code threw them.
 *
 * <p>Holds only class names and one number, no classes and no frames: it keeps no class loader of the
 * application's alive, and a few hundred bytes at most. Two bugs with the same classes whose frames' hashes collide
 * would be one, at odds of about one in 2<sup>64</sup> for each pair. Immutable and thread-safe.
 *
 * @param classes the class name of each link, outermost first
 * @param frames a hash of the frames of all the links, each link's own (not shared with the logging thread's stack)
 *     and their count
 */
record BugFingerprint(List<String> classes, long frames) {
    /** How many links of the cause chain count. */
    static final int MAX_LINKS = 8;

    /** Walks the logging thread's stack, with the reflection frames a throwable's stack trace has too. */
    private static final StackWalker HERE = StackWalker.getInstance(Set.of(StackWalker.Option.SHOW_REFLECT_FRAMES));
    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /**
     * @param thrown what was thrown, on the calling thread or another
     * @return its fingerprint
     */
    static BugFingerprint of(Throwable thrown) {
        return of(thrown, HERE.walk(frames -> frames.map(StackWalker.StackFrame::toStackTraceElement).toList()));
    }

    /**
     * @param thrown what was thrown
     * @param here the stack of the thread it is logged on, top first, whose frames at the bottom that each link
     *     shares do not count
     * @return its fingerprint
     */
    static BugFingerprint of(Throwable thrown, List<StackTraceElement> here) {
        List<Throwable> chain = Causes.chain(thrown, MAX_LINKS);
        List<String> classes = new ArrayList<>(chain.size());
        long hash = FNV_OFFSET_BASIS;
        for (Throwable link : chain) {
            classes.add(link.getClass().getName());
            StackTraceElement[] frames = framesOf(link);
            int own = frames.length - sharedAtTheBottom(frames, here);
            // Each link's count first, so that frames cannot move from one link to the next with the same hash.
            hash = mix(hash, own);
            for (int i = 0; i < own; i++) {
                StackTraceElement frame = frames[i];
                if (frame == null) { // an override's array may hold nulls
                    hash = mix(hash, -1);
                    continue;
                }
                hash = mix(hash, frame.getClassName());
                hash = mix(hash, frame.getMethodName());
                hash = mix(hash, frame.getFileName());
                hash = mix(hash, frame.getLineNumber());
            }
        }
        return new BugFingerprint(List.copyOf(classes), hash);
    }

    /** How many frames at the bottom of {@code frames} are those of {@code here}, as printStackTrace's "... n more". */
    private static int sharedAtTheBottom(StackTraceElement[] frames, List<StackTraceElement> here) {
        int shared = 0;
        while (shared < frames.length && shared < here.size()
                && same(frames[frames.length - 1 - shared], here.get(here.size() - 1 - shared))) {
            shared++;
        }
        return shared;
    }

    /** The frames the hash reads, not the class loader's or module's names, which StackWalker may tell apart. */
    private static boolean same(@Nullable StackTraceElement frame, StackTraceElement other) {
        return frame != null && frame.getLineNumber() == other.getLineNumber()
                && frame.getMethodName().equals(other.getMethodName())
                && frame.getClassName().equals(other.getClassName())
                && Objects.equals(frame.getFileName(), other.getFileName());
    }

    private static StackTraceElement[] framesOf(Throwable link) {
        try {
            StackTraceElement[] frames = link.getStackTrace();
            return frames != null ? frames : new StackTraceElement[0];
        } catch (Throwable broken) {
            // An override of the application's that throws: as Causes reads it, the link counts by its class alone.
            return new StackTraceElement[0];
        }
    }

    /** FNV-1a, 64 bits, over a string's chars, its length first so that two strings cannot run into each other. */
    private static long mix(long hash, @Nullable String value) {
        if (value == null) {
            return mix(hash, -1);
        }
        hash = mix(hash, value.length());
        for (int i = 0; i < value.length(); i++) {
            hash = (hash ^ value.charAt(i)) * FNV_PRIME;
        }
        return hash;
    }

    /** FNV-1a, 64 bits, over an int's four bytes. */
    private static long mix(long hash, int value) {
        for (int shift = 0; shift < 32; shift += 8) {
            hash = (hash ^ ((value >>> shift) & 0xff)) * FNV_PRIME;
        }
        return hash;
    }
}
