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
 * one pass ({@link StartTags}, which {@link PageContentRules} reads pages with too), each character looked at a
 * bounded number of times, on every page an application template renders.
 *
 * <p>Erring on the safe side, a {@code <meta>} inside {@code <script>}, {@code <template>} or {@code <noscript>}
 * counts (a {@code <noscript>} one does refresh where scripts are off), and so does an {@code http-equiv} given
 * twice, of which a browser keeps the first. Thread-safe (static methods only).
 */
final class MetaRefresh {

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
        Finder finder = new Finder(html);
        StartTags.read(html, finder);
        return finder.found;
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

    /** Looks at each {@code <meta>}'s attributes; no raw text is skipped, erring on the safe side. */
    private static final class Finder implements StartTags.Reader {
        private final String html;
        /** Whether the tag being read is a meta refresh: counted only once it is closed (a browser drops one not). */
        private boolean refresh;
        private boolean found;

        Finder(String html) {
            this.html = html;
        }

        @Override
        public boolean tag(int nameStart, int nameEnd) {
            refresh = false;
            return StartTags.is(html, nameStart, nameEnd, "meta");
        }

        @Override
        public void attribute(int nameStart, int nameEnd, int valueStart, int valueEnd) {
            if (!refresh && StartTags.is(html, nameStart, nameEnd, HTTP_EQUIV)) {
                refresh = isRefresh(StartTags.decoded(html, valueStart, valueEnd));
            }
        }

        @Override
        public int tagEnd(int end, boolean selfClosing, boolean foreign) {
            found = refresh;
            return refresh ? html.length() : end;
        }
    }

    /** Whether an attribute's value, its character references decoded, means {@code refresh}. */
    private static boolean isRefresh(String decoded) {
        String value = StartTags.trim(decoded);
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
}
