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
