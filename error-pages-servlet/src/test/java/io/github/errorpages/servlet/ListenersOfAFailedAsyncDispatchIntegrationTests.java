package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.StandardError;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An application that starts an async cycle, adds an {@code AsyncListener} and dispatches the cycle to a target that
 * throws an upstream failure: the filter answers with the page, and the listener's {@code onError} is told of the
 * failure first, as the Servlet specification asks of the container for what an async dispatch throws (Servlet 6.0
 * {@code AsyncContext.dispatch}: {@code onError} for every listener, then the error dispatch the page stands in for).
 * The filter answered it, so the container never heard of it, and the listener got only {@code onComplete}: an
 * application that releases what it holds for a failed cycle there (a pending upstream call, a metric) never did.
 * Without the filter Tomcat and Undertow tell {@code onError}, Jetty 12 does not (it sends its 500 at once). The same
 * for a servlet that throws once it started the cycle and added the listener, in the request or in the dispatch of an
 * earlier cycle: without the filter all three containers tell {@code onError}. And for a listener of the dispatched
 * cycle that adds itself again in {@code onStartAsync} as the target starts a cycle of its own and throws, as
 * {@link AsyncListener#onStartAsync} advises to follow a request across its cycles: without the filter Jetty tells it
 * {@code onError}.
 */
class ListenersOfAFailedAsyncDispatchIntegrationTests {

    static Stream<Arguments> rows() {
        List<Arguments> rows = new ArrayList<>();
        for (ProxyContainer container : ProxyContainer.values()) {
            for (String cycle : List.of("dispatched", "started", "started-again", "re-added")) {
                for (String thrown : List.of("upstream-failure", "connect-exception")) {
                    for (String onError : List.of("records", "completes", "dispatches")) {
                        rows.add(Arguments.of(container, cycle, thrown, onError));
                    }
                }
            }
        }
        return rows.stream();
    }

    /**
     * The page of the failure (R1, R2, R32, R36) answers, the listener's {@code onError} is told once, before anything
     * is committed, with what the target threw and the request the cycle carries, and then {@code onComplete}; a
     * {@code complete()} in {@code onError} through the event's context, as applications end a failed cycle, is
     * harmless: the page still answers, and nothing is logged of it but the page's one line. A {@code dispatch} there
     * is refused, as the container refuses one of a cycle dispatched already, and the page answers. A listener that
     * added itself again in {@code onStartAsync} is told as well: it was dropped as the filter's list of the cycle's
     * listeners was renewed after the container had called {@code onStartAsync} (on Jetty and Tomcat, from within
     * {@code startAsync}); Undertow calls it only once the dispatch returned, and completes the last cycle's listeners
     * with the new cycle, so they are told of its failure as they are of its end.
     */
    @ParameterizedTest(name = "{0}, {1} cycle, {2}, onError {3}")
    @MethodSource("rows")
    void theCyclesListenersAreToldBeforeThePage(ProxyContainer container, String cycle, String thrown, String onError)
            throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (ProxyContainer.Server server = container.startWithAsyncDispatches(
                List.of(ErrorPagesFilter.builder().build()), dispatchesToAThrowingTarget(events))) {
            AtomicReference<HttpResponse<byte[]>> answer = new AtomicReference<>();
            String log = StandardError.capture(() -> answer.set(Client.get(server.uri("/orders/42?cycle=" + cycle
                    + "&thrown=" + thrown + "&on-error=" + onError), "application/json")));

            PageAssertions.assertErrorPage(answer.get(), "GET", 502, "10");
            PageAssertions.assertNoLeak(answer.get());
            assertThat(Client.text(answer.get())).contains("\"code\": \"connection_refused\"");
            boolean reAdded = cycle.equals("re-added");
            if (reAdded && container != ProxyContainer.UNDERTOW) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).as("told of the new cycle, within startAsync")
                        .isEqualTo("onStartAsync");
            }
            String expected = thrown.equals("upstream-failure") ? UpstreamFailureException.class.getName()
                    : ConnectException.class.getName();
            assertThat(events.poll(10, TimeUnit.SECONDS)).as("onError, told first")
                    .isEqualTo("onError " + expected + " committed=false supplied=true");
            if (onError.equals("completes")) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("completed in onError");
            } else if (onError.equals("dispatches")) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("dispatch refused");
            }
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("onComplete");
            if (reAdded && container == ProxyContainer.UNDERTOW) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).as("told of the new cycle once the dispatch returned")
                        .isEqualTo("onStartAsync");
            }
            assertThat(events.poll(200, TimeUnit.MILLISECONDS)).as("no second onError").isNull();
            assertThat(log.split("error page status=", -1)).as("one page logged once").hasSize(2);
            assertThat(log).doesNotContain("IllegalStateException").doesNotContain("onError threw");
        }
    }

    /**
     * A listener whose {@code onError} answers the failure itself, writing and flushing an answer of its own: the page
     * can no longer be written, and the response is aborted as one committed before an upstream failure (R5: nothing
     * appended to what was sent, the client sees no complete answer), logged once; the listener is told
     * {@code onError} once. The container told it a second time, of the abort the filter threw on (Jetty's
     * {@code EofException}, Tomcat's {@code ClientAbortException}, the filter's abort on Undertow), and it answered
     * again. Tomcat and Undertow then tell {@code onComplete}; Jetty 12 tells nothing more of an aborted request.
     */
    @ParameterizedTest(name = "{0}, {1} cycle")
    @MethodSource("committingRows")
    void aListenerThatCommitsInOnErrorIsToldOnce(ProxyContainer container, String cycle) throws Exception {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (ProxyContainer.Server server = container.startWithAsyncDispatches(
                List.of(ErrorPagesFilter.builder().build()), dispatchesToAThrowingTarget(events))) {
            AtomicReference<Throwable> aborted = new AtomicReference<>();
            String log = StandardError.capture(() -> {
                try {
                    Client.text(Client.get(server.uri("/orders/42?cycle=" + cycle
                            + "&thrown=upstream-failure&on-error=commits"), "application/json"));
                } catch (RuntimeException e) {
                    aborted.set(e);
                }
            });

            assertThat(aborted.get()).as("the listener's answer aborted, not taken for a whole one").isNotNull();
            if (cycle.equals("re-added") && container != ProxyContainer.UNDERTOW) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("onStartAsync");
            }
            assertThat(events.poll(10, TimeUnit.SECONDS)).as("onError, told first").isEqualTo("onError "
                    + UpstreamFailureException.class.getName() + " committed=false supplied=true");
            assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("committed in onError");
            if (container != ProxyContainer.JETTY) {
                assertThat(events.poll(10, TimeUnit.SECONDS)).isEqualTo("onComplete");
            }
            List<String> later = new ArrayList<>();
            String event;
            while ((event = events.poll(1, TimeUnit.SECONDS)) != null) {
                later.add(event);
            }
            assertThat(later).as("no second onError").noneMatch(told -> told.startsWith("onError"))
                    .noneMatch(told -> told.startsWith("commit"));
            assertThat(log.split("after the response was committed", -1)).as("one abort logged once").hasSize(2);
        }
    }

    static Stream<Arguments> committingRows() {
        List<Arguments> rows = new ArrayList<>();
        for (ProxyContainer container : ProxyContainer.values()) {
            for (String cycle : List.of("dispatched", "started", "started-again", "re-added")) {
                rows.add(Arguments.of(container, cycle));
            }
        }
        return rows.stream();
    }

    /**
     * Starts a cycle, adds a listener that records its events (in {@code onError}, with {@code on-error=completes},
     * completes the cycle through the event's context, with {@code on-error=dispatches} dispatches it, with
     * {@code on-error=commits} writes an answer of its own and flushes it) and dispatches;
     * the dispatch's target throws a refused connection: an {@link UpstreamFailureException}, or
     * ({@code thrown=connect-exception}) a {@link ConnectException}. With {@code cycle=started} the servlet throws
     * once it started the cycle and added the listener, and with {@code cycle=started-again} the dispatch's target
     * starts a second cycle, adds the listener to it and throws; with {@code cycle=re-added} the listener adds itself
     * again in {@code onStartAsync}, and the dispatch's target starts a second cycle and throws.
     */
    private static HttpServlet dispatchesToAThrowingTarget(BlockingQueue<String> events) {
        return TestServlets.servlet((request, response) -> {
            String cycle = request.getParameter("cycle");
            boolean dispatched = request.getDispatcherType() == DispatcherType.ASYNC;
            if (cycle.equals("started-again") && !dispatched) {
                request.startAsync().dispatch();
                return;
            }
            if (cycle.equals("dispatched") && dispatched) {
                throw thrown(request.getParameter("thrown"));
            }
            boolean reAdded = cycle.equals("re-added");
            if (reAdded && dispatched) {
                request.startAsync().setTimeout(60_000); // the listener adds itself again in onStartAsync
                throw thrown(request.getParameter("thrown"));
            }
            AsyncContext async = request.startAsync();
            async.setTimeout(60_000);
            async.addListener(recording(events, request.getParameter("on-error"), reAdded));
            if (cycle.equals("dispatched") || reAdded) {
                async.dispatch();
                return;
            }
            throw thrown(request.getParameter("thrown"));
        });
    }

    private static Exception thrown(String thrown) {
        return thrown.equals("connect-exception") ? new ConnectException("Connection refused")
                : new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
    }

    /**
     * Records the events of its cycle; in {@code onError} completes or dispatches the cycle or commits its response, as
     * {@code then} says; in {@code onStartAsync} adds itself to the new cycle if it {@code reAdds}.
     */
    private static AsyncListener recording(BlockingQueue<String> events, String then, boolean reAdds) {
        return new AsyncListener() {
            @Override
            public void onError(AsyncEvent event) {
                events.add("onError " + event.getThrowable().getClass().getName() + " committed="
                        + ((HttpServletResponse) event.getSuppliedResponse()).isCommitted() + " supplied="
                        + (event.getSuppliedRequest() != null));
                if (then.equals("completes")) {
                    event.getAsyncContext().complete();
                    events.add("completed in onError");
                } else if (then.equals("commits")) {
                    try {
                        ServletResponse supplied = event.getSuppliedResponse();
                        supplied.getOutputStream().write("the listener's own answer".getBytes(StandardCharsets.UTF_8));
                        supplied.flushBuffer();
                        events.add("committed in onError");
                    } catch (IOException e) {
                        events.add("commit failed " + e);
                    }
                } else if (then.equals("dispatches")) {
                    try {
                        event.getAsyncContext().dispatch("/fallback");
                        events.add("dispatched in onError");
                    } catch (IllegalStateException refused) {
                        events.add("dispatch refused");
                    }
                }
            }

            @Override
            public void onComplete(AsyncEvent event) {
                events.add("onComplete");
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                events.add("onTimeout");
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                events.add("onStartAsync");
                if (reAdds) {
                    event.getAsyncContext().addListener(this);
                }
            }
        };
    }
}
