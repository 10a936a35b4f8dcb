package io.github.errorpages.page.internal;

/**
 * Finds a {@code <meta http-equiv="refresh">} in a rendered HTML page (R52, WCAG 2.2 SC 2.2.1): the page reloads or
 * redirects on its own, which no {@code Content-Security-Policy} stops.
 *
 * <p>The page is read as a browser tokenizes it (HTML Living Standard §13.2.5), only as far as tags and comments go:
 * a {@code <meta>} inside a comment, or {@code http-equiv=refresh} inside another attribute's quoted value, is no
 * refresh, and a {@code >} inside a quoted value does not end the tag. The attribute's name matches in any case,
 * its value in any case, trimmed, quoted or not and with numeric character references ({@code &#82;},
 * {@code &#x72;}) decoded. A regular expression over the whole page flagged the comment and the quoted value, cost
 * some 79 µs on a 10 KB page, and took seconds on a page of many unclosed {@code <meta } (it backtracked); this is
 * one pass, each character looked at a bounded number of times, on every page an application template renders.
 *
 * <p>Erring on the safe side, a {@code <meta>} inside {@code <script>}, {@code <template>} or {@code <noscript>}
 * counts (a {@code <noscript>} one does refresh where scripts are off), and so does an {@code http-equiv} given
 * twice, of which a browser keeps the first. Thread-safe (static methods only).
 */
final class MetaRefresh {

    private static final String COMMENT = "<!--";
    private static final String HTTP_EQUIV = "http-equiv";
    private static final String REFRESH = "refresh";

    private MetaRefresh() {
    }

    /**
     * @param html a rendered page
     * @return whether it has a {@code <meta>} tag with an {@code http-equiv} attribute whose value is
     *     {@code refresh}
     */
    static boolean in(String html) {
        if (!mentionsHttpEquiv(html)) {
            return false; // most pages: an attribute's name has no character references to hide it behind
        }
        int length = html.length();
        int at = html.indexOf('<');
        while (at >= 0 && at < length) {
            int next = at + 1;
            if (html.startsWith(COMMENT, at)) {
                at = commentEnd(html, at + COMMENT.length());
            } else if (next < length && isAsciiLetter(html.charAt(next))) {
                int nameEnd = next;
                while (nameEnd < length && !endsTagName(html.charAt(nameEnd))) {
                    nameEnd++;
                }
                boolean meta = nameEnd - next == 4 && html.regionMatches(true, next, "meta", 0, 4);
                Tag tag = attributes(html, nameEnd, meta);
                if (tag.refresh) {
                    return true;
                }
                at = tag.end;
            } else if (next < length && (html.charAt(next) == '/' || html.charAt(next) == '!'
                    || html.charAt(next) == '?')) {
                // An end tag, a doctype or a bogus comment: nothing in it is a meta refresh.
                int close = html.indexOf('>', next);
                at = close < 0 ? length : close + 1;
            } else {
                at = next;
            }
            at = at < length ? html.indexOf('<', at) : -1;
        }
        return false;
    }

    /** Whether {@code http-equiv} is in the page in any case: found by its '-', which {@code indexOf} finds fast. */
    private static boolean mentionsHttpEquiv(String html) {
        for (int dash = html.indexOf('-', 4); dash >= 0; dash = html.indexOf('-', dash + 1)) {
            if (html.regionMatches(true, dash - 4, HTTP_EQUIV, 0, HTTP_EQUIV.length())) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param from the first character after {@code <!--}
     * @return the first character after the comment, or the page's length when it runs to the end
     */
    private static int commentEnd(String html, int from) {
        // <!--> and <!---> end at once (an abrupt closing of an empty comment).
        if (html.startsWith(">", from)) {
            return from + 1;
        }
        if (html.startsWith("->", from)) {
            return from + 2;
        }
        int end = html.indexOf("-->", from);
        return end < 0 ? html.length() : end + 3;
    }

    /** Where a start tag's attributes end, and whether one of them is a meta refresh. */
    private record Tag(int end, boolean refresh) {
    }

    /**
     * Reads a start tag's attributes as a browser does, up to the {@code >} that ends it.
     *
     * @param from the first character after the tag's name
     * @param meta whether the tag is a {@code <meta>}, whose attributes are looked at
     * @return the first character after the tag (the page's length when it is not closed: the browser drops it,
     *     and it is no refresh)
     */
    private static Tag attributes(String html, int from, boolean meta) {
        int length = html.length();
        int at = from;
        // Counted only once the tag is closed: the browser drops a tag the page ends in.
        boolean refresh = false;
        while (at < length) {
            char c = html.charAt(at);
            if (c == '>') {
                return new Tag(at + 1, refresh);
            }
            if (isSpace(c) || c == '/') {
                at++;
                continue;
            }
            // An attribute's name: a leading '=' belongs to it, any other ends it.
            int nameStart = at++;
            while (at < length && !endsAttributeName(html.charAt(at))) {
                at++;
            }
            int nameEnd = at;
            at = skipSpaces(html, at);
            if (at >= length || html.charAt(at) != '=') {
                continue;
            }
            at = skipSpaces(html, at + 1);
            int valueStart;
            int valueEnd;
            if (at < length && (html.charAt(at) == '"' || html.charAt(at) == '\'')) {
                valueStart = at + 1;
                valueEnd = html.indexOf(html.charAt(at), valueStart);
                if (valueEnd < 0) {
                    return new Tag(length, false);
                }
                at = valueEnd + 1;
            } else {
                valueStart = at;
                while (at < length && !isSpace(html.charAt(at)) && html.charAt(at) != '>') {
                    at++;
                }
                valueEnd = at;
            }
            if (meta && !refresh && nameEnd - nameStart == HTTP_EQUIV.length()
                    && html.regionMatches(true, nameStart, HTTP_EQUIV, 0, HTTP_EQUIV.length())) {
                refresh = isRefresh(html, valueStart, valueEnd);
            }
        }
        return new Tag(length, false);
    }

    /** Whether an attribute's value, as written between {@code from} and {@code to}, means {@code refresh}. */
    private static boolean isRefresh(String html, int from, int to) {
        String value = html.substring(from, to);
        if (value.indexOf('&') >= 0) {
            value = decodeNumericReferences(value);
        }
        value = trim(value);
        if (value.length() != REFRESH.length()) {
            return false;
        }
        for (int i = 0; i < REFRESH.length(); i++) {
            // ASCII case-insensitive, as the standard matches it: no other letter folds to these.
            if ((value.charAt(i) | 0x20) != REFRESH.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Decodes {@code &#NN;} and {@code &#xHH;} (the semicolon optional, as browsers read them); the rest is left. */
    private static String decodeNumericReferences(String value) {
        StringBuilder decoded = new StringBuilder(value.length());
        int at = 0;
        while (at < value.length()) {
            char c = value.charAt(at);
            if (c == '&' && value.startsWith("#", at + 1)) {
                int digits = at + 2;
                boolean hex = digits < value.length() && (value.charAt(digits) | 0x20) == 'x';
                if (hex) {
                    digits++;
                }
                int end = digits;
                int codePoint = 0;
                while (end < value.length() && Character.digit(value.charAt(end), hex ? 16 : 10) >= 0
                        && value.charAt(end) < 0x80) {
                    // Capped: a long run of digits is some character that is no letter of "refresh" all the same.
                    codePoint = Math.min(0x110000, codePoint * (hex ? 16 : 10)
                            + Character.digit(value.charAt(end), hex ? 16 : 10));
                    end++;
                }
                if (end > digits) {
                    decoded.appendCodePoint(Character.isValidCodePoint(codePoint) ? codePoint : 0xFFFD);
                    at = end < value.length() && value.charAt(end) == ';' ? end + 1 : end;
                    continue;
                }
            }
            decoded.append(c);
            at++;
        }
        return decoded.toString();
    }

    private static String trim(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isSpace(value.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static int skipSpaces(String html, int from) {
        int at = from;
        while (at < html.length() && isSpace(html.charAt(at))) {
            at++;
        }
        return at;
    }

    /** HTML's ASCII white space: tab, line feed, form feed, carriage return and space. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean endsTagName(char c) {
        return isSpace(c) || c == '/' || c == '>';
    }

    private static boolean endsAttributeName(char c) {
        return isSpace(c) || c == '/' || c == '>' || c == '=';
    }
}
