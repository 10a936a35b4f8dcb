package io.github.errorpages.page.internal;

import org.jspecify.annotations.Nullable;

/**
 * Reads the start tags of a rendered HTML page and their attributes as a browser tokenizes them (HTML Living Standard
 * §13.2.5), only as far as tags and comments go, for the checks that look at what a page's markup holds: a
 * {@code <meta>} refresh ({@link MetaRefresh}, on every page an application template renders) and what the page's
 * {@code Content-Security-Policy} refuses ({@link PageContentRules}, once per application template at start-up).
 *
 * <p>A comment is skipped ({@code <!-->} and {@code <!--->} end at once, any other at the first {@code -->} or
 * {@code --!>}, one never closed at the end of the page); an end tag, a doctype or a bogus comment is passed over to
 * its {@code >}; a start tag's attributes are read up to the {@code >} that ends it, a {@code >} inside a quoted
 * value not ending it; and a tag the page ends in, or whose quoted value is never closed, is dropped, as a browser
 * drops it. Whether a tag makes an element of SVG or MathML, where a browser reads what HTML takes for raw text as
 * markup, is followed here ({@link ForeignContent}) and told each reader; what a tag's content is (the raw text of a
 * {@code <script>} or {@code <style>}, {@link #text}) is the reader's to say, by where the reading goes on
 * ({@link Reader#tagEnd}). No regular expression: one pass, each character looked at a
 * bounded number of times whatever the page ({@code "<meta ".repeat(20_000)}, a page of unclosed comments or quotes).
 *
 * <p>Thread-safe (static methods only; a reader is its caller's, on one thread).
 */
final class StartTags {

    private static final String COMMENT = "<!--";
    /** Elements whose text a browser does not read as markup in HTML (raw text and escapable raw text). */
    private static final String[] RAW_TEXT = {"script", "style", "title", "textarea", "xmp", "iframe", "noembed",
        "noframes"};

    private StartTags() {
    }

    /** Receives the start tags of a page, in the page's order, each from its name to its end. */
    interface Reader {
        /**
         * A start tag begins.
         *
         * @param nameStart the index of its name's first character
         * @param nameEnd the index after its name's last
         * @return whether its attributes are wanted: they are read all the same, to find where the tag ends
         */
        boolean tag(int nameStart, int nameEnd);

        /**
         * An attribute of the tag begun, if its attributes are wanted, each as written, a name given again too: a
         * browser keeps the first of a name and drops the others, which is the reader's to do. One without a value
         * ({@code <img src src="https://cdn.example/a.png">}) is passed on with an empty one, which is its value in
         * HTML: it is the first {@code src}, the one the browser keeps, and the second loads nothing.
         *
         * @param nameStart the index of its name's first character
         * @param nameEnd the index after its name's last
         * @param valueStart the index of its value's first character, as written, without its quotes
         *     ({@code nameEnd} for one without a value)
         * @param valueEnd the index after its value's last ({@code valueStart} for an empty value)
         */
        void attribute(int nameStart, int nameEnd, int valueStart, int valueEnd);

        /**
         * The tag begun is closed: a tag the page ends in never is, and the reading stops there.
         *
         * @param end the index after its {@code >}
         * @param selfClosing whether it ends with {@code />} (a {@code /} that is no part of an unquoted value), which
         *     closes an element of SVG or MathML at once and means nothing to one of HTML
         * @param foreign whether the element it makes is of SVG or MathML ({@link ForeignContent}), not of HTML
         * @return where the reading goes on: {@code end}, or the end of the text the tag opens
         *     ({@link #text}), or the page's length to stop
         */
        int tagEnd(int end, boolean selfClosing, boolean foreign);

        /**
         * An end tag, closed: its attributes, which a browser drops, are passed over.
         *
         * @param nameStart the index of its name's first character
         * @param nameEnd the index after its name's last
         * @param foreign whether it closed an element of SVG or MathML ({@link ForeignContent}), so that it closes no
         *     HTML element
         */
        default void endTag(int nameStart, int nameEnd, boolean foreign) {
            // most checks have no use for it
        }
    }

    /**
     * @param html a rendered page
     * @param reader receives its start tags
     */
    static void read(String html, Reader reader) {
        // Followed here, for every reader: whether a tag makes an element of SVG or MathML decides what its text is.
        ForeignContent foreign = new ForeignContent();
        int length = html.length();
        int at = html.indexOf('<');
        while (at >= 0 && at < length) {
            int next = at + 1;
            if (html.startsWith(COMMENT, at)) {
                at = commentEnd(html, at + COMMENT.length());
            } else if (next < length && isAsciiLetter(html.charAt(next))) {
                int nameEnd = tagNameEnd(html, next);
                boolean wanted = reader.tag(next, nameEnd);
                long tag = attributes(html, nameEnd, wanted ? reader : null,
                        foreign.wantsAttributes(html, next, nameEnd) ? foreign : null);
                if (tag < 0) {
                    at = length;
                } else {
                    int end = (int) (tag >> 1);
                    boolean selfClosing = (tag & 1) == 1;
                    boolean madeForeign = foreign.start(html, next, nameEnd, selfClosing);
                    at = Math.max(end, reader.tagEnd(end, selfClosing, madeForeign));
                }
            } else if (next + 1 < length && html.charAt(next) == '/' && isAsciiLetter(html.charAt(next + 1))) {
                // An end tag: read as a start tag is, so that a '>' in a quoted value of it does not end it.
                int nameEnd = tagNameEnd(html, next + 1);
                long tag = attributes(html, nameEnd, null, null);
                if (tag >= 0) {
                    reader.endTag(next + 1, nameEnd, foreign.end(html, next + 1, nameEnd));
                }
                at = tag < 0 ? length : (int) (tag >> 1);
            } else if (next < length && (html.charAt(next) == '/' || html.charAt(next) == '!'
                    || html.charAt(next) == '?')) {
                // A doctype or a bogus comment: no tag is in it.
                int close = html.indexOf('>', next);
                at = close < 0 ? length : close + 1;
            } else {
                at = next;
            }
            at = at < length ? html.indexOf('<', at) : -1;
        }
    }

    private static int tagNameEnd(String html, int from) {
        int nameEnd = from;
        while (nameEnd < html.length() && !endsTagName(html.charAt(nameEnd))) {
            nameEnd++;
        }
        return nameEnd;
    }

    /**
     * @param from the first character after {@code <!--}
     * @return the first character after the comment, or the page's length when it runs to the end
     */
    static int commentEnd(String html, int from) {
        // <!--> and <!---> end at once (an abrupt closing of an empty comment).
        if (html.startsWith(">", from)) {
            return from + 1;
        }
        if (html.startsWith("->", from)) {
            return from + 2;
        }
        // One search for "--", then a look at what follows: a search for each of --> and --!> would read the rest of
        // the page again for every comment of a page that has only one of them.
        for (int dashes = html.indexOf("--", from); dashes >= 0; dashes = html.indexOf("--", dashes + 1)) {
            if (html.startsWith(">", dashes + 2)) {
                return dashes + 3;
            }
            if (html.startsWith("!>", dashes + 2)) {
                return dashes + 4;
            }
        }
        return html.length();
    }

    /**
     * Reads a start tag's attributes as a browser does, up to the {@code >} that ends it.
     *
     * @param from the first character after the tag's name
     * @param reader given the attributes, or null
     * @param foreign given them too, or null
     * @return the first character after the tag, shifted left by one, with 1 added when the tag is self-closing (one
     *     number, not an object per tag: this runs for each tag of every page an HTML template renders); or -1 when
     *     it is not closed (the browser drops it)
     */
    private static long attributes(String html, int from, @Nullable Reader reader, @Nullable ForeignContent foreign) {
        int length = html.length();
        int at = from;
        boolean slash = false; // whether the last character read is a '/' outside any value: "/>" closes at once
        while (at < length) {
            char c = html.charAt(at);
            if (c == '>') {
                return (long) (at + 1) << 1 | (slash ? 1 : 0);
            }
            if (isSpace(c) || c == '/') {
                slash = c == '/';
                at++;
                continue;
            }
            slash = false;
            // An attribute's name: a leading '=' belongs to it, any other ends it.
            int nameStart = at++;
            while (at < length && !endsAttributeName(html.charAt(at))) {
                at++;
            }
            int nameEnd = at;
            at = skipSpaces(html, at);
            if (at >= length || html.charAt(at) != '=') {
                attribute(html, reader, foreign, nameStart, nameEnd, nameEnd, nameEnd);
                continue;
            }
            at = skipSpaces(html, at + 1);
            int valueStart;
            int valueEnd;
            if (at < length && (html.charAt(at) == '"' || html.charAt(at) == '\'')) {
                valueStart = at + 1;
                valueEnd = html.indexOf(html.charAt(at), valueStart);
                if (valueEnd < 0) {
                    return -1;
                }
                at = valueEnd + 1;
            } else {
                valueStart = at;
                while (at < length && !isSpace(html.charAt(at)) && html.charAt(at) != '>') {
                    at++;
                }
                valueEnd = at;
            }
            attribute(html, reader, foreign, nameStart, nameEnd, valueStart, valueEnd);
        }
        return -1;
    }

    private static void attribute(String html, @Nullable Reader reader, @Nullable ForeignContent foreign, int nameStart,
            int nameEnd, int valueStart, int valueEnd) {
        if (reader != null) {
            reader.attribute(nameStart, nameEnd, valueStart, valueEnd);
        }
        if (foreign != null) {
            foreign.attribute(html, nameStart, nameEnd, valueStart, valueEnd);
        }
    }

    /**
     * Where the raw text that a {@code <script>}, {@code <style>} or the like opens ends: at its end tag
     * ({@code </style} in any case, followed by a space, {@code /} or {@code >}), or at the end of the page.
     *
     * @param from the first character of the raw text
     * @param name the element's name, in lower case
     * @return the index of the end tag's {@code <}, or the page's length
     */
    static int rawTextEnd(String html, int from, String name) {
        for (int at = html.indexOf("</", from); at >= 0; at = html.indexOf("</", at + 2)) {
            int after = at + 2 + name.length();
            if (html.regionMatches(true, at + 2, name, 0, name.length())
                    && (after == html.length() || endsTagName(html.charAt(after)))) {
                return at;
            }
        }
        return html.length();
    }

    /**
     * Where the text of an element that {@link #text} names ends: in HTML at its end tag ({@link #rawTextEnd}); in
     * SVG or MathML, where a browser reads a {@code <style>}'s or {@code <script>}'s content as markup, at its end tag
     * too, or before a tag that ends the foreign content and the element with it ({@link ForeignContent}: a
     * {@code <p>}, {@code <img>}, {@code <b>}… or a {@code </p>} or {@code </br>}), which the reading then reads as
     * markup; a comment's or CDATA section's content is text, where neither ends it. Not followed there: a
     * {@code <font>} with a {@code color}, {@code face} or {@code size}, which ends it too, and an end tag of an
     * element open around it ({@code </svg>}), which closes it; the text runs on to its own end tag.
     *
     * @param from the first character of the text
     * @param name the element's name, in lower case, as {@link #text} gave it
     * @param foreign whether the element is of SVG or MathML
     * @return the index of the end tag's, or the ending tag's, {@code <}; or the page's length
     */
    static int textEnd(String html, int from, String name, boolean foreign) {
        if (!foreign) {
            return rawTextEnd(html, from, name);
        }
        // One pass to whichever comes first: a search for the end tag first would read the rest of the page again
        // for every style of a page of <svg><style><b> repeated.
        int length = html.length();
        int at = html.indexOf('<', from);
        while (at >= 0) {
            if (html.startsWith("<![CDATA[", at)) {
                int close = html.indexOf("]]>", at + 9);
                at = close < 0 ? length : close + 3;
            } else if (html.startsWith(COMMENT, at)) {
                at = commentEnd(html, at + COMMENT.length());
            } else {
                boolean endTag = html.startsWith("/", at + 1);
                int nameStart = at + (endTag ? 2 : 1);
                if (nameStart < length && isAsciiLetter(html.charAt(nameStart))) {
                    int nameEnd = tagNameEnd(html, nameStart);
                    if (endTag ? is(html, nameStart, nameEnd, name) || is(html, nameStart, nameEnd, "p")
                            || is(html, nameStart, nameEnd, "br")
                            : ForeignContent.alwaysBreaksOut(html, nameStart, nameEnd)) {
                        return at;
                    }
                    // On from the name's end, which a '<' does not end: from the next '<', every '<' of a page of
                    // "<a<a<a…" read the rest of the page again.
                    at = nameEnd;
                } else {
                    at++;
                }
            }
            at = at < length ? html.indexOf('<', at) : -1;
        }
        return length;
    }

    /**
     * Whether what follows a start tag is the text of the element it makes, up to its end tag
     * ({@link #rawTextEnd}), and of which: in HTML, that of a {@code <script>}, {@code <style>}, {@code <title>} or
     * the like ({@link #rawText}), none of its characters markup; in SVG or MathML only a {@code <style>}'s or
     * {@code <script>}'s not closed at once, which the readers take as text up to a tag that ends it
     * ({@link #textEnd}), while the others hold
     * elements (an SVG's {@code <title>}: taken for raw text, it hid the rest of the page) and an element closed at
     * once ({@code <title/>}, {@code <style/>}) nothing.
     *
     * @param foreign whether the element is of SVG or MathML
     * @return the element's name in lower case, or {@code null} when what follows is markup
     */
    static @Nullable String text(String html, int nameStart, int nameEnd, boolean selfClosing, boolean foreign) {
        String rawText = rawText(html, nameStart, nameEnd);
        return rawText == null || foreign && (selfClosing || !rawText.equals("style") && !rawText.equals("script"))
                ? null : rawText;
    }

    /**
     * The name of the element a start tag opens if a browser reads what follows it as raw text or escapable raw text
     * in an HTML document ({@code script}, {@code style}, {@code title}, {@code textarea}, {@code xmp},
     * {@code iframe}, {@code noembed}, {@code noframes}), in lower case; else {@code null}. Matched without making a
     * string: this runs for each tag of every page an HTML template renders.
     */
    static @Nullable String rawText(String html, int nameStart, int nameEnd) {
        for (String name : RAW_TEXT) {
            if (is(html, nameStart, nameEnd, name)) {
                return name;
            }
        }
        return null;
    }

    /** Whether {@code html[start, end)} is {@code name}, ASCII case-insensitively ({@code name} in lower case). */
    static boolean is(String html, int start, int end, String name) {
        return end - start == name.length() && html.regionMatches(true, start, name, 0, name.length());
    }

    /**
     * An attribute's value as a browser reads it: numeric character references ({@code &#NN;}, {@code &#xHH;}, the
     * semicolon optional) decoded; any other reference is left as written.
     */
    static String decoded(String html, int from, int to) {
        String value = html.substring(from, to);
        return value.indexOf('&') < 0 ? value : decodeNumericReferences(value);
    }

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
                    // Capped: a long run of digits is some character that is no letter a check looks for all the same.
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

    /** A value without HTML's ASCII white space at either end. */
    static String trim(String value) {
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
    static boolean isSpace(char c) {
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
