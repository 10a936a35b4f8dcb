package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import java.lang.reflect.Method;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes on Undertow's IO thread the asynchronous cycle of a response relayed with a {@code WriteListener} whose
 * client went away. Completed on any other thread, Undertow hands the close of such a stream to the exchange's IO
 * thread ({@code ServletOutputStreamImpl.closeAsync}), whose last write of what the stream still buffers then fails on
 * the connection the client closed: Undertow 2.3 logs that at ERROR with its stack trace ({@code UT005088: Failed to
 * execute ServletOutputStream.closeAsync() on IO thread}, a {@code ClosedChannelException}), for every client that
 * left mid-body, as it does for any application that writes such a stream and completes its cycle on a thread of its
 * own. Completed on the IO thread, the close runs within {@code complete()}, and Undertow logs its failure at DEBUG
 * ({@code UT005013}). Reflection on Undertow's public API ({@code HttpServletRequestImpl.getExchange().getIoThread()}),
 * because this module depends on no container.
 *
 * <p>Static methods only; thread-safe.
 */
public final class UndertowIoThreads {

    private static final Logger log = LoggerFactory.getLogger(UndertowIoThreads.class);

    private UndertowIoThreads() {
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
        return completeOnIoThread(request, async, false, then);
    }

    /**
     * Aborts the HTTP/1.x response of a client given up on (it took nothing of the body for the client idle timeout):
     * on the IO thread of Undertow's exchange, closes its connection, so the client sees the response cut short, then
     * completes the cycle and runs {@code then} there, if the request is Undertow's; otherwise does nothing. Aborted by
     * an exception thrown from an {@code ASYNC} dispatch instead, Undertow closed the stream from a worker thread, on
     * its IO thread, and logged its failure at ERROR ({@code UT005088}), as for a client that left.
     *
     * @param request the request whose cycle it is, wrapped or not, over HTTP/1.x (a connection of its own)
     * @param async its cycle, whose response is committed
     * @param then run once the cycle was completed (or found ended), whatever {@code complete()} threw
     * @return whether the abort was handed to the IO thread; if not, the caller aborts the response
     */
    public static boolean abort(ServletRequest request, AsyncContext async, Runnable then) {
        return completeOnIoThread(request, async, true, then);
    }

    private static boolean completeOnIoThread(ServletRequest request, AsyncContext async, boolean closeFirst,
            Runnable then) {
        if (!Containers.onUndertow(request)) {
            return false;
        }
        ServletRequest inner = Containers.of(request);
        try {
            Object exchange = inner.getClass().getMethod("getExchange").invoke(inner);
            if (!(exchange.getClass().getMethod("getIoThread").invoke(exchange) instanceof Executor ioThread)) {
                return false;
            }
            // Only an abort needs the connection: a completion looks nothing more up.
            Runnable first = closeFirst ? connectionCloser(exchange) : () -> { };
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

    /** @return what closes the connection of Undertow's {@code exchange}, looked up by reflection now */
    private static Runnable connectionCloser(Object exchange) throws ReflectiveOperationException {
        Object connection = exchange.getClass().getMethod("getConnection").invoke(exchange);
        Method close = connection.getClass().getMethod("close");
        return () -> closeConnection(close, connection);
    }

    private static void closeConnection(Method close, Object connection) {
        try {
            close.invoke(connection);
        } catch (ReflectiveOperationException notClosed) {
            // Completed with less than its length sent, the response is still cut short: Undertow closes it.
            log.debug("Could not close the connection of a response given up on", notClosed);
        }
    }
}
