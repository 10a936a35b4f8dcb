package io.github.errorpages.upstream;

import java.util.concurrent.CompletionStage;

/**
 * One non-blocking attempt of a call to an upstream, made by
 * {@link UpstreamGuard#callAsync(UpstreamRequest, AsyncUpstreamCall)} once per attempt.
 *
 * <p>Like {@link UpstreamCall}, but the result arrives later. The guard enforces {@link Attempt#timeout()}
 * itself: when it passes, the attempt fails with a timeout and the stage, if it is a
 * {@link java.util.concurrent.CompletableFuture}, is cancelled (which aborts the exchange of the JDK's
 * {@code HttpClient.sendAsync}). The attempts of one call never overlap; the first is started on the calling
 * thread, retries on the guard's executor.
 *
 * @param <T> the result, e.g. a response
 * @since 0.1.0
 */
@FunctionalInterface
public interface AsyncUpstreamCall<T> {

    /**
     * Starts one attempt. Must not block.
     *
     * @param attempt where to send the request and how long it may take
     * @return the stage completed with the result, or exceptionally with what the client failed with
     * @throws Exception when the attempt cannot even be started; treated as the attempt's failure
     */
    CompletionStage<T> call(Attempt attempt) throws Exception;
}
