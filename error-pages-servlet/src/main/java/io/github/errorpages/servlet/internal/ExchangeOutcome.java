package io.github.errorpages.servlet.internal;

/**
 * The outcome of a Jetty transport's exchange that leaves nothing to answer; any other outcome is the upstream's
 * failure to answer with the page, or an exception to throw. Apart from {@link JettyForwarder}, because the code that
 * answers outcomes answers the JDK transport's too (a body cut short, answered from an ASYNC dispatch), and must run
 * where no Jetty class is on the class path: reading a constant of {@link JettyForwarder} initialises that class,
 * which names Jetty's types throughout.
 */
public enum ExchangeOutcome {
    /** The response is complete, or its client went away: there is nobody to answer. */
    DONE
}
