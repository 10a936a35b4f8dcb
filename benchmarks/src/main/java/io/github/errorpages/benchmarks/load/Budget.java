package io.github.errorpages.benchmarks.load;

import java.util.List;
import java.util.Locale;

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
        double ratio = mine.wrk().requestsPerSecond() / theirs.wrk().requestsPerSecond();
        double cpuRatio = mine.cpuMicrosPerRequest() / theirs.cpuMicrosPerRequest();
        boolean met = ratio >= minRatio && (maxP99Micros == 0 || mine.wrk().p99Micros() <= maxP99Micros);
        boolean valid = mine.problems().isEmpty() && theirs.problems().isEmpty();
        String target = "≥ " + minRatio + (maxP99Micros == 0 ? ""
                : String.format(Locale.ROOT, ", p99 ≤ %.0f ms (was %.2f ms)", maxP99Micros / 1000,
                        mine.wrk().p99Micros() / 1000));
        return String.format(Locale.ROOT, "| %s | %.3f | %.2f | %s | %s |", label, ratio, cpuRatio, target,
                !valid ? "INVALID" : met ? "met" : "MISSED");
    }
}
