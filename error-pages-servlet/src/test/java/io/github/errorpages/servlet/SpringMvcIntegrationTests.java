package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.InternalServerErrorException;
import jakarta.ws.rs.ServerErrorException;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.client.ClientBuilder;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.DefaultResponseErrorHandler;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.client.UnknownHttpStatusCodeException;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.filter.ShallowEtagHeaderFilter;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * A Spring MVC application (a {@link DispatcherServlet} without Spring Boot) behind the filter, on Jetty and Tomcat,
 * whose controllers call upstreams with the guarded client and with Spring's own {@link RestClient}; and a JAX-RS
 * client's exception for an upstream 5xx.
 */
class SpringMvcIntegrationTests {

    private static FaultyUpstream cutShort;
    private static FaultyUpstream busy;
    private static FaultyUpstream stalling;
    private static FaultyUpstream garbage;
    private static ServerSocket resetting;
    private static JettyServer jetty;
    private static TomcatServer tomcat;

    @BeforeAll
    static void start() {
        cutShort = FaultyUpstream.start(Behaviour.truncatedBody());
        busy = FaultyUpstream.start(Behaviour.respond(503, "billing-db-7.internal: pool exhausted",
                "Retry-After", "30"));
        stalling = FaultyUpstream.start(Behaviour.stallMidBody());
        garbage = FaultyUpstream.start(Behaviour.garbage());
        resetting = resettingEveryConnection();
        // On Jetty, with what applications put between the filter and Spring MVC: a filter that sets a header before
        // the chain, and one that sets one after it (ShallowEtagHeaderFilter's ETag).
        jetty = new JettyServer().filter(new ErrorPagesFilter()).filter(new RequestIdFilter())
                .filter(new ShallowEtagHeaderFilter()).servlet("/*", dispatcher()).start();
        tomcat = TomcatServer.inCode().filter(new ErrorPagesFilter()).servlet("/*", dispatcher()).start();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : List.<AutoCloseable>of(jetty, tomcat, cutShort, busy, stalling, garbage,
                resetting)) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static DispatcherServlet dispatcher() {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.register(WebConfig.class, Gateway.class, GatewayWithFallback.class, GatewayWithEmptyAnswer.class,
                GatewayWithHeaderAnswer.class);
        return new DispatcherServlet(context);
    }

    private static Supplier<URI> server(String container) {
        return () -> container.equals("tomcat") ? tomcat.uri("") : jetty.uri("");
    }

    /**
     * An upstream's body cut short: the guarded client's UpstreamFailureException has an EOFException among its
     * causes, which Spring MVC takes for the client's disconnect and answers with nothing. The client got an empty
     * 200 for an upstream failure (R1).
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void bodyCutShortIsThePageNotAnEmpty200(String container) {
        HttpResponse<byte[]> response = Client.get(server(container).get().resolve("/inventory"), "text/html");

        assertErrorPage(response, "GET", 502, "\\d+");
        assertThat(Client.text(response)).contains("<html");
        assertNoLeak(response, cutShort.uri().getAuthority(), "EOFException", "UpstreamFailureException");
    }

    /**
     * The same failure in an asynchronous controller (its CompletableFuture from the guarded client's sendAsync,
     * failed): Spring MVC resolves it to nothing in the ASYNC dispatch, as in the request's own, and the client
     * gets the page (R1), not an empty 200.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void asyncBodyCutShortIsThePageNotAnEmpty200(String container) {
        HttpResponse<byte[]> response = Client.get(server(container).get().resolve("/inventory-async"), "text/html");

        assertErrorPage(response, "GET", 502, "\\d+");
    }

    /**
     * An upstream that resets the connection the application streams a request body on: the write fails with
     * "Broken pipe" or "Connection reset by peer", which Spring MVC takes for the client's disconnect by its message
     * (no EOFException in the chain) and answers with nothing. The client gets the page of an upstream failure, not an
     * empty 200 (R1), and nothing of the socket's exception (R9).
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void upstreamsResetOfAStreamedBodyIsThePageNotAnEmpty200(String container) {
        HttpResponse<byte[]> response = Client.get(server(container).get().resolve("/ledger"), "text/html");

        assertErrorPage(response, "GET", 502, "\\d+");
        assertThat(Client.text(response)).contains("<html");
        assertNoLeak(response, "SocketException", "Broken pipe", "reset by peer",
                String.valueOf(resetting.getLocalPort()));
    }

    /**
     * The same with headers that are no answer to the failure: CORS's Vary and Access-Control-Allow-Origin, set before
     * the handler ran; on Jetty a filter's X-Request-Id before the chain and an ETag after it. The filter read any of
     * them as the application's own empty answer, and the client got the empty 200 again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void bodyCutShortIsThePageWhateverHeadersOthersSet(String container) throws Exception {
        HttpResponse<byte[]> response = Client.send("GET", server(container).get().resolve("/inventory"), "text/html",
                "Origin", "https://shop.example");

        assertErrorPage(response, "GET", 502, "\\d+");
        assertThat(response.headers().firstValue("ETag")).isEmpty();
    }

    /** An exception handler of the application's own answers the same failure: its answer stands. */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void applicationsOwnHandlerKeepsItsAnswer(String container) {
        HttpResponse<byte[]> response =
                Client.get(server(container).get().resolve("/inventory-or-cached"), "text/html");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Client.text(response)).isEqualTo("cached stock");
    }

    /** A handler that answers it with an empty 200 of its own, a header set: its answer stands too. */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void applicationsOwnEmptyAnswerStands(String container) {
        HttpResponse<byte[]> response =
                Client.get(server(container).get().resolve("/inventory-or-nothing"), "text/html");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Audit")).contains("deferred");
        assertThat(response.body()).isEmpty();
    }

    /**
     * A handler that answers the same failure with a header alone, set as an int or a date (a Retry-After of its own,
     * an Expires): Spring MVC resolves the exception to nothing, and the handler's answer stands, as with a header
     * set as text. Read as untouched, the response got the page instead of the application's answer.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"jetty, setIntHeader", "jetty, addIntHeader", "jetty, setDateHeader", "jetty, addDateHeader",
            "tomcat, setIntHeader", "tomcat, addIntHeader", "tomcat, setDateHeader", "tomcat, addDateHeader"})
    void applicationsOwnAnswerWithAnIntOrDateHeaderStands(String container, String setter) {
        HttpResponse<byte[]> response = Client.get(
                server(container).get().resolve("/inventory-or-header?setter=" + setter), "text/html");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue(GatewayWithHeaderAnswer.header(setter))).isPresent();
        assertThat(response.body()).isEmpty();
    }

    /**
     * Spring's RestClient in a guarded call, and an upstream gateway that gave up (a 502 with a Proxy-Status error):
     * not retried (R47: retry at one layer only), as for the response the guarded client reads. It was retried up
     * to max-attempts. The same when the application wraps the HttpServerErrorException in its own exception (a
     * service layer's "billing unavailable"): the Proxy-Status is read down the cause chain, as the status is; read
     * on the outermost exception only, that call was retried.
     */
    @ParameterizedTest(name = "wrapped by the application: {0}")
    @ValueSource(booleans = {false, true})
    void restClientsUpstreamGatewayThatGaveUpIsNotRetried(boolean wrapped) {
        try (FaultyUpstream gaveUp = FaultyUpstream.start(Behaviour.respond(502, "edge gave up",
                "Proxy-Status", "edge; error=connection_timeout"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing").endpoints(gaveUp.uri())
                    .maxAttempts(3).build());
            RestClient client = RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory()).build();

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                        try {
                            return client.get().uri(attempt.endpoint().resolve("/invoices")).retrieve()
                                    .body(String.class);
                        } catch (HttpServerErrorException failed) {
                            throw wrapped ? new IllegalStateException("billing unavailable", failed) : failed;
                        }
                    }));

            assertThat(thrown.failure().upstreamStatus()).isEqualTo(502);
            assertThat(gaveUp.requestCount()).isEqualTo(1);
        }
    }

    /**
     * Spring's RestClient in a guarded call, and a gateway past the upstream that found the request had passed it
     * before (a 502 with {@code Proxy-Status: ...; error=proxy_loop_detected}, RFC 9209): the failure is the loop, as
     * for the response the guarded client reads, so that the page, the log line and the support code name it; not
     * retried, and not counted by the breaker, which it would open against a healthy upstream. It was an upstream
     * 502 the breaker counted.
     */
    @Test
    void restClientsForwardingLoopIsTheLoop() {
        try (FaultyUpstream looping = FaultyUpstream.start(Behaviour.respond(502, "loop",
                "Proxy-Status", "edge; error=proxy_loop_detected"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing").endpoints(looping.uri())
                    .maxAttempts(3).build());
            RestClient client = RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory()).build();

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"), attempt -> client.get()
                            .uri(attempt.endpoint().resolve("/invoices")).retrieve().body(String.class)));

            assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_LOOP_DETECTED);
            assertThat(thrown.failure().upstreamStatus()).isEqualTo(502);
            assertThat(looping.requestCount()).isEqualTo(1);
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        }
    }

    /**
     * Spring's RestClient in a guarded call, and an upstream 404: the HttpClientErrorException is that response, no
     * failure and no bug: thrown back as it is, a success for the breaker and the metrics, as the 404 the guarded
     * client reads. It was counted as an aborted call (a bug's metric) that the breaker never saw.
     */
    @Test
    void restClientsUpstream404IsASuccessfulCall() {
        try (FaultyUpstream missing = FaultyUpstream.start(Behaviour.respond(404, "no such invoice"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing").endpoints(missing.uri())
                    .maxAttempts(3).build());
            RestClient client = RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory()).build();

            Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"),
                    attempt -> client.get().uri(attempt.endpoint().resolve("/invoices/7")).retrieve()
                            .body(String.class)));

            assertThat(thrown).isInstanceOf(HttpClientErrorException.NotFound.class);
            assertThat(guard.metrics().successfulCalls()).isEqualTo(1);
            assertThat(guard.metrics().abortedCalls()).isZero();
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
            assertThat(missing.requestCount()).isEqualTo(1);
        }
    }

    /**
     * RestClient's HttpServerErrorException in a guarded call whose guard has a clock of its own: the HTTP-date
     * Retry-After it holds is measured from that clock (R46), as the one of a response the guard reads itself. It
     * was measured from the system clock: "now" by the guard's clock read as years away, refused as too long, not
     * retried, and passed on to the page.
     */
    @Test
    void restClientsRetryAfterDateIsMeasuredFromTheGuardsClock() {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        try (FaultyUpstream unavailable = FaultyUpstream.start(Behaviour.respond(503, "busy",
                "Retry-After", "Tue, 01 Jan 2030 00:00:00 GMT"))) {
            UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("clocked").endpoints(unavailable.uri())
                    .maxAttempts(2).retryBudgetEnabled(false).build()).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
            RestClient client = RestClient.builder().requestFactory(new SimpleClientHttpRequestFactory()).build();

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"),
                            attempt -> client.get().uri(attempt.endpoint().resolve("/invoices")).retrieve()
                                    .body(String.class)));

            assertThat(unavailable.requestCount()).as("retried at once").isEqualTo(2);
            assertThat(thrown.failure().upstreamRetryAfter()).isEqualTo(Duration.ZERO);
        }
    }

    /**
     * The pages' clock is "now" for the HTTP-date Retry-After of a RestClient exception that {@link ErrorPages#handle}
     * or the filter answers (R46), as it is for the pages' own dates: it was the system clock, so a date 30 s after
     * the pages' "now" was years away, and the page said so.
     */
    @Test
    void aRestClientExceptionsRetryAfterDateIsMeasuredFromThePagesClock() {
        Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
        ErrorPages pages = ErrorPages.builder().clock(clock).build();
        HttpHeaders headers = new HttpHeaders();
        headers.set("Retry-After", "Tue, 01 Jan 2030 00:00:30 GMT");
        HttpServerErrorException busyForHalfAMinute = HttpServerErrorException.create(HttpStatus.SERVICE_UNAVAILABLE,
                "busy", headers, null, null);

        assertThat(pages.handle(busyForHalfAMinute, new ErrorRequest("GET", "/", "application/json", null, null)))
                .hasValueSatisfying(answer -> assertThat(answer.header("Retry-After")).isEqualTo("30"));
        try (JettyServer server = new JettyServer().filter(ErrorPagesFilter.builder().errorPages(pages).build())
                .servlet("/billing", TestServlets.servlet((request, response) -> {
                    throw busyForHalfAMinute;
                })).start()) {
            assertErrorPage(Client.get(server.uri("/billing"), "text/html"), "GET", 503, "30");
        }
        // What an application's JAX-RS mapper reads for the filter (FAILURE_ATTRIBUTE), with the pages' clock.
        assertThat(ErrorPagesFilter.upstreamFailureOf(busyForHalfAMinute, pages.classifier(), pages.clock()))
                .hasValueSatisfying(failure -> assertThat(failure.upstreamRetryAfter()).hasSeconds(30));
        assertThatNullPointerException().isThrownBy(() -> ErrorPagesFilter.upstreamFailureOf(busyForHalfAMinute,
                pages.classifier(), null)).withMessage("clock");
    }

    /**
     * Spring's RestClient throws HttpServerErrorException for the upstream's 503: a well-formed upstream 5xx, passed
     * through with its status (R3) and its Retry-After (R46), where the container's 500 page quoted the upstream's
     * URL and body.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void restClientsUpstream503KeepsItsStatusAndRetryAfter(String container) {
        HttpResponse<byte[]> response = Client.get(server(container).get().resolve("/billing"), "text/html");

        assertErrorPage(response, "GET", 503, "30");
        assertThat(Client.text(response)).doesNotContain("pool exhausted");
        assertNoLeak(response, busy.uri().getAuthority(), "HttpServerErrorException");
    }

    /**
     * Spring's WebClient (here on the JDK client) throws WebClientResponseException for the upstream's 503 in a guarded
     * call: read as RestClient's exception is, an upstream 503 with its status (R3) and its Retry-After (R46), not a
     * bug's exception that the guard counts as aborted.
     */
    @Test
    void webClientsUpstream503KeepsItsStatusAndRetryAfter() {
        try (FaultyUpstream unavailable = FaultyUpstream.start(Behaviour.respond(503, "busy", "Retry-After", "30"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing").endpoints(unavailable.uri())
                    .maxAttempts(1).build());
            WebClient client = WebClient.builder().clientConnector(new JdkClientHttpConnector()).build();

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"),
                            attempt -> client.get().uri(attempt.endpoint().resolve("/invoices")).retrieve()
                                    .bodyToMono(String.class).block()));

            assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
            assertThat(thrown.failure().upstreamRetryAfter()).hasSeconds(30);
            assertThat(guard.metrics().failedCalls()).isEqualTo(1);
            assertThat(guard.metrics().abortedCalls()).isZero();
        }
    }

    /**
     * RestClient on the JDK client with a read timeout, and a body that stalls: Spring closes the body stream when
     * the timeout passes. A 504 (R2), not a 502 for a connection the upstream never closed.
     */
    @Test
    void restClientsReadTimeoutIsA504() {
        HttpResponse<byte[]> response = Client.get(jetty.uri("/slow-billing"), "text/html");

        assertErrorPage(response, "GET", 504, "\\d+");
    }

    /**
     * RestTemplate on its default factory (HttpURLConnection) and an upstream that answers no HTTP: HttpURLConnection
     * reports status -1, and Spring's HttpStatusCode.valueOf throws an IllegalArgumentException for it. A malformed
     * response, the page's 502 (R1), where the container's 500 page named ServletException and the exception.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void restTemplatesReplyThatIsNoHttpIsA502(String container) {
        HttpResponse<byte[]> response = Client.get(server(container).get().resolve("/legacy-billing"),
                "application/problem+json");

        assertErrorPage(response, "GET", 502, "\\d+");
        assertThat(Client.text(response)).contains("http_protocol_error");
        assertNoLeak(response, garbage.uri().getAuthority(), "IllegalArgumentException", "Status code");
    }

    /** The same exception from the application's own HttpStatusCode.valueOf is its bug, no upstream's failure. */
    @Test
    void applicationsOwnInvalidStatusIsNoUpstreamFailure() {
        Throwable thrown = catchThrowable(() -> HttpStatusCode.valueOf(-1));

        assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
        assertThat(io.github.errorpages.FailureClassifier.ofDefaults().classify(thrown)).isEmpty();
    }

    /** The JAX-RS client's exception for an upstream 5xx keeps the upstream's status and Retry-After (R3, R46). */
    @Test
    void jaxRsClientsUpstream503KeepsItsStatusAndRetryAfter() {
        jakarta.ws.rs.client.Client jaxRs = ClientBuilder.newClient();
        try {
            ServiceUnavailableException thrown = catchThrowableOfType(
                    ServiceUnavailableException.class, () -> jaxRs.target(busy.uri()).request().get(String.class));

            var failure = io.github.errorpages.FailureClassifier.ofDefaults().classify(thrown).orElseThrow();
            assertThat(failure.upstreamStatus()).isEqualTo(503);
            assertThat(failure.upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(30));
        } finally {
            jaxRs.close();
        }
    }

    /**
     * A JAX-RS ServerErrorException made outside a JAX-RS client (a resource's own, the application's mapping) holds
     * no upstream's response: no upstream status, whose 503 and Retry-After would be taken for the upstream's (R3).
     */
    @Test
    void jaxRsServerErrorMadeOutsideAClientIsNoUpstreamStatus() {
        ServiceUnavailableException own = new ServiceUnavailableException(30L);

        assertThat(io.github.errorpages.FailureClassifier.ofDefaults().classify(own)).isEmpty();
    }

    /**
     * The JAX-RS client's exception for a gateway's forwarding loop (a 502 with {@code Proxy-Status: ...;
     * error=proxy_loop_detected}, RFC 9209) in a guarded call, wrapped in the application's own
     * InternalServerErrorException (a service layer's "billing unavailable"): the loop, read down the cause chain
     * past the application's exception, whose response is no upstream's (R3) and has no Proxy-Status. Not retried,
     * not counted by the breaker (R47). Read on the first ServerErrorException of the chain, it would be an upstream
     * 502 that the breaker counts and the guard retries.
     */
    @Test
    void jaxRsClientsForwardingLoopWrappedInTheApplicationsServerErrorIsTheLoop() {
        jakarta.ws.rs.client.Client jaxRs = ClientBuilder.newClient();
        try (FaultyUpstream looping = FaultyUpstream.start(Behaviour.respond(502, "loop",
                "Proxy-Status", "edge; error=proxy_loop_detected"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing").endpoints(looping.uri())
                    .maxAttempts(3).build());

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                        try {
                            return jaxRs.target(attempt.endpoint().resolve("/invoices")).request().get(String.class);
                        } catch (ServerErrorException failed) {
                            throw new InternalServerErrorException("billing unavailable", failed);
                        }
                    }));

            assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_LOOP_DETECTED);
            assertThat(thrown.failure().upstreamStatus()).isEqualTo(502);
            assertThat(looping.requestCount()).isEqualTo(1);
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        } finally {
            jaxRs.close();
        }
    }

    /** The JAX-RS client's exception for an upstream 404 in a guarded call is that response, as RestClient's is. */
    @Test
    void jaxRsClientsUpstream404IsASuccessfulCall() {
        jakarta.ws.rs.client.Client jaxRs = ClientBuilder.newClient();
        try (FaultyUpstream missing = FaultyUpstream.start(Behaviour.respond(404, "no such invoice"))) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("billing").endpoints(missing.uri())
                    .maxAttempts(3).build());

            Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"),
                    attempt -> jaxRs.target(attempt.endpoint().resolve("/invoices/7")).request().get(String.class)));

            assertThat(thrown).isInstanceOf(jakarta.ws.rs.NotFoundException.class);
            assertThat(guard.metrics().successfulCalls()).isEqualTo(1);
            assertThat(guard.metrics().abortedCalls()).isZero();
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
            assertThat(missing.requestCount()).isEqualTo(1);
        } finally {
            jaxRs.close();
        }
    }

    /**
     * The JAX-RS client's WebApplicationException for a status outside HTTP's 100–599 (an upstream's "600" or "999"):
     * no status an upstream can rightly give (RFC 9110 §15), so neither its answer nor a 5xx whose status the page
     * keeps (R3) but the upstream's protocol error, as HttpURLConnection's exception for it and an answer the guard
     * reads with an adapter: http_protocol_error with no upstream status, one breaker failure and no success, not
     * retried by default (with http_protocol_error in retry.causes a GET is, R43); thrown from a servlet, the filter's
     * 502 page for it (R2). It was thrown as it is: no page (the container's 500), no breaker failure, no success.
     */
    @ParameterizedTest(name = "status {0}, http_protocol_error in retry.causes: {1}")
    @CsvSource({"600, false", "999, false", "600, true"})
    void jaxRsClientsStatusOutsideHttpsRangeIsTheUpstreamsProtocolError(int status, boolean retried) {
        jakarta.ws.rs.client.Client jaxRs = ClientBuilder.newClient();
        try (FaultyUpstream weird = answeringStatus(status)) {
            UpstreamGuard guard = UpstreamGuard.of(outsideHttpsRange(weird, retried));

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"),
                            attempt -> jaxRs.target(attempt.endpoint().resolve("/invoices/7")).request()
                                    .get(String.class)));

            assertThat(thrown).as("the guard's exception").isNotNull();
            assertThat(thrown.getCause()).isInstanceOf(WebApplicationException.class);
            assertProtocolErrorOfTheUpstream(guard, thrown, weird, retried);
            WebApplicationException raw = catchThrowableOfType(WebApplicationException.class,
                    () -> jaxRs.target(weird.uri().resolve("/invoices/7")).request().get(String.class));
            assertThat(raw.getResponse().getStatus()).isEqualTo(status);
            assertThat(io.github.errorpages.FailureClassifier.ofDefaults()
                    .classify(new WebApplicationException(raw.getResponse()))).as("made outside a client").isEmpty();
            assertPageOfTheProtocolError(weird, () -> jaxRs.target(weird.uri().resolve("/invoices/7")).request()
                    .get(String.class), "WebApplicationException");
        } finally {
            jaxRs.close();
        }
    }

    /**
     * RestTemplate with an error handler that takes every status but a 2xx for an error, and an upstream's "600" or
     * "999": Spring's UnknownHttpStatusCodeException (its getStatusCode().value() the upstream's number), no status an
     * upstream can rightly give (RFC 9110 §15), so neither its answer nor a 5xx (R3) but the upstream's protocol
     * error, as the JAX-RS client's exception for it: http_protocol_error with no upstream status, one breaker failure
     * and no success, not retried by default (with http_protocol_error in retry.causes a GET is, R43); thrown from a
     * servlet, the filter's 502 page for it (R2). It was thrown as it is: no page, no breaker failure, no success.
     */
    @ParameterizedTest(name = "status {0}, http_protocol_error in retry.causes: {1}")
    @CsvSource({"600, false", "999, false", "600, true"})
    void restTemplatesStatusOutsideHttpsRangeIsTheUpstreamsProtocolError(int status, boolean retried) {
        RestTemplate strict = new RestTemplate();
        strict.setErrorHandler(new DefaultResponseErrorHandler() {
            @Override
            protected boolean hasError(HttpStatusCode statusCode) {
                return !statusCode.is2xxSuccessful();
            }
        });
        try (FaultyUpstream weird = answeringStatus(status)) {
            UpstreamGuard guard = UpstreamGuard.of(outsideHttpsRange(weird, retried));

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"),
                            attempt -> strict.getForObject(attempt.endpoint().resolve("/invoices/7"), String.class)));

            assertThat(thrown).as("the guard's exception").isNotNull();
            assertThat(thrown.getCause()).isInstanceOf(UnknownHttpStatusCodeException.class);
            assertProtocolErrorOfTheUpstream(guard, thrown, weird, retried);
            UnknownHttpStatusCodeException raw = catchThrowableOfType(UnknownHttpStatusCodeException.class,
                    () -> strict.getForObject(weird.uri().resolve("/invoices/7"), String.class));
            assertThat(raw.getStatusCode().value()).isEqualTo(status);
            assertPageOfTheProtocolError(weird, () -> strict.getForObject(weird.uri().resolve("/invoices/7"),
                    String.class), "UnknownHttpStatusCode");
        }
    }

    /**
     * Spring's WebClient (on the JDK client) with a status handler that takes every status but a 2xx for an error, and
     * an upstream's "600": its UnknownHttpStatusCodeException (a WebClientResponseException), read as RestTemplate's,
     * is the upstream's protocol error (R2), http_protocol_error with no upstream status (R3) and a breaker failure,
     * not thrown as it is.
     */
    @Test
    void webClientsStatusOutsideHttpsRangeIsTheUpstreamsProtocolError() {
        WebClient client = WebClient.builder().clientConnector(new JdkClientHttpConnector()).build();
        try (FaultyUpstream weird = answeringStatus(600)) {
            UpstreamGuard guard = UpstreamGuard.of(outsideHttpsRange(weird, false));

            UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                    () -> guard.call(UpstreamRequest.of("GET"),
                            attempt -> client.get().uri(attempt.endpoint().resolve("/invoices/7")).retrieve()
                                    .onStatus(status -> !status.is2xxSuccessful(), ClientResponse::createException)
                                    .bodyToMono(String.class).block()));

            assertThat(thrown).as("the guard's exception").isNotNull();
            assertThat(thrown.getCause()).isInstanceOfSatisfying(WebClientResponseException.class,
                    raw -> assertThat(raw.getStatusCode().value()).isEqualTo(600));
            assertProtocolErrorOfTheUpstream(guard, thrown, weird, false);
        }
    }

    /** An upstream whose every answer has that status line, which no HTTP status is. */
    private static FaultyUpstream answeringStatus(int status) {
        return FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 " + status + " Weird\r\nContent-Length: 0\r\n\r\n");
            exchange.closeConnection();
        });
    }

    private static UpstreamConfig outsideHttpsRange(FaultyUpstream weird, boolean retried) {
        UpstreamConfig.Builder config = UpstreamConfig.builder("billing").endpoints(weird.uri()).maxAttempts(3)
                .backoff(Duration.ofMillis(1), 2.0, Duration.ofMillis(2), 0.2);
        return (retried ? config.retryCauses(Set.of(FailureCause.HTTP_PROTOCOL_ERROR)) : config).build();
    }

    /** The guarded call's failure: the upstream's protocol error, each attempt a breaker failure, none a success. */
    private static void assertProtocolErrorOfTheUpstream(UpstreamGuard guard, UpstreamFailureException thrown,
            FaultyUpstream weird, boolean retried) {
        int attempts = retried ? 3 : 1;
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(thrown.failure().upstreamStatus()).isZero();
        assertThat(thrown.failure().attempts()).isEqualTo(attempts);
        assertThat(weird.requestCount()).isEqualTo(attempts);
        var breaker = guard.circuitBreakers().get(0).getMetrics();
        assertThat(breaker.getNumberOfFailedCalls()).isEqualTo(attempts);
        assertThat(breaker.getNumberOfSuccessfulCalls()).isZero();
        assertThat(guard.metrics().successfulCalls()).isZero();
        assertThat(guard.metrics().failedCalls()).isEqualTo(1);
        assertThat(guard.metrics().abortedCalls()).isZero();
    }

    /** The client's exception thrown from a servlet: the filter's 502 page of http_protocol_error, nothing leaked. */
    private static void assertPageOfTheProtocolError(FaultyUpstream weird, Supplier<String> call, String exception) {
        try (JettyServer server = new JettyServer().filter(new ErrorPagesFilter())
                .servlet("/billing", TestServlets.servlet((request, response) -> response.getWriter()
                        .write(call.get()))).start()) {
            HttpResponse<byte[]> response = Client.get(server.uri("/billing"), "application/problem+json");

            assertErrorPage(response, "GET", 502, "\\d+");
            assertThat(Client.text(response)).contains("http_protocol_error");
            assertNoLeak(response, weird.uri().getAuthority(), exception);
        }
    }

    /**
     * A filter behind the error pages' that answers a response the application left empty with a last good copy,
     * sent at once, after Spring MVC resolved an upstream's body cut short to nothing (taken for the client's
     * disconnect): the filter's answer stands, committed before the filter could write the page. Answered with the
     * page anyway, the committed 200 would be cut off (an abort) where the client has the filter's whole answer.
     */
    @Test
    void aLastGoodCopyCommittedAfterSpringsEmptyResolutionStands() {
        try (JettyServer server = new JettyServer().filter(new ErrorPagesFilter()).filter(new LastGoodCopyFilter())
                .servlet("/*", dispatcher()).start()) {
            HttpResponse<byte[]> response = Client.get(server.uri("/inventory"), "text/html");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Client.text(response)).isEqualTo("last good stock");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class WebConfig {
    }

    /** What a BFF's controllers do: call an upstream, let its failure propagate. */
    @RestController
    static class Gateway {

        private final GuardedHttpClient inventory = GuardedHttpClient.of(HttpClient.newHttpClient(),
                UpstreamGuard.of(UpstreamConfig.builder("inventory").endpoints(cutShort.uri()).build()));
        private final RestClient billing = RestClient.builder()
                .requestFactory(new SimpleClientHttpRequestFactory()).build();
        private final RestClient slowBilling = RestClient.builder().requestFactory(readTimeout()).build();
        private final RestTemplate legacyBilling = new RestTemplate();

        private static JdkClientHttpRequestFactory readTimeout() {
            JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory();
            factory.setReadTimeout(Duration.ofMillis(300));
            return factory;
        }

        @GetMapping("/inventory")
        @CrossOrigin("https://shop.example")
        String inventory() throws InterruptedIOException {
            return stock(inventory);
        }

        @GetMapping("/inventory-async")
        CompletableFuture<String> inventoryAsync() {
            return inventory.sendAsync(HttpRequest.newBuilder(URI.create("http://inventory/stock")).build(),
                    HttpResponse.BodyHandlers.ofString()).thenApply(HttpResponse::body);
        }

        @GetMapping("/billing")
        String billing() {
            return billing.get().uri(busy.uri().resolve("/invoices")).retrieve().body(String.class);
        }

        @GetMapping("/legacy-billing")
        String legacyBilling() {
            return legacyBilling.getForObject(garbage.uri().resolve("/invoices"), String.class);
        }

        /** Streams an export to a ledger upstream over a socket of its own, which the ledger resets. */
        @GetMapping("/ledger")
        String ledger() throws IOException {
            try (Socket ledger = new Socket(InetAddress.getLoopbackAddress(), resetting.getLocalPort())) {
                OutputStream export = ledger.getOutputStream();
                byte[] rows = new byte[64 * 1024];
                for (int i = 0; i < 16 * 1024; i++) { // 1 GiB at most: the reset fails a write long before
                    export.write(rows);
                }
            }
            return "exported";
        }

        @GetMapping("/slow-billing")
        String slowBilling() {
            return slowBilling.get().uri(stalling.uri().resolve("/invoices")).retrieve().body(String.class);
        }
    }

    /** A controller that answers an upstream failure itself, with a fallback. */
    @RestController
    static class GatewayWithFallback {

        private final GuardedHttpClient inventory = GuardedHttpClient.of(HttpClient.newHttpClient(),
                UpstreamGuard.of(UpstreamConfig.builder("inventory-cached").endpoints(cutShort.uri()).build()));

        @GetMapping("/inventory-or-cached")
        String inventory() throws InterruptedIOException {
            return stock(inventory);
        }

        @ExceptionHandler(UpstreamFailureException.class)
        String cached() {
            return "cached stock";
        }
    }

    /** A controller that answers an upstream failure with an empty 200 of its own. */
    @RestController
    static class GatewayWithEmptyAnswer {

        private final GuardedHttpClient inventory = GuardedHttpClient.of(HttpClient.newHttpClient(),
                UpstreamGuard.of(UpstreamConfig.builder("inventory-audited").endpoints(cutShort.uri()).build()));

        @GetMapping("/inventory-or-nothing")
        String inventory() throws InterruptedIOException {
            return stock(inventory);
        }

        @ExceptionHandler(UpstreamFailureException.class)
        ResponseEntity<Void> deferred() {
            return ResponseEntity.ok().header("X-Audit", "deferred").build();
        }
    }

    /** A controller that answers an upstream failure with one header, set with the setter the request names. */
    @RestController
    static class GatewayWithHeaderAnswer {

        private final GuardedHttpClient inventory = GuardedHttpClient.of(HttpClient.newHttpClient(),
                UpstreamGuard.of(UpstreamConfig.builder("inventory-headed").endpoints(cutShort.uri()).build()));

        static String header(String setter) {
            return setter.contains("Int") ? "X-Stock-Age" : "Expires";
        }

        @GetMapping("/inventory-or-header")
        String inventory() throws InterruptedIOException {
            return stock(inventory);
        }

        @ExceptionHandler(UpstreamFailureException.class)
        void stale(HttpServletRequest request, HttpServletResponse response) {
            String setter = request.getParameter("setter");
            switch (setter) {
                case "setIntHeader" -> response.setIntHeader(header(setter), 30);
                case "addIntHeader" -> response.addIntHeader(header(setter), 30);
                case "setDateHeader" -> response.setDateHeader(header(setter), 0);
                default -> response.addDateHeader(header(setter), 0);
            }
        }
    }

    /** Answers, after the chain, a response the application left empty with a copy it kept, and sends it. */
    static final class LastGoodCopyFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            chain.doFilter(request, response);
            HttpServletResponse http = (HttpServletResponse) response;
            if (!http.isCommitted() && http.getStatus() == 200 && http.getContentType() == null) {
                http.setContentType("text/plain;charset=utf-8");
                http.getWriter().write("last good stock");
                http.flushBuffer();
            }
        }
    }

    /** Sets a header on every response before the chain, as correlation-id filters do. */
    static final class RequestIdFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            ((HttpServletResponse) response).setHeader("X-Request-Id", "abc123");
            chain.doFilter(request, response);
        }
    }

    /** A loopback server that resets (TCP RST) every connection it accepts, without reading from it. */
    private static ServerSocket resettingEveryConnection() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread resetter = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket accepted = server.accept()) {
                        accepted.setSoLinger(true, 0);
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "resetting-ledger");
            resetter.setDaemon(true);
            resetter.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stock(GuardedHttpClient inventory) throws InterruptedIOException {
        try {
            return inventory.send(HttpRequest.newBuilder(URI.create("http://inventory/stock")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }
}
