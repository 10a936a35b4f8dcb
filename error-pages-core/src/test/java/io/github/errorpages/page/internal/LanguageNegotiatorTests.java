package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.page.PageConfig;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LanguageNegotiatorTests {

    private final LanguageNegotiator negotiator = new LanguageNegotiator(PageConfig.SHIPPED_LOCALES, Locale.ENGLISH);

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "ABSENT", textBlock = """
            ABSENT                              | en
            ''                                  | en
            de                                  | de
            de-AT,de;q=0.9,en;q=0.8             | de
            fr-CA                               | fr
            pt-BR,pt;q=0.9                      | pt
            es-419                              | es
            ja-JP                               | ja
            zh-CN,zh;q=0.9                      | zh-CN
            zh                                  | zh-CN
            zh-Hans-CN                          | zh-CN
            ZH-cn                               | zh-CN
            zh-TW,zh;q=0.9,en;q=0.8             | zh-CN
            zh-TW,en;q=0.8                      | en
            zh-Hant, ja;q=0.5                   | ja
            zh-Hans-HK                          | zh-CN
            zh-Hans-TW, en;q=0.1                | zh-CN
            zh-Hans                             | zh-CN
            zh-Hant-CN, ja;q=0.5                | ja
            zh-Hant-HK, ja;q=0.5                | ja
            zh-Hansx, ja;q=0.5                  | ja
            ar-EG                               | ar
            nl-NL,nl;q=0.9                      | en
            nl, de;q=0.3                        | de
            en;q=0.2, ar;q=0.8                  | ar
            fr;q=0.5, es;q=0.5                  | fr
            *                                   | en
            *, de;q=0.5                         | en
            de;q=0, *                           | en
            en;q=0, *                           | de
            en;q=0                              | en
            fr-CA;q=0, fr;q=0.9, en;q=0.8       | fr
            de-AT;q=0, de                       | de
            pt-PT;q=0, pt-BR                    | pt
            zh-SG;q=0, zh-CN                    | zh-CN
            fr;q=0, fr-CA, en;q=0.5             | en
            zh-Hans;q=0, zh, ja;q=0.5           | ja
            zh-CN;q=0, zh, ja;q=0.5             | ja
            '"><script>alert(1)</script>'       | en
            de;q=abc, fr                        | fr
            'de;q = 0.9, fr;q=0.5'              | fr
            'de;q=, fr;q=0.5'                   | fr
            """)
    void choosesByQValueAndPrimaryLanguage(String acceptLanguage, String expected) { // R35, R48
        // zh rows: any zh-Hans[-region] reads Simplified Chinese (RFC 4647 §3.4 lookup shortens zh-Hans-HK to
        // zh-Hans); zh-Hant[-region] does not.
        // A malformed weight (RFC 9110 §12.4.2: no space around "=", a value) skips its range, not q=1.
        // q=0 rows: a q=0 range excludes only the tags it matches by basic filtering (RFC 4647 §3.3.1,
        // RFC 9110 §12.5.4): fr-CA;q=0 leaves fr, fr;q=0 excludes fr-CA's fallback too; zh-CN is zh-Hans-CN.
        assertThat(negotiator.negotiate(acceptLanguage).toLanguageTag()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            *;q=0.8, en;q=0.1                             | de
            en;q=0.1, *;q=0.8                             | de
            *, en;q=0.1                                   | de
            *, en-GB;q=0.1                                | de
            *;q=0.5, en;q=0, de;q=0.1                     | fr
            *;q=0.8, en;q=0.1, de;q=0.2, fr;q=0.3         | es
            *;q=0.9, en;q=0.1, de;q=0.1, fr;q=0.1, es;q=0.1, pt;q=0.1, ja;q=0.1, zh;q=0.1, ar;q=0.2 | ar
            *;q=0.5, fr;q=0.5, en;q=0.1                   | de
            fr;q=0.5, *;q=0.5, en;q=0.1                   | fr
            *;q=0.8, en;q=0.9                             | en
            *;q=0.8, de;q=0.9                             | de
            *;q=0.1, en;q=0.5                             | en
            *, en                                         | en
            *, de                                         | en
            de, *                                         | de
            *;q=0.8, zh-TW;q=0.1                          | en
            *;q=0.8, fr-CA;q=0                            | en
            """)
    void theWildcardStandsOnlyForLanguagesNoOtherRangeMatches(String acceptLanguage, String expected) { // R35
        // RFC 9110 §12.5.4: "*" matches every tag not matched by any other range present, so a language a range
        // matches (by tag or primary language, en-GB for en) has that range's q-value, even below the wildcard's:
        // the wildcard then takes the default language if no range ranks it lower, else the first offered one no
        // range ranks lower or excludes; nothing, if there is none. Ties keep the client's order, and a language
        // ranked as high as the wildcard is as acceptable as the ones it stands for. zh-TW matches no offered
        // language and fr-CA;q=0 excludes none, so neither takes English from the wildcard.
        assertThat(negotiator.negotiate(acceptLanguage).toLanguageTag()).isEqualTo(expected);
    }

    @Test
    void offersOnlyTheConfiguredLanguages() {
        LanguageNegotiator germanOnly = new LanguageNegotiator(List.of(Locale.GERMAN, Locale.FRENCH), Locale.GERMAN);

        assertThat(germanOnly.negotiate("ja, en;q=0.9")).isEqualTo(Locale.GERMAN);
        assertThat(germanOnly.negotiate("fr-BE")).isEqualTo(Locale.FRENCH);
    }

    /**
     * A range of 2,000 subtags (4 KB, within a container's 8 KB head) overflowed the stack of Java's regex engine,
     * and the page was never rendered. Cut to the subtags that fit in 64 characters, as RFC 4647 lookup shortens a
     * range; the possessive pattern matches even a range that long without recursing (the cut alone would hide
     * that).
     */
    @Test
    void readsAHugeRangeWithoutOverflowingTheStack() {
        String huge = "de" + "-a".repeat(2_000);

        assertThat(negotiator.negotiate(huge + ", fr;q=0.5").toLanguageTag()).isEqualTo("de");
        assertThat(LanguageNegotiator.RANGE.matcher("de" + "-a".repeat(200_000)).matches()).isTrue();
    }

    /** A malformed range (a subtag of 70 characters) is skipped at any length, not cut to the language before it. */
    @Test
    void skipsAMalformedRangeWhateverItsLength() {
        String malformed = "de-" + "x".repeat(70);

        assertThat(negotiator.negotiate(malformed + ", fr;q=0.5").toLanguageTag()).isEqualTo("fr");
        assertThat(negotiator.negotiate(malformed + ";q=0, de;q=0.9, fr;q=0.5").toLanguageTag()).isEqualTo("de");
    }

    /** A long but real tag, Unicode extensions and all, is German, not skipped for its length. */
    @Test
    void readsALongTagAsItsLanguage() {
        String tag = "de-DE-u-ca-gregory-co-phonebk-fw-mon-hc-h23-nu-latn-tz-deber-ms-metric";

        assertThat(tag).hasSizeGreaterThan(LanguageNegotiator.MAX_RANGE_LENGTH);
        assertThat(negotiator.negotiate(tag + ", en;q=0.5").toLanguageTag()).isEqualTo("de");
    }

    @Test
    void readsABoundedNumberOfRanges() {
        assertThat(negotiator.negotiate("nl,".repeat(LanguageNegotiator.MAX_RANGES) + "de").toLanguageTag()).isEqualTo("en");
    }
}
