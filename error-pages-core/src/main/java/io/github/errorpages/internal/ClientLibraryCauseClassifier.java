package io.github.errorpages.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.spi.CauseClassifier;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises the exceptions that HTTP client libraries throw, of types of their own, for failures the JDK would
 * report with its own types: Apache HttpClient 5 and 4 (Spring's HttpComponents request factory, RESTEasy's client),
 * Netty and Reactor Netty (Spring's WebClient), OkHttp's HTTP/2. Left unrecognised, their commonest failures (a
 * connection closed before the response, a response head they cannot parse, a read timeout) reached the container,
 * whose 500 page named the exception, and their connection pools' timeouts read as the upstream's late response.
 *
 * <p>Matched by exact class name, since none of these libraries is a dependency, so that a library's subclass with
 * another meaning (Apache's {@code RedirectException} is a {@code ProtocolException}) is not taken for its parent.
 * Types a library throws for the application's own mistakes too are read only when its stack says that it was thrown
 * in an exchange with the upstream, or reading a response: Apache's {@code ProtocolException} is also its refusal of
 * a request it was given ("Content-Length header already present", "Target host is not specified"), its
 * {@code ParseException} that of any text its public parsers were given; Netty's HTTP codec also decodes what the
 * application hands its {@code QueryStringDecoder}.
 * The message of these libraries' {@code IOException}s is read by {@link JdkCauseClassifier}. Thread-safe
 * (stateless).
 */
public final class ClientLibraryCauseClassifier implements CauseClassifier {

    private static final Map<String, FailureCause> BY_CLASS = Map.ofEntries(
            // The connection ended before a response head: Apache's "The target server failed to respond" (5.x),
            // "host:port failed to respond" (4.x). A stale keep-alive connection, retried for idempotent requests.
            Map.entry("org.apache.hc.core5.http.NoHttpResponseException", FailureCause.CONNECTION_TERMINATED),
            Map.entry("org.apache.http.NoHttpResponseException", FailureCause.CONNECTION_TERMINATED),
            Map.entry("org.apache.hc.core5.http.MalformedChunkCodingException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.hc.core5.http.TruncatedChunkException", FailureCause.HTTP_RESPONSE_INCOMPLETE),
            Map.entry("org.apache.hc.core5.http.MessageConstraintException",
                    FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
            Map.entry("org.apache.http.MalformedChunkCodingException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.http.TruncatedChunkException", FailureCause.HTTP_RESPONSE_INCOMPLETE),
            Map.entry("org.apache.http.MessageConstraintException", FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
            // The client's own connection pool had no connection for the request in time (or too many waited): no
            // request was sent, so it is the limit's, as the reverse proxy's full pool is, not a late response.
            // Apache's async pool and Reactor Netty's throw TimeoutExceptions, which would read as one.
            Map.entry("org.apache.hc.core5.http.ConnectionRequestTimeoutException",
                    FailureCause.CONNECTION_LIMIT_REACHED),
            Map.entry("org.apache.hc.core5.util.DeadlineTimeoutException", FailureCause.CONNECTION_LIMIT_REACHED),
            Map.entry("org.apache.http.conn.ConnectionPoolTimeoutException", FailureCause.CONNECTION_LIMIT_REACHED),
            Map.entry("reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException",
                    FailureCause.CONNECTION_LIMIT_REACHED),
            Map.entry("reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException",
                    FailureCause.CONNECTION_LIMIT_REACHED),
            Map.entry("reactor.pool.PoolAcquireTimeoutException", FailureCause.CONNECTION_LIMIT_REACHED),
            Map.entry("reactor.pool.PoolAcquirePendingLimitException", FailureCause.CONNECTION_LIMIT_REACHED),
            // Netty: no read within the handler's time (Reactor Netty's responseTimeout too); a head over the
            // decoder's limits; the channel closed with a response still owed.
            Map.entry("io.netty.handler.timeout.ReadTimeoutException", FailureCause.CONNECTION_READ_TIMEOUT),
            Map.entry("io.netty.handler.codec.http.TooLongHttpHeaderException",
                    FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
            Map.entry("io.netty.handler.codec.http.TooLongHttpLineException",
                    FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
            Map.entry("io.netty.handler.codec.http.TooLongHttpContentException", FailureCause.HTTP_RESPONSE_BODY_SIZE),
            Map.entry("io.netty.handler.codec.PrematureChannelClosureException", FailureCause.CONNECTION_TERMINATED),
            // OkHttp over HTTP/2: the upstream closed the connection (a GOAWAY, an idle connection's end) before the
            // stream was answered.
            Map.entry("okhttp3.internal.http2.ConnectionShutdownException", FailureCause.CONNECTION_TERMINATED),
            // Vert.x's HTTP client (4 and 5): the connection closed before the response ended, its head or its body
            // ("Connection was closed" either way). A RuntimeException, so no message of it is read.
            Map.entry("io.vertx.core.http.HttpClosedException", FailureCause.CONNECTION_TERMINATED));

    /**
     * A response Apache could not take ("Invalid protocol version", "Invalid header", "Multiple Content-Length
     * headers", a status below 100, an HTTP/2 head with an invalid field, "Unsupported
     * transfer encoding"), thrown on by the async client and in a {@code ClientProtocolException} by the classic one:
     * only when thrown in an exchange, and not preparing its request ({@link #isThrownInExchange}).
     */
    private static final Set<String> APACHE_PROTOCOL_FAILURES = Set.of(
            "org.apache.hc.core5.http.ProtocolException", "org.apache.hc.core5.http.ParseException",
            "org.apache.hc.core5.http.UnsupportedHttpVersionException",
            "org.apache.hc.core5.http.NotImplementedException", "org.apache.http.ProtocolException",
            "org.apache.http.ParseException", "org.apache.http.UnsupportedHttpVersionException");
    /** Where Apache's request interceptors live ({@code RequestContent}, {@code RequestTargetHost}, …). */
    private static final String[] APACHE_REQUEST_INTERCEPTORS = {
        "org.apache.hc.core5.http.protocol.Request", "org.apache.hc.client5.http.protocol.Request",
        "org.apache.http.protocol.Request", "org.apache.http.client.protocol.Request"};

    /** The decoders of Netty's HTTP client pipeline, whose failures are a response's. */
    private static final Set<String> NETTY_RESPONSE_DECODERS = Set.of(
            "io.netty.handler.codec.http.HttpObjectDecoder", "io.netty.handler.codec.http.HttpResponseDecoder",
            "io.netty.handler.codec.http.HttpClientCodec$Decoder", "io.netty.handler.codec.http.HttpContentDecoder",
            "io.netty.handler.codec.http.HttpContentDecompressor");

    @Override
    public Optional<FailureCause> classify(Throwable throwable) {
        String type = throwable.getClass().getName();
        FailureCause byClass = BY_CLASS.get(type);
        if (byClass != null) {
            return Optional.of(byClass);
        }
        if (APACHE_PROTOCOL_FAILURES.contains(type) && isThrownInExchange(throwable)) {
            return Optional.of(FailureCause.HTTP_PROTOCOL_ERROR);
        }
        // The stack is looked at only for the types the decoder throws, not for their subclasses of the JDK's
        // (UnresolvedAddressException is an IllegalArgumentException): reading it is the error path's dearest step.
        if ((type.equals("java.lang.IllegalArgumentException") || type.equals("java.lang.NumberFormatException")
                || type.startsWith("io.netty.")) && isThrownDecodingResponse(throwable)) {
            // "invalid version format: SSH-2.0-OpenSSH_9.6" (an IllegalArgumentException of HttpVersion), "Invalid
            // character in chunk size" (a NumberFormatException), which Reactor Netty hands on as they are.
            return Optional.of(FailureCause.HTTP_PROTOCOL_ERROR);
        }
        if (type.equals("java.lang.IllegalArgumentException")
                && (isOkHttpNegativeContentLength(throwable) || isApacheRedirectLocation(throwable))) {
            return Optional.of(FailureCause.HTTP_PROTOCOL_ERROR);
        }
        return Optional.empty();
    }

    /**
     * Whether Apache 5 threw it resolving the {@code Location} of an upstream's redirect it follows: its
     * {@code URIUtils}' IllegalArgumentException around a URISyntaxException ("http/https URI cannot have an empty host
     * identifier"), where another Location it cannot take is its ProtocolException "Invalid redirect URI". Only when
     * its redirect strategy comes before the first frame outside the JDK and Apache's packages, so that an
     * application's own {@code URIUtils.resolve} is not taken for an upstream's redirect.
     */
    private static boolean isApacheRedirectLocation(Throwable throwable) {
        return hasFrameAmong(throwable, Set.of("org.apache.hc.client5.http.impl.DefaultRedirectStrategy"),
                "org.apache.hc.");
    }

    /**
     * Whether it is Okio's "byteCount < 0: -5" of OkHttp's HTTP/1.1 body source: OkHttp takes a negative
     * {@code Content-Length} for the body's length, and its first read asks Okio for that many bytes. The first frame
     * outside Okio is OkHttp's, so an application's own Okio call with a negative count is not taken for a response.
     */
    private static boolean isOkHttpNegativeContentLength(Throwable throwable) {
        String message = throwable.getMessage();
        if (message == null || !message.startsWith("byteCount < 0")) {
            return false;
        }
        for (StackTraceElement frame : throwable.getStackTrace()) {
            String type = frame.getClassName();
            if (!type.startsWith("okio.")) {
                return type.startsWith("okhttp3.internal.http1.Http1ExchangeCodec$");
            }
        }
        return false;
    }

    /**
     * Whether Netty's HTTP client pipeline threw it decoding a response: a frame of one of its response decoders comes
     * before the first frame outside the JDK and Netty.
     */
    private static boolean isThrownDecodingResponse(Throwable throwable) {
        return hasFrameAmong(throwable, NETTY_RESPONSE_DECODERS, "io.netty.");
    }

    /**
     * Whether a frame of one of {@code types} comes before the first frame outside the JDK and the library's
     * {@code packagePrefix}: thrown by that code of the library's, not by the application calling the library itself.
     */
    private static boolean hasFrameAmong(Throwable throwable, Set<String> types, String packagePrefix) {
        for (StackTraceElement frame : throwable.getStackTrace()) {
            String type = frame.getClassName();
            if (types.contains(type)) {
                return true;
            }
            if (!type.startsWith("java.") && !type.startsWith(packagePrefix)) {
                return false;
            }
        }
        return false;
    }

    /**
     * Whether Apache HttpClient threw it in an exchange with the upstream rather than preparing the request: among
     * the frames down to the first outside the JDK and Apache's packages is one of an exchange (an executor, a
     * connection, an HTTP/1.1 or HTTP/2 stream's handler), and none of a request interceptor, of the routing, or of
     * the async client producing its request before (but routing a redirect's {@code Location} is the exchange's),
     * nor its protocol executor's own checks of the request (it calls the exchange, so it counts as preparing only
     * above every frame of one). Apache reads responses in many places that change between versions (parsers, a
     * status check in its executor, HTTP/2's converter); what prepares a request is few. A parser the application
     * called itself is in no exchange.
     */
    private static boolean isThrownInExchange(Throwable throwable) {
        boolean inExchange = false;
        StackTraceElement[] frames = throwable.getStackTrace();
        for (int at = 0; at < frames.length; at++) {
            StackTraceElement frame = frames[at];
            String type = frame.getClassName();
            if (!type.startsWith("org.apache.hc.") && !type.startsWith("org.apache.http.")) {
                if (type.startsWith("java.")) {
                    continue;
                }
                break;
            }
            if (routesARedirect(frames, at)) {
                return true; // routing the upstream's redirect ("Unroutable protocol scheme"): its answer failed
            }
            if (isPreparingRequest(type, frame.getMethodName())
                    || !inExchange && (type.endsWith("ProtocolExec") || type.endsWith("MinimalClientExec"))) {
                return false; // its protocol executor checks the request before any connection: "userinfo", CONNECT
            }
            inExchange = inExchange || type.contains("Exec") || type.contains("Connection")
                    || type.contains("Stream") || type.contains("Multiplexer");
        }
        return inExchange;
    }

    /**
     * Whether the frame at {@code at} is Apache's routing called by its redirect executor: routing a redirect's
     * {@code Location}, the upstream's, where the same routing of the application's own request prepares it.
     */
    private static boolean routesARedirect(StackTraceElement[] frames, int at) {
        int caller = at;
        while (caller < frames.length && isRouting(frames[caller].getClassName())) {
            caller++;
        }
        return caller > at && caller < frames.length && frames[caller].getClassName().endsWith("RedirectExec");
    }

    private static boolean isRouting(String type) {
        return type.endsWith("RoutePlanner") || type.endsWith("RoutingSupport");
    }

    private static boolean isPreparingRequest(String type, String method) {
        for (String interceptors : APACHE_REQUEST_INTERCEPTORS) {
            if (type.startsWith(interceptors)) {
                return true;
            }
        }
        // A 101 Apache cannot switch to: to an Upgrade the application asked for (a WebSocket), the upstream did right,
        // and the throwable cannot tell that from an unasked one.
        return method.equals("produceOutput") || isRouting(type) || type.endsWith("ProtocolSwitchStrategy");
    }
}
