package io.github.errorpages;

import io.github.errorpages.internal.BodySources;
import io.github.errorpages.internal.FailureLogFields;
import io.github.errorpages.internal.InternalErrors;
import io.github.errorpages.internal.SupportCodes;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.page.internal.PageRenderer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The entry point of error-pages for any transport: classifies a failure, decides status and
 * {@code Retry-After} ({@link ErrorPolicy}), renders the page, and writes one log line carrying the
 * support code the page shows.
 *
 * <p>Rendering ({@link io.github.errorpages.page.PageConfig}) negotiates the format from {@code Accept}
 * (HTML for browsers, {@code application/problem+json} for API clients, plain text; never a 406) and the
 * language from {@code Accept-Language}, renders the template compiled at {@link Builder#build()} into a
 * buffer, and sets every header: {@code Content-Type}, {@code Content-Language}, {@code Cache-Control},
 * {@code Retry-After}, {@code Vary}, {@code Content-Security-Policy} and the other security headers. A long
 * page (the HTML ones) goes gzip-compressed to a client whose {@code Accept-Encoding} takes gzip
 * ({@code Content-Encoding: gzip}; {@code compression.enabled}). A HEAD request gets the same status and
 * headers and an empty body. {@code Content-Length} is not among the headers: a server sets it from the body's
 * length, and for a HEAD sends none, or renders the request as a GET to send that length without the body (R12;
 * never a 0 the GET would not have). Nothing request-derived reaches the body or
 * the headers but the language chosen among fixed tags and a request id that is safe to echo.
 *
 * <p>Instances are immutable and thread-safe; build one per application and share it (building compiles
 * every template). Their only state is the log's: the bugs whose stack traces an instance logged within the last
 * minute, at most 256 ({@link #handle}).
 *
 * @since 0.1.0
 */
public final class ErrorPages {

    /** The MDC key under which the support code is available while the log line is written. */
    public static final String MDC_SUPPORT_CODE = "error_pages.support_code";
    /** The error code of the maintenance page, in the JSON body and the log line. */
    public static final String MAINTENANCE_ERROR_CODE = "maintenance";

    private static final Logger log = LoggerFactory.getLogger(ErrorPages.class);

    static {
        // The servlet module's answers log a bug against the same stack traces as handle() (InternalErrors).
        InternalErrors.grantAccess(pages -> pages.internalErrors);
    }

    /** The last maintenance end a page shows: a day before the year 10000, so that no time zone's date passes it. */
    private static final Instant LAST_SHOWN_END = Instant.parse("9999-12-30T00:00:00Z");
    /** What the maintenance page stands for in its log line: nothing was called ({@code attempts=0}). */
    private static final UpstreamFailure MAINTENANCE =
            UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE).attempts(0).build();

    private final FailureClassifier classifier;
    private final ErrorPolicy policy;
    private final PageConfig pageConfig;
    private final Clock clock;
    private final PageRenderer renderer;
    /** The bugs whose stack traces this instance logged within the last minute: a repeat names the trace's line. */
    private final InternalErrors internalErrors;

    private ErrorPages(Builder builder) {
        this.classifier = builder.classifier != null ? builder.classifier : FailureClassifier.ofDefaults();
        // The builder's clock for the policy too: an HTTP-date Retry-After from another clock than the page's time
        // and sentences (and renderMaintenance's header) would contradict them.
        this.policy = builder.policy != null ? builder.policy
                : ErrorPolicy.of(builder.config, builder.clock, () -> ThreadLocalRandom.current().nextLong());
        this.pageConfig = builder.pageConfig;
        this.clock = builder.clock;
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        this.renderer = PageRenderer.create(pageConfig, clock, context != null ? context : ErrorPages.class.getClassLoader());
        this.internalErrors = new InternalErrors(clock);
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
     * @return the clock in use: "now" for the pages, and for the {@code Retry-After} date of an exception
     *     {@link #handle} reads (see {@link Builder#clock})
     */
    public Clock clock() {
        return clock;
    }

    /**
     * @return the page configuration in use
     */
    public PageConfig pageConfig() {
        return pageConfig;
    }

    /**
     * Answers an exception if it is an upstream failure.
     *
     * <p>A guarded call that the request body's source failed ({@link io.github.errorpages.upstream.GuardedHttpClient}
     * or {@link io.github.errorpages.upstream.UpstreamGuard} ending with an {@link java.io.UncheckedIOException}: the
     * client the body streams from stalled or went away) is no upstream failure, though its cause chain holds the
     * attempt's timeout or the source's I/O exception: it gets no page (a 504 would blame the upstream for the
     * client's stall), unless an {@link UpstreamFailureException} wraps it.
     *
     * <p>Besides the page's {@code error page} line, a failure of cause {@code proxy_internal_error} (a bug: an
     * exception no classifier knows, thrown by code a guard ran) has {@code throwable} logged at {@code ERROR} on this
     * class's logger, under the page's support code: with its stack trace, or, when this instance logged the trace of
     * the same bug (its exceptions' classes and stack traces) within the last minute (timed on
     * {@link System#nanoTime()}, whatever the {@link #clock()}), on one line with its class and message and the
     * support code and time (on the {@link #clock()}) of the line that has the trace. The response holds none of it.
     *
     * @param throwable what the upstream call (or the application) threw
     * @param request the request being answered
     * @return the response, or empty when the exception is no upstream failure (let the caller's own
     *     error handling deal with it)
     */
    public Optional<ErrorResponse> handle(Throwable throwable, ErrorRequest request) {
        // Checked at the call, as every public method's (package-info): a null throwable was "no upstream failure"
        // and a null request was never looked at for a throwable no classifier knows.
        Objects.requireNonNull(throwable, "throwable");
        Objects.requireNonNull(request, "request");
        if (BodySources.isBodySourceFailure(throwable)) {
            return Optional.empty();
        }
        return classifier.classify(throwable, clock).map(failure -> {
            ErrorResponse response = render(failure, request);
            // A bug behind the page: the exception, which the page's line does not hold, goes to the log (ERROR).
            InternalErrors.log(this, failure, throwable, response.supportCode());
            return response;
        });
    }

    /**
     * Decides and renders the response for a failure.
     *
     * @param failure the failure
     * @param request the request being answered
     * @return the response, never {@code null}
     * @throws NullPointerException if {@code failure} or {@code request} is null
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
     * @throws NullPointerException if {@code decision} or {@code request} is null
     */
    public ErrorResponse render(ErrorDecision decision, ErrorRequest request) {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(request, "request");
        String supportCode = supportCode(decision, request);
        ErrorResponse response = renderer.render(decision, request, supportCode, false, null);
        logIncident(decision, supportCode);
        return response;
    }

    /**
     * Renders the maintenance page: a 503 whose {@code Retry-After} points at the end of the maintenance,
     * for a site (or part of one) taken down on purpose. The template is {@code maintenance}; its error
     * code is {@value #MAINTENANCE_ERROR_CODE}.
     *
     * @param request the request being answered
     * @param until when the maintenance is expected to end, or {@code null} when unknown; the
     *     {@code Retry-After} is the time left until then, clamped to {@code [1 s, retry-after.max]}, or the
     *     configured 503 default, with {@code retry-after.jitter}, when unknown or past; the page says the end
     *     and, past the clamp, counts its "try again in" words to the end rather than to the header's delay; an end
     *     after the year 9999 is not shown on the page
     * @return the response, never {@code null}
     * @throws NullPointerException if {@code request} is null
     */
    public ErrorResponse renderMaintenance(ErrorRequest request, @Nullable Instant until) {
        Objects.requireNonNull(request, "request");
        ErrorDecision decision = decideMaintenance(until);
        String supportCode = supportCode(decision, request);
        // An end past any calendar's year 9999 (Instant.MAX, a "never" spelt as a time) has no time of day to show.
        Instant shownUntil = until != null && until.isAfter(LAST_SHOWN_END) ? null : until;
        ErrorResponse response = renderer.render(decision, request, supportCode, true, shownUntil);
        logIncident(decision, supportCode);
        return response;
    }

    /**
     * Decides the maintenance page's status and {@code Retry-After} as {@link #renderMaintenance} does, without
     * rendering a page or writing a log line: for an answer that is no page but must agree with it, such as the
     * servlet filter's plain-text 503 for {@code /robots.txt} during a maintenance.
     *
     * @param until when the maintenance is expected to end, or {@code null} when unknown
     * @return a 503 with error code {@value #MAINTENANCE_ERROR_CODE} whose {@code Retry-After} is the time left until
     *     {@code until} by this instance's {@link #clock()}, clamped to {@code [1 s, retry-after.max]}, or the
     *     configured 503 default when {@code until} is unknown or past, jittered ({@code retry-after.jitter}) and
     *     clamped as a failure's, in the configured format (as an HTTP-date, a known end within the clamp is named
     *     itself, rounded up to its second); never {@code null}
     * @since 0.1.0
     */
    public ErrorDecision decideMaintenance(@Nullable Instant until) {
        ErrorPagesConfig config = policy.config();
        Instant now = clock.instant();
        Duration retryAfter = until == null ? null : Duration.between(now, until);
        // The end itself when the header can point at it: neither unknown, past nor clamped to retry-after.max.
        Instant end = null;
        if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
            Duration fallback = config.retryAfterDefault(503);
            // Jittered as any 503's default: with no end to point at, every client was sent back to the same second.
            retryAfter = policy.jitteredDefault(fallback != null ? fallback : ErrorPagesConfig.DEFAULT_RETRY_AFTER_503);
        } else {
            // A known end stays exact: the time left, which jitter would only put after the end the page announces.
            long left = RetryAfter.ceilSeconds(retryAfter);
            long max = config.retryAfterMax().getSeconds();
            retryAfter = Duration.ofSeconds(Math.min(left, max));
            end = left > max ? null : until;
        }
        // An HTTP-date names the end, rounded up to its second: the time left, already rounded up, counted from now
        // rounded up again named the second after any end on a whole second, which an announced end always is.
        String header = config.retryAfterFormat() != RetryAfterFormat.HTTP_DATE
                ? RetryAfter.formatDelaySeconds(retryAfter)
                : end != null ? RetryAfter.formatHttpDate(RetryAfter.ceilToSecond(end))
                : RetryAfter.formatHttpDate(now, retryAfter);
        return new ErrorDecision(503, FailureCause.DESTINATION_UNAVAILABLE, MAINTENANCE_ERROR_CODE, retryAfter, header,
                MAINTENANCE);
    }

    /**
     * The request's own id, unless shared caches may keep the page: the id is the caller's to choose, and shown to
     * everyone the cache serves it would be a text any caller could put on the site ("CALL.1-800-..."), so such a
     * page gets a code of its own, which its log line has too.
     */
    private String supportCode(ErrorDecision decision, ErrorRequest request) {
        return renderer.isShared(decision) ? SupportCodes.newCode() : SupportCodes.supportCode(request.requestId());
    }

    private static void logIncident(ErrorDecision decision, String supportCode) {
        UpstreamFailure failure = decision.failure();
        MDC.put(MDC_SUPPORT_CODE, supportCode);
        try {
            // Why the failure was not retried is the operator's alone: in the line, never on the page (R36).
            RetryRefusal refusal = failure.retryRefusal();
            log.warn("error page status={} cause={} upstream={} attempts={} elapsed_ms={} retry_refused={} "
                    + "support_code={}", decision.status(), decision.errorCode(),
                    failure.upstream().isEmpty() ? "-" : failure.upstream(), FailureLogFields.attempts(failure),
                    FailureLogFields.elapsedMillis(failure), refusal == null ? "-" : refusal.token(), supportCode);
        } finally {
            MDC.remove(MDC_SUPPORT_CODE);
        }
    }

    /** Builds {@link ErrorPages}. Not thread-safe. */
    public static final class Builder {
        private ErrorPagesConfig config = ErrorPagesConfig.ofDefaults();
        /** Whether {@link #config} was called: a {@link #policy} carries a configuration of its own. */
        private boolean configSet;
        private @Nullable FailureClassifier classifier;
        private @Nullable ErrorPolicy policy;
        private PageConfig pageConfig = PageConfig.ofDefaults();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * @param config the decision configuration; default {@link ErrorPagesConfig#ofDefaults()}; not with a
         *     {@link #policy(ErrorPolicy)}, which carries its own ({@link #build()} refuses both)
         * @return this builder
         */
        public Builder config(ErrorPagesConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            this.configSet = true;
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
         * @param policy the policy, in place of the one made from the default configuration (it carries its own,
         *     {@link ErrorPolicy#config()}, which the pages then use: set no {@link #config(ErrorPagesConfig)} too)
         * @return this builder
         */
        public Builder policy(ErrorPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param pageConfig how pages are rendered: branding, templates, languages, opt-in behaviours;
         *     default {@link PageConfig#ofDefaults()}
         * @return this builder
         */
        public Builder pageConfig(PageConfig pageConfig) {
            this.pageConfig = Objects.requireNonNull(pageConfig, "pageConfig");
            return this;
        }

        /**
         * @param clock the clock for the time shown on pages, how long an upstream has failed, the end of a
         *     maintenance, a {@code Retry-After} written as an HTTP-date (unless a {@link #policy} of its own is
         *     given), and the delay of an HTTP-date {@code Retry-After} an exception holds
         *     ({@link FailureClassifier#classify(Throwable, Clock)}), and the time a bug's log line names for the line
         *     with its stack trace when it repeats within a minute ({@link ErrorPages#handle}; that minute is timed on
         *     {@link System#nanoTime()}, not on this clock, which may be {@link Clock#fixed}); default
         *     {@link Clock#systemUTC()}
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Builds the error pages: compiles every template and loads every language, so that a broken
         * template is found now rather than on the first failing request.
         *
         * @return the error pages
         * @throws IllegalStateException if {@code templates.strict} is on and an application template folder
         *     does not exist or an application template does not compile or render
         * @throws IllegalStateException if both {@link #config(ErrorPagesConfig)} and {@link #policy(ErrorPolicy)}
         *     were set: the policy's own configuration would be used and the other silently ignored
         * @throws java.util.ServiceConfigurationError without a classifier set, when a listed
         *     {@link io.github.errorpages.spi.CauseClassifier} cannot be loaded
         *     ({@link FailureClassifier#ofDefaults()})
         */
        public ErrorPages build() {
            if (configSet && policy != null) {
                throw new IllegalStateException("ErrorPages.Builder: both config(...) and policy(...) were set, and a "
                        + "policy decides by its own configuration (ErrorPolicy.of(config, clock, random)): set one");
            }
            return new ErrorPages(this);
        }
    }
}
