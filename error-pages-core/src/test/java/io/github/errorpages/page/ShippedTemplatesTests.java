package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Rules for the template files that ship in the jar, read as text. */
class ShippedTemplatesTests {

    @Test
    void shippedTemplatesNeverWriteAValueUnescaped() throws Exception { // R38, style.md §8.2
        assertThat(shipped()).isNotEmpty().allSatisfy(template -> assertThat(Files.readString(template))
                .as(template.getFileName().toString()).doesNotContain("{{{", "{{&", "{{=", "{{%"));
    }

    @Test
    void everyPageAndFormatHasABuiltInTemplate() throws Exception {
        assertThat(shipped()).extracting(path -> path.getFileName().toString()).containsExactlyInAnyOrder(
                "layout.html.mustache", "500.html.mustache", "502.html.mustache", "503.html.mustache",
                "504.html.mustache", "5xx.html.mustache", "maintenance.html.mustache", "5xx.json.mustache",
                "5xx.txt.mustache");
    }

    @Test
    void htmlTemplatesUseNoMarkupTheContentSecurityPolicyWouldBlock() throws Exception { // R41, R42
        for (Path template : shipped()) {
            String text = Files.readString(template, StandardCharsets.UTF_8);
            assertThat(text).as(template.getFileName().toString())
                    .doesNotContainPattern("\\sstyle=")
                    .doesNotContainPattern("\\son[a-z]+=")
                    .doesNotContainPattern("(src|href)=\"(https?:)?//")
                    .doesNotContainIgnoringCase("http-equiv")
                    .doesNotContain("innerHTML", "eval(", "document.write");
        }
    }

    private static List<Path> shipped() throws IOException, URISyntaxException {
        Path folder = Path.of(ShippedTemplatesTests.class.getClassLoader()
                .getResource("io/github/errorpages/templates/").toURI());
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(path -> path.toString().endsWith(".mustache")).toList();
        }
    }
}
