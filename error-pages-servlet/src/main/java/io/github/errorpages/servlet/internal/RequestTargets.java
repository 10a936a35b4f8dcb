package io.github.errorpages.servlet.internal;

import java.nio.charset.StandardCharsets;

/**
 * Makes the request target a client sent (path and query, as received) into one that {@link java.net.URI}
 * and the HTTP clients accept, without changing what it means.
 *
 * <p>Browsers send some characters that RFC 3986 does not allow in a URI unencoded, such as
 * {@code { } | ^} and backquotes in a query; containers accept them, {@code java.net.URI} does not. Every
 * character outside RFC 3986's {@code pchar}, {@code /} and {@code ?} (and outside {@code %}, so that what the
 * client encoded stays as it is) is percent-encoded as UTF-8, which is how the upstream would decode it.
 * Thread-safe (stateless).
 */
public final class RequestTargets {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** RFC 3986 unreserved, sub-delims, ":", "@", "/", "?" and "%", by character below 128. */
    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            ALLOWED[c] = true;
            ALLOWED[c - 'a' + 'A'] = true;
        }
        for (char c : "-._~!$&'()*+,;=:@/?%".toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    private RequestTargets() {
    }

    /**
     * @param target a path, or a path and a query, as the client sent them
     * @return the same string when every character is allowed, else a copy with the others percent-encoded
     */
    public static String encodeDisallowed(String target) {
        int length = target.length();
        int first = 0;
        while (first < length && isAllowed(target.charAt(first))) {
            first++;
        }
        if (first == length) {
            return target;
        }
        StringBuilder encoded = new StringBuilder(length + 16).append(target, 0, first);
        int i = first;
        while (i < length) {
            char c = target.charAt(i);
            if (isAllowed(c)) {
                encoded.append(c);
                i++;
                continue;
            }
            int end = i + (Character.isHighSurrogate(c) && i + 1 < length ? 2 : 1);
            for (byte b : target.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                encoded.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
            i = end;
        }
        return encoded.toString();
    }

    private static boolean isAllowed(char c) {
        return c < 128 && ALLOWED[c];
    }
}
