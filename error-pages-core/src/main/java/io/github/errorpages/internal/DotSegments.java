package io.github.errorpages.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The dot segments ({@code .} and {@code ..}) of a path as sent (still percent-encoded), which the server resolves
 * before it maps the path: forwarded after a base path, a {@code ..} would climb out of it ({@code /api} +
 * {@code /a/../../admin} is {@code /admin} to the server). A segment counts as one also when its dots are
 * percent-encoded ({@code %2e}) or when it carries path parameters ({@code ..;x=1}), which Tomcat strips before it
 * resolves the segment.
 *
 * <p>Static methods only; thread-safe.
 */
public final class DotSegments {

    private DotSegments() {
    }

    /**
     * Removes the dot segments of a path as sent (still percent-encoded), as RFC 3986 §5.2.4 does and as
     * containers do before they map a request: {@code /orders/a/../../orders/b} becomes {@code /orders/b}.
     *
     * <p>Empty segments ({@code //}) are kept. A {@code ..} above the root is dropped, as in RFC 3986.
     *
     * @param path a path starting with {@code /}, still percent-encoded (as {@code getRequestURI()} gives it)
     * @return the same string when it has no dot segment, else the path without them
     */
    public static String remove(String path) {
        if ((path.indexOf('.') < 0 && path.indexOf('%') < 0) || !has(path)) {
            return path; // the path of nearly every request
        }
        List<String> kept = new ArrayList<>();
        boolean endsInDirectory = false;
        int start = path.startsWith("/") ? 1 : 0;
        int length = path.length();
        while (start <= length) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            int dots = dots(path, start, end);
            boolean last = end == length;
            if (dots == 1) {
                endsInDirectory = last;
            } else if (dots == 2) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                endsInDirectory = last;
            } else {
                kept.add(path.substring(start, end));
                endsInDirectory = false;
            }
            start = end + 1;
        }
        StringBuilder normalised = new StringBuilder(length);
        for (String segment : kept) {
            normalised.append('/').append(segment);
        }
        if (endsInDirectory || normalised.length() == 0) {
            normalised.append('/');
        }
        return normalised.toString();
    }

    /**
     * @param path a path, still percent-encoded
     * @return whether a segment of it is {@code .} or {@code ..} ({@link #remove} says which count)
     */
    public static boolean has(String path) {
        int start = 0;
        int length = path.length();
        while (start <= length) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            if (dots(path, start, end) > 0) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /**
     * @return 1 or 2 when the segment between {@code start} and {@code end}, before any {@code ;}, is {@code .}
     *     or {@code ..} (each dot possibly encoded as {@code %2e} or {@code %2E}), else 0
     */
    private static int dots(String path, int start, int end) {
        int dots = 0;
        int i = start;
        while (i < end && path.charAt(i) != ';') {
            if (path.charAt(i) == '.') {
                i++;
            } else if (path.startsWith("%2e", i) || path.startsWith("%2E", i)) {
                i += 3;
            } else {
                return 0;
            }
            if (++dots > 2) {
                return 0;
            }
        }
        return dots;
    }
}
