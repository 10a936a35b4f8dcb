package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link IdleTimeoutBodySubscriber} reading real upstream bodies with the JDK's HttpClient. */
class IdleTimeoutBodySubscriberIntegrationTests {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<IdleTimeoutBodySubscriber.Body> get(FaultyUpstream upstream, Duration idleTimeout)
            throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(upstream.uri().resolve("/body")).build(),
                info -> new IdleTimeoutBodySubscriber(idleTimeout));
    }

    @Test
    void readsWholeBody() throws Exception {
        String body = "0123456789".repeat(5_000);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, body))) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofSeconds(5));

            try (InputStream in = response.body()) {
                assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(body);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void handsOutTheClientsBuffersOneAfterAnother() throws Exception {
        String body = "0123456789".repeat(5_000);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, body))) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofSeconds(5));

            ByteArrayOutputStream received = new ByteArrayOutputStream();
            try (IdleTimeoutBodySubscriber.Body in = response.body()) {
                for (ByteBuffer part = in.readBuffer(); part != null; part = in.readBuffer()) {
                    assertThat(part.hasRemaining()).isTrue();
                    byte[] bytes = new byte[part.remaining()];
                    part.get(bytes);
                    received.writeBytes(bytes);
                }
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThat(received.toString(StandardCharsets.US_ASCII)).isEqualTo(body);
        }
    }

    @Test
    void timesOutWhenUpstreamStallsMidBody() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.stallMidBody())) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofMillis(200));
            InputStream in = response.body();

            assertThat(in.readNBytes(4096)).hasSize(4096);
            long start = System.nanoTime();
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class)
                    .satisfies(e -> assertThat(FailureClassifier.ofDefaults().classify(e).orElseThrow().cause())
                            .isEqualTo(FailureCause.CONNECTION_READ_TIMEOUT));
            // Generous slack: the bound only shows the wait is not endless.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void reportsBodyCutShortAsIoException() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.truncatedBody())) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofSeconds(5));

            assertThatThrownBy(() -> response.body().readAllBytes()).isInstanceOf(IOException.class)
                    .satisfies(e -> assertThat(FailureClassifier.ofDefaults().classify(e).orElseThrow().cause())
                            .isEqualTo(FailureCause.HTTP_RESPONSE_INCOMPLETE));
        }
    }
}
