package io.github.errorpages.servlet;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.Blackhole;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * Every upstream fault of the matrix, each on its own real loopback upstream (or closed port,
 * unresolvable name, full accept queue), started once and shared by all rows of a test class.
 */
final class UpstreamFaults implements AutoCloseable {

    /** Upstream bodies carry a stack trace and an internal host, which must never reach the client (R36, R37). */
    static final String UPSTREAM_ERROR_BODY = "java.lang.IllegalStateException: billing-internal.svc.cluster.local "
            + "down\n\tat com.acme.Billing.charge(Billing.java:42)\n";

    /** How the gateway's answer to a fault looks. */
    enum Kind {
        /** The page, before anything was committed. */
        PAGE,
        /** Headers and part of the body were sent: the client sees an incomplete response (R5). */
        COMMITTED,
        /** The circuit breaker is open: the page, and the upstream is not called (R47). */
        BREAKER_OPEN
    }

    /**
     * One row of the matrix.
     *
     * @param name what the row shows
     * @param target where the gateway calls
     * @param upstream the upstream whose requests are counted, or null when nothing listens
     * @param kind how the answer looks
     * @param failure a failure with the expected status and Retry-After, for the reference rendering
     * @param status the expected status
     * @param retryAfter the expected Retry-After (a regular expression), or null for none
     * @param callsPerAttempt how many requests the upstream records for one attempt: 0 when nothing
     *     listens, the TLS handshake fails or the breaker is open, else 1
     * @param release for {@link Kind#COMMITTED}: one permit lets the upstream reset one response
     * @param bodyOnly whether the fault is in the body only: a HEAD forwarded as HEAD gets a complete answer
     */
    record Fault(String name, URI target, @Nullable FaultyUpstream upstream, Kind kind, UpstreamFailure failure,
            int status, @Nullable String retryAfter, int callsPerAttempt, Semaphore release, boolean bodyOnly) {
        String token() {
            return failure.cause().token();
        }

        /**
         * @return the gateway's timeouts for this row: short where the row is about a timeout, generous
         *     elsewhere, so that a slow moment of a busy machine cannot turn another row into a 504
         */
        Duration timeout() {
            return failure.cause() == FailureCause.CONNECTION_TIMEOUT || failure.cause() == FailureCause.HTTP_RESPONSE_TIMEOUT
                    ? Duration.ofMillis(250) : Duration.ofSeconds(5);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();

    /**
     * @param breakerRetryAfter the Retry-After expected when the breaker is open (a regular expression):
     *     the gateway's default without a guard, the breaker's remaining open time with one
     */
    UpstreamFaults(String breakerRetryAfter) {
        add("connection refused", URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()), null,
                FailureCause.CONNECTION_REFUSED, 502, "10");
        add("DNS failure (.invalid)", URI.create("http://billing-internal.invalid:8443"), null,
                FailureCause.DNS_ERROR, 502, "10");
        Blackhole blackhole = Blackhole.open();
        resources.add(blackhole);
        add("connect timeout (full accept queue)", blackhole.uri(), null, FailureCause.CONNECTION_TIMEOUT, 504, "10");
        add("read timeout", upstream(Behaviour.stall()), FailureCause.HTTP_RESPONSE_TIMEOUT, 504, "10");
        add("reset before response", upstream(Behaviour.resetBeforeResponse()),
                FailureCause.CONNECTION_TERMINATED, 502, "10");
        Semaphore release = new Semaphore(0);
        FaultyUpstream midBody = upstream(Behaviour.resetMidBodyAfter(release));
        faults.add(new Fault("reset mid-body (committed)", midBody.uri(), midBody, Kind.COMMITTED,
                UpstreamFailure.of(FailureCause.HTTP_RESPONSE_INCOMPLETE), 200, null, 1, release, true));
        add("garbage status line", upstream(Behaviour.garbage()), FailureCause.HTTP_PROTOCOL_ERROR, 502, "10");
        FaultyUpstream truncated = upstream(Behaviour.truncatedBody());
        faults.add(new Fault("truncated body", truncated.uri(), truncated, Kind.PAGE,
                UpstreamFailure.of(FailureCause.HTTP_RESPONSE_INCOMPLETE), 502, "10", 1, new Semaphore(0), true));
        FaultyUpstream tls = FaultyUpstream.startTlsSelfSigned(Behaviour.ok());
        resources.add(tls);
        // The handshake fails, so the upstream never reads a request.
        add("self-signed certificate", tls.uri(), null, FailureCause.TLS_CERTIFICATE_ERROR, 502, "10");
        upstreamStatus(500, null, null);
        upstreamStatus(500, "20", "20");
        upstreamStatus(502, null, "10");
        upstreamStatus(502, "20", "20");
        upstreamStatus(503, null, "30");
        upstreamStatus(503, "120", "120");
        upstreamStatus(503, "99999", "3600");
        FaultyUpstream behindOpenBreaker = upstream(Behaviour.ok());
        faults.add(new Fault("breaker open", behindOpenBreaker.uri(), behindOpenBreaker, Kind.BREAKER_OPEN,
                UpstreamFailure.of(FailureCause.DESTINATION_UNAVAILABLE), 503, breakerRetryAfter, 0, new Semaphore(0), false));
    }

    List<Fault> all() {
        return List.copyOf(faults);
    }

    private void upstreamStatus(int status, @Nullable String retryAfter, @Nullable String expectedRetryAfter) {
        FaultyUpstream upstream = retryAfter == null
                ? upstream(Behaviour.respond(status, UPSTREAM_ERROR_BODY, "Content-Type", "text/plain"))
                : upstream(Behaviour.respond(status, UPSTREAM_ERROR_BODY, "Content-Type", "text/plain",
                        "Retry-After", retryAfter));
        String name = "upstream " + status + (retryAfter == null ? "" : " with Retry-After " + retryAfter);
        faults.add(new Fault(name, upstream.uri(), upstream, Kind.PAGE, UpstreamFailure.ofUpstreamStatus(status,
                retryAfter == null ? null : Duration.ofSeconds(Long.parseLong(retryAfter))), status, expectedRetryAfter,
                1, new Semaphore(0), false));
    }

    private void add(String name, FaultyUpstream upstream, FailureCause cause, int status, String retryAfter) {
        faults.add(new Fault(name, upstream.uri(), upstream, Kind.PAGE, UpstreamFailure.of(cause), status, retryAfter,
                1, new Semaphore(0), false));
    }

    private void add(String name, URI target, @Nullable FaultyUpstream upstream, FailureCause cause, int status,
            String retryAfter) {
        faults.add(new Fault(name, target, upstream, Kind.PAGE, UpstreamFailure.of(cause), status, retryAfter,
                upstream == null ? 0 : 1, new Semaphore(0), false));
    }

    private FaultyUpstream upstream(Behaviour behaviour) {
        FaultyUpstream upstream = FaultyUpstream.start(behaviour);
        resources.add(upstream);
        return upstream;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }
}
