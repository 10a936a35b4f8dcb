package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PageParametersTests {

    @Test
    void readsBrandingAndPageKeys() {
        PageConfig config = PageParameters.config(Map.ofEntries(
                Map.entry("branding.site-name", "Acme Shop"),
                Map.entry("branding.home-url", "/shop"),
                Map.entry("branding.support-email", "help@acme.example"),
                Map.entry("branding.primary-color", "#0b5394"),
                Map.entry("locales", "en, de"),
                Map.entry("default-locale", "de"),
                Map.entry("auto-retry.enabled", "true"),
                Map.entry("auto-retry.max", "2m"),
                Map.entry("seo.noindex", "false"),
                Map.entry("cache.max-age", "5s"),
                Map.entry("negotiation.fallback", "text"),
                Map.entry("templates.classpath", "acme/error-templates"),
                Map.entry("retry-after.max", "60s"))); // not a page key: ignored here

        assertThat(config.branding().siteName()).isEqualTo("Acme Shop");
        assertThat(config.branding().homeUrl()).isEqualTo("/shop");
        assertThat(config.branding().supportEmail()).hasValue("help@acme.example");
        assertThat(config.branding().primaryColor()).isEqualTo("#0b5394");
        assertThat(config.locales()).containsExactly(Locale.ENGLISH, Locale.GERMAN);
        assertThat(config.defaultLocale()).isEqualTo(Locale.GERMAN);
        assertThat(config.isAutoRetryEnabled()).isTrue();
        assertThat(config.autoRetryMax()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.cacheMaxAge()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.fallbackFormat()).isEqualTo(PageFormat.TEXT);
        assertThat(config.templateClasspathFolder()).hasValue("acme/error-templates");
    }

    @Test
    void readsEveryFormatName() {
        for (var entry : Map.of("html", PageFormat.HTML, "problem-json", PageFormat.PROBLEM_JSON,
                "json", PageFormat.PROBLEM_JSON, "TEXT", PageFormat.TEXT, "txt", PageFormat.TEXT).entrySet()) {
            assertThat(PageParameters.config(Map.of("negotiation.fallback", entry.getKey())).fallbackFormat())
                    .isEqualTo(entry.getValue());
        }
    }

    @Test
    void rejectsInvalidValuesNamingKeyAndValue() {
        assertThatThrownBy(() -> PageParameters.config(Map.of("negotiation.fallback", "xml")))
                .hasMessageContaining("negotiation.fallback").hasMessageContaining("but was xml");
        assertThatThrownBy(() -> PageParameters.config(Map.of("seo.noindex", "sometimes")))
                .hasMessageContaining("seo.noindex").hasMessageContaining("but was sometimes");
        assertThatThrownBy(() -> PageParameters.config(Map.of("branding.primary-color", "#fefefe")))
                .as("R50: too little contrast on white").hasMessageContaining("branding.primary-color");
    }

    /**
     * A branding link whose port is too long for an int ({@code :99999999999}), given as an init-parameter of the
     * filter or the proxy, fails startup with the message of any port out of range, naming the key and the value, as
     * {@code :99999} does: java.net.URI read no host in it, and it was refused as no absolute URL at all.
     */
    @Test
    void refusesABrandingLinkWithAPortTooLongForAnIntAsAPortOutOfRange() {
        for (String url : List.of("https://example.com:99999/logo.png", "https://example.com:99999999999/logo.png")) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> PageParameters.config(Map.of("branding.status-page-url", " " + url + " ")))
                    .withMessage("Invalid error-pages configuration: branding.status-page-url must have a port from 1 "
                            + "to 65535, if any, but was " + url);
        }
    }

    @Test
    void rejectsLanguagesThatAreNoLanguageTagsNamingTheValueAsWritten() { // R35: only languages we can negotiate
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("default-locale", "en_US")))
                .withMessage("Invalid error-pages configuration: default-locale must be a language tag (BCP 47) such as "
                        + "en or zh-CN, but was en_US");
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("locales", "en_US, de")))
                .withMessage("Invalid error-pages configuration: locales must be language tags (BCP 47) separated by "
                        + "commas, such as en,de,zh-CN, but was en_US, de");
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("locales", "de-@@")))
                .withMessageContaining("locales must be language tags").withMessageEndingWith("but was de-@@");
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("locales", "en-US,de")))
                .as("a well-formed tag without built-in messages, as written")
                .withMessageEndingWith("but was en-US,de");
        for (String withAnEmptyElement : List.of("de,", ",", "en, ,de")) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> PageParameters.config(Map.of("locales", withAnEmptyElement)))
                    .withMessageContaining("locales must be language tags")
                    .withMessageEndingWith("but was " + withAnEmptyElement);
        }
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("locales", " ")))
                .withMessageEndingWith("but was an empty value");
        assertThat(PageParameters.config(Map.of("locales", "DE, zh-cn", "default-locale", "ZH-CN")).locales())
                .containsExactly(Locale.GERMAN, Locale.forLanguageTag("zh-CN"));
    }

    @Test
    void aBlankTemplateFolderMeansNoneNotTheWorkingDirectory() {
        PageConfig config = PageParameters.config(Map.of("templates.directory", "  ", "templates.classpath", " "));

        assertThat(config.templateDirectory()).isEmpty();
        assertThat(config.templateClasspathFolder()).isEmpty();
        assertThat(PageParameters.config(Map.of("templates.directory", "/etc/acme/pages")).templateDirectory())
                .contains(Path.of("/etc/acme/pages").toAbsolutePath());
    }

    /**
     * A folder that is no file-system path (a NUL, which no file system allows; on Windows {@code <}, {@code |},
     * {@code *} and others too) fails startup naming the key and the value, not with the JDK's
     * {@code InvalidPathException}, which names neither. The NUL is shown escaped, as every control character.
     */
    @Test
    void rejectsATemplateDirectoryThatIsNoPathNamingKeyAndValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageParameters.config(Map.of("templates.directory", "/etc/acme\0/pages")))
                .withMessage("Invalid error-pages configuration: templates.directory must be a file-system path, "
                        + "but was /etc/acme\\u0000/pages");
    }

    @Test
    void knowsItsKeys() {
        assertThat(List.of("branding.site-name", "branding.dark.primary-color", "templates.strict", "locales"))
                .allMatch(PageParameters::isKey);
        assertThat(PageParameters.isKey("branding.font")).isFalse();
    }

    /** A builder's refusal names the value as written: "11s", not "PT11S"; "en,en", not "[en, en]". */
    @Test
    void refusalsNameTheValueAsWritten() {
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("cache.max-age", "11s")))
                .withMessageStartingWith("Invalid error-pages configuration: cache.max-age ")
                .withMessageEndingWith(", but was 11s");
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("locales", "en, EN")))
                .withMessageEndingWith("must not name a language twice, but was en, EN");
        String odd = "a/../b, but was c";
        assertThatIllegalArgumentException().isThrownBy(() -> PageParameters.config(Map.of("templates.classpath", odd)))
                .withMessageStartingWith("Invalid error-pages configuration: templates.classpath ")
                .withMessageEndingWith("such as error-pages/templates, but was " + odd);
    }

    /**
     * {@code compression.enabled} and {@code seo.noindex} each set their own switch alone, against the defaults
     * (compression on, no noindex): read into the other, {@code compression.enabled=false} would leave the pages
     * compressed, and {@code compression.enabled=true} would put {@code noindex} on every 5xx page (R26).
     */
    @ParameterizedTest
    @CsvSource({"compression.enabled, false, false, false", "compression.enabled, true, true, false",
        "seo.noindex, true, true, true", "seo.noindex, false, true, false"})
    void compressionAndNoindexAreEachTheirOwnSwitch(String key, String value, boolean compression, boolean noindex) {
        PageConfig config = PageParameters.config(Map.of(key, value));

        assertThat(config.isCompressionEnabled()).as("compression").isEqualTo(compression);
        assertThat(config.isNoindexEnabled()).as("noindex").isEqualTo(noindex);
    }
}
