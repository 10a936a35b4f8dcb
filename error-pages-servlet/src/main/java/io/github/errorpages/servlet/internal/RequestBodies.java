package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Whether a client's request has a body to forward.
 *
 * <p>On HTTP/1.1 the framing says so: a {@code Content-Length} above zero or a {@code Transfer-Encoding}, and
 * neither means no body (RFC 9112 §6.3). HTTP/2 and HTTP/3 frame a body without either: a client streaming an
 * upload of unknown length sends no {@code Content-Length}, and the servlet API cannot tell whether the stream
 * ended with the request's head. Such a request is taken to have a body unless its method has none by
 * convention ({@code GET}, {@code HEAD}, {@code DELETE}, {@code OPTIONS}; many API clients send a
 * {@code Content-Type} on those too, so that says nothing): a {@code POST} without one is forwarded with an empty
 * chunked body rather than an upload being dropped.
 *
 * <p>Thread-safe (stateless).
 */
public final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * @param request the client's request
     * @param transferCoded whether it has a {@code Transfer-Encoding} field, which the caller looked up once for
     *     this and {@link LocalAnswers#answered}
     * @return whether it has, or on HTTP/2 and later may have, a body
     */
    public static boolean present(HttpServletRequest request, boolean transferCoded) {
        long length = request.getContentLengthLong();
        if (length >= 0) {
            return length > 0;
        }
        if (transferCoded) {
            return true;
        }
        if (!isHttp2OrLater(request.getProtocol())) {
            return false;
        }
        return !hasNoBodyByConvention(request.getMethod());
    }

    /**
     * @param protocol the request's protocol, as {@code getProtocol()} gives it, or {@code null}
     * @return whether it is HTTP/2 or later: a body ends with its stream, not with a length or a last chunk, and
     *     the target's authority comes in {@code :authority}, not in a {@code Host} field
     */
    public static boolean isHttp2OrLater(@Nullable String protocol) {
        return protocol != null && protocol.startsWith("HTTP/") && protocol.length() > 5 && protocol.charAt(5) >= '2'
                && protocol.charAt(5) <= '9';
    }

    private static boolean hasNoBodyByConvention(String method) {
        return switch (method) {
            case "GET", "HEAD", "DELETE", "OPTIONS" -> true;
            default -> false;
        };
    }
}
