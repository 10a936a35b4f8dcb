package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Keeps an asynchronous request inside the filter. {@code startAsync()} without arguments would hand
 * the application the container's own response, past the {@link CapturingResponse} (the Servlet API starts
 * the cycle with the original, unwrapped request and response); this wrapper starts the cycle with the
 * capturing response instead, so that {@code AsyncContext.getResponse()} and every async dispatch carry
 * it, and it hands out an {@link AsyncContext} whose {@code complete()} lets the filter write the page
 * first. No listener added once the chain returns could do that: the application's {@code sendError} on
 * the container's response would already be the container's, and {@code onComplete} comes after the
 * response is completed.
 *
 * <p>One is made for every request, so it holds only what the async path needs beyond the request: the
 * capturing response (through which it reaches the filter's {@link Interception}) and the context it
 * handed out (which knows the container's context it wraps).
 *
 * <p>Not thread-safe beyond what the Servlet specification asks of requests.
 */
public final class AsyncCapturingRequest extends HttpServletRequestWrapper {

    /** Where Tomcat's request classes are ({@link #originalPathIfElsewhere}). */
    private static final String TOMCAT_PACKAGE = "org.apache.catalina.";

    private final CapturingResponse response;
    private @Nullable CompletingAsyncContext handedOut;

    /**
     * @param request the request to wrap
     * @param response the capturing response of the same request
     */
    public AsyncCapturingRequest(HttpServletRequest request, CapturingResponse response) {
        super(request);
        this.response = response;
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (CapturingResponse.SPRING_MVC_EXCEPTION_ATTRIBUTE.equals(name)) {
            response.resolvedToNothing();
        }
        super.setAttribute(name, value);
    }

    @Override
    public AsyncContext startAsync() {
        return start(this, response, true);
    }

    @Override
    public AsyncContext startAsync(ServletRequest servletRequest, ServletResponse servletResponse) {
        return start(servletRequest, servletResponse, false);
    }

    private AsyncContext start(ServletRequest servletRequest, ServletResponse servletResponse,
            boolean withoutArguments) {
        CompletingAsyncContext last = current();
        // Before the container starts the cycle: it tells the last cycle's listeners onStartAsync from within, and
        // one that adds itself again there belongs to the new cycle.
        List<?> ofEarlierCycles = last == null ? List.of() : last.listenersSoFar();
        AsyncContext context = super.startAsync(servletRequest, servletResponse);
        // Listeners are dropped when a new cycle starts (Servlet 6.0 §2.3.3.3): add ours every time.
        context.addListener(new ErrorListener());
        CompletingAsyncContext handed = handOut(context);
        handed.newCycle(withoutArguments, ofEarlierCycles);
        return handed;
    }

    /**
     * Where Tomcat's {@code dispatch()} would have gone had the application's {@code startAsync()} reached it without
     * arguments: the original request's URI, within the context (Servlet 6.0 {@code AsyncContext.dispatch()}:
     * "REQUEST to /url/A, FORWARD to /url/B, startAsync(), dispatch(): ASYNC dispatch to /url/A"), when that is not
     * where its {@code dispatch()} goes with this request as the one the cycle started with. Tomcat dispatches to
     * the URI of that request, which within a forward is the forward's target: it puts its forwarding request below
     * this one. Tomcat's own {@code dispatch()} is a {@code dispatch(path)} of that URI, so the one made here is
     * what it would make. Not on Jetty, whose {@code dispatch(path)} gives the dispatched request a decoded,
     * normalised URI where its {@code dispatch()} keeps the one the client sent.
     *
     * @return the path to dispatch to, still encoded as Tomcat's own {@code dispatch()} passes it on, or
     *     {@code null} to let the container's {@code dispatch()} decide
     */
    private @Nullable String originalPathIfElsewhere() {
        ServletRequest original = Containers.of(getRequest());
        if (!(original instanceof HttpServletRequest originalRequest)
                || !original.getClass().getName().startsWith(TOMCAT_PACKAGE)) {
            return null;
        }
        String uri = originalRequest.getRequestURI();
        String contextPath = originalRequest.getContextPath();
        if (uri == null || uri.equals(getRequestURI()) || contextPath == null || !uri.startsWith(contextPath)) {
            return null;
        }
        return uri.substring(contextPath.length());
    }

    /**
     * The container's stream, its failures marked as the request connection's own ({@link RequestBodyStream}):
     * what the application throws after a failed read is then not taken for an upstream's failure. One for the
     * request on Jetty, which counts what is read, for the connection after a page ({@link UnreadBodies#streamOf}).
     */
    @Override
    public ServletInputStream getInputStream() throws IOException {
        return UnreadBodies.streamOf(this, super.getInputStream());
    }

    /**
     * The container's reader, its failures marked as the stream's are ({@link RequestBodyReader}); noted as taken, as
     * the stream is.
     */
    @Override
    public BufferedReader getReader() throws IOException {
        BufferedReader reader = super.getReader();
        UnreadBodies.takenAsReader(this);
        return new RequestBodyReader(reader);
    }

    /**
     * The container's parameters, what it throws as it reads a form's body for them (a client that sent less than its
     * {@code Content-Length}: Undertow's {@code RuntimeException} of an {@code IOException}, Jetty's 400) marked as
     * the request connection's own failure, as the stream's are: the application that throws it on gets the
     * container's answer, never an upstream's page.
     */
    @Override
    public @Nullable String getParameter(String name) {
        try {
            return super.getParameter(name);
        } catch (RuntimeException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** The container's parameters, what it throws reading the form's body marked ({@link #getParameter}). */
    @Override
    public Map<String, String[]> getParameterMap() {
        try {
            return super.getParameterMap();
        } catch (RuntimeException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** The container's parameter names, what it throws reading the form's body marked ({@link #getParameter}). */
    @Override
    public Enumeration<String> getParameterNames() {
        try {
            return super.getParameterNames();
        } catch (RuntimeException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** The container's parameter values, what it throws reading the form's body marked ({@link #getParameter}). */
    @Override
    public String @Nullable [] getParameterValues(String name) {
        try {
            return super.getParameterValues(name);
        } catch (RuntimeException e) {
            throw ClientAborts.mark(e);
        }
    }

    /** The container's parts, what it throws reading the multipart body marked ({@link #getParameter}). */
    @Override
    public Collection<Part> getParts() throws IOException, ServletException {
        try {
            return super.getParts();
        } catch (IOException | ServletException | RuntimeException e) {
            ClientAborts.mark(e);
            throw e;
        }
    }

    /** The container's part, what it throws reading the multipart body marked ({@link #getParameter}). */
    @Override
    public @Nullable Part getPart(String name) throws IOException, ServletException {
        try {
            return super.getPart(name);
        } catch (IOException | ServletException | RuntimeException e) {
            ClientAborts.mark(e);
            throw e;
        }
    }

    @Override
    public AsyncContext getAsyncContext() {
        return handOut(super.getAsyncContext());
    }

    /**
     * Notes a cycle started past this wrapper as the chain returns in it: by the application on the container's
     * request, whose own context it holds. A {@code ReadListener} set on this request's stream, or a
     * {@code WriteListener} on the capturing response's, is then answered through the container's context as through
     * one handed out ({@link #answersListenerFailure}): the containers call it only once the dispatch that set it
     * returned, so after this.
     */
    public void chainReturnedInCycle() {
        AsyncContext context;
        try {
            context = super.getAsyncContext();
        } catch (IllegalStateException endedMeanwhile) {
            // Completed on another thread since the filter saw it started (Jetty and Tomcat still hand it out until
            // the dispatch returns; a container that does not must not turn a served request into an error).
            return;
        }
        wrap(context);
    }

    /** The context handed to the application for a container's: it holds this one, not the container's. */
    private CompletingAsyncContext handOut(AsyncContext context) {
        CompletingAsyncContext handed = wrap(context);
        handed.handedToApplication();
        return handed;
    }

    /**
     * One context for each of the container's: Jetty and Tomcat hand out the same one for every cycle of a request,
     * so a cycle's start is told to it ({@link CompletingAsyncContext#newCycle}). The capturing response is told of
     * it, whoever started the cycle (this wrapper, a filter in front of it, the application past it), for what the
     * application's {@code WriteListener} throws is answered through it: here rather than in the constructor, for a
     * WriteListener can be set only once a cycle started, and the constructor, which runs for every request, keeps
     * to its one field (no volatile write on the path of every request, and no "this" escaping it).
     */
    private synchronized CompletingAsyncContext wrap(AsyncContext context) {
        CompletingAsyncContext current = handedOut;
        if (current == null || !current.wraps(context)) {
            current = new CompletingAsyncContext(context,
                    () -> response.interception().answerCaptured(this, response), this::handOut,
                    failure -> response.interception().onTaskFailure(this, response, failure, context),
                    failure -> response.interception().onListenerFailure(this, response, failure),
                    this::originalPathIfElsewhere);
            if (handedOut != null) {
                current.follows(handedOut); // Undertow: a context of its own for each cycle
            }
            handedOut = current;
            response.startedAsync(this);
        }
        return current;
    }

    /**
     * Answers what the application's {@code ReadListener} or {@code WriteListener} threw, if the filter can
     * ({@link RequestBodyStream}, {@link DroppingOutputStream} through {@link CapturingResponse}).
     *
     * @param failure what the listener's callback threw
     * @return whether it was answered with the page and the cycle completed
     */
    boolean answersListenerFailure(Throwable failure) {
        CompletingAsyncContext current = current();
        return current != null && current.answersListenerFailure(failure);
    }

    /**
     * What the application's {@code ReadListener} threw after commit, which the filter cannot answer with its page: on
     * Jetty and Undertow an upstream failure aborts the response ({@link CapturingResponse#abortFor}).
     *
     * @param failure what the listener's callback threw
     * @return the abort, logged already, to make ({@link #abort}); {@code null} to throw
     *     the failure on
     */
    @Nullable ResponseAbortedException abortFor(Throwable failure) {
        return response.abortFor(failure, false);
    }

    /**
     * Makes the abort {@link #abortFor} returned, telling the listener's {@code onError} in the order the container
     * needs ({@link ResponseAbortedException#abortAround}).
     *
     * @param abort the abort to make
     * @param tellListener tells the listener's {@code onError} of the failure
     */
    void abort(ResponseAbortedException abort, Runnable tellListener) {
        response.abort(abort, tellListener);
    }

    /**
     * Called once the listener whose failure was answered ({@link #answersListenerFailure}) was told of it in its
     * {@code onError}: completes the cycle if the application holds the container's own context
     * ({@link CompletingAsyncContext#listenerTold}).
     */
    void listenerTold() {
        CompletingAsyncContext current = current();
        if (current != null) {
            current.listenerTold();
        }
    }

    /**
     * Tells the listeners of the cycle whose starter, or whose dispatch's target, threw what the filter answers
     * ({@link CompletingAsyncContext#tellListenersOfFailure}).
     *
     * @param failure what was thrown
     * @param underWay whether the cycle is still started (its starter threw)
     */
    void tellListenersOfFailure(Throwable failure, boolean underWay) {
        CompletingAsyncContext current = current();
        if (current != null) {
            current.tellListenersOfFailure(failure, underWay);
        }
    }

    private synchronized @Nullable CompletingAsyncContext current() {
        return handedOut;
    }

    private final class ErrorListener implements AsyncListener {
        @Override
        public void onError(AsyncEvent event) {
            Throwable error = event.getThrowable();
            if (error != null) {
                response.interception().onError(AsyncCapturingRequest.this, response, error, event.getAsyncContext());
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
