package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * What the filter's wrappers ask of the filter: which statuses to capture, and what to do at the end of
 * an asynchronous request, which the filter does not see return through the chain (write the page for a
 * captured status before the response completes, answer an error the container reports for the cycle).
 *
 * <p>One instance per filter, shared by all its requests. It is one type, rather than a set of statuses
 * and a separate callback, so that the wrappers made for every request reach all of it through the one
 * reference the {@link CapturingResponse} holds (issue 7 budgets the filter's allocation per request).
 * Implementations must be thread-safe: the application completes from any thread.
 */
public interface Interception {

    /**
     * @param status a status the application sets with {@code sendError} or {@code setStatus}
     * @return whether the status is captured and turned into a page
     */
    boolean intercepts(int status);

    /**
     * Writes the page for a status the response captured, unless the request was answered already. Called when the
     * application completes the async cycle, before the container does; and by the proxy servlet for an answer of
     * the upstream's it relayed that the page replaces, when its servlet's return would wait for the client (an
     * upload paused until it hears back).
     *
     * @param request the request
     * @param response the capturing response of the request
     */
    void answerCaptured(HttpServletRequest request, CapturingResponse response);

    /**
     * Called when the container reports an error of the async cycle (a timeout is no error).
     *
     * @param request the request
     * @param response the capturing response of the request
     * @param error what failed
     * @param context the container's async context, to complete once answered
     */
    void onError(HttpServletRequest request, CapturingResponse response, Throwable error, AsyncContext context);

    /**
     * Called when a task the application gave to {@code AsyncContext.start(Runnable)} threw, while the cycle it ran
     * in had neither completed nor dispatched: the container only logs what a task throws, and the cycle would wait
     * for its timeout.
     *
     * @param request the request
     * @param response the capturing response of the request
     * @param failure what the task threw
     * @param context the container's async context, to complete once answered
     * @return whether the failure was answered with a page and the cycle completed; if not, the caller throws it on
     *     to the container as before
     */
    boolean onTaskFailure(HttpServletRequest request, CapturingResponse response, RuntimeException failure,
            AsyncContext context);

    /**
     * Called when the application's {@code ReadListener} threw from {@code onDataAvailable} or {@code onAllDataRead},
     * or its {@code WriteListener} from {@code onWritePossible}, while its cycle had neither completed nor dispatched:
     * Jetty reports that only to the listener's own {@code onError}, not to the cycle's listeners, and the cycle would
     * wait for its timeout.
     *
     * @param request the request
     * @param response the capturing response of the request
     * @param failure what the callback threw
     * @return whether the failure was answered with a page, which the caller then completes the cycle after
     *     ({@code CompletingAsyncContext.answersListenerFailure}); if not, the caller throws it on to the container as
     *     before (after commit, a client's abort, no upstream failure)
     */
    boolean onListenerFailure(HttpServletRequest request, CapturingResponse response, Throwable failure);

    /**
     * Called when the application's {@code WriteListener} threw from {@code onWritePossible}, or its
     * {@code ReadListener} from {@code onDataAvailable} or {@code onAllDataRead}, after the response was committed, and
     * the filter answered nothing ({@link #onListenerFailure}). Jetty tells that failure only to the listener's own
     * {@code onError} and then closes the stream (a write listener's) or leaves the response to that {@code onError}'s
     * {@code complete()} (a read listener's), ending the body cut short as if whole: an upstream failure is to abort
     * the response there (R5). Tomcat tells the cycle's listeners too ({@link #onError}), which abort it. Undertow
     * closes the connection of a write listener's by itself, telling no one else: the failure is only logged there, as
     * an abort after commit is, and thrown on. A read listener's Undertow, like Jetty, leaves to that listener's
     * {@code onError}, whose {@code complete()} ends the body as if whole at once: it is aborted as on Jetty, the
     * connection closed before that {@code onError} is told.
     *
     * @param request the request
     * @param response the capturing response of the request
     * @param failure what the callback threw
     * @param writeListener whether a {@code WriteListener} threw it (else a {@code ReadListener})
     * @return the abort, logged already, to make on Jetty, or for a read listener's on Undertow, around telling the
     *     listener ({@link ResponseAbortedException#abortAround}); {@code null} to throw the failure on to the
     *     container (another container, a write listener's on Undertow after the line was logged, no upstream failure,
     *     a client's abort, the request answered already)
     */
    @Nullable ResponseAbortedException onCommittedListenerFailure(HttpServletRequest request,
            CapturingResponse response, Throwable failure, boolean writeListener);
}
