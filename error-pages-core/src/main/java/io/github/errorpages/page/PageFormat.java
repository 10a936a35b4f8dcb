package io.github.errorpages.page;

/**
 * The formats an error response is rendered in, chosen per request from its {@code Accept} field
 * (standards R34): browsers get HTML, API clients get problem details, and nothing ever gets a 406.
 *
 * <p>Constants are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum PageFormat {
    /** {@code text/html; charset=UTF-8}: the branded page, for browsers. */
    HTML("text/html; charset=UTF-8", "html"),
    /** {@code application/problem+json} (RFC 9457), for API clients. */
    PROBLEM_JSON("application/problem+json", "json"),
    /** {@code text/plain; charset=UTF-8}, for clients that ask for plain text only. */
    TEXT("text/plain; charset=UTF-8", "txt");

    private final String contentType;
    private final String extension;

    PageFormat(String contentType, String extension) {
        this.contentType = contentType;
        this.extension = extension;
    }

    /**
     * @return the {@code Content-Type} field value
     */
    public String contentType() {
        return contentType;
    }

    /**
     * Returns the part of a template's file name that names its format: a template for this format is
     * called {@code <name>.<extension>.mustache}, e.g. {@code 503.html.mustache}.
     *
     * @return {@code html}, {@code json} or {@code txt}
     */
    public String extension() {
        return extension;
    }
}
