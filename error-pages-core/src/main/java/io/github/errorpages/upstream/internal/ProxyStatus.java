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
        return hasErrorOf(value, null);
    }

    /**
     * @param value the header value, or {@code null} when absent
     * @param type an error type of RFC 9209 §2.3, such as {@code proxy_loop_detected}
     * @return whether any member carries {@code error=} that type
     */
    public static boolean hasError(@Nullable String value, String type) {
        return hasErrorOf(value, type);
    }

    /** Whether any member carries an {@code error} parameter, of {@code type} unless it is {@code null}. */
    private static boolean hasErrorOf(@Nullable String value, @Nullable String type) {
        if (value == null) {
            return false;
        }
        int length = value.length();
        for (int i = separator(value, 0, ';', length); i < length; i = separator(value, i + 1, ';', length)) {
            if (isErrorKey(value, i + 1) && (type == null || isType(value, value.indexOf('=', i + 1) + 1, type))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the token at {@code start}, up to a separator or a space, is {@code type}. */
    private static boolean isType(String value, int start, String type) {
        int end = start;
        while (end < value.length() && ";, ".indexOf(value.charAt(end)) < 0) {
            end++;
        }
        return end - start == type.length() && value.startsWith(type, start);
    }

    /**
     * Where the next separator of a structured field outside a string ({@code "..."}, with its escapes) is.
     *
     * @param value the field value
     * @param from where to start looking
     * @param separator {@code ','} between members, {@code ';'} before each parameter
     * @param end where to stop looking
     * @return the separator's index, or {@code end} when there is none before it
     */
    public static int separator(String value, int from, char separator, int end) {
        boolean quoted = false;
        for (int i = from; i < end; i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == separator) {
                return i;
            }
        }
        return end;
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
