package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.RecordedRequest;
import io.github.errorpages.testing.StandardError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request of one web application (the portal, filtered) forwarded, included or async-dispatched into another (the
 * gateway) of the same Jetty 12 server. Jetty gives a cross-context dispatch a request and a response of the target
 * context's own, which do not wrap the portal's; request attributes are shared, and what the gateway writes reaches the
 * portal's wrappers through the container. Before, the gateway's filter saw the portal's mark and stood aside, so an
 * exception there became Jetty's 500 naming it; the gateway's proxy wrote its page and the portal's filter captured its
 * status and wrote a second one (two log lines, the proxy's cause lost); an async dispatch ended with an empty 502 or
 * 503, or Jetty's "Insufficient content written". Each web application may hold its own copy of the library, as web
 * applications do (their own class loaders): both ways are tested.
 */
class CrossContextDispatchIntegrationTests {

    private static final String JSON = "application/json";

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final ServletContextHandler portal = context("/portal");
    private final ServletContextHandler gateway = context("/gateway");
    private final AtomicReference<URLClassLoader> ownCopy = new AtomicReference<>();

    @AfterEach
    void stop() throws Exception {
        server.stop();
        if (ownCopy.get() != null) {
            ownCopy.get().close();
        }
    }

    @ParameterizedTest(name = "gateway has its own copy of the library: {0}")
    @ValueSource(booleans = {false, true})
    void theGatewaysFilterAnswersWhatHappensThereAndThePortalsLetsItsPageThrough(boolean ownLibrary)
            throws Exception {
        ClassLoader library = start(ownLibrary, true);

        for (String dispatch : new String[] {"forward", "async"}) {
            assertOnePage("/portal/" + dispatch + "/refused", 502, "connection_refused", "upstream=-");
            assertOnePage("/portal/" + dispatch + "/orders/1", 502, "connection_refused",
                    "upstream=" + library.loadClass(ReverseProxyServlet.class.getName()).getName());
            assertOnePage("/portal/" + dispatch + "/unavailable", 503, "upstream_status", "upstream=-");
        }
    }

    @ParameterizedTest(name = "gateway has its own copy of the library: {0}")
    @ValueSource(booleans = {false, true})
    void theGatewaysProxyUnfilteredWritesTheOnePage(boolean ownLibrary) throws Exception {
        start(ownLibrary, false);

        for (String dispatch : new String[] {"forward", "async"}) {
            assertOnePage("/portal/" + dispatch + "/orders/1", 502, "connection_refused",
                    "upstream=" + ReverseProxyServlet.class.getName());
        }
    }

    /**
     * Jetty gives a request included from another context no scheme: the proxy threw a {@code NullPointerException}
     * making its {@code X-Forwarded-Proto} and {@code Forwarded} fields, so the includer's page showed Jetty's error
     * page where the upstream's answer belonged, and the upstream was never called.
     */
    @ParameterizedTest(name = "transport={0}")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void aProxyIncludedFromAnotherContextForwardsWithTheSchemeItCameBy(ProxyTransport transport) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "from the upstream",
                "Content-Type", "text/plain"))) {
            portal.addServlet(new ServletHolder(servlet((request, response) -> {
                response.setContentType("text/plain");
                response.getWriter().write("before|");
                gatewayOf(request).getRequestDispatcher("/orders/42").include(request, response);
                response.getWriter().write("|after");
            })), "/page");
            ServletHolder proxy = new ServletHolder(ReverseProxyServlet.class);
            proxy.setInitParameter("endpoints", upstream.uri().toString());
            proxy.setInitParameter("transport", transport.name().toLowerCase(Locale.ROOT));
            proxy.setAsyncSupported(true);
            gateway.addServlet(proxy, "/orders/*");
            startServer();

            HttpResponse<byte[]> response = Client.get(uri("/portal/page"), null);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Client.text(response)).isEqualTo("before|from the upstream|after");
            assertThat(upstream.requests()).hasSize(1);
            RecordedRequest forwarded = upstream.requests().get(0);
            assertThat(forwarded.headers()).containsEntry("x-forwarded-proto", "http");
            assertThat(forwarded.headers().get("forwarded")).endsWith(";proto=http");
        }
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
     *
     * @return the class loader of the gateway's library
     */
    private ClassLoader start(boolean ownLibrary, boolean gatewayFiltered) throws Exception {
        ClassLoader library = ownLibrary ? ownCopy() : getClass().getClassLoader();
        if (ownLibrary) {
            gateway.setClassLoader(library); // its thread context class loader, which finds the library's services
        }
        gateway.addServlet(new ServletHolder(servlet((request, response) -> {
            throw new ConnectException("Connection refused");
        })), "/refused");
        ServletHolder proxy = new ServletHolder(library.loadClass(ReverseProxyServlet.class.getName())
                .asSubclass(Servlet.class));
        proxy.setInitParameter("endpoints", "http://127.0.0.1:" + FaultyUpstream.closedPort());
        proxy.setAsyncSupported(true);
        gateway.addServlet(proxy, "/orders/*");
        gateway.addServlet(new ServletHolder(servlet((request, response) -> response.sendError(503))),
                "/unavailable");
        portal.addServlet(new ServletHolder(servlet((request, response) -> gatewayOf(request)
                .getRequestDispatcher(request.getPathInfo()).forward(request, response))), "/forward/*");
        ServletHolder dispatching = new ServletHolder(servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.dispatch(gatewayOf(request), request.getPathInfo());
        }));
        dispatching.setAsyncSupported(true);
        portal.addServlet(dispatching, "/async/*");
        filter(portal, ErrorPagesFilter.class);
        if (gatewayFiltered) {
            filter(gateway, library.loadClass(ErrorPagesFilter.class.getName()).asSubclass(Filter.class));
        }
        startServer();
        return library;
    }

    private void startServer() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        contexts.addHandler(portal);
        contexts.addHandler(gateway);
        server.setHandler(contexts);
        server.start();
    }

    /**
     * A class loader with its own copy of the library (child first, as a web application's), its services included;
     * everything else (the Servlet API, Jetty, Resilience4j) from the tests' class loader.
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

    private static void filter(ServletContextHandler context, Class<? extends Filter> type) {
        FilterHolder holder = new FilterHolder(type);
        holder.setAsyncSupported(true);
        context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD,
                DispatcherType.ASYNC));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    private static ServletContextHandler context(String path) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath(path);
        context.setCrossContextDispatchSupported(true);
        return context;
    }
}
