package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
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
