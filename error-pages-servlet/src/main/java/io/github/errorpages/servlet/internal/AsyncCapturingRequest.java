package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.jspecify.annotations.Nullable;

/**
 * Keeps an asynchronous request inside the filter. {@code startAsync()} without arguments would hand
 * the application the container's own response, past the {@link CapturingResponse}; this wrapper starts
 * the cycle with the capturing response instead, so that {@code AsyncContext.getResponse()} and every
 * async dispatch carry it, and it hands out an {@link AsyncContext} whose {@code complete()} lets the
 * filter write the page first.
 *
 * <p>Not thread-safe beyond what the Servlet specification asks of requests.
 */
public final class AsyncCapturingRequest extends HttpServletRequestWrapper {

    private final CapturingResponse response;
    private final AsyncCompletion completion;
    private @Nullable AsyncContext started;
    private @Nullable AsyncContext handedOut;

    /**
     * @param request the request to wrap
     * @param response the capturing response of the same request
     * @param completion what to do when the cycle completes or fails
     */
    public AsyncCapturingRequest(HttpServletRequest request, CapturingResponse response, AsyncCompletion completion) {
        super(request);
        this.response = response;
        this.completion = completion;
    }

    @Override
    public AsyncContext startAsync() {
        return startAsync(this, response);
    }

    @Override
    public AsyncContext startAsync(ServletRequest servletRequest, ServletResponse servletResponse) {
        AsyncContext context = super.startAsync(servletRequest, servletResponse);
        // Listeners are dropped when a new cycle starts (Servlet 6.0 §2.3.3.3): add ours every time.
        context.addListener(new ErrorListener());
        return handOut(context);
    }

    @Override
    public AsyncContext getAsyncContext() {
        return handOut(super.getAsyncContext());
    }

    private synchronized AsyncContext handOut(AsyncContext context) {
        if (context != started || handedOut == null) {
            started = context;
            handedOut = new CompletingAsyncContext(context, () -> completion.beforeComplete(this, response));
        }
        return handedOut;
    }

    private final class ErrorListener implements AsyncListener {
        @Override
        public void onError(AsyncEvent event) {
            Throwable error = event.getThrowable();
            if (error != null) {
                completion.onError(AsyncCapturingRequest.this, response, error, event.getAsyncContext());
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // startAsync(..) above adds a listener for the new cycle.
        }

        @Override
        public void onComplete(AsyncEvent event) {
            // The page, if any, was written before completion.
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // A timeout is the application's to handle; the container answers it if nobody does.
        }
    }
}
