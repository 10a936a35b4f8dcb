package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Application code that calls its upstream with Jetty 12's own client and lets the exception reach error-pages:
 * the cause of each connection that ends early, over real loopback sockets. Jetty reports all of them as an
 * {@code EOFException}; one that ended while the body came is a response cut short (R1: 502
 * {@code http_response_incomplete}, not retried), one before the head a connection torn down (retried, R47). The
 * body's were all {@code connection_terminated}, which the docs' table put under the reset before the head.
 */
class JettyClientClassificationIntegrationTests {

    private static final HttpClient CLIENT = new HttpClient();

    private final FailureClassifier classifier = FailureClassifier.ofDefaults();

    @BeforeAll
    static void startClient() throws Exception {
        CLIENT.start();
    }

    @AfterAll
    static void stopClient() throws Exception {
        CLIENT.stop();
    }

    static Stream<Arguments> endsEarly() {
        return Stream.of(
                Arguments.of("a body short of its Content-Length", Behaviour.truncatedBody(),
                        FailureCause.HTTP_RESPONSE_INCOMPLETE),
                Arguments.of("a reset mid-body", Behaviour.resetMidBody(), FailureCause.HTTP_RESPONSE_INCOMPLETE),
                Arguments.of("a close before the head", Behaviour.closeBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED),
                Arguments.of("a reset before the head", Behaviour.resetBeforeResponse(),
                        FailureCause.CONNECTION_TERMINATED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endsEarly")
    void connectionThatEndsEarlyIsNamedByWhereItEnded(String fault, Behaviour behaviour, FailureCause cause) {
        try (FaultyUpstream upstream = FaultyUpstream.start(behaviour)) {
            Throwable thrown = catchThrowable(() -> CLIENT.newRequest(upstream.uri().resolve("/orders"))
                    .timeout(10, TimeUnit.SECONDS).send());

            assertThat(thrown).as(fault).isNotNull();
            assertThat(classifier.classify(thrown).map(UpstreamFailure::cause)).as(fault + ": " + thrown)
                    .hasValue(cause);
        }
    }
}
