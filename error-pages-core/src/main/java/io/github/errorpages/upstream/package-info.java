/**
 * Resilient calls to named upstreams: {@link io.github.errorpages.upstream.UpstreamGuard} composes a
 * safe retry policy, one Resilience4j circuit breaker per endpoint and a bulkhead per upstream, with a
 * deadline, a retry budget and events for every decision; {@link io.github.errorpages.upstream.GuardedHttpClient}
 * applies it to the JDK's {@link java.net.http.HttpClient}.
 */
@NullMarked
package io.github.errorpages.upstream;

import org.jspecify.annotations.NullMarked;
