package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class PageConfigTests {

    @Test
    void defaultsAreTheSafeOnes() { // R16, R26, R34
        PageConfig config = PageConfig.ofDefaults();

        assertThat(config.locales()).hasSize(8).extracting(Locale::toLanguageTag)
                .containsExactly("en", "de", "fr", "es", "pt", "ja", "zh-CN", "ar");
        assertThat(config.defaultLocale()).isEqualTo(Locale.ENGLISH);
        assertThat(config.isAutoRetryEnabled()).isFalse();
        assertThat(config.isNoindexEnabled()).isFalse();
        assertThat(config.cacheMaxAge()).isZero();
        assertThat(config.isStrictTemplatesEnabled()).isFalse();
        assertThat(config.fallbackFormat()).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(config.templateDirectory()).isEmpty();
        assertThat(config.templateClasspathFolder()).isEmpty();
    }

    @Test
    void rejectsMicroCachingLongerThanTenSeconds() { // R17
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().cacheMaxAge(Duration.ofSeconds(11)))
                .withMessage("Invalid error-pages configuration: cache.max-age must be whole seconds between 0s and 10s, "
                        + "but was 11s");
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().cacheMaxAge(Duration.ofMillis(-1)))
                .withMessageContaining("cache.max-age");
    }

    @Test
    void rejectsLanguagesWithoutMessages() {
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().locales(List.of(Locale.ITALIAN)))
                .withMessageContaining("locales must name only languages with built-in messages [en, de, fr, es, pt, ja, "
                        + "zh-CN, ar], but was [it]");
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().locales(List.of()))
                .withMessageContaining("locales must name at least one language");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageConfig.builder().locales(List.of(Locale.GERMAN, Locale.forLanguageTag("de"))))
                .withMessageContaining("must not name a language twice");
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().defaultLocale(Locale.KOREAN))
                .withMessageContaining("default-locale").withMessageContaining("but was ko");
    }

    @Test
    void namesRejectedLanguagesByTheirTags() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageConfig.builder().locales(List.of(Locale.forLanguageTag("en-US"), Locale.GERMAN)))
                .withMessageEndingWith("but was [en-US, de]");
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().defaultLocale(new Locale("en_US")))
                .as("a locale without a language tag").withMessageEndingWith("but was en_us");
    }

    @Test
    void requiresTheDefaultLanguageToBeOffered() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageConfig.builder().locales(List.of(Locale.GERMAN, Locale.FRENCH))
                        .defaultLocale(Locale.ENGLISH).build())
                .withMessage("Invalid error-pages configuration: default-locale must be one of locales [de, fr], but was en");

        PageConfig german = PageConfig.builder().locales(List.of(Locale.GERMAN, Locale.forLanguageTag("zh-cn")))
                .defaultLocale(Locale.GERMAN).build();
        assertThat(german.locales()).extracting(Locale::toLanguageTag).containsExactly("de", "zh-CN");
    }

    @Test
    void defaultsToTheFirstLanguageOfferedWhenTheyLeaveOutEnglish() {
        // locales=de,fr alone is a German site: it failed with "default-locale ... but was en", a key never set.
        PageConfig.Builder builder = PageConfig.builder().locales(List.of(Locale.GERMAN, Locale.FRENCH));
        assertThat(builder.build().defaultLocale()).isEqualTo(Locale.GERMAN);
        assertThat(PageConfig.builder().locales(List.of(Locale.GERMAN, Locale.ENGLISH)).build().defaultLocale())
                .as("English stays the default while offered").isEqualTo(Locale.ENGLISH);
        assertThat(builder.locales(PageConfig.SHIPPED_LOCALES).build().defaultLocale())
                .as("build() left the builder's default as it was").isEqualTo(Locale.ENGLISH);
        PageConfig french = PageConfig.builder().defaultLocale(Locale.FRENCH).build();
        assertThatIllegalArgumentException().isThrownBy(() -> french.toBuilder().locales(List.of(Locale.GERMAN)).build())
                .as("a chosen default is kept by toBuilder()").withMessageEndingWith("but was fr");
        PageConfig english = PageConfig.builder().defaultLocale(Locale.ENGLISH).build();
        assertThatIllegalArgumentException().isThrownBy(() -> english.toBuilder().locales(List.of(Locale.GERMAN)).build())
                .as("English chosen, too").withMessageEndingWith("but was en");
        PageConfig taken = PageConfig.builder().locales(List.of(Locale.GERMAN, Locale.FRENCH)).build();
        assertThat(taken.toBuilder().locales(List.of(Locale.FRENCH, Locale.forLanguageTag("es"))).build().defaultLocale())
                .as("a default taken, not chosen, is taken again").isEqualTo(Locale.FRENCH);
        assertThat(taken.toBuilder().locales(List.of(Locale.ENGLISH, Locale.GERMAN)).build().defaultLocale())
                .as("English again, once offered").isEqualTo(Locale.ENGLISH);
    }

    @Test
    void acceptsOnlyPlainClasspathFolders() {
        assertThat(PageConfig.builder().templateClasspathFolder("/error-pages/templates/").build().templateClasspathFolder())
                .contains("error-pages/templates");
        for (String folder : List.of("../secret", "a/../../b", "file:/etc", "http://x/", "a\\b")) {
            assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().templateClasspathFolder(folder))
                    .withMessageContaining("templates.classpath").withMessageContaining(folder);
        }
    }

    @Test
    void anEmptyTemplateDirectoryMeansNoneAsABlankClasspathFolderDoes() {
        PageConfig config = PageConfig.builder().templateDirectory(Path.of("")).templateClasspathFolder("").build();

        assertThat(config.templateDirectory()).as("not the working directory").isEmpty();
        assertThat(config.templateClasspathFolder()).isEmpty();
    }

    @Test
    void rejectsAnAutoRetryCeilingOutsideOneSecondToOneHour() {
        assertThatIllegalArgumentException().isThrownBy(() -> PageConfig.builder().autoRetryMax(Duration.ofHours(2)))
                .withMessageContaining("auto-retry.max").withMessageEndingWith("but was 2h");
    }

    /**
     * Both ends of the range are in it: a ceiling of one second was refused, though the message offers it. A fraction
     * of a second is refused, as {@code Retry-After} is whole seconds.
     */
    @Test
    void takesAnAutoRetryCeilingOfExactlyOneSecondOrOneHour() {
        assertThat(PageConfig.builder().autoRetryMax(Duration.ofSeconds(1)).build().autoRetryMax())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(PageConfig.builder().autoRetryMax(Duration.ofHours(1)).build().autoRetryMax())
                .isEqualTo(Duration.ofHours(1));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageConfig.builder().autoRetryMax(Duration.ofMillis(999)))
                .withMessage("Invalid error-pages configuration: auto-retry.max must be whole seconds between 1s and "
                        + "3600s, but was 999ms");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageConfig.builder().autoRetryMax(Duration.ofMillis(1500)))
                .withMessageEndingWith("but was 1500ms");
    }

    /**
     * {@code Cache-Control: max-age} is whole seconds (R17): a micro-caching time of 1.5 s is refused with its key, not
     * taken and sent as {@code max-age=1}, a time the configuration never named. Ten seconds, the longest, is taken.
     */
    @Test
    void rejectsMicroCachingOfAFractionOfASecond() { // R17
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PageConfig.builder().cacheMaxAge(Duration.ofMillis(1500)))
                .withMessage("Invalid error-pages configuration: cache.max-age must be whole seconds between 0s and "
                        + "10s, but was 1500ms");
        assertThat(PageConfig.builder().cacheMaxAge(Duration.ofSeconds(10)).build().cacheMaxAge())
                .isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void builderCopiesSoLaterChangesDoNotLeak() {
        PageConfig.Builder builder = PageConfig.builder().autoRetryEnabled(true).templateDirectory(Path.of("pages"));
        PageConfig first = builder.build();
        builder.autoRetryEnabled(false);

        assertThat(first.isAutoRetryEnabled()).isTrue();
        assertThat(first.templateDirectory()).contains(Path.of("pages").toAbsolutePath());
        assertThat(first.toBuilder().build().isAutoRetryEnabled()).isTrue();
    }
}
