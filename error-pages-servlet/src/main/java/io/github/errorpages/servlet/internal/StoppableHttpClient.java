package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.upstream.internal.JdkResponseAdapter;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * The JDK transport's own client, which sends nothing once {@link #refuseSends()} was called, as its servlet stops
 * the client under it. The JDK's client, stopped (Java 21's {@code shutdownNow()}), fails a send with
 * {@code IOException: closed}, which the guard took for the upstream's {@code connection_terminated}: a retry whose
 * backoff ended after the servlet's destruction was answered with a 502 that blamed the upstream, and counted by
 * the breaker of a guard other servlets may share. Refused here, the request is never sent:
 * {@code connection_limit_reached} with no attempt, which the guard counts as a lost retry (or a rejected call), as
 * for the Jetty transport's stopped client. An exchange in flight that fails from then on (stopping the client
 * fails it with {@code IOException: shutdownNow}, which the guard took for a bug of the gateway's,
 * {@code proxy_internal_error}) is cut off by the gateway likewise: {@code connection_limit_reached}, an attempt
 * made, which the breaker does not count.
 *
 * <p>Java 17's client, which cannot be stopped, does not end its exchanges in flight: {@link #cutOffExchanges()} ends
 * them, each cut off by the gateway as above, rather than let them wait for the upstream's answer (a stalled
 * upstream's till the attempt timed out, a 504 that counted against the breaker of a guard other servlets may share)
 * on behalf of a servlet gone.
 *
 * <p>Once its servlet is done with the client, {@link #letGo()} drops it: the JDK releases a client (its selector,
 * with the exchanges and connections it still has, and on Java 17 its selector thread) only once nothing holds the
 * client handed out, the facade this wraps, but an exchange the selector kept (a pooled connection's last one, or
 * one cut off) holds its body handler, through which the gateway's objects led back here. The facade stayed
 * reachable from the client it fronts, which was never released (Java 21 on) or only with its last pooled
 * connection (Java 17), and with it the web application's class loader.
 *
 * <p>Everything else is the wrapped client's, which answers it until {@link #letGo()}. Thread-safe, as the JDK's
 * client is.
 */
public final class StoppableHttpClient extends HttpClient {

    /** The client that sends; {@code null} once let go of. */
    private volatile @Nullable HttpClient client;
    private volatile boolean refusing;
    /** The threads waiting in {@link #send} for a response head; guarded by itself. */
    private final Set<Thread> waiting = new HashSet<>();
    /** Those of {@link #waiting} that {@link #cutOffExchanges()} interrupted; guarded by {@link #waiting}. */
    private final Set<Thread> interrupted = new HashSet<>();
    /** The sends of {@link #sendAsync} not completed yet. */
    private final Set<CompletableFuture<?>> sentAsync = ConcurrentHashMap.newKeySet();

    /**
     * Whether the sends are noted for {@link #cutOffExchanges()}: for a client that cannot be stopped (Java 17), whose
     * exchanges nothing else ends. A client that can be leaves every send without the bookkeeping and its lock.
     */
    private final boolean cutsOff;

    /**
     * @param client the client that sends
     * @param cutsOff whether {@link #cutOffExchanges()} is to end its exchanges (a client that cannot be stopped)
     */
    public StoppableHttpClient(HttpClient client, boolean cutsOff) {
        this.client = client;
        this.cutsOff = cutsOff;
    }

    /**
     * @return the client that sends, which its owner stops
     * @throws IllegalStateException once it was let go of ({@link #letGo()})
     */
    public HttpClient client() {
        HttpClient sending = client;
        if (sending == null) {
            throw new IllegalStateException("the proxy's client was let go of: its servlet was destroyed");
        }
        return sending;
    }

    /** From now on, refuses every request, as the gateway's doing, before the wrapped client sees it. */
    public void refuseSends() {
        refusing = true;
    }

    /**
     * Ends the exchanges waiting for a response head, for a client that cannot be stopped (Java 17), once
     * {@link #refuseSends()} was called: a blocking send is interrupted, which makes the JDK's client abort its
     * exchange, and fails as cut off by the gateway, the thread's interrupt status as it was; an asynchronous one is
     * cancelled, which aborts its exchange, and fails likewise. A response whose head arrived is the caller's to
     * read or close. Does nothing for a client made not to cut off its exchanges.
     */
    public void cutOffExchanges() {
        synchronized (waiting) {
            for (Thread thread : waiting) {
                if (interrupted.add(thread)) {
                    thread.interrupt();
                }
            }
        }
        for (CompletableFuture<?> sent : sentAsync) {
            sent.cancel(true);
        }
    }

    /**
     * The calling thread no longer waits in {@link #send}: no interrupt of {@link #cutOffExchanges()} comes after
     * this, and one that came is cleared, so that it reaches no other code.
     *
     * @return whether {@link #cutOffExchanges()} interrupted it
     */
    private boolean leave(Thread caller) {
        synchronized (waiting) {
            waiting.remove(caller);
            boolean cut = interrupted.remove(caller);
            if (cut) {
                Thread.interrupted();
            }
            return cut;
        }
    }

    /**
     * From now on, refuses every request, as {@link #refuseSends()} does, and holds the wrapped client no more, so
     * that the JDK can release it once nothing else holds it: an exchange in flight holds it until it ends. Every
     * method but the sends throws {@link IllegalStateException} from then on.
     */
    public void letGo() {
        refusing = true; // first: a send that finds no client is refused
        client = null;
    }

    /** @return the client to send with, unless requests are refused (as the gateway's doing) from now on */
    private HttpClient sending() {
        HttpClient sending = client;
        if (refusing || sending == null) {
            throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.CONNECTION_LIMIT_REACHED)
                    .attempts(0).build(), new RejectedExecutionException("the proxy's client is stopped"), false);
        }
        return sending;
    }

    /** @return whether {@code failure} came once the client is being stopped, the gateway's doing: {@link #cutOff} */
    private boolean stoppedUnder(Throwable failure) {
        return refusing && !(failure instanceof UpstreamFailureException);
    }

    private static UpstreamFailureException cutOff(Throwable failure) {
        return new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_LIMIT_REACHED), failure, false);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler)
            throws IOException, InterruptedException {
        if (!cutsOff) {
            return sendUncut(request, handler);
        }
        Thread caller = Thread.currentThread();
        synchronized (waiting) {
            waiting.add(caller); // first: a send that cutOffExchanges() does not see is refused
        }
        try {
            return sendUncut(request, handler);
        } catch (InterruptedException interruptedThere) {
            if (leave(caller)) {
                // The JDK's client aborted the exchange. Not the interrupt as the cause: the guard would take the
                // call for one its caller gave up, and tell its listeners of no failure.
                throw cutOff(new IOException("the exchange was cut off: the proxy's servlet was destroyed"));
            }
            throw interruptedThere;
        } finally {
            leave(caller);
        }
    }

    /** A send, the stopped client's failures its refusals (the gateway's doing, {@link #cutOff}). */
    private <T> HttpResponse<T> sendUncut(HttpRequest request, BodyHandler<T> handler)
            throws IOException, InterruptedException {
        try {
            return sending().send(request, handler);
        } catch (IOException | RuntimeException failed) {
            if (stoppedUnder(failed)) {
                throw cutOff(failed);
            }
            throw failed;
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
        return sendAsyncUnlessStopped(sending -> sending.sendAsync(request, handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler,
            PushPromiseHandler<T> pushPromiseHandler) {
        return sendAsyncUnlessStopped(sending -> sending.sendAsync(request, handler, pushPromiseHandler));
    }

    /**
     * The response of a send, failed as {@link #cutOff} once the client is being stopped; cancelling it cancels the
     * send (the client aborts the exchange), and a response that arrives all the same is discarded.
     */
    private <T> CompletableFuture<HttpResponse<T>> sendAsyncUnlessStopped(
            Function<HttpClient, CompletableFuture<HttpResponse<T>>> send) {
        HttpClient sending;
        try {
            sending = sending();
        } catch (UpstreamFailureException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<HttpResponse<T>> sent = send.apply(sending);
        if (cutsOff) {
            sentAsync.add(sent);
            if (refusing) {
                sent.cancel(true); // cutOffExchanges() came while it was being sent, before it was known
            }
        }
        CompletableFuture<HttpResponse<T>> answer = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning); // first: the send's end would complete it
                sent.cancel(mayInterruptIfRunning);
                return cancelled;
            }
        };
        sent.whenComplete((response, failure) -> {
            if (cutsOff) {
                sentAsync.remove(sent);
            }
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                answer.completeExceptionally(stoppedUnder(cause) ? cutOff(cause) : failure);
            } else if (!answer.complete(response)) {
                JdkResponseAdapter.<T>instance().discard(response);
            }
        });
        return answer;
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return client().cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return client().connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return client().followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return client().proxy();
    }

    @Override
    public SSLContext sslContext() {
        return client().sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return client().sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return client().authenticator();
    }

    @Override
    public Version version() {
        return client().version();
    }

    @Override
    public Optional<Executor> executor() {
        return client().executor();
    }

    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return client().newWebSocketBuilder();
    }

    @Override
    public String toString() {
        HttpClient sending = client;
        return sending != null ? sending.toString() : "StoppableHttpClient (let go of)";
    }
}
