package io.github.errorpages.servlet.internal;

import io.github.errorpages.internal.Gzip;
import io.github.errorpages.page.internal.ContentSecurityPolicy;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes a complete response once, replacing whatever the application had set or buffered: status,
 * every header, {@code Content-Length}, then the body. Kept from the response are only fields that describe the
 * site or the exchange rather than the body they came with, set by a filter in front of the error pages' filter
 * or behind it: the CORS fields, and but for a proxy's pages {@code Strict-Transport-Security} and the request id
 * field (the response field named like the request header whose id the page shows; not on a page shared caches
 * may keep). The response must not be committed yet.
 */
final class PageWriter {

    private static final String ALLOW_ORIGIN = "Access-Control-Allow-Origin";
    private static final String STRICT_TRANSPORT_SECURITY = "Strict-Transport-Security";

    private PageWriter() {
    }

    /**
     * @param response the container's response, not committed
     * @param status the status
     * @param headers the header fields, written in order with {@code setHeader}
     * @param body the body a GET would get
     * @param head whether the request is a HEAD: it gets the GET's header fields and its body too, which the
     *     container discards but counts (RFC 9110 §9.3.2, §8.6, R12)
     * @param http2 whether the request came over HTTP/2 or later ({@link RequestBodies#isHttp2OrLater})
     * @param nonBlocking whether the application set a {@code WriteListener} on the response's stream, so that
     *     the stream writes only what {@code isReady()} allows and a write of the application's may be pending
     * @param keepSiteFields whether to keep {@code Strict-Transport-Security} and the request id field (that one not
     *     when {@code Cache-Control} lets shared caches keep the page); not for a proxy's page, whose response may
     *     hold the upstream's (relayed before its body failed)
     * @param requestIdHeader the name of the request id field
     * @return {@code false}, with the response left as it was, when a non-blocking write of the application's is
     *     still pending (the response committed meanwhile), so that the page cannot be written; else {@code true}
     * @throws IOException when writing fails (usually: the client went away)
     * @throws IllegalStateException when the response is committed
     */
    static boolean write(HttpServletResponse response, int status, Map<String, String> headers, byte[] body,
            boolean head, boolean http2, boolean nonBlocking, boolean keepSiteFields, String requestIdHeader)
            throws IOException {
        // Decided before reset(), which would otherwise have replaced half of the application's response. An
        // application that wrote through a WriteListener left the stream non-blocking, and Jetty refuses a write
        // that isReady() has not allowed since the last one (it answered with its own 500, "Insufficient content
        // written"); the page's write then needs isReady()'s consent, and reset() keeps the stream non-blocking.
        // Without a WriteListener the stream blocks, and isReady() is not asked: what it answers then is the
        // container's choice, not the Servlet API's (some Tomcat versions answered false, which would have aborted
        // every page), and a wrapper's stream in front may answer anything.
        // A pending write has gone to the connection, so the response is committed then; one not committed has
        // nothing pending. Tomcat 10.1 answers false in an ASYNC dispatch whatever was written before, and takes the
        // write: refused for it, the page gave way to an abort that Tomcat sent as a 400 with the application's or
        // upstream's buffered bytes, under a length that made a body cut short look whole. A container that refuses
        // the write anyway throws IllegalStateException, which ends the response as a committed one.
        if (nonBlocking && !response.getOutputStream().isReady() && response.isCommitted()) {
            return false;
        }
        Map<String, String> cors = corsFields(response);
        // Set for every response of the site (a filter's HSTS, a correlation filter's id): the page's own response
        // without them would drop the site's transport policy, and the id the caller's logs need most right now.
        List<String> transportSecurity = keepSiteFields ? values(response, STRICT_TRANSPORT_SECURITY) : null;
        // Not on a page that shared caches may keep (cache.max-age): they would hand one caller's id to every other,
        // and that page shows a support code of its own, not the caller's.
        List<String> requestIds = keepSiteFields && !sharedByCaches(headers) ? values(response, requestIdHeader)
                : null;
        // What a writer the application got encodes with: reset() forgets it, the writer does not.
        String writerCharset = response.getCharacterEncoding();
        // reset() drops the application's headers (cookies included, R17) and buffered output, and makes
        // getOutputStream() available again even if the application used getWriter().
        response.reset();
        // Jetty 12 puts a new session's cookie back after reset(): an error page sets no cookie (R17), least of
        // all one a shared cache could hand to others. With the cookie it puts back the Expires it adds to every
        // response that sets one (the epoch, to keep caches from storing it): a page carries no Expires (R15), and
        // its Cache-Control says already how caches treat it.
        response.setHeader("Set-Cookie", null);
        response.setHeader("Expires", null);
        boolean undertow = forgetUndertowsCookies(response);
        response.setStatus(status);
        headers.forEach(response::setHeader);
        sayUtf8WhereTheContainerAddedAnotherCharset(response, headers);
        keep(response, STRICT_TRANSPORT_SECURITY, transportSecurity, headers);
        keep(response, requestIdHeader, requestIds, headers);
        if (cors != null) {
            // A CORS filter set these before the failure (in front of the error pages' filter, or behind it as
            // web.xml's filters are behind the auto-registered one): without them a cross-origin script could read
            // nothing of the page, not even its status; Retry-After only when Access-Control-Expose-Headers lists
            // it, for it is no CORS-safelisted response header. Its Vary: Origin is reset too, and one origin's page
            // must not be reused for another.
            cors.forEach(response::setHeader);
            String vary = response.getHeader("Vary");
            if (!"*".equals(cors.get(ALLOW_ORIGIN))) {
                response.setHeader("Vary", vary == null || vary.isEmpty() ? "Origin" : vary + ", Origin");
            }
        }
        response.setContentLength(body.length);
        if (body.length > 0) {
            writeBody(response, headers, body, writerCharset);
        }
        if (!nonBlocking) {
            // Committed now, so that a filter in front that adds to the response after the chain (a session's
            // cookie, its own Cache-Control or X-Frame-Options) cannot add to the page (R15, R17, R41). Jetty and
            // Tomcat commit a response once its declared length was written, but not a page whose length a
            // compressing wrapper of the application's hides or the container counts (a writer in another charset);
            // Undertow never does. (A non-blocking stream is left to the container.)
            // A HEAD's answer over HTTP/2 is ended instead (BodyWrites.endWithoutBody says why).
            if (head && http2) {
                BodyWrites.endWithoutBody(response);
            } else {
                response.flushBuffer();
            }
        }
        return true;
    }

    /**
     * Undertow's {@code reset()} keeps the charset the application's {@code getWriter()} or
     * {@code setCharacterEncoding} set, and adds it to every {@code Content-Type} set later without one: the
     * problem+json page (whose type has none, RFC 8259 §11) said {@code charset=ISO-8859-1} over its UTF-8 bytes,
     * and a client decoding by it garbled every non-ASCII letter. There it says the page's own charset instead.
     */
    private static void sayUtf8WhereTheContainerAddedAnotherCharset(HttpServletResponse response,
            Map<String, String> headers) {
        String declared = contentType(headers);
        if (declared.toLowerCase(Locale.ROOT).contains("charset=")) {
            return;
        }
        String sent = response.getHeader("Content-Type");
        if (sent != null && !sent.equals(declared)) {
            response.setHeader("Content-Type", declared + "; charset=utf-8");
        }
    }

    private static boolean sharedByCaches(Map<String, String> headers) {
        String cacheControl = headers.get("Cache-Control");
        return cacheControl != null && cacheControl.startsWith("public");
    }

    /**
     * Writes the page as a part of an including servlet's response, within an include dispatch: its body after whatever
     * the includer wrote, through the writer the includer took, else the stream (then its writer is no longer available
     * to it), and nothing else. The container ignores the status and the header fields an included servlet sets, but
     * Undertow does not ignore its {@code reset()}: that dropped the includer's output and fields, and the includer's
     * next {@code getWriter()} failed (a 500). The page is not compressed ({@link ErrorResponder#errorRequest}); it is
     * in the includer's charset: its writer's, or the one its {@code Content-Type} declares for its stream (without
     * one, UTF-8, as the page says). A character the charset cannot encode goes as a reference to it in HTML and JSON,
     * as {@code ?} in plain text. A HEAD's part is written as its GET's: the container sends no body for a HEAD, but
     * counts what was written for the includer's {@code Content-Length}, which without the part said less than its
     * GET's body (RFC 9110 §8.6).
     *
     * @param response the response the included servlet got
     * @param contentType the page's {@code Content-Type}
     * @param body the page's body (a GET's, also for a HEAD)
     * @throws IOException when writing fails (usually: the client went away)
     */
    static void writeFragment(HttpServletResponse response, String contentType, byte[] body) throws IOException {
        if (body.length == 0) {
            return;
        }
        Charset charset = charsetOf(response.getCharacterEncoding());
        boolean utf8 = charset.equals(StandardCharsets.UTF_8);
        ServletOutputStream out;
        try {
            out = response.getOutputStream();
        } catch (IllegalStateException writerInUse) {
            // What the writer's charset cannot encode goes as a reference, made here.
            String text = new String(body, StandardCharsets.UTF_8);
            response.getWriter().write(utf8 ? text : encodable(text, charset.newEncoder(), contentType));
            return;
        }
        // Through the stream in the charset the includer declared: Jetty hands an includer that took the writer a
        // stream that decodes bytes in it. Declared none, the page's own UTF-8, which its HTML says it is in; the
        // Servlet API's ISO-8859-1 that getCharacterEncoding() names then is no choice of the includer's.
        String declared = response.getContentType();
        if (utf8 || declared == null || !declared.toLowerCase(Locale.ROOT).contains("charset=")) {
            out.write(body);
            return;
        }
        out.write(encodable(new String(body, StandardCharsets.UTF_8), charset.newEncoder(), contentType)
                .getBytes(charset));
    }

    /**
     * @param headers a page's header fields
     * @return its {@code Content-Type}, or {@code text/plain} when it has none
     */
    static String contentType(Map<String, String> headers) {
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Content-Type")) {
                return header.getValue();
            }
        }
        return "text/plain";
    }

    /**
     * Writes the body, a HEAD's as its GET's: every container sends none for a HEAD, but counts what was written, and a
     * response wrapper in front may pass the length on only with bytes. Spring's {@code ShallowEtagHeaderFilter}
     * (its {@code ContentCachingResponseWrapper}) keeps {@code setContentLength} to itself and hands it on with the
     * bytes it holds: without them a HEAD's page said {@code Content-Length: 0} on Jetty and Undertow, and none on
     * Tomcat, where its GET's said the page's length (RFC 9110 §8.6, R12).
     */
    private static void writeBody(HttpServletResponse response, Map<String, String> headers, byte[] body,
            String writerCharset) throws IOException {
        ServletOutputStream out;
        try {
            out = response.getOutputStream();
        } catch (IllegalStateException writerInUse) {
            writeWithTheApplicationsWriter(response, headers, body, writerCharset);
            return;
        }
        out.write(body);
    }

    /**
     * Undertow keeps the cookies a response set (the session's among them) in its exchange, not among the header
     * fields, and its {@code reset()} keeps them: they went out with the page (R17), which a shared cache may store.
     * Reflection, because this module does not depend on Undertow.
     *
     * @return whether the response is Undertow's
     */
    private static boolean forgetUndertowsCookies(HttpServletResponse response) {
        ServletResponse inner = Containers.of(response);
        if (!inner.getClass().getName().startsWith("io.undertow.")) {
            return false;
        }
        try {
            Object exchange = inner.getClass().getMethod("getExchange").invoke(inner);
            Object cookies = exchange.getClass().getMethod("getResponseCookies").invoke(exchange);
            if (cookies instanceof Map<?, ?> set) {
                set.clear();
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError notThere) {
            // Another Undertow: its cookies are its own.
        }
        return true;
    }

    /**
     * Writes the page through the writer a container (or a response wrapper of the application's) keeps after
     * {@code reset()}: one that takes characters, and encodes them in the charset it had when the application got it.
     * The page goes uncompressed (a writer takes text), and as exactly its bytes where that charset lets it: as text
     * through a UTF-8 writer; through an ISO-8859-1 one (the Servlet API's default), HTML and JSON in ASCII, their
     * other characters as references, and plain text one character a byte, which such a writer writes as that byte.
     * Through a writer of any other charset the page says that charset, and a character it
     * cannot encode goes as a reference to it (a numeric character reference in HTML, an escape in JSON's strings;
     * {@code ?} in text), its length left to the container: how many bytes a writer makes of it (a byte order mark
     * or none) is the container's. Written as UTF-8 text whatever the writer's charset, its non-ASCII characters were
     * garbled, a gzipped page was decoded as text, and a charset of two bytes a character overran the Content-Length.
     * A HEAD's page is written as its GET's (see {@link #writeBody}), and so gets a length left to the container too.
     */
    private static void writeWithTheApplicationsWriter(HttpServletResponse response, Map<String, String> headers,
            byte[] body, String writerCharset) throws IOException {
        byte[] page = body;
        String contentType = "";
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase("Content-Encoding")) {
                page = Gzip.decompress(body);
                response.setHeader("Content-Encoding", null);
            } else if (header.getKey().equalsIgnoreCase("Content-Type")) {
                contentType = header.getValue();
            }
        }
        Charset charset = charsetOf(writerCharset);
        String text;
        if (charset.equals(StandardCharsets.UTF_8)) {
            text = new String(page, charset);
            if (!contentType.toLowerCase(Locale.ROOT).contains("charset=")) {
                // A type that names none (problem+json, RFC 8259 §11): a writer made anew after reset() (Jetty 12,
                // under a wrapper that keeps none) took the Servlet API's ISO-8859-1, its non-ASCII characters went
                // as ? and the page fell short of its Content-Length. Named, it is the kept writer's UTF-8 too.
                response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            }
            response.setContentLength(page.length);
        } else if (charset.equals(StandardCharsets.ISO_8859_1)) {
            // The Servlet API's default. The writer is the application's, kept, or one the container makes anew
            // after reset() in the page's UTF-8 (Jetty 12, under a wrapper that refuses the stream but keeps no
            // writer): only ASCII is the same bytes through both. One character a byte, the page's bytes overran
            // its Content-Length through a new writer (Jetty's 500 for the GET, the page for its HEAD).
            text = encodable(new String(page, StandardCharsets.UTF_8), StandardCharsets.US_ASCII.newEncoder(),
                    contentType);
            if (isAscii(text)) {
                response.setContentLength(text.length());
            } else {
                // Plain text, which has no references: exact through the kept writer, its length the container's.
                text = new String(page, charset);
                response.setContentLengthLong(-1);
            }
        } else {
            text = encodable(new String(page, StandardCharsets.UTF_8), charset.newEncoder(), contentType);
            response.setCharacterEncoding(charset.name());
            response.setContentLengthLong(-1);
        }
        if (contentType.startsWith("text/html")) {
            // A style's or script's content escaped for the charset has another hash than the policy lists, and a
            // browser would refuse both (R41): the policy of the page as written (the same for one left as it was).
            response.setHeader("Content-Security-Policy", ContentSecurityPolicy.forHtml(text));
        }
        response.getWriter().write(text);
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** The charset a writer was made with, named by {@code getCharacterEncoding()}. */
    private static Charset charsetOf(String name) {
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException unknown) {
            return StandardCharsets.ISO_8859_1; // the Servlet API's default; a writer was made with it somehow
        }
    }

    /**
     * The text with each character the charset cannot encode as a reference to it, as the format writes one: in HTML
     * a numeric character reference, but in the content of a {@code <style>} or {@code <script>}, where a browser reads
     * none, the escape of CSS ({@code \002192 }) or JavaScript ({@code \}{@code u2192}); in JSON an escape.
     */
    private static String encodable(String text, CharsetEncoder encoder, String contentType) {
        boolean html = contentType.startsWith("text/html");
        boolean json = contentType.contains("json");
        if (!html && !json) {
            return text; // plain text has no references: the writer writes its replacement
        }
        // Start, end and whether a style, of each style's and script's content, in order.
        List<int[]> rawText = new ArrayList<>();
        if (html) {
            ContentSecurityPolicy.findInlineElements(text,
                    (style, start, end, foreign) -> rawText.add(new int[] {start, end, style ? 1 : 0}));
        }
        StringBuilder out = new StringBuilder(text.length() + 64);
        int element = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            String character = text.substring(i, i + Character.charCount(codePoint));
            while (element < rawText.size() && i >= rawText.get(element)[1]) {
                element++;
            }
            boolean inElement = element < rawText.size() && i >= rawText.get(element)[0];
            if (encoder.canEncode(character)) {
                out.append(character);
            } else if (inElement && rawText.get(element)[2] == 1) {
                // CSS reads a white space after an escape as its end: one of its own, so the page's own is kept.
                out.append(String.format("\\%06x ", codePoint));
            } else if (html && !inElement) {
                out.append("&#x").append(Integer.toHexString(codePoint)).append(';');
            } else {
                for (char unit : character.toCharArray()) {
                    // In JSON only in strings (the structure is ASCII); in a script also in its names and regular
                    // expressions, and in a comment harmless.
                    out.append(String.format("\\u%04x", (int) unit));
                }
            }
            i += character.length();
        }
        return out.toString();
    }

    /** A copy, for a container's collection may be a view that the reset empties. */
    private static @Nullable List<String> values(HttpServletResponse response, String name) {
        Collection<String> values = response.getHeaders(name);
        return values == null || values.isEmpty() ? null : List.copyOf(values);
    }

    /** Adds the values a field had before the reset, unless the page sets that field itself. */
    private static void keep(HttpServletResponse response, String name, @Nullable List<String> values,
            Map<String, String> pageHeaders) {
        if (values == null) {
            return;
        }
        for (String pageHeader : pageHeaders.keySet()) {
            if (pageHeader.equalsIgnoreCase(name)) {
                return;
            }
        }
        for (String value : values) {
            response.addHeader(name, value);
        }
    }

    /**
     * The CORS response fields (Fetch standard, §3.2.3) that a cross-origin caller needs to read the page: the
     * allowed origin, whether credentials are allowed, and which fields it may read.
     *
     * @return them by name, or {@code null} when the response allows no origin
     */
    private static @Nullable Map<String, String> corsFields(HttpServletResponse response) {
        String origin = response.getHeader(ALLOW_ORIGIN);
        if (origin == null) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put(ALLOW_ORIGIN, origin);
        for (String name : List.of("Access-Control-Allow-Credentials", "Access-Control-Expose-Headers")) {
            Collection<String> values = response.getHeaders(name);
            if (values != null && !values.isEmpty()) {
                fields.put(name, String.join(", ", values));
            }
        }
        return fields;
    }
}
