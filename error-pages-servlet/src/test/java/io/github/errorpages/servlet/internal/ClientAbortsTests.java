package io.github.errorpages.servlet.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import jakarta.servlet.ServletException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpException;
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
     * Jetty 12.1's server throws the early end of a form's body it reads for {@code getParameter} as its
     * {@code HttpException} 400 "Early EOF" (simple name {@code RuntimeException}) of an {@code HttpEofException}, a
     * subclass of its {@code EofException}: both are the client's, by the superclass's name and by the 4xx, unless
     * Jetty's HTTP client threw them. Named exactly, neither was, and the form cut short got the 502 page. A 5xx of
     * Jetty's is no client's fault.
     */
    @Test
    void takesSubclassesOfJettysEofExceptionAndItsHttpExceptionsWithA4xxForTheClients() {
        HttpException.RuntimeException fromAnUpstream = new HttpException.RuntimeException(400, "Bad status");
        fromAnUpstream.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("org.eclipse.jetty.http.HttpParser", "parseLine", null, 1),
            new StackTraceElement("org.eclipse.jetty.client.transport.internal.HttpReceiverOverHTTP", "parse", null,
                    1)});

        assertThat(ClientAborts.isClientAbort(new ServletException(new HttpEofException()))).isTrue();
        assertThat(ClientAborts.isClientAbort(new HttpException.RuntimeException(400, "Early EOF",
                new HttpEofException()))).isTrue();
        assertThat(ClientAborts.isClientAbort(new ServletException(new HttpException.IllegalArgumentException(413,
                "Form is larger than max length 200000")))).isTrue();
        assertThat(ClientAborts.isClientAbort(new HttpException.RuntimeException(500, "Server Error"))).isFalse();
        assertThat(ClientAborts.isClientAbort(fromAnUpstream)).isFalse();
        assertThat(ClientAborts.isClientAbort(new ExecutionException(new HttpException.RuntimeException(400))))
                .isFalse();
    }

    /**
     * A write of Jetty's client that waited for room in the socket's buffer ends on a selector's thread: the
     * {@code EofException} of an upstream's reset then has none of the client's frames, and reaches the application
     * through the exchange's future ({@code send()} throws an {@code ExecutionException}). Not the client's: the
     * request's own stream fails in the caller, never through a future.
     */
    @Test
    void takesJettysEofExceptionThatAFutureFailedWithForAnUpstreams() throws Exception {
        EofException onASelectorThread = CompletableFuture.supplyAsync(() -> new EofException(), OWN_THREAD).get();

        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(
                new ExecutionException(onASelectorThread))))).isFalse();
        assertThat(ClientAborts.isClientAbort(new CompletionException(onASelectorThread))).isFalse();
        assertThat(ClientAborts.isClientAbort(new ServletException(new IOException(onASelectorThread)))).isTrue();
        assertThat(ClientAborts.isClientAbort(new ExecutionException(ClientAborts.mark(onASelectorThread)))).isTrue();
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

    /**
     * Tomcat reports the cause to the request's async listeners ({@code SocketException: Connection reset}), not the
     * ClientAbortException its stream threw: the filter answered a client that went away with a page and a WARN line
     * (connection_terminated).
     */
    @Test
    void marksTheCausesOfWhatTheRequestsStreamsThrewToo() {
        SocketException reset = new SocketException("Connection reset");

        ClientAborts.mark(new ClientAbortException(reset));

        assertThat(ClientAborts.isClientAbort(reset)).isTrue();
    }

    /**
     * Passed on wrapped (a request body's source that failed), a client's abort was logged by Tomcat as a servlet's
     * failure, SEVERE with its stack trace: the container's own exception is thrown on instead.
     */
    @Test
    void findsTheContainersOwnExceptionInAWrappedClientAbort() {
        ClientAbortException abort = ClientAborts.mark(new ClientAbortException(new SocketException("Connection reset")));
        IOException wrapped = new IOException("reading the request body's source failed",
                new UncheckedIOException(new IOException(abort)));
        IOException idle = ClientAborts.mark(new IOException("Idle timeout expired"));
        IOException other = new IOException("no client's");

        assertThat(ClientAborts.containerException(wrapped)).isSameAs(abort);
        assertThat(ClientAborts.containerException(new IOException(idle))).isSameAs(idle);
        assertThat(ClientAborts.containerException(other)).isSameAs(other);
    }

    /**
     * A cause chain that loops (a library that set a wrapper as the cause of what it wrapped, {@code initCause}) is
     * walked a bounded number of links: each question about a failure ends, with what a chain without the client's
     * abort answers. Walked to its end, the thread that answers the failure spun for ever, and the client's request
     * hung with it.
     */
    @Test
    void aCauseChainThatLoopsIsWalkedOnlyAsFarAsTheBound() {
        IOException outer = new IOException("reading the export failed");
        IOException inner = new IOException("stream closed", outer);
        outer.initCause(inner);

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThat(ClientAborts.isClientAbort(outer)).isFalse();
            assertThat(ClientAborts.containerException(outer)).isSameAs(outer);
            assertThat(ClientAborts.isClientAbort(ClientAborts.markReported(outer, new IOException("other")))).isTrue();
        });
    }

    /**
     * An upstream's failure whose cause is a marked abort of the client's is the upstream's: the container's exception
     * below it is not what is thrown on for it.
     */
    @Test
    void findsNoContainerExceptionBelowAnUpstreamFailure() {
        ClientAbortException abort = ClientAborts.mark(new ClientAbortException(
                new SocketException("Connection reset")));
        IOException upstreams = new IOException(new UpstreamFailureException(
                UpstreamFailure.of(FailureCause.CONNECTION_TERMINATED), abort));

        assertThat(ClientAborts.containerException(upstreams)).isSameAs(upstreams);
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

        ClientAbortException() {
        }

        ClientAbortException(Throwable cause) {
            super(cause);
        }
    }

    /** Named like Jetty's {@code org.eclipse.jetty.io.EofException}. */
    static class EofException extends EOFException {
        private static final long serialVersionUID = 1L;
    }

    /** Named like Jetty's {@code org.eclipse.jetty.server.internal.HttpConnection.HttpEofException}. */
    static final class HttpEofException extends EofException {
        private static final long serialVersionUID = 1L;
    }
}
