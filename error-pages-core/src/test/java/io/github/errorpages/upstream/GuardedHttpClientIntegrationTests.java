package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static io.github.errorpages.upstream.Guards.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.Blackhole;
import io.github.errorpages.testing.RefusingHttp2Upstream;
import io.github.errorpages.upstream.internal.JdkResponseAdapter;
import io.github.errorpages.upstream.internal.BodySourceFailure;
import io.github.errorpages.upstream.internal.DiscardingBodySubscriber;
import io.github.errorpages.upstream.internal.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JDK {@code HttpClient} integration as the reverse-proxy servlet uses it: streamed bodies, endpoint
 * rewriting, failed 5xx bodies that never reach the caller, async sends and their cancellation.
 */
class GuardedHttpClientIntegrationTests {

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    private GuardedHttpClient client(UpstreamConfig.Builder config) {
        return GuardedHttpClient.of(HTTP, UpstreamGuard.builder(config.build()).listener(events).build());
    }

    /**
     * An HTTP/2 upstream that refuses a request's stream unprocessed ({@code REFUSED_STREAM}, RFC 9113 §8.7) has the
     * JDK's client, from Java 21 or so, send the request again on its own, whatever its method, and ask for its body
     * a second time. A streamed body cannot be read twice, and the refusal of the second read was taken for a failure
     * of the body's source: the call ended as the caller's upload broken ({@code BodySourceFailure}; the proxy's
     * client got a 400). It is the upstream's failure: 502 {@code connection_terminated}, as Java 17's client reports
     * the refused stream, not retried for a POST.
     */
    @Test
    void aRequestStreamAnHttp2UpstreamRefusesIsTheUpstreamsFailure() throws Exception {
        try (RefusingHttp2Upstream upstream = RefusingHttp2Upstream.start()) {
            HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                    .sslContext(FaultyUpstream.trustingSelfSigned()).build();
            GuardedHttpClient client = GuardedHttpClient.of(http2, UpstreamGuard.builder(fast(upstream.uri()).build())
                    .listener(events).build());
            HttpRequest post = HttpRequest.newBuilder(URI.create(upstream.uri() + "/orders"))
                    .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[1000]))).build();

            UpstreamFailureException failed = catchThrowableOfType(UpstreamFailureException.class,
                    () -> client.send(post, BodyHandlers.ofString()));

            assertThat(failed).as("the upstream's failure").isNotNull();
            assertThat(failed.failure().cause()).isEqualTo(FailureCause.CONNECTION_TERMINATED);
            assertThat(failed.failure().attempts()).isEqualTo(1);
        }
    }

    @Test
    void streamsASuccessfulResponseToTheCallerWithHeadersBothWays() throws Exception {
        String large = "0123456789".repeat(20_000);
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(200, large, "Content-Type", "text/plain",
                "X-Upstream", "yes"));
        GuardedHttpClient client = client(fast(upstream.uri()));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://orders/export"))
                .header("X-Request-Id", "req-17").header("Accept", "text/plain").build();

        HttpResponse<InputStream> response = client.send(request, BodyHandlers.ofInputStream());

        try (InputStream body = response.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(large);
        }
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Upstream")).contains("yes");
        assertThat(upstream.requests()).singleElement().satisfies(r -> {
            assertThat(r.headers()).containsEntry("x-request-id", "req-17").containsEntry("accept", "text/plain");
            assertThat(r.target()).isEqualTo("/export");
        });
    }

    /**
     * A body the caller streams after the call returned ({@code ofInputStream()}) and the upstream then breaks off
     * counts against the upstream's breaker, although its head arrived (R47): the closed breaker records the call
     * when the body ends, not when the head arrives, and the break as a failure, with a {@code BodyBrokenOff} event.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void streamedBodyTheUpstreamBreaksOffCountsAgainstItsBreaker(boolean async) throws Exception {
        Semaphore release = new Semaphore(0);
        FaultyUpstream upstream = upstreams.start(Behaviour.resetMidBodyAfter(release));
        GuardedHttpClient client = client(fast(upstream.uri()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);

        HttpResponse<InputStream> response = async
                ? client.sendAsync(get("/export"), BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS)
                : client.send(get("/export"), BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("not recorded before the body ends").isZero();
        release.release();

        // What the read throws carries the guard's failure, for the page and its log line: they said "upstream=-".
        assertThatThrownBy(() -> {
            try (InputStream body = response.body()) {
                body.readAllBytes();
            }
        }).isInstanceOf(IOException.class).satisfies(thrown -> assertThat(FailureClassifier.ofDefaults().classify(thrown))
                .hasValueSatisfying(failure -> {
                    assertThat(failure.upstream()).isEqualTo("orders");
                    assertThat(failure.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE);
                    assertThat(failure.elapsed()).isPositive();
                }));
        Await.until(() -> breaker.getMetrics().getNumberOfFailedCalls() == 1, "the broken body to be recorded");
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        assertThat(client.guard().metrics().brokenBodies()).isEqualTo(1);
        assertThat(client.guard().metrics().successfulCalls()).as("the call, counted when its head arrived")
                .isEqualTo(1);
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).singleElement()
                .satisfies(broken -> assertThat(broken.failure().cause())
                        .isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE));
    }

    /**
     * Behind the guard's default breaker (three trial calls half-open, 50 %), an upstream that sends every head and
     * resets every body: once the open wait is over, the three trial calls' streamed bodies break off, each counts as
     * a failed trial, and the breaker opens again; the calls after them are refused without reaching the upstream
     * (R47). Recorded as a success at the head and a failure after it, the trials closed the breaker (one failure in
     * three) and the calls went on reaching the dead upstream.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void halfOpenTrialsWhoseStreamedBodiesBreakOffOpenTheDefaultBreakerAgain(boolean async) throws Exception {
        Semaphore reset = new Semaphore(0); // one permit per response, once its head reached the caller
        FaultyUpstream upstream = upstreams.start(Behaviour.resetMidBodyAfter(reset));
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));
        List<String> transitions = new CopyOnWriteArrayList<>();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(upstream.uri()).maxAttempts(1)
                        .circuitBreakerConfig(CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                                .clock(clock).build())
                        .build())
                .clock(clock).listener(event -> {
                    if (event instanceof UpstreamEvent.BreakerStateChanged changed) {
                        transitions.add(changed.from() + "->" + changed.to());
                    }
                }).build());
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        breaker.transitionToOpenState(); // as ten broken bodies open it (BodyOutcomeTests)
        clock.advance(Duration.ofSeconds(31)); // the default's 30 s wait is over

        int refused = 0;
        for (int i = 0; i < 10; i++) {
            try {
                HttpResponse<InputStream> response = async
                        ? client.sendAsync(get("/export"), BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS)
                        : client.send(get("/export"), BodyHandlers.ofInputStream());
                reset.release();
                try (InputStream body = response.body()) {
                    assertThatThrownBy(body::readAllBytes).isInstanceOf(IOException.class);
                }
            } catch (UpstreamFailureException | ExecutionException open) {
                UpstreamFailureException failure = open instanceof UpstreamFailureException direct ? direct
                        : (UpstreamFailureException) open.getCause();
                assertThat(failure.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
                refused++;
            }
        }

        assertThat(upstream.requestCount()).as("the three trial calls alone reached the upstream").isEqualTo(3);
        assertThat(refused).isEqualTo(7);
        Await.until(() -> breaker.getState() == CircuitBreaker.State.OPEN, "the third trial's broken body recorded");
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
    }

    /**
     * A subscriber of its own ({@code ofPublisher()}, as reactive bridges read bodies) gets an IOException as from the
     * client itself, with the guard's failure in its cause chain: not the guard's exception, no IOException.
     */
    @Test
    void subscriberOfABrokenStreamedBodyGetsAnIoExceptionCarryingTheGuardsFailure() throws Exception {
        Semaphore release = new Semaphore(0);
        FaultyUpstream upstream = upstreams.start(Behaviour.resetMidBodyAfter(release));
        GuardedHttpClient client = client(fast(upstream.uri()));
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response =
                client.send(get("/export"), BodyHandlers.ofPublisher());
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        response.body().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
            }

            @Override
            public void onError(Throwable throwable) {
                failed.complete(throwable);
            }

            @Override
            public void onComplete() {
                failed.complete(null);
            }
        });
        release.release();

        assertThat(failed.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .satisfies(thrown -> assertThat(FailureClassifier.ofDefaults().classify(thrown))
                        .hasValueSatisfying(failure -> assertThat(failure.upstream()).isEqualTo("orders")));
    }

    /**
     * A body that breaks off right after its head (the connection is reset) fails while the guard may not have
     * handed its outcome over yet: what the caller's read throws carries the guard's failure all the same, every
     * time, for the page's log line (it said {@code upstream=-} in one call of five or so). The JDK's client may
     * also fail the exchange itself when the body fails that early: the call's failure then, as for any attempt.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void bodyBrokenRightAfterItsHeadCarriesTheGuardsFailureToTheReader(boolean async) throws Exception {
        FaultyUpstream upstream = upstreams.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n");
            exchange.reset();
        });
        for (int call = 0; call < 30; call++) {
            GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));
            Throwable thrown = catchThrowable(() -> {
                HttpResponse<InputStream> response = async
                        ? client.sendAsync(get("/export"), BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS)
                        : client.send(get("/export"), BodyHandlers.ofInputStream());
                try (InputStream body = response.body()) {
                    body.readAllBytes();
                }
            });

            assertThat(thrown).as("call %d", call).isInstanceOfAny(IOException.class, UpstreamFailureException.class,
                    ExecutionException.class);
            assertThat(FailureClassifier.ofDefaults().classify(thrown)).as("call %d: %s", call, thrown)
                    .hasValueSatisfying(failure -> assertThat(failure.upstream()).isEqualTo("orders"));
            CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
            Await.until(() -> breaker.getMetrics().getNumberOfFailedCalls() == 1, "the failure to be recorded");
        }
    }

    /**
     * A mapping handler whose function reads the stream it maps ({@code mapping(ofInputStream(), ...)}, as a
     * GZIPInputStream over it does), which the JDK documents as fine: its function is applied once, when the client
     * asks for the body. It was applied before the body could flow, and blocked there until the attempt timed
     * out: a healthy answer became a 504 of the upstream's; and two or three times per response.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void mappingHandlerThatReadsItsStreamIsAppliedOnceWhenTheBodyFlows(boolean async) throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(200, "hello", "Content-Type", "text/plain"));
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(2)));
        AtomicInteger applied = new AtomicInteger();
        BodyHandler<String> reading = info -> BodySubscribers.mapping(BodySubscribers.ofInputStream(), stream -> {
            applied.incrementAndGet();
            try (InputStream body = stream) {
                return new String(body.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        HttpResponse<String> response = async ? client.sendAsync(get("/export"), reading).get(10, TimeUnit.SECONDS)
                : client.send(get("/export"), reading);

        assertThat(response.body()).isEqualTo("hello");
        assertThat(applied).hasValue(1);
    }

    /**
     * R45: a mapping handler blocked reading a body that stalls (a GZIPInputStream over {@code ofInputStream()})
     * fails as late, {@code http_response_timeout}. Ending the body cancels its subscription, and the JDK 25 client
     * then fails the exchange with an {@code IOException("subscription cancelled")} of its own, which won the race
     * with the handler's failure one call in six or so and read as {@code proxy_internal_error}. The handler here
     * fails only once the client closed the connection, so that the client's failure comes first every time.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void mappingHandlerBlockedOnAStalledBodyFailsAsLateWhateverTheClientFailsWith(boolean async) {
        CountDownLatch closedByClient = new CountDownLatch(1);
        FaultyUpstream upstream = upstreams.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 41\r\n\r\n");
            if (exchange.awaitClosedByClient(Duration.ofSeconds(10))) {
                closedByClient.countDown();
            }
        });
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofMillis(300)).maxAttempts(1));
        BodyHandler<Integer> firstByte = info -> BodySubscribers.mapping(BodySubscribers.ofInputStream(), in -> {
            try {
                return in.read();
            } catch (IOException failed) {
                Await.until(() -> closedByClient.getCount() == 0, "the client to close the connection");
                throw new UncheckedIOException(failed);
            }
        });

        Throwable thrown = catchThrowable(() -> {
            if (async) {
                client.sendAsync(get("/export"), firstByte).get(10, TimeUnit.SECONDS);
            } else {
                client.send(get("/export"), firstByte);
            }
        });

        assertThat(FailureClassifier.ofDefaults().classify(thrown)).as("%s", thrown).hasValueSatisfying(
                failure -> assertThat(failure.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT));
    }

    /**
     * A streamed body read to its end, or closed by the caller before it (who no longer wants the rest), is a
     * success of the upstream's, recorded once the body ends.
     */
    @ParameterizedTest(name = "read to the end: {0}")
    @ValueSource(booleans = {true, false})
    void streamedBodyEndsAsASuccessWhenReadOrClosedByTheCaller(boolean toTheEnd) throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.largeBody(toTheEnd ? 256 * 1024 : 64L * 1024 * 1024));
        GuardedHttpClient client = client(fast(upstream.uri()));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);

        HttpResponse<InputStream> response = client.send(get("/export"), BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (toTheEnd) {
                assertThat(body.readAllBytes()).hasSize(256 * 1024);
            } else {
                assertThat(body.readNBytes(1024)).hasSize(1024);
            }
        }

        Await.until(() -> breaker.getMetrics().getNumberOfSuccessfulCalls() == 1, "the body's end to be recorded");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(client.guard().metrics().brokenBodies()).isZero();
        assertThat(events.of(UpstreamEvent.BodyBrokenOff.class)).isEmpty();
        // The response as the client made it: its request, URI and version.
        assertThat(response.uri()).isEqualTo(upstream.uri().resolve("/export"));
        assertThat(response.request().uri()).isEqualTo(upstream.uri().resolve("/export"));
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.previousResponse()).isEmpty();
    }

    /**
     * The response the caller gets is the client's own in all it tells: over HTTPS its TLS session (the upstream's
     * certificate, for an application that checks whom it talked to), and the words it logs it with.
     */
    @Test
    void responseOverHttpsKeepsItsTlsSessionAndItsOwnWords() throws Exception {
        FaultyUpstream upstream = FaultyUpstream.startTlsSelfSigned(Behaviour.ok());
        try {
            HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .sslContext(FaultyUpstream.trustingSelfSigned()).build();
            GuardedHttpClient client = GuardedHttpClient.of(https, UpstreamGuard.builder(fast(upstream.uri()).build())
                    .listener(events).build());

            HttpResponse<String> response = client.send(get("/orders/7"), BodyHandlers.ofString());

            assertThat(response.body()).isEqualTo("ok");
            assertThat(response.sslSession()).hasValueSatisfying(session -> assertThat(session.getProtocol())
                    .startsWith("TLS"));
            assertThat(response.toString()).isEqualTo("(GET " + upstream.uri() + "/orders/7) 200");
        } finally {
            upstream.close();
        }
    }

    @Test
    void sendsPathAndQueryBelowTheEndpointsOwnPath() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(URI.create(upstream.uri() + "/api/")));

        client.send(get("/orders/42?full=true&sort=a%2Cb"), BodyHandlers.discarding());

        assertThat(upstream.requests()).singleElement()
                .satisfies(r -> assertThat(r.target()).isEqualTo("/api/orders/42?full=true&sort=a%2Cb"));
    }

    @Test
    void failedResponseBodyNeverReachesTheCaller() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "<html>upstream internals</html>"));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));
        AtomicInteger handlerCalls = new AtomicInteger();
        BodyHandler<InputStream> handler = info -> {
            handlerCalls.incrementAndGet();
            return BodyHandlers.ofInputStream().apply(info);
        };

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), handler));

        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(thrown).hasMessage(
                "upstream 'orders' failed: upstream_status (status 503) after 1 attempt, not retried: max_attempts")
                .hasNoCause();
        assertThat(handlerCalls).as("the caller's body handler is never asked for a failed response").hasValue(0);
    }

    /**
     * A 5xx response an application reads with the JDK's client through the guard's body-agnostic API ({@code call}
     * with the JDK's adapter) into a streamed body ({@code ofInputStream()}, {@code ofLines()}, {@code ofPublisher()})
     * is a failure whose body the caller never gets: the guard releases it ({@link ResponseAdapter#discard}), so that
     * its connection is not held open, unread, until the upstream gives up on it. The upstream sends the head and
     * the start of a long body, and sees the gateway close the connection.
     */
    @ParameterizedTest
    @ValueSource(strings = {"InputStream", "lines", "publisher"})
    void streamedBodyOfAFailedResponseIsReleased(String body) throws Exception {
        CompletableFuture<Boolean> closedByClient = new CompletableFuture<>();
        FaultyUpstream upstream = upstreams.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000000\r\n\r\n");
            exchange.writeRepeated((byte) 'x', 1000);
            closedByClient.complete(exchange.awaitClosedByClient(Duration.ofSeconds(10)));
        });
        UpstreamGuard guard = UpstreamGuard.of(fast(upstream.uri()).maxAttempts(1).build());

        UpstreamFailureException thrown = switch (body) {
            case "InputStream" -> failedCall(guard, BodyHandlers.ofInputStream());
            case "lines" -> failedCall(guard, BodyHandlers.ofLines());
            default -> failedCall(guard, BodyHandlers.ofPublisher());
        };

        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(closedByClient.get(15, TimeUnit.SECONDS)).as("the connection released").isTrue();
    }

    /** A GET through the guard's body-agnostic API with the JDK's client and adapter, which must fail. */
    private static <T> UpstreamFailureException failedCall(UpstreamGuard guard, BodyHandler<T> handler) {
        return catchThrowableOfType(UpstreamFailureException.class, () -> guard.call(UpstreamRequest.of("GET"),
                JdkResponseAdapter.<T>instance(), attempt -> HTTP.send(
                        HttpRequest.newBuilder(attempt.resolve(URI.create("/export"))).build(), handler)));
    }

    /**
     * A failed response whose body is large (an upstream's 503 that dumps a heap, a proxy's error page of megabytes)
     * is drained only up to {@value DiscardingBodySubscriber#MAX_DRAINED_BYTES} bytes to keep its connection; past
     * that its connection is closed, and the upstream cannot write the rest: the gateway does not read 64 MiB of
     * nothing for a page that shows none of it.
     */
    @Test
    void failedResponsesLargeBodyIsNotReadToItsEnd() throws Exception {
        long size = 64L * 1024 * 1024;
        AtomicBoolean wroteAll = new AtomicBoolean();
        CountDownLatch answered = new CountDownLatch(1);
        FaultyUpstream upstream = upstreams.start(exchange -> {
            try {
                exchange.writeRaw("HTTP/1.1 503 Service Unavailable\r\nContent-Length: " + size + "\r\n\r\n");
                exchange.writeRepeated((byte) 'x', size);
                wroteAll.set(true);
            } finally {
                answered.countDown();
            }
        });
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders"), BodyHandlers.ofString()));

        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(answered.await(10, TimeUnit.SECONDS)).as("the upstream's write ended").isTrue();
        assertThat(wroteAll).as("the connection was closed under the upstream's write").isFalse();
    }

    @Test
    void with5xxFailuresOffTheResponseIsReturnedAsIs() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "maintenance", "Retry-After", "30"));
        GuardedHttpClient client = client(fast(upstream.uri()).failOn5xxEnabled(false));

        HttpResponse<String> response = client.send(get("/orders"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("maintenance");
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @Test
    void requestsOwnShorterTimeoutIsKept() {
        FaultyUpstream upstream = upstreams.start(Behaviour.stall());
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://orders/x")).timeout(Duration.ofMillis(200)).build();

        long start = System.nanoTime();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(request, BodyHandlers.ofString()));

        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        // Ended by the request's 200 ms, not by the attempt timeout of 10 s (the default) it would otherwise wait:
        // half of that leaves a busy machine room.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    /**
     * R13: with the system property {@code jdk.httpclient.enableAllMethodRetry} set (empty or true, as the JDK reads
     * it), the JDK's client sends any request again on its own when its connection closes before the response: a
     * POST to an upstream that read it and closed the connection reached it twice in one send, on JDK 17 and 25
     * alike. The guard promises at most once, and could neither see nor prevent it: such a client is refused. Read
     * when the client is wrapped, since the JDK reads it once, when its client first sends, in any JVM.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "true", "TRUE", "false"})
    void refusesAClientSetToRepeatAnyRequestItself(String value) {
        UpstreamGuard guard = UpstreamGuard.of(fast(URI.create("http://127.0.0.1:1")).build());
        String before = System.getProperty("jdk.httpclient.enableAllMethodRetry");
        System.setProperty("jdk.httpclient.enableAllMethodRetry", value);
        try {
            if (value.equals("false")) {
                assertThat(GuardedHttpClient.of(HTTP, guard).guard()).isSameAs(guard);
            } else {
                assertThatIllegalStateException().isThrownBy(() -> GuardedHttpClient.of(HTTP, guard))
                        .withMessageContaining("upstream orders")
                        .withMessageContaining("jdk.httpclient.enableAllMethodRetry ('" + value + "')")
                        .withMessageContaining("a POST too");
            }
        } finally {
            if (before == null) {
                System.clearProperty("jdk.httpclient.enableAllMethodRetry");
            } else {
                System.setProperty("jdk.httpclient.enableAllMethodRetry", before);
            }
        }
    }

    /**
     * An https endpoint whose host name ends in a dot (a fully qualified name, as Kubernetes users write it to skip
     * the search domains): the JDK's client refuses it as a TLS server name with an IllegalArgumentException on every
     * send, which no classifier knows, so every call failed with it and the circuit breaker never heard of it. Refused
     * when the client is wrapped, naming the endpoint; over plain HTTP, which sends no server name, it is taken.
     */
    @Test
    void refusesAnHttpsEndpointWhoseHostNameEndsInADot() {
        UpstreamGuard dotted = UpstreamGuard.of(fast(URI.create("https://orders.internal.example.:8443")).build());
        UpstreamGuard plain = UpstreamGuard.of(fast(URI.create("http://orders.internal.example.:8080")).build());

        assertThatIllegalArgumentException().isThrownBy(() -> GuardedHttpClient.of(HTTP, dotted))
                .withMessageContaining("upstreams.orders.endpoints")
                .withMessageContaining("https://orders.internal.example.:8443")
                .withMessageContaining("without the dot");
        assertThat(GuardedHttpClient.of(HTTP, plain).guard()).isSameAs(plain);
    }

    /**
     * R45: an upstream holds a GET and then closes the connection without an answer, and the JDK client sends the
     * GET again on its own (a resend inside the attempt, which the guard cannot prevent), with its request timeout
     * started again: the 3 s attempt ran for 2.6 s + 3 s, past the deadline of 3 s, and the blocking send had no
     * timer of the guard's to end it. The guard's backstop (as much again, a second at most) ends it now: a late
     * response after 4 s. Here with a 6 s attempt held for 5.2 s, so that the backstop (7 s) and the resend's own
     * timeout (11.2 s) are seconds apart, and a busy machine cannot make either look like the other.
     */
    @Test
    void blockingSendEndsAnAttemptTheClientsOwnResendWouldRunPastItsTimeout() {
        Behaviour holdThenClose = exchange -> {
            exchange.await(Duration.ofMillis(5200));
            exchange.closeConnection();
        };
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(holdThenClose, Behaviour.stall()));
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(1)
                .attemptTimeout(Duration.ofSeconds(6)).deadline(Duration.ofSeconds(6)));

        long start = System.nanoTime();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> client.send(get("/orders/42"), BodyHandlers.ofString()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(upstream.requestCount()).as("the JDK client's own resend").isEqualTo(2);
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        // The backstop ends it at 7 s; without it, 11.2 s at the least: the bound leaves 2 s either side.
        assertThat(took).isLessThan(Duration.ofSeconds(9));
        assertThat(Thread.currentThread().isInterrupted()).as("the backstop's interrupt stays inside the send")
                .isFalse();
        assertThat(client.guard().metrics().abortedCalls()).as("late, not interrupted by its caller").isZero();
    }

    /**
     * An endpoint that never accepts the connection (a full accept queue), and an attempt timeout shorter than the
     * client's connect timeout: the async send fails with {@code connection_timeout}, as the blocking one does, the
     * JDK client telling a connect that never completed from a late head when its request timeout passes. The
     * guard's own timer, due at the same moment and completing on its own thread, came first and made it a late
     * response ({@code http_response_timeout}), a failure after which a POST may not be retried (R2, R13). The
     * attempt's timeout is a second, so that the guard's backstop comes a second after the client's timer, as for any
     * attempt of a second or more: of a 200 ms attempt it came 200 ms after, which the client's selector thread and
     * executor, on a loaded machine, now and then took to pass the connect's failure on (a late response, seen on
     * JDK 17 with two forks on two busy cores).
     */
    @Test
    void asyncSendTellsAConnectThatNeverCompletesFromALateResponse() {
        try (Blackhole blackhole = Blackhole.open()) {
            GuardedHttpClient client = client(fast(blackhole.uri()).maxAttempts(1)
                    .attemptTimeout(Duration.ofSeconds(1)));

            for (int i = 0; i < 2; i++) {
                UpstreamFailureException blocking = catchThrowableOfType(UpstreamFailureException.class,
                        () -> client.send(get("/orders/42"), BodyHandlers.ofString()));
                ExecutionException async = catchThrowableOfType(ExecutionException.class,
                        () -> client.sendAsync(get("/orders/42"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));

                assertThat(blocking.failure().cause()).isEqualTo(FailureCause.CONNECTION_TIMEOUT);
                assertThat(async.getCause()).isInstanceOfSatisfying(UpstreamFailureException.class,
                        failed -> assertThat(failed.failure().cause()).as("%s", failed.getCause())
                                .isEqualTo(FailureCause.CONNECTION_TIMEOUT));
            }
        }
    }

    @Test
    void asyncSendRetriesWithTheBufferedBodyAndSucceeds() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(Behaviour.respond(503, "busy"), Behaviour.ok()));
        GuardedHttpClient client = client(fast(upstream.uri()));

        HttpResponse<String> response = client.sendAsync(request("PUT", "/orders/42", "{\"paid\":true}"),
                BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(upstream.requests()).extracting(FaultyUpstream.RecordedRequest::bodyText)
                .containsExactly("{\"paid\":true}", "{\"paid\":true}");
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).hasSize(1);
    }

    /**
     * A short body to buffer whose publisher never completes (a client that stopped sending): the send ends within
     * the deadline, blocking or async, instead of leaving its caller waiting for ever, and as the body's source
     * stalling, not as a timeout or failure of the upstream, which has not been called.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void sendOfABodyThatNeverCompletesEndsWithinTheDeadlineAsAStall(boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofMillis(200)).deadline(Duration.ofMillis(300)));
        HttpRequest.BodyPublisher never = HttpRequest.BodyPublishers.fromPublisher(
                subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                }), 10);

        HttpRequest put = HttpRequest.newBuilder(URI.create("http://upstream/orders/42")).PUT(never).build();

        Throwable failed = async
                ? catchThrowableOfType(ExecutionException.class,
                        () -> client.sendAsync(put, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS)).getCause()
                : catchThrowable(() -> client.send(put, BodyHandlers.ofString()));

        assertThat(failed).isInstanceOfSatisfying(BodySourceFailure.class,
                stall -> assertThat(stall.isStalled()).isTrue());
        assertThat(upstream.requestCount()).isZero();
    }

    /**
     * A streamed body (no length to buffer it by) whose publisher signals an unchecked failure, a bug of the body's
     * source (a servlet filter took the request's body as a reader, so the proxy's read of the stream throws the
     * container's {@code IllegalStateException}), ends the call with that bug, thrown as is, as a body to buffer's
     * does: not as a failure of the source's I/O ({@code BodySourceFailure}), which the proxy answers with a 400
     * blaming the client; nothing is counted against the upstream.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void streamedBodyWhosePublisherFailsUncheckedEndsTheCallWithThatBug(boolean async) throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        IllegalStateException bug = new IllegalStateException("getReader() has already been called for this request");
        Throwable failed = sendStreamedFailing(client, async, bug);

        assertThat(failed).isInstanceOf(IllegalStateException.class).hasMessage(bug.getMessage());
        assertThat(client.guard().metrics().failedCalls()).isZero();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * A streamed body whose publisher signals a checked exception that is no I/O failure, a bug of the body's source
     * (a servlet filter's wrapper of the request's body threw a {@code CloneNotSupportedException} past the compiler's
     * check, as Kotlin or Lombok's {@code @SneakyThrows} code does), fails the call with {@code proxy_internal_error},
     * the exception its cause, as a checked exception no classifier knows does: not as a failure of the source's I/O
     * ({@code BodySourceFailure}), which the proxy answered with a 400 blaming the client; nothing is counted against
     * the upstream. So too for a body of known length buffered for a resend (a PUT): its read failed with
     * {@code BodySourceFailure: could not read the request body to buffer it}; the upstream is not called. Either way
     * the guard records the call alike (one rule, whatever the body): a call and a failed call in its metrics,
     * one {@code CallFailed} event with the failure thrown, and the call's time, which the page's log line gives
     * ({@code elapsed_ms}); the buffered body's, failed before any attempt, with no attempt. Its failure was built by
     * hand: no failed call, no event, and {@code elapsed_ms=-}.
     */
    @ParameterizedTest(name = "buffered: {0}, async: {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void bodyWhosePublisherFailsWithACheckedExceptionOfNoIoIsAProxyInternalError(boolean buffered,
            boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        CloneNotSupportedException bug = new CloneNotSupportedException("boom in the body's wrapper");
        Throwable failed = buffered
                ? sendBuffered(client, async, subscriber -> subscriber.onError(bug))
                : sendStreamedFailing(client, async, bug);

        assertThat(failed).isInstanceOfSatisfying(UpstreamFailureException.class, internal -> {
            assertThat(internal.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
            assertThat(internal.failure().upstream()).isEqualTo(client.guard().name());
            assertThat(internal.getCause()).isSameAs(bug);
            assertThat(internal.failure().attempts()).isEqualTo(buffered ? 0 : 1);
            assertThat(internal.failure().elapsedKnown()).as("elapsed_ms measured").isTrue();
            assertThat(events.of(UpstreamEvent.CallFailed.class)).as("one CallFailed event, of the failure thrown")
                    .singleElement().satisfies(event -> assertThat(event.failure()).isEqualTo(internal.failure()));
        });
        if (buffered) {
            assertThat(upstream.requestCount()).isZero();
        }
        UpstreamMetrics metrics = client.guard().metrics();
        assertThat(metrics.calls()).isEqualTo(1);
        assertThat(metrics.failedCalls()).isEqualTo(1);
        assertThat(metrics.attempts()).isEqualTo(buffered ? 0 : 1);
        assertThat(metrics.rejectedCalls()).isZero();
        assertThat(metrics.abortedCalls()).isZero();
        assertThat(metrics.retries()).isZero();
        assertThat(metrics.lostRetries()).isZero();
        // The exception UpstreamMetrics documents to attempts == calls - rejectedCalls + retries - lostRetries: a call
        // failed before any attempt is one short, as no rejected call.
        assertThat(metrics.attempts()).isEqualTo(metrics.calls() - metrics.rejectedCalls() + metrics.retries()
                - metrics.lostRetries() - (buffered ? 1 : 0));
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * A body to buffer whose publisher signals an {@code IOException} of its cause's message around a checked
     * exception (a body that inflates its source and wraps the inflater's {@code DataFormatException} so:
     * {@code new IOException(e.getMessage(), e)}) failed as the source's I/O failure, the client's: no bug. Nothing
     * restates what such a publisher signals, the JDK client's {@code send} only restates a streamed body's: the
     * match of a restatement made it a {@code proxy_internal_error}, a 500 page and an ERROR line, for a client
     * that sent a corrupt body. So too a stall ({@code TimeoutException}) and an interrupt
     * ({@code InterruptedException}) signalled past the compiler's check: the source's failure, not a bug.
     */
    @ParameterizedTest(name = "{0}, async: {1}")
    @CsvSource({"restated, false", "restated, true", "timeout, false", "timeout, true", "interrupt, false",
            "interrupt, true"})
    void bodyToBufferWhosePublisherSignalsAnIoExceptionAroundACheckedOneFailsAsTheSources(String signalled,
            boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        java.util.zip.DataFormatException corrupt = new java.util.zip.DataFormatException("invalid stored block");
        Exception failure = switch (signalled) {
            case "restated" -> new IOException(corrupt.getMessage(), corrupt);
            case "timeout" -> new java.util.concurrent.TimeoutException("the client stalled");
            default -> new InterruptedException("the reading thread was interrupted");
        };

        Throwable failed = sendBuffered(client, async, subscriber -> subscriber.onError(failure));

        assertThat(failed).isInstanceOf(UncheckedIOException.class);
        assertThat(failed.getClass().getSimpleName()).isEqualTo("BodySourceFailure");
        assertThat(failed.getCause()).hasCause(failure);
        assertThat(upstream.requestCount()).isZero();
        assertThat(client.guard().metrics().failedCalls()).isZero();
    }

    /**
     * A short body to buffer whose source fails, the failure thrown from the publisher's {@code request(n)} or
     * signalled, unchecked ({@code UncheckedIOException} around the client's {@code SocketTimeoutException}): the call
     * fails at once, as the source's failure, not the upstream's. Thrown on the executor's thread, it was only
     * printed, and the async call waited for its whole deadline, then said the source had stalled; signalled, it
     * was thrown on as it was, and read as the upstream's read timeout.
     */
    @ParameterizedTest(name = "thrown: {0}, async: {1}")
    @CsvSource({"true, false", "true, true", "false, false", "false, true"})
    void bodyToBufferWhoseSourceFailsFailsAtOnceAsTheSourcesFailure(boolean thrown, boolean async) throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        UncheckedIOException failure = new UncheckedIOException(new java.net.SocketTimeoutException("Read timed out"));

        Throwable cause = sendBuffered(client, async, subscriber -> {
            if (thrown) {
                throw failure;
            }
            subscriber.onError(failure);
        });

        assertThat(cause).isInstanceOf(UncheckedIOException.class)
                .hasRootCauseInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(cause.getClass().getSimpleName()).isEqualTo("BodySourceFailure");
        assertThat(upstream.requestCount()).isZero();
        assertThat(client.guard().metrics().failedCalls()).isZero();
    }

    /**
     * An application without the servlet module answers its guarded call's failure with
     * {@link ErrorPages#handle}, as the servlet filter does behind application code: a call that the request body's
     * source failed (an upload streamed from the application's own client that stalled while the upstream waited for
     * the rest; a body to buffer whose read of the client timed out) is the client's, and gets no page, where it got
     * a 504 {@code connection_read_timeout} that blamed the upstream for the client's stall (R1 is for upstream
     * failures); the same upstream's own stall, with the whole body sent, still gets its 504 page.
     */
    @ParameterizedTest(name = "streamed: {0}")
    @ValueSource(booleans = {true, false})
    void errorPagesLeavesACallTheRequestBodysSourceFailedToTheCaller(boolean streamed) throws Exception {
        ErrorPages errorPages = ErrorPages.ofDefaults();
        ErrorRequest put = ErrorRequest.of("PUT", "/orders/42");
        CountDownLatch released = new CountDownLatch(1);
        Throwable failed;
        try {
            if (streamed) {
                GuardedHttpClient client = client(fast(upstreams.start(Behaviour.ok()).uri())
                        .attemptTimeout(Duration.ofMillis(300)).deadline(Duration.ofSeconds(5)));
                InputStream stalling = new InputStream() {
                    private int sent;

                    @Override
                    public int read() throws IOException {
                        if (sent++ < 10) {
                            return 'x';
                        }
                        try {
                            released.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw new IOException("the client went away");
                    }
                };
                HttpRequest upload = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                        .PUT(BodyPublishers.ofInputStream(() -> stalling)).build();
                failed = catchThrowable(() -> client.send(upload, BodyHandlers.ofString()));
            } else {
                GuardedHttpClient client = client(fast(upstreams.start(Behaviour.ok()).uri()));
                failed = sendBuffered(client, false, subscriber -> subscriber.onError(
                        new UncheckedIOException(new java.net.SocketTimeoutException("Read timed out"))));
            }
        } finally {
            released.countDown();
        }

        assertThat(failed).as("the request body's source failed the call").isInstanceOf(UncheckedIOException.class);
        assertThat(errorPages.handle(failed, put)).as("no page for the client's failure").isEmpty();

        GuardedHttpClient stalled = client(fast(upstreams.start(Behaviour.stall()).uri())
                .attemptTimeout(Duration.ofMillis(300)).deadline(Duration.ofSeconds(5)).maxAttempts(1));
        HttpRequest whole = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(BodyPublishers.ofString("{\"paid\":true}")).build();
        Throwable upstreamsOwn = catchThrowable(() -> stalled.send(whole, BodyHandlers.ofString()));
        assertThat(errorPages.handle(upstreamsOwn, put)).as("the upstream's own stall")
                .hasValueSatisfying(page -> assertThat(page.status()).isEqualTo(504));
    }

    /**
     * An upload streamed the usual way ({@code BodyPublishers.ofInputStream}) from a client that goes away after some
     * bytes (its stream throws a {@code SocketException("Connection reset")} or an {@code EOFException}, which
     * the JDK's publisher wraps in an {@code UncheckedIOException}) ends the call as the body's source's failure,
     * sync or async: {@link ErrorPages#handle} gives no page, the breaker counts nothing and the call is not retried.
     * The unchecked wrapper was taken for a bug and thrown as is, which a page answered with a 502
     * {@code connection_terminated} and an incident log line blaming the upstream for the client's leaving (R1 is for
     * upstream failures). An {@code IllegalStateException} of the stream is still a bug, thrown as is.
     */
    @ParameterizedTest(name = "{0}, async: {1}")
    @CsvSource({"reset, false", "reset, true", "eof, false", "eof, true", "bug, false", "bug, true"})
    void uploadStreamedFromAnInputStreamWhoseClientWentAwayEndsAsTheBodysSourceFailure(String gone, boolean async)
            throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3).deadline(Duration.ofSeconds(30)));
        InputStream leaving = new InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                if (sent++ < 10) {
                    return 'x';
                }
                switch (gone) {
                    case "reset" -> throw new java.net.SocketException("Connection reset");
                    case "eof" -> throw new java.io.EOFException("Early EOF");
                    default -> throw new IllegalStateException("getReader() has already been called for this request");
                }
            }
        };
        HttpRequest upload = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(BodyPublishers.ofInputStream(() -> leaving)).build();

        Throwable failed = async
                ? catchThrowableOfType(ExecutionException.class,
                        () -> client.sendAsync(upload, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS)).getCause()
                : catchThrowable(() -> client.send(upload, BodyHandlers.ofString()));

        if (gone.equals("bug")) {
            assertThat(failed).as("a bug, as is").isInstanceOf(IllegalStateException.class)
                    .hasMessage("getReader() has already been called for this request");
        } else {
            assertThat(failed).as("the body's source failed").isInstanceOfSatisfying(BodySourceFailure.class,
                    failure -> assertThat(failure.isStalled()).isFalse());
            assertThat(failed).hasRootCauseInstanceOf(gone.equals("reset")
                    ? java.net.SocketException.class : java.io.EOFException.class);
            assertThat(ErrorPages.ofDefaults().handle(failed, ErrorRequest.of("PUT", "/orders/42")))
                    .as("no page for the client's leaving").isEmpty();
        }
        assertThat(client.guard().metrics().attempts()).as("not retried").isEqualTo(1);
        assertThat(client.guard().metrics().failedCalls()).isZero();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * An upload streamed from another guarded call's body (a download from one upstream piped into the upload to
     * another) whose download breaks off is that upstream's failure, not the client's: {@link ErrorPages#handle}
     * answers it with that upstream's page (R1), sync or async. Taken for the source's I/O failure like a client's
     * {@code SocketException}, the call ended as a {@code BodySourceFailure}, which gets no page.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void uploadStreamedFromAnotherGuardedCallsBodyThatBrokeOffKeepsThatUpstreamsPage(boolean async) throws Exception {
        GuardedHttpClient storage = GuardedHttpClient.of(HTTP, UpstreamGuard.of(
                UpstreamConfig.builder("storage").endpoints(upstreams.start(Behaviour.truncatedBody()).uri()).build()));
        GuardedHttpClient orders = client(fast(upstreams.start(Behaviour.ok()).uri()).deadline(Duration.ofSeconds(30)));
        HttpResponse<InputStream> download = storage.send(
                HttpRequest.newBuilder(URI.create("http://storage/files/7")).build(), BodyHandlers.ofInputStream());
        HttpRequest upload = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(BodyPublishers.ofInputStream(download::body)).build();

        Throwable failed = async
                ? catchThrowableOfType(ExecutionException.class,
                        () -> orders.sendAsync(upload, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS)).getCause()
                : catchThrowable(() -> orders.send(upload, BodyHandlers.ofString()));

        assertThat(failed).isNotInstanceOf(BodySourceFailure.class).hasCauseInstanceOf(IOException.class);
        assertThat(ErrorPages.ofDefaults().handle(failed, ErrorRequest.of("PUT", "/orders/42")))
                .as("storage's page").hasValueSatisfying(page -> {
                    assertThat(page.status()).isEqualTo(502);
                    assertThat(page.decision().errorCode()).isEqualTo("http_response_incomplete");
                });
        assertThat(orders.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * An Error a body to buffer throws (a bug) ends the call at once, as is, sync or async: async, it escaped on the
     * executor's thread, only printed, and the call waited for its whole deadline, then said the source stalled.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void errorThrownByABodyToBufferEndsTheCallAtOnceAsIs(boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        AssertionError bug = new AssertionError("a bug of the body's");

        assertThat(sendBuffered(client, async, subscriber -> {
            throw bug;
        })).isSameAs(bug);
        assertThat(upstream.requestCount()).isZero();
    }

    /**
     * A RuntimeException a body to buffer throws (a bug of the publisher's, not its source's I/O, which comes as an
     * UncheckedIOException) is thrown as it is too, sync or async: not a failure of the body's source, which would
     * answer the client as if its upload had broken.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void runtimeExceptionThrownByABodyToBufferIsThrownAsIs(boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        IllegalStateException bug = new IllegalStateException("a bug of the body's");

        assertThat(sendBuffered(client, async, subscriber -> {
            throw bug;
        })).isSameAs(bug);
        assertThat(upstream.requestCount()).isZero();
    }

    /**
     * A checked exception of no I/O that a body to buffer throws rather than signals (its source's wrapper threw a
     * {@code CloneNotSupportedException} past the compiler's check, as Kotlin or Lombok's {@code @SneakyThrows} code
     * does) from the publisher's {@code subscribe}, from its subscription's {@code request(n)}, or from there on a
     * thread of the publisher's own: the call fails at once, sync or async, with {@code proxy_internal_error}, the
     * exception its cause, as when it is signalled; the upstream is not called and nothing is counted against it.
     * Only unchecked ones were caught: the blocking send threw the checked exception, undeclared, past its caller,
     * and the async one (and any send, for a publisher's own thread) waited for its deadline, the exception only
     * printed, and then said the body's source had stalled.
     */
    @ParameterizedTest(name = "thrown from {0}, async: {1}")
    @CsvSource({"subscribe, false", "subscribe, true", "request, false", "request, true",
        "request on the publisher's thread, false", "request on the publisher's thread, true"})
    void checkedExceptionThrownByABodyToBufferIsAProxyInternalErrorAtOnce(String thrownFrom, boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).deadline(Duration.ofSeconds(30)));
        CloneNotSupportedException bug = new CloneNotSupportedException("boom in the body's wrapper");
        Flow.Subscription throwing = throwingOnRequest(bug);
        Flow.Publisher<ByteBuffer> body = switch (thrownFrom) {
            case "subscribe" -> subscriber -> {
                throw sneaky(bug);
            };
            case "request" -> subscriber -> subscriber.onSubscribe(throwing);
            default -> subscriber -> new Thread(() -> subscriber.onSubscribe(throwing), "body-publisher").start();
        };
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(body, 10)).build();

        Throwable failed = failureOf(client, put, async);

        assertThat(failed).isInstanceOfSatisfying(UpstreamFailureException.class, internal -> {
            assertThat(internal.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
            assertThat(internal.failure().upstream()).isEqualTo(client.guard().name());
            assertThat(internal.failure().attempts()).isZero();
            assertThat(internal.getCause()).isSameAs(bug);
        });
        assertThat(upstream.requestCount()).isZero();
        // Counted as the guard's failed call, as a signalled bug is (failBeforeAnyAttempt), not against the upstream.
        assertThat(client.guard().metrics().failedCalls()).isEqualTo(1);
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * An interrupt that a body to buffer throws rather than signals (an {@code InterruptedException} its source's
     * wrapper let escape past the compiler's check, as Kotlin or Lombok's {@code @SneakyThrows} code does) stays an
     * interrupt of the thread it escaped on. Thrown on the caller's thread, the blocking send throws it, the
     * {@code InterruptedException} it declares, the thread's flag consumed as by any method that throws one; thrown on
     * the executor's thread (async) or a thread of the publisher's own, that thread is interrupted again, and the call
     * fails as for a signalled interrupt, as the body source's failure. The executor's thread is interrupted for the
     * rest of the read's task only (the publisher's code after {@code onSubscribe} sees it), not once the task ended:
     * the pool's next task is another's. Nothing is sent or counted. Since BodyCollector caught every Throwable, the
     * blocking send failed with "could not read the request body to buffer it" (BodySourceFailure) and no thread kept
     * its interrupt; since it interrupted the thread again, the executor's thread stayed interrupted after the task.
     */
    @ParameterizedTest(name = "thrown from {0}, async: {1}")
    @CsvSource({"subscribe, false", "subscribe, true", "request, false", "request, true",
        "request on the publisher's thread, false", "request on the publisher's thread, true"})
    void interruptThrownByABodyToBufferStaysAnInterruptOfTheThreadItEscapedOn(String thrownFrom, boolean async) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        CompletableFuture<Boolean> readerInterrupted = new CompletableFuture<>();
        Executor reader = task -> new Thread(() -> {
            try {
                task.run();
            } finally {
                readerInterrupted.complete(Thread.currentThread().isInterrupted());
            }
        }, "body-reader").start();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(
                fast(upstream.uri()).deadline(Duration.ofSeconds(30)).build()).executor(reader).listener(events)
                .build());
        InterruptedException interrupt = new InterruptedException("interrupted while reading the body's source");
        CompletableFuture<Boolean> publisherInterrupted = new CompletableFuture<>();
        CompletableFuture<Boolean> interruptedAfterOnSubscribe = new CompletableFuture<>();
        Flow.Subscription throwing = throwingOnRequest(interrupt);
        Flow.Publisher<ByteBuffer> body = switch (thrownFrom) {
            case "subscribe" -> subscriber -> {
                throw sneaky(interrupt);
            };
            case "request" -> subscriber -> {
                subscriber.onSubscribe(throwing);
                interruptedAfterOnSubscribe.complete(Thread.currentThread().isInterrupted());
            };
            default -> subscriber -> new Thread(() -> {
                subscriber.onSubscribe(throwing);
                publisherInterrupted.complete(Thread.currentThread().isInterrupted());
            }, "body-publisher").start();
        };
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(body, 10)).build();

        Throwable failed;
        boolean callerInterrupted;
        try {
            failed = failureOf(client, put, async);
        } finally {
            callerInterrupted = Thread.interrupted(); // and cleared, for the tests that follow on this thread
        }

        assertThat(callerInterrupted).as("the caller's flag afterwards").isFalse();
        boolean publishersThread = thrownFrom.startsWith("request on");
        if (async || publishersThread) {
            assertThat(failed).as("as a signalled interrupt").isInstanceOf(BodySourceFailure.class);
            assertThat(failed.getCause()).hasCause(interrupt);
            if (publishersThread) {
                assertThat(publisherInterrupted).as("the publisher's thread it escaped on, interrupted again")
                        .succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
            }
        } else {
            assertThat(failed).isSameAs(interrupt);
        }
        if (thrownFrom.equals("request")) {
            assertThat(interruptedAfterOnSubscribe).as("the thread it escaped on, interrupted again for the read")
                    .succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
        }
        if (async) {
            assertThat(readerInterrupted).as("the executor's thread once the read's task ended")
                    .succeedsWithin(Duration.ofSeconds(10)).isEqualTo(false);
        }
        assertThat(upstream.requestCount()).isZero();
        assertThat(client.guard().metrics().calls()).isZero();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    /**
     * An interrupt that a body to buffer throws on a pool's thread (async), rather than signals, does not reach the
     * next task that thread runs, someone else's (another request's body read, a parallel stream, a
     * {@code supplyAsync}): a {@code ForkJoinPool}, as the common pool that the guard reads on by default, clears a
     * worker's interrupt only once the worker goes idle, not between tasks. The call fails as for a signalled
     * interrupt, as the body source's failure. Since BodyCollector interrupted the thread again, the next task found
     * it interrupted.
     */
    @Test
    void interruptThrownByABodyToBufferOnAPoolsThreadDoesNotReachThePoolsNextTask() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(
                    fast(upstream.uri()).deadline(Duration.ofSeconds(30)).build()).executor(pool).listener(events)
                    .build());
            InterruptedException interrupt = new InterruptedException("interrupted while reading the body's source");
            AtomicReference<Thread> readOn = new AtomicReference<>();
            CompletableFuture<Thread> nextTaskOn = new CompletableFuture<>();
            CompletableFuture<Boolean> nextTaskInterrupted = new CompletableFuture<>();
            Flow.Publisher<ByteBuffer> body = subscriber -> {
                readOn.set(Thread.currentThread());
                // Pushed on the worker's own queue: the next task it runs, with no idle in between.
                pool.execute(() -> {
                    nextTaskInterrupted.complete(Thread.currentThread().isInterrupted());
                    nextTaskOn.complete(Thread.currentThread());
                });
                subscriber.onSubscribe(throwingOnRequest(interrupt));
            };
            HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(body, 10)).build();

            Throwable failed = failureOf(client, put, true);

            assertThat(failed).as("as a signalled interrupt").isInstanceOf(BodySourceFailure.class);
            assertThat(failed.getCause()).hasCause(interrupt);
            assertThat(nextTaskOn).as("the pool's one worker").succeedsWithin(Duration.ofSeconds(10))
                    .isSameAs(readOn.get());
            assertThat(nextTaskInterrupted).as("the next task's thread").succeedsWithin(Duration.ofSeconds(10))
                    .isEqualTo(false);
            assertThat(upstream.requestCount()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * An interrupt that a body to buffer throws, rather than signals, on the caller's thread of an async send, which
     * an executor that runs the read's task within {@code execute} (a direct one, a caller-runs policy) reads it on,
     * stays the caller's thread's: it was the caller's own. The call fails as for a signalled interrupt.
     */
    @Test
    void interruptThrownByABodyToBufferReadOnTheCallersThreadByItsExecutorStaysTheCallers() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(
                fast(upstream.uri()).deadline(Duration.ofSeconds(30)).build()).executor(Runnable::run).listener(events)
                .build());
        InterruptedException interrupt = new InterruptedException("interrupted while reading the body's source");
        Flow.Publisher<ByteBuffer> body = subscriber -> subscriber.onSubscribe(throwingOnRequest(interrupt));
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(body, 10)).build();

        CompletableFuture<HttpResponse<String>> sent;
        boolean callerInterrupted;
        try {
            sent = client.sendAsync(put, BodyHandlers.ofString());
        } finally {
            callerInterrupted = Thread.interrupted(); // and cleared, for the tests that follow on this thread
        }

        assertThat(callerInterrupted).as("the caller's flag afterwards").isTrue();
        Throwable failed = catchThrowableOfType(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS))
                .getCause();
        assertThat(failed).as("as a signalled interrupt").isInstanceOf(BodySourceFailure.class);
        assertThat(failed.getCause()).hasCause(interrupt);
        assertThat(upstream.requestCount()).isZero();
    }

    /**
     * A thread interrupted before it runs the read's task (a caller that drains a queue of tasks after the send
     * returned, a thread that helps a ForkJoinPool while it waits), whose interrupt the publisher consumes and throws
     * as an {@code InterruptedException}, keeps that interrupt once the task ends: it was the thread's own. The task
     * cleared it as if it had been the read's, and a stop signal sent to that thread was lost.
     */
    @Test
    void aThreadInterruptedBeforeItRunsTheReadsTaskKeepsItsInterrupt() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        List<Runnable> queued = new CopyOnWriteArrayList<>();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(
                fast(upstream.uri()).deadline(Duration.ofSeconds(30)).build()).executor(queued::add).listener(events)
                .build());
        Flow.Subscription consumingTheInterrupt = new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (Thread.interrupted()) { // as a blocking read does: the flag consumed, the exception thrown
                    throw sneaky(new InterruptedException("interrupted while reading the body's source"));
                }
            }

            @Override
            public void cancel() {
            }
        };
        Flow.Publisher<ByteBuffer> body = subscriber -> subscriber.onSubscribe(consumingTheInterrupt);
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(body, 10)).build();

        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(put, BodyHandlers.ofString());
        assertThat(queued).as("the read's task, queued").hasSize(1);
        boolean interruptedAfter;
        Thread.currentThread().interrupt(); // the thread's own, before it runs the task
        try {
            queued.get(0).run();
        } finally {
            interruptedAfter = Thread.interrupted(); // and cleared, for the tests that follow on this thread
        }

        assertThat(interruptedAfter).as("the thread's own interrupt, kept").isTrue();
        Throwable failed = catchThrowableOfType(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS))
                .getCause();
        assertThat(failed).as("as a signalled interrupt").isInstanceOf(BodySourceFailure.class);
        assertThat(upstream.requestCount()).isZero();
    }

    /** A subscription whose {@code request(n)} throws {@code thrown}, checked or not, rather than signal it. */
    private static Flow.Subscription throwingOnRequest(Throwable thrown) {
        return new Flow.Subscription() {
            @Override
            public void request(long n) {
                throw sneaky(thrown);
            }

            @Override
            public void cancel() {
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> RuntimeException sneaky(Throwable thrown) throws T {
        throw (T) thrown;
    }

    /**
     * Sends a PUT whose body of a known 10 bytes is buffered for retries, its publisher's {@code request(n)} doing
     * what it is given.
     *
     * @return what the call failed with (an async call's, unwrapped from the future's)
     */
    private static Throwable sendBuffered(GuardedHttpClient client, boolean async,
            java.util.function.Consumer<Flow.Subscriber<? super ByteBuffer>> onRequest) {
        Flow.Publisher<ByteBuffer> body = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                onRequest.accept(subscriber);
            }

            @Override
            public void cancel() {
            }
        });
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(body, 10)).build();
        return failureOf(client, put, async);
    }

    /**
     * Sends a PUT whose streamed body (no length) signals {@code failure} when asked for its first bytes.
     *
     * @return what the call failed with (an async call's, unwrapped from the future's)
     */
    private static Throwable sendStreamedFailing(GuardedHttpClient client, boolean async, Throwable failure) {
        Flow.Publisher<ByteBuffer> body = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                subscriber.onError(failure);
            }

            @Override
            public void cancel() {
            }
        });
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://upstream/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(body)).build();
        return failureOf(client, put, async);
    }

    /** @return what sending {@code put} failed with, an async call's unwrapped from the future's {@code get} */
    private static Throwable failureOf(GuardedHttpClient client, HttpRequest put, boolean async) {
        if (async) {
            return catchThrowableOfType(ExecutionException.class,
                    () -> client.sendAsync(put, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS)).getCause();
        }
        return catchThrowable(() -> client.send(put, BodyHandlers.ofString()));
    }

    /**
     * A short body to buffer that reads its source inside {@code request(n)}, as the JDK's {@code ofInputStream}
     * does, from a client that stalls: the async send returns at once and ends within the deadline, instead of
     * reading the body on the caller's thread for as long as the source stalls (20 s here, released as the test
     * ends) before it returns. The bounds are fractions of that stall, far above the 300 ms deadline, so that a busy
     * machine cannot reach them.
     */
    @Test
    void asyncSendReadsABodyToBufferOffTheCallersThread() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).attemptTimeout(Duration.ofMillis(200)).deadline(Duration.ofMillis(300)));
        CountDownLatch released = new CountDownLatch(1);
        InputStream stalled = new InputStream() {
            @Override
            public int read() throws java.io.IOException {
                try {
                    released.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new java.io.IOException("the client went away");
            }
        };
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> stalled), 10))
                .build();

        try {
            long start = System.nanoTime();
            CompletableFuture<HttpResponse<String>> sent = client.sendAsync(put, BodyHandlers.ofString());
            Duration returnedAfter = Duration.ofNanos(System.nanoTime() - start);
            ExecutionException failed = catchThrowableOfType(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS));
            Duration endedAfter = Duration.ofNanos(System.nanoTime() - start);

            assertThat(returnedAfter).isLessThan(Duration.ofSeconds(5));
            assertThat(failed).hasCauseInstanceOf(java.io.UncheckedIOException.class);
            assertThat(endedAfter).isLessThan(Duration.ofSeconds(5));
            assertThat(upstream.requestCount()).isZero();
        } finally {
            released.countDown();
        }
    }

    /**
     * A body to buffer whose publisher ends before its declared length (an upload cut short): the JDK client alone
     * fails such a request ("Too few bytes returned by the publisher"); buffered for a retry, it must not reach the
     * upstream as a complete body of fewer bytes, a PUT that overwrites a resource with half of it.
     */
    @Test
    void bodyShorterThanItsDeclaredLengthIsNeverSent() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        HttpRequest cut = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString("{\"paid\""), 13))
                .build();

        Throwable blocking = catchThrowableOfType(java.io.UncheckedIOException.class,
                () -> client.send(cut, BodyHandlers.ofString()));
        ExecutionException async = catchThrowableOfType(ExecutionException.class,
                () -> client.sendAsync(cut, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));

        assertThat(blocking).hasRootCauseMessage("request body shorter than its declared length 13: 7 bytes");
        assertThat(async).hasCauseInstanceOf(java.io.UncheckedIOException.class);
        assertThat(upstream.requestCount()).isZero();
    }

    /**
     * A body to buffer whose publisher delivers more than its declared length (a publisher that miscounts): the JDK
     * client alone fails such a request ("Too many bytes in request body"); buffered for a retry, its first bytes
     * must not reach the upstream as the whole body, a PUT that overwrites a resource with the start of another. The
     * call fails as the body's (no upstream failure, nothing sent), at once, not after the deadline.
     */
    @Test
    void bodyLongerThanItsDeclaredLengthIsNeverSent() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        HttpRequest miscounted = HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(BodyPublishers.fromPublisher(BodyPublishers.ofString("{\"paid\":true}"), 5)).build();

        Throwable blocking = catchThrowableOfType(java.io.UncheckedIOException.class,
                () -> client.send(miscounted, BodyHandlers.ofString()));
        ExecutionException async = catchThrowableOfType(ExecutionException.class,
                () -> client.sendAsync(miscounted, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));

        assertThat(blocking).isInstanceOf(BodySourceFailure.class)
                .hasRootCauseMessage("request body longer than its declared length 5");
        assertThat(async.getCause()).isInstanceOf(BodySourceFailure.class)
                .hasRootCauseMessage("request body longer than its declared length 5");
        assertThat(upstream.requestCount()).isZero();
        assertThat(client.guard().metrics().calls()).as("no upstream call was begun").isZero();
    }

    /**
     * A body handler's own exception (a mapping's bug, or its failure: Jackson's comes as an UncheckedIOException) is
     * thrown to the caller as it is, though the JDK's blocking send restates it as a plain IOException of the same
     * message: not a 500 page of the guard's own making ({@code proxy_internal_error}), not retried, not counted
     * against the upstream, and every permit given back. An Error too, as the Error it is, not a cancellation.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"unchecked", "runtime", "error"})
    void bodyHandlersOwnExceptionIsThrownAsItIsThroughTheBlockingSend(String kind) {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()).maxAttempts(3));
        Throwable bug = switch (kind) {
            case "unchecked" -> new UncheckedIOException(new IOException("Unrecognized field \"total\""));
            case "runtime" -> new IllegalStateException("no mapper for text/plain");
            default -> new AssertionError("mapping bug");
        };
        BodyHandler<String> mapping = info -> {
            if (bug instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) bug;
        };

        Throwable thrown = catchThrowable(() -> client.send(get("/orders/7"), mapping));

        assertThat(thrown).isSameAs(bug);
        assertThat(upstream.requestCount()).isEqualTo(1);
        UpstreamMetrics metrics = client.guard().metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.failedCalls()).isZero();
        assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(client.guard().bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(client.guard().bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    @Test
    void asyncFailureCompletesWithTheUpstreamFailure() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy"));
        GuardedHttpClient client = client(fast(upstream.uri()));

        ExecutionException failed = catchThrowableOfType(ExecutionException.class,
                () -> client.sendAsync(request("POST", "/orders", "{}"), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));

        assertThat(failed).hasCauseInstanceOf(UpstreamFailureException.class);
        assertThat(((UpstreamFailureException) failed.getCause()).failure().attempts()).isEqualTo(1);
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    /**
     * An async send whose body to buffer is to be read on an executor that refuses it (the guard's, shut down with
     * the application while its HTTP client has none of its own) fails its future with the refusal at once: it
     * neither throws from {@code sendAsync} nor leaves the future pending, and nothing is sent.
     */
    @Test
    void asyncSendWhoseBodyReaderIsRefusedFailsItsFuture() {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        ExecutorService stopped = Executors.newSingleThreadExecutor();
        stopped.shutdown();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.builder(fast(upstream.uri()).build())
                .executor(stopped).listener(events).build());

        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(request("PUT", "/orders/42", "{}"),
                BodyHandlers.ofString());

        assertThat(sent).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(RejectedExecutionException.class);
        assertThat(upstream.requestCount()).isZero();
    }

    /**
     * An async send cancelled while its body to buffer is still being read (a slow client's upload) makes no call
     * once the body is there: no attempt for nobody, and nothing counted, as a call never made.
     */
    @Test
    void asyncSendCancelledWhileItsBodyIsReadMakesNoCall() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.ok());
        GuardedHttpClient client = client(fast(upstream.uri()));
        CompletableFuture<Flow.Subscriber<? super ByteBuffer>> subscribed = new CompletableFuture<>();
        HttpRequest.BodyPublisher slow = BodyPublishers.fromPublisher(subscriber -> {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            subscribed.complete(subscriber);
        }, 4);
        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://orders/orders/42")).PUT(slow).build(),
                BodyHandlers.ofString());
        Flow.Subscriber<? super ByteBuffer> body = subscribed.get(10, TimeUnit.SECONDS);

        sent.cancel(true);
        body.onNext(ByteBuffer.wrap("paid".getBytes(StandardCharsets.US_ASCII)));
        body.onComplete();

        assertThat(sent).isCancelled();
        assertThat(client.guard().metrics().calls()).isZero();
        assertThat(upstream.requestCount()).isZero();
    }

    @Test
    void cancellingAnAsyncSendAbortsTheAttemptWithoutRetryOrBreakerCount() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.stall());
        GuardedHttpClient client = client(fast(upstream.uri()));

        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(get("/slow"), BodyHandlers.ofString());
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        sent.cancel(true);

        assertThat(sent).isCancelled();
        // The attempt learns of the cancel when the client's own future completes, which may be on another thread a
        // moment after cancel() returned. metrics() is a snapshot: ask for a new one each time.
        Await.until(() -> client.guard().metrics().abortedCalls() > 0, "the cancelled call to be counted as aborted");
        UpstreamMetrics metrics = client.guard().metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.retries()).isZero();
        assertThat(client.guard().bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(client.guard().bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    /**
     * Completing the returned future with a value of the caller's own (a fallback, {@code completeOnTimeout}) ends
     * the call as cancelling it does: the attempt is aborted and no retry made, for a request without a body as for
     * one whose body the guard buffered (R44: no retry budget and no upstream capacity spent on an answer nobody
     * reads).
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT"})
    void callerCompletingAnAsyncSendItselfAbortsTheAttemptWithoutRetry(String method) throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.stall());
        GuardedHttpClient client = client(fast(upstream.uri()));
        HttpRequest request = method.equals("GET") ? get("/slow") : request("PUT", "/slow", "{\"paid\":true}");

        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(request, BodyHandlers.ofString());
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        assertThat(sent.complete(null)).isTrue();

        Await.until(() -> client.guard().metrics().abortedCalls() > 0, "the call to be counted as aborted");
        UpstreamMetrics metrics = client.guard().metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.failedCalls()).isZero();
        assertThat(metrics.retries()).isZero();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    /**
     * A client that follows redirects sends a POST's body again for a 307 (and 308): a new request after a
     * complete response, not a retry (R13). The JDK's publisher of a string reads it afresh, so the moved resource
     * gets the whole body, as without the guard, and the upstream's breaker records one success.
     */
    @Test
    void postBodyFollowsARedirectThatKeepsIt() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(307, "", "Location", "/orders/moved"), Behaviour.respond(200, "created")));
        GuardedHttpClient client = followingRedirects(upstream);

        HttpResponse<String> response = client.send(request("POST", "/orders", "{\"item\":7}"),
                BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("created");
        assertThat(upstream.requests()).extracting(FaultyUpstream.RecordedRequest::target,
                FaultyUpstream.RecordedRequest::bodyText)
                .containsExactly(tuple("/orders", "{\"item\":7}"), tuple("/orders/moved", "{\"item\":7}"));
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(client.guard().metrics().retries()).isZero();
    }

    /** A guarded client for the upstream whose JDK client follows redirects, as applications often build it. */
    private GuardedHttpClient followingRedirects(FaultyUpstream upstream) {
        HttpClient following = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        return GuardedHttpClient.of(following,
                UpstreamGuard.builder(fast(upstream.uri()).build()).listener(events).build());
    }

    /** As for a redirect: the body goes again with the credentials a 401 asked for. */
    @Test
    void postBodyIsSentAgainWithTheCredentialsAChallengeAskedFor() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(401, "", "WWW-Authenticate", "Basic realm=\"orders\""),
                Behaviour.respond(200, "created")));
        GuardedHttpClient client = GuardedHttpClient.of(authenticating(),
                UpstreamGuard.builder(fast(upstream.uri()).build()).listener(events).build());

        HttpResponse<String> response = client.send(request("POST", "/orders", "{\"item\":7}"),
                BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(upstream.requests()).hasSize(2).allSatisfy(r -> assertThat(r.bodyText()).isEqualTo("{\"item\":7}"));
        assertThat(upstream.requests().get(1).headers()).containsKey("authorization");
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * A body that cannot be read twice (a stream) cannot follow a 307: the call ends with an
     * UncheckedIOException that says why, and the upstream, which answered, is not blamed: its breaker records no
     * failure, where a {@code connection_terminated} used to count against it and could open it for every caller.
     */
    @Test
    void streamedPostBodyThatCannotFollowARedirectDoesNotBlameTheUpstream() {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(307, "", "Location", "/orders/moved"), Behaviour.respond(200, "created")));
        GuardedHttpClient client = followingRedirects(upstream);
        assertStreamedPostBodyThatCannotGoAgainIsNotBlamedOnTheUpstream(client, upstream);
    }

    /**
     * As for a redirect: a body that cannot be read twice (a stream) cannot go again with the credentials a 401 asked
     * for, and the call ends with an UncheckedIOException that says why; the upstream, which answered, is not blamed
     * ({@code connection_terminated} would count against its breaker) and the call is not retried (R13).
     */
    @Test
    void streamedPostBodyThatCannotAnswerAChallengeDoesNotBlameTheUpstream() {
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(
                Behaviour.respond(401, "", "WWW-Authenticate", "Basic realm=\"orders\""),
                Behaviour.respond(200, "created")));
        GuardedHttpClient client = GuardedHttpClient.of(authenticating(),
                UpstreamGuard.builder(fast(upstream.uri()).build()).listener(events).build());
        assertStreamedPostBodyThatCannotGoAgainIsNotBlamedOnTheUpstream(client, upstream);
    }

    /**
     * Sends a POST whose body is a stream through the client, whose upstream asks for it again: the call ends with an
     * UncheckedIOException that says why, after one request with the body, and counts against nothing.
     */
    private static void assertStreamedPostBodyThatCannotGoAgainIsNotBlamedOnTheUpstream(GuardedHttpClient client,
            FaultyUpstream upstream) {
        byte[] body = "{\"item\":7}".getBytes(StandardCharsets.UTF_8);
        HttpRequest streamed = HttpRequest.newBuilder(URI.create("http://orders/orders"))
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();

        Throwable thrown = catchThrowable(() -> client.send(streamed, BodyHandlers.ofString()));

        assertThat(thrown).isInstanceOf(UncheckedIOException.class)
                .hasStackTraceContaining("its body cannot be read twice");
        assertThat(upstream.requests().get(0).bodyText()).isEqualTo("{\"item\":7}");
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(client.guard().metrics().failedCalls()).isZero();
        assertThat(client.guard().metrics().retries()).isZero();
    }

    /**
     * R2, R45: a head that arrives as the attempt's time runs out, which the JDK client's own request timer (the
     * attempt's timeout, by which the client tells a connect that never completed from a late head) cuts after the
     * client parsed it and before it took it in: the client closes the connection and fails the exchange, on JDK 17
     * as a body cut short ("fixed content-length: 100, bytes received: 10"). That was read as the upstream's
     * incomplete answer: a 502 {@code http_response_incomplete}, not retried, counted against the upstream as a
     * malformed answer. The client timed the attempt out: it is a late response, a 504 {@code http_response_timeout}
     * retried as a GET is, and the retry's answer is the caller's. The client asks its cookie handler in that gap (its
     * response filter), which holds it until the upstream sees the client close the connection, so the timer always
     * cuts the parsed head; but which failure the client then reports is a race inside it, not deterministic: mostly
     * (on JDK 17) the body it began, cut short, which the handler's body must get as the attempt's timeout with the
     * cut kept; sometimes (the first exchange in a fresh JVM, say), and on JDK 25 as far as seen, its own timeout,
     * which a run passes without the guard's handling of the cut too: such a run proves nothing of it. The attempt's
     * timeout is a second: the retry must have its answer in it, which on two busy cores took longer than 300 ms now
     * and then (the call failed, late twice); the cut of the first attempt waits for the timer whatever its length.
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void aHeadTheClientsOwnTimerCutsAfterParsingItIsALateResponseNotAnIncompleteOne(boolean async) throws Exception {
        CountDownLatch cut = new CountDownLatch(1);
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(headCutByTheClient(cut), Behaviour.ok()));
        GuardedHttpClient client = GuardedHttpClient.of(holdingEachHeadUntil(cut), UpstreamGuard.builder(
                fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(1)).build()).listener(events).build());
        List<Throwable> bodyFailures = new CopyOnWriteArrayList<>();
        BodyHandler<String> handler = recordingFailures(BodyHandlers.ofString(), bodyFailures);

        HttpResponse<String> response = async
                ? client.sendAsync(get("/orders/42"), handler).get(10, TimeUnit.SECONDS)
                : client.send(get("/orders/42"), handler);

        assertThat(cut.getCount()).as("the client's timer cut the first exchange").isZero();
        assertLateWhereTheClientReportedTheCut(bodyFailures);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT));
        CircuitBreaker breaker = client.guard().circuitBreakers().get(0);
        Await.until(() -> breaker.getMetrics().getNumberOfSuccessfulCalls() == 1, "the retry's success recorded");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).as("the late first attempt").isEqualTo(1);
    }

    /**
     * R2, R45: the same cut where the request has its own timeout, shorter than the attempt's: the client's request
     * timer runs on that one, and cuts the head it parsed while the attempt has time left. That was still the
     * upstream's incomplete answer (a 502 {@code http_response_incomplete}, not retried), as only the attempt's time
     * counted; it is a late response, retried, as with the attempt's timeout. The client's report is decided by its
     * own race, as above. The request's timeout is a second, as the attempt's is above: the retry, under the same
     * request's timeout, must have its answer in it, which on two busy cores took longer than 300 ms once (the call
     * failed, late twice).
     */
    @ParameterizedTest(name = "async: {0}")
    @ValueSource(booleans = {false, true})
    void aHeadTheClientsTimerCutsOnTheRequestsOwnShorterTimeoutIsALateResponseThoughTheAttemptHadTimeLeft(
            boolean async) throws Exception {
        CountDownLatch cut = new CountDownLatch(1);
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(headCutByTheClient(cut), Behaviour.ok()));
        GuardedHttpClient client = GuardedHttpClient.of(holdingEachHeadUntil(cut), UpstreamGuard.builder(
                fast(upstream.uri()).attemptTimeout(Duration.ofSeconds(3)).build()).listener(events).build());
        HttpRequest request = HttpRequest.newBuilder(get("/orders/42"), (name, value) -> true)
                .timeout(Duration.ofSeconds(1)).build();
        List<Throwable> bodyFailures = new CopyOnWriteArrayList<>();
        BodyHandler<String> handler = recordingFailures(BodyHandlers.ofString(), bodyFailures);

        HttpResponse<String> response = async
                ? client.sendAsync(request, handler).get(10, TimeUnit.SECONDS)
                : client.send(request, handler);

        assertThat(cut.getCount()).as("the client's timer cut the first exchange").isZero();
        assertLateWhereTheClientReportedTheCut(bodyFailures);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT));
        assertThat(events.all()).extracting(Object::toString)
                .noneMatch(event -> event.contains(FailureCause.HTTP_RESPONSE_INCOMPLETE.name()));
    }

    /**
     * The same cut head with a body the caller streams ({@code ofInputStream()}, as the proxy servlet's {@code jdk}
     * transport reads its answers): on JDK 17 the blocking send failed as the upstream's incomplete answer (the proxy's
     * 502 page) or, when the client handed the stream over first, the stream failed at its first read as a body the
     * upstream broke off, incomplete. Either is now the attempt's timeout: a send that fails is retried (its
     * answer is the caller's), a stream handed over fails as late; nothing says the upstream's answer was incomplete.
     * Which of the two the client does, and whether it reports the cut or its own timeout (above), the client's own
     * races decide; whatever it reports, the body's failure must not be the upstream's.
     */
    @Test
    void aStreamedBodyOfAHeadTheClientsOwnTimerCutsIsLateNotIncomplete() throws Exception {
        CountDownLatch cut = new CountDownLatch(1);
        FaultyUpstream upstream = upstreams.start(Behaviour.sequence(headCutByTheClient(cut), Behaviour.ok()));
        GuardedHttpClient client = GuardedHttpClient.of(holdingEachHeadUntil(cut), UpstreamGuard.builder(
                fast(upstream.uri()).attemptTimeout(Duration.ofMillis(300)).build()).listener(events).build());
        List<Throwable> bodyFailures = new CopyOnWriteArrayList<>();

        HttpResponse<InputStream> response = client.send(get("/orders/42"),
                recordingFailures(BodyHandlers.ofInputStream(), bodyFailures));
        Throwable read = catchThrowable(() -> {
            try (InputStream body = response.body()) {
                assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
            }
        });

        assertThat(cut.getCount()).as("the client's timer cut the first exchange").isZero();
        assertLateWhereTheClientReportedTheCut(bodyFailures);
        if (read == null) { // the send failed, and its retry answered
            assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                    .satisfies(retry -> assertThat(retry.cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT));
        } else { // the stream was handed over, then failed
            assertThat(read).isInstanceOf(IOException.class);
            assertThat(FailureClassifier.ofDefaults().classify(read)).hasValueSatisfying(failure -> assertThat(
                    failure.cause()).isIn(FailureCause.HTTP_RESPONSE_TIMEOUT, FailureCause.CONNECTION_READ_TIMEOUT));
        }
        // Every event that names a cause: none blames the upstream's answer.
        assertThat(events.all()).extracting(Object::toString)
                .noneMatch(event -> event.contains(FailureCause.HTTP_RESPONSE_INCOMPLETE.name()));
    }

    /**
     * What the caller's handler's bodies were failed with (through the guard's own wrapper of a body broken before it
     * was asked for), where the client's timer cut the first exchange: a timeout each. Where the client reported the
     * cut (the body cut short), that is the attempt's timeout, the cut kept as a suppressed exception, where without
     * it the upstream's incomplete answer was; where it reported its own timeout, that one as it is.
     */
    private static void assertLateWhereTheClientReportedTheCut(List<Throwable> bodyFailures) {
        assertThat(bodyFailures).as("what the handler's bodies were failed with").allSatisfy(failure -> {
            Throwable late = failure;
            for (int i = 0; late != null && !(late instanceof HttpTimeoutException) && i < 10; i++) {
                late = late.getCause();
            }
            assertThat(late).as("the timeout in %s", failure).isInstanceOf(HttpTimeoutException.class);
            assertThat(late.getSuppressed()).as("the cut the client reported, kept")
                    .allSatisfy(cutShort -> assertThat(cutShort).isInstanceOf(IOException.class)
                            .isNotInstanceOf(HttpTimeoutException.class));
        });
    }

    /**
     * @return {@code handler}, whose bodies add each failure they are told of (as the attempt's body bound passes it
     *     on) to {@code failures}
     */
    private static <T> BodyHandler<T> recordingFailures(BodyHandler<T> handler, List<Throwable> failures) {
        return info -> {
            BodySubscriber<T> body = handler.apply(info);
            return new BodySubscriber<>() {
                @Override
                public CompletionStage<T> getBody() {
                    return body.getBody();
                }

                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    body.onSubscribe(subscription);
                }

                @Override
                public void onNext(List<ByteBuffer> item) {
                    body.onNext(item);
                }

                @Override
                public void onError(Throwable failure) {
                    failures.add(failure);
                    body.onError(failure);
                }

                @Override
                public void onComplete() {
                    body.onComplete();
                }
            };
        };
    }

    /**
     * @param cut counted down once the client closed the connection
     * @return an upstream's answer that is a head and the start of its body, on time, the rest held until the client
     *     closes the connection
     */
    private static Behaviour headCutByTheClient(CountDownLatch cut) {
        return exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789");
            if (exchange.awaitClosedByClient(Duration.ofSeconds(10))) {
                cut.countDown();
            }
        };
    }

    /**
     * @param cut what ends the hold
     * @return a JDK client that holds each response head it parsed, before it takes it in (in its cookie filter,
     *     which runs before it cancels its request timer), until {@code cut} is counted down
     */
    private static HttpClient holdingEachHeadUntil(CountDownLatch cut) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieHandler() {
            @Override
            public Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
                return Map.of();
            }

            @Override
            public void put(URI uri, Map<String, List<String>> responseHeaders) {
                try {
                    cut.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).build();
    }

    /** A JDK client, following no redirects, that answers a server's Basic challenge with fixed credentials. */
    private static HttpClient authenticating() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .authenticator(new Authenticator() {
                    @Override
                    protected PasswordAuthentication getPasswordAuthentication() {
                        return new PasswordAuthentication("gateway", "s3cret".toCharArray());
                    }
                }).build();
    }

    @Test
    void interruptingABlockingSendAbortsItWithoutRetry() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.stall());
        GuardedHttpClient client = client(fast(upstream.uri()));
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                client.send(get("/slow"), BodyHandlers.ofString());
            } catch (Throwable t) {
                outcome.set(t);
            }
        });

        caller.start();
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
        caller.interrupt();
        caller.join(5_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(client.guard().metrics().abortedCalls()).isEqualTo(1);
        assertThat(client.guard().metrics().retries()).isZero();
        assertThat(client.guard().circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(upstream.requestCount()).isEqualTo(1);
    }
}
