package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guard's backstop of a blocking send ({@link SendBackstop}), alone: a request without a timeout of its own to
 * an upstream that reads it and never answers, so that nothing but the backstop ends the send.
 */
class SendBackstopTests {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();

    /**
     * An attempt the deadline shortened has what is left of the deadline as its timeout, to the nanosecond: where
     * the backstop fired, its message showed that in ISO-8601 ({@code PT0.012345678S}), while every other message
     * writes a duration as the configuration does and the body's timeout counts whole milliseconds. It shows whole
     * milliseconds now, truncated as the body's are ({@code 12ms}); the attempt fails as a late response, with the
     * backstop's interrupt kept inside the send (R45).
     */
    @Test
    void theBackstopsMessageShowsAnAttemptTimeoutTheDeadlineShortenedInWholeMilliseconds() {
        FaultyUpstream silent = upstreams.start(Behaviour.stall());
        Duration shortened = Duration.ofNanos(12_345_678);

        HttpTimeoutException thrown = catchThrowableOfType(HttpTimeoutException.class, () -> SendBackstop.send(HTTP,
                HttpRequest.newBuilder(silent.uri().resolve("/orders/42")).build(), BodyHandlers.discarding(),
                shortened));

        assertThat(thrown).hasMessage("request not answered within the attempt timeout of 12ms and the guard's "
                + "backstop");
        assertThat(Thread.currentThread().isInterrupted()).as("the backstop's interrupt stays inside the send")
                .isFalse();
    }
}
