package io.github.errorpages.benchmarks.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The harness's command line, checked before any server starts: a misspelt option ({@code --warm-up}) or
 * measurement name ran the defaults, or left a budget out of the table, with nothing said and a run of many
 * minutes to find out.
 *
 * @param warmup the warm-up before each measured run
 * @param duration the measured run
 * @param connections wrk's connections
 * @param threads wrk's threads
 * @param measurements what to measure, in {@link Measurement#all()}'s order
 * @param rounds how often to measure each
 * @param jfrDirectory where every server JVM records a flight recording, or {@code null} for none
 */
record LoadOptions(Duration warmup, Duration duration, int connections, int threads, List<Measurement> measurements,
        int rounds, @Nullable Path jfrDirectory) {

    static final String USAGE = "Usage: LoadHarness [--warmup 20s] [--duration 10s] [--connections 32] [--threads 2]"
            + " [--only name,name...] [--rounds 1] [--jfr directory]";
    /** The warm-up before each measured run, the default. */
    static final Duration PROTOCOL_WARMUP = Duration.ofSeconds(20);
    /** The measured run, the default. */
    static final Duration PROTOCOL_DURATION = Duration.ofSeconds(10);
    /** The wrk connections ({@code wrk -t2 -c32}), the default. */
    static final int PROTOCOL_CONNECTIONS = 32;
    /** The wrk threads, the default. */
    static final int PROTOCOL_THREADS = 2;
    /** Asks for {@link #help()} instead of a run. */
    static final Set<String> HELP = Set.of("--help", "-h");
    private static final Set<String> OPTIONS =
            Set.of("--warmup", "--duration", "--connections", "--threads", "--only", "--rounds", "--jfr");

    /**
     * @param args the command line: options, each followed by its value
     * @return the options, with the defaults for those not given
     * @throws IllegalArgumentException naming the option and the value when an option is unknown, has no value,
     *     or a value does not parse or is out of range (a {@code --jfr} directory with a comma), and naming the
     *     measurements that do not exist
     */
    static LoadOptions parse(String... args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!OPTIONS.contains(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + " (known: " + String.join(", ",
                        OPTIONS.stream().sorted().toList()) + ")");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            given.put(args[i], args[i + 1]);
        }
        String only = given.get("--only");
        String jfr = given.get("--jfr");
        int connections = number("--connections", given.getOrDefault("--connections", "" + PROTOCOL_CONNECTIONS));
        int threads = number("--threads", given.getOrDefault("--threads", "" + PROTOCOL_THREADS));
        if (jfr != null && jfr.contains(",")) {
            // JFR splits -XX:StartFlightRecording's options at commas: the file name ended at the comma, so every
            // recording went to one file outside the directory, each overwriting the one before.
            throw new IllegalArgumentException("--jfr must not contain a comma, which ends the file name JFR is given,"
                    + " but was " + jfr);
        }
        if (threads > connections) {
            // wrk refuses it, but only once the servers are up and warm.
            throw new IllegalArgumentException("--threads must not exceed --connections (" + connections
                    + "), each wrk thread needs a connection, but was " + threads);
        }
        return new LoadOptions(
                seconds("--warmup", given.getOrDefault("--warmup", PROTOCOL_WARMUP.toSeconds() + "s"), 0),
                seconds("--duration", given.getOrDefault("--duration", PROTOCOL_DURATION.toSeconds() + "s"), 1),
                connections, threads,
                only == null ? Measurement.all() : Measurement.named(only.split(",")),
                number("--rounds", given.getOrDefault("--rounds", "1")),
                jfr == null ? null : Path.of(jfr).toAbsolutePath());
    }

    /**
     * @return what {@code --help} prints: the options with their defaults, and the names {@code --only} takes
     */
    static String help() {
        return USAGE + "\n"
                + "  --warmup       warm-up before each measured run, whole seconds (default 20s)\n"
                + "  --duration     each measured run, whole seconds (default 10s)\n"
                + "  --connections  wrk's connections (default 32)\n"
                + "  --threads      wrk's threads, at most the connections (default 2)\n"
                + "  --only         the measurements to run, comma-separated (default all, in this order):\n"
                + "                 " + String.join(", ", Measurement.all().stream().map(Measurement::name).toList())
                + "\n"
                + "  --rounds       how often to run each; the budgets are judged by the medians (default 1)\n"
                + "  --jfr          a directory for a flight recording of every server JVM, without a comma\n"
                + "                 (default none)";
    }

    private static Duration seconds(String option, String value, long least) {
        long seconds;
        try {
            seconds = Long.parseLong(value.endsWith("s") ? value.substring(0, value.length() - 1) : value);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < least) {
            throw new IllegalArgumentException(option + " must be whole seconds, at least " + least + "s, such as 20s,"
                    + " but was " + value);
        }
        return Duration.ofSeconds(seconds);
    }

    private static int number(String option, String value) {
        int number;
        try {
            number = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            number = 0;
        }
        if (number < 1) {
            throw new IllegalArgumentException(option + " must be a whole number, at least 1, but was " + value);
        }
        return number;
    }
}
