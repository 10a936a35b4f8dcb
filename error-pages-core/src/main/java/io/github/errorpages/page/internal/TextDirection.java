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
    private static final Set<String> RIGHT_TO_LEFT_SCRIPTS = Set.of("Adlm", "Arab", "Armi", "Hebr", "Mand", "Nkoo",
            "Rohg", "Samr", "Syrc", "Thaa");

    /**
     * Languages whose usual script is one of those, as CLDR's likely subtags have it: Arabic and its spoken varieties
     * (Egyptian, Moroccan, Algerian, Levantine, Gulf, …), the Iranian, Kurdish, Pakistani and other languages written
     * in Arabic script, Hebrew and Yiddish ({@code iw} and {@code ji}, the codes Java once gave them, too), Dhivehi,
     * Syriac and Aramaic, N'Ko. A language written in several scripts (Fulah: {@code ff-Adlm}) is right to left by
     * the script its tag names.
     */
    private static final Set<String> RIGHT_TO_LEFT_LANGUAGES = Set.of(
            "ar", "abv", "acm", "acq", "acw", "acx", "acy", "adf", "aeb", "aec", "afb", "ajp", "apc", "apd", "arb",
            "arq", "ars", "ary", "arz", "auz", "avl", "ayh", "ayl", "ayn", "ayp", "shu", "ssh",
            "azb", "bal", "bft", "bgn", "bqi", "brh", "ckb", "fa", "glk", "haz", "hnd", "khw", "ks", "lki", "lrc",
            "luz", "mzn", "pes", "pnb", "prd", "prs", "ps", "sd", "sdh", "skr", "ug", "ur", "wbl",
            "he", "iw", "yi", "ji", "yid", "dv", "syr", "aii", "cld", "arc", "nqo", "sam");

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
