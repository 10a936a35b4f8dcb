package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The limit on the head of an upstream response that {@code ReverseProxyServlet} relays
 * ({@code max-response-header-size}).
 *
 * <p>Why a limit of the proxy's own: a container refuses to send a response head larger than its own limit
 * (Tomcat's {@code maxHttpResponseHeaderSize} and Jetty's {@code responseHeaderSize} are 8 KiB by default) and
 * answers with its own 500 instead, whose body may name an exception; and an upstream that sends header
 * fields without end must not fill the gateway's memory. A head over the limit fails the attempt with
 * {@code http_response_header_section_size} (RFC 9209 §2.3.19), answered with the 502 page like any other
 * upstream failure, and nothing of it is relayed.
 *
 * <p>Size is counted on the parsed head, the same for both transports: the status line (as 15 bytes: the
 * reason phrase, which the JDK's client does not keep, not counted), every header field with its line end,
 * and the empty line that ends the head. Only a response the guard would relay is counted: a 5xx the guard
 * treats as a failure is answered with the page anyway. Neither HTTP client holds a head without end: Jetty's
 * is given a parser limit well above this one ({@link #parserLimit(int)}), the JDK's has its own
 * ({@code jdk.http.maxHeaderSize}, 384 KiB by default); a head over those fails while it is parsed, with the
 * same cause.
 *
 * <p>Stateless and thread-safe.
 */
public final class ResponseHeadLimit {

    /** {@code "HTTP/1.1 200 \r\n"}: the status line without a reason phrase. */
    private static final int STATUS_LINE = 15;
    /** {@code ": "} and CRLF around each field. */
    private static final int FIELD_OVERHEAD = 4;
    /** The JDK client's default {@code jdk.http.maxHeaderSize}. */
    private static final int JDK_DEFAULT_MAX_HEADER_SIZE = 384 * 1024;

    private ResponseHeadLimit() {
    }

    /**
     * @param fields a response's header fields, by name, as the JDK's {@code HttpHeaders.map()} gives them
     * @return the size of the head that carried them, in bytes, as counted above
     */
    public static long size(Map<String, List<String>> fields) {
        long size = STATUS_LINE + 2;
        for (Map.Entry<String, List<String>> field : fields.entrySet()) {
            int name = field.getKey().length() + FIELD_OVERHEAD;
            for (String value : field.getValue()) {
                size += name + value.length();
            }
        }
        return size;
    }

    /**
     * As {@link #size(Map)}, for fields given one at a time.
     *
     * @param <F> the client library's field type
     * @param fields the fields; a name repeats for each of its fields
     * @param name a field's name
     * @param value a field's value
     * @return the size of the head that carried them, in bytes
     */
    public static <F> long size(Iterable<F> fields, Function<F, String> name, Function<F, String> value) {
        long size = STATUS_LINE + 2;
        for (F field : fields) {
            size += name.apply(field).length() + FIELD_OVERHEAD + value.apply(field).length();
        }
        return size;
    }

    /**
     * The limit for Jetty's response parser: a backstop well above the servlet's own limit, which is checked
     * on the parsed head as for the JDK's client, so that a head without end is never held whole. As the JDK's
     * client's own ({@code jdk.http.maxHeaderSize}, 384 KiB by default), or twice the servlet's limit.
     *
     * @param maxResponseHeaderSize the servlet's limit
     * @return the parser's limit in bytes
     */
    static int parserLimit(int maxResponseHeaderSize) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(2L * maxResponseHeaderSize, JDK_DEFAULT_MAX_HEADER_SIZE));
    }

    /**
     * @param cause what the HTTP client reported, kept for the server log, or {@code null}
     * @return the failure of an attempt whose response head was over the limit
     */
    public static UpstreamFailureException exceeded(@Nullable Throwable cause) {
        return new UpstreamFailureException(UpstreamFailure.of(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE),
                cause, false);
    }

    /**
     * @param failure what Jetty's client reported for a response it could not parse
     * @return whether it stopped parsing because the head was over its {@code maxResponseHeadersSize}
     */
    static boolean isJettyHeadTooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            // Jetty's HttpParser: "Response Header Bytes Too Large" (12.1). With assertions enabled (-ea) Jetty
            // fails its own assertion there instead (the exception's code is the response's status, not a 4xx).
            if (message != null && message.toLowerCase(Locale.ROOT).contains("header bytes too large")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * A body subscriber for the JDK's client that refuses a response whose head is over the limit: it cancels
     * the body, which closes the connection, and fails the exchange with {@link #exceeded(Throwable)}.
     *
     * @param <T> the body type the exchange would have had
     * @return a new subscriber
     */
    public static <T> BodySubscriber<T> refusal() {
        return new Refusal<>();
    }

    private static final class Refusal<T> implements BodySubscriber<T> {
        private final CompletableFuture<T> body = CompletableFuture.failedFuture(exceeded(null));

        @Override
        public CompletionStage<T> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.cancel();
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            // Not expected after the cancel; nothing to keep either way.
        }

        @Override
        public void onError(Throwable throwable) {
            // The exchange already failed with the limit.
        }

        @Override
        public void onComplete() {
            // Nothing to do.
        }
    }
}
