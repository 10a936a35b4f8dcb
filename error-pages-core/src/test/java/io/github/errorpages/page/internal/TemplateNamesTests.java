package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.mustachejava.Mustache;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The names a template uses that the model does not have, which render as nothing: strict mode refuses an application
 * template with one, a lenient start names them. The built-in templates must use the model's names only: one renamed
 * on one side and not the other left a blank where the built-in page showed a value, and no other test would say.
 */
class TemplateNamesTests {

    private static final Instant NOW = Instant.parse("2026-11-24T06:52:00Z");

    /** Every built-in template, in its format, with the layout and partials it includes, uses the model's names only. */
    @Test
    void everyBuiltInTemplateUsesOnlyNamesTheModelHas() {
        Set<String> known = model("503").keySet();
        TemplateSource builtin = TemplateSource.classpath(PageTemplates.class.getClassLoader(),
                PageTemplates.BUILTIN_FOLDER);
        int checked = 0;
        for (PageFormat format : PageFormat.values()) {
            TemplateFactory factory = new TemplateFactory(format, List.of(builtin));
            for (String page : List.of("500", "502", "503", "504", "5xx", "maintenance", "layout")) {
                String file = page + "." + format.extension() + ".mustache";
                if (builtin.contains(file)) {
                    assertThat(TemplateNames.unknown(factory.compile(file), known)).as(file).isEmpty();
                    checked++;
                }
            }
        }
        assertThat(checked).as("the built-in templates (9 in src/main/resources)").isEqualTo(9);
        assertThat(model("maintenance").keySet()).isEqualTo(known);
    }

    @Test
    void namesEachUnknownNameOnceInTheTemplatesOrderWithTheClosestKnownOne() {
        Mustache template = new TemplateFactory(PageFormat.TEXT, List.of()).compile(new java.io.StringReader(
                "{{supportcode}}{{#hasretryafter}}{{supportcode}}{{retrySentence}}{{/hasretryafter}}{{^Maintenance}}"
                        + "{{/Maintenance}}{{titel.length}}{{title.length}}{{acmeHotline}}{{#title}}{{.}}{{/title}}"),
                "test.txt.mustache");

        assertThat(TemplateNames.unknown(template, model("502").keySet())).containsExactly(
                "supportcode (did you mean supportCode?)", "hasretryafter (did you mean hasRetryAfter?)",
                "Maintenance (did you mean maintenance?)", "titel (did you mean title?)", "acmeHotline");
    }

    @Test
    void suggestsACaseInsensitiveMatchFirstThenTheFewestEditsWithinTwo() {
        Set<String> known = Set.of("supportCode", "supportHref", "title", "lead", "heading");

        assertThat(TemplateNames.closest("SUPPORTCODE", known)).isEqualTo("supportCode");
        assertThat(TemplateNames.closest("suportCod", known)).isEqualTo("supportCode");
        assertThat(TemplateNames.closest("leda", known)).isEqualTo("lead");
        assertThat(TemplateNames.closest("headline", known)).isEqualTo("heading");
        assertThat(TemplateNames.closest("footer", known)).isNull();
        assertThat(TemplateNames.closest("xyz", known)).isNull();
    }

    private static java.util.Map<String, Object> model(String page) {
        PageFacts facts = new PageFacts(page.equals("maintenance") ? 503 : Integer.parseInt(page), page, "sample", 30,
                NOW.minusSeconds(3600), NOW.plusSeconds(1800), "SAMPLE-0000",
                "urn:uuid:00000000-0000-0000-0000-000000000000", NOW, true);
        return new PageModels(PageConfig.ofDefaults()).model(facts, Locale.ENGLISH);
    }
}
