package io.github.errorpages.servlet.internal;

import io.github.errorpages.UpstreamFailureException;
import java.util.Set;

/**
 * Recognises a client that went away while its request was served. Containers report it with their own
 * exception types (Tomcat's {@code ClientAbortException}, Jetty's {@code EofException}), which this
 * module cannot reference, so they are matched by simple name anywhere in the cause chain, as Spring
 * Boot's {@code ErrorPageFilter} does. A client abort is never an upstream failure: no page, no WARN line.
 */
public final class ClientAborts {

    private static final Set<String> CLIENT_ABORT_TYPES =
            Set.of("ClientAbortException", "EofException", "CloseNowException", "AsyncRequestNotUsableException");
    private static final int MAX_CHAIN = 32;

    private ClientAborts() {
    }

    /**
     * @param throwable what the chain threw
     * @return whether the chain holds a container's client-abort exception and no
     *     {@link UpstreamFailureException} above it
     */
    public static boolean isClientAbort(Throwable throwable) {
        Throwable current = throwable;
        for (int i = 0; current != null && i < MAX_CHAIN; i++, current = current.getCause()) {
            if (current instanceof UpstreamFailureException) {
                return false;
            }
            if (CLIENT_ABORT_TYPES.contains(current.getClass().getSimpleName())) {
                return true;
            }
        }
        return false;
    }
}
