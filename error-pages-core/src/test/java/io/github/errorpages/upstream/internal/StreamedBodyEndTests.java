package io.github.errorpages.upstream.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.upstream.BodyOutcome;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The order of the JDK client's signals to a body's subscriber that a real connection produces only now and then
 * (GuardedHttpClientIntegrationTests#bodyBrokenRightAfterItsHeadCarriesTheGuardsFailureToTheReader makes them over
 * real sockets, about one call in a few thousand on a busy machine): a body broken before the client asked for it.
 */
class StreamedBodyEndTests {

    private static final ResponseInfo HEAD = OkHead.INSTANCE;

    /**
     * A stream broken (reset) after its head but before the client asked for it, and before the guard handed its
     * outcome over: the caller reads it only once the call returned, and what its read throws carries the guard's
     * failure, for the page's log line (it said {@code upstream=-}); the outcome counts the failure once.
     */
    @Test
    void aStreamBrokenBeforeTheClientAskedForItTellsItsReaderTheGuardsFailure() throws Exception {
        StreamedBodyEnd end = new StreamedBodyEnd();
        BodySubscriber<InputStream> subscriber = end.observing(BodyHandlers.ofInputStream()).apply(HEAD);
        subscriber.onSubscribe(new Subscription());
        subscriber.onError(new SocketException("Connection reset"));

        InputStream body = subscriber.getBody().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Outcome outcome = new Outcome();
        end.reportTo(outcome);
        Throwable thrown = catchThrowable(body::read);

        assertThat(thrown).isInstanceOf(IOException.class);
        assertThat(FailureClassifier.ofDefaults().classify(thrown)).as("%s", thrown)
                .hasValueSatisfying(failure -> assertThat(failure.upstream()).isEqualTo("orders"));
        assertThat(outcome.failures).hasValue(1);
    }

    /**
     * A mapping handler reads the stream as the client asks for its body (a GZIPInputStream over {@code
     * ofInputStream()} reads the gzip header): a stream broken before that is told at once, so that the function
     * fails rather than waiting for an outcome that comes only once it returned.
     */
    @Test
    void aMappingHandlerThatReadsAsItIsAskedLearnsOfABreakBeforeAtOnce() throws Exception {
        StreamedBodyEnd end = new StreamedBodyEnd();
        BodyHandler<Integer> readsAsAsked = info -> BodySubscribers.mapping(BodySubscribers.ofInputStream(), in -> {
            try {
                return in.read();
            } catch (IOException broken) {
                return -2;
            }
        });
        BodySubscriber<Integer> subscriber = end.observing(readsAsAsked).apply(HEAD);
        subscriber.onSubscribe(new Subscription());
        subscriber.onError(new SocketException("Connection reset"));

        CompletableFuture<Integer> asked = CompletableFuture.supplyAsync(() -> subscriber.getBody()
                .toCompletableFuture().join(), OWN_THREAD);

        assertThat(asked.get(10, TimeUnit.SECONDS)).as("what the function's read got").isEqualTo(-2);
    }

    /**
     * A body read whole that broke before the client asked for it fails the call: with the client's failure as its
     * cause, whose type tells what broke ({@link EOFException}: the body fell short).
     */
    @Test
    void aBodyReadWholeThatBrokeBeforeTheClientAskedFailsWithTheClientsFailure() {
        StreamedBodyEnd end = new StreamedBodyEnd();
        BodySubscriber<String> subscriber = end.observing(BodyHandlers.ofString()).apply(HEAD);
        subscriber.onSubscribe(new Subscription());
        EOFException fellShort = new EOFException("EOF reached while reading");
        subscriber.onError(fellShort);

        assertThatThrownBy(() -> subscriber.getBody().toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasRootCause(fellShort);
    }

    /** The guard's outcome of a call to the upstream {@code orders}. */
    private static final class Outcome implements BodyOutcome {
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public void holdBulkheadPermit() {
        }

        @Override
        public void completed() {
        }

        @Override
        public UpstreamFailure failed(Throwable failure) {
            failures.incrementAndGet();
            return UpstreamFailure.builder(FailureCause.CONNECTION_TERMINATED).upstream("orders").build();
        }
    }

    private static final class Subscription implements Flow.Subscription {
        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
        }
    }
}
