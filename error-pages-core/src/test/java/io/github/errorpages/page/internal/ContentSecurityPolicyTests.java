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
