package io.github.errorpages.examples.servlet;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ErrorHandler;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The context's own error page, for what no filter answers (a servlet's bug, a method no servlet serves, parameters
 * the container cannot decode): the status and its reason phrase, nothing else. Jetty's ee10 handler writes the class
 * and message of each cause into its HTML page whatever {@link #setShowCauses} says (12.1), and an exception's
 * {@code toString()} as the message of every format, and no response may name an exception or what its message holds
 * (R36). Nor does the page show the request's URL (built from the client's own {@code Host} field) or the servlet's
 * name: an error page reflects no request data and tells nothing of the application's insides (R38, R36).
 * {@link ServerLevel} writes the same page for what Jetty refuses before any context (a path with an encoded slash).
 */
final class PlainErrorHandler extends ErrorHandler {

    PlainErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
        setShowMessageInTitle(false);
        setShowOrigin(false);
    }

    @Override
    protected void writeErrorHtmlMessage(Request request, Writer writer, int code, @Nullable String message,
            @Nullable Throwable cause, @Nullable String uri) throws IOException {
        writer.write(html(code));
    }

    @Override
    protected void writeErrorJson(Request request, PrintWriter writer, int code, @Nullable String message,
            @Nullable Throwable cause) {
        writer.write(json(code));
    }

    @Override
    protected void writeErrorPlain(Request request, PrintWriter writer, int code, @Nullable String message,
            @Nullable Throwable cause) {
        writer.write(plain(code));
    }

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
            String contentType, List<Charset> charsets, int code, @Nullable String message, @Nullable Throwable cause)
            throws IOException {
        return super.generateAcceptableResponse(request, response, callback, contentType, charsets, code,
                HttpStatus.getMessage(code), null);
    }

    /**
     * The server's handler for what never reaches a context: ee10's writes nothing outside one. The same overrides
     * as the context's: ee10's handler extends this one's class, so there is no common type of ours to hold them.
     */
    static final class ServerLevel extends org.eclipse.jetty.server.handler.ErrorHandler {

        ServerLevel() {
            setShowStacks(false);
            setShowCauses(false);
            setShowMessageInTitle(false);
            setShowOrigin(false);
        }

        @Override
        protected void writeErrorHtmlMessage(Request request, Writer writer, int code, @Nullable String message,
                @Nullable Throwable cause, @Nullable String uri) throws IOException {
            writer.write(html(code));
        }

        @Override
        protected void writeErrorJson(Request request, PrintWriter writer, int code, @Nullable String message,
                @Nullable Throwable cause) {
            writer.write(json(code));
        }

        @Override
        protected void writeErrorPlain(Request request, PrintWriter writer, int code, @Nullable String message,
                @Nullable Throwable cause) {
            writer.write(plain(code));
        }

        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                String contentType, List<Charset> charsets, int code, @Nullable String message,
                @Nullable Throwable cause) throws IOException {
            return super.generateAcceptableResponse(request, response, callback, contentType, charsets, code,
                    HttpStatus.getMessage(code), null);
        }
    }

    private static String html(int code) {
        return "<h2>HTTP ERROR " + code + " " + HttpStatus.getMessage(code) + "</h2>\n";
    }

    private static String json(int code) {
        return "{\"status\":\"" + code + "\",\"message\":\"" + HttpStatus.getMessage(code) + "\"}";
    }

    private static String plain(int code) {
        return "HTTP ERROR " + code + " " + HttpStatus.getMessage(code) + "\n";
    }
}
