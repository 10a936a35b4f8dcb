package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.benchmarks.load.Measurement.Answers;
import org.junit.jupiter.api.Test;

class MeasurementResultTests {

    /** The start and the end of error-pages' built-in page, as far as the check looks. */
    private static final String BUILT_IN_PAGE = "<!DOCTYPE html>\n<main class=\"wrap\">\n<h2 id=\"support-heading\">"
            + "Need help?</h2>\n</main>\n</body>\n</html>\n";
    private static final String JETTY_PAGE = "<h2>HTTP ERROR 502 Bad Gateway</h2>";
    private static final Answer JETTY_502 = new Answer(502, false, 630, JETTY_PAGE);
    private static final Measurement BRANDED_502 = new Measurement("x", Scenario.BRANDED_502, "/orders",
            Answers.BRANDED_502);

    @Test
    void aRunThatGotWhatItExpectedHasNoProblems() {
        assertThat(result(Answers.HELLO, 1_000, 0, 0).problems()).isEmpty();
        assertThat(result(Answers.PROXIED, 1_000, 0, 0).problems()).isEmpty();
        assertThat(result(Answers.BRANDED_502, 1_000, 1_000, 0).problems()).isEmpty();
        assertThat(result(Answers.CONTAINER_502, 1_000, 1_000, 0, JETTY_502).problems()).isEmpty();
    }

    /**
     * wrk counts the answers that are not 2xx/3xx: an error scenario answered by Jetty's 500 page (the library
     * threw), or the branded one by Jetty's own 502 page, was counted valid. One request after the run tells.
     */
    @Test
    void anErrorOfAnotherStatusOrWriterIsAProblem() {
        assertThat(result(Answers.BRANDED_502, 1_000, 1_000, 0, new Answer(500, false, 630, JETTY_PAGE)).problems())
                .containsExactly("a request after the run got 500 (not error-pages' page) of 630 bytes, its body 35 "
                        + "characters, expected 502 (error-pages' page) with error-pages' built-in page");
        assertThat(result(Answers.BRANDED_503, 1_000, 1_000, 0, new Answer(503, false, 10_802, BUILT_IN_PAGE))
                .problems()).containsExactly("a request after the run got 503 (not error-pages' page) of 10802 bytes, "
                        + "its body " + BUILT_IN_PAGE.length() + " characters, expected 503 (error-pages' page) with "
                        + "error-pages' built-in page");
        assertThat(result(Answers.CONTAINER_502, 1_000, 1_000, 0, new Answer(502, true, 630, JETTY_PAGE)).problems())
                .hasSize(1);
        assertThat(result(Answers.HELLO, 1_000, 0, 0, null).problems())
                .containsExactly("a request after the run got no answer");
    }

    /**
     * A page that lost its body passed: status and writer right, nothing or something else in it. A blank branded
     * 502 (a {@code Content-Security-Policy}, {@code Content-Length: 0}) is faster than the page, and a proxy that
     * drops the upstream's 2 KB faster than one that relays them.
     */
    @Test
    void anAnswerWithoutItsBodyIsAProblem() {
        assertThat(result(Answers.BRANDED_502, 1_000, 1_000, 0, new Answer(502, true, 630, "")).problems())
                .containsExactly("a request after the run got 502 (error-pages' page) of 630 bytes, its body 0 "
                        + "characters, expected 502 (error-pages' page) with error-pages' built-in page");
        String cutShort = BUILT_IN_PAGE.substring(0, BUILT_IN_PAGE.length() - 10);
        assertThat(result(Answers.BRANDED_502, 1_000, 1_000, 0, new Answer(502, true, 10_000, cutShort)).problems())
                .hasSize(1);
        assertThat(result(Answers.PROXIED, 1_000, 0, 0, new Answer(200, false, 120, "")).problems())
                .containsExactly("a request after the run got 200 (not error-pages' page) of 120 bytes, its body 0 "
                        + "characters, expected 200 with the upstream's 2048-byte body");
        assertThat(result(Answers.HELLO, 1_000, 0, 0, new Answer(200, false, 125, "hellx")).problems()).hasSize(1);
        assertThat(result(Answers.CONTAINER_502, 1_000, 1_000, 0, new Answer(502, false, 200, "")).problems())
                .hasSize(1);
    }

    /**
     * wrk reads every answer, the probe only one: a server that answers most requests under load with Jetty's 500
     * page (420 bytes where the branded page has 10,611), or with a blank page, reads fewer bytes per answer than the
     * probe's answer has, and the run is INVALID, naming both sizes.
     */
    @Test
    void answersOfAnotherSizeThanTheProbesAreAProblem() {
        Answer branded = new Answer(502, true, 10_611, BUILT_IN_PAGE);
        // 10,000 answers read, 6,000 of them Jetty's 500 page of 420 bytes: wrk prints 42.90MB.
        WrkResult mostly500 = new WrkResult(1_000, 800, 10_000, 10_000, 0, 4, 42.90 * 1024 * 1024, 0.005 * 1024 * 1024);

        assertThat(new MeasurementResult(BRANDED_502, mostly500, 40, null, branded, null).problems())
                .containsExactly("the answers were 4498 bytes each (wrk read 44983910 bytes in 10000 answers), "
                        + "the answer after the run 10611 bytes: more than 2 % apart");
        // 3 % of them short by a whole page
        assertThat(new MeasurementResult(BRANDED_502, read(10_000, 10_000 * 10_611 * 0.97, branded), 40, null,
                branded, null).problems()).hasSize(1);
        // bigger than the probe's answer, too: the probe got a shorter page than the load did
        assertThat(new MeasurementResult(BRANDED_502, read(10_000, 10_000 * 12_000.0, branded), 40, null,
                branded, null).problems()).hasSize(1);
    }

    /**
     * What real runs differ by passes: wrk's rounding of its total to two decimals of its unit, the answers still in
     * flight when wrk stopped (up to one per connection, partly read), and header fields a byte or two longer.
     */
    @Test
    void wrksRoundingTheAnswersInFlightAndAFewBytesOfHeadersPass() {
        Answer branded = new Answer(502, true, 10_611, BUILT_IN_PAGE);
        // 100 answers of 10,611 bytes, 1,061,100 bytes: wrk prints 1.01MB, 1,059,061 bytes.
        assertThat(new MeasurementResult(BRANDED_502, new WrkResult(100, 800, 100, 100, 0, 4, 1.01 * 1024 * 1024,
                0.005 * 1024 * 1024), 40, null, branded, null).problems()).isEmpty();
        // 100 answers, and 4 connections each with most of an answer read when wrk stopped
        assertThat(new MeasurementResult(BRANDED_502, read(100, 104 * 10_600.0, branded), 40, null, branded, null)
                .problems()).isEmpty();
        assertThat(new MeasurementResult(BRANDED_502, read(10_000, 10_000 * 10_700.0, branded), 40, null, branded,
                null).problems()).isEmpty();
        assertThat(new MeasurementResult(BRANDED_502, read(10_000, 10_000 * 10_500.0, branded), 40, null, branded,
                null).problems()).isEmpty();
    }

    @Test
    void errorsWhereSuccessWasExpectedAreAProblem() {
        assertThat(result(Answers.HELLO, 1_000, 3, 0).problems())
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
        assertThat(result(Answers.HELLO, 1_000, 0, 7).problems()).containsExactly("7 socket errors");
        assertThat(result(Answers.HELLO, 1_000, 0, 1).problems()).containsExactly("1 socket errors");
        assertThat(result(Answers.HELLO, 0, 0, 0).problems()).containsExactly("no request was answered");
    }

    /** The (e) budgets are about a dead route beside the measured one: a background that loaded none says nothing. */
    @Test
    void aBackgroundThatDidNotLoadItsRouteWithFailuresIsAProblem() {
        Measurement besideDead = Measurement.all().stream().filter(m -> m.background() != null).findFirst()
                .orElseThrow();
        assertThat(beside(besideDead, new WrkResult(300, 1_900_000, 3_000, 3_000, 0, 16, 3_000 * 10_802.0, 0))
                .problems()).isEmpty();
        assertThat(beside(besideDead, null).problems()).containsExactly("the background load got no answer");
        assertThat(beside(besideDead, new WrkResult(0, 0, 0, 0, 64, 64, 0, 0)).problems())
                .containsExactly("the background load got no answer", "64 socket errors of the background load");
        assertThat(beside(besideDead, new WrkResult(300, 900, 3_000, 0, 0, 16, 3_000 * 10_802.0, 0)).problems())
                .containsExactly("3000 of 3000 background answers were 2xx/3xx, expected failures of the dead route");
    }

    /**
     * A dead route that answers Jetty's 500 at once (the library threw) passed as "failures of the dead route", and
     * made a background of thousands of cheap answers: its answers are error-pages' pages, by a request to the route
     * and by their size. The route's 503 page (breaker open, bulkhead full) and its 504 page (connect timeouts) both
     * pass, 3 % apart in size.
     */
    @Test
    void aBackgroundAnsweredByAnotherPageIsAProblem() {
        Measurement besideDead = Measurement.all().stream().filter(m -> m.background() != null).findFirst()
                .orElseThrow();
        WrkResult pages = new WrkResult(300, 1_900_000, 3_000, 3_000, 0, 16, 3_000 * 10_802.0, 0);
        assertThat(beside(besideDead, pages, new Answer(504, true, 10_513, BUILT_IN_PAGE)).problems()).isEmpty();
        assertThat(beside(besideDead, pages, new Answer(500, false, 630, JETTY_PAGE)).problems())
                .containsExactly("a request to the background's route after the run got 500 (not error-pages' page) "
                        + "of 630 bytes, its body 35 characters, expected 5xx (error-pages' page) with error-pages' "
                        + "built-in page");
        assertThat(beside(besideDead, pages, null).problems())
                .containsExactly("a request to the background's route after the run got no answer");
        WrkResult jetty500s = new WrkResult(300, 900, 3_000, 3_000, 0, 16, 3_000 * 630.0, 0);
        assertThat(beside(besideDead, jetty500s).problems())
                .containsExactly("the background answers were 630 bytes each (wrk read 1890000 bytes in 3000 answers),"
                        + " the answer after the run 10802 bytes: more than 5 % apart");
    }

    private static MeasurementResult beside(Measurement measurement, WrkResult background) {
        return beside(measurement, background, new Answer(503, true, 10_802, BUILT_IN_PAGE));
    }

    private static MeasurementResult beside(Measurement measurement, WrkResult background, Answer backgroundProbe) {
        Answer proxied = new Answer(200, false, 2_173, Scenario.FixedBodyServlet.text(2048));
        return new MeasurementResult(measurement, read(10_000, 10_000 * 2_173.0, proxied), 40, background, proxied,
                backgroundProbe);
    }

    /** A measured load that read that many answers and bytes, none of them errors; the probe gives its connections. */
    private static WrkResult read(long requests, double bytes, Answer probe) {
        return new WrkResult(requests / 10.0, 800, requests, probe.status() >= 400 ? requests : 0, 0, 4, bytes, 0);
    }

    /** A result whose probe got what the measurement expects. */
    private static MeasurementResult result(Answers answers, long requests, long non2xx, long socketErrors) {
        Answer expected = switch (answers) {
            case HELLO -> new Answer(200, false, 125, "hello");
            case PROXIED -> new Answer(200, false, 2_173, Scenario.FixedBodyServlet.text(2048));
            case CONTAINER_502 -> JETTY_502;
            case BRANDED_502 -> new Answer(502, true, 10_611, BUILT_IN_PAGE);
            case BRANDED_503, BRANDED_ERROR -> new Answer(503, true, 10_802, BUILT_IN_PAGE);
        };
        return result(answers, requests, non2xx, socketErrors, expected);
    }

    /** A result whose wrk read answers of the probe's size (or of 630 bytes, without a probe). */
    private static MeasurementResult result(Answers answers, long requests, long non2xx, long socketErrors,
            Answer probe) {
        double size = probe == null ? 630 : probe.size();
        return new MeasurementResult(new Measurement("x", Scenario.HELLO, "/hello", answers),
                new WrkResult(requests / 10.0, 800, requests, non2xx, socketErrors, 32, requests * size, 0), 40, null,
                probe, null);
    }
}
