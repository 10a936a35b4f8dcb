package io.github.errorpages.examples.snippets;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** docs/templates.md: where replacement templates are read from, and the languages offered. */
public final class TemplateSettings {

    private TemplateSettings() {
    }

    /**
     * @param templates the application's template folder
     * @return error pages that use the templates in that folder where it has them
     */
    public static ErrorPages withTemplates(Path templates) {
        // snippet:template-settings
        ErrorPages errorPages = ErrorPages.builder()
                .pageConfig(PageConfig.builder()
                        .templateDirectory(templates)                  // e.g. /etc/acme/error-pages
                        .templateClasspathFolder("error-pages/templates") // in the jar; strict: must be there
                        .strictTemplatesEnabled(true)                  // a broken template stops the start-up
                        .locales(List.of(Locale.ENGLISH, Locale.GERMAN, Locale.FRENCH))
                        .defaultLocale(Locale.ENGLISH)
                        .fallbackFormat(PageFormat.PROBLEM_JSON)
                        .build())
                .build();
        // end-snippet
        return errorPages;
    }
}
