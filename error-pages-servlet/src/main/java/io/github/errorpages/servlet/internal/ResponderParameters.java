package io.github.errorpages.servlet.internal;

import io.github.errorpages.ErrorPages;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The init-parameters that the filter and the proxy servlet share: how error responses are decided
 * ({@link ConfigParameters}) and rendered ({@link PageParameters}), the {@code /robots.txt} fallback and the
 * request-id header.
 */
public final class ResponderParameters {

    /** The {@code /robots.txt} content served while the upstream fails. */
    public static final String ROBOTS_TXT_FALLBACK = "robots-txt.fallback";
    /** The web-application resource holding the {@code /robots.txt} fallback. */
    public static final String ROBOTS_TXT_FALLBACK_RESOURCE = "robots-txt.fallback-resource";
    /** The request header carrying the request id. */
    public static final String REQUEST_ID_HEADER = "request-id-header";
    /** The request-id header used by default. */
    public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";

    /** The keys of these parameters, as listed in messages about an unknown parameter. */
    public static final String KEYS_FOR_MESSAGES = ROBOTS_TXT_FALLBACK + ", " + ROBOTS_TXT_FALLBACK_RESOURCE + ", "
            + REQUEST_ID_HEADER + ", status.<token>, retry-after.*, branding.*, templates.*, locales, default-locale, "
            + "auto-retry.*, seo.noindex, compression.enabled, cache.max-age, negotiation.fallback";

    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    private ResponderParameters() {
    }

    /**
     * @param key an init-parameter name
     * @return whether it is one of these parameters
     */
    public static boolean isKey(String key) {
        return key.equals(ROBOTS_TXT_FALLBACK) || key.equals(ROBOTS_TXT_FALLBACK_RESOURCE)
                || key.equals(REQUEST_ID_HEADER) || ConfigParameters.isConfigKey(key) || PageParameters.isKey(key);
    }

    /**
     * Builds the responder from the parameters that are its keys; others are ignored.
     *
     * @param parameters init-parameters by name
     * @param context the web application, for {@value #ROBOTS_TXT_FALLBACK_RESOURCE}
     * @return the responder
     * @throws IllegalArgumentException naming the parameter and the value when one is invalid
     */
    public static ErrorResponder responder(Map<String, String> parameters, ServletContext context) {
        Map<String, String> config = new LinkedHashMap<>();
        parameters.forEach((key, value) -> {
            if (ConfigParameters.isConfigKey(key)) {
                config.put(key, value.trim());
            }
        });
        // Blank is unset, as for the other optional parameters (an unfilled placeholder): the 503, not an empty 200
        // that tells crawlers everything is allowed (RFC 9309 §2.2.2) while the site is down. A robots.txt that
        // allows all is written "User-agent: *" and "Disallow:".
        String fallback = unlessBlank(parameters.get(ROBOTS_TXT_FALLBACK));
        String resource = unlessBlank(parameters.get(ROBOTS_TXT_FALLBACK_RESOURCE));
        if (fallback != null && resource != null) {
            throw ConfigParameters.invalid(ROBOTS_TXT_FALLBACK_RESOURCE, resource,
                    "cannot be combined with " + ROBOTS_TXT_FALLBACK);
        }
        if (resource != null) {
            // A blank file (left unfilled) is no fallback either: its empty 200 would allow crawlers everything.
            fallback = unlessBlank(resource(context, resource.trim()));
        }
        String header = parameters.get(REQUEST_ID_HEADER);
        // A refusal of the whole (default-locale against locales, a folder that must exist, a colour's contrast)
        // names the value as written too, and what it was read as.
        ErrorPages pages = ConfigParameters.builtAsWritten(parameters, () -> ErrorPages.builder()
                .config(ConfigParameters.config(config))
                .pageConfig(PageParameters.config(parameters))
                .build());
        return new ErrorResponder(pages, fallback, requestIdHeader(header == null ? DEFAULT_REQUEST_ID_HEADER : header.trim()));
    }

    private static @Nullable String unlessBlank(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * @param name a header name
     * @return the name
     * @throws IllegalArgumentException naming {@value #REQUEST_ID_HEADER} when it is not a header name
     */
    public static String requestIdHeader(String name) {
        if (!HEADER_NAME.matcher(name).matches()) {
            throw ConfigParameters.invalid(REQUEST_ID_HEADER, name, "must be a header name");
        }
        return name;
    }

    private static String resource(@Nullable ServletContext context, String path) {
        try (InputStream in = context == null ? null : context.getResourceAsStream(path)) {
            if (in == null) {
                throw ConfigParameters.invalid(ROBOTS_TXT_FALLBACK_RESOURCE, path, "names no resource of the web application");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ConfigParameters.invalid(ROBOTS_TXT_FALLBACK_RESOURCE, path, "could not be read (" + e.getMessage() + ")");
        }
    }
}
