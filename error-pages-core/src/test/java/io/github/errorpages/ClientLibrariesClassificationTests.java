package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import feign.Feign;
import feign.RequestLine;
import feign.Retryer;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.HttpResources;
import reactor.netty.http.client.HttpClient;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;
import reactor.pool.InstrumentedPool;
import reactor.pool.PoolAcquirePendingLimitException;
import reactor.pool.PoolAcquireTimeoutException;
import reactor.pool.PoolBuilder;
import reactor.pool.PooledRef;

/**
 * The failures of HTTP clients other than the JDK's and Jetty's, which applications call their upstreams with, made
 * for real over loopback sockets: OkHttp, Apache HttpClient 5 (classic and async) and 4, Reactor Netty (Spring's
 * WebClient) and Netty's own client pipeline, the Vert.x web client and Feign's default client. Each must be the
 * upstream's failure of the right cause (R2), so that the page, its status and the guard's retry follow from it as
 * for the JDK's client.
 * Unclassified, they reached the container (a 500 naming the exception); a connection closed before the response
 * read as a body cut short, which the guard does not retry.
 */
class ClientLibrariesClassificationTests {

    private static final String BAD_HEADER = "HTTP/1.1 200 OK\r\nbad header line\r\nContent-Length: 0\r\n\r\n";
    /** A chunked body whose connection closes three bytes into its five-byte chunk. */
    private static final String TRUNCATED_CHUNK = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel";

    private static final OkHttpClient OKHTTP = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private static final CloseableHttpClient APACHE = HttpClients.custom().disableAutomaticRetries().build();
    /** Apache 5 as {@code createDefault()} makes it: its retries on, which turn any cancel into "Request aborted". */
    private static final CloseableHttpClient APACHE_RETRYING = HttpClients.createDefault();
    private static final org.apache.http.impl.client.CloseableHttpClient APACHE_4 =
            org.apache.http.impl.client.HttpClients.custom().disableAutomaticRetries().build();
    private static final CloseableHttpAsyncClient APACHE_ASYNC = started(HttpAsyncClients.createDefault());
    /** Apache 5 and 4 with a limit on a head's lines (none by default), as an application sets one: 8 KiB. */
    private static final CloseableHttpClient APACHE_LIMITED = HttpClients.custom().disableAutomaticRetries()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                    .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                            .http1Config(Http1Config.custom().setMaxLineLength(8192).build()).build()).build())
            .build();
    private static final org.apache.http.impl.client.CloseableHttpClient APACHE_4_LIMITED =
            org.apache.http.impl.client.HttpClients.custom().disableAutomaticRetries()
                    .setDefaultConnectionConfig(org.apache.http.config.ConnectionConfig.custom()
                            .setMessageConstraints(org.apache.http.config.MessageConstraints.lineLen(8192)).build())
                    .build();
    private static final HttpClient REACTOR_NETTY = HttpClient.create(ConnectionProvider.newConnection())
            .responseTimeout(Duration.ofMillis(300));
    private static final Vertx VERTX = Vertx.vertx();
    private static final WebClient VERTX_CLIENT = WebClient.create(VERTX, new WebClientOptions().setKeepAlive(false));
    private static final EventLoopGroup NETTY = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    private final FailureClassifier classifier = FailureClassifier.ofDefaults();
    private final List<AutoCloseable> resources = new ArrayList<>();
    /** Runs what a test does beside its call: not the common pool, whose one thread a blocked task would hold. */
    private final ExecutorService background = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        background.shutdownNow();
    }

    @AfterAll
    static void closeClients() throws IOException {
        OKHTTP.dispatcher().executorService().shutdown();
        OKHTTP.connectionPool().evictAll();
        APACHE.close(CloseMode.IMMEDIATE);
        APACHE_RETRYING.close(CloseMode.IMMEDIATE);
        APACHE_4.close();
        APACHE_LIMITED.close(CloseMode.IMMEDIATE);
        APACHE_4_LIMITED.close();
        NETTY.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        APACHE_ASYNC.close(CloseMode.IMMEDIATE);
        HttpResources.disposeLoopsAndConnections();
        VERTX_CLIENT.close();
        VERTX.close().await();
    }

    /** One client's call: a GET of the URI, its body read to the end. */
    @FunctionalInterface
    interface Get {
        String get(URI uri) throws Exception;
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                // A connection closed before any response: a stale keep-alive connection, retried (R47).
                failure("OkHttp", ClientLibrariesClassificationTests::okHttp, Behaviour.closeBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                failure("Apache 5", ClientLibrariesClassificationTests::apache, Behaviour.closeBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                failure("Apache 5 async", ClientLibrariesClassificationTests::apacheAsync,
                        Behaviour.closeBeforeResponse(), FailureCause.CONNECTION_TERMINATED),
                failure("Apache 4", ClientLibrariesClassificationTests::apache4, Behaviour.closeBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                failure("Reactor Netty", ClientLibrariesClassificationTests::reactorNetty,
                        Behaviour.closeBeforeResponse(), FailureCause.CONNECTION_TERMINATED),
                // Vert.x's HttpClosedException is no IOException: unclassified, the container's 500 named it.
                failure("Vert.x", ClientLibrariesClassificationTests::vertx, Behaviour.closeBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                // Vert.x says the same of a body cut short ("Connection was closed"): still the upstream's 502.
                failure("Vert.x", ClientLibrariesClassificationTests::vertx, Behaviour.truncatedBody(),
                        FailureCause.CONNECTION_TERMINATED),
                // A body short of its Content-Length.
                failure("OkHttp", ClientLibrariesClassificationTests::okHttp, Behaviour.truncatedBody(),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE),
                // A negative Content-Length: OkHttp takes it for the body's length, and reading the body fails with
                // Okio's IllegalArgumentException "byteCount < 0: -5", which the container's 500 page named. Bad
                // framing (R2's http_protocol_error), as the JDK client's "fixed content-length: -5".
                failure("OkHttp", ClientLibrariesClassificationTests::okHttp,
                        raw("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello"), FailureCause.HTTP_PROTOCOL_ERROR),
                // A head the client cannot parse.
                failure("Apache 5", ClientLibrariesClassificationTests::apache, raw(BAD_HEADER),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Apache 5 async", ClientLibrariesClassificationTests::apacheAsync, Behaviour.garbage(),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Apache 5 async", ClientLibrariesClassificationTests::apacheAsync, raw(BAD_HEADER),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Apache 4", ClientLibrariesClassificationTests::apache4, raw(BAD_HEADER),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                // A status below 100, which Apache 4's executor refuses (no parser's frame on its stack).
                failure("Apache 4", ClientLibrariesClassificationTests::apache4,
                        raw("HTTP/1.1 99 Weird\r\nContent-Length: 0\r\n\r\n"), FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Apache 5", ClientLibrariesClassificationTests::apache,
                        raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok"), FailureCause.HTTP_PROTOCOL_ERROR),
                // A redirect whose Location has an empty host: Apache 5 follows it and fails with URIUtils's
                // IllegalArgumentException around a URISyntaxException, which the container's 500 page named; its
                // "Invalid redirect URI" for another bad Location, and Apache 4's for this one, are protocol errors.
                failure("Apache 5", ClientLibrariesClassificationTests::apache,
                        raw("HTTP/1.1 302 Found\r\nLocation: //:0/orders\r\nContent-Length: 0\r\n\r\n"),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                // A redirect to a scheme Apache 5 cannot route ("Unroutable protocol scheme"): thrown by its route
                // planner, which prepares the application's own request too, but here called for the upstream's
                // Location by its redirect executor: the upstream's answer, which the container's 500 page named.
                failure("Apache 5", ClientLibrariesClassificationTests::apache,
                        raw("HTTP/1.1 302 Found\r\nLocation: ftp://files.example/orders\r\nContent-Length: 0\r\n\r\n"),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Reactor Netty", ClientLibrariesClassificationTests::reactorNetty, Behaviour.garbage(),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                // Feign's default client (HttpURLConnection reads a reply that is no HTTP as HTTP/0.9, status -1)
                // throws "Invalid status(-1) executing GET http://...": unclassified, the 500 named the upstream.
                failure("Feign", ClientLibrariesClassificationTests::feign, Behaviour.garbage(),
                        FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Reactor Netty", ClientLibrariesClassificationTests::reactorNetty,
                        Behaviour.chunked("zz\r\nhello\r\n0\r\n\r\n"), FailureCause.HTTP_PROTOCOL_ERROR),
                // A chunk longer than its size: Apache's MalformedChunkCodingException ("Unexpected content at the
                // end of chunk"), an IOException whose words name no failure the JDK's classifier knows (its "Bad
                // chunk header" for a size that is no number it does know).
                failure("Apache 5", ClientLibrariesClassificationTests::apache,
                        Behaviour.chunked("3\r\nhello\r\n0\r\n\r\n"), FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Apache 4", ClientLibrariesClassificationTests::apache4,
                        Behaviour.chunked("3\r\nhello\r\n0\r\n\r\n"), FailureCause.HTTP_PROTOCOL_ERROR),
                // The connection closed inside a chunk: Apache's TruncatedChunkException ("Truncated chunk (expected
                // size: 5; actual size: 3)"), a body cut short (R2's http_response_incomplete), not the 500 naming it.
                failure("Apache 5", ClientLibrariesClassificationTests::apache, raw(TRUNCATED_CHUNK),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE),
                failure("Apache 4", ClientLibrariesClassificationTests::apache4, raw(TRUNCATED_CHUNK),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE),
                // No response head within the client's response timeout (504, R2).
                failure("Reactor Netty", ClientLibrariesClassificationTests::reactorNetty, Behaviour.stall(),
                        FailureCause.CONNECTION_READ_TIMEOUT),
                // A head over Netty's decoder limits (8 KiB each): a header field, a status line (R2's
                // http_response_header_section_size), not the container's 500 naming Netty's exception.
                failure("Reactor Netty", ClientLibrariesClassificationTests::reactorNetty,
                        raw("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(10_000) + "\r\nContent-Length: 0\r\n\r\n"),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                failure("Reactor Netty", ClientLibrariesClassificationTests::reactorNetty,
                        raw("HTTP/1.1 200 " + "O".repeat(10_000) + "\r\nContent-Length: 0\r\n\r\n"),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                // The same field over the line limit an application set on Apache's parser: its
                // MessageConstraintException ("Maximum line length limit exceeded"), an IOException of no known words.
                failure("Apache 5 with a line limit", ClientLibrariesClassificationTests::apacheLimited,
                        raw("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(10_000) + "\r\nContent-Length: 0\r\n\r\n"),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                failure("Apache 4 with a line limit", ClientLibrariesClassificationTests::apache4Limited,
                        raw("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(10_000) + "\r\nContent-Length: 0\r\n\r\n"),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                // A body over the aggregator's limit in Netty's own client pipeline: its TooLongHttpContentException
                // ("Response entity too large"), the response body's size (R2's http_response_body_size).
                // Apache 5 async: a head over its default line limit (the classic client has none), a chunk size
                // that is no number, a chunk header without its LF. Its own retries (on by default) send the GET
                // again on a new connection first, which an upstream that answers one connection only never answers:
                // no callback then, until that connection ends (a test's hang, not the client's).
                failure("Apache 5 async", ClientLibrariesClassificationTests::apacheAsync,
                        Behaviour.respond(200, "ok", "X-Padding", "p".repeat(500_000)),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                failure("Apache 5 async", ClientLibrariesClassificationTests::apacheAsync,
                        Behaviour.chunked("zz\r\nhello\r\n"), FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Apache 5 async", ClientLibrariesClassificationTests::apacheAsync,
                        Behaviour.chunked("5\rhello\r\n"), FailureCause.HTTP_PROTOCOL_ERROR),
                failure("Netty with a 1 KiB aggregator", ClientLibrariesClassificationTests::nettyAggregating,
                        Behaviour.largeBody(10_000), FailureCause.HTTP_RESPONSE_BODY_SIZE));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("failures")
    void failureIsTheUpstreamsOfItsCause(String client, Get get, Behaviour behaviour, FailureCause cause) {
        FaultyUpstream upstream = upstream(behaviour);

        Throwable thrown = catchThrowable(() -> get.get(upstream.uri().resolve("/orders")));

        assertThat(thrown).as(client).isNotNull();
        assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(client + ": " + thrown).hasValue(cause);
    }

    /**
     * The client's own connection pool, full, had no connection for the request in time: no request was sent, so it
     * is the limit's (503), as the reverse proxy's full pool is, not the upstream's late response (504) that Reactor
     * Netty's TimeoutException read as; Apache 4's ConnectionPoolTimeoutException, an IOException whose words name no
     * connection failure, was no upstream failure at all. A Reactor Netty pool that lets no request wait refuses at
     * once with its PoolAcquirePendingLimitException, a RuntimeException the container answered with a 500.
     * (Apache's async pool fails a waiting lease only when it next serves its queue, at no time a test can wait for;
     * its DeadlineTimeoutException is recognised by the same rule.)
     */
    @Test
    void fullConnectionPoolIsTheLimitsNotALateResponse() throws Exception {
        RequestConfig leaseWithin = RequestConfig.custom()
                .setConnectionRequestTimeout(200, TimeUnit.MILLISECONDS).build();
        CloseableHttpClient apache = HttpClients.custom().setDefaultRequestConfig(leaseWithin)
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(1).setMaxConnPerRoute(1).build()).build();
        ConnectionProvider oneConnection = ConnectionProvider.builder("one").maxConnections(1)
                .pendingAcquireTimeout(Duration.ofMillis(200)).build();
        HttpClient reactorNetty = HttpClient.create(oneConnection);
        ConnectionProvider noWaiting = ConnectionProvider.builder("no-waiting").maxConnections(1)
                .pendingAcquireMaxCount(0).build();
        HttpClient reactorNettyNoWaiting = HttpClient.create(noWaiting);
        org.apache.http.impl.conn.PoolingHttpClientConnectionManager apache4Pool =
                new org.apache.http.impl.conn.PoolingHttpClientConnectionManager();
        apache4Pool.setMaxTotal(1);
        apache4Pool.setDefaultMaxPerRoute(1);
        org.apache.http.impl.client.CloseableHttpClient apache4 = org.apache.http.impl.client.HttpClients.custom()
                .setConnectionManager(apache4Pool).setDefaultRequestConfig(org.apache.http.client.config.RequestConfig
                        .custom().setConnectionRequestTimeout(200).build()).build();
        resources.add(() -> apache.close(CloseMode.IMMEDIATE));
        resources.add(apache4);
        resources.add(oneConnection::dispose);
        resources.add(noWaiting::dispose);
        // Each pool's one connection taken by a request its upstream never answers.
        URI apacheUpstream = stalled(uri -> CompletableFuture.runAsync(
                () -> catchThrowable(() -> apache.execute(new HttpGet(uri), response -> "")), background));
        URI reactorNettyUpstream = stalled(uri -> reactorNetty.get().uri(uri).responseContent().aggregate().asString()
                .subscribe(body -> { }, failed -> { }));
        URI apache4Upstream = stalled(uri -> CompletableFuture.runAsync(() -> catchThrowable(
                () -> apache4.execute(new org.apache.http.client.methods.HttpGet(uri), response -> "")), background));
        URI noWaitingUpstream = stalled(uri -> reactorNettyNoWaiting.get().uri(uri).responseContent().aggregate()
                .asString().subscribe(body -> { }, failed -> { }));

        List<Throwable> thrown = List.of(
                catchThrowable(() -> apache.execute(new HttpGet(apacheUpstream), response -> "")),
                catchThrowable(() -> reactorNetty.get().uri(reactorNettyUpstream).responseContent().aggregate()
                        .asString().block(Duration.ofSeconds(10))),
                catchThrowable(() -> apache4.execute(new org.apache.http.client.methods.HttpGet(apache4Upstream),
                        response -> "")),
                catchThrowable(() -> reactorNettyNoWaiting.get().uri(noWaitingUpstream).responseContent().aggregate()
                        .asString().block(Duration.ofSeconds(10))));

        assertThat(thrown).allSatisfy(failure -> assertThat(classifier.classify(failure).map(UpstreamFailure::cause))
                .as(String.valueOf(failure)).hasValue(FailureCause.CONNECTION_LIMIT_REACHED));
    }

    /**
     * The guard takes the pool's refusal for what it is, a request never sent: a rejected call (no attempt of the
     * upstream, as when its bulkhead is full), where it counted an attempt that "may have reached the upstream".
     */
    @Test
    void fullConnectionPoolInTheGuardIsARejectedCall() throws Exception {
        CloseableHttpClient apache = HttpClients.custom()
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(200, TimeUnit.MILLISECONDS).build())
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(1).setMaxConnPerRoute(1).build()).build();
        resources.add(() -> apache.close(CloseMode.IMMEDIATE));
        URI uri = stalled(held -> CompletableFuture.runAsync(
                () -> catchThrowable(() -> apache.execute(new HttpGet(held), response -> "")), background));
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(uri).build());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> apache.execute(new HttpGet(uri), r -> "")));

        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(thrown.failure().attempts()).isZero();
    }

    /**
     * reactor-pool's refusals, under its own package (an application's pool of its own, or a Reactor Netty that does
     * not shade it): the limit's too (R2's connection_limit_reached). A real pool of one resource, held: a second
     * acquire that may not wait is refused at once, one that may wait 100 ms times out.
     */
    @Test
    void reactorPoolsOwnRefusalsAreTheLimits() {
        InstrumentedPool<String> noWaiting = PoolBuilder.from(Mono.just("connection")).sizeBetween(0, 1)
                .maxPendingAcquire(0).buildPool();
        InstrumentedPool<String> waiting = PoolBuilder.from(Mono.just("connection")).sizeBetween(0, 1)
                .buildPool();
        resources.add(() -> noWaiting.disposeLater().block());
        resources.add(() -> waiting.disposeLater().block());
        PooledRef<String> held = noWaiting.acquire().block();
        PooledRef<String> alsoHeld = waiting.acquire().block();
        assertThat(List.of(held, alsoHeld)).doesNotContainNull();

        Throwable refused = catchThrowable(() -> noWaiting.acquire().block());
        Throwable timedOut = catchThrowable(() -> waiting.acquire(Duration.ofMillis(100)).block());

        assertThat(refused).isInstanceOf(PoolAcquirePendingLimitException.class);
        // A checked TimeoutException: block() hands it on wrapped in Reactor's ReactiveException, as applications
        // see it.
        assertThat(timedOut).hasCauseInstanceOf(PoolAcquireTimeoutException.class);
        assertThat(List.of(refused, timedOut)).allSatisfy(failure -> assertThat(
                classifier.classify(failure).map(UpstreamFailure::cause)).as(String.valueOf(failure))
                .hasValue(FailureCause.CONNECTION_LIMIT_REACHED));
    }

    /** Starts an upstream that never answers, makes the call and waits until its request arrived. */
    private URI stalled(java.util.function.Consumer<URI> call) throws InterruptedException {
        FaultyUpstream upstream = upstream(Behaviour.stall());
        URI uri = upstream.uri().resolve("/orders");
        call.accept(uri);
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(10))).as("the pool's one connection taken").isTrue();
        return uri;
    }

    /**
     * A connection closed before the response, the commonest failure worth a retry (a keep-alive connection the
     * upstream closed while idle): the guard retries the GET and the caller gets the second attempt's answer. OkHttp's
     * and Reactor Netty's failure read as a body cut short, which is not retried.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("retriedClients")
    void connectionClosedBeforeTheResponseIsRetried(String client, Get get) throws Exception {
        FaultyUpstream upstream = upstream(Behaviour.sequence(Behaviour.closeBeforeResponse(), Behaviour.ok()));
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());

        String body = guard.call(UpstreamRequest.of("GET"), attempt -> get.get(attempt.endpoint().resolve("/orders")));

        assertThat(body).isEqualTo("ok");
        assertThat(upstream.requestCount()).isEqualTo(2);
    }

    static Stream<Arguments> retriedClients() {
        return Stream.of(Arguments.of("OkHttp", (Get) ClientLibrariesClassificationTests::okHttp),
                Arguments.of("Reactor Netty", (Get) ClientLibrariesClassificationTests::reactorNetty),
                Arguments.of("Apache 5", (Get) ClientLibrariesClassificationTests::apache));
    }

    /**
     * Apache 5 classic's hard timeout as its documentation recommends it, a timer that {@code cancel()}s the request
     * (here after the guard's attempt timeout), against an upstream that never answers: the upstream's failure, counted
     * by the breaker for each attempt (R2, R47's breaker). The attempt sees only the JDK's plain
     * {@code SocketException("Socket closed")}, no cause, the same stack, as for a cancel because the application's
     * own caller went away or for the client closed at shutdown: the throwable cannot tell them apart, so a "Socket
     * closed" must not be taken for the caller's abort, which would hide a stalled upstream from the breaker.
     */
    @Test
    void apacheHardTimeoutCancelOfAStalledUpstreamIsTheUpstreamsFailure() throws Exception {
        FaultyUpstream upstream = upstream(Behaviour.stall());
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .attemptTimeout(Duration.ofMillis(400)).build());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        resources.add(timer::shutdownNow);

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    HttpGet request = new HttpGet(attempt.endpoint().resolve("/orders"));
                    hardTimeout(upstream, timer, attempt.timeout(), request::cancel);
                    return APACHE.execute(request, response -> "");
                }));

        assertThat(thrown).as("the upstream's failure").isNotNull();
        assertThat(thrown.getCause()).isExactlyInstanceOf(SocketException.class).hasMessage("Socket closed");
        assertThat(guard.metrics().abortedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls())
                .isEqualTo(thrown.failure().attempts());
        assertThat(upstream.requestCount()).as("requests the upstream got").isPositive();
    }

    /**
     * The application cancels its Apache request through the client's own API because its caller went away, from
     * another thread once the upstream has the request, and says so as {@code UpstreamCall} documents: its attempt,
     * seeing its own request cancelled ({@code isCancelled()}, Apache 4's {@code isAborted()}), throws a
     * CancellationException. What Apache throws for it ("Socket closed", with Apache 5's retries on "Request
     * aborted") is what a hard timeout's cancel of a stalled upstream throws too, the upstream's failure
     * ({@link #apacheHardTimeoutCancelOfAStalledUpstreamIsTheUpstreamsFailure}); said this way, the call ends with
     * the CancellationException, the upstream got its one request, not a retry (R13), and no breaker counted it
     * (R47: a user who leaves opens no breaker).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cancellingClients")
    void callersCancelThrownAsCancellationIsNeitherRetriedNorCounted(String client, CancellingGet get)
            throws Exception {
        FaultyUpstream upstream = upstream(Behaviour.stall());
        List<UpstreamEvent> events = new CopyOnWriteArrayList<>();
        UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build())
                .listener(events::add).build();
        CompletableFuture<Void> callerGone = new CompletableFuture<>();
        background.submit(() -> upstream.awaitRequests(1, Duration.ofSeconds(10)) && callerGone.complete(null));

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"),
                attempt -> get.get(attempt.endpoint().resolve("/orders"), callerGone)));

        assertThat(thrown).as(client).isInstanceOf(CancellationException.class).hasCauseInstanceOf(IOException.class);
        assertThat(upstream.requestCount()).as("requests the upstream got").isOne();
        assertThat(guard.metrics().abortedCalls()).isOne();
        assertThat(guard.metrics().failedCalls()).isZero();
        assertThat(guard.metrics().retries()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertAbortedWithCancellation(events);
    }

    static Stream<Arguments> cancellingClients() {
        return Stream.of(
                Arguments.of("Apache 5", (CancellingGet) (uri, callerGone) -> apacheCancelled(APACHE, uri, callerGone)),
                Arguments.of("Apache 5 with its retries",
                        (CancellingGet) (uri, callerGone) -> apacheCancelled(APACHE_RETRYING, uri, callerGone)),
                Arguments.of("Apache 4", (CancellingGet) (uri, callerGone) -> {
                    org.apache.http.client.methods.HttpGet get = new org.apache.http.client.methods.HttpGet(uri);
                    callerGone.thenRun(get::abort);
                    try {
                        return APACHE_4.execute(get, response -> "");
                    } catch (IOException e) {
                        if (get.isAborted()) {
                            throw (CancellationException) new CancellationException("caller went away").initCause(e);
                        }
                        throw e;
                    }
                }));
    }

    /** The guard's one event of the call: its abort, after one attempt, with a CancellationException. */
    private static void assertAbortedWithCancellation(List<UpstreamEvent> events) {
        assertThat(events).singleElement().isInstanceOfSatisfying(UpstreamEvent.CallAborted.class, aborted -> {
            assertThat(aborted.attempts()).isOne();
            assertThat(aborted.reason()).isEqualTo(CancellationException.class);
        });
    }

    /** Apache 5 classic's GET, cancelled when the caller goes away, as UpstreamCall's javadoc shows. */
    private static String apacheCancelled(CloseableHttpClient client, URI uri, CompletableFuture<Void> callerGone)
            throws IOException {
        HttpGet get = new HttpGet(uri);
        callerGone.thenRun(get::cancel);
        try {
            return client.execute(get, response -> "");
        } catch (IOException e) {
            if (get.isCancelled()) {
                throw (CancellationException) new CancellationException("caller went away").initCause(e);
            }
            throw e;
        }
    }

    /**
     * A request the application aborted before it executed it (its caller went away first) never leaves, whoever's
     * abort it was: the caller's cancel (the CancellationException that {@code UpstreamGuard.call} documents, the
     * client's exception its cause), neither retried (R13) nor counted by the breaker (R47), and no upstream failure
     * for a page, though the attempt does not say so. Apache 5 throws an IllegalStateException for it, which was
     * thrown on as a bug (the container's 500 page); Apache 4 a RequestAbortedException, an InterruptedIOException
     * taken for a connection the upstream closed: counted, and a GET retried.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsAbortedBeforeExecution")
    void requestAbortedBeforeItLeftIsTheCallersCancel(String client, Get get) throws Exception {
        FaultyUpstream upstream = upstream(Behaviour.ok());
        List<UpstreamEvent> events = new CopyOnWriteArrayList<>();
        UpstreamGuard guard = UpstreamGuard.builder(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build())
                .listener(events::add).build();

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"),
                attempt -> get.get(attempt.endpoint().resolve("/orders"))));

        assertThat(thrown).as(client).isExactlyInstanceOf(CancellationException.class);
        assertThat(classifier.classify(thrown.getCause())).as(String.valueOf(thrown.getCause())).isEmpty();
        assertThat(upstream.requestCount()).as("requests the upstream got").isZero();
        assertThat(guard.metrics().abortedCalls()).isOne();
        assertThat(guard.metrics().attempts()).isOne();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertAbortedWithCancellation(events);
    }

    static Stream<Arguments> requestsAbortedBeforeExecution() {
        return Stream.of(
                Arguments.of("Apache 5", (Get) uri -> apacheCancelledFirst(APACHE, uri)),
                Arguments.of("Apache 5 with its retries", (Get) uri -> apacheCancelledFirst(APACHE_RETRYING, uri)),
                Arguments.of("Apache 4", (Get) uri -> {
                    org.apache.http.client.methods.HttpGet get = new org.apache.http.client.methods.HttpGet(uri);
                    get.abort();
                    return APACHE_4.execute(get, response -> "");
                }));
    }

    private static String apacheCancelledFirst(CloseableHttpClient client, URI uri) throws IOException {
        HttpGet get = new HttpGet(uri);
        get.cancel();
        return client.execute(get, response -> "");
    }

    /**
     * Apache 5's IllegalStateException of the same message thrown by the application itself, not by Apache's
     * execution runtime: its bug, thrown as is (as any bug of an attempt), not taken for a cancel.
     */
    @Test
    void sameIllegalStateExceptionOfTheApplicationsOwnIsABugThrownAsIs() {
        FaultyUpstream upstream = upstream(Behaviour.ok());
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
        IllegalStateException bug = new IllegalStateException("Endpoint not acquired / already released");

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            throw bug;
        }));

        assertThat(thrown).isSameAs(bug);
    }

    /**
     * Apache 4's wait for a pooled connection, interrupted (here the thread is interrupted before it waits, which
     * the pool's wait sees at once): its RequestAbortedException has the message of an abort before the request
     * left, and the InterruptedException as its cause. The interrupt the guard documents, an InterruptedException
     * with the interrupt flag consumed, not a cancel.
     */
    @Test
    void apache4sInterruptedWaitForAPooledConnectionIsAnInterrupt() throws Exception {
        org.apache.http.impl.client.CloseableHttpClient apache = org.apache.http.impl.client.HttpClients.custom()
                .setMaxConnTotal(1).setMaxConnPerRoute(1).build();
        resources.add(apache);
        URI uri = stalled(held -> CompletableFuture.runAsync(() -> catchThrowable(() -> apache.execute(
                new org.apache.http.client.methods.HttpGet(held), response -> "")), background));
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(uri).build());

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            Thread.currentThread().interrupt();
            return apache.execute(new org.apache.http.client.methods.HttpGet(uri), response -> "");
        }));

        assertThat(Thread.interrupted()).as("the interrupt flag left set").isFalse();
        assertThat(thrown).isExactlyInstanceOf(InterruptedException.class);
        assertThat(thrown.getCause()).hasMessage("Request aborted").hasCauseInstanceOf(InterruptedException.class);
        assertThat(guard.metrics().abortedCalls()).isOne();
    }

    /**
     * A hard timeout's cancel of a stalled upstream as the other Apache clients report it: Apache 5 with its retries
     * on throws a RequestFailedException("Request aborted"), Apache 4 the "Socket closed" of the socket its
     * {@code abort()} closed. The upstream's failure, counted by the breaker for each attempt (R47's breaker), like
     * Apache 5's bare "Socket closed" ({@link #apacheHardTimeoutCancelOfAStalledUpstreamIsTheUpstreamsFailure}),
     * not the abort before the request left ({@link #requestAbortedBeforeItLeftIsTheCallersCancel}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("hardTimeouts")
    void apacheHardTimeoutOfAStalledUpstreamIsTheUpstreamsFailureWithItsRetriesOrApache4(String client,
            HardTimeout hardTimeout) throws Exception {
        FaultyUpstream upstream = upstream(Behaviour.stall());
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .attemptTimeout(Duration.ofMillis(400)).build());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        resources.add(timer::shutdownNow);

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> hardTimeout.get(
                        attempt.endpoint().resolve("/orders"),
                        cancel -> hardTimeout(upstream, timer, attempt.timeout(), cancel))));

        assertThat(thrown).as(client + ": the upstream's failure").isNotNull();
        assertThat(thrown.getCause()).as(client).isInstanceOf(IOException.class);
        assertThat(guard.metrics().abortedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls())
                .isEqualTo(thrown.failure().attempts());
        assertThat(upstream.requestCount()).as("requests the upstream got").isEqualTo(thrown.failure().attempts());
    }

    /**
     * A hard timeout of the attempt's request: its cancel runs once {@code timeout} has passed and the stalled
     * upstream holds the request. Timed only from before the request left, the cancel came now and then, on a loaded
     * machine, before the client had sent it (Apache 4's first request in the JVM loads its classes; with two forks on
     * two busy cores, once in most runs): an abort before the request left is the caller's cancel
     * ({@link #requestAbortedBeforeItLeftIsTheCallersCancel}), not the upstream's failure, and a retry that never
     * left is no request the upstream got.
     */
    private void hardTimeout(FaultyUpstream upstream, ScheduledExecutorService timer, Duration timeout,
            Runnable cancel) {
        long due = System.nanoTime() + timeout.toNanos();
        int received = upstream.requestCount();
        background.execute(() -> {
            try {
                upstream.awaitRequests(received + 1, Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                timer.schedule(cancel, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        });
    }

    static Stream<Arguments> hardTimeouts() {
        return Stream.of(
                Arguments.of("Apache 5 with its retries", (HardTimeout) (uri, schedule) -> {
                    HttpGet get = new HttpGet(uri);
                    schedule.accept(get::cancel);
                    return APACHE_RETRYING.execute(get, response -> "");
                }),
                Arguments.of("Apache 4", (HardTimeout) (uri, schedule) -> {
                    org.apache.http.client.methods.HttpGet get = new org.apache.http.client.methods.HttpGet(uri);
                    schedule.accept(get::abort);
                    return APACHE_4.execute(get, response -> "");
                }));
    }

    /** One client's GET of the URI, whose cancel it hands to a timer ({@code schedule}) before it executes it. */
    @FunctionalInterface
    interface HardTimeout {
        String get(URI uri, java.util.function.Consumer<Runnable> schedule) throws Exception;
    }

    /** One client's GET of the URI, which the application cancels through the client when its caller goes away. */
    @FunctionalInterface
    interface CancellingGet {
        String get(URI uri, CompletableFuture<Void> callerGone) throws Exception;
    }

    /**
     * OkHttp over HTTP/2 (prior knowledge), and an upstream that shuts the connection down before it took the stream
     * (a GOAWAY at once, as at an idle connection's end): OkHttp's ConnectionShutdownException (or, as the frames
     * race, the stream refused) is the connection's end, as over HTTP/1.1, not an exception the container answers.
     */
    @Test
    void okHttpsHttp2ConnectionShutDownBeforeTheResponseIsConnectionTerminated() throws Exception {
        int port = serveOneConnection(ClientLibrariesClassificationTests::goAwayAtOnce);
        OkHttpClient http2 = OKHTTP.newBuilder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();

        Throwable thrown = catchThrowable(() -> http2.newCall(new Request.Builder()
                .url("http://127.0.0.1:" + port + "/orders").build()).execute().close());

        assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(String.valueOf(thrown))
                .hasValue(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * A 101 to the WebSocket upgrade the application asked for, which Apache cannot switch to: the upstream did as
     * asked (RFC 9110 §15.2.2), so it is no upstream failure that opens its breaker. (An unasked 101 throws the same,
     * from the same place: unrecognised too.)
     */
    @Test
    void switchToAnUpgradeTheApplicationAskedForIsNoUpstreamFailure() {
        FaultyUpstream upstream = upstream(raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n\r\n"));
        HttpGet upgrade = new HttpGet(upstream.uri().resolve("/events"));
        upgrade.setHeader("Connection", "Upgrade");
        upgrade.setHeader("Upgrade", "websocket");

        Throwable thrown = catchThrowable(() -> APACHE.execute(upgrade, response -> ""));

        assertThat(thrown).isNotNull();
        assertThat(classifier.classify(thrown)).as(String.valueOf(thrown)).isEmpty();
    }

    /**
     * Apache's async client over HTTP/2, and a response head with a status that is no number: the upstream's protocol
     * error, read in its HTTP/2 stream's handler rather than a parser of HTTP/1.1's.
     */
    @Test
    void apachesHttp2ResponseItCannotTakeIsAProtocolError() throws Exception {
        int port = serveOneConnection(connection -> answerWithStatus(connection, "abc"));
        CloseableHttpAsyncClient http2 = started(HttpAsyncClients.createHttp2Default());
        resources.add(() -> http2.close(CloseMode.IMMEDIATE));

        Throwable thrown = catchThrowable(() -> http2.execute(SimpleRequestBuilder
                .get("http://127.0.0.1:" + port + "/orders").build(), null)
                .get(10, TimeUnit.SECONDS));

        assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(String.valueOf(thrown))
                .hasValue(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    /**
     * Plain HTTP answered to a TLS handshake (an {@code https://} URL on a plain port): Netty's
     * {@code NotSslRecordException}, a handshake that failed, before anything was sent, as the JDK's "Unrecognized SSL
     * message, plaintext connection?" is (R13). It was a connection torn down, which says the request may have left.
     */
    @Test
    void reactorNettysHttpsUrlOnAPlainPortIsATlsProtocolError() throws Exception {
        int port = serveOneConnection(connection -> {
            connection.getInputStream().read(new byte[512]); // the ClientHello, or its start
            connection.getOutputStream().write(
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });

        Throwable thrown = catchThrowable(() -> reactorNetty(URI.create("https://127.0.0.1:" + port + "/orders")));

        assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(String.valueOf(thrown))
                .hasValue(FailureCause.TLS_PROTOCOL_ERROR);
    }

    /** One raw connection's side of an upstream, for what FaultyUpstream does not speak (HTTP/2's frames). */
    @FunctionalInterface
    interface ConnectionHandler {
        void handle(Socket connection) throws IOException;
    }

    /** Accepts one connection on a loopback port, in the background, and hands it over; returns the port. */
    private int serveOneConnection(ConnectionHandler handler) throws IOException {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(server);
        CompletableFuture.runAsync(() -> {
            try (Socket connection = server.accept()) {
                handler.handle(connection);
            } catch (IOException closed) {
                // the test ended
            }
        }, background);
        return server.getLocalPort();
    }

    /**
     * An HTTP/2 upstream's side of a connection that answers the first stream with only a {@code :status} field of the
     * given value (HPACK, a literal without indexing), after the prefaces, once the client's HEADERS frame arrived.
     */
    private static void answerWithStatus(Socket connection, String status) throws IOException {
        connection.setSoTimeout(10_000);
        java.io.DataInputStream in = new java.io.DataInputStream(connection.getInputStream());
        in.readFully(new byte[24]); // "PRI * HTTP/2.0..."
        java.io.OutputStream out = connection.getOutputStream();
        out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0}); // SETTINGS, its ACK
        out.flush();
        byte[] header = new byte[9];
        do {
            in.readFully(header);
            int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
            in.readFully(new byte[length]);
        } while (header[3] != 1); // HEADERS
        byte[] name = ":status".getBytes(StandardCharsets.US_ASCII);
        byte[] value = status.getBytes(StandardCharsets.US_ASCII);
        int length = 1 + 1 + name.length + 1 + value.length;
        out.write(new byte[] {0, 0, (byte) length, 1, 5, 0, 0, 0, 1}); // HEADERS, END_STREAM | END_HEADERS, stream 1
        out.write(0);
        out.write(name.length);
        out.write(name);
        out.write(value.length);
        out.write(value);
        out.flush();
        try {
            in.readAllBytes();
        } catch (IOException timedOutOrReset) {
            // the client is done with the connection
        }
    }

    /**
     * An HTTP/2 upstream's side of a connection it shuts down at once: its preface (an empty SETTINGS frame) and a
     * GOAWAY that accepts no stream, then it reads until the client closes.
     */
    private static void goAwayAtOnce(Socket connection) throws IOException {
        connection.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0, // SETTINGS
            0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); // GOAWAY: last stream 0, NO_ERROR
        connection.getOutputStream().flush();
        connection.setSoTimeout(10_000);
        connection.getInputStream().readAllBytes();
    }

    /**
     * The same types the clients throw for a response, thrown for the application's own mistakes, before anything was
     * sent or with nothing of a response: its bug, no upstream's failure (no page, no breaker failure).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("applicationsOwnMistakes")
    void applicationsOwnMistakeIsNoUpstreamFailure(String mistake, Get get) {
        FaultyUpstream upstream = upstream(Behaviour.ok());

        Throwable thrown = catchThrowable(() -> get.get(upstream.uri().resolve("/orders")));

        assertThat(thrown).as(mistake).isNotNull();
        assertThat(classifier.classify(thrown)).as(mistake + ": " + thrown).isEmpty();
    }

    static Stream<Arguments> applicationsOwnMistakes() {
        return Stream.of(
                Arguments.of("Apache 5: a Content-Length copied onto a request with an entity", (Get) uri -> {
                    HttpPost post = new HttpPost(uri);
                    post.setHeader("Content-Length", "2");
                    post.setEntity(new StringEntity("{}"));
                    return APACHE.execute(post, response -> "");
                }),
                Arguments.of("Apache 5 async: a Content-Length copied onto a request with an entity", (Get) uri ->
                        APACHE_ASYNC.execute(SimpleRequestBuilder.post(uri).setHeader("Content-Length", "2")
                                .setBody("{}", ContentType.APPLICATION_JSON).build(), null)
                                .get(10, TimeUnit.SECONDS).getBodyText()),
                Arguments.of("Apache 5: a URI with userinfo", (Get) uri -> APACHE.execute(
                        new HttpGet("http://user:secret@" + uri.getAuthority() + uri.getPath()), response -> "")),
                Arguments.of("Apache 5 async: a URI with userinfo", (Get) uri -> APACHE_ASYNC.execute(
                        SimpleRequestBuilder.get("http://user:secret@" + uri.getAuthority() + uri.getPath()).build(),
                        null).get(10, TimeUnit.SECONDS).getBodyText()),
                Arguments.of("Apache 5: CONNECT executed directly", (Get) uri -> APACHE.execute(
                        new org.apache.hc.client5.http.classic.methods.HttpUriRequestBase("CONNECT", uri),
                        response -> "")),
                Arguments.of("Apache 4: a client's Content-Type parsed", (Get) uri ->
                        org.apache.http.entity.ContentType.parse(";").toString()),
                Arguments.of("Netty: a client's query string decoded", (Get) uri ->
                        io.netty.handler.codec.http.QueryStringDecoder.decodeComponent("100%zz")),
                Arguments.of("OkHttp: a RequestBody shorter than its contentLength()", (Get) uri -> {
                    RequestBody promisesTen = new RequestBody() {
                        @Override
                        public MediaType contentType() {
                            return null;
                        }

                        @Override
                        public long contentLength() {
                            return 10;
                        }

                        @Override
                        public void writeTo(BufferedSink sink) throws IOException {
                            sink.writeUtf8("{}");
                        }
                    };
                    try (okhttp3.Response response = OKHTTP.newCall(new Request.Builder().url(uri.toString())
                            .post(promisesTen).build()).execute()) {
                        return response.body().string();
                    }
                }),
                // Routed by the same planner as the route to a redirect's Location, which is the upstream's answer.
                Arguments.of("Apache 5: a request for a scheme it cannot route", (Get) uri -> APACHE.execute(
                        new HttpGet("ftp://files.example/orders"), response -> "")),
                Arguments.of("Apache 5: a Location with an empty host resolved by the application", (Get) uri ->
                        org.apache.hc.client5.http.utils.URIUtils.resolve(uri, "//:0/orders").toString()),
                // Okio's "byteCount < 0: -1" of the application's own read of a response body, not of OkHttp's.
                Arguments.of("OkHttp: a body read for a negative byte count", (Get) uri -> {
                    try (okhttp3.Response response = OKHTTP.newCall(new Request.Builder().url(uri.toString())
                            .build()).execute()) {
                        return String.valueOf(response.body().source().read(new okio.Buffer(), -1));
                    }
                }));
    }

    /**
     * Netty's HTTP codec throws the IllegalArgumentException its decoder throws for an upstream's bad status line when
     * the application parses a version itself: the application's bug, no upstream's failure.
     */
    @Test
    void applicationsOwnUseOfNettysCodecIsNoUpstreamFailure() {
        Throwable thrown = catchThrowable(() -> io.netty.handler.codec.http.HttpVersion.valueOf("SSH-2.0-OpenSSH_9.2"));

        assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
        assertThat(classifier.classify(thrown)).isEmpty();
    }

    private static Arguments failure(String client, Get get, Behaviour behaviour, FailureCause cause) {
        return Arguments.of(client, get, behaviour, cause);
    }

    private static Behaviour raw(String response) {
        return exchange -> {
            exchange.writeRaw(response);
            exchange.closeConnection();
        };
    }

    private FaultyUpstream upstream(Behaviour behaviour) {
        FaultyUpstream upstream = FaultyUpstream.start(behaviour);
        resources.add(upstream);
        return upstream;
    }

    private static CloseableHttpAsyncClient started(CloseableHttpAsyncClient client) {
        client.start();
        return client;
    }

    private static String okHttp(URI uri) throws IOException {
        try (okhttp3.Response response = OKHTTP.newCall(new Request.Builder().url(uri.toString()).build()).execute()) {
            return response.body().string();
        }
    }

    private static String apache(URI uri) throws IOException {
        return APACHE.execute(new HttpGet(uri), response -> EntityUtils.toString(response.getEntity()));
    }

    private static String apacheAsync(URI uri) throws Exception {
        return APACHE_ASYNC.execute(SimpleRequestBuilder.get(uri).build(), null).get(10, TimeUnit.SECONDS)
                .getBodyText();
    }

    private static String apache4(URI uri) throws IOException {
        return APACHE_4.execute(new org.apache.http.client.methods.HttpGet(uri),
                response -> org.apache.http.util.EntityUtils.toString(response.getEntity()));
    }

    private static String apacheLimited(URI uri) throws IOException {
        return APACHE_LIMITED.execute(new HttpGet(uri), response -> EntityUtils.toString(response.getEntity()));
    }

    private static String apache4Limited(URI uri) throws IOException {
        return APACHE_4_LIMITED.execute(new org.apache.http.client.methods.HttpGet(uri),
                response -> org.apache.http.util.EntityUtils.toString(response.getEntity()));
    }

    /**
     * Netty's own HTTP client, as an application builds its pipeline: the client codec and an aggregator that takes
     * a response of at most 1 KiB. Its failure, handed to the pipeline's end, comes in an ExecutionException.
     */
    private static String nettyAggregating(URI uri) throws Exception {
        CompletableFuture<String> body = new CompletableFuture<>();
        Channel channel = new Bootstrap().group(NETTY).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1024),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext context,
                                            FullHttpResponse response) {
                                        body.complete(response.content().toString(StandardCharsets.UTF_8));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                                        body.completeExceptionally(cause);
                                        context.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext context) {
                                        body.completeExceptionally(new ClosedChannelException());
                                    }
                                });
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        try {
            DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    uri.getRawPath());
            get.headers().set(HttpHeaderNames.HOST, uri.getAuthority());
            channel.writeAndFlush(get);
            return body.get(10, TimeUnit.SECONDS);
        } finally {
            channel.close();
        }
    }

    private static String reactorNetty(URI uri) {
        return REACTOR_NETTY.get().uri(uri).responseContent().aggregate().asString().block(Duration.ofSeconds(10));
    }

    /** As an application calls the Vert.x web client from a blocking thread: the failure in an ExecutionException. */
    private static String vertx(URI uri) throws Exception {
        return VERTX_CLIENT.getAbs(uri.toString()).send().toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS).bodyAsString();
    }

    private static String feign(URI uri) {
        return Feign.builder().retryer(Retryer.NEVER_RETRY).target(Orders.class, uri.resolve("/").toString()).get();
    }

    /** The upstream's API, as a Feign application declares it. */
    interface Orders {
        @RequestLine("GET /orders")
        String get();
    }
}
