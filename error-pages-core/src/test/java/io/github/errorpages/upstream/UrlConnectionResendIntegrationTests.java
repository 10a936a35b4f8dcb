package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.fast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@link UpstreamCall}'s javadoc says of the JDK's {@link HttpURLConnection}: it sends a request whose body it
 * buffered once more by itself when the connection is closed or reset before the status line, a POST too
 * ({@code sun.net.http.retryPost}, on by default), inside one attempt, where the guard can neither see nor prevent it
 * (R13: a POST is never sent twice). In streaming mode it cannot, and the upstream sees the POST once.
 */
class UrlConnectionResendIntegrationTests {

    private static final byte[] ORDER = "{\"item\":42}".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();

    @Test
    void aPostWhoseBodyTheConnectionBufferedReachesAResettingUpstreamTwiceInOneAttempt() {
        FaultyUpstream upstream = upstreams.start(Behaviour.resetBeforeResponse());

        UpstreamFailure failure = post(upstream, false);

        assertThat(failure.attempts()).as("the guard made one attempt").isEqualTo(1);
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(upstream.requestCount()).as("the connection's own resend").isEqualTo(2);
    }

    @Test
    void aPostInStreamingModeReachesAResettingUpstreamOnce() { // R13
        FaultyUpstream upstream = upstreams.start(Behaviour.resetBeforeResponse());

        UpstreamFailure failure = post(upstream, true);

        assertThat(failure.cause()).isEqualTo(FailureCause.CONNECTION_TERMINATED);
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(upstream.requests().get(0).body()).isEqualTo(ORDER);
    }

    private UpstreamFailure post(FaultyUpstream upstream, boolean streaming) {
        UpstreamGuard guard = UpstreamGuard.of(fast(upstream.uri()).maxAttempts(3).build());
        return catchThrowableOfType(UpstreamFailureException.class, () -> guard.call(UpstreamRequest.of("POST"),
                attempt -> {
                    HttpURLConnection connection = (HttpURLConnection) attempt.resolve(URI.create("/orders")).toURL()
                            .openConnection();
                    connection.setRequestMethod("POST");
                    connection.setDoOutput(true);
                    connection.setConnectTimeout((int) attempt.timeout().toMillis());
                    connection.setReadTimeout((int) attempt.timeout().toMillis());
                    if (streaming) {
                        connection.setFixedLengthStreamingMode(ORDER.length);
                    }
                    try (OutputStream out = connection.getOutputStream()) {
                        out.write(ORDER);
                    }
                    try (InputStream in = connection.getInputStream()) {
                        return in.readAllBytes();
                    }
                })).failure();
    }
}
