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
     * Jetty's EofException is thrown by its HTTP client on an upstream's connection too: it counts as the client's
     * unless its stack shows Jetty's client threw it, or a container stream of the request threw it (marked).
     */
    @Test
    void takesJettysEofExceptionForTheClientsUnlessJettysHttpClientThrewIt() {
        EofException fromTheServer = new EofException();
        EofException fromAnUpstream = new EofException();
        fromAnUpstream.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("org.eclipse.jetty.io.SocketChannelEndPoint", "flush", null, 1),
            new StackTraceElement("org.eclipse.jetty.client.transport.internal.HttpSenderOverHTTP", "send", null, 1)});

        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(fromTheServer)))).isTrue();
        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(fromAnUpstream)))).isFalse();
        assertThat(ClientAborts.isClientAbort(ClientAborts.mark(fromAnUpstream))).isTrue();
    }

    /**
     * What the application's own read or write listener threw, the container reports to its onError too: not
     * marked, unlike a failure of the connection the container reports there.
     */
    @Test
    void leavesWhatTheApplicationsListenerThrewUnmarked() {
        IOException relayFailed = new IOException("Connection reset");
        IOException connectionFailed = new IOException("Broken pipe");

        assertThat(ClientAborts.isClientAbort(ClientAborts.markReported(relayFailed, relayFailed))).isFalse();
        assertThat(ClientAborts.isClientAbort(ClientAborts.markReported(new IOException(relayFailed), relayFailed)))
                .isFalse();
        assertThat(ClientAborts.isClientAbort(ClientAborts.markReported(connectionFailed, relayFailed))).isTrue();
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
