package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.StandardError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.util.Throwables;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every way a servlet application registers {@link ErrorPagesFilter}, on a real Jetty server:
 * programmatically with init-parameters, as a configured instance, and automatically through
 * {@link ErrorPagesInitializer}. ({@code web.xml} is covered on Tomcat, which parses it, and on Jetty's
 * {@code WebAppContext}: {@link JettyWebAppContextIntegrationTests}.)
 */
class ErrorPagesFilterRegistrationIntegrationTests {

    private JettyServer jetty;

    @AfterEach
    void stop() {
        if (jetty != null) {
            jetty.close();
        }
    }

    /** Switches the initializer on for the server's context, with {@code error-pages.retry-after.default.502=8}. */
    private static void autoRegistering(JettyServer server) {
        server.context().setInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, "true");
        server.context().setInitParameter("error-pages.retry-after.default.502", "8");
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());
    }

    private JettyServer applicationThatSends502() {
        jetty = new JettyServer();
        jetty.servlet("/orders", servlet((request, response) -> response.sendError(502)));
        jetty.servlet("/inventory", servlet((request, response) -> response.sendError(504)));
        return jetty;
    }

    @Test
    void readsInitParametersWhenAddedByClassThroughServletContext() {
        JettyServer server = applicationThatSends502();
        server.context().addServletContainerInitializer((classes, context) -> {
            FilterRegistration.Dynamic registration = context.addFilter("errorPages", ErrorPagesFilter.class);
            registration.setInitParameters(Map.of("retry-after.default.502", "7s", "intercept-statuses", "502"));
            registration.setAsyncSupported(true);
            registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false, "/*");
        });
        server.start();

        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "7");
        HttpResponse<byte[]> notIntercepted = Client.get(server.uri("/inventory"), "application/json");
        assertThat(notIntercepted.statusCode()).isEqualTo(504);
        assertThat(notIntercepted.headers().firstValue("X-Content-Type-Options")).as("the container's page").isEmpty();
    }

    @Test
    void brandsPagesFromInitParameters() {
        JettyServer server = applicationThatSends502();
        FilterHolder holder = new FilterHolder(ErrorPagesFilter.class);
        holder.setInitParameter("branding.site-name", "Acme Shop");
        holder.setInitParameter("branding.status-page-url", "https://status.acme.example/");
        server.filter(holder);
        server.start();

        HttpResponse<byte[]> response = Client.get(server.uri("/orders"), Client.BROWSER_ACCEPT);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(PageAssertions.contentType(response)).isEqualTo("text/html;charset=utf-8");
        assertThat(org.jsoup.Jsoup.parse(Client.text(response)).title()).contains("Acme Shop");
        assertThat(Client.text(response)).contains("https://status.acme.example/");
    }

    @Test
    void usesConfiguredInstanceAddedThroughServletContext() {
        JettyServer server = applicationThatSends502();
        server.context().addServletContainerInitializer((classes, context) -> context
                .addFilter("errorPages", ErrorPagesFilter.builder().interceptedStatuses(java.util.List.of(504)).build())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*"));
        server.start();

        assertThat(Client.get(server.uri("/orders"), "application/json").headers()
                .firstValue("X-Content-Type-Options")).as("502 is not intercepted").isEmpty();
        assertErrorPage(Client.get(server.uri("/inventory"), "application/json"), "GET", 504, "10");
    }

    @Test
    void refusesInitParametersForInstanceConfiguredByBuilder() {
        JettyServer server = applicationThatSends502();
        FilterHolder holder = new FilterHolder(ErrorPagesFilter.builder().build());
        holder.setName("configuredInCode");
        holder.setInitParameter("retry-after.max", "60s");
        server.filter(holder);

        assertThatThrownBy(server::start).hasStackTraceContaining("configuredInCode")
                .hasStackTraceContaining("[retry-after.max]");
    }

    @Test
    void failsStartupNamingParameterAndValueWhenInitParameterIsInvalid() {
        JettyServer server = applicationThatSends502();
        FilterHolder holder = new FilterHolder(ErrorPagesFilter.class);
        holder.setInitParameter("retry-after.max", "forever");
        server.filter(holder);

        assertThatThrownBy(server::start).hasStackTraceContaining("retry-after.max")
                .hasStackTraceContaining("but was forever");
    }

    @Test
    void initializerDoesNothingUnlessEnabled() {
        JettyServer server = applicationThatSends502();
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());
        server.start();

        HttpResponse<byte[]> response = Client.get(server.uri("/orders"), "application/json");
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("the container's page").isEmpty();
    }

    /** Of the context parameters, those with the prefix alone: the application's own are none of the filter's. */
    @Test
    void initializerRegistersFilterWithPrefixedContextParametersWhenEnabled() {
        JettyServer server = applicationThatSends502();
        autoRegistering(server); // with error-pages.retry-after.default.502=8
        server.context().setInitParameter("contextConfigLocation", "/WEB-INF/app-context.xml");
        server.context().setInitParameter("app.mode", "live");
        server.start();

        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "8");
        // FORWARD: a status the target of a forward sets must be answered before Tomcat 11 suspends the response.
        assertThat(server.context().getServletHandler().getFilterMappings()).singleElement().satisfies(mapping -> {
            assertThat(mapping.getFilterName()).isEqualTo(ErrorPagesInitializer.FILTER_NAME);
            assertThat(EnumSet.allOf(DispatcherType.class)).filteredOn(mapping::appliesTo)
                    .containsExactlyInAnyOrder(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC);
        });
    }

    /**
     * A context stopped and started again: Jetty keeps the filter the initializer registered at its first start, with
     * the init-parameters of then, which cannot be changed. Started again unchanged, it answers as before; with other
     * parameters it fails to start, naming them, where it ran on with the old ones without a word.
     */
    @Test
    void contextStartedAgainWithOtherParametersFailsNamingThem() throws Exception {
        JettyServer server = applicationThatSends502();
        autoRegistering(server); // with error-pages.retry-after.default.502=8
        server.start();
        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "8");

        server.context().stop();
        server.context().start();
        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "8");

        server.context().stop();
        server.context().setInitParameter("error-pages.retry-after.default.502", "22");
        assertThatThrownBy(() -> server.context().start()).hasStackTraceContaining(
                "error-pages.retry-after.default.502 (8, now 22)");
    }

    /**
     * Started again with a parameter removed and another added: each is named, the one no longer set and the one not
     * set before as {@code unset}, so that the operator sees what changed rather than a value that was never there.
     */
    @Test
    void contextStartedAgainWithAParameterRemovedAndOneAddedFailsNamingThemUnset() throws Exception {
        JettyServer server = applicationThatSends502();
        autoRegistering(server); // with error-pages.retry-after.default.502=8
        server.start();

        server.context().stop();
        server.context().getInitParams().remove("error-pages.retry-after.default.502");
        server.context().setInitParameter("error-pages.retry-after.default.503", "5");
        assertThatThrownBy(() -> server.context().start())
                .hasStackTraceContaining("error-pages.retry-after.default.502 (8, now unset)")
                .hasStackTraceContaining("error-pages.retry-after.default.503 (unset, now 5)");
    }

    /**
     * Started again with the switch turned off: Jetty keeps the filter registered at the first start, which the
     * initializer cannot remove, so it goes on answering failures; a WARN line says so and that a redeploy removes it,
     * for an operator who turned the switch off expects the container's pages.
     */
    @Test
    void contextStartedAgainWithTheSwitchOffKeepsTheFilterAndSaysSo() throws Exception {
        JettyServer server = applicationThatSends502();
        autoRegistering(server); // with error-pages.retry-after.default.502=8
        server.start();
        server.context().stop();
        server.context().setInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, "false");

        String log = StandardError.capture(() -> {
            try {
                server.context().start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(log).contains("WARN").contains("error-pages.auto-register is no longer true, but the "
                + ErrorPagesInitializer.FILTER_NAME + " registered at an earlier start of this context stays "
                + "registered until the application is deployed again");
        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "8");
    }

    /**
     * A context whose start failed on an invalid context parameter, mended and started again, has the filter: the
     * initializer checked the parameters after it had registered the filter and before it had mapped it, and Jetty,
     * which keeps registrations, started the context again with the filter mapped to nothing, without a word.
     */
    @Test
    void contextStartedAgainAfterAnInvalidParameterWasMendedHasTheFilter() throws Exception {
        JettyServer server = applicationThatSends502().start();
        server.context().stop();
        autoRegistering(server);
        server.context().setInitParameter("error-pages.retry-after.max", "forever");
        assertThatThrownBy(() -> server.context().start())
                .hasStackTraceContaining("context parameter error-pages.retry-after.max");

        server.context().stop();
        server.context().setInitParameter("error-pages.retry-after.max", "10m");
        server.context().start();

        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "8");
    }

    /**
     * Two servers in one JVM (an application's own and its admin server, say, the library in their shared class
     * loader), each with a context at the same path whose filter the initializer registered: the first one started
     * again with other parameters still fails, naming them. The initializer knew its registrations by virtual server
     * and context path, the same for both (Jetty names no virtual server): the second server's replaced the first's,
     * and the first context started again with its old filter, without a word.
     */
    @Test
    void contextStartedAgainWithOtherParametersFailsThoughAnotherServerHasOneAtItsPath() throws Exception {
        JettyServer first = applicationThatSends502();
        try {
            autoRegistering(first); // with error-pages.retry-after.default.502=8
            first.start();
            JettyServer second = applicationThatSends502(); // closed after the test
            autoRegistering(second);
            second.context().setInitParameter("error-pages.retry-after.default.502", "9");
            second.start();
            assertErrorPage(Client.get(second.uri("/orders"), "application/json"), "GET", 502, "9");

            first.context().stop();
            first.context().setInitParameter("error-pages.retry-after.default.502", "22");
            assertThatThrownBy(() -> first.context().start()).hasStackTraceContaining(
                    "error-pages.retry-after.default.502 (8, now 22)");
        } finally {
            first.close();
        }
    }

    /**
     * An application of its own at a path where another one had the filter registered by the initializer (in the same
     * JVM, the library in a shared class loader) declares its own filter of that name: it keeps it, and starts. Taken
     * for the registration of the earlier start, it failed to start for parameters that were never its.
     */
    @Test
    void applicationsOwnFilterAtAPathAnotherOneAutoRegisteredAtIsKept() {
        JettyServer first = applicationThatSends502();
        autoRegistering(first); // with error-pages.retry-after.default.502=8
        first.start();
        first.close();

        JettyServer second = applicationThatSends502();
        FilterHolder own = new FilterHolder(ErrorPagesFilter.class);
        own.setName(ErrorPagesInitializer.FILTER_NAME);
        own.setInitParameter("retry-after.default.502", "77");
        own.setAsyncSupported(true);
        second.context().addFilter(own, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        autoRegistering(second); // with error-pages.retry-after.default.502=8
        second.start();

        assertErrorPage(Client.get(second.uri("/orders"), "application/json"), "GET", 502, "77");
    }

    /**
     * Registered twice (by the initializer and by the application, say): the instance in front answers every request,
     * the async dispatch of one included, and the other says once that it does nothing. The second instance answered
     * an exception of an async dispatch with its own settings, the Retry-After of 77 s here.
     */
    @Test
    void secondInstanceInTheSameChainDoesNothingButSaySo() {
        JettyServer server = applicationThatSends502();
        server.servlet("/refused", servlet((request, response) -> {
            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
        }));
        server.servlet("/async-refused", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.start(() -> async.dispatch("/refused"));
        }));
        autoRegistering(server); // with error-pages.retry-after.default.502=8
        FilterHolder second = new FilterHolder(ErrorPagesFilter.class);
        second.setName("secondErrorPages");
        second.setInitParameter("retry-after.default.502", "77");
        server.filter(second).start();

        String log = StandardError.capture(() -> {
            assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "8");
            assertErrorPage(Client.get(server.uri("/refused"), "application/json"), "GET", 502, "8");
        });
        assertErrorPage(Client.get(server.uri("/async-refused"), "application/json"), "GET", 502, "8");

        assertThat(log).containsOnlyOnce("Two ErrorPagesFilter instances are registered for /orders")
                .as("which registration does nothing").contains("registered as 'secondErrorPages'");
    }

    /**
     * Registered twice, also for ERROR dispatches: the application's own error page, dispatched to for a bug, is the
     * application's answer, and a 503 it sets is no upstream failure of either instance's. The second instance took
     * the error dispatch (the container's own request and response, no wrapper of the first in its chain) for a
     * request another web application had dispatched to, and answered it with the page and an upstream-failure log
     * line.
     */
    @Test
    void secondInstanceLeavesTheApplicationsErrorPageAlone() {
        JettyServer server = applicationThatSends502();
        server.servlet("/boom", servlet((request, response) -> {
            throw new IllegalStateException("a bug");
        }));
        server.servlet("/maintenance", servlet((request, response) -> {
            response.setStatus(503);
            response.setContentType("text/plain");
            response.getWriter().write("app maintenance page");
        }));
        ErrorPageErrorHandler errorPages = new ErrorPageErrorHandler();
        errorPages.addErrorPage(IllegalStateException.class, "/maintenance");
        server.context().setErrorHandler(errorPages);
        for (String name : List.of("first", "second")) {
            FilterHolder holder = new FilterHolder(ErrorPagesFilter.class);
            holder.setName(name);
            holder.setAsyncSupported(true);
            server.context().addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD,
                    DispatcherType.ASYNC, DispatcherType.ERROR));
        }
        server.start();

        AtomicReference<HttpResponse<byte[]>> response = new AtomicReference<>();
        String log = StandardError.capture(() -> response.set(Client.get(server.uri("/boom"), "application/json")));

        assertThat(response.get().statusCode()).isEqualTo(503);
        assertThat(Client.text(response.get())).isEqualTo("app maintenance page");
        assertThat(log).doesNotContain("error page status=");
    }

    /**
     * Mapped to the servlets that call upstreams only, for every dispatcher type: an include of one from a page the
     * filter is not in front of leaves the failure to the includer, which catches it to write its fallback. The
     * filter answered it, writing a whole page into the includer's plain-text 200, and the includer's catch never ran.
     */
    @Test
    void includeTheFilterIsNotInFrontOfLeavesTheFailureToTheIncluder() {
        jetty = new JettyServer();
        jetty.servlet("/upstream/*", servlet((request, response) -> {
            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
        }));
        jetty.servlet("/page", servlet((request, response) -> {
            response.setContentType("text/plain");
            response.getWriter().write("before|");
            try {
                request.getRequestDispatcher("/upstream/stock").include(request, response);
            } catch (UpstreamFailureException failure) {
                response.getWriter().write("fallback:" + failure.failure().cause().token());
            }
            response.getWriter().write("|after");
        }));
        FilterHolder holder = new FilterHolder(ErrorPagesFilter.class);
        holder.setAsyncSupported(true);
        jetty.context().addFilter(holder, "/upstream/*", EnumSet.allOf(DispatcherType.class));
        jetty.start();

        HttpResponse<byte[]> page = Client.get(jetty.uri("/page"), "application/json");
        HttpResponse<byte[]> direct = Client.get(jetty.uri("/upstream/stock"), "application/json");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(Client.text(page)).isEqualTo("before|fallback:connection_refused|after");
        assertErrorPage(direct, "GET", 502, "\\d+");
    }

    /**
     * The switch on, and a filter of the application's own under the initializer's name: that filter stays, with its
     * init-parameters, and the context parameters that would have configured the initializer's are named as unused.
     * They were dropped with an INFO line that named none of them, unchecked, however wrong.
     */
    @Test
    void initializerNamesContextParametersTheApplicationsOwnFilterLeavesUnused() {
        JettyServer server = applicationThatSends502();
        FilterHolder own = new FilterHolder(ErrorPagesFilter.class);
        own.setName(ErrorPagesInitializer.FILTER_NAME);
        own.setInitParameter("retry-after.default.502", "77");
        own.setAsyncSupported(true);
        server.context().addFilter(own, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        autoRegistering(server); // with error-pages.retry-after.default.502=8
        server.context().setInitParameter("contextConfigLocation", "/WEB-INF/app-context.xml"); // not named

        String log = StandardError.capture(server::start);

        assertThat(log).contains("WARN").contains("[error-pages.retry-after.default.502] configure nothing");
        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "77");
    }

    /**
     * The switch on, no context parameter of the filter's, and the application's own filter of that name: it is kept as
     * it is, and nothing is said at WARN, for no parameter goes unused (the warning is for context parameters the
     * application's own filter leaves unused).
     */
    @Test
    void initializerLeavesTheApplicationsOwnFilterAloneWithoutAWordWhenNoContextParameterIsSet() {
        JettyServer server = applicationThatSends502();
        FilterHolder own = new FilterHolder(ErrorPagesFilter.class);
        own.setName(ErrorPagesInitializer.FILTER_NAME);
        own.setInitParameter("retry-after.default.502", "77");
        own.setAsyncSupported(true);
        server.context().addFilter(own, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        server.context().setInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, "true");
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());

        String log = StandardError.capture(server::start);

        assertThat(log).doesNotContain("WARN");
        assertErrorPage(Client.get(server.uri("/orders"), "application/json"), "GET", 502, "77");
    }

    /** An invalid context parameter of the initializer's is named as the application wrote it, with its prefix. */
    @Test
    void initializerFailsStartupNamingTheContextParameter() {
        JettyServer server = applicationThatSends502();
        autoRegistering(server);
        server.context().setInitParameter("error-pages.retry-after.max", "forever");

        assertThatThrownBy(server::start).hasStackTraceContaining("context parameter error-pages.retry-after.max")
                .hasStackTraceContaining("but was forever");
    }

    /** Its prefix in the case the application wrote it in, which the initializer takes in any: searchable in web.xml. */
    @Test
    void initializerFailsStartupNamingTheContextParameterInItsOwnCase() {
        JettyServer server = applicationThatSends502();
        autoRegistering(server);
        server.context().setInitParameter("Error-Pages.retry-after.max", "forever");

        assertThatThrownBy(server::start).hasStackTraceContaining("context parameter Error-Pages.retry-after.max must")
                .hasStackTraceContaining("but was forever");
    }

    @Test
    void initializerNamesContextParametersItLeavesUnusedForWantOfTheSwitch() {
        JettyServer server = applicationThatSends502();
        server.context().setInitParameter("error-pages.auto-regster", "true");
        server.context().setInitParameter("error-pages.retry-after.default.502", "8");
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());

        String log = StandardError.capture(server::start);

        assertThat(log).contains("WARN").contains("error-pages.auto-regster", "error-pages.retry-after.default.502")
                .contains("error-pages.auto-register is not set");
        assertThat(Client.get(server.uri("/orders"), "application/json").headers().firstValue("X-Content-Type-Options"))
                .as("the container's page: nothing registered").isEmpty();
    }

    /** The parameter that marks the initializer's own registration is none of the application's to set. */
    @Test
    void initializerRefusesTheParameterThatMarksItsRegistration() {
        JettyServer server = applicationThatSends502();
        autoRegistering(server);
        server.context().setInitParameter("error-pages.auto-registered", "true");

        assertThatThrownBy(server::start).hasStackTraceContaining("error-pages.auto-registered (true) is no parameter")
                .hasStackTraceContaining("the switch is error-pages.auto-register");
    }

    @Test
    void initializerStaysSilentWhenSwitchedOffOnPurpose() {
        JettyServer server = applicationThatSends502();
        server.context().setInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, "false");
        server.context().setInitParameter("error-pages.retry-after.default.502", "8");
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());

        assertThat(StandardError.capture(server::start)).doesNotContain("error-pages.retry-after.default.502");
    }

    /** A blank switch is named as such: the message ended in "but was " and nothing a reader could see. */
    @ParameterizedTest
    @CsvSource({"yes,yes", "' ',an empty value"})
    void initializerFailsStartupOnInvalidSwitch(String value, String shown) {
        JettyServer server = applicationThatSends502();
        server.context().setInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, value);
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());

        assertThatThrownBy(server::start).hasStackTraceContaining("error-pages.auto-register")
                .hasStackTraceContaining("but was " + shown);
    }

    /** The prefix matches in any case; two spellings of one parameter kept whichever Jetty enumerated first. */
    @Test
    void initializerFailsStartupWhenTwoContextParametersSetOneFilterParameter() {
        JettyServer server = applicationThatSends502();
        server.context().setInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, "true");
        server.context().setInitParameter("error-pages.retry-after.default.502", "7s");
        server.context().setInitParameter("Error-Pages.retry-after.default.502", "99s");
        server.context().addServletContainerInitializer(new ErrorPagesInitializer());

        assertThatThrownBy(server::start).hasStackTraceContaining("both set retry-after.default.502")
                .hasStackTraceContaining("(7s)").hasStackTraceContaining("(99s)");
    }

    /** A misspelt key whose value is a URL with a password: the message put the password into the startup log. */
    @Test
    void failsStartupWithoutShowingThePasswordOfAMisspeltKeysUrl() {
        JettyServer server = applicationThatSends502();
        FilterHolder holder = new FilterHolder(ErrorPagesFilter.class);
        holder.setInitParameter("branding.suport-url", "https://ops:s3cret@help.example/");
        server.filter(holder);

        assertThatThrownBy(server::start).hasStackTraceContaining("branding.suport-url is no parameter")
                .hasStackTraceContaining("but was https://***@help.example/")
                .satisfies(failure -> assertThat(Throwables.getStackTrace(failure)).doesNotContain("s3cret"));
    }
}
