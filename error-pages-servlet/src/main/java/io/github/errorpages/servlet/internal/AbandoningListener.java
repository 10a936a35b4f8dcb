package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Ends a forwarded exchange whose client went away while the upstream is still to answer: the container tells the
 * asynchronous cycle so as an error (an HTTP/2 stream reset, a connection it saw close; or a body it refused, which
 * is answered with the container's status). Without it, each such
 * exchange held its bulkhead permit and its upstream connection until the attempt timed out, the timeout counted
 * against the upstream, and a client resetting its streams took every permit of the bulkhead.
 *
 * <p>Thread-safe: the container calls it on any of its threads.
 */
public final class AbandoningListener implements AsyncListener {

    private final JettyForwarder.Exchange exchange;
    private final Runnable endedByContainer;

    /**
     * @param exchange the exchange of the request whose asynchronous cycle this listens to
     * @param endedByContainer answers the request when the container times its cycle out, which it does although
     *     the cycle has no timeout of its own (Tomcat, for the cycles of a context it stops)
     */
    public AbandoningListener(JettyForwarder.Exchange exchange, Runnable endedByContainer) {
        this.exchange = exchange;
        this.endedByContainer = endedByContainer;
    }

    @Override
    public void onError(AsyncEvent event) {
        // Its outcome completes the cycle here, or dispatches it to answer a body the container refused, as the
        // Servlet specification asks of onError.
        exchange.abandon(event.getThrowable());
        if (ClientBodyStatus.refusedByTomcat(event.getThrowable()) && !exchange.relaysResponse()) {
            // Tomcat could not decode the body (a bad chunk header), set 400, and told the proxy's read of it first:
            // the exchange ended then, on the client's thread, and its dispatch may not have come yet. Ended here,
            // the cycle goes out with Tomcat's 400, as with the jdk transport; left, Tomcat ended it with its 500
            // about one time in four. Not once the upstream's answer is relayed: completed, a body cut short would
            // end as if whole; the relay ends it.
            try {
                event.getAsyncContext().complete();
            } catch (IllegalStateException dispatchedOrEnded) {
                // The outcome's dispatch came first: it answers
            }
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // Completed by the proxy, or by the container on its own: then nobody waits for the upstream either.
        exchange.abandon(null);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The cycle has no timeout (setTimeout(0)), the guard's timeouts bound the exchange: the container is ending
        // the cycle, and answers with its own 500 unless it is completed here.
        endedByContainer.run();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not started again: the request is the proxy's alone.
    }
}
