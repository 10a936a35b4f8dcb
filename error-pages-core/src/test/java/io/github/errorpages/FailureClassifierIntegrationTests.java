package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.testing.FaultyUpstream.Blackhole;
import java.io.Closeable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Produces each failure for real, over loopback sockets with the JDK's HttpClient, and checks the cause
 * the classifier finds, the status and the Retry-After the policy picks (standards R2, R8, R9).
 */
class FailureClassifierIntegrationTests {

    private final FailureClassifier classifier = FailureClassifier.ofDefaults();
    private final ErrorPolicy policy = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private Closeable resource;

    @AfterEach
    void close() throws Exception {
        if (resource != null) {
            resource.close();
        }
    }

    /** A fault: how to set it up (returns the URI to call) and what it must be classified as. */
    record Fault(String name, Supplier<Object> setUp, FailureCause cause, int status, long retryAfter) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                new Fault("connection refused", () -> URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort()),
                        FailureCause.CONNECTION_REFUSED, 502, 10),
                new Fault("unresolvable .invalid host", () -> URI.create("http://billing-internal.invalid:8443"),
                        FailureCause.DNS_ERROR, 502, 10),
                new Fault("connect timeout (full accept queue)", Blackhole::open,
                        FailureCause.CONNECTION_TIMEOUT, 504, 10),
                new Fault("reset before response", () -> FaultyUpstream.start(Behaviour.resetBeforeResponse()),
                        FailureCause.CONNECTION_TERMINATED, 502, 10),
                new Fault("closed before response", () -> FaultyUpstream.start(Behaviour.closeBeforeResponse()),
                        FailureCause.CONNECTION_TERMINATED, 502, 10),
                new Fault("no answer within the response timeout", () -> FaultyUpstream.start(Behaviour.stall()),
                        FailureCause.HTTP_RESPONSE_TIMEOUT, 504, 10),
                new Fault("garbage status line", () -> FaultyUpstream.start(Behaviour.garbage()),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                // Over the JDK client's jdk.http.maxHeaderSize (384 KiB by default since 17.0.12 and 21.0.4).
                new Fault("response head over the client's limit", () -> FaultyUpstream.start(
                        Behaviour.respond(200, "ok", "X-Padding", "p".repeat(400_000))),
                        FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE, 502, 10),
                new Fault("Content-Length not a number", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nhello")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("Content-Length a list", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("204 announcing a body", () -> FaultyUpstream.start(exchange -> exchange.writeRaw(
                        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello")),
                        FailureCause.HTTP_PROTOCOL_ERROR, 502, 10),
                new Fault("truncated body", () -> FaultyUpstream.start(Behaviour.truncatedBody()),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE, 502, 10),
                // The JDK reports a reset after part of a fixed-length body as a short body, not as a reset.
                new Fault("reset mid-body", () -> FaultyUpstream.start(Behaviour.resetMidBody()),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE, 502, 10),
                new Fault("self-signed certificate", () -> FaultyUpstream.startTlsSelfSigned(Behaviour.ok()),
                        FailureCause.TLS_CERTIFICATE_ERROR, 502, 10))
                .map(Arguments::of);
    }

    /**
     * A NumberFormatException the JDK's client throws while it reads a response head ("Content-Length: abc") is
     * the upstream's; one thrown by the caller's own code that the client calls back is a bug, not classified.
     */
    @Test
    void numberFormatExceptionOfTheCallersBodyMappingIsNoUpstreamFailure() throws Exception {
        FaultyUpstream upstream = FaultyUpstream.start(Behaviour.respond(200, "not a number"));
        resource = upstream;
        HttpRequest request = HttpRequest.newBuilder(upstream.uri().resolve("/count")).build();

        Throwable thrown = catchThrowable(() -> client.send(request, info ->
                HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                        Integer::parseInt)));

        assertThat(thrown).hasRootCauseInstanceOf(NumberFormatException.class);
        assertThat(classifier.classify(thrown)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void classifiesRealFailure(Fault fault) {
        Object target = fault.setUp().get();
        URI uri;
        if (target instanceof FaultyUpstream upstream) {
            resource = upstream;
            uri = upstream.uri();
        } else if (target instanceof Blackhole blackhole) {
            resource = blackhole;
            uri = blackhole.uri();
        } else {
            uri = (URI) target;
        }
        HttpRequest request = HttpRequest.newBuilder(uri.resolve("/orders/42")).timeout(Duration.ofMillis(700)).build();

        Throwable thrown = catchThrowable(() -> client.send(request, HttpResponse.BodyHandlers.ofString()));

        assertThat(thrown).as("the call must fail").isNotNull();
        UpstreamFailure failure = classifier.classify(thrown).orElseThrow(
                () -> new AssertionError("not classified: " + thrown, thrown));
        assertThat(failure.cause()).as("cause of %s", thrown).isEqualTo(fault.cause());
        ErrorDecision decision = policy.decide(failure);
        assertThat(decision.status()).isEqualTo(fault.status());
        assertThat(decision.errorCode()).isEqualTo(fault.cause().token());
        assertThat(decision.retryAfterHeader()).isEqualTo(Long.toString(fault.retryAfter()));
    }
}
