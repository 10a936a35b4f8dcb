package io.github.errorpages;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one decision about a failed upstream call, made by {@link ErrorPolicy}: the status, the
 * {@code Retry-After}, and the stable error code. The page text, the JSON body, the countdown, the log
 * line and the metric tags all take their values from here, so they cannot disagree.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param status the HTTP status to answer with, in [500, 599]
 * @param cause the cause of the failure
 * @param errorCode the stable machine-readable code, the cause's RFC 9209 token (e.g.
 *     {@code connection_refused}); a structured-field token (RFC 8941 §3.3.4), safe to show to clients and to
 *     write into a log line
 * @param retryAfter when the client should come back, in whole seconds and at least one second, or
 *     {@code null} when no {@code Retry-After} is sent
 * @param retryAfterHeader the {@code Retry-After} field value to send, or {@code null} exactly when
 *     {@code retryAfter} is null; no control characters (a CR or LF would split the response's head)
 * @param failure the failure this decision is about
 * @since 0.1.0
 */
public record ErrorDecision(
        int status,
        FailureCause cause,
        String errorCode,
        @Nullable Duration retryAfter,
        @Nullable String retryAfterHeader,
        UpstreamFailure failure) {

    /** The characters of RFC 8941's sf-token after its first: tchar, ":" and "/". */
    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~:/";

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code cause}, {@code errorCode} or {@code failure} is null
     * @throws IllegalArgumentException if {@code status} is not 5xx, {@code errorCode} is no token,
     *     {@code retryAfter} is below one second or not whole, exactly one of {@code retryAfter} and
     *     {@code retryAfterHeader} is null, or {@code retryAfterHeader} is empty or holds a control character
     */
    public ErrorDecision {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(errorCode, "errorCode");
        Objects.requireNonNull(failure, "failure");
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("status must be in [500, 599], but was " + status);
        }
        // Checked here, not where the page is written: a CR in the header failed the page and its plain fallback
        // alike, and one in the code split the incident's log line in two.
        if (!isToken(errorCode)) {
            throw new IllegalArgumentException("errorCode must be a token such as connection_refused, but was "
                    + errorCode.replaceAll("\\p{Cntrl}", "?"));
        }
        if (retryAfterHeader != null && !isFieldValue(retryAfterHeader)) {
            throw new IllegalArgumentException("retryAfterHeader must be a field value without control characters, "
                    + "but was " + retryAfterHeader.replaceAll("\\p{Cntrl}", "?"));
        }
        if ((retryAfter == null) != (retryAfterHeader == null)) {
            throw new IllegalArgumentException("retryAfter and retryAfterHeader must both be set or both be null");
        }
        if (retryAfter != null && (retryAfter.compareTo(Duration.ofSeconds(1)) < 0 || retryAfter.getNano() != 0)) {
            throw new IllegalArgumentException("retryAfter must be whole seconds >= 1, but was " + retryAfter);
        }
    }

    /** RFC 8941 §3.3.4: {@code sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" )}; a loop: it runs for each page. */
    private static boolean isToken(String code) {
        if (code.isEmpty() || !(isAsciiLetter(code.charAt(0)) || code.charAt(0) == '*')) {
            return false;
        }
        for (int i = 1; i < code.length(); i++) {
            char c = code.charAt(i);
            if (!isAsciiLetter(c) && (c < '0' || c > '9') && TOKEN_SYMBOLS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** Not empty, and no control character (CR, LF, NUL, DEL, and the C1 controls, as for an upstream's name). */
    private static boolean isFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                return false;
            }
        }
        return !value.isEmpty();
    }

    /**
     * @return the {@code Retry-After} delay, or empty when none is sent
     */
    public Optional<Duration> retryAfterDelay() {
        return Optional.ofNullable(retryAfter);
    }

    /**
     * @return the {@code Retry-After} delay in seconds, or {@code 0} when none is sent
     */
    public long retryAfterSeconds() {
        return retryAfter == null ? 0 : retryAfter.getSeconds();
    }
}
