package io.github.errorpages.examples.servlet;

import static io.github.errorpages.examples.Http.BROWSER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.errorpages.examples.Http;
import io.github.errorpages.examples.RepositoryFiles;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The demo as the README starts it: {@link GatewayDemo}'s {@code main} in a JVM of its own on the module's
 * classpath (what the README's Maven command runs), with the built-in demo upstream. Only the port differs:
 * {@code --port 0} instead of the default 8080, which other programs on a shared machine may hold. Then what
 * the README promises, with a real HTTP client as {@code curl -i} would: a 200 through the healthy upstream,
 * and after each switch of mode, the 502, 503 and 504 with the documented headers (standards R2, R3, R7–R9,
 * R12, R16, R18, R27, R34, R36), and the log line whose support code the page shows.
 */
class GatewayDemoIntegrationTests {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private static Process gateway;
    private static URI base;
    private static ProcessLines stdout;
    /** What the gateway writes to stderr: its log. */
    private static ProcessLines log;

    @BeforeAll
    static void startTheDemoAsTheReadmeDoes() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Surefire runs tests from a manifest-only jar; the real test classpath is in this property.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        gateway = new ProcessBuilder(java, "-cp", classpath, GatewayDemo.class.getName(), "--port", "0").start();
        stdout = ProcessLines.read(gateway.getInputStream(), "gateway-stdout");
        log = ProcessLines.read(gateway.getErrorStream(), "gateway-stderr");

        String banner = stdout.await(line -> line.contains(GatewayDemo.BANNER_PREFIX), STARTUP)
                .orElseGet(() -> fail("the gateway printed no URL within %s; its output:%n%s%n%s", STARTUP, stdout, log));
        base = URI.create(banner.substring(banner.indexOf(GatewayDemo.BANNER_PREFIX) + GatewayDemo.BANNER_PREFIX.length()).trim());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (gateway != null) {
            gateway.destroy();
            if (!gateway.waitFor(10, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
    }

    @Test
    void readmeDemoCommandRunsThisMainClass() {
        String readme = RepositoryFiles.read("README.md");
        String pom = RepositoryFiles.read("examples/pom.xml");

        assertThat(readme).contains("mvn -B -q -Pdemo -pl examples -am package -DskipTests -Dmaven.javadoc.skip");
        assertThat(pom).contains("<exec.mainClass>" + GatewayDemo.class.getName() + "</exec.mainClass>")
                .contains("<commandlineArgs>-D" + GatewayDemo.EXIT_WITH_PARENT_PROPERTY
                        + "=true -classpath %classpath ${exec.mainClass} ${demo.args}</commandlineArgs>");
        assertThat(base.getHost()).as("loopback by default").isEqualTo("127.0.0.1");
    }

    @Test
    void printsWhatToOpenAndWhatToTry() throws InterruptedException {
        assertThat(stdout.await(line -> line.contains("Stop with Ctrl+C"), STARTUP)).isPresent();

        assertThat(stdout.all()).anyMatch(line -> line.contains("Open " + base.resolve("/_demo")))
                .anyMatch(line -> line.contains("curl -i " + base.resolve("/orders")));
    }

    @Test
    void healthyUpstreamAnswers200ThroughTheProxyAndTheApplicationEndpoint() {
        switchTo("healthy");

        HttpResponse<String> page = Http.get(base.resolve("/orders"), BROWSER);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Your orders");

        HttpResponse<String> summary = Http.get(base.resolve("/api/summary"), "application/json");
        assertThat(summary.statusCode()).isEqualTo(200);
        assertThat(summary.body()).isEqualTo("{\"orders\":2,\"by_status\":{\"packing\":1,\"shipped\":1}}");
    }

    @Test
    void upstream503KeepsItsStatusAndRetryAfterButNotItsBody() {
        switchTo("unavailable");

        HttpResponse<String> api = Http.get(base.resolve("/orders"), null);
        assertErrorHeaders(api, 503, "30");
        assertThat(Http.contentType(api)).isEqualTo("application/problem+json");
        assertThat(Http.member(api.body(), "code")).contains("upstream_status");
        // R3, R6: an upstream's 5xx is what the proxy received, not an error it met (RFC 9209 §2.1.4).
        assertThat(api.headers().allValues("Proxy-Status")).containsExactly("demo-gateway; received-status=503");
        assertThat(api.body()).doesNotContain("IllegalStateException", "OrderRepository"); // R36: upstream's trace

        HttpResponse<String> browser = Http.get(base.resolve("/orders"), BROWSER);
        assertErrorHeaders(browser, 503, "30");
        assertThat(Http.contentType(browser)).isEqualTo("text/html;charset=utf-8");
        assertThat(browser.body()).contains("<title>Service temporarily unavailable \u2013 Brewline</title>",
                "https://status.brewline.example", "https://brewline.example/help");
    }

    @Test
    void slowUpstreamIsA504WithinTheDeadline() {
        switchTo("slow");

        long started = System.nanoTime();
        HttpResponse<String> response = Http.get(base.resolve("/orders"), "application/json");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertErrorHeaders(response, 504, "10");
        assertThat(Http.member(response.body(), "code")).hasValueSatisfying(code ->
                assertThat(code).isIn("http_response_timeout", "connection_read_timeout"));
        assertThat(took).as("two attempts of 1 s within the 2.5 s deadline, generous slack")
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void refusedResetAndGarbageAre502s() {
        switchTo("refusing");
        HttpResponse<String> refused = Http.get(base.resolve("/orders"), "application/json");
        assertErrorHeaders(refused, 502, "10");
        assertThat(Http.member(refused.body(), "code")).contains("connection_refused");
        // R6: the proxy names the error in Proxy-Status (the demo turns it on), and nothing of the upstream.
        assertThat(refused.headers().allValues("Proxy-Status")).containsExactly("demo-gateway; error=connection_refused");

        switchTo("resetting");
        HttpResponse<String> reset = Http.get(base.resolve("/orders"), "application/json");
        assertErrorHeaders(reset, 502, "10");
        assertThat(Http.member(reset.body(), "code")).contains("connection_terminated");

        switchTo("garbage");
        HttpResponse<String> garbage = Http.get(base.resolve("/orders"), "application/json");
        assertErrorHeaders(garbage, 502, "10");
        assertThat(Http.member(garbage.body(), "code")).contains("http_protocol_error");
    }

    @Test
    void applicationEndpointFailuresGetThePageFromTheFilter() {
        switchTo("refusing");

        HttpResponse<String> response = Http.get(base.resolve("/api/summary"), BROWSER);

        assertErrorHeaders(response, 502, "10");
        assertThat(response.body()).contains("<h1>This page isn\u2019t working right now</h1>");
        // R6: the application behind the filter is the origin, which must not send Proxy-Status (RFC 9209 §2).
        assertThat(response.headers().allValues("Proxy-Status")).isEmpty();
    }

    @Test
    void headThroughTheProxyLeavesTheNextRequestOnItsConnectionUnharmed() {
        switchTo("healthy");

        for (int i = 0; i < 4; i++) {
            // The demo upstream once sent a body after a HEAD's head: the next response on that pooled connection
            // began with it, and was a 502 http_protocol_error on a healthy upstream.
            assertThat(Http.head(base.resolve("/orders")).statusCode()).as("HEAD %d", i).isEqualTo(200);
            assertThat(Http.get(base.resolve("/orders"), "text/html").statusCode()).as("GET %d", i).isEqualTo(200);
        }
    }

    @Test
    void headGetsTheSameStatusAndHeadersWithoutBody() {
        switchTo("refusing");

        HttpResponse<String> get = Http.get(base.resolve("/orders"), null);
        HttpResponse<String> head = Http.head(base.resolve("/orders"));

        assertErrorHeaders(head, 502, "10");
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
        assertThat(head.headers().firstValue("Content-Length")).isEqualTo(get.headers().firstValue("Content-Length"));
    }

    /**
     * R38, R36: the answers the gateway's container gives itself, for a method no servlet serves and for a path Jetty
     * refuses before any context (an encoded slash), show neither the URL (built from the client's own Host) nor the
     * servlet's name; both showed them.
     */
    @ParameterizedTest
    @CsvSource({"POST /api/summary?id=42, 405", "GET /p%2Fq?id=42, 400"})
    void containerErrorsReflectNoRequestData(String target, int status) {
        for (String accept : List.of("text/html", "application/json", "text/plain")) {
            String response = Http.raw(base, target + " HTTP/1.1\r\nHost: attacker.example\r\nAccept: " + accept
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

            assertThat(response).as(accept).startsWith("HTTP/1.1 " + status + " ");
            assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).as(accept).contains(String.valueOf(status))
                    .doesNotContain("attacker", "summary", "p%2F", "id=42", "127.0.0.1", "SERVLET", "origin");
        }
    }

    /** R27: the shop's own robots.txt, plain text, passes through while the upstream is healthy. */
    @Test
    void robotsTxtIsTheShopsOwnWhileTheUpstreamIsHealthy() {
        switchTo("healthy");

        HttpResponse<String> robots = Http.get(base.resolve("/robots.txt"), BROWSER);

        assertThat(robots.statusCode()).isEqualTo(200);
        assertThat(Http.contentType(robots)).startsWith("text/plain");
        assertThat(robots.body()).startsWith("User-agent: *\n");
    }

    @Test
    void robotsTxtIsNeverThePageWhileTheUpstreamFails() {
        switchTo("refusing");

        HttpResponse<String> robots = Http.get(base.resolve("/robots.txt"), BROWSER);

        assertThat(robots.statusCode()).isEqualTo(503);
        assertThat(Http.contentType(robots)).isEqualTo("text/plain;charset=utf-8");
        assertThat(robots.headers().firstValue("Retry-After")).isPresent();
        assertThat(robots.body()).doesNotContain("<html");
    }

    @Test
    void failingCallsOpenTheBreakerWhichAnswers503WithoutCallingTheUpstream() {
        switchTo("refusing");

        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> response;
        do {
            response = Http.get(base.resolve("/orders"), "application/json");
            statuses.add(response.statusCode());
        } while (response.statusCode() == 502 && statuses.size() < 10);

        assertThat(statuses).as("502 until the breaker opens, then 503").startsWith(502).endsWith(503);
        assertThat(Http.member(response.body(), "code")).contains("destination_unavailable");
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(seconds ->
                assertThat(Integer.parseInt(seconds)).isBetween(1, GatewayDemo.BREAKER_OPEN_SECONDS));

        switchTo("healthy"); // the control page resets the breaker
        assertThat(Http.get(base.resolve("/orders"), BROWSER).statusCode()).isEqualTo(200);
    }

    @Test
    void everyErrorPageIsLoggedOnceWithTheSupportCodeItShows() throws InterruptedException {
        switchTo("unavailable");

        HttpResponse<String> response = Http.get(base.resolve("/orders"), "application/json");
        String supportCode = Http.member(response.body(), "support_code").orElseThrow();

        assertThat(log.await(line -> line.contains("support_code=" + supportCode), Duration.ofSeconds(10)))
                .as("the log line of support code %s", supportCode)
                .hasValueSatisfying(line -> assertThat(line).contains("WARN",
                        "error page status=503 cause=upstream_status upstream=orders attempts=1 elapsed_ms="));
        assertThat(log.all()).filteredOn(line -> line.contains(supportCode)).hasSize(1);
    }

    private static void switchTo(String mode) {
        HttpResponse<String> switched = Http.post(base.resolve("/_demo?mode=" + mode), "text/plain");
        assertThat(switched.statusCode()).as("switch to %s", mode).isEqualTo(200);
        assertThat(switched.body()).startsWith("upstream mode: " + mode);
    }

    private static void assertErrorHeaders(HttpResponse<String> response, int status, String retryAfter) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().allValues("Retry-After")).containsExactly(retryAfter);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(response.headers().firstValue("Vary")).contains("Accept, Accept-Language, Accept-Encoding");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(response.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("default-src 'none'", "frame-ancestors 'none'"));
        assertThat(response.headers().map().keySet()).noneMatch(name -> name.equalsIgnoreCase("Server"));
    }
}
