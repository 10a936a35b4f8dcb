package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.mustachejava.Mustache;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The rules for templates that a browser alone enforced (docs/templates.md; R41, R42): what an application's HTML page
 * loads from elsewhere, its {@code style} and {@code on…} attributes, which the page's Content-Security-Policy refuses
 * without a word on the page, and the empty icon, without which a browser asks the failing site for
 * {@code /favicon.ico}. The page is read as a browser tokenizes it, in one pass.
 */
class PageContentRulesTests {

    private static final String ICON = "<link rel=\"icon\" href=\"data:,\">";
    private static final String LOADS = "it loads from elsewhere, which the page's Content-Security-Policy refuses: ";
    private static final Instant NOW = Instant.parse("2026-11-24T06:52:00Z");

    /** Each load from elsewhere is found and shown as the page has it, whatever its attributes' case or quotes. */
    @Test
    void findsEveryKindOfLoadFromElsewhere() {
        Map<String, String> shownByPage = new java.util.LinkedHashMap<>();
        shownByPage.put("<script src=\"https://cdn.example/app.js\"></script>",
                "<script src=\"https://cdn.example/app.js\">");
        shownByPage.put("<link rel=\"stylesheet\" href=\"/static/site.css\">",
                "<link rel=\"stylesheet\" href=\"/static/site.css\">");
        shownByPage.put("<LINK HREF=/a.css REL='Alternate StyleSheet'>",
                "<LINK REL=\"Alternate StyleSheet\" HREF=\"/a.css\">");
        shownByPage.put("<link rel=preload as=font href=/f.woff2>", "<link rel=\"preload\" href=\"/f.woff2\">");
        shownByPage.put("<link rel=modulepreload href=/m.js>", "<link rel=\"modulepreload\" href=\"/m.js\">");
        shownByPage.put("<link rel=prefetch href=/next.html>", "<link rel=\"prefetch\" href=\"/next.html\">");
        shownByPage.put("<link rel=manifest href=/site.webmanifest>",
                "<link rel=\"manifest\" href=\"/site.webmanifest\">");
        shownByPage.put("<img src=\"/logo.png\" alt=\"Acme\">", "<img src=\"/logo.png\">");
        shownByPage.put("<img src=\"data:,\" srcset=\"data:image/png;base64,AA== 1x, /logo@2x.png 2x\">",
                "<img srcset=\"..., /logo@2x.png 2x\">");
        shownByPage.put("<picture><source srcset=\"/a.webp\"><img src=\"data:,\"></picture>",
                "<source srcset=\"/a.webp\">");
        shownByPage.put("<video src=\"/v.mp4\"></video>", "<video src=\"/v.mp4\">");
        shownByPage.put("<video poster=\"/p.jpg\"></video>", "<video poster=\"/p.jpg\">");
        shownByPage.put("<video><source src=\"/v.webm\"><track src=\"/c.vtt\"></video>",
                "<source src=\"/v.webm\">, <track src=\"/c.vtt\">");
        shownByPage.put("<audio src=\"/a.mp3\"></audio>", "<audio src=\"/a.mp3\">");
        shownByPage.put("<track src=\"/c.vtt\">", "<track src=\"/c.vtt\">");
        shownByPage.put("<embed src=\"/x.swf\">", "<embed src=\"/x.swf\">");
        shownByPage.put("<iframe src=\"https://status.example/\"></iframe>",
                "<iframe src=\"https://status.example/\">");
        shownByPage.put("<object data=\"/x.pdf\"></object>", "<object data=\"/x.pdf\">");
        shownByPage.put("<style>@import \"/theme.css\"; main{margin:0}</style>", "@import \"/theme.css\" in <style>");
        shownByPage.put("<style>@import url(/theme.css);</style>", "@import url(/theme.css) in <style>");
        shownByPage.put("<style>body{background:URL( '/bg.png' ) no-repeat}</style>", "url(/bg.png) in <style>");
        shownByPage.put("<style>@font-face{font-family:a;src:url(/a.woff2)}</style>", "url(/a.woff2) in <style>");
        for (Map.Entry<String, String> page : shownByPage.entrySet()) {
            PageContentRules.Findings findings = PageContentRules.check(ICON + page.getKey());

            assertThat(findings.refused()).as(page.getKey()).isTrue();
            assertThat(findings.describe()).as(page.getKey()).isEqualTo(LOADS + page.getValue());
        }
    }

    /**
     * A {@code data:} URI loads from nowhere, and the policy allows it as an image ({@code img-src data:}): a logo, an
     * icon, a poster, a background. As a font, a style sheet, a script, a frame, a media source or an object it is
     * refused like any other source, and so is an {@code @import} of one. An empty value loads nothing, and
     * {@code url(#id)} points into the page.
     */
    @Test
    void aDataUriIsFineAsAnImageAndRefusedAsAnythingElse() {
        String images = ICON + "<img src=\" data:image/svg+xml,%3Csvg%3E\" srcset=\"data:image/png;base64,AA,BB 1x,"
                + "data:image/png;base64,CC 2x\"><link rel=\"shortcut icon\" href=\"DATA:,\"><video poster=\"data:,\">"
                + "<picture><source srcset=\"data:image/webp;base64,AA\"></picture>"
                + "<img src=\"\"><img src=\"&#100;ata:,\">"
                + "<link rel=preload as=image href=\"data:,\"><style>main{background:url(\"data:image/png;base64,AA\")}"
                + "svg{fill:url(#gradient)}</style>";

        assertThat(PageContentRules.check(images).none()).as(PageContentRules.check(images).describe()).isTrue();
        for (String refused : List.of("<style>@font-face{font-family:a;src:url(data:font/woff2;base64,AA)}</style>",
                "<link rel=stylesheet href=\"data:text/css,main{}\">", "<link rel=\"stylesheet icon\" href=\"data:,\">",
                "<script src=\"data:text/javascript,1\"></script>",
                "<style>@import url(data:text/css,main{});</style>", "<iframe src=\"data:text/html,x\"></iframe>",
                "<video src=\"data:video/mp4;base64,AA\"></video>",
                "<object data=\"data:application/pdf,x\"></object>")) {
            assertThat(PageContentRules.check(ICON + refused).describe()).as(refused).startsWith(LOADS);
        }
    }

    /**
     * The rest of what the page's policy ({@code script-src} of hashes, {@code img-src data:}, {@code base-uri
     * 'none'}, {@code form-action 'self'}) refuses: a {@code javascript:} link or form, which no script of it runs; a
     * form sent to another origin; a {@code <base href>}; the image of an {@code <input type=image>}, of an SVG
     * {@code <image>} and of an {@code <image>} in HTML, which the parser makes an {@code <img>}; a preloaded image's
     * {@code imagesrcset}; and the images of a CSS {@code image-set(…)}. A form sent to a path, and data: images, are
     * fine.
     */
    @Test
    void findsJavascriptUrlsFormsElsewhereABaseAndEveryImage() {
        String page = ICON + "<a href=\" JavaScript:location.reload()\">Retry</a><area href=\"java&#x09;script:x()\">"
                + "<form action=\"https://status.acme.example/subscribe\"><button formaction=\"//other.example/\">x"
                + "</button><input type=submit formaction=\"mailto:ops@acme.example\"></form>"
                + "<form action=\"/retry?x=1\">"
                + "</form><form action=\"javascript:void(0)\"></form><base href=\"https://cdn.acme.example/\">"
                + "<input type=\"Image\" src=\"/retry.png\" alt=r><input src=\"/not-an-image-input.png\">"
                + "<svg><image href=\"/logo.png\"/><image xlink:href=\"/logo2.png\"/><image href=\"data:,\"/></svg>"
                + "<image src=\"/html-image.png\"><link rel=preload as=image href=\"data:,\" "
                + "imagesrcset=\"data:,a 1x, /x@2x.png 2x\"><style>main{background:image-set(\"/hero.png\" 1x, "
                + "url(/hero2.png) 2x, \"data:,\" 3x);content:\"/not-a-url.png\"}"
                + "a{background:-webkit-image-set('/w.png' 1x)}</style>";

        PageContentRules.Findings findings = PageContentRules.check(page);

        assertThat(findings.refused()).isTrue();
        assertThat(findings.describe()).isEqualTo(LOADS + "<input src=\"/retry.png\">, <image href=\"/logo.png\">, "
                + "<image xlink:href=\"/logo2.png\"> and 5 more; it has javascript: URLs, which the policy never runs: "
                + "<a href=\" JavaScript:location.reload()\">, <area href=\"java&#x09;script:x()\">, "
                + "<form action=\"javascript:void(0)\">; it sends a form elsewhere, which the policy's form-action "
                + "'self' refuses (give a path): <form action=\"https://status.acme.example/subscribe\">, "
                + "<button formaction=\"//other.example/\">, <input formaction=\"mailto:ops@acme.example\">; it has a "
                + "<base href>, which the policy's base-uri 'none' refuses: <base href=\"https://cdn.acme.example/\">");
        assertThat(PageContentRules.check(ICON + "<image src=\"/html-image.png\">").describe())
                .isEqualTo(LOADS + "<image src=\"/html-image.png\">");
        assertThat(PageContentRules.check(ICON + "<link rel=preload as=image href=\"data:,\" "
                + "imagesrcset=\"data:,a 1x, /x@2x.png 2x\">").describe())
                .isEqualTo(LOADS + "<link imagesrcset=\"..., /x@2x.png 2x\">");
        assertThat(PageContentRules.check(ICON + "<style>main{background:image-set(\"/hero.png\" 1x, url(/hero2.png) "
                + "2x, \"data:,\" 3x);content:\"/not-a-url.png\"}a{background:-webkit-image-set('/w.png' 1x)}</style>")
                .describe()).isEqualTo(LOADS + "image-set(\"/hero.png\") in <style>, url(/hero2.png) in <style>, "
                + "image-set(\"/w.png\") in <style>");
    }

    /** R41: {@code style-src} lists hashes without {@code 'unsafe-hashes'}, so no style attribute applies. */
    @Test
    void findsStyleAttributes() {
        PageContentRules.Findings findings = PageContentRules.check(ICON + "<h1 style=\"color:red\">x</h1>"
                + "<p STYLE='margin:0'>y</p><svg style=fill:red></svg><b style=\"a\">1</b><i style=\"b\">2</i>");

        assertThat(findings.refused()).isTrue();
        assertThat(findings.describe()).isEqualTo("it has style attributes, which the policy ignores: "
                + "<h1 style=\"color:red\">, <p STYLE=\"margin:0\">, <svg style=\"fill:red\"> and 2 more");
    }

    /** R41: no inline event handler runs under a policy of script hashes. */
    @Test
    void findsEventHandlerAttributes() {
        PageContentRules.Findings findings = PageContentRules.check(ICON
                + "<button onclick=\"location.reload()\">Retry</button><body onLoad=start()>");

        assertThat(findings.refused()).isTrue();
        assertThat(findings.describe()).isEqualTo("it has event-handler attributes, whose scripts the policy never "
                + "runs: <button onclick=\"location.reload()\">, <body onLoad=\"start()\">");
    }

    /**
     * Without an icon a browser asks the site for {@code /favicon.ico}, one more call to the failing upstream per page
     * view: reported, but nothing on the page is refused.
     */
    @Test
    void findsAMissingIcon() {
        PageContentRules.Findings findings = PageContentRules.check("<!DOCTYPE html><title>t</title><h1>Down</h1>"
                + "<link rel=\"icon\"><!-- <link rel=\"icon\" href=\"data:,\"> -->");

        assertThat(findings.refused()).isFalse();
        assertThat(findings.none()).isFalse();
        assertThat(findings.describe()).isEqualTo("it has no <link rel=\"icon\">, so a browser asks the site for "
                + "/favicon.ico (keep <link rel=\"icon\" href=\"data:,\">)");
        assertThat(PageContentRules.check("<link rel=\"shortcut icon\" href=\"data:,\">").none()).isTrue();
    }

    /**
     * An icon link whose {@code href} is empty, written without a value ({@code <link rel="icon" href>}) or only white
     * space, names no icon: a browser asks the site for {@code /favicon.ico} as it does for a page without one, and
     * such a page is reported. It counted as the page's icon, and the missing icon went unreported; the empty icon
     * itself, {@code href="data:,"}, counts, and so does {@code href="&#32;data:,"}, as the browser decodes it.
     */
    @Test
    void anIconLinkWithAnEmptyHrefIsNoIcon() {
        for (String link : List.of("<link rel=\"icon\" href>", "<link rel=\"icon\" href=\"\">",
                "<link rel=\"icon\" href=\"  \">", "<link rel=icon href=\"&#32;\" href=\"data:,\">")) {
            assertThat(PageContentRules.check("<title>t</title>" + link + "<h1>Down</h1>").describe()).as(link)
                    .isEqualTo("it has no <link rel=\"icon\">, so a browser asks the site for /favicon.ico (keep "
                            + "<link rel=\"icon\" href=\"data:,\">)");
        }
        assertThat(PageContentRules.check("<link rel=\"icon\" href=\"&#32;data:,\">").none()).isTrue();
    }

    /**
     * What a comment, another attribute's value, a script or a style sheet's comment or string holds, or the text of
     * a title, is no tag and loads nothing. Several inline {@code <style>} and {@code <script>} elements are allowed:
     * the policy lists the hash of each.
     */
    @Test
    void aFindingInACommentAValueOrRawTextIsNone() {
        String page = ICON + "<!-- <link rel=\"stylesheet\" href=\"/old.css\"> <h1 style=\"x\"> -->"
                + "<!-- a --!><meta name=\"description\" content=\"<img src=/x.png onclick=y()>\">"
                + "<a href=\"/home\" title='<img src=\"/logo.png\">'>Home</a><link rel=\"canonical\" href=\"/\">"
                + "<script>document.body.insertAdjacentHTML('beforeend', '<img src=\"/x.png\" style=\"a\">');</script>"
                + "<title><img src=/t.png></title><textarea><img src=/t.png></textarea>"
                + "<style>/* url(/old.png) @import '/x.css'; */ main::before{content:\"url(/x.png)\"}</style>"
                + "<style>main{margin:0}</style><script>1</script><form action=\"/retry\"></form>"
                + "<img src=\"/unclosed.png\"";

        PageContentRules.Findings findings = PageContentRules.check(page);

        assertThat(findings.none()).as(findings.describe()).isTrue();
    }

    /**
     * In an {@code <svg>} (an illustration in the {@code art} block) a {@code <title/>} closes at once and a
     * {@code <title>} holds markup: taken for the raw text of an HTML title, it hid the rest of the page and what it
     * loads. After the {@code </svg>} a title is raw text again.
     */
    @Test
    void anSvgTitleHidesNothingAfterIt() {
        PageContentRules.Findings findings = PageContentRules.check(ICON + "<svg viewBox=\"0 0 1 1\"><title/></svg>"
                + "<img src=\"/after.png\"><svg><title>Logo</title></svg><p style=x><svg/><title><img src=/t.png>"
                + "</title>");

        assertThat(findings.describe()).isEqualTo(LOADS + "<img src=\"/after.png\">; it has style attributes, which "
                + "the policy ignores: <p style=\"x\">");
    }

    /**
     * In an {@code <svg>} or {@code <math>} a browser makes an HTML element of a tag that ends foreign content early
     * ({@code <p>}, {@code <div>}, {@code <img>}, a {@code <font>} with a {@code color}…) and of any start tag at a
     * point where HTML comes back ({@code <foreignObject>}, {@code <desc>}, MathML's {@code <mi>}, an
     * {@code <annotation-xml>} of HTML): there an {@code <image>} is HTML's, an {@code <img>} that loads its
     * {@code src}, which was missed (the reading took it for SVG's, whose {@code href} loads), and its {@code href}
     * loads nothing, which was reported; and an HTML {@code <title>}'s text is raw text, no markup. Where SVG's own
     * {@code <image>} is, its {@code href} is reported, and an {@code <img>} in an {@code <svg>} is HTML's.
     */
    @Test
    void anImageIsHtmlsOrSvgsAsTheBrowserMakesIt() {
        // At most three findings a page, so that the message names each of them (a fourth is only counted).
        String svgEnded = ICON + "<svg><p></p><image src=\"/after-p.png\" href=\"/no.png\"></svg>"
                + "<svg><foreignObject><image src=\"/foreign-object.png\"><title><img src=/no.png></title>"
                + "</foreignObject><desc><image src=\"/desc.png\"></desc></svg>";
        String htmlAgain = ICON + "<math><mi><image src=\"/mi.png\"></mi><annotation-xml encoding=\"text/html\">"
                + "<image src=\"/annotation.png\"></annotation-xml></math>"
                + "<svg><g><font color=\"red\"></font><image src=\"/font.png\"></g></svg>";
        String svg = ICON + "<svg><g><image href=\"/svg.png\" src=\"/no.png\"/><font><image href=/font.svg /></font>"
                + "</g><img src=\"//cdn.example/img.png\"></svg>";
        String svgAfterForeignObject = ICON + "<svg><foreignObject></foreignObject>"
                + "<image xlink:href=\"/after-foreign-object.png\" src=\"/no.png\"/></svg>";

        assertThat(PageContentRules.check(svgEnded).describe()).isEqualTo(LOADS + "<image src=\"/after-p.png\">, "
                + "<image src=\"/foreign-object.png\">, <image src=\"/desc.png\">");
        assertThat(PageContentRules.check(htmlAgain).describe()).isEqualTo(LOADS + "<image src=\"/mi.png\">, "
                + "<image src=\"/annotation.png\">, <image src=\"/font.png\">");
        assertThat(PageContentRules.check(svg).describe()).isEqualTo(LOADS + "<image href=\"/svg.png\">, "
                + "<image href=\"/font.svg\">, <img src=\"//cdn.example/img.png\">");
        assertThat(PageContentRules.check(svgAfterForeignObject).describe())
                .isEqualTo(LOADS + "<image xlink:href=\"/after-foreign-object.png\">");
    }

    /**
     * Of SVG's elements a browser fetches what an {@code <image>}, a {@code <script>}, a {@code <use>} and an
     * {@code <feImage>} name in their {@code href}, or {@code xlink:href} without one (SVG 2; Chromium fetches each),
     * and the page's policy refuses it: each is reported. A {@code <use>} or {@code <feImage>} of {@code #id} names an
     * element of the page, and an {@code <a>}, {@code <mpath>}, {@code <textPath>} or gradient fetches nothing, nor
     * does a {@code src} of an SVG script or an SVG {@code <link>}, which are none of HTML's. Only the image was
     * reported: the script, the use and the feImage loaded unseen.
     */
    @Test
    void theSvgElementsThatFetchAreReportedAndNoOthers() {
        assertThat(PageContentRules.check(ICON + "<svg><script href=\"https://cdn.example/s.js\" src=\"/no.js\">"
                + "</script><use xlink:href=\"/sprite.svg#i\"/><feImage href=\"https://cdn.example/f.png\" "
                + "xlink:href=\"/no.png\"/></svg>").describe())
                .isEqualTo(LOADS + "<script href=\"https://cdn.example/s.js\">, <use xlink:href=\"/sprite.svg#i\">, "
                        + "<feImage href=\"https://cdn.example/f.png\">");
        assertThat(PageContentRules.check(ICON + "<svg><use href=\"#i\"/><feImage xlink:href=\" #f\"/>"
                + "<feImage href=\"data:image/png;base64,AA==\"/><a href=\"/next\"><text>t</text></a>"
                + "<mpath href=\"#p\"/><textPath href=\"#t\"/><linearGradient href=\"#g\"/>"
                + "<script src=\"https://cdn.example/no.js\"></script>"
                + "<link rel=\"stylesheet\" href=\"https://cdn.example/no.css\"></svg>").none())
                .as("in-page references, an image as data:, and what loads nothing in SVG").isTrue();
    }

    /**
     * A {@code <link rel="icon">} in an {@code <svg>} is SVG's, an element of no meaning to the browser, and no icon
     * of the page's: Chromium asks the site for {@code /favicon.ico}, and the page is reported as one without an
     * icon. It counted as the page's icon.
     */
    @Test
    void anSvgsLinkIsNoIcon() {
        assertThat(PageContentRules.check("<title>t</title><svg><link rel=\"icon\" href=\"data:,\"></svg>")
                .describe()).isEqualTo("it has no <link rel=\"icon\">, so a browser asks the site for /favicon.ico "
                        + "(keep <link rel=\"icon\" href=\"data:,\">)");
        assertThat(PageContentRules.check("<svg><foreignObject><link rel=\"icon\" href=\"data:,\">"
                + "</foreignObject></svg>").none()).as("where HTML comes back it is HTML's").isTrue();
    }

    /**
     * An {@code <svg>} opened where HTML comes back (MathML's {@code <mi>}, an {@code <annotation-xml>}) sits on that
     * point, an element of MathML, not of HTML: an end tag or a tag that ends foreign content goes past it
     * (HTML Living Standard §13.2.6.5), so that {@code </math>} closes the svg and the math, and a {@code <div>} in
     * the svg ends all the foreign content, and the {@code <image>} after either is HTML's, an {@code <img>} that
     * loads its {@code src}. The reading stopped at the inner svg as at one opened in HTML, took the image for SVG's
     * and missed the load.
     */
    @Test
    void anSvgOpenedWhereHtmlComesBackStopsNoEndTagOrBreakoutOfTheForeignContentAroundIt() {
        assertThat(PageContentRules.check(ICON + "<math><mi><svg></math><image src=\"https://cdn.example/d.png\">")
                .describe()).isEqualTo(LOADS + "<image src=\"https://cdn.example/d.png\">");
        assertThat(PageContentRules.check(ICON + "<math><annotation-xml><svg><div><image "
                + "src=\"https://cdn.example/e.png\">").describe())
                .isEqualTo(LOADS + "<image src=\"https://cdn.example/e.png\">");
        assertThat(PageContentRules.check(ICON + "<svg><foreignObject><svg><g></svg></foreignObject>"
                + "<image href=/in.png /></svg><img src=/out.png>").describe())
                .as("an inner svg's end tag closes it only")
                .isEqualTo(LOADS + "<image href=\"/in.png\">, <img src=\"/out.png\">");
    }

    /**
     * An attribute that decides what a browser builds counts as the browser reads it: the first of its name, with its
     * character references decoded (§13.2.5.33, §13.2.4.5). An {@code <annotation-xml>} whose first {@code encoding}
     * is {@code text/html}, given again or written {@code text&#47;html}, is a point where HTML comes back and an
     * {@code <image>} in it is an {@code <img>} that loads its {@code src}; a {@code <template>} of
     * {@code shadowrootmode="&#111;pen"} is an open shadow root, shown and loading at once. Compared as written, or
     * with the last {@code encoding} counting, all three loads were missed.
     */
    @Test
    void theFirstEncodingAndAShadowRootModeCountAsABrowserDecodesThem() {
        assertThat(PageContentRules.check(ICON + "<math><annotation-xml encoding=\"text/html\" encoding=\"x\">"
                + "<image src=\"https://cdn.example/f.png\"></annotation-xml></math>").describe())
                .isEqualTo(LOADS + "<image src=\"https://cdn.example/f.png\">");
        assertThat(PageContentRules.check(ICON + "<math><annotation-xml encoding=\"x\" encoding=\"text/html\">"
                + "<image src=\"https://cdn.example/no.png\"></annotation-xml></math>").none())
                .as("a second encoding is dropped").isTrue();
        assertThat(PageContentRules.check(ICON + "<math><annotation-xml encoding=\"text&#47;html\"><image "
                + "src=\"https://cdn.example/g.png\"></annotation-xml></math>").describe())
                .isEqualTo(LOADS + "<image src=\"https://cdn.example/g.png\">");
        assertThat(PageContentRules.check(ICON + "<div><template shadowrootmode=\"&#111;pen\"><img "
                + "src=\"https://cdn.example/c.png\"></template></div>").describe())
                .isEqualTo(LOADS + "<img src=\"https://cdn.example/c.png\">");
    }

    /**
     * In an {@code <svg>} or {@code <math>} a {@code <style>}'s or {@code <script>}'s content is markup, not raw text
     * (HTML Living Standard §13.2.6.5): a tag that ends foreign content in it ({@code <img>}, {@code <p>} in a CSS
     * comment, {@code </p>}) ends the style, the SVG around it, and makes an HTML element, an {@code <img>} that loads
     * its {@code src}. The reading took the content whole up to {@code </style>} and missed the loads; in a comment
     * or a CDATA section such a tag is text, and the CSS before it is still read.
     */
    @Test
    void aTagThatEndsForeignContentEndsAStyleOrScriptInIt() {
        assertThat(PageContentRules.check(ICON + "<svg><style><img src=\"https://cdn.example/a.png\"></style></svg>"
                + "<svg><script><img src=\"https://cdn.example/b.png\"></script></svg>").describe())
                .isEqualTo(LOADS + "<img src=\"https://cdn.example/a.png\">, <img src=\"https://cdn.example/b.png\">");
        assertThat(PageContentRules.check(ICON + "<svg><style>.a{background:url(/a.png)}/* see <p> */</style>"
                + "<image src=/p.png></svg><math><style></p><img src=/end-p.png></style></math>").describe())
                .isEqualTo(LOADS + "url(/a.png) in <style>, <image src=\"/p.png\">, <img src=\"/end-p.png\">");
        assertThat(PageContentRules.check(ICON + "<svg><style><!-- <img src=/comment.png> --><![CDATA[ <img "
                + "src=/cdata.png> ]]><x/>.a{background:url(/after.png)}</style><image href=/svg.png /></svg>")
                .describe()).isEqualTo(LOADS + "url(/after.png) in <style>, <image href=\"/svg.png\">");
    }

    /**
     * An end tag in an {@code <svg>} closes the innermost open element of its name however deep it is: a browser's
     * stack of open elements has no bound (HTML Living Standard §13.2.6.5), so that the {@code </svg>} after 600
     * unclosed {@code <g>} closes them all, and the {@code <image>} after it is HTML's, an {@code <img>} that loads its
     * {@code src}. The reading looked for the end tag's element among the innermost 512 open only, took the image for
     * SVG's and missed the load.
     */
    @Test
    void anEndTagClosesItsElementHoweverDeepItIsOpen() {
        assertThat(PageContentRules.check(ICON + "<svg>" + "<g>".repeat(600) + "</svg><image "
                + "src=\"https://cdn.example/z.png\">").describe())
                .isEqualTo(LOADS + "<image src=\"https://cdn.example/z.png\">");
        assertThat(PageContentRules.check(ICON + "<svg><g>" + "<G><a>".repeat(600) + "</g></g><image href=/in.png />"
                + "</svg><img src=/out.png>").describe()).as("the innermost of the name, whatever its case")
                .isEqualTo(LOADS + "<image href=\"/in.png\">, <img src=\"/out.png\">");
    }

    /**
     * A browser keeps the first attribute of a name and drops the others (HTML Living Standard §13.2.5.33), one
     * without a value too, whose value is empty: {@code <img src src="https://…">} loads nothing, and was reported as
     * a load from elsewhere (the scanner passed on no attribute without a value, so the dropped one took its place).
     * The other way round, a first {@code src} from elsewhere loads whatever follows it, and is reported.
     */
    @Test
    void ofAnAttributeGivenTwiceTheFirstCountsAsABrowserKeepsIt() {
        String dropped = ICON + "<img src src=\"https://cdn.example/a.png\"><img SRC\nsrc=/b.png alt=x>"
                + "<script src src=\"https://cdn.example/app.js\"></script><link rel=stylesheet href "
                + "href=\"/site.css\"><a href href=\"javascript:run()\">a</a>"
                + "<form action action=\"https://x.example/\"></form><video poster poster=/p.jpg></video>";

        PageContentRules.Findings findings = PageContentRules.check(dropped);

        assertThat(findings.none()).as(findings.describe()).isTrue();
        assertThat(PageContentRules.check(ICON + "<img src=\"https://cdn.example/a.png\" src><img src=/b.png "
                + "SRC=\"data:,\"><link rel=stylesheet rel href=/a.css>").describe()).isEqualTo(LOADS
                + "<img src=\"https://cdn.example/a.png\">, <img src=\"/b.png\">, <link rel=\"stylesheet\" "
                + "href=\"/a.css\">");
    }

    /**
     * A {@code <template>}'s content is parsed into a fragment of no document: nothing in it loads until a script
     * clones it into the page, and the page's policy runs no script but the page's own inline ones (docs/templates.md,
     * R41). So without a {@code <script>} on the page what a template holds loads nothing, and a template was a false
     * finding; with one, a script may clone it and its loads are refused, and reported. A declarative shadow root
     * ({@code shadowrootmode}) is attached and shown at once: what it holds loads, script or none. An icon in a
     * template is none of the page's.
     */
    @Test
    void whatATemplateHoldsCountsOnlyWhereAScriptMayCloneIt() {
        String template = "<template id=\"row\"><img src=\"https://cdn.example/a.png\"><p style=\"x\">"
                + "<template><link rel=stylesheet href=/b.css></template></template><img src=\"/after.png\">";
        String cloned = "<script>document.body.append(document.getElementById('row').content.cloneNode(true))"
                + "</script>";

        assertThat(PageContentRules.check(ICON + template).describe()).isEqualTo(LOADS + "<img src=\"/after.png\">");
        assertThat(PageContentRules.check(ICON + template + cloned).describe()).isEqualTo(LOADS
                + "<img src=\"https://cdn.example/a.png\">, <link rel=\"stylesheet\" href=\"/b.css\">, "
                + "<img src=\"/after.png\">; it has style attributes, which the policy ignores: <p style=\"x\">");
        assertThat(PageContentRules.check(ICON + "<div><template shadowrootmode=\"open\"><img src=/shadow.png>"
                + "</template></div><template><template shadowrootmode=closed><img src=/inert.png></template>"
                + "</template>").describe()).isEqualTo(LOADS + "<img src=\"/shadow.png\">");
        assertThat(PageContentRules.check("<template>" + ICON + "</template>").describe())
                .startsWith("it has no <link rel=\"icon\">");
        assertThat(PageContentRules.check(ICON + "<svg><template><image href=/svg.png /></template></svg>")
                .describe()).as("an SVG <template> is no HTML one").isEqualTo(LOADS + "<image href=\"/svg.png\">");
    }

    /**
     * What the policy allows, or a browser showing the page never loads, is no finding, and so fails no strict start:
     * an {@code @namespace}'s URL names a namespace; an attribute that begins with "on" but is no event handler
     * ({@code one}, {@code online}) runs nothing; {@code about:blank} is fetched from nowhere; and an
     * {@code apple-touch-icon} or {@code mask-icon} is fetched only when the page is added to a home screen or pinned.
     */
    @Test
    void whatThePolicyAllowsOrABrowserNeverLoadsIsNoFinding() {
        String page = ICON + "<style>@namespace svg url(http://www.w3.org/2000/svg); @namespace \"http://x.example/\";"
                + "svg|a{color:red}</style><div one=\"1\" online=\"x\" only=y>x</div>"
                + "<iframe src=\"about:blank\"></iframe><link rel=\"apple-touch-icon\" href=\"/apple-touch-icon.png\">"
                + "<link rel=\"mask-icon\" href=\"/pinned.svg\" color=\"#000\">";

        PageContentRules.Findings findings = PageContentRules.check(page);

        assertThat(findings.none()).as(findings.describe()).isTrue();
        assertThat(PageContentRules.check(ICON + "<style>@namespace svg url(/x); main{background:url(/bg.png)}</style>"
                + "<div ONMOUSEOVER=\"x()\" onpointerdown=\"y()\">").describe()).isEqualTo(LOADS
                + "url(/bg.png) in <style>; it has event-handler attributes, whose scripts the policy never runs: "
                + "<div ONMOUSEOVER=\"x()\">");
    }

    /**
     * A finding names its tag and attribute cut short like its value, so that a page of a 100,000-character name
     * does not put it whole into the exception and the log; and a {@code srcset} shows the candidate refused, not its
     * first characters, which may be {@code data:} URIs the policy allows.
     */
    @Test
    void aFindingShowsNamesCutShortAndTheSrcsetCandidateRefused() {
        String name = "x".repeat(100_000);
        String longTag = PageContentRules.check(ICON + "<p" + name + " style=\"a\">").describe();
        String longAttribute = PageContentRules.check(ICON + "<p " + name + "=1 style=\"a\" onclick" + name + "=2>")
                .describe();
        String srcset = PageContentRules.check(ICON + "<img src=\"data:,\" srcset=\"data:image/png;base64,"
                + "A".repeat(200) + " 1x, /logo@2x.png 2x, data:, 3x\"><img srcset=\"/a.png 1x,data:, 2x\">")
                .describe();

        assertThat(longTag).hasSizeLessThan(200).contains("<p" + "x".repeat(59) + "... style=\"a\">");
        assertThat(longAttribute).hasSizeLessThan(200).isEqualTo("it has style attributes, which the policy ignores: "
                + "<p style=\"a\">");
        assertThat(srcset).isEqualTo(LOADS + "<img srcset=\"..., /logo@2x.png 2x, ...\">, "
                + "<img srcset=\"/a.png 1x, ...\">");
    }

    /**
     * The built-in pages keep every rule, with and without a logo, in every language's direction: a drift guard, as the
     * application's pages in the built-in layout are checked for what they add.
     */
    @Test
    void everyBuiltInHtmlPageKeepsTheRules() {
        TemplateSource builtin = TemplateSource.classpath(PageTemplates.class.getClassLoader(),
                PageTemplates.BUILTIN_FOLDER);
        TemplateFactory factory = new TemplateFactory(PageFormat.HTML, List.of(builtin));
        String logo = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">"
                + "<rect width=\"10\" height=\"10\"/></svg>";
        int checked = 0;
        for (PageConfig config : List.of(PageConfig.ofDefaults(), PageConfig.builder()
                .branding(Branding.builder().siteName("Acme").logo(logo).statusPageUrl("https://status.acme.example/")
                        .supportUrl("https://help.acme.example/").build()).autoRetryEnabled(true).build())) {
            for (String page : List.of("500", "502", "503", "504", "5xx", "maintenance")) {
                Mustache template = factory.compile(page + ".html.mustache");
                for (Locale locale : List.of(Locale.ENGLISH, Locale.forLanguageTag("ar"))) {
                    StringWriter html = new StringWriter();
                    template.execute(html, model(config, page, locale));

                    PageContentRules.Findings findings = PageContentRules.check(html.toString());
                    assertThat(findings.none()).as("%s %s: %s", page, locale, findings.describe()).isTrue();
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(24);
    }

    /**
     * Pages a regular expression would backtrack over, or a search for each comment's or style sheet's end would read
     * again and again, are read to the end in one pass: each is some 200,000 repeats, which a linear reading gets
     * through in well under a tenth of a second and a quadratic one (a search from each comment for its end, the
     * {@code as} of a preload decoded again for each of its {@code rel}'s tokens) in minutes, so the generous bound
     * catches a quadratic path and no slow machine. The check runs at start-up, on a page the application's template
     * renders.
     */
    @Test
    void readsHostilePagesToTheEnd() {
        int n = 200_000;
        assertThat(inOnePass(() -> PageContentRules.check("<img ".repeat(n))).describe()).startsWith("it has no <link");
        assertThat(inOnePass(() -> PageContentRules.check("<!--".repeat(n) + "<img src=/x.png>")).refused()).isFalse();
        assertThat(inOnePass(() -> PageContentRules.check("<!-- a -->".repeat(n) + "<img src=/x.png>")).refused())
                .isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<!-- a --!>".repeat(n) + "<img src=/x.png>")).refused())
                .isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<style>/*".repeat(n))).refused()).isFalse();
        assertThat(inOnePass(() -> PageContentRules.check("<style>url(".repeat(n))).refused()).isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<script></scrip".repeat(n))).refused()).isFalse();
        assertThat(inOnePass(() -> PageContentRules.check("<img srcset=\"".repeat(n))).refused()).isFalse();
        assertThat(inOnePass(() -> PageContentRules.check("<img srcset=\"" + "data:, ".repeat(n) + "\">")).refused())
                .isFalse();
        assertThat(inOnePass(() -> PageContentRules.check("<p style=x>".repeat(n))).describe())
                .contains(" and " + (n - 3) + " more");
        // Foreign content thousands deep, end tags of no element open in it and of the outermost: each end tag finds
        // its element, or none, at once, by the innermost open of its name.
        assertThat(inOnePass(() -> PageContentRules.check("<svg>" + "<g>".repeat(n) + "</x>".repeat(n)
                + "<image href=/x.png>")).refused()).isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<svg>" + "<abcdefghij>".repeat(n)
                + "</abcdefghik>".repeat(n) + "<image href=/x.png>")).refused()).isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<svg>" + "<g>".repeat(n) + "</svg><image src=/x.png>"))
                .refused()).isTrue();
        // A style in foreign content read to the tag that ends it, not to its end tag and again from there.
        assertThat(inOnePass(() -> PageContentRules.check("<svg><style><b>".repeat(n) + "<img src=/x.png>")).refused())
                .isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<svg><style><![CDATA[".repeat(n))).refused()).isFalse();
        assertThat(inOnePass(() -> PageContentRules.check("<svg><style>" + "<a".repeat(n) + "</style></svg>"
                + "<img src=/x.png>")).refused()).isTrue();
        assertThat(inOnePass(() -> PageContentRules.check("<svg>" + "<g><a>".repeat(n) + "</g>".repeat(n)
                + "</svg><image src=/x.png>")).refused()).isTrue();
        // Each </mi> closes its svg and foreignObject, which stop no end tag, the </math> the rest: an HTML <img>.
        assertThat(inOnePass(() -> PageContentRules.check("<math><mi><svg><foreignObject>".repeat(n) + "</mi>"
                .repeat(n) + "</math><image src=/x.png>")).refused()).isTrue();
        // The as of a preload, decoded once and not once per token of its rel: an image, so the data: URI is fine.
        assertThat(inOnePass(() -> PageContentRules.check(ICON + "<link rel=\"" + "preload ".repeat(n) + "\" as=\""
                + " ".repeat(n) + "image\" href=\"data:,\">")).none()).isTrue();
    }

    /** A check that reads the page once ends long before the bound; one that reads it again and again does not. */
    private static PageContentRules.Findings inOnePass(Supplier<PageContentRules.Findings> check) {
        return assertTimeoutPreemptively(Duration.ofSeconds(15), check::get);
    }

    private static Map<String, Object> model(PageConfig config, String page, Locale locale) {
        PageFacts facts = new PageFacts(page.equals("maintenance") ? 503 : page.equals("5xx") ? 507
                : Integer.parseInt(page), page.equals("5xx") ? "507" : page, "sample", 30, NOW.minusSeconds(3600),
                NOW.plusSeconds(1800), "SAMPLE-0000", "urn:uuid:00000000-0000-0000-0000-000000000000", NOW, true);
        return new PageModels(config).model(facts, locale);
    }
}
