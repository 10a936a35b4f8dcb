package io.github.errorpages.upstream;

/**
 * Counters of one {@link UpstreamGuard} since it was built. Every call ends exactly once, as a success, a
 * failure or an abort, so once no call is running
 * {@code calls == successfulCalls + failedCalls + abortedCalls} and
 * {@code attempts == calls - rejectedCalls + retries - lostRetries} hold; but for a call whose caller aborted it while
 * the bulkhead made its first attempt wait ({@code maxWaitDuration}), a blocking call begun on a thread interrupted
 * already, which started none, and a call that a bug of its request's body failed before any attempt (a checked
 * exception of no I/O that its source threw while the body was read to be buffered for a resend:
 * {@code proxy_internal_error}, a failed call that is no rejected one): by one for each.
 *
 * <p>Each counter is exact; a snapshot taken while calls are running is not atomic across counters.
 * Instances are immutable and thread-safe.
 *
 * @param calls calls started
 * @param successfulCalls calls that returned a result, or that threw the client's own exception for an upstream
 *     response that is no failure (HttpURLConnection's or Spring's for a 404, HttpURLConnection's for a 5xx
 *     while {@code fail-on-5xx} is off)
 * @param failedCalls calls that threw an {@link io.github.errorpages.UpstreamFailureException}, rejected
 *     ones included
 * @param rejectedCalls failed calls that never reached the upstream: every endpoint's breaker open, the
 *     bulkhead full, or the attempt's client's own limit (the proxy's Jetty transport with every connection, or every
 *     thread, busy)
 * @param abortedCalls calls ended by the caller (interrupt, cancellation), by the failure or stall of the
 *     request body's source ({@link UpstreamRequest#withBodySource}), or by an exception that is no upstream
 *     failure (a bug), which the breaker does not count
 * @param attempts attempts started, retries included
 * @param retries retries granted
 * @param lostRetries granted retries that were never attempted: no breaker or bulkhead permit was left when
 *     their time came (or the client's own limit held them back), too little of the deadline was left, or the
 *     caller aborted during the backoff
 * @param retriesDeniedByBudget retries the retry budget refused
 * @param brokenBodies successful calls whose response body the upstream broke off after the head (its
 *     connection ended, or it stalled), as reported by a caller that streams the body ({@link BodyOutcome#failed});
 *     they stay counted in {@code successfulCalls}
 * @since 0.1.0
 */
public record UpstreamMetrics(long calls, long successfulCalls, long failedCalls, long rejectedCalls,
        long abortedCalls, long attempts, long retries, long lostRetries, long retriesDeniedByBudget,
        long brokenBodies) {
}
