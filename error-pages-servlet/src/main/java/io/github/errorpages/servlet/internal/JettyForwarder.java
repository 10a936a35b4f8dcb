package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.CheckedBugs;
import io.github.errorpages.upstream.Attempt;
import io.github.errorpages.upstream.BodyOutcome;
import io.github.errorpages.upstream.ResponseAdapter;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import io.github.errorpages.upstream.internal.BodyFailures;
import io.github.errorpages.upstream.internal.CallsFailedBeforeAnyAttempt;
import io.github.errorpages.upstream.internal.IdempotencyKeys;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProtocolHandler;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.RedirectProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpConversation;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.client.transport.HttpExchange;
import org.eclipse.jetty.client.transport.HttpRequest;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards requests to one upstream with Jetty's non-blocking {@link HttpClient}, through the upstream's
 * {@link UpstreamGuard} ({@link UpstreamGuard#callAsync(UpstreamRequest, ResponseAdapter,
 * io.github.errorpages.upstream.AsyncUpstreamCall)}): the transport {@code ProxyTransport.JETTY} of
 * {@code ReverseProxyServlet}.
 *
 * <p>{@link Exchange#start()} starts the exchange and returns at once; the client's threads copy the response
 * head into the servlet response when it arrives and each part of the body as it arrives, then complete the
 * returned future. For an asynchronous request a body larger than the response buffer is written without
 * blocking ({@link NonBlockingResponseBody}: the next part is asked for once the client took the last, so a
 * slow reader holds no thread and at most one part), a smaller one straight into the buffer, and the head of a
 * response with neither body nor length ({@code HEAD}, 304) is sent without blocking too; for any other
 * request with blocking writes, as Jetty's own {@code ProxyServlet} makes them. Whatever must be answered
 * with a page (the call failed, or the body broke off) is handed back through that future, so that the
 * servlet writes it on a container thread, exactly as the JDK transport does.
 *
 * <p>Request bodies: a body of known length up to {@code retry.max-replay-body} that the guard may send again
 * ({@link UpstreamGuard#mayRetryAfterSending}, or {@code retry.on-connect-failure-for-unsafe}: over TLS the client
 * reads a body before a handshake that may fail) is read before the first attempt, on the calling thread, and
 * each attempt sends the copy. Any other body is streamed from the servlet request as the upstream client
 * asks for it: without blocking ({@link NonBlockingRequestBody}, a slow uploader holds no thread) when the
 * request is asynchronous, else with blocking reads on a thread of the forwarder's own ({@link BlockingRequestBody},
 * {@link BlockingReadsContent}: a slow uploader holds that thread, never one of the client's). It may be sent again
 * only while no attempt has asked for any of it, for example after a refused connection.
 *
 * <p>The client is configured as a proxy's must be: no redirects followed, no cookies kept, no content
 * decoding and no {@code Accept-Encoding} added, no authentication (a 401 or 407 passes through), no
 * {@code User-Agent} added, no {@code Content-Type} made up for a body that has none, and the method sent in
 * the case received ({@link ExactMethodRequest}). Interim 1xx responses are consumed by the client, which waits
 * for the final one ({@link InterimResponses}).
 *
 * <p>Timeouts: the attempt's timeout bounds the wait for the response head, and the client's connect timeout
 * a connect (when the attempt's timeout is the shorter, a timer of the attempt's own ends it a moment before
 * the guard would, to tell a connect timeout from a late head, and leaves a late head to the guard's timer, so the
 * upstream has the attempt's whole time); {@code body-idle-timeout} bounds the wait for
 * each next part of a body the proxy asked for: the time the client holds the last part does not count. One
 * sweep per forwarder, every quarter of {@code body-idle-timeout}, looks at the bodies under way (a response
 * costs an entry in a set, not a timer of its own), so a stall ends after 1 to 1.25 times the timeout. Jetty's
 * idle timeout of the exchange, which cannot tell the upstream's stall from the client's, is only a backstop.
 *
 * <p>Connections: at most {@code max-connections} to each endpoint. For an asynchronous request the guard's bulkhead
 * lets an attempt go when its response head arrives, but its connection stays busy until the body ends, so long bodies
 * (downloads, event streams, slow clients) can hold every connection, and a further request then waits in the client's
 * queue. An attempt whose time runs out while it waits there with every connection busy, or that the full queue
 * refuses, fails with {@code connection_limit_reached} (503): the gateway's own limit, which the breaker does not
 * count, and not a timeout of an upstream that never saw the request. So does one sent after such a wait that left
 * the upstream less than an attempt needs ({@code min-attempt-timeout}, at most half the attempt's time) and whose
 * response head is then late: the wait, not the upstream, took the time. A request that waits for a connection being
 * opened still fails with a connect timeout when that is late, unless the full pool held it back until that connect,
 * begun in place of a connection that closed, had less than an attempt needs ({@link ConnectTrackingClient}). A
 * request whose body is read with blocking I/O waits for a thread of the client's to send it, which may all be busy:
 * one that none took when the attempt's time is up is never sent, and fails with {@code connection_limit_reached} as
 * one the full pool held back; one taken so late that the upstream had less than an attempt needs is looked at as one
 * the full pool held back as long ({@code AttemptListener.head}, {@code takeHandOver}). The JDK
 * transport needs none of this: the JDK's client has no limit of connections, and opens one for each request that
 * finds none idle.
 *
 * <p>This class is used only when {@code jetty-client} 12.1 is on the class path ({@link JettyClientPresence}).
 * Thread-safe.
 */
public final class JettyForwarder {

    private static final Logger log = LoggerFactory.getLogger(JettyForwarder.class);

    /** The outcome of an exchange whose response is complete, or whose client went away. */
    private static final Object DONE = ExchangeOutcome.DONE;

    private static final ResponseAdapter<Response> RESPONSES = new JettyResponses();
    /**
     * How much sooner than the guard's timer an attempt's own looks at what is late, at most: it ends the attempt then
     * only when that is not the response head ({@code AttemptListener.timeAfter}).
     */
    private static final long TIMEOUT_MARGIN_MILLIS = 20;
    /**
     * Jetty's idle timeout of an exchange: a backstop only, longer than any attempt timeout (1 h at most) and
     * body-idle-timeout (24 h at most). A client that holds the body back is bounded by the container's own idle
     * timeout, which ends its response and with it the exchange.
     */
    private static final long EXCHANGE_IDLE_TIMEOUT_MILLIS = TimeUnit.HOURS.toMillis(25);

    /**
     * The largest request head forwarded, in bytes: the request line and the fields, the proxy's own added. Jetty's
     * client refuses to write a larger one (by default 8 KiB, the size of a container's limit for what it accepts:
     * a head just under that, with the forwarding fields added, was over it), and anything larger than its pooled
     * buffers (64 KiB) would be allocated anew for each request. A larger request is answered with 431.
     */
    public static final int MAX_FORWARDED_HEAD = 63 * 1024;
    /** Jetty's client's limit: room for the fields it adds itself, {@code Host} and the body's framing. */
    private static final int CLIENT_MAX_REQUEST_HEAD = 64 * 1024;
    /** The most of a discarded failure status's body drained to keep its connection: an error page's worth. */
    private static final long MAX_DRAINED_BYTES = 64 * 1024;
    /** The longest drain of a discarded failure status's body: one that trickles in is dropped after this. */
    private static final long MAX_DRAIN_MILLIS = 1000;
    /** {@link Exchange#relay}, claimed with a compare-and-set: no lock, and no object of its own each exchange. */
    private static final VarHandle RELAY;
    /** {@code AttemptListener.handOver}, taken with a compare-and-set by the send or withdrawn by the attempt's end. */
    private static final VarHandle HAND_OVER;
    /** {@code AttemptListener.lookingAhead}: a field set once rather than an object of its own each attempt. */
    private static final VarHandle LOOKING_AHEAD;
    /**
     * The claim of the response by the servlet's thread ({@link Exchange#takeResponseBack}), or for Tomcat's answer to
     * a body it refused ({@link Exchange#sendTomcatsRefusal}).
     */
    private static final Object ANSWERED_BY_THE_SERVLET = new Object();

    static {
        try {
            RELAY = MethodHandles.lookup().findVarHandle(Exchange.class, "relay", Object.class);
            HAND_OVER = MethodHandles.lookup().findVarHandle(AttemptListener.class, "handOver", int.class);
            LOOKING_AHEAD = MethodHandles.lookup().findVarHandle(AttemptListener.class, "lookingAhead", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final HttpClient client;
    /** How long the client keeps an idle connection: told the upstream's keep-alive timeout by each response head. */
    private final KeepAliveTimeouts keepAlive;
    private final UpstreamGuard guard;
    private final long bodyIdleTimeoutMillis;
    private final long clientIdleTimeoutMillis;
    /** The bodies under way, which {@link #sweep()} looks at. */
    private final Set<AttemptListener> bodies = ConcurrentHashMap.newKeySet();
    /** The exchanges whose guarded call is not over: {@link #stop()} ends those the stopped client leaves waiting. */
    private final Set<Exchange> calls = ConcurrentHashMap.newKeySet();
    private volatile Scheduler.@Nullable Task sweeper;
    private volatile boolean stopped;
    private final int maxResponseHeaderSize;
    /** The proxy's name in {@code Via} ({@link ProxyHeaders#pseudonym()}). */
    private final String pseudonym;
    /** The proxy's endpoints, for {@code Location} fields that point at one. */
    private final UpstreamLocations locations;
    /**
     * Permits for a blocking write of a body that fits the response buffer ({@code fitsBuffer}), a quarter of the
     * client's threads. Such a write takes a thread of the client's for as long as the client reads nothing: an
     * HTTP/1 client that pipelines requests and never reads holds one per connection. Two hundred such connections
     * held every thread, other clients' exchanges waited for one until their attempt timed out, and the breaker of
     * a healthy upstream opened. Without a permit, the body goes through the write listener, which holds none.
     */
    private final Semaphore blockingWrites;
    /**
     * Where the blocking reads of request bodies run ({@link BlockingRequestBody}, {@link BlockingReadsContent}):
     * threads of the forwarder's own, as many as uploads are read at once, as the JDK transport's. Read on the client's
     * threads, uploads stalled in the middle held every one of them, and the client's connects and responses, which
     * need them, waited: a GET to a healthy upstream failed with 504, and its breaker opened.
     */
    private final ThreadPoolExecutor bodyReads;

    private JettyForwarder(HttpClient client, KeepAliveTimeouts keepAlive, UpstreamGuard guard,
            Duration bodyIdleTimeout, Duration clientIdleTimeout, int maxResponseHeaderSize, String pseudonym,
            int maxBlockingWrites) {
        this.blockingWrites = new Semaphore(maxBlockingWrites);
        // A cached thread pool, as Executors makes one, its idle threads ended after a minute.
        this.bodyReads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                DaemonThreads.named("error-pages-proxy-" + guard.name() + "-body"));
        this.pseudonym = pseudonym;
        this.client = client;
        this.keepAlive = keepAlive;
        this.guard = guard;
        this.bodyIdleTimeoutMillis = Math.max(1, bodyIdleTimeout.toMillis());
        this.clientIdleTimeoutMillis = Math.max(1, clientIdleTimeout.toMillis());
        this.maxResponseHeaderSize = maxResponseHeaderSize;
        this.locations = UpstreamLocations.of(guard.config().endpoints());
    }

    /**
     * Creates and starts a client of the forwarder's own, with daemon threads named after the upstream.
     *
     * @param guard the upstream's guard
     * @param connectTimeout the connect timeout
     * @param bodyIdleTimeout the longest wait for the next part of a response body
     * @param clientIdleTimeout the longest the client may take nothing of a response body
     * @param poolIdleTimeout the longest a connection to the upstream stays open unused, unless the upstream allows
     *     less ({@link KeepAliveTimeouts})
     * @param maxResponseHeaderSize the largest response head relayed, in bytes ({@link ResponseHeadCheck})
     * @param maxConnections the most connections to each endpoint, at least 1
     * @param pseudonym the proxy's name in {@code Via} ({@link ProxyHeaders#pseudonym()})
     * @param sslContext the TLS context for {@code https} endpoints, or {@code null} for the JVM's default (made
     *     only when an endpoint is {@code https}: {@link UpstreamTlsContext})
     * @return the started forwarder; {@link #stop()} it
     * @throws IllegalStateException when the client does not start
     */
    public static JettyForwarder start(UpstreamGuard guard, Duration connectTimeout, Duration bodyIdleTimeout,
            Duration clientIdleTimeout, Duration poolIdleTimeout, int maxResponseHeaderSize, int maxConnections,
            String pseudonym, @Nullable SSLContext sslContext) {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("error-pages-proxy-" + guard.name());
        threads.setDaemon(true);
        // Its connections tell a body's end from its cut.
        KeepAliveTimeouts keepAlive = new KeepAliveTimeouts(poolIdleTimeout);
        HttpClient client = CloseDelimitedBodies.newClient(threads.getMaxThreads() / 2, keepAlive);
        client.setExecutor(threads);
        // Daemon, like the pool: Jetty's default scheduler thread is not, and a servlet built but never destroyed
        // (a context that failed to start after it) would keep the JVM alive.
        client.setScheduler(new ScheduledExecutorScheduler("error-pages-proxy-" + guard.name() + "-scheduler", true));
        client.setConnectTimeout(Math.max(1, connectTimeout.toMillis())); // 0, from under a millisecond, is none
        // A new connection's idle timeout, which bounds its TLS handshake too: no shorter than the connect timeout,
        // which bounds that already. Each connection's pool sets its own as it goes idle (KeepAliveTimeouts).
        client.setIdleTimeout(Math.max(Math.max(1, poolIdleTimeout.toMillis()), client.getConnectTimeout()));
        client.setFollowRedirects(false); // redirects are the client's to follow
        client.setHttpCookieStore(new HttpCookieStore.Empty()); // never one user's cookies for another
        client.setUserAgentField(null);
        client.setDefaultRequestContentType(null);
        client.setMaxConnectionsPerDestination(maxConnections);
        client.setMaxResponseHeadersSize(ResponseHeadCheck.parserLimit(maxResponseHeaderSize));
        client.setMaxRequestHeadersSize(CLIENT_MAX_REQUEST_HEAD);
        SslContextFactory.Client tls = CloseDelimitedBodies.newTlsContextFactory(); // verifies host names ("HTTPS")
        // The JVM's default context, as the JDK's client takes it: with the key of javax.net.ssl.keyStore, the
        // only way to mutual TLS for a servlet configured by init-parameters, which the context Jetty would
        // make itself (the JVM's trust, no key) left out. None made for plain http endpoints only.
        tls.setSslContext(UpstreamTlsContext.of(guard, sslContext));
        client.setSslContextFactory(tls);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the HTTP client for upstream " + guard.name(), e);
        }
        // Bodies pass through as they are: no decoding (and no Accept-Encoding added); redirects and 401/407
        // challenges are the client's. The handlers of interim 1xx responses stay: they wait for the final one,
        // and after them ours takes the interim responses none of them takes.
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().remove(RedirectProtocolHandler.NAME);
        client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
        client.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
        InterimResponses.install(client);
        JettyForwarder forwarder = new JettyForwarder(client, keepAlive, guard, bodyIdleTimeout, clientIdleTimeout,
                maxResponseHeaderSize, pseudonym, Math.max(1, threads.getMaxThreads() / 4));
        forwarder.scheduleSweep();
        return forwarder;
    }

    private void scheduleSweep() {
        if (!stopped) {
            sweeper = client.getScheduler().schedule(this::sweep,
                    Math.max(1, Math.min(bodyIdleTimeoutMillis, clientIdleTimeoutMillis) / 4),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Ends each body the upstream has let wait longer than {@code body-idle-timeout}, or the client longer than
     * {@code client-idle-timeout}; then comes again.
     */
    private void sweep() {
        try {
            long now = System.nanoTime();
            for (AttemptListener body : bodies) {
                body.checkIdle(now);
            }
        } finally {
            scheduleSweep();
        }
    }

    /**
     * Stops the client; exchanges in flight fail, and so do those whose call waits out a retry's backoff, at once:
     * their retry, refused by the stopped client, would end them only when the backoff is over (as long as an
     * upstream's {@code Retry-After} the guard honours), long after the servlet's destruction.
     */
    public void stop() {
        stopped = true;
        Scheduler.Task sweeping = sweeper;
        if (sweeping != null) {
            sweeping.cancel();
        }
        try {
            client.stop();
        } catch (Exception e) {
            // Stopping is best effort: the servlet is being destroyed.
        }
        for (Exchange exchange : calls) {
            exchange.cutOffByStop();
        }
        // Last, once the outcomes are the stop's: a read still blocked on a client's upload is interrupted (as the
        // client's stopping pool interrupted its threads when they read), rather than hold its thread, and the
        // application's objects, until the container ends the upload.
        bodyReads.shutdownNow();
    }

    /**
     * Prepares forwarding a request: its header fields, and its body when it is buffered for retries, which
     * is read here, on the calling thread. Nothing is sent before {@link Exchange#start()}, which an
     * asynchronous request ({@link Exchange#isAsynchronous()}) must call after {@code startAsync()}: its streamed body
     * is then read without blocking.
     *
     * @param request the client's request
     * @param response the client's response, not committed
     * @param target the path after the servlet's mapping and the query, e.g. {@code /orders/42?full=1}, on any
     *     authority (each attempt puts its endpoint's in its place)
     * @param hasBody whether the request has a body to forward ({@link RequestBodies#present})
     * @return the exchange, not started
     * @throws IOException when the client's body cannot be read for buffering
     * @throws ForwardedHeadTooLargeException when the forwarded head would be larger than {@link #MAX_FORWARDED_HEAD}
     * @throws IllegalArgumentException when the method cannot be forwarded
     */
    public Exchange prepare(HttpServletRequest request, HttpServletResponse response, URI target, boolean hasBody)
            throws IOException {
        Exchange exchange = new Exchange(request, response, target);
        exchange.checkHeadSize();
        if (hasBody) {
            exchange.prepareBody();
        }
        return exchange;
    }

    /** One forwarded request, over all its attempts. */
    public final class Exchange {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final URI target;
        private final String method;
        private final List<String> fields = new ArrayList<>(32);
        private final CompletableFuture<Object> done = new CompletableFuture<>();
        private byte @Nullable [] bufferedBody;
        private @Nullable ForwardedBody streamedBody;
        private UpstreamRequest upstreamRequest;
        private volatile @Nullable CompletableFuture<Response> call;
        private volatile boolean writesWithoutBlocking;
        /** The container told of an error before the upstream answered ({@link #abandon}). */
        private volatile boolean abandoned;
        private volatile @Nullable Throwable abandonedFor;
        /** Whether the client went away while its body was relayed with a {@code WriteListener}. */
        private volatile boolean clientLeftMidBody;
        /**
         * Who writes the client's response: {@code null} until one claims it ({@link #RELAY}), before it writes
         * anything; then the attempt whose head arrived and is relayed ({@link AttemptListener}), or
         * {@link #ANSWERED_BY_THE_SERVLET}, whose page no relay ever races.
         */
        private volatile @Nullable Object relay;
        /** Whether the request is forwarded in an asynchronous cycle ({@link AsyncAnswers#allowed}). */
        private final boolean asynchronous;
        /** The number of the latest attempt started, for the failure of a call {@link #stop()} ends. */
        private volatile int attempts;
        /** Whether {@link #stop()} ended the call, whose cancellation is then the gateway's doing. */
        private volatile boolean cutOffByStop;
        /** When {@link #start()} began the call ({@link System#nanoTime()}). */
        private volatile long startedNanos;
        /**
         * What the guard threw for a call that failed with {@code proxy_internal_error}, whose outcome is its failure
         * alone: for the servlet to note on the request ({@link ErrorResponder#noteThrown}) on a thread that may set
         * its attributes, where the outcome is answered.
         */
        private volatile @Nullable Throwable thrown;
        /**
         * A checked exception of no I/O that reading the body to buffer threw ({@link #prepareBody}): the outcome of
         * {@link #start()}, which then makes no call.
         */
        private @Nullable Throwable bodyBug;
        /** When the read that {@link #bodyBug} ended began ({@link System#nanoTime()}): the call's start. */
        private long bodyBugSince;
        /**
         * Whether the read that {@link #bodyBug} ended had asked the container for the body and not read it whole: the
         * page answers in the middle of the upload ({@link #isUploadCutShort}).
         */
        private boolean bodyBugCutShort;

        Exchange(HttpServletRequest request, HttpServletResponse response, URI target) {
            this.request = request;
            this.asynchronous = AsyncAnswers.allowed(request);
            this.response = response;
            this.target = target;
            this.method = ErrorDispatches.upstreamMethod(request); // an error page's GET or HEAD
            ProxyHeaders.towardUpstream(request, pseudonym, (name, value) -> {
                fields.add(name);
                fields.add(value);
            });
            // Keyed only by a key that is forwarded: one the client's Connection field names is not, and a retry
            // would send the request again without anything the upstream could recognise it by; nor is a blank one.
            this.upstreamRequest = UpstreamRequest.of(method).withIdempotencyKey(forwardsKey());
        }

        /**
         * Refuses a head Jetty's client would not write, before anything of the body is read: counted as its
         * generator writes it, one byte a character, {@code name: value} and a line end each field.
         */
        void checkHeadSize() {
            String rawPath = target.getRawPath();
            String rawQuery = target.getRawQuery();
            long size = method.length() + 1 + (rawPath == null ? 1 : rawPath.length())
                    + (rawQuery == null ? 0 : rawQuery.length() + 1) + " HTTP/1.1\r\n\r\n".length();
            for (int i = 0; i < fields.size(); i += 2) {
                size += fields.get(i).length() + fields.get(i + 1).length() + 4;
            }
            if (size > MAX_FORWARDED_HEAD) {
                throw new ForwardedHeadTooLargeException(size);
            }
        }

        private boolean forwardsKey() {
            for (int i = 0; i < fields.size(); i += 2) {
                if (fields.get(i).equalsIgnoreCase(IdempotencyKeys.FIELD) && IdempotencyKeys.isKey(fields.get(i + 1))) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Sends the request through the guard. The client's threads relay the response; the future completes
         * on a client or guard thread.
         *
         * @return completed with {@link ExchangeOutcome#DONE} when the response is complete or the client went away, an
         *     {@link UpstreamFailure} to answer (the page, or an abort once committed), or an exception to throw
         *     on to the container (an {@link IOException} of the client's connection, or a bug)
         */
        public CompletableFuture<Object> start() {
            startedNanos = System.nanoTime();
            Throwable bug = bodyBug;
            if (bug != null) {
                // No attempt is made: the body to send was never read whole. Nothing is counted against the upstream;
                // the guard records the call as it does the same bug of a streamed body (a failed call, its event,
                // its time since the read began), where a failure built here was seen by none of them.
                UpstreamFailureException failed =
                        CallsFailedBeforeAnyAttempt.withBug(guard, upstreamRequest, bug, bodyBugSince);
                thrown = failed; // before finish(), which publishes it
                finish(failed.failure());
                return done;
            }
            CompletableFuture<Response> call = guard.callAsync(upstreamRequest, RESPONSES, this::attempt);
            this.call = call;
            calls.add(this);
            call.whenComplete((ignored, error) -> {
                calls.remove(this);
                if (error != null) {
                    finish(outcomeOf(error));
                }
            });
            if (abandoned) {
                abandon(abandonedFor); // the client went away while the first attempt started
            }
            if (stopped) {
                cutOffByStop(); // stop() ran while the call started, perhaps before it was in calls
            }
            return done;
        }

        /**
         * Ends the exchange when the container tells the asynchronous cycle of an error while the upstream is still
         * to answer: the attempt in flight is aborted and no retry is made, so the guard counts the call as aborted
         * and gives its bulkhead permit back at once. Until then the exchange held its permit, and the upstream's
         * connection, until the attempt timed out, and that timeout counted against the upstream. The outcome is
         * {@link ExchangeOutcome#DONE} for a client that went away (an HTTP/2 stream reset): there is nobody to
         * answer. For a body the container refused (Jetty's {@code SizeLimitHandler}: 413) it is that failure, which
         * the client is answered with. Once the response head arrived, the relay ends: its upstream exchange is
         * aborted (a quiet event stream or long poll, with no write of the relay's to fail, held its upstream
         * connection until the upstream's next part or the body idle timeout) and the outcome is
         * {@link ExchangeOutcome#DONE}.
         *
         * @param error what the container told, or {@code null}
         */
        public void abandon(@Nullable Throwable error) {
            abandonedFor = error;
            abandoned = true;
            CompletableFuture<Response> current = call;
            if (current != null && !current.isDone()) {
                // First: the cancel below ends the call, which would finish with its cancellation.
                finish(error != null && ClientBodyStatus.refusedByContainer(error)
                        ? new IOException("the container refused the request's body", error) : DONE);
                current.cancel(true);
                return;
            }
            // Only once it is relaying: before, the relay is writing the head, and sees abandoned itself after.
            if (relay instanceof AttemptListener attempt && attempt.relaying) {
                attempt.clientLeft(error);
            }
        }

        /**
         * Ends the exchange for the servlet's thread, which waited for its outcome (a request that is not
         * asynchronous) and was interrupted: a container's stuck-thread detection, a server stopping; or for the
         * container's thread that ends an asynchronous one (Tomcat's, for the cycles of a context it stops). The
         * response is claimed for the servlet's page unless the relay claimed it first, whose client thread writes the
         * upstream's head and body, and which then never starts; else the relay ends, as for a client gone
         * ({@link #abandon}), and the outcome completes once its thread left the response. Either way the attempt in
         * flight is aborted and nothing counts against the upstream.
         *
         * @param reason why
         * @return whether the response is the caller's to answer: nothing of the upstream's was written to it, and
         *     nothing will be
         */
        public boolean takeResponseBack(Throwable reason) {
            boolean taken = RELAY.compareAndSet(this, null, ANSWERED_BY_THE_SERVLET);
            abandon(reason);
            return taken;
        }

        /**
         * Waits for the exchange's outcome, the one {@link #start()}'s future completes with: after
         * {@link #takeResponseBack} found the response the relay's, until the relay's thread, ended, left the response
         * (after the one write it may be making: the head, or a part of the body with a blocking write).
         *
         * @param limit how long to wait at most
         * @return whether the outcome came within {@code limit} (the future is only ever completed normally:
         *     {@link #finish}); {@code false} too when the thread was interrupted, its flag kept
         */
        public boolean awaitOutcome(Duration limit) {
            try {
                done.get(limit.toNanos(), TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException | ExecutionException notYet) {
                return false;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /**
         * @return whether the attempt may write its head and body: the response is not claimed yet, now its; never
         *     once the container ended the exchange ({@link #abandon}), whose half-open breaker's trial call the guard
         *     lets run on to its outcome (its head arrives for nobody, and the response may be another's by then)
         */
        boolean claimResponse(AttemptListener relaying) {
            return !abandoned && RELAY.compareAndSet(this, null, relaying);
        }

        /**
         * Ends a call that the stopped client left waiting (a retry's backoff), as the gateway's doing: 503
         * {@code connection_limit_reached}, which the guard counts as an aborted call, nothing against the upstream.
         */
        void cutOffByStop() {
            CompletableFuture<Response> current = call;
            if (current != null && !current.isDone()) {
                cutOffByStop = true; // before the cancel, whose outcome it decides
                current.cancel(true);
            }
        }

        /**
         * Ends the exchange: the attempt in flight is aborted and no retry is made.
         *
         * @param reason why
         */
        public void abort(Throwable reason) {
            CompletableFuture<Response> current = call;
            if (current != null) {
                current.cancel(true);
            }
            finish(reason);
        }

        void prepareBody() throws IOException {
            long length = request.getContentLengthLong();
            if (length > 0 && length <= guard.config().maxReplayBody() && mayBeSentAgain()) {
                // Read as a streamed body is (ClientInputStream): held to its length, a short one failed, a form a
                // filter in front had the container parse made again. Not closed: the container owns its stream.
                long reading = System.nanoTime();
                ClientInputStream in = new ClientInputStream(request, length);
                try {
                    bufferedBody = in.readAllBytes();
                } catch (IOException | RuntimeException | Error asIs) {
                    throw asIs;
                } catch (Throwable sneaky) { // thrown past the compiler's check: javac sees none
                    bodyBug = bugOfTheBody(sneaky);
                    bodyBugSince = reading;
                    bodyBugCutShort = in.isStarted() && !in.isFinished();
                }
                return;
            }
            ForwardedBody body;
            if (asynchronous) {
                body = new NonBlockingRequestBody(request, length, this::sendTomcatsRefusal);
            } else {
                body = new BlockingRequestBody(request, length, bodyReads);
                if (length > 0) {
                    fields.add(HttpHeader.CONTENT_LENGTH.asString()); // its content has no length to tell
                    fields.add(Long.toString(length));
                }
            }
            if (length < 0) {
                // Jetty's client frames a body of unknown length as chunked only for POST and PUT, or with a
                // Content-Type; a GET, DELETE or PATCH without one would go out unframed, and the upstream would
                // read the body as the next request on the connection (request smuggling). Say it is chunked.
                fields.add(HttpHeader.TRANSFER_ENCODING.asString());
                fields.add("chunked");
            }
            streamedBody = body;
            upstreamRequest = upstreamRequest.withReplayableBody(body::isUntouched)
                    .withBodySource(() -> body.failure() != null, body::isAwaitingClient);
        }

        /**
         * What a checked exception that reading the body to buffer threw past the compiler's check is, by the rule the
         * JDK transport's guarded client applies to the same body ({@link CheckedBugs}): a filter's wrapper of the body
         * threw one its read cannot declare (Kotlin, Lombok's {@code @SneakyThrows}), a bug, answered as the streamed
         * body's is (the page, {@code proxy_internal_error}, the exception at ERROR under its support code), where it
         * escaped to the container's own empty 500. A stall ({@link TimeoutException}) is the client's, a 408 as over
         * the JDK transport, not a bug; an interrupt of this thread (the request's: a container's stuck-thread
         * detection, a server stopping) is answered as one while it waits for the upstream, the thread interrupted
         * again for the container. Both were taken for bugs, and the interrupt lost.
         *
         * @return the bug, for {@link #start()} to answer
         * @throws IOException for a stall, or an {@link InterruptedIOException} for an interrupt
         */
        private Throwable bugOfTheBody(Throwable sneaky) throws IOException {
            Throwable bug = CheckedBugs.of(sneaky);
            if (bug != null) {
                return bug;
            }
            if (sneaky instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                InterruptedIOException interrupted =
                        new InterruptedIOException("interrupted while reading the request body to buffer it");
                interrupted.initCause(sneaky);
                throw interrupted;
            }
            throw new IOException("could not read the request body to buffer it", sneaky);
        }

        /**
         * Whether the guard may send the request again: after it reached the upstream, or, where retries of requests
         * that never did are on, after a failure before it went out. Over TLS Jetty's client reads the body before
         * the handshake, which may then fail: a streamed body read is no longer replayable, although none of it left.
         */
        private boolean mayBeSentAgain() {
            UpstreamConfig config = guard.config();
            return guard.mayRetryAfterSending(upstreamRequest)
                    || (config.isRetryUnsafeNeverSentEnabled() && config.maxAttempts() > 1);
        }

        CompletionStage<Response> attempt(Attempt attempt) {
            attempts = attempt.number();
            // Jetty's idle timeout covers the whole exchange, and cannot tell an upstream that stalls from a client
            // that holds back the demand for the next part (it reads slowly): so it only backs the others up. The
            // guard's timer (and timeAfter) ends the wait for the head, the listener's watchdog a stalled body.
            ExactMethodRequest upstream = newRequest(attempt);
            upstream.method(method)
                    .idleTimeout(EXCHANGE_IDLE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .headers(headers -> {
                        for (int i = 0; i < fields.size(); i += 2) {
                            headers.add(fields.get(i), fields.get(i + 1));
                        }
                    });
            byte[] buffered = bufferedBody;
            ForwardedBody streamed = streamedBody;
            if (buffered != null) {
                upstream.body(new BytesRequestContent((String) null, buffered));
            } else if (streamed != null) {
                upstream.body(streamed.content());
            }
            AttemptListener listener = new AttemptListener(this, upstream, attempt.timeout());
            // The guard's own timer ends an attempt whose head is late; while connecting, the client's connect
            // timeout ends it first (a connect timeout), unless the attempt's time is the shorter: then a timer of
            // the attempt's own must tell the two apart.
            boolean connectMayOutlastAttempt = attempt.timeout().toMillis() <= client.getConnectTimeout();
            // Nor can the guard's timer tell a request that a full pool kept from the upstream, or kept so long that
            // the upstream had too little of the attempt's time left: see onQueued and lateFailure; nor one that the
            // client's busy threads kept so: see sendFromAThreadOfTheClient.
            upstream.onRequestQueued(queued -> listener.onQueued());
            upstream.onRequestBegin(begun -> listener.onBegin());
            if ("https".equalsIgnoreCase(attempt.endpoint().getScheme())) {
                // Over TLS a request's head is written once the handshake is done: until then, the connect is late.
                listener.awaitingHandshake = true;
                upstream.onRequestCommit(committed -> listener.awaitingHandshake = false);
            }
            upstream.onResponseHeaders(listener::onHeaders);
            if (streamed instanceof BlockingRequestBody) {
                upstream.onResponseFailure(listener::onResponseFailure);
            }
            if (streamed != null) {
                upstream.onResponseSuccess(listener::onResponseSuccess);
            }
            if (asynchronous) {
                upstream.onResponseContentAsync(listener::onContentWithoutBlocking);
            } else {
                upstream.onResponseContent(listener::onContent);
            }
            if (streamed instanceof BlockingRequestBody) {
                sendFromAThreadOfTheClient(upstream, listener);
            } else {
                upstream.send(listener::onComplete);
            }
            if (connectMayOutlastAttempt) {
                listener.lookAheadOfTheGuard();
            }
            return listener.head;
        }

        /**
         * Sends a request whose body is read with blocking I/O ({@link BlockingRequestBody}) from a thread of the
         * client's pool, never the caller's. Jetty's client writes a request on the thread that sends it when a
         * connection is free at once (one its pool kept, or one that opened in the instant before the send looked for
         * one a second time), and asked for the body there as it wrote it: with Jetty's own stream content the
         * servlet's own thread then waited in the read for a client that pauses its upload until it hears back,
         * instead of for the exchange's outcome, and an early answer (a 503 the filter in front makes a page of)
         * reached the client only once it sent more or gave up. The reads themselves now run on {@link #bodyReads}
         * ({@link BlockingReadsContent}), so the thread that sends, the client's, is held only while it writes.
         *
         * <p>The client's threads may all be busy (a loaded gateway) for longer than the attempt has: a send that has
         * not run when the attempt ends is withdrawn, never to run, and the attempt fails as the gateway's own limit
         * (see {@code AttemptListener.handOver}); one that runs so late that the upstream has less than an attempt
         * needs is looked at before the guard's timer, as a request a full pool held back is.
         */
        private void sendFromAThreadOfTheClient(ExactMethodRequest upstream, AttemptListener listener) {
            listener.beginHandOver();
            try {
                client.getExecutor().execute(new HandedOverSend(upstream, listener));
            } catch (RejectedExecutionException stopped) {
                if (listener.takeHandOver()) {
                    upstream.send(listener::onComplete); // the stopped client fails it at once, with the reason
                }
            }
        }

        /**
         * A request to the attempt's endpoint for the target. On an endpoint without a base path (the usual one),
         * the target as the servlet parsed it, with the endpoint's scheme, host and port put in: {@link
         * Attempt#resolve} would parse the same text once more before Jetty parses it for sending, which was about
         * 2 % of the proxy's CPU per request (benchmarks/README.md, "(d)").
         */
        private ExactMethodRequest newRequest(Attempt attempt) {
            URI endpoint = attempt.endpoint();
            String path = target.getRawPath();
            if (!endpoint.getRawPath().isEmpty() || target.getHost() == null || path == null || path.isEmpty()) {
                return new ExactMethodRequest(client, attempt.resolve(target));
            }
            String scheme = endpoint.getScheme();
            ExactMethodRequest request = new ExactMethodRequest(client, target);
            request.scheme(scheme).host(endpoint.getHost()).port(HttpClient.normalizePort(scheme, endpoint.getPort()));
            return request;
        }

        Object outcomeOf(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof UpstreamFailureException failed) {
                if (failed.failure().cause() == FailureCause.PROXY_INTERNAL_ERROR) {
                    thrown = failed; // before finish(), which publishes it with the outcome
                }
                return failed.failure();
            }
            ForwardedBody streamed = streamedBody;
            IOException clientFailed = streamed == null ? null : streamed.failure();
            if (cause instanceof CancellationException && clientFailed != null) {
                return clientFailed; // the client went away while sending its body
            }
            if (cause instanceof CancellationException && cutOffByStop) {
                return endedByGateway();
            }
            if (cause instanceof UncheckedIOException bodySource && streamed != null) {
                // The guard blamed the client's body: it went away, or stalled while the upstream waited for it.
                return clientFailed != null ? clientFailed : bodySource.getCause();
            }
            return cause;
        }

        /**
         * Notes on the request what was thrown for the failure the outcome is, if the failure is
         * {@code proxy_internal_error} ({@link ErrorResponder#noteThrown}): called where the outcome is answered or
         * handed to the ASYNC dispatch that answers it, by a thread that may set the request's attributes.
         *
         * @param outcome the exchange's outcome
         */
        public void noteThrown(@Nullable Object outcome) {
            Throwable failed = thrown;
            if (failed != null && outcome instanceof UpstreamFailure failure) {
                ErrorResponder.noteThrown(request, failure, failed);
            }
        }

        /**
         * The failure of a call the gateway ended (the stopped client, the container ending the cycle, the servlet's
         * thread interrupted): 503 {@code connection_limit_reached}, with the attempts started so far and the time
         * since the call began, which the page's log line then gives, whichever of them ended it, rather than one
         * attempt nobody counted.
         *
         * @return the failure to answer with
         */
        public UpstreamFailure endedByGateway() {
            return failureSoFar(FailureCause.CONNECTION_LIMIT_REACHED);
        }

        /**
         * @return a failure of the call as it stands: the attempts started and the time since the call began (as the
         *     guard reports its own failures), and the upstream's failing period under way
         */
        UpstreamFailure failureSoFar(FailureCause cause) {
            UpstreamFailure.Builder failure = UpstreamFailure.builder(cause).upstream(guard.name())
                    .failingSince(guard.failingSince().orElse(null));
            long started = startedNanos;
            // 0 until start(): a cycle the container ended before (its listener is added first) made no call, and
            // the time of none is not known rather than the time since the clock's origin.
            return started == 0 ? failure.build()
                    : failure.attempts(attempts).elapsed(Duration.ofNanos(System.nanoTime() - started)).build();
        }

        void finish(Object outcome) {
            done.complete(outcome);
        }

        /**
         * Sends the 400 that Tomcat set for a body it could not decode (a bad chunk header) before Tomcat closes the
         * connection. When the failed read ran in the body's {@code ReadListener.onDataAvailable} (the request went out
         * at once, on a connection the client's pool held, and asked for the body before it came), Tomcat tells the
         * listener's {@code onError}, on its own thread, and closes the connection as soon as that returns
         * ({@code CLOSE_NOW}), dropping whatever is written later: the client got no answer at all. A read that failed
         * on a thread of the client's leaves Tomcat's 400 to the cycle's end, which sends it with no body, as it is
         * sent here. Not once the upstream's answer is relayed, nor when anything was sent already.
         */
        void sendTomcatsRefusal() {
            // The container's own response, below any wrapper: the answer is Tomcat's, as its error report would be.
            HttpServletResponse own = (HttpServletResponse) Containers.of(response);
            if (own.isCommitted() || own.getStatus() < 400) {
                return; // sent already; or no status of Tomcat's to send, which it set before it told the listener
            }
            if (!RELAY.compareAndSet(this, null, ANSWERED_BY_THE_SERVLET)) {
                return; // the relay writes the response: Tomcat ends it cut short
            }
            try {
                own.setContentLength(0);
                own.flushBuffer();
            } catch (IOException clientGone) {
                log.debug("Could not send Tomcat's 400 for a request body it could not decode", clientGone);
            }
        }

        /** @return whether the upstream's response head arrived and is relayed: the client's response is its now */
        public boolean relaysResponse() {
            return relay instanceof AttemptListener;
        }

        /**
         * @return whether the client's body is streamed and an attempt started to read it before its end
         *     ({@link ForwardedBody#isCutShort}), or its read to buffer it asked the container for it and a bug ended
         *     it before its end ({@link #bodyBug}): a page answered now answers in the middle of the upload
         */
        public boolean isUploadCutShort() {
            ForwardedBody streamed = streamedBody;
            return streamed != null ? streamed.isCutShort() : bodyBug != null && bodyBugCutShort;
        }

        /**
         * Leaves the client's body to the container when it is read without blocking and no attempt asked the
         * container for any of it (the upstream refused the connection, say): none does from now on. A body read with
         * blocking I/O has its own check ({@link #blockingBodyReads()}).
         *
         * @return whether the body was left unread: a page answered now answers before any of it was read
         */
        public boolean leavesBodyUnread() {
            return streamedBody instanceof NonBlockingRequestBody nonBlocking && nonBlocking.leaveUnread();
        }

        /** @return whether the container ended the exchange ({@link #abandon}), telling its cycle of an error */
        public boolean isAbandoned() {
            return abandoned;
        }

        /**
         * @return the reads of the client's body that a thread of the forwarder's makes with blocking servlet I/O,
         *     which must end before the servlet returns; {@code null} when there are none (no body, one read before
         *     the first attempt, or one read without blocking)
         */
        public @Nullable BlockingBodyReads blockingBodyReads() {
            return streamedBody instanceof BlockingRequestBody blocking ? blocking : null;
        }

        /**
         * @return whether the request is to be forwarded in an asynchronous cycle, which the caller starts before
         *     {@link #start()}; otherwise the caller waits for the outcome ({@link AsyncAnswers#allowed})
         */
        public boolean isAsynchronous() {
            return asynchronous;
        }

        /**
         * @return whether the body was relayed with a {@code WriteListener}: the client's stream is then
         *     non-blocking, and a page for a failure must wait for {@code isReady()}
         */
        public boolean writesWithoutBlocking() {
            return writesWithoutBlocking;
        }

        /**
         * @return whether the client went away while the body was relayed with a {@code WriteListener}: the exchange
         *     ends {@link ExchangeOutcome#DONE}, and what Undertow still holds for the client is never sent
         *     ({@link UndertowIoThreads#complete})
         */
        public boolean clientLeftMidBody() {
            return clientLeftMidBody;
        }

        /**
         * Whether a failure is to be answered where the exchange ends, then the cycle completed, rather than in an
         * {@code ASYNC} dispatch: on Undertow, once the body was relayed with a {@code WriteListener}. Undertow leaves
         * the close of such a stream, written by a thread of its own or of the client's, to its IO thread
         * ({@code ServletOutputStreamImpl.closeAsync}), and an {@code ASYNC} dispatch that returns ends the exchange on
         * the dispatching thread at the same time ({@code Connectors.executeRootHandler}, {@code endExchange}): with
         * the page still in the stream's buffer, that end found no response under way and started one with
         * {@code Content-Length: 0}, racing the IO thread's close. The client got the page's head without its body,
         * or nothing at all, its connection closed, while the log said the page was sent. A completed cycle leaves
         * the close to the stream alone ({@code AsyncContext.complete()}).
         *
         * @return whether to answer a failure without a dispatch
         */
        public boolean answersFailureWithoutDispatch() {
            return writesWithoutBlocking && Containers.onUndertow(request);
        }
    }

    /**
     * A request of the client's that sends its method as given: {@code HttpClient.newRequest} makes one whose
     * {@code method(String)} upper-cases it, and a method is case-sensitive (RFC 9110 §9.1): the upstream got
     * {@code PURGE} for {@code purge}, {@code PROPFIND} for {@code Propfind}, as the JDK's client never does. The
     * client reads the method back ({@code getMethod()}) to write the request line and to know a response to
     * {@code HEAD} (case-sensitively), so that is where it is kept.
     */
    private static final class ExactMethodRequest extends HttpRequest {
        private String exactMethod;
        /** The listener of the attempt that sends this request. */
        private @Nullable AttemptListener listener;

        ExactMethodRequest(HttpClient client, URI uri) {
            super(client, new HttpConversation(), uri);
            this.exactMethod = super.getMethod();
        }

        @Override
        public Request method(String method) {
            super.method(method); // checks it as the client does
            this.exactMethod = method;
            return this;
        }

        @Override
        public String getMethod() {
            return exactMethod;
        }
    }

    /**
     * Takes the interim responses (1xx but 101) that none of the client's own handlers takes, so that the client
     * waits for the final response after them as it does after those (RFC 9110 §15.2: a client must parse one or
     * more 1xx responses before the final one). The client handles only the first {@code 100 Continue} of a
     * request, and every 102 and 103; any other interim response went to the exchange's own listeners, and the
     * client then held the exchange's response for complete and dropped the final one that followed: a second
     * {@code 100}, or a 104, kept the attempt waiting for its timeout (a 504) for an answer that had come at once.
     * Put after the client's handlers, which it finds in the order they were put.
     */
    private static final class InterimResponses implements ProtocolHandler {
        private static final String NAME = "error-pages-interim";

        /**
         * Puts the handler last. Made here, not in {@code start}: verifying a method that passes it as a
         * {@code ProtocolHandler} loads that type, and {@code JettyForwarder} must load without Jetty's client.
         */
        static void install(HttpClient client) {
            client.getProtocolHandlers().put(new InterimResponses());
        }

        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public boolean accept(Request request, Response response) {
            int status = response.getStatus();
            // A 101 is no interim response to wait past: the proxy never asks for one, and it answers it with 502.
            return status != HttpStatus.SWITCHING_PROTOCOLS_101 && HttpStatus.isInterim(status);
        }

        @Override
        public Response.Listener getResponseListener() {
            return new Response.Listener() {
                @Override
                public void onSuccess(Response interim) {
                    // As the client's own handlers do: the exchange's listeners hear the final response, which is
                    // read into a response made pending again.
                    HttpConversation conversation = ((HttpRequest) interim.getRequest()).getConversation();
                    conversation.updateResponseListeners(null);
                    HttpExchange exchange = conversation.getExchanges().peekLast();
                    if (exchange != null) {
                        exchange.resetResponse();
                    }
                }

                @Override
                public void onFailure(Response interim, Throwable failure) {
                    HttpConversation conversation = ((HttpRequest) interim.getRequest()).getConversation();
                    conversation.updateResponseListeners(null);
                    HttpExchange exchange = conversation.getExchanges().peekLast();
                    if (exchange != null) {
                        exchange.getResponseListeners().emitFailureComplete(new Result(exchange.getRequest(),
                                exchange.getRequestFailure(), interim, failure));
                    }
                }
            };
        }
    }

    /**
     * The send of a request whose body is read with blocking I/O, handed to a thread of the client's
     * ({@link Exchange#sendFromAThreadOfTheClient}): it sends only if it takes the request before the attempt's end
     * withdraws it ({@link AttemptListener#takeHandOver}). A {@link Closeable}, which Jetty's thread pool closes rather
     * than runs when it stops with the send still queued (the servlet destroyed under load): closed, it withdraws the
     * send, which then never runs. A lambda was left there with a WARN line "Stopped without executing or closing",
     * naming a class of this library's, in the operator's log at each undeploy of a loaded gateway.
     *
     * <p>Thread-safe: run once by a thread of the client's, or closed by the thread that stops the client's pool; the
     * hand-over's compare-and-set orders either with the attempt's end.
     */
    private static final class HandedOverSend implements Runnable, Closeable {
        private final ExactMethodRequest upstream;
        private final AttemptListener listener;

        HandedOverSend(ExactMethodRequest upstream, AttemptListener listener) {
            this.upstream = upstream;
            this.listener = listener;
        }

        @Override
        public void run() {
            if (listener.takeHandOver()) {
                upstream.send(listener::onComplete);
                if (listener.handedOverLate) {
                    // Once sent, so that it finds the request's exchange. A send that returns only after the
                    // attempt's time (a long body written here, on an idle connection) is found by the head's
                    // cancel instead (AttemptListener.head).
                    listener.lookAheadOfTheGuard();
                }
            }
        }

        @Override
        public void close() {
            listener.withdraw();
        }
    }

    /** One attempt: completes {@link #head} when the head arrives, then relays the body if it is the result. */
    private final class AttemptListener {
        /** {@link #handOver}: the thread that starts the attempt sends the request itself. */
        private static final int NOT_HANDED_OVER = 0;
        /** {@link #handOver}: handed to a thread of the client's, which has not taken it yet. */
        private static final int HANDED_OVER = 1;
        /** {@link #handOver}: taken by the thread of the client's, which sends it. */
        private static final int TAKEN = 2;
        /** {@link #handOver}: withdrawn by the attempt's end before a thread of the client's took it: never sent. */
        private static final int WITHDRAWN = 3;

        private final Exchange exchange;
        private final Request upstream;
        /** The attempt's time, counted from {@link #startedNanos}, after which the guard's timer ends it. */
        private final Duration timeout;
        /**
         * The response head, the attempt's outcome for the guard. The guard's timer cancels it as the attempt's time
         * is up; a request handed to a thread of the client's that has not taken it yet (every one busy: a loaded
         * gateway) is withdrawn then, never to be sent, and the head completes instead with the failure of a request
         * the gateway's own limit held back ({@link #notHandedOver}), which the guard takes for the attempt's outcome
         * ({@code UpstreamGuard.callAsync}: an attempt that completed as its cancel came keeps its outcome). Were it
         * cancelled, the guard would count a late response of the upstream's, which never saw the request: a breaker
         * failure, retried if idempotent. No timer of its own: nothing is done unless the attempt is ended. A cancel
         * before the attempt's time is up (the caller left, the servlet destroyed) withdraws the send too, and
         * cancels.
         *
         * <p>Nor is a request that a thread of the client's took so late that the upstream had less than an attempt
         * needs ({@link #handedOverLate}) the upstream's to fail when the guard's timer ends it: it fails as
         * {@link #lateFailure} finds, the gateway's limit. The look ahead of the guard ({@link #timeAfter}) that
         * finds it so is set only once the send returns, which for a body written on that thread (an idle connection)
         * is when the client's body is all read, or waited for: a long upload still written as the attempt's time was
         * up had the guard's timer come first, and a 504 and a breaker failure for an upstream that had too little
         * time. (A body then waiting for the client is the client's stall, 408: {@link #lateFailure} leaves it.) So
         * too a request that a full pool held back ({@link #heldBack}) until the upstream had too little time: the look
         * ahead of the guard that left it as its body waited for the client is asked again here, as the guard's timer
         * ends it, and the client may have sent the rest in between (abort is idempotent).
         */
        private final CompletableFuture<Response> head = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean withdrawn = withdraw();
                if (System.nanoTime() - startedNanos >= timeout.toNanos()
                        && (withdrawn || handedOverLate || heldBack)) {
                    long millis = timeout.toMillis();
                    Throwable limit = withdrawn ? notHandedOver(millis) : lateFailure(millis);
                    // As timeAfter does: a request taken off the client's queue is aborted whatever completed it.
                    if (limit != null && (completeExceptionally(limit) || takenOffTheQueue)) {
                        upstream.abort(limit);
                        return false;
                    }
                }
                return super.cancel(mayInterruptIfRunning);
            }
        };
        private volatile boolean relaying;
        private volatile long lastContentNanos;
        /** Whether a blocking write to the client is under way: the body's wait is then the client's. */
        private volatile boolean writingToClient;
        private volatile boolean completed;
        private boolean withBody;
        /**
         * Whether the response is a 205, whose content no server may send (RFC 9110 §15.3.6): the client's 205 says
         * {@code Content-Length: 0} ({@link ResponseHeadCheck#contentLength}), and is whole however a body the upstream
         * sent with it ends. That body is dropped at its first part, and its upstream connection with it, whatever
         * its length: read to its end, one without end held the exchange, and the client's 205, for as long as it went
         * on. (The JDK transport stops at its first part too, but its client usually has a short body whole by then
         * and keeps the connection.) A body that never comes ends after {@code body-idle-timeout}, never taken for a
         * stream quiet between records ({@link #streamTail} is {@code null} without a body): the 205 is whole.
         */
        private boolean resetContent;
        /** Whether the body is a stream ({@link StreamingResponses}): its head sent at once, each part flushed. */
        private boolean streaming;
        /** Where a stream is, between its records or within one; {@code null} for any other body, and without one. */
        private @Nullable StreamTail streamTail;
        /** Whether a stream quiet between records ends whole ({@link StreamingResponses#endsWholeWhenQuiet}). */
        private boolean endsWholeWhenQuiet;
        private volatile boolean clientGone;
        /**
         * Whether the sweep ended a stream quiet between records for {@code body-idle-timeout}: no failure of the
         * upstream's, its response then ended whole ({@link #endsWholeWhenQuiet}) or aborted ({@link #quietCut}).
         */
        private volatile boolean endedQuiet;
        /** Why the response of a stream ended quiet is aborted, or {@code null}. */
        private volatile @Nullable IOException quietCut;
        /** Why the container refused the client's stream ({@link BodyWrites#outputStream}), ending the relay. */
        private volatile @Nullable IllegalStateException refused;
        /** Why the client was given up on, a part having waited for it longer than {@code client-idle-timeout}. */
        private volatile @Nullable IOException clientStalled;
        /**
         * Whether the request goes over TLS and is not committed yet: its head may still wait for the handshake, which
         * {@link #lateFailure} asks the connection ({@link TlsHandshakeDeadline#endUnlessDone}).
         */
        private volatile boolean awaitingHandshake;
        private volatile @Nullable NonBlockingResponseBody writer; // read by the sweep
        private boolean fitsBuffer;
        /** Whether this exchange holds one of {@link #blockingWrites}: given back once, when it ends. */
        private final AtomicBoolean blockingWrite = new AtomicBoolean();
        /** Whether the body is delimited by the connection's end, with neither a length nor chunks. */
        private boolean closeDelimited;
        /** The relayed body's announced length, or -1; and how much of it was handed to the client so far. */
        private long announcedLength = -1;
        private long relayedBytes;
        /** Where the guard wants the body's end reported, once it took the head as the call's result. */
        private volatile @Nullable BodyOutcome bodyOutcome;
        /** How the body ended: {@link ExchangeOutcome#DONE}, or the upstream's failure; {@code null} until then. */
        private volatile @Nullable Object ended;
        /**
         * Bytes of a failure status's body drained so far, to keep its connection; it is dropped beyond
         * {@link #MAX_DRAINED_BYTES}. Written by one content callback at a time, which Jetty's demand orders
         * ({@link #dropsPast}).
         */
        private long drained;
        /** Drops a failure status's body still draining after {@link #MAX_DRAIN_MILLIS}; cancelled at its end. */
        private volatile Scheduler.@Nullable Task drainTimer;
        /** When the attempt started, in {@link System#nanoTime()}: about when the guard's timer for it started too. */
        private final long startedNanos = System.nanoTime();
        /** Whether the request was queued for a connection behind a full pool ({@link #onQueued}). */
        private volatile boolean heldBack;
        /**
         * Whether {@link #lateFailure} took the request off the client's queue: it is never sent, and its exchange is
         * this attempt's timer's to end.
         */
        private volatile boolean takenOffTheQueue;
        /** When the request left the client's queue for a connection and began to be sent, once {@link #sent}. */
        private long sentNanos;
        private volatile boolean sent;
        /**
         * Whether the request, sent by a thread of the client's ({@link Exchange#sendFromAThreadOfTheClient}), was
         * handed to it, whether that thread took it, or the attempt's end withdrew it: {@link #NOT_HANDED_OVER},
         * {@link #HANDED_OVER}, {@link #TAKEN} or {@link #WITHDRAWN}. Changed by a compare-and-set
         * ({@link #HAND_OVER}), so that only one of the two happens.
         */
        private volatile int handOver;
        /**
         * Whether the thread of the client's took the request so late that the upstream has less than an attempt needs
         * ({@link #leftTooLittle}): the gateway's busy threads took the time, as a full pool's wait does
         * ({@link #heldBack}). Written before the hand-over is taken ({@link #takeHandOver}), so that whoever sees it
         * taken sees this too.
         */
        private volatile boolean handedOverLate;
        /**
         * Whether {@link #timeAfter} is set: once an attempt, by the first to ask ({@link #lookAheadOfTheGuard}, a
         * compare-and-set: {@link #LOOKING_AHEAD}).
         */
        private volatile boolean lookingAhead;

        AttemptListener(Exchange exchange, ExactMethodRequest upstream, Duration timeout) {
            this.exchange = exchange;
            this.upstream = upstream;
            this.timeout = timeout;
            upstream.listener = this; // for the guard's awaitBody, which only has the response
            // The guard cancels an attempt that timed out: end the exchange with it.
            head.whenComplete((response, error) -> {
                if (head.isCancelled()) {
                    upstream.abort(new CancellationException("attempt timed out"));
                }
            });
        }

        /**
         * Looks at the attempt a moment before the guard's timer ends it, and ends it there when what was late is
         * not the response head, so that the failure says so: the connection (a connect timeout, as the JDK's client
         * reports it when a request's timeout passes while it connects), or a connection of the client's pool
         * ({@link #lateFailure}). A request sent whose response head is late is left to the guard's timer, which
         * ends it with the attempt's full time, as the JDK transport's does: ended here too, an upstream that
         * answered within the last moment of its time got a 504 from this transport and its answer from the other.
         *
         * <p>The timer is {@code orTimeout}'s, as the guard's own attempt timer is: one thread fires both, in the
         * order they are due, so this one always comes first. On Jetty's scheduler it could come late on a busy
         * machine, and a connect that never completed was then reported as a late response. It is due the margin
         * before the attempt's time is up counted from the attempt's start ({@link #startedNanos}), after which the
         * guard's timer began, however late it is set: {@link #onQueued} sets it as the request is queued, which for a
         * request whose body is read with blocking I/O a thread of the client's does, maybe late. Counted from then,
         * a thread that came more than the margin late (a loaded machine, a cold JVM) made it come after the guard's,
         * and a request still held back by the full pool, never sent, was ended as a late response of the upstream's:
         * a breaker failure, and retried if idempotent. A request queued after the attempt's whole time is past is
         * left to the guard's timer, which came first: its cancel of the head asks {@link #lateFailure} too for a
         * request held back ({@link #heldBack}, marked before this is set), the gateway's limit (503, not 504), unless
         * that timer ran before the request was queued. Set once an attempt: {@link #lookAheadOfTheGuard}.
         */
        private void timeAfter() {
            long millis = timeout.toMillis();
            long margin = Math.min(TIMEOUT_MARGIN_MILLIS, millis / 5);
            long dueNanos = TimeUnit.MILLISECONDS.toNanos(millis - margin) - (System.nanoTime() - startedNanos);
            // A copy: its timer is removed when the head completes first, and the head itself is left to the guard.
            head.copy().orTimeout(Math.max(0, dueNanos), TimeUnit.NANOSECONDS).whenComplete((response, error) -> {
                if (!(error instanceof TimeoutException)) {
                    return; // the head completed in time (its failures reach the copy wrapped, never as they are)
                }
                Throwable late = lateFailure(millis);
                // A request taken off the client's queue is aborted whatever completed the attempt meanwhile (the
                // container abandoning the exchange): off the queue, only an abort ends its exchange.
                if (late != null && (head.completeExceptionally(late) || takenOffTheQueue)) {
                    upstream.abort(late);
                }
            });
        }

        /**
         * Has the attempt's own look at what was late ({@link #timeAfter}) come before the guard's timer, unless it is
         * set already: from the attempt's start when the attempt's time is no longer than the client's connect
         * timeout, and for a request that the gateway held back (a full pool: {@link #onQueued}; busy threads of the
         * client's: {@link #handedOverLate}). Any of them may ask, the last two on a thread of the client's while the
         * first asks on the attempt's: one timer is enough, and each costs the JDK's timer an entry.
         */
        void lookAheadOfTheGuard() {
            if (LOOKING_AHEAD.compareAndSet(this, false, true)) {
                timeAfter();
            }
        }

        /**
         * Times the attempt itself ({@link #timeAfter}) when its request, queued for a connection, may have to wait
         * for one that another exchange holds: the pool has no room for a connection for each request queued. The
         * guard's timer would end that wait as a late response of the upstream's, which never saw the request. A
         * request queued while the pool has room gets an idle connection or one opened for it, whose connect its
         * connect timeout bounds; it costs no timer. A request held back so is marked, for {@link #lateFailure}.
         * The attempt is timed from its start all the same, however late a thread of the client's queued it.
         */
        void onQueued() {
            HttpExchange queued = sent();
            if (queued == null) {
                return;
            }
            HttpDestination destination = queued.getHttpDestination();
            if (destination.getConnectionPool() instanceof AbstractConnectionPool pool
                    && pool.getConnectionCount() + destination.getQueuedRequestCount() > pool.getMaxConnectionCount()) {
                heldBack = true;
                lookAheadOfTheGuard();
            }
        }

        /** The request is handed to a thread of the client's to send ({@link Exchange#sendFromAThreadOfTheClient}). */
        void beginHandOver() {
            handOver = HANDED_OVER;
        }

        /**
         * Takes the request handed over, on the thread of the client's that is to send it: unless the attempt's end
         * withdrew it ({@link #withdraw}), or its time is up, when the guard's timer, due now, finds it withdrawn
         * (a thread that came so late sends nothing: the failure is reported, or about to be, as never sent). A thread
         * that came so late that the upstream would have less than an attempt needs is {@link #handedOverLate}.
         *
         * @return whether to send it
         */
        boolean takeHandOver() {
            long waited = System.nanoTime() - startedNanos;
            if (waited >= timeout.toNanos()) {
                HAND_OVER.compareAndSet(this, HANDED_OVER, WITHDRAWN);
                return false;
            }
            // Written before the compare-and-set that publishes TAKEN: a cancel of the head, or the look ahead of the
            // guard, landing between the two saw the request neither withdrawn nor late, and the guard's timer ended
            // a request never sent as a late response of the upstream's (504, a breaker failure). Harmless when the
            // compare-and-set fails: every reader asks withdraw() first, and a withdrawn request is never sent.
            handedOverLate = leftTooLittle(timeout.toMillis(), waited);
            return HAND_OVER.compareAndSet(this, HANDED_OVER, TAKEN);
        }

        /**
         * Withdraws the request handed to a thread of the client's that has not taken it yet: it is never sent.
         *
         * @return whether it is withdrawn, now or before; {@code false} when it was taken (or never handed over)
         */
        private boolean withdraw() {
            int was = (int) HAND_OVER.compareAndExchange(this, HANDED_OVER, WITHDRAWN);
            return was == HANDED_OVER || was == WITHDRAWN;
        }

        /**
         * The failure of a request withdrawn at the attempt's end ({@link #withdraw}) because no thread of the client's
         * took it to send in time: 503 {@code connection_limit_reached}, the gateway's own limit, with no attempt of
         * the upstream's ({@link #connectionLimitReached}), as for a request a full pool held back as long.
         */
        private UpstreamFailureException notHandedOver(long millis) {
            return connectionLimitReached(new TimeoutException("no thread of the client's took the request to send it"
                    + " within " + millis + " ms"));
        }

        /** The request left the client's queue: it has a connection, and begins to be sent. */
        void onBegin() {
            sentNanos = System.nanoTime();
            sent = true; // after sentNanos, which a reader of sent sees then
        }

        /**
         * What was late when the attempt's time is about to run out ({@link #timeAfter}), or is up (the guard's timer
         * cancelling the {@link #head} of a request held back or handed over late), or {@code null} when that is the
         * response head, which the guard's own timer reports as it ends the attempt. Jetty's client queues a
         * request at its endpoint's destination until a connection is free for it: one that is idle, or one it
         * opens. A request still queued is taken off the queue, so that it never reaches the upstream, and the failure
         * says what held it back ({@link #failureOfAQueuedRequest}). A request no longer queued was sent, and its
         * response head was late, unless it still waited for its connection's TLS handshake, before which nothing of
         * it is written: then the connect was late, and the handshake is ended here, so that nothing of it is ever
         * written ({@link TlsHandshakeDeadline#endUnlessDone}), unless it succeeded first. Nor is a late head the
         * upstream's when a full pool held the request back until the upstream had less than an attempt needs
         * ({@link #leftTooLittle}): the gateway's own limit took the time, and the failure is
         * {@code connection_limit_reached} (an attempt made, which the breaker does not count), as the guard's
         * {@code admit} refuses an attempt that a queueing bulkhead left too little time; nor when the client's busy
         * threads took that time before one of them sent it ({@link #handedOverLate}); nor either of them when the
         * client stalled its upload, whose stall it is ({@link #clientStalled}). A request handed to a
         * thread of the client's that none took yet is withdrawn here, never to be sent ({@link #notHandedOver}).
         */
        private @Nullable Throwable lateFailure(long millis) {
            HttpExchange sent = sent();
            HttpDestination destination = sent == null ? null : sent.getHttpDestination();
            if (destination == null) {
                // Not handed to the client: still waiting for a thread of the client's, or sent by one only now (then
                // nothing but the head can be late for the guard either, unless that thread came too late for the
                // upstream: the gateway's limit, said to be sent, the safe side, as the abort may come after it is).
                if (withdraw()) {
                    return notHandedOver(millis);
                }
                return handedOverLate ? connectionLimitReachedAfterSending(new TimeoutException("no response head"
                        + " within " + millis + " ms, " + TimeUnit.NANOSECONDS.toMillis(waitedToBeSent()) + " ms of"
                        + " them spent waiting for a thread of the client's")) : null;
            }
            // Still queued only if taken off the queue here, which keeps it from ever being sent. Seen in the queue and
            // aborted after the guard had taken the failure, it could be taken meanwhile by a connection that came free
            // (a body's end) and sent: the upstream got a request the guard counted as none (a rejected call or a lost
            // retry, a 503 connection_limit_reached for a request said never to have been sent) or as a connect that
            // failed before it, which retry.on-connect-failure-for-unsafe sends again, a POST too.
            if (destination.remove(sent)) {
                takenOffTheQueue = true;
                return failureOfAQueuedRequest(destination, millis);
            }
            // Given a connection: a TLS one writes the head only after its handshake, which may be what was late. Only
            // where the handshake is ended here, before it succeeded: its head's write, waiting on the handshake, is
            // not taken back by the abort that follows, and a handshake that completed in between sent the request
            // said never to have been (a POST that retry.on-connect-failure-for-unsafe sends again). Where the
            // handshake succeeded first, the head may be out: what is late is the response head.
            if (awaitingHandshake) {
                // The request's connection, read here off the client's threads without ordering: one not seen yet
                // (none yet, or a stale null) is taken for a sent request, the safe side (a late head, never resent).
                Throwable handshakeLate = TlsHandshakeDeadline.endUnlessDone(upstream.getConnection(), millis);
                if (handshakeLate != null) {
                    return handshakeLate;
                }
            }
            // Unless the client stalled its upload: its stall then, which the guard tells from a timeout while the
            // body's source is awaited (408); the gateway's limit said so of a client that held its upload back, a 503
            // asking it to try again later, the same upload. Only a stall: an upload that flows, however slowly, is
            // awaited a moment at a time, and the gateway's wait took the time.
            boolean heldBackByTheGateway = (heldBack || handedOverLate) && !clientStalled(millis);
            long waited = heldBackByTheGateway ? waitedToBeSent() : 0;
            if (heldBackByTheGateway && leftTooLittle(millis, waited)) {
                return connectionLimitReachedAfterSending(new TimeoutException("no response head within " + millis
                        + " ms, " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms of them spent waiting for "
                        + (heldBack ? "one of the busy connections to the upstream" : "a thread of the client's")));
            }
            return null; // the response head: the guard's timer ends the attempt when its whole time is up
        }

        /**
         * What was late for a request {@link #lateFailure} took off the client's queue, which never reached the
         * upstream: while every connection the pool may have is open and busy with another exchange (long bodies in
         * flight), the gateway's own limit held it back ({@code connection_limit_reached}, which the breaker does not
         * count); otherwise it waited for a connection being opened, whose connect was late. Unless the full pool held
         * it back ({@link #onQueued}) until the longest-running connect now under way had less than an attempt needs:
         * that one began in place of a connection that closed (an attempt that times out aborts its exchange, and
         * closes its connection), the pool's count cannot tell it from one under way all along
         * ({@link ConnectTrackingClient}), and the wait for the busy connections took the time: the gateway's limit.
         */
        private Throwable failureOfAQueuedRequest(HttpDestination destination, long millis) {
            if (destination.getConnectionPool() instanceof AbstractConnectionPool pool
                    && pool.getActiveConnectionCount() >= pool.getMaxConnectionCount()) {
                // In use counts only open connections: one being opened is reserved, an idle one is free.
                return connectionLimitReached(new TimeoutException("no connection of the "
                        + pool.getMaxConnectionCount() + " to the upstream was free within " + millis + " ms"));
            }
            if (heldBack || handedOverLate) {
                // A connection being opened may have begun only a moment ago, replacing one that closed (an attempt
                // that timed out aborts its exchange, and its connection with it), or for a request a thread of the
                // client's sent late: the request waited for a connect only from when the oldest under way began, and
                // for the full pool or the client's threads before.
                long waited = Math.max(0, oldestConnectStarted(destination) - startedNanos);
                if (leftTooLittle(millis, waited)) {
                    return connectionLimitReached(new TimeoutException("no connection to the upstream was free within "
                            + millis + " ms, " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms of them spent waiting"
                            + (heldBack ? " for one of the busy connections" : " for a thread of the client's")
                            + " before one was being opened"));
                }
            }
            return new SocketTimeoutException("connect timed out after " + millis + " ms");
        }

        /**
         * Whether the request, held back by a full pool ({@link #onQueued}) or the client's busy threads
         * ({@link #takeHandOver}), left the queue with less of the attempt's {@code millis} than an attempt needs:
         * {@code min-attempt-timeout}, but at most half the attempt's time, as the guard asks of a first attempt at
         * most half the deadline. Not {@code min-attempt-timeout} alone: by default that is the attempt timeout, and
         * any wait in the queue at all, a moment's while a connection is handed on, would then spare the upstream;
         * under a steady queue a hung upstream would never be counted.
         */
        private boolean leftTooLittle(long millis, long waitedNanos) {
            long timeout = TimeUnit.MILLISECONDS.toNanos(millis);
            long needed = Math.min(guard.config().minAttemptTimeout().toNanos(), timeout / 2);
            return timeout - waitedNanos < needed;
        }

        /**
         * @return when the longest-running connect to the destination now under way began, in
         *     {@link System#nanoTime()}; now when none is
         */
        private long oldestConnectStarted(HttpDestination destination) {
            long now = System.nanoTime();
            return client instanceof ConnectTrackingClient tracking ? tracking.oldestConnectStarted(destination, now)
                    : startedNanos; // not told: as if one were under way for the whole attempt
        }

        /**
         * How long the request waited from the attempt's start to be sent: for a thread of the client's to send it
         * ({@link Exchange#sendFromAThreadOfTheClient}), then in the queue; until now when it left the queue but did
         * not begin to be sent yet (the client takes it from the queue, then tells that it begins).
         */
        private long waitedToBeSent() {
            return (sent ? sentNanos : System.nanoTime()) - startedNanos;
        }

        /**
         * Whether the client stalled the upload of a request sent late ({@link #lateFailure}): its body waits for the
         * client, and the read under way has waited as long as an attempt needs ({@link #leftTooLittle}), or half the
         * time since the request began to be sent. Not merely that a read waits now: a large upload that flows slowly
         * waits for the client's next bytes most of the time, and was answered 408, the client blamed for a wait the
         * gateway's limit made.
         */
        private boolean clientStalled(long millis) {
            ForwardedBody body = exchange.streamedBody;
            if (body == null || !body.isAwaitingClient()) {
                return false;
            }
            long now = System.nanoTime();
            long timeout = TimeUnit.MILLISECONDS.toNanos(millis);
            long needed = Math.min(guard.config().minAttemptTimeout().toNanos(), timeout / 2);
            long out = now - (sent ? sentNanos : now);
            return now - body.awaitingClientSinceNanos() >= Math.min(needed, out / 2);
        }

        /** The request's exchange, which knows its destination; {@code null} before the request was sent. */
        private @Nullable HttpExchange sent() {
            return ((HttpRequest) upstream).getConversation().getExchanges().peekLast();
        }

        void onHeaders(Response answer) {
            int status = answer.getStatus();
            if (head.isDone() || (status < 200 && status != 101)) {
                return; // timed out meanwhile (aborted), or an interim response: the final one follows
            }
            keepAlive.remember(answer);
            boolean relayed = !guard.isFailureStatus(status);
            if (exchange.abandoned) {
                // A half-open breaker's trial call that the guard let run on after the container ended the exchange:
                // its head is for the breaker only, and nothing of the client's request or response is read or
                // written any more (they may be another exchange's by now).
                if (head.complete(answer)) {
                    if (relayed) {
                        relaying = true;
                        clientLeft(exchange.abandonedFor);
                    } else {
                        drain(answer);
                    }
                }
                return;
            }
            if (relayed) {
                UpstreamFailureException problem;
                try {
                    problem = ResponseHeadCheck.problem(status, answer.getHeaders(), HttpField::getName,
                            HttpField::getValue, answer.getVersion() == HttpVersion.HTTP_1_0, maxResponseHeaderSize,
                            exchange.request.getProtocol(), (name, value) -> ProxyHeaders.relayedTowardClient(name,
                                    value, locations, exchange.request));
                } catch (RuntimeException | Error bug) {
                    // As in relayHead: the check reads the client's request (a filter's wrapper of it may throw).
                    if (head.complete(answer)) {
                        endWithBug(bug);
                    }
                    return;
                }
                if (problem != null) {
                    if (head.completeExceptionally(problem)) {
                        upstream.abort(problem); // nothing of it is relayed: the connection closes
                    }
                    return;
                }
            }
            // The head is claimed before anything of it is written: this attempt's timer, or the guard cancelling
            // it, may end the attempt at any moment, and the head of an attempt given up on (retried, or answered
            // with the page) must leave no field behind in the client's response.
            if (head.complete(answer)) {
                if (relayed) {
                    try {
                        relayHead(answer, status);
                    } catch (RuntimeException | Error bug) {
                        endWithBug(bug);
                    }
                } else {
                    drain(answer);
                }
            }
        }

        /**
         * Ends the exchange with a bug thrown while its head was handled, the head taken as the call's result: ours,
         * or a filter's request or response wrapper that throws. Jetty's client would only log it, and the exchange,
         * relaying nothing, would never end. It ends with the bug, which the servlet throws on to the container; the
         * upstream did nothing wrong.
         */
        private void endWithBug(Throwable bug) {
            ended = DONE;
            report(bodyOutcome, DONE);
            upstream.abort(bug);
            exchange.finish(bug);
        }

        private void relayHead(Response answer, int status) {
            if (!exchange.claimResponse(this)) {
                // The servlet's thread, interrupted while it waited for this head, answers with the page: nothing of
                // the head is written, and the relay ends as for a client gone, the upstream exchange aborted.
                relaying = true;
                clientLeft(null);
                return;
            }
            HttpServletResponse response = exchange.response;
            int errorStatus = ErrorDispatches.status(exchange.request);
            response.setStatus(errorStatus != 0 ? errorStatus : status); // the body's framing is the upstream's still
            ProxyHeaders.towardClient(answer.getHeaders(), HttpField::getName, HttpField::getValue, response,
                    locations, exchange.request);
            long contentLength = ResponseHeadCheck.contentLength(status,
                    answer.getHeaders().getValuesList(HttpHeader.CONTENT_LENGTH));
            if (contentLength >= 0) {
                RelayedContentLength.set(response, contentLength);
            }
            announcedLength = contentLength;
            if (exchange.isUploadCutShort() && !RequestBodies.isHttp2OrLater(exchange.request.getProtocol())) {
                // An early answer, the upload part-way (RFC 9112 §9.6): its rest is not read, nor the connection kept.
                response.setHeader("Connection", "close");
                // So says the page of the filter in front that replaces it.
                exchange.request.setAttribute(ErrorResponder.CLOSE_CONNECTION_ATTRIBUTE, Boolean.TRUE);
            }
            // A body that fits the response buffer is written into the buffer, and its last byte sends it, which
            // the socket's send buffer takes at once unless the client left earlier responses of its connection
            // unread. Written so, it needs no write listener and no thread hand-off for the listener's first call,
            // which would cost more than the whole copy. Over HTTP/1 only: an HTTP/2 stream's write waits for the
            // flow-control window its client grants, and one client that reads nothing on a hundred streams of one
            // connection held a hundred of this client's threads, which every other exchange needs.
            // Not a stream either (an event stream, ndjson), whose head is sent at once, without blocking (the stream
            // is then non-blocking, and a blocking write to it throws). And only with a permit of blockingWrites: over
            // HTTP/1 too the write holds the thread while the client leaves an earlier response unread.
            String type = answer.getHeaders().get(HttpHeader.CONTENT_TYPE);
            String coding = answer.getHeaders().get(HttpHeader.CONTENT_ENCODING);
            resetContent = status == 205;
            withBody = !"HEAD".equals(exchange.method) && status != 204 && status != 205 && status != 304
                    && status >= 200;
            // No stream without a body, whatever its head says: a 205's content, watched only to be dropped, is no
            // stream quiet between records when it never comes. Taken for one, the sweep aborted its response, never
            // committed, and the client, who had sent all of its body, got the 400 of a body that could not be read.
            streamTail = withBody
                    ? StreamingResponses.tailOf(type, answer.getHeaders().get("X-Accel-Buffering"), coding)
                    : null;
            streaming = streamTail != null;
            endsWholeWhenQuiet = StreamingResponses.endsWholeWhenQuiet(exchange.method, streamTail, contentLength);
            // (A request that is not asynchronous writes with blocking writes anyway, and takes no permit.)
            fitsBuffer = withBody && exchange.asynchronous && contentLength >= 0
                    && contentLength <= response.getBufferSize()
                    && !RequestBodies.isHttp2OrLater(exchange.request.getProtocol()) && !streaming
                    && takeBlockingWrite();
            // Any Transfer-Encoding that passed ResponseHeadCheck is chunked.
            closeDelimited = withBody && contentLength < 0
                    && !answer.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
            relaying = true;
            if (exchange.abandoned) {
                // abandon() ran since the head completed the call, found neither a call in flight nor this relay
                // relaying, and ended nothing: ended here. (Both fields volatile: of the two, one sees the other's
                // write.)
                clientLeft(exchange.abandonedFor);
                return;
            }
            if (withBody) {
                startWatchingBody();
                if (streaming) {
                    // The head at once, not with the first part, which may be minutes away: a browser's EventSource
                    // opens on it, and a load balancer in front that times the first byte would cut the stream.
                    sendHead(response);
                }
            } else if (contentLength < 0) {
                sendHead(response);
            } else if (resetContent) {
                startWatchingBody(); // a body that never comes ends after body-idle-timeout, as with the JDK transport
            }
        }

        /**
         * Sends the response head before any of the body: of a response without a body whose length is not known
         * ({@link ResponseHeadCheck#commitWithoutLength}), or of a stream ({@link StreamingResponses}). For an
         * asynchronous request without blocking, as a body is written: a blocking flush held this client thread for
         * as long as the client took nothing (earlier responses of its connection unread), up to the container's
         * idle timeout. But a HEAD's over HTTP/2 with a blocking flush: Tomcat ends no HTTP/2 stream of a HEAD whose
         * head it sent without blocking, not even when its stream is closed (the client waited until it gave up),
         * and a head's frame takes no flow-control window to wait for.
         */
        private void sendHead(HttpServletResponse response) {
            try {
                if (exchange.asynchronous && !endsWithoutBodyOverHttp2()) {
                    writer().commit();
                } else {
                    ResponseHeadCheck.commitWithoutLength(response);
                }
            } catch (IOException clientFailed) {
                clientGone = true; // the client went away: end the upstream exchange with it
                upstream.abort(clientFailed);
            }
        }

        /**
         * Ends the relay for a client the container reported gone, or whose cycle ended: the upstream exchange is
         * aborted, and the body's end is no failure of the upstream's.
         */
        void clientLeft(@Nullable Throwable error) {
            if (completed) {
                return; // the usual case: the cycle completes after the body ended
            }
            clientGone = true;
            upstream.abort(error != null ? error : new CancellationException("the client's request ended"));
        }

        /** The writer of an asynchronous request's response, made on first use: the stream goes non-blocking. */
        private NonBlockingResponseBody writer() throws IOException {
            NonBlockingResponseBody body = writer;
            if (body == null) {
                exchange.writesWithoutBlocking = true;
                body = new NonBlockingResponseBody(exchange.response.getOutputStream(), streaming, clientFailed -> {
                    clientGone = true; // the client went away: end the upstream exchange with it
                    upstream.abort(clientFailed);
                });
                writer = body;
            }
            return body;
        }

        /**
         * Drains the body of a failure status the guard discards, so that its connection serves the next request,
         * when it is short and comes promptly: one that announces more than {@link #MAX_DRAINED_BYTES}, brings more,
         * or takes longer than {@link #MAX_DRAIN_MILLIS}, is dropped with its connection, as the JDK's client drops
         * every such body. Drained to its end, a long or trickling body held the connection, one of
         * {@code max-connections}, after the page had gone: the requests after it were refused
         * ({@code connection_limit_reached}), and a retry lost, while the upstream kept sending. The time is bounded
         * by a timer of its own: the sweep comes only every quarter of {@code body-idle-timeout}. Nor is the body of an
         * HTTP/1.0 response with a {@code Transfer-Encoding} drained: its framing is faulty, and its connection is to
         * be closed after it (RFC 9112 §6.1), not given the next request.
         */
        private void drain(Response answer) {
            long announced = answer.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (announced > MAX_DRAINED_BYTES) {
                upstream.abort(new IOException("a discarded body of " + announced + " bytes is not drained"));
                return;
            }
            if (answer.getVersion() == HttpVersion.HTTP_1_0
                    && answer.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
                upstream.abort(new ProtocolException("a discarded HTTP/1.0 body with a Transfer-Encoding"));
                return;
            }
            startWatchingBody();
            drainTimer = client.getScheduler().schedule(() -> {
                if (!completed) {
                    bodies.remove(this);
                    upstream.abort(new TimeoutException("a discarded body not drained within " + MAX_DRAIN_MILLIS
                            + " ms"));
                }
            }, MAX_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
            if (completed) {
                cancelDrainTimer(); // completed meanwhile, on another thread
            }
        }

        private void cancelDrainTimer() {
            Scheduler.Task timer = drainTimer;
            if (timer != null) {
                timer.cancel();
            }
        }

        /**
         * Counts a part of a discarded body, and drops the body with its connection past the bound.
         *
         * @return whether the body was dropped: nothing more of it is asked for
         */
        private boolean dropsPast(int bytes) {
            drained += bytes;
            if (drained <= MAX_DRAINED_BYTES) {
                return false;
            }
            bodies.remove(this);
            upstream.abort(new IOException("a discarded body of over " + MAX_DRAINED_BYTES + " bytes"));
            return true;
        }

        private void startWatchingBody() {
            lastContentNanos = System.nanoTime();
            bodies.add(this);
            if (completed) {
                bodies.remove(this); // completed meanwhile, on another thread
            }
        }

        /**
         * Ends the exchange when no part of the body arrived for {@code body-idle-timeout} while one was asked
         * for: as the upstream's failure, but a stream quiet between records as none ({@link #endedQuiet}). While
         * the client has not taken the last part, the next is not asked for: that wait is the client's, and the
         * upstream's idle time starts again once the client took it. A client that leaves a part waiting longer than
         * {@code client-idle-timeout} is given up on, its response aborted: Tomcat bounds no wait of a non-blocking
         * write over HTTP/2 (a stream whose window stays shut), which held the upstream's connection, one of
         * {@code max-connections}, for as long as the client kept its stream open.
         */
        void checkIdle(long now) {
            if (completed) {
                bodies.remove(this);
                return;
            }
            // Where the stream is, read before the time of its last part: a part that comes meanwhile set that time
            // before it moved the tail, so a tail seen moved comes with its part's time, not with an idle one.
            StreamTail tail = streamTail;
            boolean betweenRecords = tail != null && tail.isBetweenRecords();
            NonBlockingResponseBody body = writer;
            long clientWait = body == null ? 0 : body.clientWaitNanos(now);
            long clientLimit = TimeUnit.MILLISECONDS.toNanos(clientIdleTimeoutMillis);
            if (clientWait >= clientLimit) {
                String why = "the client took no part of the body for " + TimeUnit.NANOSECONDS.toMillis(clientWait)
                        + " ms";
                IOException stalled = new ResponseAbortedException("response aborted: " + why);
                // The body ends as for a client gone, which aborts the upstream exchange; the response is aborted.
                if (body.giveUp(now, clientLimit, stalled, () -> clientStalled = stalled)) {
                    bodies.remove(this);
                    // (Not the request's method or path: the cycle may end on another thread meanwhile.)
                    log.debug("Gave up on a client of upstream {}: {}", guard.name(), why);
                    return;
                }
            }
            if (writingToClient || clientWait > 0) {
                lastContentNanos = now; // the client's wait; restarted again when the client takes the part
                return;
            }
            if (now - lastContentNanos >= TimeUnit.MILLISECONDS.toNanos(bodyIdleTimeoutMillis)) {
                bodies.remove(this);
                if (betweenRecords) {
                    // Quiet between records, as streams are, or its client left, which no write told: were it counted
                    // as a read timeout, the quiet streams of a healthy upstream would open its breaker. An event
                    // stream an EventSource asked for ends whole, which it reconnects to as it does to a failed one.
                    if (!endsWholeWhenQuiet) {
                        quietCut = new ResponseAbortedException("response aborted: the stream was quiet for "
                                + bodyIdleTimeoutMillis + " ms");
                    }
                    endedQuiet = true;
                    log.debug("Ended a stream of upstream {} quiet for {} ms{}", guard.name(), bodyIdleTimeoutMillis,
                            endsWholeWhenQuiet ? "" : ", its response aborted");
                }
                upstream.abort(new TimeoutException("no part of the body within " + bodyIdleTimeoutMillis + " ms"));
            }
        }

        /**
         * Writes a part of the body of an asynchronous request: one larger than the response buffer without
         * blocking, asking for the next part once the client took this one.
         */
        void onContentWithoutBlocking(Response answer, Content.Chunk part, Runnable demander) throws IOException {
            long arrived = System.nanoTime();
            lastContentNanos = arrived;
            if (!relaying && dropsPast(part.remaining())) {
                return;
            }
            if (!relaying) {
                demander.run();
                return;
            }
            if (!withBody) {
                dropResetContent(); // nothing more asked for
                return;
            }
            relaying(part.remaining());
            if (fitsBuffer) {
                onContent(answer, part.getByteBuffer());
                demander.run();
                return;
            }
            StreamTail tail = streamTail;
            if (tail != null) {
                tail.saw(part.getByteBuffer());
            }
            writer().write(part, arrived, () -> {
                // The upstream's idle time starts when the client took the part and the next is asked for; the sweeps
                // while the client held it restarted the clock at their own times, up to a quarter of the timeout
                // before this.
                lastContentNanos = System.nanoTime();
                demander.run();
            });
        }

        /**
         * Writes a part of the body with the stream's blocking writes: for a request that is not asynchronous, and
         * for a body that fits the response buffer.
         */
        void onContent(Response answer, ByteBuffer part) throws IOException {
            lastContentNanos = System.nanoTime();
            if (!relaying) {
                dropsPast(part.remaining());
                return;
            }
            if (!withBody) {
                dropResetContent();
                return;
            }
            if (!exchange.asynchronous) {
                relaying(part.remaining()); // else counted by onContentWithoutBlocking
            }
            StreamTail tail = streamTail;
            if (tail != null) {
                tail.saw(part);
            }
            writingToClient = true;
            try {
                ServletOutputStream out;
                try {
                    out = BodyWrites.outputStream(exchange.response);
                } catch (IllegalStateException writerInUse) {
                    refused = writerInUse; // no failure of the client's or the upstream's: thrown to the servlet
                    throw writerInUse;
                }
                BodyWrites.write(out, part);
                if (streaming) {
                    out.flush();
                }
            } catch (IOException | RuntimeException clientFailed) {
                clientGone = true; // the client went away: Jetty aborts the upstream exchange with this
                throw clientFailed;
            } finally {
                writingToClient = false;
                lastContentNanos = System.nanoTime(); // the upstream's idle time starts when the client took it
                if (completed) {
                    giveBackBlockingWrite(); // the exchange ended (aborted) while this write held the thread
                }
            }
        }

        /**
         * Drops the content of a relayed 205 ({@link #resetContent}, the only relayed response without a body whose
         * body the client parses) with its connection, at its first part: the exchange ends as for a whole body.
         */
        private void dropResetContent() {
            bodies.remove(this);
            upstream.abort(new ProtocolException("the content of a 205, which is not relayed"));
        }

        /**
         * Counts a part of the body about to be relayed; with the last part of a body of announced length, forwards
         * nothing more of the upload ({@link #stopForwarding}). Before the part is written: its last byte completes
         * the client's response, and a client that sends the rest of its upload at once raced
         * {@link #onResponseSuccess}, which Jetty's client calls only once this callback returned.
         */
        private void relaying(int bytes) {
            relayedBytes += bytes;
            if (announcedLength >= 0 && relayedBytes >= announcedLength) {
                stopForwarding();
            }
        }

        /** Forwards nothing more of a streamed upload: the upstream's answer is whole. */
        private void stopForwarding() {
            ForwardedBody streamed = exchange.streamedBody;
            if (streamed != null) {
                streamed.answered();
            }
        }

        private boolean takeBlockingWrite() {
            if (!blockingWrites.tryAcquire()) {
                return false;
            }
            blockingWrite.set(true);
            return true;
        }

        private void giveBackBlockingWrite() {
            if (blockingWrite.compareAndSet(true, false)) {
                blockingWrites.release();
            }
        }

        /**
         * Fails the attempt as soon as its response fails before its head, when the client's body is read with
         * blocking I/O ({@link BlockingRequestBody}): the exchange completes ({@link #onComplete}) only once its
         * request side is done too, and that side may be a read blocked on a client that pauses its upload until it
         * hears back. An upstream that reset the connection then left the client without its 502 until the attempt
         * timeout, which, finding the read waiting for the client, blamed the client (408). The servlet answers with
         * the page and then stops the read ({@link BlockingBodyReads#stopReading}). Before any of the body was read,
         * the request side fails at once with the response, and the body may be sent again: that is left to
         * {@link #onComplete}, so that a retry never reads the body while this attempt still might. A body relayed
         * that fails (a reset after part of it) ends the exchange at once too, as {@link #onComplete} would end it:
         * its part held in the response's buffer reached the client only when the read returned, the client waiting
         * for the rest of the answer before it sent more.
         */
        void onResponseFailure(Response response, Throwable failure) {
            ForwardedBody streamed = exchange.streamedBody;
            if (!relaying && streamed != null && !streamed.isUntouched()) {
                head.completeExceptionally(failureOf(failure)); // no-op if the head timed out or was cancelled first
            } else if (relaying && streamed != null && refused == null) {
                // As onComplete ends it (no writer: this request's writes block); its report and finish, later,
                // change nothing (the first report counts, and the exchange finishes once).
                Object end = endOf(failure);
                ended = end;
                exchange.finish(report(bodyOutcome, end));
            }
        }

        /**
         * Ends the exchange as soon as a relayed answer is whole while the client's upload is still part-way (an early
         * answer: a 413, or a 503, before the upstream read the body, RFC 9110 §15): the rest of the upload is not
         * sent on, and the upstream's connection, its request unfinished, is closed. An upstream that said
         * {@code Connection: close} does not wish to receive the body (RFC 9112 §9.6: a client SHOULD cease
         * transmitting it); one that did not would have to wait for an upload the proxy no longer reads either: the
         * relayed head told the client {@code Connection: close} ({@link #relayHead}), and a client that heeds it
         * sends no more. The rest was forwarded all the same, and the exchange, complete ({@link #onComplete}) only
         * once its request side is done too, waited for the client's next bytes: behind the filter in front that
         * replaces the answer with its page ({@link CapturingResponse#dropsOutput}), which is written only once the
         * exchange ends, a client that pauses its upload until it hears back got nothing until it gave up. A read
         * with blocking I/O ({@link BlockingRequestBody}) ends the exchange here, as {@link #onResponseFailure} does:
         * the abort leaves that read waiting for the client. A failure status the guard discards ({@link #drain}),
         * whole while the upload is paused part-way, gives its connection up at once: it can serve no next request,
         * and the drain's timer gave it up only a second later.
         */
        void onResponseSuccess(Response response) {
            if (!relaying) {
                if (exchange.isUploadCutShort() && !completed) {
                    bodies.remove(this);
                    cancelDrainTimer();
                    upstream.abort(new CancellationException("a discarded answer before the end of the upload"));
                }
                return;
            }
            if (!exchange.isUploadCutShort()) {
                return;
            }
            stopForwarding();
            upstream.abort(new CancellationException("answered before the end of the client's upload"));
            if (exchange.streamedBody instanceof BlockingRequestBody && refused == null) {
                ended = DONE;
                exchange.finish(report(bodyOutcome, DONE));
            }
        }

        void onComplete(Result result) {
            completed = true;
            cancelDrainTimer();
            if (!writingToClient) {
                giveBackBlockingWrite(); // else the write gives it back when it returns
            }
            bodies.remove(this);
            if (!relaying) {
                // Failed before the head, or a failure status the guard discards, or timed out.
                if (result.isFailed()) {
                    head.completeExceptionally(failureOf(result.getFailure()));
                }
                return;
            }
            Throwable failure = result.getResponseFailure();
            if (failure == null && closeDelimited) {
                failure = CloseDelimitedBodies.cutShort(result.getResponse()); // its end: a close, or a cut?
            }
            // A body that broke off counts against the upstream, and is answered with the page if nothing was
            // committed yet, else with an aborted response; a client that went away is no failure of the upstream's,
            // nor is a body stop() cut off (the servlet destroyed): the gateway's doing, as for an attempt.
            Object end = endOf(failure);
            ended = end;
            Object outcome = report(bodyOutcome, end);
            // (Only for the abort the sweep made: a body that ended whole as the sweep found it quiet stays whole.)
            IOException quiet = failure != null ? quietCut : null;
            NonBlockingResponseBody body = writer;
            IllegalStateException streamRefused = refused;
            if (streamRefused != null) {
                // Only the blocking writes of onContent ask for the stream so: there is no non-blocking writer to end.
                exchange.finish(streamRefused);
            } else if (body == null) {
                exchange.finish(quiet != null ? quiet : endedWithoutBody(outcome));
            } else {
                // Only once the client took what was written: completing or dispatching sooner would cut it off.
                // A client given up on is still there: its response is aborted, not completed as if it were whole.
                IOException given = clientStalled;
                IOException stalled = given != null ? given : quiet;
                body.end(() -> {
                    Object relayed = stalled != null ? stalled : clientGone ? DONE : endedWithoutBody(outcome);
                    exchange.clientLeftMidBody = clientGone && stalled == null;
                    exchange.finish(relayed);
                });
            }
        }

        /**
         * @return a relayed body's end: {@link ExchangeOutcome#DONE} if whole (also when the rest of the upload, not
         *     forwarded, failed the exchange: {@link #stopForwarding}), a stream ended quiet, its client left, or a
         *     205's, none of whose content is relayed ({@link #resetContent}), else the failure
         */
        private Object endOf(@Nullable Throwable failure) {
            return failure == null || clientGone || endedQuiet || resetContent
                    || ForwardedBody.UploadStopped.isIn(failure) ? DONE
                    : stopped ? connectionLimitReachedAfterSending(failure) : translate(failure);
        }

        /**
         * Ends the HTTP/2 stream of a whole relayed answer to HEAD before the exchange ends: an asynchronous cycle
         * completed so ends none on Tomcat, nor a forward behind a wrapper on Undertow
         * ({@link BodyWrites#endWithoutBody}). A response with a body ends with its last write.
         *
         * @return the outcome
         */
        private Object endedWithoutBody(Object outcome) {
            if (outcome == DONE && !clientGone && endsWithoutBodyOverHttp2()) {
                try {
                    BodyWrites.endWithoutBody(exchange.response);
                } catch (IOException | IllegalStateException clientFailed) {
                    clientGone = true; // nothing is lost: the head was all there was to send
                }
            }
            return outcome;
        }

        /** Whether this is an answer to HEAD that {@link BodyWrites#endWithoutBody} ends. */
        private boolean endsWithoutBodyOverHttp2() {
            return !withBody && BodyWrites.endsWithoutBody(exchange.request);
        }

        /**
         * Takes where the guard wants the body's end reported ({@link JettyResponses#awaitBody}): usually before the
         * body ends, from the guard's handling of the head; if the body ended first, at once. For a request that is
         * not asynchronous the call's bulkhead permit waits for the body's end too, as the container's thread does.
         */
        void awaitBody(BodyOutcome outcome) {
            if (!exchange.asynchronous) {
                outcome.holdBulkheadPermit();
            }
            bodyOutcome = outcome;
            Object end = ended;
            if (end != null) {
                report(outcome, end);
            }
        }

        /**
         * Reports the body's end to the guard, once it asked for it: whichever of {@link #awaitBody} and
         * {@link #onComplete} comes second reports it (the first report counts).
         *
         * @return the exchange's outcome: {@link ExchangeOutcome#DONE}, or the failure to answer
         */
        private Object report(@Nullable BodyOutcome outcome, Object end) {
            if (end == DONE) {
                if (outcome != null) {
                    outcome.completed();
                }
                return DONE;
            }
            Throwable failure = (Throwable) end;
            // A body that ended before the guard asked for its end (awaitBody) is reported to the guard then, which
            // counts it: answered now, it is the same call's failure, with the exchange's attempts and time (the
            // guard's own failure would also say why no retry was weighed, and date the failing period from this
            // failure if it is the first, which the page answered now does not), not unknown attempts and time.
            return outcome != null ? outcome.failed(failure)
                    : exchange.failureSoFar(BodyFailures.cause(guard.classifier(), failure));
        }

        private Throwable failureOf(Throwable failure) {
            ForwardedBody streamed = exchange.streamedBody;
            if (streamed != null && streamed.failure() != null) {
                // Not the upstream's fault: the guard ends the call without counting it.
                return new CancellationException("the client went away while sending its body");
            }
            if (isQueueFull(failure) || (stopped && failure instanceof RejectedExecutionException)) {
                // Never sent: the gateway's own limit, or a retry after stop() (the servlet destroyed under a call in
                // flight), which the stopped client refuses naming the endpoint. Neither counts against the upstream.
                return connectionLimitReached(failure);
            }
            if (stopped) {
                // stop() cut the attempt off, perhaps after its request went out: the gateway's doing too, the same
                // 503, but an attempt made.
                return connectionLimitReachedAfterSending(failure);
            }
            return translate(failure);
        }
    }

    /**
     * Whether Jetty's client refused to queue the request because as many requests as it queues for one endpoint
     * ({@code maxRequestsQueuedPerDestination}) already wait for a connection. Told from its other refusals (the
     * client stopped, or stopping) by the message, which names the limit; should that ever change, the refusal
     * stays what it was before, a failure the guard does not count either.
     */
    static boolean isQueueFull(Throwable failure) {
        String message = failure.getMessage();
        return failure instanceof RejectedExecutionException && message != null
                && message.startsWith("Max requests queued per destination");
    }

    /**
     * The failure of a request the gateway's own limit of connections held back: 503 {@code connection_limit_reached},
     * as for a full bulkhead, which the breaker does not count. It reports 0 attempts, so the guard counts no attempt
     * of the upstream: a rejected call, or a lost retry.
     */
    static UpstreamFailureException connectionLimitReached(Throwable reported) {
        return new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_LIMIT_REACHED).attempts(0)
                .build(), reported, false);
    }

    /**
     * The failure of an attempt the gateway cut short after its request may have reached the upstream ({@link #stop}
     * under it), or that a full pool of connections held back until too little of its time was left for the
     * upstream ({@code AttemptListener.lateFailure}): 503 {@code connection_limit_reached}, which the breaker does
     * not count, with the attempt made.
     */
    static UpstreamFailureException connectionLimitReachedAfterSending(Throwable reported) {
        return new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_LIMIT_REACHED), reported, false);
    }

    /**
     * Gives Jetty's own exceptions for a response it could not parse a type the failure classifier knows (a head
     * over the limit the failure {@link ResponseHeadCheck#exceeded}, its "Early EOF" an {@link EOFException}:
     * a connection closed early, which once the head arrived is an incomplete response); the JDK types Jetty
     * throws for everything else (connect, DNS, TLS, timeouts, closed connections) pass as they are, but for a TLS
     * handshake that failed because its deadline closed the connection: that is the deadline's connect timeout
     * ({@link TlsHandshakeDeadline#timedOutIn}).
     */
    static Throwable translate(Throwable failure) {
        Throwable late = TlsHandshakeDeadline.timedOutIn(failure);
        if (late != null) {
            return late;
        }
        if (ResponseHeadCheck.isJettyHeadTooLarge(failure)) {
            return ResponseHeadCheck.exceeded(failure);
        }
        Throwable t = failure;
        for (int depth = 0; t != null && depth < FailureClassifier.MAX_CHAIN; depth++, t = t.getCause()) {
            String message = t.getMessage(); // "400: Early EOF": the code, then the reason
            if (t.getClass().getName().startsWith("org.eclipse.jetty.http.HttpException") && message != null
                    && message.endsWith("Early EOF")) {
                // The connection ended inside the head or the body: not malformed, cut short.
                EOFException cut = new EOFException("the upstream closed the connection early");
                cut.initCause(failure);
                return cut;
            }
        }
        t = failure;
        for (int depth = 0; t != null && depth < FailureClassifier.MAX_CHAIN; depth++, t = t.getCause()) {
            String type = t.getClass().getName();
            if (type.equals("org.eclipse.jetty.client.HttpResponseException")
                    || type.equals("org.eclipse.jetty.http.BadMessageException")
                    || type.startsWith("org.eclipse.jetty.http.HttpException")
                    || (t instanceof AssertionError && isThrownByParser(t))) {
                ProtocolException malformed = new ProtocolException("malformed response from the upstream");
                malformed.initCause(failure);
                return malformed;
            }
        }
        return failure;
    }

    /**
     * With assertions enabled (-ea), Jetty 12.1's parser fails its own assertion where it refuses a response
     * (the exception it makes carries the response's status, where {@code HttpException} asserts a 4xx or 5xx):
     * a head over the parser's limit, or anything else it cannot parse, then arrives as an
     * {@code AssertionError} thrown in {@code HttpParser}. Still a response the upstream got wrong, not a bug
     * to show the client.
     */
    private static boolean isThrownByParser(Throwable error) {
        StackTraceElement[] frames = error.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 4); i++) {
            if (frames[i].getClassName().equals("org.eclipse.jetty.http.HttpParser")) {
                return true;
            }
        }
        return false;
    }

    /** Reads Jetty's responses for the guard; a discarded response's body is read and dropped by its listener. */
    private static final class JettyResponses implements ResponseAdapter<Response> {
        @Override
        public int status(Response response) {
            return response.getStatus();
        }

        @Override
        public @Nullable String header(Response response, String name) {
            return response.getHeaders().get(name);
        }

        @Override
        public void discard(Response response) {
            // Nothing to do: the attempt's listener reads and drops the body of a failure status, so that the
            // connection goes back to the pool instead of being closed.
        }

        @Override
        public boolean awaitBody(Response response, BodyOutcome body) {
            if (response.getRequest() instanceof ExactMethodRequest request && request.listener != null) {
                request.listener.awaitBody(body);
                return true;
            }
            return false;
        }
    }
}
