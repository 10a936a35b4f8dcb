package io.github.errorpages.page.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What an application's HTML page holds that its {@code Content-Security-Policy} ({@link ContentSecurityPolicy}: R41,
 * R42) refuses without a word on the page, and whether it keeps the empty icon: the rules for templates
 * (docs/templates.md) that a browser alone enforced, so that a designer shipped a page whose stylesheet or logo never
 * showed. Read once per application template at start-up, on the page its sample model renders; nothing of it runs
 * on a request.
 *
 * <p>Refused, and so a finding:
 * <ul>
 *   <li>a load from elsewhere: a {@code <script src>}; a {@code <link href>} that loads (a stylesheet, an icon, a
 *   preload, module preload or prefetch, a manifest), and a preloaded image's {@code imagesrcset}; the sources of
 *   {@code <img>} (and {@code <image>}, which the parser makes one), {@code <source>}, {@code <video>},
 *   {@code <audio>}, {@code <track>}, {@code <embed>}, {@code <iframe>}, {@code <object>} and
 *   {@code <input type=image>}, the {@code href} or {@code xlink:href} of an SVG {@code <image>}, {@code <feImage>},
 *   {@code <use>} (but an {@code #id} of the page) or {@code <script>}, a {@code srcset} and a {@code poster}; an
 *   {@code @import}, a {@code url(…)} or an {@code image-set(…)} string in a {@code <style>}. A {@code data:}
 *   URI is no load from elsewhere, but the policy allows it only as an image ({@code img-src data:}): as an
 *   image, an icon, a poster or a {@code url(…)} outside {@code @font-face} it is fine, as a script, a stylesheet,
 *   a font, a frame, a media source or an object it is refused like any other. An empty value loads nothing; a
 *   {@code url(#id)} points into the page.</li>
 *   <li>a {@code style} attribute, which the policy ignores ({@code style-src} lists hashes, no
 *   {@code 'unsafe-hashes'});</li>
 *   <li>an event-handler attribute ({@code onclick} and the others browsers run; an {@code on…} attribute that is
 *   none, such as {@code online}, runs nothing), which it never runs, and a {@code javascript:} URL in a link or a
 *   form ({@code script-src} has no {@code 'unsafe-inline'});</li>
 *   <li>a form sent elsewhere, with a scheme or a host in its {@code action} or {@code formaction}
 *   ({@code form-action 'self'}; the page's own origin is unknown at start-up, so a path is asked for);</li>
 *   <li>a {@code <base href>} ({@code base-uri 'none'}).</li>
 * </ul>
 * No finding either: an {@code @namespace}'s URL, {@code about:blank}, and an {@code apple-touch-icon} or
 * {@code mask-icon}, which a browser showing the page never fetches. A finding shows names and values cut short, and
 * of a {@code srcset} the candidate refused.
 * Not refused, and no finding: several {@code <style>} or {@code <script>} elements, each of which the policy allows
 * by its hash. Kept as a rule but no refusal: the empty icon ({@code <link rel="icon" href="data:,">}), without which a
 * browser asks the site for {@code /favicon.ico}, a request the gateway forwards to the failing upstream; an icon link
 * whose {@code href} is empty or white space ({@code <link rel="icon" href>}) is none, and so is an SVG's
 * {@code <link>}.
 *
 * <p>The page is read with {@link StartTags}, as {@link MetaRefresh} reads it: what is in a comment, in another
 * attribute's quoted value, or in the raw text of a {@code <script>}, {@code <title>} or the like is none of these;
 * a {@code <style>}'s text is read as CSS, its comments and strings skipped. Of an attribute given twice the first
 * counts, one without a value too, as a browser keeps it: {@code <img src src="https://…">} loads nothing. What a
 * {@code <template>} holds is inert, parsed into no document, and loads only once a script clones it: a finding only
 * on a page with a {@code <script>} (the policy runs the page's own inline ones), or whose template has one anywhere
 * ({@link #check(String, boolean)}: in a section the sample leaves out), and always in a declarative shadow
 * root ({@code shadowrootmode}), which a browser shows at once; an icon in a template is none of the page's. One pass,
 * each character looked at a bounded number of times. Thread-safe (static methods only).
 */
final class PageContentRules {

    /** How many of a kind of finding a message shows: the rest are counted. */
    static final int SHOWN_PER_KIND = 3;
    /** The most characters of an attribute's value or a URL a finding shows. */
    static final int SHOWN_VALUE_LENGTH = 60;

    /**
     * Tokens of a {@code <link>}'s {@code rel} that make a browser load what its {@code href} names as it shows the
     * page. Not {@code apple-touch-icon} or {@code mask-icon}: a desktop browser never fetches them, and Safari only
     * when the page is added to a home screen or pinned, which an error page is not.
     */
    private static final Set<String> LOADING_RELS = Set.of("stylesheet", "icon", "preload", "modulepreload",
            "prefetch", "manifest");
    /**
     * The event-handler content attributes of HTML (HTML Living Standard §8.1.8.2: GlobalEventHandlers,
     * WindowEventHandlers, DocumentAndElementEventHandlers) and those of Pointer Events, Touch Events, CSS animations
     * and transitions and Fullscreen that browsers run from an attribute: another {@code on…} attribute
     * ({@code one}, {@code online}) is no handler and runs nothing.
     */
    private static final Set<String> EVENT_HANDLERS = Set.of("onabort", "onafterprint", "onanimationcancel",
            "onanimationend", "onanimationiteration", "onanimationstart", "onauxclick", "onbeforecopy", "onbeforecut",
            "onbeforeinput", "onbeforematch", "onbeforepaste", "onbeforeprint", "onbeforetoggle", "onbeforeunload",
            "onblur", "oncancel", "oncanplay", "oncanplaythrough", "onchange", "onclick", "onclose", "oncommand",
            "oncontentvisibilityautostatechange", "oncontextlost", "oncontextmenu", "oncontextrestored", "oncopy",
            "oncuechange", "oncut", "ondblclick", "ondrag", "ondragend", "ondragenter", "ondragleave", "ondragover",
            "ondragstart", "ondrop", "ondurationchange", "onemptied", "onended", "onerror", "onfocus", "onfocusin",
            "onfocusout", "onformdata", "onfullscreenchange", "onfullscreenerror", "ongotpointercapture",
            "onhashchange", "oninput", "oninvalid", "onkeydown", "onkeypress", "onkeyup", "onlanguagechange", "onload",
            "onloadeddata", "onloadedmetadata", "onloadstart", "onlostpointercapture", "onmessage", "onmessageerror",
            "onmousedown", "onmouseenter", "onmouseleave", "onmousemove", "onmouseout", "onmouseover", "onmouseup",
            "onmousewheel", "onoffline", "ononline", "onpagehide", "onpagereveal", "onpageshow", "onpageswap",
            "onpaste", "onpause", "onplay", "onplaying", "onpointercancel", "onpointerdown", "onpointerenter",
            "onpointerleave", "onpointermove", "onpointerout", "onpointerover", "onpointerrawupdate", "onpointerup",
            "onpopstate", "onprogress", "onratechange", "onreadystatechange", "onrejectionhandled", "onreset",
            "onresize", "onscroll", "onscrollend", "onsearch", "onsecuritypolicyviolation", "onseeked", "onseeking",
            "onselect", "onselectionchange", "onselectstart", "onslotchange", "onstalled", "onstorage", "onsubmit",
            "onsuspend", "ontimeupdate", "ontoggle", "ontouchcancel", "ontouchend", "ontouchmove", "ontouchstart",
            "ontransitioncancel", "ontransitionend", "ontransitionrun", "ontransitionstart", "onunhandledrejection",
            "onunload", "onvolumechange", "onwaiting", "onwebkitanimationend", "onwebkitanimationiteration",
            "onwebkitanimationstart", "onwebkittransitionend", "onwheel");
    /** The longest of them: a longer name is none, and is not lower-cased to find out. */
    private static final int LONGEST_EVENT_HANDLER = EVENT_HANDLERS.stream().mapToInt(String::length).max()
            .orElseThrow();

    private PageContentRules() {
    }

    /**
     * @param html a page rendered from an application's HTML template
     * @return what it holds that the rules forbid
     */
    static Findings check(String html) {
        return check(html, false);
    }

    /**
     * @param html a page rendered from an application's HTML template
     * @param scriptElsewhere whether the template may render a {@code <script>} that this page lacks (one in a
     *     section the sample model leaves out), which may clone what a {@code <template>} holds
     * @return what it holds that the rules forbid
     */
    static Findings check(String html, boolean scriptElsewhere) {
        Reader reader = new Reader(html);
        StartTags.read(html, reader);
        if (!reader.script && !scriptElsewhere) {
            // No script on the page clones a template, so what its content would load never loads.
            reader.findings.found.removeIf(Finding::inert);
        }
        return reader.findings;
    }

    /** The kinds of finding, in the order a message names them. */
    private enum Kind {
        LOADS("it loads from elsewhere, which the page's Content-Security-Policy refuses"),
        STYLE_ATTRIBUTES("it has style attributes, which the policy ignores"),
        EVENT_HANDLERS("it has event-handler attributes, whose scripts the policy never runs"),
        JAVASCRIPT_URLS("it has javascript: URLs, which the policy never runs"),
        FORM_TARGETS("it sends a form elsewhere, which the policy's form-action 'self' refuses (give a path)"),
        BASES("it has a <base href>, which the policy's base-uri 'none' refuses");

        private final String rule;

        Kind(String rule) {
            this.rule = rule;
        }
    }

    /**
     * One finding.
     *
     * @param kind the rule it breaks
     * @param key what tells it from another: its tag's name and attributes, or its CSS, as written and uncut
     * @param shown how a message shows it, made only for the few shown: a page may have thousands
     * @param inert whether it is in the content of a {@code <template>}, which loads only if a script clones it
     */
    private record Finding(Kind kind, String key, Supplier<String> shown, boolean inert) {
    }

    /** What a page holds that the rules forbid; a message says which, with a few examples of each. */
    static final class Findings {
        private final List<Finding> found = new ArrayList<>();
        private boolean icon;

        /** @return no finding, the empty icon kept: nothing a page breaks is in it */
        static Findings nothing() {
            Findings nothing = new Findings();
            nothing.icon = true;
            return nothing;
        }

        /** @return whether the page has what the policy refuses: a strict start fails on it */
        boolean refused() {
            return !found.isEmpty();
        }

        /** @return whether the page breaks none of the rules, the empty icon's included */
        boolean none() {
            return !refused() && icon;
        }

        /**
         * What of these another page does not account for: each finding of this one less those of {@code other}
         * as often as it has them (a page that extends a layout, less what the layout holds), and the missing icon
         * only if {@code other} has the icon.
         *
         * @param other the findings taken away
         * @return the rest, in this page's order
         */
        Findings without(Findings other) {
            Map<String, Integer> others = new HashMap<>();
            for (Finding finding : other.found) {
                others.merge(finding.kind() + " " + finding.key(), 1, Integer::sum);
            }
            Findings rest = new Findings();
            for (Finding finding : found) {
                String key = finding.kind() + " " + finding.key();
                Integer count = others.get(key);
                if (count != null && count > 0) {
                    others.put(key, count - 1);
                } else {
                    rest.found.add(finding);
                }
            }
            rest.icon = icon || !other.icon;
            return rest;
        }

        /** Adds another page's findings to these, as if this page had them too. */
        void add(Findings other) {
            found.addAll(other.found);
            icon &= other.icon;
        }

        /**
         * @return each rule broken, as {@code it loads from elsewhere, which the page's Content-Security-Policy
         *     refuses: <link rel="stylesheet" href="/static/site.css">}, joined by {@code "; "}; empty when none is
         */
        String describe() {
            List<String> parts = new ArrayList<>();
            for (Kind kind : Kind.values()) {
                List<String> shown = new ArrayList<>(SHOWN_PER_KIND);
                int count = 0;
                for (Finding finding : found) {
                    if (finding.kind() == kind && count++ < SHOWN_PER_KIND) {
                        shown.add(finding.shown().get());
                    }
                }
                if (count > 0) {
                    parts.add(kind.rule + ": " + String.join(", ", shown) + (count > shown.size() ? " and "
                            + (count - shown.size()) + " more" : ""));
                }
            }
            if (!icon) {
                parts.add("it has no <link rel=\"icon\">, so a browser asks the site for /favicon.ico "
                        + "(keep <link rel=\"icon\" href=\"data:,\">)");
            }
            return String.join("; ", parts);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** What a URL is for, which tells whether the policy allows it as a {@code data:} URI. */
    private enum Use {
        IMAGE, OTHER
    }

    /** Reads each start tag's attributes, and each {@code <style>}'s text. */
    private static final class Reader implements StartTags.Reader {
        private final String html;
        private final Findings findings = new Findings();
        private int nameStart;
        private int nameEnd;
        /** The first of each attribute a check looks at, as {start, end} of its name and value, or null. */
        private int[] rel;
        private int[] href;
        private int[] src;
        private int[] srcset;
        private int[] poster;
        private int[] data;
        private int[] as;
        private int[] imagesrcset;
        private int[] xlinkHref;
        private int[] type;
        private int[] action;
        private int[] formaction;
        private int[] style;
        private int[] handler;
        private int[] shadowRootMode;
        /** How many {@code <template>} elements are open, and from which of them on their content is inert (or 0). */
        private int templates;
        private int inertFrom;
        /** Whether the page has a {@code <script>} outside inert content, which may clone a template's content. */
        private boolean script;

        Reader(String html) {
            this.html = html;
        }

        @Override
        public boolean tag(int start, int end) {
            nameStart = start;
            nameEnd = end;
            rel = href = src = srcset = poster = data = as = imagesrcset = xlinkHref = type = action =
                    formaction = null;
            style = handler = shadowRootMode = null;
            return true;
        }

        @Override
        public void attribute(int start, int end, int valueStart, int valueEnd) {
            // A browser keeps an attribute's first value and drops those given again.
            int[] attribute = {start, end, valueStart, valueEnd};
            if (style == null && StartTags.is(html, start, end, "style")) {
                style = attribute;
            } else if (handler == null && end - start > 2 && end - start <= LONGEST_EVENT_HANDLER
                    && html.regionMatches(true, start, "on", 0, 2)
                    && EVENT_HANDLERS.contains(html.substring(start, end).toLowerCase(Locale.ROOT))) {
                handler = attribute;
            } else if (rel == null && StartTags.is(html, start, end, "rel")) {
                rel = attribute;
            } else if (href == null && StartTags.is(html, start, end, "href")) {
                href = attribute;
            } else if (src == null && StartTags.is(html, start, end, "src")) {
                src = attribute;
            } else if (srcset == null && StartTags.is(html, start, end, "srcset")) {
                srcset = attribute;
            } else if (poster == null && StartTags.is(html, start, end, "poster")) {
                poster = attribute;
            } else if (data == null && StartTags.is(html, start, end, "data")) {
                data = attribute;
            } else if (as == null && StartTags.is(html, start, end, "as")) {
                as = attribute;
            } else if (imagesrcset == null && StartTags.is(html, start, end, "imagesrcset")) {
                imagesrcset = attribute;
            } else if (xlinkHref == null && StartTags.is(html, start, end, "xlink:href")) {
                xlinkHref = attribute;
            } else if (type == null && StartTags.is(html, start, end, "type")) {
                type = attribute;
            } else if (action == null && StartTags.is(html, start, end, "action")) {
                action = attribute;
            } else if (formaction == null && StartTags.is(html, start, end, "formaction")) {
                formaction = attribute;
            } else if (shadowRootMode == null && StartTags.is(html, start, end, "shadowrootmode")) {
                shadowRootMode = attribute;
            }
        }

        @Override
        public void endTag(int start, int end, boolean foreign) {
            if (templates > 0 && !foreign && StartTags.is(html, start, end, "template")) {
                inertFrom = inertFrom == templates ? 0 : inertFrom;
                templates--;
            }
        }

        /**
         * A {@code <template>}'s content is inert: a browser parses it into a fragment of no document, which loads
         * nothing until a script clones it into the page; the page's policy runs only the page's own inline scripts,
         * so without one it never loads. A declarative shadow root ({@code shadowrootmode="open"} or
         * {@code "closed"}) is no such fragment: the browser attaches it and shows, and loads, what it holds.
         */
        private void template() {
            templates++;
            // Decoded as a browser reads the value: shadowrootmode="&#111;pen" attaches an open shadow root.
            String mode = shadowRootMode == null ? ""
                    : StartTags.decoded(html, shadowRootMode[2], shadowRootMode[3]);
            if (inertFrom == 0 && !mode.equalsIgnoreCase("open") && !mode.equalsIgnoreCase("closed")) {
                inertFrom = templates;
            }
        }

        /** Adds a finding of the tag read, or of its style sheet. */
        private void add(Kind kind, String key, Supplier<String> shown) {
            findings.found.add(new Finding(kind, key, shown, inertFrom > 0));
        }

        @Override
        public int tagEnd(int end, boolean selfClosing, boolean foreign) {
            if (style != null) {
                addTag(Kind.STYLE_ATTRIBUTES, style);
            }
            if (handler != null) {
                addTag(Kind.EVENT_HANDLERS, handler);
            }
            String name = html.substring(nameStart, nameEnd).toLowerCase(Locale.ROOT);
            script |= name.equals("script") && inertFrom == 0;
            if (foreign) {
                foreignLoad(name);
            } else {
                htmlLoad(name);
            }
            String rawText = StartTags.text(html, nameStart, nameEnd, selfClosing, foreign);
            if (rawText == null) {
                return end; // markup follows: an SVG's <title> holds elements
            }
            int textEnd = StartTags.textEnd(html, end, rawText, foreign);
            if (name.equals("style")) {
                css(html.substring(end, textEnd));
            }
            return textEnd;
        }

        /** What an element of HTML loads, or runs from a {@code javascript:} URL, or sends elsewhere. */
        private void htmlLoad(String name) {
            switch (name) {
                case "link" -> link();
                case "img" -> {
                    source(src, Use.IMAGE);
                    sourceSet(srcset);
                }
                // In a <picture> a <source> has a srcset, in a <video> or <audio> a src: a media source.
                case "source" -> {
                    source(src, Use.OTHER);
                    sourceSet(srcset);
                }
                case "video" -> {
                    source(src, Use.OTHER);
                    source(poster, Use.IMAGE);
                }
                case "script", "audio", "track", "embed", "iframe" -> source(src, Use.OTHER);
                case "object" -> source(data, Use.OTHER);
                // script-src lists hashes, without 'unsafe-inline': a javascript: URL runs nothing.
                case "a", "area" -> javascriptUrl(href != null ? href : xlinkHref);
                case "form" -> formTarget(action);
                case "button" -> formTarget(formaction);
                case "input" -> {
                    formTarget(formaction);
                    if (type != null && StartTags.trim(StartTags.decoded(html, type[2], type[3]))
                            .equalsIgnoreCase("image")) {
                        source(src, Use.IMAGE);
                    }
                }
                case "base" -> {
                    if (href != null) {
                        addTag(Kind.BASES, href);
                    }
                }
                case "template" -> template();
                case "image" -> {
                    source(src, Use.IMAGE); // in HTML the parser makes an <image> an <img>
                    sourceSet(srcset);
                }
                default -> {
                    // no load
                }
            }
        }

        /**
         * What an element of SVG loads (SVG 2): an {@code <image>}'s, {@code <feImage>}'s, {@code <use>}'s and
         * {@code <script>}'s {@code href}, or its {@code xlink:href} without one, which a browser fetches; an
         * {@code <feImage>}'s or {@code <use>}'s of {@code #id} names an element of the page and fetches nothing.
         * The others load nothing: an {@code <a>} navigates (a {@code javascript:} URL of it is checked), an
         * {@code <mpath>}, {@code <textPath>}, gradient, pattern or animation names an element of the page, and a
         * {@code <link>}, {@code <iframe>}, {@code <video>} or the like is no HTML element there (an SVG
         * {@code <link rel="icon">} is no icon: a browser asks the site for {@code /favicon.ico}).
         */
        private void foreignLoad(String name) {
            int[] url = href != null ? href : xlinkHref;
            switch (name) {
                case "image" -> source(url, Use.IMAGE);
                case "feimage" -> {
                    if (!inPage(url)) {
                        source(url, Use.IMAGE);
                    }
                }
                case "use" -> {
                    if (!inPage(url)) {
                        source(url, Use.OTHER); // an SVG document, which a browser takes from no data: URI
                    }
                }
                case "script" -> source(url, Use.OTHER);
                case "a" -> javascriptUrl(url);
                default -> {
                    // no load; an SVG <template> is none of HTML's
                }
            }
        }

        /** Whether a URL is a fragment only, {@code #id}: a reference to an element of the page. */
        private boolean inPage(int[] url) {
            return url != null && StartTags.trim(StartTags.decoded(html, url[2], url[3])).startsWith("#");
        }

        private void link() {
            if (rel == null || href == null) {
                return;
            }
            boolean loads = false;
            boolean image = false;
            boolean other = false; // a load that is no image: rel="stylesheet icon" loads a style sheet too
            // Read once, not per token: a rel of many preload tokens would decode a long as again for each of them.
            boolean asImage = as != null
                    && StartTags.trim(StartTags.decoded(html, as[2], as[3])).equalsIgnoreCase("image");
            // An href empty or of white space only, or given without a value, names no icon: a browser asks the site
            // for /favicon.ico as it does without one.
            boolean namesAnIcon = templates == 0
                    && !StartTags.trim(StartTags.decoded(html, href[2], href[3])).isEmpty();
            for (String token : StartTags.trim(StartTags.decoded(html, rel[2], rel[3])).toLowerCase(Locale.ROOT)
                    .split("[ \t\n\f\r]+")) {
                boolean imageToken = token.equals("icon") || (token.equals("preload") || token.equals("prefetch"))
                        && asImage;
                loads |= LOADING_RELS.contains(token);
                image |= imageToken;
                other |= LOADING_RELS.contains(token) && !imageToken;
                // An icon in a template's content, or in a shadow root, is no icon of the page's.
                findings.icon |= token.equals("icon") && namesAnIcon;
            }
            if (loads && !allowed(StartTags.decoded(html, href[2], href[3]), other ? Use.OTHER : Use.IMAGE)) {
                addTag(Kind.LOADS, rel, href);
            }
            if (loads && image) {
                sourceSet(imagesrcset); // a preload of an image that a srcset chooses
            }
        }

        private void javascriptUrl(int[] attribute) {
            if (attribute != null && isJavascript(StartTags.decoded(html, attribute[2], attribute[3]))) {
                addTag(Kind.JAVASCRIPT_URLS, attribute);
            }
        }

        /** A form's target: to another origin refused by form-action 'self', a javascript: URL run by nothing. */
        private void formTarget(int[] attribute) {
            if (attribute == null) {
                return;
            }
            String url = StartTags.decoded(html, attribute[2], attribute[3]);
            if (isJavascript(url)) {
                addTag(Kind.JAVASCRIPT_URLS, attribute);
            } else if (isElsewhere(url)) {
                addTag(Kind.FORM_TARGETS, attribute);
            }
        }

        private void source(int[] attribute, Use use) {
            if (attribute != null && !allowed(StartTags.decoded(html, attribute[2], attribute[3]), use)) {
                addTag(Kind.LOADS, attribute);
            }
        }

        /**
         * A {@code srcset}: image candidates separated by commas, each a URL (a run of non-space characters, which a
         * {@code data:} URI's own comma does not end) and its descriptors. Refused if any URL is not a {@code data:}
         * URI.
         */
        private void sourceSet(int[] attribute) {
            if (attribute == null) {
                return;
            }
            String value = StartTags.decoded(html, attribute[2], attribute[3]);
            int at = 0;
            while (at < value.length()) {
                while (at < value.length() && (StartTags.isSpace(value.charAt(at)) || value.charAt(at) == ',')) {
                    at++;
                }
                int urlStart = at;
                while (at < value.length() && !StartTags.isSpace(value.charAt(at))) {
                    at++;
                }
                int urlEnd = at;
                while (urlEnd > urlStart && value.charAt(urlEnd - 1) == ',') {
                    urlEnd--; // a URL that ends in commas has no descriptors
                }
                if (urlEnd > urlStart && !allowed(value.substring(urlStart, urlEnd), Use.IMAGE)) {
                    // The candidate refused, not the attribute's first characters, which may all be data: URIs.
                    int comma = value.indexOf(',', at);
                    int candidateEnd = urlEnd < at ? urlEnd : comma < 0 ? value.length() : comma;
                    String candidate = (separatorsOnly(value, 0, urlStart) ? "" : "..., ")
                            + cut(StartTags.trim(value.substring(urlStart, candidateEnd)))
                            + (separatorsOnly(value, candidateEnd, value.length()) ? "" : ", ...");
                    int start = nameStart;
                    int end = nameEnd;
                    add(Kind.LOADS, shown(false, start, end, attribute),
                            () -> "<" + cut(html.substring(start, end)) + " " + cut(html.substring(attribute[0],
                                    attribute[1])) + "=\"" + candidate + "\">");
                    return;
                }
                if (urlEnd == at) {
                    int comma = value.indexOf(',', at); // past the descriptors
                    at = comma < 0 ? value.length() : comma + 1;
                }
            }
        }

        /**
         * A style sheet's {@code @import} and {@code url(…)}, outside its comments and strings: a {@code url(…)} in an
         * {@code @font-face} is a font, which the policy refuses even as a {@code data:} URI.
         */
        private void css(String css) {
            boolean importing = false;
            boolean fontFacePending = false;
            boolean inFontFace = false;
            int imageSetDepth = 0; // the parentheses open in an image-set(…), whose strings are URLs
            int at = 0;
            while (at < css.length()) {
                char c = css.charAt(at);
                if (c == '/' && css.startsWith("*", at + 1)) {
                    int close = css.indexOf("*/", at + 2);
                    at = close < 0 ? css.length() : close + 2;
                } else if (c == '"' || c == '\'') {
                    int close = stringEnd(css, at);
                    String url = unquoted(css.substring(at, close));
                    if (imageSetDepth > 0 && !importing && !allowed(url, inFontFace ? Use.OTHER : Use.IMAGE)) {
                        add(Kind.LOADS, "image-set(\"" + url + "\")",
                                () -> "image-set(\"" + cut(url) + "\") in <style>");
                    }
                    if (importing) {
                        String imported = css.substring(at, close);
                        add(Kind.LOADS, "@import " + imported, () -> "@import " + cut(imported) + " in <style>");
                        importing = false;
                    }
                    at = close;
                } else if (c == '@' && css.regionMatches(true, at + 1, "import", 0, 6)) {
                    importing = true;
                    at += 7;
                } else if (c == '@' && css.regionMatches(true, at + 1, "namespace", 0, 9)) {
                    // @namespace svg url(http://www.w3.org/2000/svg) names a namespace and loads nothing: passed
                    // over to its end, a string or url( in it being no load.
                    int end = css.indexOf(';', at);
                    at = end < 0 ? css.length() : end + 1;
                } else if (c == '@' && css.regionMatches(true, at + 1, "font-face", 0, 9)) {
                    fontFacePending = true;
                    at += 10;
                } else if ((c == 'i' || c == 'I') && css.regionMatches(true, at, "image-set(", 0, 10)
                        && (at == 0 || !isNameCharacter(css.charAt(at - 1))
                        || css.regionMatches(true, at - 8, "-webkit-", 0, 8))) {
                    imageSetDepth = 1;
                    at += 10;
                } else if ((c == 'u' || c == 'U') && css.regionMatches(true, at, "url(", 0, 4)
                        && (at == 0 || !isNameCharacter(css.charAt(at - 1)))) {
                    int close = urlClose(css, at + 4);
                    String url = unquoted(css.substring(at + 4, close));
                    // An @import loads a style sheet, which the policy refuses from anywhere.
                    if (importing || !allowed(url, inFontFace ? Use.OTHER : Use.IMAGE) && !url.startsWith("#")) {
                        String key = (importing ? "@import " : "") + "url(" + url + ")";
                        String shown = (importing ? "@import " : "") + "url(" + cut(url) + ") in <style>";
                        add(Kind.LOADS, key, () -> shown);
                    }
                    importing = false;
                    at = close + 1;
                } else {
                    if (c == ';' || c == '{' || c == '}') {
                        importing = false;
                    }
                    if (imageSetDepth > 0 && (c == '(' || c == ')')) {
                        imageSetDepth += c == '(' ? 1 : -1;
                    } else if (c == ';' || c == '{' || c == '}') {
                        imageSetDepth = 0;
                    }
                    if (c == '{' && fontFacePending) {
                        inFontFace = true;
                        fontFacePending = false;
                    } else if (c == '}') {
                        inFontFace = false;
                    }
                    at++;
                }
            }
        }

        /** Adds a finding of the tag read, shown with the attributes it is about. */
        private void addTag(Kind kind, int[]... attributes) {
            // Where the tag's name is, kept: the message is made once the whole page is read.
            int start = nameStart;
            int end = nameEnd;
            add(kind, shown(false, start, end, attributes), () -> shown(true, start, end, attributes));
        }

        /**
         * Shows a tag with the attributes a finding is about: {@code <img src="/logo.png">}, names and values cut
         * short for a message, or as written to tell one finding from another.
         */
        private String shown(boolean cut, int start, int end, int[]... attributes) {
            StringBuilder tag = new StringBuilder("<").append(text(cut, start, end));
            for (int[] attribute : attributes) {
                tag.append(' ').append(text(cut, attribute[0], attribute[1])).append("=\"")
                        .append(text(cut, attribute[2], attribute[3])).append('"');
            }
            return tag.append('>').toString();
        }

        private String text(boolean cut, int from, int to) {
            return cut ? cut(html.substring(from, to)) : html.substring(from, to);
        }
    }

    /**
     * Whether the policy lets a page load a URL: an empty one loads nothing, and a {@code data:} URI loads from
     * nowhere but is allowed only as an image.
     */
    private static boolean allowed(String url, Use use) {
        String trimmed = StartTags.trim(url);
        // about:blank is made by the browser, fetched from nowhere, and no directive of the policy covers it.
        return trimmed.isEmpty() || use == Use.IMAGE && trimmed.regionMatches(true, 0, "data:", 0, 5)
                || trimmed.equalsIgnoreCase("about:blank");
    }

    /**
     * Whether a URL is a {@code javascript:} one as a URL parser reads it: leading controls and spaces, and tabs and
     * line breaks anywhere, dropped.
     */
    private static boolean isJavascript(String url) {
        StringBuilder scheme = new StringBuilder(11);
        for (int at = 0; at < url.length() && scheme.length() < 11; at++) {
            char c = url.charAt(at);
            if (c == '\t' || c == '\n' || c == '\r' || scheme.length() == 0 && c <= ' ') {
                continue;
            }
            scheme.append(c);
        }
        return scheme.toString().equalsIgnoreCase("javascript:");
    }

    /**
     * Whether a form's URL leaves the page's origin, as far as the page tells: one with a scheme ({@code https:},
     * {@code mailto:}) or a host ({@code //host}, {@code /\\host}); a path, a query or a fragment stays.
     */
    private static boolean isElsewhere(String url) {
        String trimmed = StartTags.trim(url).replace("\t", "").replace("\n", "").replace("\r", "");
        if (trimmed.length() >= 2 && (trimmed.charAt(0) == '/' || trimmed.charAt(0) == '\\')
                && (trimmed.charAt(1) == '/' || trimmed.charAt(1) == '\\')) {
            return true;
        }
        for (int at = 0; at < trimmed.length(); at++) {
            char c = trimmed.charAt(at);
            if (c == ':') {
                return at > 0;
            }
            boolean schemeCharacter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || at > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.');
            if (!schemeCharacter) {
                return false;
            }
        }
        return false;
    }

    /** Whether {@code value[from, to)} holds nothing but white space and commas: no other candidate of a srcset. */
    private static boolean separatorsOnly(String value, int from, int to) {
        for (int at = from; at < to; at++) {
            if (!StartTags.isSpace(value.charAt(at)) && value.charAt(at) != ',') {
                return false;
            }
        }
        return true;
    }

    /** Where a CSS string that starts at {@code at} ends: after its closing quote, or its line, or the text. */
    private static int stringEnd(String css, int at) {
        char quote = css.charAt(at);
        int i = at + 1;
        while (i < css.length()) {
            char c = css.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                return i + 1;
            } else if (c == '\n') {
                return i; // a bad string: it ends at the line's end
            } else {
                i++;
            }
        }
        return css.length();
    }

    /**
     * Where a {@code url(} whose argument starts at {@code from} is closed: the index of its {@code )}, one inside a
     * quoted argument passed over, or the text's length.
     */
    private static int urlClose(String css, int from) {
        int at = from;
        while (at < css.length() && isCssSpace(css.charAt(at))) {
            at++;
        }
        if (at < css.length() && (css.charAt(at) == '"' || css.charAt(at) == '\'')) {
            at = stringEnd(css, at);
        }
        int close = css.indexOf(')', at);
        return close < 0 ? css.length() : close;
    }

    /** A {@code url(…)}'s argument without its white space and quotes. */
    private static String unquoted(String argument) {
        String url = argument.strip();
        if (url.length() >= 1 && (url.charAt(0) == '"' || url.charAt(0) == '\'')) {
            int close = url.indexOf(url.charAt(0), 1);
            url = url.substring(1, close < 0 ? url.length() : close);
        }
        return url;
    }

    private static boolean isCssSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
    }

    /** Whether a character may end a CSS identifier: {@code xurl(} is no {@code url(}. */
    private static boolean isNameCharacter(char c) {
        return Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '\\';
    }

    /** A value cut to {@value #SHOWN_VALUE_LENGTH} characters, never between the halves of a surrogate pair. */
    private static String cut(String value) {
        if (value.length() <= SHOWN_VALUE_LENGTH) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(SHOWN_VALUE_LENGTH - 1)) ? SHOWN_VALUE_LENGTH - 1
                : SHOWN_VALUE_LENGTH;
        return value.substring(0, end) + "...";
    }
}
