package io.github.errorpages.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.examples.RepositoryFiles;
import io.github.errorpages.examples.StandardError;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.internal.PageFacts;
import io.github.errorpages.page.internal.PageModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/templates.md against the code: the model's variables, the languages, the contrast message, and which rules for
 * templates the library checks.
 */
class TemplateGuideTests {

    private static final String GUIDE = RepositoryFiles.read("docs/templates.md");
    private static final Pattern VARIABLE = Pattern.compile("`([a-z][A-Za-z]*)`");

    @Test
    void modelTableNamesEveryVariableOfTheModelAndNoOther() {
        Instant now = Instant.parse("2026-11-24T06:52:00Z");
        // Every fact present, so that every optional variable is in the model.
        PageFacts facts = new PageFacts(503, "503", "destination_unavailable", 30, now.minusSeconds(60), null,
                "7KQ2-MF4X", "urn:uuid:00000000-0000-0000-0000-000000000000", now, true);
        Set<String> model = new TreeSet<>(new PageModels(PageConfig.ofDefaults()).model(facts, Locale.ENGLISH).keySet());

        assertThat(documentedVariables()).isEqualTo(model);
    }

    @Test
    void listsExactlyTheValuesThatAPageRenderedAheadFillsIn() {
        String paragraph = GUIDE.substring(GUIDE.indexOf("Pages are **rendered ahead**"));
        String list = paragraph.substring(paragraph.indexOf("only fills in its own\nvalues:"), paragraph.indexOf(". The result"));
        Set<String> documented = new TreeSet<>();
        Matcher variable = VARIABLE.matcher(list);
        while (variable.find()) {
            documented.add(variable.group(1));
        }

        assertThat(documented).isEqualTo(new TreeSet<>(PageModels.PER_RESPONSE_KEYS));
    }

    @Test
    void namesTheShippedLanguages() {
        String languages = section("## Languages");

        assertThat(PageConfig.SHIPPED_LOCALES).hasSize(8);
        assertThat(languages.replaceAll("\\s+", " ")).contains("all eight built-in languages");
        assertThat(RepositoryFiles.read("docs/configuration.md"))
                .contains("`en`, `de`, `fr`, `es`, `pt`, `ja`, `zh-CN`, `ar`");
        assertThat(PageConfig.SHIPPED_LOCALES).extracting(Locale::toLanguageTag)
                .containsExactlyInAnyOrder("en", "de", "fr", "es", "pt", "ja", "zh-CN", "ar");
    }

    @Test
    void contrastMessageIsTheOneTheBuilderThrows() {
        String message = catchThrowable(() -> Branding.builder().primaryColor("#7fb2ff").build()).getMessage();

        assertThat(GUIDE.replaceAll("\\s+", " ")).contains(message);
    }

    /**
     * A designer who reads the rules for templates and turns on templates.strict expects a template that loads its
     * stylesheet from a CDN to be refused: it was used as it is, in strict mode too, and what it loads was left to the
     * browser's Content-Security-Policy, which allows none of it (R41, R42), so the page showed unstyled, as the guide
     * then said. Strict mode now refuses it with the message the guide quotes; lenient, the page is served as written
     * with the line the guide quotes, and the policy still allows none of it.
     */
    @Test
    void whatAPageLoadsAndHoldsFailsAStrictStartWithTheMessagesTheGuideQuotes(@TempDir Path folder) throws IOException {
        String rules = section("## Rules for templates").replaceAll("\\s+", " ");
        Files.writeString(folder.resolve("502.html.mustache"), """
                <!DOCTYPE html><html lang="{{lang}}"><head><title>{{documentTitle}}</title>
                <link rel="icon" href="data:,"><link rel="stylesheet" href="/static/site.css">
                </head><body><main><h1>{{heading}}</h1><p>[{{supportCode}}]</p></main></body></html>
                """);
        String refused = catchThrowable(() -> strict(folder)).getMessage();
        Files.writeString(folder.resolve("502.html.mustache"), """
                <!DOCTYPE html><html lang="{{lang}}"><head><title>{{documentTitle}}</title>
                <link rel="icon" href="data:,"></head><body><main><h1 style="color:red">{{heading}}</h1>
                <p>[{{supportCode}}]</p></main></body></html>
                """);
        ErrorPages[] lenient = new ErrorPages[1];
        String log = StandardError.during(() -> lenient[0] = ErrorPages.builder()
                .pageConfig(PageConfig.builder().templateDirectory(folder).build()).build());

        ErrorResponse response = lenient[0].render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/orders", "text/html", "en", null));

        assertThat(refused).contains("template 502.html.mustache in " + folder.toAbsolutePath());
        assertThat(rules).contains(refused.substring(refused.indexOf("breaks the rules")))
                .contains("The library enforces the escaping, the model's keys, a `<meta http-equiv=\"refresh\">`, "
                        + "what an HTML page loads and holds,");
        assertThat(log).contains(rules.substring(rules.indexOf("`... breaks the rules") + 5, rules.indexOf(
                "; using it as it is`") + "; using it as it is".length()));
        assertThat(response.bodyText()).contains("<h1 style=\"color:red\">", "<p>[" + response.supportCode() + "]</p>");
        assertThat(response.header("Content-Security-Policy")).startsWith("default-src 'none';")
                .doesNotContain("unsafe-inline").contains("img-src data:;");
    }

    /**
     * A misspelt {@code {{supportcode}}} left the support code out of the page and a {@code <meta http-equiv="refresh">}
     * (R52) reloaded it, both unreported with templates.strict on, as the guide then said. Strict mode now refuses
     * both, with the messages the guide quotes, and the guide lists both among the rules the library enforces.
     */
    @Test
    void aMisspeltNameAndARefreshFailAStrictStartWithTheMessagesTheGuideQuotes(@TempDir Path folder) throws IOException {
        String rules = section("## Rules for templates").replaceAll("\\s+", " ");
        Path file = folder.resolve("502.html.mustache");
        Files.writeString(file, """
                <!DOCTYPE html><html lang="{{lang}}"><title>{{documentTitle}}</title><p>{{supportcode}}</p></html>
                """);
        String misspelt = catchThrowable(() -> strict(folder)).getMessage();
        Files.writeString(file, """
                <!DOCTYPE html><html lang="{{lang}}"><head><meta http-equiv="refresh" content="5">
                <title>{{documentTitle}}</title></head><p>{{supportCode}}</p></html>
                """);
        String refresh = catchThrowable(() -> strict(folder)).getMessage();

        assertThat(misspelt).endsWith("uses names the model does not have, which render as nothing "
                + "(templates.strict is on): supportcode (did you mean supportCode?)");
        assertThat(rules).contains(misspelt.substring(misspelt.indexOf("uses names")))
                .contains("The library enforces the escaping, the model's keys, a `<meta http-equiv=\"refresh\">`,");
        assertThat(refresh).contains("502.html.mustache", "templates.strict is on");
        assertThat(rules).contains(refresh.substring(refresh.indexOf("the page has a <meta")));
    }

    private static ErrorPages strict(Path folder) {
        return ErrorPages.builder()
                .pageConfig(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true).build())
                .build();
    }

    /**
     * A plain-text template written as a designer writes it, a section's tags on the lines of its text, lost its line
     * breaks: mustache.java drops them where the mustache specification keeps them, so the retry sentence and the
     * support code ran into one line. The guide shows that output and asks for section tags on lines of their own,
     * which render as written.
     */
    @Test
    void aTextTemplateKeepsItsLineBreaksOnlyWithSectionTagsOnLinesOfTheirOwn(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("5xx.txt.mustache"), """
                {{#hasRetryAfter}}{{retrySentence}}
                {{/hasRetryAfter}}{{supportCodeLabel}}{{labelSeparator}}{{supportCode}}
                """);
        Path ownLines = Files.createDirectory(folder.resolve("own-lines"));
        Files.writeString(ownLines.resolve("5xx.txt.mustache"), """
                {{#hasRetryAfter}}
                {{retrySentence}}
                {{/hasRetryAfter}}
                {{supportCodeLabel}}{{labelSeparator}}{{supportCode}}
                """);

        String joined = text(folder);
        String kept = text(ownLines);

        assertThat(joined).matches("Please try again in 10 seconds\\.Support code: [0-9A-Z]{4}-[0-9A-Z]{4}");
        assertThat(kept).matches("Please try again in 10 seconds\\.\nSupport code: [0-9A-Z]{4}-[0-9A-Z]{4}\n");
        assertThat(section("## Rules for templates").replaceAll("\\s+", " ")).contains(
                "**In text, section tags on lines of their own**",
                "render `Please try again in 10 seconds.Support code: 7KQ2-MF4X`, one line without its final line break");
    }

    /**
     * A designer asked for other words per cause looks for them in the model: two causes of one status get the same
     * model but for errorCode, which a template can only show (mustache compares nothing), so the words are per page.
     * The guide said how to change words per language and format, not that they cannot be changed per cause.
     */
    @Test
    void twoCausesOfOneStatusDifferInTheModelOnlyByTheirErrorCode() {
        Instant now = Instant.parse("2026-11-24T06:52:00Z");
        PageModels models = new PageModels(PageConfig.ofDefaults());
        Map<String, Object> refused = new HashMap<>(models.model(new PageFacts(502, "502",
                "connection_refused", 10, now.minusSeconds(60), null, "7KQ2-MF4X", "urn:uuid:1", now, true), Locale.GERMAN));
        Map<String, Object> dns = new HashMap<>(models.model(new PageFacts(502, "502",
                "dns_error", 10, now.minusSeconds(60), null, "7KQ2-MF4X", "urn:uuid:1", now, true), Locale.GERMAN));

        assertThat(refused.remove("errorCode")).isEqualTo("connection_refused");
        assertThat(dns.remove("errorCode")).isEqualTo("dns_error");
        assertThat(refused).isEqualTo(dns);
        assertThat(section("## Languages").replaceAll("\\s+", " ")).contains(
                "a template gets the cause only as `errorCode`, a string that mustache cannot compare, so a refused "
                        + "connection and a DNS error (both 502) get the same words");
    }

    private static String text(Path folder) {
        ErrorPages pages = ErrorPages.builder()
                .pageConfig(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true).build())
                .build();
        return pages.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/orders", "text/plain", "en", null)).bodyText();
    }

    private static Set<String> documentedVariables() {
        Set<String> variables = new TreeSet<>();
        for (String line : section("## The model").lines().toList()) {
            if (line.startsWith("| `")) {
                Matcher variable = VARIABLE.matcher(line.substring(0, line.indexOf(" | ", 2)));
                while (variable.find()) {
                    variables.add(variable.group(1));
                }
            }
        }
        return variables;
    }

    private static String section(String heading) {
        int start = GUIDE.indexOf(heading);
        assertThat(start).as("heading %s", heading).isNotNegative();
        int end = GUIDE.indexOf("\n## ", start + heading.length());
        return GUIDE.substring(start, end < 0 ? GUIDE.length() : end);
    }
}
