package io.github.errorpages.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.examples.Http;
import io.github.errorpages.examples.RepositoryFiles;
import io.github.errorpages.examples.upstream.DemoMode;
import io.github.errorpages.examples.upstream.DemoUpstream;
import io.github.errorpages.page.PageConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/core-quick-start.md, run: {@link CoreOnlyServer}, a service on the JDK's own {@code HttpServer} without the
 * servlet module, against real demo upstreams on loopback (refusing, slow, answering garbage or 503 with
 * {@code Retry-After}); what its clients get is the page with the status, {@code Retry-After}, caching and security
 * headers the guide promises, through {@code GuardedHttpClient} and through {@code HttpURLConnection} read by a
 * {@code ResponseAdapter} alike.
 */
class CoreOnlyServerIntegrationTests {

    private final DemoUpstream inventory = DemoUpstream.start();
    private final DemoUpstream prices = DemoUpstream.start();

    private @Nullable HttpServer notFound;

    @AfterEach
    void stopUpstreams() {
        inventory.close();
        prices.close();
        if (notFound != null) {
            notFound.stop(0);
        }
    }

    /** A healthy upstream's answer is the service's, through either client. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/stock", "/prices"})
    void aHealthyUpstreamsAnswerIsPassedOn(String path) throws Exception {
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            HttpResponse<String> answer = Http.get(server.uri().resolve(path), "application/json");

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"orders\"");
        }
    }

    /**
     * A HEAD of a healthy route gets the upstream's status and no body, and the JDK's server no length it warns of:
     * the handler passed the GET's length and wrote its body, which for a HEAD logged a warning and failed the
     * write after the head had gone.
     */
    @Test
    void aHeadOfAHealthyRouteGetsItsStatusWithoutABodyOrAWarning() throws Exception {
        Logger serverLog = Logger.getLogger("com.sun.net.httpserver");
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler collect = new Handler() {
            @Override
            public void publish(LogRecord logged) {
                if (logged.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(logged);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        serverLog.addHandler(collect);
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            HttpResponse<byte[]> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri()
                    .resolve("/stock")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<String> get = Http.get(server.uri().resolve("/stock"), "application/json");

            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(get.body()).as("the GET after it, served as before").contains("\"orders\"");
            assertThat(warnings).extracting(LogRecord::getMessage).isEmpty();
        } finally {
            serverLog.removeHandler(collect);
        }
    }

    /**
     * Each failure the guide names gets its page, with the status and {@code Retry-After} of its cause (R2, R3, R8)
     * and the headers of every page (R16, R18, R41): a refused connection, an answer that is no HTTP (which
     * {@code HttpURLConnection} reads as a response of status -1, the guard's protocol error), an upstream's 503 with
     * its own {@code Retry-After}.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/stock", "/prices"})
    void everyFailureGetsThePageWithItsStatusRetryAfterAndHeaders(String path) throws Exception {
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            URI uri = server.uri().resolve(path);
            upstream(path).mode(DemoMode.REFUSING);
            assertPage(Http.get(uri, "application/json"), 502, "connection_refused", "10");
            upstream(path).mode(DemoMode.GARBAGE);
            assertPage(Http.get(uri, "application/json"), 502, "http_protocol_error", "10");
            upstream(path).mode(DemoMode.UNAVAILABLE);
            assertPage(Http.get(uri, "application/json"), 503, "upstream_status", "30");
        }
    }

    /**
     * An answer that is no HTTP is the upstream's protocol error, which the guard does not retry by default (it is not
     * in {@code retry.causes}): the upstream is asked once, through either client.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/stock", "/prices"})
    void anAnswerThatIsNoHttpIsNotRetriedByDefault(String path) throws Exception {
        upstream(path).mode(DemoMode.GARBAGE);
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            long before = upstream(path).requestCount();

            assertPage(Http.get(server.uri().resolve(path), "application/json"), 502, "http_protocol_error", "10");
            assertThat(upstream(path).requestCount() - before).isEqualTo(1);
        }
    }

    /**
     * An upstream's 4xx is its answer, not a failure: the service passes its status and body on, through
     * {@code HttpURLConnection} too, whose {@code getInputStream()} throws for a 4xx (the body is in its error
     * stream, null when there is none), which made the handler throw and the JDK's server close the connection with
     * no response at all.
     */
    @ParameterizedTest(name = "{0}, body \"{1}\"")
    @CsvSource({"/stock, '{\"error\":\"no such item\"}'", "/prices, '{\"error\":\"no such item\"}'", "/stock, ''",
            "/prices, ''"})
    void anUpstreams404IsPassedOnWithItsBodyThroughEitherClient(String path, String body) throws Exception {
        byte[] missing = body.getBytes(StandardCharsets.UTF_8);
        notFound = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notFound.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(404, missing.length == 0 ? -1 : missing.length);
            exchange.getResponseBody().write(missing);
            exchange.close();
        });
        notFound.start();
        URI upstream = URI.create("http://127.0.0.1:" + notFound.getAddress().getPort());
        try (CoreOnlyServer server = CoreOnlyServer.start(upstream, upstream)) {
            HttpResponse<String> answer = Http.get(server.uri().resolve(path), "application/json");

            assertThat(answer.statusCode()).isEqualTo(404);
            assertThat(answer.body()).isEqualTo(body);
        }
    }

    /**
     * An upstream that does not answer: 504 within the call's deadline of 5 s (R45), through either client (the
     * guard's response timeout, or {@code HttpURLConnection}'s read timeout set from {@code attempt.timeout()}), after
     * the two attempts of 2 s that fit in it. The bound is the deadline with a margin, not a speed test: attempts of
     * 4 s without the deadline take 8 s.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"/stock, http_response_timeout", "/prices, connection_read_timeout"})
    void aSlowUpstreamGetsA504WithinTheDeadline(String path, String code) throws Exception {
        upstream(path).mode(DemoMode.SLOW);
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            long start = System.nanoTime();
            HttpResponse<String> page = Http.get(server.uri().resolve(path), "application/json");

            assertPage(page, 504, code, "10");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(7));
            assertThat(upstream(path).requestCount()).isEqualTo(2);
        }
    }

    /**
     * A browser gets the branded HTML page gzip-compressed, its support code on it; a HEAD gets the GET's status and
     * every one of its header fields, but for the per-response {@code Date} and {@code Content-Length}, and no body
     * (R12); the caller's safe {@code X-Request-Id} is the support code (R39).
     */
    @Test
    void aBrowserGetsTheCompressedPageAndAHeadItsStatusAndHeadersOnly() throws Exception {
        inventory.mode(DemoMode.REFUSING);
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            URI uri = server.uri().resolve("/stock");
            HttpRequest.Builder browser = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Accept", Http.BROWSER).header("Accept-Encoding", "gzip").header("X-Request-Id", "req-42");
            HttpResponse<byte[]> page = HttpClient.newHttpClient().send(browser.GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> head = HttpClient.newHttpClient().send(
                    browser.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(page.statusCode()).isEqualTo(502);
            assertThat(page.headers().firstValue("Content-Encoding")).contains("gzip");
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/html"));
            assertThat(gunzip(page.body())).contains("\u2013 Acme Travel</title>", "req-42");
            assertThat(head.statusCode()).isEqualTo(502);
            assertThat(head.body()).isEmpty();
            assertThat(pageFields(head)).containsKeys("content-type", "content-encoding", "retry-after",
                    "cache-control", "content-security-policy", "vary").isEqualTo(pageFields(page));
        }
    }

    /**
     * The guide's list of the page's header fields is the whole set, in the order {@code headers()} gives them: a
     * compressed HTML page with {@code seo.noindex} on carries every one of them, {@code X-Robots-Tag} last.
     */
    @Test
    void thePagesHeadersAreTheSetTheGuideListsWithNoindexOn() {
        ErrorPages errorPages = ErrorPages.builder()
                .pageConfig(PageConfig.builder().noindexEnabled(true).build())
                .build();

        ErrorResponse page = errorPages.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                new ErrorRequest("GET", "/stock", Http.BROWSER, null, null, "gzip"));

        assertThat(page.headers().keySet()).containsExactly("Content-Type", "Content-Encoding", "Content-Language",
                "Cache-Control", "Retry-After", "Vary", "X-Content-Type-Options", "X-Frame-Options",
                "Content-Security-Policy", "Referrer-Policy", "X-Robots-Tag");
        assertThat(page.headers()).containsEntry("Content-Encoding", "gzip").containsEntry("X-Robots-Tag", "noindex");
    }

    /**
     * The guide's robots.txt answer (R27): a failure's {@code Retry-After} is null when its status carries none (an
     * upstream's 500 that sent none, a 502 or 504 with {@code retry-after.on-502-504} off), and the policy's for a 503
     * of which nothing is known, which the servlet module sends then, never is (R8).
     */
    @Test
    void aRobotsTxtAnswerTakesThePolicysRetryAfterForA503WhenTheFailureHasNone() {
        ErrorPolicy policy = ErrorPages.builder().build().policy();
        ErrorPolicy strict = ErrorPages.builder()
                .config(ErrorPagesConfig.builder().retryAfterOn502And504Enabled(false).build())
                .build().policy();

        assertThat(policy.decide(UpstreamFailure.ofUpstreamStatus(500, null)).retryAfterHeader()).isNull();
        assertThat(strict.decide(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED)).retryAfterHeader()).isNull();
        assertThat(strict.decide(UpstreamFailure.of(FailureCause.HTTP_RESPONSE_TIMEOUT)).retryAfterHeader()).isNull();
        assertThat(policy.decide(UpstreamFailure.ofUpstreamStatus(503, null)).retryAfterHeader()).isEqualTo("30");
        assertThat(strict.decide(UpstreamFailure.ofUpstreamStatus(503, null)).retryAfterHeader()).isEqualTo("30");
    }

    @Test
    void mavenDependencyOfTheCoreGuideNamesThisProjectsCoreModule() {
        String dependency = RepositoryFiles.read("examples/src/test/resources/snippets/core-dependency.xml");
        String rootPom = RepositoryFiles.read("pom.xml");
        String version = rootPom.substring(rootPom.indexOf("<version>") + 9, rootPom.indexOf("</version>"));

        assertThat(dependency).contains("<groupId>io.github.errorpages</groupId>",
                "<artifactId>error-pages-core</artifactId>", "<version>" + version + "</version>");
        assertThat(RepositoryFiles.read("error-pages-core/pom.xml"))
                .contains("<artifactId>error-pages-core</artifactId>");
    }

    private DemoUpstream upstream(String path) {
        return path.equals("/stock") ? inventory : prices;
    }

    private static void assertPage(HttpResponse<String> page, int status, String code, String retryAfter) {
        assertThat(page.statusCode()).isEqualTo(status);
        assertThat(Http.member(page.body(), "code")).contains(code);
        assertThat(Http.member(page.body(), "support_code")).isPresent();
        assertThat(page.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(page.headers().firstValue("Retry-After")).contains(retryAfter);
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(page.headers().firstValue("Vary")).contains("Accept, Accept-Language, Accept-Encoding");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .contains("default-src 'none'; frame-ancestors 'none'");
        assertThat(page.body()).doesNotContain("127.0.0.1", "Exception");
    }

    /** A response's fields but the ones that are each response's own ({@code Date}, {@code Content-Length}). */
    private static Map<String, List<String>> pageFields(HttpResponse<?> response) {
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        fields.putAll(response.headers().map());
        fields.keySet().removeIf(name -> name.equalsIgnoreCase("date") || name.equalsIgnoreCase("content-length"));
        return fields;
    }

    private static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
