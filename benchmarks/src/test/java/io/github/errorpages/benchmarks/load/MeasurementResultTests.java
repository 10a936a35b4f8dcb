package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.benchmarks.load.Measurement.Answers;
import org.junit.jupiter.api.Test;

class MeasurementResultTests {

    @Test
    void aRunThatGotWhatItExpectedHasNoProblems() {
        assertThat(result(Answers.SUCCESS, 1_000, 0, 0).problems()).isEmpty();
        assertThat(result(Answers.BRANDED_502, 1_000, 1_000, 0).problems()).isEmpty();
        assertThat(result(Answers.CONTAINER_502, 1_000, 1_000, 0, new Answer(502, false)).problems()).isEmpty();
    }

    /**
     * wrk counts the answers that are not 2xx/3xx: an error scenario answered by Jetty's 500 page (the library
     * threw), or the branded one by Jetty's own 502 page, was counted valid. One request after the run tells.
     */
    @Test
    void anErrorOfAnotherStatusOrWriterIsAProblem() {
        assertThat(result(Answers.BRANDED_502, 1_000, 1_000, 0, new Answer(500, false)).problems())
                .containsExactly("a request after the run got 500 (not error-pages' page), expected 502 "
                        + "(error-pages' page)");
        assertThat(result(Answers.BRANDED_503, 1_000, 1_000, 0, new Answer(503, false)).problems())
                .containsExactly("a request after the run got 503 (not error-pages' page), expected 503 "
                        + "(error-pages' page)");
        assertThat(result(Answers.CONTAINER_502, 1_000, 1_000, 0, new Answer(502, true)).problems()).hasSize(1);
        assertThat(result(Answers.SUCCESS, 1_000, 0, 0, null).problems())
                .containsExactly("a request after the run got no answer");
    }

    @Test
    void errorsWhereSuccessWasExpectedAreAProblem() {
        assertThat(result(Answers.SUCCESS, 1_000, 3, 0).problems())
                .containsExactly("3 of 1000 answers were not 2xx/3xx, expected 0");
    }

    @Test
    void successesWhereErrorsWereExpectedAreAProblem() {
        assertThat(result(Answers.BRANDED_502, 1_000, 999, 0).problems())
                .containsExactly("999 of 1000 answers were not 2xx/3xx, expected 1000");
    }

    /** A single socket error is one too many: wrk reconnected and went on, and the run measured something else. */
    @Test
    void socketErrorsAndSilenceAreProblems() {
        assertThat(result(Answers.SUCCESS, 1_000, 0, 7).problems()).containsExactly("7 socket errors");
        assertThat(result(Answers.SUCCESS, 1_000, 0, 1).problems()).containsExactly("1 socket errors");
        assertThat(result(Answers.SUCCESS, 0, 0, 0).problems()).containsExactly("no request was answered");
    }

    /** The (e) budgets are about a dead route beside the measured one: a background that loaded none says nothing. */
    @Test
    void aBackgroundThatDidNotLoadItsRouteWithFailuresIsAProblem() {
        Measurement besideDead = Measurement.all().stream().filter(m -> m.background() != null).findFirst()
                .orElseThrow();
        assertThat(beside(besideDead, new WrkResult(300, 1_900_000, 3_000, 3_000, 0)).problems()).isEmpty();
        assertThat(beside(besideDead, null).problems()).containsExactly("the background load got no answer");
        assertThat(beside(besideDead, new WrkResult(0, 0, 0, 0, 64)).problems())
                .containsExactly("the background load got no answer", "64 socket errors of the background load");
        assertThat(beside(besideDead, new WrkResult(300, 900, 3_000, 0, 0)).problems())
                .containsExactly("3000 of 3000 background answers were 2xx/3xx, expected failures of the dead route");
    }

    private static MeasurementResult beside(Measurement measurement, WrkResult background) {
        return new MeasurementResult(measurement, new WrkResult(1_000, 800, 10_000, 0, 0), 40, background,
                new Answer(200, false));
    }

    /** A result whose probe got what the measurement expects. */
    private static MeasurementResult result(Answers answers, long requests, long non2xx, long socketErrors) {
        Answer expected = answers == Answers.SUCCESS ? new Answer(200, false)
                : new Answer(answers == Answers.BRANDED_503 ? 503 : 502, answers != Answers.CONTAINER_502);
        return result(answers, requests, non2xx, socketErrors, expected);
    }

    private static MeasurementResult result(Answers answers, long requests, long non2xx, long socketErrors,
            Answer probe) {
        return new MeasurementResult(new Measurement("x", Scenario.HELLO, "/hello", answers),
                new WrkResult(requests / 10.0, 800, requests, non2xx, socketErrors), 40, null, probe);
    }
}
