package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.RecordedRequest;
import io.github.errorpages.testing.StandardError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A request of one web application (the portal, filtered) forwarded, included or async-dispatched into another (the
 * gateway) of the same Jetty 12 or Tomcat 11 server. Jetty gives a cross-context dispatch a request and a response
 * of the target context's own, which do not wrap the portal's; request attributes are shared, and what the gateway
 * writes reaches the portal's wrappers through the container. Before, the gateway's filter saw the portal's mark and
 * stood aside, so an exception there became Jetty's 500 naming it; the gateway's proxy wrote its page and the
 * portal's filter captured its status and wrote a second one (two log lines, the proxy's cause lost); an async
 * dispatch ended with an empty 502 or 503, or Jetty's "Insufficient content written". Tomcat wraps the caller's
 * response, so there the gateway's filter found the portal's wrapper and stood aside as if it were a second instance
 * of its own application: an async dispatch's exception became Tomcat's 500, a status set in a forward went out with
 * no body. Each web application may hold its own copy of the library, as web applications do (their own class
 * loaders): both ways are tested.
 */
class CrossContextDispatchIntegrationTests {

    private static final String JSON = "application/json";

    private final Application portal = new Application("/portal");
    private final Application gateway = new Application("/gateway");
    private final AtomicReference<URLClassLoader> ownCopy = new AtomicReference<>();
    private final AtomicReference<AutoCloseable> running = new AtomicReference<>();
    private int port;

    @AfterEach
    void stop() throws Exception {
        if (running.get() != null) {
            running.get().close();
        }
        if (ownCopy.get() != null) {
            ownCopy.get().close();
        }
    }

    /** The containers, with the gateway's library shared with the portal or a copy of its own. */
    static Stream<Arguments> deployments() {
        return Stream.of(Arguments.of(Container.JETTY, false), Arguments.of(Container.JETTY, true),
                Arguments.of(Container.TOMCAT, false), Arguments.of(Container.TOMCAT, true));
    }

    @ParameterizedTest(name = "{0}, gateway has its own copy of the library: {1}")
    @MethodSource("deployments")
    void theGatewaysFilterAnswersWhatHappensThereAndThePortalsLetsItsPageThrough(Container container,
            boolean ownLibrary) throws Exception {
        start(container, ownLibrary, true);

        for (String dispatch : new String[] {"forward", "async"}) {
            assertOnePage("/portal/" + dispatch + "/refused", 502, "connection_refused", "upstream=-");
            assertOnePage("/portal/" + dispatch + "/orders/1", 502, "connection_refused", "upstream=orders");
            assertOnePage("/portal/" + dispatch + "/unavailable", 503, "upstream_status", "upstream=-");
        }
    }

    @ParameterizedTest(name = "{0}, gateway has its own copy of the library: {1}")
    @MethodSource("deployments")
    void theGatewaysProxyUnfilteredWritesTheOnePage(Container container, boolean ownLibrary) throws Exception {
        start(container, ownLibrary, false);

        for (String dispatch : new String[] {"forward", "async"}) {
            assertOnePage("/portal/" + dispatch + "/orders/1", 502, "connection_refused", "upstream=orders");
        }
    }

    /**
     * What fails in the gateway is answered with the gateway's settings, on both containers: on Tomcat, whose
     * dispatch wraps the portal's response, the portal's wrapper captured a status by the portal's list and the
     * gateway's filter wrote the page with its own settings, while an exception went on to the portal's filter.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Container.class)
    void whatFailsInTheGatewayIsAnsweredWithTheGatewaysSettings(Container container) throws Exception {
        deploy(false, true);
        gateway.filter = ErrorPagesFilter.builder().errorPages(ErrorPages.builder().config(ErrorPagesConfig.builder()
                .retryAfterDefault(502, Duration.ofSeconds(77)).retryAfterDefault(503, Duration.ofSeconds(66)).build())
                .build()).build();
        startIn(container);

        for (String dispatch : new String[] {"forward", "async"}) {
            assertErrorPage(Client.get(uri("/portal/" + dispatch + "/refused"), JSON), "GET", 502, "77");
            assertErrorPage(Client.get(uri("/portal/" + dispatch + "/unavailable"), JSON), "GET", 503, "66");
        }
    }

    /**
     * One instance built once and registered in both applications cannot tell which application a request it wrapped
     * came from: on Jetty a request the portal dispatched to the gateway was taken for the gateway's own, and answered
     * by neither (Jetty's 500 naming the exception, an empty 502). It fails to start instead, saying why.
     */
    @Test
    void oneFilterInstanceInTwoApplicationsFailsToStart() {
        ErrorPagesFilter shared = ErrorPagesFilter.builder().build();
        portal.filter = shared;
        gateway.filter = shared;
        portal.servlet("/page", servlet((request, response) -> response.getWriter().write("ok")));

        String log = StandardError.capture(() -> {
            try {
                startJetty();
            } catch (Exception expected) {
                expected.printStackTrace();
            }
        });

        assertThat(log).containsPattern("ErrorPagesFilter 'errorPages' is one instance registered in two web "
                + "applications \\((/portal and /gateway|/gateway and /portal)\\): build an instance for each "
                + "application");
    }

    /**
     * Jetty gives a request included from another context no scheme: the proxy threw a {@code NullPointerException}
     * making its {@code X-Forwarded-Proto} and {@code Forwarded} fields, so the includer's page showed Jetty's error
     * page where the upstream's answer belonged, and the upstream was never called. The scheme is then the one the
     * client's connection is secure by: behind a TLS terminator whose {@code X-Forwarded-Proto} the server trusts
     * (Jetty's {@code ForwardedRequestCustomizer}), {@code https}, or the upstream would build {@code http} URLs for a
     * client on {@code https}.
     */
    @ParameterizedTest(name = "transport={0}, client on {1}")
    @CsvSource({"JETTY, http", "JDK, http", "JETTY, https", "JDK, https"})
    void aProxyIncludedFromAnotherContextForwardsWithTheSchemeItCameBy(ProxyTransport transport, String scheme)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "from the upstream",
                "Content-Type", "text/plain"))) {
            portal.servlet("/page", servlet((request, response) -> {
                response.setContentType("text/plain");
                response.getWriter().write("before|");
                gatewayOf(request).getRequestDispatcher("/orders/42").include(request, response);
                response.getWriter().write("|after");
            }));
            gateway.servlet("/orders/*", new ReverseProxyServlet(), "endpoints", upstream.uri().toString(),
                    "transport", transport.name().toLowerCase(Locale.ROOT));
            startJetty();

            HttpResponse<byte[]> response = scheme.equals("https")
                    ? Client.send("GET", uri("/portal/page"), null, "X-Forwarded-Proto", "https")
                    : Client.get(uri("/portal/page"), null);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Client.text(response)).isEqualTo("before|from the upstream|after");
            assertThat(upstream.requests()).hasSize(1);
            RecordedRequest forwarded = upstream.requests().get(0);
            assertThat(forwarded.headers()).containsEntry("x-forwarded-proto", scheme);
            assertThat(forwarded.headers().get("forwarded")).endsWith(";proto=" + scheme);
        }
    }

    /**
     * The gateway's filter mapped for includes too, and a portal page that includes a gateway servlet that fails:
     * where the includer gets what is thrown there (Tomcat, which wraps the portal's response), the failure is the
     * includer's to catch, as any included servlet's is; where it does not (Jetty's cross-context include), the
     * gateway's filter answers it with a part of the includer's answer, never the container's error text.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Container.class)
    void anIncludedServletsFailureInTheGatewayIsTheIncludersOrAPartOfItsAnswer(Container container) throws Exception {
        deploy(false, true);
        gateway.filterTypes.add(DispatcherType.INCLUDE);
        portal.servlet("/widget", widgetPage(request -> gatewayOf(request).getRequestDispatcher("/refused")));
        startIn(container);

        HttpResponse<byte[]> page = Client.get(uri("/portal/widget"), JSON);

        assertThat(page.statusCode()).isEqualTo(200);
        String text = Client.text(page);
        assertThat(text).startsWith("before|").endsWith("|after").doesNotContain("Exception", "Connection refused");
        if (container == Container.TOMCAT) {
            assertThat(text).isEqualTo("before|fallback|after");
        } else {
            assertThat(text).contains("\"code\": \"connection_refused\"");
        }
    }

    /**
     * The HEAD of a portal page whose include of a failing gateway servlet is answered with a part of the page (Jetty)
     * or the includer's fallback (Tomcat): the GET's status, no body, and a {@code Content-Length}, if any, of the
     * GET's body (RFC 9110 §8.6, R12). On Jetty the part was written for the GET only, and the HEAD said the length
     * of the includer's own text: 13 bytes for a GET of more than 300.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Container.class)
    void theHeadOfAPageWhoseIncludeFailsSaysTheLengthOfItsGet(Container container) throws Exception {
        deploy(false, true);
        gateway.filterTypes.add(DispatcherType.INCLUDE);
        portal.servlet("/widget", widgetPage(request -> gatewayOf(request).getRequestDispatcher("/refused")));
        startIn(container);

        HttpResponse<byte[]> get = Client.get(uri("/portal/widget"), JSON);
        HttpResponse<byte[]> head = Client.send("HEAD", uri("/portal/widget"), JSON);

        assertThat(head.statusCode()).isEqualTo(get.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValueAsLong("Content-Length")).as("R12: no length but the GET's body's")
                .satisfiesAnyOf(length -> assertThat(length).isEmpty(),
                        length -> assertThat(length).hasValue(get.body().length));
    }

    /**
     * A gateway page reached by a forward from the (filtered) portal includes a widget of its own application, which
     * fails; the gateway's filter is mapped for includes only: the failure is the includer's to catch, as in any
     * same-application include. On Jetty the portal's mark, seen through the shared attributes, made the gateway's
     * filter take it for a cross-context include and write a 502 part into the page instead.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Container.class)
    void anIncludeWithinTheGatewayReachedByAForwardIsTheIncludersToCatch(Container container) throws Exception {
        deploy(false, true);
        gateway.filterTypes.clear();
        gateway.filterTypes.add(DispatcherType.INCLUDE);
        gateway.servlet("/page", widgetPage(request -> request.getRequestDispatcher("/refused")));
        startIn(container);

        HttpResponse<byte[]> page = Client.get(uri("/portal/forward/page"), JSON);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(Client.text(page)).isEqualTo("before|fallback|after");
    }

    /**
     * A page that includes a widget between {@code before|} and {@code |after}, and writes {@code fallback} in its
     * place when the include throws.
     */
    private static Servlet widgetPage(Function<HttpServletRequest, RequestDispatcher> widget) {
        return servlet((request, response) -> {
            response.setContentType("text/plain");
            response.getWriter().write("before|");
            try {
                widget.apply(request).include(request, response);
            } catch (IOException | ServletException failure) {
                response.getWriter().write("fallback");
            }
            response.getWriter().write("|after");
        });
    }

    /**
     * R1, R36: the page of the failure's own cause, complete (its Content-Length), one log line (the page's support
     * code matches it), and no false warning of a second filter registered in the same chain.
     */
    private void assertOnePage(String path, int status, String cause, String upstream) {
        AtomicReference<HttpResponse<byte[]>> response = new AtomicReference<>();
        String log = StandardError.capture(() -> response.set(Client.get(uri(path), JSON)));

        assertErrorPage(response.get(), "GET", status, "\\d+");
        String body = Client.text(response.get());
        assertThat(body).as(path).contains("\"code\": \"" + cause + "\"");
        assertThat(log).as(path).containsOnlyOnce("error page status=")
                .contains("error page status=" + status + " cause=" + cause + " " + upstream)
                .doesNotContain("Two ErrorPagesFilter instances");
        String supportCode = log.replaceAll("(?s).*support_code=(\\S+).*", "$1");
        assertThat(body).as(path).contains(supportCode);
    }

    /**
     * Starts the portal (filtered) and the gateway: {@code /refused} throws as an upstream call refused,
     * {@code /orders/*} proxies to a closed port, {@code /unavailable} sends 503. The portal reaches them by
     * {@code /portal/forward/...} and {@code /portal/async/...}.
     */
    private void start(Container container, boolean ownLibrary, boolean gatewayFiltered) throws Exception {
        deploy(ownLibrary, gatewayFiltered);
        startIn(container);
    }

    private void deploy(boolean ownLibrary, boolean gatewayFiltered) throws Exception {
        ClassLoader library = ownLibrary ? ownCopy() : getClass().getClassLoader();
        gateway.loader = library;
        gateway.servlet("/refused", servlet((request, response) -> {
            throw new ConnectException("Connection refused");
        }));
        gateway.servlet("/orders/*", library.loadClass(ReverseProxyServlet.class.getName()).asSubclass(Servlet.class)
                .getConstructor().newInstance(), "upstream", "orders",
                "endpoints", "http://127.0.0.1:" + FaultyUpstream.closedPort());
        gateway.servlet("/unavailable", servlet((request, response) -> response.sendError(503)));
        portal.servlet("/forward/*", servlet((request, response) -> gatewayOf(request)
                .getRequestDispatcher(request.getPathInfo()).forward(request, response)));
        portal.servlet("/async/*", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.dispatch(gatewayOf(request), request.getPathInfo());
        }));
        portal.filter = new ErrorPagesFilter();
        if (gatewayFiltered) {
            gateway.filter = library.loadClass(ErrorPagesFilter.class.getName()).asSubclass(Filter.class)
                    .getConstructor().newInstance();
        }
    }

    private void startIn(Container container) throws Exception {
        if (container == Container.JETTY) {
            startJetty();
        } else {
            startTomcat();
        }
    }

    private void startJetty() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        // As behind a TLS terminator: a client's X-Forwarded-Proto: https makes its request secure.
        connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
                .addCustomizer(new ForwardedRequestCustomizer());
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        for (Application application : List.of(portal, gateway)) {
            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath(application.path);
            context.setCrossContextDispatchSupported(true);
            if (application.loader != null) {
                context.setClassLoader(application.loader); // its requests' context class loader, for its services
            }
            application.servlets.forEach((pattern, servlet) -> {
                ServletHolder holder = new ServletHolder(servlet);
                holder.setAsyncSupported(true);
                holder.setInitParameters(application.initParameters.get(pattern));
                context.addServlet(holder, pattern);
            });
            if (application.filter != null) {
                FilterHolder holder = new FilterHolder(application.filter);
                holder.setName("errorPages");
                holder.setAsyncSupported(true);
                context.addFilter(holder, "/*", EnumSet.copyOf(application.filterTypes));
            }
            contexts.addHandler(context);
        }
        server.setHandler(contexts);
        running.set(server::stop);
        server.start();
        port = connector.getLocalPort();
    }

    private void startTomcat() throws Exception {
        Path baseDir = TemporaryDirectory.create("error-pages-cross-context");
        Tomcat tomcat = TomcatServer.embedded(baseDir);
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        for (Application application : List.of(portal, gateway)) {
            Context context = tomcat.addContext(application.path, baseDir.toString());
            context.setCrossContext(true);
            if (application.loader != null) {
                context.setParentClassLoader(application.loader);
            }
            application.servlets.forEach((pattern, servlet) -> {
                String name = "servlet" + pattern.replaceAll("[^A-Za-z]", "_");
                Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
                wrapper.setAsyncSupported(true);
                application.initParameters.get(pattern).forEach(wrapper::addInitParameter);
                context.addServletMappingDecoded(pattern, name);
            });
            if (application.filter != null) {
                FilterDef definition = new FilterDef();
                definition.setFilterName("errorPages");
                definition.setFilter(application.filter);
                definition.setAsyncSupported("true");
                context.addFilterDef(definition);
                FilterMap mapping = new FilterMap();
                mapping.setFilterName("errorPages");
                mapping.addURLPattern("/*");
                for (DispatcherType type : application.filterTypes) {
                    mapping.setDispatcher(type.name());
                }
                context.addFilterMap(mapping);
            }
        }
        running.set(() -> {
            try {
                tomcat.stop();
                tomcat.destroy();
            } finally {
                TemporaryDirectory.delete(baseDir);
            }
        });
        tomcat.start();
        port = connector.getLocalPort();
    }

    /**
     * A class loader with its own copy of the library (child first, as a web application's), its services included;
     * everything else (the Servlet API, the containers, Resilience4j) from the tests' class loader.
     */
    private ClassLoader ownCopy() {
        URL[] library = {location(ReverseProxyServlet.class), location(ErrorPages.class)};
        URLClassLoader loader = new URLClassLoader(library, getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> loaded = findLoadedClass(name);
                    if (loaded == null && name.startsWith("io.github.errorpages.")) {
                        try {
                            loaded = findClass(name);
                        } catch (ClassNotFoundException ofTheTests) {
                            // not in the library: the parent's
                        }
                    }
                    return loaded != null ? loaded : super.loadClass(name, resolve);
                }
            }

            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                // The tests' own service files name classes of the tests' copy: not this one's.
                return name.startsWith("META-INF/services/io.github.errorpages.")
                        ? findResources(name) : super.getResources(name);
            }
        };
        ownCopy.set(loader);
        try {
            assertThat(loader.loadClass(ErrorPagesFilter.class.getName())).isNotSameAs(ErrorPagesFilter.class);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
        return loader;
    }

    private static URL location(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    private static ServletContext gatewayOf(HttpServletRequest request) {
        return Objects.requireNonNull(request.getServletContext().getContext("/gateway"), "gateway");
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    enum Container { JETTY, TOMCAT }

    /** What one web application holds, for either container. */
    private static final class Application {
        final String path;
        final Map<String, Servlet> servlets = new LinkedHashMap<>();
        final Map<String, Map<String, String>> initParameters = new LinkedHashMap<>();
        @Nullable Filter filter;
        /** The dispatcher types the filter is mapped for. */
        final Set<DispatcherType> filterTypes = EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD,
                DispatcherType.ASYNC);
        @Nullable ClassLoader loader;

        Application(String path) {
            this.path = path;
        }

        void servlet(String pattern, Servlet servlet, String... initParameterPairs) {
            servlets.put(pattern, servlet);
            Map<String, String> parameters = new LinkedHashMap<>();
            for (int i = 0; i < initParameterPairs.length; i += 2) {
                parameters.put(initParameterPairs[i], initParameterPairs[i + 1]);
            }
            initParameters.put(pattern, parameters);
        }
    }
}
