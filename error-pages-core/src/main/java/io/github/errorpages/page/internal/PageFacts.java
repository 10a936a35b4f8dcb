package io.github.errorpages.page.internal;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What one error response says, before it is put into words: the input of {@link PageModels}.
 *
 * @param status the HTTP status
 * @param page the template page: the status as text, or {@link PageTemplates#MAINTENANCE}
 * @param errorCode the stable error code, e.g. {@code connection_refused}
 * @param retryAfterSeconds the {@code Retry-After} delay in seconds, or 0 when none is sent
 * @param failingSince since when the upstream fails, or {@code null} when unknown
 * @param backBy when a maintenance is expected to end, or {@code null}
 * @param supportCode the support code
 * @param instance the problem details {@code instance}, e.g. {@code urn:uuid:...}
 * @param now the time of the response
 * @param autoRetry whether the page may count down and reload (GET, and enabled)
 */
public record PageFacts(
        int status,
        String page,
        String errorCode,
        long retryAfterSeconds,
        @Nullable Instant failingSince,
        @Nullable Instant backBy,
        String supportCode,
        String instance,
        Instant now,
        boolean autoRetry) {
}
