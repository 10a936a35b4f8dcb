package io.github.errorpages.upstream.internal;

import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code Proxy-Status} response header (RFC 9209 §2): a structured-field list with one member
 * per intermediary, each with parameters such as {@code error=connection_timeout}. An {@code error}
 * parameter means that intermediary could not get a response, and has probably retried already (R47).
 */
public final class ProxyStatus {

    private ProxyStatus() {
    }

    /**
     * @param value the header value, or {@code null} when absent
     * @return whether any member carries an {@code error} parameter
     */
    public static boolean hasError(@Nullable String value) {
        if (value == null) {
            return false;
        }
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ';' && isErrorKey(value, i + 1)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isErrorKey(String value, int from) {
        int i = from;
        while (i < value.length() && value.charAt(i) == ' ') {
            i++;
        }
        // Parameter keys are lower case in structured fields (RFC 8941 §3.1.2); "error" must be the whole key.
        return value.startsWith("error", i) && value.startsWith("=", i + 5);
    }
}
