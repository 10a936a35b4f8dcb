package io.github.errorpages.servlet;

import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.UserInfo;
import io.github.errorpages.servlet.internal.LogProviderCheck;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@link ErrorPagesFilter} automatically when the web application asks for it: a
 * {@link ServletContainerInitializer} that containers discover through
 * {@code META-INF/services/jakarta.servlet.ServletContainerInitializer} and that does nothing unless the
 * context parameter {@value #ENABLED_PARAMETER} is {@code true}, so that adding the jar never changes an
 * application by itself.
 *
 * <p>When enabled, the filter is registered under the name {@value #FILTER_NAME} for {@code /*}, before
 * the filters of {@code web.xml}, for the {@code REQUEST}, {@code FORWARD} and {@code ASYNC} dispatcher types, with async
 * support. Its init-parameters are the context parameters that start with {@value #PARAMETER_PREFIX},
 * without the prefix: {@code error-pages.retry-after.max=60s} becomes {@code retry-after.max=60s}. An
 * application that declares a filter named {@value #FILTER_NAME} in {@code web.xml} keeps its own, with its own
 * init-parameters (the prefixed context parameters then configure nothing, and one WARN line names them); a
 * {@code ServletContextListener} runs after this initializer, so its {@code addFilter("errorPagesFilter", …)}
 * returns {@code null}: a listener registers under another name, or the switch stays off. A context that is
 * stopped and started again keeps what this initializer registered at its first start (Jetty, and Tomcat for a
 * context added in code, keep such filters): started again with other {@code error-pages.} parameters, it fails
 * to start, naming them, rather than run with the old ones. (Tomcat forgets at stop an initializer added in code
 * with {@code addServletContainerInitializer}: add it again before each start, or the check does not run and the
 * kept filter answers with the old parameters.) Context parameters with the prefix but no
 * {@value #ENABLED_PARAMETER} (a misspelt switch, most likely) register nothing and are named in one WARN line at
 * startup.
 *
 * <pre>{@code
 * <context-param>
 *   <param-name>error-pages.auto-register</param-name>
 *   <param-value>true</param-value>
 * </context-param>
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class ErrorPagesInitializer implements ServletContainerInitializer {

    /** The context parameter that enables the registration: {@code true} or {@code false} (default). */
    public static final String ENABLED_PARAMETER = "error-pages.auto-register";
    /** The prefix of context parameters passed on to the filter as init-parameters. */
    public static final String PARAMETER_PREFIX = "error-pages.";
    /** The name the filter is registered under. */
    public static final String FILTER_NAME = "errorPagesFilter";

    /**
     * The init-parameter that marks the filter this initializer registered, which the filter ignores. A container
     * may start a context again with the registration kept (Jetty's does, and so does an embedded Tomcat context,
     * each start with a new {@code ServletContext} object): the mark tells that filter from the application's own of
     * the same name. Kept on the registration itself, not by context path, which two servers in one JVM share.
     */
    static final String MARK_PARAMETER = "auto-registered";

    private static final Logger log = LoggerFactory.getLogger(ErrorPagesInitializer.class);

    /** Creates the initializer; containers call this. */
    public ErrorPagesInitializer() {
    }

    /**
     * Registers the filter if {@value #ENABLED_PARAMETER} is {@code true}.
     *
     * @param classes ignored: the initializer handles no types
     * @param context the web application being started
     * @throws ServletException naming the parameter and the value when {@value #ENABLED_PARAMETER} is
     *     neither {@code true} nor {@code false} or a context parameter is invalid (checked here, as the filter's
     *     {@code init} would: Undertow starts a filter only at its first request), or naming both parameters and
     *     their values when two context parameters set the same filter parameter (their prefixes differing in case)
     *     or a context parameter sets one the application's declaration of the filter without its class sets
     */
    @Override
    public void onStartup(@Nullable Set<Class<?>> classes, ServletContext context) throws ServletException {
        String enabled = context.getInitParameter(ENABLED_PARAMETER);
        if (enabled != null || !prefixedNames(context).isEmpty()) {
            // Before any of its own lines, and ahead of the filter's init, which Undertow runs at the first request.
            // Not for an application that uses nothing of the library: the jar alone starts this initializer.
            LogProviderCheck.warnIfDropped(context);
        }
        if (enabled == null || enabled.trim().equalsIgnoreCase("false")) {
            if (keptFromAnEarlierStart(context)) {
                log.warn("{} is no longer true, but the {} registered at an earlier start of this context stays "
                        + "registered until the application is deployed again", ENABLED_PARAMETER, FILTER_NAME);
            } else if (enabled == null) {
                warnOfUnusedParameters(context);
            }
            return;
        }
        if (!enabled.trim().equalsIgnoreCase("true")) {
            throw new ServletException(
                    ConfigurationErrors.invalid(ENABLED_PARAMETER, enabled, "must be true or false").getMessage());
        }
        Map<String, String> parameters = filterParameters(context);
        FilterRegistration existing = context.getFilterRegistration(FILTER_NAME);
        if (existing == null || existing.getClassName() == null) {
            // Checked before anything is registered, so that a start that fails leaves nothing behind for a restart
            // of the context, which keeps registrations (Jetty's).
            ErrorPagesFilter.checkAhead(withDeclared(parameters, existing), parameters.keySet(), context);
        }
        FilterRegistration.Dynamic registration = context.addFilter(FILTER_NAME, ErrorPagesFilter.class);
        if (registration == null) {
            if (keptFromAnEarlierStart(context)) {
                requireUnchanged(context, parameters);
                return;
            }
            if (parameters.isEmpty()) {
                log.info("A filter named {} is registered already; {} leaves it as it is", FILTER_NAME,
                        ENABLED_PARAMETER);
            } else {
                // The application's own filter keeps its own init-parameters: these would be silently unused.
                List<String> unused = prefixedNames(context);
                log.warn("A filter named {} is registered already; {} leaves it as it is, with its own "
                        + "init-parameters, and context parameters {} configure nothing. Set them as that filter's "
                        + "init-parameters (or in its builder, if it was built in code), or remove the application's "
                        + "registration", FILTER_NAME, ENABLED_PARAMETER, unused);
            }
            return;
        }
        Map<String, String> marked = new HashMap<>(parameters);
        marked.put(MARK_PARAMETER, "true");
        registration.setInitParameters(marked); // no conflict: withDeclared refused those
        registration.setAsyncSupported(true);
        registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC), false, "/*");
    }

    /**
     * The init-parameters the filter will have: the context parameters', and those of a declaration of the filter
     * without its class ({@code web.xml}'s {@code <filter>} with no {@code <filter-class>}, which this registration
     * completes).
     *
     * @throws ServletException naming both when such a declaration sets a parameter a context parameter sets: the
     *     container would keep the declaration's and drop the context parameter without a word
     */
    private static Map<String, String> withDeclared(Map<String, String> parameters,
            @Nullable FilterRegistration declaration) throws ServletException {
        if (declaration == null) {
            return parameters;
        }
        Map<String, String> all = new HashMap<>(declaration.getInitParameters());
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            String declared = all.put(name, parameter.getValue());
            if (declared != null) {
                throw new ServletException("Invalid error-pages configuration: context parameter " + PARAMETER_PREFIX
                        + name + " (" + masked(parameter.getValue()) + ") and the init-parameter " + name
                        + " (" + masked(declared) + ") of the filter " + FILTER_NAME
                        + " the application declares both set " + name + "; keep one");
            }
        }
        return all;
    }

    /**
     * The filter's init-parameters: the context parameters with the prefix, without it.
     *
     * @throws ServletException naming both when two context parameters set the same one
     */
    private static Map<String, String> filterParameters(ServletContext context) throws ServletException {
        Map<String, String> parameters = new HashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            if (name.toLowerCase(Locale.ROOT).startsWith(PARAMETER_PREFIX) && !name.equals(ENABLED_PARAMETER)) {
                String key = name.substring(PARAMETER_PREFIX.length());
                if (key.equalsIgnoreCase(MARK_PARAMETER)) {
                    throw new ServletException("Invalid error-pages configuration: " + name + " ("
                            + masked(context.getInitParameter(name)) + ") is no parameter; the switch is "
                            + ENABLED_PARAMETER);
                }
                String other = sources.putIfAbsent(key, name);
                if (other != null) {
                    // The prefix matches in any case, so Error-Pages.x and error-pages.x both set x, and the
                    // container would keep whichever it enumerated first, without a word.
                    throw new ServletException("Invalid error-pages configuration: context parameters " + other + " ("
                            + masked(context.getInitParameter(other)) + ") and " + name + " ("
                            + masked(context.getInitParameter(name))
                            + ") both set " + key + "; keep one");
                }
                parameters.put(key, context.getInitParameter(name));
            }
        }
        return parameters;
    }

    /**
     * A context started again, whose container kept the filter registered at its first start: its
     * init-parameters cannot be changed, so different ones fail the start rather than be ignored.
     */
    private static void requireUnchanged(ServletContext context, Map<String, String> parameters)
            throws ServletException {
        FilterRegistration kept = context.getFilterRegistration(FILTER_NAME);
        Map<String, String> before = kept == null ? new HashMap<>() : new HashMap<>(kept.getInitParameters());
        before.remove(MARK_PARAMETER);
        if (before.equals(parameters)) {
            return;
        }
        Set<String> changed = new TreeSet<>(before.keySet());
        changed.addAll(parameters.keySet());
        changed.removeIf(key -> Objects.equals(before.get(key), parameters.get(key)));
        List<String> shown = new ArrayList<>();
        for (String key : changed) {
            shown.add(PARAMETER_PREFIX + key + " (" + masked(before.get(key)) + ", now " + masked(parameters.get(key))
                    + ")");
        }
        throw new ServletException("Invalid error-pages configuration: this context was started before, and the "
                + FILTER_NAME + " registered then keeps its parameters; changed since: " + String.join(", ", shown)
                + ". Deploy the application again to apply them");
    }

    /** Whether the filter of this name in the context is the one this initializer registered at an earlier start. */
    private static boolean keptFromAnEarlierStart(ServletContext context) {
        FilterRegistration kept = context.getFilterRegistration(FILTER_NAME);
        return kept != null && ErrorPagesFilter.class.getName().equals(kept.getClassName())
                && kept.getInitParameter(MARK_PARAMETER) != null;
    }

    /** A context parameter's value as a message shows it: its user info masked, on one line. */
    private static String masked(@Nullable String value) {
        return value == null ? "unset" : ConfigurationErrors.shown(UserInfo.masked(value));
    }

    /** The context parameters with the prefix (in any case) but the switch, named as the application wrote them. */
    private static List<String> prefixedNames(ServletContext context) {
        List<String> names = new ArrayList<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            if (name.toLowerCase(Locale.ROOT).startsWith(PARAMETER_PREFIX) && !name.equals(ENABLED_PARAMETER)) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * Context parameters of the filter without the switch: most likely the switch is misspelt
     * ({@code error-pages.auto-regster}), and the application runs without the pages it was configured for.
     */
    private static void warnOfUnusedParameters(ServletContext context) {
        List<String> unused = prefixedNames(context);
        if (!unused.isEmpty()) {
            log.warn("Context parameters {} configure error-pages, but {} is not set: no ErrorPagesFilter is registered "
                    + "from them. Set {} to true, or to false to keep them unused without this warning",
                    unused, ENABLED_PARAMETER, ENABLED_PARAMETER);
        }
    }
}
