/**
 * Resilient calls to named upstreams: {@link io.github.errorpages.upstream.UpstreamGuard} composes a
 * safe retry policy, one Resilience4j circuit breaker per endpoint and a bulkhead per upstream, with a
 * deadline, a retry budget and events for every decision; {@link io.github.errorpages.upstream.GuardedHttpClient}
 * applies it to the JDK's {@link java.net.http.HttpClient}.
 *
 * <p>Nulls: parameters and return values are never {@code null} unless annotated {@code @Nullable} (the package is
 * {@code @NullMarked}, JSpecify). A {@code null} passed where a parameter is not {@code @Nullable} is a programming
 * error: the method throws {@link java.lang.NullPointerException} at the call (an asynchronous one too, rather than
 * return a failed future), which its own javadoc does not repeat as a {@code @throws} clause.
 */
@NullMarked
package io.github.errorpages.upstream;

import org.jspecify.annotations.NullMarked;
