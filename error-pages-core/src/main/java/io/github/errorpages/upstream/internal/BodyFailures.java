package io.github.errorpages.upstream.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;

/**
 * The cause of a failure of an upstream's response body, once its head arrived: the same with every HTTP client
 * and HTTP version. A connection that ends is an incomplete response ({@code http_response_incomplete}; the JDK's
 * client over HTTP/2 reports the stream's reset, "Received RST_STREAM", as a reset, where over HTTP/1.1 it and
 * Jetty's client see a body cut short), a wait that ends is a read timeout ({@code connection_read_timeout};
 * Jetty's client ends a stalled body with a {@code TimeoutException}, the JDK's with a
 * {@code SocketTimeoutException}), and anything the classifier does not know is an incomplete response too.
 * Stateless and thread-safe.
 */
public final class BodyFailures {

    private BodyFailures() {
    }

    /**
     * @param classifier the upstream guard's classifier, which classified the attempts before the head
     * @param failure what reading the body ended with
     * @return the cause
     */
    public static FailureCause cause(FailureClassifier classifier, Throwable failure) {
        FailureCause cause = classifier.classify(failure).map(UpstreamFailure::cause)
                .orElse(FailureCause.HTTP_RESPONSE_INCOMPLETE);
        if (cause == FailureCause.CONNECTION_TERMINATED) {
            return FailureCause.HTTP_RESPONSE_INCOMPLETE;
        }
        return cause == FailureCause.HTTP_RESPONSE_TIMEOUT ? FailureCause.CONNECTION_READ_TIMEOUT : cause;
    }
}
