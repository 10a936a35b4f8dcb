package io.github.errorpages.page.internal;

import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import java.text.Bidi;
import java.text.BreakIterator;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DecimalStyle;
import java.time.format.FormatStyle;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Builds the one flat model every template is rendered from: a map of strings and booleans, the same for
 * every format (the keys are listed in {@code io.github.errorpages.page}'s package documentation).
 *
 * <p>What depends only on the language and the page (messages, branding, colours) is assembled once at
 * startup. A full model copies it and adds the response's facts; but most responses need only their
 * {@link #PER_RESPONSE_KEYS per-response values}, filled into a page rendered ahead ({@link PageShape}).
 * Nothing request-derived is in the model: not
 * the path, not the query, not a header (R33, R38); the language was chosen among fixed tags and the
 * support code is either random or a request id that passed a strict pattern (R39).
 *
 * <p>Instances are thread-safe. Their only changing state is caches of words already formatted (times, delays,
 * sentences with a time of day), each bounded.
 */
public final class PageModels {

    /** How long an upstream may have failed and the trouble still be called new. */
    static final Duration NEW_TROUBLE = Duration.ofMinutes(5);

    private static final Set<String> PAGES_WITH_OWN_MESSAGES = Set.of("500", "502", "503", "504");
    private static final List<String> MESSAGE_PAGES = List.of("500", "502", "503", "504", PageTemplates.SERIES,
            PageTemplates.MAINTENANCE);
    private static final DateTimeFormatter ISO_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter READABLE_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    /** French writes the first of a month as an ordinal ("le 1er janvier"), which CLDR's long style does not. */
    private static final DateTimeFormatter FRENCH_FIRST_OF_MONTH = DateTimeFormatter.ofPattern("d'er' MMMM y",
            Locale.FRENCH).withZone(ZoneOffset.UTC);

    /**
     * The model keys whose values change from one response to the next (or may: the error code), in the
     * order of the arrays of {@link #perResponseValues}. Every other key is the same for all responses of a
     * shape ({@link #shapeFlags}).
     */
    public static final List<String> PER_RESPONSE_KEYS = List.of("supportCode", "instance", "timeIso", "timeText",
            "errorCode", "retryAfterSeconds", "retryIso", "retryText", "retrySentence", "retryPrefix", "retrySuffix",
            "sinceSentence");
    private static final int SUPPORT_CODE = 0;
    private static final int INSTANCE = 1;
    private static final int TIME_ISO = 2;
    private static final int TIME_TEXT = 3;
    private static final int ERROR_CODE = 4;
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final int RETRY_ISO = 6;
    private static final int RETRY_TEXT = 7;
    private static final int RETRY_SENTENCE = 8;
    private static final int RETRY_PREFIX = 9;
    private static final int RETRY_SUFFIX = 10;
    private static final int SINCE_SENTENCE = 11;
    /** Two bits per value in {@link #shapeFlags}. */
    private static final int PRESENT = 1;
    private static final int NOT_EMPTY = 2;
    /** Bounds of the caches of formatted words, per language: each starts afresh when it would pass its bound. */
    private static final int MAX_CACHED_RETRY_WORDS = 4096;
    private static final int MAX_CACHED_SENTENCES = 1024;
    private static final long SECONDS_PER_DAY = 86_400;
    /** Unicode's bidirectional isolates (UAX #9): left to right, by the first strong character, and their end. */
    private static final String LEFT_TO_RIGHT_ISOLATE = "\u2066";
    private static final String FIRST_STRONG_ISOLATE = "\u2068";
    private static final String POP_DIRECTIONAL_ISOLATE = "\u2069";

    private final Map<Locale, Messages> messages = new HashMap<>();
    private final Map<Locale, Map<Long, RetryWords>> retryWords = new HashMap<>();
    private final Map<Locale, Map<String, String>> clockSentences = new HashMap<>();
    /** Dates in each language's long style ("2. Dezember 2026"), with Latin digits as every number on the page. */
    private final Map<Locale, DateTimeFormatter> dates = new HashMap<>();
    /** The time texts of the last second a page was rendered in. */
    private volatile TimeTexts lastTime = new TimeTexts(Long.MIN_VALUE, "", "");
    private final Map<String, Map<String, Object>> staticParts = new HashMap<>();
    private final boolean noindex;
    private final long autoRetryMaxSeconds;

    /**
     * Assembles the per-language, per-page parts.
     *
     * @param config the page configuration
     */
    public PageModels(PageConfig config) {
        this.noindex = config.isNoindexEnabled();
        this.autoRetryMaxSeconds = config.autoRetryMax().getSeconds();
        Map<String, Object> branding = branding(config.branding());
        for (Locale locale : config.locales()) {
            Messages bundle = Messages.load(locale);
            messages.put(locale, bundle);
            retryWords.put(locale, new ConcurrentHashMap<>());
            clockSentences.put(locale, new ConcurrentHashMap<>());
            dates.put(locale, DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(locale)
                    .withDecimalStyle(DecimalStyle.STANDARD).withZone(ZoneOffset.UTC));
            for (String page : MESSAGE_PAGES) {
                Map<String, Object> part = new HashMap<>(branding);
                bundle.all().forEach((key, value) -> {
                    if (key.indexOf('.') < 0) {
                        part.put(key, value); // common messages, under their own key
                    }
                });
                String title = bundle.get(page + ".title");
                String siteName = config.branding().siteName();
                part.put("title", title);
                part.put("documentTitle", documentTitle(title, siteName));
                part.put("heading", bundle.get(page + ".heading"));
                part.put("lead", bundle.get(page + ".lead"));
                part.put("detail", bundle.get(page + ".detail"));
                part.put("lang", locale.toLanguageTag());
                boolean rightToLeft = TextDirection.isRightToLeft(locale);
                part.put("dir", rightToLeft ? "rtl" : "ltr");
                // Plain text has no dir="ltr": a code or a time among right-to-left words is isolated by characters.
                part.put("ltrStart", rightToLeft ? LEFT_TO_RIGHT_ISOLATE : "");
                part.put("ltrEnd", rightToLeft ? POP_DIRECTIONAL_ISOLATE : "");
                part.put("noindex", noindex);
                staticParts.put(key(locale, page), Map.copyOf(part));
            }
        }
    }

    /**
     * The title with the site name. A name of the other direction than the title's words ("Acme Inc." after Arabic
     * ones) is isolated by characters, as a title is no markup: its final full stop stayed on the wrong side.
     */
    private static String documentTitle(String title, String siteName) {
        if (siteName.isEmpty()) {
            return title;
        }
        String joined = title + " \u2013 " + siteName;
        return Bidi.requiresBidi(joined.toCharArray(), 0, joined.length())
                ? title + " \u2013 " + FIRST_STRONG_ISOLATE + siteName + POP_DIRECTIONAL_ISOLATE : joined;
    }

    /**
     * The full flat model of one response: the per-language, per-page part, the part that depends on the
     * shape of the response ({@link #shapeFlags}) and the per-response values.
     *
     * @param facts what the response says
     * @param locale one of the configured languages
     * @return a new flat model; the caller may add to it
     */
    public Map<String, Object> model(PageFacts facts, Locale locale) {
        return model(facts, locale, perResponseValues(facts, locale));
    }

    /**
     * The flat model with the given per-response values in place of the response's own: with sentinels, it
     * renders the part of a page that all responses of the same shape share ({@link PageShape}).
     *
     * @param facts what the response says
     * @param locale one of the configured languages
     * @param values a value (or {@code null} for an absent key) for each of {@link #PER_RESPONSE_KEYS}
     * @return a new flat model
     */
    public Map<String, Object> model(PageFacts facts, Locale locale, @Nullable String[] values) {
        Messages bundle = messages.get(locale);
        String messagePage = facts.page().equals(PageTemplates.MAINTENANCE) ? PageTemplates.MAINTENANCE
                : PAGES_WITH_OWN_MESSAGES.contains(facts.page()) ? facts.page() : PageTemplates.SERIES;
        Map<String, Object> model = new HashMap<>(staticParts.get(key(locale, messagePage)));
        String status = Integer.toString(facts.status());
        model.put("status", status);
        model.put("statusText", StatusPhrases.of(facts.status()));
        model.put("errorLabel", bundle.format("errorLabel", status));
        model.put("maintenance", facts.page().equals(PageTemplates.MAINTENANCE));
        model.put("hasRetryAfter", hasRetry(facts));
        model.put("autoRetry", autoRetry(facts));
        model.put("hasSince", values[SINCE_SENTENCE] != null);
        for (int slot = 0; slot < values.length; slot++) {
            if (values[slot] != null) {
                model.put(PER_RESPONSE_KEYS.get(slot), values[slot]);
            }
        }
        return model;
    }

    /**
     * The values of {@link #PER_RESPONSE_KEYS} for one response, without building the model: all a response
     * of a known shape needs. Time texts are formatted once per second and the words for a delay once per
     * language and number of seconds, so that the page costs no {@code MessageFormat} or
     * {@code DateTimeFormatter} in the steady state.
     *
     * @param facts what the response says
     * @param locale one of the configured languages
     * @return a new array; {@code null} where the model has no such key
     */
    public @Nullable String[] perResponseValues(PageFacts facts, Locale locale) {
        String[] values = new String[PER_RESPONSE_KEYS.size()];
        values[SUPPORT_CODE] = facts.supportCode();
        values[INSTANCE] = facts.instance();
        TimeTexts time = timeTexts(facts.now());
        values[TIME_ISO] = time.iso();
        values[TIME_TEXT] = time.readable();
        values[ERROR_CODE] = facts.errorCode();
        long seconds = facts.retryAfterSeconds();
        values[RETRY_AFTER_SECONDS] = Long.toString(seconds);
        if (hasRetry(facts)) {
            RetryWords words = retryWords(locale, wordsSeconds(facts));
            values[RETRY_ISO] = words.iso();
            values[RETRY_TEXT] = words.duration();
            values[RETRY_SENTENCE] = words.sentence();
            values[RETRY_PREFIX] = words.prefix();
            values[RETRY_SUFFIX] = words.suffix();
        }
        values[SINCE_SENTENCE] = sinceSentence(locale, facts);
        return values;
    }

    /**
     * What, besides format, page, status and language, decides the text around the per-response values: the
     * flags sections test, and which values are present and which of them are empty (an empty string is
     * false to a section). Two responses with the same flags differ only in the values of {@link #PER_RESPONSE_KEYS}.
     *
     * @param facts what the response says
     * @param values its {@link #perResponseValues}
     * @return the flags, as bits
     */
    public int shapeFlags(PageFacts facts, @Nullable String[] values) {
        int flags = 0;
        for (int slot = 0; slot < values.length; slot++) {
            if (values[slot] != null) {
                flags |= (values[slot].isEmpty() ? PRESENT : PRESENT | NOT_EMPTY) << (2 * slot);
            }
        }
        int next = 2 * values.length;
        flags |= (hasRetry(facts) ? 1 : 0) << next;
        flags |= (autoRetry(facts) ? 1 : 0) << (next + 1);
        return flags;
    }

    private static boolean hasRetry(PageFacts facts) {
        return facts.retryAfterSeconds() > 0;
    }

    private boolean autoRetry(PageFacts facts) {
        // Not when the words give a later time than the header: the page would reload before the time it told. That
        // is the time the words state, rounded up to their unit: 271 s is "5 minutes", which a countdown of 271 s
        // reloaded before.
        return hasRetry(facts) && facts.autoRetry() && facts.retryAfterSeconds() <= autoRetryMaxSeconds
                && statedSeconds(wordsSeconds(facts)) == facts.retryAfterSeconds();
    }

    /**
     * The delay the page's words give: the {@code Retry-After}'s, or the time to a maintenance's announced end
     * when that is later, because {@code retry-after.max} capped the header. "Please try again in 60 minutes"
     * next to "We expect to be back by 01:30 UTC", a hundred minutes away, told users two times. Rounded up to
     * the unit of its words (those of a minute or an hour are the same), which keeps their cache small.
     */
    private static long wordsSeconds(PageFacts facts) {
        long seconds = facts.retryAfterSeconds();
        Instant backBy = facts.backBy();
        if (seconds <= 0 || backBy == null) {
            return seconds;
        }
        Duration toEnd = Duration.between(facts.now(), backBy);
        long toEndSeconds = toEnd.getSeconds() + (toEnd.getNano() > 0 ? 1 : 0);
        return toEndSeconds <= seconds ? seconds : statedSeconds(toEndSeconds);
    }

    /** The delay the {@link #duration} words for so many seconds state: the seconds rounded up to their unit. */
    private static long statedSeconds(long seconds) {
        long unit = unitOfWords(seconds);
        return (seconds + unit - 1) / unit * unit;
    }

    /** The seconds in the unit {@link #duration} counts a delay of so many seconds in. */
    private static long unitOfWords(long seconds) {
        return seconds < 120 ? 1 : seconds < 7200 ? 60 : seconds < 3 * SECONDS_PER_DAY ? 3600 : SECONDS_PER_DAY;
    }

    private TimeTexts timeTexts(Instant now) {
        long second = now.getEpochSecond();
        TimeTexts cached = lastTime;
        if (cached.epochSecond() != second) {
            Instant whole = Instant.ofEpochSecond(second);
            cached = new TimeTexts(second, ISO_SECONDS.format(whole), READABLE_SECONDS.format(whole));
            lastTime = cached; // a race only formats the same second twice
        }
        return cached;
    }

    private RetryWords retryWords(Locale locale, long seconds) {
        Map<Long, RetryWords> cache = retryWords.get(locale);
        RetryWords words = cache.get(seconds);
        if (words == null) {
            words = RetryWords.of(messages.get(locale), seconds);
            remember(cache, seconds, words, MAX_CACHED_RETRY_WORDS);
        }
        return words;
    }

    private @Nullable String sinceSentence(Locale locale, PageFacts facts) {
        if (facts.backBy() != null && facts.backBy().isAfter(facts.now())) {
            // Shown to the minute, rounded up as Retry-After is (R10): rounded down, it told users a time up to a
            // minute before the one its own header and sentence gave. "Failing since" is rounded down: earlier.
            return clockSentence(locale, "backBy", upToTheMinute(facts.backBy()), facts.now());
        }
        if (facts.failingSince() != null) {
            Instant since = facts.failingSince();
            return Duration.between(since, facts.now()).compareTo(NEW_TROUBLE) < 0
                    ? messages.get(locale).get("sinceNew") : clockSentence(locale, "sinceLasting", since, facts.now());
        }
        return null;
    }

    private static Instant upToTheMinute(Instant time) {
        Instant minute = time.truncatedTo(ChronoUnit.MINUTES);
        return minute.equals(time) ? time : minute.plus(1, ChronoUnit.MINUTES);
    }

    /**
     * A sentence around a time of day, formatted once per language, message, minute and whether it is today:
     * during an outage every page shows the same one. On another day than the page's, the message's
     * {@code <key>Date} variant says the date too, in words made for a date ("am 2. Dezember 2026 um 01:30"):
     * a date put where the language expects only a time of day ("um 2026-12-02 01:30") was ungrammatical.
     */
    private String clockSentence(Locale locale, String key, Instant time, Instant now) {
        boolean sameDay = sameDay(time, now);
        long minute = Math.floorDiv(time.getEpochSecond(), 60);
        String cacheKey = key + (sameDay ? '@' : '#') + minute;
        Map<String, String> cache = clockSentences.get(locale);
        String sentence = cache.get(cacheKey);
        if (sentence == null) {
            sentence = sameDay ? messages.get(locale).format(key, CLOCK.format(time))
                    : messages.get(locale).format(key + "Date", date(locale, time), CLOCK.format(time));
            remember(cache, cacheKey, sentence, MAX_CACHED_SENTENCES);
        }
        return sentence;
    }

    private String date(Locale locale, Instant time) {
        boolean frenchFirst = locale.getLanguage().equals("fr") && time.atOffset(ZoneOffset.UTC).getDayOfMonth() == 1;
        return (frenchFirst ? FRENCH_FIRST_OF_MONTH : dates.get(locale)).format(time);
    }

    /**
     * Puts into a cache that starts afresh when full: one that kept no more was fixed by its first entries for the
     * life of the JVM (a long-running gateway's old outages), and formatted every later value per response.
     */
    private static <K, V> void remember(Map<K, V> cache, K key, V value, int bound) {
        if (cache.size() >= bound) {
            cache.clear();
        }
        cache.put(key, value);
    }

    /** Whether two instants fall on the same day in UTC, where a time of day alone is clear. */
    private static boolean sameDay(Instant time, Instant now) {
        return Math.floorDiv(time.getEpochSecond(), SECONDS_PER_DAY) == Math.floorDiv(now.getEpochSecond(), SECONDS_PER_DAY);
    }

    /**
     * Words for a delay, in the unit a person would use, rounded up so nobody is told to come back early:
     * seconds below two minutes, minutes below two hours, hours below three days, days above (only a maintenance's
     * end is that far: a {@code Retry-After} is at most a day). Days take a second argument for the languages whose
     * plural depends on the number modulo 100, which a {@code ChoiceFormat} cannot tell ({@link #arabicPlural}).
     */
    static String duration(Messages bundle, long seconds) {
        long unit = unitOfWords(seconds);
        long count = statedSeconds(seconds) / unit;
        if (unit == 1) {
            return bundle.format("seconds", count);
        }
        if (unit == 60) {
            return bundle.format("minutes", count);
        }
        if (unit == 3600) {
            return bundle.format("hours", count);
        }
        return bundle.format("days", count, arabicPlural(count));
    }

    /**
     * The CLDR plural category of a count in Arabic, as a number for a {@code ChoiceFormat}: 1 one, 2 two, 3 few
     * (3 to 10 modulo 100), 4 many (11 to 99 modulo 100), 5 other (0, and 0 to 2 modulo 100 from 100 up).
     */
    static int arabicPlural(long count) {
        long mod100 = count % 100;
        if (count == 1 || count == 2) {
            return (int) count;
        }
        return mod100 >= 3 && mod100 <= 10 ? 3 : mod100 >= 11 ? 4 : 5;
    }

    /** The time of a response, in the two ways pages show it, for one whole second. */
    private record TimeTexts(long epochSecond, String iso, String readable) {
    }

    /** A {@code Retry-After} delay in words, and the sentence around it, in one language. */
    private record RetryWords(String iso, String duration, String sentence, String prefix, String suffix) {

        static RetryWords of(Messages bundle, long seconds) {
            String duration = PageModels.duration(bundle, seconds);
            String sentence = bundle.format("retryIn", duration);
            int at = sentence.indexOf(duration);
            return new RetryWords("PT" + seconds + "S", duration, sentence, sentence.substring(0, at),
                    sentence.substring(at + duration.length()));
        }
    }

    /**
     * The first character as a reader sees one, as the JDK's {@link BreakIterator} tells it (e and its combining
     * accent; from Java 20 on also a flag's two regional indicators and an emoji's joined parts, which Java 17 splits),
     * its first code point in title case: one character, where ß's upper case, "SS", is two letters.
     */
    static String initial(String siteName) {
        if (siteName.isEmpty()) {
            return "";
        }
        BreakIterator characters = BreakIterator.getCharacterInstance(Locale.ROOT);
        characters.setText(siteName);
        String first = siteName.substring(0, characters.next());
        int codePoint = first.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(codePoint))
                .append(first, Character.charCount(codePoint), first.length()).toString();
    }

    private static Map<String, Object> branding(Branding branding) {
        Map<String, Object> model = new HashMap<>();
        model.put("siteName", branding.siteName());
        model.put("siteInitial", initial(branding.siteName()));
        model.put("logo", branding.logo().orElse(""));
        model.put("homeUrl", branding.homeUrl());
        model.put("statusPageUrl", branding.statusPageUrl().orElse(""));
        model.put("supportHref", branding.supportUrl()
                .orElseGet(() -> branding.supportEmail().map(email -> "mailto:" + email).orElse("")));
        putPalette(model, "light", Palette.derive(Rgb.parse(branding.textColor()), Rgb.parse(branding.backgroundColor()),
                Rgb.parse(branding.primaryColor())));
        putPalette(model, "dark", Palette.derive(Rgb.parse(branding.darkTextColor()),
                Rgb.parse(branding.darkBackgroundColor()), Rgb.parse(branding.darkPrimaryColor())));
        return model;
    }

    private static void putPalette(Map<String, Object> model, String scheme, Palette palette) {
        model.put(scheme + "Text", palette.text().hex());
        model.put(scheme + "Background", palette.background().hex());
        model.put(scheme + "Primary", palette.primary().hex());
        model.put(scheme + "OnPrimary", palette.onPrimary().hex());
        model.put(scheme + "Muted", palette.muted().hex());
        model.put(scheme + "Canvas", palette.canvas().hex());
        model.put(scheme + "Line", palette.line().hex());
        model.put(scheme + "Tint", palette.tint().hex());
    }

    private static String key(Locale locale, String page) {
        return locale.toLanguageTag() + '/' + page;
    }
}
