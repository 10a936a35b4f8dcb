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

    private final PageConfig config;
    private final Clock clock;
    private final FormatNegotiator formats;
    private final LanguageNegotiator languages;
    private final PageModels models;
    private final PageTemplates templates;

    private PageRenderer(PageConfig config, Clock clock, ClassLoader userLoader) {
        this.config = config;
        this.clock = clock;
        this.formats = new FormatNegotiator(config.fallbackFormat());
        this.languages = new LanguageNegotiator(config.locales(), config.defaultLocale());
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
     * @return the response; for HEAD with the same status and headers as for GET and an empty body (R12)
     */
    public ErrorResponse render(ErrorDecision decision, ErrorRequest request, String supportCode, boolean maintenance,
            @Nullable Instant backBy) {
        PageFormat format = formats.negotiate(request.accept());
        Locale locale = languages.negotiate(request.acceptLanguage());
        String page = maintenance ? PageTemplates.MAINTENANCE : Integer.toString(decision.status());
        boolean get = "GET".equalsIgnoreCase(request.method());
        PageFacts facts = new PageFacts(decision.status(), page, decision.errorCode(), decision.retryAfterSeconds(),
                decision.failure().failingSince(), backBy, supportCode, "urn:uuid:" + StripedSecureRandom.randomUuid(), clock.instant(),
                get && config.isAutoRetryEnabled());
        String body;
        try {
            body = templates.render(format, page, models.model(facts, locale));
        } catch (RuntimeException bug) {
            // Even the built-in template failed: still never a blank page.
            log.error("error-pages: cannot render the {} page for status {}; sending a plain one", format,
                    decision.status(), bug);
            format = PageFormat.TEXT;
            body = decision.status() + " " + StatusPhrases.of(decision.status()) + "\nSupport code: " + supportCode + "\n";
            locale = Locale.ENGLISH;
        }
        Map<String, String> headers = headers(decision, format, locale, body);
        byte[] bytes = request.isHead() ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        return new ErrorResponse(decision.status(), headers, bytes, supportCode, decision);
    }

    private Map<String, String> headers(ErrorDecision decision, PageFormat format, Locale locale, String body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", format.contentType());
        headers.put("Content-Language", locale.toLanguageTag());
        headers.put("Cache-Control", cacheControl(decision));
        if (decision.retryAfterHeader() != null) {
            headers.put("Retry-After", decision.retryAfterHeader());
        }
        headers.put("Vary", "Accept, Accept-Language");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Content-Security-Policy",
                format == PageFormat.HTML ? ContentSecurityPolicy.forHtml(body) : ContentSecurityPolicy.NON_HTML);
        headers.put("Referrer-Policy", "strict-origin-when-cross-origin");
        if (config.isNoindexEnabled()) {
            headers.put("X-Robots-Tag", "noindex");
        }
        return headers;
    }

    private String cacheControl(ErrorDecision decision) {
        long maxAge = config.cacheMaxAge().getSeconds();
        if (decision.retryAfter() != null) {
            maxAge = Math.min(maxAge, decision.retryAfterSeconds());
        }
        return maxAge > 0 ? "public, max-age=" + maxAge : "no-store";
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
