package io.github.errorpages.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.spi.CauseClassifier;
import java.io.CharConversionException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UTFDataFormatException;
import java.net.ConnectException;
import java.net.MalformedURLException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.UnknownServiceException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.FileSystemException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * Recognises the exceptions of {@code java.net}, {@code java.net.http}, {@code java.nio.channels} and
 * {@code javax.net.ssl}. Where the JDK uses one type for several failures (a {@link SocketException} for
 * a reset and for a broken pipe, an {@link IOException} for a truncated body), the message decides; the
 * messages matched are those of OpenJDK 17 and 21, checked against real sockets in the tests. The message of a
 * plain {@code IOException} is read only when the exception's class belongs to the JDK or a known HTTP or
 * network library ({@link #NETWORK_STACKS}). The check is on the class, not on the code that threw it: a
 * {@code new java.io.IOException("Connection reset")} of the application's is read like the JDK's, while the
 * messages of the application's own {@code IOException} subclasses, and of a data format library's (Jackson 2's),
 * which say nothing of a connection, are not.
 */
public final class JdkCauseClassifier implements CauseClassifier {

    /**
     * The packages whose {@link IOException} classes have their messages read: the JDK's, and those of the HTTP and
     * network libraries that applications call upstreams with (their "Connection reset", "Premature end of chunk
     * coded message body", "stream was reset"). The class decides, so an instance of a JDK class is read whoever
     * threw it. The messages of any other library's or the application's own subclasses are not: Jackson 2's
     * exceptions are {@code IOException}s that quote the input they could not parse ("Unexpected end-of-input",
     * {@code Unrecognized field "reset"}), a client's bad JSON, not an upstream that failed.
     */
    private static final String[] NETWORK_STACKS = {"java.", "javax.", "jdk.", "sun.", "com.sun.",
        "org.eclipse.jetty.", "org.apache.http.", "org.apache.hc.", "okhttp3.", "okio.", "io.netty.", "reactor.netty.",
        "io.undertow.", "io.vertx.", "org.asynchttpclient.", "io.grpc."};

    /**
     * Whether the boot layer holds {@code java.net.http}: on the module path only when a module requires it, which
     * this library's automatic modules cannot. Without it no HttpClient exception is ever thrown, and an
     * {@code instanceof} of one would fail with {@code NoClassDefFoundError}, taking this classifier out for every
     * exception.
     */
    private static final boolean JAVA_NET_HTTP = ModuleLayer.boot().findModule("java.net.http").isPresent();

    /**
     * Jetty's HTTP client's exception for a response it could not parse, a {@code RuntimeException} around its parser's
     * exception ({@link #JETTY_HTTP}). Left unclassified, the filter threw it on, and Jetty's server answered with the
     * status its parser gave the upstream's response: 400 "Bad status", 505 "Unknown Version", for an upstream's
     * failure. The client throws it for well-formed responses too (a 401 without {@code WWW-Authenticate}), which
     * are no upstream failures.
     */
    private static final String JETTY_RESPONSE_EXCEPTION = "org.eclipse.jetty.client.HttpResponseException";
    /**
     * Jetty's client's exceptions (runtime ones) for a request the upstream did not process: over HTTP/2, a stream
     * after the last one a GOAWAY accepted (RFC 9113 §6.8). Retried for idempotent requests only, as the JDK's
     * client's "GOAWAY received" is, which does not say whether the stream was processed.
     */
    private static final Set<String> JETTY_UNPROCESSED = Set.of("org.eclipse.jetty.client.RetryableRequestException",
            "org.eclipse.jetty.http2.RetryableStreamException");
    /** The package of Jetty's HTTP parser and its exceptions ({@code HttpException}, {@code BadMessageException}). */
    private static final String JETTY_HTTP = "org.eclipse.jetty.http.";

    /**
     * Jetty's HTTP/2 client's receiver, which fails a request whose stream the upstream reset with
     * a bare {@code IOException} named by the reset's error code (RFC 9113 §7): "internal_error",
     * "cancel_stream_error", "reset_code_153" for a code it does not know.
     */
    private static final Pattern JETTY_HTTP2_RECEIVER =
            Pattern.compile("org\\.eclipse\\.jetty\\.http2\\..*\\.HttpReceiverOverHTTP2");
    /** The error codes of a reset that say a peer broke HTTP/2's rules (or its transport's), not that it gave up. */
    private static final Set<String> HTTP2_PROTOCOL_ERROR_CODES = Set.of("protocol_error", "flow_control_error",
            "settings_timeout_error", "frame_size_error", "compression_error", "inadequate_security_error",
            "http_1_1_required_error");

    /** The JDK HttpClient's message when this side cancels an HTTP/2 stream (its body stream closed, say). */
    private static final Pattern STREAM_CANCELLED = Pattern.compile("Stream [0-9]+ cancelled");
    /** The JDK HttpClient's implementation. */
    private static final String JDK_CLIENT = "jdk.internal.net.http.";
    /** The JDK HttpClient's {@code InputStream} of a response body. */
    private static final String JDK_BODY_STREAM = "jdk.internal.net.http.ResponseSubscribers$HttpResponseInputStream";

    /** HttpURLConnection's message for a response status of 400 or more (other than 404 and 410). */
    private static final String STATUS_PREFIX = "Server returned HTTP response code: ";
    /**
     * {@link #STATUS_PREFIX} as the lower-cased messages spell it: lowered once here, as a call per exception of the
     * chain cost every classification 80 B.
     */
    private static final String STATUS_PREFIX_LOWER_CASE = STATUS_PREFIX.toLowerCase(Locale.ROOT);
    /** The JDK's HttpURLConnection (its HTTPS one delegates to it). */
    private static final String URL_CONNECTION = "sun.net.www.protocol.http.HttpURLConnection";

    @Override
    public Optional<FailureCause> classify(Throwable t) {
        return Optional.ofNullable(cause(t, lowerMessage(t)));
    }

    private static @Nullable FailureCause cause(Throwable t, String message) {
        if (t instanceof UnknownHostException) {
            // getaddrinfo's EAI_AGAIN ("Temporary failure in name resolution", musl's "Try again"): the resolver
            // timed out or could not reach a name server, a failure that may pass (R2: 504, retried by default);
            // any other message is an answer that the name does not resolve.
            return message.contains("temporary failure in name resolution") || message.endsWith(": try again")
                    ? FailureCause.DNS_TIMEOUT : FailureCause.DNS_ERROR;
        }
        if (t instanceof UnresolvedAddressException) {
            return FailureCause.DNS_ERROR;
        }
        if (JAVA_NET_HTTP && t instanceof HttpConnectTimeoutException) {
            return FailureCause.CONNECTION_TIMEOUT;
        }
        if (JAVA_NET_HTTP && t instanceof HttpTimeoutException) {
            // HttpRequest.timeout() bounds the wait for the response headers, not a single read.
            return FailureCause.HTTP_RESPONSE_TIMEOUT;
        }
        if (t instanceof SocketTimeoutException) {
            return message.contains("connect") ? FailureCause.CONNECTION_TIMEOUT : FailureCause.CONNECTION_READ_TIMEOUT;
        }
        if (t instanceof TimeoutException
                || (t.getClass() == InterruptedIOException.class && CallerAborts.isTimeout(t.getMessage()))) {
            // OkHttp's call timeout ("timeout", Okio's "deadline reached"): the whole exchange took too long.
            return FailureCause.HTTP_RESPONSE_TIMEOUT;
        }
        if (t instanceof NoRouteToHostException || t instanceof PortUnreachableException
                || (t instanceof SocketException && message.contains("unreachable"))) {
            // ENETUNREACH has no exception type of its own: a SocketException "Network is unreachable", which the
            // HttpClient wraps in a ConnectException of the same message.
            return FailureCause.DESTINATION_IP_UNROUTABLE;
        }
        if (t instanceof ConnectException) {
            if (message.contains("timed out")) {
                return FailureCause.CONNECTION_TIMEOUT;
            }
            // The JDK's HttpClient wraps the real reason (refused, unresolved) in a ConnectException with
            // no message of its own; the deeper cause, when there is one, is more specific and wins.
            return FailureCause.CONNECTION_REFUSED;
        }
        if (t instanceof SSLException) {
            return tlsCause((SSLException) t, message);
        }
        if (t instanceof ProtocolException) {
            if (isMisusedUrlConnection(message)) {
                return null; // the caller's bug, before anything was sent: no page, no breaker failure
            }
            if (message.equals("unexpected end of stream")) {
                // OkHttp: a response body short of its length; or the application's own RequestBody, which wrote
                // less than its contentLength() promised: its bug, no upstream's.
                return isOkHttpRequestBody(t) ? null : FailureCause.HTTP_RESPONSE_INCOMPLETE;
            }
            // The JDK's client stops at jdk.http.maxHeaderSize (384 KiB): "Header size too big: 393300 > 393216",
            // over HTTP/2 "Size exceeds MAX_HEADERS_LIST_SIZE: 393546 > 393216".
            return message.contains("header size too big") || message.contains("max_headers_list_size")
                    ? FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE : FailureCause.HTTP_PROTOCOL_ERROR;
        }
        if (t instanceof EOFException || t instanceof ClosedChannelException) {
            // Jetty's client names its receiver's state in the message: "rsp=CONTENT", the connection ended while
            // the body came (short of its length, reset mid-body, a chunk cut), after the head.
            return message.contains("httpreceiveroverhttp") && message.contains("rsp=content")
                    ? FailureCause.HTTP_RESPONSE_INCOMPLETE : FailureCause.CONNECTION_TERMINATED;
        }
        if (JETTY_UNPROCESSED.contains(t.getClass().getName())) {
            return FailureCause.CONNECTION_TERMINATED;
        }
        if (t.getClass().getName().equals(JETTY_RESPONSE_EXCEPTION)) {
            return jettyParseFailure(t);
        }
        if (upstreamStatus(t) != 0) {
            return FailureCause.UPSTREAM_STATUS;
        }
        if (isStatusOutOfRangeOfUrlConnection(t, message)) {
            // HttpURLConnection throws for any status of 400 or more, for one of 600 or more too ("... code: 600 for
            // URL: ..."): no valid status (RFC 9110 §15, to be taken for a 5xx), a malformed response (R2).
            return FailureCause.HTTP_PROTOCOL_ERROR;
        }
        if (t instanceof FileNotFoundException || t instanceof FileSystemException
                || message.startsWith("server returned http response code")) {
            // The message is a file's path or a URL (HttpURLConnection's 404 is a FileNotFoundException of the URL,
            // its other 4xx "... for URL: ..."): "/password/reset" names no connection reset.
            return null;
        }
        if (t instanceof MalformedURLException || t instanceof UnknownServiceException
                || t instanceof UTFDataFormatException || t instanceof CharConversionException) {
            // The application's own mistakes, no upstream's: a base URL without its scheme ("unknown protocol:
            // orders.internal"), output to a file URL ("protocol doesn't support output"), a string too long for
            // writeUTF, bytes of another encoding. Their messages would read as a malformed or oversized response.
            return null;
        }
        if (isResponseBodyClosedHere(t, message)) {
            // Closed on this side while it was being read: Spring's JdkClientHttpRequestFactory closes the body when
            // its read timeout passes (the reading thread sees no timeout of its own), as other callers' watchdogs do.
            // The upstream closed nothing: it was too slow.
            return FailureCause.CONNECTION_READ_TIMEOUT;
        }
        if (t.getClass() == IOException.class && Causes.of(t) != null && isCancelledHere(rootOf(t))) {
            // Java 25 reports this side's cancel of an HTTP/1.1 body as the body cut short ("fixed content-length:
            // 100000, bytes received: 10", caused by "subscription cancelled"): the upstream cut nothing short.
            return null;
        }
        if (isJettyHttp2Reset(t)) {
            // Left to the messages below, "internal_error" or "cancel_stream_error" was no upstream failure: the
            // container's bare 500. Whether the head had arrived the exception does not say.
            return HTTP2_PROTOCOL_ERROR_CODES.contains(message) ? FailureCause.HTTP_PROTOCOL_ERROR
                    : FailureCause.CONNECTION_TERMINATED;
        }
        if (t instanceof IOException && isOfNetworkStack(t) && !restatesItsCause(t)) {
            return ioCause(message);
        }
        if (t instanceof NumberFormatException && isContentLengthOfResponse(t)) {
            // The JDK's client parses a response's Content-Length with Long.parseLong: "abc", "5, 5".
            return FailureCause.HTTP_PROTOCOL_ERROR;
        }
        if (t instanceof IllegalArgumentException && isStatusOfUrlConnectionResponse(t)) {
            // HttpURLConnection takes a reply that is no HTTP (a port that answers SSH, Redis, bytes) for HTTP/0.9 and
            // reports its status as -1 rather than failing; Spring's SimpleClientHttpResponse (RestTemplate's default,
            // RestClient's with SimpleClientHttpRequestFactory) hands that to HttpStatusCode.valueOf, whose assertion
            // fails. Unclassified, the container's 500 page named the exception.
            return FailureCause.HTTP_PROTOCOL_ERROR;
        }
        return null;
    }

    /**
     * Reads the status of a well-formed 5xx response that HttpURLConnection reports as an exception:
     * {@code getInputStream()} throws "Server returned HTTP response code: 503 for URL: ..." for a status of 400
     * or more (other than 404 and 410), and the upstream's status is kept (R3). Like any message, only that of an
     * exception of the JDK's or a known library's class ({@link #NETWORK_STACKS}).
     *
     * @param t a throwable of a cause chain
     * @return the status, in [500, 599], or 0 when {@code t} is no such exception or its status no 5xx
     */
    public static int upstreamStatus(Throwable t) {
        int status = statusInMessage(t);
        return status >= 500 ? status : 0;
    }

    /**
     * Reads the status of any response HttpURLConnection reports as an exception: "Server returned HTTP response
     * code: 429 for URL: ..." for a status of 400 or more, and a {@code FileNotFoundException} of the URL, which it
     * throws for a 404 or a 410 (read as 404: the exception does not tell them apart). Either is the upstream's
     * answer, no failure of the exchange.
     *
     * @param t a throwable
     * @return the status, in [400, 599], or 0 when {@code t} is no such exception
     */
    public static int urlConnectionStatus(Throwable t) {
        if (t.getClass() == FileNotFoundException.class && t.getMessage() != null
                && (t.getMessage().startsWith("http://") || t.getMessage().startsWith("https://"))
                && isMadeByUrlConnection(t)) {
            return 404;
        }
        return statusInMessage(t);
    }

    /** The status of HttpURLConnection's "Server returned HTTP response code: 503 ...", in [400, 599], or 0. */
    private static int statusInMessage(Throwable t) {
        if (!(t instanceof IOException) || !isOfNetworkStack(t)) {
            return 0; // and no message asked of an exception of anyone's, whose getMessage() may throw
        }
        String message = t.getMessage();
        int status = message == null ? -1 : statusAfter(STATUS_PREFIX, message);
        return status >= 400 && status <= 599 ? status : 0;
    }

    /** Whether it is HttpURLConnection's "Server returned HTTP response code: 600 ..." of a status above 599. */
    private static boolean isStatusOutOfRangeOfUrlConnection(Throwable t, String message) {
        return t instanceof IOException && isOfNetworkStack(t)
                && statusAfter(STATUS_PREFIX_LOWER_CASE, message) >= 600;
    }

    /**
     * The three digits after HttpURLConnection's prefix, as a number (the first an ASCII one, the others any
     * {@link Character#isDigit} takes), or -1 when {@code message} does not start with the prefix and three such digits.
     */
    private static int statusAfter(String prefix, String message) {
        int at = prefix.length();
        if (message.length() < at + 3 || !message.startsWith(prefix)) {
            return -1;
        }
        char hundreds = message.charAt(at);
        char tens = message.charAt(at + 1);
        char units = message.charAt(at + 2);
        if (hundreds < '0' || hundreds > '9' || !Character.isDigit(tens) || !Character.isDigit(units)) {
            return -1;
        }
        return (hundreds - '0') * 100 + Character.digit(tens, 10) * 10 + Character.digit(units, 10);
    }

    /**
     * Whether HttpURLConnection made the exception: it is among the frames where it was made, before the first one
     * of the application (an application's own FileNotFoundException naming a URL is none of its responses).
     */
    private static boolean isMadeByUrlConnection(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            String type = frame.getClassName();
            if (type.startsWith(URL_CONNECTION)) {
                return true;
            }
            if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
                return false;
            }
        }
        return false;
    }

    /**
     * Whether it is the JDK HttpClient's {@code IOException("closed")} of a response body stream ({@code
     * BodyHandlers.ofInputStream()}) closed on this side.
     */
    private static boolean isResponseBodyClosedHere(Throwable t, String message) {
        if (t.getClass() != IOException.class || !message.equals("closed")) {
            return false;
        }
        StackTraceElement[] stack = t.getStackTrace();
        if (stack.length == 0 || !stack[0].getClassName().equals(JDK_BODY_STREAM)) {
            return false;
        }
        // The stream fails with "closed" for the upstream's failure too, then its cause (an HTTP/2 stream reset, the
        // connection's end), which is classified on its own. Closed here, it has none (Java 17), or the cancel the
        // close made ("Stream 3 cancelled" over HTTP/2).
        Throwable cause = Causes.of(t);
        return cause == null || isCancelledHere(rootOf(cause));
    }

    /**
     * Whether it is the JDK HttpClient's own failure for a body this side cancelled: "Stream 3 cancelled" over
     * HTTP/2, "subscription cancelled" over HTTP/1.1 (Java 25, under the body's "fixed content-length: ..." or
     * "chunked transfer encoding" failure).
     */
    private static boolean isCancelledHere(Throwable root) {
        if (root.getClass() != IOException.class) {
            return false;
        }
        String message = String.valueOf(Causes.messageOf(root));
        StackTraceElement[] stack = root.getStackTrace();
        return (message.equals("subscription cancelled") || STREAM_CANCELLED.matcher(message).matches())
                && stack.length > 0 && stack[0].getClassName().startsWith(JDK_CLIENT);
    }

    private static Throwable rootOf(Throwable t) {
        Throwable root = t;
        for (int i = 0; Causes.of(root) != null && Causes.of(root) != root && i < FailureClassifier.MAX_CHAIN; i++) {
            root = Causes.of(root);
        }
        return root;
    }

    /**
     * Whether the HTTP client threw it parsing a response's {@code Content-Length}, not code the client calls
     * back into (a body handler, a mapping of the body): the first frame outside {@code java.lang} and
     * {@code java.util} (Long.parseLong, a stream pipeline) is {@code HttpHeaders.firstValueAsLong}.
     */
    private static boolean isContentLengthOfResponse(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            String type = frame.getClassName();
            if (!type.startsWith("java.lang.") && !type.startsWith("java.util.")) {
                return type.equals("java.net.http.HttpHeaders") && frame.getMethodName().equals("firstValueAsLong");
            }
        }
        return false;
    }

    /** Whether OkHttp threw it writing a request body (its exchange's sink), not reading a response. */
    private static boolean isOkHttpRequestBody(Throwable t) {
        StackTraceElement[] stack = t.getStackTrace();
        return stack.length > 0 && stack[0].getClassName().startsWith("okhttp3.")
                && stack[0].getClassName().contains("RequestBodySink");
    }

    /**
     * Whether Spring's {@code HttpStatusCode.valueOf} threw it for the status {@code SimpleClientHttpResponse} read
     * from HttpURLConnection: the first frame outside Spring's assertions and {@code HttpStatusCode} is that response's
     * {@code getStatusCode}, so an application's own {@code HttpStatusCode.valueOf} is not taken for an upstream's.
     */
    private static boolean isStatusOfUrlConnectionResponse(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            String type = frame.getClassName();
            if (!type.startsWith("org.springframework.util.")
                    && !type.equals("org.springframework.http.HttpStatusCode")) {
                return type.equals("org.springframework.http.client.SimpleClientHttpResponse")
                        && frame.getMethodName().equals("getStatusCode");
            }
        }
        return false;
    }

    private static FailureCause tlsCause(SSLException e, String message) {
        if (message.contains("received fatal alert: protocol_version")
                || message.contains("received fatal alert: insufficient_security")) {
            // The upstream speaks no version or cipher suite the gateway offers (one that only speaks TLS 1.0 or
            // 1.1): the mismatch, whoever noticed it first.
            return FailureCause.TLS_PROTOCOL_ERROR;
        }
        if (message.contains("received fatal alert")) {
            // The upstream's alert, whatever it names: "bad_certificate", "certificate_required" is its verdict on
            // the gateway's client certificate (mTLS), not a failed check of the upstream's certificate.
            return FailureCause.TLS_ALERT_RECEIVED;
        }
        if (e instanceof SSLPeerUnverifiedException || message.contains("certificate") || message.contains("pkix")
                || message.contains("no subject alternative") || failedACertificateCheck(e)) {
            return FailureCause.TLS_CERTIFICATE_ERROR;
        }
        // "not an SSL/TLS record": Netty's NotSslRecordException (Reactor Netty), plain HTTP on an https:// URL, as
        // the JDK's "Unrecognized SSL message, plaintext connection?".
        if (e instanceof SSLHandshakeException || message.contains("handshake") || message.contains("plaintext")
                || message.contains("unrecognized ssl message") || message.contains("not an ssl/tls record")) {
            return FailureCause.TLS_PROTOCOL_ERROR;
        }
        // Any other SSLException is a record the client could not read ("Tag mismatch", a bad MAC, a closed or
        // reset connection): a connection torn down mid-stream, possibly after the request went out. Not a failed
        // handshake, which would say the request was never sent and let a retry send a POST again (R13).
        return FailureCause.CONNECTION_TERMINATED;
    }

    /**
     * Whether the TLS failure came from a check of the upstream's certificate: a {@link CertificateException} or
     * {@code CertPath} exception among its causes (the JDK's "validity check failed", a hostname that does not
     * match). These exceptions are read only below an {@link SSLException}: on their own they are the application's
     * cryptography (a session cookie that does not decrypt, a key it cannot parse, a client certificate forwarded
     * in a header), no connection to an upstream at all.
     */
    private static boolean failedACertificateCheck(SSLException e) {
        Throwable cause = Causes.of(e);
        for (int depth = 0; cause != null && cause != e && depth < FailureClassifier.MAX_CHAIN; depth++) {
            if (cause instanceof CertificateException || cause instanceof CertPathValidatorException
                    || cause instanceof CertPathBuilderException) {
                return true;
            }
            cause = Causes.of(cause);
        }
        return false;
    }

    /**
     * Whether {@code t} only repeats its cause's words: the JDK's {@code HttpClient.send} rethrows any failure of
     * the call as a new {@code IOException} with the failure's message, the application's own exception from a
     * body handler included (an {@code UncheckedIOException} around Jackson's {@code Unrecognized field "reset"});
     * {@code new IOException(cause)} takes the cause's {@code toString()}. Those words are the cause's, and are
     * read only if the cause's class is one whose messages are read: the cause is classified on its own.
     */
    private static boolean restatesItsCause(Throwable t) {
        Throwable cause = Causes.of(t);
        String message = Causes.messageOf(t);
        return cause != null && cause != t && message != null
                && (message.equals(Causes.messageOf(cause)) || message.equals(Causes.toStringOf(cause)));
    }

    private static boolean isJettyHttp2Reset(Throwable t) {
        if (t.getClass() != IOException.class || !isErrorCodeName(t.getMessage())) {
            return false;
        }
        StackTraceElement[] frames = t.getStackTrace(); // a copy: only for the few that got this far
        return frames.length > 0 && JETTY_HTTP2_RECEIVER.matcher(frames[0].getClassName()).matches();
    }

    /**
     * Whether the message is an HTTP/2 error code's name as Jetty writes it ({@code [a-z0-9_]+}): checked by hand, as
     * a regular expression's matcher cost every plain {@code IOException} of a chain about 200 bytes.
     */
    private static boolean isErrorCodeName(@Nullable String message) {
        if (message == null || message.isEmpty()) {
            return false;
        }
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if ((c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isOfNetworkStack(Throwable t) {
        String type = t.getClass().getName();
        for (String stack : NETWORK_STACKS) {
            if (type.startsWith(stack)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What Jetty's client could not parse, when its parser's exception says it could not: a response cut short
     * ("Early EOF", inside the head or the body), a head over its {@code maxResponseHeadersSize} ("Response Header
     * Bytes Too Large"), or a malformed one.
     *
     * @return the cause, or {@code null} when the client refused a response it parsed (a 401 without a challenge)
     */
    private static @Nullable FailureCause jettyParseFailure(Throwable failure) {
        Throwable t = Causes.of(failure);
        for (int depth = 0; t != null && depth < FailureClassifier.MAX_CHAIN; depth++, t = Causes.of(t)) {
            if (t.getClass().getName().startsWith(JETTY_HTTP)) {
                String message = lowerMessage(t);
                if (message.endsWith("early eof")) {
                    return FailureCause.CONNECTION_TERMINATED;
                }
                return message.contains("header bytes too large")
                        ? FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE : FailureCause.HTTP_PROTOCOL_ERROR;
            }
        }
        return null;
    }

    private static @Nullable FailureCause ioCause(String message) {
        if (message.contains("too many concurrent streams")) {
            // HTTP/2: the connection is at the upstream's SETTINGS_MAX_CONCURRENT_STREAMS, and the JDK's client fails
            // the request before sending it rather than waiting: the limit's, as a full connection pool's would be.
            return FailureCause.CONNECTION_LIMIT_REACHED;
        }
        if (message.startsWith("unexpected end of file from server")) {
            // HttpURLConnection: the connection ended before a status line, as the HttpClient's "received no bytes".
            return FailureCause.CONNECTION_TERMINATED;
        }
        if (message.startsWith("unexpected end of stream on ")
                || message.startsWith("connection prematurely closed before response")) {
            // The connection ended before a response head: OkHttp's "unexpected end of stream on
            // http://host/...", Reactor Netty's "Connection prematurely closed BEFORE response" (its "DURING
            // response" is a body cut short, below). A stale keep-alive connection, as the JDK's "received no bytes".
            return FailureCause.CONNECTION_TERMINATED;
        }
        if (message.contains("fixed content-length: -")) {
            // The HttpClient takes "Content-Length: -5" for a length and then finds the body short of it: bad framing.
            return FailureCause.HTTP_PROTOCOL_ERROR;
        }
        if (message.contains("fixed content-length") || message.contains("bytes received")
                || message.contains("premature") || message.contains("chunked") || message.contains("unexpected end")) {
            return FailureCause.HTTP_RESPONSE_INCOMPLETE;
        }
        // "invalid content": the HttpClient (JDK 25) on a transfer coding other than chunked; "invalid http
        // response": HttpURLConnection on a status line it cannot parse; "invalid status(-1) executing GET ...":
        // Feign's default client on HttpURLConnection's status of a reply that is no HTTP (read as HTTP/0.9).
        if (isBadChunkedCoding(message) || message.equals("invalid content") || message.equals("invalid http response")
                || message.startsWith("invalid status(")
                || message.contains("invalid status line") || message.contains("bad header") || message.contains("malformed")
                || message.contains("invalid header") || message.contains("protocol")
                || message.contains("unexpected content length")) { // a 204 with a body: "... header with 204 response"
            return FailureCause.HTTP_PROTOCOL_ERROR;
        }
        if (message.contains("rst_stream") || message.contains("not processed by peer") || message.contains("goaway")) {
            // HTTP/2: the upstream reset the stream ("Received RST_STREAM: Stream cancelled", "... Internal error"),
            // or refused it (REFUSED_STREAM) and the client gave up; a reset for a protocol error is caught above. Or
            // it closed the connection with a GOAWAY (nginx after keepalive_requests, a graceful shutdown): JDK 17
            // fails every open stream alike ("/10.0.0.7:8443: GOAWAY received"), whether the upstream processed it
            // or not, so it is the reset it may be, retried for idempotent requests only.
            return FailureCause.CONNECTION_TERMINATED;
        }
        if (message.contains("too large") || message.contains("too long") || message.contains("too big")) {
            return FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE;
        }
        if (message.contains("connect timed out")
                || (message.startsWith("connect to ") && message.contains("timed out"))) {
            // Apache HttpClient's ConnectTimeoutException (an InterruptedIOException, without a cause in 5.x):
            // "Connect to http://host:80 [/10.0.0.7] failed: Connect timed out", 4.x's "Connect to host timed out".
            return FailureCause.CONNECTION_TIMEOUT;
        }
        if (message.contains("timed out")) {
            // ETIMEDOUT on an established connection: the kernel's retransmissions or keep-alive probes gave up on
            // a host that vanished mid-exchange. NIO reports a plain IOException "Connection timed out", a blocking
            // socket a SocketException; the JDK's connect that timed out is a ConnectException or a
            // SocketTimeoutException, recognised above.
            return FailureCause.CONNECTION_READ_TIMEOUT;
        }
        if (message.contains("no route to host") || message.contains("host is down")
                || message.contains("network is unreachable")) {
            // EHOSTUNREACH, EHOSTDOWN, ENETUNREACH on an established connection (a connect has exception types of
            // its own, recognised above): the route went away mid-exchange, after the request may have been sent.
            return FailureCause.CONNECTION_TERMINATED;
        }
        // Not a stream's mark: "mark/reset not supported", "Resetting to invalid mark" are a reader's own mistakes.
        if ((message.contains("reset") && !message.contains("mark")) || message.contains("broken pipe")
                || message.contains("closed") || message.contains("eof") || message.contains("no bytes")
                || message.contains("aborted")) {
            return FailureCause.CONNECTION_TERMINATED;
        }
        return null;
    }

    /**
     * Whether HttpURLConnection refused a call its caller got wrong, with a ProtocolException that says nothing of
     * the upstream: "Invalid HTTP method: FETCH", "Can't reset method: already connected", "cannot write to a
     * URLConnection if doOutput=false", "Cannot write output after reading input.", "Cannot read from URLConnection
     * if doInput=false", "HTTP method TRACE doesn't support output".
     */
    private static boolean isMisusedUrlConnection(String message) {
        return message.startsWith("invalid http method") || message.endsWith("already connected")
                || message.startsWith("cannot write") || message.startsWith("cannot read from urlconnection")
                || message.endsWith("doesn't support output");
    }

    /**
     * A chunk header or chunk framing the client could not parse (a body cut short in a chunk is caught before):
     * the HttpClient's "Illegal character in chunk size: 122", "invalid chunk header", "Chunk header size too
     * long: 17" and HttpURLConnection's "Bogus chunk size", "Chunk header too long", "missing CR", "missing LF",
     * "LF should be proceeded by CR". A bad framing, not a head over a size limit.
     */
    private static boolean isBadChunkedCoding(String message) {
        return message.contains("chunk size") || message.contains("chunk header") || message.equals("missing cr")
                || message.equals("missing lf") || message.contains("should be proceeded by cr");
    }

    private static String lowerMessage(Throwable t) {
        String message = Causes.messageOf(t);
        return message == null ? "" : message.toLowerCase(Locale.ROOT);
    }
}
