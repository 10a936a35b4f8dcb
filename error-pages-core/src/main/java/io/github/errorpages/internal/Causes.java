package io.github.errorpages.internal;

import org.jspecify.annotations.Nullable;

/**
 * Reads the cause of a throwable that may be anyone's: an application's or a library's exception may override
 * {@link Throwable#getCause()}, and a broken override throws. Classification must never throw, and the upstream guard
 * must give back its permits whatever an attempt threw: a chain ends where its cause cannot be read.
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class Causes {

    private Causes() {
    }

    /**
     * @param throwable a throwable
     * @return its cause, or {@code null} when it has none or asking for it threw
     */
    public static @Nullable Throwable of(Throwable throwable) {
        try {
            return throwable.getCause();
        } catch (RuntimeException | LinkageError broken) {
            return null;
        }
    }
}
