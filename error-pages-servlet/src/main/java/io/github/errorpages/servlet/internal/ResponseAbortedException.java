package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.io.Closeable;
import java.io.IOException;

/**
 * Thrown to the container when an upstream failure comes after the response was committed: the status
 * and part of the body are on the wire, nothing can be appended (R5), and a container that gets an
 * exception for a committed response aborts the connection, so the client sees an incomplete response
 * instead of a truncated one that looks whole. An {@link IOException} so that containers log it as one
 * line; without a stack trace, because it always comes from the same place. What leaves for the container
 * is {@link #forContainer}.
 */
public final class ResponseAbortedException extends IOException {

    private static final long serialVersionUID = 1L;
    /**
     * The one exception Tomcat (10.1, 11) aborts a committed response for without an error page of the
     * application's first: its {@code StandardHostValve} includes a page that matches any other exception (an
     * {@code <error-page>} for {@code Throwable}, {@code Exception} or {@code IOException}, or a default one as
     * Spring Boot registers) into the committed response and ends it as if it were whole.
     */
    private static final String TOMCAT_CLIENT_ABORT = "org.apache.catalina.connector.ClientAbortException";
    private static final String TOMCAT_PACKAGE = "org.apache.catalina.";
    /**
     * Jetty 12's {@code EofException}, a {@code QuietException}: Jetty aborts a committed response for it as for any
     * exception, and logs it at DEBUG only, where it logs any other at WARN, a second line for an abort already
     * logged with its support code.
     */
    private static final String JETTY_EOF = "org.eclipse.jetty.io.EofException";
    private static final String JETTY_PACKAGE = "org.eclipse.jetty.";
    /**
     * Undertow ends an exchange that a servlet threw for after commit as a whole one (a chunked body's last chunk, the
     * connection kept), whatever the exception: the abort closes the exchange's connection itself.
     */
    private static final String UNDERTOW_PACKAGE = "io.undertow.";

    /**
     * @param message what happened, naming the cause token; no host, no address
     */
    public ResponseAbortedException(String message) {
        super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /**
     * @param thrown an exception that reached a filter or a listener, unwrapped from {@code ServletException}s
     * @return whether it is an abort already logged: this exception, or what {@link #forContainer} made of it
     */
    public static boolean isAbort(Throwable thrown) {
        return thrown instanceof ResponseAbortedException || thrown.getCause() instanceof ResponseAbortedException;
    }

    /**
     * The exception to throw to the container for this abort: on Tomcat its own {@code ClientAbortException}, with
     * this as the cause, which aborts the connection whatever error pages the application has; on Jetty its
     * {@code EofException}, with this as the cause, which it aborts the connection for without logging it again;
     * on Undertow this, with the exchange's connection closed first; elsewhere this. Reflection, because this module depends on neither container; an abort is rare, so nothing is
     * cached (and no class of the container's is held).
     *
     * @param request the request being answered, wrapped or not
     * @return the exception to throw
     */
    public IOException forContainer(ServletRequest request) {
        ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        Class<?> containers = inner.getClass();
        String container = containers.getName();
        try {
            if (container.startsWith(TOMCAT_PACKAGE)) {
                return Class.forName(TOMCAT_CLIENT_ABORT, false, containers.getClassLoader())
                        .asSubclass(IOException.class)
                        .getConstructor(String.class, Throwable.class).newInstance(getMessage(), this);
            }
            if (container.startsWith(JETTY_PACKAGE)) {
                IOException eof = Class.forName(JETTY_EOF, false, containers.getClassLoader())
                        .asSubclass(IOException.class)
                        .getConstructor(String.class).newInstance(getMessage());
                eof.initCause(this);
                return eof;
            }
            if (container.startsWith(UNDERTOW_PACKAGE)) {
                Object exchange = containers.getMethod("getExchange").invoke(inner);
                if (exchange.getClass().getMethod("getConnection").invoke(exchange) instanceof Closeable connection) {
                    connection.close(); // an XNIO channel: for HTTP/2 the stream's, which closing resets
                }
            }
        } catch (ReflectiveOperationException | ClassCastException | LinkageError | IllegalStateException
                | IOException notThere) {
            // A container without it: the exception as it is aborts (on Tomcat, unless an error page matches).
        }
        return this;
    }
}
