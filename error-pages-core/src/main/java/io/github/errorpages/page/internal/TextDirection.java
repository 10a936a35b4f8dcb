package io.github.errorpages.page.internal;

import java.util.Locale;
import java.util.Set;

/**
 * Which languages are written right to left, for a page's {@code dir} and the isolation of left-to-right values in its
 * text: a locale's script when it names one ({@code pa-Arab} is, {@code ku-Latn} is not), else its language's usual
 * script (CLDR's likely subtags). Thread-safe (static methods only).
 */
final class TextDirection {

    /** ISO 15924 codes of the right-to-left scripts in use (Unicode's bidirectional class R or AL). */
    private static final Set<String> RIGHT_TO_LEFT_SCRIPTS = Set.of("Adlm", "Arab", "Hebr", "Mand", "Nkoo", "Rohg",
            "Samr", "Syrc", "Thaa");

    /**
     * Languages whose usual script is one of those ({@code iw} and {@code ji}, the codes Java once gave Hebrew and
     * Yiddish, too).
     */
    private static final Set<String> RIGHT_TO_LEFT_LANGUAGES = Set.of("ar", "arc", "ckb", "dv", "fa", "he", "iw",
            "ji", "ks", "lrc", "mzn", "nqo", "ps", "sd", "syr", "ug", "ur", "yi");

    private TextDirection() {
    }

    /**
     * @param locale a page's locale
     * @return whether its text runs right to left
     */
    static boolean isRightToLeft(Locale locale) {
        String script = locale.getScript();
        return script.isEmpty() ? RIGHT_TO_LEFT_LANGUAGES.contains(locale.getLanguage())
                : RIGHT_TO_LEFT_SCRIPTS.contains(script);
    }
}
