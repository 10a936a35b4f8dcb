package io.github.errorpages.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether the stack trace of a bug behind a {@code proxy_internal_error} is printed ({@link InternalErrors}):
 * once per {@link #WINDOW} for the same bug ({@link BugFingerprint}). A bug that fails every request printed a trace
 * per request, a thousand a second, each the same: the log's volume, its disk and its cost, and traces that drowned
 * every other line. A repeat within the window is told which line has its trace (that line's support code and time)
 * and how many repeats there were since; after the window the bug's next occurrence prints its trace again.
 *
 * <p>At most {@code maxTracked} bugs are remembered. A new one that finds them all taken first forgets those whose
 * window is over; if none is, it forgets all of them: so many different bugs within one window already fill the log
 * with traces, and forgetting costs at most one more trace of each, while keeping the oldest or the least used would
 * need an order kept on every call. The memory stays bounded whatever the bugs (a throw site that differs on every
 * request cannot grow it).
 *
 * <p>Thread-safe and without a lock of its own: a bug's entry changes atomically in a {@link ConcurrentHashMap}, so
 * of requests failing at once with the same bug, exactly one prints the trace. Under concurrent calls the map may
 * briefly hold a few more than {@code maxTracked}, one per caller.
 *
 * <p>The window is timed on {@link System#nanoTime()}, not on the clock: the {@link io.github.errorpages.ErrorPages}
 * clock may be {@link Clock#fixed} (tests, pages rendered for a set time), on which no window would ever end (a bug's
 * trace printed once for the instance's life, its repeats naming a line that log rotation deletes), and a wall clock
 * set back or forward would hold a window open or end it early. The clock only dates the trace a repeat names, as
 * the log's own times are: so that the trace's line can be found by it.
 */
public final class StackTraceLimiter {
    /** How long a bug's stack trace stands for its repeats. */
    public static final Duration WINDOW = Duration.ofMinutes(1);
    /** How many bugs are remembered at most. */
    public static final int MAX_TRACKED = 256;

    private final Clock clock;
    private final LongSupplier nanoTime;
    private final long windowNanos;
    private final int maxTracked;
    private final ConcurrentHashMap<BugFingerprint, Traced> traced = new ConcurrentHashMap<>();

    /**
     * @param clock the time of the trace a repeat names
     */
    public StackTraceLimiter(Clock clock) {
        this(clock, System::nanoTime, WINDOW, MAX_TRACKED);
    }

    /**
     * @param clock the time of the trace a repeat names
     * @param nanoTime the time the window is timed on, {@code System::nanoTime} but in tests
     * @param window how long a trace stands for its repeats, positive
     * @param maxTracked how many bugs are remembered at most, positive
     */
    StackTraceLimiter(Clock clock, LongSupplier nanoTime, Duration window, int maxTracked) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.windowNanos = window.toNanos();
        this.maxTracked = maxTracked;
        if (windowNanos <= 0 || maxTracked <= 0) {
            throw new IllegalArgumentException("window and maxTracked must be positive, but were " + window + " and "
                    + maxTracked);
        }
    }

    /**
     * Counts an occurrence of what was thrown.
     *
     * @param thrown what was thrown
     * @param supportCode the support code of the line it is logged in, or {@code null} when it has none (no page)
     * @return {@code null} when its stack trace is to be printed, in that line, which its repeats then name; or the
     *     repeat it is, of a trace printed within the window
     */
    public @Nullable Repeat occurred(Throwable thrown, @Nullable String supportCode) {
        BugFingerprint bug = BugFingerprint.of(thrown);
        long now = nanoTime.getAsLong();
        if (traced.size() >= maxTracked && !traced.containsKey(bug)) {
            makeRoom(now);
        }
        // Atomic per bug: of concurrent occurrences, the one that finds no trace standing makes it (repeats 0).
        Traced after = traced.compute(bug, (key, before) -> before == null || over(before, now)
                ? new Traced(now, clock.instant(), supportCode, 0) : before.repeated());
        return after.repeats() == 0 ? null : new Repeat(after.at(), after.supportCode(), after.repeats());
    }

    /** @return how many bugs are remembered, for the tests */
    int tracked() {
        return traced.size();
    }

    private void makeRoom(long now) {
        traced.values().removeIf(entry -> over(entry, now));
        if (traced.size() >= maxTracked) {
            traced.clear();
        }
    }

    private boolean over(Traced entry, long now) {
        // A difference, as nanoTime's values may wrap; negative for a trace another thread made after `now` was read.
        return now - entry.atNanos() >= windowNanos;
    }

    /**
     * A repeat of a bug whose stack trace was printed within the window.
     *
     * @param tracedAt when the trace was printed, on the clock
     * @param tracedSupportCode the support code of the trace's line, or {@code null} when it had none (no page)
     * @param repeats how many repeats since the trace, this one included: 1 or more
     */
    public record Repeat(Instant tracedAt, @Nullable String tracedSupportCode, long repeats) {
    }

    /**
     * The trace a bug's repeats name, when it was printed ({@code atNanos} on the window's time, {@code at} on the
     * clock), and their count; replaced, never changed.
     */
    private record Traced(long atNanos, Instant at, @Nullable String supportCode, long repeats) {
        Traced repeated() {
            return new Traced(atNanos, at, supportCode, repeats + 1);
        }
    }
}
