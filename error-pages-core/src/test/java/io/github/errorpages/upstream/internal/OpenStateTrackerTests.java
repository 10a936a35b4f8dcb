package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.time.Instant;
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
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom()
                .waitIntervalFunctionInOpenState(IntervalFunction.ofExponentialBackoff(Duration.ofSeconds(10), 2.0)));
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

    @Test
    void reportsTheFullWaitWhenTheOpeningWasNotSeen() {
        CircuitBreaker breaker = breaker(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofSeconds(45)));
        breaker.transitionToOpenState();
        clock.advance(Duration.ofSeconds(40));

        OpenStateTracker tracker = track(breaker);

        assertThat(tracker.remainingOpen()).isEqualTo(Duration.ofSeconds(45));
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
