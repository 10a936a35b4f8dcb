package io.github.errorpages.page.internal;

import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the one flat model every template is rendered from: a map of strings and booleans, the same for
 * every format (the keys are listed in {@code io.github.errorpages.page}'s package documentation).
 *
 * <p>What depends only on the language and the page (messages, branding, colours) is assembled once at
 * startup; each response copies it and adds its own facts. Nothing request-derived is in the model: not
 * the path, not the query, not a header (R33, R38); the language was chosen among fixed tags and the
 * support code is either random or a request id that passed a strict pattern (R39).
 *
 * <p>Instances are immutable and thread-safe.
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
    private static final DateTimeFormatter DATE_AND_CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneOffset.UTC);

    private final Map<Locale, Messages> messages = new HashMap<>();
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
                part.put("documentTitle", siteName.isEmpty() ? title : title + " \u2013 " + siteName);
                part.put("heading", bundle.get(page + ".heading"));
                part.put("lead", bundle.get(page + ".lead"));
                part.put("detail", bundle.get(page + ".detail"));
                part.put("lang", locale.toLanguageTag());
                part.put("dir", locale.getLanguage().equals("ar") ? "rtl" : "ltr");
                part.put("noindex", noindex);
                staticParts.put(key(locale, page), Map.copyOf(part));
            }
        }
    }

    /**
     * @param facts what the response says
     * @param locale one of the configured languages
     * @return a new flat model; the caller may add to it
     */
    public Map<String, Object> model(PageFacts facts, Locale locale) {
        Messages bundle = messages.get(locale);
        String messagePage = facts.page().equals(PageTemplates.MAINTENANCE) ? PageTemplates.MAINTENANCE
                : PAGES_WITH_OWN_MESSAGES.contains(facts.page()) ? facts.page() : PageTemplates.SERIES;
        Map<String, Object> model = new HashMap<>(staticParts.get(key(locale, messagePage)));
        String status = Integer.toString(facts.status());
        model.put("status", status);
        model.put("statusText", StatusPhrases.of(facts.status()));
        model.put("errorLabel", bundle.format("errorLabel", status));
        model.put("errorCode", facts.errorCode());
        model.put("maintenance", facts.page().equals(PageTemplates.MAINTENANCE));
        model.put("supportCode", facts.supportCode());
        model.put("instance", facts.instance());
        model.put("timeIso", ISO_SECONDS.format(facts.now()));
        model.put("timeText", READABLE_SECONDS.format(facts.now()));
        putRetry(model, bundle, facts);
        putSince(model, bundle, facts);
        return model;
    }

    private void putRetry(Map<String, Object> model, Messages bundle, PageFacts facts) {
        long seconds = facts.retryAfterSeconds();
        boolean hasRetry = seconds > 0;
        model.put("hasRetryAfter", hasRetry);
        model.put("retryAfterSeconds", Long.toString(seconds));
        boolean autoRetry = hasRetry && facts.autoRetry() && seconds <= autoRetryMaxSeconds;
        model.put("autoRetry", autoRetry);
        if (!hasRetry) {
            return;
        }
        String duration = duration(bundle, seconds);
        String sentence = bundle.format("retryIn", duration);
        int at = sentence.indexOf(duration);
        model.put("retryIso", "PT" + seconds + "S");
        model.put("retryText", duration);
        model.put("retrySentence", sentence);
        model.put("retryPrefix", sentence.substring(0, at));
        model.put("retrySuffix", sentence.substring(at + duration.length()));
    }

    private static void putSince(Map<String, Object> model, Messages bundle, PageFacts facts) {
        String sentence = null;
        if (facts.backBy() != null && facts.backBy().isAfter(facts.now())) {
            sentence = bundle.format("backBy", clock(facts.backBy(), facts.now()));
        } else if (facts.failingSince() != null) {
            Instant since = facts.failingSince();
            sentence = Duration.between(since, facts.now()).compareTo(NEW_TROUBLE) < 0
                    ? bundle.get("sinceNew") : bundle.format("sinceLasting", clock(since, facts.now()));
        }
        model.put("hasSince", sentence != null);
        if (sentence != null) {
            model.put("sinceSentence", sentence);
        }
    }

    /** The time of day, with the date when it is not today (UTC). */
    private static String clock(Instant time, Instant now) {
        boolean sameDay = time.atOffset(ZoneOffset.UTC).toLocalDate().equals(now.atOffset(ZoneOffset.UTC).toLocalDate());
        return (sameDay ? CLOCK : DATE_AND_CLOCK).format(time);
    }

    /**
     * Words for a delay, in the unit a person would use, rounded up so nobody is told to come back early:
     * seconds below two minutes, minutes below two hours, hours above.
     */
    static String duration(Messages bundle, long seconds) {
        if (seconds < 120) {
            return bundle.format("seconds", seconds);
        }
        if (seconds < 7200) {
            return bundle.format("minutes", (seconds + 59) / 60);
        }
        return bundle.format("hours", (seconds + 3599) / 3600);
    }

    private static Map<String, Object> branding(Branding branding) {
        Map<String, Object> model = new HashMap<>();
        model.put("siteName", branding.siteName());
        model.put("siteInitial", branding.siteName().isEmpty() ? ""
                : new String(Character.toChars(branding.siteName().codePointAt(0))).toUpperCase(Locale.ROOT));
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
