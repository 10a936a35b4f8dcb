package io.github.errorpages.page.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the language of an error response from the request's {@code Accept-Language} field (RFC 9110
 * §12.5.4, standards R35), among the languages offered.
 *
 * <p>Language ranges are tried in order of q-value (ties keep the client's order). A range matches an
 * offered language with the same tag, or with the same primary language ({@code de-AT} gets German,
 * {@code pt-BR} Portuguese). Chinese is the exception: only {@code zh}, {@code zh-CN}, {@code zh-SG},
 * {@code zh-MY} and {@code zh-Hans} with any region ({@code zh-Hans-HK}: RFC 4647 §3.4 lookup shortens it to
 * {@code zh-Hans}) get Simplified Chinese; {@code zh-TW}, {@code zh-HK} or {@code zh-Hant} readers are
 * better served by their next range than by a script they may not read. {@code *} stands for the offered
 * languages that no other range matches (RFC 9110 §12.5.4): an offered language has the q-value of the
 * highest range that matches it, and the wildcard's only when no other range does, so
 * {@code *;q=0.8, en;q=0.1} ranks English 0.1 and gets another language. When {@code *} is tried, it takes the
 * default language unless another range ranks that lower or excludes it, else the first such language in the
 * offered order. When nothing matches, the default language is used: never a 406. That holds even when the client
 * refuses it ({@code en;q=0} alone, {@code *;q=0}): a language no range accepts is no more acceptable than a
 * refused one, and RFC 9110 §12.5.4 lets a server disregard the field; {@code Content-Language} says which it is.
 *
 * <p>A range with {@code q=0} excludes only the offered languages it matches by basic filtering (RFC 4647
 * §3.3.1): tags equal to it or beginning with it and {@code -}. So {@code fr;q=0} excludes all French, but
 * {@code fr-CA;q=0} excludes no {@code fr}: the primary-language fallback is for wanting a language, not
 * for refusing one. {@code zh-CN} is compared as {@code zh-Hans-CN} too, so {@code zh-Hans;q=0} excludes it.
 *
 * <p>Parsing is tolerant and bounded: malformed ranges are skipped and at most {@value #MAX_RANGES} are
 * read. Instances are thread-safe; they remember what they made of the values they saw ({@link HeaderMemo}).
 */
public final class LanguageNegotiator {

    static final int MAX_RANGES = 64;
    /**
     * The longest range read: no offered tag is near it. A longer one is cut to its subtags that fit (RFC 4647 §3.4
     * lookup shortens a range so too); and the subtag group is possessive, as Java's regex engine recurses once per
     * repetition of a group that can backtrack (a 4 KB range overflowed the stack).
     */
    static final int MAX_RANGE_LENGTH = 64;
    static final Pattern RANGE = Pattern.compile("\\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*+");
    /** Chinese ranges without a script that mean Simplified Chinese; any {@code zh-hans[-…]} does too. */
    private static final Set<String> SIMPLIFIED_CHINESE = Set.of("zh", "zh-cn", "zh-sg", "zh-my");

    private final List<Locale> offered;
    /** Per offered language, the lower-case tags a {@code q=0} range is compared with: its own, and with script. */
    private final String[][] exclusionTags;
    private final Locale defaultLocale;
    private final HeaderMemo<Locale> known = new HeaderMemo<>(this::parse);

    /**
     * @param offered the languages offered
     * @param defaultLocale the language when nothing matches; one of {@code offered}
     */
    public LanguageNegotiator(List<Locale> offered, Locale defaultLocale) {
        this.offered = List.copyOf(offered);
        this.defaultLocale = defaultLocale;
        this.exclusionTags = new String[this.offered.size()][];
        for (int i = 0; i < exclusionTags.length; i++) {
            String tag = this.offered.get(i).toLanguageTag().toLowerCase(Locale.ROOT);
            exclusionTags[i] = SIMPLIFIED_CHINESE.contains(tag)
                    ? new String[] {tag, "zh-hans" + tag.substring(2)} : new String[] {tag};
        }
    }

    /**
     * @param acceptLanguage the {@code Accept-Language} field value, or {@code null} when absent
     * @return one of the offered languages
     */
    public Locale negotiate(@Nullable String acceptLanguage) {
        if (acceptLanguage == null || acceptLanguage.isBlank()) {
            return defaultLocale;
        }
        return known.get(acceptLanguage);
    }

    /** A well-formed range over {@link #MAX_RANGE_LENGTH} cut at its last {@code -} within it. */
    private static QualityValue truncated(QualityValue range) {
        String value = range.value();
        if (value.length() <= MAX_RANGE_LENGTH) {
            return range;
        }
        // Well-formed, it has a '-' within its first nine characters.
        return new QualityValue(value.substring(0, value.lastIndexOf('-', MAX_RANGE_LENGTH)), range.q());
    }

    private Locale parse(String acceptLanguage) {
        List<QualityValue> ranges = new ArrayList<>();
        Set<Locale> excluded = new HashSet<>();
        for (QualityValue read : QualityValue.elements(acceptLanguage, MAX_RANGES)) {
            if (!RANGE.matcher(read.value()).matches()) {
                continue; // malformed, whatever its length: cut, its bad subtag could go and leave a language
            }
            QualityValue range = truncated(read);
            if (range.q() == 0) {
                exclude(range.value(), excluded);
            } else {
                ranges.add(range);
            }
        }
        ranges.sort(Comparator.comparingDouble(QualityValue::q).reversed()); // stable: ties keep client order
        for (QualityValue range : ranges) {
            Locale match = range.value().equals("*")
                    ? matchOfWildcard(range.q(), ranges, excluded) : match(range.value());
            if (match != null && !excluded.contains(match)) {
                return match;
            }
        }
        return defaultLocale;
    }

    /** Adds the offered languages that a {@code q=0} range matches by basic filtering (RFC 4647 §3.3.1). */
    private void exclude(String range, Set<Locale> excluded) {
        for (int i = 0; i < exclusionTags.length; i++) {
            for (String tag : exclusionTags[i]) {
                if (tag.startsWith(range) && (tag.length() == range.length() || tag.charAt(range.length()) == '-')) {
                    excluded.add(offered.get(i));
                }
            }
        }
    }

    /**
     * What {@code *} takes: an offered language that no range ranks below the wildcard and none excludes, the
     * default language first. A language another range matches has that range's q-value, not the wildcard's
     * (RFC 9110 §12.5.4: {@code *} matches the tags no other range matches), so one ranked lower is not
     * taken; one ranked as high is as acceptable as the wildcard's, and left to the usual order.
     *
     * @param wildcard the q-value of the wildcard
     * @param ranges the ranges with a q-value above 0, highest first
     * @param excluded the languages a {@code q=0} range excludes
     * @return that language, or {@code null} when there is none
     */
    private @Nullable Locale matchOfWildcard(double wildcard, List<QualityValue> ranges, Set<Locale> excluded) {
        Set<Locale> notTaken = new HashSet<>(excluded);
        Set<Locale> ranked = new HashSet<>();
        for (QualityValue range : ranges) {
            Locale match = range.value().equals("*") ? null : match(range.value());
            // The first range matching a language is the highest: its q-value is the language's.
            if (match != null && ranked.add(match) && range.q() < wildcard) {
                notTaken.add(match);
            }
        }
        if (!notTaken.contains(defaultLocale)) {
            return defaultLocale;
        }
        for (Locale locale : offered) {
            if (!notTaken.contains(locale)) {
                return locale;
            }
        }
        return null;
    }

    private @Nullable Locale match(String range) {
        for (Locale locale : offered) {
            if (locale.toLanguageTag().equalsIgnoreCase(range)) {
                return locale;
            }
        }
        String primary = range.contains("-") ? range.substring(0, range.indexOf('-')) : range;
        if (primary.equals("zh") && !SIMPLIFIED_CHINESE.contains(range)
                && !(range.startsWith("zh-hans") && (range.length() == 7 || range.charAt(7) == '-'))) {
            return null;
        }
        for (Locale locale : offered) {
            if (locale.getLanguage().equals(primary)) {
                return locale;
            }
        }
        return null;
    }
}
