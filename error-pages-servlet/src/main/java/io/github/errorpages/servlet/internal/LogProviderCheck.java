package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletContext;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Says once, where the operator looks, that SLF4J drops this library's log lines. With no SLF4J provider on the
 * class path (none comes with the library, nor with an embedded container), or only one of another generation than
 * the API (a 2.x provider behind SLF4J 1.7's API), SLF4J prints one warning of its own and drops every line: among
 * them the WARN line that carries each page's support code, so that no incident a user reports can be found in the
 * logs, and nothing says why in the library's terms. Asked where the library starts
 * (the filter's and the proxy servlet's {@code init}, the initializer), never on a request.
 *
 * <p>Thread-safe: one line per class loader of this class (per JVM, for an embedded container), however many
 * filters and servlets start.
 */
public final class LogProviderCheck {

    /** The line written; its start is what the docs tell the operator to look for. */
    public static final String DROPPED = "error-pages: SLF4J found no logging provider (none on the class path, one "
            + "of another generation than slf4j-api, or slf4j-nop): the log line of each error page, which carries its "
            + "support code, is dropped, and so are the library's other log lines. Add a provider of slf4j-api's "
            + "generation (for 2.x: logback-classic, slf4j-simple or log4j-slf4j2-impl)";

    private static final AtomicBoolean written = new AtomicBoolean();

    private LogProviderCheck() {
    }

    /**
     * Writes {@link #DROPPED} once, through the container's own log, when SLF4J has no provider. Jetty's own log
     * goes through SLF4J, so an embedded Jetty that shares this library's SLF4J drops the line too: it is then
     * logged through the JDK's own logging ({@link System.Logger}: {@code java.util.logging}, whose default handler
     * writes to standard error, where SLF4J's own warning is).
     *
     * @param context the application starting the library, whose log is the container's; {@code null} before the
     *     container gave one (the line then goes to the JDK's logging)
     */
    public static void warnIfDropped(@Nullable ServletContext context) {
        // Asked again at each start until written: an instanceof, at start-up only.
        if (written.get() || !(LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory)
                || !written.compareAndSet(false, true)) {
            return;
        }
        if (context == null || logsThroughThisSlf4j(context)) {
            System.getLogger(LogProviderCheck.class.getName()).log(System.Logger.Level.WARNING, DROPPED);
        } else {
            context.log(DROPPED);
        }
    }

    /**
     * Whether the container writes its log through the very SLF4J this library does, which drops it: an embedded
     * Jetty 12's does (Tomcat and Undertow write theirs through logging of their own; the Jetty distribution's SLF4J,
     * in the server's class loader with Jetty's provider, is not the application's).
     */
    private static boolean logsThroughThisSlf4j(ServletContext context) {
        Class<?> type = context.getClass();
        if (!type.getName().startsWith("org.eclipse.jetty.")) {
            return false;
        }
        try {
            return Class.forName(LoggerFactory.class.getName(), false, type.getClassLoader()) == LoggerFactory.class;
        } catch (ClassNotFoundException | LinkageError notThere) {
            return false;
        }
    }
}
