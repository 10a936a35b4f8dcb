package io.github.errorpages.page.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the reading of a page ({@link StartTags}) is in an {@code <svg>} or a {@code <math>}, as a browser's tree
 * builder has it (HTML Living Standard §13.2.6.5, "the rules for parsing tokens in foreign content"): there it reads
 * what HTML takes for raw text as markup (an SVG's {@code <title>} holds elements and may close at once,
 * {@code <title/>}; a {@code <style>}'s or {@code <script>}'s content is text with CDATA sections, character
 * references and comments, up to a tag that ends the foreign content and it: {@link StartTags#textEnd}), and an
 * {@code <image>} is SVG's, which loads its {@code href}, where in HTML it is an {@code <img>}, which loads its
 * {@code src} (and a {@code <script>}'s is SVG's, loading its {@code href}, a {@code <link>} SVG's, which is no
 * icon: {@link PageContentRules}). Followed, for each start tag, whether the element it makes is of SVG or MathML:
 * <ul>
 *   <li>the SVG and MathML elements open, each closed by its end tag (and those opened after it), an
 *   {@code <svg/>} or any element closed at once holding nothing;</li>
 *   <li>the HTML elements that end foreign content early: a start tag of {@code <p>}, {@code <div>}, {@code <img>},
 *   {@code <table>} and the others the standard lists ({@code <font>} with a {@code color}, {@code face} or
 *   {@code size}), and an end tag {@code </p>} or {@code </br>}, close the SVG and MathML elements up to the nearest
 *   point where HTML comes back, and make an HTML element;</li>
 *   <li>those points, where a start tag makes an HTML element again: SVG's {@code <foreignObject>}, {@code <desc>}
 *   and {@code <title>}, MathML's {@code <annotation-xml>} of {@code encoding="text/html"} or
 *   {@code "application/xhtml+xml"} (any other takes an {@code <svg>} only), and MathML's {@code <mi>},
 *   {@code <mo>}, {@code <mn>}, {@code <ms>} and {@code <mtext>} (but for {@code <mglyph>} and
 *   {@code <malignmark>}); an {@code <svg>} or {@code <math>} in them opens foreign content again.</li>
 * </ul>
 * Not followed, each read as if in the foreign content still or again (the built-in pages and a logo have none):
 * <ul>
 *   <li>the HTML elements open inside such a point, or around the {@code <svg>}, and what their end tags close (a
 *   {@code </div>} of a {@code <div>} around an {@code <svg>} left open closes the SVG too, a
 *   {@code </foreignObject>} after an HTML element opened in it closes nothing);</li>
 *   <li>a CDATA section, whose {@code >} the reading takes for the end of a bogus comment;</li>
 *   <li>in a {@code <style>} or {@code <script>} of SVG or MathML: a {@code <font>} with a {@code color},
 *   {@code face} or {@code size}, or an end tag of an element around it ({@code </svg>}), either of which ends it in
 *   a browser, where the reading runs its text on to its own end tag; and its other tags, of which a browser makes
 *   elements (an SVG {@code <image>} in it loads, and the style's text, which the policy hashes, is only what lies
 *   outside them), where the reading takes them for the style's text.</li>
 * </ul>
 * An end tag finds its element among those open however deep it is, as a browser's does (its stack of open elements
 * has no bound: an {@code </svg>} after 600 unclosed {@code <g>} closes them all), and at once, by the innermost open
 * element of each name, each element pushed and popped once: a page of thousands of unclosed elements and end tags of
 * no open one is read in one pass.
 *
 * <p>Not thread-safe: one per reading of a page, on its reader's thread.
 */
final class ForeignContent {

    private static final byte SVG = 1;
    private static final byte MATH_ML = 2;
    /** A point where HTML comes back: SVG's foreignObject, desc, title; an annotation-xml of HTML. */
    private static final byte HTML_POINT = 4;
    /** MathML's mi, mo, mn, ms, mtext: start tags make HTML elements, but for mglyph and malignmark. */
    private static final byte TEXT_POINT = 8;
    /** MathML's annotation-xml of no HTML: an svg start tag makes an SVG element. */
    private static final byte ANNOTATION = 16;

    /**
     * The start tags of HTML elements that end foreign content (HTML Living Standard §13.2.6.5), and {@code font},
     * which does with a {@code color}, {@code face} or {@code size}.
     */
    private static final String[] BREAKOUTS = {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div",
        "dl", "dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
        "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup",
        "table", "tt", "u", "ul", "var"};

    /**
     * Of each open element, the outermost an svg or math opened in HTML (below it an HTML element, which no foreign end
     * tag closes and where a breakout stops; an svg opened at a point where HTML comes back is on that point, an SVG
     * or MathML element, which an end tag or a breakout goes past: §13.2.6.5): its name in ASCII lower case, what it
     * is, and the index of the one open before it of the same name, or -1.
     */
    private String[] names = new String[8];
    private byte[] kinds = new byte[8];
    private int[] sameNameBelow = new int[8];
    private int depth;
    /**
     * The index of the innermost open element of each name: with {@link #sameNameBelow}, a stack of the open ones per
     * name, so that an end tag finds its element at once however deep it is.
     */
    private final Map<String, Integer> innermost = new HashMap<>();
    /** Of the tag being read, if {@link #wantsAttributes} said so: whether it has what makes it break out or HTML. */
    private boolean fontBreaks;
    private boolean htmlAnnotation;
    private boolean encodingRead;

    /**
     * Whether the attributes of a start tag tell what it makes: a {@code <font>}'s, an {@code <annotation-xml>}'s in
     * foreign content; if so they are passed to {@link #attribute}, before {@link #start}.
     */
    boolean wantsAttributes(String html, int nameStart, int nameEnd) {
        fontBreaks = false;
        htmlAnnotation = false;
        encodingRead = false;
        return depth > 0 && (StartTags.is(html, nameStart, nameEnd, "font")
                || StartTags.is(html, nameStart, nameEnd, "annotation-xml"));
    }

    /** An attribute of the start tag being read, if {@link #wantsAttributes}. */
    void attribute(String html, int nameStart, int nameEnd, int valueStart, int valueEnd) {
        fontBreaks |= StartTags.is(html, nameStart, nameEnd, "color") || StartTags.is(html, nameStart, nameEnd, "face")
                || StartTags.is(html, nameStart, nameEnd, "size");
        if (!encodingRead && StartTags.is(html, nameStart, nameEnd, "encoding")) {
            // The first encoding counts, as a browser keeps it, and as it reads it: character references decoded.
            encodingRead = true;
            String encoding = StartTags.decoded(html, valueStart, valueEnd);
            htmlAnnotation = encoding.equalsIgnoreCase("text/html")
                    || encoding.equalsIgnoreCase("application/xhtml+xml");
        }
    }

    /**
     * A start tag closed at {@code html[nameStart, nameEnd)}.
     *
     * @param selfClosing whether it ends with {@code />}, which closes an SVG or MathML element at once
     * @return whether the element it makes is of SVG or MathML (an {@code <svg>} or {@code <math>} itself too)
     */
    boolean start(String html, int nameStart, int nameEnd, boolean selfClosing) {
        boolean inHtml = depth == 0 || madeAsHtml(html, nameStart, nameEnd);
        if (!inHtml && breaksOut(html, nameStart, nameEnd)) {
            closeToHtml();
            inHtml = true;
        }
        if (inHtml) {
            byte kind = StartTags.is(html, nameStart, nameEnd, "svg") ? SVG
                    : StartTags.is(html, nameStart, nameEnd, "math") ? MATH_ML : 0;
            if (kind != 0 && !selfClosing) {
                open(html, nameStart, nameEnd, kind);
            }
            return kind != 0;
        }
        if (!selfClosing) {
            byte namespace = (byte) (kinds[depth - 1] & (SVG | MATH_ML));
            open(html, nameStart, nameEnd, foreignKind(html, nameStart, nameEnd, namespace));
        }
        return true;
    }

    /**
     * An end tag closed at {@code html[nameStart, nameEnd)}: it closes the innermost SVG or MathML element open of its
     * name, and those opened after it, within the foreign content it is in; one of none is ignored.
     *
     * @return whether it closed an SVG or MathML element, so that it is no HTML element's end tag
     */
    boolean end(String html, int nameStart, int nameEnd) {
        if (depth == 0) {
            return false;
        }
        if ((kinds[depth - 1] & (HTML_POINT | TEXT_POINT)) == 0
                && (StartTags.is(html, nameStart, nameEnd, "p") || StartTags.is(html, nameStart, nameEnd, "br"))) {
            closeToHtml(); // </p> and </br> end foreign content as their start tags do
            return false;
        }
        Integer open = innermost.get(lowerCase(html, nameStart, nameEnd));
        if (open == null) {
            return false; // none open of the name: the end tag is HTML's
        }
        closeTo(open);
        return true;
    }

    /** Whether the current element, a point where HTML comes back, makes the start tag an HTML element. */
    private boolean madeAsHtml(String html, int nameStart, int nameEnd) {
        byte current = kinds[depth - 1];
        if ((current & HTML_POINT) != 0) {
            return true;
        }
        if ((current & TEXT_POINT) != 0) {
            return !StartTags.is(html, nameStart, nameEnd, "mglyph")
                    && !StartTags.is(html, nameStart, nameEnd, "malignmark");
        }
        return (current & ANNOTATION) != 0 && StartTags.is(html, nameStart, nameEnd, "svg");
    }

    private boolean breaksOut(String html, int nameStart, int nameEnd) {
        return StartTags.is(html, nameStart, nameEnd, "font") ? fontBreaks : alwaysBreaksOut(html, nameStart, nameEnd);
    }

    /** Whether a start tag ends foreign content whatever its attributes: all those the standard lists but font. */
    static boolean alwaysBreaksOut(String html, int nameStart, int nameEnd) {
        if (nameEnd - nameStart > 10) {
            return false; // "blockquote" is the longest
        }
        for (String name : BREAKOUTS) {
            if (StartTags.is(html, nameStart, nameEnd, name)) {
                return true;
            }
        }
        return false;
    }

    /** Closes the SVG and MathML elements up to a point where HTML comes back, or the HTML element around them. */
    private void closeToHtml() {
        while (depth > 0 && (kinds[depth - 1] & (HTML_POINT | TEXT_POINT)) == 0) {
            closeTo(depth - 1);
        }
    }

    /** Closes the element open at {@code index} and those opened after it. */
    private void closeTo(int index) {
        while (depth > index) {
            depth--;
            if (sameNameBelow[depth] < 0) {
                innermost.remove(names[depth]);
            } else {
                innermost.put(names[depth], sameNameBelow[depth]);
            }
            names[depth] = null;
        }
    }

    private byte foreignKind(String html, int nameStart, int nameEnd, byte namespace) {
        if (namespace == SVG && (StartTags.is(html, nameStart, nameEnd, "foreignobject")
                || StartTags.is(html, nameStart, nameEnd, "desc") || StartTags.is(html, nameStart, nameEnd, "title"))) {
            return SVG | HTML_POINT;
        }
        if (namespace == MATH_ML && StartTags.is(html, nameStart, nameEnd, "annotation-xml")) {
            return (byte) (MATH_ML | (htmlAnnotation ? HTML_POINT : ANNOTATION));
        }
        if (namespace == MATH_ML && (StartTags.is(html, nameStart, nameEnd, "mi")
                || StartTags.is(html, nameStart, nameEnd, "mo") || StartTags.is(html, nameStart, nameEnd, "mn")
                || StartTags.is(html, nameStart, nameEnd, "ms") || StartTags.is(html, nameStart, nameEnd, "mtext"))) {
            return MATH_ML | TEXT_POINT;
        }
        return namespace;
    }

    private void open(String html, int nameStart, int nameEnd, byte kind) {
        if (depth == kinds.length) {
            names = Arrays.copyOf(names, depth * 2);
            kinds = Arrays.copyOf(kinds, depth * 2);
            sameNameBelow = Arrays.copyOf(sameNameBelow, depth * 2);
        }
        String name = lowerCase(html, nameStart, nameEnd);
        Integer below = innermost.put(name, depth);
        names[depth] = name;
        sameNameBelow[depth] = below == null ? -1 : below;
        kinds[depth++] = kind;
    }

    /** A tag's name as the tokenizer makes it: ASCII upper-case letters lowered, any other character kept. */
    private static String lowerCase(String html, int nameStart, int nameEnd) {
        char[] name = new char[nameEnd - nameStart];
        for (int at = nameStart; at < nameEnd; at++) {
            char c = html.charAt(at);
            name[at - nameStart] = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }
        return new String(name);
    }
}
