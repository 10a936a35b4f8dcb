package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/**
 * The requests a reverse proxy answers itself instead of forwarding them, before its guard is asked (no
 * upstream call; the guard records nothing, no breaker or metrics failure):
 * <ul>
 *   <li>an HTTP/1.0 request with a {@code Transfer-Encoding}, whatever its method: 400 and the connection closed
 *       (RFC 9112 §6.1: a server that receives one MUST treat its framing as faulty and close the connection after
 *       it). HTTP/1.0 has no transfer codings: an HTTP/1.0 hop in front that reads the body by another framing than
 *       the container's sees another request where the container sees this one's body (request smuggling). Jetty 12,
 *       Tomcat 11 and Undertow keep the connection for a next request (Jetty and Tomcat decode the chunked body and
 *       pass the request on); nginx answers 400. This covers the requests that reach the proxy, its mapping's:
 *       those that other servlets or static resources of the same container serve keep the connection, and need
 *       the hop in front or the container to refuse them;</li>
 *   <li>{@code TRACE}: 405 with {@code Allow}. Never forwarded: an upstream that echoes it (Apache's
 *       {@code TraceEnable On}) would show the client the fields the proxy adds ({@code X-Forwarded-*},
 *       {@code Forwarded}, {@code Via}), the endpoint's {@code Host} and base path, and cookies to a script that
 *       could not read them otherwise (cross-site tracing). Tomcat refuses {@code TRACE} itself by default
 *       (its connector's {@code allowTrace}); Jetty passes it to the servlet;</li>
 *   <li>{@code CONNECT}: 405 with {@code Allow}. It asks for a tunnel, which a reverse proxy does not make. In
 *       authority form ({@code CONNECT host:443}) Jetty passes it to a servlet mapped to {@code /} or {@code /*};
 *       Tomcat answers it with 501 itself;</li>
 *   <li>{@code HEAD} in another case ({@code head}, {@code Head}): 501 with {@code Allow}. Another method than
 *       {@code HEAD} (RFC 9110 §9.1: methods are case-sensitive), which upstreams answer with a body, but the
 *       JDK's client reads the response to it as a {@code HEAD}'s and drops the body: the client would get the
 *       container's 500 (a {@code Content-Length} and no content), where Jetty's client relays it;</li>
 *   <li>{@code OPTIONS} with {@code Max-Forwards: 0}: 200 with {@code Allow} (RFC 9110 §7.6.2: a recipient
 *       MUST NOT forward it and MUST respond as the final recipient). With a number above 0 it is forwarded,
 *       decremented ({@link ProxyHeaders#towardUpstream}). One that is no number ({@code -1}), or two fields, is
 *       read as 0 ({@link ProxyHeaders#maxForwardsEndsHere}) and answered the same way, as passed on unchanged no hop
 *       could count it down;</li>
 *   <li>a {@code Transfer-Encoding} that names a coding other than {@code chunked} ({@code gzip, chunked}):
 *       501 and the connection closed (RFC 9112 §6.1: a server that receives a transfer coding it does not
 *       understand SHOULD respond 501). Jetty 12 removes the chunking and gives the servlet the body still
 *       gzip-coded, which would go to the upstream as if it were not; Tomcat 11 answers 501 itself.</li>
 * </ul>
 * Each answer has {@code Cache-Control: no-store} and no content ({@code Content-Length: 0}): the status line and
 * {@code Allow} say all there is, and a body of none needs no negotiation of its type nor escaping of anything.
 * It is written past {@code ErrorPagesFilter}'s capturing wrapper, as the proxy's failure pages are: a filter
 * that intercepts 501 (it intercepts 5xx statuses only) would make that answer a page of an upstream failure there
 * was not. The 400, 405 and 200 are written past it too, one way of writing every local answer.
 *
 * <p>Thread-safe (stateless).
 */
public final class LocalAnswers {

    /**
     * The methods the proxy names in {@code Allow}: the standard ones it forwards, all of RFC 9110's and RFC 5789's
     * {@code PATCH} but {@code TRACE} and {@code CONNECT}. Extension methods ({@code PROPFIND}, say) are forwarded
     * too, but whether the upstream supports them only it knows.
     */
    public static final String ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    private LocalAnswers() {
    }

    /**
     * Answers a request the proxy must not forward, if it is one.
     *
     * @param request the client's request, nothing of its body read
     * @param transferEncoding its first {@code Transfer-Encoding} field ({@code getHeader}), or {@code null}: the
     *     caller looks it up once, for this and {@link RequestBodies#present}
     * @param response the client's response, not committed
     * @return whether the request was answered; if not, nothing was done
     */
    public static boolean answered(HttpServletRequest request, @Nullable String transferEncoding,
            HttpServletResponse response) {
        // First, whatever the method: where this body ends, and so where a next request on the connection begins, is in
        // doubt (a hop in front may have framed it otherwise), so the connection closes whatever else would answer it.
        // Its body is left unread, as the 501's.
        if (transferEncoding != null && "HTTP/1.0".equals(request.getProtocol())) {
            return answer(request, response, HttpServletResponse.SC_BAD_REQUEST, "Connection", "close");
        }
        String method = request.getMethod();
        // In any case: a method is case-sensitive (RFC 9110 §9.1), but an upstream may read it ignoring case.
        if (method.equalsIgnoreCase("TRACE") || method.equalsIgnoreCase("CONNECT")) {
            return answer(request, response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Allow", ALLOW);
        }
        if (!method.equals("HEAD") && method.equalsIgnoreCase("HEAD")) {
            return answer(request, response, HttpServletResponse.SC_NOT_IMPLEMENTED, "Allow", ALLOW);
        }
        if (method.equalsIgnoreCase("OPTIONS") && ProxyHeaders.maxForwardsEndsHere(request)) {
            return answer(request, response, HttpServletResponse.SC_OK, "Allow", ALLOW);
        }
        // Most requests have no Transfer-Encoding: asking for one field costs less than enumerating its fields.
        if (transferEncoding != null && !isChunkedOnly(request.getHeaders("Transfer-Encoding"))) {
            // The body is left unread, in a coding the proxy does not know: not worth reading to keep the connection.
            return answer(request, response, HttpServletResponse.SC_NOT_IMPLEMENTED, "Connection", "close");
        }
        return false;
    }

    /** Whether the request's {@code Transfer-Encoding} fields, if any, name {@code chunked} and nothing else. */
    private static boolean isChunkedOnly(Enumeration<String> fields) {
        while (fields.hasMoreElements()) {
            for (String coding : fields.nextElement().split(",", -1)) {
                String trimmed = coding.strip();
                if (!trimmed.isEmpty() && !trimmed.equalsIgnoreCase("chunked")) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean answer(HttpServletRequest request, HttpServletResponse client, int status, String field,
            String value) {
        // Past ErrorPagesFilter's wrapper: the proxy's own 501 is no upstream failure to make a page of (the filter
        // intercepts 5xx statuses only); the other statuses go the same way, one way for every local answer.
        HttpServletResponse response = CapturingResponse.answeredPast(request, client);
        response.setStatus(status);
        response.setHeader(field, value);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(0); // last: a container may commit a response once its length is written
        return true;
    }
}
