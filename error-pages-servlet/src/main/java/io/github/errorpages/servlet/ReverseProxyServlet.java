package io.github.errorpages.servlet;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.Durations;
import io.github.errorpages.internal.UpstreamNames;
import io.github.errorpages.servlet.internal.AbandoningListener;
import io.github.errorpages.servlet.internal.AsyncAnswers;
import io.github.errorpages.servlet.internal.BlockingBodyReads;
import io.github.errorpages.servlet.internal.BodyWrites;
import io.github.errorpages.servlet.internal.CapturingResponse;
import io.github.errorpages.servlet.internal.ClientAborts;
import io.github.errorpages.servlet.internal.ClientBodyPublisher;
import io.github.errorpages.servlet.internal.ClientBodyStatus;
import io.github.errorpages.servlet.internal.ClientTaskExecutor;
import io.github.errorpages.servlet.internal.ConfigParameters;
import io.github.errorpages.servlet.internal.DaemonThreads;
import io.github.errorpages.servlet.internal.ErrorDispatches;
import io.github.errorpages.servlet.internal.ErrorResponder;
import io.github.errorpages.servlet.internal.ExchangeOutcome;
import io.github.errorpages.servlet.internal.ForwardedHeadTooLargeException;
import io.github.errorpages.servlet.internal.IdleTimeoutBodySubscriber;
import io.github.errorpages.servlet.internal.JettyClientPresence;
import io.github.errorpages.servlet.internal.JettyForwarder;
import io.github.errorpages.servlet.internal.JettyStreamFailures;
import io.github.errorpages.servlet.internal.LocalAnswers;
import io.github.errorpages.servlet.internal.LogProviderCheck;
import io.github.errorpages.servlet.internal.PendingAnswers;
import io.github.errorpages.servlet.internal.ProxyHeaders;
import io.github.errorpages.servlet.internal.ProxyStatusField;
import io.github.errorpages.servlet.internal.RelayedContentLength;
import io.github.errorpages.servlet.internal.RequestBodies;
import io.github.errorpages.servlet.internal.RequestTargets;
import io.github.errorpages.servlet.internal.ResponderParameters;
import io.github.errorpages.servlet.internal.ResponseAbortedException;
import io.github.errorpages.servlet.internal.ResponseHeadCheck;
import io.github.errorpages.servlet.internal.StoppableHttpClient;
import io.github.errorpages.servlet.internal.StreamTail;
import io.github.errorpages.servlet.internal.StreamingResponses;
import io.github.errorpages.servlet.internal.UndertowIoThreads;
import io.github.errorpages.servlet.internal.UnreadBodies;
import io.github.errorpages.servlet.internal.UpstreamLocations;
import io.github.errorpages.servlet.internal.UpstreamParameters;
import io.github.errorpages.servlet.internal.UpstreamTlsContext;
import io.github.errorpages.upstream.BodyOutcome;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reverse proxy to one named upstream, for applications that are gateways: every request is forwarded
 * through the upstream's {@link UpstreamGuard} (safe retries, a circuit breaker per endpoint, failover
 * between endpoints, a deadline) with Jetty's or the JDK's HTTP client (see Transports), and every failure
 * is answered with the branded page of {@link ErrorPages}.
 *
 * <p><b>Forwarding.</b> The part of the request path after the servlet's mapping, and the query, are
 * appended to the endpoint's base URL: mapped to {@code /billing/*} with the endpoint
 * {@code http://10.0.0.7:8080/api}, {@code /billing/orders/42?full=1} goes to
 * {@code http://10.0.0.7:8080/api/orders/42?full=1}, and {@code /billing} to {@code http://10.0.0.7:8080/api}.
 * The path forwarded is the one the container mapped: its dot segments are resolved first (also encoded ones,
 * and {@code ..;params}, which Tomcat resolves), so that no {@code ..} reaches the upstream to lead it out of the
 * endpoint's base path; a container that decodes an encoded {@code /} before it maps the path (Jetty under a
 * lenient URI compliance) can leave one in the path it maps ({@code /a/..%2F..%2Fadmin}), and such a request is
 * answered with 400, and so is, on Undertow, which maps a path with its dot segments as they came
 * ({@code /billing/../admin} to {@code /billing/*}), any path whose part below the mapping still holds one.
 * Otherwise the path is forwarded as the client encoded it, or, where the container mapped
 * something the raw path does not say as it is (path parameters on the mapping's own segment), as the container
 * decoded it, encoded again with a {@code ;} it decoded kept as {@code %3B}. An empty query ({@code /a?}) is
 * forwarded as none, which is all the JDK's client can send. Hop-by-hop header fields are
 * removed in both directions, and {@code X-Forwarded-For}, {@code X-Forwarded-Proto}, {@code X-Forwarded-Host},
 * {@code X-Real-IP}, {@code Forwarded} and {@code Via} are added toward the upstream (see
 * {@code io.github.errorpages.servlet.internal.ProxyHeaders}). {@code Via} names the servlet by a random
 * pseudonym, {@code error-pages-} and eight letters or digits; a request that already carries it came back to
 * the servlet (an endpoint that points at the gateway itself, two gateways pointing at each other) and is
 * answered with 502 {@code proxy_loop_detected} without being forwarded again (the client, one round out,
 * gets that 502 as the upstream's). A successful response keeps the upstream's status and header fields,
 * redirects included, which are passed on, not followed, but for its product banners ({@code Server},
 * {@code X-Powered-By}) and the hosts its {@code Via} names: each element keeps its protocol and is named
 * {@code upstream} ({@code 1.1 10.0.0.9 (Varnish/6.0)} reaches the client as {@code 1.1 upstream}). A
 * {@code Location} or {@code Content-Location} that points at an endpoint, such as
 * {@code http://10.0.0.7:8080/api/orders/43} from an upstream that builds URLs from the {@code Host} it received,
 * becomes the gateway's path for it, {@code /billing/orders/43}, as with nginx's {@code proxy_redirect default};
 * so do the targets of a {@code Link} ({@code <http://10.0.0.7:8080/api/orders?page=2>; rel="next"}, pagination
 * links built the same way, and its {@code anchor}) and the URL of a {@code Refresh}; and a {@code Set-Cookie}
 * whose {@code Domain} names an endpoint's host loses that attribute, which named the host to the client and made it
 * refuse the cookie, and its {@code Path} at or below the endpoint's base path becomes the gateway's path for it
 * ({@code Path=/api} becomes {@code Path=/billing}, as with nginx's {@code proxy_cookie_path}), which the client
 * sends it back to, beside a {@code Domain} it keeps too; {@code Path=/} (the whole site's) and every {@code Path} of
 * a {@code __Host-} cookie are kept, and of endpoints with different base paths the longest a {@code Path} is under
 * counts, as a cookie does not say which endpoint set it (so give an upstream's endpoints one base path). Other
 * values (elsewhere on the endpoint's host, outside its base path, which the gateway has no path for) and other
 * fields are passed on as they are. A 205 (Reset Content) reaches the
 * client with no content ({@code Content-Length: 0} over HTTP/1.1; over HTTP/2 Tomcat sends none, the stream just
 * ending), whatever the upstream sent with it (RFC 9110 §15.3.6: a server must not send any): a body sent anyway is
 * dropped, never relayed.
 *
 * <p><b>Answered without the upstream</b> (see {@code io.github.errorpages.servlet.internal.LocalAnswers}), with
 * {@code Cache-Control: no-store} and no content, before the guard is asked, so it records nothing:
 * {@code TRACE} and {@code CONNECT}, never forwarded, with 405 and an {@code Allow} of the standard methods
 * forwarded (an upstream that echoed a {@code TRACE} would show the client the forwarding fields, the endpoint's
 * host and base path);
 * {@code HEAD} in another case ({@code head}) with 501 and the same {@code Allow} (another method, RFC 9110 §9.1,
 * whose answer the JDK's client would read as a {@code HEAD}'s, dropping its body);
 * {@code OPTIONS} with {@code Max-Forwards: 0} with 200 and the same {@code Allow} (RFC 9110 §7.6.2: a recipient
 * MUST respond to it as the final recipient), and so is one whose {@code Max-Forwards} is no number
 * ({@code -1}) or comes in two fields, which no hop could count down, while one with a higher number is forwarded
 * with it one lower, at most {@code Long.MAX_VALUE}; a {@code Transfer-Encoding} that names a coding other than
 * {@code chunked}, which Jetty passes on with the body still so coded, with 501 (RFC 9112 §6.1); an HTTP/1.0 request
 * with any {@code Transfer-Encoding}, whatever its method, with 400 and the connection closed (RFC 9112 §6.1: faulty
 * framing; Jetty, Tomcat and Undertow would keep the connection for a next request). Other methods,
 * extension methods included, are forwarded in the case received, their {@code Max-Forwards} as received.
 *
 * <p><b>Streaming.</b> Request and response bodies are streamed, never held whole: a request body is
 * buffered only when the guard may send it again and it is no larger than
 * {@code retry.max-replay-body} (64 KiB by default); an HTTP/2 upload without {@code Content-Length} is
 * streamed with its body (see {@code io.github.errorpages.servlet.internal.RequestBodies}); a client that goes
 * away during its upload, or stalls while the upstream waits for the rest, fails the exchange but not the
 * upstream (the breaker does not count it; a client still there gets 408, or 400 or the container's 413 for a
 * body it did not send whole or sent malformed or too large, and the connection is closed; Tomcat closes it
 * without an answer when its own read timeout ends a stall the Jetty transport waits on without blocking); a
 * response body is read one buffer at a time, as the client takes it. Bytes are flushed to the client when the
 * response buffer fills, so a failure within the first buffer of a body still gets a clean page. A stream is flushed
 * part by part as it arrives, its head at once, before the first part (a failure after it aborts the response): a
 * {@code text/event-stream}, newline-delimited JSON ({@code application/x-ndjson}, {@code application/ndjson},
 * {@code application/jsonl}), {@code application/stream+json}, {@code application/json-seq}, gRPC-Web
 * ({@code application/grpc-web} and its {@code +} and {@code -text} subtypes), {@code multipart/x-mixed-replace},
 * or any response the upstream marks with {@code X-Accel-Buffering: no} (nginx's field, relayed). A stream quiet
 * between its records for {@code body-idle-timeout} counts nothing against the upstream (see
 * {@link Builder#bodyIdleTimeout(Duration)}).
 *
 * <p><b>Transports and threads</b> ({@link ProxyTransport}, init-parameter {@value #TRANSPORT_PARAMETER}).
 * By default the servlet forwards with Jetty's non-blocking {@code HttpClient} when
 * {@code org.eclipse.jetty:jetty-client} 12.1 is on the class path, in any container, and with the JDK's
 * {@link HttpClient} otherwise:
 * <ul>
 *   <li>Jetty's client: the request goes asynchronous ({@code startAsync}) while the upstream answers, so no
 *       container thread waits; the client's threads copy the response as it arrives and complete it. The
 *       body is written without blocking ({@code WriteListener}): the next part is asked of the upstream once
 *       the client took the last, so a slow reader holds no thread (over HTTP/1, a body that fits the response
 *       buffer is simply written into it, which holds a thread for as long as its client reads nothing; so at
 *       most a quarter of the client's threads are written with at once, the rest through the listener). A
 *       failure is answered on a container thread, after an {@code ASYNC} dispatch of the request back to this
 *       servlet (a filter mapped for {@code ASYNC} dispatches sees it), but for the exchanges
 *       {@link #destroy()} cuts off, which the container has unmapped the servlet for, and on Undertow once part
 *       of the body was relayed: answered then where the relay ended, the cycle completed (Undertow closes such a
 *       stream on its IO thread, which the end of a dispatch raced: the page's head went without its body, or
 *       nothing did). A request body that is streamed is read without blocking ({@code ReadListener}), so a slow
 *       upload holds no thread.
 *       Registered without async support, or reached through a {@code forward} or an {@code include} (whose
 *       asynchronous answer would be dispatched to the servlet that forwarded or included), the container thread
 *       waits instead, and a streamed body is read on a thread of the servlet's own, as over the JDK's client
 *       (never on the client's, which its connects and responses need: a slow upload holds that one thread).</li>
 *   <li>The JDK's client: each request is served on its container thread, which waits for the upstream's
 *       answer and copies the body. The client parses responses on two threads of the servlet's own, never on
 *       its only selector thread: a response whose chunk size the JDK's parser loops on (2^31 or more) holds the
 *       thread it is parsed on for good, and the servlet adds a thread for each one held so. The container
 *       thread asks for a body's next bytes through those threads too, since the client parses what has arrived
 *       within the request. (Rarely, when a whole response arrived before the client set its exchange up, the
 *       client parses within its {@code send}, on the container thread, which such a loop then holds for good, its
 *       client waiting for ever: use the Jetty transport in front of upstreams not trusted.) A request body is
 *       read from the client by a thread of another pool of the servlet's, so a slow upload holds that one thread
 *       and delays no other exchange; each part goes upstream as it is read.
 *       The JDK's client hands the response on only once it sent the whole request body: a client that waits for
 *       the upstream's answer before it finishes its upload (a duplex exchange) needs the Jetty transport. And it
 *       parses a response head more leniently than Jetty's, past what the servlet can check: it unfolds folded
 *       field lines (Jetty's refuses them, 502), and it reads a bare CR inside a field value as the end of the line,
 *       so the rest of the value reaches the client as a field of its own (a {@code Set-Cookie}, say: header
 *       injection through an upstream that copies user input into a response header). In front of upstreams not
 *       trusted to keep CRs out of their header values, use the Jetty transport.</li>
 * </ul>
 * Register the servlet with async support ({@code <async-supported>true</async-supported>},
 * {@code setAsyncSupported(true)}), and any filter in front of it too. A filter in front that starts the request's
 * asynchronous cycle before the chain (as a framework's may) hands it to the servlet, which ends it
 * ({@code complete()}) once its answer is done, relayed or its own page, whatever the transport.
 *
 * <p><b>Container error pages.</b> Reached by an {@code ERROR} dispatch (an {@code <error-page>} location under its
 * mapping: the site's branded 404 and 500 pages from a CMS), the servlet answers with the error's status
 * ({@code jakarta.servlet.error.status_code}, else the response's), as nginx's {@code error_page} with
 * {@code proxy_pass} does (R19, R25): the upstream's answer is relayed under it, without the upstream's validators
 * and {@code Content-Range} and without the client's conditions and range toward the upstream, which is asked with a
 * {@code GET} (a {@code HEAD} for a {@code HEAD}) whatever the client's method, never with its body; a failure is
 * answered with the built-in page of a 5xx error status ({@code Retry-After} only on a 503) or a short plain-text
 * answer naming a 4xx one, never with the failure's status, and logged as any failure.
 *
 * <p><b>Open breakers.</b> When no endpoint's circuit breaker admits calls, the request is answered with
 * 503 {@code destination_unavailable} and a {@code Retry-After} of the breakers' remaining open time before
 * anything of it is read or copied ({@link UpstreamGuard#refuseIfUnavailable()}): no upstream call, and the
 * guard records the refused call as it records any other. On Jetty, which closes an HTTP/1 connection whose request
 * body was left unread in part, such a page (and that of a loop, below) says {@code Connection: close} unless the body
 * is short and arrived whole with the head: then it is discarded and the connection kept, as on Undertow.
 *
 * <p><b>Failures.</b> A failed call (refused, DNS, timeouts, reset, TLS, a malformed response: also a status outside
 * 100–599 or an unasked-for 101, a {@code Content-Length} that is not one number or comes with
 * {@code Transfer-Encoding}, a transfer coding other than {@code chunked}, a 204 that announces a body, a field name
 * followed by whitespace before its colon (RFC 9112 §5.1 asks a proxy to relay it without that whitespace, but
 * neither HTTP client reads one apart from a framing field so written); an open
 * breaker, a response head larger than {@value #MAX_RESPONSE_HEADER_SIZE_PARAMETER}, and an upstream 5xx, whose
 * status is kept and whose {@code Retry-After} is kept and clamped, R3) is answered with the page, as
 * {@link ErrorPagesFilter} would: status, headers and {@code Content-Length}, HEAD without body, {@code /robots.txt}
 * never with the page; one that came before the upstream asked for the request's body (a refused connection), with
 * either transport, says {@code Connection: close} where an open breaker's page does (above). A failure after the
 * response was committed (a body cut off half-way) appends nothing: the connection is aborted (an HTTP/2 stream reset)
 * so the client sees an incomplete response (R5); the abort is thrown from an {@code ASYNC} dispatch, since Tomcat
 * resets an HTTP/2 stream only for that, and ends it cleanly for a servlet registered without async support or reached
 * through a {@code forward} or an {@code include}. Reached by an
 * {@code include} behind the filter, a failure is thrown to the includer as an
 * {@link io.github.errorpages.UpstreamFailureException}, as any exception of an included servlet is (it may catch it
 * and write a fallback, or let the filter answer with the page), or, once part of the body was written, as an
 * {@code IOException} with that cause, which the filter answers; included elsewhere, the page is written,
 * uncompressed, as a part of the includer's answer, or the response aborted after part of a body. A non-idempotent
 * request reaches the upstream at most once unless the guard's configuration allows more (R13). With
 * {@value #PROXY_STATUS_PARAMETER} set, such an answer also says in a {@code Proxy-Status} field (RFC 9209) which
 * error the gateway met, {@code edge; error=connection_refused}, or, for an upstream's 5xx, the status received,
 * {@code edge; received-status=503}; never hosts or details (R6). Off by default: the field is for operators, and
 * the page's support code and the log line already tie a response to its cause. A request that came back to the
 * proxy (its {@code Via} pseudonym in the request) is answered {@code proxy_loop_detected} with the field even so,
 * named by that pseudonym, and the pass it came round from, which reads that error in its upstream's answer, answers
 * {@code proxy_loop_detected} too, counted by no breaker.
 *
 * <p><b>Timeouts.</b> {@value #CONNECT_TIMEOUT_PARAMETER} bounds a connect, the guard's
 * {@code attempt-timeout} the wait for the response headers of one attempt, its {@code deadline} all
 * attempts together, and {@value #BODY_IDLE_TIMEOUT_PARAMETER} the wait for each next part of a
 * response body; with the Jetty transport {@value #CLIENT_IDLE_TIMEOUT_PARAMETER} bounds how long a part of one may
 * wait for the client to take it, and {@value #POOL_IDLE_TIMEOUT_PARAMETER} how long a connection to the upstream is
 * kept open unused (less where the upstream's {@code Keep-Alive} field names a shorter time), so that the gateway
 * closes it before the upstream does and no request crosses the upstream's close.
 *
 * <p><b>Configuration</b>, by {@link #builder(UpstreamGuard)} in code, or by init-parameters for a servlet
 * created by its public constructor ({@code web.xml}, {@code ServletContext.addServlet(name, Class)}):
 * <ul>
 *   <li>{@value #UPSTREAM_PARAMETER}: the upstream's name, for logs and metrics (default: the servlet's
 *       name);</li>
 *   <li>{@code endpoints} (required): one or more base URLs, separated by commas or spaces, which take calls in
 *       turn (round-robin, none held in reserve), a retry going to one the call has not tried;</li>
 *   <li>the guard's keys without their {@code upstreams.<name>.} prefix: {@code max-attempts},
 *       {@code deadline}, {@code attempt-timeout}, {@code min-attempt-timeout}, {@code retry.statuses},
 *       {@code retry.max-honoured-retry-after}, {@code retry.on-connect-failure-for-unsafe},
 *       {@code retry.with-idempotency-key}, {@code retry.on-proxy-status-error},
 *       {@code retry.max-replay-body}, {@code retry-budget.enabled}, {@code fail-on-5xx}
 *       (see {@link UpstreamConfig});</li>
 *   <li>{@value #CONNECT_TIMEOUT_PARAMETER} (default 2 s), {@value #BODY_IDLE_TIMEOUT_PARAMETER}
 *       (default 30 s) and {@value #CLIENT_IDLE_TIMEOUT_PARAMETER} (default 60 s; see
 *       {@link Builder#clientIdleTimeout(Duration)});</li>
 *   <li>{@value #TRANSPORT_PARAMETER}: {@code auto} (default), {@code jetty} or {@code jdk}
 *       ({@link ProxyTransport});</li>
 *   <li>{@value #MAX_RESPONSE_HEADER_SIZE_PARAMETER}: the largest upstream response head relayed, in bytes
 *       (default 7168; see {@link Builder#maxResponseHeaderSize(int)});</li>
 *   <li>{@value #MAX_CONNECTIONS_PARAMETER}: the most connections of Jetty's client to each endpoint (default
 *       256; see {@link Builder#maxConnections(int)});</li>
 *   <li>{@value #POOL_IDLE_TIMEOUT_PARAMETER}: the longest Jetty's client keeps a connection to the upstream open,
 *       unused, for a next request (default 4 s, or less where the upstream's {@code Keep-Alive} field asks it; see
 *       {@link Builder#poolIdleTimeout(Duration)});</li>
 *   <li>{@value #PROXY_STATUS_PARAMETER}: the gateway's name in a {@code Proxy-Status} field on the responses it
 *       answers for a failure (default: none, no field; see {@link Builder#proxyStatus(String)});</li>
 *   <li>the page parameters of {@link ErrorPagesFilter}: {@code robots-txt.fallback},
 *       {@code robots-txt.fallback-resource}, {@code request-id-header}, {@code status.<token>},
 *       {@code retry-after.*}, {@code branding.*}, {@code templates.*}, {@code locales},
 *       {@code default-locale}, {@code auto-retry.*}, {@code seo.noindex}, {@code compression.enabled},
 *       {@code cache.max-age}, {@code negotiation.fallback}.</li>
 * </ul>
 * An unknown parameter or an invalid value fails {@link #init(ServletConfig)} with a message naming the
 * parameter and the value.
 *
 * <p>Only Servlet 6.0 API is used. Instances are thread-safe once initialised.
 *
 * @since 0.1.0
 */
public final class ReverseProxyServlet extends HttpServlet {

    /** Init-parameter: the upstream's name. */
    public static final String UPSTREAM_PARAMETER = "upstream";
    /** Init-parameter: the connect timeout of the servlet's HTTP client. */
    public static final String CONNECT_TIMEOUT_PARAMETER = "connect-timeout";
    /** Init-parameter: the longest wait for the next part of a response body. */
    public static final String BODY_IDLE_TIMEOUT_PARAMETER = "body-idle-timeout";
    /** Init-parameter: the longest a part of a response body may wait for the client to take it (Jetty transport). */
    public static final String CLIENT_IDLE_TIMEOUT_PARAMETER = "client-idle-timeout";
    /** Init-parameter: the HTTP client that forwards, {@code auto}, {@code jetty} or {@code jdk}. */
    public static final String TRANSPORT_PARAMETER = "transport";
    /** Init-parameter: the largest upstream response head relayed, in bytes. */
    public static final String MAX_RESPONSE_HEADER_SIZE_PARAMETER = "max-response-header-size";
    /** Init-parameter: the most connections of Jetty's client to each endpoint. */
    public static final String MAX_CONNECTIONS_PARAMETER = "max-connections";
    /** Init-parameter: the longest Jetty's client keeps a connection to the upstream open, unused. */
    public static final String POOL_IDLE_TIMEOUT_PARAMETER = "pool-idle-timeout";
    /** Init-parameter: the gateway's name in {@code Proxy-Status}; absent or blank, the field is not sent. */
    public static final String PROXY_STATUS_PARAMETER = "proxy-status";
    /** Default for {@value #CONNECT_TIMEOUT_PARAMETER}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default for {@value #BODY_IDLE_TIMEOUT_PARAMETER}. */
    public static final Duration DEFAULT_BODY_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default for {@value #CLIENT_IDLE_TIMEOUT_PARAMETER}: Tomcat's default connection timeout. */
    public static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** The longest {@value #CLIENT_IDLE_TIMEOUT_PARAMETER}, as for {@value #BODY_IDLE_TIMEOUT_PARAMETER}. */
    public static final Duration MAX_CLIENT_IDLE_TIMEOUT = Duration.ofHours(24);
    /** The longest {@value #CONNECT_TIMEOUT_PARAMETER}: the guard's {@code deadline} can be no longer either. */
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofHours(1);
    /** The longest {@value #BODY_IDLE_TIMEOUT_PARAMETER}: room for an event stream's sparsest heartbeat. */
    public static final Duration MAX_BODY_IDLE_TIMEOUT = Duration.ofHours(24);
    /**
     * Default for {@value #MAX_RESPONSE_HEADER_SIZE_PARAMETER}: 7 KiB, the response-header limit of Tomcat
     * ({@code maxHttpResponseHeaderSize}) and Jetty ({@code HttpConfiguration.responseHeaderSize}) by default,
     * 8 KiB, less 1 KiB for the fields the container and the application's filters add to a relayed head
     * ({@code Date}, {@code Server}, {@code Connection}, security headers).
     */
    public static final int DEFAULT_MAX_RESPONSE_HEADER_SIZE = 7 * 1024;
    /** Default for {@value #MAX_CONNECTIONS_PARAMETER}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;
    /**
     * Default for {@value #POOL_IDLE_TIMEOUT_PARAMETER}: 4 s, below the 5 s after which Node.js, Apache httpd and
     * uvicorn close an idle connection.
     */
    public static final Duration DEFAULT_POOL_IDLE_TIMEOUT = Duration.ofSeconds(4);
    /** The longest {@value #POOL_IDLE_TIMEOUT_PARAMETER}, as for {@value #CLIENT_IDLE_TIMEOUT_PARAMETER}. */
    public static final Duration MAX_POOL_IDLE_TIMEOUT = Duration.ofHours(24);
    /**
     * How long the JDK transport waits, after its answer, for a read of the client's body under way to return: the
     * container's read timeout (Jetty's 30 s idle timeout, Tomcat's {@code connectionTimeout}: 60 s by default, 20 s
     * in the {@code server.xml} Tomcat ships) ends it first; Undertow has none by default.
     */
    private static final Duration BODY_READ_PATIENCE = Duration.ofSeconds(60);

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(ReverseProxyServlet.class);
    /** Whether the JDK's {@code HttpClient} can be stopped ({@code shutdownNow()}, Java 21 on). */
    private static final boolean JDK_CLIENTS_STOP = hasShutdownNow();
    /** The JDK transport's threads for what its client hands off its selector thread, when none is stuck. */
    private static final int CLIENT_TASK_THREADS = 2;
    /**
     * How long one task of the JDK transport's client may run before its thread counts as stuck and another takes
     * the tasks queued: the client's tasks parse what has arrived and never wait, so a second is one looping.
     */
    private static final Duration CLIENT_TASK_STUCK_AFTER = Duration.ofSeconds(1);
    /** Any authority will do: the guard puts each attempt's endpoint in its place. */
    private static final String TARGET_BASE = "http://upstream";
    private static final BodyPublisher NO_BODY = BodyPublishers.noBody();
    /** The smallest {@value #MAX_RESPONSE_HEADER_SIZE_PARAMETER} accepted: anything less is a mistake. */
    private static final int MIN_MAX_RESPONSE_HEADER_SIZE = 256;
    /** 431 Request Header Fields Too Large (RFC 6585 §5), which {@code HttpServletResponse} names no constant for. */
    private static final int SC_REQUEST_HEADER_FIELDS_TOO_LARGE = 431;
    /**
     * The request attribute that carries what the asynchronous transport left to answer on a container thread
     * (package-private: tests hold the dispatch that sets it).
     */
    static final String OUTCOME_ATTRIBUTE = ReverseProxyServlet.class.getName() + ".outcome";
    /** Set with the outcome when the body was relayed with a WriteListener, which left the stream non-blocking. */
    private static final String NON_BLOCKING_ATTRIBUTE = ReverseProxyServlet.class.getName() + ".nonBlocking";
    /** Spring's {@code ShallowEtagHeaderFilter.disableContentCaching}, by name: this module needs no Spring. */
    private static final String SPRING_STREAMING_ATTRIBUTE =
            "org.springframework.web.filter.ShallowEtagHeaderFilter.STREAMING";
    /**
     * How long {@code destroy()} waits for the answers of the exchanges it cut off: a container stops the
     * application's class loader once it returns. Those of the Jetty transport that wait out a retry's backoff are
     * ended at once, whatever its length; the JDK transport's wait on their container threads.
     */
    private static final Duration PENDING_ANSWERS_LIMIT = Duration.ofSeconds(2);

    private final transient boolean configuredInCode;
    private transient volatile @Nullable Proxy proxy;

    /**
     * Creates a servlet that takes its settings from its init-parameters in {@link #init(ServletConfig)}:
     * the constructor containers call for {@code web.xml} and {@code addServlet(name, Class)}.
     */
    public ReverseProxyServlet() {
        this.configuredInCode = false;
    }

    private ReverseProxyServlet(Proxy proxy) {
        this.configuredInCode = true;
        this.proxy = proxy;
    }

    /**
     * @param guard the upstream's guard: its name, endpoints, retry policy and breakers; share one guard
     *     per upstream with the rest of the application
     * @return a new builder; not thread-safe
     * @throws NullPointerException if {@code guard} is null
     */
    public static Builder builder(UpstreamGuard guard) {
        return new Builder(guard);
    }

    /**
     * Reads the init-parameters, unless the servlet was made by {@link #builder(UpstreamGuard)}.
     *
     * @param config the container's servlet configuration
     * @throws ServletException when a parameter is unknown or invalid, when {@code endpoints} is missing, or when
     *     the forwarding client cannot be made as the proxy needs it (see {@link Builder#build()}), with the
     *     builder's exception naming the parameter and the value as its cause (not in its own message, which a
     *     container may show to the client whose request started the servlet); or when a servlet made by the
     *     builder is given init-parameters or was destroyed
     */
    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        LogProviderCheck.warnIfDropped(config.getServletContext());
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String name : Collections.list(config.getInitParameterNames())) {
            parameters.put(name, config.getInitParameter(name));
        }
        if (configuredInCode) {
            if (!parameters.isEmpty()) {
                // A container never destroys a servlet whose init failed: what build() started stops here.
                destroy();
                throw new ServletException("ReverseProxyServlet '" + config.getServletName() + "' was configured by "
                        + "its builder and ignores init-parameters; remove " + parameters.keySet()
                        + " or register the servlet by class to configure it with init-parameters");
            }
            Proxy built = proxy;
            if (built == null || built.isStopped()) {
                throw new ServletException("ReverseProxyServlet '" + config.getServletName() + "' was destroyed, and "
                        + "a servlet made by its builder cannot be initialised again: register a new one");
            }
            return;
        }
        try {
            proxy = fromParameters(config, parameters);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // IllegalStateException: templates.strict and a template that does not compile, Jetty's client not
            // started, the JDK's client set to repeat any request itself.
            // The key and the value are the cause's message, which the container logs with the stack trace. Its own
            // message names neither: a servlet without load-on-startup starts with its first request, whose error
            // page shows that message (Jetty's does), and a value such as the endpoints names internal hosts.
            throw new ServletException("ReverseProxyServlet '" + config.getServletName() + "' could not start: its "
                    + "configuration is invalid (the cause says which key and value)", e);
        }
    }

    /**
     * Stops the servlet's own clients (an application's own JDK client given to the builder is the application's to
     * stop), and lets go of them; the answers of exchanges still in flight are written without them. The container
     * has unmapped the servlet by now: the exchanges that Jetty's client forwarded asynchronously are answered with
     * the page (a 503), written on a thread of the common pool; so are those waiting out a retry's backoff. The JDK
     * transport's exchanges waiting for a response head are cut off too, on Java 17 as well, and answered with the
     * page on their container threads (on 17 a response already being relayed goes on, neither counted nor waited
     * for once committed: until then the upstream's failure is still answered with the page, which is waited for),
     * as are the Jetty transport's in a servlet without async support. This method logs one WARN line saying
     * how many requests it cuts off (on 17 with the relays not committed yet, which the line says go on), and waits
     * up to 2 seconds for all of their answers, on whichever thread they are written, then logs a WARN line for those
     * still unanswered. A retry whose backoff ends later (the JDK transport's,
     * whose container thread waits it out) is not sent: the call ends with its last attempt's failure, and nothing more
     * counts against the upstream. Nothing of the servlet's own clients keeps the application's class loader from then
     * on: the JDK transport's client, which Java 17 cannot stop, is let go of, and ends once collected, after the
     * relays it still has under way. A servlet made by the builder with clients of its own cannot be initialised again:
     * build a new one.
     */
    @Override
    public void destroy() {
        Proxy current = proxy;
        if (current != null && current.hasOwnClients()) {
            // Nothing of a destroyed servlet, which its registration may keep, holds the clients. (An application's
            // own client stays: it is not stopped, and the servlet may be initialised again with it.)
            proxy = current.withoutClients();
            current.logCutOff();
            current.stop();
            current.awaitPendingAnswers();
        }
    }

    /**
     * @return how many answers {@code destroy()} would wait for at this moment: for tests, which assert what is
     *         waited for without timing the wait
     */
    int answersPending() {
        Proxy current = proxy;
        return current == null ? 0 : current.pendingAnswers.count();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Proxy current = proxy;
        if (current == null) {
            throw new IllegalStateException("ReverseProxyServlet was not initialised: the container must call init()");
        }
        // A cycle a filter in front started before the chain (as a framework's may, for the servlet behind to take) is
        // the proxy's to end, for only the proxy knows when its answer is done: left open, it ended with that filter's
        // timeout, and the last chunk of an answer of unknown length, or the connection's next request after a page,
        // waited for it. An exchange that answers later ends it itself, as it ends the cycles it starts.
        AsyncContext startedInFront = request.getDispatcherType() == DispatcherType.REQUEST && request.isAsyncStarted()
                ? request.getAsyncContext() : null;
        boolean answersLater;
        // destroy() waits for this dispatch's answer too: the JDK transport's exchange, and the Jetty transport's in a
        // servlet without async support, wait on this thread, which writes the page for an exchange destroy() cuts
        // off. Uncounted, destroy() returned at once, and the page was rendered after the context had stopped (in an
        // undeploy, with the application's class loader closed). (A dispatch that comes after destroy() returned, which
        // the container must not route, is the stopped proxy's, which nothing waits for.) The Jetty transport's
        // asynchronous exchange takes this count over as it starts (CountedDispatch.handOver), and the ASYNC dispatch
        // that answers its outcome takes it back unless the exchange's thread ended it first: one count a request.
        Object handedOn = request.getDispatcherType() == DispatcherType.ASYNC
                ? request.getAttribute(OUTCOME_ATTRIBUTE) : null;
        CountedDispatch dispatch = new CountedDispatch(current.pendingAnswers,
                handedOn instanceof CountedDispatch exchange ? exchange : null);
        try {
            answersLater = serve(current, request, response, dispatch);
        } catch (ResponseAbortedException aborted) {
            if (!aborted.abortedInAStartedCycle(request, response)) {
                throw aborted.forContainer(request, response); // logged already
            }
            return;
        } finally {
            dispatch.uncount();
        }
        if (startedInFront != null && !answersLater) {
            try {
                startedInFront.complete();
            } catch (IllegalStateException alreadyEnded) {
                // The container ended the cycle first (the client went away): nothing is left to end.
                log.debug("A cycle started in front of the proxy ended before its answer did", alreadyEnded);
            }
        }
    }

    /**
     * @return whether an exchange answers the request later, in an asynchronous cycle that it ends itself
     */
    private static boolean serve(Proxy current, HttpServletRequest request, HttpServletResponse response,
            CountedDispatch dispatch) throws IOException {
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            // (Also after destroy(): the answer of an exchange that was in flight then needs no client.)
            Object handedOn = request.getAttribute(OUTCOME_ATTRIBUTE);
            Object outcome = handedOn instanceof CountedDispatch exchange ? exchange.outcome : handedOn;
            if (outcome != null) {
                request.removeAttribute(OUTCOME_ATTRIBUTE);
                boolean nonBlocking = request.getAttribute(NON_BLOCKING_ATTRIBUTE) != null;
                request.removeAttribute(NON_BLOCKING_ATTRIBUTE);
                answerOutcome(current, request, response, outcome, nonBlocking, false, false);
                return false;
            }
        }
        if (current.isStopped()) {
            throw new IllegalStateException("ReverseProxyServlet was destroyed: the container must not route to it");
        }
        // A container's error page the proxy serves keeps the error's status, the upstream's answer or failure aside.
        // It is asked for without the client's body, with a GET (a HEAD's with a HEAD): nothing of the client's method
        // is answered here (a 200 for an OPTIONS of a missing URL, say) or forwarded.
        boolean errorPage = ErrorDispatches.note(request, response) != 0;
        // Looked up once, for the local answers and for whether there is a body: most requests have none.
        String transferEncoding = request.getHeader("Transfer-Encoding");
        if (!errorPage && LocalAnswers.answered(request, transferEncoding, response)) {
            // TRACE, CONNECT, OPTIONS with Max-Forwards: 0, a transfer coding it cannot forward, any in HTTP/1.0
            return false;
        }
        if (ProxyHeaders.hasPassed(request, current.pseudonym)) {
            // Forwarded, it would come back again: each round would take a permit of the bulkhead until it refuses.
            UnreadBodies.closeIfLeftUnread(request, response, transferEncoding != null);
            answerFailure(current, request, response, UpstreamFailure.builder(FailureCause.PROXY_LOOP_DETECTED)
                    .upstream(current.guard.name()).attempts(0).build(), false);
            return false;
        }
        // An open breaker refuses the call anyway: answer before the request is read, parsed and copied.
        Optional<UpstreamFailure> refused = current.guard.refuseIfUnavailable();
        if (refused.isPresent()) {
            UnreadBodies.closeIfLeftUnread(request, response, transferEncoding != null);
            answerFailure(current, request, response, refused.get(), false);
            return false;
        }
        // A forwarded answer streams: Spring's ShallowEtagHeaderFilter in front, told so by its own switch, leaves it
        // alone. Held in its buffer, every answer waited whole in memory (an event stream never reached the client),
        // and one relayed after this dispatch returned (the Jetty transport's) was tagged as the empty body it had
        // then, with a 304 for a body that had changed.
        request.setAttribute(SPRING_STREAMING_ATTRIBUTE, Boolean.TRUE);
        boolean hasBody = !errorPage && RequestBodies.present(request, transferEncoding != null);
        JettyForwarder jetty = current.jetty;
        if (jetty != null) {
            return forwardWithJetty(current, jetty, request, response, hasBody, dispatch);
        }
        // The guard buffers a short body it may send again; anything else streams from the client.
        BodyPublisher body = hasBody ? new ClientBodyPublisher(request, request.getContentLengthLong(),
                Objects.requireNonNull(current.bodyReads, "JDK clients read bodies")) : NO_BODY;
        HttpRequest upstreamRequest;
        try {
            upstreamRequest = upstreamRequest(request, body, current.pseudonym);
        } catch (ForwardedHeadTooLargeException tooLarge) {
            response.sendError(SC_REQUEST_HEADER_FIELDS_TOO_LARGE);
            return false;
        } catch (URISyntaxException | IllegalArgumentException unforwardable) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return false;
        }
        GuardedHttpClient client = Objects.requireNonNull(current.jdk);
        boolean committedBefore = response.isCommitted(); // by a filter in front that flushed, say
        try {
            HttpResponse<IdleTimeoutBodySubscriber.Body> answer;
            Proxy.HeadCheckingHandler handler = current.bodyHandler(request);
            try {
                answer = client.send(upstreamRequest, handler);
            } catch (UpstreamFailureException failed) {
                if (body instanceof ClientBodyPublisher clientBody) {
                    closeIfUploadCutShort(request, response, clientBody);
                }
                ErrorResponder.noteThrown(request, failed.failure(), failed);
                answerFailure(current, request, response, failed.failure(), false);
                return false;
            } catch (UncheckedIOException clientBodyFailed) {
                answerClientBodyFailure(request, response, clientBodyFailed.getCause(), !committedBefore);
                return false;
            } catch (InterruptedException e) {
                if (body instanceof ClientBodyPublisher clientBody) {
                    closeIfUploadCutShort(request, response, clientBody);
                }
                answerInterrupted(current, request, response, false, endedByGateway(current),
                        new InterruptedIOException("interrupted while waiting for the upstream"));
                return false;
            }
            Throwable bug = handler.bug;
            if (bug != null) {
                // The upstream answered, and the guard took it as the call's result (as the Jetty transport does,
                // and as for a bug while the answer is relayed): the bug is the container's 500, the body unread.
                answer.body().close();
                if (bug instanceof Error error) {
                    throw error;
                }
                throw (RuntimeException) bug;
            }
            // Java 17: destroy() cannot end this relay (the client goes on), so it does not wait for it once its
            // response is committed. Waited for, a download or an event stream under way held every undeploy for the
            // 2 s limit, then said it unanswered, for an exchange that goes on after destroy() whatever it does. Until
            // then it stays counted: the upstream failing mid-body (or this thread interrupted) is answered with the
            // page, which, uncounted from the relay's start, was written after destroy() had returned.
            relay(current, request, response, answer, JDK_CLIENTS_STOP ? null : dispatch);
            return false;
        } finally {
            if (body instanceof ClientBodyPublisher clientBody) {
                stopReading(request, response, clientBody);
            }
        }
    }

    /**
     * A page answered in the middle of the upload closes an HTTP/1 connection: the upload's rest goes nowhere, and
     * the connection with it. A body never asked for (the upstream refused the connection, say) is the container's to
     * discard, and said to close the connection where the container closes it ({@link UnreadBodies}): no read of it
     * starts any more, so that none can race the discard.
     */
    private static void closeIfUploadCutShort(HttpServletRequest request, HttpServletResponse response,
            BlockingBodyReads body) {
        if (!isHttp1(request)) {
            return;
        }
        if (body.isSourceCutShort()) {
            request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
        } else if (body.isSourceUnread() && !body.stopStartingReads() && body.isSourceUnread()) {
            UnreadBodies.closeIfLeftUnread(request, response, request.getHeader("Transfer-Encoding") != null);
        }
    }

    /** Whether the request came over HTTP/1; one a wrapper names no protocol for is taken for HTTP/1.1. */
    private static boolean isHttp1(HttpServletRequest request) {
        return !RequestBodies.isHttp2OrLater(request.getProtocol()); // one rule for every check of the protocol
    }

    /**
     * Ends the response to a client whose upload is part-way once the upstream's early answer was relayed whole over
     * HTTP/1, saying {@code Connection: close} (JettyForwarder's relayHead): the client gets the answer's end now, not
     * once the read of the upload returned ({@link #stopReading}). An answer of unknown length ends only with its
     * last chunk, which the container writes as the response ends: on Tomcat, whose blocking read the interrupt does
     * not end, the client waited for it until Tomcat's read timeout. Not within an include, whose response is the
     * includer's. (An answer the filter in front replaces with its page is dropped: its page comes in
     * {@link #stopReading}.)
     */
    private static void endWholeEarlyAnswer(HttpServletRequest request, HttpServletResponse response) {
        if (request.getAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE) == null // said by HTTP/1 answers only
                || request.getDispatcherType() == DispatcherType.INCLUDE) {
            return;
        }
        try {
            response.getOutputStream().close();
        } catch (IOException | RuntimeException clientGone) {
            // nothing to end: the connection ends without it
        }
    }

    /**
     * Stops the proxy's reads of the client's body, and over HTTP/1 returns only once none is under way: a read left
     * blocked in the container's stream after the servlet returned read into the objects the container reuses for the
     * connection's next request. On Tomcat the client's next bytes were then parsed as a request of NULs and answered
     * with a 400 nobody asked for, out of step with the connection's requests. The answer goes out first; then the
     * read ends with the client's next bytes, its close, or the container's read timeout, or, after a page or a relayed
     * answer that closes the connection, with an interrupt (Jetty's). Not over HTTP/2, whose
     * stream's buffers are its own: on Tomcat a read waits for a container thread to unpack the connection's frames,
     * and servlet threads waiting for reads starved them. There the read under way is interrupted instead: Jetty's
     * reset of the stream, when the servlet returns with the body unread, does not wake it, and it held the upstream
     * client's request and the upstream's connection until the server stopped.
     */
    private static void stopReading(HttpServletRequest request, HttpServletResponse response,
            BlockingBodyReads body) throws InterruptedIOException {
        if (!isHttp1(request)) {
            body.abortReading(); // no more reads; the one under way ends now, not with the server
            return;
        }
        // Whether a read may be waiting for the client: none can start from here on. Looked at before the stop, a read
        // that started just after was waited for below, the page not sent, until the client sent more or the
        // container's read timeout. (The reads run on the proxy's own body-reader threads, never this thread: the
        // jetty transport's BlockingReadsContent and the jdk transport's body readers.)
        boolean awaited = body.stopStartingReads();
        if (awaited) {
            try {
                CapturingResponse capturing = CapturingResponse.find(response);
                if (capturing != null && capturing.dropsOutput()) {
                    // A relayed status the filter in front replaces: its page now, not once this servlet returned,
                    // after the read, which waits for the client (paused, say, until it hears back).
                    capturing.interception().answerCaptured(request, capturing);
                }
                (capturing != null ? capturing.target() : response).flushBuffer();
            } catch (IOException | RuntimeException clientGone) {
                // nothing to send it to: the read ends with the connection
            }
        }
        // Interrupted already, the thread was answered with the page (answerInterrupted): the wait goes without the
        // interrupt, restored after it. With it, the wait ended at once, thrown on after the page (Jetty's WARN), the
        // read left blocked in the container's stream.
        boolean interrupted = Thread.interrupted();
        try {
            if (awaited && request.getAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE) != null) {
                // The page, or the upstream's early answer relayed whole (JettyForwarder's relayHead), sent, answered
                // in the middle of the upload, and the connection ends after it: nothing waits for the upload's rest.
                // Waited for, the read held this thread, the client the connection's close, and (the Jetty transport's
                // exchange ends with the read) the upstream's connection, until the client sent more or the
                // container's read timeout. Jetty's blocking read ends with the interrupt; Tomcat's waits on (its NIO
                // read swallows it), as before.
                body.abortReading();
            }
            if (!body.stopReading(BODY_READ_PATIENCE)) {
                log.warn("A read of the body of {} {} was still waiting for the client {} s after the answer",
                        request.getMethod(), request.getRequestURI(), BODY_READ_PATIENCE.toSeconds());
            }
        } catch (InterruptedException e) {
            interrupted = true;
            throw new InterruptedIOException("interrupted while the client's body was still being read");
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        Proxy current = proxy;
        return "ReverseProxyServlet{" + (current == null ? "not initialised" : "upstream=" + current.guard.name()) + '}';
    }

    /**
     * Forwards with Jetty's client: asynchronously when the request supports it, else waiting on this thread.
     * Either way a failure is answered on a container thread.
     *
     * @param dispatch this dispatch's count, which an asynchronous exchange takes over
     * @return whether the exchange answers later, in the asynchronous cycle it started or took
     */
    private static boolean forwardWithJetty(Proxy proxy, JettyForwarder jetty, HttpServletRequest request,
            HttpServletResponse response, boolean hasBody, CountedDispatch dispatch) throws IOException {
        JettyForwarder.Exchange exchange;
        boolean committedBefore = response.isCommitted(); // by a filter in front that flushed, say
        try {
            exchange = jetty.prepare(request, response, forwardedTarget(request), hasBody);
        } catch (ForwardedHeadTooLargeException tooLarge) {
            response.sendError(SC_REQUEST_HEADER_FIELDS_TOO_LARGE);
            return false;
        } catch (URISyntaxException | IllegalArgumentException unforwardable) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return false;
        } catch (IOException clientBodyFailed) {
            if (clientBodyFailed instanceof InterruptedIOException interrupted
                    && Thread.currentThread().isInterrupted()) {
                // This thread was interrupted while it read a short body to be sent again (the read threw an
                // InterruptedException past the compiler's check, and JettyForwarder interrupted the thread again):
                // answered as an interrupt while it waits for the upstream is, the page in the middle of the upload
                // saying so, as the JDK transport's does (closeIfUploadCutShort). Nothing was sent upstream.
                if (isHttp1(request)) {
                    request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
                }
                answerInterrupted(proxy, request, response, false, endedByGateway(proxy), interrupted);
                return false;
            }
            // A short body read to be sent again, which the client did not send in full (it went away, or the
            // container's idle timeout ended the wait): nothing was sent upstream.
            answerClientBodyFailure(request, response, clientBodyFailed, !committedBefore);
            return false;
        }
        if (!exchange.isAsynchronous()) {
            CompletableFuture<Object> started = exchange.start();
            BlockingBodyReads reads = exchange.blockingBodyReads();
            try {
                Object outcome;
                try {
                    outcome = started.get();
                } catch (InterruptedException e) {
                    if (reads != null) {
                        closeIfUploadCutShort(request, response, reads);
                    }
                    answerInterrupted(proxy, request, response, exchange, started);
                    return false;
                } catch (ExecutionException e) {
                    outcome = e.getCause(); // not expected: the exchange completes its outcome normally
                }
                if (outcome instanceof UpstreamFailure && reads != null) {
                    closeIfUploadCutShort(request, response, reads);
                } else if (outcome instanceof UpstreamFailure && exchange.isUploadCutShort() && isHttp1(request)) {
                    // A bug ended the read of a body to buffer part-way: the page answers in the middle of the upload,
                    // and says so, as over the JDK transport (closeIfUploadCutShort) and in an async cycle (below).
                    request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
                }
                exchange.noteThrown(outcome);
                answerOutcome(proxy, request, response, outcome, exchange.writesWithoutBlocking(),
                        !committedBefore && !exchange.relaysResponse(), exchange.relaysResponse());
                if (outcome == ExchangeOutcome.DONE && reads != null) {
                    endWholeEarlyAnswer(request, response); // before the wait for the read in stopReading
                }
            } finally {
                if (reads != null) {
                    stopReading(request, response, reads); // a thread of the forwarder's may be reading it still
                }
            }
            return false;
        }
        // A cycle a filter in front started (as a framework's may, for the servlet behind to take) is taken: started
        // again, within the same dispatch, it threw an IllegalStateException, and the client got nothing until the
        // filter's timeout ended the cycle.
        AsyncContext async = request.isAsyncStarted() ? request.getAsyncContext() : request.startAsync();
        async.setTimeout(0); // the guard's timeouts bound the call, the body idle timeout the body
        AtomicBoolean answering = new AtomicBoolean(); // by the outcome, or by the container's end of the cycle
        async.addListener(new AbandoningListener(exchange,
                () -> answerCycleEndedByContainer(proxy, request, response, exchange, async, answering)));
        // After startAsync, which adds Jetty's own listener first: a failure once this dispatch returned reaches
        // the AbandoningListener as before, one that comes until then only this (an idempotent second abandon).
        JettyStreamFailures.listen(request, exchange::abandon);
        CompletableFuture<Object> started = exchange.start();
        // Counted before the answer, which completing runs (on this thread if it is done): the dispatch's count, taken
        // over, which the answer ends. This dispatch writes nothing more (it returns once the answer's completion is
        // set up), and counted as well, one request was two in destroy()'s "requests in flight" until it returned.
        dispatch.handOver();
        started.whenComplete((outcome, bug) -> {
            boolean answeredElsewhere = false;
            try {
                if (!answering.compareAndSet(false, true)) {
                    return; // answered already, as the container ended the cycle
                }
                if (outcome == ExchangeOutcome.DONE) {
                    if (exchange.isAbandoned() && !response.isCommitted()) {
                        // The container ended the cycle before anything was sent: the client went away, or the
                        // server is stopping and closes its connections (Jetty tells either as an EofException).
                        // Completed as it is, the response was an empty 200 OK, which a client still there took
                        // for the page (R1, R21). The container's own answer to such a cycle: 500, past the error
                        // pages' filter in front, which would make a page of it (intercept-statuses with 500) and a
                        // WARN line blaming the upstream, for every client that went away. Reset first: a relayed
                        // head and the first bytes of its body in the buffer would go with it, a body cut short
                        // sent as a whole 500 (R5).
                        HttpServletResponse past = CapturingResponse.answeredPast(request, response);
                        past.reset();
                        past.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                    }
                    // A client that left while the body's WriteListener relayed it: on Undertow, completed on its IO
                    // thread, or the close of what Undertow still held for it was logged at ERROR with a stack trace.
                    if (exchange.clientLeftMidBody()
                            && UndertowIoThreads.complete(request, async, proxy.pendingAnswers::remove)) {
                        answeredElsewhere = true;
                        return;
                    }
                    async.complete();
                    return;
                }
                exchange.noteThrown(outcome); // on this thread, which sets the outcome's attribute too
                if (proxy.stopping && outcome instanceof UpstreamFailure failure
                        && !exchange.writesWithoutBlocking() && !response.isCommitted()) {
                    // The servlet is being destroyed, and the container unmapped it first: an ASYNC dispatch finds
                    // nothing to dispatch to (Tomcat and Jetty answered with their own 500). The page is written on
                    // another thread: this one may be the destroying one (stopping the client ends the exchanges on
                    // it), which a client that reads nothing would hold until the connection's idle timeout, where
                    // destroy() waits 2 s at most. A response under way is left to the dispatch, whose failure
                    // makes the container abort it.
                    ForkJoinPool.commonPool().execute(() -> {
                        try {
                            answerWhileDestroyed(proxy, request, response, async, failure);
                        } finally {
                            proxy.pendingAnswers.remove();
                        }
                    });
                    answeredElsewhere = true;
                    return;
                }
                if (outcome instanceof UpstreamFailure && isHttp1(request)) {
                    if (exchange.leavesBodyUnread()) {
                        // The page answers before the body was asked for (the upstream refused the connection), which
                        // Jetty closes the connection on unless it is short and here: said so, or that one discarded
                        // (UnreadBodies), as the other paths do (closeIfUploadCutShort). Left unread first: no attempt
                        // can start a read of it that would race the discard.
                        boolean transferCoded = request.getHeader("Transfer-Encoding") != null;
                        UnreadBodies.closeIfLeftUnread(request, response, transferCoded);
                    } else if (exchange.isUploadCutShort()) {
                        // The page answers in the middle of the upload, which Jetty then closes the connection on:
                        // said so (RFC 9110 §10.1.1), as the other paths do (closeIfUploadCutShort), or the client
                        // uploads on.
                        request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
                    }
                }
                if (outcome instanceof UpstreamFailure failure && exchange.answersFailureWithoutDispatch()) {
                    answeredElsewhere = answerWithoutDispatch(proxy, request, response, async, failure);
                    return;
                }
                // A client given up on, or a stream quiet for too long, while the body's WriteListener relayed it: its
                // response, committed, is aborted. On Undertow, on its IO thread (its HTTP/1.x connection closed, with
                // a reset where the close may end the body, its HTTP/2 stream reset), or the close of what Undertow
                // still held for it was logged at ERROR with a stack trace (UT005088).
                if (outcome instanceof IOException && exchange.writesWithoutBlocking() && response.isCommitted()
                        && UndertowIoThreads.abort(request, response, async, proxy.pendingAnswers::remove)) {
                    answeredElsewhere = true;
                    return;
                }
                // With the exchange's count, which the ASYNC dispatch takes over should it start before this thread
                // ends it below: counted by both, one request was two in destroy()'s "requests in flight".
                dispatch.outcome = outcome != null ? outcome : bug;
                request.setAttribute(OUTCOME_ATTRIBUTE, dispatch);
                if (exchange.writesWithoutBlocking()) {
                    request.setAttribute(NON_BLOCKING_ATTRIBUTE, Boolean.TRUE);
                }
                async.dispatch();
            } catch (IllegalStateException alreadyEnded) {
                // The container ended the cycle first (the client went away and it completed on its own).
                // The request object may be recycled by now: log nothing of it.
                log.debug("A forwarded request ended before its response was complete", alreadyEnded);
            } finally {
                if (!answeredElsewhere) {
                    dispatch.endExchangeCount();
                }
            }
        });
        return true;
    }

    /**
     * Answers a forwarded request whose asynchronous cycle the container ends while the upstream is still to answer:
     * the cycle has no timeout of its own, but Tomcat times out the cycles of a context it stops (an undeploy), often
     * before it destroys the servlet, and answers them with its own 500 unless a listener completes them. The
     * exchange is ended, counting nothing against the upstream, and the page written on the container's thread: 503
     * {@code connection_limit_reached}, the gateway's doing, as for the exchanges {@link #destroy()} cuts off. A
     * response under way is left to the container, which ends the connection. Once the upstream's head arrived, a
     * client thread relays it: the page is written only after that relay, ended, left the response, as for a thread
     * interrupted ({@link JettyForwarder.Exchange#takeResponseBack}), waited for up to 2 s. A relay that takes longer,
     * or writes without blocking by then, keeps the response: Tomcat ends it at once
     * ({@link ResponseAbortedException#closeNowOnTomcat}), where it answered with its own 500 error report under the
     * upstream's fields the relay had set, a response that looked whole. Not committed yet (a relay turned to writing
     * without blocking, or held in a write that fits the buffer), nothing of it is sent; committed (held in a blocking
     * write to a client that reads nothing), it is cut short. Over HTTP/1.x the connection is closed, over HTTP/2 the
     * stream is reset. The cycle is completed then all the same: its listeners hear {@code onComplete} (the
     * exchange abandoned by its own) and the context counts the request as ended (see {@link #endAtOnce}).
     */
    private static void answerCycleEndedByContainer(Proxy proxy, HttpServletRequest request,
            HttpServletResponse response, JettyForwarder.Exchange exchange, AsyncContext async,
            AtomicBoolean answering) {
        if (response.isCommitted() || !answering.compareAndSet(false, true)) {
            return;
        }
        if (exchange.writesWithoutBlocking()) {
            // A relay that turned to writing without blocking (a stream's head, a body's first part) waits for Tomcat
            // to dispatch its first write, which waits for this thread to let go of the connection: not waited for
            // (a wait without bound never ended, the relay's thread and this one each waiting for the other). The
            // response is ended where it is, and the outcome, finding the answer taken, does nothing.
            endAtOnce(response, async);
            return;
        }
        boolean relayed = !exchange.takeResponseBack(new CancellationException("the container ended the cycle"));
        if (relayed) {
            // The relay claimed the response and may be writing the head, or a short body with blocking writes, into
            // its buffer on a client thread. Written now, on this thread, the page raced those writes into a response
            // that is not thread-safe (the upstream's status and fields mixed with the page's), and the cycle
            // completed under the relay. Ended, it leaves the response after the one write it may be making; the
            // outcome, then, finds the answer taken and does nothing. A relay that turned to writing without blocking
            // meanwhile is not waited for, as above, and the wait is bounded all the same, whatever else holds the
            // relay (a blocking write to a client that reads nothing), so that the undeploy never waits on it.
            if (exchange.writesWithoutBlocking() || !exchange.awaitOutcome(PENDING_ANSWERS_LIMIT)) {
                endAtOnce(response, async);
                return;
            }
            if (response.isCommitted()) {
                // Left to the container, which ends the connection, as for a response under way above.
                return;
            }
        }
        try {
            // The relayed head and the first bytes of the body, still in the buffer, are replaced by the page.
            answerFailure(proxy, request, response, exchange.endedByGateway(), exchange.writesWithoutBlocking(),
                    relayed);
        } catch (IOException | RuntimeException unanswered) {
            log.debug("Could not answer a forwarded request whose cycle the container ended", unanswered);
        }
        async.complete();
    }

    /**
     * Ends, on Tomcat's thread ending its cycle, a response the relay still holds: at once
     * ({@link ResponseAbortedException#closeNowOnTomcat}), then the cycle completed. Without the completion Tomcat
     * neither answered nor completed it: the cycle's listeners (the proxy's {@link AbandoningListener}, a filter's in
     * front, a framework's, metrics) never heard {@code onComplete}, the context's {@code requestDestroyed} never came,
     * and the context counted the request in progress for good, so that each later stop of it waited its whole
     * {@code unloadDelay}. Completing writes nothing (no I/O is allowed once the response is closed). Another
     * container, or a Tomcat whose internals differ, is left to answer the cycle as it does.
     */
    private static void endAtOnce(HttpServletResponse response, AsyncContext async) {
        if (!ResponseAbortedException.closeNowOnTomcat(response)) {
            return;
        }
        try {
            async.complete();
        } catch (IllegalStateException alreadyEnded) {
            log.debug("A forwarded request ended before its response was complete", alreadyEnded);
        }
    }

    private static boolean hasShutdownNow() {
        try {
            HttpClient.class.getMethod("shutdownNow");
            return true;
        } catch (NoSuchMethodException beforeJava21) {
            return false;
        }
    }

    /**
     * A body the servlet's destruction cut off, stopping its own client: the gateway's doing, as for an attempt it
     * cuts off ({@link StoppableHttpClient}), which counts nothing against the upstream.
     */
    private static UpstreamFailureException cutByDestruction(IOException failure) {
        return new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_LIMIT_REACHED), failure, false);
    }

    /** Answers the failure of an exchange that the servlet's destruction cut off (or that failed meanwhile). */
    private static void answerWhileDestroyed(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            AsyncContext async, UpstreamFailure failure) {
        try {
            answerFailure(proxy, request, response, failure, false);
        } catch (IOException | RuntimeException unanswered) {
            // The client went away, or the response was committed meanwhile: completing ends it as it is.
            log.debug("Could not answer a forwarded request cut off by the proxy's destruction", unanswered);
        }
        try {
            async.complete();
        } catch (IllegalStateException alreadyEnded) {
            log.debug("A forwarded request ended before its response was complete", alreadyEnded);
        }
    }

    /**
     * Answers the failure of an exchange whose body was relayed without blocking on Undertow, on the thread that ended
     * the exchange, and completes the cycle ({@link JettyForwarder.Exchange#answersFailureWithoutDispatch} says why
     * not in a dispatch): the page, if nothing was committed yet (the relayed head and the first bytes of the body
     * still in the buffer, which the page replaces); else the response is aborted, so that the body cut short never
     * ends as if whole: on Undertow's IO thread, its HTTP/1.x connection closed (with a reset where the close may end
     * the body) or its HTTP/2 stream reset, then the cycle completed there ({@link UndertowIoThreads#abort}). Aborted
     * and completed on the upstream client's thread (where the body's end runs when the client had taken all of it),
     * Undertow handed the close of what its stream still buffered to its IO thread, whose write to the closed
     * connection or reset stream it logged at ERROR ({@code UT005088}). The cycle of a page written, or of a client
     * that went away while it was, is completed on that IO thread too ({@link UndertowIoThreads#complete}).
     *
     * @return whether the cycle is completed on Undertow's IO thread, which then removes the pending answer
     */
    private static boolean answerWithoutDispatch(Proxy proxy, HttpServletRequest request,
            HttpServletResponse response, AsyncContext async, UpstreamFailure failure) {
        try {
            answerFailure(proxy, request, response, failure, true);
        } catch (ResponseAbortedException aborted) {
            // A close that would end the body as if whole is made a reset: by the abort on the IO thread, or else
            // by forContainer, as it makes it.
            if (UndertowIoThreads.abort(request, response, async, proxy.pendingAnswers::remove)) {
                return true;
            }
            aborted.forContainer(request, response); // closes Undertow's connection; nothing is left to throw to
        } catch (IOException | RuntimeException unanswered) {
            // The client went away while the page was written: completing ends the response as it is.
            log.debug("Could not answer a forwarded request whose relayed body failed", unanswered);
        }
        // The page written, or its client gone: completed on Undertow's IO thread as well, or the close of what the
        // stream still held for a client that left was logged at ERROR (UT005088).
        if (UndertowIoThreads.complete(request, async, proxy.pendingAnswers::remove)) {
            return true;
        }
        async.complete(); // (an IllegalStateException, the cycle ended meanwhile, is the caller's to take)
        return false;
    }

    /**
     * Answers a request of the Jetty transport without asynchronous support whose thread was interrupted while it
     * waited for the upstream, as the JDK transport's is answered ({@link #answerInterrupted(Proxy, HttpServletRequest,
     * HttpServletResponse, boolean, UpstreamFailure, InterruptedIOException)}): the page, not the container's 500
     * naming the interrupt thrown on (R36). Once the head arrived, a client thread relays the response: the page is
     * written only if the exchange hands the response back before the relay wrote anything to it, which then never
     * starts ({@link JettyForwarder.Exchange#takeResponseBack}). Otherwise the relay ends (abandoned, not aborted: an
     * abort left it writing the body into the response of a request that ended, its upstream connection held), and this
     * thread waits until the relay left the response: a response committed is then left to the container to abort, and
     * one not committed yet (the head and the first bytes of the body in its buffer) gets the page, as over the JDK
     * transport.
     */
    private static void answerInterrupted(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            JettyForwarder.Exchange exchange, CompletableFuture<Object> outcome) throws IOException {
        boolean relayed = !exchange.takeResponseBack(new CancellationException("the servlet thread was interrupted"));
        if (relayed) {
            // The relay is ended, and its thread leaves the response after the one write it may be making (the head, a
            // part of the body). Waited for, the response committed or not: this thread's return ends the response,
            // and Jetty, ending it under a blocking write of the relay's, left that write waiting for good, the relay's
            // client thread and its upstream connection held. The same bound as that write has without the interrupt:
            // the container's write timeout for a client that reads nothing. A join, which an interrupted thread may
            // make.
            outcome.join();
        }
        answerInterrupted(proxy, request, response, relayed, exchange.endedByGateway(),
                new InterruptedIOException("interrupted while waiting for the upstream"));
    }

    /**
     * Answers what the Jetty transport handed back: a failure with the page, an exception by throwing it.
     *
     * @param committedByTheRead as for {@link #answerClientBodyFailure}
     * @param relayed whether the upstream's response was being relayed when it failed
     */
    private static void answerOutcome(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            Object outcome, boolean nonBlocking, boolean committedByTheRead, boolean relayed) throws IOException {
        if (outcome == ExchangeOutcome.DONE) {
            return;
        }
        if (outcome instanceof UpstreamFailure failure) {
            answerFailure(proxy, request, response, failure, nonBlocking, relayed);
        } else if (outcome instanceof IOException clientFailed) {
            answerClientBodyFailure(request, response, clientFailed, committedByTheRead);
        } else if (outcome instanceof RuntimeException bug) {
            throw bug;
        } else if (outcome instanceof Error error) {
            throw error;
        } else {
            throw new IllegalStateException("unexpected outcome of a forwarded request: " + outcome);
        }
    }

    /**
     * The client's side of the exchange failed, not the upstream's: its body could not be read (it went away, sent
     * a malformed or too large one), or it stalled while the upstream waited for the rest. A client still there
     * gets 408 for a stall (RFC 9110 §15.5.9), else the container's 4xx or 400 ({@link ClientBodyStatus}), and the
     * connection is closed; a response already under way is aborted.
     *
     * @param committedByTheRead whether the response was not committed before the body was read, and nothing of the
     *     upstream's response was written since: committed now with an error status, it is the container's own
     *     answer to the failed read (Tomcat's error state)
     */
    private static void answerClientBodyFailure(HttpServletRequest request, HttpServletResponse response,
            IOException failure, boolean committedByTheRead) throws IOException {
        if (response.isCommitted()) {
            if (committedByTheRead && response.getStatus() >= 400) {
                // Tomcat answers a read that failed itself (400, or 408 for its timeout), and notes the exception
                // for its error report, which showed it with its stack trace, as it would the one thrown on.
                request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
                return;
            }
            throw ClientAborts.containerException(failure);
        }
        int status = ClientBodyStatus.of(failure);
        response.reset();
        response.setStatus(status);
        if (isHttp1(request)) {
            response.setHeader("Connection", "close"); // a field HTTP/2 forbids (RFC 9113 §8.2.2)
        }
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff"); // as on every page (R41): read as text, never sniffed
        response.setContentType("text/plain;charset=utf-8");
        byte[] body = ClientBodyStatus.body(status);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    private static HttpRequest upstreamRequest(HttpServletRequest request, BodyPublisher body, String pseudonym)
            throws URISyntaxException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(forwardedTarget(request));
        String method = ErrorDispatches.upstreamMethod(request);
        if (body == NO_BODY && method.equals("GET")) {
            builder.GET(); // no publisher: no Content-Length: 0 made up, from JDK 19 on (JDK-8283544)
        } else if (body == NO_BODY && method.equals("DELETE")) {
            builder.DELETE();
        } else {
            builder.method(method, body);
        }
        ProxyHeaders.towardUpstream(request, pseudonym, (name, received) -> {
            // Without what the JDK's client would change (without its key a request is not retried).
            String value = ProxyHeaders.forJdkClient(name, received);
            if (value == null) {
                return;
            }
            try {
                builder.header(name, value);
            } catch (IllegalArgumentException restricted) {
                // A field the JDK's client sets itself or refuses: the client's version is sent.
            }
        });
        return builder.build();
    }

    /**
     * The path after the servlet's mapping and the query, as the client sent them, made fit for a URI: on a
     * placeholder authority, which {@link io.github.errorpages.upstream.Attempt#resolve} replaces by the
     * endpoint's. Without one, a path starting with {@code //} would be read as an authority.
     */
    private static URI forwardedTarget(HttpServletRequest request) throws URISyntaxException {
        String query = request.getQueryString();
        String path = forwardedPath(request);
        // An empty query ("/a?") as none: the JDK's client cannot send one, and both transports send the same target.
        return new URI(TARGET_BASE + RequestTargets.encodeDisallowed(
                query == null || query.isEmpty() ? path : path + "?" + query));
    }

    /**
     * The raw (still encoded) path after the servlet's mapping, starting with '/' or empty: the path the container
     * mapped and authorised, as the client encoded it. Its dot segments are resolved first, so that none is left
     * for the upstream to resolve against the endpoint's base path. Where the raw path still says something other
     * than the container's decoded view (Tomcat merges {@code //} before it resolves {@code ..}; a context path or
     * a mapping written with dot segments), the container's view is forwarded, encoded again: never a path the
     * container did not map to this servlet.
     *
     * @throws URISyntaxException if the container's decoded view still holds a dot segment
     */
    private static String forwardedPath(HttpServletRequest request) throws URISyntaxException {
        String pathInfo = request.getPathInfo();
        HttpServletMapping mapping = request.getHttpServletMapping();
        if (pathInfo == null && mapping != null && mapping.getMappingMatch() == MappingMatch.PATH) {
            return ""; // "/orders" for "/orders/*": the root of the mapping, the endpoint's base path
        }
        // Mapped to a path prefix: the path below it; mapped to "/" or an exact path: the whole path.
        String mapped = pathInfo != null ? pathInfo : request.getServletPath();
        if (RequestTargets.hasDecodedDotSegment(mapped)) {
            // A container that decodes an encoded "/" or "\" (Jetty under a lenient URI compliance) mapped
            // "/a/..%2F..%2Fadmin" as "/a/../../admin": no spelling of it is safe, an upstream resolves it out of
            // the base path. Refused (400), as Jetty's default compliance refuses the request itself. Undertow maps
            // every path with its dot segments unresolved ("/orders/../admin" to "/orders/*"): which of them are
            // this servlet's is not known here, so those are refused too.
            throw new URISyntaxException(mapped, "a dot segment in the path the container mapped");
        }
        String context = request.getServletContext().getContextPath();
        String prefix = pathInfo != null ? context + request.getServletPath() : context;
        String uri = RequestTargets.removeDotSegments(request.getRequestURI());
        // The client's own spelling of the path below the mapping, so that an upstream gets the resource the
        // client named (an encoded "+" or "=" of a signed URL decoded is another): without the parameters of the
        // mapping's own segments ("/orders;v=1/b"), which are the gateway's, and, where the container mapped the
        // path with its empty segments merged ("/orders//b", as Tomcat does), merged as well.
        String raw = spellingBelow(uri, prefix, mapped);
        if (raw == null) {
            String merged = RequestTargets.mergeEmptySegments(uri);
            raw = merged == uri ? null : spellingBelow(merged, prefix, mapped);
        }
        return raw != null ? raw : RequestTargets.encodePath(mapped);
    }

    /** The raw path below the prefix if it is a spelling of the path the container mapped, else {@code null}. */
    private static @Nullable String spellingBelow(String uri, String prefix, String mapped) {
        String raw = RequestTargets.rawPathBelow(uri, prefix);
        return raw != null && isSpellingOf(raw, mapped) ? raw : null;
    }

    /**
     * Whether a raw path decodes to the path the container mapped. A container that leaves an encoded "/" as it was
     * (Tomcat's encodedSolidusHandling="passthrough", and its encodedReverseSolidusHandling for "\\", each keeping
     * "%25" too) maps "/a%2Fb" as one segment: forwarded as the client wrote it, not encoded again as "/a%252Fb".
     * Unless a dot segment hides behind it ("/..%2F..%2Fadmin"), which an upstream that decodes %2F first would
     * resolve out of the base path: that one is encoded again.
     */
    private static boolean isSpellingOf(String raw, String mapped) {
        return raw.startsWith("/") && (mapped.equals(RequestTargets.decodePath(raw))
                || (!RequestTargets.hasDotSegmentBehindAnEncodedSlash(raw)
                        && (mapped.equals(RequestTargets.decodePath(raw, true, false))
                                || mapped.equals(RequestTargets.decodePath(raw, false, true))
                                || mapped.equals(RequestTargets.decodePath(raw, true, true)))));
    }

    /**
     * @param uncountOnceCommitted the dispatch to uncount as soon as the response is committed, which no page can
     *     take any more, or {@code null} to leave it counted until {@code service()} returns
     */
    private static void relay(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            HttpResponse<IdleTimeoutBodySubscriber.Body> answer, @Nullable CountedDispatch uncountOnceCommitted)
            throws IOException {
        // Closed whatever happens: that releases the connection and reports the body's end to the guard.
        try (IdleTimeoutBodySubscriber.Body in = answer.body()) {
            int status = answer.statusCode();
            int errorStatus = ErrorDispatches.status(request);
            response.setStatus(errorStatus != 0 ? errorStatus : status); // the body's framing is the upstream's still
            ProxyHeaders.towardClient(answer.headers().map(), response, proxy.locations, request);
            long length = ResponseHeadCheck.contentLength(status, answer.headers().allValues("Content-Length"));
            if (length >= 0) {
                RelayedContentLength.set(response, length);
            }
            // The method sent, not the client's: an error page's is a HEAD for a HEAD that Tomcat dispatches as a GET.
            // A 205's content, which no server may send (RFC 9110 §15.3.6), is not relayed either: its length is 0.
            String method = answer.request().method();
            if ("HEAD".equals(method) || status == 204 || status == 205 || status == 304 || status < 200) {
                if (length < 0) {
                    ResponseHeadCheck.commitWithoutLength(response);
                }
                awaitEnd(in);
                if (BodyWrites.endsWithoutBody(request)) {
                    try {
                        BodyWrites.endWithoutBody(response);
                    } catch (IOException | IllegalStateException clientGone) {
                        log.debug("A relayed answer to HEAD could not be ended: the client went away", clientGone);
                    }
                }
                return;
            }
            String type = answer.headers().firstValue("Content-Type").orElse(null);
            String coding = answer.headers().firstValue("Content-Encoding").orElse(null);
            StreamTail tail = StreamingResponses.tailOf(type,
                    answer.headers().firstValue("X-Accel-Buffering").orElse(null), coding);
            if (tail != null) {
                // The head at once, not with the first part, which may be minutes away: a browser's EventSource
                // opens on it, and a load balancer in front that times the first byte would cut the stream. A
                // failing flush means the client went away, as for the body's writes.
                response.flushBuffer();
            }
            copy(proxy, request, response, in, tail, StreamingResponses.endsWholeWhenQuiet(method, tail, length),
                    length, uncountOnceCommitted);
        }
    }

    /**
     * Waits for the end of a body that has no bytes (a HEAD's, a 304's), which the client reports at once. Closed
     * before that end arrived, the body would cancel the exchange, and the client would close a connection it was
     * about to pool. Whatever ends the wait instead, close() then cancels, as for any body not read to its end: so the
     * first bytes of a 205's content (never relayed) end it, its connection closed unless the client had read it all,
     * which it usually has for a short body that came with the head: the connection is then kept. (The Jetty
     * transport drops such content too, but closes the upstream connection whenever any of it came.)
     */
    private static void awaitEnd(IdleTimeoutBodySubscriber.Body in) {
        try {
            in.readBuffer();
        } catch (IOException notEnded) {
            // An empty body cannot fail the exchange, whose answer is complete: its connection is closed, no more.
        }
    }

    /**
     * @param length the body's length as relayed ({@code Content-Length}), or -1 when it has none. The JDK's client
     *     holds an HTTP/1.1 body to it, but not an HTTP/2 one: bytes beyond it, or fewer, made the container answer
     *     with its own 500, naming the exception.
     * @param tail where a stream ({@link StreamingResponses}) is, between its records or within one, or {@code null}
     *     for any other body: a stream's parts are flushed as they come, and one quiet between records for
     *     {@code body-idle-timeout} is no failure of the upstream's
     * @param endsWholeWhenQuiet whether a stream quiet so ends as a whole body, else aborted
     * @param uncountOnceCommitted as for {@link #relay}
     */
    private static void copy(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            IdleTimeoutBodySubscriber.Body in, @Nullable StreamTail tail, boolean endsWholeWhenQuiet, long length,
            @Nullable CountedDispatch uncountOnceCommitted) throws IOException {
        ServletOutputStream out = BodyWrites.outputStream(response);
        long left = length;
        CountedDispatch counted = uncountOnceCommitted;
        while (true) {
            if (counted != null && response.isCommitted()) {
                // Before the wait for the upstream's next part, which may be long: from here on a failure aborts the
                // response, and no page is written on this thread for destroy() to wait for.
                counted.uncount();
                counted = null;
            }
            ByteBuffer part;
            try {
                part = in.readBuffer();
                if (part == null ? left > 0 : left >= 0 && part.remaining() > left) {
                    throw part == null
                            ? new EOFException("the upstream's body ended " + left + " bytes short of its Content-Length")
                            : new ProtocolException("the upstream's body is longer than its Content-Length " + length);
                }
            } catch (IOException upstreamFailed) {
                if (tail != null && tail.isBetweenRecords() && in.timedOut()) {
                    endQuietStream(proxy, request, endsWholeWhenQuiet);
                    return;
                }
                // The upstream failed mid-body: counted against it, and answered with a page if nothing was committed
                // yet, else with an aborted response.
                log.debug("Upstream {} failed mid-body for {} {}", proxy.guard.name(), request.getMethod(),
                        request.getRequestURI(), upstreamFailed);
                if (upstreamFailed.getClass() == InterruptedIOException.class) {
                    // This thread was interrupted (a timeout is a subclass): not the upstream's failure.
                    answerInterrupted(proxy, request, response, true, endedByGateway(proxy),
                            (InterruptedIOException) upstreamFailed);
                    return;
                }
                BodyOutcome outcome = Objects.requireNonNull(in.outcome(), "the guard hands every response its outcome");
                UpstreamFailure failure = outcome.failed(proxy.stoppingClients
                        ? cutByDestruction(upstreamFailed) : upstreamFailed);
                ErrorResponder.noteThrown(request, failure, upstreamFailed);
                if (response.isCommitted() && answeredInAnAsyncDispatch(request, failure)) {
                    return;
                }
                answerFailure(proxy, request, response, failure, false, true);
                return;
            }
            if (part == null) {
                return;
            }
            left -= left >= 0 ? part.remaining() : 0;
            if (tail != null) {
                tail.saw(part);
            }
            // A failing write means the client went away: it propagates to the container as it is.
            BodyWrites.write(out, part);
            if (tail != null && in.available() == 0) {
                out.flush();
            }
        }
    }

    /**
     * Ends a stream quiet between its records for {@code body-idle-timeout}: quiet as streams are, or its client left,
     * which this thread, writing nothing meanwhile, was not told. Neither is a failure of the upstream's (were it
     * counted as a read timeout, the quiet streams of a healthy upstream would open its breaker): the body is reported
     * complete when it is closed. An event stream an EventSource asked for ends whole, which it reconnects to as it
     * does to a failed stream; any other stream's response is aborted, its client not left to take the part for all
     * there was.
     *
     * @throws ResponseAbortedException to abort the response, for the container
     */
    private static void endQuietStream(Proxy proxy, HttpServletRequest request, boolean endsWhole)
            throws ResponseAbortedException {
        long quietMillis = proxy.bodyIdleTimeout.toMillis();
        log.debug("Ended a stream of upstream {} quiet for {} ms{}", proxy.guard.name(), quietMillis,
                endsWhole ? "" : ", its response aborted");
        if (endsWhole) {
            return;
        }
        ResponseAbortedException cut = new ResponseAbortedException("response aborted: the stream was quiet for "
                + quietMillis + " ms");
        if (!answeredInAnAsyncDispatch(request, cut)) {
            throw cut;
        }
    }

    /**
     * Hands an outcome that aborts a committed response to an ASYNC dispatch, as the Jetty transport's relays are
     * answered, where the request allows one: Tomcat ends an HTTP/2 stream cleanly for an exception of the REQUEST
     * dispatch, so a body cut short looked whole (or, with a Content-Length, the client waited for the rest for ever),
     * and resets it for one of an ASYNC dispatch.
     *
     * @return whether the outcome was handed over; if not, the caller answers it on this dispatch
     */
    private static boolean answeredInAnAsyncDispatch(HttpServletRequest request, Object outcome) {
        if (!AsyncAnswers.allowed(request) || request.isAsyncStarted()) {
            return false;
        }
        request.setAttribute(OUTCOME_ATTRIBUTE, outcome);
        request.startAsync().dispatch();
        return true;
    }

    /**
     * Answers a request of the JDK transport (or of the Jetty transport's, its relay out of the way) whose thread was
     * interrupted while it waited for the upstream, for its head or for the next part of its body: a container's
     * stuck-thread detection (Tomcat's {@code StuckThreadDetectionValve} with {@code interruptThreadThreshold}), or a
     * server stopping. The gateway's doing, as for the exchanges {@link #destroy()} cuts off: 503
     * {@code connection_limit_reached}, counting nothing against the upstream. Thrown on, the interrupt reached the
     * container, whose own 500 named {@code java.io.InterruptedIOException} (R36). A response under way is left to
     * the container to abort, as before. The thread stays interrupted, for the container: only the page's write goes
     * without it, which a blocking write of an interrupted thread may refuse.
     */
    private static void answerInterrupted(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            boolean relayed, UpstreamFailure failure, InterruptedIOException interrupted) throws IOException {
        Thread.interrupted();
        try {
            if (response.isCommitted()) {
                throw interrupted;
            }
            answerFailure(proxy, request, response, failure, false, relayed);
        } finally {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The failure of a JDK transport's call the gateway ended (its thread interrupted): the guard's call, cut off
     * inside the JDK's client, told this thread neither how many attempts it made nor their time, so the log line
     * says {@code attempts=-} and {@code elapsed_ms=-} rather than one attempt nobody counted (the Jetty transport's
     * exchange knows both: {@link JettyForwarder.Exchange#endedByGateway}). Also the Jetty transport's, for a thread
     * interrupted while it read a body to buffer, before any exchange began.
     */
    private static UpstreamFailure endedByGateway(Proxy proxy) {
        return UpstreamFailure.builder(FailureCause.CONNECTION_LIMIT_REACHED).upstream(proxy.guard.name()).build();
    }

    private static void answerFailure(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            UpstreamFailure failure, boolean nonBlocking) throws IOException {
        answerFailure(proxy, request, response, failure, nonBlocking, false);
    }

    /**
     * @param relayed whether the upstream's response was being relayed, part of its body perhaps written already
     */
    private static void answerFailure(Proxy proxy, HttpServletRequest request, HttpServletResponse response,
            UpstreamFailure failure, boolean nonBlocking, boolean relayed) throws IOException {
        if (failure.cause() == FailureCause.PROXY_LOOP_DETECTED) {
            // Found here or read in the upstream's answer: said in Proxy-Status for the pass before this one.
            request.setAttribute(ErrorResponder.LOOP_NAME_ATTRIBUTE, proxy.pseudonym);
        }
        // Behind ErrorPagesFilter, write past its capturing wrapper and tell it the request is answered.
        CapturingResponse capturing = CapturingResponse.find(response);
        if (request.getDispatcherType() == DispatcherType.INCLUDE) {
            answerIncludedFailure(request, response, capturing != null, failure, relayed);
        }
        boolean writePending = nonBlocking || capturing != null && capturing.writesWithoutBlocking();
        int errorStatus = ErrorDispatches.status(request);
        if (errorStatus != 0) {
            proxy.responder.respondToError(request, CapturingResponse.answeredPast(request, response), failure,
                    errorStatus, writePending);
            return;
        }
        proxy.responder.respond(request, CapturingResponse.answeredPast(request, response), failure, writePending);
    }

    /**
     * Included, a page would be a part of the includer's answer: its status and headers ignored, after whatever of the
     * upstream's body was relayed. Behind the filter the failure is the includer's, as any exception of an included
     * servlet is: an {@link UpstreamFailureException} it may catch to write something else in its place, or let the
     * filter answer. Once part of the body may be in the includer's answer nothing can take its place: the exception
     * is then one no catch of UpstreamFailureException takes, with the failure as its cause for the filter (its page,
     * or once committed an aborted response); without the filter, the response is committed (what was relayed may
     * still be in the includer's buffer) and aborted rather than end with the page after a body cut short, which would
     * look whole. Returns only when the page is to be written as a part.
     */
    private static void answerIncludedFailure(HttpServletRequest request, HttpServletResponse response,
            boolean filtered, UpstreamFailure failure, boolean relayed) throws IOException {
        if (filtered) {
            // The filter logs the bug behind a proxy_internal_error from what the includer threw on, noting that over
            // what this proxy noted: the bug is its cause, else the line would show this exception alone. Taken off
            // the request, as the exception carries it now, to any catch of the includer's too.
            Object noted = request.getAttribute(ErrorResponder.THROWN_ATTRIBUTE);
            Throwable bug = null;
            if (noted instanceof Throwable throwable && failure.cause() == FailureCause.PROXY_INTERNAL_ERROR) {
                request.removeAttribute(ErrorResponder.THROWN_ATTRIBUTE);
                bug = throwable;
            }
            UpstreamFailureException thrown = new UpstreamFailureException(failure, bug, false);
            if (relayed) {
                throw new IOException("the upstream failed after part of its body was written into the including "
                        + "page", thrown);
            }
            throw thrown;
        }
        if (relayed) {
            throw ErrorResponder.abortCommitted(request, response, failure,
                    "after part of its body was written into the including page");
        }
    }

    private static Proxy fromParameters(ServletConfig config, Map<String, String> parameters) {
        String given = parameters.get(UPSTREAM_PARAMETER);
        String name = (given != null ? given : config.getServletName()).trim();
        if (!UpstreamNames.isValid(name)) {
            // Named by the parameter the operator set, or said to be the servlet's name: "upstreams.<name>" is
            // no key of the servlet's.
            throw ConfigParameters.invalid(given != null ? UPSTREAM_PARAMETER : UPSTREAM_PARAMETER
                    + " (not set, so the servlet's name)", UpstreamNames.quoted(name), "must be " + UpstreamNames.RULE);
        }
        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        Duration bodyIdleTimeout = DEFAULT_BODY_IDLE_TIMEOUT;
        Duration clientIdleTimeout = DEFAULT_CLIENT_IDLE_TIMEOUT;
        ProxyTransport transport = ProxyTransport.AUTO;
        int maxResponseHeaderSize = DEFAULT_MAX_RESPONSE_HEADER_SIZE;
        int maxConnections = DEFAULT_MAX_CONNECTIONS;
        Duration poolIdleTimeout = DEFAULT_POOL_IDLE_TIMEOUT;
        @Nullable String proxyStatus = null;
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String key = parameter.getKey();
            String value = parameter.getValue().trim();
            if (key.equals(CONNECT_TIMEOUT_PARAMETER)) {
                connectTimeout = timeout(key, ConfigParameters.duration(key, value), MAX_CONNECT_TIMEOUT, value);
            } else if (key.equals(BODY_IDLE_TIMEOUT_PARAMETER)) {
                bodyIdleTimeout = timeout(key, ConfigParameters.duration(key, value), MAX_BODY_IDLE_TIMEOUT, value);
            } else if (key.equals(CLIENT_IDLE_TIMEOUT_PARAMETER)) {
                clientIdleTimeout = timeout(key, ConfigParameters.duration(key, value), MAX_CLIENT_IDLE_TIMEOUT, value);
            } else if (key.equals(TRANSPORT_PARAMETER)) {
                transport = transport(key, value);
            } else if (key.equals(MAX_RESPONSE_HEADER_SIZE_PARAMETER)) {
                int size = ConfigParameters.integer(key, value);
                ConfigParameters.asWritten(key, value, () -> headerSize(key, size)); // named as written: 0100
                maxResponseHeaderSize = size;
            } else if (key.equals(MAX_CONNECTIONS_PARAMETER)) {
                int connections = ConfigParameters.integer(key, value);
                ConfigParameters.asWritten(key, value, () -> connections(key, connections));
                maxConnections = connections;
            } else if (key.equals(POOL_IDLE_TIMEOUT_PARAMETER)) {
                poolIdleTimeout = timeout(key, ConfigParameters.duration(key, value), MAX_POOL_IDLE_TIMEOUT, value);
            } else if (key.equals(PROXY_STATUS_PARAMETER)) {
                // Blank is unset, as for the other optional parameters (an unfilled placeholder): no field.
                proxyStatus = value.isEmpty() ? null : ProxyStatusField.name(key, value);
            } else if (!key.equals(UPSTREAM_PARAMETER) && !UpstreamParameters.KEYS.contains(key)
                    && !ResponderParameters.isKey(key)) {
                throw ConfigParameters.invalid(key, value, "is no parameter of ReverseProxyServlet (known: "
                        + UPSTREAM_PARAMETER + ", " + String.join(", ", UpstreamParameters.KEYS) + ", "
                        + CONNECT_TIMEOUT_PARAMETER + ", " + BODY_IDLE_TIMEOUT_PARAMETER + ", "
                        + CLIENT_IDLE_TIMEOUT_PARAMETER + ", " + TRANSPORT_PARAMETER + ", "
                        + MAX_RESPONSE_HEADER_SIZE_PARAMETER + ", " + MAX_CONNECTIONS_PARAMETER + ", "
                        + POOL_IDLE_TIMEOUT_PARAMETER + ", " + PROXY_STATUS_PARAMETER + ", "
                        + ResponderParameters.KEYS_FOR_MESSAGES + ")");
            }
        }
        UpstreamGuard guard = UpstreamGuard.of(UpstreamParameters.config(name, parameters));
        return Proxy.create(guard, transport, null, null, connectTimeout, bodyIdleTimeout, clientIdleTimeout,
                poolIdleTimeout, maxResponseHeaderSize, maxConnections,
                ResponderParameters.responder(parameters, config.getServletContext()).forProxy(proxyStatus));
    }

    private static ProxyTransport transport(String key, String value) {
        for (ProxyTransport transport : ProxyTransport.values()) {
            if (transport.name().equalsIgnoreCase(value)) {
                return transport;
            }
        }
        throw ConfigParameters.invalid(key, value, "must be one of auto, jetty, jdk");
    }

    private static int headerSize(String key, int bytes) {
        if (bytes < MIN_MAX_RESPONSE_HEADER_SIZE) {
            throw ConfigParameters.invalid(key, bytes, "must be at least " + MIN_MAX_RESPONSE_HEADER_SIZE
                    + " (bytes: a status line and a few fields)");
        }
        return bytes;
    }

    private static int connections(String key, int connections) {
        if (connections < 1) {
            throw ConfigParameters.invalid(key, connections, "must be at least 1");
        }
        return connections;
    }

    private static Duration timeout(String key, Duration value, Duration max) {
        return timeout(key, value, max, value);
    }

    /** @param asWritten the value as the message shows it: an init-parameter as written, else the duration */
    private static Duration timeout(String key, Duration value, Duration max, Object asWritten) {
        if (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(max) > 0) {
            // Bounded: the clients compute deadlines in milliseconds and nanoseconds, which centuries overflow. And
            // they count whole milliseconds: the JDK's client failed every connect under a 0.5 ms timeout, and
            // Jetty's took 0 ms for none at all.
            throw ConfigParameters.invalid(key, asWritten, "must be at least 1ms and at most "
                    + Durations.shown(max));
        }
        return value;
    }

    /**
     * A dispatch counted in its proxy's {@link PendingAnswers}, which {@code destroy()} waits for, until
     * {@link #uncount()}: when {@code service()} returns, or once the response of a relay that {@code destroy()}
     * cannot end (the JDK transport's on Java 17) is committed, when no page can be written on its thread any more;
     * or until {@link #handOver()} leaves the count to the asynchronous exchange it started (the Jetty transport's),
     * whose answer ends it ({@link #endExchangeCount()}), or the ASYNC dispatch that answers its outcome, which takes
     * it over. {@link #uncount()} and {@link #handOver()} are called on the dispatch's own thread only; the exchange's
     * count is ended or taken over once, on any thread (a compare-and-set: its thread ends it right after it
     * dispatched, and the ASYNC dispatch may start first). An exchange answered without an ASYNC dispatch (on another
     * thread, or on Undertow's IO thread) removes its count from {@link PendingAnswers} itself: nothing takes it over.
     */
    private static final class CountedDispatch {
        /** {@link #exchangeCount} while the exchange holds the dispatch's count. */
        private static final int HELD_BY_EXCHANGE = 1;
        /** {@link #exchangeCount} once the exchange's thread ended the count, or the ASYNC dispatch took it over. */
        private static final int ENDED = 2;
        private static final AtomicIntegerFieldUpdater<CountedDispatch> EXCHANGE_COUNT =
                AtomicIntegerFieldUpdater.newUpdater(CountedDispatch.class, "exchangeCount");
        private final PendingAnswers answers;
        private boolean counted = true;
        /** 0 but while the exchange holds the count: {@link #HELD_BY_EXCHANGE}, then {@link #ENDED}. */
        private volatile int exchangeCount;
        /**
         * The outcome the exchange hands to its ASYNC dispatch, which reads it through the request's attribute the
         * exchange's thread set after it (and the container's dispatch after that).
         */
        @Nullable Object outcome;

        /**
         * @param answers where the dispatch is counted
         * @param handedOn the count held by the exchange whose outcome this ASYNC dispatch answers, which it takes
         *     over unless the exchange's thread ended it first (then it is counted anew); {@code null} for none
         */
        CountedDispatch(PendingAnswers answers, @Nullable CountedDispatch handedOn) {
            if (handedOn != null && EXCHANGE_COUNT.compareAndSet(handedOn, HELD_BY_EXCHANGE, ENDED)) {
                // The proxy's that counted it, which destroy() waits on (it may have let go of that proxy since).
                this.answers = handedOn.answers;
            } else {
                this.answers = answers;
                answers.add();
            }
        }

        /** Counts the dispatch answered, once, however many times it is called. */
        void uncount() {
            if (counted) {
                counted = false;
                answers.remove();
            }
        }

        /**
         * Leaves the count, as it is, to the asynchronous exchange the dispatch started, which ends it once its answer
         * is written or handed to an ASYNC dispatch, unless that dispatch took it over: one request, one count, where
         * the dispatch's and the exchange's both counted it until the dispatch returned. The dispatch must write
         * nothing after this: {@code destroy()} may return as soon as the exchange is answered.
         */
        void handOver() {
            counted = false;
            exchangeCount = HELD_BY_EXCHANGE;
        }

        /** Ends the count the exchange holds ({@link #handOver()}), unless its ASYNC dispatch took it over. */
        void endExchangeCount() {
            if (EXCHANGE_COUNT.compareAndSet(this, HELD_BY_EXCHANGE, ENDED)) {
                answers.remove();
            }
        }
    }

    /**
     * A configured proxy: the transport and how failures are answered. Immutable, but for the mark that it is
     * being stopped.
     *
     * <p>With Jetty's client ({@link ProxyTransport#JETTY}) one {@link JettyForwarder} makes every attempt.
     * Otherwise one JDK client does, the servlet's own or one given to the builder. Request bodies are read with
     * blocking servlet I/O on threads of the proxy's own ({@link #bodyReads}), so a slow uploader holds one of
     * them and nothing else. The servlet's own client parses responses on its {@link ClientTaskExecutor}, never on
     * its only selector thread, which one response the JDK's parser loops on (a chunk size of 2^31 or more) would
     * stop for every later exchange.
     *
     * <p>A class, not a record: a record's generated methods would link {@link JettyForwarder}, which must
     * stay unloaded when {@code jetty-client} is absent (and which cannot even be verified without Jetty's jars: on
     * Tomcat, only {@link JettyClientPresence} may be asked).
     */
    private static final class Proxy {
        final UpstreamGuard guard;
        final ErrorResponder responder;
        final @Nullable JettyForwarder jetty;
        /** The JDK transport's client, for requests with and without a body; {@code null} with Jetty's. */
        final @Nullable GuardedHttpClient jdk;
        /** {@code max-response-header-size}, which the JDK transport's body handlers check heads against. */
        private final int maxResponseHeaderSize;
        private final Duration bodyIdleTimeout;
        /** Where a JDK body's reader asks for more, or {@code null} for on its own thread. */
        private final @Nullable Executor demands;
        /** The executor of the JDK transport's own client; {@code null} with Jetty's or a client given. */
        final @Nullable ExecutorService ownExecutor;
        /**
         * Where the JDK transport's blocking reads of request bodies run: threads of their own, made with the
         * servlet's own client or for a client given; {@code null} without JDK clients.
         */
        final @Nullable ThreadPoolExecutor bodyReads;
        /** This proxy's name in {@code Via}, by which it recognises a request that came back to it. */
        final String pseudonym;
        /** Its endpoints, for {@code Location} fields that point at one. */
        final UpstreamLocations locations;
        /**
         * The exchanges not answered yet, which {@code destroy()} waits for: those forwarded asynchronously, and the
         * dispatches in service, which answer on their container threads, but for a relay that {@code destroy()}
         * cannot end (the JDK transport's on Java 17) once its response is committed ({@link CountedDispatch}). One
         * count a request: an asynchronous exchange takes over the count of the dispatch that started it, and the
         * ASYNC dispatch that answers its outcome takes it over in turn, unless the exchange's thread ended it first.
         */
        final PendingAnswers pendingAnswers = new PendingAnswers();
        /** Whether {@link #stop()} was called: the servlet is being destroyed under the calls in flight. */
        volatile boolean stopping;
        /**
         * Whether {@link #stop()} stops the proxy's own clients, so that what fails in flight from then on is its
         * doing: Jetty's client, or the JDK's from Java 21 on. On Java 17 the JDK's go on: the exchanges waiting for
         * a head are cut off all the same ({@link StoppableHttpClient#cutOffExchanges()}), but their relays go on.
         */
        volatile boolean stoppingClients;

        private Proxy(UpstreamGuard guard, ErrorResponder responder, @Nullable JettyForwarder jetty,
                @Nullable GuardedHttpClient jdk, int maxResponseHeaderSize, Duration bodyIdleTimeout,
                @Nullable Executor demands, @Nullable ExecutorService ownExecutor,
                @Nullable ThreadPoolExecutor bodyReads, String pseudonym) {
            this.pseudonym = pseudonym;
            this.locations = UpstreamLocations.of(guard.config().endpoints());
            this.guard = guard;
            this.responder = responder;
            this.jetty = jetty;
            this.jdk = jdk;
            this.maxResponseHeaderSize = maxResponseHeaderSize;
            this.bodyIdleTimeout = bodyIdleTimeout;
            this.demands = demands;
            this.ownExecutor = ownExecutor;
            this.bodyReads = bodyReads;
        }

        static Proxy create(UpstreamGuard guard, ProxyTransport transport, @Nullable HttpClient httpClient,
                @Nullable SSLContext sslContext, Duration connectTimeout, Duration bodyIdleTimeout,
                Duration clientIdleTimeout, Duration poolIdleTimeout, int maxResponseHeaderSize, int maxConnections,
                ErrorResponder responder) {
            String pseudonym = ProxyHeaders.pseudonym();
            if (httpClient != null) {
                if (transport == ProxyTransport.JETTY) {
                    throw new IllegalArgumentException("ReverseProxyServlet for upstream " + guard.name() + ": an "
                            + "httpClient(java.net.http.HttpClient) is a JDK client, but the transport is JETTY");
                }
                if (sslContext != null) {
                    // Ignored, it would leave the upstream's certificate checked against other trust than configured.
                    throw new IllegalArgumentException("ReverseProxyServlet for upstream " + guard.name() + ": "
                            + "sslContext(SSLContext) is for the servlet's own clients; the httpClient(HttpClient) "
                            + "given has its own: set it there");
                }
                String unfit = unfitForProxying(httpClient);
                if (unfit != null) {
                    throw new IllegalArgumentException("ReverseProxyServlet for upstream " + guard.name() + ": the "
                            + "httpClient(HttpClient) given " + unfit + "; build it with followRedirects(NEVER), the "
                            + "default, and without a cookieHandler or an authenticator");
                }
                GuardedHttpClient client = GuardedHttpClient.of(httpClient, guard);
                // Threads of its own for the body reads, which must not run in the client's write loop: never
                // stopped, since the servlet may be initialised again with the client, so they end soon when idle.
                ThreadPoolExecutor bodyReads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
                        new SynchronousQueue<>(), DaemonThreads.named("error-pages-proxy-" + guard.name() + "-body"));
                return new Proxy(guard, responder, null, client, maxResponseHeaderSize, bodyIdleTimeout, null, null,
                        bodyReads, pseudonym);
            }
            if (useJetty(transport, guard.name())) {
                JettyForwarder jetty = startJetty(guard, transport, connectTimeout, bodyIdleTimeout, clientIdleTimeout,
                        poolIdleTimeout, maxResponseHeaderSize, maxConnections, pseudonym, sslContext);
                if (jetty != null) {
                    return new Proxy(guard, responder, jetty, null, maxResponseHeaderSize, bodyIdleTimeout, null,
                            null, null, pseudonym);
                }
            }
            SSLContext tls = UpstreamTlsContext.of(guard, sslContext); // before anything is started
            // One client, whose responses are parsed on its executor's threads, never on its only selector thread:
            // the JDK's chunked-body parser loops for ever on a chunk size of 2^31 or more (JDK 17 to 25), which on
            // the selector thread stopped every later exchange of the client; on an executor's thread it costs that
            // thread, and the executor replaces it (ClientTaskExecutor).
            ExecutorService clientTasks = new ClientTaskExecutor(CLIENT_TASK_THREADS, CLIENT_TASK_STUCK_AFTER,
                    DaemonThreads.named("error-pages-proxy-" + guard.name() + "-client"));
            // The blocking reads of request bodies, which must not run in the client's write loop.
            // (A cached thread pool, as Executors makes one, typed so that stop() can end its idle threads.)
            ThreadPoolExecutor bodyReads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), DaemonThreads.named("error-pages-proxy-" + guard.name() + "-body"));
            StoppableHttpClient own = new StoppableHttpClient(ownClient(connectTimeout, clientTasks, tls),
                    !JDK_CLIENTS_STOP);
            GuardedHttpClient client;
            try {
                client = GuardedHttpClient.of(own, guard);
            } catch (RuntimeException refused) {
                // Nothing holds what was started for a servlet that cannot start, nor stops it: stopped here. No
                // exchange has used the executors.
                shutDownNow(own.client());
                clientTasks.shutdown();
                bodyReads.shutdown();
                throw refused;
            }
            // The copying container thread asks for the body's next bytes through the executor too: the client
            // parses what has arrived within the request, and a loop there would hold the container thread for good.
            return new Proxy(guard, responder, null, client, maxResponseHeaderSize, bodyIdleTimeout, clientTasks,
                    clientTasks, bodyReads, pseudonym);
        }

        /** @return the body handler of one call to the upstream for the client of {@code request} */
        HeadCheckingHandler bodyHandler(HttpServletRequest request) {
            return new HeadCheckingHandler(request, maxResponseHeaderSize, locations, bodyIdleTimeout, demands);
        }

        /**
         * Checks a response head, as it will be relayed to the client of {@code request}, then makes its body's
         * subscriber. A bug the check throws (it reads the client's request, and a filter's wrapper of it may throw
         * off its thread) goes into {@link #bug}, the head taken as it is, for the servlet to throw once the call
         * returned: thrown here, the guard took it for an attempt's bug and recorded nothing, where the upstream
         * answered fine (the Jetty transport records a success). Each attempt's check clears it.
         *
         * <p>Static, holding only what the check needs: the JDK's client keeps the handler of an exchange it is done
         * with (a pooled connection's last one) reachable from its selector, which must reach nothing of the proxy's
         * clients (see {@link StoppableHttpClient}).
         */
        static final class HeadCheckingHandler implements BodyHandler<IdleTimeoutBodySubscriber.Body> {
            private final HttpServletRequest request;
            private final int maxResponseHeaderSize;
            private final UpstreamLocations locations;
            private final Duration bodyIdleTimeout;
            private final @Nullable Executor demands;
            /** Set on the client's thread, read by the servlet's once the call returned. */
            volatile @Nullable Throwable bug;

            HeadCheckingHandler(HttpServletRequest request, int maxResponseHeaderSize, UpstreamLocations locations,
                    Duration bodyIdleTimeout, @Nullable Executor demands) {
                this.request = request;
                this.maxResponseHeaderSize = maxResponseHeaderSize;
                this.locations = locations;
                this.bodyIdleTimeout = bodyIdleTimeout;
                this.demands = demands;
            }

            @Override
            public HttpResponse.BodySubscriber<IdleTimeoutBodySubscriber.Body> apply(HttpResponse.ResponseInfo info) {
                bug = null;
                UpstreamFailureException problem;
                try {
                    problem = ResponseHeadCheck.problem(info.statusCode(), info.headers().map(),
                            maxResponseHeaderSize, request.getProtocol(),
                            (name, value) -> ProxyHeaders.relayedTowardClient(name, value, locations, request));
                } catch (RuntimeException | Error thrown) {
                    bug = thrown;
                    problem = null;
                }
                return problem != null ? ResponseHeadCheck.refusal(problem)
                        : new IdleTimeoutBodySubscriber(bodyIdleTimeout, demands);
            }
        }

        /**
         * What makes a JDK client unfit to forward for many clients, as the servlet's own clients and Jetty's are
         * configured not to: it would answer for the client in the upstream's place, or mix clients up.
         */
        private static @Nullable String unfitForProxying(HttpClient client) {
            if (client.followRedirects() != HttpClient.Redirect.NEVER) {
                return "follows redirects (" + client.followRedirects() + "): it would fetch what an upstream's "
                        + "redirect points at, on any host, and answer the client with that";
            }
            if (client.cookieHandler().isPresent()) {
                return "keeps cookies: it would send one client's cookies with every other client's requests";
            }
            if (client.authenticator().isPresent()) {
                return "has an authenticator: it would answer an upstream's 401 with the gateway's credentials, "
                        + "for any client";
            }
            return null;
        }

        /**
         * Starts Jetty's client, or says why it cannot run where the versions of Jetty's jars checked out but their
         * classes still do not fit together ({@link JettyClientPresence} reads the versions jars declare).
         *
         * @return the started forwarder, or {@code null} for the JDK transport instead ({@code auto})
         */
        private static @Nullable JettyForwarder startJetty(UpstreamGuard guard, ProxyTransport transport,
                Duration connectTimeout, Duration bodyIdleTimeout, Duration clientIdleTimeout, Duration poolIdleTimeout,
                int maxResponseHeaderSize, int maxConnections, String pseudonym, @Nullable SSLContext sslContext) {
            try {
                return JettyForwarder.start(guard, connectTimeout, bodyIdleTimeout, clientIdleTimeout,
                        poolIdleTimeout, maxResponseHeaderSize, maxConnections, pseudonym, sslContext);
            } catch (LinkageError unfit) {
                String why = "the Jetty classes on the class path do not fit together (" + unfit + ")";
                if (transport == ProxyTransport.JETTY) {
                    throw new IllegalArgumentException("Invalid error-pages configuration: " + TRANSPORT_PARAMETER
                            + " must be auto or jdk when " + why + ", but was jetty", unfit);
                }
                log.warn("ReverseProxyServlet for upstream {} forwards with the JDK's HttpClient: {}", guard.name(),
                        why);
                return null;
            }
        }

        private static boolean useJetty(ProxyTransport transport, String upstream) {
            if (transport == ProxyTransport.JDK) {
                return false; // nothing of Jetty's is looked at, nor needed
            }
            String unusable = JettyClientPresence.unusableBecause(ReverseProxyServlet.class.getClassLoader());
            if (unusable == null) {
                return true;
            }
            if (transport == ProxyTransport.JETTY) {
                throw new IllegalArgumentException("Invalid error-pages configuration: " + TRANSPORT_PARAMETER
                        + " must be auto or jdk when " + unusable + ", but was jetty");
            }
            if (!unusable.equals(JettyClientPresence.ABSENT)) {
                log.warn("ReverseProxyServlet for upstream {} forwards with the JDK's HttpClient: {}", upstream,
                        unusable);
            }
            return false;
        }

        /** The same proxy without its clients, to answer the exchanges in flight when it was stopped. */
        Proxy withoutClients() {
            return new Proxy(guard, responder, null, null, maxResponseHeaderSize, bodyIdleTimeout, null, null, null,
                    pseudonym);
        }

        /** @return whether this proxy has no clients: it answers, but forwards nothing ({@link #withoutClients}) */
        boolean isStopped() {
            return jetty == null && jdk == null;
        }

        /** @return whether this proxy's clients are its own, which it stops: Jetty's, or the JDK's it built */
        boolean hasOwnClients() {
            return jetty != null || ownExecutor != null;
        }

        void stop() {
            stoppingClients = jetty != null || ownExecutor != null && JDK_CLIENTS_STOP;
            stopping = true;
            if (jetty != null) {
                jetty.stop();
            }
            if (ownExecutor != null) {
                // The servlet's own JDK clients (an application's own client is the application's to stop).
                StoppableHttpClient own = (StoppableHttpClient) Objects.requireNonNull(jdk).httpClient();
                // First: a retry must not reach the stopped client, whose refusal blamed the upstream, nor (Java 17)
                // the client let go of below.
                own.refuseSends();
                boolean stopped = shutDownNow(own.client());
                if (!stopped) {
                    // Java 17: the exchanges waiting for their upstream's answer are ended here, as stopping the
                    // client ends them from Java 21 on. Left to run, they waited for a stalled upstream until their
                    // attempt timed out, holding their container threads, and ended as its 504, counted against
                    // a breaker other servlets may share. (A relay under way goes on.)
                    own.cutOffExchanges();
                }
                // Then nothing of the gateway's holds the client: an exchange its selector kept reaches the proxy's
                // objects through its body handler, and from them a client still held was never released, nor the
                // application's class loader (StoppableHttpClient). On Java 17, which cannot stop it, the client
                // stops once collected, after its exchanges in flight.
                own.letGo();
                // What a Java 17 client still does (a relay under way, the end of an exchange cut off) is handed
                // off to the JDK's pool once this one is shut down (ClientTaskExecutor): none of its threads outlives
                // the servlet.
                ownExecutor.shutdown();
                ThreadPoolExecutor reads = Objects.requireNonNull(bodyReads);
                if (stopped) {
                    reads.shutdown(); // made with the client, for it
                } else {
                    // Java 17: its threads end now, or, reading an upload, once the read returned, rather than stay
                    // their idle minute after the servlet. (The client relays a response only once its request body
                    // was sent: an upload in flight is an exchange waiting for its head, cut off above, whose read
                    // ends with the page its container thread answers, stopReading.) Not shut down: a request in
                    // service as the servlet is destroyed still reads through it a body the guard buffers, then is
                    // refused as cut off (503), where a read the pool refused would fail the call as a bug (500).
                    reads.setKeepAliveTime(1, TimeUnit.NANOSECONDS);
                }
            }
        }

        /**
         * Says, before {@link #stop()} cuts them off, how many requests are still being answered: each then gets the
         * 503 page with its WARN line, {@code cause=connection_limit_reached attempts=1 retry_refused=not_retryable}
         * for one cut off waiting for the upstream, which is the undeploy's doing, not a full bulkhead's nor the
         * upstream's. Without this line a burst of those at every deploy looked like an overload. A WARN line, as
         * theirs are: a log kept at WARN, where the burst shows, shows what explains it too. On Java 17 the count also
         * holds the JDK transport's relays whose response is not committed yet, which are not cut off: they go on (a
         * 200 may follow), and are counted only for a page written should the upstream fail before the commit; the
         * line says so there, where it said every one was cut off. (Once committed, such a relay is not counted.)
         */
        void logCutOff() {
            int inFlight = pendingAnswers.count();
            if (inFlight > 0) {
                boolean relaysGoOn = jetty == null && !JDK_CLIENTS_STOP;
                log.warn("ReverseProxyServlet for upstream {} destroyed with {} requests in flight: each is cut off, "
                        + "answered with the 503 page unless its answer had started (cause=connection_limit_reached: "
                        + "the undeploy's doing, not counted against the upstream){}", guard.name(), inFlight,
                        relaysGoOn ? "; on Java 17 a relay not committed yet goes on instead" : "");
            }
        }

        /**
         * Waits a little for the answers of the exchanges {@link #stop()} cut off: each is written on the thread
         * that completes it, which must happen before the container stops the application's class loader.
         */
        void awaitPendingAnswers() {
            try {
                int unanswered = pendingAnswers.awaitNone(PENDING_ANSWERS_LIMIT);
                if (unanswered > 0) {
                    log.warn("ReverseProxyServlet for upstream {} destroyed with {} forwarded requests not answered "
                            + "after {} ms", guard.name(), unanswered, PENDING_ANSWERS_LIMIT.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Stops a JDK client: its selector thread and its pooled connections to the upstream, which otherwise
         * outlived the servlet (and kept its class loader) until the upstream closed them. {@code shutdownNow()}
         * is Java 21's; on 17 the client stops once collected, which nothing of a destroyed servlet's holds it from
         * once {@link StoppableHttpClient#letGo()} was called.
         *
         * @return whether it was stopped
         */
        private static boolean shutDownNow(HttpClient client) {
            if (!JDK_CLIENTS_STOP) {
                return false; // collected instead
            }
            try {
                HttpClient.class.getMethod("shutdownNow").invoke(client);
                return true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.debug("Could not stop the HTTP client of a destroyed proxy", e);
                return false;
            }
        }

        private static HttpClient ownClient(Duration connectTimeout, Executor executor, SSLContext sslContext) {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER) // redirects are the client's to follow
                    // Straight to the endpoints, as Jetty's client goes: not through a forward proxy of the JVM's
                    // (http.proxyHost, https.proxyHost), which the default ProxySelector reads on every request.
                    .proxy(HttpClient.Builder.NO_PROXY)
                    .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade attempts on plain http
                    .executor(executor);
            builder.sslContext(sslContext); // not the JVM's default, which the client would make for plain http too
            // The client's selector thread starts here and keeps the context class loader it finds: a web
            // application's, Tomcat warned at each undeploy of a thread the application started and did not stop
            // (on Java 17, which cannot stop the client: it ends once collected). It loads nothing of the
            // application's.
            Thread building = Thread.currentThread();
            ClassLoader application = building.getContextClassLoader();
            try {
                building.setContextClassLoader(ClassLoader.getPlatformClassLoader());
            } catch (SecurityException notGranted) {
                return builder.build(); // a security manager's policy without setContextClassLoader: as it is
            }
            try {
                return builder.build();
            } finally {
                building.setContextClassLoader(application);
            }
        }
    }

    /**
     * Builds a configured {@link ReverseProxyServlet}. Not thread-safe; each method checks its value at once.
     *
     * @since 0.1.0
     */
    public static final class Builder extends PageSettingsBuilder<Builder> {
        private final UpstreamGuard guard;
        private @Nullable HttpClient httpClient;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration bodyIdleTimeout = DEFAULT_BODY_IDLE_TIMEOUT;
        private Duration clientIdleTimeout = DEFAULT_CLIENT_IDLE_TIMEOUT;
        private ProxyTransport transport = ProxyTransport.AUTO;
        private int maxResponseHeaderSize = DEFAULT_MAX_RESPONSE_HEADER_SIZE;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Duration poolIdleTimeout = DEFAULT_POOL_IDLE_TIMEOUT;
        private @Nullable String proxyStatus;
        private @Nullable SSLContext sslContext;

        private Builder(UpstreamGuard guard) {
            this.guard = Objects.requireNonNull(guard, "guard");
        }

        /**
         * Sets the JDK HTTP client that makes the attempts, which selects {@link ProxyTransport#JDK}. Default:
         * clients of the servlet's own (see {@link #transport(ProxyTransport)}); with the JDK transport two,
         * HTTP/1.1, with {@link #connectTimeout(Duration)}, no redirects followed and no proxy (not the JVM's
         * {@code http.proxyHost}, as Jetty's client does not use it either). Requests without a body go
         * through one that runs its tasks on the threads that trigger them, so no exchange waits for a pool
         * thread; requests with a body through one whose pool of daemon threads, which {@code destroy()} ends,
         * reads the uploads. A client given here makes every attempt, on its own executor, and is the caller's
         * to configure and to close; as a proxy's client it must follow no redirects ({@code Redirect.NEVER}, the
         * default) and have no cookie handler and no authenticator, which {@link #build()} checks. One built
         * without a {@code proxy(...)}, as {@link HttpClient#newHttpClient()} is, takes the JVM's default
         * {@code ProxySelector}, which sends every forwarded request through a forward proxy the JVM is configured
         * with ({@code http.proxyHost}, {@code https.proxyHost}): build it with
         * {@code proxy(HttpClient.Builder.NO_PROXY)} unless that is meant. One that speaks HTTP/2 to an upstream
         * (its default {@code version()}, over TLS with ALPN) sends every request to it over one connection, and
         * holds up to the stream window ({@code jdk.httpclient.windowsize}, 16 MiB) of each response its client has
         * not taken: a few clients that read slowly fill the connection's window
         * ({@code jdk.httpclient.connectionWindowSize}, 32 MiB) and stall every other response on it, which then
         * ends at {@code body-idle-timeout} as the upstream's 504. In front of downloads or slow clients, build it
         * with {@code version(HttpClient.Version.HTTP_1_1)}, as the servlet's own clients are.
         *
         * @param httpClient the client
         * @return this builder
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * Sets the TLS context of the servlet's own clients, for {@code https} endpoints, with either transport: its
         * trust managers decide which upstream certificates are trusted (an internal certificate authority), its key
         * managers which certificate the gateway presents (mutual TLS). Host names are verified against the
         * certificate either way. Default: the JVM's default context ({@link SSLContext#getDefault()}, which the
         * {@code javax.net.ssl.*} system properties configure; the only way for a servlet configured by
         * init-parameters), made only when an endpoint is {@code https}: a JVM whose default cannot be made fails
         * the start of such a servlet only. An upstream whose certificate is not trusted fails with
         * {@code tls_certificate_error}.
         *
         * @param sslContext an initialised context
         * @return this builder
         * @see #httpClient(HttpClient) which brings its own context instead: the two cannot be combined
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * Sets the HTTP client library that forwards (init-parameter {@value #TRANSPORT_PARAMETER}). Default
         * {@link ProxyTransport#AUTO}: Jetty's client when {@code org.eclipse.jetty:jetty-client} 12.1 is on the
         * class path, else the JDK's. {@link #httpClient(HttpClient)} implies {@link ProxyTransport#JDK}.
         *
         * @param transport the transport
         * @return this builder
         * @throws IllegalArgumentException if {@code transport} is {@link ProxyTransport#JETTY} and
         *     {@code jetty-client} 12.1 is not on the class path (absent, another version, or without a Jetty jar it
         *     needs)
         */
        public Builder transport(ProxyTransport transport) {
            Objects.requireNonNull(transport, "transport");
            String unusable = transport == ProxyTransport.JETTY
                    ? JettyClientPresence.unusableBecause(ReverseProxyServlet.class.getClassLoader()) : null;
            if (unusable != null) {
                throw new IllegalArgumentException("ProxyTransport.JETTY needs org.eclipse.jetty:jetty-client 12.1 on "
                        + "the class path: " + unusable);
            }
            this.transport = transport;
            return this;
        }

        /**
         * Sets the connect timeout of the servlet's own clients (init-parameter
         * {@value #CONNECT_TIMEOUT_PARAMETER}): the longest a new connection to the upstream may take, its TLS
         * handshake included; one that takes longer fails the attempt with {@code connection_timeout}. Default
         * {@link #DEFAULT_CONNECT_TIMEOUT}. Ignored when {@link #httpClient(HttpClient)} is set.
         *
         * @param timeout at least a millisecond, at most {@link #MAX_CONNECT_TIMEOUT}
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond or longer than
         *     {@link #MAX_CONNECT_TIMEOUT}
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout(CONNECT_TIMEOUT_PARAMETER, Objects.requireNonNull(timeout, "timeout"),
                    MAX_CONNECT_TIMEOUT);
            return this;
        }

        /**
         * Sets the longest wait for the next part of a response body (init-parameter
         * {@value #BODY_IDLE_TIMEOUT_PARAMETER}); a stalled body then counts as a read timeout. Only the upstream's
         * time counts: how long the client may take nothing of the body is {@link #clientIdleTimeout(Duration)}.
         * Default {@link #DEFAULT_BODY_IDLE_TIMEOUT}.
         *
         * <p>A stream (an event stream, ndjson: see the class documentation) is quiet between its records for as long
         * as nothing happens, and one whose client left looks the same: the proxy learns of that only when it writes.
         * A stream quiet this long after a record's end (an event's empty line, an ndjson line's end; any point of a
         * stream whose records are not read, as gRPC-Web's or a compressed one's) counts nothing against the
         * upstream, and its upstream connection is closed. An event stream that answers a GET, without a
         * {@code Content-Length} or a {@code Content-Encoding}, is then ended as a whole response, and a browser's
         * {@code EventSource} reconnects (sending {@code Last-Event-ID}); any other stream's response is aborted (a
         * chat's reply read with {@code fetch} is asked by nothing again, and must not look complete). Where that is
         * unwanted, have the upstream send a heartbeat more often than this (an event stream's comment line
         * {@code ":"}), or raise it. A stream that stalls within a record counts as a read timeout, its response
         * aborted.
         *
         * @param timeout at least a millisecond, at most {@link #MAX_BODY_IDLE_TIMEOUT}
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond or longer than
         *     {@link #MAX_BODY_IDLE_TIMEOUT}
         */
        public Builder bodyIdleTimeout(Duration timeout) {
            this.bodyIdleTimeout = timeout(BODY_IDLE_TIMEOUT_PARAMETER, Objects.requireNonNull(timeout, "timeout"),
                    MAX_BODY_IDLE_TIMEOUT);
            return this;
        }

        /**
         * Sets the longest a part of a response body the Jetty transport relays may wait for the client to take it
         * (init-parameter {@value #CLIENT_IDLE_TIMEOUT_PARAMETER}); the next part is not asked of the upstream
         * meanwhile. The container tells when a write was taken whole, not how much of it, and it is taken only
         * when the socket can take more, which Linux says once the client has read a good part of the socket's send
         * buffer (grown up to 4 MiB by default): a steady but slow client can be cut off too (measured with the
         * default: one reading 8 KB/s, on Undertow; see docs/configuration.md). The client's response is then
         * aborted (an HTTP/2 stream reset), and the upstream's connection closed, one of {@code max-connections};
         * nothing counts against the upstream. The container's own idle timeout may end the wait sooner; Tomcat
         * bounds no such wait over HTTP/2 (a stream whose window stays shut). (With the JDK transport the body is
         * written blocking, which the container's write timeout bounds: Undertow has none by default.) Default
         * {@link #DEFAULT_CLIENT_IDLE_TIMEOUT}.
         *
         * @param timeout at least a millisecond, at most {@link #MAX_CLIENT_IDLE_TIMEOUT}
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond or longer than
         *     {@link #MAX_CLIENT_IDLE_TIMEOUT}
         */
        public Builder clientIdleTimeout(Duration timeout) {
            this.clientIdleTimeout = timeout(CLIENT_IDLE_TIMEOUT_PARAMETER, Objects.requireNonNull(timeout, "timeout"),
                    MAX_CLIENT_IDLE_TIMEOUT);
            return this;
        }

        /**
         * Sets the largest upstream response head the servlet relays, in bytes (init-parameter
         * {@value #MAX_RESPONSE_HEADER_SIZE_PARAMETER}): the status line and the header fields, each with its line end,
         * as relayed (the URIs of a {@code Location} rewritten, the hosts of a {@code Via} hidden, which can make a
         * field longer than received); for an HTTP/2 client, as HTTP/2 counts a field section: name and value plus 32
         * bytes per field (RFC 9113 §6.5.2), what its clients limit with {@code SETTINGS_MAX_HEADER_LIST_SIZE}, by
         * default 8 KiB for Jetty's {@code HTTP2Client}, Netty's and gRPC's (over it, Jetty's HTTP/2 server ends the
         * client's whole connection). Default {@link #DEFAULT_MAX_RESPONSE_HEADER_SIZE}. A larger head fails the
         * attempt with {@code http_response_header_section_size} and is answered with the 502 page; none of it is
         * relayed, and the circuit breaker does not count it (a local limit). The HTTP client stops reading a head at a
         * limit of its own (Jetty's: 384 KiB, or twice this one if that is more; the JDK's:
         * {@code jdk.http.maxHeaderSize}, 384 KiB by default since JDK 17.0.12 and 21.0.4, none before), so an upstream
         * that sends fields without end cannot fill the memory. Keep it about 1 KiB below the container's own
         * response-header limit, for the fields the container and the application's filters add; the container would
         * otherwise answer an oversized head with its own 500. Raise both together.
         *
         * @param bytes at least 256
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is less than 256
         */
        public Builder maxResponseHeaderSize(int bytes) {
            this.maxResponseHeaderSize = headerSize(MAX_RESPONSE_HEADER_SIZE_PARAMETER, bytes);
            return this;
        }

        /**
         * Sets the most connections Jetty's client opens to each endpoint (init-parameter {@value
         * #MAX_CONNECTIONS_PARAMETER}). Default {@link #DEFAULT_MAX_CONNECTIONS}. A connection stays busy until its
         * response body ends, after the guard's bulkhead let the attempt of an asynchronous request go at its response
         * head, so long bodies in flight (downloads, event streams, slow clients) can hold them all; a further request
         * then waits for one. One whose attempt timeout passes while it waits, or that finds Jetty's queue of waiting
         * requests full (1024 per endpoint), is answered with 503 {@code connection_limit_reached}, and the circuit
         * breaker does not count it: the upstream never saw the request (a rejected call, 0 attempts; a retry held
         * back so is lost, and the call fails as its previous attempt did). So is one whose time runs out while a
         * connection is opened in place of a busy one that closed, unless that connect was under way for what an
         * attempt needs (below): only then is it a connect timeout. The attempt's time includes the wait: one
         * sent after it with less left than an attempt needs ({@code min-attempt-timeout}, at most half the attempt's
         * time), whose response head is then late, is answered so too, not counted (an attempt made); one sent with
         * more left is the upstream's to answer in the rest. Ignored by {@link ProxyTransport#JDK}: the JDK's client
         * has no limit of connections.
         *
         * @param connections at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code connections} is less than 1
         */
        public Builder maxConnections(int connections) {
            this.maxConnections = connections(MAX_CONNECTIONS_PARAMETER, connections);
            return this;
        }

        /**
         * Sets the longest Jetty's client keeps a connection to an endpoint open, unused, for a next request
         * (init-parameter {@value #POOL_IDLE_TIMEOUT_PARAMETER}); a response whose {@code Keep-Alive} field names a
         * shorter {@code timeout} has its connection closed a second (half of a timeout under 2 s) before that, and
         * {@code timeout=0} at once. Default {@link #DEFAULT_POOL_IDLE_TIMEOUT}.
         *
         * <p>Keep it below the upstream's own keep-alive timeout (Node.js, Apache httpd and uvicorn 5 s, gunicorn
         * 2 s, Puma 20 s, Tomcat 20 or 60 s, Jetty 30 s, nginx 75 s) and any idle timeout of a load balancer between
         * the two (AWS ALB 60 s). A request that crosses an upstream's close of its idle connection fails before any
         * response, with {@code connection_terminated}: a GET is sent again (it is idempotent, R13), but a POST, which
         * the upstream might have taken, is answered with the 502 page. Where the upstream closes first, a few such
         * POSTs in a hundred sent about when it closes fail (measured on loopback); where the client does, none. A
         * shorter time costs a new connection (a TCP handshake, over TLS a TLS one too) for a request that follows
         * a longer pause.
         *
         * <p>Ignored by {@link ProxyTransport#JDK}: the JDK's client keeps an idle connection for
         * {@code jdk.httpclient.keepalive.timeout} seconds, a system property of the whole JVM, read once (by default
         * 1200 s on JDK 17, 30 s on JDK 25), and reads no {@code Keep-Alive} field; set it below the
         * upstream's keep-alive timeout on the command line ({@code -Djdk.httpclient.keepalive.timeout=4}).
         *
         * @param timeout at least a millisecond, at most {@link #MAX_POOL_IDLE_TIMEOUT}
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is shorter than a millisecond or longer than
         *     {@link #MAX_POOL_IDLE_TIMEOUT}
         */
        public Builder poolIdleTimeout(Duration timeout) {
            this.poolIdleTimeout = timeout(POOL_IDLE_TIMEOUT_PARAMETER, Objects.requireNonNull(timeout, "timeout"),
                    MAX_POOL_IDLE_TIMEOUT);
            return this;
        }

        /**
         * Makes the servlet name itself in a {@code Proxy-Status} field (RFC 9209; init-parameter
         * {@value #PROXY_STATUS_PARAMETER}) on every response it answers for a failure, page or
         * {@code robots.txt} fallback: {@code edge; error=connection_timeout} with the error type of the failure's
         * cause ({@code code} in the JSON page, {@code cause=} in the log line), and {@code ; received-status=503}
         * when the upstream answered with a status; for an upstream's 5xx, which is the upstream's answer rather
         * than an error of the gateway, {@code edge; received-status=503} alone. The field never carries
         * {@code next-hop} or {@code details} (RFC 9209 §4: they tell clients about the hosts behind the gateway).
         * Default: none, no field. Responses relayed from the upstream are passed on as they are, its own
         * {@code Proxy-Status} included. Only a gateway may send the field, so {@link ErrorPagesFilter}, in front
         * of an application that is the origin, never does.
         *
         * @param name a letter followed by at most 63 letters, digits, {@code .}, {@code _} or {@code -}, such
         *     as {@code edge-gateway}; not a host name that should stay internal. Blank: none, as the
         *     init-parameter's blank value
         * @return this builder
         * @throws IllegalArgumentException naming the parameter and the value if {@code name} is neither such a
         *     name nor blank
         * @throws NullPointerException if {@code name} is null
         */
        public Builder proxyStatus(String name) {
            this.proxyStatus = Objects.requireNonNull(name, "name").isBlank() ? null
                    : ProxyStatusField.name(PROXY_STATUS_PARAMETER, name);
            return this;
        }

        /**
         * @return a configured servlet; the container still calls {@code init}, which must get no
         *     init-parameters, and {@code destroy}, which stops the servlet's own clients
         * @throws IllegalArgumentException if {@link #httpClient(HttpClient)} is set and the transport is
         *     {@link ProxyTransport#JETTY}, or {@link #sslContext(SSLContext)} is set too, or that client follows
         *     redirects, keeps cookies or has an authenticator
         * @throws IllegalStateException if Jetty's client does not start, or, with the JDK transport,
         *     {@code jdk.httpclient.enableAllMethodRetry} is on (a system property, or the JDK's
         *     {@code conf/net.properties}): the JDK's client would send a POST again on its own (see
         *     {@link GuardedHttpClient#of})
         */
        public ReverseProxyServlet build() {
            return new ReverseProxyServlet(Proxy.create(guard, transport, httpClient, sslContext, connectTimeout,
                    bodyIdleTimeout, clientIdleTimeout, poolIdleTimeout, maxResponseHeaderSize, maxConnections,
                    responder().forProxy(proxyStatus)));
        }
    }
}
