package io.github.errorpages.page.internal;

/**
 * Whether the reading of a page ({@link StartTags}) is inside an {@code <svg>} or a {@code <math>}, where a browser
 * reads what HTML takes for raw text as markup: an SVG's {@code <title>} holds elements and may close at once
 * ({@code <title/>}), and a {@code <style>}'s or {@code <script>}'s content is text with CDATA sections, character
 * references and comments. How many of them are open, counted from their start and end tags; an {@code <svg/>} holds
 * nothing. The HTML elements that end foreign content early ({@code <p>}, {@code <div>} and the like) and the points
 * inside it where HTML comes back ({@code <foreignObject>}) are not followed: the built-in pages and a logo have none.
 * Followed by the scanner, for every reader.
 *
 * <p>Not thread-safe: one per reading of a page, on its reader's thread.
 */
final class ForeignContent {

    private int depth;

    /** Whether the attributes of a start tag tell what it makes: none do here. */
    boolean wantsAttributes(String html, int nameStart, int nameEnd) {
        return false;
    }

    /** An attribute of the start tag being read, if {@link #wantsAttributes}. */
    void attribute(String html, int nameStart, int nameEnd, int valueStart, int valueEnd) {
        // none wanted
    }

    /**
     * A start tag closed at {@code html[nameStart, nameEnd)}.
     *
     * @return whether the element it makes is in an {@code <svg>} or a {@code <math>} (one of them itself too)
     */
    boolean start(String html, int nameStart, int nameEnd, boolean selfClosing) {
        if (!selfClosing && opens(html, nameStart, nameEnd)) {
            depth++;
        }
        return depth > 0;
    }

    /**
     * An end tag closed at {@code html[nameStart, nameEnd)}: one with no element open to close is ignored.
     *
     * @return whether what follows is still in an {@code <svg>} or a {@code <math>}
     */
    boolean end(String html, int nameStart, int nameEnd) {
        if (depth > 0 && opens(html, nameStart, nameEnd)) {
            depth--;
        }
        return depth > 0;
    }

    private static boolean opens(String html, int nameStart, int nameEnd) {
        return StartTags.is(html, nameStart, nameEnd, "svg") || StartTags.is(html, nameStart, nameEnd, "math");
    }
}
