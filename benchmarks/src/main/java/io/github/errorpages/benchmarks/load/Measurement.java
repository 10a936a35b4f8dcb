package io.github.errorpages.benchmarks.load;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One measured run of the load harness: a scenario's server, the path and header fields wrk sends, what
 * every answer must be, and optionally a second load that runs beside it the whole time.
 *
 * @param name the key budgets refer to
 * @param scenario the server set-up
 * @param path the request path
 * @param headers the header fields of every request, each {@code "Name: value"}
 * @param answers what every answer must be; a run that gets anything else is not valid
 * @param background a second load on the same server, or {@code null}
 */
record Measurement(String name, Scenario scenario, String path, List<String> headers, Answers answers,
        @Nullable Background background) {

    /** What Chrome and Firefox send for a page as {@code Accept}. */
    static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
            + "image/webp,*/*;q=0.8";
    /** A browser's {@code Accept}, without the {@code Accept-Encoding} every browser sends too. */
    static final List<String> BROWSER = List.of("Accept: " + BROWSER_ACCEPT);
    /** A browser's {@code Accept} and {@code Accept-Encoding} (Chrome's). */
    static final List<String> BROWSER_WITH_ENCODINGS = List.of("Accept: " + BROWSER_ACCEPT,
            "Accept-Encoding: gzip, deflate, br, zstd");

    Measurement {
        headers = List.copyOf(headers);
    }

    Measurement(String name, Scenario scenario, String path, Answers answers) {
        this(name, scenario, path, BROWSER, answers, null);
    }

    /**
     * What every answer of a run must be: its status, who wrote it, and its body. Every answer of a run is the same
     * size on the wire (the header fields that vary, such as {@code Date}, keep their length), so the bytes wrk read
     * per answer must be the size of one answer taken after the run, within {@link #sizeTolerance()}.
     */
    enum Answers {
        /** 200 with the hello servlet's body. */
        HELLO(200, 200, false, "the body \"hello\"",
                body -> body.equals(Scenario.FixedBodyServlet.text(Scenario.FixedBodyServlet.HELLO_SIZE)), 0.02),
        /** 200 with the upstream's 2 KB body, relayed. */
        PROXIED(200, 200, false, "the upstream's 2048-byte body",
                body -> body.equals(Scenario.FixedBodyServlet.text(Scenario.FixedBodyServlet.UPSTREAM_SIZE)), 0.02),
        /** Jetty's own error page for a 502 the application sent. */
        CONTAINER_502(502, 502, false, "Jetty's error page", body -> body.contains("HTTP ERROR 502"), 0.02),
        /** error-pages' 502 page. */
        BRANDED_502(502, 502, true, "error-pages' built-in page", Answers::isBuiltInPage, 0.02),
        /** error-pages' 503 page. */
        BRANDED_503(503, 503, true, "error-pages' built-in page", Answers::isBuiltInPage, 0.02),
        /**
         * error-pages' page for any 5xx: a dead route answers 503 while its breaker is open or its bulkhead full, and
         * 504 when a call waited out its connect timeouts, and those pages differ in size by about 3 %.
         */
        BRANDED_ERROR(500, 599, true, "error-pages' built-in page", Answers::isBuiltInPage, 0.05);

        private final int lowestStatus;
        private final int highestStatus;
        private final boolean branded;
        private final String body;
        private final Predicate<String> bodyMatches;
        private final double sizeTolerance;

        Answers(int lowestStatus, int highestStatus, boolean branded, String body, Predicate<String> bodyMatches,
                double sizeTolerance) {
            this.lowestStatus = lowestStatus;
            this.highestStatus = highestStatus;
            this.branded = branded;
            this.body = body;
            this.bodyMatches = bodyMatches;
            this.sizeTolerance = sizeTolerance;
        }

        /** The layout of error-pages' built-in HTML pages: its support section, and the page's end. */
        private static boolean isBuiltInPage(String body) {
            return body.contains("<h2 id=\"support-heading\">") && body.stripTrailing().endsWith("</html>");
        }

        /** @return whether every answer is an error, which wrk counts as "Non-2xx or 3xx" */
        boolean errors() {
            return lowestStatus >= 400;
        }

        /**
         * @return how far the bytes wrk read per answer may be from the size of the answer taken after the run, as a
         *     share of that size: beyond wrk's rounding and the answers still in flight at its end, which are
         *     allowed for apart; 2 %, for a run whose answers are all alike, or 5 %, for one of several pages
         */
        double sizeTolerance() {
            return sizeTolerance;
        }

        /**
         * @param answer what one request got
         * @return whether it is the answer every request must get: its status, its writer (for an error), and its body
         */
        boolean accepts(Answer answer) {
            return answer.status() >= lowestStatus && answer.status() <= highestStatus
                    && (!errors() || answer.branded() == branded) && bodyMatches.test(answer.body());
        }

        @Override
        public String toString() {
            String status = lowestStatus == highestStatus ? Integer.toString(lowestStatus)
                    : lowestStatus / 100 + "xx";
            return (errors() ? Answer.kind(status, branded) : status) + " with " + body;
        }
    }

    /**
     * A paced load beside the measured one: {@code connections} connections, each sending its next request
     * {@code pacing} after the previous answer. It waits up to {@link #TIMEOUT} for an answer (wrk's default,
     * 2 s, would give up on requests that wait out the dead upstream's connect timeouts).
     *
     * @param label what it is, for the table
     * @param path the request path
     * @param connections open connections
     * @param pacing the wait of each connection between a response and its next request
     * @param answers what every answer of the background must be
     */
    record Background(String label, String path, int connections, Duration pacing, Answers answers) {
        /** How long the background waits for each answer. */
        static final Duration TIMEOUT = Duration.ofSeconds(10);
    }

    /**
     * @return the name of the measurement of the same server with the background route idle, taken first
     */
    String aloneName() {
        return name + "/alone";
    }

    /**
     * @return this measurement without its background, named {@link #aloneName()}
     */
    Measurement alone() {
        return new Measurement(aloneName(), scenario, path, headers, answers, null);
    }

    /**
     * @return what the table calls it
     */
    String label() {
        String label = headers.size() > 1 ? scenario.label() + ", browser's Accept-Encoding" : scenario.label();
        return label + (background == null ? "" : ", with " + background.label());
    }

    /**
     * Every measurement of issue 7, item 2, each next to the one its budget compares it with.
     *
     * @return the measurements, in the order they run
     */
    static List<Measurement> all() {
        // Light enough (at most 320 answers a second once the breaker is open) that its own CPU does not decide
        // the ratio: the budget is about threads and connections the dead upstream could take, not about CPU.
        Background deadRoute = new Background("16 connections to the dead route, one request per 50 ms each",
                "/dead/orders", 16, Duration.ofMillis(50), Answers.BRANDED_ERROR);
        // More connections than the dead upstream's bulkhead admits (50): 50 wait out their connect timeouts (with
        // the Jetty transport as pending exchanges, which hold no server thread), the others are refused at once
        // and come back 50 ms later.
        Background deadRouteBeyondBulkhead = new Background("64 connections to the dead route, one request per "
                + "50 ms each", "/dead/orders", 64, Duration.ofMillis(50), Answers.BRANDED_ERROR);
        return List.of(
                new Measurement("hello", Scenario.HELLO, "/hello", Answers.HELLO),
                new Measurement("hello-filtered", Scenario.HELLO_FILTERED, "/hello", Answers.HELLO),
                new Measurement("jetty-502", Scenario.JETTY_502, "/orders", Answers.CONTAINER_502),
                new Measurement("branded-502", Scenario.BRANDED_502, "/orders", Answers.BRANDED_502),
                new Measurement("open-breaker-503", Scenario.OPEN_BREAKER_503, "/orders", Answers.BRANDED_503),
                // The same three with Accept-Encoding too: Jetty's page stays as it is, ours is sent compressed.
                new Measurement("jetty-502-browser", Scenario.JETTY_502, "/orders", BROWSER_WITH_ENCODINGS,
                        Answers.CONTAINER_502, null),
                new Measurement("branded-502-browser", Scenario.BRANDED_502, "/orders", BROWSER_WITH_ENCODINGS,
                        Answers.BRANDED_502, null),
                new Measurement("open-breaker-503-browser", Scenario.OPEN_BREAKER_503, "/orders",
                        BROWSER_WITH_ENCODINGS, Answers.BRANDED_503, null),
                new Measurement("jetty-proxy", Scenario.JETTY_PROXY, "/orders", Answers.PROXIED),
                new Measurement("proxy", Scenario.PROXY, "/orders", Answers.PROXIED),
                new Measurement("proxy-jdk", Scenario.PROXY_JDK, "/orders", Answers.PROXIED),
                new Measurement("healthy-beside-dead", Scenario.HEALTHY_AND_DEAD, "/healthy/orders", BROWSER,
                        Answers.PROXIED, deadRoute),
                new Measurement("healthy-beside-dead-never-open", Scenario.HEALTHY_AND_DEAD_NEVER_OPEN,
                        "/healthy/orders", BROWSER, Answers.PROXIED, deadRouteBeyondBulkhead));
    }

    /**
     * @param names measurement names, spaces around them ignored
     * @return those measurements of {@link #all()}, in its order
     * @throws IllegalArgumentException naming the names that are no measurement's, and the known ones
     */
    static List<Measurement> named(String... names) {
        List<String> wanted = Stream.of(names).map(String::trim).toList();
        List<String> known = all().stream().map(Measurement::name).toList();
        List<String> unknown = wanted.stream().filter(name -> !known.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no measurement is named " + String.join(", ", unknown) + " (known: "
                    + String.join(", ", known) + ")");
        }
        return all().stream().filter(m -> wanted.contains(m.name())).toList();
    }
}
