package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A page that answers an HTTP/1 request before anything of its body was read (the proxy's), or before the application
 * read all of it ({@code ErrorPagesFilter}'s), and the connection the body came on.
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
    /**
     * The request attribute saying how the application behind {@code ErrorPagesFilter} took the body through the
     * filter's request: the {@link RequestBodyStream} it reads ({@link #streamOf}), or {@link #READER}
     * ({@link #takenAsReader}); none while it took nothing.
     */
    private static final String TAKEN_ATTRIBUTE = UnreadBodies.class.getName() + ".taken";
    private static final String READER = "reader";
    /**
     * The request attributes under which Jetty 12 keeps a body it parsed, for parameters ({@code getParameter} of a
     * form POST) or parts ({@code getParts}), each a future of the parse: its core's {@code FormFields} and
     * {@code MultiPartFormData}, as its servlet layers (ee10, ee11) see them. The parse reads the body to its end
     * past every stream, which then shows nothing read; whether through the filter's request or a wrapper's in front
     * of it (Spring's {@code HiddenHttpMethodFilter}, a CSRF check), the attribute is there. Not an API of Jetty's: a
     * Jetty that names them otherwise has such a page say {@code Connection: close}, costing a new connection, not an
     * answer.
     */
    private static final List<String> JETTY_PARSED_BODIES =
            List.of("org.eclipse.jetty.server.FormFields", "org.eclipse.jetty.http.MultiPartFormData");

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
     * The stream the application behind {@code ErrorPagesFilter} reads the body from: one for the request, as the
     * container's stream is, made as it is first asked for (only a request whose body is asked for pays for it) and
     * noted for {@link #closeIfNotReadWhole}, which it tells how much of the body was read. Not noted on Tomcat and
     * Undertow, where that asks nothing of it (no attribute of it among the request's, which an application may list
     * or copy): one is made for each call there.
     *
     * @param request the filter's request
     * @param containers the stream of the request it wraps
     * @return the stream to hand the application
     */
    static ServletInputStream streamOf(AsyncCapturingRequest request, ServletInputStream containers) {
        if (keepsTheConnection(request)) {
            return new RequestBodyStream(containers, request);
        }
        if (request.getAttribute(TAKEN_ATTRIBUTE) instanceof RequestBodyStream made && made.wraps(containers)) {
            return made;
        }
        RequestBodyStream made = new RequestBodyStream(containers, request);
        request.setAttribute(TAKEN_ATTRIBUTE, made);
        return made;
    }

    /**
     * Notes that the application behind {@code ErrorPagesFilter} took the body as characters, through the filter's
     * request, for {@link #closeIfNotReadWhole} (not on Tomcat and Undertow, as {@link #streamOf}).
     *
     * @param request the filter's request
     */
    static void takenAsReader(AsyncCapturingRequest request) {
        if (!keepsTheConnection(request)) {
            request.setAttribute(TAKEN_ATTRIBUTE, READER);
        }
    }

    /**
     * Whether the container keeps the connection after a page, or says it closes it, whatever of the body the
     * application read (Tomcat and Undertow: see above).
     */
    private static boolean keepsTheConnection(HttpServletRequest request) {
        return Containers.onUndertow(request) || Containers.onTomcat(request);
    }

    /**
     * Marks the page {@code ErrorPagesFilter} answers an application's HTTP/1 request with to close the connection
     * ({@link ErrorResponder#CLOSE_CONNECTION_ATTRIBUTE}) when the application did not read the request's body to its
     * end and the container would close the connection after the page without saying so (Jetty: see above). The rest
     * of a body of known length, up to 64 KiB, that is here already is read and dropped first, without waiting, as
     * Jetty would, and the connection kept. What the application took of the body through the filter's request
     * decides the rest:
     * <ul>
     *   <li>a body the container parsed for parameters or parts, through the filter's request or in front of it: the
     *       parse read it to its end, and the connection is kept;</li>
     *   <li>nothing: as {@link #closeIfLeftUnread} (a body read in front of the filter, whose stream is finished,
     *       aside). Not where the client waits for {@code 100 Continue}, which Jetty sends as the stream is first got:
     *       it was not sent, and Jetty says {@code Connection: close} itself;</li>
     *   <li>the stream ({@link #streamOf}): it tells what was read; one read without blocking is not read here (its
     *       listener is the container's to call), nor is a chunked body, whose end a read would wait for, nor one
     *       whose asynchronous cycle is still started (a timeout's page): a thread of the application's may be
     *       reading it, and two readers would take each other's bytes;</li>
     *   <li>the reader: left as it is. The reader's buffer hides whether the stream below it reached its end, and no
     *       stream is to be had beside a reader: the connection may end unsaid (troubleshooting.md).</li>
     * </ul>
     * Call it once the application is done with the request, before the page.
     *
     * @param request the request the filter answers
     * @param response the response the page goes to
     */
    public static void closeIfNotReadWhole(HttpServletRequest request, HttpServletResponse response) {
        if (RequestBodies.isHttp2OrLater(request.getProtocol())
                || !RequestBodies.present(request, request.getHeader("Transfer-Encoding") != null)
                || Containers.onUndertow(request) || Containers.onTomcat(response)
                || request.getAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE) != null) {
            return;
        }
        if (parsedByJetty(request)) {
            return; // read to its end by the parse
        }
        Object taken = request.getAttribute(TAKEN_ATTRIBUTE);
        long length = request.getContentLengthLong();
        boolean kept;
        if (taken instanceof RequestBodyStream stream) {
            kept = stream.isReadToItsEnd(length) || (!stream.isListened() && !request.isAsyncStarted()
                    && discardedWhole(stream, stream.unread(length)));
        } else if (READER.equals(taken) || request.getHeader("Expect") != null) {
            return;
        } else {
            try {
                // The container's own: a wrapper in front (one that caches the body) reads from it as it is read.
                ServletInputStream in = Containers.of(request).getInputStream();
                kept = in.isFinished() || discardedWhole(in, length);
            } catch (IllegalStateException readerPastTheFilter) {
                return; // the reader, taken past the filter's request: as above
            } catch (IOException gone) {
                kept = false;
            }
        }
        if (!kept) {
            request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
        }
    }

    /**
     * Whether Jetty parsed the request's body for parameters or parts ({@link #JETTY_PARSED_BODIES}), to its end: a
     * parse that failed (the body cut short) read less.
     */
    private static boolean parsedByJetty(HttpServletRequest request) {
        for (String name : JETTY_PARSED_BODIES) {
            Object parse = request.getAttribute(name);
            if (parse != null) {
                return !(parse instanceof CompletableFuture<?> future)
                        || future.isDone() && !future.isCompletedExceptionally();
            }
        }
        return false;
    }

    /**
     * Reads and drops a short body of known length that arrived whole, without waiting for any of it. Not one whose
     * client waits for {@code 100 Continue}: the first read would ask it for the body the page refuses.
     */
    private static boolean discardedWhole(HttpServletRequest request) {
        if (request.getHeader("Expect") != null) {
            return false;
        }
        try {
            return discardedWhole(request.getInputStream(), request.getContentLengthLong());
        } catch (IOException | IllegalStateException unreadable) {
            // The client went away, or a filter in front took the body as a reader: the connection is not kept.
            return false;
        }
    }

    /**
     * Reads and drops the rest of a body, when it is known, up to 64 KiB long, and here whole, without waiting.
     *
     * @param left how much of the body is still to be read, or -1 when that is not known (a chunked body)
     */
    private static boolean discardedWhole(ServletInputStream in, long left) {
        if (left <= 0 || left > DISCARDED_WHOLE) {
            return false;
        }
        long rest = left;
        try {
            byte[] dropped = new byte[(int) Math.min(rest, 8192)];
            while (rest > 0 && in.available() > 0) { // what is available is read without waiting
                int read = in.read(dropped, 0, (int) Math.min(rest, dropped.length));
                if (read < 0) {
                    return false; // cut short: the connection ends anyway
                }
                rest -= read;
            }
            return rest == 0;
        } catch (IOException | IllegalStateException unreadable) {
            return false; // the client went away: the connection is not kept
        }
    }
}
