package io.github.errorpages.page;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Every built-in page, with a failure that leads to it, for tests that go through all of them: the four
 * statuses with their own page, a status that falls back to {@code 5xx}, and maintenance.
 */
enum BuiltInPage {
    INTERNAL_ERROR_500(500),
    BAD_GATEWAY_502(502),
    SERVICE_UNAVAILABLE_503(503),
    GATEWAY_TIMEOUT_504(504),
    ANY_OTHER_5XX_507(507),
    MAINTENANCE(503);

    /** What Chrome sends for a navigation. */
    static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
            + "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
    /** Every built-in language. */
    static final List<String> LANGUAGES = List.of("en", "de", "fr", "es", "pt", "ja", "zh-CN", "ar");
    /** A browser's, an API client's and a text client's Accept: HTML, problem details and text. */
    static final List<String> ACCEPTS = List.of(BROWSER_ACCEPT, "application/json", "text/plain");
    /** The problem details' {@code instance}, random per response. */
    static final Pattern INSTANCE = Pattern.compile("urn:uuid:[0-9a-f-]{36}");
    static final Instant NOW = Instant.parse("2026-11-24T10:15:30Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    /** The upstream's configured name: it must never reach a response (R37). */
    static final String UPSTREAM_NAME = "billing-internal.svc.cluster.local";

    final int status;

    BuiltInPage(int status) {
        this.status = status;
    }

    static ErrorPages pages(PageConfig config) {
        return ErrorPages.builder().pageConfig(config).clock(CLOCK).build();
    }

    ErrorResponse render(ErrorPages pages, ErrorRequest request) {
        if (this == MAINTENANCE) {
            return pages.renderMaintenance(request, NOW.plus(Duration.ofMinutes(45)));
        }
        return pages.render(failure(null), request);
    }

    ErrorResponse render(ErrorPages pages, @Nullable String accept, @Nullable String acceptLanguage) {
        return render(pages, new ErrorRequest("GET", "/orders/42", accept, acceptLanguage, null));
    }

    /**
     * @param failingSince since when the upstream fails, or {@code null}
     * @return a failure that leads to this page (not for {@link #MAINTENANCE})
     */
    UpstreamFailure failure(@Nullable Instant failingSince) {
        UpstreamFailure.Builder builder = switch (this) {
            case INTERNAL_ERROR_500 -> UpstreamFailure.builder(FailureCause.PROXY_INTERNAL_ERROR);
            case BAD_GATEWAY_502 -> UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED);
            case SERVICE_UNAVAILABLE_503 -> UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                    .breakerRemainingOpen(Duration.ofSeconds(45)).attempts(0);
            case GATEWAY_TIMEOUT_504 -> UpstreamFailure.builder(FailureCause.CONNECTION_TIMEOUT);
            case ANY_OTHER_5XX_507 -> UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(507)
                    .upstreamRetryAfter(Duration.ofSeconds(300));
            case MAINTENANCE -> throw new IllegalStateException("maintenance is not a failure");
        };
        return builder.upstream(UPSTREAM_NAME).failingSince(failingSince).build();
    }
}
