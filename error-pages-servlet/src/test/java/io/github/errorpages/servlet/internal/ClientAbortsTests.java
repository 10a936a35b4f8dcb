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
        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(new EofException())))).isTrue();
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
