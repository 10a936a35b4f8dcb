package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Standards R43: capped exponential backoff, delays within [0.8, 1.2) of the base with a fixed seed. */
class BackoffTests {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 0.2,
            new SplittableRandom(42));

    @Test
    void baseGrowsExponentiallyUpToTheCap() {
        assertThat(backoff.base(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.base(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.base(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.base(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.base(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.base(60)).isEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void delaysLieWithinTheDocumentedJitterBounds(int retry) {
        long base = backoff.base(retry).toNanos();
        long lowest = Long.MAX_VALUE;
        long highest = 0;
        for (int i = 0; i < 10_000; i++) {
            long delay = backoff.delay(retry).toNanos();
            assertThat(delay).isBetween((long) (0.8 * base), (long) (1.2 * base));
            lowest = Math.min(lowest, delay);
            highest = Math.max(highest, delay);
        }
        // The jitter is really applied: the samples spread over nearly the whole range.
        assertThat(lowest).isLessThan((long) (0.82 * base));
        assertThat(highest).isGreaterThan((long) (1.18 * base));
    }

    @ParameterizedTest
    @ValueSource(longs = {100, 150, 333, 1000})
    void theLargestRandomNumberStaysBelowTheExcludedBound(long millis) {
        // R43: f is in [1 - jitter, 1 + jitter). With the largest double below 1, rounding carried the product to
        // base * 1.2 itself (120 ms for 100 ms).
        RandomGenerator largest = () -> -1L; // nextDouble() of all ones: the largest double below 1
        Backoff atTheTop = new Backoff(Duration.ofMillis(millis), 2.0, Duration.ofSeconds(10), 0.2, largest);
        long base = Duration.ofMillis(millis).toNanos();

        assertThat(largest.nextDouble()).isEqualTo(Math.nextDown(1.0));
        assertThat(atTheTop.delay(1).toNanos()).isLessThan(base * 6 / 5).isGreaterThan(base * 6 / 5 - 1_000);
    }

    @Test
    void everyDelayLiesWithinTheBoundsAsWritten() {
        // R43: f in [1 - jitter, 1 + jitter), with the jitter the decimal written in the configuration. Rounding and
        // truncation in double arithmetic gave 110 ms for 100 ms and jitter 0.1, and 32899999 ns for 35 ms and
        // jitter 0.06 (below 32.9 ms).
        for (RandomGenerator extreme : List.<RandomGenerator>of(() -> -1L, () -> 0L)) {
            for (int percent = 1; percent < 100; percent++) {
                double jitter = percent / 100.0;
                BigDecimal written = new BigDecimal(Double.toString(jitter));
                for (long millis = 1; millis <= 3000; millis += 7) {
                    Backoff backoff = new Backoff(Duration.ofMillis(millis), 1.0, Duration.ofMillis(millis), jitter,
                            extreme);
                    BigDecimal base = BigDecimal.valueOf(Duration.ofMillis(millis).toNanos());
                    BigDecimal delay = BigDecimal.valueOf(backoff.delay(1).toNanos());

                    assertThat(delay).as("%d ms, jitter %s", millis, written)
                            .isGreaterThanOrEqualTo(base.multiply(BigDecimal.ONE.subtract(written)))
                            .isLessThan(base.multiply(BigDecimal.ONE.add(written)));
                }
            }
        }
    }

    @Test
    void sameSeedGivesTheSameDelays() {
        Backoff again = new Backoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 0.2, new SplittableRandom(42));
        for (int retry = 1; retry <= 3; retry++) {
            assertThat(again.delay(retry)).isEqualTo(backoff.delay(retry));
        }
    }

    @Test
    void withoutJitterTheDelayIsTheBase() {
        Backoff exact = new Backoff(Duration.ofMillis(50), 3.0, Duration.ofMillis(400), 0.0, new SplittableRandom(1));
        assertThat(exact.delay(1)).isEqualTo(Duration.ofMillis(50));
        assertThat(exact.delay(2)).isEqualTo(Duration.ofMillis(150));
        assertThat(exact.delay(3)).isEqualTo(Duration.ofMillis(400));
    }

    @Test
    void rejectsRetryNumbersBelowOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> backoff.delay(0)).withMessageContaining("but was 0");
    }
}
