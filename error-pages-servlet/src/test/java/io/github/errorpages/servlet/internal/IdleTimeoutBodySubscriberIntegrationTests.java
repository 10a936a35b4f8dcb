package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * {@link InputStream#read()} returns a byte as 0 to 255: a byte of all ones (0xFF) is 255, not -1, which would end
     * the body for the reader there.
     */
    @Test
    void readsAByteOfAllOnesAs255NotAsTheEnd() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.writeRaw("HTTP/1.1 200 OK\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\n\u00ff\u00fe"))) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofSeconds(5));

            try (InputStream in = response.body()) {
                assertThat(in.read()).isEqualTo(0xff);
                assertThat(in.read()).isEqualTo(0xfe);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    /**
     * A read of no bytes returns 0 at once ({@link InputStream#read(byte[], int, int)}): it neither waits for the next
     * bytes of an upstream that stalls, ending in a timeout that cancels the exchange, nor reports the end.
     */
    @Test
    void readOfNoBytesReturnsZeroWithoutWaitingForTheNextBytes() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.stallMidBody())) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofSeconds(2));

            try (InputStream in = response.body()) {
                assertThat(in.readNBytes(4096)).hasSize(4096);

                assertThat(in.read(new byte[8], 0, 0)).isZero();
            }
        }
    }

    /** An idle timeout of zero would time every read out that has to wait at all: it is refused, as a negative one. */
    @Test
    void refusesAnIdleTimeoutThatIsNotPositive() {
        assertThatIllegalArgumentException().isThrownBy(() -> new IdleTimeoutBodySubscriber(Duration.ZERO))
                .withMessageContaining("positive");
        assertThatIllegalArgumentException().isThrownBy(() -> new IdleTimeoutBodySubscriber(Duration.ofMillis(-1)))
                .withMessageContaining("positive");
    }

    /**
     * The body's {@code close()} ends the exchange: a body closed before it was read to its end (the proxy's client
     * went away) cancels it, and the client closes the connection, which the upstream sees as its writes failing.
     * Left open, the connection would stay with the upstream, which waits to write the rest, for as long as it lasts.
     */
    @Test
    void closingABodyBeforeItsEndClosesTheUpstreamsConnection() throws Exception {
        CompletableFuture<String> upstreamEnd = new CompletableFuture<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            long length = 64L << 20;
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length
                    + "\r\n\r\n");
            try {
                exchange.writeRepeated((byte) 'x', length);
                upstreamEnd.complete("written whole");
            } catch (IOException closed) {
                upstreamEnd.complete("closed by the client");
            }
        })) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = get(upstream, Duration.ofSeconds(5));
            try (InputStream in = response.body()) {
                assertThat(in.readNBytes(64 * 1024)).hasSize(64 * 1024);
            }

            assertThat(upstreamEnd.get(10, TimeUnit.SECONDS)).isEqualTo("closed by the client");
        }
    }

    /**
     * The reader asks for the next bytes through the executor it was given; once that refuses (the proxy is being
     * stopped), it asks on its own thread, and the body is still read to its end rather than stalling into the idle
     * timeout.
     */
    @Test
    void asksForTheNextBytesOnTheReadersThreadOnceTheExecutorRefuses() throws Exception {
        String body = "0123456789".repeat(50_000);
        ExecutorService stopped = Executors.newSingleThreadExecutor();
        stopped.shutdown();
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, body))) {
            HttpResponse<IdleTimeoutBodySubscriber.Body> response = CLIENT.send(
                    HttpRequest.newBuilder(upstream.uri().resolve("/body")).build(),
                    info -> new IdleTimeoutBodySubscriber(Duration.ofSeconds(2), stopped));

            try (InputStream in = response.body()) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(body);
            }
        }
    }

    /**
     * One list of buffers asked for at a time, the next only once the reader has read the last: what the body holds
     * stays at one list however fast the upstream sends. The subscription is a recorder, the only way to see the
     * demand, which the JDK's client does not show.
     */
    @Test
    void asksForTheNextListOnlyOnceTheReaderReadTheLast() throws Exception {
        IdleTimeoutBodySubscriber subscriber = new IdleTimeoutBodySubscriber(Duration.ofSeconds(5));
        RecordingSubscription subscription = new RecordingSubscription();
        subscriber.onSubscribe(subscription);
        assertThat(subscription.requested.get()).as("asked for the first list").isEqualTo(1);
        subscriber.onNext(List.of(ascii("ab")));
        subscriber.onNext(List.of(ascii("cd"))); // delivered ahead of demand, to see when the reader asks

        try (InputStream in = subscriber.getBody().toCompletableFuture().join()) {
            byte[] read = new byte[8];
            assertThat(in.read(read, 0, 8)).isEqualTo(2);
            assertThat(subscription.requested.get()).as("asked for nothing more while the first list was read")
                    .isEqualTo(1);
            assertThat(in.read(read, 0, 8)).isEqualTo(2);
            assertThat(subscription.requested.get()).as("asked for the next list once the first was read").isEqualTo(2);
        }
    }

    /**
     * A body closed before the client subscribed it (the client may hand the body out first) cancels the exchange
     * as soon as the subscription comes, and asks for nothing of it.
     */
    @Test
    void aBodyClosedBeforeItsSubscriptionCancelsItWhenItComes() {
        IdleTimeoutBodySubscriber subscriber = new IdleTimeoutBodySubscriber(Duration.ofSeconds(5));
        subscriber.getBody().toCompletableFuture().join().close();
        RecordingSubscription subscription = new RecordingSubscription();

        subscriber.onSubscribe(subscription);

        assertThat(subscription.cancelled.get()).isEqualTo(1);
        assertThat(subscription.requested.get()).isZero();
    }

    private static ByteBuffer ascii(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** Counts what the subscriber asks of its subscription. */
    private static final class RecordingSubscription implements Flow.Subscription {
        private final AtomicInteger requested = new AtomicInteger();
        private final AtomicInteger cancelled = new AtomicInteger();

        @Override
        public void request(long n) {
            requested.addAndGet((int) n);
        }

        @Override
        public void cancel() {
            cancelled.incrementAndGet();
        }
    }
}
