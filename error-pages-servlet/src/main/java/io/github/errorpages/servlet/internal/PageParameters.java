package io.github.errorpages.servlet.internal;

import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IllformedLocaleException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Reads the keys of {@link PageConfig} and {@link Branding} from init-parameters: {@code branding.*},
 * {@code templates.*}, {@code locales}, {@code default-locale}, {@code auto-retry.*}, {@code seo.noindex},
 * {@code compression.enabled}, {@code cache.max-age} and {@code negotiation.fallback}. Values are validated by the builders, whose
 * messages name the key and the value; a value that does not even parse gets the same kind of message.
 */
public final class PageParameters {

    private static final Map<String, BiConsumer<Branding.Builder, String>> BRANDING = Map.ofEntries(
            Map.entry("branding.site-name", Branding.Builder::siteName),
            Map.entry("branding.logo", Branding.Builder::logo),
            Map.entry("branding.home-url", Branding.Builder::homeUrl),
            Map.entry("branding.support-url", Branding.Builder::supportUrl),
            Map.entry("branding.support-email", Branding.Builder::supportEmail),
            Map.entry("branding.status-page-url", Branding.Builder::statusPageUrl),
            Map.entry("branding.text-color", Branding.Builder::textColor),
            Map.entry("branding.background-color", Branding.Builder::backgroundColor),
            Map.entry("branding.primary-color", Branding.Builder::primaryColor),
            Map.entry("branding.dark.text-color", Branding.Builder::darkTextColor),
            Map.entry("branding.dark.background-color", Branding.Builder::darkBackgroundColor),
            Map.entry("branding.dark.primary-color", Branding.Builder::darkPrimaryColor));
    private static final Set<String> PAGE_KEYS = Set.of("templates.directory", "templates.classpath",
            "templates.strict", "locales", "default-locale", "auto-retry.enabled", "auto-retry.max", "seo.noindex",
            "compression.enabled", "cache.max-age", "negotiation.fallback");

    private PageParameters() {
    }

    /**
     * @param key an init-parameter name
     * @return whether it is a key of {@link PageConfig} or {@link Branding}
     */
    public static boolean isKey(String key) {
        return BRANDING.containsKey(key) || PAGE_KEYS.contains(key);
    }

    /**
     * Builds the page configuration from the parameters that are its keys; others are ignored.
     *
     * @param parameters init-parameters by name
     * @return the configuration
     * @throws IllegalArgumentException naming the key and the value when a value is invalid
     */
    public static PageConfig config(Map<String, String> parameters) {
        PageConfig.Builder page = PageConfig.builder();
        Branding.Builder branding = Branding.builder();
        parameters.forEach((key, raw) -> {
            String value = raw.trim();
            BiConsumer<Branding.Builder, String> brandingSetter = BRANDING.get(key);
            if (brandingSetter != null) {
                brandingSetter.accept(branding, value);
                return;
            }
            ConfigParameters.asWritten(key, value, () -> apply(page, key, value));
        });
        return page.branding(branding.build()).build();
    }

    private static void apply(PageConfig.Builder page, String key, String value) {
        switch (key) {
            case "templates.directory" -> page.templateDirectory(path(key, value));
            case "templates.classpath" -> page.templateClasspathFolder(value);
            case "templates.strict" -> page.strictTemplatesEnabled(ConfigParameters.bool(key, value));
            case "locales" -> page.locales(locales(key, value));
            case "default-locale" -> page.defaultLocale(locale(key, value, value, "must be a language tag (BCP 47) "
                    + "such as en or zh-CN"));
            case "auto-retry.enabled" -> page.autoRetryEnabled(ConfigParameters.bool(key, value));
            case "auto-retry.max" -> page.autoRetryMax(ConfigParameters.duration(key, value));
            case "seo.noindex" -> page.noindexEnabled(ConfigParameters.bool(key, value));
            case "compression.enabled" -> page.compressionEnabled(ConfigParameters.bool(key, value));
            case "cache.max-age" -> page.cacheMaxAge(ConfigParameters.duration(key, value));
            case "negotiation.fallback" -> page.fallbackFormat(format(key, value));
            default -> {
                // not a page key
            }
        }
    }

    private static Path path(String key, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw ConfigParameters.invalid(key, value, "must be a file-system path");
        }
    }

    private static List<Locale> locales(String key, String value) {
        String rule = "must be language tags (BCP 47) separated by commas, such as en,de,zh-CN";
        List<Locale> locales = new ArrayList<>();
        // -1 and no blank element: "de," and "," are refused as ",de" is (dropped, "," offered no language and was
        // refused as "[]", a value nobody wrote), and as intercept-statuses refuses them.
        for (String tag : value.split(",", -1)) {
            if (tag.isBlank()) {
                throw ConfigParameters.invalid(key, value, rule);
            }
            locales.add(locale(key, tag.trim(), value, rule));
        }
        return locales;
    }

    /**
     * Parses a language tag strictly: {@link Locale#forLanguageTag} would turn {@code en_US} into the
     * undetermined language and {@code de-@@} into {@code de} without a word.
     */
    private static Locale locale(String key, String tag, String value, String rule) {
        try {
            return new Locale.Builder().setLanguageTag(tag).build();
        } catch (IllformedLocaleException e) {
            throw ConfigParameters.invalid(key, value, rule);
        }
    }

    /**
     * Reads a format as the message and docs/configuration.md write it, {@code html}, {@code problem-json} or
     * {@code text}, and, for configurations written before those spellings were the documented ones, any case,
     * {@code _} or {@code +} for the {@code -} ({@code PROBLEM_JSON}, the enum's name the docs once gave) and the
     * template extension ({@code json}, {@code txt}).
     */
    private static PageFormat format(String key, String value) {
        String wanted = value.toUpperCase(Locale.ROOT).replace('-', '_').replace('+', '_');
        for (PageFormat format : PageFormat.values()) {
            if (format.name().equals(wanted) || format.extension().equalsIgnoreCase(value)) {
                return format;
            }
        }
        throw ConfigParameters.invalid(key, value, "must be html, problem-json or text");
    }
}
