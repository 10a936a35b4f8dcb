package io.github.errorpages.upstream;

import io.github.errorpages.UpstreamFailure;

/**
 * How the body of a response ended that an {@link UpstreamGuard} returned as a call's result, for a caller that
 * reads the body after the call (a proxy that streams it to its client). The guard hands one to
 * {@link ResponseAdapter#awaitBody} when the response arrives; the caller reports the body's end through it
 * exactly once. Until then the endpoint's circuit breaker has not recorded the call, so a response whose head
 * arrives and whose body then breaks off counts as the failure it is, not as a success.
 *
 * <p>A half-open breaker's trial call waits for its body too, its permission held: the body's end is the trial's
 * outcome, so that Resilience4j judges the half-open phase as it judges any, by the failure rate of its
 * {@code permittedNumberOfCallsInHalfOpenState} trial calls. Trials whose bodies all break off open the breaker
 * again ({@code HALF_OPEN} to {@code OPEN}); one broken trial among successes counts as one failure (one in three
 * stays below a 50 % threshold, and the breaker closes). The trial's outcome is taken when its body ends or when its
 * attempt's timeout ({@code attempt-timeout}) passes, measured from the attempt's start, whichever comes first: a
 * trial holds the half-open phase at most its attempt's timeout, head or body, as a trial whose head is slow always
 * did, and calls refused meanwhile are told no sooner. A body that still streams then (a download, server-sent
 * events, or one that stalled and that its reader has not failed yet: a reverse proxy's {@code body-idle-timeout}
 * longer than the attempt's time left) counts as the trial's success, and does not keep the breaker half-open, every
 * other call refused, for as long as it lasts; should it break off later, it records nothing into that phase while it
 * lasts (the trial was recorded), and once the phase ended is judged as a closed breaker's body that outlasts the
 * closed state, in the breaker's state of the moment. A body that outlasts the closed
 * state (other calls opened the breaker meanwhile) records its failure in the breaker's state of the moment, but not
 * its success ({@link #completed()}). Any other call, one whose head arrives when the breaker is open or half-open
 * without it being that phase's trial, records its success when the head arrives. The recorded duration is the time
 * to the head, the time the slow-call threshold judges.
 *
 * <p>{@link UpstreamMetrics#successfulCalls()} and {@link UpstreamEvent.CallSucceeded} still count the call
 * when its head arrives; a body that breaks off adds to {@link UpstreamMetrics#brokenBodies()} and delivers an
 * {@link UpstreamEvent.BodyBrokenOff} event, after the call's {@code CallSucceeded} even when reported from within
 * {@link ResponseAdapter#awaitBody} (a body that ended before the guard handed it over).
 *
 * <p>Implementations are thread-safe; only the first report counts.
 *
 * @since 0.1.0
 */
public interface BodyOutcome {

    /**
     * Keeps the bulkhead permit of the call's last attempt until the body ends, for a caller that reads the body
     * on a thread it holds for it (a blocking copy, as a servlet without asynchronous I/O makes): the bulkhead
     * then bounds the threads one upstream's bodies can take, as it bounds those its attempts take, and an upstream
     * that trickles its bodies cannot take every server thread. Without it the permit is given back when the head
     * arrives, and a body read without holding a thread is not counted.
     *
     * <p>Call it from within {@link ResponseAdapter#awaitBody}, before the body can end; once the body's end was
     * reported it does nothing.
     */
    void holdBulkheadPermit();

    /**
     * The body ended as the upstream meant it to: read to its end, or no longer read because the caller's own
     * client went away (which says nothing about the upstream). The breaker records the call as a success,
     * unless it did so when the head arrived (or at a held trial's bound, its attempt's timeout) or is no longer
     * closed: a breaker that opened while the body streamed would take the success, half-open, for a trial call's. A
     * trial call's body records the trial's success while the half-open phase that admitted it goes on.
     */
    void completed();

    /**
     * The upstream failed while the body was read: its connection ended or was reset before the body's end, the
     * body was malformed, or the upstream let the caller wait too long for its next part. The breaker records a
     * failure when the cause counts against the upstream, as it would for an attempt that failed this way. When
     * the source of the request's body failed ({@link UpstreamRequest#isBodySourceFailed()}: the caller's client
     * went away while it uploaded, and the exchange ended with it), the body's end is no failure of the
     * upstream's: as for an attempt that failed so, the breaker forgets the call.
     *
     * <p>A connection that ended is {@link io.github.errorpages.FailureCause#HTTP_RESPONSE_INCOMPLETE}, whatever
     * the client calls it (a closed connection, an HTTP/2 stream's reset), and a wait that ended is
     * {@link io.github.errorpages.FailureCause#CONNECTION_READ_TIMEOUT}; a failure the guard's classifier does not
     * know is an incomplete response too.
     *
     * @param failure what reading the body ended with
     * @return the failure to answer the caller's client with, if nothing was sent to it yet; a later report
     *     is classified all the same and records nothing
     * @throws NullPointerException if {@code failure} is null
     */
    UpstreamFailure failed(Throwable failure);
}
