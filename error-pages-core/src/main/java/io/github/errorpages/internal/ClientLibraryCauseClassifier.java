package io.github.errorpages.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.spi.CauseClassifier;
import java.util.Map;
import java.util.Optional;

/**
 * Recognises the exceptions that HTTP client libraries throw, of types of their own, for failures the JDK would
 * report with its own types: Apache HttpClient 5 and 4 (Spring's HttpComponents request factory, RESTEasy's client),
 * Netty and Reactor Netty (Spring's WebClient). Left unrecognised, their commonest failures (a connection closed
 * before the response, a response head they cannot parse, a read timeout) reached the container, whose 500 page named
 * the exception, and their connection pools' timeouts read as the upstream's late response.
 *
 * <p>Matched by exact class name, since none of these libraries is a dependency, so that a library's subclass with
 * another meaning (Apache's {@code RedirectException} is a {@code ProtocolException}) is not taken for its parent.
 * The message of these libraries' {@code IOException}s is read by {@link JdkCauseClassifier}. Thread-safe
 * (stateless).
 */
public final class ClientLibraryCauseClassifier implements CauseClassifier {

    private static final Map<String, FailureCause> BY_CLASS = Map.ofEntries(
            // The connection ended before a response head: Apache's "The target server failed to respond" (5.x),
            // "host:port failed to respond" (4.x). A stale keep-alive connection, retried for idempotent requests.
            Map.entry("org.apache.hc.core5.http.NoHttpResponseException", FailureCause.CONNECTION_TERMINATED),
            Map.entry("org.apache.http.NoHttpResponseException", FailureCause.CONNECTION_TERMINATED),
            // A head Apache could not parse ("Invalid protocol version", "Invalid header", "Multiple Content-Length
            // headers"), thrown on by the async client and in a ClientProtocolException by the classic one.
            Map.entry("org.apache.hc.core5.http.ProtocolException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.hc.core5.http.ParseException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.hc.core5.http.UnsupportedHttpVersionException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.hc.core5.http.MalformedChunkCodingException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.hc.core5.http.TruncatedChunkException", FailureCause.HTTP_RESPONSE_INCOMPLETE),
            Map.entry("org.apache.hc.core5.http.MessageConstraintException",
                    FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
            Map.entry("org.apache.http.ProtocolException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.http.ParseException", FailureCause.HTTP_PROTOCOL_ERROR),
            Map.entry("org.apache.http.UnsupportedHttpVersionException", FailureCause.HTTP_PROTOCOL_ERROR),
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
            Map.entry("io.netty.handler.codec.PrematureChannelClosureException", FailureCause.CONNECTION_TERMINATED));

    /** Netty's HTTP codec, whose decoder fails on a response it cannot parse with plain runtime exceptions. */
    private static final String NETTY_HTTP_CODEC = "io.netty.handler.codec.http.";

    @Override
    public Optional<FailureCause> classify(Throwable throwable) {
        FailureCause byClass = BY_CLASS.get(throwable.getClass().getName());
        if (byClass != null) {
            return Optional.of(byClass);
        }
        if (throwable instanceof RuntimeException && isThrownDecodingResponse(throwable)) {
            // "invalid version format: SSH-2.0-OpenSSH_9.6" (an IllegalArgumentException of HttpVersion), "Invalid
            // character in chunk size" (a NumberFormatException), which Reactor Netty hands on as they are.
            return Optional.of(FailureCause.HTTP_PROTOCOL_ERROR);
        }
        return Optional.empty();
    }

    /**
     * Whether Netty's HTTP decoder threw it: a frame of a decoder class of its HTTP codec comes before the first
     * frame outside the JDK and Netty. The codec's other classes throw for the application's own mistakes too (a
     * header value with a line break), which are no upstream's.
     */
    private static boolean isThrownDecodingResponse(Throwable throwable) {
        for (StackTraceElement frame : throwable.getStackTrace()) {
            String type = frame.getClassName();
            if (type.startsWith(NETTY_HTTP_CODEC) && type.contains("Decoder")) {
                return true;
            }
            if (!type.startsWith("java.") && !type.startsWith("io.netty.")) {
                return false;
            }
        }
        return false;
    }
}
