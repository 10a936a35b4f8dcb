package io.github.errorpages.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Which bug a throwable is, for {@link StackTraceLimiter}: the class of each link of its cause chain and the top
 * frames of each one's stack trace, where it was thrown. The same code failing again gives an equal fingerprint,
 * whatever the messages say (they often hold the request's own values); another throw site, or another exception
 * wrapped on the way, gives another.
 *
 * <p>The top {@value #MAX_FRAMES} frames, not the first alone: the first is often a helper every caller shares
 * ({@code Objects.requireNonNull}, {@code Objects.checkIndex} five frames into the JDK, Guava's
 * {@code Preconditions.checkState}, an application's exception factory), which would make every bug thrown through it
 * one bug, and a repeat would point to the trace of another. A deeper frame than that never makes the same bug two:
 * the frames nearest the throw are the same for every request that reaches it by the same code, and the thread's
 * own frames (the container's pool, its depth) lie below them. Links past {@value #MAX_LINKS} are left out.
 *
 * <p>Holds only names and frames, no classes: it keeps no class loader of the application's alive. Immutable and
 * thread-safe.
 *
 * @param parts for each link, outermost first, its class name followed by its top frames
 */
record BugFingerprint(List<Object> parts) {
    /** How many links of the cause chain count. */
    static final int MAX_LINKS = 8;
    /** How many frames of each link count, from the top (where it was thrown). */
    static final int MAX_FRAMES = 8;

    /**
     * @param thrown what was thrown
     * @return its fingerprint
     */
    static BugFingerprint of(Throwable thrown) {
        List<Object> parts = new ArrayList<>();
        for (Throwable link : Causes.chain(thrown, MAX_LINKS)) {
            parts.add(link.getClass().getName());
            StackTraceElement[] frames = framesOf(link);
            for (int i = 0; i < frames.length && i < MAX_FRAMES; i++) {
                if (frames[i] != null) { // an override's array may hold nulls, which List.copyOf refuses
                    parts.add(frames[i]);
                }
            }
        }
        return new BugFingerprint(List.copyOf(parts));
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
}
