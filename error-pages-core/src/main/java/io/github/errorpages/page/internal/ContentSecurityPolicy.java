package io.github.errorpages.page.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Content-Security-Policy} of error responses (standards R41).
 *
 * <p>For an HTML page: nothing may load from anywhere ({@code default-src 'none'}), the page's own inline
 * {@code <style>} and {@code <script>} elements run because their SHA-256 hashes are listed, images only
 * from {@code data:} URIs (the logo), no {@code <base>}, forms only to this origin, and no framing. The
 * hashes are taken from the rendered page, so a replaced template that changes its style or script stays
 * consistent, and an injected {@code <script>} (there should be none) would not run. Inline event-handler
 * attributes and {@code style} attributes never run under this policy, which is why the built-in
 * templates have none.
 *
 * <p>Other formats get {@code default-src 'none'; frame-ancestors 'none'}: nothing in them may ever be
 * executed or framed, even if a browser is tricked into rendering one.
 */
public final class ContentSecurityPolicy {

    /** The policy of every non-HTML response. */
    public static final String NON_HTML = "default-src 'none'; frame-ancestors 'none'";

    /**
     * Hashes of the element contents seen so far: a page's style and script are the same on every response.
     * Bounded; replaced whole (copy on write), read without a lock.
     */
    private static volatile KnownHash[] knownHashes = new KnownHash[0];
    private static final int MAX_CACHED_HASHES = 256;
    private static final Object ADDING = new Object();

    private ContentSecurityPolicy() {
    }

    /**
     * @param html the rendered page
     * @return the policy for it
     */
    public static String forHtml(String html) {
        Set<String> styles = new LinkedHashSet<>();
        Set<String> scripts = new LinkedHashSet<>();
        findInlineElements(html, (style, start, end, foreign) -> (style ? styles : scripts)
                .add(hash(foreign ? foreignText(html, start, end) : html.substring(start, end))));
        StringBuilder policy = new StringBuilder("default-src 'none'");
        appendDirective(policy, "style-src", styles);
        appendDirective(policy, "script-src", scripts);
        return policy.append("; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'").toString();
    }

    /** Receives where the content of an inline element is. */
    @FunctionalInterface
    public interface InlineElements {
        /**
         * @param style whether the element is a {@code <style>}, else a {@code <script>}
         * @param start the index of the content's first character
         * @param end the index after its last
         * @param foreign whether the element is of SVG or MathML (in an {@code <svg>} or {@code <math>}, not where HTML
         *     comes back in it, as in a {@code <foreignObject>}), whose content is no raw text but text that a browser
         *     reads as markup: CDATA sections, character references and comments
         */
        void content(boolean style, int start, int end, boolean foreign);
    }

    /**
     * Finds the content of every {@code <style>} and {@code <script>} element as an HTML parser would, reading the page
     * with {@link StartTags}, as {@link PageContentRules} reads an application's page at start-up, so that both see the
     * same elements: names matched without regard to case; what a comment, a doctype, another declaration or an
     * attribute's quoted value holds is no tag, though it may name one ({@code <!-- edit the <style> below -->},
     * {@code title="a <script> tag"}); the content is raw text up to its end tag ({@code </style} followed by a
     * space, {@code /} or {@code >}; a {@code </stylesheet-note>} is none), in which a browser reads no character
     * reference, and the raw text of a {@code <title>}, a {@code <textarea>} or the like holds no element. An element
     * never closed is none. One pass over the page, each character looked at a bounded number of times, without
     * regular expressions (this runs on every response).
     *
     * @param html the page
     * @param found receives each element's content, in the order of the page
     */
    public static void findInlineElements(String html, InlineElements found) {
        StartTags.read(html, new Elements(html, found));
    }

    /** Passes on each {@code <style>}'s and {@code <script>}'s content; wants no attribute. */
    private static final class Elements implements StartTags.Reader {
        private final String html;
        private final InlineElements found;
        private int nameStart;
        private int nameEnd;

        Elements(String html, InlineElements found) {
            this.html = html;
            this.found = found;
        }

        @Override
        public boolean tag(int start, int end) {
            nameStart = start;
            nameEnd = end;
            return false;
        }

        @Override
        public void attribute(int start, int end, int valueStart, int valueEnd) {
            // none wanted
        }

        @Override
        public int tagEnd(int end, boolean selfClosing, boolean foreign) {
            String text = StartTags.text(html, nameStart, nameEnd, selfClosing, foreign);
            if (text == null) {
                return end; // markup in an <svg> or <math>: an SVG's <title> holds elements, a <style/> nothing
            }
            int textEnd = StartTags.textEnd(html, end, text, foreign);
            if (textEnd == html.length()) {
                return textEnd; // never closed: the rest of the page is its text, and no element of it runs
            }
            if (text.equals("style") || text.equals("script")) {
                found.content(text.equals("style"), end, textEnd, foreign);
            }
            return textEnd;
        }
    }

    /**
     * The text of a {@code <style>} or {@code <script>} in an {@code <svg>} or {@code <math>}, as a browser hashes it:
     * there the HTML parser reads the content as markup, not as raw text, so a CDATA section stands for its text, a
     * character reference for its character, and a comment for nothing. An SVG's style is often written in a CDATA
     * section ({@code <style><![CDATA[.a{fill:red}]]></style>}); hashed as written, its hash was not the browser's,
     * which refused the style. Numeric references and those of XML and {@code &nbsp;} are read; any other is left.
     */
    private static String foreignText(String html, int start, int end) {
        StringBuilder text = new StringBuilder(end - start);
        int at = start;
        while (at < end) {
            if (html.startsWith("<![CDATA[", at)) {
                int close = html.indexOf("]]>", at + 9);
                int stop = close < 0 || close > end ? end : close;
                text.append(html, at + 9, stop);
                at = stop == end ? end : stop + 3;
            } else if (html.startsWith("<!--", at)) {
                at = Math.min(StartTags.commentEnd(html, at + 4), end);
            } else if (html.charAt(at) == '&') {
                // Looked for among the next 10 characters only: a search to the page's end from every '&' read a
                // style of "&&&…" again and again.
                int semicolon = semicolonWithin(html, at + 1, Math.min(end, at + 11));
                String character = semicolon < 0 ? null : referenced(html.substring(at + 1, semicolon));
                text.append(character == null ? "&" : character);
                at = character == null ? at + 1 : semicolon + 1;
            } else {
                text.append(html.charAt(at++));
            }
        }
        return text.toString();
    }

    /** @return the index of the first {@code ';'} from {@code from} and before {@code to}, or -1 */
    private static int semicolonWithin(String html, int from, int to) {
        for (int i = from; i < to; i++) {
            if (html.charAt(i) == ';') {
                return i;
            }
        }
        return -1;
    }

    /** The character a reference names ({@code amp}, {@code #x2192}, {@code #8594}), or {@code null}. */
    private static @Nullable String referenced(String name) {
        String named = switch (name) {
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos" -> "'";
            case "nbsp" -> "\u00a0";
            default -> null;
        };
        boolean hex = name.startsWith("#x") || name.startsWith("#X");
        String digits = hex ? name.substring(2) : name.startsWith("#") ? name.substring(1) : "";
        if (named != null || digits.isEmpty()
                || !digits.chars().allMatch(c -> Character.digit(c, hex ? 16 : 10) >= 0)) {
            return named;
        }
        int codePoint = Integer.parseInt(digits, hex ? 16 : 10);
        return codePoint > 0 && codePoint <= Character.MAX_CODE_POINT && (codePoint < 0xd800 || codePoint > 0xdfff)
                ? Character.toString(codePoint) : null;
    }

    private static void appendDirective(StringBuilder policy, String directive, Set<String> hashes) {
        if (!hashes.isEmpty()) {
            policy.append("; ").append(directive);
            hashes.forEach(hash -> policy.append(" 'sha256-").append(hash).append('\''));
        }
    }

    private static String hash(String content) {
        String hash = knownHash(knownHashes, content);
        if (hash == null) {
            hash = sha256(content);
            synchronized (ADDING) {
                KnownHash[] known = knownHashes;
                if (knownHash(known, content) == null) {
                    // A template whose style or script changes per response: stop caching its past.
                    KnownHash[] grown = known.length >= MAX_CACHED_HASHES ? new KnownHash[1]
                            : Arrays.copyOf(known, known.length + 1);
                    grown[grown.length - 1] = new KnownHash(content, hash);
                    knownHashes = grown;
                }
            }
        }
        return hash;
    }

    /**
     * Looks the content up by length and then by equality. Not by {@code hashCode()}, as a hash map would:
     * on JDK 17 that walks the kilobytes of a page's style and script one character at a time on every
     * response (about 5 µs for the built-in page's 4.7 KB style), while {@code equals} of strings is a
     * vectorised intrinsic (about 0.2 µs).
     */
    private static @Nullable String knownHash(KnownHash[] known, String content) {
        for (KnownHash entry : known) {
            if (entry.content().length() == content.length() && entry.content().equals(content)) {
                return entry.hash();
            }
        }
        return null;
    }

    /** The content of an element, and the base64 of its SHA-256. */
    private record KnownHash(String content, String hash) {
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return Base64.getEncoder().encodeToString(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JRE has SHA-256", impossible);
        }
    }
}
