package io.github.errorpages.benchmarks.load;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one measured run gave.
 *
 * @param measurement what was measured
 * @param wrk what wrk reported for the measured load
 * @param cpuMicrosPerRequest the server's CPU time over the measured run divided by the requests it answered
 *     in that time (the background load's included), in microseconds
 * @param background what wrk reported for the background load over its whole run, or {@code null}
 * @param probe what one request got right after the measured run, as wrk's requests did (the status and who
 *     wrote the answer, which wrk does not tell), or {@code null} when it got none
 */
record MeasurementResult(Measurement measurement, WrkResult wrk, double cpuMicrosPerRequest,
        @Nullable WrkResult background, @Nullable Answer probe) {

    /**
     * @return why the run does not measure what it should, empty when it does: answers of the wrong kind (by wrk's
     *     count, or by the probe's status and writer), socket errors of the measured load, or a background load
     *     that did not load its route with failures (none ran, none was answered, a success, a socket error)
     */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (wrk.requests() == 0) {
            problems.add("no request was answered");
        }
        if (probe == null) {
            problems.add("a request after the run got no answer");
        } else if (!measurement.answers().accepts(probe)) {
            problems.add("a request after the run got " + probe + ", expected " + measurement.answers());
        }
        long expectedErrors = measurement.answers().errors() ? wrk.requests() : 0;
        if (wrk.non2xx3xx() != expectedErrors) {
            problems.add(wrk.non2xx3xx() + " of " + wrk.requests() + " answers were not 2xx/3xx, expected "
                    + expectedErrors);
        }
        if (wrk.socketErrors() > 0) {
            problems.add(wrk.socketErrors() + " socket errors");
        }
        if (measurement.background() != null) {
            // What the budget is about: the healthy route beside a dead one. A background that was never answered,
            // or answered by a live route, leaves the measurement one of the healthy route alone.
            if (background == null || background.requests() == 0) {
                problems.add("the background load got no answer");
            } else if (background.non2xx3xx() != background.requests()) {
                problems.add((background.requests() - background.non2xx3xx()) + " of " + background.requests()
                        + " background answers were 2xx/3xx, expected failures of the dead route");
            }
            if (background != null && background.socketErrors() > 0) {
                problems.add(background.socketErrors() + " socket errors of the background load");
            }
        }
        return problems;
    }
}
