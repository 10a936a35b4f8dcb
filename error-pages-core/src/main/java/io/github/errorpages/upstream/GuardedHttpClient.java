package io.github.errorpages.upstream;

import io.github.errorpages.internal.CheckedBugs;
import io.github.errorpages.upstream.internal.AllMethodRetry;
import io.github.errorpages.upstream.internal.AttemptBoundBodyHandler;
import io.github.errorpages.upstream.internal.BodyCollector;
import io.github.errorpages.upstream.internal.BodySourceFailure;
import io.github.errorpages.upstream.internal.DiscardingBodySubscriber;
import io.github.errorpages.upstream.internal.IdempotencyKeys;
import io.github.errorpages.upstream.internal.JdkResponseAdapter;
import io.github.errorpages.upstream.internal.StreamedBodyEnd;
import io.github.errorpages.upstream.internal.TrackingBodyPublisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Sends requests with the JDK's {@link HttpClient} through an {@link UpstreamGuard}: every send is a guarded
 * call, each attempt a real send to the attempt's endpoint.
 *
 * <p><b>Per attempt</b>, the request is copied with the attempt's endpoint in place of its scheme and
 * authority (its path and query are kept, after the endpoint's own path, its dot segments resolved within it; see
 * {@link Attempt#resolve}), and with the attempt's timeout as its {@linkplain HttpRequest#timeout() timeout} (or
 * the request's own, if shorter). The response is classified: a 5xx response is a failure unless {@code fail-on-5xx} is off, its
 * body is not read (the caller's body handler is not even asked) and its {@code Retry-After} and
 * {@code Proxy-Status} drive the retry decision; exceptions are classified by the guard's
 * {@link io.github.errorpages.FailureClassifier}.
 *
 * <p><b>Request bodies</b> are sent again only when that is known to be safe. A body of known length up to
 * {@code retry.max-replay-body} is read into memory before the first attempt when the request may be
 * retried after it reached the upstream (an idempotent method, or an {@code Idempotency-Key} with that
 * retry enabled), and each attempt sends the buffered copy. {@link #send} reads it on the calling thread and
 * {@link #sendAsync} on the client's executor (the guard's when the client has none). Either waits for it at
 * most as long as the {@code deadline}, before the call starts: the call's own deadline counts from its first
 * attempt, so that the upstream's time is not spent on a client that uploads slowly, and a whole send may take
 * up to twice the deadline. A body not read by then fails the send with an {@link UncheckedIOException}, with
 * no attempt made and nothing counted by the guard. A read that blocks inside the publisher (the JDK's
 * {@code ofInputStream} reads its stream in {@code request(n)}) holds the thread that reads (for {@code send}
 * its caller) until it returns, since no deadline can cut it short. Any other body is passed through as is and
 * can be sent again only while no attempt has started to read it, e.g. after a refused connection. When such
 * a body's publisher fails (the client it streams from went away: for {@code ofInputStream} any
 * {@code IOException} of its stream, which the JDK's publisher wraps in an {@link UncheckedIOException}, but for one
 * that holds another guarded call's {@link io.github.errorpages.UpstreamFailureException}, a download piped into the
 * upload, thrown as is), or an attempt times out while the client waits for more of it (the client stalled), the
 * call ends with an {@link UncheckedIOException} and the upstream is not blamed
 * ({@link UpstreamRequest#withBodySource}); a body that reads its source ahead of demand tells so itself
 * ({@link SourcedBodyPublisher}). Any other unchecked exception of the publisher's (an {@code IllegalStateException}
 * of a body a servlet filter took as a reader) is a bug, thrown as is; a checked exception of no I/O it signals (one
 * its source threw past the compiler's check, as Kotlin or Lombok's {@code @SneakyThrows} code does), whether the body
 * is streamed or buffered for a resend, is a bug too, and the call fails with {@code proxy_internal_error}, the
 * exception its cause, as for a checked exception no classifier knows; neither is counted against the upstream. A
 * body buffered for a resend fails so before any attempt, and the guard records it as the streamed body's: a failed
 * call in its metrics, a {@link UpstreamEvent.CallFailed} event, the time since the send began. (An
 * {@code IOException} the publisher signals is the source's failure, whatever its cause: only the JDK client's
 * {@code send} restates what a streamed body signalled so.)
 *
 * <p><b>Responses</b> are returned as the body handler made them, so a streamed body
 * ({@link HttpResponse.BodyHandlers#ofInputStream()}) arrives as soon as the head does and belongs to the
 * caller, who must close it. The attempt's timeout bounds the attempt until the handler has made its body: a
 * handler that reads the whole body ({@code ofString()}) gets it within the attempt's timeout or the attempt
 * fails with {@code http_response_timeout}; a streamed body is not bounded once it is handed over. The guard's
 * bulkhead permit is released when the attempt ends: for a streamed body when the head arrives (it does not bound the
 * time spent streaming the body), for a body the handler reads whole once it is read. The
 * endpoint's circuit breaker, while closed, records the call when the body ends, and a half-open breaker's trial
 * call when its body ends or its attempt's timeout passes (from the attempt's start), whichever comes first, so
 * that a trial holds the half-open phase at most its attempt's timeout ({@link BodyOutcome}): a streamed
 * body the upstream breaks off (its connection reset or closed early) is a failure, with an
 * {@link UpstreamEvent.BodyBrokenOff} event, although its head arrived, and the {@code IOException} its reader gets
 * has an {@link io.github.errorpages.UpstreamFailureException} in its cause chain, so that the page and its log line
 * name the upstream; one read to its end, or closed by the caller before it, a success. A streamed body neither read
 * to its end nor closed is never recorded, unless it is a trial call's, whose success is recorded when its attempt's
 * timeout passes; a trial's body that still streams then counts as a success, and should it break off later it is
 * judged as a closed breaker's body (nothing into the phase that recorded its trial).
 * {@link #send} and {@link #sendAsync} time an attempt alike, by the client's own request timeout, which tells
 * what was late: a connection that was not established within the attempt's timeout fails it with
 * {@code connection_timeout} (when the client's connect timeout is not the shorter), a head that did not arrive
 * with {@code http_response_timeout}. On either, the guard's own timer ends an attempt only should the
 * client not have ended it by then, as much again later (a second at most), as a late response: an executor that
 * runs none of the client's tasks, say, or the client's own resend below. For {@code send} it interrupts the
 * waiting thread, and the attempt fails as late, not as interrupted. The client's timer (the attempt's timeout, or
 * the request's own if shorter) may fire after the client parsed a head that came at its edge and before it took the
 * head in: it closes the connection then, and fails the exchange (on JDK 17 as a body cut short). Of a head the
 * client took in once its timer was due, a body it fails within 50 ms (of taking the head in, or of handing over a
 * streamed body), or before a body read whole is made once the attempt's time ran out, fails as late
 * ({@code http_response_timeout}, retried as a late response is), not as the upstream's incomplete answer. That
 * window is a heuristic: on a loaded machine a cut the client reports later still fails as the upstream's
 * incomplete answer (a streamed body as broken off), and a failure of the upstream's own within it fails as late.
 *
 * <p>The JDK client itself sends a GET or HEAD a second time when the connection is closed or reset before
 * any response byte arrived (its {@code ConnectionExpiredException} path: on JDK 17 for fresh connections
 * too, on later JDKs for pooled ones); that resend happens inside one attempt, on the same endpoint, and
 * the guard can neither see nor prevent it, so for that one failure an upstream may see a GET twice per
 * attempt. With {@code jdk.httpclient.enableAllMethodRetry} on (a system property, or the JDK's
 * {@code conf/net.properties}) it does so for any method, a POST too, so {@link #of} refuses a client then. Over
 * HTTP/2 it also sends a request of any method again when the upstream refused its stream unprocessed
 * ({@code REFUSED_STREAM}, or a {@code GOAWAY} that leaves it out: RFC 9113 §8.7 says it was not processed; JDK 21
 * or so on). The client starts its request timeout again for the resend, which the guard's timer bounds: the
 * attempt ends within its timeout and that backstop. A body that is not buffered is not sent again unless it is one
 * of the JDK's publishers of a string, a byte array or a file, which read their source afresh: any other resend
 * fails at its body, as {@code connection_terminated}, leaving the upstream an incomplete request (it would read
 * the body's source at its end, and send the rest of the body only, or none).
 *
 * <p>A client that follows redirects, or has an {@link java.net.Authenticator}, sends a request again itself to
 * follow a 307 or 308 or to answer a 401 or 407, within the same attempt: a new request after a complete
 * response, not a retry. Its body goes again if it is buffered or one of those JDK publishers; any other body
 * cannot be read twice, and the call ends with an {@link UncheckedIOException} that says so, the upstream not
 * blamed. (Through such a client, a resend of another method's streamed body for a refused HTTP/2 stream cannot
 * be told from one for a redirect, and ends so too; a client that follows no redirects and answers no challenges
 * fails it as {@code connection_terminated}.)
 *
 * <p>The JDK client never closes a connection whose answer was not HTTP at all (an invalid status line, which the
 * guard classifies as {@code http_protocol_error}; JDK 17 to 25): each such answer leaves a socket in
 * {@code CLOSE_WAIT}, with its file descriptor, until the client is closed ({@code close()}, Java 21 and later), on
 * Java 17 for the life of the JVM (17.0.15: a client that ends once collected leaves it open). An endpoint that
 * answers with another protocol (a misrouted SSH or database port) can so exhaust the process's file descriptors;
 * the breaker that opens on those failures bounds how many.
 *
 * <p>Instances are immutable and thread-safe; share one per upstream.
 *
 * @since 0.1.0
 */
public final class GuardedHttpClient {

    private final HttpClient client;
    private final UpstreamGuard guard;

    private GuardedHttpClient(HttpClient client, UpstreamGuard guard) {
        this.client = Objects.requireNonNull(client, "client");
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /**
     * @param client the client that makes the attempts; its connect timeout, redirect policy, authenticator, TLS
     *     settings and executor apply to every attempt
     * @param guard the upstream's guard
     * @return the guarded client
     * @throws IllegalArgumentException if an {@code https} endpoint's host name ends in a dot
     *     ({@code orders.example.}): the JDK's client refuses such a name as a TLS server name (SNI), on every send
     * @throws IllegalStateException if {@code jdk.httpclient.enableAllMethodRetry} is on (empty or {@code true}),
     *     as a system property or, without one, in the JDK's {@code conf/net.properties}: the JDK's client then
     *     sends any request again on its own, a POST too, when its connection closes before the response, which
     *     would break the guard's promise that a non-idempotent request reaches the upstream at most once (R13).
     *     The property is read as it is now; the JDK's client reads it once, before its first send, so a property
     *     set later, by code, escapes this check: set it, if ever, at the JVM's start
     */
    public static GuardedHttpClient of(HttpClient client, UpstreamGuard guard) {
        GuardedHttpClient guarded = new GuardedHttpClient(client, guard);
        for (URI endpoint : guard.config().endpoints()) {
            String host = endpoint.getHost();
            if ("https".equalsIgnoreCase(endpoint.getScheme()) && host != null && host.endsWith(".")) {
                throw new IllegalArgumentException("Invalid error-pages configuration: upstreams." + guard.name()
                        + ".endpoints holds " + endpoint + ", whose host name ends in a dot: the JDK's HttpClient "
                        + "refuses it as a TLS server name (SNI) on every call; write the host name without the dot");
            }
        }
        String allMethodRetry = AllMethodRetry.enabledBy(); // read as the JDK reads it, once
        if (allMethodRetry != null) {
            throw new IllegalStateException("GuardedHttpClient for upstream " + guard.name() + ": " + allMethodRetry
                    + " makes the JDK's HttpClient send any request again on its own, a POST too, when its connection "
                    + "closes before the response; remove it, or a non-idempotent request may reach the upstream "
                    + "twice (R13)");
        }
        return guarded;
    }

    /**
     * Sends a request through the guard, blocking.
     *
     * @param <T> the body type
     * @param request the request; its URI's path and query are sent to the upstream's endpoints
     * @param handler makes the body of a response that is returned
     * @return the response of the attempt that succeeded: any status from 100 to 599 but a 5xx that is a failure
     *     ({@code fail-on-5xx})
     * @throws io.github.errorpages.UpstreamFailureException when the call failed
     * @throws InterruptedException when the thread was interrupted, or a body to buffer threw an
     *     {@code InterruptedException} on it past the compiler's check (that one, as is)
     * @throws UncheckedIOException when the request body could not be read for buffering, or not within the
     *     deadline (a read that blocks inside the publisher is waited for), or when a streamed body's source
     *     failed or stalled during an attempt
     * @throws RuntimeException an exception that is no upstream failure, as is (see
     *     {@link UpstreamGuard#call(UpstreamRequest, UpstreamCall)})
     */
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) throws InterruptedException {
        Objects.requireNonNull(handler, "handler");
        long started = System.nanoTime(); // a call that ends before any attempt is timed from here, as is its read
        Prepared prepared = prepare(request, null);
        CompletableFuture<byte[]> pending = prepared.pending;
        if (pending != null) {
            try {
                // A body publisher that never completes must not hold the caller longer than a whole call may take.
                prepared = prepared.buffered(pending.get(guard.config().deadline().toNanos(), TimeUnit.NANOSECONDS));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InterruptedException interrupted && Thread.interrupted()) {
                    // The body threw an interrupt of this thread past the compiler's check, which BodyCollector caught
                    // and interrupted the thread again for: the InterruptedException declared, its flag consumed as by
                    // any method that throws one. Not the source's failure, which lost the interrupt.
                    throw interrupted;
                }
                throw bodyUnreadable(e.getCause(), prepared.upstreamRequest, started);
            } catch (TimeoutException e) {
                throw bodyUnreadable(e, prepared.upstreamRequest, started);
            }
        }
        Prepared ready = prepared;
        BodyHandler<T> guardedHandler = guardedHandler(handler);
        // Bounded also while the handler reads the body: the JDK's request timeout ends with the response head.
        return guard.call(ready.upstreamRequest, JdkResponseAdapter.<T>instance(), attempt -> {
            StreamedBodyEnd end = new StreamedBodyEnd();
            AttemptBoundBodyHandler<T> bounded = AttemptBoundBodyHandler.within(end.observing(guardedHandler),
                    attempt.timeout(), ready.clientTimeout(attempt));
            try {
                return end.attachTo(SendBackstop.send(client, ready.forAttempt(attempt), bounded, attempt.timeout()));
            } catch (IOException failed) {
                throw bounded.explained(failed);
            }
        });
    }

    /**
     * Sends a request through the guard without blocking: a body to buffer is read on the client's executor, or
     * the guard's when the client has none. Cancelling the returned future cancels the attempt in flight (the
     * JDK client aborts the exchange) and any pending retry; an attempt that is a half-open breaker's trial call runs
     * on to its outcome, for the breaker ({@link UpstreamGuard#callAsync(UpstreamRequest, AsyncUpstreamCall)}).
     *
     * @param <T> the body type
     * @param request the request; its URI's path and query are sent to the upstream's endpoints
     * @param handler makes the body of a response that is returned
     * @return the response of the attempt that succeeded, or completed exceptionally with an
     *     {@link io.github.errorpages.UpstreamFailureException} (or an abort or bug, as
     *     {@link #send(HttpRequest, BodyHandler)} throws them); a body to buffer that throws an
     *     {@code InterruptedException} past the compiler's check fails the future as one it signals does, as the
     *     body source's failure (an {@link UncheckedIOException}): that interrupt was the reading thread's, not the
     *     caller's, and stopped that read only (the executor's thread is interrupted again for the rest of the read's
     *     task, not for the executor's next one, unless it was interrupted as the task began, which it stays)
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        long started = System.nanoTime(); // a call that ends before any attempt is timed from here, as is its read
        // A body to buffer is read on the client's executor (the guard's when the client has none), where the JDK
        // client would read it too: a publisher may read its source inside request(n), as ofInputStream does.
        Prepared prepared = prepare(request, client.executor().orElse(guard.executor()));
        BodyHandler<T> guardedHandler = guardedHandler(handler);
        CompletableFuture<byte[]> pending = prepared.pending;
        if (pending == null) {
            return callAsync(prepared, guardedHandler, new CompletableFuture<>());
        }
        CompletableFuture<HttpResponse<T>> outcome = new CompletableFuture<>();
        // As for send: a body publisher that never completes must not hold the caller longer than a whole call
        // may take. orTimeout on a copy, so that the body's own future is left as it is.
        CompletableFuture<byte[]> bounded =
                pending.copy().orTimeout(guard.config().deadline().toNanos(), TimeUnit.NANOSECONDS);
        bounded.whenComplete((bytes, error) -> {
            if (outcome.isDone()) {
                return; // cancelled while the body was read
            }
            if (error != null) {
                Throwable c = GuardedCall.unwrap(error);
                outcome.completeExceptionally(c instanceof Error bug ? bug
                        : bodyUnreadable(error, prepared.upstreamRequest, started));
                return;
            }
            // The call completes the outcome itself: ended by the caller in any way (cancelled, timed out with
            // orTimeout, completed with a value of its own), even while the first attempt waits for a bulkhead
            // permit on this thread, the call is not made, or what is in flight is aborted.
            callAsync(prepared.buffered(bytes), guardedHandler, outcome);
        });
        return outcome;
    }

    /** @return the guard */
    public UpstreamGuard guard() {
        return guard;
    }

    /** @return the JDK client */
    public HttpClient httpClient() {
        return client;
    }

    private <T> CompletableFuture<HttpResponse<T>> callAsync(Prepared prepared, BodyHandler<T> handler,
            CompletableFuture<HttpResponse<T>> result) {
        // Timed as send's attempts are, by the client and the body's bound: the client's request timeout tells a
        // connect that never completed (HttpConnectTimeoutException) from a late head. The guard's own timer, due
        // at the same moment, won the race more often than not and made either a late response.
        return guard.callAsyncTimedByAttempts(prepared.upstreamRequest, JdkResponseAdapter.<T>instance(), attempt -> {
            StreamedBodyEnd end = new StreamedBodyEnd();
            AttemptBoundBodyHandler<T> bounded = AttemptBoundBodyHandler.within(end.observing(handler),
                    attempt.timeout(), prepared.clientTimeout(attempt));
            return end.attachTo(client.sendAsync(prepared.forAttempt(attempt), bounded), bounded::explained);
        }, result);
    }

    private <T> BodyHandler<T> guardedHandler(BodyHandler<T> handler) {
        if (!guard.config().isFailOn5xxEnabled()) {
            return handler;
        }
        // Not this client: the JDK's keeps a handler reachable from a pooled connection's last exchange, and one
        // that held this client held the JDK's client (its facade) too, which on Java 17 stops only when collected.
        UpstreamGuard guard = this.guard;
        return info -> guard.isFailureStatus(info.statusCode()) ? new DiscardingBodySubscriber<>() : handler.apply(info);
    }

    /**
     * @param reader where to read a body to buffer, or {@code null} to read it on the calling thread
     */
    private Prepared prepare(HttpRequest request, @Nullable Executor reader) {
        Objects.requireNonNull(request, "request");
        UpstreamRequest upstreamRequest = UpstreamRequest.of(request.method())
                .withIdempotencyKey(request.headers().allValues(IdempotencyKeys.FIELD).stream()
                        .anyMatch(IdempotencyKeys::isKey));
        BodyPublisher body = request.bodyPublisher().orElse(null);
        if (body == null || body.contentLength() == 0) {
            return new Prepared(request, upstreamRequest, null, null);
        }
        long length = body.contentLength();
        if (length > 0 && length <= guard.config().maxReplayBody() && guard.mayRetryAfterSending(upstreamRequest)) {
            return new Prepared(request, upstreamRequest, null,
                    reader == null ? BodyCollector.collect(body, length) : BodyCollector.collect(body, length, reader));
        }
        TrackingBodyPublisher tracked = new TrackingBodyPublisher(body, request.method(),
                client.followRedirects() != HttpClient.Redirect.NEVER || client.authenticator().isPresent());
        UpstreamRequest streamed = upstreamRequest.withReplayableBody(tracked::isUntouched);
        if (body instanceof SourcedBodyPublisher sourced) {
            streamed = streamed.withBodySource(() -> tracked.isSourceFailed() || sourced.isSourceFailed(),
                    sourced::isSourceAwaited);
        } else {
            streamed = streamed.withBodySource(tracked::isSourceFailed, tracked::isSourceAwaited);
        }
        return new Prepared(request, streamed, () -> tracked, null);
    }

    /**
     * @param request the call's request
     * @param started when the send began ({@link System#nanoTime()})
     * @return what a call whose body to buffer could not be read ends with
     * @throws Error an Error the publisher threw, as is: a bug
     */
    private RuntimeException bodyUnreadable(Throwable cause, UpstreamRequest request, long started) {
        Throwable c = GuardedCall.unwrap(cause);
        if (c instanceof Error bug) {
            throw bug;
        }
        // As signalled: no JDK client stood between the publisher and BodyCollector to restate it. An IOException of
        // its cause's message is the source's I/O failure (a body that inflates its source, wrapping its
        // DataFormatException), not a bug of that cause's.
        Throwable checkedBug = CheckedBugs.of(c);
        if (checkedBug != null) {
            // A checked exception the source's read cannot declare, thrown past the compiler's check (Kotlin, Lombok's
            // @SneakyThrows): a bug, as it is when the body is streamed (GuardedCall.bodySourceFailed), not the
            // client's failure to send its body, which a 400 blamed it for. No attempt was made, nothing counts
            // against the upstream; the call is recorded as the streamed body's is: a failed call, its event, its time.
            return guard.failBeforeAnyAttempt(request, checkedBug, started);
        }
        if (c instanceof UncheckedIOException sourceFailed) {
            // The source's I/O failure, unchecked to pass through the publisher: the source's, as a streamed
            // body's is (a SocketTimeoutException of the client's read was taken for the upstream's read timeout).
            return new BodySourceFailure(new IOException("could not read the request body to buffer it",
                    sourceFailed.getCause()), false);
        }
        if (c instanceof RuntimeException runtime) {
            return runtime; // a bug, thrown as is
        }
        // The body's source failed or stalled before any upstream was called: not the upstream's failure, and no
        // timeout of its, which a stalled source's TimeoutException read as made a 504 page of a client's stall.
        return new BodySourceFailure(new IOException("could not read the request body to buffer it", c),
                c instanceof TimeoutException);
    }

    /** A request made ready for its attempts: what the guard needs to know, and the body for each attempt. */
    private static final class Prepared {
        private final HttpRequest original;
        private final UpstreamRequest upstreamRequest;
        private final @Nullable Supplier<BodyPublisher> body;
        private final @Nullable CompletableFuture<byte[]> pending;

        Prepared(HttpRequest original, UpstreamRequest upstreamRequest, @Nullable Supplier<BodyPublisher> body,
                @Nullable CompletableFuture<byte[]> pending) {
            this.original = original;
            this.upstreamRequest = upstreamRequest;
            this.body = body;
            this.pending = pending;
        }

        Prepared buffered(byte[] bytes) {
            return new Prepared(original, upstreamRequest, () -> BodyPublishers.ofByteArray(bytes), null);
        }

        /**
         * @return the timeout the client's request timer runs on in an attempt: the attempt's, or the request's own
         *     if shorter
         */
        Duration clientTimeout(Attempt attempt) {
            return original.timeout().filter(own -> own.compareTo(attempt.timeout()) < 0).orElse(attempt.timeout());
        }

        HttpRequest forAttempt(Attempt attempt) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(original, (name, value) -> true)
                    .uri(attempt.resolve(original.uri()));
            builder.timeout(clientTimeout(attempt));
            Supplier<BodyPublisher> perAttempt = body;
            if (perAttempt != null) {
                builder.method(original.method(), perAttempt.get());
            }
            return builder.build();
        }
    }
}
