package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.mustachejava.Mustache;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ContentSecurityPolicyTests {

    /** SHA-256 of the empty string, and of {@code p{color:red}}, base64. */
    private static final String EMPTY = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    private static final String RED = "p0bF+un5yUb9MBO6xRb8kPHlY2BdpHVtLiFkDrZPF64=";

    @Test
    void allowsExactlyThePagesOwnInlineStyleAndScriptByHash() { // R41
        String policy = ContentSecurityPolicy.forHtml("<html><head><style>p{color:red}</style></head><body>"
                + "<script></script></body></html>");

        assertThat(policy).isEqualTo("default-src 'none'; style-src 'sha256-" + RED + "'; script-src 'sha256-" + EMPTY
                + "'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }

    @Test
    void findsElementsAsAnHtmlParserWould() {
        String policy = ContentSecurityPolicy.forHtml("<STYLE media=\"all\">p{color:red}</Style ><styles>x</styles>"
                + "<Script type=module></SCRIPT><script>\n</script><style>p{color:red}</style>");

        assertThat(policy).contains("style-src 'sha256-" + RED + "';")
                .contains("script-src 'sha256-" + EMPTY + "' 'sha256-")
                .doesNotContain("'sha256-" + RED + "' 'sha256-" + RED + "'");
    }

    /**
     * R41: a comment of a template that names a style or a script ("edit the {@code <style>} below") holds no
     * element, as for a browser. Taken for one, its text up to the real element's end was hashed in place of that
     * element's content, so the policy listed no hash of the page's real style or script, and a browser refused both.
     */
    @Test
    void aStyleOrScriptNamedInACommentIsNoElement() {
        String policy = ContentSecurityPolicy.forHtml("<!DOCTYPE html><!-- edit the <style> below --><style>"
                + "p{color:red}</style><!-- <script> --!><script></script>"
                + "<!-- an unclosed comment hides the rest <style>p{}</style>");

        assertThat(policy).isEqualTo("default-src 'none'; style-src 'sha256-" + RED + "'; script-src 'sha256-" + EMPTY
                + "'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }

    /**
     * R41: in an {@code <svg>} (an illustration in the {@code art} block) or a {@code <math>}, the HTML parser reads a
     * style's or script's content as markup, not as raw text: a CDATA section is its text, a reference its character,
     * a comment nothing. The policy hashes that text, as the browser does; it hashed the content as written, and the
     * browser refused an SVG's style written in a CDATA section or with {@code &gt;}. Outside them, and after an
     * {@code <svg/>} that holds nothing, the content is raw text again.
     */
    @Test
    void aStyleOrScriptInAnSvgIsHashedAsTheBrowserReadsItsText() throws Exception {
        String policy = ContentSecurityPolicy.forHtml("<main><svg viewBox=\"0 0 1 1\">"
                + "<style><![CDATA[.a > b{fill:red}]]></style>"
                + "<g><style>.b &gt; c{fill:#00f}/* &#x2192; &#8594; */<!-- a note --></style></g>"
                + "<script>if (1 &lt; 2) {}</script></svg><style>.a &gt; b{}</style><svg/><style>p &amp; q{}</style>"
                + "<math><style>m &lt; n{}</style></math></main>");

        assertThat(policy).isEqualTo("default-src 'none'; style-src 'sha256-" + sha256(".a > b{fill:red}")
                + "' 'sha256-" + sha256(".b > c{fill:#00f}/* \u2192 \u2192 */") + "' 'sha256-"
                + sha256(".a &gt; b{}") + "' 'sha256-" + sha256("p &amp; q{}") + "' 'sha256-" + sha256("m < n{}")
                + "'; script-src 'sha256-" + sha256("if (1 < 2) {}")
                + "'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }

    /**
     * A {@code <style>} in an {@code <svg>}'s {@code <foreignObject>}, or after a {@code <p>} that ends the SVG, is
     * HTML's: its content is raw text, hashed as written (a browser reads no CDATA section in it), where the policy
     * listed the hash of the CDATA section's text, and the browser refused the style.
     */
    @Test
    void aStyleWhereHtmlComesBackInAnSvgIsHashedAsRawText() throws Exception {
        String css = "<![CDATA[.a{fill:red}]]>";

        String policy = ContentSecurityPolicy.forHtml("<svg><foreignObject><style>" + css + "</style></foreignObject>"
                + "</svg><svg><p><style>/*p*/" + css + "</style></svg><svg><style>" + css + "</style></svg>");

        assertThat(policy).startsWith("default-src 'none'; style-src 'sha256-" + sha256(css) + "' 'sha256-"
                + sha256("/*p*/" + css) + "' 'sha256-" + sha256(".a{fill:red}") + "';");
    }

    /**
     * In an {@code <svg>} a {@code <style>}'s content is markup: a tag that ends foreign content in it ({@code <b>})
     * ends the style there, and a browser hashes the text before it, where the policy listed the hash of the whole
     * content up to {@code </style>}, and the browser refused the style; a comment's or CDATA section's content is
     * text, and ends nothing.
     */
    @Test
    void aStyleInAnSvgEndsAtATagThatEndsTheSvg() throws Exception {
        String policy = ContentSecurityPolicy.forHtml("<svg><style>.a{}<b>x</b></style></svg>"
                + "<svg><style>.c{}<!-- <b> --><![CDATA[<p>]]></style></svg>");

        assertThat(policy).startsWith("default-src 'none'; style-src 'sha256-" + sha256(".a{}") + "' 'sha256-"
                + sha256(".c{}<p>") + "';");
    }

    /**
     * A {@code </math>} after an {@code <svg>} opened in MathML's {@code <mi>} closes the svg and the math
     * (HTML Living Standard §13.2.6.5): the {@code <style>} after it is HTML's, raw text hashed as written, CDATA and
     * all. The reading stopped at the inner svg as at one opened in HTML, hashed the style as SVG text (the CDATA
     * section's content), and the browser refused it.
     */
    @Test
    void aStyleAfterTheEndOfMathAroundAnSvgIsHashedAsRawText() throws Exception {
        String policy = ContentSecurityPolicy.forHtml("<math><mi><svg></math><style><![CDATA[x]]></style>");

        assertThat(policy).startsWith("default-src 'none'; style-src 'sha256-" + sha256("<![CDATA[x]]>") + "';");
    }

    /**
     * R41: the policy reads the page as {@link PageContentRules} reads it at start-up ({@link StartTags}): a tag named
     * in another attribute's quoted value is no element, a {@code </stylesheet-note>} ends no style, and the text of a
     * {@code <title>} holds none. The policy's own scanner took {@code title="a <script> tag"} for a script whose
     * content ran to the real script's end, hashed that and neither the real style nor the real script, so a browser
     * refused both on a page that PageContentRules found keeping the rules.
     */
    @Test
    void aStyleOrScriptNamedInAValueOrTitleIsNoElementAndOnlyItsOwnEndTagEndsOne() throws Exception {
        String policy = ContentSecurityPolicy.forHtml("<title>the <style>x</style> tag</title>"
                + "<p title=\"a <script> tag\">x</p><style>main{margin:0}</style><script>1</script>"
                + "<style>main{margin:0}</stylesheet-note>main{padding:0}</style >");

        assertThat(policy).isEqualTo("default-src 'none'; style-src 'sha256-" + sha256("main{margin:0}") + "' 'sha256-"
                + sha256("main{margin:0}</stylesheet-note>main{padding:0}") + "'; script-src 'sha256-" + sha256("1")
                + "'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }

    /**
     * R41: in an {@code <svg>} a {@code <title/>} closes at once, and a {@code <title>} holds markup, so the style
     * after it is the page's and hashed.
     */
    @Test
    void anSvgTitleHidesNoStyle() throws Exception {
        String policy = ContentSecurityPolicy.forHtml("<svg><title/><desc>d</desc></svg><style>p{color:red}</style>");

        assertThat(policy).contains("style-src 'sha256-" + RED + "';");
    }

    /**
     * The policy is made on every response: a page of many comments is read once, not searched from each comment to
     * its end for {@code -->} and again for {@code --!>} (some 200,000 comments: milliseconds read once, minutes
     * searched again and again; the bound catches the second, not a slow machine).
     */
    @Test
    void aPageOfManyCommentsIsReadOnce() {
        for (String comment : List.of("<!-- a -->", "<!-- a --!>")) {
            String page = comment.repeat(200_000) + "<style>p{color:red}</style>";

            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(15), () -> ContentSecurityPolicy.forHtml(page)))
                    .contains("style-src 'sha256-" + RED + "';");
        }
    }

    /**
     * A style of SVG's is read once too, to the tag that ends it: a tag name that a {@code <} does not end is read on
     * from its end, not from its next {@code <}, and a {@code &} is looked at as a character reference only as far as
     * such a reference goes (some 200,000 of each: read once in milliseconds, read from each to the page's end in
     * minutes).
     */
    @Test
    void aStyleOfSvgsIsReadOnce() {
        for (String style : List.of("<a".repeat(200_000) + ">", "&".repeat(800_000))) {
            String page = "<svg><style>" + style + "<p><style>p{color:red}</style>";

            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(15), () -> ContentSecurityPolicy.forHtml(page)))
                    .contains("'sha256-" + RED + "'");
        }
    }

    /**
     * The built-in pages, well-formed, get the policy a plain reading of their {@code <style>} and {@code <script>}
     * elements gives, with and without branding and in both directions: reading them as a browser does changed none.
     */
    @Test
    void everyBuiltInHtmlPageGetsThePolicyOfItsOwnStyleAndScript() throws Exception {
        TemplateSource builtin = TemplateSource.classpath(PageTemplates.class.getClassLoader(),
                PageTemplates.BUILTIN_FOLDER);
        TemplateFactory factory = new TemplateFactory(PageFormat.HTML, List.of(builtin));
        Pattern element = Pattern.compile("<(style|script)>(.*?)</\\1>", Pattern.DOTALL);
        Instant now = Instant.parse("2026-11-24T06:52:00Z");
        int checked = 0;
        for (PageConfig config : List.of(PageConfig.ofDefaults(), PageConfig.builder()
                .branding(Branding.builder().siteName("Acme").statusPageUrl("https://status.acme.example/")
                        .supportUrl("https://help.acme.example/").build()).autoRetryEnabled(true).build())) {
            for (String name : List.of("500", "502", "503", "504", "5xx", "maintenance")) {
                Mustache template = factory.compile(name + ".html.mustache");
                for (Locale locale : List.of(Locale.ENGLISH, Locale.forLanguageTag("ar"))) {
                    StringWriter html = new StringWriter();
                    int status = name.equals("maintenance") ? 503 : name.equals("5xx") ? 507 : Integer.parseInt(name);
                    template.execute(html, new PageModels(config).model(new PageFacts(status, String.valueOf(status),
                            "sample", 30, now.minusSeconds(3600), now.plusSeconds(1800), "SAMPLE-0000",
                            "urn:uuid:00000000-0000-0000-0000-000000000000", now, true), locale));
                    Set<String> styles = new LinkedHashSet<>();
                    Set<String> scripts = new LinkedHashSet<>();
                    for (Matcher found = element.matcher(html.toString()); found.find(); ) {
                        (found.group(1).equals("style") ? styles : scripts).add("'sha256-" + sha256(found.group(2))
                                + "'");
                    }

                    assertThat(styles).hasSize(1);
                    assertThat(scripts).hasSize(1);
                    assertThat(ContentSecurityPolicy.forHtml(html.toString())).as("%s %s", name, locale)
                            .isEqualTo("default-src 'none'; style-src " + String.join(" ", styles) + "; script-src "
                                    + String.join(" ", scripts) + "; img-src data:; base-uri 'none'; "
                                    + "form-action 'self'; frame-ancestors 'none'");
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(24);
    }

    private static String sha256(String text) throws Exception {
        return Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void stylesThatChangeWithEveryResponseGetTheirOwnHashEvenBeyondTheCache() throws Exception {
        // More distinct contents than the cache holds: each still gets its own, correct hash.
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < 600; i++) {
            String style = "p{margin:" + i + "px}";
            String expected = Base64.getEncoder().encodeToString(sha256.digest(style.getBytes(StandardCharsets.UTF_8)));

            assertThat(ContentSecurityPolicy.forHtml("<style>" + style + "</style>"))
                    .contains("style-src 'sha256-" + expected + "';");
        }
        assertThat(ContentSecurityPolicy.forHtml("<style>p{color:red}</style>")).contains("style-src 'sha256-" + RED + "';");
    }

    @Test
    void aPageWithoutStyleOrScriptAllowsNone() {
        assertThat(ContentSecurityPolicy.forHtml("<p>plain</p><style>unclosed"))
                .isEqualTo("default-src 'none'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }
}
