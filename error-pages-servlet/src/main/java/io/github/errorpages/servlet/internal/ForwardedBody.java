package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureClassifier;
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
     * @return when the upstream client began to wait for the part of the body it waits for now, in
     *     {@link System#nanoTime()}; meaningful only while {@link #isAwaitingClient()}: a client whose upload flows,
     *     however slowly, is awaited a moment at a time, one that stalled since long
     */
    long awaitingClientSinceNanos();

    /**
     * @return whether an attempt started to read the client's body and the body has not ended: a page answered now
     *     answers in the middle of the upload, and over HTTP/1 the connection is to be closed
     */
    boolean isCutShort();

    /**
     * Forwards nothing more of the body: the upstream's answer is whole (or its last part is being relayed) before
     * the upload ended. A read that returns after this fails with {@link UploadStopped} instead of handing its bytes
     * to the upstream client, which would write them to an upstream that has answered; not as the client's
     * {@link #failure()}.
     */
    void answered();

    /**
     * The failure of a read after {@link #answered()}: it fails the upstream exchange, whose answer is whole all the
     * same, neither the upstream's failure nor the client's.
     */
    final class UploadStopped extends IOException {
        private static final long serialVersionUID = 1L;

        UploadStopped() {
            super("the upstream answered before the end of the upload: the rest is not forwarded");
        }

        /** @return whether {@code failure} or a cause of it is an {@link UploadStopped} */
        static boolean isIn(Throwable failure) {
            Throwable t = failure;
            for (int depth = 0; t != null && depth < FailureClassifier.MAX_CHAIN; depth++, t = t.getCause()) {
                if (t instanceof UploadStopped) {
                    return true;
                }
            }
            return false;
        }
    }
}
