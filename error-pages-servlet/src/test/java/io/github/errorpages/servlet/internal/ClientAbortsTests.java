package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import jakarta.servlet.ServletException;
import java.io.EOFException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ClientAbortsTests {

    @Test
    void recognisesContainerClientAbortAnywhereInChain() {
        assertThat(ClientAborts.isClientAbort(new ClientAbortException())).isTrue();
        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(new ClientAbortException()))))
                .isTrue();
    }

    /**
     * Jetty's EofException is thrown by its HTTP client on an upstream's connection too: from the chain it counts
     * only when a container stream of the request threw it (marked), while the container reports it to the async
     * listeners for the client's connection alone.
     */
    @Test
    void takesJettysEofExceptionForTheClientsOnlyWhenTheRequestsStreamThrewIt() {
        EofException fromAnUpstream = new EofException();
        EofException fromTheRequest = ClientAborts.mark(new EofException());

        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(fromAnUpstream)))).isFalse();
        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(fromTheRequest)))).isTrue();
        assertThat(ClientAborts.isClientAbortReportedByContainer(fromAnUpstream)).isTrue();
    }

    /** Any exception a container stream of the request threw is the request connection's, whatever its type. */
    @Test
    void marksWhatTheRequestsStreamsThrewOnce() {
        IOException idle = new IOException(new java.util.concurrent.TimeoutException("Idle timeout expired"));

        assertThat(ClientAborts.isClientAbort(idle)).isFalse();
        assertThat(ClientAborts.isClientAbort(new ServletException(ClientAborts.mark(idle)))).isTrue();
        assertThat(ClientAborts.mark(idle).getSuppressed()).hasSize(1);
    }

    @Test
    void doesNotTakeUpstreamFailuresOrJdkEofForClientAbort() {
        assertThat(ClientAborts.isClientAbort(new EOFException("upstream closed"))).isFalse();
        assertThat(ClientAborts.isClientAbort(new UpstreamFailureException(
                UpstreamFailure.of(FailureCause.CONNECTION_TERMINATED), new ClientAbortException()))).isFalse();
    }

    /** Named like Tomcat's {@code org.apache.catalina.connector.ClientAbortException}. */
    static final class ClientAbortException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    /** Named like Jetty's {@code org.eclipse.jetty.io.EofException}. */
    static final class EofException extends EOFException {
        private static final long serialVersionUID = 1L;
    }
}
