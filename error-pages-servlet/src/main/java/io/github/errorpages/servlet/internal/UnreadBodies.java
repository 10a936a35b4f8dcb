package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A page that answers an HTTP/1 request before anything of its body was read, and the connection the body came on.
 *
 * <p>Jetty, once such a request ends, discards what of the body already arrived and, with some of it still to come,
 * closes the connection; the page, committed by then, said nothing of it, so a keep-alive client sent its next request
 * on a connection that was gone (no answer at all: a POST is not resent). Such a page says {@code Connection: close}
 * (RFC 9112 §9.6), unless the body is here whole: then it is discarded now, without waiting, as Jetty would, and the
 * connection kept. Undertow discards the body's rest and keeps the connection; Tomcat discards it too (up to its
 * {@code maxSwallowSize}), or with a 503 says {@code Connection: close} itself: on both nothing changes. Over HTTP/2
 * the stream ends, not the connection.
 *
 * <p>Static methods only; thread-safe.
 */
public final class UnreadBodies {

    /**
     * The longest body that is discarded, when it is here whole, rather than the connection closed: a few reads of
     * bytes that arrived with the head, where a longer upload still arriving would be read on the answer's time.
     */
    private static final int DISCARDED_WHOLE = 64 * 1024;

    private UnreadBodies() {
    }

    /**
     * Marks the request's page to close the connection ({@link ErrorResponder#CLOSE_CONNECTION_ATTRIBUTE}) when its
     * body is left unread and the container would close it without saying so. Call it before the page, and only
     * where nothing of the body was read or is being read.
     *
     * @param request the client's request, answered before its body was read
     * @param response its response, which tells the container
     * @param transferCoded whether the request has a {@code Transfer-Encoding} field
     */
    public static void closeIfLeftUnread(HttpServletRequest request, HttpServletResponse response,
            boolean transferCoded) {
        if (RequestBodies.isHttp2OrLater(request.getProtocol()) || !RequestBodies.present(request, transferCoded)
                || Containers.onUndertow(request) || Containers.onTomcat(response) || discardedWhole(request)) {
            return;
        }
        request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
    }

    /**
     * Reads and drops a short body of known length that arrived whole, without waiting for any of it. Not one whose
     * client waits for {@code 100 Continue}: the first read would ask it for the body the page refuses.
     */
    private static boolean discardedWhole(HttpServletRequest request) {
        long left = request.getContentLengthLong();
        if (left <= 0 || left > DISCARDED_WHOLE || request.getHeader("Expect") != null) {
            return false;
        }
        try {
            ServletInputStream in = request.getInputStream();
            byte[] dropped = new byte[(int) Math.min(left, 8192)];
            while (left > 0 && in.available() > 0) { // what is available is read without waiting
                int read = in.read(dropped, 0, (int) Math.min(left, dropped.length));
                if (read < 0) {
                    return false; // cut short: the connection ends anyway
                }
                left -= read;
            }
            return left == 0;
        } catch (IOException | IllegalStateException unreadable) {
            // The client went away, or a filter in front took the body as a reader: the connection is not kept.
            return false;
        }
    }
}
