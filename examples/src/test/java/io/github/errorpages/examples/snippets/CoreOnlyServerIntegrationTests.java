package io.github.errorpages.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.examples.Http;
import io.github.errorpages.examples.RepositoryFiles;
import io.github.errorpages.examples.upstream.DemoMode;
import io.github.errorpages.examples.upstream.DemoUpstream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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

    @AfterEach
    void stopUpstreams() {
        inventory.close();
        prices.close();
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

    /** An upstream that does not answer: 504 within the call's deadline (5 s), two attempts of 2 s (R45). */
    @Test
    void aSlowUpstreamGetsA504WithinTheDeadline() throws Exception {
        inventory.mode(DemoMode.SLOW);
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            long start = System.nanoTime();
            HttpResponse<String> page = Http.get(server.uri().resolve("/stock"), "application/json");

            assertPage(page, 504, "http_response_timeout", "10");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        }
    }

    /**
     * A browser gets the branded HTML page gzip-compressed, its support code on it; a HEAD gets the GET's status and
     * headers and no body (R12); the caller's safe {@code X-Request-Id} is the support code (R39).
     */
    @Test
    void aBrowserGetsTheCompressedPageAndAHeadItsHeadersOnly() throws Exception {
        inventory.mode(DemoMode.REFUSING);
        try (CoreOnlyServer server = CoreOnlyServer.start(inventory.uri(), prices.uri())) {
            URI uri = server.uri().resolve("/stock");
            HttpResponse<byte[]> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                    .header("Accept", Http.BROWSER).header("Accept-Encoding", "gzip")
                    .header("X-Request-Id", "req-42").build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<String> head = Http.head(uri);

            assertThat(page.statusCode()).isEqualTo(502);
            assertThat(page.headers().firstValue("Content-Encoding")).contains("gzip");
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/html"));
            assertThat(gunzip(page.body())).contains("\u2013 Acme Travel</title>", "req-42");
            assertThat(head.statusCode()).isEqualTo(502);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValue("Retry-After")).contains("10");
            assertThat(head.headers().firstValue("Cache-Control")).contains("no-store");
        }
    }

    @Test
    void mavenDependencyOfTheCoreGuideNamesThisProjectsCoreModule() {
        String dependency = RepositoryFiles.read("examples/src/test/resources/snippets/core-dependency.xml");
        String rootPom = RepositoryFiles.read("pom.xml");
        String version = rootPom.substring(rootPom.indexOf("<version>") + 9, rootPom.indexOf("</version>"));

        assertThat(dependency).contains("<groupId>io.github.errorpages</groupId>",
                "<artifactId>error-pages-core</artifactId>", "<version>" + version + "</version>");
        assertThat(RepositoryFiles.read("error-pages-core/pom.xml")).contains("<artifactId>error-pages-core</artifactId>");
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
        assertThat(page.headers().firstValue("Content-Security-Policy")).contains("default-src 'none'; frame-ancestors 'none'");
        assertThat(page.body()).doesNotContain("127.0.0.1", "Exception");
    }

    private static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
