package io.github.errorpages.servlet.internal;

import io.github.errorpages.internal.DotSegments;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Makes the request target a client sent (path and query, as received) into one that {@link java.net.URI}
 * and the HTTP clients accept, without changing what it means, and resolves its dot segments as the container
 * did ({@link #removeDotSegments}).
 *
 * <p>Browsers send some characters that RFC 3986 does not allow in a URI unencoded, such as
 * {@code { } | ^} and backquotes in a query; containers accept them, {@code java.net.URI} does not. Every
 * character outside RFC 3986's {@code pchar}, {@code /} and {@code ?} (and outside {@code %}, so that what the
 * client encoded stays as it is) is percent-encoded as UTF-8, which is how the upstream would decode it; so is a
 * {@code %} that starts no percent-escape ({@code ?q=100%}, which containers accept in a query).
 * Thread-safe (stateless).
 */
public final class RequestTargets {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    /** An encoded "/" or "\\", either case. */
    private static final String[] ENCODED_SEPARATORS = {"%2F", "%2f", "%5C", "%5c"};
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
        while (first < length && isAllowed(target, first)) {
            first++;
        }
        if (first == length) {
            return target;
        }
        StringBuilder encoded = new StringBuilder(length + 16).append(target, 0, first);
        int i = first;
        while (i < length) {
            char c = target.charAt(i);
            if (isAllowed(target, i)) {
                encoded.append(c);
                i++;
                continue;
            }
            i = appendEscaped(encoded, target, i);
        }
        return encoded.toString();
    }

    /**
     * Appends the character at {@code i} (both halves of a surrogate pair) percent-encoded as UTF-8.
     *
     * @return the index after it
     */
    private static int appendEscaped(StringBuilder encoded, String text, int i) {
        int end = i + (Character.isHighSurrogate(text.charAt(i)) && i + 1 < text.length() ? 2 : 1);
        for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
            encoded.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
        return end;
    }

    /**
     * Removes the dot segments of a path as received, as containers do before they map a request
     * ({@link DotSegments#remove}: encoded dots and dots with path parameters count).
     *
     * <p>A proxy must forward the path its container mapped, not the raw one: a raw {@code ..} forwarded after
     * the servlet's mapping prefix was cut off would be resolved by the upstream against the endpoint's base
     * path, and climb out of it ({@code /api/a/../../orders/b} is {@code /orders/b} to the upstream).
     *
     * @param path a path starting with {@code /}, as {@code HttpServletRequest.getRequestURI()} gives it
     * @return the same string when it has no dot segment, else the path without them
     */
    public static String removeDotSegments(String path) {
        return DotSegments.remove(path);
    }

    /**
     * Decodes a path as a container does to map it: each segment without its path parameters ({@code ;...}),
     * percent-escapes decoded as UTF-8.
     *
     * @param rawPath a path as received, e.g. {@code /a%20b;v=1/c}
     * @return the decoded path, e.g. {@code /a b/c}, or {@code null} when an escape is malformed
     */
    public static @Nullable String decodePath(String rawPath) {
        return decodePath(rawPath, false);
    }

    /**
     * Decodes a path as {@link #decodePath(String)} does, or as Tomcat does with its connector's
     * {@code encodedSolidusHandling="passthrough"}: every escape decoded but an encoded {@code /} ({@code %2F},
     * {@code %2f}), which stays as it was written, so that it does not split the segment it is part of, and an
     * encoded {@code %} ({@code %25}), which stays too, so that {@code %252F} is not read as {@code %2F}.
     *
     * @param rawPath a path as received, e.g. {@code /a%2Fb%20c}
     * @param keepEncodedSlashes whether {@code %2F} and {@code %25} stay as written
     * @return the decoded path, e.g. {@code /a%2Fb c} with {@code keepEncodedSlashes}, or {@code null} when an
     *     escape is malformed
     */
    public static @Nullable String decodePath(String rawPath, boolean keepEncodedSlashes) {
        return decodePath(rawPath, keepEncodedSlashes, false);
    }

    /**
     * Decodes a path as {@link #decodePath(String, boolean)} does, and keeps an encoded {@code \} ({@code %5C},
     * {@code %5c}) as written where Tomcat 11's {@code encodedReverseSolidusHandling="passthrough"} keeps it (with
     * {@code %25} too, whatever its {@code encodedSolidusHandling}).
     *
     * @param rawPath a path as received
     * @param keepEncodedSlashes whether {@code %2F} stays as written
     * @param keepEncodedBackslashes whether {@code %5C} stays as written
     * @return the decoded path, or {@code null} when an escape is malformed
     */
    public static @Nullable String decodePath(String rawPath, boolean keepEncodedSlashes,
            boolean keepEncodedBackslashes) {
        if (rawPath.indexOf('%') < 0 && rawPath.indexOf(';') < 0) {
            return rawPath; // the path of nearly every request
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rawPath.length());
        int length = rawPath.length();
        int i = 0;
        while (i < length) {
            char c = rawPath.charAt(i);
            if (c == ';') {
                while (i < length && rawPath.charAt(i) != '/') {
                    i++; // the segment's parameters
                }
                continue;
            }
            if (c == '%') {
                int high = i + 2 < length ? Character.digit(rawPath.charAt(i + 1), 16) : -1;
                int low = i + 2 < length ? Character.digit(rawPath.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0) {
                    return null;
                }
                int decoded = high << 4 | low;
                if (keepEncodedSlashes && decoded == '/' || keepEncodedBackslashes && decoded == '\\'
                        || (keepEncodedSlashes || keepEncodedBackslashes) && decoded == '%') {
                    bytes.write('%'); // as written: the two hex digits are ASCII
                    bytes.write(rawPath.charAt(i + 1));
                    bytes.write(rawPath.charAt(i + 2));
                    i += 3;
                    continue;
                }
                bytes.write(high << 4 | low);
                i += 3;
                continue;
            }
            int end = i + (Character.isHighSurrogate(c) && i + 1 < length ? 2 : 1);
            byte[] encoded = rawPath.substring(i, end).getBytes(StandardCharsets.UTF_8);
            bytes.write(encoded, 0, encoded.length);
            i = end;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * The part of a raw request path below a prefix the container mapped it with: each of the prefix's segments
     * must be one of the path's, as written or decoded, without its path parameters ({@code ;v=1}), which are the
     * gateway's and not forwarded.
     *
     * @param rawPath the path as received, e.g. {@code /orders;v=1/a%2Fb}
     * @param prefix the context path and servlet path the container matched, e.g. {@code /orders}; may be empty
     * @return the raw path below it, e.g. {@code /a%2Fb}, possibly empty; or {@code null} when the segments do not
     *     line up
     */
    public static @Nullable String rawPathBelow(String rawPath, String prefix) {
        int at = 0;
        int from = 0;
        while (from < prefix.length()) {
            if (prefix.charAt(from) != '/' || at >= rawPath.length() || rawPath.charAt(at) != '/') {
                return null;
            }
            int prefixEnd = prefix.indexOf('/', from + 1);
            prefixEnd = prefixEnd < 0 ? prefix.length() : prefixEnd;
            int segmentEnd = rawPath.indexOf('/', at + 1);
            segmentEnd = segmentEnd < 0 ? rawPath.length() : segmentEnd;
            int parameters = rawPath.indexOf(';', at + 1);
            int nameEnd = parameters >= 0 && parameters < segmentEnd ? parameters : segmentEnd;
            int length = prefixEnd - from - 1;
            // As written, compared in place: the path of nearly every request, on every forwarded one
            boolean same = nameEnd - at - 1 == length && rawPath.regionMatches(at + 1, prefix, from + 1, length);
            if (!same && !prefix.substring(from + 1, prefixEnd)
                    .equals(decodePath(rawPath.substring(at + 1, nameEnd)))) {
                return null;
            }
            from = prefixEnd;
            at = segmentEnd;
        }
        return rawPath.substring(at);
    }

    /**
     * @param rawPath a path
     * @return the path with each run of slashes made one, as Tomcat maps {@code /a//b} (an empty segment, the
     *     trace of a careless join of URLs) as {@code /a/b}
     */
    public static String mergeEmptySegments(String rawPath) {
        if (!rawPath.contains("//")) {
            return rawPath;
        }
        StringBuilder merged = new StringBuilder(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c != '/' || merged.length() == 0 || merged.charAt(merged.length() - 1) != '/') {
                merged.append(c);
            }
        }
        return merged.toString();
    }

    /**
     * Whether a path has a dot segment once its encoded slashes are read as slashes: {@code /..%2F..%2Fadmin} has,
     * and an upstream that decodes {@code %2F} before it resolves dot segments would take it out of the base path
     * it is forwarded under.
     *
     * @param rawPath a path as received, its own dot segments already removed
     * @return whether reading {@code %2F} as {@code /} makes a dot segment
     */
    public static boolean hasDotSegmentBehindAnEncodedSlash(String rawPath) {
        int at = indexOfEncodedSlash(rawPath, 0);
        if (at < 0) {
            return false; // the path of nearly every request
        }
        StringBuilder decoded = new StringBuilder(rawPath.length());
        int from = 0;
        while (at >= 0) {
            decoded.append(rawPath, from, at).append('/');
            from = at + 3;
            at = indexOfEncodedSlash(rawPath, from);
        }
        return DotSegments.has(decoded.append(rawPath, from, rawPath.length()).toString());
    }

    /**
     * Whether a decoded path, as the container mapped it, holds a dot segment, reading a backslash as a separator
     * too (some servers do). A container resolves the dot segments of the path it received before it decodes it,
     * so only one that decodes an encoded {@code /} or {@code \} too ({@code /a/..%2F..%2Fadmin} under Jetty's
     * lenient URI compliance, whose decoded path is {@code /a/../../admin}) maps a path that still has them.
     *
     * @param decodedPath a decoded path, e.g. {@code HttpServletRequest.getPathInfo()}
     * @return whether a segment of it is {@code .} or {@code ..}
     */
    public static boolean hasDecodedDotSegment(String decodedPath) {
        if (decodedPath.indexOf('.') < 0) {
            return false; // the path of nearly every request
        }
        return DotSegments.has(decodedPath.indexOf('\\') < 0 ? decodedPath : decodedPath.replace('\\', '/'));
    }

    /**
     * Encodes a decoded path for a request target: every character but RFC 3986's unreserved ones, its sub-delims
     * other than {@code ;}, {@code :}, {@code @} and {@code /} is percent-encoded as UTF-8. Unlike
     * {@link java.net.URI}'s constructors, which leave a {@code ;} as it is, a {@code ;} the client encoded as
     * {@code %3B} stays data, not the start of path parameters an upstream would strip ({@code /admin%3B/secret}
     * must not reach it as {@code /admin;/secret}, which it serves as {@code /admin/secret}).
     *
     * @param decodedPath a decoded path, e.g. {@code /café;x}
     * @return the path encoded, e.g. {@code /caf%C3%A9%3Bx}
     */
    public static String encodePath(String decodedPath) {
        StringBuilder encoded = new StringBuilder(decodedPath.length() + 16);
        int length = decodedPath.length();
        int i = 0;
        while (i < length) {
            char c = decodedPath.charAt(i);
            if (c < 128 && c != ';' && c != '?' && c != '%' && ALLOWED[c]) {
                encoded.append(c);
                i++;
                continue;
            }
            i = appendEscaped(encoded, decodedPath, i);
        }
        return encoded.toString();
    }

    private static int indexOfEncodedSlash(String path, int from) {
        int at = -1;
        for (String escape : ENCODED_SEPARATORS) { // "\\" too: some upstreams read it as a separator
            int found = path.indexOf(escape, from);
            if (found >= 0 && (at < 0 || found < at)) {
                at = found;
            }
        }
        return at;
    }

    /**
     * Whether the character at {@code i} may stay as it is: an allowed one, a {@code %} only where it starts a
     * percent-escape ({@code %} and two hex digits; a lone one, as in {@code ?q=100%}, is a {@code %} of the
     * text, which the client should have encoded).
     */
    private static boolean isAllowed(String target, int i) {
        char c = target.charAt(i);
        if (c != '%') {
            return c < 128 && ALLOWED[c];
        }
        return isPercentEscape(target, i);
    }

    /**
     * @return whether a percent-escape starts at {@code i}: a {@code %} and two ASCII hex digits
     */
    static boolean isPercentEscape(String text, int i) {
        return text.charAt(i) == '%' && i + 2 < text.length() && isHexDigit(text.charAt(i + 1))
                && isHexDigit(text.charAt(i + 2));
    }

    /** An ASCII hex digit only: {@link Character#digit} also takes the digits of other scripts. */
    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
