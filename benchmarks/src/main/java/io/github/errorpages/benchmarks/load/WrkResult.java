package io.github.errorpages.benchmarks.load;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code wrk --latency} run reports: throughput, the 99th percentile latency, and the count of
 * requests and of non-2xx/3xx answers (expected for the error-page scenarios).
 *
 * @param requestsPerSecond the "Requests/sec" line
 * @param p99Micros the 99 % latency, in microseconds
 * @param requests the total request count
 * @param non2xx3xx the "Non-2xx or 3xx responses" count, 0 when the line is absent
 * @param socketErrors connect, read, write and timeout errors added up
 */
public record WrkResult(double requestsPerSecond, double p99Micros, long requests, long non2xx3xx, long socketErrors) {

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /**
     * @param output everything wrk printed
     * @return the parsed result
     * @throws IllegalArgumentException if the output has no throughput or latency line
     */
    public static WrkResult parse(String output) {
        Matcher rps = RPS.matcher(output);
        Matcher p99 = P99.matcher(output);
        Matcher requests = REQUESTS.matcher(output);
        if (!rps.find() || !p99.find() || !requests.find()) {
            throw new IllegalArgumentException("wrk printed no result (was --latency given?):\n" + output);
        }
        double value = Double.parseDouble(p99.group(1));
        double micros = switch (p99.group(2).toLowerCase(Locale.ROOT)) {
            case "us" -> value;
            case "ms" -> value * 1_000;
            default -> value * 1_000_000;
        };
        Matcher non2xx = NON_2XX.matcher(output);
        Matcher errors = SOCKET_ERRORS.matcher(output);
        long socketErrors = 0;
        if (errors.find()) {
            for (int i = 1; i <= 4; i++) {
                socketErrors += Long.parseLong(errors.group(i));
            }
        }
        return new WrkResult(Double.parseDouble(rps.group(1)), micros, Long.parseLong(requests.group(1)),
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, socketErrors);
    }
}
