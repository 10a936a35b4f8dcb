package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Standards R8: the breaker's remaining open time, which Resilience4j does not expose, tracked from its events. */
class OpenStateTrackerTests {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));

    private OpenStateTracker track(CircuitBreaker breaker) {
        OpenStateTracker tracker = new OpenStateTracker(breaker);
        breaker.getEventPublisher().onStateTransition(e -> tracker.onTransition(e.getStateTransition()));
        return tracker;
    }

    private CircuitBreaker breaker(CircuitBreakerConfig.Builder config) {
        return CircuitBreaker.of("billing", config.clock(clock).build());
    }

    /** @return a breaker that waits 10 s in OPEN, 20 s when it opens a second time in a row, and so on */
    private CircuitBreaker waitingTenSecondsThenTwiceAsLong() {
        return breaker(CircuitBreakerConfig.custom()
                .waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(10), 2.0)));
    }

    @Test
    void countsDownTheWaitFromTheMomentTheBreakerOpened() {
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(30)));
        OpenStateTracker tracker = track(breaker);
        assertThat(tracker.remainingOpen()).as("closed").isNull();

        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(12));
        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(18));
        assertThat(tracker.mayAdmitWithin(Duration.ofSeconds(17))).isFalse();
        assertThat(tracker.mayAdmitWithin(Duration.ofSeconds(18))).isTrue();

        clock.advance(Duration.ofSeconds(20));
        assertThat(tracker.remainingOpen()).as("wait over, not yet half-open").isEqualTo(Duration.ZERO);
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(tracker.remainingOpen()).as("half-open").isEqualTo(Duration.ZERO);
    }

    @Test
    void followsAnExponentialWaitAcrossConsecutiveOpenings() {
        CircuitBreaker breaker = waitingTenSecondsThenTwiceAsLong();
        OpenStateTracker tracker = track(breaker);

        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(10));
        breaker.transitionToHalfOpenState();
        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).as("second opening in a row").isEqualTo(Duration.ofSeconds(20));

        breaker.transitionToClosedState();
        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).as("after closing the count starts again").isEqualTo(Duration.ofSeconds(10));
    }

    /**
     * Resilience4j counts a forced opening as an opening in a row, and starts again at one after a disabled or
     * metrics-only state, as after a closed one: a client told to come back at 10 s would find the breaker open for
     * 10 s more, and a retry granted for then would be lost.
     */
    @Test
    void countsTheOpeningsInARowAsResilience4jDoesThroughForcedAndDisabledStates() {
        CircuitBreaker breaker = waitingTenSecondsThenTwiceAsLong();
        OpenStateTracker tracker = track(breaker);

        breaker.transitionToForcedOpenState();
        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).as("the opening after a forced one").isEqualTo(Duration.ofSeconds(20));
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.tryAcquirePermission()).as("Resilience4j's own wait").isFalse();

        breaker.transitionToDisabledState();
        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).as("after a disabled state the count starts again")
                .isEqualTo(Duration.ofSeconds(10));
    }

    /** An opening the tracker did not see (a guard built again on a registry's open breaker) is read as it is. */
    @Test
    void readsTheRemainingWaitOfAnOpeningItDidNotSee() {
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(45)));
        breaker.transitionToOpenState();
        clock.advance(Duration.ofSeconds(40));

        OpenStateTracker tracker = track(breaker);

        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(5));
    }

    /**
     * A guard built again on a registry's breaker that has opened three times in a row with a growing wait: the
     * tracker reported the first opening's wait (10 s) for an opening of 40 s, and counted the next ones from there.
     */
    @Test
    void readsAGrowingWaitOfOpeningsItDidNotSee() {
        CircuitBreaker breaker = waitingTenSecondsThenTwiceAsLong();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        breaker.transitionToOpenState();

        OpenStateTracker tracker = track(breaker);

        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(40));
        breaker.transitionToHalfOpenState();
        breaker.transitionToOpenState();
        assertThat(tracker.remainingOpen()).as("the next opening in a row").isEqualTo(Duration.ofSeconds(80));
    }

    /**
     * A randomized wait ({@code IntervalFunction.ofRandomized}, here a function that gives another wait each call)
     * is drawn once by Resilience4j when the breaker opens: the tracker drew it again on every call, and each page
     * told its clients another time, most of them before the breaker admitted calls.
     */
    @Test
    void reportsTheWaitResilience4jDrewForARandomizedFunction() {
        AtomicLong draws = new AtomicLong();
        AtomicLong firstDraw = new AtomicLong();
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom().waitIntervalFunctionInOpenState(attempt -> {
            long seconds = 10 * draws.incrementAndGet();
            firstDraw.compareAndSet(0, seconds); // Resilience4j's, when it opens
            return TimeUnit.SECONDS.toMillis(seconds);
        }));
        OpenStateTracker tracker = track(breaker);

        breaker.transitionToOpenState();
        long drawn = firstDraw.get();

        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(drawn));
        assertThat(tracker.remainingOpen()).as("the same on every call").isEqualTo(Duration.ofSeconds(drawn));
        clock.advance(Duration.ofSeconds(drawn - 1));
        assertThat(breaker.tryAcquirePermission()).as("Resilience4j's own wait").isFalse();
        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(1));
    }

    /** An opening for an explicit time: the event does not carry it, Resilience4j's open state does. */
    @Test
    void readsTheTimeOfAnOpeningForAnExplicitTime() {
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(30)));
        OpenStateTracker tracker = track(breaker);

        breaker.transitionToOpenStateFor(Duration.ofSeconds(90));

        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(90));
    }

    /**
     * Without Resilience4j's state to read (another version, a module that does not open it), the events say: an
     * opening not seen is reported with the first opening's wait, and a randomized wait is drawn once per opening.
     */
    @Test
    void withoutResilience4jsStateTheEventsSayAndEachOpeningDrawsOnce() {
        CircuitBreaker seenLate = breaker(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(45)));
        seenLate.transitionToOpenState();
        clock.advance(Duration.ofSeconds(40));
        assertThat(new OpenStateTracker(seenLate, false).remainingOpen()).isEqualTo(Duration.ofSeconds(45));

        AtomicLong draws = new AtomicLong();
        CircuitBreaker randomized = breaker(CircuitBreakerConfig.custom()
                .waitIntervalFunctionInOpenState(attempt -> TimeUnit.SECONDS.toMillis(10 * draws.incrementAndGet())));
        OpenStateTracker tracker = new OpenStateTracker(randomized, false);
        randomized.getEventPublisher().onStateTransition(e -> tracker.onTransition(e.getStateTransition()));
        randomized.transitionToOpenState();
        Duration first = tracker.remainingOpen();
        assertThat(tracker.remainingOpen()).isEqualTo(first).isPositive();
    }

    @Test
    void forcedOpenHasNoEndAndAdmitsNothing() {
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom());
        OpenStateTracker tracker = track(breaker);

        breaker.transitionToForcedOpenState();

        assertThat(tracker.remainingOpen()).isNull();
        assertThat(tracker.mayAdmitWithin(Duration.ofDays(1))).isFalse();
    }
}
