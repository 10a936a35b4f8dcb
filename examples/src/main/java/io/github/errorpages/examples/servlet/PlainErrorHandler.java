package io.github.errorpages.examples.servlet;

import java.io.IOException;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ErrorHandler;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The context's own error page, for what no filter answers (a servlet's bug, parameters the container cannot
 * decode): the status and its reason phrase, no exception. (A request Jetty cannot parse at all never reaches the
 * context: the server's handler answers it, naming no exception.) Jetty's ee10 handler writes the class and message of each cause into
 * its HTML page whatever {@link #setShowCauses} says (12.1), and an exception's {@code toString()} as the message of
 * every format, and no response may name an exception or what its message holds (R36).
 */
final class PlainErrorHandler extends ErrorHandler {

    PlainErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
        setShowMessageInTitle(false);
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
            String contentType, List<Charset> charsets, int code, @Nullable String message, @Nullable Throwable cause)
            throws IOException {
        return super.generateAcceptableResponse(request, response, callback, contentType, charsets, code,
                HttpStatus.getMessage(code), null);
    }
}
