package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextDirectionTests {

    /**
     * Arabic was the one language read right to left: a Hebrew, Persian or Urdu page, added as the template guide
     * says, got dir="ltr" and no isolation of its support code. A script named in the tag decides over the language.
     */
    @ParameterizedTest
    @CsvSource({"ar, true", "he, true", "fa, true", "ur, true", "yi, true", "ckb, true", "ar-EG, true", "arz, true",
        "ary, true", "azb, true", "pnb, true", "ff-Adlm, true", "ff, false",
        "pa-Arab, true", "az-Arab, true", "ku-Latn, false", "en, false", "de-CH, false", "zh-CN, false",
        "ja, false", "tr, false"})
    void readsRightToLeftTheLanguagesAndScriptsWrittenSo(String tag, boolean rightToLeft) {
        assertThat(TextDirection.isRightToLeft(Locale.forLanguageTag(tag))).isEqualTo(rightToLeft);
    }
}
