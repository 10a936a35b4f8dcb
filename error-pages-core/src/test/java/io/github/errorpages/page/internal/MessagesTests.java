package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.ibm.icu.text.PluralRules;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.page.PageConfig;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessagesTests {

    static Stream<Locale> shippedLocales() {
        return PageConfig.SHIPPED_LOCALES.stream();
    }

    @ParameterizedTest
    @MethodSource("shippedLocales")
    void everyLanguageTranslatesEveryMessage(Locale locale) {
        Map<String, String> english = Messages.load(Locale.ENGLISH).all();
        Messages messages = Messages.load(locale);

        assertThat(messages.all().keySet()).isEqualTo(english.keySet());
        if (!locale.getLanguage().equals("en")) {
            assertThat(english).allSatisfy((key, value) -> {
                if (!key.equals("autoRetryUnit") && !key.equals("pageLabel") && !key.equals("errorLabel")
                        && !key.equals("labelSeparator")) {
                    assertThat(messages.get(key)).as("%s in %s", key, locale).isNotEqualTo(value);
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("shippedLocales")
    void messagesFormatWithLatinDigitsAndNoStrayQuotes(Locale locale) {
        Messages messages = Messages.load(locale);

        assertThat(messages.all().values()).allSatisfy(value -> assertThat(value).doesNotContain("'").isNotBlank());
        assertThat(messages.format("retryIn", PageModels.duration(messages, 30))).contains("30");
        assertThat(PageModels.duration(messages, 1)).doesNotContain("{");
        assertThat(PageModels.duration(messages, 119)).contains("119");
        assertThat(PageModels.duration(messages, 150)).contains("3");
        assertThat(PageModels.duration(messages, 3601)).contains("61");
        assertThat(PageModels.duration(messages, 7201)).contains("3");
        assertThat(messages.format("errorLabel", "503")).contains("503");
    }

    @ParameterizedTest
    @MethodSource("shippedLocales")
    void pluralsAgreeWithTheNumber(Locale locale) {
        Messages messages = Messages.load(locale);
        String one = PageModels.duration(messages, 1);
        String many = PageModels.duration(messages, 30);

        switch (locale.getLanguage()) {
            case "en" -> assertThat(one + "|" + many).isEqualTo("1 second|30 seconds");
            case "de" -> assertThat(one + "|" + many).isEqualTo("1 Sekunde|30 Sekunden");
            case "fr" -> assertThat(one + "|" + many).isEqualTo("1 seconde|30 secondes");
            case "ar" -> assertThat(one + "|" + PageModels.duration(messages, 2) + "|" + PageModels.duration(messages, 5)
                    + "|" + many).isEqualTo("ثانية واحدة|ثانيتين|5 ثوانٍ|30 ثانية");
            case "ja" -> assertThat(many).isEqualTo("30秒");
            default -> assertThat(many).startsWith("30");
        }
    }

    /**
     * Every delay a page can state takes the word form of its number's CLDR plural category, the same form for
     * every number of a category: seconds 1-119, minutes 2-120 and hours 2 up to {@code retry-after.max}'s
     * largest value, one day. Arabic has six categories, and 103-110 are "few" (n % 100 in 3..10), as 3-10 are.
     */
    @ParameterizedTest
    @MethodSource("shippedLocales")
    void everyDelayTakesThePluralFormOfItsNumbersCategory(Locale locale) {
        Messages messages = Messages.load(locale);
        PluralRules rules = PluralRules.forLocale(locale);
        long maxHours = ErrorPagesConfig.MAX_RETRY_AFTER_MAX.toHours();
        Map<String, Map<String, Long>> formByCategory = new HashMap<>();
        for (long seconds = 1; seconds <= maxHours * 3600; seconds = seconds < 7200 ? seconds + 1 : seconds + 3600) {
            String words = PageModels.duration(messages, seconds);
            long stated = seconds < 120 ? seconds : seconds < 7200 ? (seconds + 59) / 60 : (seconds + 3599) / 3600;
            String unit = seconds < 120 ? "s" : seconds < 7200 ? "m" : "h";
            String form = unit + ":" + words.replace(Long.toString(stated), "#");
            String category = unit + ":" + rules.select(stated);
            formByCategory.computeIfAbsent(category, c -> new HashMap<>()).putIfAbsent(form, stated);
            assertThat(formByCategory.get(category)).as("the forms of %s in %s (the first number of each)", category,
                    locale).hasSize(1);
        }
    }
}
