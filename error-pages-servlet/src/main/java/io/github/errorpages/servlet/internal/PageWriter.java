package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes a complete response once, replacing whatever the application had set or buffered: status,
 * every header, {@code Content-Length}, then the body. The response must not be committed yet.
 */
final class PageWriter {

    private PageWriter() {
    }

    /**
     * @param response the container's response, not committed
     * @param status the status
     * @param headers the header fields, written in order with {@code setHeader}
     * @param body the body a GET would get
     * @param head whether the request is a HEAD: then {@code Content-Length} is that of the GET body
     *     and no byte is written (RFC 9110 §9.3.2, R12)
     * @throws IOException when writing fails (usually: the client went away)
     * @throws IllegalStateException when the response is committed
     */
    static void write(HttpServletResponse response, int status, Map<String, String> headers, byte[] body, boolean head)
            throws IOException {
        // reset() drops the application's headers (cookies included, R17) and buffered output, and makes
        // getOutputStream() available again even if the application used getWriter().
        response.reset();
        // Jetty 12 puts a new session's cookie back after reset(): an error page sets no cookie (R17), least of
        // all one a shared cache could hand to others.
        response.setHeader("Set-Cookie", null);
        response.setStatus(status);
        headers.forEach(response::setHeader);
        response.setContentLength(body.length);
        if (head || body.length == 0) {
            return;
        }
        OutputStream out;
        try {
            out = response.getOutputStream();
        } catch (IllegalStateException writerInUse) {
            // A container that keeps the writer after reset(): the body is UTF-8 text in every format.
            response.getWriter().write(new String(body, StandardCharsets.UTF_8));
            return;
        }
        out.write(body);
    }
}
