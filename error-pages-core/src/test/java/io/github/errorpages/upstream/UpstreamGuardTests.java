package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.internal.BodySourceFailure;
import io.github.errorpages.upstream.internal.MutableClock;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The body-agnostic API: what counts as a failure, what is thrown, and what the breaker and the counters
 * see, with calls that fail the way clients do (no sockets needed: the guard only sees what the call
 * returns or throws).
 */
class UpstreamGuardTests {

    private static final URI FIRST = URI.create("http://10.0.0.1:8080");
    private static final URI SECOND = URI.create("http://10.0.0.2:8080");

    private final RecordingListener events = new RecordingListener();

    private UpstreamGuard guard(UpstreamConfig.Builder config) {
        return UpstreamGuard.builder(config.build()).listener(events).build();
    }

    /** A response as some client library might model it. */
    record FakeResponse(int status, Map<String, String> headers) {
    }

    /** Reads {@link FakeResponse}s and records which ones were discarded. */
    static final class FakeResponses implements ResponseAdapter<FakeResponse> {
        final List<FakeResponse> discarded = new CopyOnWriteArrayList<>();

        @Override
        public int status(FakeResponse response) {
            return response.status();
        }

        @Override
        public @Nullable String header(FakeResponse response, String name) {
            return response.headers().get(name);
        }

        @Override
        public void discard(FakeResponse response) {
            discarded.add(response);
        }
    }

    @Test
    void attemptsKnowTheirEndpointNumberAndTimeout() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST, SECOND).attemptTimeout(Duration.ofSeconds(3)));
        List<Attempt> attempts = new CopyOnWriteArrayList<>();

        String result = guard.call(UpstreamRequest.of("GET"), attempt -> {
            attempts.add(attempt);
            if (attempt.number() == 1) {
                throw new ConnectException("Connection refused");
            }
            return "ok";
        });

        assertThat(result).isEqualTo("ok");
        assertThat(attempts).extracting(Attempt::endpoint).containsExactly(FIRST, SECOND);
        assertThat(attempts).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(attempts).allSatisfy(a -> assertThat(a.timeout()).isEqualTo(Duration.ofSeconds(3)));
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(e -> assertThat(e.cause()).isEqualTo(FailureCause.CONNECTION_REFUSED));
    }

    /**
     * A retry starts at the endpoint after the one that failed, also once every endpoint was tried: with two
     * endpoints and three attempts (R14's most), the third goes back to the first, not again to the second that
     * just failed.
     */
    @Test
    void retriesRotateOnFromTheEndpointThatFailedLastOnceAllWereTried() {
        UpstreamGuard guard = guard(Guards.fast(FIRST, SECOND).maxAttempts(3));
        List<Attempt> attempts = new CopyOnWriteArrayList<>();

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            attempts.add(attempt);
            throw new ConnectException("Connection refused");
        }));

        assertThat(thrown).isInstanceOf(UpstreamFailureException.class);
        assertThat(attempts).extracting(Attempt::endpoint).containsExactly(FIRST, SECOND, FIRST);
    }

    @Test
    void failedResponsesAreDiscardedAndTheLastOneIsThrownWithItsRetryAfter() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(2));
        FakeResponses responses = new FakeResponses();
        FakeResponse busy = new FakeResponse(503, Map.of("Retry-After", "0"));
        FakeResponse stillBusy = new FakeResponse(503, Map.of("Retry-After", "7"));

        AtomicInteger calls = new AtomicInteger();
        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), responses,
                        attempt -> calls.incrementAndGet() == 1 ? busy : stillBusy));

        assertThat(responses.discarded).containsExactly(busy, stillBusy);
        UpstreamFailure failure = thrown.failure();
        assertThat(failure.upstreamStatus()).isEqualTo(503);
        assertThat(failure.upstreamRetryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(failure.attempts()).isEqualTo(2);
        assertThat(failure.elapsed()).isPositive();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
    }

    /**
     * A status outside 100–599 is no HTTP status (RFC 9110 §15): an answer that a client read as a response though it
     * was no HTTP at all ({@code HttpURLConnection}'s -1 for bytes it took for HTTP/0.9) is the upstream's protocol
     * error, a 502 {@code http_protocol_error} that the breaker counts, with {@code fail-on-5xx} off too (R3), not a
     * successful call whose body the application then fails to read outside the guard. Not retried, as a protocol
     * error a client throws is not ({@code retry.causes} by default); the response is discarded, and the log's reason
     * names the status.
     */
    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 99, 600, 999})
    void anAnswerWithNoHttpStatusIsTheUpstreamsProtocolErrorNotASuccess(int status) {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(2).failOn5xxEnabled(false));
        FakeResponses responses = new FakeResponses();
        FakeResponse noHttp = new FakeResponse(status, Map.of());

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), responses, attempt -> noHttp));

        UpstreamFailure failure = thrown.failure();
        assertThat(failure.cause()).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(failure.upstreamStatus()).isZero();
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(failure.retryRefusal()).isEqualTo(RetryRefusal.NOT_RETRYABLE);
        assertThat(thrown.getCause()).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("status " + status + ", which is no HTTP status");
        assertThat(responses.discarded).containsExactly(noHttp);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(guard.metrics().successfulCalls()).isZero();
    }

    /**
     * With {@code http_protocol_error} in {@code retry.causes}, a GET answered with no HTTP status is retried (R43),
     * asynchronously as well, while a POST, which reached the upstream, is not sent again (R13).
     */
    @Test
    void anAnswerWithNoHttpStatusIsRetriedAsTheProtocolErrorItIsForAGetNeverForAPost() {
        UpstreamGuard guard = guard(Guards.fast(FIRST, SECOND).maxAttempts(3)
                .retryCauses(Set.of(FailureCause.HTTP_PROTOCOL_ERROR)));
        FakeResponses responses = new FakeResponses();
        AtomicInteger posts = new AtomicInteger();

        UpstreamFailure post = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("POST"), responses, attempt -> {
                    posts.incrementAndGet();
                    return new FakeResponse(-1, Map.of());
                })).failure();
        Throwable async = catchThrowable(() -> guard.callAsync(UpstreamRequest.of("GET"), responses,
                attempt -> CompletableFuture.completedFuture(new FakeResponse(600, Map.of())))
                .get(10, TimeUnit.SECONDS));

        assertThat(posts).hasValue(1);
        assertThat(post.cause()).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(post.attempts()).isEqualTo(1);
        assertThat(post.retryRefusal()).isEqualTo(RetryRefusal.NOT_IDEMPOTENT);
        assertThat(async).isInstanceOf(ExecutionException.class).cause().isInstanceOf(UpstreamFailureException.class);
        UpstreamFailure get = ((UpstreamFailureException) async.getCause()).failure();
        assertThat(get.cause()).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(get.attempts()).isEqualTo(3);
        assertThat(responses.discarded).hasSize(4);
    }

    /**
     * A call whose client returns no result at all (null, a client's way to say "no content") with a response adapter
     * is a success, sync or async: the adapter is never handed null, to read a status from or to tell whether its
     * body streams, which made a bug of the adapter's (its NullPointerException) of an answer the upstream gave.
     */
    @Test
    void noResultIsASuccessTheAdapterIsNeverAskedAbout() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(2));
        FakeResponses fake = new FakeResponses();
        // A streamed body's end is reported.
        ResponseAdapter<FakeResponse> responses = awaiting(fake,
                (response, body) -> response.headers().containsKey("Transfer-Encoding"));

        FakeResponse none = guard.call(UpstreamRequest.of("GET"), responses, attempt -> null);
        FakeResponse noneAsync = guard.callAsync(UpstreamRequest.of("GET"), responses,
                attempt -> CompletableFuture.<FakeResponse>completedFuture(null)).get(10, TimeUnit.SECONDS);

        assertThat(none).isNull();
        assertThat(noneAsync).isNull();
        assertThat(fake.discarded).isEmpty();
        assertThat(guard.metrics().successfulCalls()).isEqualTo(2);
        assertThat(guard.metrics().attempts()).isEqualTo(2);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(2);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    /**
     * OkHttp's call timeout (and Okio's) is a plain {@code InterruptedIOException("timeout")} on a thread nobody
     * interrupted: a timeout the upstream took too long for (R2: 504; R43: retried for a GET), not the caller's
     * interrupt. Taken for one, the guard counted nothing, retried nothing, and set the thread's interrupt flag, which
     * failed the thread's next call at its bulkhead. Built as OkHttp builds it: OkHttp is not on the class path.
     */
    @Test
    void okHttpCallTimeoutIsAResponseTimeoutNotAnInterrupt() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(2));
        AtomicInteger calls = new AtomicInteger();

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    calls.incrementAndGet();
                    throw new InterruptedIOException(calls.get() == 1 ? "timeout" : "deadline reached");
                }));
        boolean interrupted = Thread.interrupted(); // and cleared for the next test

        assertThat(interrupted).as("nobody interrupted the thread").isFalse();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.HTTP_RESPONSE_TIMEOUT);
        assertThat(calls).hasValue(2);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
        assertThat(guard.metrics().abortedCalls()).isZero();
    }

    /** OkHttp's interrupt, by contrast, is the caller's: no failure, no retry, the documented InterruptedException. */
    @Test
    void okHttpInterruptIsTheCallersAbort() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(2));

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            throw new InterruptedIOException("interrupted");
        }));

        assertThat(thrown).isInstanceOf(InterruptedException.class).hasCauseInstanceOf(InterruptedIOException.class);
        assertThat(guard.metrics().attempts()).isEqualTo(1);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    /**
     * A client's own checked exception around the caller's interrupt or cancel, which {@code call} cannot throw as it
     * is, is the caller's abort all the same: thrown as the CancellationException the guard keeps for an abort,
     * caused by it; not retried, not counted against the upstream.
     */
    @Test
    void clientsCheckedExceptionAroundACancelIsTheCallersAbort() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        Exception wrapped = new Exception("lookup gave up", new CancellationException("cancelled by the caller"));

        Throwable thrown = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            throw wrapped;
        }));

        assertThat(thrown).isInstanceOf(CancellationException.class).hasCause(wrapped);
        assertThat(guard.metrics().attempts()).isEqualTo(1);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    @Test
    void bugIsThrownAsIsWithoutRetryOrBreakerCount() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        NullPointerException bug = new NullPointerException("oops");

        assertThat(catchThrowableOfType(NullPointerException.class, () -> guard.call(UpstreamRequest.of("GET"),
                attempt -> {
                    throw bug;
                }))).isSameAs(bug);

        assertThat(guard.metrics().attempts()).isEqualTo(1);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.CallAborted.class)).as("the call's end, as for every call").singleElement()
                .satisfies(aborted -> {
                    assertThat(aborted.attempts()).isEqualTo(1);
                    assertThat(aborted.reason()).isEqualTo(NullPointerException.class);
                });
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.failingSince()).isEmpty();
    }

    /**
     * An exception whose getCause() throws (a broken override) ends its chain there: the attempt's exception is a bug,
     * thrown as is, and every permit is given back. It escaped the guard's reading of the chain: a half-open breaker
     * kept the permit and refused every later call, and the call was counted as neither failed nor aborted.
     */
    @Test
    void anExceptionWhoseCauseCannotBeReadGivesEveryPermitBack() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        IllegalStateException broken = new IllegalStateException("order lookup failed") {
            @Override
            public synchronized Throwable getCause() {
                throw new IllegalStateException("getCause failed");
            }
        };

        for (int call = 0; call < 5; call++) {
            assertThat(catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                throw broken;
            }))).as("call %d", call).isSameAs(broken);
        }

        String answered = guard.call(UpstreamRequest.of("GET"), attempt -> "fine");
        assertThat(answered).as("the half-open breaker's permits were all given back").isEqualTo("fine");
        assertThat(FailureClassifier.ofDefaults().classify(broken)).isEmpty();
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(5);
        assertThat(metrics.calls()).isEqualTo(metrics.successfulCalls() + metrics.failedCalls() + metrics.abortedCalls());
    }

    /**
     * HttpURLConnection's exception for an upstream 503 in a cycle of causes (an application's wrapper set as its
     * cause): the guard reads the status and ends the call with it (R3), its search of the chain for the Proxy-Status
     * of a client's response exception bounded as the classifier's walk is. Unbounded, that search would go round the
     * cycle for ever, and the request's thread with it.
     */
    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a walk without end never returns
    void upstreamStatusInACyclicCauseChainEndsTheCall() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(1));
        IOException status = new IOException("Server returned HTTP response code: 503 for URL: http://10.0.0.1:8080/");
        IOException wrapper = new IOException("billing lookup failed", status);
        status.initCause(wrapper);

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    throw new UncheckedIOException(wrapper);
                }));

        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
    }

    /**
     * An exception whose getMessage() throws (a broken override) is read without its message: the guard asked it of
     * any SocketException (the interrupt of a virtual thread) and of a plain IOException's cause (the blocking JDK
     * client's restated bug), and what it threw escaped before the permits were given back, as in the test above. An
     * Error too: an AssertionError under -ea, the StackOverflowError of an override that walks a cyclic chain.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anExceptionWhoseMessageCannotBeReadGivesEveryPermitBack(boolean error) throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        SocketException socket = new SocketException() {
            @Override
            public String getMessage() {
                if (error) {
                    throw new AssertionError("getMessage failed");
                }
                throw new IllegalStateException("getMessage failed");
            }

            @Override
            public String toString() {
                return "an exception whose getMessage() throws"; // for a failed assertion's message
            }
        };
        List<Exception> thrown = List.of(socket, new IOException("restated", socket),
                new RuntimeException("order lookup failed", socket));

        for (int call = 0; call < 6; call++) {
            Exception attemptFailure = thrown.get(call % thrown.size());
            Throwable caught = catchThrowable(() -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                throw attemptFailure;
            }));
            assertThat(caught).as("call %d", call).isNotInstanceOf(IllegalStateException.class)
                    .isNotInstanceOf(AssertionError.class)
                    .satisfiesAnyOf(t -> assertThat(t).isSameAs(attemptFailure), t -> assertThat(t).hasCause(
                            attemptFailure));
        }

        String answered = guard.call(UpstreamRequest.of("GET"), attempt -> "fine");
        assertThat(answered).as("the half-open breaker's permits were all given back").isEqualTo("fine");
        assertThat(FailureClassifier.ofDefaults().classifyOrDefault(socket).cause())
                .isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.calls())
                .isEqualTo(metrics.successfulCalls() + metrics.failedCalls() + metrics.abortedCalls());
    }

    /**
     * A listener's failure is logged with its stack trace, which a logger prints with the throwable's toString(): one
     * whose getMessage() throws failed the log line, and the call it was told of ended with that, its retry lost.
     */
    @Test
    void aListenerWhoseFailureCannotBePrintedLeavesTheCallAlone() throws Exception {
        RuntimeException unprintable = new IllegalStateException() {
            @Override
            public String getMessage() {
                throw new IllegalStateException("getMessage failed");
            }
        };
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).maxAttempts(2).build()).listener(event -> {
            throw unprintable;
        }).build();
        AtomicInteger attempts = new AtomicInteger();

        String[] answered = new String[1];
        String log = StandardError.capture(() -> {
            try {
                answered[0] = guard.call(UpstreamRequest.of("GET"), attempt -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new ConnectException("Connection refused");
                    }
                    return "fine";
                });
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(answered[0]).isEqualTo("fine");
        assertThat(attempts).hasValue(2);
        assertThat(log).contains("failed; its failures are ignored");
    }

    @Test
    void unrecognisedCheckedExceptionIsAnInternalErrorNotCountedAgainstTheUpstream() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        IOException strange = new IOException("something no classifier knows");

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    throw strange;
                }));

        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(thrown).hasCause(strange);
        assertThat(guard.metrics().attempts()).isEqualTo(1);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.failingSince()).as("no sign of upstream trouble").isEmpty();
    }

    /**
     * One route with large heads, or large bodies, must not open the breaker for the upstream's other routes, nor
     * start a failing period (troubleshooting.md, operations.md).
     */
    @ParameterizedTest
    @EnumSource(value = FailureCause.class, names = {"HTTP_RESPONSE_HEADER_SECTION_SIZE", "HTTP_RESPONSE_BODY_SIZE"})
    void responseOverALocalSizeLimitIsNotCountedAgainstTheUpstream(FailureCause limit) {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        UpstreamFailureException tooLarge = new UpstreamFailureException(UpstreamFailure.of(limit), null);
        UpstreamFailureException malformed = new UpstreamFailureException(
                UpstreamFailure.of(FailureCause.HTTP_PROTOCOL_ERROR), null);

        UpstreamFailureException thrown = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    throw tooLarge;
                }));

        assertThat(thrown.failure().cause()).isEqualTo(limit);
        assertThat(thrown.failure().failingSince()).isNull();
        assertThat(guard.metrics().attempts()).as("not a retry cause").isEqualTo(1);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.failingSince()).as("no sign of upstream trouble").isEmpty();

        catchThrowableOfType(UpstreamFailureException.class, () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            throw malformed;
        }));
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls())
                .as("a malformed response is the upstream's").isEqualTo(1);
    }

    /**
     * A client that hangs up during its upload fails the attempt: that is the caller's doing, so neither the
     * breaker nor "failing since" hears of it, and it is not retried, even for an idempotent PUT.
     */
    @Test
    void failureOfTheBodysSourceEndsTheCallWithoutBlamingTheUpstream() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        IOException reset = new IOException("Connection reset by peer");

        UncheckedIOException thrown = catchThrowableOfType(UncheckedIOException.class,
                () -> guard.call(UpstreamRequest.of("PUT").withBodySource(() -> true, () -> false), attempt -> {
                    throw reset;
                }));

        assertThat(thrown.getCause()).hasCause(reset);
        assertThat(thrown).isInstanceOfSatisfying(BodySourceFailure.class,
                failure -> assertThat(failure.isStalled()).as("failed, not stalled").isFalse());
        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(1, 0, 0, 0, 1, 1, 0, 0, 0, 0));
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.failingSince()).isEmpty();
        assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
    }

    /**
     * An attempt that times out while the body waits for more from its client: the client stalled, and the
     * upstream could not answer before it had the body. A failure of the upstream's own while the body waits
     * (a reset, a refused connection) is still the upstream's.
     */
    @Test
    void timeoutWhileTheBodyWaitsForItsSourceIsTheClientsButAResetIsTheUpstreams() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(1));
        UpstreamRequest stalled = UpstreamRequest.of("POST").withBodySource(() -> false, () -> true);

        UncheckedIOException stall = catchThrowableOfType(UncheckedIOException.class, () -> guard.call(stalled,
                attempt -> {
                    throw new java.net.SocketTimeoutException("Read timed out");
                }));
        assertThat(stall).isInstanceOfSatisfying(BodySourceFailure.class,
                failure -> assertThat(failure.isStalled()).as("stalled, not failed").isTrue());
        catchThrowableOfType(UncheckedIOException.class, () -> guard.call(stalled, attempt -> {
            throw new java.net.http.HttpTimeoutException("request timed out");
        }));
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();

        UpstreamFailureException reset = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(stalled, attempt -> {
                    throw new IOException("Connection reset");
                }));
        assertThat(reset.failure().cause()).isEqualTo(FailureCause.CONNECTION_TERMINATED);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);

        UpstreamFailureException late = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("POST").withBodySource(() -> false, () -> false), attempt -> {
                    throw new java.net.SocketTimeoutException("Read timed out");
                }));
        assertThat(late.failure().cause()).as("the body was all sent: the upstream is late")
                .isEqualTo(FailureCause.CONNECTION_READ_TIMEOUT);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(2);
    }

    /**
     * A response adapter that throws breaks its contract: the bug is thrown as is, and the bulkhead's permit is
     * given back once, not twice (which would raise the bulkhead's limit for good), on both drivers.
     */
    @Test
    void throwingResponseAdapterIsABugThatReleasesEachPermitOnce() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        int available = guard.bulkhead().getMetrics().getAvailableConcurrentCalls();
        IllegalStateException broken = new IllegalStateException("adapter bug");
        ResponseAdapter<FakeResponse> throwing = new ResponseAdapter<>() {
            @Override
            public int status(FakeResponse response) {
                throw broken;
            }

            @Override
            public @Nullable String header(FakeResponse response, String name) {
                return null;
            }

            @Override
            public void discard(FakeResponse response) {
            }
        };

        IllegalStateException thrown = catchThrowableOfType(IllegalStateException.class,
                () -> guard.call(UpstreamRequest.of("GET"), throwing, attempt -> new FakeResponse(200, Map.of())));
        Throwable asyncThrown = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> guard.callAsync(UpstreamRequest.of("GET"), throwing,
                        attempt -> CompletableFuture.completedFuture(new FakeResponse(200, Map.of()))).get());

        assertThat(thrown).isSameAs(broken);
        assertThat(asyncThrown).hasCause(broken);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(available);
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(2, 0, 0, 0, 2, 2, 0, 0, 0, 0));
    }

    /**
     * An adapter that asks the body's end to give the bulkhead permit back, then throws (a bug half-way through
     * {@code awaitBody}): the permit is given back once, by the body it was handed to, not a second time by the call,
     * which would raise the bulkhead's limit for good; the breaker records nothing, and the bug is thrown as is, on
     * both drivers.
     */
    @Test
    void adapterThatThrowsAfterHandingTheBodyThePermitReleasesItOnce() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(3));
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        int available = guard.bulkhead().getMetrics().getAvailableConcurrentCalls();
        IllegalStateException broken = new IllegalStateException("adapter bug after holding the permit");
        FakeResponses fake = new FakeResponses();
        ResponseAdapter<FakeResponse> throwing = awaiting(fake, (response, body) -> {
            body.holdBulkheadPermit();
            throw broken;
        });

        IllegalStateException thrown = catchThrowableOfType(IllegalStateException.class,
                () -> guard.call(UpstreamRequest.of("GET"), throwing, attempt -> new FakeResponse(200, Map.of())));
        Throwable asyncThrown = catchThrowableOfType(ExecutionException.class,
                () -> guard.callAsync(UpstreamRequest.of("GET"), throwing,
                        attempt -> CompletableFuture.completedFuture(new FakeResponse(200, Map.of()))).get());

        assertThat(thrown).isSameAs(broken);
        assertThat(asyncThrown).hasCause(broken);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(available);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as("a bug records nothing").isZero();
        assertThat(guard.metrics().abortedCalls()).isEqualTo(2);
    }

    @Test
    void interruptDuringTheBackoffAbortsTheCall() {
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST)
                        .backoff(Duration.ofSeconds(5), 2.0, Duration.ofSeconds(5), 0.0).build())
                // Interrupts the caller when the retry is scheduled, i.e. right before it sleeps.
                .listener(event -> {
                    if (event instanceof UpstreamEvent.RetryScheduled) {
                        Thread.currentThread().interrupt();
                    }
                })
                .build();

        long start = System.nanoTime();
        catchThrowableOfType(InterruptedException.class, () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
            throw new ConnectException("Connection refused");
        }));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.retries()).isEqualTo(1);
        assertThat(metrics.lostRetries()).isEqualTo(1);
        assertThat(metrics.attempts()).isEqualTo(metrics.calls() - metrics.rejectedCalls() + metrics.retries()
                - metrics.lostRetries());
    }

    @Test
    void fullBulkheadRejectsTheCallWithoutTouchingTheBreaker() throws Exception {
        BulkheadRegistry oneAtATime = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                .maxWaitDuration(Duration.ZERO).build());
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).bulkheadRegistry(oneAtATime)
                .listener(events).build();

        UpstreamFailure rejected = guard.call(UpstreamRequest.of("GET"), attempt ->
                catchThrowableOfType(UpstreamFailureException.class,
                        () -> guard.call(UpstreamRequest.of("GET"), inner -> "never")).failure());

        assertThat(rejected.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(rejected.attempts()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).as("only the outer call")
                .isEqualTo(1);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        assertThat(guard.metrics().rejectedCalls()).isEqualTo(1);
        assertThat(guard.failingSince()).as("a local limit says nothing about the upstream").isEmpty();
    }

    /**
     * A call the full bulkhead refuses gives the breaker back the permit it took first: half-open, a permit is one of
     * the few trial calls, and one kept by a refused call never came back; with no limit on the half-open state (the
     * default), the upstream stayed unreachable until a restart.
     */
    @Test
    void fullBulkheadGivesAHalfOpenBreakerItsTrialCallBack() throws Exception {
        BulkheadRegistry oneAtATime = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                .maxWaitDuration(Duration.ZERO).build());
        CircuitBreakerRegistry oneTrial = CircuitBreakerRegistry.of(CircuitBreakerConfig.from(
                UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG).permittedNumberOfCallsInHalfOpenState(1).build());
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).bulkheadRegistry(oneAtATime)
                .circuitBreakerRegistry(oneTrial).listener(events).build();
        CircuitBreaker breaker = guard.circuitBreakers().get(0);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        assertThat(guard.bulkhead().tryAcquirePermission()).isTrue(); // the bulkhead is full

        UpstreamFailureException refused = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> "never"));
        guard.bulkhead().onComplete();

        assertThat(refused.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        String tried = guard.call(UpstreamRequest.of("GET"), attempt -> "tried");
        assertThat(tried).as("the trial call, given back").isEqualTo("tried");
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    /**
     * The breaker and bulkhead the guard makes for itself are those its javadoc and configuration.md describe: a
     * window of 20, open at 50 % after 10 calls, 30 s open, 3 trial calls; 50 calls in flight, no waiting.
     */
    @Test
    void itsOwnBreakerAndBulkheadAreTheDocumentedOnes() {
        UpstreamGuard guard = UpstreamGuard.of(Guards.fast(FIRST).build());
        CircuitBreakerConfig breaker = guard.circuitBreakers().get(0).getCircuitBreakerConfig();
        BulkheadConfig bulkhead = guard.bulkhead().getBulkheadConfig();

        assertThat(breaker.getSlidingWindowType()).isEqualTo(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED);
        assertThat(breaker.getSlidingWindowSize()).isEqualTo(20);
        assertThat(breaker.getMinimumNumberOfCalls()).isEqualTo(10);
        assertThat(breaker.getFailureRateThreshold()).isEqualTo(50f);
        assertThat(breaker.getPermittedNumberOfCallsInHalfOpenState()).isEqualTo(3);
        assertThat(bulkhead.getMaxConcurrentCalls()).isEqualTo(50);
        assertThat(bulkhead.getMaxWaitDuration()).isZero();
        assertThat(guard).hasToString("UpstreamGuard{orders, 1 endpoint(s)}");
    }

    /**
     * An attempt whose client's own limit held the request back (a full pool of connections) says so with 0
     * attempts: the call is rejected as by a full bulkhead, no attempt of the upstream counted; a retry so held back
     * is lost, and the call fails as its last attempt did. It was a failed attempt: dashboards built on
     * rejectedCalls missed the gateway's saturation, and the log line blamed an attempt the upstream never saw.
     */
    @Test
    void attemptItsClientNeverSentIsNoAttempt() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST).maxAttempts(2));
        UpstreamFailureException poolFull = new UpstreamFailureException(UpstreamFailure.builder(
                FailureCause.CONNECTION_LIMIT_REACHED).attempts(0).build(), new TimeoutException("no connection free"));

        UpstreamFailure rejected = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    throw poolFull;
                })).failure();

        assertThat(rejected.cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(rejected.attempts()).isZero();
        assertThat(guard.metrics().rejectedCalls()).isEqualTo(1);
        assertThat(guard.metrics().attempts()).isZero();
        assertThat(guard.budget.calls()).as("raises no retry budget, as a full bulkhead's rejection").isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(events.of(UpstreamEvent.CallFailed.class)).singleElement()
                .satisfies(failed -> assertThat(failed.failure().attempts()).isZero());

        UpstreamFailure lostRetry = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    if (attempt.number() == 1) {
                        throw new ConnectException("Connection refused");
                    }
                    throw poolFull;
                })).failure();

        assertThat(lostRetry.cause()).isEqualTo(FailureCause.CONNECTION_REFUSED);
        assertThat(lostRetry.attempts()).isEqualTo(1);
        assertThat(guard.metrics().lostRetries()).isEqualTo(1);
        assertThat(guard.metrics().attempts()).isEqualTo(1);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    /**
     * "Failing since" ends with the first success of a call whose result has no body for the guard to wait for (the
     * body-agnostic call, without a response adapter), and the next failure starts a period of its own. Left as it
     * was, every page and log line after the upstream's recovery dated its next trouble from the first one.
     */
    @Test
    void aSuccessEndsTheFailingPeriodOfACallWithoutAResponseAdapter() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-05T08:00:00Z"));
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).maxAttempts(1).build()).listener(events)
                .clock(clock).build();
        UpstreamCall<String> refused = attempt -> {
            throw new ConnectException("Connection refused");
        };

        catchThrowableOfType(UpstreamFailureException.class, () -> guard.call(UpstreamRequest.of("GET"), refused));
        assertThat(guard.failingSince()).contains(Instant.parse("2026-12-05T08:00:00Z"));
        clock.advance(Duration.ofMinutes(5));
        String back = guard.call(UpstreamRequest.of("GET"), attempt -> "back");
        assertThat(back).isEqualTo("back");
        assertThat(guard.failingSince()).as("recovered").isEmpty();
        clock.advance(Duration.ofMinutes(5));
        UpstreamFailure again = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), refused)).failure();

        assertThat(again.failingSince()).isEqualTo(Instant.parse("2026-12-05T08:10:00Z"));
    }

    /**
     * An operator's reset of a breaker of the guard ({@code CircuitBreaker.reset()}, as the demo's mode switch does)
     * ends "failing since" as a success would: the next failure is dated from itself. Left as it was, a failure at
     * 15:54 after a reset told the page "going on since 15:46", the trouble the operator had declared over. Of
     * several endpoints, a reset that leaves no breaker open does; while another endpoint's breaker is still open,
     * that endpoint is still broken and the period (and the outage gauge read from it) goes on: resetting one of two
     * open breakers keeps it, resetting both (the demo's {@code forEach(CircuitBreaker::reset)}) ends it. A quiet
     * time without calls ends nothing: nothing said the upstream was back.
     */
    @Test
    void anOperatorsResetOfABreakerEndsTheFailingPeriodAsASuccessWould() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-05T15:46:00Z"));
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST, SECOND).maxAttempts(1).build())
                .listener(events).clock(clock).build();
        UpstreamCall<String> refused = attempt -> {
            throw new ConnectException("Connection refused");
        };
        catchThrowableOfType(UpstreamFailureException.class, () -> guard.call(UpstreamRequest.of("GET"), refused));
        clock.advance(Duration.ofMinutes(8));
        UpstreamFailure afterQuiet = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), refused)).failure();
        assertThat(afterQuiet.failingSince()).as("no call in between").isEqualTo(Instant.parse("2026-12-05T15:46:00Z"));

        guard.circuitBreakers().get(1).reset();

        assertThat(guard.failingSince()).as("reset").isEmpty();
        clock.advance(Duration.ofSeconds(36));
        UpstreamFailure afterReset = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), refused)).failure();
        assertThat(afterReset.failingSince()).isEqualTo(Instant.parse("2026-12-05T15:54:36Z"));
        assertThat(guard.failingSince()).contains(Instant.parse("2026-12-05T15:54:36Z"));

        guard.circuitBreakers().forEach(CircuitBreaker::transitionToOpenState);
        clock.advance(Duration.ofHours(6));
        guard.circuitBreakers().get(0).reset();

        assertThat(guard.failingSince()).as("one of two open breakers reset, the other endpoint still broken")
                .contains(Instant.parse("2026-12-05T15:54:36Z"));
        guard.circuitBreakers().get(1).transitionToForcedOpenState();
        guard.circuitBreakers().get(0).reset();
        assertThat(guard.failingSince()).as("the other forced open").contains(Instant.parse("2026-12-05T15:54:36Z"));
        guard.circuitBreakers().get(1).transitionToOpenState();
        guard.circuitBreakers().get(1).transitionToHalfOpenState();
        guard.circuitBreakers().get(0).reset();
        assertThat(guard.failingSince()).as("the other half-open, waiting for a trial call")
                .contains(Instant.parse("2026-12-05T15:54:36Z"));

        guard.circuitBreakers().forEach(CircuitBreaker::reset);

        assertThat(guard.failingSince()).as("both reset").isEmpty();
    }

    /** As above with the retry budget off: there is no count to take back, and the call is rejected the same way. */
    @Test
    void attemptItsClientNeverSentIsRejectedWithTheRetryBudgetOffToo() {
        UpstreamGuard guard = guard(Guards.fast(FIRST).retryBudgetEnabled(false));
        UpstreamFailureException poolFull = new UpstreamFailureException(UpstreamFailure.builder(
                FailureCause.CONNECTION_LIMIT_REACHED).attempts(0).build(), new TimeoutException("no connection free"));

        UpstreamFailureException rejected = catchThrowableOfType(UpstreamFailureException.class,
                () -> guard.call(UpstreamRequest.of("GET"), attempt -> {
                    throw poolFull;
                }));

        assertThat(rejected).as("the rejection, not an exception of the budget's").isNotNull();
        assertThat(rejected.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
        assertThat(rejected.failure().attempts()).isZero();
        assertThat(guard.metrics().rejectedCalls()).isEqualTo(1);
    }

    @Test
    void aCallRefusedByOpenBreakersHasAStackTraceOnlyWhenTheBreakersConfigAsksForOne() {
        UpstreamGuard quiet = UpstreamGuard.of(Guards.fast(FIRST).build()); // the defaults: writableStackTraceEnabled(false)
        UpstreamGuard traced = UpstreamGuard.builder(Guards.fast(FIRST).build()).circuitBreakerRegistry(
                CircuitBreakerRegistry.of(CircuitBreakerConfig.from(UpstreamGuard.DEFAULT_CIRCUIT_BREAKER_CONFIG)
                        .writableStackTraceEnabled(true).build())).build();
        quiet.circuitBreakers().get(0).transitionToOpenState();
        traced.circuitBreakers().get(0).transitionToOpenState();

        UpstreamFailureException withoutTrace = catchThrowableOfType(UpstreamFailureException.class,
                () -> quiet.call(UpstreamRequest.of("GET"), attempt -> "never"));
        UpstreamFailureException withTrace = catchThrowableOfType(UpstreamFailureException.class,
                () -> traced.call(UpstreamRequest.of("GET"), attempt -> "never"));

        assertThat(withoutTrace.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(withoutTrace.getStackTrace()).isEmpty();
        assertThat(withTrace.failure().cause()).isEqualTo(FailureCause.DESTINATION_UNAVAILABLE);
        assertThat(withTrace.getStackTrace()).isNotEmpty();
    }

    @Test
    void aCallRefusedByAFullBulkheadHasAStackTraceOnlyWhenTheBulkheadsConfigAsksForOne() throws Exception {
        for (boolean writable : new boolean[] {false, true}) {
            BulkheadRegistry oneAtATime = BulkheadRegistry.of(BulkheadConfig.custom().maxConcurrentCalls(1)
                    .maxWaitDuration(Duration.ZERO).writableStackTraceEnabled(writable).build());
            UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).bulkheadRegistry(oneAtATime).build();

            UpstreamFailureException rejected = guard.call(UpstreamRequest.of("GET"), attempt ->
                    catchThrowableOfType(UpstreamFailureException.class,
                            () -> guard.call(UpstreamRequest.of("GET"), inner -> "never")));

            assertThat(rejected.failure().cause()).isEqualTo(FailureCause.CONNECTION_LIMIT_REACHED);
            assertThat(rejected.getStackTrace().length > 0).as("stack trace, writable=" + writable).isEqualTo(writable);
        }
    }

    @Test
    void failingListenerChangesNothing() throws Exception {
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build())
                .listener(event -> {
                    throw new IllegalStateException("broken metrics");
                })
                .listener(events)
                .build();

        List<String> results = new CopyOnWriteArrayList<>();
        String log = StandardError.capture(() -> {
            try {
                for (int i = 0; i < 2; i++) {
                    results.add(guard.call(UpstreamRequest.of("GET"), attempt -> "ok"));
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });

        assertThat(results).containsExactly("ok", "ok");
        assertThat(events.of(UpstreamEvent.CallSucceeded.class)).hasSize(2);
        // Once per listener class, with where it failed: a broken listener is a bug to find, not just a message.
        assertThat(log.split("its failures are ignored", -1)).hasSize(2);
        assertThat(log).contains("java.lang.IllegalStateException: broken metrics", "\tat io.github.errorpages.");
    }

    /**
     * One listener (one class) given to two guards, as an application registers its metrics listener with each
     * upstream's guard: its failures are logged once by each guard, not once for the class in the whole application
     * (the set of failed classes is the guard's), as docs/operations.md and {@link UpstreamEventListener} say. An
     * operator sees one line per upstream whose guard holds the broken listener.
     */
    @Test
    void aListenerFailingInTwoGuardsIsLoggedOncePerGuard() throws Exception {
        UpstreamEventListener broken = event -> {
            throw new IllegalStateException("broken metrics");
        };
        List<UpstreamGuard> guards = List.of(
                UpstreamGuard.builder(Guards.fast(FIRST).build()).listener(broken).build(),
                UpstreamGuard.builder(Guards.fast(SECOND).build()).listener(broken).build());

        String log = StandardError.capture(() -> {
            try {
                for (int i = 0; i < 2; i++) {
                    for (UpstreamGuard guard : guards) {
                        guard.call(UpstreamRequest.of("GET"), attempt -> "ok");
                    }
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });

        assertThat(log.split("its failures are ignored", -1)).as("one line per guard").hasSize(3);
    }

    /**
     * A listener that throws an Error, not an exception (an assertion of its own, a stack overflow), changes nothing
     * either, as Resilience4j's breaker treats its event consumers: the blocking call returns its result, and an
     * asynchronous call whose retry is refused when its time comes ends with the failure, instead of the Error leaving
     * the retry's task on the executor and the caller's future pending for ever.
     */
    @Test
    void listenerThrowingAnErrorChangesNothing() throws Exception {
        UpstreamGuard blocking = UpstreamGuard.builder(Guards.fast(FIRST).build())
                .listener(event -> {
                    throw new AssertionError("broken metrics");
                })
                .listener(events)
                .build();
        AtomicReference<UpstreamGuard> async = new AtomicReference<>();
        async.set(UpstreamGuard.builder(Guards.fast(FIRST).build())
                .listener(event -> {
                    if (event instanceof UpstreamEvent.RetryScheduled) {
                        // Refused when its time comes: no breaker admits it.
                        async.get().circuitBreakers().get(0).transitionToForcedOpenState();
                        return;
                    }
                    throw new AssertionError("broken metrics");
                })
                .build());

        String result = blocking.call(UpstreamRequest.of("GET"), attempt -> "ok");
        CompletableFuture<String> refused = async.get().callAsync(UpstreamRequest.of("GET"),
                attempt -> CompletableFuture.failedFuture(new ConnectException("Connection refused")));

        assertThat(result).isEqualTo("ok");
        assertThat(events.of(UpstreamEvent.CallSucceeded.class)).hasSize(1);
        assertThat(refused).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(UpstreamFailureException.class);
        assertThat(async.get().metrics().lostRetries()).isEqualTo(1);
    }

    /**
     * A guard built again for a changed configuration takes the same breakers of the application's registry. Each
     * guard added a consumer to them that held it, which Resilience4j cannot remove: every guard ever built stayed in
     * memory, each telling its listeners of the live breaker's transitions.
     */
    @Test
    void aGuardBuiltAgainOverTheSameRegistryLetsTheOldOneGo() {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        AtomicInteger heardByTheOld = new AtomicInteger();
        WeakReference<UpstreamGuard> old = new WeakReference<>(UpstreamGuard.builder(Guards.fast(FIRST).build())
                .circuitBreakerRegistry(registry).listener(event -> heardByTheOld.incrementAndGet()).build());
        List<UpstreamEvent> heardByTheNew = new CopyOnWriteArrayList<>();
        UpstreamGuard current = UpstreamGuard.builder(Guards.fast(FIRST).build()).circuitBreakerRegistry(registry)
                .listener(heardByTheNew::add).build();

        Await.until(() -> {
            System.gc();
            return old.get() == null;
        }, "the guard built first to be collected");
        int before = heardByTheOld.get();
        current.circuitBreakers().get(0).transitionToOpenState();

        Await.until(() -> heardByTheNew.stream().anyMatch(UpstreamEvent.BreakerStateChanged.class::isInstance),
                "the guard in use to hear its breaker open");
        assertThat(heardByTheOld).as("nothing told to the listener of a guard gone").hasValue(before);
    }

    @Test
    void userRegistryKeepsTheSettingsOfABreakerItAlreadyHas() {
        CircuitBreakerConfig own = CircuitBreakerConfig.custom().failureRateThreshold(80).build();
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        CircuitBreaker existing = registry.circuitBreaker("orders-2", own);

        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST, SECOND)
                        .circuitBreakerConfig(CircuitBreakerConfig.custom().failureRateThreshold(25).build()).build())
                .circuitBreakerRegistry(registry).build();

        assertThat(guard.circuitBreakers().get(1)).isSameAs(existing);
        assertThat(guard.circuitBreakers().get(0).getCircuitBreakerConfig().getFailureRateThreshold()).isEqualTo(25);
        assertThat(registry.getAllCircuitBreakers()).extracting(CircuitBreaker::getName)
                .containsExactlyInAnyOrder("orders-1", "orders-2");
    }

    /**
     * Upstream {@code orders} with two endpoints names its breakers {@code orders-1} and {@code orders-2}: an upstream
     * named {@code orders-1} taking its breaker from the same registry got the first of them, and each upstream's
     * failures opened the other's breaker. Refused, in either order, naming both; a guard built again for the same
     * upstream still finds its breakers.
     */
    @Test
    void twoUpstreamsNeverShareABreakerOfOneRegistry() {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        UpstreamGuard orders = UpstreamGuard.builder(Guards.fast(FIRST, SECOND).build())
                .circuitBreakerRegistry(registry).build();
        CircuitBreakerRegistry other = CircuitBreakerRegistry.ofDefaults();
        UpstreamGuard.builder(UpstreamConfig.builder("orders-1").endpoints(FIRST).build())
                .circuitBreakerRegistry(other).build();

        BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamGuard.builder(UpstreamConfig.builder("orders-1").endpoints(SECOND).build())
                        .circuitBreakerRegistry(registry).bulkheadRegistry(bulkheads).build())
                .withMessage("Invalid error-pages configuration: upstreams.orders and upstreams.orders-1 would share "
                        + "the circuit breaker 'orders-1' of one CircuitBreakerRegistry, and with it their failures "
                        + "and state (upstream orders names the breakers of its 2 endpoints orders-1 to orders-2, "
                        + "upstream orders-1 names its breaker orders-1): rename one of them");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamGuard.builder(Guards.fast(FIRST, SECOND).build())
                        .circuitBreakerRegistry(other).build())
                .withMessageContaining("upstreams.orders-1 and upstreams.orders would share the circuit breaker "
                        + "'orders-1'");
        assertThat(registry.getAllCircuitBreakers()).extracting(CircuitBreaker::getName)
                .containsExactlyInAnyOrder("orders-1", "orders-2");
        assertThat(other.getAllCircuitBreakers()).as("nothing made for the guard refused")
                .extracting(CircuitBreaker::getName).containsExactly("orders-1");
        assertThat(bulkheads.getAllBulkheads()).as("no bulkhead made for the guard refused").isEmpty();
        UpstreamGuard again = UpstreamGuard.builder(Guards.fast(FIRST, SECOND).build())
                .circuitBreakerRegistry(registry).build();
        assertThat(again.circuitBreakers()).isEqualTo(orders.circuitBreakers());
    }

    /**
     * An Error where a retry starts (thrown by the breaker here: a broken extension, a stack overflow, an
     * OutOfMemoryError) ends the caller's future with it. It ended the executor's task instead, and the future
     * stayed pending for ever. A breaker that throws an Error cannot be made real: this one is a real breaker
     * behind a proxy that throws on the retry's permission.
     */
    @Test
    void errorWhereARetryStartsEndsTheCallersFuture() {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        CircuitBreaker real = registry.circuitBreaker("orders");
        AtomicInteger permissions = new AtomicInteger();
        CircuitBreaker breaking = (CircuitBreaker) Proxy.newProxyInstance(CircuitBreaker.class.getClassLoader(),
                new Class<?>[] {CircuitBreaker.class}, (proxy, method, args) -> {
                    if (method.getName().equals("tryAcquirePermission") && permissions.incrementAndGet() == 2) {
                        throw new AssertionError("broken breaker");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        registry.replace("orders", breaking);
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).circuitBreakerRegistry(registry)
                .build();

        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                attempt -> CompletableFuture.failedFuture(new ConnectException("Connection refused")));

        assertThat(call).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(AssertionError.class).withMessage("broken breaker");
        assertThat(permissions).as("the retry asked").hasValue(2);
    }

    /**
     * An asynchronous attempt that throws instead of returning a stage (its client failed before it had one to
     * give) failed as the documentation of {@link AsyncUpstreamCall#call} says: as the attempt's failure, retried
     * when that is retryable, and a bug ends the call as it is. Either way the permits go back.
     */
    @Test
    void asyncAttemptThatThrowsIsThatAttemptsFailure() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST, SECOND));
        AtomicInteger calls = new AtomicInteger();

        String found = guard.callAsync(UpstreamRequest.of("GET"), attempt -> {
            if (calls.incrementAndGet() == 1) {
                throw new ConnectException("Connection refused");
            }
            return CompletableFuture.completedFuture("found");
        }).get(10, TimeUnit.SECONDS);

        assertThat(found).isEqualTo("found");
        assertThat(events.of(UpstreamEvent.RetryScheduled.class)).singleElement()
                .satisfies(retry -> assertThat(retry.cause()).isEqualTo(FailureCause.CONNECTION_REFUSED));
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isEqualTo(1);

        IllegalStateException bug = new IllegalStateException("no client configured");
        CompletableFuture<String> broken = guard.callAsync(UpstreamRequest.of("GET"), attempt -> {
            throw bug;
        });

        assertThat(broken).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .havingCause().isSameAs(bug);
        assertThat(guard.metrics().abortedCalls()).isEqualTo(1);
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    /**
     * An executor that fails to take a retry with something other than a {@link RejectedExecutionException} (a
     * pool's own exception, an OutOfMemoryError when it cannot make a thread) refuses it all the same: the call fails
     * at once as its last attempt did, {@code executor_rejected}, with what the executor threw; not at its deadline,
     * blamed on the deadline.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void executorFailingToTakeARetryRefusesItAtOnce(boolean error) {
        Throwable failing = error ? new OutOfMemoryError("unable to create native thread")
                : new IllegalStateException("pool closed");
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).listener(events).executor(task -> {
            if (failing instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) failing;
        }).build();

        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                attempt -> CompletableFuture.failedFuture(new ConnectException("Connection refused")));

        Throwable failed = catchThrowable(() -> call.get(10, TimeUnit.SECONDS));
        assertThat(failed).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UpstreamFailureException.class);
        UpstreamFailureException thrown = (UpstreamFailureException) failed.getCause();
        assertThat(thrown.failure().cause()).isEqualTo(FailureCause.CONNECTION_REFUSED);
        assertThat(thrown.failure().retryRefusal()).isEqualTo(RetryRefusal.EXECUTOR_REJECTED);
        assertThat(thrown.getSuppressed()).singleElement().isInstanceOf(RejectedExecutionException.class)
                .extracting(Throwable::getCause).isSameAs(failing);
        assertThat(events.refusals()).containsExactly(RetryRefusal.EXECUTOR_REJECTED);
    }

    /**
     * A retry its executor runs only after the call failed for want of time (a busy pool: here one that holds its
     * tasks) does nothing: no attempt, and the call, failed once, is not counted again as aborted.
     */
    @Test
    void retryRunAfterItsCallFailedForWantOfTimeDoesNothing() throws Exception {
        HeldExecutor held = new HeldExecutor();
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).deadline(Duration.ofMillis(600))
                .attemptTimeout(Duration.ofMillis(100)).build()).listener(events).executor(held).build();
        AtomicInteger attempts = new AtomicInteger();

        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"), attempt -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new ConnectException("Connection refused"));
        });
        Runnable retry = held.next();
        Throwable failed = catchThrowable(() -> call.get(10, TimeUnit.SECONDS));
        retry.run();

        assertThat(failed).hasCauseInstanceOf(UpstreamFailureException.class);
        assertThat(((UpstreamFailureException) failed.getCause()).failure().retryRefusal())
                .isEqualTo(RetryRefusal.DEADLINE);
        assertThat(attempts).hasValue(1);
        assertThat(guard.metrics().failedCalls()).isEqualTo(1);
        assertThat(guard.metrics().abortedCalls()).as("one end per call").isZero();
        assertThat(events.of(UpstreamEvent.CallAborted.class)).isEmpty();
        assertThat(events.of(UpstreamEvent.CallFailed.class)).singleElement().extracting(UpstreamEvent::upstream)
                .isEqualTo("orders");
    }

    /**
     * A call cancelled while its retry waits in the executor's queue makes no attempt when the retry runs, and ends
     * as the caller's abort, even where every breaker opened meanwhile: it was recorded as a failed call (a
     * {@code CallFailed} event, the breakers' refusal) that nobody waited for.
     */
    @Test
    void callCancelledWhileItsRetryWaitsInTheExecutorsQueueIsAborted() throws Exception {
        HeldExecutor held = new HeldExecutor();
        UpstreamGuard guard = UpstreamGuard.builder(Guards.fast(FIRST).build()).listener(events).executor(held)
                .build();
        AtomicInteger attempts = new AtomicInteger();

        CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"), attempt -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new ConnectException("Connection refused"));
        });
        Runnable retry = held.next();
        call.cancel(true);
        guard.circuitBreakers().get(0).transitionToOpenState();
        retry.run();

        assertThat(attempts).hasValue(1);
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.failedCalls()).isZero();
        assertThat(metrics.lostRetries()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.CallFailed.class)).isEmpty();
        assertThat(events.of(UpstreamEvent.CallAborted.class)).singleElement()
                .satisfies(aborted -> assertThat(aborted.reason()).isEqualTo(CancellationException.class));
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getBulkheadConfig().getMaxConcurrentCalls());
    }

    /** An executor that keeps the tasks it is given until the test runs them: a busy pool, held by hand. */
    static final class HeldExecutor implements Executor {
        private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        /** @return the next task given, waiting up to ten seconds for it */
        Runnable next() throws InterruptedException {
            Runnable task = tasks.poll(10, TimeUnit.SECONDS);
            assertThat(task).as("a task given to the executor").isNotNull();
            return task;
        }
    }

    @Test
    void asyncCallRetriesOnTheExecutorAndCountsLikeTheBlockingOne() throws Exception {
        UpstreamGuard guard = guard(Guards.fast(FIRST, SECOND));
        AtomicInteger calls = new AtomicInteger();

        String result = guard.callAsync(UpstreamRequest.of("DELETE"), attempt -> calls.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new ConnectException("Connection refused"))
                : CompletableFuture.completedFuture("deleted")).get();

        assertThat(result).isEqualTo("deleted");
        assertThat(guard.metrics()).isEqualTo(new UpstreamMetrics(1, 1, 0, 0, 0, 2, 1, 0, 0, 0));
    }

    /** An adapter that reads a response as {@code fake} does, and says whether its body streams as told. */
    private static ResponseAdapter<FakeResponse> awaiting(FakeResponses fake,
            BiPredicate<FakeResponse, BodyOutcome> awaitBody) {
        return new ResponseAdapter<>() {
            @Override
            public int status(FakeResponse response) {
                return fake.status(response);
            }

            @Override
            public @Nullable String header(FakeResponse response, String name) {
                return fake.header(response, name);
            }

            @Override
            public void discard(FakeResponse response) {
                fake.discard(response);
            }

            @Override
            public boolean awaitBody(FakeResponse response, BodyOutcome body) {
                return awaitBody.test(response, body);
            }
        };
    }
}
