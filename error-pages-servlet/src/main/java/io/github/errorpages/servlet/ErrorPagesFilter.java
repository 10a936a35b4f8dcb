package io.github.errorpages.servlet;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.RetryAfter;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.internal.Causes;
import io.github.errorpages.internal.FailureLogFields;
import io.github.errorpages.internal.InternalErrors;
import io.github.errorpages.servlet.internal.AsyncCapturingRequest;
import io.github.errorpages.servlet.internal.CapturingResponse;
import io.github.errorpages.servlet.internal.ClientAborts;
import io.github.errorpages.servlet.internal.ConfigParameters;
import io.github.errorpages.servlet.internal.ErrorResponder;
import io.github.errorpages.servlet.internal.Interception;
import io.github.errorpages.servlet.internal.LogProviderCheck;
import io.github.errorpages.servlet.internal.ResponderParameters;
import io.github.errorpages.servlet.internal.ResponseAbortedException;
import io.github.errorpages.servlet.internal.UnreadBodies;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns upstream failures into branded error pages, for any Servlet 6 application: put it in front of
 * the servlets that call upstreams and it answers, with the page {@link ErrorPages} renders,
 * <ul>
 *   <li>an exception from the chain that classifies as an upstream failure
 *       ({@link FailureClassifier}; causes are unwrapped from {@link ServletException}), and</li>
 *   <li>a status the application sets with {@code sendError} or {@code setStatus} that is one of the
 *       intercepted statuses (default 502, 503 and 504). The application is then treated like an
 *       upstream whose well-formed 5xx is passed through (R3): the status is kept, a {@code Retry-After}
 *       it set is kept and clamped, and the body is replaced by the page; the error code is
 *       {@code upstream_status}. An application that knows the real cause can say so through
 *       {@link #FAILURE_ATTRIBUTE}; one down for maintenance on purpose answers with the maintenance page
 *       ({@link ErrorPages#renderMaintenance}: a 503 whose {@code Retry-After} points at the announced end) through
 *       {@link #MAINTENANCE_ATTRIBUTE}.</li>
 * </ul>
 * Any other exception is thrown on untouched, to the application's or the container's own error handling.
 *
 * <p>The order of work for each request: call the chain exactly once (a request attribute guards against re-entry
 * through forwards, includes and error dispatches, and a second instance of the filter in the same chain does nothing
 * but log one WARN line; what fails in a request another web application's filter wrapped and dispatched here is
 * answered by this one, with its settings, and the other lets its page through; an include it is not in front of,
 * mapped for {@code INCLUDE} too, it passes through where the includer gets what is thrown: an included servlet's
 * failure is its includer's); if the response is already committed, append nothing, log the incident once (a client
 * that went away only at DEBUG) and throw an {@link IOException} on, which makes the container abort the connection so
 * the client sees an incomplete response rather than a truncated one that looks whole (R5); {@code /robots.txt} gets
 * the static fallback or a plain-text 503, never the page (R27); everything else gets the page, written by the filter
 * itself with {@code setStatus}, every header and {@code Content-Length}, never through the container's error handling.
 * A HEAD request gets the status and headers a GET would get, and no body (R12). On Jetty, which closes an HTTP/1
 * connection whose request body was not read to its end once the request ends, the page says
 * {@code Connection: close} when the application did not read the body to its end (what of it is here already, up to
 * 64 KiB of a body of known length, is discarded first, and the connection kept, but not from the page's thread in an
 * asynchronous cycle not yet completed; a form or multipart body Jetty parsed for parameters or parts was read whole):
 * not for a body it took as characters, whose reader hides how much of the body was read (docs/troubleshooting.md).
 *
 * <p>Asynchronous requests ({@code startAsync}) are handled too: a captured status is answered when the
 * application calls {@code AsyncContext.complete()}, an exception thrown by an async dispatch when the
 * dispatch returns, and an error the container reports for the cycle when it is reported. For that the
 * filter must be registered with {@code async-supported} and for the {@code REQUEST} and {@code ASYNC}
 * dispatcher types. A status set by the target of a forward (a JSP view, say) is answered when the forward
 * returns, which the filter sees when it is registered for the {@code FORWARD} dispatcher type too: Tomcat 11
 * suspends the response at the end of a forward, after which no page can be written. The {@code AsyncListener}s the
 * application added to the cycle through the context the filter's request hands out (from {@code startAsync} or
 * {@code getAsyncContext()}) are told of an upstream failure the target of the cycle's {@code dispatch} threw, or the
 * servlet that started the cycle, with {@code onError}, before the page is written and then {@code onComplete}, as the
 * Servlet specification asks of the container before its error dispatch: without the filter Tomcat and Undertow tell
 * them so, and Jetty 12 too, but for a dispatch's target that started no cycle of its own; the filter does on all
 * three, to a listener of the last cycle that added itself again in {@code onStartAsync} too (Undertow, which tells
 * that only once the dispatch returned and completes the last cycle's listeners with the new one, has them all told).
 * A {@code complete()} there is harmless (the filter completes a cycle still started once the page is written);
 * a {@code dispatch} is refused with an {@code IllegalStateException}, as the container refuses one of a cycle
 * dispatched already. A listener that commits an answer of its own there has it aborted (the page cannot follow), and
 * is told no second {@code onError} of that abort, nor of a client's reset while the page is written. Listeners added
 * to the container's own context (by a filter in front of this one, or for a cycle started past the filter's request
 * wrapper) are out of its reach, and get {@code onComplete} only.
 *
 * <p>An upstream failure a {@code ReadListener} (from {@code onDataAvailable} or {@code onAllDataRead}) or a
 * {@code WriteListener} (from {@code onWritePossible}) throws before the response is committed is answered at once, and
 * the cycle completed, whoever started the cycle: the application through the request the filter handed down, a filter
 * in front of this one (the application taking the cycle with {@code getAsyncContext()}), or the application on the
 * container's own request, past the filter's wrapper (a framework that unwraps the request). In that last setup the
 * application holds the container's own {@code AsyncContext}: the filter completes it only after the listener's
 * {@code onError} was told of the failure, for Tomcat refuses a second {@code complete()} with an
 * {@code IllegalStateException}. Once told, a {@code ReadListener} is called no more (Tomcat would call
 * {@code onAllDataRead} after an {@code onDataAvailable} that read the body to its end and threw). The listener must be
 * set on the stream of the request or response the filter handed down (or of a wrapper of it): one set on the
 * container's own (such as the streams of {@code getRequest()} or {@code getResponse()} of a cycle started on the
 * container's request without arguments) is out of the filter's reach, and so is an error the container reports to the
 * {@code AsyncListener}s of a cycle that was not started through the filter's request: the container handles those as
 * without the filter. After commit, a {@code WriteListener}'s or {@code ReadListener}'s upstream failure aborts the
 * response as every failure after commit does (R5): Tomcat tells it to the cycle's {@code AsyncListener}s, whose
 * {@code onError} the filter aborts from; Jetty tells it only to the listener's own {@code onError}, and then closes
 * the stream (a {@code WriteListener}'s) or leaves the response to the {@code complete()} that {@code onError} calls,
 * either of which would end the body as if whole, so there the filter aborts the response itself once that
 * {@code onError} returned. Undertow closes the connection for a {@code WriteListener}'s by itself (the filter logs the
 * abort), and tells a {@code ReadListener}'s, as Jetty does, only to that listener's {@code onError}, whose
 * {@code complete()} would end the body as if whole at once: the filter aborts that response too, closing the
 * connection (for HTTP/2 resetting the stream) before it tells that {@code onError}.
 *
 * <p>Registration, every way a servlet application expects:
 * <ul>
 *   <li>{@code web.xml}, configured with init-parameters (see below);</li>
 *   <li>{@code ServletContext.addFilter("errorPages", ErrorPagesFilter.class)}, with init-parameters set on
 *       the registration;</li>
 *   <li>a configured instance, {@code ServletContext.addFilter("errorPages", ErrorPagesFilter.builder()...build())};</li>
 *   <li>automatically, by {@link ErrorPagesInitializer}, when the context parameter
 *       {@value ErrorPagesInitializer#ENABLED_PARAMETER} is {@code true}.</li>
 * </ul>
 *
 * <p>Init-parameters (read only by a filter made with the public constructor; an instance from the
 * builder is configured already and refuses init-parameters, so that no setting is silently ignored):
 * <ul>
 *   <li>{@value #INTERCEPT_STATUSES_PARAMETER}: comma-separated 5xx statuses, default {@code 502,503,504};
 *       empty to answer exceptions only;</li>
 *   <li>{@value #ROBOTS_TXT_FALLBACK_PARAMETER}: the {@code /robots.txt} served with 200 while the upstream
 *       fails; or {@value #ROBOTS_TXT_FALLBACK_RESOURCE_PARAMETER}: the path of a resource of the web
 *       application holding it (e.g. {@code /WEB-INF/robots-fallback.txt}); default none (a 503);</li>
 *   <li>{@value #REQUEST_ID_HEADER_PARAMETER}: the request header whose value is shown as the support
 *       code when it is safe to echo, default {@value #DEFAULT_REQUEST_ID_HEADER};</li>
 *   <li>every key of {@link ErrorPagesConfig}: {@code status.<token>}, {@code retry-after.max},
 *       {@code retry-after.default.<status>}, {@code retry-after.on-502-504}, {@code retry-after.jitter},
 *       {@code retry-after.format};</li>
 *   <li>every key of {@link io.github.errorpages.page.PageConfig} and
 *       {@link io.github.errorpages.page.Branding}: {@code branding.site-name}, {@code branding.logo},
 *       {@code branding.*-url}, {@code branding.support-email}, the {@code branding.*-color} and
 *       {@code branding.dark.*-color} keys, {@code templates.directory}, {@code templates.classpath},
 *       {@code templates.strict}, {@code locales}, {@code default-locale}, {@code auto-retry.enabled},
 *       {@code auto-retry.max}, {@code seo.noindex}, {@code compression.enabled}, {@code cache.max-age},
 *       {@code negotiation.fallback}.</li>
 * </ul>
 * Durations are written {@code 30} (seconds), {@code 30s}, {@code 500ms}, {@code 5m}, {@code 1h}, {@code 1d} or
 * {@code PT30S}; lists are comma-separated.
 * An unknown parameter or an invalid value fails {@link #init(FilterConfig)} with a message that names the
 * parameter and the value.
 *
 * <p>Only Servlet 6.0 API is used: the filter runs on Jetty 12 (ee10, and Jetty 12.1's ee11), Tomcat 10.1 and 11, and
 * Undertow 2.3, which initialises a filter at its first request: there an invalid init-parameter fails every request
 * rather than the start, unless the deployment has {@code DeploymentInfo.setEagerFilterInit(true)}.
 * Instances are thread-safe once initialised.
 *
 * @since 0.1.0
 */
public final class ErrorPagesFilter implements Filter {

    /** Init-parameter: the statuses turned into pages when the application sets them. */
    public static final String INTERCEPT_STATUSES_PARAMETER = "intercept-statuses";
    /** Init-parameter: the {@code /robots.txt} content served while the upstream fails. */
    public static final String ROBOTS_TXT_FALLBACK_PARAMETER = ResponderParameters.ROBOTS_TXT_FALLBACK;
    /** Init-parameter: the web-application resource holding the {@code /robots.txt} fallback. */
    public static final String ROBOTS_TXT_FALLBACK_RESOURCE_PARAMETER = ResponderParameters.ROBOTS_TXT_FALLBACK_RESOURCE;
    /** Init-parameter: the request header carrying the request id. */
    public static final String REQUEST_ID_HEADER_PARAMETER = ResponderParameters.REQUEST_ID_HEADER;

    /** The statuses intercepted by default. */
    public static final Set<Integer> DEFAULT_INTERCEPTED_STATUSES = Set.of(502, 503, 504);
    /** The request-id header used by default. */
    public static final String DEFAULT_REQUEST_ID_HEADER = ResponderParameters.DEFAULT_REQUEST_ID_HEADER;

    /**
     * Request attribute through which an application that sets an intercepted status itself can name the
     * real failure: an {@link UpstreamFailure}, or a {@link Throwable} that classifies as one. The page
     * is then rendered for that failure (its status included) instead of for the bare status; a
     * {@code Retry-After} the application set counts as the failure's {@link UpstreamFailure#upstreamRetryAfter()}
     * when it has none of its own, as it counts for a bare status.
     */
    public static final String FAILURE_ATTRIBUTE = "io.github.errorpages.failure";

    /**
     * Request attribute through which an application that sets an intercepted status itself answers with the
     * maintenance page instead of the page for the bare status: {@link ErrorPages#renderMaintenance}, a 503 (whatever
     * intercepted status was set) with error code {@value ErrorPages#MAINTENANCE_ERROR_CODE}, one {@code error page}
     * line, and a {@code Retry-After} that points at the announced end (a {@code Retry-After} the application set is
     * not used). Set it, then {@code sendError} or {@code setStatus} an intercepted status, {@code 503} say:
     * <pre>{@code
     * request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, Instant.parse("2026-12-06T06:00:00Z"));
     * response.sendError(503);
     * }</pre>
     * The value is an {@link Instant}, when the maintenance is expected to end, or {@link Boolean#TRUE} when that is
     * unknown (the configured 503 default {@code Retry-After}); see {@link ErrorPages#renderMaintenance} for the
     * clamp. Any other value, {@link Boolean#FALSE} included, is ignored: the status is answered as without the
     * attribute. The page is answered as every page the filter writes: content negotiation, HEAD, within an include,
     * when an async cycle completes, never after the response was committed, and for {@code /robots.txt} the
     * configured fallback or a plain-text 503 with the maintenance page's {@code Retry-After}. It takes precedence
     * over {@link #FAILURE_ATTRIBUTE} when both are set, and answers a status set only: an upstream failure the
     * application throws is answered with that failure's page.
     */
    public static final String MAINTENANCE_ATTRIBUTE = "io.github.errorpages.maintenance";

    private static final int MAX_UNWRAP = 32;
    private static final Logger log = LoggerFactory.getLogger(ErrorPagesFilter.class);
    /** The context attribute holding what {@link #checkAhead} built until {@link #init} takes it. */
    private static final String CHECKED_AHEAD_ATTRIBUTE = ErrorPagesFilter.class.getName() + ".checkedAhead";

    private final boolean configuredInCode;
    private final AtomicBoolean warnedOfAnotherInstance = new AtomicBoolean();
    private volatile @Nullable String filterName;
    private volatile @Nullable Settings settings;

    /**
     * Creates a filter that takes its settings from its init-parameters in {@link #init(FilterConfig)}:
     * the constructor containers call for {@code web.xml} and {@code addFilter(name, Class)}.
     */
    public ErrorPagesFilter() {
        this.configuredInCode = false;
    }

    private ErrorPagesFilter(Settings settings) {
        this.configuredInCode = true;
        this.settings = settings;
    }

    /**
     * @return a new builder, holding the defaults; not thread-safe
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the init-parameters, unless the filter was made by {@link #builder()}.
     *
     * @param filterConfig the container's filter configuration
     * @throws ServletException naming the parameter and the value when a parameter is unknown or invalid,
     *     or when a filter made by the builder is given init-parameters, or is initialised for a second web
     *     application before it was destroyed in the first
     */
    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        LogProviderCheck.warnIfDropped(filterConfig.getServletContext());
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String name : Collections.list(filterConfig.getInitParameterNames())) {
            parameters.put(name, filterConfig.getInitParameter(name));
        }
        filterName = filterConfig.getFilterName();
        boolean autoRegistered = ErrorPagesInitializer.FILTER_NAME.equals(filterConfig.getFilterName())
                && parameters.remove(ErrorPagesInitializer.MARK_PARAMETER) != null; // the initializer's mark
        if (configuredInCode) {
            if (!parameters.isEmpty()) {
                throw new ServletException("ErrorPagesFilter '" + filterConfig.getFilterName() + "' was configured by "
                        + "its builder and ignores init-parameters; remove " + parameters.keySet()
                        + " or register the filter by class to configure it with init-parameters");
            }
            Settings built = Objects.requireNonNull(settings);
            ServletContext application = filterConfig.getServletContext();
            ServletContext other = built.context();
            if (other != null && other != application) {
                // Which application a request it wrapped came from would be unknown, and a request one application
                // dispatches to the other would be taken for one of its own: answered by neither filter.
                throw new ServletException("ErrorPagesFilter '" + filterConfig.getFilterName() + "' is one instance "
                        + "registered in two web applications (" + other.getContextPath() + " and "
                        + application.getContextPath() + "): build an instance for each application");
            }
            settings = built.in(application);
            return;
        }
        ServletContext application = filterConfig.getServletContext();
        Object ahead = autoRegistered && application != null ? application.getAttribute(CHECKED_AHEAD_ATTRIBUTE)
                : null;
        if (ahead != null) {
            application.removeAttribute(CHECKED_AHEAD_ATTRIBUTE); // whether taken or not: it holds built pages
        }
        if (ahead instanceof CheckedAhead checked && checked.parameters().equals(parameters)) {
            // Built by checkAhead: the pages are built, and broken templates logged, once. For the context object
            // the filter is given, which requests are told apart by (a container may hand initializers another).
            settings = checked.settings().in(application);
            return;
        }
        try {
            settings = Settings.of(parameters, application);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // IllegalStateException: templates.strict and a template that does not compile.
            throw new ServletException(autoRegistered ? asContextParameter(e.getMessage(), parameters.keySet(),
                    filterConfig.getServletContext()) : e.getMessage(), e);
        }
    }

    /**
     * Checks the parameters the initializer registers the filter with as {@link #init} would, when the application
     * starts: Undertow starts a filter only at its first request, so an invalid value started the application and then
     * failed every request with the container's 500. The settings built are kept for {@link #init} to take.
     *
     * @param parameters the filter's init-parameters, without the initializer's mark
     * @param fromContext those of them that context parameters set, which the message names as such
     * @param context the application being started
     * @throws ServletException as {@link #init} throws it, naming the context parameter and its value
     */
    static void checkAhead(Map<String, String> parameters, Set<String> fromContext, ServletContext context)
            throws ServletException {
        try {
            context.setAttribute(CHECKED_AHEAD_ATTRIBUTE,
                    new CheckedAhead(Map.copyOf(parameters), Settings.of(parameters, context)));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ServletException(asContextParameter(e.getMessage(), fromContext, context), e);
        }
    }

    /** What {@link #checkAhead} built, for the parameters it was given. */
    private record CheckedAhead(Map<String, String> parameters, Settings settings) {
    }

    /**
     * Registered by the initializer, the parameters are the context's, and the message names the context parameter
     * as the application wrote it: {@code error-pages.retry-after.max} (or {@code Error-Pages.retry-after.max}, the
     * prefix matching in any case), not {@code retry-after.max}, which as a context parameter would configure nothing.
     */
    private static @Nullable String asContextParameter(@Nullable String message, Set<String> keys,
            @Nullable ServletContext context) {
        String invalid = "Invalid error-pages configuration: ";
        if (message == null || !message.startsWith(invalid)) {
            return message;
        }
        String named = message.substring(invalid.length());
        int end = named.indexOf(' ');
        String key = end < 0 ? named : named.substring(0, end);
        // A message that names a parameter names it first; one about a template, say, names none.
        if (!keys.contains(key)) {
            return message;
        }
        String prefixed = ErrorPagesInitializer.PARAMETER_PREFIX + key;
        if (context == null) {
            return invalid + "context parameter " + prefixed + named.substring(key.length());
        }
        for (String name : Collections.list(context.getInitParameterNames())) {
            if (name.equalsIgnoreCase(prefixed) && name.endsWith(key)) {
                return invalid + "context parameter " + name + named.substring(key.length());
            }
        }
        return message; // an init-parameter of a declaration of the filter in web.xml, named as it is written there
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        Settings current = settings();
        if (!(servletRequest instanceof HttpServletRequest request)
                || !(servletResponse instanceof HttpServletResponse response)) {
            chain.doFilter(servletRequest, servletResponse);
            return;
        }
        try {
            filter(current, request, response, chain);
        } catch (ResponseAbortedException aborted) {
            throw aborted.forContainer(request, response); // logged already
        }
    }

    private void filter(Settings current, HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        CapturingResponse dispatched =
                request.getDispatcherType() == DispatcherType.ASYNC ? CapturingResponse.find(response) : null;
        if (dispatched != null && current.sameApplication(dispatched)) {
            // An async dispatch of a request this application's filter wrapped: the objects are already ours, if
            // this instance wrapped them.
            if (dispatched.madeFor(current)) {
                run(current, request, dispatched, chain, request, response);
            } else {
                chain.doFilter(request, response);
            }
            return;
        }
        Object outermost = request.getAttribute(CapturingResponse.OUTERMOST_ATTRIBUTE);
        CapturingResponse inChain = outermost != null ? CapturingResponse.find(response) : null;
        if (outermost != null) {
            if (inChain != null && inChain.madeFor(current)) {
                reentered(current, request, response, chain, inChain);
                return;
            }
            if (current.sameApplication(inChain != null ? inChain : outermost)) {
                // Another instance in this application's chain, or this application's request without its wrappers
                // (an error dispatch): the chain runs once, for the pass that wrapped the request.
                if (inChain != null) {
                    warnOfAnotherInstance(request);
                }
                chain.doFilter(request, response);
                return;
            }
            // Another web application's filter wrapped the request and dispatched it here: with its wrappers out of
            // reach (Jetty 12 gives a cross-context dispatch a request and a response of this context's own; another
            // copy of this class), it sees nothing thrown or set here; with them in the chain (Tomcat wraps the
            // caller's response), it would answer with its own settings, or not at all where the container ends a
            // forward's response first. This one answers what fails in its application, with its settings, and lets
            // its page through the other's.
        }
        if (request.getDispatcherType() == DispatcherType.INCLUDE
                && (outermost == null || inChain != null || !includedFromAnotherApplication(request))) {
            // Mapped for includes too, and reached first by one (mapped to the included servlets only, or included
            // from another web application whose wrappers are in the chain, as on Tomcat): an included servlet's
            // failure is its includer's, to catch (a widget's fallback) or to let through to its own handling.
            // Answered here, the page was a part of the includer's answer, which never saw the exception. (Jetty's
            // cross-context include from a filtered application hands the includer nothing thrown here: it is
            // answered here, with a part.)
            chain.doFilter(request, response);
            return;
        }
        // Both wrappers are made for every request (issue 7 budgets them): the request wrapper cannot be
        // saved, because startAsync() would otherwise start the cycle with the container's own response
        // (see AsyncCapturingRequest).
        CapturingResponse capturing = new CapturingResponse(response, current);
        if (outermost == null) {
            request.setAttribute(CapturingResponse.OUTERMOST_ATTRIBUTE, capturing);
        }
        AsyncCapturingRequest wrapped = new AsyncCapturingRequest(request, capturing);
        run(current, wrapped, capturing, chain, wrapped, capturing);
    }

    /**
     * Whether an include dispatch crosses into this application from another one: within an include, the request's
     * path is the includer's, and the include attributes name the included servlet's (Servlet 6, 9.3.1).
     */
    private static boolean includedFromAnotherApplication(HttpServletRequest request) {
        return !Objects.equals(request.getContextPath(), request.getAttribute(RequestDispatcher.INCLUDE_CONTEXT_PATH));
    }

    /**
     * The request passes this filter again, in a forward, an include or an error dispatch: the chain is called once,
     * by the pass that wrapped it.
     *
     * @param inChain the capturing response in the chain of {@code response}, if any
     */
    private static void reentered(Settings current, HttpServletRequest request, HttpServletResponse response,
            FilterChain chain, @Nullable CapturingResponse inChain) throws IOException, ServletException {
        chain.doFilter(request, response);
        if (request.getDispatcherType() == DispatcherType.FORWARD && inChain != null && !request.isAsyncStarted()) {
            // The end of a forward: Tomcat 11 suspends the response when the forward returns, so a status the
            // forward's target set must be answered now, not when the chain of the request returns.
            finish(current, request, inChain);
        }
    }

    /**
     * Another instance of this filter is in front of this one (registered twice: by the initializer and in
     * {@code web.xml}, say) and answers the request with its own settings; this one's would be silently unused.
     */
    private void warnOfAnotherInstance(HttpServletRequest request) {
        if (request.getDispatcherType() == DispatcherType.REQUEST && !warnedOfAnotherInstance.getAndSet(true)) {
            log.warn("Two ErrorPagesFilter instances are registered for {}: the one in front answers with its "
                    + "settings, and this one, registered as '{}' ({}), does nothing. Register the filter once",
                    request.getRequestURI(), filterName, this);
        }
    }

    @Override
    public void destroy() {
        // Nothing to release (the filter holds no threads or connections); a filter made by the builder may be
        // initialised again, for another application too.
        Settings current = settings;
        if (configuredInCode && current != null) {
            settings = current.in(null);
        }
    }

    @Override
    public String toString() {
        Settings current = settings;
        return "ErrorPagesFilter{" + (current == null ? "not initialised" : "interceptedStatuses="
                + new TreeSet<>(current.interceptedStatuses)) + '}';
    }

    private static void run(Settings settings, HttpServletRequest request, CapturingResponse capturing,
            FilterChain chain, ServletRequest chainRequest, ServletResponse chainResponse)
            throws IOException, ServletException {
        try {
            chain.doFilter(chainRequest, chainResponse);
        } catch (IOException | ServletException | RuntimeException e) {
            failed(settings, request, capturing, e);
            return;
        }
        if (!request.isAsyncStarted()) {
            finish(settings, request, capturing);
        } else if (request instanceof AsyncCapturingRequest wrapped) {
            // Perhaps started past the wrapper: a listener's failure is answered through the container's context.
            wrapped.chainReturnedInCycle();
        }
    }

    private static void failed(Settings settings, HttpServletRequest request, CapturingResponse capturing,
            Exception exception) throws IOException, ServletException {
        Throwable cause = unwrap(exception);
        if (ResponseAbortedException.isAbort(cause)) {
            throw rethrown(exception); // answered and logged already (by the proxy servlet)
        }
        if (ClientAborts.isClientAbort(cause)) {
            if (log.isDebugEnabled()) {
                log.debug("The request's own connection failed during {} {}", request.getMethod(),
                        request.getRequestURI(), Causes.printable(exception));
            }
            throw rethrown(exception);
        }
        // A servlet that started a cycle, or the target of an async dispatch: the container would have told the cycle's
        // listeners of what it threw before its error dispatch, and hears of nothing the filter answers.
        boolean cycleFailed = request.isAsyncStarted() || request.getDispatcherType() == DispatcherType.ASYNC;
        if (!settings.answerThrown(request, capturing, exception, cause, cycleFailed)) {
            throw rethrown(exception);
        }
        completeIfAsync(request);
    }

    /**
     * Where the page for the request goes ({@link CapturingResponse#answerTarget}), the page told to close the
     * connection where the container would close it after the page without a word: the application did not read the
     * request's body to its end ({@link UnreadBodies#closeIfNotReadWhole}).
     */
    private static HttpServletResponse pageTarget(HttpServletRequest request, CapturingResponse capturing) {
        HttpServletResponse target = capturing.answerTarget(request);
        if (!target.isCommitted()) {
            UnreadBodies.closeIfNotReadWhole(request, target);
        }
        return target;
    }

    private static void completeIfAsync(HttpServletRequest request) {
        if (request.isAsyncStarted()) {
            // The servlet started an async cycle, then threw: the container never hears of the exception, so
            // the cycle would stay open until its timeout and the container's own error page replaced ours.
            try {
                request.getAsyncContext().complete();
            } catch (IllegalStateException endedMeanwhile) {
                // Another thread completed or dispatched the cycle first: the page is written either way.
            }
        }
    }

    private static void finish(Settings settings, HttpServletRequest request, CapturingResponse capturing)
            throws IOException {
        if (capturing.capturedStatus() == 0) {
            answerSwallowedFailure(settings, request, capturing);
            return;
        }
        if (!capturing.markAnswered()) {
            return;
        }
        if (capturing.target().isCommitted()) {
            // Nothing went out since the status was captured (output and flushes are dropped): Tomcat suspends the
            // response at the end of a forward, and calls that committed. Its status goes out, without a body. An
            // abort would have been answered with Tomcat's 500 report, naming this library's exception.
            log.warn("The error page for the {} of {} {} could not be written: the response was committed without "
                    + "it (on Tomcat, by the end of a forward: register ErrorPagesFilter for the FORWARD dispatcher "
                    + "type too)", capturing.capturedStatus(), request.getMethod(), request.getRequestURI());
            return;
        }
        settings.respondCaptured(request, capturing);
    }

    /**
     * Answers an upstream failure Spring MVC took for the client's disconnect. Its {@code DispatcherServlet} answers
     * nothing for an exception with an {@code EOFException} in its cause chain, or "Broken pipe" or "Connection reset
     * by peer" in its deepest message ({@code DisconnectedClientHelper}): an upstream's body cut short is such an
     * exception, which the chain never threw here, and the client got an empty 200. Spring keeps the exception it
     * resolved so in a request attribute. Answered only when the resolution left the response untouched (no status,
     * header, content type, cookie or output set, nothing sent): an exception handler's own answer, an empty 200
     * with a header say, stands; headers set before the resolution (a CORS Vary) or after it (an ETag) do not count.
     */
    private static void answerSwallowedFailure(Settings settings, HttpServletRequest request,
            CapturingResponse capturing) throws IOException {
        // The response's own fields first: nearly every response was touched (a status, a body), and a request
        // attribute costs a walk through the container's layers (on Jetty 12 about a quarter of the filter's own
        // CPU on the happy path, load harness (a)).
        if (!capturing.untouchedByResolution()) {
            return;
        }
        if (!(request.getAttribute(CapturingResponse.SPRING_MVC_EXCEPTION_ATTRIBUTE) instanceof Throwable resolved)
                || !takenForADisconnect(resolved)) {
            return;
        }
        Optional<UpstreamFailure> failure = upstreamFailureOf(resolved, settings.classifier(), settings.clock());
        if (failure.isEmpty() || !capturing.markAnswered()) {
            return;
        }
        log.debug("Answering an upstream failure Spring MVC resolved to nothing for {} {}", request.getMethod(),
                request.getRequestURI(), resolved);
        ErrorResponder.noteThrown(request, failure.get(), resolved);
        settings.responder.respond(request, pageTarget(request, capturing), failure.get(),
                capturing.writesWithoutBlocking());
    }

    /**
     * Whether Spring MVC's {@code DisconnectedClientHelper} (6.1 on) takes the exception for the client's disconnect:
     * an {@code EOFException} or an {@code EofException} in its cause chain, or "Broken pipe" or "Connection reset by
     * peer" in the message of its deepest cause.
     */
    private static boolean takenForADisconnect(Throwable resolved) {
        Throwable current = resolved;
        Throwable deepest = resolved;
        for (int i = 0; current != null && i < MAX_UNWRAP; i++, current = Causes.of(current)) {
            String name = current.getClass().getSimpleName();
            if (name.equals("EOFException") || name.equals("EofException")) {
                return true;
            }
            deepest = current;
        }
        String read = Causes.messageOf(deepest); // the application's exception: its getMessage() may throw
        String message = read == null ? "" : read.toLowerCase(Locale.ROOT);
        return message.contains("broken pipe") || message.contains("connection reset by peer");
    }

    /**
     * Reads an exception as the filter reads one the chain throws, for application code that answers it itself and
     * names the failure with {@link #FAILURE_ATTRIBUTE} (a JAX-RS {@code ExceptionMapper}, see the quick start): the
     * upstream failure it stands for, also when wrapped in a {@link ServletException}. Empty when it stands for none,
     * and when it is a failure of the request's own connection (the client went away, or its upload stalled past the
     * container's timeout): the classifier alone would read those as an upstream's. Thread-safe.
     *
     * <p>A {@code Retry-After} date the exception holds is measured from the system clock; see
     * {@link #upstreamFailureOf(Throwable, FailureClassifier, Clock)} for pages with a clock of their own.
     *
     * @param thrown what the application caught
     * @param classifier the classifier to read it with, such as {@link FailureClassifier#ofDefaults()}
     * @return the upstream failure, or empty
     * @throws NullPointerException if {@code thrown} or {@code classifier} is null
     */
    public static Optional<UpstreamFailure> upstreamFailureOf(Throwable thrown, FailureClassifier classifier) {
        return upstreamFailureOf(thrown, classifier, Clock.systemUTC());
    }

    /**
     * Reads an exception as {@link #upstreamFailureOf(Throwable, FailureClassifier)} does, with {@code clock} for
     * "now": the delay of a {@code Retry-After} date the exception holds is measured from it, as the filter measures
     * one with its pages' clock ({@link ErrorPages#clock()}). Thread-safe.
     *
     * @param thrown what the application caught
     * @param classifier the classifier to read it with, such as {@link FailureClassifier#ofDefaults()}
     * @param clock what "now" is, such as the pages' clock
     * @return the upstream failure, or empty
     * @throws NullPointerException if {@code thrown}, {@code classifier} or {@code clock} is null
     */
    public static Optional<UpstreamFailure> upstreamFailureOf(Throwable thrown, FailureClassifier classifier,
            Clock clock) {
        Objects.requireNonNull(classifier, "classifier");
        Objects.requireNonNull(clock, "clock");
        Throwable cause = unwrap(Objects.requireNonNull(thrown, "thrown"));
        if (ResponseAbortedException.isAbort(cause) || ClientAborts.isClientAbort(cause)) {
            return Optional.empty();
        }
        return classifier.classify(cause, clock);
    }

    private static Set<Integer> checkedStatuses(Collection<Integer> statuses) {
        return checkedStatuses(statuses, statuses);
    }

    /**
     * @param statuses the statuses
     * @param asWritten what the message shows as the value: the init-parameter as written, or the collection given
     */
    private static Set<Integer> checkedStatuses(Collection<Integer> statuses, Object asWritten) {
        Set<Integer> checked = new TreeSet<>();
        for (Integer status : statuses) {
            if (status == null || status < 500 || status > 599) {
                throw ConfigParameters.invalid(INTERCEPT_STATUSES_PARAMETER, asWritten,
                        "must list 5xx statuses (500-599) only");
            }
            if (!checked.add(status)) {
                // As locales and endpoints are: a repeat is a slip (a status meant, another typed), not a wish.
                throw ConfigParameters.invalid(INTERCEPT_STATUSES_PARAMETER, asWritten, "must not name a status twice");
            }
        }
        return Set.copyOf(checked);
    }

    /** Throws a checked exception of the chain on as it is; returns (for {@code throw}) a ServletException. */
    private static ServletException rethrown(Exception exception) throws IOException {
        if (exception instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (exception instanceof IOException io) {
            throw io;
        }
        return (ServletException) exception;
    }

    private static UpstreamFailure capturedFailure(Settings settings, HttpServletRequest request,
            CapturingResponse capturing) {
        Object named = request.getAttribute(FAILURE_ATTRIBUTE);
        Optional<UpstreamFailure> failure = named instanceof UpstreamFailure given ? Optional.of(given)
                : named instanceof Throwable throwable
                        ? settings.classifier().classify(unwrap(throwable), settings.clock()) : Optional.empty();
        if (named instanceof Throwable throwable && failure.isPresent()) {
            // A bug the application named (proxy_internal_error) is logged with its page, as one it threw would be.
            ErrorResponder.noteThrown(request, failure.get(), throwable);
        }
        if (failure.isPresent() && failure.get().upstreamRetryAfter() != null) {
            return failure.get();
        }
        // The application's own Retry-After, as for a bare status, for a named failure that carries none.
        Duration retryAfter = RetryAfter.parse(capturing.target().getHeader("Retry-After"), settings.clock())
                .orElse(null);
        if (failure.isPresent()) {
            return retryAfter == null ? failure.get()
                    : failure.get().toBuilder().upstreamRetryAfter(retryAfter).build();
        }
        // A status the application set: no guard made an attempt for it (attempts=0 in the log line, as upstream=-).
        return UpstreamFailure.ofUpstreamStatus(capturing.capturedStatus(), retryAfter).toBuilder().attempts(0).build();
    }

    private static Throwable unwrap(Throwable throwable) {
        Throwable current = throwable;
        for (int i = 0; i < MAX_UNWRAP && current instanceof ServletException servlet
                && servlet.getRootCause() != null; i++) {
            current = servlet.getRootCause();
        }
        return current;
    }

    private Settings settings() {
        Settings current = settings;
        if (current == null) {
            throw new IllegalStateException("ErrorPagesFilter was not initialised: the container must call init()");
        }
        return current;
    }

    /**
     * What a configured filter needs, and what it answers its wrappers: which statuses they capture, and
     * what happens at the end of an async cycle, which the chain does not return through. Immutable.
     */
    private record Settings(ErrorResponder responder, Set<Integer> interceptedStatuses,
            @Nullable ServletContext context) implements Interception {

        /** The settings of a filter made by the builder, for the application the container says it serves. */
        Settings in(@Nullable ServletContext servletContext) {
            return new Settings(responder, interceptedStatuses, servletContext);
        }

        FailureClassifier classifier() {
            return responder.errorPages().classifier();
        }

        /** The pages' clock: "now" for a {@code Retry-After} date, as the pages' own dates are. */
        Clock clock() {
            return responder.errorPages().clock();
        }

        /** Whether a capturing response (a request's outermost, say) was made by a filter of this one's application. */
        boolean sameApplication(Object outermost) {
            // Identity: a record's equals would compare the settings.
            return outermost instanceof CapturingResponse capturing
                    && capturing.interception() instanceof Settings other && other.context == context;
        }

        @Override
        public boolean intercepts(int status) {
            // Only 5xx statuses are ever intercepted (checkedStatuses), so the statuses of the happy path
            // are answered without boxing them for the set.
            return status >= 500 && interceptedStatuses.contains(status);
        }

        @Override
        public void answerCaptured(HttpServletRequest request, CapturingResponse response) {
            try {
                finish(this, request, response);
            } catch (ResponseAbortedException logged) {
                // Logged once already; the container completes what it has.
            } catch (IOException e) {
                log.debug("Could not write the error page for the captured status of {} {}", request.getMethod(),
                        request.getRequestURI(), e);
            }
        }

        @Override
        public void onError(HttpServletRequest request, CapturingResponse response, Throwable error,
                AsyncContext context) {
            Throwable cause = unwrap(error);
            if (ClientAborts.isClientAbort(cause)) {
                if (log.isDebugEnabled()) {
                    log.debug("The request's own connection failed during async {} {}", request.getMethod(),
                            request.getRequestURI(), Causes.printable(error));
                }
                return;
            }
            if (containerAnswers(response)) {
                return;
            }
            Optional<UpstreamFailure> failure = classifier().classify(cause, clock());
            if (failure.isEmpty() || !response.markAnswered()) {
                return; // the container's error handling answers
            }
            try {
                ErrorResponder.noteThrown(request, failure.get(), error);
                responder.respond(request, pageTarget(request, response), failure.get(),
                        response.writesWithoutBlocking());
                context.complete();
            } catch (ResponseAbortedException logged) {
                // Committed: left to the container, which aborts the connection of a failed async cycle; with a reset
                // where its close would end the body as if whole.
                ResponseAbortedException.resetIfTheCloseEndsTheBody(request, response);
            } catch (IOException e) {
                log.debug("Could not write the error page of async {} {}", request.getMethod(),
                        request.getRequestURI(), e);
            }
        }

        @Override
        public boolean onTaskFailure(HttpServletRequest request, CapturingResponse response, RuntimeException failure,
                AsyncContext context) {
            Throwable cause = unwrap(failure);
            if (ResponseAbortedException.isAbort(cause) || ClientAborts.isClientAbort(cause)) {
                return false;
            }
            if (response.target().isCommitted()) {
                // Nothing to answer with, and no thread of the container's to abort the connection from: its async
                // timeout ends the cycle, as without the filter (Tomcat aborts the connection then; Jetty ends the
                // response as it is). Logged as every failure after commit is, which it was not.
                Optional<UpstreamFailure> classified = classifier().classify(cause, clock());
                classified.ifPresent(upstream -> log.warn("response to {} {} cut short: "
                        + "upstream failure {} after the response was committed, in a task of its async cycle, which "
                        + "the container ends at its async timeout (upstream={}, attempts={}, elapsed_ms={}, "
                        + "retry_refused={})", request.getMethod(), request.getRequestURI(), upstream.cause().token(),
                        upstream.upstream().isEmpty() ? "-" : upstream.upstream(), FailureLogFields.attempts(upstream),
                        FailureLogFields.elapsedMillis(upstream), ErrorResponder.retryRefused(upstream)));
                // A bug behind it is logged as behind any response aborted once committed (operations.md).
                classified.ifPresent(upstream -> InternalErrors.log(responder.errorPages(), upstream, failure, null));
                return false;
            }
            return answerAndComplete(request, response, failure, cause, context);
        }

        @Override
        public boolean onListenerFailure(HttpServletRequest request, CapturingResponse response, Throwable failure) {
            Throwable cause = unwrap(failure);
            if (ResponseAbortedException.isAbort(cause) || ClientAborts.isClientAbort(cause)
                    || response.target().isCommitted()) {
                // Left to the container as before: after commit Tomcat reports it to onError, which logs it once.
                return false;
            }
            return answered(request, response, failure, cause);
        }

        @Override
        public @Nullable ResponseAbortedException onCommittedListenerFailure(HttpServletRequest request,
                CapturingResponse response, Throwable failure, boolean writeListener) {
            boolean jetty = ResponseAbortedException.onJetty(response.target());
            boolean undertow = ResponseAbortedException.onUndertow(response.target());
            if (!jetty && !undertow) {
                return null; // Tomcat tells the cycle's onError, which aborts
            }
            Throwable cause = unwrap(failure);
            if (ResponseAbortedException.isAbort(cause) || ClientAborts.isClientAbort(cause)
                    || containerAnswers(response)) {
                return null;
            }
            Optional<UpstreamFailure> upstream = classifier().classify(cause, clock());
            ResponseAbortedException abort = upstream.isPresent() && response.markAnswered()
                    ? responder.abort(request, upstream.get()) : null;
            if (abort != null) {
                // A bug behind it is logged as behind any response aborted once committed (operations.md).
                InternalErrors.log(responder.errorPages(), upstream.get(), failure, null);
            }
            // Undertow closes the connection of a write listener's itself once the failure is thrown on, telling no one
            // else: only the line, and a reset where that close would end the body as if whole. A read listener's it
            // leaves to the listener's onError, whose complete() ended the body as if whole: the filter aborts it, as
            // on Jetty.
            if (jetty || !writeListener) {
                return abort;
            }
            if (abort != null) {
                ResponseAbortedException.resetIfTheCloseEndsTheBody(request, response);
            }
            return null;
        }

        private boolean answerAndComplete(HttpServletRequest request, CapturingResponse response, Throwable failure,
                Throwable cause, AsyncContext context) {
            if (!answered(request, response, failure, cause)) {
                return false;
            }
            context.complete();
            return true;
        }

        /** Writes the page for what the application threw in an async cycle, if it stands for an upstream failure. */
        private boolean answered(HttpServletRequest request, CapturingResponse response, Throwable failure,
                Throwable cause) {
            try {
                return answerThrown(request, response, failure, cause, false);
            } catch (ResponseAbortedException committedMeanwhile) {
                return false;
            } catch (IOException e) {
                log.debug("Could not write the error page of async {} {}", request.getMethod(),
                        request.getRequestURI(), e);
                return true;
            }
        }

        /**
         * Answers an exception of the application's, once the request is marked answered: with its upstream
         * failure's page, or after a {@code sendError} of an intercepted status, with that status's
         * ({@link #respondCaptured}). The application answered, then threw to have the failure logged: its answer
         * stands, as the container keeps it without the filter, rather than a 500 naming the exception. An upstream
         * failure thrown after the {@code sendError} names the failure, as {@link #FAILURE_ATTRIBUTE} would, but for a
         * maintenance the application announced ({@link #MAINTENANCE_ATTRIBUTE}), whose page comes first.
         *
         * @param thrown what the application threw, for the log
         * @param cause its cause that is classified
         * @param tellListeners whether a servlet that started an async cycle, or the target of an async dispatch, threw
         *     it: the {@code AsyncListener}s of the cycle are told first ({@code onError}), before anything is
         *     committed, as the container would have told them before its error dispatch
         * @return whether the filter answered; not when there is nothing to answer (no upstream failure and no
         *     status sent, or the request answered already)
         * @throws ResponseAbortedException as {@link ErrorResponder#respond} throws it
         * @throws IOException when writing fails
         */
        boolean answerThrown(HttpServletRequest request, CapturingResponse response, Throwable thrown,
                Throwable cause, boolean tellListeners) throws IOException {
            if (containerAnswers(response)) {
                return false;
            }
            Optional<UpstreamFailure> classified = classifier().classify(cause, clock());
            if (classified.isEmpty() && !response.errorSent() || !response.markAnswered()) {
                return false;
            }
            if (tellListeners && !response.target().isCommitted()) {
                // Committed, the abort thrown on is the container's to tell them of (Tomcat, Undertow), as it was.
                response.tellListenersOfFailure(thrown, request.isAsyncStarted());
            }
            // After a sendError, an upstream failure names the failure, as FAILURE_ATTRIBUTE does; a maintenance the
            // application announced comes first, as it does before that attribute.
            if (classified.isPresent() && !(response.errorSent() && asksForMaintenance(request))) {
                if (log.isDebugEnabled()) {
                    log.debug("Answering an upstream failure thrown for {} {}", request.getMethod(),
                            request.getRequestURI(), Causes.printable(thrown));
                }
                ErrorResponder.noteThrown(request, classified.get(), thrown);
                responder.respond(request, pageTarget(request, response), classified.get(),
                        response.writesWithoutBlocking());
                return true;
            }
            log.warn("{} {} threw after sendError({}); answered with {}", request.getMethod(), request.getRequestURI(),
                    response.capturedStatus(), asksForMaintenance(request) ? "the maintenance page" : "that status",
                    Causes.printable(thrown));
            respondCaptured(request, response);
            return true;
        }

        /**
         * Answers the intercepted status the application set: with the maintenance page when it asked for it
         * ({@link #MAINTENANCE_ATTRIBUTE}, ahead of {@link #FAILURE_ATTRIBUTE}), else with the page for the failure
         * it named or for the bare status.
         */
        void respondCaptured(HttpServletRequest request, CapturingResponse capturing) throws IOException {
            if (asksForMaintenance(request)) {
                responder.respondMaintenance(request, pageTarget(request, capturing),
                        request.getAttribute(MAINTENANCE_ATTRIBUTE) instanceof Instant until ? until : null,
                        capturing.writesWithoutBlocking());
                return;
            }
            responder.respond(request, pageTarget(request, capturing), capturedFailure(this, request, capturing),
                    capturing.writesWithoutBlocking());
        }

        /**
         * Whether the application asked for the maintenance page: {@link #MAINTENANCE_ATTRIBUTE} is an {@link Instant}
         * or {@link Boolean#TRUE}. TRUE only: FALSE reads as "no maintenance", and anything else an application stored
         * there (a date of another type, a string) is answered as without the attribute rather than guessed at.
         */
        private static boolean asksForMaintenance(HttpServletRequest request) {
            Object maintenance = request.getAttribute(MAINTENANCE_ATTRIBUTE);
            return maintenance instanceof Instant || Boolean.TRUE.equals(maintenance);
        }

        /**
         * Whether the application answered with a status of its own and then threw (Jersey's sendError(500) for an
         * exception no mapper took, then the exception; in an async cycle, a listener's sendError or redirect, then
         * the failure the container reports to the cycle): the container ends that answer and logs what was thrown,
         * as without this filter. Nothing to abort, no page: the response is complete. (Within an include the
         * container ignored the sendError, and left the response uncommitted.)
         */
        private static boolean containerAnswers(CapturingResponse response) {
            return response.answeredByContainer() && response.target().isCommitted();
        }

        static Settings of(Map<String, String> parameters, ServletContext context) {
            Set<Integer> statuses = DEFAULT_INTERCEPTED_STATUSES;
            for (Map.Entry<String, String> parameter : parameters.entrySet()) {
                String key = parameter.getKey();
                if (key.equals(INTERCEPT_STATUSES_PARAMETER)) {
                    String value = parameter.getValue().trim();
                    statuses = checkedStatuses(ConfigParameters.statusList(INTERCEPT_STATUSES_PARAMETER, value,
                            "must list 5xx statuses (500-599) only"), value);
                } else if (!ResponderParameters.isKey(key)) {
                    throw ConfigParameters.invalid(key, parameter.getValue(), "is no parameter of ErrorPagesFilter "
                            + "(known: " + INTERCEPT_STATUSES_PARAMETER + ", " + ResponderParameters.KEYS_FOR_MESSAGES + ")");
                }
            }
            return new Settings(ResponderParameters.responder(parameters, context), statuses, context);
        }
    }

    /**
     * Builds a configured {@link ErrorPagesFilter}. Not thread-safe; each method checks its value at once.
     *
     * @since 0.1.0
     */
    public static final class Builder extends PageSettingsBuilder<Builder> {
        private Set<Integer> interceptedStatuses = DEFAULT_INTERCEPTED_STATUSES;

        private Builder() {
        }

        /**
         * Sets the statuses turned into pages when the application sets them with {@code sendError} or
         * {@code setStatus} (init-parameter {@value #INTERCEPT_STATUSES_PARAMETER}). Default 502, 503, 504.
         *
         * @param statuses 5xx statuses; empty to answer exceptions only
         * @return this builder
         * @throws NullPointerException if {@code statuses} is null
         * @throws IllegalArgumentException if a status is null, not in [500, 599], or there twice
         */
        public Builder interceptedStatuses(Collection<Integer> statuses) {
            this.interceptedStatuses = checkedStatuses(Objects.requireNonNull(statuses, "statuses"));
            return this;
        }

        /**
         * @return a configured filter; the container still calls {@code init}, which must get no
         *     init-parameters
         */
        public ErrorPagesFilter build() {
            return new ErrorPagesFilter(settings());
        }

        private Settings settings() {
            return new Settings(responder(), interceptedStatuses, null);
        }
    }
}
