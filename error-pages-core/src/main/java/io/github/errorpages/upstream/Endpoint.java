package io.github.errorpages.upstream;

import io.github.errorpages.upstream.internal.OpenStateTracker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.URI;

/**
 * One base URL of an upstream with its own circuit breaker, and the tracker that knows how long that
 * breaker stays open.
 *
 * @param index the position in {@link UpstreamConfig#endpoints()}
 * @param uri the base URL
 * @param tracker the breaker's open-state tracker
 */
record Endpoint(int index, URI uri, OpenStateTracker tracker) {

    CircuitBreaker breaker() {
        return tracker.breaker();
    }
}
