package io.github.errorpages.benchmarks.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one measured run gave.
 *
 * @param measurement what was measured
 * @param wrk what wrk reported for the measured load
 * @param cpuMicrosPerRequest the server's CPU time over the measured run divided by the requests it answered
 *     in that time (the background load's included), in microseconds
 * @param background what wrk reported for the background load over its whole run, or {@code null}
 * @param probe what one request got right after the measured run, as wrk's requests did (the status, who
 *     wrote the answer and its body, which wrk does not tell, and its size), or {@code null} when it got none
 * @param backgroundProbe what one request to the background's route got right after the measured run, or
 *     {@code null} when it got none or there is no background
 */
record MeasurementResult(Measurement measurement, WrkResult wrk, double cpuMicrosPerRequest,
        @Nullable WrkResult background, @Nullable Answer probe, @Nullable Answer backgroundProbe) {

    /**
     * @return why the run does not measure what it should, empty when it does: answers of the wrong kind (by wrk's
     *     count, by the probe's status, writer and body, or by their size: the bytes wrk read per answer against the
     *     probe's), socket errors of the measured load, or a background load that did not load its route with
     *     the failures it should (none ran, none was answered, a success, a socket error, answers of another kind
     *     or size)
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
        } else {
            sizeProblem("", wrk, probe, measurement.answers()).ifPresent(problems::add);
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
            Measurement.Answers expected = measurement.background().answers();
            if (backgroundProbe == null) {
                problems.add("a request to the background's route after the run got no answer");
            } else if (!expected.accepts(backgroundProbe)) {
                problems.add("a request to the background's route after the run got " + backgroundProbe
                        + ", expected " + expected);
            } else if (background != null) {
                sizeProblem("background ", background, backgroundProbe, expected).ifPresent(problems::add);
            }
        }
        return problems;
    }

    /**
     * Whether the answers wrk read were of the probe's size: a page that lost its body, or a server that answers
     * some requests with another page (Jetty's 500 under load, say), reads fewer bytes per answer than the probe's
     * answer has. wrk counts every byte it read, also of the answers still in flight when it stopped (at most one
     * per connection), and prints the total rounded, so both are allowed for beside the tolerance.
     */
    private static Optional<String> sizeProblem(String load, WrkResult wrk, Answer probe,
            Measurement.Answers answers) {
        if (wrk.requests() == 0) {
            return Optional.empty(); // a problem of its own
        }
        double size = probe.size();
        double least = wrk.requests() * size * (1 - answers.sizeTolerance());
        double most = (wrk.requests() + wrk.connections()) * size * (1 + answers.sizeTolerance());
        if (wrk.bytesRead() + wrk.bytesReadRounding() >= least && wrk.bytesRead() - wrk.bytesReadRounding() <= most) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "the %sanswers were %.0f bytes each (wrk read %.0f "
                + "bytes in %d answers), the answer after the run %d bytes: more than %.0f %% apart", load,
                wrk.bytesRead() / wrk.requests(), wrk.bytesRead(), wrk.requests(), probe.size(),
                answers.sizeTolerance() * 100));
    }
}
