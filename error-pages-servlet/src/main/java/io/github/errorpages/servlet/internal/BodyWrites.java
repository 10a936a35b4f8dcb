package io.github.errorpages.servlet.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes a part of an upstream body, as an HTTP client hands it over, to the client's output stream: both
 * proxy transports copy response bodies this way. Thread-safe (stateless).
 */
public final class BodyWrites {

    private static final int COPY_BUFFER = 16 * 1024;

    private BodyWrites() {
    }

    /**
     * The client's output stream, for a relayed body. Within an include whose includer took the response's writer,
     * Tomcat refuses the stream (Jetty allows both), and the body's bytes cannot go through a writer, which would
     * decode them: the refusal says what to do, and is not to be taken for a client that went away.
     *
     * @param response the client's response
     * @return its output stream
     * @throws IllegalStateException saying why, when the container refuses the stream
     * @throws IOException when the container fails to hand it out
     */
    public static ServletOutputStream outputStream(HttpServletResponse response) throws IOException {
        try {
            return response.getOutputStream();
        } catch (IllegalStateException writerInUse) {
            throw new IllegalStateException("ReverseProxyServlet relays the upstream's body as bytes, but the "
                    + "response's writer is in use (a page that includes the proxy wrote with getWriter()): write that "
                    + "page with getOutputStream()", writerInUse);
        }
    }

    /**
     * Whether a relayed answer without a body is to be ended by {@link #endWithoutBody}: an answer to HEAD over
     * HTTP/2, of the request's own (never within an include, whose includer still writes). Not a 204 or 304 to
     * another method, which the containers end themselves, and into which Jetty 12 and Undertow would send a
     * compressing wrapper's empty trailer (a body where there must be none); not over HTTP/1.1, where that trailer
     * would be the HEAD's body.
     *
     * @param request the client's request
     * @return whether to end it
     */
    public static boolean endsWithoutBody(HttpServletRequest request) {
        return "HEAD".equals(request.getMethod()) && RequestBodies.isHttp2OrLater(request.getProtocol())
                && request.getDispatcherType() != DispatcherType.INCLUDE;
    }

    /**
     * Ends the response's body: closes its output stream, or its writer where a wrapper in front took that first.
     * For a HEAD's answer over HTTP/2, whose stream the container does not end on its own: neither Jetty 12 nor
     * Undertow ends one whose head it flushed with a {@code Content-Length}, Undertow none reached through a forward
     * behind a response wrapper, nor Tomcat 11 one whose asynchronous cycle completed with nothing written (the
     * client waits for the end of the stream until it gives up). Where {@link #endsWithoutBody} says so.
     *
     * @param response the client's response to HEAD, or the page of a HEAD
     * @throws IOException when closing fails (usually: the client went away)
     */
    public static void endWithoutBody(HttpServletResponse response) throws IOException {
        try {
            response.getOutputStream().close();
        } catch (IllegalStateException writerTaken) {
            response.getWriter().close();
        }
    }

    /**
     * Writes the buffer as it is when it has an array (heap buffers, as the JDK's client hands over), else
     * through a copy of at most 16 KiB at a time (direct buffers, as Jetty's client may hand over). Consumes
     * the buffer.
     *
     * @param out the client's output stream, in blocking mode
     * @param part the part of the body
     * @throws IOException when writing fails (usually: the client went away)
     */
    public static void write(ServletOutputStream out, ByteBuffer part) throws IOException {
        if (part.hasArray()) {
            out.write(part.array(), part.arrayOffset() + part.position(), part.remaining());
            part.position(part.limit());
            return;
        }
        byte[] chunk = new byte[Math.min(part.remaining(), COPY_BUFFER)];
        while (part.hasRemaining()) {
            int n = Math.min(chunk.length, part.remaining());
            part.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }
}
