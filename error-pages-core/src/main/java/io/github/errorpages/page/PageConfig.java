package io.github.errorpages.page;

import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How error pages are rendered: branding, where replacement templates live, the languages offered, and
 * the opt-in behaviours (auto-retry countdown, {@code noindex}, micro-caching, strict templates).
 *
 * <p><b>Templates.</b> The built-in templates are, in HTML, one for 500, 502, 503 and 504 each, one for any
 * other 5xx and one for maintenance; in problem+json and text, one {@code 5xx} for every page, maintenance
 * included. An application puts its own into a template folder, on the file system
 * ({@code templates.directory}) or on the class path ({@code templates.classpath}); the file system wins when
 * both have one. A template is named {@code <name>.<format>.mustache}, where {@code <format>} is
 * {@link PageFormat#extension()} and {@code <name>} is tried in this order: the status ({@code 502}) in the
 * application's folders, then the series ({@code 5xx}) there, then the built-in status and the built-in series,
 * so that an application's {@code 5xx} replaces every page it has no file for, the built-in {@code 502} too. The
 * maintenance page is the application's {@code maintenance}, then the built-in {@code maintenance}, then the
 * built-in {@code 5xx}: an application's {@code 5xx.html.mustache} leaves the built-in HTML maintenance page in
 * place, while in problem+json and text it replaces the maintenance page too. Replacing
 * {@code layout.html.mustache} dresses every built-in HTML page in the application's own layout. Templates are
 * compiled once, when {@code ErrorPages} is built. A replacement that is not valid UTF-8, is larger than 1 MiB, or
 * does not compile or render (a problem+json one: renders no JSON object, or a top-level {@code status} member
 * that is not the response's status as a JSON number, RFC 9457 §3.1.2), is reported and replaced by the built-in
 * page, or, with {@code templates.strict}, stops the build. A problem+json {@code 5xx} whose {@code status} is
 * right for one status only is kept for that one (strict: refused by its startup samples, of status 500 and of
 * the maintenance page) and reported once, at the first response it contradicts, which gets the built-in page.
 * An HTML replacement with a {@code <meta http-equiv="refresh">} (standards R52) is broken in the same way, at
 * startup or on the first response whose page has it. A replacement that uses a name the model does not have (a
 * misspelt {@code {{supportcode}}}, which renders as nothing) stops a strict build, naming the file, the name and
 * the closest known one; a lenient build uses it and reports it once. So does an HTML replacement whose page, as its
 * sample renders it at startup, holds what the {@code Content-Security-Policy} refuses without a word on the page
 * (a load from elsewhere, a {@code style} or {@code on...} attribute; docs/templates.md, "Rules for templates"); one
 * without the empty icon is reported once, strict or not, and used.
 * Templates cannot write a value unescaped: {@code {{{x}}}} and {@code {{&x}}} are rejected.
 *
 * <p>Every setting has a configuration key (given in each builder method's javadoc, e.g.
 * {@code auto-retry.enabled}), used in servlet init-parameters (and, prefixed with {@code error-pages.}, in
 * servlet context parameters and the planned Spring Boot starter's properties).
 * Validation messages name the key and the rejected value.
 *
 * <p>Instances are immutable and thread-safe. {@link Builder} is not thread-safe; {@link Builder#build()}
 * copies, so a builder reused later cannot change a config built before.
 *
 * @since 0.1.0
 */
public final class PageConfig {

    /** The languages that have built-in messages: English, German, French, Spanish, Portuguese, Japanese, Simplified Chinese, Arabic. */
    public static final List<Locale> SHIPPED_LOCALES = List.of(
            Locale.ENGLISH, Locale.GERMAN, Locale.FRENCH, Locale.forLanguageTag("es"), Locale.forLanguageTag("pt"),
            Locale.JAPANESE, Locale.forLanguageTag("zh-CN"), Locale.forLanguageTag("ar"));
    /** Default for {@code default-locale}: English. */
    public static final Locale DEFAULT_LOCALE = Locale.ENGLISH;
    /** Default for {@code auto-retry.max}: five minutes. */
    public static final Duration DEFAULT_AUTO_RETRY_MAX = Duration.ofMinutes(5);
    /** The largest {@code cache.max-age} accepted: ten seconds (standards R17). */
    public static final Duration MAX_CACHE_MAX_AGE = Duration.ofSeconds(10);
    /** Default for {@code negotiation.fallback}: problem details, for clients that name no format we have. */
    public static final PageFormat DEFAULT_FALLBACK_FORMAT = PageFormat.PROBLEM_JSON;

    private static final Pattern CLASSPATH_FOLDER = Pattern.compile("[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*");
    private static final PageConfig DEFAULTS = builder().build();

    private final Branding branding;
    private final @Nullable Path templateDirectory;
    private final @Nullable String templateClasspathFolder;
    private final boolean strictTemplates;
    private final List<Locale> locales;
    private final Locale defaultLocale;
    /** Whether {@link #defaultLocale} was chosen, rather than taken as the default, which toBuilder() keeps. */
    private final boolean defaultLocaleSet;
    private final boolean autoRetry;
    private final Duration autoRetryMax;
    private final boolean noindex;
    private final boolean compression;
    private final Duration cacheMaxAge;
    private final PageFormat fallbackFormat;

    private PageConfig(Builder b, Locale defaultLocale) {
        this.branding = b.branding;
        this.templateDirectory = b.templateDirectory;
        this.templateClasspathFolder = b.templateClasspathFolder;
        this.strictTemplates = b.strictTemplates;
        this.locales = List.copyOf(b.locales);
        this.defaultLocale = defaultLocale;
        this.defaultLocaleSet = b.defaultLocaleSet;
        this.autoRetry = b.autoRetry;
        this.autoRetryMax = b.autoRetryMax;
        this.noindex = b.noindex;
        this.compression = b.compression;
        this.cacheMaxAge = b.cacheMaxAge;
        this.fallbackFormat = b.fallbackFormat;
    }

    /**
     * @return the configuration with every default: built-in templates and look, all shipped languages
     */
    public static PageConfig ofDefaults() {
        return DEFAULTS;
    }

    /**
     * @return a new builder holding the defaults; not thread-safe
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a new builder holding this configuration's values
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * @return the branding
     */
    public Branding branding() {
        return branding;
    }

    /**
     * @return the file-system folder of replacement templates, or empty
     */
    public Optional<Path> templateDirectory() {
        return Optional.ofNullable(templateDirectory);
    }

    /**
     * @return the class-path folder of replacement templates, e.g. {@code error-pages/templates}, or empty
     */
    public Optional<String> templateClasspathFolder() {
        return Optional.ofNullable(templateClasspathFolder);
    }

    /**
     * @return whether a broken or missing replacement template stops {@code ErrorPages} from being built
     */
    public boolean isStrictTemplatesEnabled() {
        return strictTemplates;
    }

    /**
     * @return the languages offered, in the order configured; unmodifiable, never empty
     */
    public List<Locale> locales() {
        return locales;
    }

    /**
     * @return the language used when {@code Accept-Language} names none of {@link #locales()}
     */
    public Locale defaultLocale() {
        return defaultLocale;
    }

    /**
     * @return whether HTML pages for GET requests count down to {@code Retry-After} and then reload
     */
    public boolean isAutoRetryEnabled() {
        return autoRetry;
    }

    /**
     * @return the longest {@code Retry-After} that still gets a countdown
     */
    public Duration autoRetryMax() {
        return autoRetryMax;
    }

    /**
     * @return whether error responses carry {@code X-Robots-Tag: noindex} and a robots meta tag
     */
    public boolean isNoindexEnabled() {
        return noindex;
    }

    /**
     * @return whether long pages are sent gzip-compressed to clients that take gzip
     */
    public boolean isCompressionEnabled() {
        return compression;
    }

    /**
     * @return how long shared caches may keep an error response; zero (the default) means {@code no-store}
     */
    public Duration cacheMaxAge() {
        return cacheMaxAge;
    }

    /**
     * @return the format for clients whose {@code Accept} names none of the formats (or is absent, or {@code *}{@code /*})
     */
    public PageFormat fallbackFormat() {
        return fallbackFormat;
    }

    @Override
    public String toString() {
        return "PageConfig{branding=" + branding + ", templateDirectory=" + templateDirectory
                + ", templateClasspathFolder=" + templateClasspathFolder + ", strictTemplates=" + strictTemplates
                + ", locales=" + locales + ", defaultLocale=" + defaultLocale + ", autoRetry=" + autoRetry
                + ", autoRetryMax=" + Durations.shown(autoRetryMax) + ", noindex=" + noindex + ", compression="
                + compression + ", cacheMaxAge=" + Durations.shown(cacheMaxAge) + ", fallbackFormat=" + fallbackFormat
                + '}';
    }

    /**
     * Builds a {@link PageConfig}. Not thread-safe. Each method checks its value at once and throws
     * {@link IllegalArgumentException} naming the configuration key and the rejected value.
     */
    public static final class Builder {
        private Branding branding = Branding.ofDefaults();
        private @Nullable Path templateDirectory;
        private @Nullable String templateClasspathFolder;
        private boolean strictTemplates;
        private List<Locale> locales = SHIPPED_LOCALES;
        private Locale defaultLocale = DEFAULT_LOCALE;
        private boolean defaultLocaleSet;
        private boolean autoRetry;
        private Duration autoRetryMax = DEFAULT_AUTO_RETRY_MAX;
        private boolean noindex;
        private boolean compression = true;
        private Duration cacheMaxAge = Duration.ZERO;
        private PageFormat fallbackFormat = DEFAULT_FALLBACK_FORMAT;

        private Builder() {
        }

        private Builder(PageConfig config) {
            branding = config.branding;
            templateDirectory = config.templateDirectory;
            templateClasspathFolder = config.templateClasspathFolder;
            strictTemplates = config.strictTemplates;
            locales = config.locales;
            // A default that was taken, not chosen, is taken again from the locales the copy ends up with.
            defaultLocale = config.defaultLocaleSet ? config.defaultLocale : DEFAULT_LOCALE;
            defaultLocaleSet = config.defaultLocaleSet;
            autoRetry = config.autoRetry;
            autoRetryMax = config.autoRetryMax;
            noindex = config.noindex;
            compression = config.compression;
            cacheMaxAge = config.cacheMaxAge;
            fallbackFormat = config.fallbackFormat;
        }

        /**
         * @param branding the site's look and links; default {@link Branding#ofDefaults()}
         * @return this builder
         */
        public Builder branding(Branding branding) {
            this.branding = Objects.requireNonNull(branding, "branding");
            return this;
        }

        /**
         * Sets a file-system folder of replacement templates (key {@code templates.directory}). Only files
         * inside it are read; template names never come from requests. Default: none.
         *
         * @param directory the folder, or {@code null} or an empty path (what a blank value parses to) for none,
         *     as a blank {@code templates.classpath} is none, rather than the working directory; it must exist
         *     when {@code ErrorPages} is built (in strict mode; otherwise a missing folder is reported once and
         *     ignored)
         * @return this builder
         */
        public Builder templateDirectory(@Nullable Path directory) {
            this.templateDirectory = directory == null || directory.toString().isEmpty() ? null
                    : directory.toAbsolutePath().normalize();
            return this;
        }

        /**
         * Sets a class-path folder of replacement templates (key {@code templates.classpath}), e.g.
         * {@code error-pages/templates}, read through the thread context class loader of the thread that
         * builds {@code ErrorPages}. Default: none.
         *
         * @param folder a relative resource path of letters, digits, {@code _ . -} and {@code /}; a leading
         *     {@code /} is ignored; {@code null} or blank for none; it must be on the class path when
         *     {@code ErrorPages} is built (in strict mode; otherwise a missing folder is reported once and ignored)
         * @return this builder
         * @throws IllegalArgumentException if {@code folder} has other characters or a {@code ..} segment
         */
        public Builder templateClasspathFolder(@Nullable String folder) {
            if (folder == null || folder.isBlank()) {
                templateClasspathFolder = null;
                return this;
            }
            String value = folder.strip();
            value = value.startsWith("/") ? value.substring(1) : value;
            value = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            if (!CLASSPATH_FOLDER.matcher(value).matches() || ("/" + value + "/").contains("/../")) {
                throw invalid("templates.classpath", folder, "must be a relative resource folder such as "
                        + "error-pages/templates");
            }
            templateClasspathFolder = value;
            return this;
        }

        /**
         * Whether a replacement template that fails to compile or to render (an HTML one: has a
         * {@code <meta http-equiv="refresh">}) or that uses a name the model does not have, or an HTML one whose page
         * loads from elsewhere or has a {@code style} or {@code on...} attribute, or a template folder that does not
         * exist, stops {@code ErrorPages} from being built (key {@code templates.strict}). Default {@code false}: the
         * built-in page is used instead (for an unknown name, the template, which renders it as nothing; for such an
         * HTML page, the page as written, whose loads and attributes a browser refuses) and the problem is logged
         * once.
         *
         * @param enabled whether to fail fast
         * @return this builder
         */
        public Builder strictTemplatesEnabled(boolean enabled) {
            this.strictTemplates = enabled;
            return this;
        }

        /**
         * Sets the languages offered (key {@code locales}), chosen per request from {@code Accept-Language}.
         * Default: all of {@link #SHIPPED_LOCALES}.
         *
         * @param locales a non-empty subset of {@link #SHIPPED_LOCALES}, without duplicates
         * @return this builder
         * @throws IllegalArgumentException if {@code locales} is empty, or names a language without built-in
         *     messages or twice
         */
        public Builder locales(List<Locale> locales) {
            Objects.requireNonNull(locales, "locales");
            if (locales.isEmpty()) {
                throw invalid("locales", "[]", "must name at least one language");
            }
            List<Locale> copy = new ArrayList<>();
            for (Locale locale : locales) {
                Locale shipped = shipped(Objects.requireNonNull(locale, "locale"));
                if (shipped == null || copy.contains(shipped)) {
                    throw invalid("locales", tags(locales), shipped == null
                            ? "must name only languages with built-in messages " + tags(SHIPPED_LOCALES)
                            : "must not name a language twice");
                }
                copy.add(shipped);
            }
            this.locales = Collections.unmodifiableList(copy);
            return this;
        }

        /**
         * Sets the language used when {@code Accept-Language} is absent or names none of the offered ones
         * (key {@code default-locale}). Default {@link #DEFAULT_LOCALE}, or the first of the
         * {@link #locales(List) offered languages} when they leave it out ({@code locales=de,fr} alone offers German
         * by default).
         *
         * @param locale one of the {@link #locales(List) offered languages} (checked by {@link #build()})
         * @return this builder
         * @throws IllegalArgumentException if {@code locale} has no built-in messages
         */
        public Builder defaultLocale(Locale locale) {
            Locale shipped = shipped(Objects.requireNonNull(locale, "locale"));
            if (shipped == null) {
                throw invalid("default-locale", tag(locale), "must be a language with built-in messages "
                        + tags(SHIPPED_LOCALES));
            }
            this.defaultLocale = shipped;
            this.defaultLocaleSet = true;
            return this;
        }

        /**
         * Whether HTML pages answering a GET count down to the {@code Retry-After} time and then reload
         * (key {@code auto-retry.enabled}). The countdown runs in JavaScript, is announced through
         * {@code role="status"} and can be paused; the page is complete without it, and there is never a
         * {@code <meta http-equiv="refresh">} (standards R52). Default {@code false}: every client told to
         * come back at the same time would. A page whose words give a later time than its {@code Retry-After}
         * (rounded up to whole minutes from two minutes on: 150 s is "3 minutes") has no countdown, which would
         * reload it before that time.
         *
         * @param enabled whether to count down and reload
         * @return this builder
         */
        public Builder autoRetryEnabled(boolean enabled) {
            this.autoRetry = enabled;
            return this;
        }

        /**
         * Sets the longest {@code Retry-After} that still gets a countdown (key {@code auto-retry.max}); a
         * longer wait is only stated. Default {@link #DEFAULT_AUTO_RETRY_MAX}.
         *
         * @param max whole seconds in [1 s, 1 h]
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is outside [1 s, 1 h] or not whole seconds
         */
        public Builder autoRetryMax(Duration max) {
            Objects.requireNonNull(max, "max");
            if (max.compareTo(Duration.ofSeconds(1)) < 0 || max.compareTo(Duration.ofHours(1)) > 0 || max.getNano() != 0) {
                throw invalid("auto-retry.max", max, "must be whole seconds between 1s and 3600s");
            }
            this.autoRetryMax = max;
            return this;
        }

        /**
         * Whether error responses ask search engines not to index them (key {@code seo.noindex}):
         * {@code X-Robots-Tag: noindex} and {@code <meta name="robots" content="noindex">}. Default
         * {@code false}, and best left so (standards R26): search engines already ignore 5xx responses, and
         * should a cache or CDN ever turn the status into 200, the noindex would remove the real page.
         *
         * @param enabled whether to send noindex
         * @return this builder
         */
        public Builder noindexEnabled(boolean enabled) {
            this.noindex = enabled;
            return this;
        }

        /**
         * Whether a page of 1 KiB or more is sent gzip-compressed to a client whose {@code Accept-Encoding}
         * takes gzip (key {@code compression.enabled}): {@code Content-Encoding: gzip}, and
         * {@code Accept-Encoding} added to {@code Vary}. The page is compressed once per shape (format, page,
         * language) and the response's own values are filled in uncompressed, so a response costs no
         * compression. The built-in HTML page goes from about 10 KB to about 4 KB. Default {@code true}.
         *
         * <p>A container's own compression ({@code GzipHandler}, Tomcat's {@code compression}) leaves a
         * response that has a {@code Content-Encoding} alone; turn this off only for a front end that
         * mishandles compressed bodies.
         *
         * @param enabled whether to compress
         * @return this builder
         */
        public Builder compressionEnabled(boolean enabled) {
            this.compression = enabled;
            return this;
        }

        /**
         * Lets shared caches keep an error response for a few seconds, to shed load while an upstream is
         * down (key {@code cache.max-age}, standards R17): {@code Cache-Control: public, max-age=N} with
         * {@code N} never above the response's {@code Retry-After}. The cached page shows the same support
         * code to everyone served from the cache. Default zero: {@code Cache-Control: no-store} (R16).
         *
         * @param maxAge whole seconds in [0 s, 10 s]
         * @return this builder
         * @throws IllegalArgumentException if {@code maxAge} is outside [0 s, 10 s] or not whole seconds
         */
        public Builder cacheMaxAge(Duration maxAge) {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxAge.isNegative() || maxAge.compareTo(MAX_CACHE_MAX_AGE) > 0 || maxAge.getNano() != 0) {
                throw invalid("cache.max-age", maxAge, "must be whole seconds between 0s and 10s");
            }
            this.cacheMaxAge = maxAge;
            return this;
        }

        /**
         * Sets the format for clients whose {@code Accept} is absent, {@code *}{@code /*} or names no format
         * we have (key {@code negotiation.fallback}, whose values are written {@code html}, {@code problem-json} or
         * {@code text}). Browsers name {@code text/html} and get HTML whatever this says; when only wildcards speak,
         * the one with the highest q-value covering a format picks it, and this format only breaks a tie. Default
         * {@link #DEFAULT_FALLBACK_FORMAT} (standards R34).
         *
         * @param format the format
         * @return this builder
         */
        public Builder fallbackFormat(PageFormat format) {
            this.fallbackFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException if {@code default-locale} was set and is not one of {@code locales}
         */
        public PageConfig build() {
            if (locales.contains(defaultLocale)) {
                return new PageConfig(this, defaultLocale);
            } else if (defaultLocaleSet) {
                throw invalid("default-locale", defaultLocale.toLanguageTag(), "must be one of locales " + tags(locales));
            }
            return new PageConfig(this, locales.get(0));
        }

        private static @Nullable Locale shipped(Locale locale) {
            String tag = locale.toLanguageTag();
            for (Locale shipped : SHIPPED_LOCALES) {
                if (shipped.toLanguageTag().equalsIgnoreCase(tag)) {
                    return shipped;
                }
            }
            return null;
        }

        private static String tags(List<Locale> locales) {
            List<String> tags = new ArrayList<>();
            locales.forEach(locale -> tags.add(tag(locale)));
            return tags.toString();
        }

        /**
         * A locale as the user would write it in configuration: its language tag, or, for a locale that has
         * none (such as {@code new Locale("en_US")}, whose tag is {@code und}), what it was made of.
         */
        private static String tag(Locale locale) {
            String tag = locale.toLanguageTag();
            return tag.equals("und") && !locale.toString().isEmpty() ? locale.toString() : tag;
        }

        private static IllegalArgumentException invalid(String key, Object value, String rule) {
            return ConfigurationErrors.invalid(key, value, rule);
        }
    }
}
