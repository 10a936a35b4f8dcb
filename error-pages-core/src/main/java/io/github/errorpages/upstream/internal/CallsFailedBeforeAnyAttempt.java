package io.github.errorpages.upstream.internal;

import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The way for the library's own callers outside the guard's package (the servlet module's Jetty transport) to end a
 * guarded call before its first attempt with a bug of the request's own: a checked exception of no I/O that its body's
 * source threw while the body was read to be buffered ({@link io.github.errorpages.internal.CheckedBugs}). The guard
 * records it as it records the same bug of a streamed body, thrown during an attempt: a call and a failed call in its
 * metrics, an {@link io.github.errorpages.upstream.UpstreamEvent.CallFailed} event, and the call's time, which the
 * page's log line gives; no attempt, nothing against the upstream. Built by hand instead, such a failure was seen by no
 * counter, no listener and no {@code elapsed_ms}, where the streamed body's was.
 *
 * <p>Not API: the guard's package keeps the method package-private and hands it over here when it is loaded
 * ({@link #install}), the pattern of the JDK's own shared secrets, so that the public API does not grow by a method
 * only the library calls.
 *
 * <p>Thread-safe.
 */
public final class CallsFailedBeforeAnyAttempt {

    /** The guard's own way to do it, package-private in its package. */
    @FunctionalInterface
    public interface Recorder {
        /**
         * @param guard the upstream's guard
         * @param request the request the call was for
         * @param bug what its body's source threw
         * @param startedNanos when the caller began the call ({@link System#nanoTime()}), the body's read included
         * @return the failure, {@code proxy_internal_error} with no attempt, to throw or answer
         */
        UpstreamFailureException record(UpstreamGuard guard, UpstreamRequest request, Throwable bug, long startedNanos);
    }

    private static volatile @Nullable Recorder recorder;

    private CallsFailedBeforeAnyAttempt() {
    }

    /**
     * Takes the guard's way to record such a failure; called once, by {@link UpstreamGuard}'s class initialisation.
     *
     * @param guardsOwn the guard's way
     * @throws NullPointerException when {@code guardsOwn} is {@code null}, whether one was installed or not: installed,
     *     it left every later call to fail, in {@link #withBug}, far from the mistake
     * @throws IllegalStateException when one was installed already
     */
    public static synchronized void install(Recorder guardsOwn) {
        Objects.requireNonNull(guardsOwn, "guardsOwn");
        if (recorder != null) {
            throw new IllegalStateException("installed already");
        }
        recorder = guardsOwn;
    }

    /**
     * Ends a call before its first attempt with a bug of the request's body, recorded by the guard (see above).
     *
     * @param guard the upstream's guard
     * @param request the request the call was for
     * @param bug what its body's source threw: the exception's cause
     * @param startedNanos when the caller began the call ({@link System#nanoTime()}), the body's read included
     * @return the failure to answer, {@code proxy_internal_error} with no attempt, its cause {@code bug}
     */
    public static UpstreamFailureException withBug(UpstreamGuard guard, UpstreamRequest request, Throwable bug,
            long startedNanos) {
        // Installed by UpstreamGuard's class initialisation, which any guard given here has gone through.
        Recorder installed = recorder;
        if (installed == null) {
            throw new IllegalStateException("UpstreamGuard installed no recorder");
        }
        return installed.record(guard, request, bug, startedNanos);
    }
}
