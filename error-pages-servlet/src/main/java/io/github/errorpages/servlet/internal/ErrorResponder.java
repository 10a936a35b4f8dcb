package io.github.errorpages.servlet.internal;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.internal.FailureLogFields;
import io.github.errorpages.internal.InternalErrors;
import io.github.errorpages.internal.ThreadBodies;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request whose upstream failed, for the filter and the proxy servlet alike, or that the application
 * answered with the maintenance page (the filter's {@code MAINTENANCE_ATTRIBUTE}). In order: a
 * committed response is aborted, never appended to (R5); {@code /robots.txt} gets the configured static
 * fallback or a plain 503, never the page (R27); anything else gets the page {@link ErrorPages} renders,
 * written with its status, headers and {@code Content-Length} (HEAD: the same headers, no body, R12).
 *
 * <p>Immutable and thread-safe.
 */
public final class ErrorResponder {

    /**
     * Set on an HTTP/1 request (HTTP/2 forbids the field) whose page must close the connection: the proxy answers in the middle of reading the
     * client's body, whose rest then reaches nobody, or before reading one the container then closes the connection
     * on, or the filter answers an application that did not read the body to its end ({@link UnreadBodies}).
     */
    public static final String CLOSE_CONNECTION_ATTRIBUTE = ErrorResponder.class.getName() + ".closeConnection";
    /**
     * Set on a request that came back to the proxy, to the proxy's pseudonym in {@code Via}: with no name of its own
     * configured, the proxy still says the loop in a {@code Proxy-Status} field named by it, so that the pass the
     * request came round from reads a loop (RFC 9209 {@code proxy_loop_detected}) rather than an upstream's 502.
     */
    public static final String LOOP_NAME_ATTRIBUTE = ErrorResponder.class.getName() + ".loopName";

    /**
     * Set on a request whose failure is {@code proxy_internal_error}, to what was thrown for it ({@link #noteThrown}),
     * by the filter and the proxy (either transport, across the Jetty transport's ASYNC dispatch): the answer logs it
     * at {@code ERROR} with the page's support code ({@link InternalErrors}) and removes it. A request attribute, as
     * the failure reaches this class by several ways that carry an {@link UpstreamFailure} alone.
     */
    public static final String THROWN_ATTRIBUTE = ErrorResponder.class.getName() + ".thrown";

    /** The path of the robots exclusion file (RFC 9309 §2.3). */
    public static final String ROBOTS_TXT = "/robots.txt";

    private static final Logger log = LoggerFactory.getLogger(ErrorResponder.class);
    /** A 503 with nothing known: the policy gives it a {@code Retry-After} (R8). */
    private static final UpstreamFailure SERVICE_UNAVAILABLE = UpstreamFailure.ofUpstreamStatus(503, null);
    private static final byte[] ROBOTS_UNAVAILABLE =
            "# robots.txt is temporarily unavailable; please retry later.\n".getBytes(StandardCharsets.UTF_8);

    private final ErrorPages errorPages;
    private final byte @Nullable [] robotsTxtFallback;
    private final String requestIdHeader;
    private final @Nullable String proxyStatusName;
    /** Whether pages keep the site's fields a filter set ({@link PageWriter}); not a proxy's, which relays others. */
    private final boolean keepsSiteFields;

    /**
     * @param errorPages renders the pages
     * @param robotsTxtFallback the body served with 200 for {@code /robots.txt} while the upstream fails,
     *     or {@code null} to answer it with a plain 503
     * @param requestIdHeader the request header whose value becomes the support code when it is safe
     */
    public ErrorResponder(ErrorPages errorPages, @Nullable String robotsTxtFallback, String requestIdHeader) {
        this(errorPages, robotsTxtFallback == null ? null : robotsTxtFallback.getBytes(StandardCharsets.UTF_8),
                Objects.requireNonNull(requestIdHeader, "requestIdHeader"), null, true);
    }

    private ErrorResponder(ErrorPages errorPages, byte @Nullable [] robotsTxtFallback, String requestIdHeader,
            @Nullable String proxyStatusName, boolean keepsSiteFields) {
        this.errorPages = Objects.requireNonNull(errorPages, "errorPages");
        this.robotsTxtFallback = robotsTxtFallback;
        this.requestIdHeader = requestIdHeader;
        this.proxyStatusName = proxyStatusName;
        this.keepsSiteFields = keepsSiteFields;
    }

    /**
     * A responder for a proxy. It says, in a {@code Proxy-Status} field, which failure it answers (RFC 9209, R6), if
     * named: only a proxy may, an origin server must not send the field (RFC 9209 §2). And its pages keep no
     * {@code Strict-Transport-Security} or request id field of the response: the proxy relays the upstream's fields
     * before its body may fail, and the upstream's would pass for the site's.
     *
     * @param name the proxy's name in the field, checked by {@link ProxyStatusField#name(String, String)}, or
     *     {@code null} for no field
     * @return a responder that answers as this one does, for a proxy
     */
    public ErrorResponder forProxy(@Nullable String name) {
        return new ErrorResponder(errorPages, robotsTxtFallback, requestIdHeader, name, false);
    }

    /**
     * Notes what was thrown for a failure the request is about to be answered for, when that failure is
     * {@code proxy_internal_error}: its answer then logs it, once ({@link #THROWN_ATTRIBUTE}). Nothing for any other
     * cause, an expected failure of an upstream whose line says all there is.
     *
     * @param request the request
     * @param failure the failure it is answered for
     * @param thrown what was thrown for it
     */
    public static void noteThrown(HttpServletRequest request, UpstreamFailure failure, Throwable thrown) {
        if (failure.cause() == FailureCause.PROXY_INTERNAL_ERROR) {
            request.setAttribute(THROWN_ATTRIBUTE, thrown);
        }
    }

    /**
     * @return the error pages in use
     */
    public ErrorPages errorPages() {
        return errorPages;
    }

    /**
     * Answers the request for the failure: within an include dispatch, with a part of the includer's answer
     * ({@link PageWriter#writeFragment}), committed or not.
     *
     * @param request the request
     * @param response the container's response (not a capturing wrapper)
     * @param failure what failed
     * @param nonBlocking whether a {@code WriteListener} was set on the response's stream (by the application, or
     *     by the proxy relaying a body): {@code isReady()} is then asked before the page is written, as the
     *     container may require, and the page is not written when it answers false for a committed response, whose
     *     write of the application's may still be pending. Without one, {@code isReady()} is not asked; nor for a
     *     part of an includer's answer, which is written as the includer writes
     * @throws ResponseAbortedException when the response is already committed (not included), a non-blocking write
     *     of the application's is still pending, or an includer's response refused the part: throw it on to the
     *     container, which then aborts the connection; the incident is logged already
     * @throws IOException when writing fails
     */
    public void respond(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            boolean nonBlocking) throws IOException {
        respond(request, response, failure, null, 0, nonBlocking);
    }

    /**
     * Answers the failure of the upstream that serves a container's error page ({@link ErrorDispatches}) with the
     * error's status, never the failure's: a missing page or the application's bug is no gateway outage, nor one to
     * retry (R19, R25). A 5xx gets the built-in page of its status, rendered for a decision of that status and
     * logged with its support code as any page, the failure's cause and upstream in the line: operators see what
     * failed. Its {@code Retry-After} only on a 503, the one the policy gives a 503 of nothing known (R8). A 4xx gets
     * no page: the core has none of a client error to say, and one of an upstream failure would say what did not
     * happen. It gets a small plain-text answer naming the status, {@code no-store} (the error page is what is due, a
     * cache should not keep its stand-in), with the security fields of every answer (R41), and a log line naming the
     * failure. The same answer on every container, where leaving it to the container would give a blank page on
     * some and the container's own report on others. No {@code Retry-After} on a 429 either: the page that the
     * application's 429 would have had is not the proxy's to guess. Otherwise as
     * {@link #respond(HttpServletRequest, HttpServletResponse, UpstreamFailure, boolean)}: aborted when committed.
     *
     * @param request the request
     * @param response the container's response (not a capturing wrapper)
     * @param failure what failed
     * @param status the error's status, in [400, 599]
     * @param nonBlocking as for {@link #respond(HttpServletRequest, HttpServletResponse, UpstreamFailure, boolean)}
     * @throws ResponseAbortedException as {@link #respond(HttpServletRequest, HttpServletResponse, UpstreamFailure,
     *     boolean)} throws it
     * @throws IOException when writing fails
     */
    public void respondToError(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            int status, boolean nonBlocking) throws IOException {
        respond(request, response, failure, null, status, nonBlocking);
    }

    /**
     * Answers the request with the maintenance page ({@link ErrorPages#renderMaintenance}), as
     * {@link #respond(HttpServletRequest, HttpServletResponse, UpstreamFailure, boolean)} answers with a failure's:
     * aborted when committed, a part of the includer's answer within an include, and for {@code /robots.txt} the
     * configured fallback or a plain-text 503 whose {@code Retry-After} is the maintenance page's.
     *
     * @param request the request
     * @param response the container's response (not a capturing wrapper)
     * @param until when the maintenance is expected to end, or {@code null} when unknown
     * @param nonBlocking as for {@link #respond(HttpServletRequest, HttpServletResponse, UpstreamFailure, boolean)}
     * @throws ResponseAbortedException as {@link #respond(HttpServletRequest, HttpServletResponse, UpstreamFailure,
     *     boolean)} throws it, the line naming {@value ErrorPages#MAINTENANCE_ERROR_CODE}
     * @throws IOException when writing fails
     */
    public void respondMaintenance(HttpServletRequest request, HttpServletResponse response, @Nullable Instant until,
            boolean nonBlocking) throws IOException {
        // Decided without rendering or logging: what robots.txt answers with, and the failure the lines name.
        ErrorDecision decision = errorPages.decideMaintenance(until);
        respond(request, response, decision.failure(), new Maintenance(until, decision), 0, nonBlocking);
    }

    /**
     * @param failure what failed, for the log lines and {@code Proxy-Status}
     * @param maintenance the maintenance page to answer with instead of the failure's, or {@code null} (the failure's,
     *     allocating nothing of its own: the proxy's open breaker answers with it under load)
     * @param errorStatus the status of the error whose page the upstream was to serve, or 0
     */
    private void respond(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            @Nullable Maintenance maintenance, int errorStatus, boolean nonBlocking) throws IOException {
        // Taken whatever the answer, so that it is logged once: a second answer of the request (none is expected)
        // finds it gone.
        Throwable thrown = request.getAttribute(THROWN_ATTRIBUTE) instanceof Throwable noted ? noted : null;
        if (thrown != null) {
            request.removeAttribute(THROWN_ATTRIBUTE);
        }
        if (maintenance != null) {
            thrown = null; // the maintenance page answers, not the failure
        }
        // Included, the answer is a part written after the includer's, committed or not: it replaces nothing.
        boolean included = request.getDispatcherType() == DispatcherType.INCLUDE;
        if (response.isCommitted() && !included) {
            ResponseAbortedException abort = abort(request, failure, maintenance, "after the response was committed");
            InternalErrors.log(errorPages, failure, thrown, null);
            // Tomcat's "committed" may be a whole response still in its buffer: sent first, never with Tomcat's 400.
            ResponseAbortedException.endWholeUnsentOnTomcat(response);
            throw abort;
        }
        boolean written;
        try {
            written = errorStatus != 0 ? writeForError(request, response, failure, thrown, errorStatus, nonBlocking)
                    : isRobotsTxt(request)
                            ? writeRobotsTxt(request, response, failure, thrown, maintenance, nonBlocking)
                    : writePage(request, response, failure, thrown, maintenance, nonBlocking);
        } catch (IllegalStateException refused) {
            if (included) {
                // The container refused the part: past the Content-Length the includer set (Jetty).
                ResponseAbortedException abort = abort(request, failure, maintenance,
                        "as the including page refused its part");
                flush(response);
                throw abort;
            }
            // reset() refused: another thread (an async writer) committed the response after our check.
            throw abort(request, failure, maintenance, "after the response was committed");
        }
        if (!written) {
            // Nothing of the application's response was replaced: the container ends it as it is.
            throw abort(request, failure, maintenance,
                    "while a non-blocking write of the application's was still pending");
        }
    }

    /**
     * Logs the failure of a committed response once, at WARN, and returns the exception that makes
     * the container abort the connection.
     *
     * @param request the request
     * @param failure what failed
     * @return the exception to throw to the container
     */
    public ResponseAbortedException abort(HttpServletRequest request, UpstreamFailure failure) {
        return abort(request, failure, "after the response was committed");
    }

    /**
     * Logs the failure of a response that cannot be answered with the page once, at WARN, and returns the exception
     * that makes the container abort the connection.
     *
     * @param request the request
     * @param failure what failed
     * @param when why no page, for the log line and the exception: "after ..."
     * @return the exception to throw to the container
     */
    public static ResponseAbortedException abort(HttpServletRequest request, UpstreamFailure failure, String when) {
        return abort(request, failure.cause().token(), failure, when);
    }

    /**
     * @param cause what the line names as the upstream failure: the failure's cause, or for the maintenance page
     *     {@value ErrorPages#MAINTENANCE_ERROR_CODE}, as its {@code error page} line would have
     */
    private static ResponseAbortedException abort(HttpServletRequest request, String cause, UpstreamFailure failure,
            String when) {
        String message = "response to " + request.getMethod() + " " + request.getRequestURI()
                + " aborted: upstream failure " + cause + " " + when;
        log.warn("{} (upstream={}, attempts={}, elapsed_ms={}, retry_refused={})", message,
                failure.upstream().isEmpty() ? "-" : failure.upstream(), FailureLogFields.attempts(failure),
                FailureLogFields.elapsedMillis(failure), retryRefused(failure));
        return new ResponseAbortedException(message);
    }

    /**
     * Why the failure was not retried, as its log lines write it ({@code retry_refused=}): only there, never in the
     * response (R36).
     *
     * @param failure what failed
     * @return the refusal's token, or {@code -} when no retry was weighed
     */
    public static String retryRefused(UpstreamFailure failure) {
        RetryRefusal refusal = failure.retryRefusal();
        return refusal == null ? "-" : refusal.token();
    }

    /**
     * {@link #abort(HttpServletRequest, UpstreamFailure, String)} for a response perhaps not committed yet (an
     * includer's, whose output may still be in its buffer): committed first, since a container answers an exception
     * for a response not committed with its own error page, which quotes the abort (Jetty's 500), where it aborts a
     * committed one.
     *
     * @param request the request
     * @param response the response to abort
     * @param failure what failed
     * @param when when it failed, for the log line
     * @return the exception to throw to the container
     */
    public static ResponseAbortedException abortCommitted(HttpServletRequest request, HttpServletResponse response,
            UpstreamFailure failure, String when) {
        ResponseAbortedException abort = abort(request, failure, when);
        flush(response);
        return abort;
    }

    private static ResponseAbortedException abort(HttpServletRequest request, UpstreamFailure failure,
            @Nullable Maintenance maintenance, String when) {
        return abort(request, maintenance != null ? ErrorPages.MAINTENANCE_ERROR_CODE : failure.cause().token(),
                failure, when);
    }

    /** Commits what the response holds, so that the container aborts it rather than answer with its own page. */
    private static void flush(HttpServletResponse response) {
        try {
            response.flushBuffer();
        } catch (IOException | IllegalStateException clientGoneOrRefused) {
            // Aborted already, or the container's to end.
        }
    }

    /**
     * @param request a request, perhaps forwarded or dispatched asynchronously
     * @return whether the client asked for {@code /robots.txt} of its context (before any forward or asynchronous
     *     dispatch, by either record the container keeps), however spelt: the path the container mapped, decoded and
     *     without path parameters ({@code /robots.txt;jsessionid=1} and {@code /%72obots.txt} are the same resource)
     */
    public static boolean isRobotsTxt(HttpServletRequest request) {
        // Either record may be the client's request: the asynchronous dispatch's, which the specification makes the
        // client's also across several dispatches, or the forward's (Jetty's asynchronous dispatch after a forward
        // records the forwarded request; a forward after a dispatch records the dispatch's target). Which came
        // first cannot be told after three hops, and a request the application itself routed to its robots.txt is
        // answered as one: the plain-text 503 that a crawler reads right.
        boolean async = request.getAttribute(AsyncContext.ASYNC_REQUEST_URI) instanceof String;
        boolean forward = request.getAttribute(RequestDispatcher.FORWARD_REQUEST_URI) instanceof String;
        if (!async && !forward) {
            return isRobotsTxt(request.getServletPath(), request.getPathInfo());
        }
        return async && (isRobotsTxt(request.getAttribute(AsyncContext.ASYNC_SERVLET_PATH),
                        request.getAttribute(AsyncContext.ASYNC_PATH_INFO))
                        // Undertow's record of a second dispatch mixes two requests' servlet path and path info.
                        || isRobotsTxtUri(request.getAttribute(AsyncContext.ASYNC_REQUEST_URI),
                                request.getAttribute(AsyncContext.ASYNC_CONTEXT_PATH)))
                || forward && isRobotsTxt(request.getAttribute(RequestDispatcher.FORWARD_SERVLET_PATH),
                        request.getAttribute(RequestDispatcher.FORWARD_PATH_INFO));
    }

    private static boolean isRobotsTxt(@Nullable Object servletPath, @Nullable Object pathInfo) {
        String mapped = servletPath instanceof String path ? path : "";
        return (mapped + (pathInfo instanceof String info ? info : "")).equals(ROBOTS_TXT);
    }

    /** Whether a request URI as received, decoded and its dot segments resolved, is robots.txt of the context. */
    private static boolean isRobotsTxtUri(@Nullable Object requestUri, @Nullable Object contextPath) {
        if (!(requestUri instanceof String uri)) {
            return false;
        }
        String decoded = RequestTargets.decodePath(RequestTargets.removeDotSegments(uri));
        String context = contextPath instanceof String path ? path : "";
        return decoded != null && decoded.equals(context + ROBOTS_TXT);
    }

    /**
     * Describes a servlet request to the core: method, path, {@code Accept}, {@code Accept-Language}, the
     * request id and {@code Accept-Encoding}. The three negotiation fields are lists, which a client may send
     * on several lines: each is read whole, its lines joined with commas ({@link #listField}).
     *
     * @param request the request
     * @param method the method to state (a HEAD is rendered as a GET to learn its {@code Content-Length})
     * @return the description
     */
    public ErrorRequest errorRequest(HttpServletRequest request, String method) {
        String uri = request.getRequestURI();
        String path = uri == null ? "/" : uri.substring(Math.min(request.getContextPath().length(), uri.length()));
        // Included, the page is a part of the includer's answer, whose Content-Encoding it cannot set: not compressed.
        String acceptEncoding = request.getDispatcherType() == DispatcherType.INCLUDE ? null
                : listField(request, "Accept-Encoding");
        return new ErrorRequest(method, path.isEmpty() ? "/" : path, listField(request, "Accept"),
                listField(request, "Accept-Language"), request.getHeader(requestIdHeader), acceptEncoding);
    }

    /**
     * The value of a list-based field (RFC 9110 §5.3): all its lines, joined with commas in the order received,
     * as a recipient may combine them and as a cache does to match {@code Vary}. {@code getHeader} would give the
     * first line only, and {@code Accept: application/json;q=0.5} then {@code Accept: text/html} got problem
     * details where HTML was preferred. Built in one buffer, so that thousands of lines cost linear time, not the
     * square of it.
     *
     * @return the value, or {@code null} when the request has no such field
     */
    private static @Nullable String listField(HttpServletRequest request, String name) {
        Enumeration<String> lines = request.getHeaders(name);
        if (lines == null) {
            return request.getHeader(name); // a container that does not allow access to header lists
        }
        if (!lines.hasMoreElements()) {
            return null;
        }
        String first = lines.nextElement();
        if (!lines.hasMoreElements()) {
            return first;
        }
        StringBuilder value = new StringBuilder(first);
        while (lines.hasMoreElements()) {
            value.append(", ").append(lines.nextElement());
        }
        return value.toString();
    }

    private boolean writePage(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            @Nullable Throwable thrown, @Nullable Maintenance maintenance, boolean nonBlocking) throws IOException {
        boolean head = "HEAD".equals(request.getMethod()); // case-sensitive: head has a body (RFC 9110 §9.1)
        // Rendered as for a GET, so that a HEAD gets the same headers, Content-Length included.
        ErrorRequest errorRequest = errorRequest(request, head ? "GET" : request.getMethod());
        // A blocking write is done with the body when it returns, before this thread renders another page: the body
        // may then be an array of the thread's own. A non-blocking write may hold it until the container sent it.
        // Each rendering writes the page's "error page" line. The failure's allocates no more than before the
        // maintenance page came (the proxy's open breaker answers with it under load).
        ErrorResponse page;
        if (maintenance == null) {
            page = nonBlocking ? errorPages.render(failure, errorRequest)
                    : ThreadBodies.rendering(() -> errorPages.render(failure, errorRequest));
        } else {
            @Nullable Instant until = maintenance.until();
            page = nonBlocking ? errorPages.renderMaintenance(errorRequest, until)
                    : ThreadBodies.rendering(() -> errorPages.renderMaintenance(errorRequest, until));
        }
        // Right after the page's line, under its support code: a bug's exception, for the operator (never the page).
        InternalErrors.log(errorPages, failure, thrown, page.supportCode());
        return write(request, response, failure, page.status(), page.headers(), page.body(), nonBlocking);
    }

    /**
     * Writes the answer: the whole response, or within an include a part of the includer's
     * ({@link PageWriter#writeFragment}).
     */
    private boolean write(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            int status, Map<String, String> headers, byte[] body, boolean nonBlocking) throws IOException {
        boolean head = "HEAD".equals(request.getMethod()); // case-sensitive: head has a body (RFC 9110 §9.1)
        if (request.getDispatcherType() == DispatcherType.INCLUDE) {
            PageWriter.writeFragment(response, PageWriter.contentType(headers), body);
            return true;
        }
        return PageWriter.write(response, status, pageHeaders(request, headers, failure), body, head,
                RequestBodies.isHttp2OrLater(request.getProtocol()), nonBlocking, keepsSiteFields, requestIdHeader);
    }

    /** As {@link #respondToError} describes it. */
    private boolean writeForError(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            @Nullable Throwable thrown, int status, boolean nonBlocking) throws IOException {
        if (status >= 500) {
            ErrorDecision unavailable = status == 503 ? errorPages.policy().decide(SERVICE_UNAVAILABLE) : null;
            ErrorDecision decision = new ErrorDecision(status, failure.cause(), failure.cause().token(),
                    unavailable != null ? unavailable.retryAfter() : null,
                    unavailable != null ? unavailable.retryAfterHeader() : null, failure);
            boolean head = "HEAD".equals(request.getMethod());
            ErrorRequest errorRequest = errorRequest(request, head ? "GET" : request.getMethod());
            ErrorResponse page = nonBlocking ? errorPages.render(decision, errorRequest)
                    : ThreadBodies.rendering(() -> errorPages.render(decision, errorRequest));
            InternalErrors.log(errorPages, failure, thrown, page.supportCode());
            return write(request, response, failure, page.status(), page.headers(), page.body(), nonBlocking);
        }
        log.warn("error page for status {} answered without its upstream's page: upstream failure {} (upstream={}, "
                + "attempts={}, elapsed_ms={}, retry_refused={})", status, failure.cause().token(),
                failure.upstream().isEmpty() ? "-" : failure.upstream(), FailureLogFields.attempts(failure),
                FailureLogFields.elapsedMillis(failure), retryRefused(failure));
        InternalErrors.log(errorPages, failure, thrown, null);
        byte[] body = ("Error " + status + "\n").getBytes(StandardCharsets.US_ASCII);
        return write(request, response, failure, status, plainTextHeaders(), body, nonBlocking);
    }

    /** The fields of a plain-text answer that is no page: never stored, with the security fields of every answer. */
    private static Map<String, String> plainTextHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "text/plain; charset=UTF-8");
        headers.put("Cache-Control", "no-store");
        // The security fields of every other answer (R41), those of a format other than HTML.
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        headers.put("Referrer-Policy", "strict-origin-when-cross-origin");
        return headers;
    }

    private boolean writeRobotsTxt(HttpServletRequest request, HttpServletResponse response, UpstreamFailure failure,
            @Nullable Throwable thrown, @Nullable Maintenance maintenance, boolean nonBlocking) throws IOException {
        InternalErrors.log(errorPages, failure, thrown, null); // no page, no support code
        Map<String, String> headers = plainTextHeaders();
        ErrorDecision decision = maintenance != null ? maintenance.decision() : errorPages.policy().decide(failure);
        if (robotsTxtFallback != null) {
            log.warn("robots.txt answered with its static fallback: upstream failure {} (upstream={})",
                    decision.errorCode(), failure.upstream().isEmpty() ? "-" : failure.upstream());
            return write(request, response, failure, 200, headers, robotsTxtFallback, nonBlocking);
        }
        // Any 5xx makes crawlers assume "disallow all" (RFC 9309 §2.3.1.4); 503 says it is temporary. Without a
        // Retry-After of the failure's own, the one the policy gives a 503: its default, jitter, clamp and format.
        headers.put("Retry-After", decision.retryAfterHeader() != null ? decision.retryAfterHeader()
                : Objects.requireNonNull(errorPages.policy().decide(SERVICE_UNAVAILABLE).retryAfterHeader()));
        log.warn("robots.txt answered with 503: upstream failure {} (upstream={})", decision.errorCode(),
                failure.upstream().isEmpty() ? "-" : failure.upstream());
        return write(request, response, failure, 503, headers, ROBOTS_UNAVAILABLE, nonBlocking);
    }

    /**
     * The page's fields, with {@code Proxy-Status} when the proxy is configured to send it or answers a loop
     * ({@link #LOOP_NAME_ATTRIBUTE}), and {@code Connection: close} when the proxy stopped reading the request's
     * body part-way or left it unread, or the application behind the filter did ({@link #CLOSE_CONNECTION_ATTRIBUTE}).
     */
    private Map<String, String> pageHeaders(HttpServletRequest request, Map<String, String> headers,
            UpstreamFailure failure) {
        boolean close = request.getAttribute(CLOSE_CONNECTION_ATTRIBUTE) != null;
        String name = proxyStatusName != null || failure.cause() != FailureCause.PROXY_LOOP_DETECTED
                ? proxyStatusName : (String) request.getAttribute(LOOP_NAME_ATTRIBUTE);
        if (name == null && !close) {
            return headers;
        }
        Map<String, String> all = new LinkedHashMap<>(headers);
        if (name != null) {
            all.put(ProxyStatusField.HEADER, ProxyStatusField.value(name, failure));
        }
        if (close) {
            all.put("Connection", "close");
        }
        return all;
    }

    /**
     * The maintenance page a response answers with, instead of the page for its failure.
     *
     * @param until when the maintenance is expected to end, or {@code null} when unknown
     * @param decision its decision, made without rendering or logging: what {@code /robots.txt} is answered with
     */
    private record Maintenance(@Nullable Instant until, ErrorDecision decision) {
    }
}
