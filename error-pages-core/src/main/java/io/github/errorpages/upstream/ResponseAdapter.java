package io.github.errorpages.upstream;

import org.jspecify.annotations.Nullable;

/**
 * Lets an {@link UpstreamGuard} read the responses of an HTTP client library, so that an upstream's 5xx
 * response becomes a failure (retried, counted by the circuit breaker, thrown in the end) like an exception
 * does, with the upstream's {@code Retry-After} and {@code Proxy-Status} taken into account.
 *
 * <p>Implementations must be thread-safe and must not throw.
 *
 * @param <R> the response type
 * @since 0.1.0
 */
public interface ResponseAdapter<R> {

    /**
     * @param response a response
     * @return its status code. A 5xx is a failure (with {@code fail-on-5xx} on, the default), and so is a value
     *     outside 100–599, which is no HTTP status (RFC 9110 §15), whatever {@code fail-on-5xx} says: the upstream's
     *     protocol error ({@code http_protocol_error}), such as {@code HttpURLConnection}'s {@code -1} for an answer
     *     that is no HTTP at all (which it reads as HTTP/0.9); the guard discards such a response. Any other status
     *     makes the response the call's result
     */
    int status(R response);

    /**
     * @param response a response
     * @param name a header name, matched case-insensitively
     * @return the first value of that header, or {@code null} when absent
     */
    @Nullable String header(R response, String name);

    /**
     * Releases a response that is not handed to the caller: closes or drains its body so that the connection is not
     * leaked. The guard discards a response that is a failure (a 5xx while {@code fail-on-5xx} is on, or a status
     * outside 100–599, whatever it says), and one that is not whose caller has left: a half-open breaker's trial call
     * that ran on after its caller ended the call, or an asynchronous call ended while its response arrived.
     *
     * @param response the response nobody takes
     */
    void discard(R response);

    /**
     * Offers the caller the end of the body of a response the guard returns as the call's result, for a caller
     * that reads the body after the call: returning {@code true} promises to report the body's end to
     * {@code body} exactly once ({@link BodyOutcome#completed()} or {@link BodyOutcome#failed}), whatever
     * happens to the response, and lets the circuit breaker judge the call by its body too. Called once per
     * returned response, on the thread that completes the attempt, before the call returns or its future
     * completes.
     *
     * <p>The default returns {@code false}: the breaker records the call when the response arrives.
     *
     * @param response the response the call returns
     * @param body where to report the end of its body
     * @return whether the end of the body will be reported to {@code body}
     */
    default boolean awaitBody(R response, BodyOutcome body) {
        return false;
    }
}
