package io.github.errorpages.servlet.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Whether the proxy may answer a request from an asynchronous cycle it starts: {@code startAsync()}, then an
 * argumentless {@code AsyncContext.dispatch()} back to write the answer. That dispatch goes to the URI the
 * container dispatched the request to, which is the proxy's only for a request the container dispatched to it
 * ({@code REQUEST}). Reached through a {@code forward} or an {@code include}, or by an application's
 * {@code AsyncContext.dispatch(path)}, the dispatch would run the servlet that forwarded or included again, and it
 * would call the upstream again (in a loop, for an upstream that keeps failing). Stateless and thread-safe.
 */
public final class AsyncAnswers {

    private AsyncAnswers() {
    }

    /**
     * @param request the request the proxy serves
     * @return whether the request supports async and the container dispatched it to the proxy itself
     */
    public static boolean allowed(HttpServletRequest request) {
        return request.isAsyncSupported() && request.getDispatcherType() == DispatcherType.REQUEST;
    }
}
