package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.internal.StackTraceLimiter.Repeat;
import io.github.errorpages.upstream.internal.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A bug behind a {@code proxy_internal_error} that fails every request printed its stack trace for every request. Its
 * trace is now printed once a minute; the repeats in between name the line that has it. Time is a clock and a
 * {@code nanoTime} the tests move, the window's on the latter.
 */
class StackTraceLimiterTests {

    private static final Instant START = Instant.parse("2026-12-07T18:45:12.345Z");

    private final MutableClock clock = new MutableClock(START);
    /** The window's time, started near where {@code nanoTime}'s values wrap: differences only count. */
    private final AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - Duration.ofSeconds(90).toNanos());

    /**
     * The first occurrence of a bug prints its trace; each repeat within the minute, whatever its message, prints
     * none and is told the trace's support code and time and how many repeats there were since, itself included.
     * A repeat with no page (no support code) counts as any other.
     */
    @Test
    void aBugsFirstOccurrencePrintsItsTraceAndItsRepeatsWithinTheMinuteNameThatTrace() {
        StackTraceLimiter limiter = limiter(clock);
        List<IllegalStateException> occurrences = sameBug(4);

        assertThat(limiter.occurred(occurrences.get(0), "DJDS-FH9Y")).as("the first prints its trace").isNull();
        advance(Duration.ofSeconds(30));
        Repeat second = limiter.occurred(occurrences.get(1), "NEW2-CODE");
        Repeat third = limiter.occurred(occurrences.get(2), null);
        advance(Duration.ofMillis(29_999)); // 59.999 s after the trace
        Repeat fourth = limiter.occurred(occurrences.get(3), "NEW4-CODE");

        assertThat(second).isEqualTo(new Repeat(START, "DJDS-FH9Y", 1));
        assertThat(third).isEqualTo(new Repeat(START, "DJDS-FH9Y", 2));
        assertThat(fourth).isEqualTo(new Repeat(START, "DJDS-FH9Y", 3));
    }

    /** A minute after the trace, the bug's next occurrence prints it again; its repeats then name the new one. */
    @Test
    void aMinuteAfterTheTraceTheNextOccurrencePrintsItAgain() {
        StackTraceLimiter limiter = limiter(clock);
        List<IllegalStateException> occurrences = sameBug(4);
        limiter.occurred(occurrences.get(0), null);
        limiter.occurred(occurrences.get(1), "NEW1-CODE");

        advance(StackTraceLimiter.WINDOW);
        Repeat again = limiter.occurred(occurrences.get(2), "NEW2-CODE");
        Repeat repeat = limiter.occurred(occurrences.get(3), "NEW3-CODE");

        assertThat(again).as("printed again").isNull();
        assertThat(repeat).isEqualTo(new Repeat(START.plus(StackTraceLimiter.WINDOW), "NEW2-CODE", 1));
    }

    /**
     * A bug whose first trace had no page (a response aborted once committed) is named by its time alone; and the
     * wall clock set back or forward neither ends the window nor holds it open: the window is timed apart from it.
     */
    @Test
    void aTraceWithNoPageIsNamedByItsTimeAndTheWallClockMovingNeitherEndsNorExtendsTheWindow() {
        StackTraceLimiter limiter = limiter(clock);
        List<IllegalStateException> occurrences = sameBug(4);
        limiter.occurred(occurrences.get(0), null);

        Repeat repeat = limiter.occurred(occurrences.get(1), "NEW1-CODE");
        clock.advance(Duration.ofHours(-1));
        Repeat afterSetBack = limiter.occurred(occurrences.get(2), "NEW2-CODE");
        clock.advance(Duration.ofHours(2));
        Repeat afterSetForward = limiter.occurred(occurrences.get(3), "NEW3-CODE");

        assertThat(repeat).isEqualTo(new Repeat(START, null, 1));
        assertThat(afterSetBack).isEqualTo(new Repeat(START, null, 2));
        assertThat(afterSetForward).isEqualTo(new Repeat(START, null, 3));
    }

    /**
     * With a fixed clock (tests, pages rendered for a set time) a bug's trace is still printed again a minute later:
     * on the clock alone no window ended, the trace was printed once for the instance's life, and its repeats named
     * a line that log rotation deletes. The repeats name the trace by the fixed clock's time.
     */
    @Test
    void withAFixedClockTheTraceIsPrintedAgainAfterTheWindow() {
        StackTraceLimiter limiter = limiter(Clock.fixed(START, ZoneOffset.UTC));
        List<IllegalStateException> occurrences = sameBug(4);

        assertThat(limiter.occurred(occurrences.get(0), "DJDS-FH9Y")).isNull();
        nanos.addAndGet(StackTraceLimiter.WINDOW.toNanos() - 1);
        Repeat repeat = limiter.occurred(occurrences.get(1), "NEW1-CODE");
        nanos.addAndGet(1);
        Repeat again = limiter.occurred(occurrences.get(2), "NEW2-CODE");
        Repeat repeatOfAgain = limiter.occurred(occurrences.get(3), "NEW3-CODE");

        assertThat(repeat).isEqualTo(new Repeat(START, "DJDS-FH9Y", 1));
        assertThat(again).as("printed again a window later").isNull();
        assertThat(repeatOfAgain).isEqualTo(new Repeat(START, "NEW2-CODE", 1));
    }

    /**
     * Another throw site is another bug, and so is the same one reached from another caller through a helper every
     * caller shares ({@code Objects.requireNonNull}: the first frame alone would make every such bug one, whose
     * repeats would point to another's trace), or the same exception wrapping another cause.
     */
    @Test
    void anotherThrowSiteAnotherCallerOfASharedHelperOrAnotherCauseIsAnotherBug() {
        StackTraceLimiter limiter = limiter(clock);
        IllegalStateException here = new IllegalStateException("boom");
        IllegalStateException there = new IllegalStateException("boom");
        Throwable nullHere = thrownBy(() -> Objects.requireNonNull(null, "order"));
        Throwable nullThere = thrownBy(() -> Objects.requireNonNull(null, "order"));
        List<Throwable> wrapping = new ArrayList<>();
        for (Throwable cause : new Throwable[] {new CloneNotSupportedException("boom"), new ArithmeticException()}) {
            wrapping.add(new IllegalStateException("boom", cause));
        }

        for (Throwable bug : List.of(here, there, nullHere, nullThere, wrapping.get(0), wrapping.get(1))) {
            assertThat(limiter.occurred(bug, "CODE-" + limiter.tracked())).as("%s", bug).isNull();
        }
        assertThat(limiter.occurred(wrapping.get(0), "SAME-WRAP")).as("the same again")
                .isEqualTo(new Repeat(START, "CODE-4", 1));
    }

    /**
     * Two bugs thrown through the same deep helper (a library's internals, such as those under Jackson's
     * {@code convertValue}), alike in their top frames and more, differing only deeper, where each caller called it,
     * are two bugs: a rare one next to a frequent one gets its own trace, and no repeat points to the other's. Each
     * stays one bug, however often it recurs.
     */
    @Test
    void bugsAlikeInTheirTopFramesButNotDeeperAreTwoBugs() {
        StackTraceLimiter limiter = limiter(clock);
        List<Throwable> frequent = new ArrayList<>();
        List<Throwable> rare = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            frequent.add(calledFromHere(12));
            rare.add(calledFromThere(12));
        }
        assertThat(Arrays.asList(frequent.get(0).getStackTrace()).subList(0, 12)).as("alike in their top 12 frames")
                .isEqualTo(Arrays.asList(rare.get(0).getStackTrace()).subList(0, 12));

        assertThat(limiter.occurred(frequent.get(0), "FREQ-0000")).isNull();
        assertThat(limiter.occurred(frequent.get(1), "FREQ-1111")).as("the same bug")
                .isEqualTo(new Repeat(START, "FREQ-0000", 1));
        assertThat(limiter.occurred(rare.get(0), "RARE-0000")).as("another bug: its own trace").isNull();
        assertThat(limiter.occurred(rare.get(1), "RARE-1111")).as("the same bug")
                .isEqualTo(new Repeat(START, "RARE-0000", 1));
        assertThat(limiter.tracked()).isEqualTo(2);
    }

    /**
     * One bug logged where it was thrown, on a thread the container dispatched by one path or another (Jetty 12 runs
     * a connection's task by one of the paths of its {@code AdaptiveExecutionStrategy}): the frames it shares with the
     * logging thread's stack, the dispatch's, do not count, and it stays one bug, its trace printed once.
     */
    @Test
    void oneBugDispatchedByAnotherPathOfTheContainerStaysOneBug() {
        StackTraceLimiter limiter = limiter(clock);

        Repeat first = dispatchedDirectly(() -> handleRequest(limiter, "PATH-1111"));
        Repeat second = dispatchedThroughATask(() -> handleRequest(limiter, "PATH-2222"));
        Repeat third = dispatchedDirectly(() -> handleRequest(limiter, "PATH-3333"));

        assertThat(first).as("the trace").isNull();
        assertThat(second).as("the same bug").isEqualTo(new Repeat(START, "PATH-1111", 1));
        assertThat(third).isEqualTo(new Repeat(START, "PATH-1111", 2));
    }

    /**
     * A cause chain that comes back to itself, or whose links cannot tell their cause or stack trace (a broken
     * override), has a fingerprint all the same, the same for each occurrence; nothing throws. An exception without
     * frames (as the JVM's preallocated ones of {@code OmitStackTraceInFastThrow} are) counts by its class alone.
     */
    @Test
    void aCyclicOrBrokenCauseChainIsOneBugAndThrowsNothing() {
        StackTraceLimiter limiter = limiter(clock);
        List<Throwable> cyclic = new ArrayList<>();
        List<Throwable> broken = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            IllegalStateException outer = new IllegalStateException("outer");
            IllegalArgumentException inner = new IllegalArgumentException("inner", outer);
            outer.initCause(inner);
            cyclic.add(outer);
            broken.add(new IllegalStateException("broken") {
                @Override
                public synchronized Throwable getCause() {
                    throw new AssertionError("getCause failed");
                }

                @Override
                public StackTraceElement[] getStackTrace() {
                    throw new AssertionError("getStackTrace failed");
                }
            });
        }

        assertThat(Causes.chain(cyclic.get(0), 8)).hasSize(2);
        assertThat(limiter.occurred(cyclic.get(0), "CYCL-0000")).isNull();
        assertThat(limiter.occurred(cyclic.get(1), "CYCL-1111")).isEqualTo(new Repeat(START, "CYCL-0000", 1));
        assertThat(limiter.occurred(broken.get(0), "BROK-0000")).isNull();
        assertThat(limiter.occurred(broken.get(1), "BROK-1111")).isEqualTo(new Repeat(START, "BROK-0000", 1));
        ArithmeticException fastHere = new ArithmeticException();
        fastHere.setStackTrace(new StackTraceElement[0]);
        assertThat(limiter.occurred(fastHere, "FAST-0000")).isNull();
        assertThat(limiter.occurred(frameless(new ArithmeticException()), "FAST-1111")).as("thrown elsewhere, alike")
                .isEqualTo(new Repeat(START, "FAST-0000", 1));
    }

    /**
     * At most so many bugs are remembered: a new one finding all taken forgets those whose minute is over and keeps
     * the others; when none is over it forgets all (each then prints its trace once more), and the memory stays
     * bounded however many throw sites there are.
     */
    @Test
    void atMostSoManyBugsAreRememberedForgettingThoseWhoseMinuteIsOverFirst() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock, nanos::get, StackTraceLimiter.WINDOW, 4);
        limiter.occurred(bugAt(0), "CODE-0000");
        limiter.occurred(bugAt(1), "CODE-1111");
        advance(Duration.ofSeconds(30));
        limiter.occurred(bugAt(2), "CODE-2222");
        limiter.occurred(bugAt(3), "CODE-3333");
        assertThat(limiter.tracked()).isEqualTo(4);

        advance(Duration.ofSeconds(30)); // the first two's minute is over
        assertThat(limiter.occurred(bugAt(4), "CODE-4444")).isNull();
        assertThat(limiter.tracked()).as("the two whose minute is over forgotten").isEqualTo(3);
        assertThat(limiter.occurred(bugAt(2), "AGAIN-2222")).as("kept")
                .isEqualTo(new Repeat(START.plusSeconds(30), "CODE-2222", 1));

        assertThat(limiter.occurred(bugAt(5), "CODE-5555")).isNull();
        assertThat(limiter.tracked()).isEqualTo(4);
        assertThat(limiter.occurred(bugAt(6), "CODE-6666")).as("a new one, none over").isNull();
        assertThat(limiter.tracked()).as("all forgotten but the new one").isEqualTo(1);
        assertThat(limiter.occurred(bugAt(2), "AGAIN-2222")).as("forgotten: its trace again").isNull();

        for (int i = 7; i < 1_000; i++) {
            limiter.occurred(bugAt(i), "MANY-CODE");
            assertThat(limiter.tracked()).isLessThanOrEqualTo(4);
        }
    }

    /**
     * Threads failing at once with the same bug: exactly one prints the trace, and the others' repeats are counted
     * each once (1 to n-1, none lost or counted twice); with bugs of their own, each thread prints its own trace once.
     */
    @Test
    void concurrentOccurrencesOfOneBugPrintOneTraceAndCountEveryRepeat() throws Exception {
        StackTraceLimiter limiter = limiter(clock);
        int threads = 8;
        int each = 500;
        List<IllegalStateException> occurrences = sameBug(threads * each);
        AtomicInteger traces = new AtomicInteger();
        AtomicInteger ownTraces = new AtomicInteger();
        Set<Long> counts = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        Repeat repeat = limiter.occurred(occurrences.get(thread * each + i), "CODE-" + thread);
                        if (repeat == null) {
                            traces.incrementAndGet();
                        } else {
                            counts.add(repeat.repeats());
                        }
                        if (limiter.occurred(bugAt(1_000 + thread), "OWN-" + thread) == null) {
                            ownTraces.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(traces).hasValue(1);
        assertThat(counts).hasSize(threads * each - 1);
        assertThat(counts.stream().mapToLong(Long::longValue).max()).hasValue(threads * each - 1);
        assertThat(ownTraces).hasValue(threads);
        assertThat(limiter.tracked()).isEqualTo(1 + threads);
    }

    private StackTraceLimiter limiter(Clock clock) {
        return new StackTraceLimiter(clock, nanos::get, StackTraceLimiter.WINDOW, StackTraceLimiter.MAX_TRACKED);
    }

    /** Moves the clock and the window's time alike. */
    private void advance(Duration delta) {
        clock.advance(delta);
        nanos.addAndGet(delta.toNanos());
    }

    /** A request's handling: a bug, logged where it was thrown, as ErrorPagesFilter logs it. */
    private static Repeat handleRequest(StackTraceLimiter limiter, String supportCode) {
        Throwable bug = calledFromHere(3);
        return limiter.occurred(bug, supportCode);
    }

    private static <T> T dispatchedDirectly(Supplier<T> handling) {
        return handling.get();
    }

    /** Another path to the same handling, some frames deeper. */
    private static <T> T dispatchedThroughATask(Supplier<T> handling) {
        List<T> answered = new ArrayList<>(1); // null, a trace, too
        List.of(handling).forEach(task -> answered.add(task.get()));
        return answered.get(0);
    }

    private static Throwable frameless(Throwable thrown) {
        thrown.setStackTrace(new StackTraceElement[0]);
        return thrown;
    }

    private static Throwable calledFromHere(int depth) {
        return thrownBy(() -> deepHelper(depth));
    }

    private static Throwable calledFromThere(int depth) {
        return thrownBy(() -> deepHelper(depth));
    }

    /** A helper that throws {@code depth} frames down, on the same lines whoever calls it. */
    private static void deepHelper(int depth) {
        if (depth == 0) {
            throw new IllegalStateException("deep");
        }
        deepHelper(depth - 1);
    }

    /** Occurrences of one bug: thrown at the same place, each with a message of its own. */
    private static List<IllegalStateException> sameBug(int count) {
        List<IllegalStateException> occurrences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            occurrences.add(new IllegalStateException("boom for order " + i));
        }
        return occurrences;
    }

    /** A bug thrown at a place of its own, for each {@code site}. */
    private static IllegalStateException bugAt(int site) {
        IllegalStateException bug = new IllegalStateException("boom");
        bug.setStackTrace(new StackTraceElement[] {new StackTraceElement("com.example.Orders", "site" + site,
                "Orders.java", site)});
        return bug;
    }

    private static Throwable thrownBy(Runnable code) {
        try {
            code.run();
        } catch (RuntimeException thrown) {
            return thrown;
        }
        throw new AssertionError("nothing thrown");
    }
}
