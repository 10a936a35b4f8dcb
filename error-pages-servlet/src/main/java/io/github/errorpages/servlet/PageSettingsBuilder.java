package io.github.errorpages.servlet;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.servlet.internal.ErrorResponder;
import io.github.errorpages.servlet.internal.ResponderParameters;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The settings of how failures are answered, shared by the builders of {@link ErrorPagesFilter} and
 * {@link ReverseProxyServlet}. Not thread-safe.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class PageSettingsBuilder<B extends PageSettingsBuilder<B>> {

    private ErrorPages errorPages = ErrorPages.ofDefaults();
    private @Nullable String robotsTxtFallback;
    private String requestIdHeader = ResponderParameters.DEFAULT_REQUEST_ID_HEADER;

    PageSettingsBuilder() {
    }

    /**
     * Sets what classifies failures, decides status and {@code Retry-After}, and renders the pages.
     * Default {@link ErrorPages#ofDefaults()}. Share one instance with the rest of the application.
     *
     * @param errorPages the error pages
     * @return this builder
     * @throws NullPointerException if {@code errorPages} is null
     */
    public B errorPages(ErrorPages errorPages) {
        this.errorPages = Objects.requireNonNull(errorPages, "errorPages");
        return self();
    }

    /**
     * Sets what {@code /robots.txt} is answered with, with status 200 and {@code text/plain}, while the
     * upstream behind it fails (init-parameters {@code robots-txt.fallback} and
     * {@code robots-txt.fallback-resource}). Default none: a plain-text 503 with {@code Retry-After}, which
     * crawlers read as "disallow all for now" (RFC 9309 §2.3.1.4). Either way, never the HTML page (R27).
     *
     * @param content the robots.txt rules, e.g. {@code "User-agent: *\nDisallow:\n"}, or {@code null} for
     *     the 503; blank is none too, as an empty robots.txt would allow everything while the site is down
     * @return this builder
     */
    public B robotsTxtFallback(@Nullable String content) {
        this.robotsTxtFallback = content == null || content.isBlank() ? null : content;
        return self();
    }

    /**
     * Sets the request header whose value is shown as the support code when it is safe to echo
     * ({@code [A-Za-z0-9._-]{1,64}}, and not in the shape of the library's own codes, {@code 7KQ2-MF4X}), so that
     * the page, the log line and the caller's own logs share one id (init-parameter {@code request-id-header}).
     * Default {@code X-Request-Id}.
     *
     * @param name a header name
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is not a valid header name
     */
    public B requestIdHeader(String name) {
        this.requestIdHeader = ResponderParameters.requestIdHeader(Objects.requireNonNull(name, "name"));
        return self();
    }

    ErrorResponder responder() {
        return new ErrorResponder(errorPages, robotsTxtFallback, requestIdHeader);
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
