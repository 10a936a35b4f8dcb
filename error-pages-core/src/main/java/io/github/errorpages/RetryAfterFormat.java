package io.github.errorpages;

/**
 * How the {@code Retry-After} header is written (RFC 9110 §10.2.3).
 *
 * <p>Constants are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum RetryAfterFormat {
    /** A number of seconds, e.g. {@code 30}: immune to clock skew, the recommended form (R7). */
    DELAY_SECONDS,
    /** An IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}, for clients that want a date. */
    HTTP_DATE
}
