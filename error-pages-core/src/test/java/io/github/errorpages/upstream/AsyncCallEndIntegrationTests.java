package io.github.errorpages.upstream;

import static io.github.errorpages.upstream.Guards.HTTP;
import static io.github.errorpages.upstream.Guards.fast;
import static io.github.errorpages.upstream.Guards.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryRefusal;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How an asynchronous call ends when something outside the guard ends it: the caller's own time limit or
 * cancel, an executor that refuses the retry, a listener that fails. The response of an attempt nobody waits
 * for is released (its pooled connection), and the caller's future is never left pending.
 */
class AsyncCallEndIntegrationTests {

    private static final URI NOWHERE = URI.create("http://127.0.0.1:1");

    @RegisterExtension
    final LoopbackUpstreams upstreams = new LoopbackUpstreams();
    private final RecordingListener events = new RecordingListener();

    @Test
    void cancelsTheAttemptWhenTheCallerTimesTheCallOut() {
        RecordingAdapter adapter = new RecordingAdapter();
        UpstreamGuard guard = UpstreamGuard.of(fast(NOWHERE).build());
        CompletableFuture<Response> attempt = new CompletableFuture<>();

        CompletableFuture<Response> result = guard.callAsync(UpstreamRequest.of("GET"), adapter, a -> attempt);
        result.completeExceptionally(new TimeoutException("the caller's own orTimeout"));
        attempt.complete(new Response("late"));

        assertThat(attempt).as("the attempt nobody waits for").isCancelled();
        assertThat(guard.bulkhead().getMetrics().getAvailableConcurrentCalls())
                .isEqualTo(guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls());
    }

    /**
     * The attempt's time runs out just as its response arrives: the guard's timer fired, but the attempt completed
     * before the guard could cancel it (made deterministic here: the cancel itself lets the response in first, as
     * the client's thread would). The response stands. Taken for a timeout, the call would be retried or answered
     * with a page while the proxy already relayed that response's head to the client (R5), and the upstream,
     * which answered, blamed for it (R47).
     */
    @Test
    void attemptThatCompletesAsItsTimeRunsOutKeepsItsResponse() throws Exception {
        RecordingAdapter adapter = new RecordingAdapter();
        UpstreamGuard guard = UpstreamGuard.of(fast(NOWHERE).attemptTimeout(Duration.ofMillis(50)).build());
        Response arrived = new Response("the head that arrived as the time ran out");
        CompletableFuture<Response> attempt = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                complete(arrived);
                return super.cancel(mayInterruptIfRunning);
            }
        };

        CompletableFuture<Response> result = guard.callAsync(UpstreamRequest.of("GET"), adapter, a -> attempt);

        assertThat(result.get(5, TimeUnit.SECONDS)).isSameAs(arrived);
        assertThat(adapter.discarded).as("the response the call returns").isEmpty();
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.attempts()).isEqualTo(1);
        assertThat(metrics.retries()).isZero();
        assertThat(metrics.failedCalls()).isZero();
        assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @Test
    void releasesAResponseThatArrivesAsTheCallerCancels() {
        RecordingAdapter adapter = new RecordingAdapter();
        AtomicReference<CompletableFuture<Response>> call = new AtomicReference<>();
        // The caller's cancel lands between the guard taking the response and handing it over; a listener stands
        // in for the caller's thread, which makes the interleaving deterministic.
        UpstreamGuard guard = UpstreamGuard.builder(fast(NOWHERE).build()).listener(event -> {
            if (event instanceof UpstreamEvent.CallSucceeded) {
                call.get().cancel(true);
            }
        }).build();
        CompletableFuture<Response> attempt = new CompletableFuture<>();

        call.set(guard.callAsync(UpstreamRequest.of("GET"), adapter, a -> attempt));
        attempt.complete(new Response("raced"));

        assertThat(call.get()).isCancelled();
        assertThat(adapter.discarded).as("responses released").containsExactly("raced");
    }

    @Test
    void releasesTheConnectionOfAStreamedResponseTheCallerGaveUpOn() throws Exception {
        assertConnectionReleasedWhenTheCallerGivesUp(get("/export"));
    }

    @Test
    void cancelsTheAttemptWhenTheCallerCompletesTheCallWithAFallback() {
        UpstreamGuard guard = UpstreamGuard.of(fast(NOWHERE).build());
        CompletableFuture<Response> attempt = new CompletableFuture<>();

        CompletableFuture<Response> result = guard.callAsync(UpstreamRequest.of("GET"), new RecordingAdapter(),
                a -> attempt);
        result.complete(new Response("fallback")); // as completeOnTimeout does

        assertThat(attempt).as("the attempt nobody waits for").isCancelled();
    }

    @Test
    void releasesTheConnectionOfAResponseToABufferedUploadTheCallerGaveUpOn() throws Exception {
        // A PUT's short body is read into memory first, so that it can be sent again: a path of its own.
        assertConnectionReleasedWhenTheCallerGivesUp(HttpRequest.newBuilder(URI.create("http://orders/orders/42"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"status\":\"shipped\"}")).build());
    }

    @Test
    void failsTheCallAsItsLastAttemptDidWhenTheExecutorRefusesTheRetry() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "down"));
        Executor shutDown = task -> {
            throw new RejectedExecutionException("executor shut down");
        };
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).deadline(Duration.ofSeconds(2))
                .attemptTimeout(Duration.ofSeconds(1)).build()).executor(shutDown).listener(events).build();

        UpstreamFailureException failure = asyncCallFailure(guard);

        assertThat(failure.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(failure.failure().upstreamStatus()).isEqualTo(503);
        assertThat(failure.getSuppressed()).hasAtLeastOneElementOfType(RejectedExecutionException.class);
        assertThat(events.refusals()).containsExactly(RetryRefusal.EXECUTOR_REJECTED);
        assertThat(failure.failure().retryRefusal()).as("as the event says").isEqualTo(RetryRefusal.EXECUTOR_REJECTED);
        assertThat(guard.metrics().calls()).isEqualTo(guard.metrics().failedCalls());
        assertThat(guard.metrics().lostRetries()).isEqualTo(1);
    }

    /**
     * An executor that takes the retry and never runs it (shut down with it queued, a policy that discards): the
     * call fails by its deadline as its last attempt did, as a retry that starts too late does. Its future was
     * left pending for ever, and the call never ended in the metrics.
     */
    @Test
    void failsTheCallByItsDeadlineWhenTheExecutorNeverRunsTheRetry() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "down"));
        Executor discarding = task -> {
        };
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).deadline(Duration.ofSeconds(1))
                .attemptTimeout(Duration.ofMillis(500)).build()).executor(discarding).listener(events).build();

        UpstreamFailureException failure = asyncCallFailure(guard);

        assertThat(failure.failure().cause()).isEqualTo(FailureCause.UPSTREAM_STATUS);
        assertThat(events.refusals()).as("as a retry that starts too late").containsExactly(RetryRefusal.DEADLINE);
        assertThat(failure.failure().retryRefusal()).as("as the event says").isEqualTo(RetryRefusal.DEADLINE);
        assertThat(guard.metrics().failedCalls()).isEqualTo(1);
        assertThat(guard.metrics().lostRetries()).isEqualTo(1);
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    /**
     * The guard's executor stopped with {@code shutdownNow()} while a retry waits in its queue (an application's
     * stop): the retry is dropped, and the call fails at once as a retry the executor refused. It waited until too
     * little of its deadline was left, and blamed the deadline.
     */
    @Test
    void failsTheCallPromptlyWhenTheExecutorIsStoppedWithTheRetryQueued() throws Exception {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "down"));
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        CountDownLatch busy = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                busy.await(); // the executor's one thread, taken until shutdownNow() interrupts it
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
        });
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).deadline(Duration.ofSeconds(30))
                .attemptTimeout(Duration.ofSeconds(1)).build()).executor(pool).listener(events).build();

        CompletableFuture<?> sent = GuardedHttpClient.of(HTTP, guard).sendAsync(get("/x"), BodyHandlers.ofString());
        Await.until(() -> pool.getQueue().size() == 1, "the retry queued behind the busy thread");
        pool.shutdownNow();

        ExecutionException failed =
                catchThrowableOfType(ExecutionException.class, () -> sent.get(10, TimeUnit.SECONDS));
        UpstreamFailureException thrown = (UpstreamFailureException) failed.getCause();
        assertThat(thrown.failure().upstreamStatus()).isEqualTo(503);
        assertThat(events.refusals()).containsExactly(RetryRefusal.EXECUTOR_REJECTED);
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(guard.metrics().lostRetries()).isEqualTo(1);
    }

    /** A GET sent asynchronously through the guard: what it failed with, once it ended (it must, within 10 s). */
    private static UpstreamFailureException asyncCallFailure(UpstreamGuard guard) {
        CompletableFuture<HttpResponse<String>> sent = GuardedHttpClient.of(HTTP, guard)
                .sendAsync(get("/x"), BodyHandlers.ofString());

        ExecutionException failed = org.assertj.core.api.Assertions.catchThrowableOfType(ExecutionException.class,
                () -> sent.get(10, TimeUnit.SECONDS));
        assertThat(failed).as("the call ended (before: pending forever)").isNotNull();
        return (UpstreamFailureException) failed.getCause();
    }

    /**
     * A call cancelled while its retry waits out the upstream's Retry-After ends there and then, as a blocking call
     * interrupted in its backoff does: counted as aborted with its retry lost, not only when the wait (up to
     * {@code retry.max-honoured-retry-after}, a minute) is over, and its retry is never sent.
     */
    @Test
    void callCancelledDuringItsBackoffEndsAtOnce() {
        FaultyUpstream upstream = upstreams.start(Behaviour.respond(503, "busy", "Retry-After", "30"));
        UpstreamGuard guard = UpstreamGuard.builder(fast(upstream.uri()).maxHonouredRetryAfter(Duration.ofSeconds(60))
                        .deadline(Duration.ofSeconds(60)).attemptTimeout(Duration.ofSeconds(5)).build())
                .listener(events).build();
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, guard);

        CompletableFuture<HttpResponse<String>> sent = client.sendAsync(get("/x"), BodyHandlers.ofString());
        Await.until(() -> !events.of(UpstreamEvent.RetryScheduled.class).isEmpty(), "the retry to be scheduled");
        sent.cancel(true);

        // Before: the abort was counted only when the 30 s wait ended. The event comes after the count, on whichever
        // thread ended the call (the client's, when the cancel came before the retry's wait began): wait for both.
        Await.until(() -> guard.metrics().abortedCalls() == 1 && !events.of(UpstreamEvent.CallAborted.class).isEmpty(),
                "the cancelled call to be counted and told as aborted");
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.calls()).isEqualTo(1);
        assertThat(metrics.lostRetries()).isEqualTo(1);
        assertThat(metrics.attempts()).isEqualTo(metrics.calls() - metrics.rejectedCalls() + metrics.retries()
                - metrics.lostRetries());
        assertThat(upstream.requestCount()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.CallAborted.class)).singleElement().satisfies(aborted -> {
            assertThat(aborted.attempts()).isEqualTo(1);
            assertThat(aborted.reason()).isEqualTo(java.util.concurrent.CancellationException.class);
        });
    }

    /**
     * The caller ends the call as its retry starts (here from within the start, which makes the interleaving
     * deterministic): the attempt just started is cancelled there and then, and its bulkhead permit given back. It
     * ran on for nobody until its own timeout, 20 s here, holding a permit of the bulkhead that sheds load (R47).
     */
    @Test
    void cancelsARetryThatStartsAsTheCallerEndsTheCall() {
        UpstreamGuard guard = UpstreamGuard.of(fast(NOWHERE).attemptTimeout(Duration.ofSeconds(20)).build());
        AtomicReference<CompletableFuture<Response>> call = new AtomicReference<>();
        CompletableFuture<Response> first = new CompletableFuture<>();
        CompletableFuture<Response> retry = new CompletableFuture<>();

        call.set(guard.callAsync(UpstreamRequest.of("GET"), new RecordingAdapter(), attempt -> {
            if (attempt.number() == 1) {
                return first;
            }
            call.get().cancel(true);
            return retry;
        }));
        first.completeExceptionally(new ConnectException("Connection refused"));

        assertThat(retry).as("the retry nobody waits for").failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(CancellationException.class);
        Await.until(() -> guard.bulkhead().getMetrics().getAvailableConcurrentCalls()
                == guard.bulkhead().getMetrics().getMaxAllowedConcurrentCalls(), "the retry's permit given back");
        assertThat(call.get()).isCancelled();
    }

    /**
     * The caller ends the call while the guard decides on its retry (here from a listener of the decision, standing
     * in for the caller's thread, which makes the interleaving deterministic): the call ends there and then, counted
     * as aborted with its retry lost, as a blocking call interrupted then is, not once its 20 s backoff is over; and
     * the retry is never made.
     */
    @Test
    void callCancelledAsItsRetryIsDecidedOnEndsAtOnce() {
        AtomicReference<CompletableFuture<Response>> call = new AtomicReference<>();
        UpstreamGuard guard = UpstreamGuard.builder(fast(NOWHERE).deadline(Duration.ofSeconds(60))
                .backoff(Duration.ofSeconds(20), 1.0, Duration.ofSeconds(20), 0.0).build()).listener(event -> {
                    events.onEvent(event);
                    if (event instanceof UpstreamEvent.RetryScheduled) {
                        call.get().cancel(true);
                    }
                }).build();
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        CompletableFuture<Response> first = new CompletableFuture<>();

        call.set(guard.callAsync(UpstreamRequest.of("GET"), new RecordingAdapter(), attempt -> {
            attempts.add(attempt);
            return first;
        }));
        first.completeExceptionally(new ConnectException("Connection refused"));

        // All of it happened on this thread, within completeExceptionally.
        UpstreamMetrics metrics = guard.metrics();
        assertThat(call.get()).isCancelled();
        assertThat(metrics.abortedCalls()).as("at once, not when the backoff is over").isEqualTo(1);
        assertThat(metrics.lostRetries()).isEqualTo(1);
        assertThat(events.of(UpstreamEvent.CallAborted.class)).singleElement()
                .satisfies(aborted -> assertThat(aborted.reason()).isEqualTo(CancellationException.class));
        assertThat(attempts).hasSize(1);
    }

    /**
     * The caller cancels a call whose retry waits in an executor that never runs it: when too little of the
     * deadline is left for the retry (R45), the call is counted as the caller's abort, which it was, not as a
     * failure blamed on the deadline, which would also mark the upstream failing.
     */
    @Test
    void callCancelledWhileItsRetryWaitsInTheExecutorIsCountedAsAborted() throws Exception {
        CountDownLatch queued = new CountDownLatch(1);
        Executor discarding = task -> queued.countDown();
        UpstreamGuard guard = UpstreamGuard.builder(fast(NOWHERE).deadline(Duration.ofSeconds(2))
                .attemptTimeout(Duration.ofSeconds(1)).build()).executor(discarding).listener(events).build();

        CompletableFuture<Response> result = guard.callAsync(UpstreamRequest.of("GET"), new RecordingAdapter(),
                attempt -> CompletableFuture.failedFuture(new ConnectException("Connection refused")));
        assertThat(queued.await(5, TimeUnit.SECONDS)).as("the retry handed to the executor").isTrue();
        result.cancel(true);

        Await.until(() -> guard.metrics().abortedCalls() + guard.metrics().failedCalls() == 1,
                "the call's end to be counted");
        UpstreamMetrics metrics = guard.metrics();
        assertThat(metrics.abortedCalls()).isEqualTo(1);
        assertThat(metrics.failedCalls()).isZero();
        assertThat(metrics.lostRetries()).isEqualTo(1);
        assertThat(events.refusals()).isEmpty();
    }

    /**
     * The guard's executor shut down gracefully ({@code shutdown()}) while a retry waits in its queue: it still runs
     * what it queued, so the retry is made. Only an executor that terminated with the retry never run dropped it;
     * taken for dropped at the shutdown, the call failed although its retry was still to come.
     */
    @Test
    void retryQueuedOnAnExecutorShutDownGracefullyIsStillMade() throws Exception {
        AtomicInteger checksOnceStopped = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {
            @Override
            public boolean isShutdown() {
                return counted(super.isShutdown());
            }

            @Override
            public boolean isTerminated() {
                return counted(super.isTerminated());
            }

            /** Counts the guard's checks for a dropped retry once the executor is shut down. */
            private boolean counted(boolean answer) {
                if (super.isShutdown()) {
                    checksOnceStopped.incrementAndGet();
                }
                return answer;
            }
        };
        CountDownLatch busy = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                busy.await(); // the executor's one thread, taken until the test lets it go
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
        });
        UpstreamGuard guard = UpstreamGuard.builder(fast(NOWHERE).build()).executor(pool).listener(events).build();

        CompletableFuture<Response> result = guard.callAsync(UpstreamRequest.of("GET"), new RecordingAdapter(),
                attempt -> attempt.number() == 1
                        ? CompletableFuture.failedFuture(new ConnectException("Connection refused"))
                        : CompletableFuture.completedFuture(new Response("retried")));
        Await.until(() -> pool.getQueue().size() == 1, "the retry queued behind the busy thread");
        pool.shutdown();
        Await.until(() -> checksOnceStopped.get() >= 2 || result.isDone(), "the guard to look at the stopped executor");

        assertThat(result).as("still waiting for its retry").isNotDone();
        busy.countDown();
        assertThat(result.get(5, TimeUnit.SECONDS).name()).isEqualTo("retried");
        assertThat(events.refusals()).isEmpty();
        assertThat(guard.metrics().attempts()).isEqualTo(2);
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void keepsTheOutcomeWhenAListenerFailsWithALinkageError() throws Exception {
        RecordingAdapter adapter = new RecordingAdapter();
        UpstreamGuard guard = UpstreamGuard.builder(fast(NOWHERE).build()).listener(event -> {
            throw new NoClassDefFoundError("io/micrometer/core/instrument/Counter"); // an optional library missing
        }).build();

        Response response = guard.call(UpstreamRequest.of("GET"), adapter, a -> new Response("ok"));
        Response async = guard.callAsync(UpstreamRequest.of("GET"), adapter,
                a -> CompletableFuture.completedFuture(new Response("ok async"))).get(5, TimeUnit.SECONDS);

        assertThat(response.name).isEqualTo("ok");
        assertThat(async.name).isEqualTo("ok async");
    }

    /**
     * Sends the request through a guard, and once the upstream has it, the caller gives up on the call by its own
     * time limit, shorter than the guard's; only then does the upstream answer. The connection must be closed,
     * though nobody reads the response. The limit runs from the request's arrival: from the send, it ended the
     * call before the request reached the upstream on a busy machine (10 times in 1200 runs), when there is
     * neither a response nor a connection to release.
     */
    private void assertConnectionReleasedWhenTheCallerGivesUp(HttpRequest request) throws Exception {
        Semaphore callerGaveUp = new Semaphore(0);
        CountDownLatch released = new CountDownLatch(1);
        FaultyUpstream upstream = upstreams.start(lateLargeBody(callerGaveUp, released));
        GuardedHttpClient client = GuardedHttpClient.of(HTTP, UpstreamGuard.of(fast(upstream.uri()).build()));

        CompletableFuture<HttpResponse<InputStream>> sent = client.sendAsync(request, BodyHandlers.ofInputStream());
        assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).as("the request reached the upstream").isTrue();
        sent.orTimeout(100, TimeUnit.MILLISECONDS).whenComplete((response, failure) -> callerGaveUp.release());

        assertThat(released.await(5, TimeUnit.SECONDS)).as("the connection closed by the guard").isTrue();
    }

    /**
     * An upstream that answers, once {@code answer} has a permit (5 s at most), with 64 MiB, which it can write
     * only while someone reads: the write fails, and {@code released} counts down, when the connection is closed.
     */
    private static FaultyUpstream.Behaviour lateLargeBody(Semaphore answer, CountDownLatch released) {
        return exchange -> {
            exchange.await(answer, Duration.ofSeconds(5));
            try {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n");
                exchange.writeRepeated((byte) 'x', 64L * 1024 * 1024); // blocks while nobody reads
            } catch (IOException clientClosed) {
                released.countDown();
            }
        };
    }

    /** A response that would hold a pooled connection until released. */
    private record Response(String name) {
    }

    private static final class RecordingAdapter implements ResponseAdapter<Response> {
        final List<String> discarded = new CopyOnWriteArrayList<>();

        @Override
        public int status(Response response) {
            return 200;
        }

        @Override
        public @Nullable String header(Response response, String name) {
            return null;
        }

        @Override
        public void discard(Response response) {
            discarded.add(response.name());
        }
    }
}
