package io.github.errorpages.upstream;

import java.net.http.HttpRequest;

/**
 * A request body that streams from a source of its own, such as a client's upload that a proxy forwards, and
 * can tell whether a failed attempt was that source's doing. {@link GuardedHttpClient} asks a body that
 * implements this, through {@link UpstreamRequest#withBodySource}: a client that went away, or that stalled
 * while the upstream waited for the rest of its body, is not the upstream's failure.
 *
 * <p>Without it, the guarded client judges from the publisher's signals alone: an error signalled by the
 * publisher is the source's, and the source is awaited while the HTTP client has asked for more than it got, or
 * while the publisher's {@code request(n)} has not returned (the JDK's {@code ofInputStream} reads its source there,
 * ahead of demand, to find its end). A publisher that reads its source on a thread of its own, with no demand
 * outstanding, should implement this interface.
 *
 * <p>Implementations must be thread-safe: the guard asks from whichever thread an attempt fails on.
 *
 * @since 0.1.0
 */
public interface SourcedBodyPublisher extends HttpRequest.BodyPublisher {

    /** @return whether reading from the source failed (the client went away, or ended its body early) */
    boolean isSourceFailed();

    /** @return whether a read from the source is waiting for it right now */
    boolean isSourceAwaited();
}
