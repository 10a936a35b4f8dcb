package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.benchmarks.load.Measurement.Answers;
import org.junit.jupiter.api.Test;

class MeasurementResultTests {

    @Test
    void aRunThatGotWhatItExpectedHasNoProblems() {
        assertThat(result(Answers.SUCCESS, 1_000, 0, 0).problems()).isEmpty();
        assertThat(result(Answers.ERRORS, 1_000, 1_000, 0).problems()).isEmpty();
    }

    @Test
    void errorsWhereSuccessWasExpectedAreAProblem() {
        assertThat(result(Answers.SUCCESS, 1_000, 3, 0).problems())
                .containsExactly("3 of 1000 answers were not 2xx/3xx, expected 0");
    }

    @Test
    void successesWhereErrorsWereExpectedAreAProblem() {
        assertThat(result(Answers.ERRORS, 1_000, 999, 0).problems())
                .containsExactly("999 of 1000 answers were not 2xx/3xx, expected 1000");
    }

    @Test
    void socketErrorsAndSilenceAreProblems() {
        assertThat(result(Answers.SUCCESS, 1_000, 0, 7).problems()).containsExactly("7 socket errors");
        assertThat(result(Answers.SUCCESS, 0, 0, 0).problems()).containsExactly("no request was answered");
    }

    private static MeasurementResult result(Answers answers, long requests, long non2xx, long socketErrors) {
        return new MeasurementResult(new Measurement("x", Scenario.HELLO, "/hello", answers),
                new WrkResult(requests / 10.0, 800, requests, non2xx, socketErrors), 40, null);
    }
}
