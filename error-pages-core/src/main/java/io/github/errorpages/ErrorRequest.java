package io.github.errorpages;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The facts about a request that shape its error response: the method (HEAD gets no body), the
 * {@code Accept} and {@code Accept-Language} fields (format and language), an optional request id, and the
 * {@code Accept-Encoding} field (whether a long page may be sent gzip-compressed).
 * Transport-neutral: the servlet module and others build it from their own request types.
 *
 * <p>The path is never echoed into a page (R33, R38). {@link ErrorPages#render} does not look at it: a
 * {@code /robots.txt} must never get the page (R27), which the servlet module's filter and proxy see to before
 * they render; another integration must do the same.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param method the request method, e.g. {@code GET}
 * @param path the request path without the query, e.g. {@code /orders/42}
 * @param accept the {@code Accept} field value, or {@code null} when absent
 * @param acceptLanguage the {@code Accept-Language} field value, or {@code null} when absent
 * @param requestId the caller's request id (e.g. from {@code X-Request-Id}), or {@code null}; it is used as
 *     the support code only if it matches {@code [A-Za-z0-9._-]{1,64}} (R39), is not in the shape of the
 *     library's own codes ({@code 7KQ2-MF4X}, four and four letters or digits: another request's code), and the
 *     page is not one shared caches may keep ({@code cache.max-age})
 * @param acceptEncoding the {@code Accept-Encoding} field value, or {@code null} when absent (the response is
 *     then never compressed)
 * @since 0.1.0
 */
public record ErrorRequest(
        String method,
        String path,
        @Nullable String accept,
        @Nullable String acceptLanguage,
        @Nullable String requestId,
        @Nullable String acceptEncoding) {

    /**
     * @throws NullPointerException if {@code method} or {@code path} is null
     */
    public ErrorRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }

    /**
     * A request without {@code Accept-Encoding}: its response is never compressed.
     *
     * @param method the request method, e.g. {@code GET}
     * @param path the request path without the query
     * @param accept the {@code Accept} field value, or {@code null} when absent
     * @param acceptLanguage the {@code Accept-Language} field value, or {@code null} when absent
     * @param requestId the caller's request id, or {@code null}
     * @throws NullPointerException if {@code method} or {@code path} is null
     */
    public ErrorRequest(String method, String path, @Nullable String accept, @Nullable String acceptLanguage,
            @Nullable String requestId) {
        this(method, path, accept, acceptLanguage, requestId, null);
    }

    /**
     * A request with method and path only.
     *
     * @param method the method
     * @param path the path
     * @return the request
     */
    public static ErrorRequest of(String method, String path) {
        return new ErrorRequest(method, path, null, null, null, null);
    }

    /**
     * @return whether the response must have no body: the method is {@code HEAD} (RFC 9110 §9.3.2), in that case
     *     only; a method is case-sensitive (§9.1), and {@code head} is another one, whose response has a body
     */
    public boolean isHead() {
        return "HEAD".equals(method);
    }
}
