package io.github.errorpages.servlet.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.util.Collections;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

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
    private static final String TOMCAT_HTTP2_STREAM = "org.apache.coyote.http2.Stream";
    private static final String TOMCAT_HTTP2_ERROR = "org.apache.coyote.http2.Http2Error";
    private static final String TOMCAT_ACTION_CODE = "org.apache.coyote.ActionCode";
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
    /** HTTP/2's error code {@code CANCEL} (RFC 9113 §7), with which a stream is reset. */
    private static final int HTTP2_CANCEL = 0x8;

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
     * Aborts Jetty's response, when the request's asynchronous cycle is started (by a filter in front, as a framework's
     * may): an exception thrown out of the dispatch does not end that cycle, and Jetty completed it when its timeout
     * came, the body's last chunk sent as if it were whole. Thrown after the abort, the exception made Jetty log a
     * WARN with its stack trace ("onError not handled"): the caller returns instead of throwing
     * {@link #forContainer}.
     *
     * @param request the request being answered, wrapped or not
     * @param response its response, wrapped or not
     * @return whether the response was aborted so; if not, throw {@link #forContainer}
     */
    public boolean abortedInAStartedCycle(HttpServletRequest request, HttpServletResponse response) {
        if (!request.isAsyncStarted() || !onJetty(response)) {
            return false;
        }
        resetIfTheCloseEndsTheBody(request, response);
        abortOnJetty(response);
        return true;
    }

    /**
     * The exception to throw to the container for this abort: on Tomcat its own {@code ClientAbortException}, with
     * this as the cause, which aborts the connection whatever error pages the application has (and from a REQUEST or
     * FORWARD dispatch over HTTP/2 the stream marked reset first, {@link #cancelTomcatStream}); on Jetty its
     * {@code EofException}, with this as the cause, which it aborts the connection for without logging it again; on
     * Undertow this, with the exchange's connection closed first; elsewhere this. On all three an HTTP/1 connection
     * whose close may end the body is made to close with a reset ({@link #resetIfTheCloseEndsTheBody}). Reflection,
     * because this module depends on neither container; an abort is rare, so nothing is cached (and no class of the
     * container's is held).
     *
     * @param request the request being answered, wrapped or not
     * @param response its response, wrapped or not
     * @return the exception to throw
     */
    public IOException forContainer(HttpServletRequest request, HttpServletResponse response) {
        resetIfTheCloseEndsTheBody(request, response);
        ServletRequest inner = Containers.of(request);
        Class<?> containers = inner.getClass();
        String container = containers.getName();
        try {
            if (container.startsWith(TOMCAT_PACKAGE)) {
                DispatcherType dispatch = request.getDispatcherType();
                if (dispatch == DispatcherType.REQUEST || dispatch == DispatcherType.FORWARD) {
                    // Not an INCLUDE's, which its includer may catch to go on writing; not an ASYNC's, which Tomcat
                    // resets already (and whose stream, once cancelled, a later flush would end cleanly).
                    cancelTomcatStream(inner, getMessage());
                }
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
                closeUndertowConnection(inner);
            }
        } catch (ReflectiveOperationException | ClassCastException | LinkageError | IllegalStateException notThere) {
            // A container without it: the exception as it is aborts (on Tomcat, unless an error page matches).
        }
        return this;
    }

    /**
     * Makes the container's close of an aborted response's HTTP/1 connection a reset, where the close may end its body
     * ({@link #closeDelimited}): for an abort the container makes, of a response the filter or the proxy could not
     * answer. Called before the container closes the connection; Undertow's is closed here, with the reset.
     *
     * @param request the request being answered, wrapped or not
     * @param response its response, wrapped or not
     */
    public static void resetIfTheCloseEndsTheBody(ServletRequest request, ServletResponse response) {
        if (closeMayEndTheBody(request, response)) {
            ServletRequest inner = Containers.of(request);
            resetOnClose(inner, inner.getClass().getName());
        }
    }

    /**
     * @param request the request being answered, wrapped or not
     * @param response its response, wrapped or not
     * @return whether the close of the request's connection may end the response's body ({@link #closeDelimited}),
     *     so that an abort's close must be a reset; also where that cannot be told (a wrapper that throws for the
     *     response's fields), as a reset cuts any body short; also for {@link UndertowIoThreads#abort}, which closes
     *     the connection on Undertow's IO thread
     */
    static boolean closeMayEndTheBody(ServletRequest request, ServletResponse response) {
        try {
            return request instanceof HttpServletRequest http && response instanceof HttpServletResponse httpResponse
                    && closeDelimited(http, httpResponse);
        } catch (RuntimeException untold) {
            // Thrown on, it left the abort's caller with neither the close nor the cycle's end.
            return true;
        }
    }

    /**
     * Whether the committed body may be delimited by the end of its connection (RFC 9112 §6.3, rule 8): the client
     * spoke HTTP/1.0, which has no chunks, or the request or the response asked for the connection to be closed, after
     * which Jetty and Undertow (and for the response's own {@code Connection: close} Tomcat too) send a body of
     * unknown length without chunks. nginx's {@code proxy_pass} speaks HTTP/1.0 by default. Such a body ends with the
     * connection's close, and the abort's close ended the part written as if it were the whole. A body with a length,
     * or chunks, that is closed with a reset is no less cut short.
     */
    private static boolean closeDelimited(HttpServletRequest request, HttpServletResponse response) {
        String protocol = request.getProtocol();
        if ("HTTP/1.0".equals(protocol)) {
            return true;
        }
        return "HTTP/1.1".equals(protocol) && (asksToClose(request.getHeaders("Connection"))
                || asksToClose(Collections.enumeration(response.getHeaders("Connection"))));
    }

    /** Whether a {@code Connection} field, on all its lines, holds the {@code close} option (RFC 9112 §9.6). */
    private static boolean asksToClose(@Nullable Enumeration<String> lines) {
        while (lines != null && lines.hasMoreElements()) {
            for (String option : lines.nextElement().split(",")) {
                if (option.trim().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Makes the container's close of the request's TCP connection a reset ({@code SO_LINGER} 0): a body delimited by
     * the connection's end that ends with a reset is cut short to its client, where one that ends with a close is
     * whole (as the proxy's own client reads an upstream's, {@code CloseDelimitedBodies}). The container then closes
     * the connection, aborting the response, as before. Reflection on the containers' internals: Jetty 12's endpoint's
     * transport, Tomcat's socket of its HTTP/1.1 input buffer (checked with 12.1.14 and 11.0.22), Undertow's connection
     * of the exchange, through XNIO's {@code CLOSE_ABORT}, closed at once (checked with 2.3.21); anything else (Jetty's
     * in-memory {@code LocalConnector}, another version) leaves the close as it was.
     */
    private static void resetOnClose(ServletRequest inner, String container) {
        try {
            Object channel = null;
            if (container.startsWith(JETTY_PACKAGE)) {
                Object connection = call(call(call(inner, "getRequest"), "getConnectionMetaData"), "getConnection");
                channel = call(call(connection, "getEndPoint"), "getTransport");
            } else if (container.startsWith(TOMCAT_PACKAGE)) {
                Object input = call(call(declaredField(inner, "request"), "getCoyoteRequest"), "getInputBuffer");
                channel = call(call(declaredField(input, "wrapper"), "getSocket"), "getIOChannel");
            } else if (container.startsWith(UNDERTOW_PACKAGE)) {
                Object connection = call(call(inner, "getExchange"), "getConnection");
                resetOnUndertowClose(connection);
                // Closed now: Undertow's own close, after a write listener's failure, still ended with a FIN.
                closeUndertowExchangeConnection(connection);
            }
            if (channel instanceof NetworkChannel network) {
                network.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException | LinkageError notThere) {
            // Another version or transport: closed as before.
        }
    }

    /**
     * Makes the close of an Undertow exchange's HTTP/1 connection a reset, through XNIO's own option for it
     * ({@code CLOSE_ABORT}, which sets {@code SO_LINGER} 0 on its socket, over TLS on the plain connection below); the
     * caller closes it. Also for {@link UndertowIoThreads#abort}, which closes it on Undertow's IO thread.
     *
     * @param exchangesConnection what the exchange's public {@code getConnection()} returned
     * @throws ReflectiveOperationException when XNIO's option, or the connection's {@code setOption}, is not there
     */
    static void resetOnUndertowClose(Object exchangesConnection) throws ReflectiveOperationException {
        ClassLoader loader = exchangesConnection.getClass().getClassLoader();
        Class<?> option = Class.forName("org.xnio.Option", false, loader);
        Object closeAbort = Class.forName("org.xnio.Options", false, loader).getField("CLOSE_ABORT").get(null);
        exchangesConnection.getClass().getMethod("setOption", option, Object.class)
                .invoke(exchangesConnection, closeAbort, true);
    }

    /** Calls a public method without arguments of a container's object, whose class may be a non-public one. */
    private static Object call(Object target, String name) throws ReflectiveOperationException {
        Method method = target.getClass().getMethod(name);
        method.setAccessible(true);
        return method.invoke(target);
    }

    /**
     * Aborts a committed response whose application listener threw an upstream failure, from where no exception of
     * the filter's reaches the container, and tells that listener's {@code onError} of the failure in the order the
     * container needs. Jetty 12 ({@code HttpOutput.writeCallback}, {@code HttpInput.readCallback}, ee10 and ee11,
     * checked with 12.1.14) and Undertow tell what a {@code WriteListener}'s or {@code ReadListener}'s callback throws
     * only to that listener's {@code onError}; the cycle's {@code AsyncListener}s are never told, and no dispatch
     * returns through the filter. Jetty then closes the stream, or the {@code complete()} that {@code onError} calls
     * ends the response, either of which ends the body as if whole: Jetty's response is aborted through its
     * {@code sendError(-1, message)} once {@code onError} returned ({@code ServletApiResponse.sendError}: the channel
     * aborted whatever was committed, the connection closed before a chunked body's end, an HTTP/2 stream reset).
     * Undertow's {@code complete()} there sends the last chunk before {@code onError} returns: its connection is closed
     * first. Elsewhere only {@code onError} is told. A connection whose close may end the body is made to close with a
     * reset before {@code onError} is told, whose {@code complete()} may close it
     * ({@link #resetIfTheCloseEndsTheBody}).
     *
     * @param request the request being answered, wrapped or not
     * @param response its response, wrapped or not
     * @param tellListener tells the listener's {@code onError} of the failure; what it throws is dropped, as Jetty and
     *     Undertow only log it
     */
    public void abortAround(ServletRequest request, ServletResponse response, Runnable tellListener) {
        resetIfTheCloseEndsTheBody(request, response);
        boolean closed = closedOnUndertow(request);
        try {
            tellListener.run();
        } catch (RuntimeException inOnError) {
            // The containers, too, only log what onError throws: the response ends all the same, aborted.
        } finally {
            if (!closed) {
                abortOnJetty(response);
            }
        }
    }

    /**
     * Aborts Jetty's own response, the wrappers above it unwrapped ({@link #abortAround}): another container treats
     * {@code -1} as a status, refused once committed.
     */
    private void abortOnJetty(ServletResponse response) {
        if (!(Containers.of(response) instanceof HttpServletResponse jetty) || !onJetty(jetty)) {
            return;
        }
        try {
            jetty.sendError(-1, getMessage());
        } catch (IOException | IllegalStateException notAborted) {
            // the response ends as Jetty ends it; the abort was logged
        }
    }

    /**
     * Closes the connection of Undertow's own request, if it is Undertow's ({@link #abortAround}).
     *
     * @return whether it is Undertow's and its connection was closed
     */
    private static boolean closedOnUndertow(ServletRequest request) {
        ServletRequest inner = Containers.of(request);
        if (!inner.getClass().getName().startsWith(UNDERTOW_PACKAGE)) {
            return false;
        }
        try {
            return closeUndertowConnection(inner);
        } catch (ReflectiveOperationException | ClassCastException | LinkageError | IllegalStateException notThere) {
            return false;
        }
    }

    /**
     * Closes the connection of Undertow's exchange through the public {@code getExchange().getConnection()}: an XNIO
     * channel, for HTTP/2 the stream's, which closing resets. Undertow then sends nothing more of the response, not a
     * chunked body's last chunk.
     *
     * @param inner Undertow's own request, below every wrapper
     * @return whether a connection was closed
     */
    private static boolean closeUndertowConnection(ServletRequest inner) throws ReflectiveOperationException {
        Object exchange = inner.getClass().getMethod("getExchange").invoke(inner);
        return closeUndertowExchangeConnection(exchange.getClass().getMethod("getConnection").invoke(exchange));
    }

    /**
     * Closes the connection of an Undertow exchange, as {@link #closeUndertowConnection} does: over HTTP/1.x its TCP
     * connection; over HTTP/2 only the exchange's stream, reset with {@code CANCEL} ({@code Http2ServerConnection}'s
     * {@code close()}, or for a request upgraded to HTTP/2 {@link #resetUpgradedStream}), the connection's other
     * streams untouched. Also for {@link UndertowIoThreads#abort}, which closes it on Undertow's IO thread. What it
     * cannot close so, it closes wider, never leaving what the completion then ends as if whole (R5): an HTTP/1
     * connection whose {@code close()} threw is closed through its XNIO channel ({@code getChannel()}), a stream that
     * could not be reset with the whole HTTP/2 connection, a lost connection being better than a cut body that looks
     * whole. A close that throws still leaves XNIO's connection and the JDK's channel closed (both mark it so before
     * they close it), to which the completion's writes, a chunked body's last chunk, then fail.
     *
     * @param exchangesConnection what the exchange's public {@code getConnection()} returned
     * @return whether it was closed (or its stream reset)
     * @throws ReflectiveOperationException when the stream of a request upgraded to HTTP/2 could neither be reset nor
     *     its connection closed, or an HTTP/1 connection whose {@code close()} threw unchecked has no channel to close
     */
    static boolean closeUndertowExchangeConnection(Object exchangesConnection) throws ReflectiveOperationException {
        if (!(exchangesConnection instanceof Closeable connection)) {
            return false;
        }
        try {
            connection.close();
            return true;
        } catch (IOException notClosed) {
            return closeChannelOf(connection); // closed all the same, most likely: no harm in closing it again
        } catch (NullPointerException upgraded) {
            // The connection of a request upgraded to HTTP/2 (h2c, by HTTP/1.1's Upgrade: the JDK's HttpClient asks
            // so by default) has no request channel, and its close() fails on that (Undertow 2.3): Undertow logged
            // the NullPointerException with its stack trace and ended the response as if it were whole.
            return resetUpgradedStream(connection) || closeChannelOf(connection);
        } catch (RuntimeException notClosed) {
            return closeChannelOf(connection);
        }
    }

    /**
     * Closes the channel below an Undertow connection, held in its {@code channel} field: an HTTP/1 connection's XNIO
     * {@code StreamConnection} (else through its public {@code getChannel()}), an HTTP/2 stream's whole connection
     * ({@code Http2ServerConnection}'s {@code Http2Channel}, which it has no getter for).
     *
     * @return whether a channel was found and closed
     * @throws ReflectiveOperationException when neither is there
     */
    private static boolean closeChannelOf(Object connection) throws ReflectiveOperationException {
        Object channel;
        try {
            channel = declaredField(connection, "channel");
        } catch (ReflectiveOperationException | RuntimeException notThere) {
            channel = call(connection, "getChannel");
        }
        if (!(channel instanceof Closeable closeable)) {
            return false;
        }
        try {
            closeable.close();
            return true;
        } catch (IOException | RuntimeException notClosed) {
            return false; // nothing more to do: the response ends as Undertow ends it
        }
    }

    /**
     * Resets the HTTP/2 stream of a request upgraded to HTTP/2, through the fields of Undertow's
     * {@code Http2ServerConnection}: its {@code Http2Channel} and the stream's sink, whose stream id it resets with
     * {@code CANCEL}.
     *
     * @return whether the stream was reset; if not, the caller closes the whole connection
     */
    private static boolean resetUpgradedStream(Object connection) {
        try {
            Object channel = declaredField(connection, "channel");
            Object sink = declaredField(connection, "responseChannel");
            int streamId = (Integer) call(sink, "getStreamId");
            channel.getClass().getMethod("sendRstStream", int.class, int.class).invoke(channel, streamId,
                    HTTP2_CANCEL);
            return true;
        } catch (ReflectiveOperationException | RuntimeException inaccessible) {
            return false; // a field not opened to this module, or of another type
        }
    }

    /**
     * Ends a response that Tomcat takes for committed though none of it was sent, as Tomcat ends one whose stream
     * reached its {@code Content-Length}: the application wrote all of the length it set through the writer, whose
     * text Tomcat keeps in its buffer, and Tomcat's {@code isCommitted()} is true once as many characters were written.
     * The response is complete, so the client gets it whole before the abort, as on Jetty (and on Tomcat through the
     * stream); left in the buffer, it went out after the abort's {@code ClientAbortException} with the status Tomcat
     * sets for that exception, 400. Reflection on Tomcat's internals (the facade's {@code response}, its public
     * methods): another container, or anything missing, leaves the response as it was.
     *
     * @param response the response to be aborted, wrapped or not
     */
    public static void endWholeUnsentOnTomcat(HttpServletResponse response) {
        ServletResponse facade = Containers.of(response);
        if (!facade.getClass().getName().startsWith(TOMCAT_PACKAGE) || !facade.isCommitted()) {
            return;
        }
        try {
            Object inner = declaredField(facade, "response");
            long length = ((Number) call(inner, "getContentLength")).longValue();
            if (Boolean.FALSE.equals(call(inner, "isCommitted")) && Boolean.FALSE.equals(call(inner, "isSuspended"))
                    && length > 0 && ((Number) call(inner, "getContentWritten")).longValue() >= length) {
                call(inner, "finishResponse");
            }
        } catch (InvocationTargetException clientGone) {
            // Its write failed: aborted as before.
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notThere) {
            // Another version: the response ends as before.
        }
    }

    /**
     * Has Tomcat end a response at once, as it does for a write that failed ({@code CLOSE_NOW}): for a response whose
     * cycle Tomcat ends while another thread still writes it (a relay of the upstream's answer), which the proxy can
     * neither answer nor let Tomcat answer. Left as it was, Tomcat answered it with its own 500 error report, under the
     * upstream's fields the relay had set (its {@code Content-Length} too), a response that looked whole. Once this
     * returns {@code true}, nothing more of the response is sent, what is written after is dropped, and no I/O is
     * allowed: one not committed yet is never sent, one committed is cut short; over HTTP/1.x Tomcat closes the
     * connection (tested with 11.0.22), over HTTP/2 it resets the stream ({@code RST_STREAM INTERNAL_ERROR}) and the
     * connection serves on (its {@code StreamProcessor}, for an error state that allows the connection's I/O and not
     * the stream's). It does not end the asynchronous cycle: the caller still completes it, or Tomcat never tells the
     * cycle's listeners {@code onComplete} and counts the request in progress for good. Reflection on Tomcat's
     * internals (the facade's {@code response}, its coyote response's public {@code action}): another container, or
     * anything missing, leaves the response as it was.
     *
     * <p>Not thread-safe beyond what Tomcat's {@code action} is: to be called on the thread Tomcat ends the cycle on.
     *
     * @param response the response, wrapped or not
     * @return whether Tomcat took the action; {@code false} for another container, or a Tomcat whose internals differ
     */
    public static boolean closeNowOnTomcat(HttpServletResponse response) {
        ServletResponse facade = Containers.of(response);
        if (!facade.getClass().getName().startsWith(TOMCAT_PACKAGE)) {
            return false;
        }
        try {
            Object coyote = call(declaredField(facade, "response"), "getCoyoteResponse");
            ClassLoader loader = coyote.getClass().getClassLoader();
            Class<? extends Enum> codes = Class.forName(TOMCAT_ACTION_CODE, false, loader).asSubclass(Enum.class);
            @SuppressWarnings("unchecked")
            Object closeNow = Enum.valueOf(codes, "CLOSE_NOW");
            coyote.getClass().getMethod("action", codes, Object.class).invoke(coyote, closeNow, null);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notThere) {
            // Another version: Tomcat answers as before.
            return false;
        }
    }

    /**
     * @param response a response, wrapped or not
     * @return whether it is Jetty's ({@link #abortAround})
     */
    public static boolean onJetty(ServletResponse response) {
        return Containers.of(response).getClass().getName().startsWith(JETTY_PACKAGE);
    }

    /**
     * @param response a response, wrapped or not
     * @return whether it is Undertow's, which ends a response whose {@code WriteListener} threw by closing the
     *     connection itself, telling only that listener's {@code onError}
     */
    public static boolean onUndertow(ServletResponse response) {
        return Containers.of(response).getClass().getName().startsWith(UNDERTOW_PACKAGE);
    }

    /**
     * Over HTTP/2, Tomcat 11 (checked with 11.0.22) ends the stream of a response whose servlet threw from a REQUEST or
     * FORWARD dispatch with END_STREAM (its {@code StreamProcessor} ends the output unconditionally) and only then
     * resets it, too late: a chunked body cut short looked whole. Its own {@code Stream.doStreamCancel}, what it does
     * to a stream whose write timed out, marks the stream's output closed and reset, so that ending it sends nothing
     * and throws {@code CloseNowException}, and Tomcat resets the stream with RST_STREAM(INTERNAL_ERROR). Not over
     * HTTP/1.1, whose request's input buffer is no HTTP/2 stream's. Reflection on Tomcat's internals (the facade's
     * {@code request}, the stream's input buffer's enclosing stream): anything missing leaves the response as it was.
     */
    private static void cancelTomcatStream(ServletRequest facade, String message) {
        try {
            Object request = declaredField(facade, "request");
            Object coyoteRequest = request.getClass().getMethod("getCoyoteRequest").invoke(request);
            Object input = coyoteRequest.getClass().getMethod("getInputBuffer").invoke(coyoteRequest);
            if (input == null || !input.getClass().getName().startsWith(TOMCAT_HTTP2_STREAM + "$")) {
                return; // HTTP/1.1 (or AJP): the abort closes the connection before the chunked body's end
            }
            Object stream = declaredField(input, "this$0");
            ClassLoader loader = stream.getClass().getClassLoader();
            Class<? extends Enum> errors = Class.forName(TOMCAT_HTTP2_ERROR, false, loader).asSubclass(Enum.class);
            @SuppressWarnings("unchecked")
            Object internalError = Enum.valueOf(errors, "INTERNAL_ERROR");
            Method cancel = Class.forName(TOMCAT_HTTP2_STREAM, false, loader)
                    .getDeclaredMethod("doStreamCancel", String.class, errors);
            cancel.setAccessible(true);
            cancel.invoke(stream, message, internalError);
        } catch (InvocationTargetException cancelled) {
            // The CloseNowException it always throws: the stream is marked reset.
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notThere) {
            // Another version, or no HTTP/2: ended as before.
        }
    }

    private static Object declaredField(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> type = owner.getClass(); type != null; type = type.getSuperclass()) {
            try {
                Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(owner);
            } catch (NoSuchFieldException inSuperclass) {
                // look further up
            }
        }
        throw new NoSuchFieldException(name);
    }
}
