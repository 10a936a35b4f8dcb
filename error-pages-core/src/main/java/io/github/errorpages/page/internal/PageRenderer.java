package io.github.errorpages.page.internal;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.internal.StripedSecureRandom;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.PageFormat;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders error responses: negotiates format and language, builds the model, renders the precompiled
 * template into a buffer and sets the headers (DESIGN §3 step 5, §4; standards R12, R16–R18, R26, R32–R35,
 * R41).
 *
 * <p>Instances are immutable and thread-safe; build one at startup (it compiles every template).
 */
public final class PageRenderer {

    private static final Logger log = LoggerFactory.getLogger(PageRenderer.class);
    /**
     * How many shapes are kept. An application sees a few dozen (formats × pages × languages × flags); the bound
     * only matters for a template set that turns every response into a shape of its own.
     */
    private static final int MAX_SHAPES = 1024;

    private final PageConfig config;
    private final Clock clock;
    private final FormatNegotiator formats;
    private final LanguageNegotiator languages;
    private final EncodingNegotiator encodings = new EncodingNegotiator();
    /** {@code Vary}: the body depends on these request fields (R18). */
    private final String vary;
    private final PageModels models;
    private final PageTemplates templates;
    /** Every page shape seen so far, or that it has none; bounded by {@link #MAX_SHAPES}. */
    private final Map<ShapeKey, Optional<PageShape>> shapes = new ConcurrentHashMap<>();

    private PageRenderer(PageConfig config, Clock clock, ClassLoader userLoader) {
        this.config = config;
        this.clock = clock;
        this.formats = new FormatNegotiator(config.fallbackFormat());
        this.languages = new LanguageNegotiator(config.locales(), config.defaultLocale());
        this.vary = config.isCompressionEnabled() ? "Accept, Accept-Language, Accept-Encoding" : "Accept, Accept-Language";
        this.models = new PageModels(config);
        this.templates = PageTemplates.compile(config, userLoader, this::sampleModel);
    }

    /**
     * Compiles every template and prepares every language.
     *
     * @param config the page configuration
     * @param clock the clock for the time on the page and how long an upstream has failed
     * @param userLoader the class loader for {@code templates.classpath}
     * @return the renderer
     * @throws IllegalStateException in strict mode, if an application template is missing or broken
     */
    public static PageRenderer create(PageConfig config, Clock clock, ClassLoader userLoader) {
        return new PageRenderer(config, clock, userLoader);
    }

    /**
     * Renders the response for a decision.
     *
     * @param decision the decision
     * @param request the request
     * @param supportCode the support code to show
     * @param maintenance whether this is the maintenance page
     * @param backBy when a maintenance is expected to end, or {@code null}
     * @return the response; for HEAD with the same status and headers as for GET and an empty body (R12).
     *     A long page goes gzip-compressed to a client that takes it, when compression is enabled
     *     ({@code Content-Encoding: gzip})
     */
    public ErrorResponse render(ErrorDecision decision, ErrorRequest request, String supportCode, boolean maintenance,
            @Nullable Instant backBy) {
        FormatNegotiator.Choice choice = formats.choose(request.accept());
        PageFormat format = choice.format();
        Locale locale = languages.negotiate(request.acceptLanguage());
        boolean get = "GET".equals(request.method());
        String page = maintenance ? PageTemplates.MAINTENANCE : Integer.toString(decision.status());
        PageFacts facts = new PageFacts(decision.status(), page, decision.errorCode(), decision.retryAfterSeconds(),
                decision.failure().failingSince(), backBy, supportCode, "urn:uuid:" + StripedSecureRandom.randomUuid(),
                clock.instant(), get && config.isAutoRetryEnabled());
        @Nullable String[] values = models.perResponseValues(facts, locale);
        ShapeKey key = new ShapeKey(format, maintenance, decision.status(), locale, models.shapeFlags(facts, values));
        Optional<PageShape> shape = shapes.get(key);
        try {
            if (shape == null && shapes.size() < MAX_SHAPES) {
                PageTemplates.Rendering rendering = templates.renderForShape(format, page,
                        models.model(facts, locale, values), models.model(facts, locale, PageShape.sentinels(values)));
                if (rendering.fellBack()) {
                    // The template that failed here may render on another thread (a larger stack): this page holds
                    // for this response alone, and which thread came first must not decide every later page.
                    return response(decision, request, choice, locale, rendering.real(), supportCode);
                }
                shape = newShape(key, facts.page(), rendering, values);
            } else if (shape == null) {
                shape = Optional.empty(); // past the bound a new shape is not worth two renders and a check
            }
            if (shape.isPresent()) {
                PageShape ahead = shape.get();
                boolean gzip = ahead.isCompressed() && encodings.acceptsGzip(request.acceptEncoding());
                byte[] body = request.isHead() ? new byte[0] : ahead.body(values, gzip);
                return new ErrorResponse(decision.status(),
                        headers(decision, choice, locale, ahead.contentSecurityPolicy(), gzip), body, supportCode, decision);
            }
            String text = templates.render(format, facts.page(), models.model(facts, locale, values));
            return response(decision, request, choice, locale, text, supportCode);
        } catch (RuntimeException | StackOverflowError bug) {
            // Even the built-in template failed: still never a blank page.
            log.error("error-pages: cannot render the {} page for status {}; sending a plain one", format,
                    decision.status(), bug);
            String text = decision.status() + " " + StatusPhrases.of(decision.status()) + "\nSupport code: "
                    + supportCode + "\n";
            return response(decision, request, FormatNegotiator.Choice.of(PageFormat.TEXT), Locale.ENGLISH, text,
                    supportCode);
        }
    }

    /**
     * Keeps the shape of a response's page, rendered in full and with sentinels, for every later response like
     * it; or keeps that there is none, when the shape does not reproduce the page (then every such page is rendered
     * in full, as this one is).
     */
    private Optional<PageShape> newShape(ShapeKey key, String page, PageTemplates.Rendering rendering,
            @Nullable String[] values) {
        PageShape shape = null;
        if (rendering.withSentinels() != null) {
            String policy = contentSecurityPolicy(key.format(), rendering.real());
            // A value inside a <style> or <script> changes its hash, hence the policy, per response: no shape.
            if (policy.equals(contentSecurityPolicy(key.format(), rendering.withSentinels()))) {
                shape = PageShape.of(key.format(), rendering.withSentinels(), rendering.real(), values, policy,
                        config.isCompressionEnabled());
            }
        }
        if (shape == null) {
            log.debug("error-pages: the {} page {} for status {} in {} is rendered in full on every response: its "
                    + "template uses a per-response value where it cannot be filled in", key.format(), page,
                    key.status(), key.locale().toLanguageTag());
        }
        Optional<PageShape> result = Optional.ofNullable(shape);
        shapes.putIfAbsent(key, result); // past the bound by at most the threads that raced here
        return result;
    }

    private ErrorResponse response(ErrorDecision decision, ErrorRequest request, FormatNegotiator.Choice choice,
            Locale locale, String text, String supportCode) {
        byte[] body = request.isHead() ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        return new ErrorResponse(decision.status(), headers(decision, choice, locale,
                contentSecurityPolicy(choice.format(), text), false), body, supportCode, decision);
    }

    private static String contentSecurityPolicy(PageFormat format, String text) {
        return format == PageFormat.HTML ? ContentSecurityPolicy.forHtml(text) : ContentSecurityPolicy.NON_HTML;
    }

    private Map<String, String> headers(ErrorDecision decision, FormatNegotiator.Choice choice, Locale locale,
            String policy, boolean gzip) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", choice.contentType());
        if (gzip) {
            headers.put("Content-Encoding", "gzip");
        }
        headers.put("Content-Language", locale.toLanguageTag());
        headers.put("Cache-Control", cacheControl(decision));
        if (decision.retryAfterHeader() != null) {
            headers.put("Retry-After", decision.retryAfterHeader());
        }
        headers.put("Vary", vary);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Content-Security-Policy", policy);
        headers.put("Referrer-Policy", "strict-origin-when-cross-origin");
        if (config.isNoindexEnabled()) {
            headers.put("X-Robots-Tag", "noindex");
        }
        return headers;
    }

    private String cacheControl(ErrorDecision decision) {
        long maxAge = maxAgeSeconds(decision);
        return maxAge > 0 ? "public, max-age=" + maxAge : "no-store";
    }

    /**
     * @param decision the decision a response is rendered for
     * @return whether shared caches may keep that response ({@code cache.max-age}, never above its
     *     {@code Retry-After}) and serve it to other clients
     */
    public boolean isShared(ErrorDecision decision) {
        return maxAgeSeconds(decision) > 0;
    }

    private long maxAgeSeconds(ErrorDecision decision) {
        long maxAge = config.cacheMaxAge().getSeconds();
        return decision.retryAfter() != null ? Math.min(maxAge, decision.retryAfterSeconds()) : maxAge;
    }

    /**
     * @return how many shapes are kept, and how many of those are pages rendered in full on every response
     */
    long[] shapeCounts() {
        return new long[] {shapes.size(), shapes.values().stream().filter(Optional::isEmpty).count()};
    }

    /**
     * What decides a page apart from its per-response values ({@link PageModels#shapeFlags}). Not a record: the JDK
     * makes a record's {@code equals} with a method handle of its own ({@code ObjectMethods}), which on JDK 17 kept
     * the last type it was adapted to, this class with it, and so an undeployed application's class loader.
     */
    private static final class ShapeKey {
        private final PageFormat format;
        private final boolean maintenance;
        private final int status;
        private final Locale locale;
        private final int flags;

        ShapeKey(PageFormat format, boolean maintenance, int status, Locale locale, int flags) {
            this.format = format;
            this.maintenance = maintenance;
            this.status = status;
            this.locale = locale;
            this.flags = flags;
        }

        PageFormat format() {
            return format;
        }

        int status() {
            return status;
        }

        Locale locale() {
            return locale;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ShapeKey key && key.format == format && key.maintenance == maintenance
                    && key.status == status && key.flags == flags && key.locale.equals(locale);
        }

        @Override
        public int hashCode() {
            return (((format.hashCode() * 31 + Boolean.hashCode(maintenance)) * 31 + status) * 31 + flags) * 31
                    + locale.hashCode();
        }
    }

    /** A complete model for trying an application's template once at startup. */
    private Map<String, Object> sampleModel(String page) {
        Instant now = clock.instant();
        int status = page.equals(PageTemplates.MAINTENANCE) ? 503 : Integer.parseInt(page);
        PageFacts facts = new PageFacts(status, page, "sample", 30, now.minusSeconds(3600), now.plusSeconds(1800),
                "SAMPLE-0000", "urn:uuid:00000000-0000-0000-0000-000000000000", now, true);
        return models.model(facts, config.defaultLocale());
    }
}
