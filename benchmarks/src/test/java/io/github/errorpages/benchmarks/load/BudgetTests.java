package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.benchmarks.load.Measurement.Answers;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BudgetTests {

    private static final Budget AT_LEAST_0_9_P99_2MS = new Budget("(c) ours / theirs", "ours", "theirs", 0.9, 2_000);

    @Test
    void metWhenTheRatioAndTheP99AreWithinTheBudget() {
        String row = AT_LEAST_0_9_P99_2MS.evaluate(errors(9_500, 1_500, 80), errors(10_000, 900, 40));

        assertThat(row).isEqualTo("| (c) ours / theirs | 0.950 | 2.00 | ≥ 0.9, p99 ≤ 2 ms (was 1.50 ms) | met |");
    }

    @Test
    void missedWhenTheRatioIsBelowTheBudget() {
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(8_000, 1_500, 80), errors(10_000, 900, 40)))
                .startsWith("| (c) ours / theirs | 0.800 |").endsWith("| MISSED |");
    }

    @Test
    void missedWhenTheP99IsAboveTheCeilingHoweverHighTheRatio() {
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(20_000, 2_001, 80), errors(10_000, 900, 40)))
                .contains("(was 2.01 ms)").endsWith("| MISSED |");
    }

    /**
     * A number shown never contradicts its verdict: a ratio just under the target is not shown rounded up to it
     * (0.96996 was "0.970 ... ≥ 0.97 ... MISSED"), nor a p99 just over the ceiling rounded down to it; one exactly
     * at the target is shown as the target.
     */
    @Test
    void numbersAreShownRoundedAwayFromTheBudget() {
        Budget atLeast097 = new Budget("(a) ours / theirs", "ours", "theirs", 0.97, 0);

        assertThat(atLeast097.evaluate(errors(9_699.6, 900, 40), errors(10_000, 900, 40)))
                .startsWith("| (a) ours / theirs | 0.969 |").endsWith("| MISSED |");
        assertThat(atLeast097.evaluate(errors(9_700, 900, 40), errors(10_000, 900, 40)))
                .startsWith("| (a) ours / theirs | 0.970 |").endsWith("| met |");
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(9_500, 2_000.4, 80), errors(10_000, 900, 40)))
                .contains("(was 2.01 ms)").endsWith("| MISSED |");
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(9_500, 2_000, 80), errors(10_000, 900, 40)))
                .contains("(was 2.00 ms)").endsWith("| met |");
    }

    @Test
    void invalidWhenEitherRunGotAnswersItShouldNotHave() {
        MeasurementResult successesWhereErrorsWereExpected = new MeasurementResult(
                measurement(Answers.CONTAINER_502), new WrkResult(20_000, 900, 200_000, 0, 0), 40, null, PAGE);

        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(successesWhereErrorsWereExpected, errors(10_000, 900, 40)))
                .endsWith("| INVALID |");
    }

    /**
     * A baseline that got no answer (wrk reports 0 req/s against a server that accepts and never answers) makes the
     * row INVALID with its ratio as it is: showing the ratio threw, and the harness lost its whole report.
     */
    @Test
    void aBaselineThatGotNoAnswerMakesAnInvalidRowNotAFailure() {
        MeasurementResult noAnswer = new MeasurementResult(measurement(Answers.CONTAINER_502),
                new WrkResult(0, 0, 0, 0, 0), Double.NaN, null, null);

        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(9_500, 1_500, 80), noAnswer))
                .startsWith("| (c) ours / theirs | Infinity |").endsWith("| INVALID |");
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(noAnswer, noAnswer))
                .startsWith("| (c) ours / theirs | NaN |").endsWith("| INVALID |");
    }

    @Test
    void severalRoundsAreJudgedByTheirMedians() {
        // Ratios 0.85, 0.95 and 1.05: the median, 0.95, meets 0.9 although one round alone would not.
        String row = AT_LEAST_0_9_P99_2MS.evaluate(
                List.of(errors(8_500, 1_900, 80), errors(9_500, 1_500, 80), errors(10_500, 2_500, 80)),
                List.of(errors(10_000, 900, 40), errors(10_000, 900, 40), errors(10_000, 900, 40)));

        assertThat(row).isEqualTo("| (c) ours / theirs | 0.950 (0.850, 0.950, 1.050) | 2.00 | ≥ 0.9, p99 ≤ 2 ms "
                + "(was 1.90 ms) | met |");
    }

    @Test
    void anEvenNumberOfRoundsTakesTheMeanOfTheMiddleTwoAndOneInvalidRunMakesAllInvalid() {
        MeasurementResult invalid = new MeasurementResult(measurement(Answers.CONTAINER_502),
                new WrkResult(9_000, 900, 90_000, 0, 0), 40, null, PAGE);

        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(List.of(errors(8_000, 900, 80), errors(9_000, 900, 80)),
                List.of(errors(10_000, 900, 40), errors(10_000, 900, 40)))).startsWith("| (c) ours / theirs | 0.850 (");
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(List.of(errors(9_500, 900, 80), invalid),
                List.of(errors(10_000, 900, 40), errors(10_000, 900, 40)))).endsWith("| INVALID |");
    }

    @Test
    void everyBudgetComparesTwoResultsOfTheHarness() {
        Set<String> results = new HashSet<>();
        for (Measurement measurement : Measurement.all()) {
            results.add(measurement.name());
            if (measurement.background() != null) {
                results.add(measurement.aloneName());
            }
        }

        assertThat(Budget.all()).hasSize(8).allSatisfy(budget -> assertThat(results).contains(budget.ours(), budget.baseline()));
    }

    /** What a request of the measurements here gets: Jetty's own 502 page. */
    private static final Answer PAGE = new Answer(502, false);

    private static MeasurementResult errors(double requestsPerSecond, double p99Micros, double cpuMicros) {
        long requests = (long) requestsPerSecond * 10;
        return new MeasurementResult(measurement(Answers.CONTAINER_502),
                new WrkResult(requestsPerSecond, p99Micros, requests, requests, 0), cpuMicros, null, PAGE);
    }

    private static Measurement measurement(Answers answers) {
        return new Measurement("x", Scenario.JETTY_502, "/orders", answers);
    }
}
