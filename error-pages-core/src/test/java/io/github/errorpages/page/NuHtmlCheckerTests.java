package io.github.errorpages.page;

import static io.github.errorpages.page.BuiltInPage.BROWSER_ACCEPT;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every built-in HTML page, in every language, plain and fully branded, passes the Nu HTML Checker. */
class NuHtmlCheckerTests {

    private static final ErrorPages PLAIN = BuiltInPage.pages(PageConfig.ofDefaults());
    private static final ErrorPages BRANDED = BuiltInPage.pages(PageConfig.builder()
            .branding(Branding.builder().siteName("Acme & Söhne").statusPageUrl("https://status.acme.example/?a=1&b=2")
                    .supportUrl("/help").primaryColor("#8a1c7c").darkPrimaryColor("#f0a6e8")
                    .logo("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 2 1\"><rect width=\"2\" height=\"1\"/></svg>")
                    .build())
            .autoRetryEnabled(true).noindexEnabled(true)
            .build());
    private static NuHtmlChecker checker;

    @BeforeAll
    static void startChecker() throws Exception {
        checker = new NuHtmlChecker();
    }

    static Stream<Arguments> pagesAndLanguages() {
        return Stream.of(BuiltInPage.values()).flatMap(page -> PageConfig.SHIPPED_LOCALES.stream()
                .map(locale -> Arguments.of(page, locale)));
    }

    @ParameterizedTest
    @MethodSource("pagesAndLanguages")
    void builtInPagesHaveNoErrorsOrWarnings(BuiltInPage page, Locale locale) throws Exception {
        for (ErrorPages pages : new ErrorPages[] {PLAIN, BRANDED}) {
            String html = page.render(pages, BROWSER_ACCEPT, locale.toLanguageTag()).bodyText();

            assertThat(checker.check(html)).as("%s in %s", page, locale).isEmpty();
        }
    }

    @Test
    void theCheckerFindsErrorsWhereThereAreSome() throws Exception {
        assertThat(checker.check("<!DOCTYPE html><html lang=\"en\"><head><title>x</title></head><body><p><div></p>"
                + "</body></html>")).isNotEmpty();
        assertThat(checker.check("<!DOCTYPE html><html lang=\"en\"><head><title>x</title><style>p{colour:red}</style>"
                + "</head><body><p>x</p></body></html>")).as("CSS in <style> is checked too").isNotEmpty();
    }
}
