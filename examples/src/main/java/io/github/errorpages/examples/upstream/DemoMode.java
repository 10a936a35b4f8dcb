package io.github.errorpages.examples.upstream;

import java.util.Locale;

/** How the demo upstream behaves; switched at run time from the gateway's demo control page. */
public enum DemoMode {
    /** Answers 200 with a small page (or JSON under {@code /api/}). */
    HEALTHY("Healthy", "answers 200"),
    /** Closes its listening socket and its connections: connecting is refused. */
    REFUSING("Refusing", "connection refused: nothing listens on the port"),
    /** Accepts the request and answers only after 30 s, far beyond the gateway's timeouts. */
    SLOW("Slow", "answers after 30 s: the gateway times out"),
    /** Reads the request, then resets the connection (TCP RST). */
    RESETTING("Resetting", "resets the connection before answering"),
    /** Answers with bytes that are not HTTP. */
    GARBAGE("Garbage", "answers with something that is not HTTP"),
    /** Answers 503 with {@code Retry-After: 30}, as an upstream in maintenance would. */
    UNAVAILABLE("503 + Retry-After", "answers 503 with Retry-After: 30"),
    /** Answers 200 and 500 in turn, so the circuit breaker opens after a few requests. */
    FLAPPING("Flapping", "alternates between 200 and 500");

    private final String label;
    private final String description;

    DemoMode(String label, String description) {
        this.label = label;
        this.description = description;
    }

    /** @return a short name for buttons */
    public String label() {
        return label;
    }

    /** @return what the mode does, in a few words */
    public String description() {
        return description;
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
