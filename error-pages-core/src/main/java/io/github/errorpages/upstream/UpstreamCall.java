package io.github.errorpages.upstream;

/**
 * One attempt of a call to an upstream, made by {@link UpstreamGuard#call(UpstreamRequest, UpstreamCall)}
 * once per attempt, possibly on another endpoint each time.
 *
 * <p>An implementation sends the request to {@link Attempt#endpoint()} (see {@link Attempt#resolve}),
 * applies {@link Attempt#timeout()}, and either returns the result or throws what the client threw: the
 * guard classifies the exception ({@link io.github.errorpages.FailureClassifier}) and decides whether to
 * retry. It must be safe to invoke again after it threw. The attempts of one call never overlap and all
 * run on the calling thread.
 *
 * <p><b>The caller's cancel.</b> An attempt that the application cancels through its client because its own
 * caller went away says so by throwing a {@link java.util.concurrent.CancellationException} (the client's
 * exception as its cause): the call then ends with it, without a retry, and no circuit breaker counts it. What
 * the client itself throws for a cancel cannot say who cancelled: Apache HttpClient 5's {@code cancel()} and 4's
 * {@code abort()} of a request in flight give a bare {@code SocketException("Socket closed")} (or Apache 5's
 * {@code RequestFailedException("Request aborted")} when its retries are on), as when a timer cancels it for a
 * hard timeout or the client is closed, so the guard takes that for the upstream's failure. Only the attempt
 * knows, for example with Apache 5's classic client:
 * <pre>{@code
 * HttpGet get = new HttpGet(attempt.resolve(target));
 * callerGone.thenRun(get::cancel);                   // Apache 4: get::abort
 * try {
 *     return client.execute(get, handler);
 * } catch (IOException e) {
 *     if (get.isCancelled()) {                       // Apache 4: get.isAborted()
 *         throw (CancellationException) new CancellationException("caller went away").initCause(e);
 *     }
 *     throw e;
 * }
 * }</pre>
 * Where a timer cancels the same request for a hard timeout, test the application's own signal
 * ({@code callerGone.isDone()}) instead of {@code isCancelled()}: that cancel is the upstream's slowness. A request
 * cancelled before it was executed never leaves: the guard takes what Apache throws for it (5's
 * {@code IllegalStateException("Endpoint not acquired / already released")}, 4's
 * {@code RequestAbortedException("Request aborted")}) for the caller's cancel by itself.
 *
 * <p><b>The client's own resends.</b> The guard retries only what is safe (R13), but a client that sends a request
 * again by itself does so inside one attempt, where the guard can neither see nor prevent it. Turn those off, or
 * keep them to requests that are safe to repeat:
 * <ul>
 *   <li>The JDK's {@code HttpURLConnection} sends a request whose body it buffered (no streaming mode set) once
 *       more when the connection is closed or reset before the status line, a POST too: the system property
 *       {@code sun.net.http.retryPost} is on by default, so the upstream may get a POST twice. Set a streaming mode
 *       ({@code setFixedLengthStreamingMode}, {@code setChunkedStreamingMode}), in which it sends nothing again, or
 *       start the JVM with {@code -Dsun.net.http.retryPost=false}.</li>
 *   <li>OkHttp's {@code retryOnConnectionFailure}, on by default, sends a request again, a POST too, on a stale
 *       pooled connection or another route: build the client with {@code retryOnConnectionFailure(false)}.</li>
 *   <li>Apache HttpClient's automatic retries send an idempotent request again after an I/O failure (and Apache 5
 *       after a 429 or a 503): build it with {@code disableAutomaticRetries()}.</li>
 *   <li>The JDK's {@code HttpClient}: see {@link GuardedHttpClient}, which refuses one that resends a POST.</li>
 * </ul>
 *
 * @param <T> the result, e.g. a response
 * @since 0.1.0
 */
@FunctionalInterface
public interface UpstreamCall<T> {

    /**
     * Makes one attempt.
     *
     * @param attempt where to send the request and how long it may take
     * @return the result
     * @throws Exception whatever the client threw; {@link InterruptedException} and
     *     {@link java.util.concurrent.CancellationException} end the call without a retry and are not
     *     counted against the upstream
     */
    T call(Attempt attempt) throws Exception;
}
