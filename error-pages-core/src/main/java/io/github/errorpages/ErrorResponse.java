package io.github.errorpages;

import io.github.errorpages.internal.Gzip;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A complete error response, ready to be written by any transport: the status, every header field, and
 * the body bytes (empty for HEAD). Rendering happens before anything is written, so a failing template
 * never leaves half a page on the wire.
 *
 * <p>Instances are thread-safe, and immutable but for the body array, which is neither copied when given nor when
 * returned (a page's bytes are made for its one response; a copy would double what a page allocates): do not
 * modify the array after passing it in or taking it out.
 *
 * @param status the HTTP status, in [500, 599]
 * @param headers header fields in the order they should be written; names as they should be written,
 *     at most one value each; unmodifiable
 * @param body the body; empty for a HEAD request; includes nothing request-derived that is not escaped;
 *     gzip-compressed when {@code Content-Encoding} says so
 * @param supportCode the support code shown on the page and written to the log line, e.g. {@code 7KQ2-MF4X}
 * @param decision the decision the response was rendered from
 * @since 0.1.0
 */
public record ErrorResponse(
        int status,
        Map<String, String> headers,
        byte[] body,
        String supportCode,
        ErrorDecision decision) {

    /**
     * Copies the headers into an unmodifiable, ordered map.
     *
     * @throws NullPointerException if an argument, a header's name or a header's value is null
     * @throws IllegalArgumentException if {@code status} is not 5xx or a header's name or value contains CR or LF
     */
    public ErrorResponse {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(supportCode, "supportCode");
        Objects.requireNonNull(decision, "decision");
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("status must be in [500, 599], but was " + status);
        }
        Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, () -> "value of header " + name);
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + name + " must not contain CR or LF"); // R39
            }
            copy.put(name, value);
        });
        headers = Collections.unmodifiableMap(copy);
    }

    /**
     * Looks up a header field, ignoring the case of the name.
     *
     * @param name the field name
     * @return the value, or {@code null} when absent
     */
    public @Nullable String header(String name) {
        Objects.requireNonNull(name, "name"); // not "absent": a null name is a caller's bug
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }

    /**
     * @return the {@code Content-Type} field value
     */
    public String contentType() {
        String type = header("Content-Type");
        return type == null ? "text/plain; charset=UTF-8" : type;
    }

    /**
     * @return the body as UTF-8 text, decompressed first when it is gzip-compressed; for tests and logs
     * @throws java.io.UncheckedIOException if the body claims to be gzip-compressed but is not
     */
    public String bodyText() {
        if (body.length == 0 || !"gzip".equalsIgnoreCase(header("Content-Encoding"))) {
            return new String(body, StandardCharsets.UTF_8);
        }
        return new String(Gzip.decompress(body), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ErrorResponse{status=" + status + ", contentType=" + contentType().toLowerCase(Locale.ROOT)
                + ", bodyBytes=" + body.length + ", supportCode=" + supportCode + '}';
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ErrorResponse that && status == that.status && headers.equals(that.headers)
                && java.util.Arrays.equals(body, that.body) && supportCode.equals(that.supportCode)
                && decision.equals(that.decision);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, java.util.Arrays.hashCode(body), supportCode, decision);
    }
}
