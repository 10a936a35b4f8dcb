package io.github.errorpages.benchmarks.load;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code wrk --latency} run reports: throughput, the 99th percentile latency, the count of requests and
 * of non-2xx/3xx answers (expected for the error-page scenarios), and the bytes it read, which tell how big the
 * answers were (wrk counts every byte it reads from its sockets: status lines, header fields, bodies as sent).
 *
 * @param requestsPerSecond the "Requests/sec" line
 * @param p99Micros the 99 % latency, in microseconds
 * @param requests the total request count: the answers wrk read to their end
 * @param non2xx3xx the "Non-2xx or 3xx responses" count, 0 when the line is absent
 * @param socketErrors connect, read, write and timeout errors added up
 * @param connections the connections it kept open, each with at most one answer in flight
 * @param bytesRead the "MB read" of the requests line, in bytes: the answers read to their end, and the parts read of
 *     those still in flight when the run ended
 * @param bytesReadRounding how far the bytes read may be from the printed figure: half a unit of its last decimal
 *     (wrk prints B, KB, MB or GB of 1024, with two decimals)
 */
public record WrkResult(double requestsPerSecond, double p99Micros, long requests, long non2xx3xx, long socketErrors,
        long connections, double bytesRead, double bytesReadRounding) {

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in [^,]+, ([0-9.]+)([KMGTP]?)B read");
    private static final Pattern CONNECTIONS = Pattern.compile("(\\d+) threads and (\\d+) connections");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /**
     * @param output everything wrk printed
     * @return the parsed result
     * @throws IllegalArgumentException if the output has no throughput, latency, requests or connections line
     */
    public static WrkResult parse(String output) {
        Matcher rps = RPS.matcher(output);
        Matcher p99 = P99.matcher(output);
        Matcher requests = REQUESTS.matcher(output);
        Matcher connections = CONNECTIONS.matcher(output);
        if (!rps.find() || !p99.find() || !requests.find() || !connections.find()) {
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
        // wrk's format_binary: the value in the largest unit of 1024 it reaches, with two decimals.
        String prefix = requests.group(3);
        double unit = prefix.isEmpty() ? 1 : Math.pow(1024, "KMGTP".indexOf(prefix) + 1);
        return new WrkResult(Double.parseDouble(rps.group(1)), micros, Long.parseLong(requests.group(1)),
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, socketErrors, Long.parseLong(connections.group(2)),
                Double.parseDouble(requests.group(2)) * unit, 0.005 * unit);
    }
}
