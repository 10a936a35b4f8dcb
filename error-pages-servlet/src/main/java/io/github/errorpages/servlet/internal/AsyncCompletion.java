package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What the filter does at the end of an asynchronous request, which it does not see return through
 * the chain: write the page for a captured status before the response completes, and answer an error
 * the container reports for the async cycle. Implementations must be thread-safe: the application
 * completes from any thread.
 */
public interface AsyncCompletion {

    /**
     * Called when the application completes the async cycle, before the container does.
     *
     * @param request the request
     * @param response the capturing response of the request
     */
    void beforeComplete(HttpServletRequest request, CapturingResponse response);

    /**
     * Called when the container reports an error of the async cycle (a timeout is no error).
     *
     * @param request the request
     * @param response the capturing response of the request
     * @param error what failed
     * @param context the container's async context, to complete once answered
     */
    void onError(HttpServletRequest request, CapturingResponse response, Throwable error, AsyncContext context);
}
