package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.client.Result;

/**
 * The checks of a response the filter aborted after commit (R5), as every container's test of an application's
 * listener that throws an upstream failure after it wrote part of the body makes them: the client sees the response
 * cut short, never as if whole, and the incident is logged once, at WARN, as an abort and not as a page.
 */
final class AbortedAfterCommit {

    private AbortedAfterCommit() {
    }

    /**
     * Asserts an HTTP/1.1 answer read off a raw socket cut short: the committed 200 with a chunked body holding the
     * part written, nothing of a page, and never the chunked body's last chunk.
     *
     * @param answer what the client read until the server closed the connection
     * @param partWritten what the application wrote before the failure
     */
    static void assertCutShort(String answer, String partWritten) {
        assertThat(answer).startsWith("HTTP/1.1 200").contains("Transfer-Encoding: chunked", partWritten)
                .doesNotContain("X-Content-Type-Options", "connection_refused")
                .as("the last chunk never comes").doesNotEndWith("0\r\n\r\n");
    }

    /**
     * Asserts an HTTP/2 exchange ended by a reset: the committed 200, and the stream reset rather than ended with
     * END_STREAM as if whole.
     *
     * @param ended how the client's exchange ended ({@link Http2Clients#ended})
     */
    static void assertStreamReset(Result ended) {
        assertThat(ended.getResponse().getStatus()).isEqualTo(200);
        assertThat(ended.getResponseFailure()).as("the stream reset, not ended as if whole").isNotNull();
    }

    /**
     * Asserts the incident's one WARN line, for the test servlets' refused connection, and no "error page" line.
     *
     * @param log what the server wrote to standard error during the exchange
     * @param request the request's method and path, such as {@code GET /write-listener-throws/after-commit}
     */
    static void assertLoggedOnce(String log, String request) {
        assertThat(log).contains("response to " + request + " aborted: upstream failure connection_refused after the "
                + "response was committed").doesNotContain("error page status=");
        assertThat(log.split(" aborted: ", -1)).as("one incident, one line").hasSize(2);
    }
}
