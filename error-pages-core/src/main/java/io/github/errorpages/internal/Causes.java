package io.github.errorpages.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads the cause and message of a throwable that may be anyone's: an application's or a library's exception may
 * override {@link Throwable#getCause()} or {@link Throwable#getMessage()}, and a broken override throws.
 * Classification must never throw, and the upstream guard must give back its permits whatever an attempt threw: a
 * chain ends where its cause cannot be read, and a message that cannot be read is none.
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class Causes {
    /** How many throwables {@link #printable} checks; a graph of more is stood in for. */
    private static final int MAX_PRINTED = 256;

    private Causes() {
    }

    /**
     * @param throwable a throwable
     * @return its cause, or {@code null} when it has none or asking for it threw
     */
    public static @Nullable Throwable of(Throwable throwable) {
        try {
            return throwable.getCause();
        } catch (Throwable broken) {
            // Any Error too: an AssertionError under -ea, the StackOverflowError of an override that walks a cyclic
            // chain. Thrown on, it would leave the guard in the middle of its bookkeeping (FailureClassifier.ask).
            return null;
        }
    }

    /**
     * A throwable's cause chain, as {@link #of} reads it: the throwable, its cause, that one's cause and so on, each
     * once (a chain that comes back to a link of its own ends there), at most {@code maxLinks} of them.
     *
     * @param throwable a throwable
     * @param maxLinks the most links to return, at least 1
     * @return {@code throwable} and its causes, outermost first
     */
    public static List<Throwable> chain(Throwable throwable, int maxLinks) {
        List<Throwable> chain = new ArrayList<>(Math.min(maxLinks, 8));
        for (Throwable link = throwable; link != null && chain.size() < maxLinks; link = of(link)) {
            for (Throwable seen : chain) {
                if (seen == link) {
                    return chain; // cyclic: an override's, or initCause on a throwable of its own chain
                }
            }
            chain.add(link);
        }
        return chain;
    }

    /**
     * @param throwable a throwable
     * @return its message, or {@code null} when it has none or asking for it threw
     */
    public static @Nullable String messageOf(Throwable throwable) {
        try {
            return throwable.getMessage();
        } catch (Throwable broken) {
            // as of(): any Error too
            return null;
        }
    }

    /**
     * A throwable for a log line's stack trace: a logger prints it, its causes and what they suppressed with their
     * {@code toString()}, which a broken {@code getMessage()} fails, and the log call with it (it ended the call being
     * logged). One that cannot be printed is stood in for by an exception of its description and stack trace.
     *
     * @param throwable a throwable
     * @return {@code throwable}, or a stand-in when a link of it cannot be printed
     */
    public static Throwable printable(Throwable throwable) {
        // Every throwable a logger prints: causes and suppressed ones, theirs too, at any depth, each once.
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Throwable> todo = new ArrayDeque<>(List.of(throwable));
        try {
            while (!todo.isEmpty()) {
                Throwable t = todo.removeFirst();
                if (!seen.add(t)) {
                    continue;
                }
                if (seen.size() > MAX_PRINTED) {
                    throw new IllegalStateException("too many to check");
                }
                t.toString();
                t.getStackTrace();
                Throwable cause = t.getCause();
                if (cause != null) {
                    todo.add(cause);
                }
                todo.addAll(Arrays.asList(t.getSuppressed()));
            }
            return throwable;
        } catch (Throwable unprintable) {
            IllegalStateException standIn = new IllegalStateException("an exception that cannot be printed: "
                    + describe(throwable));
            try {
                standIn.setStackTrace(throwable.getStackTrace());
            } catch (Throwable noStackTrace) {
                // the stand-in's own, where the log call is
            }
            return standIn;
        }
    }

    /**
     * @param throwable a throwable
     * @return its {@link Throwable#toString()}, or {@link #describe} when that threw
     */
    public static String toStringOf(Throwable throwable) {
        try {
            return throwable.toString();
        } catch (Throwable broken) { // as messageOf
            return describe(throwable);
        }
    }

    /**
     * What {@link Throwable#toString()} says, for a log line, without asking the throwable for anything it may have
     * overridden but its message: its class name and, when it can be read, its message.
     *
     * @param throwable a throwable
     * @return its class name, followed by ": " and its message when it has one that can be read
     */
    public static String describe(Throwable throwable) {
        String message = messageOf(throwable);
        return message == null ? throwable.getClass().getName() : throwable.getClass().getName() + ": " + message;
    }
}
