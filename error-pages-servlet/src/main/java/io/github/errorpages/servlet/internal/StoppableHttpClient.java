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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

    /**
     * @param client the client that sends
     */
    public StoppableHttpClient(HttpClient client) {
        this.client = client;
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
        HttpClient sending = sending();
        try {
            return sending.send(request, handler);
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
        CompletableFuture<HttpResponse<T>> answer = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning); // first: the send's end would complete it
                sent.cancel(mayInterruptIfRunning);
                return cancelled;
            }
        };
        sent.whenComplete((response, failure) -> {
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
