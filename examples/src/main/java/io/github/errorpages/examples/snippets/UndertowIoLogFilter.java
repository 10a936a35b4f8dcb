package io.github.errorpages.examples.snippets;

/**
 * docs/troubleshooting.md, Undertow's {@code UT005088}: an application's own servlet that writes with a
 * {@code WriteListener} and completes its cycle on a thread of its own gets that ERROR line, with a stack trace, for
 * every client that leaves mid-body; this drops it on {@code java.util.logging}. The logger is held in a static
 * field: the JDK holds a logger nobody else does only weakly, and its filter would go with it.
 */
public final class UndertowIoLogFilter {

    private UndertowIoLogFilter() {
    }

    // snippet:undertow-io-log-filter
    static final java.util.logging.Logger UNDERTOW_IO = java.util.logging.Logger.getLogger("io.undertow.request.io");
    static {
        UNDERTOW_IO.setFilter(line -> line.getMessage() == null || !line.getMessage().startsWith("UT005088"));
    }
    // end-snippet

    /** Installs the filter: initialising this class does, once. */
    public static void install() {
        // The static initialiser above has run by the time this is called.
    }
}
