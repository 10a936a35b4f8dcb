package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What {@code ReverseProxyServlet} checks in the head of an upstream response before it relays any of it: its
 * size against {@code max-response-header-size}, and that its status and framing are those of a valid HTTP
 * response. Both transports check the same head the same way, inside the attempt, so that a head that fails a
 * check is an upstream failure like any other: counted by the guard, answered with the 502 page, and nothing of
 * it relayed. What the checks see is the head as each client parsed it: the JDK's client unfolds folded lines
 * and reads a bare CR in a field value as a line end, both of which Jetty's parser refuses, and neither of which
 * its parsed fields show; it also keeps no reason phrase, so a control character there is refused by Jetty's parser
 * only (the reason phrase is never relayed: the container writes its own, and HTTP/2 has none).
 *
 * <p><b>Size</b> ({@code http_response_header_section_size}, RFC 9209 §2.3.19; a local limit, which the circuit breaker
 * does not count). A container refuses to send a response head larger than its own limit (Tomcat's
 * {@code maxHttpResponseHeaderSize} and Jetty's {@code responseHeaderSize} are 8 KiB by default) and answers with its
 * own 500 instead, whose body may name an exception; and an upstream that sends header fields without end must not fill
 * the gateway's memory. Size is counted on the parsed head as it will be relayed: the status line (as 15 bytes: the
 * reason phrase, which the JDK's client does not keep, not counted), every header field with its line end, each value
 * as long as it gets once rewritten ({@code Location} and the other fields with URIs, the hosts of a {@code Via}, which
 * can grow it: {@code 1.0 a,1.1 b} becomes {@code 1.0 upstream, 1.1 upstream}), and the empty line that ends the head.
 * For a client of HTTP/2 (or HTTP/3) the head is counted as those protocols size a field section (RFC 9113 §6.5.2):
 * name and value plus 32 bytes per field, {@code :status} included. That is the size a client limits with
 * {@code SETTINGS_MAX_HEADER_LIST_SIZE} (by default 8 KiB for Jetty's {@code HTTP2Client} and the clients of Netty and
 * gRPC), and a head over the client's limit is not refused for its stream alone: Jetty's HTTP/2 server ends the whole
 * connection ({@code GOAWAY} with {@code COMPRESSION_ERROR}), every other request on it with it. Its HPACK coding
 * must fit the limit too, which Jetty's HTTP/2 server sizes its encoding buffer by: Huffman coding lengthens rare
 * characters and any byte above 0x7F to up to 30 bits ({@link HpackSizes}). Neither HTTP client
 * holds a head without end: Jetty's is given a parser limit well above this one ({@link #parserLimit(int)}), which also
 * counts a chunked body's extensions and trailers; the JDK's has its own ({@code jdk.http.maxHeaderSize}, 384 KiB by
 * default since JDK 17.0.12 and 21.0.4). A head over those fails while it is parsed, with the same cause.
 *
 * <p><b>Status and framing</b> ({@code http_protocol_error}, RFC 9209 §2.3.28). Jetty's parser refuses most
 * malformed heads itself; the JDK's client passes on some that a proxy must not relay:
 * <ul>
 *   <li>a status outside 100–599 (RFC 9110 §15: invalid; a client should treat it as a server error);</li>
 *   <li>a {@code Content-Length} that is not one number: not digits, a list, or several fields (RFC 9112
 *       §6.3: an unrecoverable error for a proxy when they differ; refused when equal too, as Jetty's parser
 *       refuses them, so that both transports answer alike);</li>
 *   <li>a 204 that announces a body ({@code Content-Length} above 0 or a {@code Transfer-Encoding}: RFC 9110
 *       §8.6, RFC 9112 §6.1; what follows it would be read as the next response on the connection);</li>
 *   <li>both {@code Transfer-Encoding} and {@code Content-Length} (RFC 9112 §6.3: a sign of response
 *       splitting, to be handled as an error; the JDK's client reads such a body by its length, so the chunk
 *       framing itself would be relayed);</li>
 *   <li>a {@code Transfer-Encoding} other than {@code chunked} (the JDK's client decodes no other coding and
 *       would relay the raw framing, Jetty's refuses unknown ones and relays {@code gzip, chunked} still
 *       gzip-coded without saying so);</li>
 *   <li>a 101 (Switching Protocols): the proxy never asks for one, as it does not forward {@code Upgrade}.</li>
 *   <li>a {@code Transfer-Encoding} in an HTTP/1.0 response (RFC 9112 §6.1: no server sends one to an HTTP/1.1
 *       request, and its recipient must treat the framing as faulty, even with a {@code Content-Length}, and close
 *       the connection). Jetty's client parses such a chunked body (its {@code HttpCompliance} has no check for it)
 *       and tells the version; the JDK's client reports HTTP/1.1 for an HTTP/1.0 response, so with it the check
 *       cannot see one.</li>
 * </ul>
 * Only a response the guard would relay is checked: a 5xx the guard treats as a failure is answered with the
 * page anyway. A 205 that announces a body is not refused, unlike a 204: HTTP/1.1 frames it as any other status's
 * (RFC 9112 §6.3), so both clients read its connection right, and its content, which no server may send (RFC 9110
 * §15.3.6), is dropped, never relayed ({@link #contentLength}).
 *
 * <p>Stateless and thread-safe.
 */
public final class ResponseHeadCheck {

    /** {@code "HTTP/1.1 200 \r\n"}: the status line without a reason phrase. */
    private static final int STATUS_LINE = 15;
    /** {@code ": "} and CRLF around each field. */
    private static final int FIELD_OVERHEAD = 4;
    /** What HTTP/2 and HTTP/3 count for each field besides its name and value (RFC 9113 §6.5.2, RFC 7541 §4.1). */
    private static final int FIELD_SECTION_OVERHEAD = 32;
    /** The {@code :status} pseudo-field of an HTTP/2 or HTTP/3 response, counted as a field section counts it. */
    private static final int STATUS_FIELD = ":status".length() + 3 + FIELD_SECTION_OVERHEAD;
    /** The {@code :status} pseudo-field HPACK-coded, at most: a literal of the indexed name and three digits. */
    private static final int STATUS_FIELD_ENCODED = 5;
    /** The JDK client's default {@code jdk.http.maxHeaderSize}. */
    private static final int JDK_DEFAULT_MAX_HEADER_SIZE = 384 * 1024;
    /** The length of a body whose head has no {@code Content-Length}, or one that must not be relayed. */
    public static final long UNKNOWN_LENGTH = -1;
    /** Not one valid {@code Content-Length}. */
    private static final long INVALID_LENGTH = -2;
    /** What the {@code Transfer-Encoding} fields say: none, {@code chunked}, anything else. */
    private static final int NO_CODING = 0;
    private static final int CHUNKED = 1;
    private static final int OTHER_CODING = 2;

    private ResponseHeadCheck() {
    }

    /**
     * Checks a head given as the JDK's client gives it.
     *
     * @param status the status
     * @param fields the header fields, by name, as {@code HttpHeaders.map()} gives them
     * @param maxSize {@code max-response-header-size}
     * @param clientProtocol the client's protocol ({@code ServletRequest.getProtocol()}), which the head is sized in;
     *     {@code null} (a request wrapper's) for HTTP/1.1
     * @param relayed a field's value as relayed, by name and value received, {@code null} for none
     *     ({@link ProxyHeaders#relayedTowardClient})
     * @return the failure of the attempt, or {@code null} when the head may be relayed
     */
    public static @Nullable UpstreamFailureException problem(int status, Map<String, List<String>> fields,
            int maxSize, @Nullable String clientProtocol, BiFunction<String, String, @Nullable String> relayed) {
        Tally head = new Tally(clientProtocol, relayed);
        for (Map.Entry<String, List<String>> field : fields.entrySet()) {
            for (String value : field.getValue()) {
                head.add(field.getKey(), value);
            }
        }
        return head.problem(status, false, maxSize);
    }

    /**
     * Checks a head given one field at a time, as Jetty's client gives it.
     *
     * @param <F> the client library's field type
     * @param status the status
     * @param fields the fields; a name repeats for each of its fields
     * @param name a field's name
     * @param value a field's value
     * @param http10 whether the response's status line says HTTP/1.0
     * @param maxSize {@code max-response-header-size}
     * @param clientProtocol the client's protocol ({@code ServletRequest.getProtocol()}), which the head is sized in;
     *     {@code null} (a request wrapper's) for HTTP/1.1
     * @param relayed a field's value as relayed, by name and value received, {@code null} for none
     *     ({@link ProxyHeaders#relayedTowardClient})
     * @return the failure of the attempt, or {@code null} when the head may be relayed
     */
    public static <F> @Nullable UpstreamFailureException problem(int status, Iterable<F> fields,
            Function<F, String> name, Function<F, String> value, boolean http10, int maxSize,
            @Nullable String clientProtocol, BiFunction<String, String, @Nullable String> relayed) {
        Tally head = new Tally(clientProtocol, relayed);
        for (F field : fields) {
            head.add(name.apply(field), value.apply(field));
        }
        return head.problem(status, http10, maxSize);
    }

    /**
     * The body length a checked head announces, for the response to the client.
     *
     * @param status the status
     * @param contentLengths the values of its {@code Content-Length} fields
     * @return the length; {@link #UNKNOWN_LENGTH} when there is none, and for a 204, whose {@code Content-Length}
     *     (0, if the head passed the check) is not passed on (RFC 9110 §8.6: none in a 204); 0 for a 205, whatever
     *     its head says: "a server MUST NOT generate content in a 205 response" (RFC 9110 §15.3.6), so the proxy
     *     relays none of a body an upstream sent with one, and says so with the first of the three ways that section
     *     allows, {@code Content-Length: 0}, as Tomcat says it for every 205. Its framing is checked all the same: it
     *     is how the upstream's connection is read
     */
    public static long contentLength(int status, List<String> contentLengths) {
        if (status == 205) {
            return 0;
        }
        long length = UNKNOWN_LENGTH;
        for (String value : contentLengths) {
            length = merged(length, value);
        }
        return status == 204 || length < 0 ? UNKNOWN_LENGTH : length;
    }

    /**
     * Sends the head of a relayed response that has no body (a response to HEAD, a 304) and whose upstream head
     * announced no length. Left to complete on its own, the container would add {@code Content-Length: 0}: for a
     * body it never saw, which a HEAD or 304 response must not claim (RFC 9110 §8.6: only the length a GET's
     * 200 would have had).
     *
     * @param response the client's response, its head set
     * @throws IOException when the client went away
     */
    public static void commitWithoutLength(HttpServletResponse response) throws IOException {
        response.flushBuffer();
    }

    /** What the checks need of a head, gathered one field at a time, whichever client parsed it. */
    private static final class Tally {
        private final BiFunction<String, String, @Nullable String> relayed;
        private final boolean fieldSection;
        private final int fieldOverhead;
        private long size;
        /** For a client of HTTP/2 or HTTP/3, the head as HPACK codes it (its {@code :status} a byte or a few). */
        private long encoded = STATUS_FIELD_ENCODED;
        private long length = UNKNOWN_LENGTH;
        private int codings = NO_CODING;

        Tally(@Nullable String clientProtocol, BiFunction<String, String, @Nullable String> relayed) {
            this.relayed = relayed;
            this.fieldSection = RequestBodies.isHttp2OrLater(clientProtocol);
            this.fieldOverhead = fieldSection ? FIELD_SECTION_OVERHEAD : FIELD_OVERHEAD;
            this.size = fieldSection ? STATUS_FIELD : STATUS_LINE + 2; // HTTP/1.1's with the empty line at its end
        }

        void add(String name, String value) {
            String sent = relayed.apply(name, value);
            if (sent != null) {
                size += name.length() + fieldOverhead + HpackSizes.octets(sent);
                if (fieldSection) {
                    encoded += HpackSizes.literalField(name.toLowerCase(Locale.ROOT), sent);
                }
            }
            if (name.equalsIgnoreCase("Content-Length")) {
                length = merged(length, value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                codings = coding(codings, value);
            }
        }

        @Nullable UpstreamFailureException problem(int status, boolean http10, int maxSize) {
            if (size > maxSize || encoded > maxSize) {
                return failure(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE, null);
            }
            if (status < 100 || status > 599 || status == 101 || length == INVALID_LENGTH || codings == OTHER_CODING
                    || (codings == CHUNKED && length >= 0) || (status == 204 && (length > 0 || codings != NO_CODING))
                    || (http10 && codings != NO_CODING)) {
                return failure(FailureCause.HTTP_PROTOCOL_ERROR, null);
            }
            return null;
        }
    }

    /** Folds one {@code Transfer-Encoding} field into those seen so far: only one, {@code chunked}, is relayed. */
    private static int coding(int sofar, String value) {
        return sofar == NO_CODING && value.trim().equalsIgnoreCase("chunked") ? CHUNKED : OTHER_CODING;
    }

    /**
     * Folds one {@code Content-Length} field into the length seen so far: the first field that is 1*DIGIT
     * (RFC 9110 §8.6) is the length; a second field, or anything else, is invalid.
     */
    private static long merged(long sofar, String value) {
        if (sofar != UNKNOWN_LENGTH) {
            return INVALID_LENGTH;
        }
        String digits = value.trim();
        if (digits.isEmpty() || digits.length() > 18) {
            return INVALID_LENGTH;
        }
        long number = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID_LENGTH;
            }
            number = number * 10 + (c - '0');
        }
        return number;
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
     * @param cause what Jetty's client reported, kept for the server log
     * @return the failure of an attempt whose head Jetty's parser refused for its size
     */
    static UpstreamFailureException exceeded(Throwable cause) {
        return failure(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE, cause);
    }

    private static UpstreamFailureException failure(FailureCause cause, @Nullable Throwable reported) {
        return new UpstreamFailureException(UpstreamFailure.of(cause), reported, false);
    }

    /**
     * @param failure what Jetty's client reported for a response it could not parse
     * @return whether it stopped parsing because the head was over its {@code maxResponseHeadersSize}
     */
    static boolean isJettyHeadTooLarge(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < FailureClassifier.MAX_CHAIN; depth++, t = t.getCause()) {
            String message = t.getMessage();
            // Jetty's HttpParser: "Response Header Bytes Too Large" (12.1). With assertions enabled (-ea) Jetty
            // fails its own assertion there instead, which JettyForwarder.translate reports as a malformed response.
            if (message != null && message.toLowerCase(Locale.ROOT).contains("header bytes too large")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A body subscriber for the JDK's client that refuses a response whose head failed a check: it cancels the
     * body, which closes the connection, and fails the exchange with that failure.
     *
     * @param <T> the body type the exchange would have had
     * @param problem the failure
     * @return a new subscriber
     */
    public static <T> BodySubscriber<T> refusal(UpstreamFailureException problem) {
        return new Refusal<>(problem);
    }

    private static final class Refusal<T> implements BodySubscriber<T> {
        private final CompletableFuture<T> body;

        Refusal(UpstreamFailureException problem) {
            this.body = CompletableFuture.failedFuture(problem);
        }

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
            // The exchange already failed with the check.
        }

        @Override
        public void onComplete() {
            // Nothing to do.
        }
    }
}
