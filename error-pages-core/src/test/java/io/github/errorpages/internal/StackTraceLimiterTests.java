package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.internal.StackTraceLimiter.Repeat;
import io.github.errorpages.upstream.internal.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import org.junit.jupiter.api.Test;

/**
 * A bug behind a {@code proxy_internal_error} that fails every request printed its stack trace for every request. Its
 * trace is now printed once a minute; the repeats in between name the line that has it. Time is a clock the tests
 * move.
 */
class StackTraceLimiterTests {

    private static final Instant START = Instant.parse("2026-12-07T18:45:12.345Z");

    private final MutableClock clock = new MutableClock(START);

    /**
     * The first occurrence of a bug prints its trace; each repeat within the minute, whatever its message, prints
     * none and is told the trace's support code and time and how many repeats there were since, itself included.
     * A repeat with no page (no support code) counts as any other.
     */
    @Test
    void aBugsFirstOccurrencePrintsItsTraceAndItsRepeatsWithinTheMinuteNameThatTrace() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock);
        List<IllegalStateException> occurrences = sameBug(4);

        assertThat(limiter.occurred(occurrences.get(0), "DJDS-FH9Y")).as("the first prints its trace").isNull();
        clock.advance(Duration.ofSeconds(30));
        Repeat second = limiter.occurred(occurrences.get(1), "NEW2-CODE");
        Repeat third = limiter.occurred(occurrences.get(2), null);
        clock.advance(Duration.ofMillis(29_654)); // 59.999 s after the trace
        Repeat fourth = limiter.occurred(occurrences.get(3), "NEW4-CODE");

        assertThat(second).isEqualTo(new Repeat(START, "DJDS-FH9Y", 1));
        assertThat(third).isEqualTo(new Repeat(START, "DJDS-FH9Y", 2));
        assertThat(fourth).isEqualTo(new Repeat(START, "DJDS-FH9Y", 3));
    }

    /** A minute after the trace, the bug's next occurrence prints it again; its repeats then name the new one. */
    @Test
    void aMinuteAfterTheTraceTheNextOccurrencePrintsItAgain() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock);
        List<IllegalStateException> occurrences = sameBug(4);
        limiter.occurred(occurrences.get(0), null);
        limiter.occurred(occurrences.get(1), "NEW1-CODE");

        clock.advance(StackTraceLimiter.WINDOW);
        Repeat again = limiter.occurred(occurrences.get(2), "NEW2-CODE");
        Repeat repeat = limiter.occurred(occurrences.get(3), "NEW3-CODE");

        assertThat(again).as("printed again").isNull();
        assertThat(repeat).isEqualTo(new Repeat(START.plus(StackTraceLimiter.WINDOW), "NEW2-CODE", 1));
    }

    /**
     * A bug whose first trace had no page (a response aborted once committed) is named by its time alone; and a clock
     * set back ends the window rather than holding it open for as long as it went back.
     */
    @Test
    void aTraceWithNoPageIsNamedByItsTimeAndAClockSetBackEndsTheWindow() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock);
        List<IllegalStateException> occurrences = sameBug(3);
        limiter.occurred(occurrences.get(0), null);

        Repeat repeat = limiter.occurred(occurrences.get(1), "NEW1-CODE");
        clock.advance(Duration.ofHours(-1));
        Repeat afterSetBack = limiter.occurred(occurrences.get(2), "NEW2-CODE");

        assertThat(repeat).isEqualTo(new Repeat(START, null, 1));
        assertThat(afterSetBack).as("printed again").isNull();
    }

    /**
     * Another throw site is another bug, and so is the same one reached from another caller through a helper every
     * caller shares ({@code Objects.requireNonNull}: the first frame alone would make every such bug one, whose
     * repeats would point to another's trace), or the same exception wrapping another cause.
     */
    @Test
    void anotherThrowSiteAnotherCallerOfASharedHelperOrAnotherCauseIsAnotherBug() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock);
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
     * A cause chain that comes back to itself, or whose links cannot tell their cause or stack trace (a broken
     * override), has a fingerprint all the same, the same for each occurrence; nothing throws.
     */
    @Test
    void aCyclicOrBrokenCauseChainIsOneBugAndThrowsNothing() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock);
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
    }

    /**
     * At most so many bugs are remembered: a new one finding all taken forgets those whose minute is over and keeps
     * the others; when none is over it forgets all (each then prints its trace once more), and the memory stays
     * bounded however many throw sites there are.
     */
    @Test
    void atMostSoManyBugsAreRememberedForgettingThoseWhoseMinuteIsOverFirst() {
        StackTraceLimiter limiter = new StackTraceLimiter(clock, StackTraceLimiter.WINDOW, 4);
        limiter.occurred(bugAt(0), "CODE-0000");
        limiter.occurred(bugAt(1), "CODE-1111");
        clock.advance(Duration.ofSeconds(30));
        limiter.occurred(bugAt(2), "CODE-2222");
        limiter.occurred(bugAt(3), "CODE-3333");
        assertThat(limiter.tracked()).isEqualTo(4);

        clock.advance(Duration.ofSeconds(30)); // the first two's minute is over
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
        StackTraceLimiter limiter = new StackTraceLimiter(clock);
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
