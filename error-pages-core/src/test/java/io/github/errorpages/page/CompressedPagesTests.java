package io.github.errorpages.page;

import static io.github.errorpages.page.BuiltInPage.ACCEPTS;
import static io.github.errorpages.page.BuiltInPage.BROWSER_ACCEPT;
import static io.github.errorpages.page.BuiltInPage.INSTANCE;
import static io.github.errorpages.page.BuiltInPage.LANGUAGES;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Long pages go gzip-compressed to clients that take gzip (RFC 9110 §8.4, §12.5.3), and the compressed page is
 * the uncompressed one: same text, same headers but {@code Content-Encoding}, and {@code Vary} names
 * {@code Accept-Encoding} on every response (R18).
 */
class CompressedPagesTests {

    private static final String CHROME = "gzip, deflate, br, zstd";

    @TempDir
    Path folder;

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void theHtmlPageIsSentCompressedAndDecompressesToTheUncompressedOne(BuiltInPage page) {
        ErrorPages pages = ErrorPages.builder().clock(BuiltInPage.CLOCK)
                .pageConfig(PageConfig.builder().autoRetryEnabled(true).build()).build();
        for (String language : LANGUAGES) {
            for (String accept : ACCEPTS) {
                String where = page + " " + accept + " " + language;
                // Twice: the first response of a shape is rendered in full, the second filled in.
                for (String code : List.of("first-response-1", "later-response-2")) {
                    ErrorResponse plain = page.render(pages, request("GET", accept, language, code, null));
                    ErrorResponse compressed = page.render(pages, request("GET", accept, language, code, CHROME));

                    boolean html = accept.equals(BROWSER_ACCEPT);
                    // Problem details and text are a few hundred bytes: not worth a Content-Encoding.
                    assertThat(compressed.header("Content-Encoding")).as(where).isEqualTo(html ? "gzip" : null);
                    assertThat(compressed.bodyText().replaceAll(INSTANCE.pattern(), "urn:uuid:x")).as(where)
                            .isEqualTo(plain.bodyText().replaceAll(INSTANCE.pattern(), "urn:uuid:x"));
                    assertThat(withoutContentEncoding(compressed.headers())).as(where).isEqualTo(plain.headers());
                    assertThat(compressed.header("Vary")).as(where).isEqualTo("Accept, Accept-Language, Accept-Encoding");
                    if (html) {
                        assertThat(compressed.body()).as(where).startsWith(0x1f, 0x8b);
                        assertThat(compressed.body().length).as(where + ": less than half of the page")
                                .isLessThan(plain.body().length / 2);
                    }
                }
            }
        }
    }

    @Test
    void aHeadRequestGetsTheHeadersOfTheCompressedGetAndNoBody() { // R12
        ErrorPages pages = BuiltInPage.pages(PageConfig.ofDefaults());
        ErrorResponse get = BuiltInPage.BAD_GATEWAY_502.render(pages, request("GET", BROWSER_ACCEPT, "en", "code", CHROME));
        ErrorResponse head = BuiltInPage.BAD_GATEWAY_502.render(pages, request("HEAD", BROWSER_ACCEPT, "en", "code", CHROME));

        assertThat(head.body()).isEmpty();
        assertThat(head.headers()).isEqualTo(get.headers()).containsEntry("Content-Encoding", "gzip");
    }

    @Test
    void theCompressedLengthDependsOnlyOnTheLengthsOfTheResponsesValues() { // no compression oracle (BREACH)
        ErrorPages pages = BuiltInPage.pages(PageConfig.ofDefaults());
        // A request id that repeats the page's own text would compress better, were it compressed with it.
        ErrorResponse repetitive = BuiltInPage.BAD_GATEWAY_502.render(pages,
                request("GET", BROWSER_ACCEPT, "en", "class-btn-class-btn-class-btn", CHROME));
        ErrorResponse random = BuiltInPage.BAD_GATEWAY_502.render(pages,
                request("GET", BROWSER_ACCEPT, "en", "Q7x-k2Pz.9mW_r4Tn-b8Vc.J3yL_0", CHROME));

        assertThat(repetitive.bodyText()).contains("class-btn-class-btn-class-btn");
        assertThat(repetitive.body()).hasSameSizeAs(random.body());
    }

    @Test
    void withCompressionOffNoPageIsCompressedAndVaryDoesNotNameAcceptEncoding() {
        ErrorPages pages = BuiltInPage.pages(PageConfig.builder().compressionEnabled(false).build());
        ErrorResponse response = BuiltInPage.BAD_GATEWAY_502.render(pages, request("GET", BROWSER_ACCEPT, "en", "c", CHROME));

        assertThat(response.header("Content-Encoding")).isNull();
        assertThat(response.header("Vary")).isEqualTo("Accept, Accept-Language");
        assertThat(response.bodyText()).startsWith("<!DOCTYPE html>");
    }

    @Test
    void aClientThatRefusesGzipGetsThePageUncompressed() {
        ErrorPages pages = BuiltInPage.pages(PageConfig.ofDefaults());
        ErrorResponse response = BuiltInPage.BAD_GATEWAY_502.render(pages,
                request("GET", BROWSER_ACCEPT, "en", "c", "gzip;q=0, br"));

        assertThat(response.header("Content-Encoding")).isNull();
        assertThat(response.header("Vary")).isEqualTo("Accept, Accept-Language, Accept-Encoding");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).startsWith("<!DOCTYPE html>");
    }

    @Test
    void aReplacementTemplateRenderedInFullOnEveryResponseIsSentUncompressed() throws IOException {
        // A value inside a <script> makes the page's policy per response: it is rendered in full each time.
        String script = "<script>var code = \"{{supportCode}}\";</script>";
        Files.writeString(folder.resolve("502.html.mustache"), "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title>"
                + "<p>" + "Long enough to be worth compressing. ".repeat(60) + "</p>" + script + "</html>",
                StandardCharsets.UTF_8);
        ErrorPages pages = BuiltInPage.pages(PageConfig.builder().templateDirectory(folder).build());

        for (String code : List.of("one", "two")) {
            ErrorResponse response = BuiltInPage.BAD_GATEWAY_502.render(pages,
                    request("GET", BROWSER_ACCEPT, "en", code, CHROME));
            assertThat(response.header("Content-Encoding")).isNull();
            assertThat(response.header("Vary")).isEqualTo("Accept, Accept-Language, Accept-Encoding");
            assertThat(response.bodyText()).contains("var code = \"" + code + "\";");
        }
    }

    @Test
    void aLongReplacementTemplateIsCompressedWithEachResponsesValues() throws IOException {
        Files.writeString(folder.resolve("502.txt.mustache"), "Long enough to be worth compressing.\n".repeat(60)
                + "Support code: {{supportCode}}\n", StandardCharsets.UTF_8);
        ErrorPages pages = BuiltInPage.pages(PageConfig.builder().templateDirectory(folder).build());

        for (String code : List.of("one", "two", "three")) {
            ErrorResponse response = BuiltInPage.BAD_GATEWAY_502.render(pages,
                    request("GET", "text/plain", "en", code, "gzip"));
            assertThat(response.header("Content-Encoding")).isEqualTo("gzip");
            assertThat(response.bodyText()).endsWith("Support code: " + code + "\n");
        }
    }

    private static ErrorRequest request(String method, String accept, String language, String requestId,
            String acceptEncoding) {
        return new ErrorRequest(method, "/orders/42", accept, language, requestId, acceptEncoding);
    }

    private static Map<String, String> withoutContentEncoding(Map<String, String> headers) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.remove("Content-Encoding");
        return copy;
    }
}
