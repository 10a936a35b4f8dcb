package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import java.net.ProtocolException;
import org.eclipse.jetty.http.HttpException;
import org.junit.jupiter.api.Test;

/**
 * How the Jetty transport names what Jetty's client reports for a response it refused while parsing it. The
 * servlet suites show the same over real sockets; these pin down the two forms Jetty 12.1 takes for one failure.
 */
class JettyParserFailuresTests {

    private final FailureClassifier classifier = FailureClassifier.ofDefaults();

    /** What Jetty's client throws, in production, for a head over its {@code maxResponseHeadersSize}. */
    @Test
    void headOverTheParsersLimitIsTheHeaderSectionSize() {
        // The code is the response's status, as Jetty's HttpParser passes it (the tests run with
        // -da:org.eclipse.jetty.http.HttpException, see the root pom, as production runs without -ea).
        HttpException.RuntimeException tooLarge = new HttpException.RuntimeException(200,
                "Response Header Bytes Too Large");

        Throwable translated = JettyForwarder.translate(new RuntimeException("bad response", tooLarge));

        assertThat(classifier.classify(translated)).map(UpstreamFailure::cause)
                .hasValue(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE);
    }

    /**
     * A body shorter than its Content-Length: Jetty's parser says "Early EOF", in an HttpException like a malformed
     * response's. A connection that ended early, not a malformed response (the transport makes it
     * http_response_incomplete once the head arrived). Before, it was http_protocol_error whenever Jetty saw the
     * end of the stream while parsing rather than as a closed connection: the fault matrix's truncated-body row
     * failed that way once in CI.
     */
    @Test
    void earlyEndOfTheStreamIsAConnectionEndedEarly() {
        HttpException.RuntimeException early = new HttpException.RuntimeException(200, "Early EOF");

        Throwable translated = JettyForwarder.translate(new RuntimeException("bad response", early));

        assertThat(translated).isInstanceOf(java.io.EOFException.class);
        assertThat(classifier.classify(translated)).map(UpstreamFailure::cause)
                .hasValue(FailureCause.CONNECTION_TERMINATED);
    }

    /**
     * With -ea, Jetty 12.1 fails its own assertion instead (HttpException asserts a 4xx or 5xx code), and its
     * parser wraps the first failure in a second one that fails the same way: an AssertionError thrown in
     * HttpParser.parseNext, the stack as a run without the -da showed it (2026-11-30). A response the upstream
     * got wrong, not a bug to show the client.
     */
    @Test
    void assertionFailedInJettysResponseParserIsAMalformedResponse() {
        AssertionError failed = new AssertionError();
        failed.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("org.eclipse.jetty.http.HttpException$RuntimeException", "<init>",
                    "HttpException.java", 106),
            new StackTraceElement("org.eclipse.jetty.http.HttpParser", "parseNext", "HttpParser.java", 1849),
            new StackTraceElement("org.eclipse.jetty.client.transport.internal.HttpReceiverOverHTTP", "parse",
                    "HttpReceiverOverHTTP.java", 328)});

        Throwable translated = JettyForwarder.translate(failed);

        assertThat(translated).isInstanceOf(ProtocolException.class).hasCause(failed);
        assertThat(classifier.classify(translated)).map(UpstreamFailure::cause)
                .hasValue(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    @Test
    void assertionErrorOutsideJettysParserStaysABug() {
        AssertionError bug = new AssertionError("thrown here, not in HttpParser");

        assertThat(JettyForwarder.translate(bug)).isSameAs(bug);
        assertThat(classifier.classify(bug)).isEmpty();
    }
}
