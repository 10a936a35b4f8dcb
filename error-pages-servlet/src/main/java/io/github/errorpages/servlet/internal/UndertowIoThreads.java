package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the IO thread of Undertow's exchange ({@link #of}), on which alone its request stream is read when read with a
 * {@code ReadListener} (a filter's wrapper stream that takes none, its body in memory, and a body read blocking are
 * read on other threads, safely: no listener of Undertow's reads the connection meanwhile). Completes on Undertow's IO
 * thread the asynchronous cycle of a response relayed with a {@code WriteListener} whose client went away, or that the
 * proxy aborts ({@link #abort}). Completed on any other thread, Undertow hands the close of such a stream to the
 * exchange's IO thread ({@code ServletOutputStreamImpl.closeAsync}), whose last write of what the stream still buffers
 * then fails on the connection the client closed: Undertow 2.3 logs that at ERROR with its stack trace
 * ({@code UT005088: Failed to execute ServletOutputStream.closeAsync() on IO thread}, a
 * {@code ClosedChannelException}), for every client that left mid-body, as it does for any application that writes such
 * a stream and completes its cycle on a thread of its own. Completed on the IO thread, the close runs within
 * {@code complete()}, and Undertow logs its failure at DEBUG ({@code UT005013}). Reflection on Undertow's public API
 * ({@code HttpServletRequestImpl.getExchange().getIoThread()}, {@code getConnection()}; for the stream of a request
 * upgraded to HTTP/2, its connection's fields), because this module depends on no container.
 *
 * <p>Static methods only; thread-safe.
 */
public final class UndertowIoThreads {

    private static final Logger log = LoggerFactory.getLogger(UndertowIoThreads.class);

    /**
     * {@code HttpServletRequestImpl.getExchange()}, looked up once per class, as are the two below: every request with
     * a body on Undertow asks for its IO thread ({@code NonBlockingRequestBody}), and every relayed answer is completed
     * there. A class without the method (another version) keeps its empty lookup, and each call fails as a
     * {@code getMethod} that found nothing did. Each value is a method of the container's class it is kept on, and
     * holds nothing of this library's: an application redeployed leaves nothing of its class loader in those classes.
     */
    private static final ClassValue<Optional<Method>> GET_EXCHANGE = publicMethod("getExchange");
    /** {@code HttpServerExchange.getIoThread()}, by the exchange's class. */
    private static final ClassValue<Optional<Method>> GET_IO_THREAD = publicMethod("getIoThread");
    /** {@code HttpServerExchange.getConnection()}, by the exchange's class. */
    private static final ClassValue<Optional<Method>> GET_CONNECTION = publicMethod("getConnection");

    private UndertowIoThreads() {
    }

    /**
     * The IO thread of Undertow's exchange, which runs its request stream's {@code ReadListener} and reads the
     * connection whenever {@code isReady()} resumed its reads: a read of the stream on any other thread may read the
     * connection at the same time ({@code NonBlockingRequestBody}).
     *
     * @param request the request, wrapped or not
     * @return the exchange's IO thread (an {@link Executor} that is a {@link Thread}); {@code null} for another
     *     container's request, or where it cannot be looked up (another version)
     */
    static @Nullable Executor of(ServletRequest request) {
        if (!Containers.onUndertow(request)) {
            return null;
        }
        try {
            Object ioThread = ioThreadOf(exchangeOf(request));
            return ioThread instanceof Thread && ioThread instanceof Executor executor ? executor : null;
        } catch (ReflectiveOperationException | ClassCastException | LinkageError | IllegalStateException notThere) {
            return null;
        }
    }

    /**
     * Completes the cycle on the IO thread of Undertow's exchange, then runs {@code then} there, if the request is
     * Undertow's; otherwise does nothing.
     *
     * @param request the request whose cycle it is, wrapped or not
     * @param async its cycle
     * @param then run once the cycle was completed (or found ended), whatever {@code complete()} threw
     * @return whether the completion was handed to the IO thread; if not, the caller completes the cycle
     */
    public static boolean complete(ServletRequest request, AsyncContext async, Runnable then) {
        return completeOnIoThread(request, null, async, then);
    }

    /**
     * Aborts the committed response of a client given up on (it took nothing of the body for the client idle timeout),
     * of a body cut short, or of a stream ended for being quiet: on the IO thread of Undertow's exchange, closes its
     * connection (over HTTP/1.x), or resets only its stream with {@code CANCEL} (over HTTP/2, whose connection the
     * client's other streams share: Undertow's {@code Http2ServerConnection.close()}), so that the client sees the
     * response cut short, then completes the cycle and runs {@code then} there, if the request is Undertow's; otherwise
     * does nothing. Aborted from another thread (by an exception thrown from an {@code ASYNC} dispatch, or by a close
     * and a {@code complete()} on the upstream client's thread), Undertow handed the close of the stream to its IO
     * thread, whose last write of what the stream still buffered failed on the closed connection or the reset stream,
     * and logged that at ERROR ({@code UT005088}), as for a client that left. An HTTP/1 connection whose close may end
     * the body (an HTTP/1.0 client's, or one asked to close: Undertow then sends a body of unknown length without
     * chunks; {@link ResponseAbortedException#closeMayEndTheBody}, or where that cannot be told) is closed with a reset
     * ({@link ResponseAbortedException#resetOnUndertowClose}): closed as such a body ends, what was relayed looked
     * whole. Should the close fail, the completion still sends nothing more of the body, which a closed channel no
     * longer takes ({@link ResponseAbortedException#closeUndertowExchangeConnection}).
     *
     * @param request the request whose cycle it is, wrapped or not
     * @param response its response, wrapped or not
     * @param async its cycle, whose response is committed
     * @param then run once the cycle was completed (or found ended), whatever {@code complete()} threw
     * @return whether the abort was handed to the IO thread; if not, the caller aborts the response
     */
    public static boolean abort(ServletRequest request, ServletResponse response, AsyncContext async, Runnable then) {
        return completeOnIoThread(request, response, async, then);
    }

    /**
     * @param response the response to abort before the completion, or {@code null} to complete only
     */
    private static boolean completeOnIoThread(ServletRequest request, @Nullable ServletResponse response,
            AsyncContext async, Runnable then) {
        if (!Containers.onUndertow(request)) {
            return false; // before any look at the request's headers: Jetty and Tomcat abort through forContainer
        }
        try {
            Object exchange = exchangeOf(request);
            if (!(ioThreadOf(exchange) instanceof Executor ioThread)) {
                return false;
            }
            // Only an abort needs the connection: a completion looks nothing more up. Whether its close is to be a
            // reset is told here, on the caller's thread, while the cycle is surely under way: on the IO thread the
            // request may be recycled already, the container having ended the cycle meanwhile.
            Runnable first = response == null ? () -> { } : connectionCloser(exchange,
                    ResponseAbortedException.closeMayEndTheBody(request, response));
            ioThread.execute(() -> {
                try {
                    first.run(); // an abort's close before the stream's: what the stream holds is never sent
                    async.complete();
                } catch (IllegalStateException alreadyEnded) {
                    // The container ended the cycle first: the request object may be recycled, log nothing of it.
                    log.debug("A forwarded request ended before its response was complete", alreadyEnded);
                } finally {
                    then.run();
                }
            });
            return true;
        } catch (ReflectiveOperationException | RejectedExecutionException | ClassCastException | LinkageError
                | IllegalStateException notThere) {
            // Another version, or the worker is stopping: the caller completes the cycle where it is, as before.
            return false;
        }
    }

    /** @return the exchange of Undertow's request ({@code HttpServletRequestImpl.getExchange()}), unwrapped first */
    private static Object exchangeOf(ServletRequest request) throws ReflectiveOperationException {
        return invoke(GET_EXCHANGE, Containers.of(request));
    }

    /** @return the IO thread of Undertow's {@code exchange} ({@code HttpServerExchange.getIoThread()}) */
    private static Object ioThreadOf(Object exchange) throws ReflectiveOperationException {
        return invoke(GET_IO_THREAD, exchange);
    }

    /**
     * @param reset whether the close of the HTTP/1 connection is to be a reset
     * @return what closes the connection of Undertow's {@code exchange}, or resets its HTTP/2 stream, looked up by
     *     reflection now ({@link ResponseAbortedException#closeUndertowExchangeConnection})
     */
    private static Runnable connectionCloser(Object exchange, boolean reset) throws ReflectiveOperationException {
        Object connection = invoke(GET_CONNECTION, exchange);
        return () -> closeConnection(connection, reset);
    }

    /**
     * @param name the name of a public method without parameters
     * @return that method of each class, or empty for a class without it
     */
    private static ClassValue<Optional<Method>> publicMethod(String name) {
        return new ClassValue<>() {
            @Override
            protected Optional<Method> computeValue(Class<?> type) {
                try {
                    return Optional.of(type.getMethod(name));
                } catch (NoSuchMethodException notThere) {
                    return Optional.empty();
                }
            }
        };
    }

    /**
     * @return what the method looked up for {@code target}'s class returns
     * @throws NoSuchMethodException where that class has no such method
     * @throws ReflectiveOperationException where the call failed
     */
    private static Object invoke(ClassValue<Optional<Method>> method, Object target)
            throws ReflectiveOperationException {
        Optional<Method> found = method.get(target.getClass());
        if (found.isEmpty()) {
            throw new NoSuchMethodException(target.getClass().getName());
        }
        return found.get().invoke(target);
    }

    private static void closeConnection(Object connection, boolean reset) {
        if (reset) {
            try {
                ResponseAbortedException.resetOnUndertowClose(connection);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError notReset) {
                // Neither XNIO's option nor the socket below it took the reset: the connection already closed (the
                // client left, and reads nothing more), or another version. Closed all the same, the one abort left,
                // though a client still reading a body delimited by the connection's end takes it for whole.
                log.debug("Could not make the close of an aborted response's connection a reset", notReset);
            }
        }
        try {
            ResponseAbortedException.closeUndertowExchangeConnection(connection);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notClosed) {
            // Not even closed through the channel below it, nor its HTTP/2 connection: the completion then ends the
            // response as Undertow ends it, as it did when the abort thrown to it (whose close is the same,
            // ResponseAbortedException#forContainer) could not close it either.
            log.debug("Could not abort a response on Undertow's IO thread", notClosed);
        }
    }
}
