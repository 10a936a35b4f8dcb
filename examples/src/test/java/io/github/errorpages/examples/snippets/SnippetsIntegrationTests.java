package io.github.errorpages.examples.snippets;

import static io.github.errorpages.examples.Http.BROWSER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import feign.Feign;
import feign.RequestLine;
import feign.Retryer;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.examples.Http;
import io.github.errorpages.examples.RepositoryFiles;
import io.github.errorpages.examples.upstream.DemoMode;
import io.github.errorpages.examples.upstream.DemoUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every snippet of the docs, run: the listeners and servlets on a real Jetty, the {@code web.xml} files on a
 * real Tomcat, the templates through {@link ErrorPages}, against real demo upstreams on loopback.
 */
class SnippetsIntegrationTests {

    private final DemoUpstream upstream = DemoUpstream.start();
    private final DemoUpstream secondUpstream = DemoUpstream.start();

    @AfterEach
    void stopUpstreams() {
        upstream.close();
        secondUpstream.close();
    }

    @Test
    void filterRegisteredByClassReadsItsInitParameters() throws Exception {
        try (JettyApp app = new JettyApp().listener(new FilterByClassListener())
                .servlet("/search", new UnavailableServlet(), Map.of())
                .servlet("/robots.txt", new UnavailableServlet(), Map.of()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/search"), "application/json");
            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.headers().firstValue("Retry-After")).as("3600 clamped to retry-after.max=10m").contains("600");
            assertThat(Http.member(page.body(), "code")).contains("upstream_status");

            HttpResponse<String> robots = Http.get(app.uri("/robots.txt"), BROWSER);
            assertThat(robots.statusCode()).as("robots-txt.fallback, R27").isEqualTo(200);
            assertThat(robots.body()).isEqualTo("User-agent: *\nDisallow:\n");
        }
    }

    @Test
    void filterFromTheBuilderShowsTheBrandedPage() throws Exception {
        try (JettyApp app = new JettyApp().listener(new FilterBuilderListener())
                .servlet("/search", new UnavailableServlet(), Map.of()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/search"), BROWSER);

            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.headers().firstValue("Retry-After")).contains("600");
            assertThat(page.body()).contains("\u2013 Acme Travel</title>", "#0b5cad", "mailto:help@acme.example",
                    "https://status.acme.example");
        }
    }

    @Test
    void guardedClientSucceedsAndItsFailuresReachTheFilter() throws Exception {
        try (JettyApp app = new JettyApp().listener(new FilterByClassListener())
                .servlet("/stock", new InventoryServlet(), Map.of("inventory.endpoint", upstream.uri().toString()))
                .start()) {

            HttpResponse<String> stock = Http.get(app.uri("/stock"), "application/json");
            assertThat(stock.statusCode()).isEqualTo(200);
            assertThat(stock.body()).contains("\"orders\"");

            upstream.mode(DemoMode.REFUSING);
            HttpResponse<String> failed = Http.get(app.uri("/stock"), "application/json");
            assertThat(failed.statusCode()).isEqualTo(502);
            assertThat(Http.member(failed.body(), "code")).contains("connection_refused");
            assertThat(failed.headers().firstValue("Retry-After")).contains("10");
        }
    }

    /**
     * An upstream's 4xx is its answer, not a failure (the guarded client returns it): the servlet of the README and
     * the servlet guide passes its status on with its body. The snippet wrote the body only, so an upstream's 404
     * went out as a 200 carrying the upstream's error.
     */
    @Test
    void guardedClientPassesAnUpstreams404OnWithItsStatus() throws Exception {
        byte[] missing = "{\"error\":\"no such item\"}".getBytes(StandardCharsets.UTF_8);
        HttpServer notFound = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notFound.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, missing.length);
            exchange.getResponseBody().write(missing);
            exchange.close();
        });
        notFound.start();
        try (JettyApp app = new JettyApp().listener(new FilterByClassListener())
                .servlet("/stock", new InventoryServlet(),
                        Map.of("inventory.endpoint", "http://127.0.0.1:" + notFound.getAddress().getPort()))
                .start()) {

            HttpResponse<String> stock = Http.get(app.uri("/stock"), "application/json");

            assertThat(stock.statusCode()).isEqualTo(404);
            assertThat(stock.body()).isEqualTo("{\"error\":\"no such item\"}");
        } finally {
            notFound.stop(0);
        }
    }

    @Test
    void namedFailureDecidesThePage() throws Exception {
        try (JettyApp app = new JettyApp().listener(new FilterByClassListener())
                .servlet("/search", new ReportedFailureServlet(), Map.of()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/search"), "application/json");

            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(Http.member(page.body(), "code")).contains("connection_limit_reached");
        }
    }

    /** The maintenance attribute: the maintenance page, its Retry-After at the announced end (R8, R10). */
    @Test
    void maintenanceAttributeAnswersWithTheMaintenancePage() throws Exception {
        try (JettyApp app = new JettyApp().listener(new FilterByClassListener()).servlet("/checkout",
                new MaintenanceServlet(Instant.now().plus(Duration.ofMinutes(20))), Map.of()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/checkout"), "application/json");

            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(Http.member(page.body(), "code")).contains("maintenance");
            assertThat(page.headers().firstValue("Retry-After")).hasValueSatisfying(
                    seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 1200L));
        }
    }

    /**
     * With the filter's listener, as the README shows them one after the other: the proxy's page is the filter's,
     * branded. Without the filter's {@code errorPages}, it was the built-in look, with no site name.
     */
    @Test
    void proxyServletFailsOverToTheSecondEndpoint() throws Exception {
        upstream.mode(DemoMode.REFUSING);
        try (JettyApp app = new JettyApp().listener(new FilterBuilderListener()).listener(new ProxyServletListener())
                .contextParameter("orders.endpoints", upstream.uri() + "," + secondUpstream.uri()).start()) {

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> orders = Http.get(app.uri("/orders/42"), BROWSER);
                assertThat(orders.statusCode()).isEqualTo(200);
                assertThat(orders.body()).contains("Your orders");
            }
            assertThat(secondUpstream.requestCount()).isEqualTo(3);

            secondUpstream.mode(DemoMode.UNAVAILABLE);
            HttpResponse<String> unavailable = Http.get(app.uri("/orders/42"), "application/json");
            assertThat(unavailable.statusCode()).isEqualTo(503);
            assertThat(unavailable.headers().firstValue("Retry-After")).contains("30");
            HttpResponse<String> page = Http.get(app.uri("/orders/42"), BROWSER);
            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.body()).contains("<title>Service temporarily unavailable – Acme Travel</title>");
        }
    }

    /** Alone, or declared before the filter's listener, the proxy's listener starts, with the built-in pages. */
    @Test
    void proxyServletListenerStartsWithoutTheFiltersListener() throws Exception {
        upstream.mode(DemoMode.UNAVAILABLE);
        secondUpstream.mode(DemoMode.UNAVAILABLE);
        try (JettyApp app = new JettyApp().listener(new ProxyServletListener())
                .contextParameter("orders.endpoints", upstream.uri() + "," + secondUpstream.uri()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/orders/42"), BROWSER);

            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.body()).contains("<title>Service temporarily unavailable</title>");
        }
    }

    @Test
    void webXmlOfTheDocsRunsOnTomcat() throws Exception {
        String webXml = snippet("web.xml")
                .replace("http://orders-1.internal:8080, http://orders-2.internal:8080", upstream.uri() + ", " + secondUpstream.uri());
        Path webApp = TomcatWebApp.webApp(webXml);
        Files.writeString(webApp.resolve("WEB-INF/robots-fallback.txt"), "User-agent: *\nAllow: /\n");
        try (TomcatWebApp app = new TomcatWebApp(webApp).servlet("/search", new UnavailableServlet()).start()) {

            assertThat(Http.get(app.uri("/orders/42"), BROWSER).body()).contains("Your orders");

            HttpResponse<String> page = Http.get(app.uri("/search"), BROWSER);
            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.headers().firstValue("Retry-After")).as("retry-after.max=10m").contains("600");
            assertThat(Http.contentType(page)).isEqualTo("text/html;charset=utf-8");

            upstream.mode(DemoMode.GARBAGE);
            secondUpstream.mode(DemoMode.GARBAGE);
            HttpResponse<String> proxied = Http.get(app.uri("/orders/42"), "application/json");
            assertThat(proxied.statusCode()).isEqualTo(502);
            assertThat(Http.member(proxied.body(), "code")).contains("http_protocol_error");
        }
    }

    /**
     * The proxy servlet of the docs' web.xml starts with the application (load-on-startup): an invalid value stops
     * the deployment where the container fails an application whose servlet fails to start. Without it the servlet
     * started with its first request, which got Tomcat's 500, as every later one did.
     */
    @Test
    void webXmlOfTheDocsWithAnInvalidValueStopsTheApplication() throws Exception {
        String webXml = snippet("web.xml").replace("<param-value>12s</param-value>",
                "<param-value>12 seconds</param-value>");
        Path webApp = TomcatWebApp.webApp(webXml);
        Files.writeString(webApp.resolve("WEB-INF/robots-fallback.txt"), "User-agent: *\nAllow: /\n");
        try (TomcatWebApp app = new TomcatWebApp(webApp).failingIfAServletFailsToStart().start()) {

            assertThat(app.available()).isFalse();
        }
    }

    @Test
    void autoRegisteringWebXmlOfTheDocsRunsOnTomcat() throws Exception {
        Path webApp = TomcatWebApp.webApp(snippet("web-auto-register.xml"));
        try (TomcatWebApp app = new TomcatWebApp(webApp).servlet("/search", new UnavailableServlet()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/search"), "application/json");

            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.headers().firstValue("Retry-After")).contains("600");
            assertThat(Http.contentType(page)).isEqualTo("application/problem+json");
        }
    }

    @Test
    void mavenDependencyOfTheDocsNamesThisProjectsServletModule() {
        String dependency = snippet("dependency.xml");
        String rootPom = RepositoryFiles.read("pom.xml");
        String version = rootPom.substring(rootPom.indexOf("<version>") + 9, rootPom.indexOf("</version>"));

        assertThat(dependency).contains("<groupId>io.github.errorpages</groupId>",
                "<artifactId>error-pages-servlet</artifactId>", "<version>" + version + "</version>");
        assertThat(RepositoryFiles.read("error-pages-servlet/pom.xml")).contains("<artifactId>error-pages-servlet</artifactId>");
    }

    @Test
    void templatesOfTheDocsReplaceOneStatusAndTheRest() {
        Path templates = RepositoryFiles.root().resolve("examples/src/test/resources/snippets/templates");
        ErrorPages errorPages = TemplateSettings.withTemplates(templates); // strict: a broken template fails here

        ErrorResponse unavailable = errorPages.render(UpstreamFailure.of(FailureCause.DESTINATION_UNAVAILABLE),
                new ErrorRequest("GET", "/", BROWSER, "de", null));
        assertThat(unavailable.bodyText()).as("own art in the built-in layout")
                .contains("M48 84h64", "class=\"card\"", "lang=\"de\"");

        ErrorResponse badGateway = errorPages.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", BROWSER, "fr", null));
        assertThat(badGateway.bodyText()).as("the whole own 5xx page").contains("<main>", "lang=\"fr\"")
                .doesNotContain("class=\"card\"");
        assertThat(badGateway.header("Content-Security-Policy")).contains("style-src 'sha256-")
                .doesNotContain("unsafe-inline");

        ErrorResponse json = errorPages.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/", "application/json", null, null));
        assertThat(json.bodyText()).as("other formats keep the built-in templates").contains("\"code\": \"connection_refused\"");

        ErrorResponse maintenance = errorPages.renderMaintenance(new ErrorRequest("GET", "/", "text/plain", null, null),
                null);
        assertThat(maintenance.bodyText()).as("the plain-text maintenance page from the class-path folder")
                .startsWith("We’re down for scheduled maintenance\n\n");
    }

    @Test
    void upstreamAlertsLogBreakerTransitionsAndMeasureTheOutage() throws Exception {
        upstream.mode(DemoMode.REFUSING);
        UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                        .maxAttempts(1)
                        .circuitBreakerConfig(CircuitBreakerConfig.custom().slidingWindow(2, 2,
                                CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).build())
                        .build())
                .listener(new UpstreamAlerts())
                .build();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // slf4j-simple writes there
        try {
            for (int i = 0; i < 2; i++) {
                try {
                    guard.call(UpstreamRequest.of("GET"), attempt -> {
                        throw new ConnectException("Connection refused");
                    });
                } catch (UpstreamFailureException expected) {
                    // the failure the breaker counts
                }
            }
        } finally {
            System.setErr(stderr);
        }

        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("upstream=orders breaker=orders state=OPEN previous=CLOSED");
        Instant since = guard.failingSince().orElseThrow();
        assertThat(UpstreamAlerts.secondsFailing(guard, Clock.fixed(since.plus(Duration.ofHours(2)), ZoneOffset.UTC)))
                .isEqualTo(7200);
    }

    @Test
    void secondsFailingIsZeroWhileHealthy() {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(URI.create("http://127.0.0.1:1")).build());

        assertThat(UpstreamAlerts.secondsFailing(guard, Clock.systemUTC())).isZero();
    }

    private static String snippet(String file) {
        return RepositoryFiles.read("examples/src/test/resources/snippets/" + file);
    }

    /**
     * The Feign classifier of the docs, found through the examples' {@code META-INF/services}: an upstream's 503 that
     * Feign threw as its exception is the page's 503 with the upstream's {@code Retry-After} (R3, R46), not a 500.
     */
    @Test
    void feignsExceptionForAnUpstreams503IsItsPage() throws Exception {
        upstream.mode(DemoMode.UNAVAILABLE);
        try (JettyApp app = new JettyApp().listener(new FilterByClassListener())
                .servlet("/orders", new FeignOrdersServlet(upstream.uri()), Map.of()).start()) {

            HttpResponse<String> page = Http.get(app.uri("/orders"), "application/json");

            assertThat(page.statusCode()).isEqualTo(503);
            assertThat(page.headers().firstValue("Retry-After")).contains("30");
            assertThat(Http.member(page.body(), "code")).contains("upstream_status");
            assertThat(page.body()).doesNotContain("feign", "Feign", "127.0.0.1");
        }
    }

    /**
     * The caller's cancel of the docs, with a real Apache HttpClient 5 and an upstream that answers only after 30 s:
     * the caller goes away once the upstream has the request, and the call ends with the CancellationException the
     * attempt threw, not retried (the upstream saw one request) and not counted against the upstream (R2).
     */
    @Test
    void apacheRequestCancelledByItsCallerIsNeitherRetriedNorCounted() throws Exception {
        upstream.mode(DemoMode.SLOW);
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("stock").endpoints(upstream.uri())
                .maxAttempts(3).build());
        CompletableFuture<Void> callerGone = new CompletableFuture<>();
        // A thread of its own, not the common pool's one worker on two cores (JDK 25 runs runAsync there).
        Thread caller = new Thread(() -> {
            while (upstream.requestCount() == 0) {
                Thread.onSpinWait(); // the upstream has the request: the caller goes away
            }
            callerGone.complete(null);
        }, "caller");
        caller.setDaemon(true);
        caller.start();
        try (CloseableHttpClient client = HttpClients.createDefault()) {

            assertThatThrownBy(() -> ApacheCallerCancel.fetch(guard, client, URI.create("/api/stock"), callerGone))
                    .isInstanceOf(CancellationException.class);
        }

        assertThat(upstream.requestCount()).as("not retried").isEqualTo(1);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.metrics().failedCalls()).as("R2").isZero();
        assertThat(guard.metrics().retries()).isZero();
    }

    /** The upstream's API, as a Feign application declares it. */
    interface Orders {
        @RequestLine("GET /api/orders")
        String orders();
    }

    /** An application servlet that calls its upstream with Feign and lets Feign's exceptions through. */
    static final class FeignOrdersServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient Orders orders;

        FeignOrdersServlet(URI upstream) {
            orders = Feign.builder().retryer(Retryer.NEVER_RETRY).target(Orders.class, upstream.toString());
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("application/json");
            response.getWriter().write(orders.orders());
        }
    }

    /** An application servlet that reports its own overload: 503 with {@code Retry-After: 3600}. */
    static final class UnavailableServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setHeader("Retry-After", "3600");
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        }
    }
}
