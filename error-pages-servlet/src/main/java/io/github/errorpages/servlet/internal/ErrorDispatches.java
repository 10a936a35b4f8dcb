package io.github.errorpages.servlet.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A container's error page served by the proxy: an {@code <error-page>} location (404 → {@code /cms/404}) mapped to
 * {@code ReverseProxyServlet}, which serves a branded page of a CMS or static host. The answer keeps the error's
 * status, as nginx's {@code error_page} with {@code proxy_pass} does and as an error page of any other servlet does
 * (R19, R25): the upstream's status made a missing URL a 200 (a soft 404 in search results), and its failure made
 * the application's own 404 or 500 a 502 with {@code Retry-After}, an outage of the gateway's that a client was told
 * to retry. What the upstream answers is relayed under the error's status, its fields but the ones that would say
 * something false of the client's URL under it ({@link ProxyHeaders}); a failure is answered with the
 * error's status, never the failure's ({@link ErrorResponder#respondToError}).
 *
 * <p>The upstream is asked for its page with a {@code GET}, or a {@code HEAD} for a client's {@code HEAD}, without the
 * client's body, whatever the client's method ({@link #upstreamMethod}), as nginx's {@code error_page} asks: the page
 * is the answer, not a resource the client's {@code POST} or {@code OPTIONS} was meant for. Jetty 12 (its Servlet 6.0
 * API) and Undertow keep the client's method in an {@code ERROR} dispatch: Undertow's upstream got the client's
 * {@code POST} and its form, and Jetty's dispatch, the body no longer readable, was answered with 400. Tomcat 11
 * (Servlet 6.1) makes it a {@code GET}, with the client's own in {@link RequestDispatcher#ERROR_METHOD}: its
 * upstream got the form with a {@code GET}, and a {@code GET} for a {@code HEAD}.
 *
 * <p>The status is noted when the {@code ERROR} dispatch reaches the proxy ({@link #note}), for the proxy's own
 * {@code ASYNC} dispatch that answers the Jetty transport's outcome, and for the client's thread that relays its
 * head: neither is an {@code ERROR} dispatch, and the container's {@link RequestDispatcher#ERROR_STATUS_CODE} need
 * not be there any more.
 *
 * <p>Thread-safe (stateless).
 */
public final class ErrorDispatches {

    /** The error's status, an {@link Integer}, while the proxy serves the container's error page for it. */
    private static final String STATUS_ATTRIBUTE = ErrorDispatches.class.getName() + ".status";

    private ErrorDispatches() {
    }

    /**
     * Notes the error's status for an {@code ERROR} dispatch, and forgets any other dispatch's (an application's
     * own later {@code forward} or {@code ASYNC} dispatch to the proxy is answered as any other). The status is the
     * container's {@link RequestDispatcher#ERROR_STATUS_CODE}, else the response's: an error page is for a status of
     * 400 or more, and a dispatch with no such status is answered as before.
     *
     * @param request the request the proxy was dispatched with (not its own {@code ASYNC} dispatch of an outcome)
     * @param response its response
     * @return the status noted, or 0 when the proxy serves no error page ({@link #status})
     */
    public static int note(HttpServletRequest request, HttpServletResponse response) {
        if (request.getDispatcherType() != DispatcherType.ERROR) {
            if (request.getAttribute(STATUS_ATTRIBUTE) != null) {
                request.removeAttribute(STATUS_ATTRIBUTE);
            }
            return 0;
        }
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code
                : response.getStatus();
        if (status < 400 || status > 599) {
            return 0;
        }
        request.setAttribute(STATUS_ATTRIBUTE, status);
        return status;
    }

    /**
     * @param request the client's request, in any dispatch the proxy answers it in
     * @return the status of the error whose page the proxy serves, or 0 when it serves no error page
     */
    public static int status(HttpServletRequest request) {
        return request.getAttribute(STATUS_ATTRIBUTE) instanceof Integer status ? status : 0;
    }

    /**
     * The method the upstream is asked with: the client's, but for an error page, which is asked for with
     * {@code HEAD} when the client's method is {@code HEAD} (its answer has the fields of the page, no body: R12)
     * and with {@code GET} for any other, never with the client's body (the caller forwards none).
     *
     * @param request the client's request, in the dispatch that forwards it
     * @return the method to send
     */
    public static String upstreamMethod(HttpServletRequest request) {
        if (status(request) == 0) {
            return request.getMethod();
        }
        // Tomcat 11's ERROR dispatch is a GET, the client's method in this attribute (a Servlet 6.1 constant, which
        // the compiler copies here: nothing of 6.1 is needed at run time).
        Object clientMethod = request.getAttribute(RequestDispatcher.ERROR_METHOD);
        return "HEAD".equals(clientMethod instanceof String method ? method : request.getMethod()) ? "HEAD" : "GET";
    }
}
