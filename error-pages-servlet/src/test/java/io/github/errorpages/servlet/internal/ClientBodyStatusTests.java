package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The status a request whose body could not be read is answered with (RFC 9110 §15.5): 408 for a client that
 * stalled, the container's own 4xx for a body it refused, else 400. Never 408 for a body that ended early: clients,
 * browsers among them, send a request answered with 408 again (R1 and R22 keep 4xx for the client's own failures).
 * Jetty's real exceptions, as its server throws them; the proxy's answers over sockets are in
 * ReverseProxyServletIntegrationTests.
 */
class ClientBodyStatusTests {

    /** Each timeout a read or an attempt ends with: the container's (Tomcat's, Jetty's) and the JDK client's. */
    @ParameterizedTest
    @ValueSource(strings = {"socket", "concurrent", "jdk client"})
    void aTimeoutAnywhereInTheChainIsAStall(String timeout) {
        Exception stalled = switch (timeout) {
            case "socket" -> new SocketTimeoutException("Read timed out");
            case "concurrent" -> new TimeoutException("Idle timeout expired");
            default -> new HttpTimeoutException("request timed out");
        };

        assertThat(ClientBodyStatus.of(stalled)).isEqualTo(408);
        assertThat(ClientBodyStatus.of(new IOException("the attempt timed out waiting for the request body's source",
                new IOException(stalled)))).isEqualTo(408);
    }

    /** An upload cut short (the client ended its connection, or sent less than it announced) did not stall. */
    @Test
    void aBodyThatEndedEarlyIsABadRequestNotATimeout() {
        assertThat(ClientBodyStatus.of(new EOFException("the client sent 10 of the 1000 bytes it announced")))
                .isEqualTo(400);
        assertThat(ClientBodyStatus.of(new EofException("Early EOF"))).isEqualTo(400);
        assertThat(ClientBodyStatus.of(new IOException("reading the request body's source failed",
                new EOFException()))).isEqualTo(400);
    }

    /**
     * The container's refusal keeps its 4xx, whether Jetty throws its {@code HttpException.RuntimeException} itself
     * (its {@code SizeLimitHandler}) or a subclass (its parser's {@code BadMessageException}), and however deep.
     */
    @Test
    void aBodyTheContainerRefusedGetsItsStatus() {
        assertThat(ClientBodyStatus.of(new HttpException.RuntimeException(413))).isEqualTo(413);
        assertThat(ClientBodyStatus.of(new BadMessageException(413, "content too large"))).isEqualTo(413);
        assertThat(ClientBodyStatus.of(new IOException("the container refused the request's body",
                new BadMessageException(431)))).isEqualTo(431);
        assertThat(ClientBodyStatus.refusedByContainer(new BadMessageException(413))).isTrue();
        assertThat(ClientBodyStatus.refusedByContainer(new IOException(new HttpException.RuntimeException(413))))
                .isTrue();
    }

    /** Only a 4xx is the client's: any other code of the container's is no answer to give it, and 400 stands. */
    @ParameterizedTest
    @CsvSource({"399, 400, false", "400, 400, true", "413, 413, true", "499, 499, true", "500, 400, false",
        "503, 400, false"})
    void onlyAContainersClientErrorIsPassedOn(int containerCode, int answered, boolean refused) {
        HttpException.RuntimeException refusal = new HttpException.RuntimeException(containerCode);

        assertThat(ClientBodyStatus.of(new IOException(refusal))).isEqualTo(answered);
        assertThat(ClientBodyStatus.refusedByContainer(refusal)).isEqualTo(refused);
    }

    /** The failure nearest the read tells: the container's first refusal in the chain, not one of its causes. */
    @Test
    void theOutermostRefusalDecides() {
        assertThat(ClientBodyStatus.of(new BadMessageException(413, "too large", new BadMessageException(400))))
                .isEqualTo(413);
        assertThat(ClientBodyStatus.of(new IOException(new HttpException.RuntimeException(400,
                new HttpException.RuntimeException(413))))).isEqualTo(400);
    }

    /**
     * A timeout anywhere in the chain is a stall, even beneath a refusal of the container's found before it: a
     * container that reports its idle timeout as a 400 of its own still says the message was not received in time,
     * which RFC 9110 §15.5.9 answers with 408; its 400 is for a body that arrived malformed or ended early.
     */
    @Test
    void aTimeoutBeneathARefusalIsStillAStall() {
        assertThat(ClientBodyStatus.of(new BadMessageException(400, "idle", new TimeoutException("Idle timeout"))))
                .isEqualTo(408);
    }

    /** Neither a refusal nor a timeout, or a chain with no end (a cause that is itself), is no refusal. */
    @Test
    void somethingElseIsNoRefusal() {
        IOException looped = new IOException("looped");
        looped.initCause(new IOException("back", looped));

        assertThat(ClientBodyStatus.refusedByContainer(new IllegalStateException("a reader was taken"))).isFalse();
        assertThat(ClientBodyStatus.refusedByContainer(looped)).isFalse();
        assertThat(ClientBodyStatus.of(looped)).isEqualTo(400);
    }

    /** The body each answer carries reaches the client: it names the status given, in plain ASCII. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "408|408 Request Timeout: the request was not received in full.",
        "413|413 Content Too Large: the request body is larger than accepted.",
        "400|400 Bad Request: the request body could not be read.",
        "431|431: the request body was not accepted."})
    void eachStatusHasItsOwnText(int status, String line) {
        assertThat(new String(ClientBodyStatus.body(status), StandardCharsets.US_ASCII)).isEqualTo(line + "\n");
    }
}
