package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.benchmarks.load.Measurement.Answers;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        MeasurementResult successesWhereErrorsWereExpected = new MeasurementResult(measurement(Answers.CONTAINER_502),
                new WrkResult(20_000, 900, 200_000, 0, 0, 32, 200_000.0 * PAGE_SIZE, 0), 40, null, PAGE, null);

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
                new WrkResult(0, 0, 0, 0, 0, 32, 0, 0), Double.NaN, null, null, null);

        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(9_500, 1_500, 80), noAnswer))
                .startsWith("| (c) ours / theirs | Infinity |").endsWith("| INVALID |");
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(noAnswer, noAnswer))
                .startsWith("| (c) ours / theirs | NaN |").endsWith("| INVALID |");
    }

    /**
     * A run of another warm-up or length than the issue's says so beside its verdict: a run of 1 s each on a busy
     * machine printed (b) as met, which every full run missed, with nothing to tell it from a result.
     */
    @Test
    void aNoteOfAnotherProtocolFollowsTheVerdictButNotAnInvalidOne() {
        String note = " (not the issue's protocol: warm-up 1 s, measured 1 s, wrk -t1 -c4; the issue's: 20 s, 10 s, "
                + "wrk -t2 -c32)";

        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(errors(9_500, 1_500, 80), errors(10_000, 900, 40), note))
                .endsWith("| met" + note + " |");
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(List.of(errors(8_000, 1_500, 80)), List.of(errors(10_000, 900, 40)),
                note)).endsWith("| MISSED" + note + " |");
        MeasurementResult noAnswer = new MeasurementResult(measurement(Answers.CONTAINER_502),
                new WrkResult(0, 0, 0, 0, 0, 32, 0, 0), Double.NaN, null, null, null);
        assertThat(AT_LEAST_0_9_P99_2MS.evaluate(noAnswer, noAnswer, note)).endsWith("| INVALID |");
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
                new WrkResult(9_000, 900, 90_000, 0, 0, 32, 90_000.0 * PAGE_SIZE, 0), 40, null, PAGE,
                null);

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

    /**
     * Each budget has issue 7's target, as the README's table states it. A ceiling left off the browser's (c) row
     * judged it by its ratio alone: "met" beside a p99 of 3 ms, where the row without Accept-Encoding said MISSED.
     */
    @ParameterizedTest(name = "{0}: ≥ {1}, p99 ≤ {2} µs (0 for none)")
    @CsvSource(delimiter = ';', value = {
            "(a) hello with the filter / without; 0.97; 0",
            "(b) branded 502 / Jetty's 502; 1.0; 0",
            "(b) for a browser (Accept-Encoding: gzip); 1.0; 0",
            "(c) open breaker 503 / Jetty's 502; 0.9; 2000",
            "(c) for a browser (Accept-Encoding: gzip); 0.9; 2000",
            "(d) ReverseProxyServlet / Jetty's ProxyServlet; 1.0; 0",
            "(e) healthy route beside a dead one / alone; 0.9; 0",
            "(e) the same, the dead route's breaker never opening; 0.9; 0"})
    void everyBudgetHasTheIssuesTarget(String label, double minRatio, double maxP99Micros) {
        assertThat(Budget.all()).filteredOn(budget -> budget.label().equals(label)).singleElement()
                .satisfies(budget -> {
                    assertThat(budget.minRatio()).as("least ratio").isEqualTo(minRatio);
                    assertThat(budget.maxP99Micros()).as("p99 ceiling, µs").isEqualTo(maxP99Micros);
                });
    }

    /**
     * The browser rows of (b) and (c) are about what a browser gets, the page compressed: each {@code -browser}
     * measurement is its twin (the same server, path and expected answer) with a browser's Accept-Encoding as well.
     * Without it, a browser row measured the uncompressed page a second time under the browser's name.
     */
    @Test
    void eachBrowserMeasurementIsItsTwinWithABrowsersAcceptEncoding() {
        Map<String, Measurement> byName = Measurement.all().stream()
                .collect(Collectors.toMap(Measurement::name, Function.identity()));
        List<Measurement> browsers = Measurement.all().stream().filter(m -> m.name().endsWith("-browser")).toList();

        assertThat(browsers).extracting(Measurement::name)
                .containsExactly("jetty-502-browser", "branded-502-browser", "open-breaker-503-browser");
        assertThat(browsers).allSatisfy(browser -> {
            Measurement twin = byName.get(browser.name().substring(0, browser.name().length() - "-browser".length()));
            assertThat(browser.headers()).as(browser.name()).isEqualTo(Measurement.BROWSER_WITH_ENCODINGS);
            assertThat(twin.headers()).as(twin.name()).isEqualTo(Measurement.BROWSER);
            assertThat(List.of(browser.scenario(), browser.path(), browser.answers())).as(browser.name())
                    .isEqualTo(List.of(twin.scenario(), twin.path(), twin.answers()));
            assertThat(browser.label()).isEqualTo(twin.label() + ", browser's Accept-Encoding");
        });
    }

    /** What a request of the measurements here gets: Jetty's own 502 page. */
    private static final Answer PAGE = new Answer(502, false, 630, "<h2>HTTP ERROR 502 Bad Gateway</h2>");
    private static final long PAGE_SIZE = PAGE.size();

    private static MeasurementResult errors(double requestsPerSecond, double p99Micros, double cpuMicros) {
        long requests = (long) requestsPerSecond * 10;
        return new MeasurementResult(measurement(Answers.CONTAINER_502),
                new WrkResult(requestsPerSecond, p99Micros, requests, requests, 0, 32, requests * (double) PAGE_SIZE,
                        0),
                cpuMicros, null, PAGE, null);
    }

    private static Measurement measurement(Answers answers) {
        return new Measurement("x", Scenario.JETTY_502, "/orders", answers);
    }
}
