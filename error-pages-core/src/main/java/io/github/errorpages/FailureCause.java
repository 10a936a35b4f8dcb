package io.github.errorpages;

import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Why a call to an upstream failed, as one of the proxy error types of RFC 9209 (Proxy-Status), §2.3.
 *
 * <p>Each cause carries its RFC 9209 token ({@link #token()}), the status code RFC 9209 recommends
 * for it ({@link #defaultStatus()}, rule R2 of the project's standards), and whether a request that
 * failed this way provably never reached the upstream ({@link #requestNeverSent()}), which is what
 * makes a retry of a non-idempotent request safe (RFC 9110 §9.2.2).
 *
 * <p>{@link #UPSTREAM_STATUS} is not an RFC 9209 error type: it stands for a well-formed 5xx response
 * from the upstream, whose status is kept (R3).
 *
 * <p>Enum constants are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public enum FailureCause {

    /** The upstream's host name could not be resolved (NXDOMAIN, SERVFAIL). RFC 9209 §2.3.2. */
    DNS_ERROR("dns_error", 502, true),
    /** The DNS lookup for the upstream's host name timed out. RFC 9209 §2.3.1. */
    DNS_TIMEOUT("dns_timeout", 504, true),
    /** No upstream or route is configured for the request. RFC 9209 §2.3.3. */
    DESTINATION_NOT_FOUND("destination_not_found", 500, true),
    /** The upstream is considered down: its circuit breaker is open, or no endpoint is healthy. RFC 9209 §2.3.4. */
    DESTINATION_UNAVAILABLE("destination_unavailable", 503, true),
    /** The upstream's address could not be reached (no route, port unreachable). RFC 9209 §2.3.6. */
    DESTINATION_IP_UNROUTABLE("destination_ip_unroutable", 502, true),
    /** The upstream refused the TCP connection. RFC 9209 §2.3.7. */
    CONNECTION_REFUSED("connection_refused", 502, true),
    /** The connection was closed or reset before a complete response arrived. RFC 9209 §2.3.8. */
    CONNECTION_TERMINATED("connection_terminated", 502, false),
    /** The TCP connection could not be established in time. RFC 9209 §2.3.9. */
    CONNECTION_TIMEOUT("connection_timeout", 504, true),
    /** No data arrived from the upstream within the read timeout. RFC 9209 §2.3.10. */
    CONNECTION_READ_TIMEOUT("connection_read_timeout", 504, false),
    /** A local limit (bulkhead, connection pool, retry budget) refused the call. RFC 9209 §2.3.12. */
    CONNECTION_LIMIT_REACHED("connection_limit_reached", 503, true),
    /** The TLS handshake with the upstream failed. RFC 9209 §2.3.13. */
    TLS_PROTOCOL_ERROR("tls_protocol_error", 502, true),
    /** The upstream's certificate failed verification. RFC 9209 §2.3.14. */
    TLS_CERTIFICATE_ERROR("tls_certificate_error", 502, true),
    /** The upstream sent a TLS alert. RFC 9209 §2.3.15. */
    TLS_ALERT_RECEIVED("tls_alert_received", 502, true),
    /** The upstream's response was cut short. RFC 9209 §2.3.18. */
    HTTP_RESPONSE_INCOMPLETE("http_response_incomplete", 502, false),
    /** The upstream's response header section was too large. RFC 9209 §2.3.19. */
    HTTP_RESPONSE_HEADER_SECTION_SIZE("http_response_header_section_size", 502, false),
    /** The upstream's response body was too large. RFC 9209 §2.3.21. */
    HTTP_RESPONSE_BODY_SIZE("http_response_body_size", 502, false),
    /** The whole response did not arrive within the response (or overall) timeout. RFC 9209 §2.3.26. */
    HTTP_RESPONSE_TIMEOUT("http_response_timeout", 504, false),
    /** The upstream's response was malformed: bad status line, headers or framing. RFC 9209 §2.3.28. */
    HTTP_PROTOCOL_ERROR("http_protocol_error", 502, false),
    /** The gateway itself failed (a bug or an unclassified error). RFC 9209 §2.3.30. */
    PROXY_INTERNAL_ERROR("proxy_internal_error", 500, false),
    /** The request came back to this gateway. RFC 9209 §2.3.32. */
    PROXY_LOOP_DETECTED("proxy_loop_detected", 502, true),
    /**
     * The upstream answered with a well-formed 5xx status. Not an RFC 9209 error type; the status is
     * the upstream's own (R3), so {@link #defaultStatus()} is only the fallback when none is known.
     */
    UPSTREAM_STATUS("upstream_status", 502, false);

    private final String token;
    private final int defaultStatus;
    private final boolean requestNeverSent;

    FailureCause(String token, int defaultStatus, boolean requestNeverSent) {
        this.token = token;
        this.defaultStatus = defaultStatus;
        this.requestNeverSent = requestNeverSent;
    }

    /**
     * Returns the RFC 9209 error type token, e.g. {@code connection_refused}. It is also the stable,
     * machine-readable error code shown to clients, used in logs and as the metric tag.
     *
     * @return the lower-case token, never empty
     */
    public String token() {
        return token;
    }

    /**
     * Returns the status RFC 9209 recommends for this cause (R2). {@link ErrorPagesConfig} may override it.
     *
     * @return 500, 502, 503 or 504
     */
    public int defaultStatus() {
        return defaultStatus;
    }

    /**
     * Whether a request that failed this way provably never reached the upstream application, so that
     * sending it again cannot apply it twice (RFC 9110 §9.2.2).
     *
     * @return {@code true} for failures before the request was written (DNS, connect, TLS handshake,
     *     local limits, an open breaker)
     */
    public boolean requestNeverSent() {
        return requestNeverSent;
    }

    /**
     * Finds the cause for an RFC 9209 token.
     *
     * @param token a token such as {@code dns_error}; case-insensitive, {@code null} gives empty
     * @return the cause, or empty when the token is unknown
     */
    public static Optional<FailureCause> fromToken(@Nullable String token) {
        if (token == null) {
            return Optional.empty();
        }
        String wanted = token.trim().toLowerCase(Locale.ROOT);
        for (FailureCause cause : values()) {
            if (cause.token.equals(wanted)) {
                return Optional.of(cause);
            }
        }
        return Optional.empty();
    }
}
