package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertBugLoggedUnderThePagesSupportCode;
import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static io.github.errorpages.servlet.PageAssertions.assertSameHeaders;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryAfterFormat;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.testing.Await;
import io.github.errorpages.servlet.internal.ResponseAbortedException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.testing.SupportCodeSearch;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ErrorPagesFilter} on a real Jetty 12 server, called over real sockets by the JDK's HttpClient
 * (and raw HTTP through a {@code LocalConnector} where the client would hide what is on the wire).
 */
class ErrorPagesFilterIntegrationTests {

    private static final String JSON = "application/json";
    private static final AtomicInteger chainCalls = new AtomicInteger();
    /** What the application was told when it went on after a captured sendError. */
    private static final AtomicReference<String> lateCalls = new AtomicReference<>();
    /** What the chain threw past the filter, for the paths a filter in front of it records. */
    private static final BlockingQueue<Throwable> thrownPastTheFilter = new LinkedBlockingQueue<>();
    /** The application's own guarded client, for a POST to an upstream that refuses connections. */
    private static final GuardedHttpClient REFUSED_ORDERS = GuardedHttpClient.of(HttpClient.newHttpClient(),
            UpstreamGuard.of(UpstreamConfig.builder("orders")
                    .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort())).build()));
    /** What the {@link #readListenerThrows()} servlet's {@code onError} got. */
    private static final BlockingQueue<Throwable> readListenerErrors = new LinkedBlockingQueue<>();
    /**
     * What its {@code onError} got for {@code after-commit}: a queue of its own, for another path's {@code onError} may
     * be called after its client was answered, and so after the next test cleared the shared one.
     */
    private static final BlockingQueue<Throwable> readListenerErrorsAfterCommit = new LinkedBlockingQueue<>();
    /** What the {@link #writeListenerThrows()} servlet's {@code onError} got. */
    private static final BlockingQueue<Throwable> writeListenerErrors = new LinkedBlockingQueue<>();
    private static JettyServer jetty;
    private static JettyServer withFallback;

    @BeforeAll
    static void start() {
        jetty = new JettyServer().sessions();
        // In front of the filter, for one path: a wrapper whose stream says not ready while it blocks.
        jetty.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> chain.doFilter(request,
                new NotReadyWhileBlocking((HttpServletResponse) response))), "/blocking-stream-not-ready",
                EnumSet.of(DispatcherType.REQUEST));
        // In front of the filter, for two paths: what the chain threw past it, which the container then logs.
        FilterHolder recording = new FilterHolder((Filter) (request, response, chain) -> {
            try {
                chain.doFilter(request, response);
            } catch (IOException | ServletException | RuntimeException thrown) {
                thrownPastTheFilter.add(thrown);
                throw thrown;
            }
        });
        for (String path : List.of("/send-error-500-then-throw-upstream-failure",
                "/redirect-then-throw-upstream-failure", "/committed-then-upstream-failure")) {
            jetty.context().addFilter(recording, path, EnumSet.of(DispatcherType.REQUEST));
        }
        FilterHolder everyDispatch = new FilterHolder(ErrorPagesFilter.builder().build());
        everyDispatch.setAsyncSupported(true);
        jetty.context().addFilter(everyDispatch, "/*", EnumSet.allOf(DispatcherType.class));
        mountServlets(jetty);
        jetty.start();

        withFallback = new JettyServer()
                .filter(ErrorPagesFilter.builder().robotsTxtFallback("User-agent: *\nDisallow:\n").build());
        mountServlets(withFallback);
        withFallback.start();
    }

    /**
     * After {@code reset()} the application asks for the writer again: it is the container's again, which then
     * refuses the stream as without the filter. The filter handed out the writer it had made before the reset, past
     * the container, which took the writer for unused: the stream was given too, and mixing the two broke the
     * response (Jetty: a 500; Tomcat: a cut body), and a charset set after the reset was dropped.
     */
    @Test
    void writerAskedForAgainAfterResetIsTheContainersAgain() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/reset-writer-then-stream"), "text/plain");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("writer in use");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type.toLowerCase(java.util.Locale.ROOT)).contains("charset=utf-8"));
    }

    /**
     * {@code read(ByteBuffer)} and {@code write(ByteBuffer)} (Servlet 6.1) are the container's own, as without the
     * filter: the API's defaults left the read buffer flipped where Jetty's advances its position, and copied a direct
     * buffer Jetty writes as it is.
     */
    @Test
    void readsAndWritesByteBuffersAsTheContainerDoes() throws IOException {
        try (JettyServer unfiltered = new JettyServer()) {
            mountServlets(unfiltered);
            unfiltered.start();

            String filtered = Client.text(Client.send("POST", jetty.uri("/byte-buffers"), "text/plain"));
            String direct = Client.text(Client.send("POST", unfiltered.uri("/byte-buffers"), "text/plain"));

            assertThat(filtered).isEqualTo(direct).startsWith("direct read=20"); // Client's form of 20 bytes
        }
    }

    /**
     * R32, R36: after a captured status, what the application writes is dropped for the page, a {@code ByteBuffer}
     * (Servlet 6.1) too: 100 KB of it went out in place of the page.
     */
    @Test
    void aByteBufferWrittenAfterACapturedStatusIsDroppedForThePage() {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/busy", servlet((request, response) -> {
                response.setStatus(503);
                byte[] applicationBody = "A".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
                response.getOutputStream().write(ByteBuffer.wrap(applicationBody));
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/busy"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Client.text(response)).startsWith("<!DOCTYPE html>").doesNotContain("AAAA");
        }
    }

    /**
     * R24, docs/operations.md ("Search engines"): the maintenance page ({@code ErrorPages.renderMaintenance}) that the
     * application writes goes out as rendered, with its one log line, when a filter in front of this one writes it.
     * Written behind it, its 503 is a status the filter intercepts: the client got the filter's own 503 page ("We're
     * temporarily unavailable", {@code cause=upstream_status}) with a support code of its own, and the log a second
     * line, the maintenance page's, for a code no client saw. Writing it from in front still works; behind the filter,
     * {@link ErrorPagesFilter#MAINTENANCE_ATTRIBUTE} has the filter write it (the tests below).
     */
    @Test
    void theMaintenancePageWrittenByAFilterInFrontGoesOutAsRenderedWithOneLogLine() {
        ErrorPages pages = ErrorPages.ofDefaults();
        Filter maintenance = (request, response, chain) -> {
            ErrorResponse page = pages.renderMaintenance(new ErrorRequest("GET", "/", "text/plain", "en", null),
                    Instant.now().plus(Duration.ofMinutes(20)));
            HttpServletResponse http = (HttpServletResponse) response;
            http.setStatus(page.status());
            page.headers().forEach(http::setHeader);
            http.getOutputStream().write(page.body());
        };
        try (JettyServer server = new JettyServer().filter(maintenance)
                .filter(ErrorPagesFilter.builder().errorPages(pages).build())) {
            server.servlet("/*", servlet((request, response) -> response.setStatus(200)));
            server.start();
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/orders"), "text/plain")));

            HttpResponse<byte[]> response = answered.get();
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
                    seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 1200L));
            String text = Client.text(response);
            Matcher code = Pattern.compile("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}").matcher(text);
            assertThat(code.find()).as("the page's support code").isTrue();
            assertThat(text).contains("scheduled maintenance");
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("cause=maintenance")
                            .contains("support_code=" + code.group()));
        }
    }

    /** "Now" for the maintenance tests: the pages' clock, which the {@code Retry-After} is counted from. */
    private static final Instant MAINTENANCE_NOW = Instant.parse("2026-12-05T23:00:00Z");
    /** The announced end of the maintenance: 20 minutes after {@link #MAINTENANCE_NOW}. */
    private static final Instant MAINTENANCE_END = MAINTENANCE_NOW.plus(Duration.ofMinutes(20));
    /** The configured default {@code Retry-After} of a 503, for a maintenance whose end is unknown. */
    private static final Duration DEFAULT_503_RETRY_AFTER = Duration.ofSeconds(90);

    /**
     * R8, R10, R24: an application behind the filter that sets {@link ErrorPagesFilter#MAINTENANCE_ATTRIBUTE} to the
     * announced end and sends a 503 gets the maintenance page, its {@code Retry-After} at that end by the pages' clock
     * (not the one the application set), and the log one {@code error page} line, {@code cause=maintenance}, for the
     * support code the client saw. Without the attribute the filter answered its own generic 503 page
     * ({@code cause=upstream_status}); an application that rendered the maintenance page itself left two lines.
     */
    @Test
    void answersAStatusSentWithTheMaintenanceAttributeWithTheMaintenancePageAndOneLogLine() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/until-end"),
                    Client.BROWSER_ACCEPT)));

            HttpResponse<byte[]> response = answered.get();
            assertErrorPage(response, "GET", 503, "1200"); // R1, R7, R8, R10: 20 minutes, not the 45 the servlet set
            String text = Client.text(response);
            assertThat(text).contains("scheduled maintenance").doesNotContain("temporarily unavailable");
            Matcher code = Pattern.compile("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}").matcher(text);
            assertThat(code.find()).as("the page's support code").isTrue();
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("status=503", "cause=maintenance", "attempts=0",
                            "support_code=" + code.group()));
        }
    }

    /**
     * R8: {@link Boolean#TRUE}, a maintenance whose end is unknown, set before {@code setStatus}: the maintenance page
     * with the configured 503 default {@code Retry-After}.
     */
    @Test
    void aMaintenanceWithoutAnEndGetsTheConfiguredRetryAfterOfA503() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            HttpResponse<byte[]> response = Client.get(server.uri("/end-unknown"), Client.BROWSER_ACCEPT);

            assertErrorPage(response, "GET", 503, String.valueOf(DEFAULT_503_RETRY_AFTER.toSeconds()));
            assertThat(Client.text(response)).contains("scheduled maintenance");
        }
    }

    /** R32, R34: an API client gets the maintenance page as problem+json, its error code {@code maintenance}. */
    @Test
    void anApiClientGetsTheMaintenancePageAsProblemJson() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            HttpResponse<byte[]> response = Client.get(server.uri("/until-end"), JSON);

            assertErrorPage(response, "GET", 503, "1200");
            assertThat(PageAssertions.contentType(response)).startsWith("application/problem+json");
            assertThat(Client.text(response)).containsPattern("\"code\"\\s*:\\s*\"maintenance\"")
                    .containsPattern("\"retry_after\"\\s*:\\s*1200\\b").doesNotContain("upstream_status");
        }
    }

    /** R12: a HEAD gets the maintenance page's status and headers, {@code Retry-After} to the second, and no body. */
    @Test
    void headGetsTheMaintenancePagesStatusAndHeadersWithoutBody() throws IOException {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            for (String accept : List.of(Client.BROWSER_ACCEPT, JSON, "text/plain")) {
                HttpResponse<byte[]> get = Client.send("GET", server.uri("/until-end"), accept);
                HttpResponse<byte[]> head = Client.send("HEAD", server.uri("/until-end"), accept);

                assertErrorPage(head, "HEAD", 503, "1200");
                assertSameHeaders(head, get); // Content-Length included
                assertThat(head.headers().allValues("Retry-After")).isEqualTo(get.headers().allValues("Retry-After"));
            }
        }
    }

    /**
     * The attribute set and the 503 sent in an async cycle, from a task of the application's: the page is written
     * when the application completes the cycle, as for any captured status, and it is the maintenance page.
     */
    @Test
    void answersTheMaintenanceAttributeWhenTheAsyncCycleCompletes() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/async"), JSON)));

            assertErrorPage(answered.get(), "GET", 503, "1200");
            assertThat(Client.text(answered.get())).containsPattern("\"code\"\\s*:\\s*\"maintenance\"");
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("cause=maintenance"));
        }
    }

    /**
     * The application sent the 503 with the attribute set, then threw what is no upstream failure: its answer stands,
     * and that is the maintenance page.
     */
    @Test
    void theMaintenancePageStandsWhenTheApplicationThrowsAfterSendingTheStatus() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/then-throw"), JSON)));

            HttpResponse<byte[]> response = answered.get();
            assertErrorPage(response, "GET", 503, "1200");
            assertThat(Client.text(response)).containsPattern("\"code\"\\s*:\\s*\"maintenance\"");
            assertNoLeak(response, "after the 503");
            assertThat(log).contains("threw after sendError(503); answered with the maintenance page", "after the 503")
                    .doesNotContain("answered with that status");
        }
    }

    /**
     * The application sent the 503 with the attribute set, then threw an upstream failure (to have it logged): the
     * maintenance it announced comes first, as it does before {@link ErrorPagesFilter#FAILURE_ATTRIBUTE}.
     */
    @Test
    void theMaintenancePageStandsWhenTheApplicationThrowsAnUpstreamFailureAfterSendingTheStatus() { // R8
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/then-throw-upstream"),
                    JSON)));

            HttpResponse<byte[]> response = answered.get();
            assertErrorPage(response, "GET", 503, "1200");
            assertThat(Client.text(response)).containsPattern("\"code\"\\s*:\\s*\"maintenance\"")
                    .doesNotContain("connection_refused");
            assertThat(log).contains("threw after sendError(503); answered with the maintenance page");
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("cause=maintenance"));
        }
    }

    /**
     * Without a maintenance, an upstream failure thrown after a {@code sendError} names the failure, as
     * {@link ErrorPagesFilter#FAILURE_ATTRIBUTE} does: its page and status (R1).
     */
    @Test
    void anUpstreamFailureThrownAfterSendErrorNamesTheFailure() {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/orders", servlet((request, response) -> {
                response.setHeader("Retry-After", "120");
                response.sendError(503);
                throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                        .upstream("orders").build(), new ConnectException("Connection refused"));
            }));
            server.start();
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/orders"), JSON)));

            assertErrorPage(answered.get(), "GET", 502, "10");
            assertThat(Client.text(answered.get())).containsPattern("\"code\"\\s*:\\s*\"connection_refused\"");
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("cause=connection_refused"));
        }
    }

    /**
     * Only an {@link Instant} or {@link Boolean#TRUE} asks for the maintenance page; any other value is ignored, as the
     * attribute's javadoc says: the status is answered as without it, with the page for the bare 503 and the
     * {@code Retry-After} the application set (R3). Either way the log has one {@code error page} line, for the page
     * that went out, with {@code attempts=0}: no guard made an attempt (operations.md's log-line fields).
     */
    @ParameterizedTest
    @CsvSource({"instant, maintenance, 1200", "true, maintenance, 90", "false, upstream_status, 45",
            "string, upstream_status, 45", "date, upstream_status, 45", "epoch-millis, upstream_status, 45"})
    void onlyAnInstantOrTrueAsksForTheMaintenancePage(String value, String errorCode, String retryAfter) {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/value/" + value), JSON)));

            assertErrorPage(answered.get(), "GET", 503, retryAfter);
            assertThat(Client.text(answered.get())).containsPattern("\"code\"\\s*:\\s*\"" + errorCode + "\"");
            // attempts=0: no guard made an attempt for the application's own 503 (nor for the maintenance page)
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("cause=" + errorCode, " upstream=- attempts=0 "));
        }
    }

    /**
     * R1, R8: with both attributes set, the maintenance is answered, not the failure named in
     * {@link ErrorPagesFilter#FAILURE_ATTRIBUTE} (a connect timeout, a 504), and with a 503 where the application sent
     * a 502.
     */
    @Test
    void theMaintenanceAttributeTakesPrecedenceOverTheFailureAttribute() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder())) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/both"), JSON)));

            assertErrorPage(answered.get(), "GET", 503, "1200");
            assertThat(Client.text(answered.get())).containsPattern("\"code\"\\s*:\\s*\"maintenance\"")
                    .doesNotContain("connection_timeout");
            assertThat(log.lines().filter(line -> line.contains("error page "))).singleElement()
                    .satisfies(line -> assertThat(line).contains("cause=maintenance"));
        }
    }

    /**
     * R27, R8: {@code /robots.txt} under maintenance is never the page: a plain-text 503 whose {@code Retry-After} is
     * the maintenance page's, with no {@code error page} line for a page nobody saw; or, configured, the fallback.
     */
    @Test
    void robotsTxtUnderMaintenanceGetsAPlainTextServiceUnavailableAtItsEndOrTheFallback() {
        try (JettyServer server = maintenanceSite(ErrorPagesFilter.builder());
                JettyServer withFallback = maintenanceSite(ErrorPagesFilter.builder()
                        .robotsTxtFallback("User-agent: *\nDisallow:\n"))) {
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/robots.txt"),
                    Client.BROWSER_ACCEPT)));

            HttpResponse<byte[]> robots = answered.get();
            assertThat(robots.statusCode()).isEqualTo(503);
            assertThat(PageAssertions.contentType(robots)).isEqualTo("text/plain;charset=utf-8");
            assertThat(robots.headers().allValues("Retry-After")).containsExactly("1200");
            assertThat(Client.text(robots)).doesNotContain("<", "maintenance");
            assertRobotsTxtSecurityFields(robots);
            assertThat(log).doesNotContain("error page ").contains("robots.txt answered with 503: upstream failure "
                    + "maintenance");

            HttpResponse<byte[]> fallback = Client.get(withFallback.uri("/robots.txt"), Client.BROWSER_ACCEPT);
            assertThat(fallback.statusCode()).isEqualTo(200);
            assertThat(Client.text(fallback)).isEqualTo("User-agent: *\nDisallow:\n");
        }
    }

    /**
     * A site whose servlets answer with {@link ErrorPagesFilter#MAINTENANCE_ATTRIBUTE} set, behind a filter whose
     * pages count from {@link #MAINTENANCE_NOW} and give a 503 {@link #DEFAULT_503_RETRY_AFTER}, started.
     */
    private static JettyServer maintenanceSite(ErrorPagesFilter.Builder filter) {
        ErrorPages pages = ErrorPages.builder()
                .config(ErrorPagesConfig.builder().retryAfterDefault(503, DEFAULT_503_RETRY_AFTER).build())
                .clock(Clock.fixed(MAINTENANCE_NOW, ZoneOffset.UTC)).build();
        JettyServer server = new JettyServer().filter(filter.errorPages(pages).build());
        server.servlet("/until-end", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, MAINTENANCE_END);
            response.setHeader("Retry-After", "45");
            response.sendError(503);
        }));
        server.servlet("/end-unknown", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, Boolean.TRUE);
            response.setStatus(503);
            response.getWriter().write("back soon"); // replaced by the page, as any body after a captured status
        }));
        server.servlet("/async", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                async.getRequest().setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, MAINTENANCE_END);
                ((HttpServletResponse) async.getResponse()).setStatus(503);
                async.complete();
            });
        }));
        server.servlet("/then-throw", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, MAINTENANCE_END);
            response.sendError(503);
            throw new IllegalStateException("after the 503");
        }));
        server.servlet("/then-throw-upstream", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, MAINTENANCE_END);
            response.sendError(503);
            throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                    .upstream("orders").build(), new ConnectException("Connection refused"));
        }));
        server.servlet("/value/*", servlet((request, response) -> {
            Object value = switch (request.getPathInfo()) {
                case "/instant" -> MAINTENANCE_END;
                case "/true" -> Boolean.TRUE;
                case "/false" -> Boolean.FALSE;
                case "/string" -> MAINTENANCE_END.toString();
                case "/date" -> java.util.Date.from(MAINTENANCE_END);
                case "/epoch-millis" -> MAINTENANCE_END.toEpochMilli();
                default -> throw new IllegalArgumentException(request.getPathInfo());
            };
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, value);
            response.setHeader("Retry-After", "45");
            response.sendError(503);
        }));
        server.servlet("/both", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, new HttpConnectTimeoutException("timed out"));
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, MAINTENANCE_END);
            response.sendError(502);
        }));
        server.servlet("/robots.txt", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, MAINTENANCE_END);
            response.sendError(503);
        }));
        return server.start();
    }

    /**
     * R32, R36: after a captured status, what the application formats with {@code printf} (which calls
     * {@code format}) is dropped for the page as its {@code write}s are: formatted by the container's writer past the
     * dropping one, 120 KB of it committed the response and went out in place of the page.
     */
    @Test
    void formattedOutputAfterACapturedStatusIsDroppedForThePage() {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/maintenance", servlet((request, response) -> {
                response.setStatus(503);
                response.setContentType("text/plain");
                response.getWriter().printf("%s%n", "maintenance ".repeat(10_000));
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/maintenance"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Client.text(response)).startsWith("<!DOCTYPE html>").doesNotContain("maintenance maintenance");
        }
    }

    /**
     * R32, R36: after a captured status, the application's {@code flush()} and {@code close()}
     * on the stream or the writer are dropped with its body: passed to the container's, each committed the captured
     * status with the application's headers and no page (or the application's body in place of the page).
     */
    @ParameterizedTest
    @ValueSource(strings = {"stream-flush", "stream-close", "writer-flush", "writer-close"})
    void flushAndCloseAfterACapturedStatusDoNotCommitTheResponse(String call) {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/busy", servlet((request, response) -> {
                response.setStatus(503);
                response.setContentType("text/plain");
                if (call.startsWith("stream")) {
                    ServletOutputStream out = response.getOutputStream();
                    out.write("application body".getBytes(StandardCharsets.US_ASCII));
                    if (call.equals("stream-flush")) {
                        out.flush();
                    } else {
                        out.close();
                    }
                } else {
                    PrintWriter writer = response.getWriter();
                    writer.write("application body");
                    if (call.equals("writer-flush")) {
                        writer.flush();
                    } else {
                        writer.close();
                    }
                }
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/busy"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Client.text(response)).startsWith("<!DOCTYPE html>").doesNotContain("application body");
        }
    }

    /**
     * R32, R36: after a captured status, what the application writes through the stream or the writer is dropped for
     * the page, whichever {@code write} (or the stream's {@code print}) it calls: 100 KB of it, more than the container
     * buffers, committed the response and went out in place of the page.
     */
    @ParameterizedTest
    @ValueSource(strings = {"byte-array", "single-bytes", "stream-print", "string", "char-array"})
    void aBodyWrittenAfterACapturedStatusIsDroppedForThePage(String write) {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/busy", servlet((request, response) -> {
                response.setStatus(503);
                response.setContentType("text/plain");
                String applicationBody = "A".repeat(100_000);
                switch (write) {
                    case "byte-array" ->
                            response.getOutputStream().write(applicationBody.getBytes(StandardCharsets.US_ASCII));
                    case "single-bytes" -> {
                        ServletOutputStream out = response.getOutputStream();
                        for (int i = 0; i < applicationBody.length(); i++) {
                            out.write('A');
                        }
                    }
                    case "stream-print" -> response.getOutputStream().print(applicationBody);
                    case "string" -> response.getWriter().write(applicationBody);
                    default -> response.getWriter().write(applicationBody.toCharArray());
                }
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/busy"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Client.text(response)).startsWith("<!DOCTYPE html>").doesNotContain("AAAA");
        }
    }

    /**
     * R1, R21: after {@code sendError} the status is fixed, as in every container: a {@code setStatus(200)} after
     * it made the page a 200 with the application's body.
     */
    @Test
    void aStatusSetAfterSendErrorIsIgnored() {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/failed", servlet((request, response) -> {
                response.sendError(502);
                response.setStatus(200);
                response.getWriter().write("application body after sendError");
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/failed"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(Client.text(response)).startsWith("<!DOCTYPE html>").doesNotContain("application body");
        }
    }

    /**
     * R5: a {@code sendError} after the response was committed is refused as the container refuses it (the
     * application sees {@code IllegalStateException}), not taken for a status to replace: swallowed, the response
     * ended as a complete 200 and the client could not tell it was cut off.
     */
    @Test
    void aSendErrorAfterCommitIsRefusedAsTheContainerRefusesIt() {
        AtomicReference<Throwable> refused = new AtomicReference<>();
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/committed-then-error", servlet((request, response) -> {
                response.getWriter().write("partial");
                response.flushBuffer();
                try {
                    response.sendError(503);
                } catch (IllegalStateException committed) {
                    refused.set(committed);
                }
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/committed-then-error"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(refused.get()).isInstanceOf(IllegalStateException.class);
        }
    }

    /** {@code printf} on the writer formats as the container's writer does: Jetty's with the response's locale. */
    @Test
    void printfFormatsAsTheContainersWriterDoes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/printf-in-german"), "text/plain");

        assertThat(Client.text(response)).isEqualTo("1,50 1.234.567");
    }

    /**
     * Writes the first part of a list through a {@code WriteListener}, then sets 503 and completes; with
     * {@code reset}, resets the response first (which keeps the stream non-blocking) and asks for the stream again.
     */
    private static HttpServlet nonBlockingThen503(boolean reset) {
        return servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            HttpServletResponse asyncResponse = (HttpServletResponse) async.getResponse();
            ServletOutputStream out = asyncResponse.getOutputStream();
            out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() throws IOException {
                    if (asyncResponse.getStatus() == 200) { // called again once the write is done
                        out.write("first part of the order list".getBytes(StandardCharsets.US_ASCII));
                        if (reset) {
                            asyncResponse.reset();
                            asyncResponse.getOutputStream(); // the same container stream, still non-blocking
                        }
                        asyncResponse.setStatus(503);
                        async.complete();
                    }
                }

                @Override
                public void onError(Throwable failure) {
                }
            });
        });
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.close();
        withFallback.close();
    }

    /** A form posted, as {@link Client#send} posts one. */
    private static HttpResponse<byte[]> postForm(URI uri, String accept) {
        try {
            return Client.send("POST", uri, accept);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A servlet whose {@code ReadListener} throws what its path names: an upstream failure from
     * {@code onAllDataRead} ({@code unavailable}), an {@code IOException} wrapping a refused connection from
     * {@code onDataAvailable} ({@code refused-wrapped}), a bug of its own from {@code onDataAvailable} ({@code bug}, an
     * {@code IllegalStateException}) or from {@code onAllDataRead} ({@code error}, an {@code AssertionError}), Jetty's
     * {@code EofException} of the client's connection ({@code client-abort}, in a cycle of 1 s), an upstream failure
     * after it committed the response with the first part of the body ({@code after-commit}), an
     * upstream failure after it answered with a captured 503 and {@code complete()} ({@code after-the-page}), or a
     * refused connection after it answered through Jetty with a {@code sendError(500)} ({@code after-send-error-500})
     * or a redirect ({@code after-redirect}). Its {@code onError} completes the cycle, as an application releasing
     * what it holds would, and records what it got, or the {@code IllegalStateException} of that {@code complete()}.
     */
    private static HttpServlet readListenerThrows() {
        return servlet((request, response) -> {
            String thrown = request.getPathInfo().substring(1);
            AsyncContext async = request.startAsync();
            async.setTimeout(thrown.equals("client-abort") ? 1_000 : 60_000);
            ServletInputStream in = request.getInputStream();
            in.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    TestServlets.readWhatIsThere(in);
                    if (thrown.equals("refused-wrapped")) {
                        throw new IOException("the billing call failed", new ConnectException("Connection refused"));
                    }
                    if (thrown.equals("bug")) {
                        throw new IllegalStateException("the order list was not loaded");
                    }
                }

                @Override
                public void onAllDataRead() throws IOException {
                    switch (thrown) {
                        case "unavailable" -> throw new UpstreamFailureException(UpstreamFailure.builder(
                                FailureCause.DESTINATION_UNAVAILABLE).upstream("billing")
                                .breakerRemainingOpen(Duration.ofSeconds(42)).build(), null);
                        case "client-abort" -> throw new EofException("reset by the client");
                        case "after-commit" -> {
                            async.getResponse().getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
                            async.getResponse().flushBuffer();
                            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                                    null);
                        }
                        case "error" -> throw new AssertionError("the order list was not loaded");
                        case "after-send-error-500" -> {
                            ((HttpServletResponse) async.getResponse()).sendError(500);
                            throw new ConnectException("Connection refused");
                        }
                        case "after-redirect" -> {
                            ((HttpServletResponse) async.getResponse()).sendRedirect("/elsewhere");
                            throw new ConnectException("Connection refused");
                        }
                        case "after-the-page" -> {
                            ((HttpServletResponse) async.getResponse()).setStatus(503);
                            async.complete();
                            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                                    null);
                        }
                        default -> throw new IllegalArgumentException(thrown);
                    }
                }

                @Override
                public void onError(Throwable failure) {
                    BlockingQueue<Throwable> errors = thrown.equals("after-commit") ? readListenerErrorsAfterCommit
                            : readListenerErrors;
                    try {
                        async.complete();
                        errors.add(failure);
                    } catch (IllegalStateException completedTwice) {
                        errors.add(completedTwice);
                    }
                }
            });
        });
    }

    /**
     * A servlet whose {@code WriteListener} throws from {@code onWritePossible} what its path names, in a cycle of
     * 120 s: before it wrote anything, a refused connection ({@code refused}, a {@link ConnectException}), an upstream
     * failure of a 503 with the breaker's remaining open time ({@code unavailable}) or a bug of its own
     * ({@code bug}, an {@code IllegalStateException}); or an upstream failure after it committed the response with
     * the first part of the body, flushed ({@code after-commit}). Its {@code onError} completes the cycle, as an
     * application releasing what it holds would, and records what it got, or the {@code IllegalStateException} of
     * that {@code complete()}.
     */
    private static HttpServlet writeListenerThrows() {
        return servlet((request, response) -> {
            String thrown = request.getPathInfo().substring(1);
            AsyncContext async = request.startAsync();
            async.setTimeout(120_000);
            response.setContentType("text/plain");
            ServletOutputStream out = response.getOutputStream();
            out.setWriteListener(new WriteListener() {
                private final TestServlets.FirstPart firstPart = new TestServlets.FirstPart();

                @Override
                public void onWritePossible() throws IOException {
                    if (thrown.endsWith("after-commit") && !firstPart.writtenAndFlushed(out)) {
                        return;
                    }
                    switch (thrown) {
                        case "refused" -> throw new ConnectException("Connection refused");
                        case "unavailable" -> throw new UpstreamFailureException(UpstreamFailure.builder(
                                FailureCause.DESTINATION_UNAVAILABLE).upstream("billing")
                                .breakerRemainingOpen(Duration.ofSeconds(42)).build(), null);
                        case "bug" -> throw new IllegalStateException("the order list was not loaded");
                        case "after-commit" -> throw new UpstreamFailureException(UpstreamFailure.of(
                                FailureCause.CONNECTION_REFUSED), null);
                        case "bug-after-commit" -> throw bugOfTheOrdersClient();
                        default -> throw new IllegalArgumentException(thrown);
                    }
                }

                @Override
                public void onError(Throwable failure) {
                    try {
                        async.complete();
                        writeListenerErrors.add(failure);
                    } catch (IllegalStateException completedTwice) {
                        writeListenerErrors.add(completedTwice);
                    }
                }
            });
        });
    }

    /**
     * The {@code proxy_internal_error} of a guarded call whose client threw what no classifier knows: its cause a
     * {@code CloneNotSupportedException} naming a replica's address.
     */
    private static UpstreamFailureException bugOfTheOrdersClient() {
        return new UpstreamFailureException(UpstreamFailure.builder(FailureCause.PROXY_INTERNAL_ERROR)
                .upstream("orders").build(), new CloneNotSupportedException("boom in the orders client, replica "
                + "10.1.2.3:5432"));
    }

    /** Starts an async cycle whose task throws an upstream failure, {@code connection_refused}. */
    private static void startTaskThatThrows(ServletRequest request) {
        startTaskThatThrows(request, 5_000);
    }

    private static void startTaskThatThrows(ServletRequest request, long timeoutMillis) {
        AsyncContext async = request.startAsync();
        async.setTimeout(timeoutMillis);
        async.start(() -> {
            throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                    .upstream("billing").build(), null);
        });
    }

    private static void mountServlets(JettyServer server) {
        server.servlet("/reset-writer-then-stream", servlet((request, response) -> {
            response.getWriter().write("first");
            response.reset();
            response.setContentType("text/plain;charset=UTF-8");
            PrintWriter writer = response.getWriter();
            try {
                response.getOutputStream();
                writer.write("stream too");
            } catch (IllegalStateException writerInUse) {
                writer.write("writer in use");
            }
        }));
        server.servlet("/byte-buffers", servlet((request, response) -> {
            java.nio.ByteBuffer read = java.nio.ByteBuffer.allocate(64);
            int n = request.getInputStream().read(read);
            java.nio.ByteBuffer written = java.nio.ByteBuffer.allocateDirect(16);
            written.put("direct".getBytes(StandardCharsets.US_ASCII)).flip();
            response.setContentType("text/plain");
            response.getOutputStream().write(written);
            response.getOutputStream().write((" read=" + n + " position=" + read.position() + " limit=" + read.limit()
                    + " written-left=" + written.remaining()).getBytes(StandardCharsets.US_ASCII));
        }));
        server.servlet("/printf-in-german", servlet((request, response) -> {
            response.setLocale(java.util.Locale.GERMANY);
            response.setContentType("text/plain;charset=UTF-8");
            response.getWriter().printf("%.2f %,d", 1.5, 1234567);
        }));
        server.servlet("/ok", servlet((request, response) -> {
            response.setContentType("text/plain");
            response.setHeader("Set-Cookie", "session=1");
            response.getWriter().write("fine");
        }));
        server.servlet("/upstream-failure", servlet((request, response) -> {
            chainCalls.incrementAndGet();
            throw new ServletException("wrapped", new UpstreamFailureException(
                    UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream("billing").build(),
                    new ConnectException("Connection refused: billing-internal.svc.cluster.local/10.23.4.5:8443")));
        }));
        server.servlet("/connect-exception", servlet((request, response) -> {
            throw new ConnectException("Connection refused: 10.23.4.5:8443");
        }));
        server.servlet("/bug", servlet((request, response) -> {
            throw new IllegalStateException("a bug, not an upstream failure");
        }));
        server.servlet("/send-error-503", servlet((request, response) -> {
            response.setHeader("Set-Cookie", "tracking=1");
            response.setHeader("Retry-After", "120");
            response.sendError(503, "billing-internal.svc.cluster.local is down");
        }));
        server.servlet("/async-task-throws", servlet((request, response) -> startTaskThatThrows(request)), true);
        server.servlet("/async-task-throws-in-second-cycle", servlet((request, response) -> {
            if (request.getDispatcherType() != DispatcherType.ASYNC) {
                request.startAsync().dispatch();
                return;
            }
            startTaskThatThrows(request);
        }), true);
        server.servlet("/async-task-completes-then-throws", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(5_000);
            // Told by the task itself: Jetty's isAsyncStarted() stays true until this dispatch returns, and a wait
            // for it ran out after 10 s on every build (its AssertionError only logged by Jetty).
            AtomicBoolean thrown = new AtomicBoolean();
            async.start(() -> {
                try {
                    async.getResponse().getWriter().write("answered");
                    async.complete();
                    throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                            .upstream("billing").build(), null);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    thrown.set(true);
                }
            });
            Await.until(thrown::get, "the task to complete the cycle and throw");
        }), true);
        server.servlet("/async-task-throws-after-commit", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(300);
            response.getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
            response.flushBuffer();
            async.start(() -> {
                throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED)
                        .upstream("billing").attempts(2).retryRefusal(RetryRefusal.MAX_ATTEMPTS).build(), null);
            });
        }), true);
        server.servlet("/async-task-bug-after-commit", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(300);
            response.getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
            response.flushBuffer();
            async.start(() -> {
                throw bugOfTheOrdersClient();
            });
        }), true);
        server.servlet("/failure-attribute-bug", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, bugOfTheOrdersClient());
            response.sendError(502);
        }));
        server.servlet("/async-task-sends-error-then-throws", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(5_000);
            async.start(() -> {
                try {
                    ((HttpServletResponse) async.getResponse()).sendError(503);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                throw new IllegalStateException("inventory-bug");
            });
        }), true);
        server.servlet("/send-error-503-then-throw", servlet((request, response) -> {
            response.setHeader("Retry-After", "20");
            response.sendError(503);
            throw new ServletException("inventory call failed", new IllegalStateException("InventoryClientException"));
        }));
        server.servlet("/send-error-500-then-throw-upstream-failure", servlet((request, response) -> {
            // As Jersey's ServletContainer does with an exception no mapper takes: its own 500, then the exception.
            response.sendError(500, "Request failed.");
            throw new ServletException(new ConnectException("Connection refused: orders-1.internal/10.0.0.7:8080"));
        }));
        server.servlet("/redirect-then-throw-upstream-failure", servlet((request, response) -> {
            response.sendRedirect("/elsewhere");
            throw new ServletException(new ConnectException("Connection refused: orders-1.internal/10.0.0.7:8080"));
        }));
        server.servlet("/send-error-503-for-a-day", servlet((request, response) -> {
            response.setHeader("Retry-After", "999999");
            response.sendError(503);
        }));
        server.servlet("/set-status-502-with-body", servlet((request, response) -> {
            response.setStatus(502);
            response.setContentType("text/html");
            response.getWriter().write("<h1>upstream 10.23.4.5:8443 said: java.net.SocketException</h1>");
            response.flushBuffer();
        }));
        server.servlet("/writer-then-error", servlet((request, response) -> {
            response.getWriter().write("half a page");
            response.sendError(504);
        }));
        server.servlet("/send-error-500", servlet((request, response) -> response.sendError(500)));
        server.servlet("/send-error-404-with-message", servlet((request, response) ->
                response.sendError(404, "no such order 42")));
        server.servlet("/captured-then-superseded", servlet((request, response) -> {
            response.setStatus(503);
            response.sendError(404);
        }));
        server.servlet("/send-error-then-more", servlet((request, response) -> {
            response.sendError(502);
            lateCalls.set("sendError=" + refused(() -> {
                response.sendError(404);
                return null;
            }) + " sendRedirect=" + refused(() -> {
                response.sendRedirect("/elsewhere");
                return null;
            }) + " reset=" + refused(() -> {
                response.reset();
                return null;
            }) + " resetBuffer=" + refused(() -> {
                response.resetBuffer();
                return null;
            }));
        }));
        server.servlet("/stream-twice-then-writer", servlet((request, response) -> {
            ServletOutputStream stream = response.getOutputStream();
            boolean same = response.getOutputStream() == stream;
            stream.write(("same=" + same + " writer=" + refused(response::getWriter)).getBytes(StandardCharsets.US_ASCII));
        }));
        server.servlet("/writer-twice-then-stream", servlet((request, response) -> {
            PrintWriter writer = response.getWriter();
            boolean same = response.getWriter() == writer;
            writer.write("same=" + same + " stream=" + refused(response::getOutputStream));
        }));
        server.servlet("/set-status-404", servlet((request, response) -> {
            response.setStatus(404);
            response.getWriter().write("no such order");
        }));
        server.servlet("/failure-attribute", servlet((request, response) -> {
            request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, new HttpConnectTimeoutException("connect timed out"));
            response.sendError(502);
        }));
        server.servlet("/async-context-as-started", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(4321);
            AsyncListener created = async.createListener(CountingListener.class);
            response.getWriter().write("timeout=" + async.getTimeout() + " request=" + (async.getRequest() == request)
                    + " response=" + (async.getResponse() == response) + " listener=" + created.getClass()
                    .getSimpleName());
            async.complete();
        }));
        server.servlet("/failure-attribute-named/*", servlet((request, response) -> {
            if (request.getPathInfo().equals("/upstream-failure")) {
                request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, UpstreamFailure.builder(
                        FailureCause.DESTINATION_UNAVAILABLE).upstream("billing")
                        .breakerRemainingOpen(Duration.ofSeconds(42)).build());
                response.sendError(502);
            } else if (request.getPathInfo().equals("/pool-full-retry-after-200")) {
                request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, UpstreamFailure.builder(
                        FailureCause.CONNECTION_LIMIT_REACHED).upstream("search").build());
                response.setHeader("Retry-After", "200");
                response.sendError(503);
            } else if (request.getPathInfo().equals("/own-retry-after-60")) {
                request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, UpstreamFailure.builder(
                        FailureCause.CONNECTION_LIMIT_REACHED).upstream("search")
                        .upstreamRetryAfter(Duration.ofSeconds(60)).build());
                response.setHeader("Retry-After", "200");
                response.sendError(503);
            } else if (request.getPathInfo().equals("/timeout-retry-after-200")) {
                request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, new HttpConnectTimeoutException("timed out"));
                response.setHeader("Retry-After", "200");
                response.sendError(504);
            } else {
                request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, new IllegalStateException("cache miss"));
                response.setHeader("Retry-After", "45");
                response.sendError(503);
            }
        }));
        server.servlet("/committed-then-upstream-failure", servlet((request, response) -> {
            response.setContentType("text/plain");
            response.setContentLength(100_000);
            ServletOutputStream out = response.getOutputStream();
            out.write("x".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.HTTP_RESPONSE_INCOMPLETE), null);
        }));
        server.servlet("/committed-then-refused-post", servlet((request, response) -> {
            response.setContentType("text/plain");
            response.setContentLength(100_000);
            ServletOutputStream out = response.getOutputStream();
            out.write("x".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            REFUSED_ORDERS.send(HttpRequest.newBuilder(URI.create("http://orders/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding());
        }));
        server.servlet("/chunked-then-upstream-failure", servlet((request, response) -> {
            response.setContentType("text/plain");
            if (request.getParameter("close") != null) {
                response.setHeader("Connection", "close"); // the application's own: its body then ends with the close
            }
            ServletOutputStream out = response.getOutputStream();
            out.write("x".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_TERMINATED), null);
        }));
        server.servlet("/client-abort", servlet((request, response) -> {
            throw new ClientAbortException();
        }));
        server.servlet("/forward", servlet((request, response) ->
                request.getRequestDispatcher("/upstream-failure").forward(request, response)));
        server.servlet("/robots.txt", servlet((request, response) -> {
            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
        }));
        server.servlet("/async-send-error", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                try {
                    ((HttpServletResponse) async.getResponse()).sendError(503);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                async.complete();
            });
        }));
        server.servlet("/async-send-error-502", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                try {
                    ((HttpServletResponse) async.getResponse()).sendError(502);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                request.getAsyncContext().complete(); // the context the request hands out later completes too
            });
        }));
        server.servlet("/async-context-identity", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            boolean same = request.getAsyncContext() == async && request.getAsyncContext() == async;
            async.getResponse().getWriter().write("same=" + same);
            async.complete();
        }));
        server.servlet("/async-ok", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                try {
                    async.getResponse().getWriter().write("async fine");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                request.getAsyncContext().complete();
            });
        }));
        server.servlet("/async-timeout-listener", TestServlets.asyncTimeoutAnsweredWith(504));
        server.servlet("/async-restarted-timeout-listener", TestServlets.asyncRestartedTimeoutAnsweredWith(504));
        server.servlet("/non-blocking-then-503", nonBlockingThen503(false));
        server.servlet("/non-blocking-reset-then-503", nonBlockingThen503(true));
        server.servlet("/blocking-stream-not-ready", servlet((request, response) -> {
            response.setHeader("X-Order", "42");
            response.sendError(502);
        }));
        server.servlet("/async-timeout-unanswered", servlet((request, response) -> request.startAsync().setTimeout(200)));
        server.servlet("/async-started-then-thrown",
                TestServlets.asyncStartedThenThrows(FailureCause.CONNECTION_REFUSED));
        server.servlet("/new-session-then-502", servlet((request, response) -> {
            request.getSession(true).setAttribute("cart", "3 items");
            response.sendError(502);
        }));
        server.servlet("/new-session-then-503", servlet((request, response) -> {
            request.getSession(true).setAttribute("cart", "3 items");
            response.sendError(503);
        }));
        server.servlet("/async-dispatch", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.start(() -> async.dispatch("/upstream-failure"));
        }));
        server.servlet("/async-task-throws-long-timeout", servlet((request, response) ->
                startTaskThatThrows(request, 60_000)), true);
        server.servlet("/read-listener-throws/*", readListenerThrows(), true);
        server.servlet("/write-listener-throws/*", writeListenerThrows(), true);
        server.servlet("/async-first-cycles-task-throws-in-the-second", servlet((request, response) -> {
            if (request.getDispatcherType() != DispatcherType.ASYNC) {
                CountDownLatch secondStarted = new CountDownLatch(1);
                request.setAttribute("second-started", secondStarted);
                AsyncContext first = request.startAsync();
                first.start(() -> {
                    first.dispatch();
                    try {
                        secondStarted.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
                });
                return;
            }
            AsyncContext second = request.startAsync();
            second.setTimeout(500);
            second.addListener(TestServlets.onTimeout(event -> {
                event.getSuppliedResponse().getWriter().write("second cycle");
                event.getAsyncContext().complete();
            }));
            ((CountDownLatch) request.getAttribute("second-started")).countDown();
        }), true);
        server.servlet("/status-503-then-async-200", servlet((request, response) -> {
            response.setStatus(503);
            AsyncContext async = request.startAsync();
            async.setTimeout(200);
            async.addListener(TestServlets.onTimeout(event -> {
                HttpServletResponse supplied = (HttpServletResponse) event.getSuppliedResponse();
                supplied.setStatus(200);
                supplied.getWriter().write("recovered");
                event.getAsyncContext().complete();
            }));
        }), true);
        server.servlet("/async-error-listener", servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.addListener(TestServlets.onError(event -> {
                ((HttpServletResponse) event.getSuppliedResponse()).sendError(502);
                event.getAsyncContext().complete();
            }));
            throw new IllegalStateException("inventory-bug");
        }), true);
        server.servlet("/async-timeout-listener-with-request-and-response",
                TestServlets.asyncTimeoutAnsweredThroughAListenerGivenTheRequestAndResponse(504));
    }

    @Test
    void leavesSuccessfulResponsesAlone() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/ok"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("fine");
        assertThat(response.headers().firstValue("Set-Cookie")).hasValue("session=1");
    }

    @Test
    void rendersPageForUpstreamFailureWrappedInServletException() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/upstream-failure"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(PageAssertions.contentType(response)).isEqualTo("application/problem+json");
        assertThat(Client.text(response)).contains("connection_refused");
        assertNoLeak(response);
    }

    @Test
    void rendersPageForIoExceptionThatClassifiesAsUpstreamFailure() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/connect-exception"), "text/plain");

        assertErrorPage(response, "GET", 502, "10");
        assertNoLeak(response);
    }

    @Test
    void leavesOtherExceptionsToTheContainer() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/bug"), JSON);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("not our page").isEmpty();
    }

    @Test
    void turnsCapturedSendErrorIntoPageKeepingStatusAndRetryAfter() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/send-error-503"), JSON);

        assertErrorPage(response, "GET", 503, "120");
        assertThat(Client.text(response)).contains("upstream_status").doesNotContain("is down");
        assertNoLeak(response);
    }

    /**
     * The Servlet API's own async pattern, AsyncContext.start(Runnable), with a task that lets the upstream failure
     * propagate as the quick start says: the container only logged it, and the client waited for the cycle's timeout,
     * then got the container's 500.
     */
    @Test
    void answersAnUpstreamFailureThatAnAsyncTaskThrows() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-task-throws"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("connection_refused");
    }

    /**
     * The same in a second cycle of the request: Jetty and Tomcat hand out the same {@code AsyncContext} for every
     * cycle, and the filter's, still marked as dispatched by the first cycle, left the task's failure to the
     * container (Jetty: its 500 after the cycle's timeout).
     */
    @Test
    void answersAnUpstreamFailureAnAsyncTaskThrowsInASecondCycle() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-task-throws-in-second-cycle"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("connection_refused");
    }

    /**
     * The cycle whose task's failure was answered is completed at once (R2): left open until its timeout (60 s here),
     * it would hold the connection after the page, and the client's next request on that pooled connection would get
     * no answer.
     */
    @Test
    void answersAnUpstreamFailureThatAnAsyncTaskThrowsAndEndsTheCycle() {
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> response = Client.get(jetty.uri("/async-task-throws-long-timeout"), JSON);

            assertErrorPage(response, "GET", 502, "10");
            assertThat(Client.text(response)).contains("connection_refused");
        }
        assertThat(Client.get(jetty.uri("/ok"), JSON).statusCode()).as("the connection is free again").isEqualTo(200);
    }

    /**
     * A task of the first cycle that throws once the request is in its second (the first dispatched): the failure is
     * no longer that cycle's to answer, and the second cycle answers (here its timeout listener, with 200). Answered
     * with the page, it would end the second cycle under its application.
     */
    @Test
    void leavesTheFailureOfAnAsyncTaskOfAnEarlierCycleToTheContainer() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-first-cycles-task-throws-in-the-second"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("second cycle");
    }

    /**
     * A 503 set before startAsync() is answered when the cycle completes, not when the first dispatch returns: the
     * application answered 200 meanwhile (here its timeout listener), and that answer stands (R1: no page for a
     * status the application took back). Written at the end of the first dispatch, the page would replace it.
     */
    @Test
    void answersAStatusSetBeforeStartAsyncOnlyWhenTheCycleCompletes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/status-503-then-async-200"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("recovered");
    }

    /**
     * Mapped for {@code REQUEST} only, the filter does not see what an ASYNC dispatch throws: thrown in a cycle that
     * dispatch started, the container reports it as an error of that cycle, which the filter answers with the page
     * and ends, the connection then free for the next request. Unanswered, the client gets the container's 500 (R2).
     */
    @Test
    void answersAnUpstreamFailureThatTheContainerReportsForTheCycle() {
        try (JettyServer server = new JettyServer()) {
            FilterHolder requestsOnly = new FilterHolder(ErrorPagesFilter.builder().build());
            requestsOnly.setAsyncSupported(true);
            server.context().addFilter(requestsOnly, "/*", EnumSet.of(DispatcherType.REQUEST));
            server.servlet("/async-dispatch", servlet((request, response) -> {
                if (request.getDispatcherType() != DispatcherType.ASYNC) {
                    request.startAsync().dispatch();
                    return;
                }
                request.startAsync().setTimeout(60_000);
                throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
            }));
            server.servlet("/ok", servlet((request, response) -> response.getWriter().write("fine")));
            server.start();

            for (int i = 0; i < 2; i++) {
                HttpResponse<byte[]> response = Client.get(server.uri("/async-dispatch"), JSON);

                assertErrorPage(response, "GET", 502, "10");
                assertThat(Client.text(response)).contains("connection_refused");
            }
            assertThat(Client.get(server.uri("/ok"), JSON).statusCode()).as("the connection is free again")
                    .isEqualTo(200);
        }
    }

    /** A task that completed the cycle, then threw: its answer stands; the page was written over it. */
    @Test
    void leavesTheAnswerOfAnAsyncTaskThatCompletedBeforeItThrew() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-task-completes-then-throws"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("answered");
    }

    /** As for the chain: a task that answered with sendError(503), then threw, keeps its status and gets the page. */
    @Test
    void keepsTheStatusAnAsyncTaskSentWhenItThrowsAfterwards() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-task-sends-error-then-throws"), JSON);

        assertErrorPage(response, "GET", 503, "\\d+");
        assertThat(Client.text(response)).doesNotContain("inventory");
    }

    /**
     * The application answered with sendError(503), then threw to have the failure logged: Jetty keeps the 503 without
     * the filter; with it the client got Jetty's 500, naming the exception (R36), with the 503's Retry-After.
     */
    @Test
    void keepsTheStatusTheApplicationSentWhenItThrowsAfterwards() {
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri("/send-error-503-then-throw"), JSON)));
        HttpResponse<byte[]> response = answered.get();

        assertErrorPage(response, "GET", 503, "20");
        assertNoLeak(response);
        assertThat(Client.text(response)).doesNotContain("inventory", "Exception");
        assertThat(log).contains("threw after sendError(503); answered with that status", "inventory call failed");
    }

    /**
     * The application answered with a status the filter leaves to the container (a 500, a redirect), then threw an
     * upstream failure: the filter took the committed response for a relay cut short, logged "aborted after the
     * response was committed" for a response that was complete, and handed the container its own exception instead
     * of the application's, whose message and stack trace were lost. The answer and the log are the container's,
     * as without the filter.
     */
    @ParameterizedTest
    @CsvSource({"/send-error-500-then-throw-upstream-failure, 500", "/redirect-then-throw-upstream-failure, 302"})
    void leavesAnAnswerTheApplicationGaveThroughTheContainerWhenItThrowsAfterwards(String path, int status)
            throws InterruptedException {
        thrownPastTheFilter.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri(path), JSON)));

        assertThat(answered.get().statusCode()).isEqualTo(status);
        assertThat(log).doesNotContain("aborted");
        Throwable thrown = thrownPastTheFilter.poll(10, TimeUnit.SECONDS);
        assertThat(thrown).as("what the container logs").isInstanceOf(ServletException.class)
                .hasRootCauseInstanceOf(ConnectException.class);
    }

    @Test
    void clampsRetryAfterTheApplicationSet() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/send-error-503-for-a-day"), JSON);

        assertErrorPage(response, "GET", 503, "3600"); // R10: retry-after.max
    }

    @Test
    void replacesBodyWrittenAfterCapturedSetStatus() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/set-status-502-with-body"), "text/plain");

        assertErrorPage(response, "GET", 502, "10");
        assertThat(PageAssertions.contentType(response)).isEqualTo("text/plain;charset=utf-8");
        assertNoLeak(response, "said");
    }

    @Test
    void replacesOutputOfWriterUsedBeforeSendError() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/writer-then-error"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertThat(Client.text(response)).doesNotContain("half a page");
    }

    @Test
    void handsOutOneStreamOrOneWriterAsTheContainerDoes() {
        assertThat(Client.text(Client.get(jetty.uri("/stream-twice-then-writer"), JSON)))
                .isEqualTo("same=true writer=refused");
        assertThat(Client.text(Client.get(jetty.uri("/writer-twice-then-stream"), JSON)))
                .isEqualTo("same=true stream=refused");
    }

    @Test
    void leavesStatusesItDoesNotInterceptToTheContainer() {
        assertThat(Client.get(jetty.uri("/send-error-500"), JSON).statusCode()).isEqualTo(500);

        HttpResponse<byte[]> notFound = Client.get(jetty.uri("/set-status-404"), JSON);
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(Client.text(notFound)).isEqualTo("no such order");
    }

    /** The container's error handling gets what the application sent, as without the filter: message and all. */
    @Test
    void passesTheMessageOfANotInterceptedSendErrorOnToTheContainer() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/send-error-404-with-message"), JSON);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(Client.text(response)).contains("no such order 42");
    }

    @Test
    void forgetsCapturedStatusWhenApplicationSendsAnotherError() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/captured-then-superseded"), JSON);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("the container's page").isEmpty();
    }

    @Test
    void keepsCapturedErrorWhenApplicationTriesAnotherErrorOrARedirectAfterIt() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/send-error-then-more"), JSON);

        // As a container would (the response is committed by sendError): refused, and the 502 page stands.
        assertErrorPage(response, "GET", 502, "10");
        assertThat(response.headers().firstValue("Location")).isEmpty();
        assertThat(lateCalls.get()).isEqualTo("sendError=refused sendRedirect=refused reset=refused "
                + "resetBuffer=refused");
    }

    @Test
    void usesFailureTheApplicationNamedInsteadOfBareStatus() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/failure-attribute"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertThat(Client.text(response)).contains("connection_timeout");
    }

    /**
     * The cycle the application starts behind the filter answers as the container's does: the timeout it set, the
     * request and response it was started with (the ones the servlet was given), a listener made by the container.
     */
    @Test
    void theAsyncContextBehindTheFilterAnswersAsTheContainersDoes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-context-as-started"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response))
                .isEqualTo("timeout=4321 request=true response=true listener=CountingListener");
    }

    /**
     * {@link ErrorPagesFilter#FAILURE_ATTRIBUTE} holding an {@link UpstreamFailure} itself, as its javadoc offers:
     * the page is that failure's (its status, its breaker's Retry-After, its error code; R2, R7), not the bare 502's.
     */
    @Test
    void usesTheUpstreamFailureTheApplicationNamedInsteadOfBareStatus() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/failure-attribute-named/upstream-failure"), JSON);

        assertErrorPage(response, "GET", 503, "42");
        assertThat(Client.text(response)).contains("destination_unavailable").doesNotContain("upstream_status");
    }

    /**
     * R3, R8: a failure the application names without a {@code Retry-After} of its own keeps the one the application
     * set, as a bare status does (the page had the failure's default, 30 s); one of its own comes first.
     */
    @Test
    void aNamedFailureWithoutARetryAfterOfItsOwnKeepsTheApplications() {
        HttpResponse<byte[]> poolFull = Client.get(jetty.uri("/failure-attribute-named/pool-full-retry-after-200"),
                JSON);
        HttpResponse<byte[]> timeout = Client.get(jetty.uri("/failure-attribute-named/timeout-retry-after-200"), JSON);
        HttpResponse<byte[]> ownFirst = Client.get(jetty.uri("/failure-attribute-named/own-retry-after-60"), JSON);

        assertErrorPage(poolFull, "GET", 503, "200");
        assertThat(Client.text(poolFull)).contains("connection_limit_reached");
        assertErrorPage(timeout, "GET", 504, "200");
        assertThat(Client.text(timeout)).contains("connection_timeout");
        assertErrorPage(ownFirst, "GET", 503, "60");
    }

    /**
     * The attribute names an exception that is no upstream failure: the status the application sent stands, with the
     * Retry-After it set, as without the attribute (R3), and the exception is not shown (R36).
     */
    @Test
    void aNamedExceptionThatIsNoUpstreamFailureLeavesTheStatusSent() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/failure-attribute-named/no-upstream-failure"), JSON);

        assertErrorPage(response, "GET", 503, "45");
        assertThat(Client.text(response)).contains("upstream_status");
        assertNoLeak(response, "IllegalStateException", "cache miss");
    }

    @Test
    void headRequestGetsStatusAndHeadersOfGetWithoutBody() throws IOException {
        String[] id = {"X-Request-Id", "req-42"};
        for (String path : List.of("/upstream-failure", "/send-error-503", "/set-status-502-with-body")) {
            HttpResponse<byte[]> get = Client.send("GET", jetty.uri(path), JSON, id);
            HttpResponse<byte[]> head = Client.send("HEAD", jetty.uri(path), JSON, id);

            assertErrorPage(head, "HEAD", get.statusCode(), get.headers().firstValue("Retry-After").orElse(null));
            assertSameHeaders(head, get);
        }
    }

    /**
     * RFC 9110 §9.1: a method is case-sensitive, and {@code head} is not {@code HEAD} (the proxy answers it with
     * 501, not forwarding it): the container sends a body for it as for any other method. The page and robots.txt's
     * 503 were written for it as for a HEAD, a {@code Content-Length} and no content: Jetty answered with its own
     * 500 instead ({@code Content-Length: 0}, no page), Tomcat sent the head alone, a response cut short.
     */
    @ParameterizedTest
    @ValueSource(strings = {"head", "Head"})
    void answersHeadInAnotherCaseWithTheBodyItAnnounces(String method) { // R1, R2, R12, R27
        for (String path : List.of("/upstream-failure", "/robots.txt")) {
            HttpTester.Response response = HttpTester.parseResponse(jetty.raw(method + " " + path + " HTTP/1.1\r\n"
                    + "Host: test\r\nAccept: application/json\r\nConnection: close\r\n\r\n"));

            assertThat(response.getStatus()).as(path).isEqualTo(path.equals("/robots.txt") ? 503 : 502);
            assertThat(response.getContent()).as(path).isNotEmpty()
                    .hasSize((int) response.getLongField("Content-Length"));
        }
    }

    @Test
    void showsSafeRequestIdAsSupportCodeAndNeverEchoesUnsafeOne() {
        HttpResponse<byte[]> safe;
        try {
            safe = Client.send("GET", jetty.uri("/upstream-failure"), JSON, "X-Request-Id", "req-7f3a.9");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(Client.text(safe)).contains("req-7f3a.9");

        // R39: raw HTTP, because the JDK client refuses to send such a value
        HttpTester.Response unsafe = HttpTester.parseResponse(jetty.raw("GET /upstream-failure HTTP/1.1\r\n"
                + "Host: test\r\nAccept: application/json\r\nX-Request-Id: <script>alert(1)</script>\r\n"
                + "Connection: close\r\n\r\n"));
        assertThat(unsafe.getStatus()).isEqualTo(502);
        assertThat(unsafe.getContent()).doesNotContain("<script>", "alert(1)");
    }

    @Test
    void negotiatesFromEveryLineOfAFieldSentOnSeveralLines() { // R34, R35; RFC 9110 §5.3: the lines are one list
        HttpTester.Response response = HttpTester.parseResponse(jetty.raw("GET /upstream-failure HTTP/1.1\r\n"
                + "Host: test\r\nAccept: application/json;q=0.5\r\nAccept: text/html\r\n"
                + "Accept-Language: en;q=0.5\r\nAccept-Language: de\r\n"
                + "Accept-Encoding: identity;q=0.5\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"));

        assertThat(response.getStatus()).isEqualTo(502);
        assertThat(response.get("Content-Type")).startsWith("text/html");
        assertThat(response.get("Content-Language")).isEqualTo("de");
        assertThat(response.get("Content-Encoding")).isEqualTo("gzip");
    }

    @Test
    void abortsCommittedResponseInsteadOfAppendingPage() {
        // R5: the status and 10 000 of 100 000 bytes are out; the client must see an incomplete response.
        assertThatThrownBy(() -> Client.send("GET", jetty.uri("/committed-then-upstream-failure"), JSON))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Client.send("GET", jetty.uri("/chunked-then-upstream-failure"), JSON))
                .isInstanceOf(IOException.class);

        String raw = jetty.raw("GET /chunked-then-upstream-failure HTTP/1.1\r\nHost: test\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 200").doesNotContain("502", "problem+json", "upstream")
                .doesNotEndWith("0\r\n\r\n"); // no terminating chunk: the response does not look whole
    }

    /**
     * R5 for a body delimited by the connection's end (RFC 9112 §6.3, rule 8): to an HTTP/1.0 client (nginx's
     * {@code proxy_pass} by default), to one that asked for the connection to be closed, or when the application set
     * {@code Connection: close} itself, Jetty sends a body of unknown length without chunks, and its end is the
     * connection's close. The abort closed the connection as such a body ends, and the client took the part for the
     * whole 200; now the connection is reset, which tells it the body was cut short.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET /chunked-then-upstream-failure HTTP/1.0\r\n",
            "GET /chunked-then-upstream-failure HTTP/1.1\r\nHost: test\r\nConnection: close\r\n",
            "GET /chunked-then-upstream-failure?close HTTP/1.1\r\nHost: test\r\n"})
    void abortsABodyDelimitedByTheConnectionsEndWithAReset(String head) {
        Client.RawAnswer answer = Client.rawAnswer(jetty.port(), head + "Accept: " + JSON + "\r\n\r\n");

        assertThat(answer.text()).startsWith("HTTP/1.1 200").doesNotContain("Transfer-Encoding", "Content-Length",
                "problem+json", "connection_terminated");
        assertThat(answer.reset()).as("the connection reset, not closed as a whole body's is").isTrue();
    }

    /**
     * One incident, one WARN line: the filter's ("response to GET /… aborted: …"). The abort reaches Jetty as its
     * own {@code EofException} (a {@code QuietException}), which it aborts the connection for and logs at DEBUG
     * only; it logged the filter's own exception again at WARN ({@code handleException /… ResponseAbortedException}).
     */
    @Test
    void abortsACommittedResponseWithAnExceptionJettyDoesNotLogAgain() throws InterruptedException {
        thrownPastTheFilter.clear();
        String log = StandardError.capture(() -> assertThatThrownBy(
                () -> Client.send("GET", jetty.uri("/committed-then-upstream-failure"), JSON))
                .isInstanceOf(IOException.class));

        assertThat(log.lines().filter(line -> line.contains("WARN"))).singleElement().asString()
                .contains("response to GET /committed-then-upstream-failure aborted: upstream failure")
                .endsWith(" (upstream=-, attempts=-, elapsed_ms=-, retry_refused=-)");
        Throwable thrown = thrownPastTheFilter.poll(10, TimeUnit.SECONDS);
        assertThat(thrown).isInstanceOf(EofException.class).hasCauseInstanceOf(ResponseAbortedException.class);
    }

    /**
     * The line of a failure after commit says why the call was not retried, as the page's line does (operations.md):
     * here the application's own guarded POST, which the guard must not send twice, refused after the response was
     * committed. "attempts=1" alone did not tell it from a retry budget spent.
     */
    @Test
    void theLineOfAFailureAfterCommitSaysWhyItWasNotRetried() { // R5, R13
        String log = StandardError.capture(() -> assertThatThrownBy(
                () -> Client.send("GET", jetty.uri("/committed-then-refused-post"), JSON))
                .isInstanceOf(IOException.class));

        assertThat(log.lines().filter(line -> line.contains("WARN"))).singleElement().asString()
                .contains("response to GET /committed-then-refused-post aborted: upstream failure connection_refused "
                        + "after the response was committed (upstream=orders, attempts=1, elapsed_ms=")
                .endsWith(", retry_refused=not_idempotent)");
    }

    @Test
    void leavesClientAbortsToTheContainerWithoutPage() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/client-abort"), JSON);

        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("not our page").isEmpty();
    }

    @Test
    void callsChainOnceWhenFilterSeesForwardOfSameRequest() {
        int before = chainCalls.get();

        HttpResponse<byte[]> response = Client.get(jetty.uri("/forward"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(chainCalls.get() - before).isEqualTo(1);
    }

    @Test
    void answersRobotsTxtWithPlainTextServiceUnavailableNeverThePage() throws IOException {
        // Also spelt with a path parameter or an encoded letter: the same resource, which got the HTML page.
        for (String spelling : List.of("/robots.txt", "/robots.txt;jsessionid=ABC", "/%72obots.txt")) {
            for (String method : List.of("GET", "HEAD")) {
                HttpResponse<byte[]> response = Client.send(method, jetty.uri(spelling), Client.BROWSER_ACCEPT);

                // R27: 5xx (crawlers assume "disallow all" for now), text/plain, never HTML, never the branded body
                assertThat(response.statusCode()).as(spelling).isEqualTo(503);
                assertThat(PageAssertions.contentType(response)).isEqualTo("text/plain;charset=utf-8");
                assertThat(response.headers().firstValue("Retry-After")).hasValue("10");
                assertThat(Client.text(response)).doesNotContain("<", "connection_refused");
                assertRobotsTxtSecurityFields(response);
            }
        }
    }

    /**
     * R27 is about what the client asked for: {@code /robots.txt} dispatched asynchronously to a servlet that fails
     * still gets the plain-text answer (it got the HTML page), and another path dispatched to the robots servlet the
     * page (it got the robots answer).
     */
    @Test
    void answersRobotsTxtByThePathTheClientAskedForAcrossAnAsyncDispatch() {
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/robots.txt", servlet((request, response) -> {
                if (request.getDispatcherType() == DispatcherType.ASYNC) {
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
                }
                request.startAsync().dispatch(request.getParameter("to") != null ? "/failing" : "/robots.txt");
            }));
            server.servlet("/failing", servlet((request, response) -> {
                if (request.getDispatcherType() == DispatcherType.ASYNC) {
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
                }
                request.startAsync().dispatch("/robots.txt");
            }));
            server.start();

            HttpResponse<byte[]> robots = Client.get(server.uri("/robots.txt?to=failing"), Client.BROWSER_ACCEPT);
            HttpResponse<byte[]> other = Client.get(server.uri("/failing"), Client.BROWSER_ACCEPT);

            assertThat(robots.statusCode()).isEqualTo(503);
            assertThat(PageAssertions.contentType(robots)).isEqualTo("text/plain;charset=utf-8");
            assertThat(other.statusCode()).isEqualTo(502);
            assertThat(PageAssertions.contentType(other)).isEqualTo("text/html;charset=utf-8");
        }
    }

    /**
     * R41: the security fields every other answer has, those of a format other than HTML; they were missing. R16: no
     * freshness either, for the fallback's 200 above all, which a cache may otherwise keep heuristically (RFC 9110
     * §15.1) and serve the outage's rules after the site recovered.
     */
    private static void assertRobotsTxtSecurityFields(HttpResponse<byte[]> response) {
        assertThat(response.headers().allValues("Cache-Control")).containsExactly("no-store");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(response.headers().firstValue("Content-Security-Policy"))
                .hasValue("default-src 'none'; frame-ancestors 'none'");
        assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("strict-origin-when-cross-origin");
    }

    /**
     * With {@code retry-after.format} {@code http-date}, robots.txt's 503 says when to come back as an HTTP-date, as
     * every other answer does, also for a failure that has no {@code Retry-After} of its own (a 502 with
     * {@code retry-after.on-502-504} off): it took the configured default for 503 as delay-seconds, {@code 90}.
     */
    @Test
    void answersRobotsTxtWithTheRetryAfterInTheConfiguredForm() { // R7, R8, R27
        ErrorPagesConfig config = ErrorPagesConfig.builder().retryAfterFormat(RetryAfterFormat.HTTP_DATE)
                .retryAfterOn502And504Enabled(false).retryAfterDefault(503, Duration.ofSeconds(90)).build();
        Clock clock = Clock.fixed(Instant.parse("2026-11-24T10:15:30Z"), ZoneOffset.UTC);
        ErrorPages pages = ErrorPages.builder().policy(ErrorPolicy.of(config, clock, RandomGenerator.getDefault()))
                .build();
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().errorPages(pages).build())) {
            server.servlet("/robots.txt", servlet((request, response) -> {
                throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
            }));
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/robots.txt"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().allValues("Retry-After")).containsExactly("Tue, 24 Nov 2026 10:17:00 GMT");
        }
    }

    /**
     * An application's 503 with an HTTP-date Retry-After: its delay is measured from the pages' clock (R46), as the
     * pages' own dates are. It was the system clock, so a date 20 s after the pages' "now" was years away.
     */
    @Test
    void anApplicationsRetryAfterDateIsMeasuredFromThePagesClock() {
        Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        ErrorPages pages = ErrorPages.builder().clock(clock).build();
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().errorPages(pages).build())) {
            server.servlet("/busy", servlet((request, response) -> {
                response.setHeader("Retry-After", "Tue, 01 Jan 2030 00:00:20 GMT");
                response.sendError(503);
            }));
            server.start();

            assertErrorPage(Client.get(server.uri("/busy"), JSON), "GET", 503, "20");
        }
    }

    /**
     * intercept-statuses takes any 5xx, 500 included: an application's {@code sendError(500)} becomes the page when
     * 500 is listed, and stays the application's when it is not (the default list).
     */
    @Test
    void interceptsA500OnlyWhenListed() {
        for (boolean listed : List.of(true, false)) {
            ErrorPagesFilter.Builder filter = ErrorPagesFilter.builder();
            if (listed) {
                filter.interceptedStatuses(List.of(500, 502));
            }
            try (JettyServer server = new JettyServer().filter(filter.build())) {
                server.servlet("/broken", servlet((request, response) -> response.sendError(500)));
                server.start();

                HttpResponse<byte[]> response = Client.get(server.uri("/broken"), Client.BROWSER_ACCEPT);

                assertThat(response.statusCode()).isEqualTo(500);
                assertThat(response.headers().firstValue("Content-Security-Policy")).as("listed: %s", listed)
                        .matches(csp -> csp.isPresent() == listed);
            }
        }
    }

    @Test
    void answersRobotsTxtWithConfiguredFallback() {
        HttpResponse<byte[]> response = Client.get(withFallback.uri("/robots.txt"), Client.BROWSER_ACCEPT);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(PageAssertions.contentType(response)).isEqualTo("text/plain;charset=utf-8");
        assertThat(Client.text(response)).isEqualTo("User-agent: *\nDisallow:\n");
        assertRobotsTxtSecurityFields(response);
    }

    /**
     * A blank fallback given to the builder is none, as a blank init-parameter is: the 503 that tells crawlers to come
     * back. It was answered 200 with an empty body, which allows everything (RFC 9309 §2.2.2) while the site is down.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "  \n"})
    void aBlankFallbackFromTheBuilderIsNone(String blank) {
        ErrorPagesFilter filter = ErrorPagesFilter.builder().robotsTxtFallback(blank).build();
        try (JettyServer server = new JettyServer().filter(filter)) {
            mountServlets(server);
            server.start();

            HttpResponse<byte[]> response = Client.get(server.uri("/robots.txt"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
        }
    }

    /**
     * {@code robots-txt.fallback-resource} names a file of the web application, read once at start as UTF-8: while the
     * upstream fails, robots.txt is answered 200 with exactly that file (R27), its non-ASCII comment intact, and the
     * security fields of every other answer. No test had started a filter with it.
     */
    @Test
    void answersRobotsTxtWithTheFallbackResourceOfTheWebApplication() throws IOException {
        Path webApp = TemporaryDirectory.create("robots-fallback");
        try {
            String robots = "# Fallback – café\nUser-agent: *\nDisallow: /checkout\n";
            Files.createDirectories(webApp.resolve("WEB-INF"));
            Files.writeString(webApp.resolve("WEB-INF/robots-fallback.txt"), robots, StandardCharsets.UTF_8);
            FilterHolder filter = new FilterHolder(ErrorPagesFilter.class);
            filter.setInitParameter("robots-txt.fallback-resource", " /WEB-INF/robots-fallback.txt ");
            try (JettyServer server = new JettyServer().filter(filter)) {
                server.context().setBaseResourceAsPath(webApp);
                mountServlets(server);
                server.start();

                HttpResponse<byte[]> response = Client.get(server.uri("/robots.txt"), Client.BROWSER_ACCEPT);

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(PageAssertions.contentType(response)).isEqualTo("text/plain;charset=utf-8");
                assertThat(Client.text(response)).isEqualTo(robots);
                assertRobotsTxtSecurityFields(response);
            }
        } finally {
            TemporaryDirectory.delete(webApp);
        }
    }

    /**
     * A {@code robots-txt.fallback-resource} whose file is blank (a build that left it unfilled) is no fallback, as a
     * blank {@code robots-txt.fallback} is none: robots.txt gets the 503 with {@code Retry-After} that tells crawlers
     * to come back (RFC 9309 §2.3.1.4, R27). It was answered 200 with an empty body, which allows everything
     * (RFC 9309 §2.2.2) while the site is down.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", " \n"})
    void aBlankRobotsTxtFallbackResourceIsNone(String blank) throws IOException {
        Path webApp = TemporaryDirectory.create("robots-fallback");
        try {
            Files.createDirectories(webApp.resolve("WEB-INF"));
            Files.writeString(webApp.resolve("WEB-INF/robots-fallback.txt"), blank, StandardCharsets.UTF_8);
            FilterHolder filter = new FilterHolder(ErrorPagesFilter.class);
            filter.setInitParameter("robots-txt.fallback-resource", "/WEB-INF/robots-fallback.txt");
            try (JettyServer server = new JettyServer().filter(filter)) {
                server.context().setBaseResourceAsPath(webApp);
                mountServlets(server);
                server.start();

                HttpResponse<byte[]> response = Client.get(server.uri("/robots.txt"), Client.BROWSER_ACCEPT);

                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                assertThat(Client.text(response)).isNotBlank();
            }
        } finally {
            TemporaryDirectory.delete(webApp);
        }
    }

    /**
     * A {@code robots-txt.fallback-resource} that names no file of the web application fails the start, naming the
     * parameter and the path: robots.txt would otherwise get the 503 during an outage that the operator meant to answer
     * with the fallback, and nobody would know until then.
     */
    @Test
    void failsStartupWhenTheRobotsTxtFallbackResourceNamesNoFile() {
        Path webApp = TemporaryDirectory.create("robots-fallback");
        try {
            FilterHolder filter = new FilterHolder(ErrorPagesFilter.class);
            filter.setInitParameter("robots-txt.fallback-resource", "/WEB-INF/robots-fallback.txt");
            try (JettyServer server = new JettyServer().filter(filter)) {
                server.context().setBaseResourceAsPath(webApp);
                mountServlets(server);

                assertThatThrownBy(server::start).hasStackTraceContaining("robots-txt.fallback-resource names no "
                        + "resource of the web application, but was /WEB-INF/robots-fallback.txt");
            }
        } finally {
            TemporaryDirectory.delete(webApp);
        }
    }

    @Test
    void rendersPageForStatusSetOnAsyncResponseWhenApplicationCompletes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-send-error"), JSON);

        assertErrorPage(response, "GET", 503, "30");
        assertNoLeak(response);
    }

    @Test
    void rendersPageForSendError502OnAsyncResponseCompletedThroughTheRequestsContext() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-send-error-502"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("upstream_status");
        assertNoLeak(response);
    }

    /**
     * An application's own timeout listener that answers 504 and completes through the event's context: the
     * event must carry the filter's context, whose complete() writes the page first (on the container's own, the
     * client got an empty 504).
     */
    @Test
    void rendersPageWhenTheApplicationsTimeoutListenerSendsErrorAndCompletes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-timeout-listener"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertThat(Client.text(response)).contains("upstream_status");
        assertNoLeak(response);
    }

    /** The same for a listener added with the request and response its events carry: they carry the filter's too. */
    @Test
    void rendersPageWhenATimeoutListenerGivenTheRequestAndResponseSendsErrorAndCompletes() {
        HttpResponse<byte[]> response =
                Client.get(jetty.uri("/async-timeout-listener-with-request-and-response"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertNoLeak(response);
    }

    /**
     * The application's listener answers an error of the cycle (what the servlet threw after startAsync) with 502 and
     * completes through the event's context: the filter's, so that the page is written first (R2). On the
     * container's, the client would get an empty 502.
     */
    @Test
    void rendersPageWhenTheApplicationsErrorListenerSendsErrorAndCompletes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-error-listener"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("upstream_status").doesNotContain("inventory");
    }

    /**
     * A timeout listener that re-registers itself in onStartAsync through the event's context, as the Servlet API
     * advises, and answers the second cycle's timeout with 504: onStartAsync must carry the filter's context of the
     * new cycle, or the listener completes through the container's and the client gets an empty 504.
     */
    @Test
    void rendersPageWhenATimeoutListenerReRegisteredInOnStartAsyncSendsErrorAndCompletes() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-restarted-timeout-listener"), JSON);

        assertErrorPage(response, "GET", 504, "10");
        assertThat(Client.text(response)).contains("upstream_status");
        assertNoLeak(response);
    }

    /**
     * An application that writes through a WriteListener, then sets 503: the page is written through the stream
     * the application left non-blocking. Jetty refused that write, which isReady() had not allowed, and answered
     * with its own 500 ("Insufficient content written") carrying the page's headers. The same after a
     * {@code reset()}, which keeps the container's stream non-blocking: the filter, which took it for blocking once it
     * forgot the stream it had handed out, wrote the page blocking, and Jetty refused it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/non-blocking-then-503", "/non-blocking-reset-then-503"})
    void rendersPageAfterTheApplicationWroteWithoutBlocking(String path) {
        for (String accept : List.of(JSON, Client.BROWSER_ACCEPT)) {
            HttpResponse<byte[]> response = Client.get(jetty.uri(path), accept);

            assertErrorPage(response, "GET", 503, "30");
            assertThat(Client.text(response)).doesNotContain("order list");
        }
    }

    /**
     * Without a WriteListener the stream blocks, and what its isReady() answers is the container's (or a wrapper's)
     * choice: some Tomcat versions answered false. The page was aborted on such a stream, every time, after reset()
     * had replaced half of the application's response, and the log said "after the response was committed".
     */
    @Test
    void rendersPageOnABlockingStreamThatSaysItIsNotReady() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/blocking-stream-not-ready"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(response.headers().firstValue("X-Order")).isEmpty();
    }

    /** As the README says: a timeout nobody answers is the container's, a 500 (no upstream failure is known). */
    @Test
    void leavesAnAsyncTimeoutNobodyAnswersToTheContainer() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-timeout-unanswered"), JSON);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("not our page").isEmpty();
    }

    /**
     * A servlet that starts an async cycle and then throws an upstream failure on the request thread: the page
     * is written and the cycle completed at once. Left open, the cycle held its connection until the cycle's
     * timeout (60 s here): Jetty sent the page, whose length was reached, but read no next request on that
     * connection, so the client's next request, on the same pooled connection, got no answer.
     */
    @Test
    void answersAnUpstreamFailureThrownAfterStartAsyncAndEndsTheCycle() {
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> response = Client.get(jetty.uri("/async-started-then-thrown"), JSON);

            assertErrorPage(response, "GET", 502, "10");
            assertThat(Client.text(response)).contains("connection_refused");
            assertNoLeak(response);
        }
        assertThat(Client.get(jetty.uri("/ok"), JSON).statusCode()).as("the connection is free again").isEqualTo(200);
    }

    /**
     * A filter in front sets fields for every response of the site: the page replaced them with its own, and lost the
     * site's HSTS and the correlation id the caller needs most when something failed. What described the failed
     * body goes (R15, R17).
     */
    @Test
    void pageKeepsTheSitesTransportSecurityAndRequestIdButNothingOfTheFailedResponse() {
        try (JettyServer site = siteSettingHstsAndRequestId(ErrorPagesFilter.builder().build())) {
            site.servlet("/send-error-502", servlet((request, response) -> {
                response.setHeader("ETag", "\"v1\"");
                response.setHeader("X-Served-By", "orders-7");
                response.sendError(502);
            }));
            site.start();

            for (String accept : List.of(Client.BROWSER_ACCEPT, JSON)) {
                HttpResponse<byte[]> response = Client.get(site.uri("/send-error-502"), accept);

                assertErrorPage(response, "GET", 502, "10");
                assertThat(response.headers().allValues("Strict-Transport-Security")).containsExactly("max-age=31536000");
                assertThat(response.headers().allValues("X-Request-Id")).containsExactly("abc123");
                assertThat(response.headers().map()).doesNotContainKeys("etag", "x-served-by");
            }
        }
    }

    /**
     * A CORS filter in front that allows any origin ({@code *}) or the caller's: the page keeps the field so that a
     * cross-origin script can read its status, and says {@code Vary: Origin} only for a page of one origin, which a
     * cache must not hand to another (the page for {@code *} is every origin's). robots.txt's answer, which varies by
     * nothing else, says {@code Vary: Origin} alone (it said {@code null, Origin} under a mutation nothing caught).
     */
    @Test
    void pageKeepsTheCorsOriginAndVariesByOriginOnlyForOneOrigin() throws IOException {
        try (JettyServer site = new JettyServer()) {
            site.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> {
                String origin = ((HttpServletRequest) request).getHeader("Origin");
                ((HttpServletResponse) response).setHeader("Access-Control-Allow-Origin",
                        origin == null ? "*" : origin);
                chain.doFilter(request, response);
            }), "/*", EnumSet.of(DispatcherType.REQUEST));
            site.filter(ErrorPagesFilter.builder().build());
            mountServlets(site);
            site.start();

            HttpResponse<byte[]> anyOrigin = Client.get(site.uri("/upstream-failure"), JSON);
            HttpResponse<byte[]> robots = Client.send("GET", site.uri("/robots.txt"), "text/plain",
                    "Origin", "https://shop.example");

            assertErrorPage(anyOrigin, "GET", 502, "10");
            assertThat(anyOrigin.headers().allValues("Access-Control-Allow-Origin")).containsExactly("*");
            assertThat(String.join(", ", anyOrigin.headers().allValues("Vary"))).contains("Accept")
                    .doesNotContainIgnoringCase("Origin");
            assertThat(robots.statusCode()).isEqualTo(503);
            assertThat(robots.headers().allValues("Access-Control-Allow-Origin"))
                    .containsExactly("https://shop.example");
            assertThat(robots.headers().allValues("Vary")).containsExactly("Origin");
        }
    }

    /**
     * {@code request-id-header} configured by init-parameter (trimmed, as every parameter is): the caller's id in that
     * field is the page's support code, not one in {@code X-Request-Id}, and the site's field of that name is kept on
     * the page while {@code X-Request-Id} is not. No test had set the parameter: the default was all that ran.
     */
    @Test
    void requestIdHeaderFromItsInitParameterNamesTheSupportCodeAndTheSitesFieldKept() throws IOException {
        FilterHolder filter = new FilterHolder(ErrorPagesFilter.class);
        filter.setInitParameter("request-id-header", " X-Correlation-Id ");
        try (JettyServer site = new JettyServer()) {
            site.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> {
                ((HttpServletResponse) response).setHeader("X-Correlation-Id", "site-77");
                ((HttpServletResponse) response).setHeader("X-Request-Id", "other-88");
                chain.doFilter(request, response);
            }), "/*", EnumSet.of(DispatcherType.REQUEST));
            site.filter(filter);
            site.servlet("/send-error-502", servlet((request, response) -> response.sendError(502)));
            site.start();

            HttpResponse<byte[]> response = Client.send("GET", site.uri("/send-error-502"), JSON,
                    "X-Correlation-Id", "corr-42.a", "X-Request-Id", "req-99.b");

            assertErrorPage(response, "GET", 502, "10");
            assertThat(Client.text(response)).contains("corr-42.a").doesNotContain("req-99.b");
            assertThat(response.headers().allValues("X-Correlation-Id")).containsExactly("site-77");
            assertThat(response.headers().map()).doesNotContainKey("x-request-id");
        }
    }

    /**
     * {@code request-id-header} configured as a field the page sets itself ({@code Cache-Control}, a slip of the
     * configuration): the page's own value stands alone, the site's is not added to it. Added, the site's
     * {@code public, max-age=600} would go out beside the page's {@code no-store}, and a shared cache could keep the
     * page (R15, R16).
     */
    @Test
    void requestIdHeaderNamingAFieldOfThePageKeepsThePagesValueAlone() {
        FilterHolder filter = new FilterHolder(ErrorPagesFilter.class);
        filter.setInitParameter("request-id-header", "Cache-Control");
        try (JettyServer site = new JettyServer()) {
            site.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> {
                ((HttpServletResponse) response).setHeader("Cache-Control", "public, max-age=600");
                chain.doFilter(request, response);
            }), "/*", EnumSet.of(DispatcherType.REQUEST));
            site.filter(filter);
            site.servlet("/send-error-502", servlet((request, response) -> response.sendError(502)));
            site.start();

            HttpResponse<byte[]> response = Client.get(site.uri("/send-error-502"), JSON);

            assertErrorPage(response, "GET", 502, "10");
            assertThat(response.headers().allValues("Cache-Control")).containsExactly("no-store");
        }
    }

    /**
     * An upstream failure a {@code ReadListener} throws before the response was committed, from
     * {@code onAllDataRead} or (an {@code IOException} the application wraps a refused connection in) from
     * {@code onDataAvailable}, is answered with the page at once, with the status and Retry-After of its cause and
     * one "error page" log line (R2, R5). Jetty reports it only to the listener's own {@code onError}, not to the
     * cycle's listeners, where the filter answers on Tomcat: the cycle waited for its timeout (60 s here), then the
     * client got Jetty's 500. The application's {@code onError} still gets the failure, to release what it holds,
     * and its {@code complete()} there is harmless; the connection serves the next request.
     */
    @ParameterizedTest
    @CsvSource({"unavailable, 503, 42, destination_unavailable", "refused-wrapped, 502, 10, connection_refused"})
    void answersAnUpstreamFailureAReadListenerThrowsAtOnce(String thrown, int status, String retryAfter,
            String token) throws InterruptedException {
        readListenerErrors.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answered.set(postForm(jetty.uri("/read-listener-throws/"
                + thrown), JSON)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertErrorPage(answered.get(), "POST", status, retryAfter);
        assertThat(Client.text(answered.get())).contains(token);
        assertThat(took).as("answered at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(10));
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
        assertThat(log).contains("error page status=" + status + " cause=" + token);
        // Called once the page is written: awaited, for the client may have it first.
        assertThat(readListenerErrors.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete()"
                + " there").isInstanceOf(thrown.equals("unavailable") ? UpstreamFailureException.class
                        : IOException.class);
        assertThat(Client.get(jetty.uri("/ok"), JSON).statusCode()).as("the server serves on").isEqualTo(200);
    }

    /**
     * A bug of the application's a read listener throws before commit (an {@code IllegalStateException} from
     * {@code onDataAvailable}, an {@code Error} from {@code onAllDataRead}) is no upstream failure: no page naming it
     * (R36), no "error page" line; thrown on to Jetty, which reports it to the listener's {@code onError}, whose
     * {@code complete()} ends the response as it is (an empty 200), as without the filter.
     */
    @ParameterizedTest
    @CsvSource({"bug, java.lang.IllegalStateException", "error, java.lang.AssertionError"})
    void aBugAReadListenerThrowsBeforeCommitIsLeftToTheContainer(String thrown, Class<?> type)
            throws InterruptedException {
        readListenerErrors.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(postForm(jetty.uri("/read-listener-throws/" + thrown),
                JSON)));

        assertThat(answered.get().statusCode()).isEqualTo(200);
        assertThat(answered.get().headers().firstValue("X-Content-Type-Options")).as("no page").isEmpty();
        assertThat(answered.get().body()).isEmpty();
        assertThat(log).doesNotContain("error page status=");
        assertThat(readListenerErrors.poll(10, TimeUnit.SECONDS)).as("thrown on to Jetty, which told onError")
                .isInstanceOf(type).hasMessage("the order list was not loaded");
    }

    /**
     * The read listener answered itself (a captured 503, then {@code complete()}, which writes its page), then threw
     * an upstream failure: the request was answered once, and stays so (no second page, one log line).
     */
    @Test
    void anUpstreamFailureAReadListenerThrowsAfterItsOwnAnswerChangesNothing() {
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(postForm(jetty.uri(
                "/read-listener-throws/after-the-page"), JSON)));

        assertErrorPage(answered.get(), "POST", 503, "30");
        assertThat(Client.text(answered.get())).contains("upstream_status").doesNotContain("connection_refused");
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
    }

    /**
     * The read listener answered through Jetty (a {@code sendError(500)}, which the filter does not intercept, or a
     * redirect), then threw a refused connection: the application's answer stands, as without the filter (Jetty's
     * 500 error report, or the redirect), no page (R1 is for what the application left unanswered), and nothing
     * logged by the filter: no "error page" line, no "aborted" WARN (R5). Tomcat, which reports such a failure to the
     * cycle's {@code onError}, is pinned in {@code TomcatIntegrationTests}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"after-send-error-500", "after-redirect"})
    void anUpstreamFailureAReadListenerThrowsAfterJettyAnsweredLeavesJettysAnswer(String thrown) {
        HttpResponse<byte[]> withoutFilter;
        String bareOrigin;
        try (JettyServer bare = new JettyServer().servlet("/read-listener-throws/*", readListenerThrows(), true)
                .start()) {
            bareOrigin = bare.uri("/").toString();
            withoutFilter = postForm(bare.uri("/read-listener-throws/" + thrown), JSON);
        }
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(postForm(jetty.uri("/read-listener-throws/" + thrown),
                JSON)));

        assertThat(answered.get().statusCode()).isEqualTo(withoutFilter.statusCode())
                .isEqualTo(thrown.equals("after-redirect") ? 302 : 500);
        for (String field : List.of("Location", "Content-Type", "Content-Length")) {
            assertThat(answered.get().headers().firstValue(field)).as(field)
                    .isEqualTo(withoutFilter.headers().firstValue(field));
        }
        assertThat(answered.get().headers().firstValue("X-Content-Type-Options")).as("no page").isEmpty();
        // Jetty's error report names the request's URL: the two servers' ports differ.
        assertThat(Client.text(answered.get()).replace(jetty.uri("/").toString(), "/"))
                .isEqualTo(Client.text(withoutFilter).replace(bareOrigin, "/"));
        assertThat(log).doesNotContain("error page status=", "aborted");
    }

    /**
     * An upstream failure a read listener throws after it committed the response with the first part of the body: no
     * page can be written, and the client must see an incomplete response, not a truncated one that looks whole (R5).
     * Jetty tells the failure only to the listener's own {@code onError}, whose {@code complete()} ended the chunked
     * body with its last chunk: a 200 with "partial" that looked whole, and nothing was logged. The filter aborts the
     * response now, as for a write listener: the last chunk never comes, at once (the cycle's timeout is 60 s, beyond
     * the socket's 10 s), and the incident is logged once, at WARN, without an "error page" line. On a real socket,
     * read until Jetty closes it.
     */
    @Test
    void anUpstreamFailureAReadListenerThrowsAfterCommitCutsTheBodyShort() throws InterruptedException {
        readListenerErrorsAfterCommit.clear();
        AtomicReference<String> answer = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answer.set(Client.rawChunkedExchange(jetty.uri("/").getPort(), "POST "
                + "/read-listener-throws/after-commit HTTP/1.1\r\nHost: test\r\nAccept: " + JSON + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nitems=3")));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        AbortedAfterCommit.assertCutShort(answer.get(), "partial");
        assertThat(took).as("aborted at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(5));
        AbortedAfterCommit.assertLoggedOnce(log, "POST /read-listener-throws/after-commit");
        assertThat(log).as("Jetty logs nothing of its own for the abort").doesNotContain("Exception");
        assertThat(readListenerErrorsAfterCommit.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its "
                + "complete() there").isInstanceOf(UpstreamFailureException.class);
    }

    /**
     * The same over HTTP/2: the stream is reset, not ended with END_STREAM as if whole (R5).
     */
    @Test
    void anUpstreamFailureAReadListenerThrowsAfterCommitResetsTheHttp2Stream() throws Exception {
        org.eclipse.jetty.client.HttpClient h2 = Http2Clients.started();
        try (JettyServer server = new JettyServer().h2c().filter(ErrorPagesFilter.builder().build())
                .servlet("/read-listener-throws/*", readListenerThrows(), true).start()) {
            AtomicReference<Result> ended = new AtomicReference<>();
            String log = StandardError.capture(() -> ended.set(Http2Clients.ended(h2.newRequest(
                    server.h2cUri("/read-listener-throws/after-commit")).method("POST")
                    .headers(fields -> fields.put("Accept", JSON))
                    .body(new StringRequestContent("application/x-www-form-urlencoded", "items=3")))));

            AbortedAfterCommit.assertStreamReset(ended.get());
            AbortedAfterCommit.assertLoggedOnce(log, "POST /read-listener-throws/after-commit");
        } finally {
            h2.stop();
        }
    }

    /**
     * The read listener threw the request connection's own failure (Jetty's {@code EofException}): no page and no
     * "error page" line (R4); the container ends the request as without the filter (here at the cycle's timeout).
     */
    @Test
    void aClientAbortAReadListenerThrowsGetsNoPage() {
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(postForm(jetty.uri(
                "/read-listener-throws/client-abort"), JSON)));

        assertThat(answered.get().headers().firstValue("X-Content-Type-Options")).as("no page").isEmpty();
        assertThat(log).doesNotContain("error page status=");
    }

    /**
     * An upstream failure a {@code WriteListener} throws from {@code onWritePossible} before the response was
     * committed is answered with the page at once: the status and Retry-After of its cause, a support code and no
     * exception name (R1, R2, R7, R8, R36), one "error page" log line. Jetty reports it only to the listener's own
     * {@code onError}, not to the cycle's listeners: the client got an empty 200 once the application's
     * {@code onError} completed the cycle (had it not, at the cycle's timeout: 120 s here, far beyond the client's
     * 20 s, so that a pass cannot be the timeout's).
     * The application's {@code onError} still gets the failure, to release what it holds, and its {@code complete()}
     * there is harmless; the connection serves the next request.
     */
    @ParameterizedTest
    @CsvSource({"refused, 502, 10, connection_refused", "unavailable, 503, 42, destination_unavailable"})
    void answersAnUpstreamFailureAWriteListenerThrowsBeforeCommitAtOnce(String thrown, int status, String retryAfter,
            String token) throws InterruptedException {
        writeListenerErrors.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        long start = System.nanoTime();
        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri("/write-listener-throws/"
                + thrown), JSON)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertErrorPage(answered.get(), "GET", status, retryAfter);
        assertNoLeak(answered.get());
        assertThat(answered.get().headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Client.text(answered.get())).contains("\"code\": \"" + token + "\"")
                .containsPattern("\"support_code\": \"[A-Z0-9]{4}-[A-Z0-9]{4}\"");
        assertThat(took).as("answered at once, not at the cycle's timeout").isLessThan(Duration.ofSeconds(10));
        assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
        assertThat(log).contains("error page status=" + status + " cause=" + token);
        // Called once the page is written: awaited, for the client may have it first.
        assertThat(writeListenerErrors.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete()"
                + " there").isInstanceOf(thrown.equals("unavailable") ? UpstreamFailureException.class
                        : ConnectException.class);
        assertThat(Client.get(jetty.uri("/ok"), JSON).statusCode()).as("the server serves on").isEqualTo(200);
    }

    /**
     * The same failures, thrown by a write listener set on the filter's stream ({@code write}), or by a read listener
     * set on the filter's request stream of a POST from {@code onAllDataRead} or {@code onDataAvailable}, in a cycle
     * its request wrapper did not start: a filter in front of it started the cycle, which the servlet took with
     * {@code getAsyncContext()} ({@code front-started-async}), or the servlet started it on the container's request,
     * past the wrapper ({@code unwrapped-async}). They are answered all the same, at once, with the status and
     * Retry-After of the cause and the format the Accept asks for (R1, R2, R7, R8, R32, R36), logged once: the client
     * got an empty 200 once the application's {@code onError} completed the cycle. That {@code complete()}, through the
     * context the application holds, breaks nothing: the listener is called no more, and the next request on the same
     * connection gets its own answer, not a second one to the first. An application holding Jetty's own context that
     * does not complete it there ({@code complete=no}) has it completed by the filter: the next request waited for the
     * cycle's timeout.
     */
    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ListenerFailuresPastTheWrapper#rows")
    void answersAnUpstreamFailureAListenerThrowsInACycleStartedPastTheFiltersWrapper(String from, String started,
            String thrown, String format, int status, String retryAfter, String token, String complete)
            throws InterruptedException {
        BlockingQueue<Object> told = new LinkedBlockingQueue<>();
        try (JettyServer server = new JettyServer().filter(TestServlets.startingAsyncInFront())
                .filter(ErrorPagesFilter.builder().build())
                .servlet("/" + started + "/*", TestServlets.listenerThrowsInACycleStartedPastTheFilter(told))
                .servlet("/remote-port", TestServlets.remotePort()).start()) {
            ListenerFailuresPastTheWrapper.answersOnTheSameConnection(server::uri, told, false, from, started, thrown,
                    format, status, retryAfter, token, complete);
        }
    }

    /**
     * An upstream failure a write listener throws after it committed the response with the first part of the body: no
     * page can be written, and the client must see an incomplete response, not a truncated one that looks whole (R5).
     * Jetty tells the failure only to the listener's own {@code onError} (whose {@code complete()} here is harmless),
     * then closes the stream: the chunked body ended with its last chunk, a 200 with "first part" that looked whole.
     * The filter aborts the response now, as it does on Tomcat: the last chunk never comes, and the incident is logged
     * once, at WARN, without an "error page" line. On a real socket, read until Jetty closes it.
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitCutsTheBodyShort() throws InterruptedException {
        writeListenerErrors.clear();
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(Client.rawChunkedExchange(jetty.uri("/").getPort(), "GET "
                + "/write-listener-throws/after-commit HTTP/1.1\r\nHost: test\r\nAccept: " + JSON + "\r\n\r\n")));

        AbortedAfterCommit.assertCutShort(answer.get(), "first part");
        AbortedAfterCommit.assertLoggedOnce(log, "GET /write-listener-throws/after-commit");
        assertThat(log).as("Jetty logs nothing of its own for the abort").doesNotContain("Exception");
        assertThat(writeListenerErrors.poll(10, TimeUnit.SECONDS)).as("the application's onError, and its complete()"
                + " there").isInstanceOf(UpstreamFailureException.class);
    }

    /**
     * The same to an HTTP/1.0 client, whose body Jetty delimits by the connection's end: the connection is reset, not
     * closed as the end of a whole body (R5; RFC 9112 §6.3, rule 8).
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitResetsABodyDelimitedByTheConnectionsEnd() {
        Client.RawAnswer answer = Client.rawAnswer(jetty.port(), "GET /write-listener-throws/after-commit HTTP/1.0\r\n"
                + "Accept: " + JSON + "\r\n\r\n");

        assertThat(answer.text()).startsWith("HTTP/1.1 200").contains("first part")
                .doesNotContain("Transfer-Encoding", "problem+json", "connection_refused");
        assertThat(answer.reset()).as("the connection reset, not closed as a whole body's is").isTrue();
    }

    /**
     * The same over HTTP/2: the stream is reset, not ended with END_STREAM as if whole (R5).
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitResetsTheHttp2Stream() throws Exception {
        org.eclipse.jetty.client.HttpClient h2 = Http2Clients.started();
        try (JettyServer server = new JettyServer().h2c().filter(ErrorPagesFilter.builder().build())
                .servlet("/write-listener-throws/*", writeListenerThrows(), true).start()) {
            AtomicReference<Result> ended = new AtomicReference<>();
            String log = StandardError.capture(() -> ended.set(Http2Clients.ended(h2.newRequest(
                    server.h2cUri("/write-listener-throws/after-commit"))
                    .headers(fields -> fields.put("Accept", JSON)))));

            AbortedAfterCommit.assertStreamReset(ended.get());
            AbortedAfterCommit.assertLoggedOnce(log, "GET /write-listener-throws/after-commit");
        } finally {
            h2.stop();
        }
    }

    /**
     * A bug of the application's (an {@code IllegalStateException}) a write listener throws before commit is no
     * upstream failure: left to the container as before (R36: no page naming it). Jetty reports it only to the
     * listener's {@code onError}, whose {@code complete()} here ends the response as it is: an empty 200.
     */
    @Test
    void aBugAWriteListenerThrowsBeforeCommitIsLeftToTheContainer() throws InterruptedException {
        writeListenerErrors.clear();
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();
        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri("/write-listener-throws/bug"),
                JSON)));

        assertThat(answered.get().statusCode()).isEqualTo(200);
        assertThat(answered.get().headers().firstValue("X-Content-Type-Options")).as("no page").isEmpty();
        assertThat(answered.get().body()).isEmpty();
        assertThat(log).doesNotContain("error page status=");
        assertThat(writeListenerErrors.poll(10, TimeUnit.SECONDS)).as("thrown on to Jetty, which told onError")
                .isInstanceOf(IllegalStateException.class).hasMessage("the order list was not loaded");
    }

    /**
     * A task given to {@code AsyncContext.start} fails after the response was committed: no page can be written, and
     * no thread of the container's is there to abort the connection from; the container's async timeout ends the
     * cycle. The failure is logged as every one after commit is (operations.md). It was not logged at all.
     */
    @Test
    void anAsyncTasksFailureAfterCommitIsLogged() {
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri("/async-task-throws-after-commit"),
                JSON)));

        assertThat(answered.get().statusCode()).isEqualTo(200);
        assertThat(log).contains("response to GET /async-task-throws-after-commit cut short: upstream failure "
                + "connection_refused after the response was committed, in a task of its async cycle")
                .contains("(upstream=billing, attempts=2, elapsed_ms=-, retry_refused=max_attempts)");
    }

    /**
     * A task given to {@code AsyncContext.start} fails after commit with a bug behind a {@code proxy_internal_error}:
     * besides the "cut short" WARN line, the exception is logged with its stack trace, once, at ERROR on the page's
     * logger, {@code (upstream=orders, no page)}, as operations.md says of every such bug behind a response aborted
     * once committed. Only the WARN line was written (and Jetty's own "Job failed").
     */
    @Test
    void aBugBehindAnAsyncTasksFailureAfterCommitIsLoggedAtErrorWithNoPage() {
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri("/async-task-bug-after-commit"),
                JSON)));

        assertThat(answered.get().statusCode()).isEqualTo(200);
        assertThat(log).contains("response to GET /async-task-bug-after-commit cut short: upstream failure "
                + "proxy_internal_error after the response was committed").doesNotContain("error page status=");
        assertBugLoggedWithNoPage(log);
    }

    /**
     * A write listener throws a bug behind a {@code proxy_internal_error} after it committed the response: aborted as
     * any upstream failure then is (R5), and the exception logged with its stack trace, once, at ERROR,
     * {@code (upstream=orders, no page)}, as operations.md says. Only the "aborted" WARN line was written.
     */
    @Test
    void aBugAWriteListenerThrowsAfterCommitIsLoggedAtErrorWithNoPage() throws InterruptedException {
        writeListenerErrors.clear();
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(Client.rawChunkedExchange(jetty.uri("/").getPort(), "GET "
                + "/write-listener-throws/bug-after-commit HTTP/1.1\r\nHost: test\r\nAccept: " + JSON
                + "\r\n\r\n")));

        AbortedAfterCommit.assertCutShort(answer.get(), "first part");
        assertThat(log).contains("response to GET /write-listener-throws/bug-after-commit aborted: upstream failure "
                + "proxy_internal_error after the response was committed").doesNotContain("error page status=");
        assertBugLoggedWithNoPage(log);
        assertThat(writeListenerErrors.poll(10, TimeUnit.SECONDS)).isInstanceOf(UpstreamFailureException.class);
    }

    /**
     * The application names the bug by putting the exception it caught in {@link ErrorPagesFilter#FAILURE_ATTRIBUTE}
     * before its {@code sendError(502)}: the 500 page {@code proxy_internal_error} names nothing of it (R36), and the
     * exception is logged at ERROR under the page's support code, once, as one the application threw would be. It
     * was not logged at all: only what was thrown was noted.
     */
    @Test
    void aBugNamedThroughTheFailureAttributeIsLoggedAtErrorUnderThePagesSupportCode() { // R36
        AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

        String log = StandardError.capture(() -> answered.set(Client.get(jetty.uri("/failure-attribute-bug"), JSON)));

        assertBugLoggedUnderThePagesSupportCode(answered.get(), log, "java.lang.CloneNotSupportedException: "
                + "boom in the orders client, replica 10.1.2.3:5432");
    }

    /**
     * One ERROR line of the page's logger for a response with no page, followed by the bug's stack trace (Jetty may
     * print the exception again in its own line for a task's failure, which the filter throws on).
     */
    private static void assertBugLoggedWithNoPage(String log) {
        assertThat(log).as("once, at ERROR, on the page's logger").containsOnlyOnce(
                "ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was thrown (upstream=orders, "
                        + "no page)");
        assertThat(log).containsPattern("ERROR io\\.github\\.errorpages\\.ErrorPages - proxy_internal_error: what was "
                + "thrown \\(upstream=orders, no page\\)\\R\\S*UpstreamFailureException: [^\\n]*\\R(\tat [^\\n]*\\R)+"
                + "Caused by: java\\.lang\\.CloneNotSupportedException: boom in the orders client, replica "
                + "10\\.1\\.2\\.3:5432");
    }

    /**
     * A page shared caches may keep ({@code cache.max-age}) keeps the site's HSTS but not the correlation filter's
     * request id: a cache would hand one caller's id to everyone it serves the page to, next to a support code that
     * is not that id (R17, R39). It was kept.
     */
    @Test
    void pageSharedByCachesKeepsNoRequestIdField() throws IOException {
        ErrorPages cached = ErrorPages.builder().pageConfig(PageConfig.builder().cacheMaxAge(Duration.ofSeconds(5))
                .build()).build();
        try (JettyServer site = siteSettingHstsAndRequestId(ErrorPagesFilter.builder().errorPages(cached).build())) {
            site.servlet("/send-error-502", servlet((request, response) -> response.sendError(502)));
            site.start();

            for (String method : List.of("GET", "HEAD")) {
                HttpResponse<byte[]> response = Client.send(method, site.uri("/send-error-502"), JSON);

                assertThat(response.statusCode()).isEqualTo(502);
                assertThat(response.headers().firstValue("Cache-Control")).hasValue("public, max-age=5");
                assertThat(response.headers().allValues("Strict-Transport-Security"))
                        .containsExactly("max-age=31536000");
                assertThat(response.headers().map()).doesNotContainKey("x-request-id");
            }
        }
    }

    /** A site whose filter in front of the given one sets HSTS and a request id on every response, as sites do. */
    private static JettyServer siteSettingHstsAndRequestId(ErrorPagesFilter errorPages) {
        JettyServer site = new JettyServer();
        site.context().addFilter(new FilterHolder((Filter) (request, response, chain) -> {
            HttpServletResponse http = (HttpServletResponse) response;
            http.setHeader("Strict-Transport-Security", "max-age=31536000");
            http.setHeader("X-Request-Id", "abc123");
            chain.doFilter(request, response);
        }), "/*", EnumSet.of(DispatcherType.REQUEST));
        return site.filter(errorPages);
    }

    /**
     * A response wrapper of the application's that keeps its writer after {@code reset()} ({@code getOutputStream()}
     * then throws), as some containers do: the page goes through that writer, whole, uncompressed, in the writer's
     * charset and saying so (its length, when sent, true). It went as UTF-8 text in whatever charset the writer had:
     * its {@code é} became {@code ?}, a compressed page was decoded as text, UTF-16 overran the Content-Length, and
     * Jetty answered with its own 500 (naming the exception that aborted the response). A compressed page through a
     * UTF-8 writer is as long as its text, not as its compressed bytes.
     */
    @ParameterizedTest
    @CsvSource({"gzip,,fr,é,true", "identity,,ja,ページ,true", "gzip,,en,isn’t,true", "identity,windows-1252,fr,é,true",
        "identity,windows-1252,ja,ページ,true", "gzip,UTF-16,ja,ページ,true", "identity,UTF-8,ja,ページ,true",
        "gzip,UTF-8,fr,é,true", "identity,,fr,é,false", "gzip,,ja,ページ,false", "identity,windows-1252,fr,é,false",
        "identity,UTF-8,ja,ページ,false"})
    void pageWrittenThroughAWriterKeptAfterResetIsWholeInTheWritersCharset(String acceptEncoding,
            @Nullable String writerCharset, String language, String phrase, boolean keepsWriter) throws IOException {
        try (JettyServer site = new JettyServer()) {
            // Through a new writer (Jetty's after reset(), in the charset the response says then: the page's UTF-8)
            // the page went one character a byte, overran its Content-Length, and the GET got Jetty's 500.
            site.context().addFilter(new FilterHolder(writerKeptAfterReset(keepsWriter)), "/*",
                    EnumSet.of(DispatcherType.REQUEST));
            site.filter(ErrorPagesFilter.builder().build());
            site.servlet("/writer-then-failure", servlet((request, response) -> {
                if (writerCharset != null) {
                    response.setCharacterEncoding(writerCharset);
                }
                response.getWriter().write("partial");
                throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
            }));
            site.start();

            HttpResponse<byte[]> response = Client.send("GET", site.uri("/writer-then-failure"), Client.BROWSER_ACCEPT,
                    "Accept-Encoding", acceptEncoding, "Accept-Language", language);

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.headers().firstValue("Content-Encoding")).as("a writer takes text").isEmpty();
            String type = response.headers().firstValue("Content-Type").orElseThrow();
            // UTF-8 and ISO-8859-1 writers write the page's own bytes, as UTF-8; others say their charset.
            Charset charset = writerCharset == null || writerCharset.equals("UTF-8") ? StandardCharsets.UTF_8
                    : Charset.forName(writerCharset);
            assertThat(type).startsWith("text/html").containsIgnoringCase("charset=" + charset.name());
            response.headers().firstValue("Content-Length").ifPresent(length ->
                    assertThat(length).isEqualTo(String.valueOf(response.body().length)));
            String page = unescapeReferences(new String(response.body(), charset));
            assertThat(page).contains("<!DOCTYPE html>").endsWith("</html>\n").contains(phrase)
                    .doesNotContain("\uFFFD");
            // R12: its HEAD says what the GET says (it said gzip, UTF-8 and the compressed length), but for a length
            // the container counted of the GET's body in another charset (a byte order mark, or none, is its own).
            HttpResponse<byte[]> head = Client.send("HEAD", site.uri("/writer-then-failure"), Client.BROWSER_ACCEPT,
                    "Accept-Encoding", acceptEncoding, "Accept-Language", language);
            assertThat(head.statusCode()).isEqualTo(502);
            for (String field : List.of("Content-Type", "Content-Encoding", "Content-Length")) {
                if (!field.equals("Content-Length") || charset.equals(StandardCharsets.UTF_8)) {
                    assertThat(head.headers().firstValue(field)).as(field)
                            .isEqualTo(response.headers().firstValue(field));
                }
            }
            // RFC 8259 §8.1, R12: a page whose type names no charset (problem+json) goes in UTF-8 unless its type says
            // otherwise, its HEAD saying what the GET says. Through a writer Jetty made anew after reset() in the
            // Servlet API's ISO-8859-1, a UTF-8 writer's page went with ? for ’ and ページ and fell short of its length.
            HttpResponse<byte[]> json = Client.send("GET", site.uri("/writer-then-failure"), JSON,
                    "Accept-Language", language);
            assertThat(json.statusCode()).isEqualTo(502);
            String jsonType = json.headers().firstValue("Content-Type").orElseThrow();
            assertThat(jsonType).startsWith("application/problem+json");
            int named = jsonType.toLowerCase(Locale.ROOT).indexOf("charset=");
            Charset jsonCharset = named < 0 ? StandardCharsets.UTF_8 : Charset.forName(jsonType.substring(named + 8));
            String detail = ResourceBundle.getBundle("io.github.errorpages.messages.messages",
                    Locale.forLanguageTag(language), ResourceBundle.Control.getNoFallbackControl(
                            ResourceBundle.Control.FORMAT_PROPERTIES)).getString("502.detail");
            assertThat(unescapeJson(new String(json.body(), jsonCharset))).contains("\"detail\": \"" + detail + "\"");
            HttpResponse<byte[]> jsonHead = Client.send("HEAD", site.uri("/writer-then-failure"), JSON,
                    "Accept-Language", language);
            assertThat(jsonHead.headers().firstValue("Content-Type")).as("a JSON page's HEAD").hasValue(jsonType);
        }
    }

    /**
     * R49: a character beyond the Basic Multilingual Plane (an emoji in the site's name: two UTF-16 units) goes
     * through an ISO-8859-1 writer as one reference to it. It went as a reference to its first unit alone, a lone
     * surrogate, which is no character: browsers showed U+FFFD for the emoji in the title and the header.
     */
    @Test
    void aCharacterBeyondTheBmpGoesThroughAnIso88591WriterAsOneReference() {
        ErrorPages pages = ErrorPages.builder().pageConfig(PageConfig.builder().branding(
                Branding.builder().siteName("Shop \uD83D\uDE00").build()).build()).build();
        try (JettyServer site = siteWritingLatin1ThenFailing(pages)) {

            HttpResponse<byte[]> response = Client.get(site.uri("/writer-then-failure"), Client.BROWSER_ACCEPT);

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(Client.text(response)).contains("Shop &#x1f600;</title>", "<bdi>Shop &#x1f600;</bdi>");
        }
    }

    /**
     * R41: an application's page whose {@code <style>} or {@code <script>} has a character the kept writer's charset
     * cannot encode keeps both working. That character went as an HTML reference ({@code &#x2192;}), which a
     * browser does not read in a style or a script: the CSS and the JavaScript said {@code &#x2192;}, and their hashes
     * no longer matched the {@code Content-Security-Policy}, so the browser refused the page's whole style and script.
     * Now it goes as the escape of its own language (CSS {@code \002192 }, JavaScript {@code \}{@code u2192}), and
     * the policy lists the hashes of the style and script as sent.
     */
    @Test
    void aStyleAndScriptWithCharactersTheWriterCannotEncodeKeepTheirMeaningAndMatchThePolicy() throws IOException {
        Path templates = TemporaryDirectory.create("raw-text-templates");
        try {
            Files.writeString(templates.resolve("502.html.mustache"), "<!DOCTYPE html>\n<html lang=\"{{lang}}\">\n"
                    + "<head><meta charset=\"utf-8\"><title>{{documentTitle}}</title>\n"
                    + "<style>a::after{content:\"\u2192 next\"}"
                    + "body{font-family:\"\u5fae\u8f6f\u96c5\u9ed1\",sans-serif}</style>\n"
                    + "</head><body><main><h1>{{heading}} \u2192</h1></main>\n"
                    + "<script>document.title = '\u00e9 \ud83d\ude00 ' + document.title;</script>\n</body></html>\n",
                    StandardCharsets.UTF_8);
            ErrorPages pages = ErrorPages.builder().pageConfig(PageConfig.builder().templateDirectory(templates)
                    .strictTemplatesEnabled(true).build()).build();
            try (JettyServer site = siteWritingLatin1ThenFailing(pages)) {
                HttpResponse<byte[]> response = Client.get(site.uri("/writer-then-failure"), Client.BROWSER_ACCEPT);

                assertThat(response.statusCode()).isEqualTo(502);
                org.jsoup.nodes.Document page = org.jsoup.Jsoup.parse(
                        new String(response.body(), StandardCharsets.UTF_8));
                String style = page.selectFirst("style").data();
                String script = page.selectFirst("script").data();
                // Each escape ends with a space of its own: the CSS says "→ next", not "→next".
                assertThat(style).isEqualTo("a::after{content:\"\\002192  next\"}"
                        + "body{font-family:\"\\005fae \\008f6f \\0096c5 \\009ed1 \",sans-serif}");
                assertThat(script).isEqualTo("document.title = '\\u00e9 \\ud83d\\ude00 ' + document.title;");
                assertThat(page.selectFirst("h1").text()).endsWith(" \u2192"); // a reference, read in HTML text
                String policy = response.headers().firstValue("Content-Security-Policy").orElseThrow();
                assertThat(policy).contains("style-src 'sha256-" + sha256(style) + "'")
                        .contains("script-src 'sha256-" + sha256(script) + "'");
                HttpResponse<byte[]> head = Client.send("HEAD", site.uri("/writer-then-failure"),
                        Client.BROWSER_ACCEPT);
                assertThat(head.headers().firstValue("Content-Security-Policy")).as("R12").hasValue(policy);
            }
        } finally {
            TemporaryDirectory.delete(templates);
        }
    }

    /**
     * A started site whose servlet writes through its writer in the Servlet API's ISO-8859-1, then fails, behind a
     * wrapper that keeps that writer after {@code reset()}.
     */
    private static JettyServer siteWritingLatin1ThenFailing(ErrorPages pages) {
        JettyServer site = new JettyServer();
        site.context().addFilter(new FilterHolder(writerKeptAfterReset(true)), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        site.filter(ErrorPagesFilter.builder().errorPages(pages).build());
        site.servlet("/writer-then-failure", servlet((request, response) -> {
            response.getWriter().write("partial"); // the Servlet API's ISO-8859-1
            throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
        }));
        site.start();
        return site;
    }

    private static String sha256(String text) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * A response wrapper of the application's in front of the error pages' filter that refuses the stream once a
     * writer was taken, as some containers do after {@code reset()}, and keeps the writer it handed out or, with
     * {@code keepsWriter} false, asks the container for one every time.
     */
    private static Filter writerKeptAfterReset(boolean keepsWriter) {
        return (request, response, chain) -> chain.doFilter(request,
                new HttpServletResponseWrapper((HttpServletResponse) response) {
                    private @Nullable PrintWriter writer;

                    @Override
                    public PrintWriter getWriter() throws IOException {
                        if (writer == null || !keepsWriter) {
                            writer = super.getWriter();
                        }
                        return writer;
                    }

                    @Override
                    public ServletOutputStream getOutputStream() throws IOException {
                        if (writer != null) {
                            throw new IllegalStateException("getWriter() has been called");
                        }
                        return super.getOutputStream();
                    }
                });
    }

    /** A JSON document's text with its escapes of UTF-16 units (a backslash, {@code u}, four hex digits) read. */
    private static String unescapeJson(String json) {
        return java.util.regex.Pattern.compile("\\\\u([0-9a-fA-F]{4})").matcher(json)
                .replaceAll(escape -> Character.toString((char) Integer.parseInt(escape.group(1), 16)));
    }

    /** Numeric character references ({@code &#x30da;}) as the characters a browser reads them as. */
    private static String unescapeReferences(String html) {
        return java.util.regex.Pattern.compile("&#x([0-9a-f]+);").matcher(html)
                .replaceAll(reference -> Character.toString(Integer.parseInt(reference.group(1), 16)));
    }

    /** Jetty 12 puts a new session's cookie back after reset(): the page must not carry it (R17). */
    @Test
    void pageSetsNoCookieEvenForASessionTheApplicationStarted() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/new-session-then-502"), Client.BROWSER_ACCEPT);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(response.headers().allValues("Set-Cookie")).isEmpty();
    }

    /**
     * R15: Jetty 12 puts a new session's cookie back after reset(), and with it {@code Expires} (the epoch), which it
     * adds to any response that sets a cookie: the page of an application that started a session carried it.
     */
    @Test
    void pageCarriesNoExpiresEvenForASessionTheApplicationStarted() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/new-session-then-503"), JSON);

        assertErrorPage(response, "GET", 503, "\\d+");
        assertThat(response.headers().allValues("Expires")).isEmpty();
        assertThat(response.headers().allValues("Set-Cookie")).isEmpty();
    }

    @Test
    void handsOutTheSameAsyncContextForTheWholeCycle() {
        assertThat(Client.text(Client.get(jetty.uri("/async-context-identity"), JSON))).isEqualTo("same=true");
    }

    @Test
    void leavesSuccessfulAsyncResponsesAlone() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-ok"), JSON);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("async fine");
    }

    @Test
    void rendersPageForUpstreamFailureThrownByAsyncDispatch() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/async-dispatch"), JSON);

        assertErrorPage(response, "GET", 502, "10");
        assertThat(Client.text(response)).contains("connection_refused");
    }

    /**
     * A response whose stream answers isReady() with false until a WriteListener is set, as a stream may in blocking
     * mode: the Servlet API leaves that answer to the container.
     */
    private static final class NotReadyWhileBlocking extends HttpServletResponseWrapper {
        private @Nullable ServletOutputStream stream;

        NotReadyWhileBlocking(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            ServletOutputStream out = super.getOutputStream();
            if (stream == null) {
                stream = new ServletOutputStream() {
                    private boolean nonBlocking;

                    @Override
                    public void write(int b) throws IOException {
                        out.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public boolean isReady() {
                        return nonBlocking && out.isReady();
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        out.setWriteListener(listener);
                        nonBlocking = true;
                    }
                };
            }
            return stream;
        }
    }

    /**
     * A guarded call of the application's whose client threw what no classifier knows (a bug: here a
     * {@code CloneNotSupportedException} naming a replica's address): the user gets the 500 page
     * {@code proxy_internal_error} naming nothing of it (R36), and the log has, besides the page's WARN line, the
     * exception with its stack trace, once, at ERROR on the page's logger and under its support code, so that on-call
     * finds what broke from the code the user reports. Only the WARN line was written, with nothing to work from.
     */
    @Test
    void aBugBehindAProxyInternalErrorPageIsLoggedAtErrorUnderThePagesSupportCodeAndNotShown() { // R36
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort())).build());
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/orders", servlet((request, response) -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                throw new CloneNotSupportedException("boom in the orders client, replica 10.1.2.3:5432");
            })));
            server.start();
            AtomicReference<HttpResponse<byte[]>> answered = new AtomicReference<>();

            String log = StandardError.capture(() -> answered.set(Client.get(server.uri("/orders"), JSON)));

            assertBugLoggedUnderThePagesSupportCode(answered.get(), log, "java.lang.CloneNotSupportedException: "
                    + "boom in the orders client, replica 10.1.2.3:5432");
        }
    }

    /**
     * The same bug fails request after request (a guarded call whose client throws what no classifier knows): the
     * first 500 page's ERROR line has the stack trace, once; the second's, under its own support code (the one its
     * user reports finds it), says what was thrown and its root cause in one line and names the first page's support
     * code for the trace, printed once a minute per bug rather than once per request, which at a thousand requests a
     * second drowned every other line. Neither page names anything of it (R36). The trace was printed for each. The
     * search troubleshooting.md gives for either user's code finds that page's WARN and ERROR lines alone: the repeat
     * named the first code as {@code support_code=}, which had the search for it find every repeat's line too.
     */
    @Test
    void theSameBugBehindASecondPageIsLoggedWithoutItsStackTraceNamingTheFirstPagesSupportCode() { // R36
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort())).build());
        AtomicInteger order = new AtomicInteger();
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().build())) {
            server.servlet("/orders", servlet((request, response) -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                throw new CloneNotSupportedException("boom for order " + order.incrementAndGet() + ", replica "
                        + "10.1.2.3:5432");
            })));
            server.start();
            AtomicReference<HttpResponse<byte[]>> first = new AtomicReference<>();
            AtomicReference<HttpResponse<byte[]>> second = new AtomicReference<>();

            String firstLog = StandardError.capture(() -> first.set(Client.get(server.uri("/orders"), JSON)));
            String secondLog = StandardError.capture(() -> second.set(Client.get(server.uri("/orders"), JSON)));

            assertBugLoggedUnderThePagesSupportCode(first.get(), firstLog, "java.lang.CloneNotSupportedException: "
                    + "boom for order 1, replica 10.1.2.3:5432");
            assertErrorPage(second.get(), "GET", 500, null);
            assertNoLeak(second.get(), "CloneNotSupported", "boom", "10.1.2.3", "5432", "Exception", "stack trace");
            String firstCode = supportCodeOf(first.get());
            String secondCode = supportCodeOf(second.get());
            assertThat(secondCode).isNotEqualTo(firstCode);
            assertThat(secondLog).containsPattern("WARN io\\.github\\.errorpages\\.ErrorPages - error page status=500 "
                    + "cause=proxy_internal_error upstream=orders .* support_code=" + secondCode + "\\R")
                    .containsOnlyOnce("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was thrown "
                            + "(upstream=orders, support_code=" + secondCode + ") io.github.errorpages."
                            + "UpstreamFailureException: upstream 'orders' failed: proxy_internal_error after 1 "
                            + "attempt; root cause java.lang.CloneNotSupportedException: boom for order 2, replica "
                            + "10.1.2.3:5432; stack trace as logged for support code " + firstCode + " at ")
                    .containsPattern("for support code " + firstCode + " at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:"
                            + "\\d\\dZ, repeated 1 time since\\R")
                    .doesNotContain("\tat ", "Caused by");
            String log = firstLog + secondLog;
            assertTheSearchForTheCodeFindsTheWarnAndErrorLinesOfItsPageAlone(log, firstCode);
            assertTheSearchForTheCodeFindsTheWarnAndErrorLinesOfItsPageAlone(log, secondCode);
        }
    }

    /**
     * The search troubleshooting.md gives for a code a user reports, {@code grep -iE
     * 'support_code=CODE([^A-Za-z0-9._-]|$)'}, finds the two lines of that user's {@code proxy_internal_error} page,
     * its WARN line and then the ERROR line of what was thrown, and no other user's lines.
     */
    private static void assertTheSearchForTheCodeFindsTheWarnAndErrorLinesOfItsPageAlone(String log, String code) {
        assertThat(SupportCodeSearch.linesOf(log, code)).as("the lines of %s in %s", code, log).satisfiesExactly(
                line -> assertThat(line).contains("WARN io.github.errorpages.ErrorPages - error page status=500 "
                        + "cause=proxy_internal_error upstream=orders ").endsWith(" support_code=" + code),
                line -> assertThat(line).contains("ERROR io.github.errorpages.ErrorPages - proxy_internal_error: "
                        + "what was thrown (upstream=orders, support_code=" + code + ")"));
    }

    /** The support code a JSON page shows. */
    private static String supportCodeOf(HttpResponse<byte[]> page) {
        Matcher code = Pattern.compile("\"support_code\"\\s*:\\s*\"([^\"]+)\"").matcher(Client.text(page));
        assertThat(code.find()).as(Client.text(page)).isTrue();
        return code.group(1);
    }

    /** What calling {@code call} says, for servlets that report in their body: "refused" or "given". */
    private static String refused(Callable<?> call) throws Exception {
        try {
            call.call();
            return "given";
        } catch (IllegalStateException e) {
            return "refused";
        }
    }

    /** An application's listener, made by {@code AsyncContext.createListener}. */
    public static final class CountingListener implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }

    /** Named like Tomcat's: the filter recognises client aborts by simple name. */
    static final class ClientAbortException extends IOException {
        private static final long serialVersionUID = 1L;

        ClientAbortException() {
            super("Broken pipe");
        }
    }
}
