package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.RecordedRequest;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ErrorPage;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A container's error pages served by {@link ReverseProxyServlet} from a CMS, the branded 404 and 500 of the site
 * through the gateway ({@code <error-page>} locations under the proxy's mapping), on Jetty 12, Tomcat and Undertow
 * over both transports: the answer keeps the error's status whatever the CMS answers or however it fails, as nginx's
 * {@code error_page} with {@code proxy_pass} does (R19: no soft 404, R25: a missing URL is never a 502 or 503 that
 * keeps it in search indexes).
 */
class ErrorPageThroughTheProxyIntegrationTests {

    private static final String CMS_PAGE = "<html>CMS error page</html>";

    private static FaultyUpstream cms;

    @BeforeAll
    static void startCms() {
        cms = FaultyUpstream.start(exchange -> exchange.reset());
    }

    @AfterAll
    static void stopCms() {
        cms.close();
    }

    static Stream<Arguments> gateways() {
        return Stream.of("JETTY", "TOMCAT", "UNDERTOW").flatMap(container -> Stream.of(ProxyTransport.JETTY,
                ProxyTransport.JDK).map(transport -> Arguments.of(container, transport)));
    }

    /**
     * The application's 404 whose page the CMS serves (with a 200 of its own) is a 404 with the CMS's page, not a 200
     * (R19): the CMS's validators, which describe its page and not the missing URL, are not relayed, and the
     * client's conditions for the missing URL do not reach the CMS, whose page is the answer whatever the client
     * holds.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aMissingPageKeepsItsStatusWithTheCmsPage(String container, ProxyTransport transport) throws Exception {
        cms.behave(exchange -> exchange.respond(200, CMS_PAGE, "Content-Type", "text/html", "ETag", "\"cms-1\"",
                "Last-Modified", "Sun, 06 Dec 2026 10:00:00 GMT"));
        cms.clearRequests();
        try (Gateway gateway = Gateway.start(container, transport)) {
            HttpResponse<byte[]> answer = Client.send("GET", gateway.uri("/missing"), Client.BROWSER_ACCEPT,
                    "If-None-Match", "\"cms-1\"", "If-Modified-Since", "Sun, 06 Dec 2026 10:00:00 GMT");

            assertThat(answer.statusCode()).isEqualTo(404);
            assertThat(Client.text(answer)).isEqualTo(CMS_PAGE);
            assertThat(answer.headers().firstValue("ETag")).isEmpty();
            assertThat(answer.headers().firstValue("Last-Modified")).isEmpty();
            assertThat(answer.headers().firstValue("Retry-After")).isEmpty();
            List<RecordedRequest> asked = cms.requests();
            assertThat(asked).hasSize(1);
            assertThat(asked.get(0).target()).isEqualTo("/404");
            assertThat(asked.get(0).headers()).doesNotContainKeys("if-none-match", "if-modified-since");
        }
    }

    /**
     * The application's 404 whose page the CMS cannot serve stays a 404, not the proxy's 502 with a
     * {@code Retry-After} (R25): a short plain-text answer naming the status, which no cache keeps.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aMissingPageKeepsItsStatusWithTheCmsDown(String container, ProxyTransport transport) throws Exception {
        cms.behave(exchange -> exchange.reset());
        try (Gateway gateway = Gateway.start(container, transport)) {
            HttpResponse<byte[]> answer = Client.send("GET", gateway.uri("/missing"), Client.BROWSER_ACCEPT);

            assertThat(answer.statusCode()).isEqualTo(404);
            assertThat(answer.headers().firstValue("Retry-After")).isEmpty();
            assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
            assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain"));
            assertThat(Client.text(answer)).isEqualTo("Error 404\n");
        }
    }

    /** The application's bug (an exception) whose page the CMS serves is a 500 with the CMS's page, not its 200. */
    @ParameterizedTest
    @MethodSource("gateways")
    void anApplicationErrorKeepsItsStatusWithTheCmsPage(String container, ProxyTransport transport)
            throws Exception {
        cms.behave(exchange -> exchange.respond(200, CMS_PAGE, "Content-Type", "text/html"));
        try (Gateway gateway = Gateway.start(container, transport)) {
            HttpResponse<byte[]> answer = Client.send("GET", gateway.uri("/boom"), Client.BROWSER_ACCEPT);

            assertThat(answer.statusCode()).isEqualTo(500);
            assertThat(Client.text(answer)).isEqualTo(CMS_PAGE);
        }
    }

    /**
     * The application's bug whose page the CMS cannot serve is the built-in 500 page, without a {@code Retry-After}
     * (R4), not the proxy's 502 blaming an upstream for the application's own error.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void anApplicationErrorKeepsItsStatusWithTheCmsDown(String container, ProxyTransport transport) throws Exception {
        cms.behave(exchange -> exchange.reset());
        try (Gateway gateway = Gateway.start(container, transport)) {
            HttpResponse<byte[]> answer = Client.send("GET", gateway.uri("/boom"), Client.BROWSER_ACCEPT);

            assertThat(answer.statusCode()).isEqualTo(500);
            assertThat(answer.headers().firstValue("Retry-After")).isEmpty();
            assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/html"));
            assertThat(Client.text(answer)).contains("Something went wrong");
        }
    }

    /**
     * The application's own 503 whose page the CMS cannot serve (the filter intercepting no status, so that the
     * container's error page answers it) stays a 503, with the {@code Retry-After} every 503 has (R8), the built-in
     * 503 page.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void anApplicationUnavailableKeepsItsStatusAndRetryAfterWithTheCmsDown(String container,
            ProxyTransport transport) throws Exception {
        cms.behave(exchange -> exchange.reset());
        try (Gateway gateway = Gateway.start(container, transport,
                ErrorPagesFilter.builder().interceptedStatuses(List.of()).build())) {
            HttpResponse<byte[]> answer = Client.send("GET", gateway.uri("/unavailable"), Client.BROWSER_ACCEPT);

            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.headers().firstValue("Retry-After")).isPresent();
            assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/html"));
        }
    }

    /**
     * R12: a HEAD whose 404 the CMS's page answers gets the status and the fields the GET gets, the page's
     * {@code Content-Length} and {@code Content-Type} among them, and no body (RFC 9110 §9.3.2); the CMS is asked
     * with a HEAD, as nginx's {@code error_page} asks it, so that no page is sent to be dropped. Tomcat 11 dispatches
     * the error page of a HEAD as a GET (Servlet 6.1), and the CMS was asked for its page with a GET.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aHeadOfAMissingPageHasTheGetsFieldsWithTheCmsPage(String container, ProxyTransport transport)
            throws Exception {
        cms.behave(exchange -> exchange.respond(200, CMS_PAGE, "Content-Type", "text/html", "ETag", "\"cms-1\""));
        try (Gateway gateway = Gateway.start(container, transport)) {
            HttpResponse<byte[]> get = Client.send("GET", gateway.uri("/missing"), Client.BROWSER_ACCEPT);
            cms.clearRequests();

            HttpResponse<byte[]> head = Client.send("HEAD", gateway.uri("/missing"), Client.BROWSER_ACCEPT);

            assertThat(get.statusCode()).isEqualTo(404);
            assertSameHead(head, get, 404);
            assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(CMS_PAGE.length()));
            assertThat(head.headers().firstValue("ETag")).isEmpty();
            assertThat(cms.requests()).singleElement().satisfies(asked -> {
                assertThat(asked.method()).isEqualTo("HEAD");
                assertThat(asked.target()).isEqualTo("/404");
            });
        }
    }

    /**
     * R12: a HEAD whose 404 and 500 pages the CMS answers with a 5xx of its own gets the error's status and the
     * GET's fields, no body. The CMS's 5xx is its failure, as any upstream's is ({@code upstream_status}), not the
     * page: a GET gets the stand-in it gets with the CMS down, without the CMS's {@code Retry-After} (R25: a missing
     * URL or the application's bug is no outage to come back after).
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aHeadKeepsTheErrorsStatusWhenTheCmsAnswersItsOwn5xx(String container, ProxyTransport transport)
            throws Exception {
        cms.behave(exchange -> exchange.respond(503, "<html>CMS down for maintenance</html>", "Content-Type",
                "text/html", "Retry-After", "120"));
        try (Gateway gateway = Gateway.start(container, transport)) {
            for (String path : List.of("/missing", "/boom")) {
                int status = path.equals("/missing") ? 404 : 500;
                HttpResponse<byte[]> get = Client.send("GET", gateway.uri(path), Client.BROWSER_ACCEPT);

                HttpResponse<byte[]> head = Client.send("HEAD", gateway.uri(path), Client.BROWSER_ACCEPT);

                assertThat(get.statusCode()).as(path).isEqualTo(status);
                assertThat(Client.text(get)).as(path).doesNotContain("CMS down for maintenance")
                        .contains(status == 404 ? "Error 404" : "Something went wrong");
                assertThat(get.headers().firstValue("Retry-After")).as(path).isEmpty();
                assertSameHead(head, get, status);
            }
        }
    }

    /**
     * R12: a HEAD whose error page the CMS cannot serve gets what the GET gets, without the body: the 404's short
     * plain-text answer and the 500's built-in page, each with its {@code Content-Length}, type and fields, no
     * {@code Retry-After}.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aHeadKeepsTheErrorsStatusAndTheGetsFieldsWithTheCmsDown(String container, ProxyTransport transport)
            throws Exception {
        cms.behave(exchange -> exchange.reset());
        try (Gateway gateway = Gateway.start(container, transport)) {
            for (String path : List.of("/missing", "/boom")) {
                int status = path.equals("/missing") ? 404 : 500;
                HttpResponse<byte[]> get = Client.send("GET", gateway.uri(path), Client.BROWSER_ACCEPT);

                HttpResponse<byte[]> head = Client.send("HEAD", gateway.uri(path), Client.BROWSER_ACCEPT);

                assertThat(get.statusCode()).as(path).isEqualTo(status);
                assertThat(get.body().length).as(path).isPositive();
                assertSameHead(head, get, status);
                assertThat(head.headers().firstValue("Retry-After")).as(path).isEmpty();
            }
        }
    }

    /**
     * R13: a POST whose 404 or 500 page the CMS serves asks the CMS for its page with a GET and without the client's
     * body, as nginx's {@code error_page} does: the error page is no resource to post an order to, nor a request to
     * repeat elsewhere. Jetty and Undertow keep the client's method in the {@code ERROR} dispatch: Undertow's CMS got
     * the client's POST and its form, and Jetty's dispatch, the body no longer readable, was answered with 400;
     * Tomcat 11 makes it a GET (Servlet 6.1), and the CMS got a GET with the form. The answer keeps the error's
     * status with the CMS's page. Nor is an {@code OPTIONS} with {@code Max-Forwards: 0} answered by the proxy
     * itself, with its 200 and {@code Allow} for a missing URL (R21): its error page is asked for with a GET too (on
     * Tomcat and Undertow: Jetty makes error pages for {@code GET}, {@code POST} and {@code HEAD} only).
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void anErrorPageIsAskedOfTheCmsWithAGetWithoutTheClientsBody(String container, ProxyTransport transport)
            throws Exception {
        cms.behave(exchange -> exchange.respond(200, CMS_PAGE, "Content-Type", "text/html"));
        try (Gateway gateway = Gateway.start(container, transport)) {
            List<String> requests = container.equals("JETTY") ? List.of("POST /missing", "POST /boom")
                    : List.of("POST /missing", "POST /boom", "OPTIONS /missing");
            for (String request : requests) {
                String method = request.substring(0, request.indexOf(' '));
                String path = request.substring(request.indexOf(' ') + 1);
                cms.clearRequests();

                HttpResponse<byte[]> answer = Client.send(method, gateway.uri(path), Client.BROWSER_ACCEPT,
                        "Max-Forwards", "0");

                assertThat(answer.statusCode()).as(request).isEqualTo(path.equals("/missing") ? 404 : 500);
                assertThat(Client.text(answer)).as(request).isEqualTo(CMS_PAGE);
                assertThat(cms.requests()).as(request).singleElement().satisfies(asked -> {
                    assertThat(asked.method()).isEqualTo("GET");
                    assertThat(asked.body()).isEmpty();
                    // (The JDK's client before Java 19 says Content-Length: 0 of a GET.)
                    assertThat(asked.headers().getOrDefault("content-length", "0")).isEqualTo("0");
                    assertThat(asked.headers()).doesNotContainKeys("content-type", "transfer-encoding");
                });
            }
        }
    }

    /**
     * {@link ErrorPagesFilter} mapped for {@code ERROR} dispatches too ({@code <dispatcher>ERROR</dispatcher>}, a
     * common {@code web.xml}), the CMS down: the filter leaves the error page the proxy answers alone, its status
     * kept (R25), not its own 502 page; one answer and one log line, the 500 page's support code the one its line
     * names.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aFilterMappedForErrorDispatchesLeavesTheErrorsStatusWithTheCmsDown(String container,
            ProxyTransport transport) throws Exception {
        cms.behave(exchange -> exchange.reset());
        try (Gateway gateway = Gateway.start(container, transport, ErrorPagesFilter.builder().build(), true)) {
            AtomicReference<HttpResponse<byte[]>> missing = new AtomicReference<>();
            String missingLog = StandardError.capture(() -> missing.set(Client.get(gateway.uri("/missing"),
                    Client.BROWSER_ACCEPT)));
            AtomicReference<HttpResponse<byte[]>> boom = new AtomicReference<>();
            String boomLog = StandardError.capture(() -> boom.set(Client.get(gateway.uri("/boom"),
                    Client.BROWSER_ACCEPT)));

            assertThat(missing.get().statusCode()).isEqualTo(404);
            assertThat(Client.text(missing.get())).isEqualTo("Error 404\n");
            assertThat(missingLog).containsOnlyOnce("error page for status 404 answered without its upstream's page")
                    .doesNotContain("error page status=");
            assertThat(boom.get().statusCode()).isEqualTo(500);
            assertThat(boom.get().headers().firstValue("Retry-After")).isEmpty();
            String page = Client.text(boom.get());
            assertThat(page).contains("Something went wrong");
            assertThat(boomLog).containsOnlyOnce("error page status=").contains("error page status=500 ");
            String supportCode = boomLog.replaceAll("(?s).*support_code=(\\S+).*", "$1");
            assertThat(page).contains(supportCode);
        }
    }

    /**
     * {@link ErrorPagesFilter} mapped for {@code ERROR} dispatches too: an upstream failure of the request's own
     * dispatch, thrown by the application and answered with the filter's page, or the proxy's own call to the CMS
     * for a page of its own (not an error page) answered with the proxy's page, is answered once (R1), with one log
     * line and the page's support code in it, and no {@code ERROR} dispatch answers it again with a page of the CMS
     * or a second line, though the site has an error page for 502 under the proxy: the pages are written, never sent
     * with {@code sendError}.
     */
    @ParameterizedTest
    @MethodSource("gateways")
    void aFilterMappedForErrorDispatchesAnswersAnUpstreamFailureOnce(String container, ProxyTransport transport)
            throws Exception {
        cms.behave(exchange -> {
            if (exchange.request().target().equals("/page")) {
                exchange.reset();
            } else {
                exchange.respond(200, CMS_PAGE, "Content-Type", "text/html");
            }
        });
        try (Gateway gateway = Gateway.start(container, transport, ErrorPagesFilter.builder().build(), true)) {
            for (String path : List.of("/orders", "/cms/page")) {
                cms.clearRequests();
                AtomicReference<HttpResponse<byte[]>> answer = new AtomicReference<>();
                String log = StandardError.capture(() -> answer.set(Client.get(gateway.uri(path),
                        Client.BROWSER_ACCEPT)));

                assertThat(answer.get().statusCode()).as(path).isEqualTo(502);
                String page = Client.text(answer.get());
                assertThat(page).as(path).doesNotContain(CMS_PAGE);
                assertThat(log).as(path).containsOnlyOnce("error page status=").contains("error page status=502 ");
                assertThat(page).as(path).contains(log.replaceAll("(?s).*support_code=(\\S+).*", "$1"));
                assertThat(cms.requests()).as(path).extracting(RecordedRequest::target).doesNotContain("/502");
            }
        }
    }

    /** The HEAD's status, and the GET's fields that describe its body and its caching, without a body. */
    private static void assertSameHead(HttpResponse<byte[]> head, HttpResponse<byte[]> get, int status) {
        assertThat(head.statusCode()).isEqualTo(status);
        assertThat(head.body()).isEmpty();
        for (String name : List.of("Content-Type", "Content-Length", "Cache-Control", "Retry-After",
                "X-Content-Type-Options", "Vary")) {
            assertThat(head.headers().allValues(name)).as(name).isEqualTo(get.headers().allValues(name));
        }
    }

    /**
     * A gateway whose error pages for 404, 502, 503 and {@link IllegalStateException} are under the proxy's mapping,
     * with the error pages' filter mapped as documented (REQUEST, FORWARD, ASYNC), or for ERROR dispatches too:
     * {@code /missing} sends 404, {@code /unavailable} 503, {@code /boom} throws a bug of the application's and
     * {@code /orders} an upstream call's failure (refused).
     */
    private record Gateway(AutoCloseable server, int port) implements AutoCloseable {

        static Gateway start(String container, ProxyTransport transport) throws Exception {
            return start(container, transport, ErrorPagesFilter.builder().build());
        }

        static Gateway start(String container, ProxyTransport transport, Filter filter) throws Exception {
            return start(container, transport, filter, false);
        }

        static Gateway start(String container, ProxyTransport transport, Filter filter, boolean errorDispatches)
                throws Exception {
            ReverseProxyServlet proxy = ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("cms")
                    .endpoints(cms.uri()).build())).transport(transport).build();
            Map<String, HttpServlet> servlets = new LinkedHashMap<>();
            servlets.put("/cms/*", proxy);
            servlets.put("/missing", servlet((request, response) -> response.sendError(404)));
            servlets.put("/unavailable", servlet((request, response) -> response.sendError(503)));
            servlets.put("/boom", servlet((request, response) -> {
                throw new IllegalStateException("a bug of the application's");
            }));
            servlets.put("/orders", servlet((request, response) -> {
                throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
            }));
            EnumSet<DispatcherType> dispatches = EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD,
                    DispatcherType.ASYNC);
            if (errorDispatches) {
                dispatches.add(DispatcherType.ERROR);
            }
            switch (container) {
                case "JETTY" -> {
                    JettyServer jetty = new JettyServer();
                    FilterHolder holder = new FilterHolder(filter);
                    holder.setAsyncSupported(true);
                    jetty.context().addFilter(holder, "/*", dispatches);
                    servlets.forEach(jetty::servlet);
                    ErrorPageErrorHandler handler = new ErrorPageErrorHandler();
                    handler.addErrorPage(404, "/cms/404");
                    handler.addErrorPage(502, "/cms/502");
                    handler.addErrorPage(503, "/cms/503");
                    handler.addErrorPage(IllegalStateException.class, "/cms/500");
                    jetty.context().setErrorHandler(handler);
                    jetty.start();
                    return new Gateway(jetty, jetty.port());
                }
                case "TOMCAT" -> {
                    TomcatServer tomcat = TomcatServer.inCode();
                    tomcat.filter("errorPages", filter,
                            dispatches.stream().map(Enum::name).toArray(String[]::new));
                    servlets.forEach(tomcat::servlet);
                    tomcat.errorPage(404, "/cms/404").errorPage(502, "/cms/502").errorPage(503, "/cms/503")
                            .errorPage(IllegalStateException.class, "/cms/500");
                    tomcat.start();
                    return new Gateway(tomcat, tomcat.uri("/").getPort());
                }
                default -> {
                    return undertow(servlets, filter, dispatches);
                }
            }
        }

        private static Gateway undertow(Map<String, HttpServlet> servlets, Filter filter,
                Set<DispatcherType> dispatches) throws Exception {
            DeploymentInfo info = Servlets.deployment()
                    .setClassLoader(ErrorPageThroughTheProxyIntegrationTests.class.getClassLoader())
                    .setContextPath("/").setDeploymentName("error-pages-through-the-proxy");
            int i = 0;
            for (Map.Entry<String, HttpServlet> mapped : servlets.entrySet()) {
                info.addServlet(Servlets.servlet("servlet" + i++, HttpServlet.class,
                        new ImmediateInstanceFactory<>(mapped.getValue())).addMapping(mapped.getKey())
                        .setAsyncSupported(true));
            }
            info.addFilter(Servlets.filter("errorPages", Filter.class, new ImmediateInstanceFactory<>(filter))
                    .setAsyncSupported(true));
            for (DispatcherType dispatch : dispatches) {
                info.addFilterUrlMapping("errorPages", "/*", dispatch);
            }
            info.addErrorPage(new ErrorPage("/cms/404", 404));
            info.addErrorPage(new ErrorPage("/cms/502", 502));
            info.addErrorPage(new ErrorPage("/cms/503", 503));
            info.addErrorPage(new ErrorPage("/cms/500", IllegalStateException.class));
            DeploymentManager deployment = Servlets.newContainer().addDeployment(info);
            deployment.deploy();
            Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(deployment.start())
                    .build();
            undertow.start();
            int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
            return new Gateway(() -> {
                undertow.stop();
                deployment.stop();
                deployment.undeploy();
            }, port);
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
