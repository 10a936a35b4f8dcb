package io.github.errorpages.upstream;

import io.github.errorpages.internal.DotSegments;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * One attempt of a guarded call: where to send the request and how long it may take.
 *
 * <p>The call must honour {@link #timeout()}, for example as the request's timeout: the guard cannot
 * interrupt a blocking call, and an attempt that overruns it also eats into the time left for a retry.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param endpoint the base URL chosen for this attempt, from {@link UpstreamConfig#endpoints()}
 * @param number the attempt's number: 1 for the first, 2 for the first retry
 * @param timeout the time this attempt may take until the response headers: the attempt timeout, or
 *     less when the call's deadline is nearer; positive
 * @since 0.1.0
 */
public record Attempt(URI endpoint, int number, Duration timeout) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code endpoint} or {@code timeout} is null
     * @throws IllegalArgumentException if {@code number} is below 1 or {@code timeout} is not positive
     */
    public Attempt {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(timeout, "timeout");
        if (number < 1) {
            throw new IllegalArgumentException("number must be at least 1, but was " + number);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, but was " + timeout);
        }
    }

    /**
     * Returns the URL for a request target at this attempt's endpoint: the endpoint's scheme, authority and
     * path, followed by the target's path and query. The target's own scheme and authority, if any, are
     * ignored, so a request built for one endpoint can be sent to another. The target's dot segments are resolved
     * first, encoded ones ({@code %2e}) too, as RFC 3986 resolves them, never above its root: the upstream, which
     * resolves them after the endpoint's path, would otherwise be led out of it ({@code /users/../../admin} at the
     * endpoint {@code http://10.0.0.7:8080/api} is {@code http://10.0.0.7:8080/api/admin}, not {@code /admin}).
     *
     * @param target a URI such as {@code /orders/42?full=true} or {@code http://billing/orders/42}
     * @return e.g. {@code http://10.0.0.7:8080/api/orders/42?full=true} for the endpoint
     *     {@code http://10.0.0.7:8080/api}
     * @throws NullPointerException if {@code target} is null
     * @throws IllegalArgumentException if the target's path is not empty and does not start with {@code /}
     */
    public URI resolve(URI target) {
        Objects.requireNonNull(target, "target");
        String rawPath = target.getRawPath() == null ? "" : target.getRawPath();
        if (!rawPath.isEmpty() && !rawPath.startsWith("/")) {
            throw new IllegalArgumentException("target path must start with '/', but was '" + rawPath + "'");
        }
        String path = DotSegments.remove(rawPath);
        String base = endpoint.toString();
        StringBuilder uri = new StringBuilder(base.length() + path.length() + 16).append(base);
        uri.append(path.isEmpty() && endpoint.getRawPath().isEmpty() ? "/" : path);
        if (target.getRawQuery() != null) {
            uri.append('?').append(target.getRawQuery());
        }
        return URI.create(uri.toString());
    }
}
