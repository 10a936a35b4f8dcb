package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;

/**
 * What the proxy answers a failure of an upstream's response body with, once its head arrived and before anything
 * was committed: the same cause with either transport, whatever the HTTP client and the HTTP version say. A
 * connection that ends is an incomplete response ({@code http_response_incomplete}; the JDK's client over HTTP/2
 * reports the stream's reset, "Received RST_STREAM", as a reset, where over HTTP/1.1 it and Jetty's client see a
 * body cut short), a wait that ends is a read timeout ({@code connection_read_timeout}; Jetty's transport ends a
 * stalled body with a {@code TimeoutException}, the JDK's with a {@code SocketTimeoutException}), and anything the
 * classifier does not know is an incomplete response too. Stateless and thread-safe.
 */
public final class MidBodyFailures {

    private MidBodyFailures() {
    }

    /**
     * @param classifier the upstream guard's classifier, which classified the attempts before the head
     * @param failure what reading the body ended with
     * @param upstream the upstream's name
     * @return the failure to answer
     */
    public static UpstreamFailure of(FailureClassifier classifier, Throwable failure, String upstream) {
        FailureCause cause = classifier.classify(failure).map(UpstreamFailure::cause)
                .orElse(FailureCause.HTTP_RESPONSE_INCOMPLETE);
        if (cause == FailureCause.CONNECTION_TERMINATED) {
            cause = FailureCause.HTTP_RESPONSE_INCOMPLETE;
        } else if (cause == FailureCause.HTTP_RESPONSE_TIMEOUT) {
            cause = FailureCause.CONNECTION_READ_TIMEOUT;
        }
        return UpstreamFailure.builder(cause).upstream(upstream).build();
    }
}
