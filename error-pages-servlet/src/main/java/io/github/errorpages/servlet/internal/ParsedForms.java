package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The body of a form POST that a filter in front of the proxy had the container parse into parameters
 * ({@code getParameter}: Spring Security's CSRF check reads its token so, a hidden-method filter its {@code _method}).
 * The container read the body to do it, and the request's stream ends before anything of it: forwarded as it was, the
 * request went out with its {@code Content-Length} and no body, and the upstream waited for it until the attempt timed
 * out (a 504 blamed on it). The body is made again from the parameters, as Spring's
 * {@code ContentCachingRequestWrapper} makes it, less those of the query string (which come first, Servlet 6 §3.1.1),
 * each name and value encoded as the container decoded them, and as a browser encodes them ({@link URLEncoder}): for a
 * browser's form the same bytes, as long as the client announced (the pairs' order may differ: a name's values come
 * together). A body so made that is not as long as announced is not the client's (encoded otherwise, or the stream was
 * read by a filter that parsed nothing: the parameters then have none of the body's), and is not sent: the request
 * then fails as one whose body ended early.
 *
 * <p>Stateless and thread-safe.
 */
final class ParsedForms {

    private static final String FORM_TYPE = "application/x-www-form-urlencoded";

    private ParsedForms() {
    }

    /**
     * The body of a form whose stream ended before anything of it was read, made from the parameters.
     *
     * @param request the request whose stream ended
     * @param length its {@code Content-Length}, as the forwarded request's head announced it, or -1 when it has none
     * @return the body, if the request came as a form POST (whatever method a wrapper in front says it is: a
     *     hidden-method filter's {@code PUT}) and the body so made is as long as announced, or, without a length, not
     *     empty; else {@code null}
     */
    static byte @Nullable [] fromParameters(ServletRequest request, long length) {
        if (!(request instanceof HttpServletRequest http) || !cameAsFormPost(http)) {
            return null;
        }
        byte[] body = encoded(http);
        return (length >= 0 ? body.length == length : body.length > 0) ? body : null;
    }

    /** Whether the container received a form POST, whose body it parses for parameters (it parses no other). */
    private static boolean cameAsFormPost(HttpServletRequest request) {
        return Containers.of(request) instanceof HttpServletRequest container && "POST".equals(container.getMethod())
                && isForm(request.getContentType());
    }

    private static byte[] encoded(HttpServletRequest request) {
        Map<String, Integer> inQuery = namesInQuery(request.getQueryString());
        Charset charset = charsetOf(request, inQuery);
        StringBuilder body = new StringBuilder();
        for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
            String name = parameter.getKey();
            String[] values = parameter.getValue();
            for (int i = inQuery.getOrDefault(name, 0); i < values.length; i++) {
                if (!body.isEmpty()) {
                    body.append('&');
                }
                body.append(URLEncoder.encode(name, charset)).append('=').append(URLEncoder.encode(values[i], charset));
            }
        }
        return body.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isForm(@Nullable String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return type.toLowerCase(Locale.ROOT).equals(FORM_TYPE);
    }

    /**
     * The charset the container decoded the body with: the request's, else the one it chose itself, which the Servlet
     * API does not tell (Jetty takes UTF-8, Tomcat and Undertow ISO-8859-1). Told from the body's names and values
     * (not the query string's, which the container decodes otherwise): ISO-8859-1 when every character fits it and
     * their bytes so make UTF-8 that is not ASCII (a browser's UTF-8, read a byte a character), else UTF-8. Either way
     * re-encoding gives back the bytes the browser sent.
     */
    private static Charset charsetOf(HttpServletRequest request, Map<String, Integer> inQuery) {
        String declared = request.getCharacterEncoding();
        if (declared != null) {
            try {
                return Charset.forName(declared);
            } catch (IllegalCharsetNameException | UnsupportedCharsetException unknown) {
                // the container could not have decoded with it either: told from the values below
            }
        }
        StringBuilder bodyTexts = new StringBuilder();
        for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
            String[] values = parameter.getValue();
            int first = inQuery.getOrDefault(parameter.getKey(), 0);
            if (first < values.length) { // else the query string's only
                bodyTexts.append(parameter.getKey());
                for (int i = first; i < values.length; i++) {
                    bodyTexts.append(values[i]);
                }
            }
        }
        String texts = bodyTexts.toString();
        if (texts.chars().anyMatch(c -> c > 0xFF) || texts.chars().allMatch(c -> c < 0x80)) {
            return StandardCharsets.UTF_8; // beyond ISO-8859-1; or all ASCII, where either gives the same bytes
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(texts.getBytes(StandardCharsets.ISO_8859_1)));
            return StandardCharsets.ISO_8859_1;
        } catch (CharacterCodingException notUtf8) {
            return StandardCharsets.UTF_8;
        }
    }

    /** How many values each name has in the query string, whose values the parameters hold before the body's. */
    private static Map<String, Integer> namesInQuery(@Nullable String query) {
        Map<String, Integer> counts = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return counts;
        }
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            try {
                counts.merge(URLDecoder.decode(name, StandardCharsets.UTF_8), 1, Integer::sum);
            } catch (IllegalArgumentException malformed) {
                counts.merge(name, 1, Integer::sum);
            }
        }
        return counts;
    }
}
