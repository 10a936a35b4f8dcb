package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hostile strings from {@code hostile-inputs.txt} go through every request-derived field at once: the path,
 * the query (on the path, as a transport hands it over), {@code Accept}, {@code Accept-Language} and the
 * request id. In every format the response must be exactly the one a harmless request gets, apart from the
 * support code and the problem {@code instance}: nothing of the input is reflected, escaped or not
 * (R33, R36-R39).
 */
class HostileInputTests {

    private static final ErrorPages PAGES = BuiltInPage.pages(PageConfig.builder()
            .branding(Branding.builder().siteName("Acme").statusPageUrl("https://status.acme.example").build())
            .autoRetryEnabled(true).build());
    private static final List<String> FORMATS = List.of(BuiltInPage.BROWSER_ACCEPT, "application/json", "text/plain");

    static List<String> corpus() throws IOException {
        List<String> hostile = new ArrayList<>();
        try (InputStream in = HostileInputTests.class.getResourceAsStream("hostile-inputs.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    hostile.add(unescape(line));
                }
            }
        }
        hostile.add("<script>alert('long')</script>".repeat(400));
        return hostile;
    }

    static Stream<Arguments> hostileInputsInEveryFormat() throws IOException {
        return corpus().stream().flatMap(hostile -> Stream.of(BuiltInPage.values()).flatMap(page -> FORMATS.stream()
                .map(accept -> Arguments.of(page, accept, hostile))));
    }

    @Test
    void theCorpusHasAtLeastFiftyHostileStrings() throws IOException {
        assertThat(corpus()).hasSizeGreaterThanOrEqualTo(50).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("hostileInputsInEveryFormat")
    void nothingOfTheRequestIsReflected(BuiltInPage page, String accept, String hostile) throws Exception {
        ErrorRequest attack = new ErrorRequest("GET", "/orders/" + hostile + "?q=" + hostile, accept + "," + hostile,
                hostile, hostile);
        ErrorResponse attacked = page.render(PAGES, attack);
        ErrorResponse harmless = page.render(PAGES, new ErrorRequest("GET", "/orders/42?q=1", accept,
                attacked.header("Content-Language"), null));

        assertThat(attacked.contentType()).isEqualTo(harmless.contentType());
        assertThat(attacked.supportCode()).as("a hostile request id is not echoed (R39)").matches("[0-9A-Z]{4}-[0-9A-Z]{4}");
        assertThat(normalized(attacked)).isEqualTo(normalized(harmless));
        assertThat(attacked.headers()).isEqualTo(harmless.headers());
        if (harmless.contentType().startsWith("application/problem+json")) {
            assertThat(JsonMapper.shared().readTree(attacked.bodyText()).get("status").asInt()).isEqualTo(page.status);
        }
        String reflected = hostile.strip();
        if (reflected.length() >= 3 && !normalized(harmless).contains(reflected)) {
            assertThat(attacked.bodyText()).doesNotContain(reflected);
        }
    }

    /** The body with the values that differ from response to response (support code, instance) blanked. */
    private static String normalized(ErrorResponse response) {
        return response.bodyText().replace(response.supportCode(), "SUPPORT-CODE")
                .replaceAll("urn:uuid:[0-9a-f-]{36}", "urn:uuid:INSTANCE");
    }

    private static String unescape(String line) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != '\\' || i + 1 == line.length()) {
                out.append(c);
                continue;
            }
            char next = line.charAt(++i);
            switch (next) {
                case 'r' -> out.append('\r');
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'u' -> {
                    out.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(next);
            }
        }
        return out.toString();
    }
}
