package io.github.errorpages.examples.upstream;

import java.util.Locale;

/** How the demo upstream behaves; switched at run time from the gateway's demo control page. */
public enum DemoMode {
    /** Answers 200 with a small page (or JSON under {@code /api/}). */
    HEALTHY("Healthy", "answers 200", "200, passed on"),
    /** Closes its listening socket and its connections: connecting is refused. */
    REFUSING("Refusing", "connection refused: nothing listens on the port", "502 connection_refused"),
    /** Accepts the request and answers only after 30 s, far beyond the gateway's timeouts. */
    SLOW("Slow", "answers after 30 s: the gateway times out", "504 after about 2 s"),
    /** Reads the request, then resets the connection (TCP RST). */
    RESETTING("Resetting", "resets the connection before answering", "502 connection_terminated"),
    /** Answers with bytes that are not HTTP. */
    GARBAGE("Garbage", "answers with something that is not HTTP", "502 http_protocol_error"),
    /** Answers 503 with {@code Retry-After: 30}, as an upstream in maintenance would. */
    UNAVAILABLE("503 + Retry-After", "answers 503 with Retry-After: 30", "503, its Retry-After: 30 kept"),
    /** Answers 200 and 500 in turn, so the circuit breaker opens after a few requests. */
    FLAPPING("Flapping", "alternates between 200 and 500", "200 and 500 in turn, then 503 once the breaker opens");

    private final String label;
    private final String description;
    private final String gatewayAnswer;

    DemoMode(String label, String description, String gatewayAnswer) {
        this.label = label;
        this.description = description;
        this.gatewayAnswer = gatewayAnswer;
    }

    /** @return a short name for buttons */
    public String label() {
        return label;
    }

    /** @return what the mode does, in a few words */
    public String description() {
        return description;
    }

    /** @return what the demo gateway answers for {@code /orders} in this mode, e.g. {@code 502 connection_refused} */
    public String gatewayAnswer() {
        return gatewayAnswer;
    }

    /** @return the mode's name as used in URLs, e.g. {@code refusing} */
    public String slug() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param slug a mode's slug, case-insensitive
     * @return the mode
     * @throws IllegalArgumentException if no mode has that slug
     */
    public static DemoMode fromSlug(String slug) {
        for (DemoMode mode : values()) {
            if (mode.slug().equalsIgnoreCase(slug.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("Unknown demo mode '" + slug + "'; known: healthy, refusing, slow, "
                + "resetting, garbage, unavailable, flapping");
    }
}
