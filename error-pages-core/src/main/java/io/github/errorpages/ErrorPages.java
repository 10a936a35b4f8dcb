package io.github.errorpages;

import io.github.errorpages.internal.SupportCodes;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The entry point of error-pages for any transport: classifies a failure, decides status and
 * {@code Retry-After} ({@link ErrorPolicy}), renders the page in the negotiated format, and writes one log
 * line carrying the support code the page shows.
 *
 * <p>Instances are immutable and thread-safe; build one per application and share it.
 *
 * @since 0.1.0
 */
public final class ErrorPages {

    /** The MDC key under which the support code is available while the log line is written. */
    public static final String MDC_SUPPORT_CODE = "error_pages.support_code";

    private static final Logger log = LoggerFactory.getLogger(ErrorPages.class);

    private final FailureClassifier classifier;
    private final ErrorPolicy policy;

    private ErrorPages(Builder builder) {
        this.classifier = builder.classifier != null ? builder.classifier : FailureClassifier.ofDefaults();
        this.policy = builder.policy != null ? builder.policy : ErrorPolicy.of(builder.config);
    }

    /**
     * @return error pages with every default
     */
    public static ErrorPages ofDefaults() {
        return builder().build();
    }

    /**
     * @return a new builder; not thread-safe
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the classifier in use
     */
    public FailureClassifier classifier() {
        return classifier;
    }

    /**
     * @return the policy in use
     */
    public ErrorPolicy policy() {
        return policy;
    }

    /**
     * Answers an exception if it is an upstream failure.
     *
     * @param throwable what the upstream call (or the application) threw
     * @param request the request being answered
     * @return the response, or empty when the exception is no upstream failure (let the caller's own
     *     error handling deal with it)
     */
    public Optional<ErrorResponse> handle(Throwable throwable, ErrorRequest request) {
        return classifier.classify(throwable).map(failure -> render(failure, request));
    }

    /**
     * Decides and renders the response for a failure.
     *
     * @param failure the failure
     * @param request the request being answered
     * @return the response, never {@code null}
     */
    public ErrorResponse render(UpstreamFailure failure, ErrorRequest request) {
        return render(policy.decide(failure), request);
    }

    /**
     * Renders the response for a decision already made, and writes the log line.
     *
     * @param decision the decision
     * @param request the request being answered
     * @return the response, never {@code null}
     */
    public ErrorResponse render(ErrorDecision decision, ErrorRequest request) {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(request, "request");
        String supportCode = SupportCodes.supportCode(request.requestId());
        boolean json = prefersJson(request.accept());
        String body = json ? json(decision, supportCode) : text(decision, supportCode);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", json ? "application/problem+json" : "text/plain; charset=UTF-8");
        headers.put("Cache-Control", "no-store");
        if (decision.retryAfterHeader() != null) {
            headers.put("Retry-After", decision.retryAfterHeader());
        }
        headers.put("Vary", "Accept, Accept-Language");
        headers.put("X-Content-Type-Options", "nosniff");
        byte[] bytes = request.isHead() ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        logIncident(decision, supportCode);
        return new ErrorResponse(decision.status(), headers, bytes, supportCode, decision);
    }

    private static void logIncident(ErrorDecision decision, String supportCode) {
        UpstreamFailure failure = decision.failure();
        MDC.put(MDC_SUPPORT_CODE, supportCode);
        try {
            log.warn("error page status={} cause={} upstream={} attempts={} elapsed_ms={} support_code={}",
                    decision.status(), decision.errorCode(), failure.upstream().isEmpty() ? "-" : failure.upstream(),
                    failure.attempts(), failure.elapsed().toMillis(), supportCode);
        } finally {
            MDC.remove(MDC_SUPPORT_CODE);
        }
    }

    private static boolean prefersJson(@Nullable String accept) {
        return accept == null || !accept.toLowerCase(Locale.ROOT).contains("text/plain");
    }

    private static String json(ErrorDecision decision, String supportCode) {
        return "{\"type\":\"about:blank\",\"title\":\"" + reason(decision.status()) + "\",\"status\":" + decision.status()
                + ",\"code\":\"" + decision.errorCode() + "\",\"support_code\":\"" + supportCode + "\"}";
    }

    private static String text(ErrorDecision decision, String supportCode) {
        return decision.status() + " " + reason(decision.status()) + "\nSupport code: " + supportCode + "\n";
    }

    private static String reason(int status) {
        switch (status) {
            case 502: return "Bad Gateway";
            case 503: return "Service Unavailable";
            case 504: return "Gateway Timeout";
            default: return "Internal Server Error";
        }
    }

    /** Builds {@link ErrorPages}. Not thread-safe. */
    public static final class Builder {
        private ErrorPagesConfig config = ErrorPagesConfig.ofDefaults();
        private @Nullable FailureClassifier classifier;
        private @Nullable ErrorPolicy policy;

        private Builder() {
        }

        /**
         * @param config the decision configuration; default {@link ErrorPagesConfig#ofDefaults()}
         * @return this builder
         */
        public Builder config(ErrorPagesConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * @param classifier the classifier; default {@link FailureClassifier#ofDefaults()}
         * @return this builder
         */
        public Builder classifier(FailureClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /**
         * @param policy the policy, replacing the one made from {@link #config(ErrorPagesConfig)}
         * @return this builder
         */
        public Builder policy(ErrorPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @return the error pages
         */
        public ErrorPages build() {
            return new ErrorPages(this);
        }
    }
}
