package io.github.errorpages.servlet.internal;

import java.io.IOException;
import org.eclipse.jetty.client.Request;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body that {@link JettyForwarder} streams to the upstream: each attempt gets content of its
 * own, and the body can be sent again only while no attempt has touched it. Implementations are thread-safe.
 */
interface ForwardedBody {

    /** @return the body for one attempt */
    Request.Content content();

    /** @return whether no attempt has asked for any of it yet, so that a retry may send it */
    boolean isUntouched();

    /** @return how reading the client's body failed (the client went away), or {@code null} */
    @Nullable IOException failure();

    /**
     * @return whether the upstream client waits for more of the body from the client right now: when an attempt
     *     times out then, the client stalled, not the upstream
     */
    boolean isAwaitingClient();

    /**
     * @return whether an attempt started to read the client's body and the body has not ended: a page answered now
     *     answers in the middle of the upload, and over HTTP/1 the connection is to be closed
     */
    boolean isCutShort();
}
