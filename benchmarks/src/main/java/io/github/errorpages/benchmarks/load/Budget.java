package io.github.errorpages.benchmarks.load;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A budget of issue 7, item 2: the throughput of one measurement over another's from the same run, at
 * least {@code minRatio}, and optionally a ceiling for the first one's p99 latency.
 *
 * @param label what the budget says
 * @param ours our measurement's name
 * @param baseline the baseline's name
 * @param minRatio the lowest acceptable ratio of requests per second
 * @param maxP99Micros the highest acceptable p99 of ours, or 0 for none
 */
record Budget(String label, String ours, String baseline, double minRatio, double maxP99Micros) {

    /**
     * @return every budget, (a) to (e)
     */
    static List<Budget> all() {
        return List.of(
                new Budget("(a) hello with the filter / without", "hello-filtered", "hello", 0.97, 0),
                new Budget("(b) branded 502 / Jetty's 502", "branded-502", "jetty-502", 1.0, 0),
                new Budget("(c) open breaker 503 / Jetty's 502", "open-breaker-503", "jetty-502", 0.9, 2_000),
                new Budget("(b) for a browser (Accept-Encoding: gzip)", "branded-502-browser", "jetty-502-browser",
                        1.0, 0),
                new Budget("(c) for a browser (Accept-Encoding: gzip)", "open-breaker-503-browser",
                        "jetty-502-browser", 0.9, 2_000),
                new Budget("(d) ReverseProxyServlet / Jetty's ProxyServlet", "proxy", "jetty-proxy", 1.0, 0),
                new Budget("(e) healthy route beside a dead one / alone", "healthy-beside-dead",
                        "healthy-beside-dead/alone", 0.9, 0),
                new Budget("(e) the same, the dead route's breaker never opening", "healthy-beside-dead-never-open",
                        "healthy-beside-dead-never-open/alone", 0.9, 0));
    }

    /**
     * @param mine our result
     * @param theirs the baseline's result
     * @return the table row: ratio of req/s, ratio of server CPU per request, target and verdict (met,
     *     MISSED, or INVALID when either run got answers it should not have)
     */
    String evaluate(MeasurementResult mine, MeasurementResult theirs) {
        return evaluate(List.of(mine), List.of(theirs), "");
    }

    /**
     * @param mine our result
     * @param theirs the baseline's result
     * @param protocolNote what a met or MISSED verdict is followed by, such as that the run was not the issue's
     *     protocol; empty for nothing
     * @return the row of {@link #evaluate(MeasurementResult, MeasurementResult)}, the note beside its verdict
     */
    String evaluate(MeasurementResult mine, MeasurementResult theirs, String protocolNote) {
        return evaluate(List.of(mine), List.of(theirs), protocolNote);
    }

    /**
     * Judges several rounds by their medians: one 10 s window on two shared cores can move a ratio by more
     * than a budget's margin, the median of a few rounds much less.
     *
     * @param mine our result of each round
     * @param theirs the baseline's result of each round, in the same order
     * @return the table row: the ratio of req/s of each round and their median, the median ratio of server CPU
     *     per request, target (with the median p99) and verdict (met when the medians meet the budget;
     *     INVALID when any run got answers it should not have)
     * @throws IllegalArgumentException when the lists are empty or of different sizes
     */
    String evaluate(List<MeasurementResult> mine, List<MeasurementResult> theirs) {
        return evaluate(mine, theirs, "");
    }

    /**
     * @param mine our result of each round
     * @param theirs the baseline's result of each round, in the same order
     * @param protocolNote what a met or MISSED verdict is followed by, such as that the runs were not the issue's
     *     protocol; empty for nothing
     * @return the row of {@link #evaluate(List, List)}, the note beside its verdict
     * @throws IllegalArgumentException when the lists are empty or of different sizes
     */
    String evaluate(List<MeasurementResult> mine, List<MeasurementResult> theirs, String protocolNote) {
        if (mine.isEmpty() || mine.size() != theirs.size()) {
            throw new IllegalArgumentException("one result of each per round, but " + mine.size() + " and "
                    + theirs.size());
        }
        List<Double> ratios = new ArrayList<>();
        List<Double> cpuRatios = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        boolean valid = true;
        for (int round = 0; round < mine.size(); round++) {
            MeasurementResult ours = mine.get(round);
            MeasurementResult baseline = theirs.get(round);
            ratios.add(ours.wrk().requestsPerSecond() / baseline.wrk().requestsPerSecond());
            cpuRatios.add(ours.cpuMicrosPerRequest() / baseline.cpuMicrosPerRequest());
            p99s.add(ours.wrk().p99Micros());
            valid &= ours.problems().isEmpty() && baseline.problems().isEmpty();
        }
        double ratio = median(ratios);
        double p99 = median(p99s);
        boolean met = ratio >= minRatio && (maxP99Micros == 0 || p99 <= maxP99Micros);
        String target = "≥ " + minRatio + (maxP99Micros == 0 ? ""
                : String.format(Locale.ROOT, ", p99 ≤ %.0f ms (was %s ms)", maxP99Micros / 1000,
                        shown(p99 / 1000, 2, RoundingMode.CEILING)));
        String shownRatio = shown(ratio, 3, RoundingMode.FLOOR);
        if (ratios.size() > 1) {
            shownRatio += ratios.stream().map(r -> shown(r, 3, RoundingMode.FLOOR))
                    .collect(Collectors.joining(", ", " (", ")"));
        }
        return String.format(Locale.ROOT, "| %s | %s | %.2f | %s | %s |", label, shownRatio, median(cpuRatios), target,
                !valid ? "INVALID" : (met ? "met" : "MISSED") + protocolNote);
    }

    /**
     * A number as the row shows it, rounded away from the budget (a ratio down, a p99 up), so that a number shown
     * never contradicts its verdict: 0.96996 rounded to the nearest showed as 0.970 beside MISSED for 0.97.
     * From the double's shortest decimal, whose order is the doubles' (its exact binary value, 0.96999999999999997
     * for 0.97, would show a ratio of exactly 0.97 as 0.969 beside met).
     */
    private static String shown(double value, int decimals, RoundingMode rounding) {
        if (!Double.isFinite(value)) {
            return Double.toString(value); // a run that got no answer: Infinity or NaN, beside its INVALID
        }
        return BigDecimal.valueOf(value).setScale(decimals, rounding).toPlainString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
