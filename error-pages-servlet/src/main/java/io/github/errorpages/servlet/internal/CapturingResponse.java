package io.github.errorpages.servlet.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Wraps the response handed down the filter chain and keeps the statuses the filter turns into pages
 * away from the container: {@code sendError(502)} is recorded instead of being passed on (the container
 * would answer with its own error page, or dispatch to one), and after {@code setStatus(502)} whatever the
 * application writes is dropped, because the page replaces it: held, up to the buffer's size, for a status the
 * application may set in its place ({@link HeldOutput}).
 *
 * <p>The captured status is still set on the wrapped response, without a body: should the page never be
 * written (a filter mapping without {@code ASYNC} and an async application, say), the client gets the
 * application's 5xx with an empty body rather than a 200.
 *
 * <p>After a captured {@code sendError} the response behaves as containers make it behave: it reports
 * itself committed, drops output, and {@code reset()}, another {@code sendError} and {@code sendRedirect}
 * throw {@link IllegalStateException}. Not thread-safe, like the response it wraps.
 *
 * <p>One is made for every request, so its fields are kept to what fits in 40 bytes (issue 7 budgets the
 * filter's allocation per request; benchmarks/README.md counts them): the filter's {@link Interception} is the one
 * reference to the filter, the stream and the writer share a field, and the flags are booleans that share the
 * padding. With 12 bytes of object header: four references (the wrapped response, the interception, the output, the
 * request of an async cycle), one {@code int}, seven {@code boolean}s and one {@code byte} (what Spring MVC's
 * resolution left, a tri-state where a {@code Boolean} reference would have made it 48 bytes): 12 + 16 + 4 + 8 = 40.
 */
public final class CapturingResponse extends HttpServletResponseWrapper implements Runnable {

    /** Where Spring MVC's {@code DispatcherServlet} keeps an exception a resolver answered with nothing. */
    public static final String SPRING_MVC_EXCEPTION_ATTRIBUTE =
            "org.springframework.web.servlet.DispatcherServlet.EXCEPTION";
    /**
     * The request attribute holding the capturing response of the filter that wrapped the request first: it marks
     * the request as filtered, and it is how an answer written where that response is out of reach gets through it
     * ({@link #answerTarget}). Request attributes are shared by every dispatch of a request, also into another web
     * application of the container (a cross-context dispatch), where the filter's wrappers are not; and there this
     * class may be another copy, loaded by the other application's class loader. So the value is told to let an
     * answer through as a {@link Runnable}, a type both copies share.
     */
    public static final String OUTERMOST_ATTRIBUTE = CapturingResponse.class.getName() + ".OUTERMOST";

    /** {@link #resolution}: Spring MVC recorded no exception it resolved to nothing (yet). */
    private static final byte NOT_RESOLVED = 0;
    /** {@link #resolution}: Spring MVC resolved an exception to nothing, and the response was untouched then. */
    private static final byte RESOLVED_UNTOUCHED = 1;
    /** {@link #resolution}: Spring MVC resolved an exception to nothing, and the response was touched then. */
    private static final byte RESOLVED_TOUCHED = 2;

    private final Interception interception;
    private int capturedStatus;
    private boolean errorSent;
    private boolean answered;
    /**
     * Whether an answer written past this response's filter, by another web application's filter or proxy reached by
     * a cross-context dispatch, goes through this wrapper: its writes reach it through the container, as the
     * application's would, and must be neither captured nor dropped.
     */
    private boolean answeredWithin;
    /** Whether the application answered through the container: a {@code sendError} not captured, a redirect. */
    private boolean answeredByContainer;
    /**
     * The {@link DroppingOutputStream} or the {@link DroppingPrintWriter} handed to the application, or
     * {@code null} before it asks. One field for both: the wrapped response hands out only one of its stream
     * and its writer (the other throws {@code IllegalStateException}, which is what decides). Forgotten on
     * {@code reset()}, after which the container hands out either again, and notes which one it gave (and, for its
     * writer, the charset set since): handed the old one, it took the writer for unused.
     */
    private @Nullable Object output;
    /**
     * Whether the application set a {@code WriteListener} on the stream: kept on the response, not the stream, for the
     * container keeps the stream non-blocking across {@code reset()}, after which {@link #output} is forgotten.
     */
    private volatile boolean writesWithoutBlocking;
    /**
     * Whether the application set a status, a header, the content type or a cookie (since Content-Type was last
     * cleared): it answered, if only that.
     */
    private boolean touched;
    /**
     * {@link #untouched()} when Spring MVC recorded an exception it resolved to nothing ({@link #RESOLVED_UNTOUCHED},
     * {@link #RESOLVED_TOUCHED}); {@link #NOT_RESOLVED} before. A {@code byte}, not a {@code Boolean} that is
     * {@code null} before: the reference would not have fitted in the 40 bytes next to {@link #asyncRequest}.
     */
    private volatile byte resolution;
    /**
     * The request wrapper that started an async cycle of this response's request, {@code null} before one was started:
     * what the application's {@code WriteListener} throws is answered through its cycle
     * ({@link #answersListenerFailure}). Set by {@link AsyncCapturingRequest} as it first wraps a context of the
     * request's cycle: one it starts or hands out, or one started past it, as the chain returns in it.
     */
    private volatile @Nullable AsyncCapturingRequest asyncRequest;
    /**
     * Whether the application set the buffer's size: Tomcat's buffer of characters keeps the size it had, its buffer
     * of bytes grows ({@link #bufferSizeSet()}).
     */
    private boolean bufferSizeSet;

    /**
     * @param response the response to wrap
     * @param interception the statuses to capture, and what to do at the end of an async cycle
     */
    public CapturingResponse(HttpServletResponse response, Interception interception) {
        super(response);
        this.interception = interception;
    }

    /**
     * Finds the capturing response in a chain of wrappers.
     *
     * @param response a response, possibly wrapping a capturing one
     * @return the capturing response, or {@code null} when there is none
     */
    public static @Nullable CapturingResponse find(ServletResponse response) {
        ServletResponse current = response;
        while (true) {
            if (current instanceof CapturingResponse capturing) {
                return capturing;
            }
            if (!(current instanceof ServletResponseWrapper wrapper)) {
                return null;
            }
            current = wrapper.getResponse();
        }
    }

    /**
     * The response to write an answer of the proxy's own to: behind the filter, past its capturing wrapper, the
     * request marked answered, so that the filter neither turns the answer's status into a page nor writes a
     * second one; otherwise the response itself. Reached by a cross-context dispatch from a filtered web
     * application, whose capturing response the writes reach through the container, that one lets them through.
     *
     * @param request the request being answered
     * @param response the response handed to the servlet
     * @return where to write the answer
     */
    public static HttpServletResponse answeredPast(ServletRequest request, HttpServletResponse response) {
        CapturingResponse capturing = find(response);
        letThroughOutermost(request, capturing);
        if (capturing == null || request.getDispatcherType() == DispatcherType.INCLUDE) {
            // Included, the answer is a fragment of the including page: the container ignores its status (so the
            // capturing response does not capture it), and a failure of the includer's after it still gets the page.
            return response;
        }
        capturing.markAnswered();
        return capturing.target();
    }

    /**
     * The response to write the page of this response's filter to: {@link #target()}. When the filter answers within
     * a cross-context dispatch from a web application filtered too, the writes reach that application's capturing
     * response through the container: it is told to let them through, and not to answer a second time.
     *
     * @param request the request being answered
     * @return where to write the page
     */
    public HttpServletResponse answerTarget(ServletRequest request) {
        letThroughOutermost(request, this);
        return target();
    }

    /**
     * Lets an answer through the request's outermost capturing response when another one answers, or none: the
     * request came to this web application by a cross-context dispatch, and the outermost one belongs to the other.
     * Not within an include, whose answer is a part of the includer's.
     */
    private static void letThroughOutermost(ServletRequest request, @Nullable CapturingResponse answering) {
        if (request.getDispatcherType() == DispatcherType.INCLUDE) {
            return;
        }
        if (request.getAttribute(OUTERMOST_ATTRIBUTE) instanceof Runnable outermost && outermost != answering) {
            outermost.run();
        }
    }

    /**
     * Lets an answer written past this response's filter through (see {@link #answeredWithin}): a captured status is
     * forgotten, and the filter answers nothing. {@link Runnable} so that another copy of this library, in another
     * web application, can call it ({@link #OUTERMOST_ATTRIBUTE}).
     */
    @Override
    public synchronized void run() {
        answered = true;
        answeredWithin = true;
        capturedStatus = 0;
    }

    /**
     * @param filter a filter's interception
     * @return whether that filter made this response
     */
    public boolean madeFor(Interception filter) {
        return interception == filter;
    }

    /**
     * @return the captured status, or {@code 0} when none is pending
     */
    public int capturedStatus() {
        return capturedStatus;
    }

    /**
     * @return whether the captured status came from {@code sendError}, which fixes it: the application answered
     */
    public boolean errorSent() {
        return errorSent && capturedStatus != 0;
    }

    /**
     * @return whether the application answered through the container, with a {@code sendError} of a status this
     *     response does not capture or a redirect: the response is the container's to end, whatever the
     *     application throws after it
     */
    public boolean answeredByContainer() {
        return answeredByContainer;
    }

    /**
     * Notes, as Spring MVC records an exception it resolved to nothing, whether its resolution left the response
     * untouched: what is set later (an ETag filter's, Spring Security's headers after the chain) is no answer to it.
     */
    void resolvedToNothing() {
        resolution = untouched() ? RESOLVED_UNTOUCHED : RESOLVED_TOUCHED;
    }

    /**
     * @return whether the response is still open to the page for an exception Spring MVC resolved to nothing: left
     *     untouched by the resolution ({@link #resolvedToNothing}; untouched now, when that was not seen), nothing
     *     captured or sent since, nothing committed
     */
    public boolean untouchedByResolution() {
        byte atResolution = resolution;
        return (atResolution == NOT_RESOLVED ? untouched() : atResolution == RESOLVED_UNTOUCHED) && capturedStatus == 0
                && !answeredByContainer && !errorSent && !super.isCommitted();
    }

    /**
     * Whether the application left the response as the container made it: no status, header, content type or cookie
     * set (not even a 200) since Content-Type was last cleared, neither its stream nor its writer asked for,
     * nothing sent, nothing committed.
     */
    private boolean untouched() {
        return !touched && output == null && capturedStatus == 0 && !answeredByContainer && !errorSent
                && super.getStatus() == SC_OK && !super.isCommitted();
    }

    /**
     * Marks the request as answered by the filter, so that no second page is written for it.
     *
     * @return {@code true} the first time, {@code false} when it was answered already
     */
    public synchronized boolean markAnswered() {
        if (answered) {
            return false;
        }
        answered = true;
        return true;
    }

    /**
     * @return what the filter that made this response captures, and does at the end of an async cycle
     */
    public Interception interception() {
        return interception;
    }

    /**
     * @return the response this one wraps, where the page is written
     */
    public HttpServletResponse target() {
        return (HttpServletResponse) getResponse();
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        if (!errorCaptured(sc)) {
            super.sendError(sc, msg);
            passedToContainer();
        }
    }

    @Override
    public void sendError(int sc) throws IOException {
        if (!errorCaptured(sc)) {
            super.sendError(sc);
            passedToContainer();
        }
    }

    /**
     * Records a {@code sendError} of a status this response captures; the application's message, if any, is dropped
     * with it, because the page never shows it (R36). Any other status goes to the container, as without this
     * filter: the caller passes it on, message and all, and a status captured before is superseded.
     */
    private boolean errorCaptured(int sc) {
        requireNoErrorSent();
        if (!captures(sc)) {
            return false;
        }
        if (capture(sc)) {
            errorSent = true;
        }
        return true;
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        requireNoErrorSent();
        super.sendRedirect(location);
        passedToContainer();
    }

    // Servlet 6.1 (Tomcat 11): HttpServletResponseWrapper passes these straight to the wrapped response, past
    // sendRedirect(String) above, so a redirect after a captured status would have been answered with the page.
    // Only an application that calls them calls Servlet 6.1 API here; on a 6.0 container it cannot.

    @Override
    public void sendRedirect(String location, int sc) throws IOException {
        requireNoErrorSent();
        super.sendRedirect(location, sc);
        passedToContainer();
    }

    @Override
    public void sendRedirect(String location, boolean clearBuffer) throws IOException {
        requireNoErrorSent();
        super.sendRedirect(location, clearBuffer);
        passedToContainer();
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
        requireNoErrorSent();
        super.sendRedirect(location, sc, clearBuffer);
        passedToContainer();
    }

    @Override
    public void setStatus(int sc) {
        touched = true;
        if (errorSent) {
            return; // after sendError the status is fixed, as in every container
        }
        if (captures(sc)) {
            capture(sc);
            return;
        }
        HeldOutput held = heldOutput();
        if (capturedStatus != 0 && held != null && (held.outgrown() || completesContentLength(held.length()))) {
            // The container would have committed the captured status with the output written for it, and ignores a
            // status set after commit: the captured one stands, and its page replaces that output.
            return;
        }
        boolean wasCaptured = capturedStatus != 0;
        super.setStatus(sc);
        superseded();
        if (wasCaptured && capturedStatus == 0 && held != null) {
            try {
                held.release(); // what was written for the captured status is the application's answer now
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * After {@code sendError} the response is committed, and containers refuse a second {@code sendError} or a
     * {@code sendRedirect}. So does this wrapper: otherwise a captured 502 could give way to a later 404 or 302.
     */
    private void requireNoErrorSent() {
        if (errorSent) {
            throw new IllegalStateException("sendError was called already: the response is committed");
        }
    }

    @Override
    public int getStatus() {
        return capturedStatus != 0 ? capturedStatus : super.getStatus();
    }

    @Override
    public boolean isCommitted() {
        return errorSent || super.isCommitted();
    }

    @Override
    public void setHeader(String name, @Nullable String value) {
        if (value != null) {
            touched = true;
        } else if (name.equalsIgnoreCase("Content-Type")) {
            // Spring MVC's DispatcherServlet clears Content-Type as it starts to resolve an exception: what was set
            // before (a CORS Vary, a filter's X-Request-Id) is no answer to the exception.
            touched = false;
        }
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, @Nullable String value) {
        touched = true;
        super.addHeader(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        touched = true;
        super.setIntHeader(name, value);
    }

    @Override
    public void addIntHeader(String name, int value) {
        touched = true;
        super.addIntHeader(name, value);
    }

    @Override
    public void setDateHeader(String name, long date) {
        touched = true;
        super.setDateHeader(name, date);
    }

    @Override
    public void addDateHeader(String name, long date) {
        touched = true;
        super.addDateHeader(name, date);
    }

    @Override
    public void setContentType(@Nullable String type) {
        touched = true;
        super.setContentType(type);
    }

    @Override
    public void addCookie(Cookie cookie) {
        touched = true;
        super.addCookie(cookie);
    }

    @Override
    public void setBufferSize(int size) {
        bufferSizeSet = true;
        super.setBufferSize(size);
    }

    @Override
    public void flushBuffer() throws IOException {
        // Flushing would commit the captured status without the page.
        HeldOutput held = heldOutput();
        if (capturedStatus != 0 && held != null) {
            held.outgrow(); // as the container would have committed the captured status
        }
        if (capturedStatus == 0) {
            try {
                super.flushBuffer();
            } catch (IOException e) {
                throw ClientAborts.mark(e); // the container's write to the client
            }
        }
    }

    @Override
    public void reset() {
        if (errorSent) {
            throw new IllegalStateException("Committed"); // as containers do after sendError
        }
        super.reset();
        HeldOutput held = heldOutput();
        if (held != null) {
            held.discard(); // cleared with the container's buffer, should the application write to it again
        }
        output = null;
        superseded(); // the status is 200 again, unless the container ignored the reset (within an include)
    }

    @Override
    public void resetBuffer() {
        if (errorSent) {
            throw new IllegalStateException("Committed");
        }
        super.resetBuffer();
        HeldOutput held = heldOutput();
        if (held != null) {
            held.discard();
        }
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (output instanceof ServletOutputStream stream) {
            return stream;
        }
        // Asked first, so that the wrapped response refuses as it would when the writer is in use.
        ServletOutputStream stream = new DroppingOutputStream(super.getOutputStream(), this);
        output = stream;
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (output instanceof PrintWriter writer) {
            return writer;
        }
        PrintWriter writer = new DroppingPrintWriter(super.getWriter(), this);
        output = writer;
        return writer;
    }

    /**
     * @return whether the application set a {@code WriteListener} on the stream: the container's stream is then
     *     non-blocking, and one of its writes may still be pending
     */
    public boolean writesWithoutBlocking() {
        return writesWithoutBlocking;
    }

    /** The application set a {@code WriteListener} on a stream of this response ({@link DroppingOutputStream}). */
    void startedWritingWithoutBlocking() {
        writesWithoutBlocking = true;
    }

    /**
     * Notes the request wrapper that saw an async cycle of this response's request: a {@code WriteListener} can be set
     * only once one was started ({@code ServletOutputStream.setWriteListener}), and its failures are answered through
     * it.
     *
     * @param request the request wrapper of the same request
     */
    void startedAsync(AsyncCapturingRequest request) {
        asyncRequest = request;
    }

    /**
     * Answers what the application's {@code WriteListener} threw, if the filter can ({@link DroppingOutputStream}):
     * with the page, before the response was committed, and the cycle completed.
     *
     * @param failure what the listener's callback threw
     * @return whether it was answered; {@code false} also when the filter's request wrapper saw no async cycle (one
     *     started past it that the chain has not returned in yet)
     */
    boolean answersListenerFailure(Throwable failure) {
        AsyncCapturingRequest request = asyncRequest;
        return request != null && request.answersListenerFailure(failure);
    }

    /**
     * What the application's {@code WriteListener} or {@code ReadListener} threw after commit, which the filter cannot
     * answer with its page: on Jetty an upstream failure aborts the response
     * ({@link Interception#onCommittedListenerFailure}).
     *
     * @param failure what the listener's callback threw
     * @param writeListener whether a {@code WriteListener} threw it (else a {@code ReadListener})
     * @return the abort, logged already, to make once the listener was told; {@code null} to throw the failure on
     */
    @Nullable ResponseAbortedException abortFor(Throwable failure, boolean writeListener) {
        AsyncCapturingRequest request = asyncRequest;
        return request != null && super.isCommitted()
                ? interception.onCommittedListenerFailure(request, this, failure, writeListener) : null;
    }

    /**
     * Makes the abort {@link #abortFor} returned, telling the listener's {@code onError} in the order the container
     * needs ({@link ResponseAbortedException#abortAround}).
     *
     * @param abort the abort {@link #abortFor} returned, which it returns only in an async cycle
     * @param tellListener tells the listener's {@code onError} of the failure
     */
    void abort(ResponseAbortedException abort, Runnable tellListener) {
        abort.abortAround(Objects.requireNonNull(asyncRequest), target(), tellListener);
    }

    /** The listener whose failure was answered ({@link #answersListenerFailure}) was told of it in its onError. */
    void listenerTold() {
        AsyncCapturingRequest request = asyncRequest;
        if (request != null) {
            request.listenerTold();
        }
    }

    /**
     * Tells the {@code AsyncListener}s of the async cycle whose starter, or whose dispatch's target, threw what the
     * filter is about to answer, as the container would have told them had the filter not answered it: those the
     * application added through a context the filter's request wrapper handed out (listeners added to the container's
     * own context are out of reach, and none are told when no cycle was seen).
     *
     * @param failure what was thrown
     * @param underWay whether the cycle is still started (its starter threw), which the filter completes after the
     *     page; else it was dispatched, and its dispatch's target threw
     */
    public void tellListenersOfFailure(Throwable failure, boolean underWay) {
        AsyncCapturingRequest request = asyncRequest;
        if (request != null) {
            request.tellListenersOfFailure(failure, underWay);
        }
    }

    /** @return whether output is dropped now: a captured status's page will replace it */
    public boolean dropsOutput() {
        return capturedStatus != 0;
    }

    private boolean captures(int sc) {
        return !answeredWithin && interception.intercepts(sc) && !super.isCommitted();
    }

    /**
     * Sets a status to capture on the wrapped response, and captures it if the container took it. Tomcat ignores a
     * status set within an include (Servlet 6.0 §9.3), through a wrapper it puts under this one: the included
     * servlet's 503 must not replace the including page.
     *
     * @return whether the status is captured
     */
    private boolean capture(int sc) {
        super.setStatus(sc);
        if (super.getStatus() != sc) {
            return false;
        }
        capturedStatus = sc;
        return true;
    }

    /**
     * After a {@code sendError} or a redirect the container answers: a status captured before is superseded, and
     * what was written for it is gone with the container's buffer.
     */
    private void passedToContainer() {
        answeredByContainer = true;
        HeldOutput held = heldOutput();
        if (held != null) {
            held.discard();
        }
        superseded();
    }

    /** @return the stream or writer handed out, which holds what is written while output is dropped, or null */
    private @Nullable HeldOutput heldOutput() {
        return output instanceof DroppingOutputStream stream ? stream
                : output instanceof DroppingPrintWriter writer ? writer.held() : null;
    }

    /**
     * @return whether what the application writes while output is dropped is held for a status it may set instead
     *     of the captured one ({@link HeldOutput}): not after a captured {@code sendError}, which fixes the status,
     *     nor while the stream writes without blocking
     */
    boolean holdsDroppedOutput() {
        return !errorSent && !writesWithoutBlocking;
    }

    /**
     * @param held how much is held already, in bytes, or in characters where {@link #buffersText()}
     * @param more how much more is to be held
     * @return whether it all fits in the response's buffer, where the container would have held it uncommitted: on
     *     Tomcat, which commits once its buffer overflows, a buffer's worth still fits; Jetty and Undertow commit a
     *     full buffer
     */
    boolean fitsInBuffer(long held, long more) {
        long size = held + more;
        return Containers.onTomcat(getResponse()) ? size <= getBufferSize() : size < getBufferSize();
    }

    /**
     * @return whether the container's writer keeps text in a buffer of characters, not encoded until that one
     *     overflows: Tomcat's ({@code OutputBuffer}), which counts the characters against a Content-Length too, its
     *     buffer of characters the size of the response's buffer until the application sets that size
     *     ({@link #bufferSizeSet()}). Jetty's and Undertow's writers encode text into the response's buffer of bytes
     *     as it comes.
     */
    boolean buffersText() {
        return Containers.onTomcat(getResponse());
    }

    /**
     * @return whether the application set the buffer's size: Tomcat then grows its buffer of bytes
     *     ({@code OutputBuffer.setBufferSize} never shrinks it), but not its buffer of characters, which keeps the
     *     size it was made with
     */
    boolean bufferSizeSet() {
        return bufferSizeSet;
    }

    /**
     * Whether the output held for the captured status completes the Content-Length the application set: Jetty and
     * Tomcat close the output then (Servlet 6.0 §5.7), committing the captured status with it, and ignore a status
     * set after it. Undertow does not, and sends a later status with that output; here the captured status stands on
     * it too, as on the other two.
     *
     * @param held how much is held, counted as the container counts what is written ({@link HeldOutput#length()})
     */
    private boolean completesContentLength(long held) {
        if (held <= 0) {
            return false; // nothing held: no header to look at
        }
        String value = super.getHeader("Content-Length");
        if (value == null) {
            return false;
        }
        try {
            long length = Long.parseLong(value.trim());
            return length > 0 && held >= length;
        } catch (NumberFormatException e) {
            return false; // not a length the container counts to
        }
    }

    /**
     * Forgets a captured status once the container holds another one: a later status, error or redirect of the
     * application's supersedes it. One the container ignored (within an include) does not.
     */
    private void superseded() {
        if (capturedStatus != 0 && super.getStatus() != capturedStatus) {
            capturedStatus = 0;
        }
    }
}
