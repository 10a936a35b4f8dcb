package io.github.errorpages.servlet;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.function.Consumer;

/** Servlets written as lambdas, for tests. */
final class TestServlets {

    private TestServlets() {
    }

    /** What a test servlet does with a request. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpServletRequest request, HttpServletResponse response) throws Exception;
    }

    /** What a listener does with an event of its cycle. */
    @FunctionalInterface
    interface EventHandler {
        void handle(AsyncEvent event) throws IOException;
    }

    /** A listener that handles its cycle's timeout so, and no other event. */
    static AsyncListener onTimeout(EventHandler handler) {
        return new OneEvent(handler, true);
    }

    /** A listener that handles an error of its cycle so, and no other event. */
    static AsyncListener onError(EventHandler handler) {
        return new OneEvent(handler, false);
    }

    static HttpServlet servlet(Handler handler) {
        return new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response)
                    throws ServletException, IOException {
                try {
                    handler.handle(request, response);
                } catch (ServletException | IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ServletException(e);
                }
            }
        };
    }

    /**
     * A filter, to put in front of the error-pages filter, that starts the async cycle (of 120 s) of a request to
     * {@code /front-started-async/...} on the container's request, before the chain, as a framework's filter may: the
     * servlet behind takes the cycle with {@code getAsyncContext()}, through the error-pages filter's request wrapper.
     */
    static Filter startingAsyncInFront() {
        return (request, response, chain) -> {
            if (request.getDispatcherType() == DispatcherType.REQUEST
                    && ((HttpServletRequest) request).getRequestURI().startsWith("/front-started-async/")) {
                request.startAsync().setTimeout(120_000);
            }
            chain.doFilter(request, response);
        };
    }

    /**
     * A servlet whose listener, set on a stream the filter handed down, throws before it wrote anything what the path's
     * last segment names: a refused connection ({@code refused}, a {@link ConnectException}) or an upstream failure of
     * a 503 with the breaker's remaining open time of 42 s ({@code unavailable}), in a cycle the filter's request
     * wrapper did not start: started by {@link #startingAsyncInFront()} ({@code /front-started-async/...}), which the
     * servlet takes with {@code getAsyncContext()}, or by the servlet itself on the container's request, past the
     * filter's wrapper, whose own context it then holds ({@code /unwrapped-async/...}, a 120 s cycle). The listener is
     * the {@code WriteListener} of the response's stream (throwing from {@code onWritePossible}) for a GET; for a POST
     * the {@code ReadListener} of the request's stream, as an application that relayed the body to an upstream that
     * refused, throwing from {@code onAllDataRead} once it read the whole body, or from {@code onDataAvailable} after
     * its first read (the parameter {@code from=data-available}). The POST's body must not be a form, whose parameters
     * the container would read the body for. It tells {@code told} the remote port of its connection; then its
     * {@code onError} completes the cycle through the context it holds, as an application releasing what it holds
     * would (not with the parameter {@code complete=no}), and tells what it got, or the
     * {@code IllegalStateException} of that {@code complete()}.
     */
    static HttpServlet listenerThrowsInACycleStartedPastTheFilter(Queue<Object> told) {
        return servlet((request, response) -> {
            AsyncContext async;
            if (request.getRequestURI().startsWith("/unwrapped-async/")) {
                ServletRequest container = request;
                while (container instanceof ServletRequestWrapper wrapper) {
                    container = wrapper.getRequest();
                }
                async = container.startAsync();
                async.setTimeout(120_000);
            } else {
                async = request.getAsyncContext();
            }
            told.add(request.getRemotePort());
            boolean unavailable = request.getRequestURI().endsWith("/unavailable");
            boolean completes = !"no".equals(request.getParameter("complete"));
            boolean fromDataAvailable = "data-available".equals(request.getParameter("from"));
            Consumer<Throwable> onError = failure -> {
                try {
                    if (completes) {
                        async.complete();
                    }
                    told.add(failure);
                } catch (IllegalStateException completedTwice) {
                    told.add(completedTwice);
                }
            };
            response.setContentType("text/plain");
            if (request.getMethod().equals("POST")) {
                ServletInputStream in = request.getInputStream();
                in.setReadListener(new ReadListener() {
                    @Override
                    public void onDataAvailable() throws IOException {
                        byte[] buffer = new byte[1000];
                        while (in.isReady() && in.read(buffer) >= 0) {
                            if (fromDataAvailable) {
                                throwUpstreamFailure(unavailable);
                            }
                        }
                    }

                    @Override
                    public void onAllDataRead() throws IOException {
                        throwUpstreamFailure(unavailable);
                    }

                    @Override
                    public void onError(Throwable failure) {
                        onError.accept(failure);
                    }
                });
                return;
            }
            ServletOutputStream out = response.getOutputStream();
            out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() throws IOException {
                    throwUpstreamFailure(unavailable);
                }

                @Override
                public void onError(Throwable failure) {
                    onError.accept(failure);
                }
            });
        });
    }

    /** Throws the failure of {@link #listenerThrowsInACycleStartedPastTheFilter}: a 503's, or a refused connection. */
    private static void throwUpstreamFailure(boolean unavailable) throws ConnectException {
        if (unavailable) {
            throw new UpstreamFailureException(UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE)
                    .upstream("billing").breakerRemainingOpen(Duration.ofSeconds(42)).build(), null);
        }
        throw new ConnectException("Connection refused");
    }

    /** A servlet that answers with the remote port of the request's connection, to tell connections apart. */
    static HttpServlet remotePort() {
        return servlet((request, response) -> {
            response.setContentType("text/plain");
            response.getWriter().write(Integer.toString(request.getRemotePort()));
        });
    }

    /**
     * A servlet whose async cycle times out after 200 ms, and whose own {@link AsyncListener} then answers as
     * application timeout handlers do: {@code sendError(status)}, then {@code complete()} through the event's
     * context.
     */
    static HttpServlet asyncTimeoutAnsweredWith(int status) {
        return servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(200);
            async.addListener(new TimeoutAnswer(status, false));
        });
    }

    /**
     * As {@link #asyncTimeoutAnsweredWith}, with the listener added together with the request and response its events
     * are to carry: {@code addListener(listener, request, response)}.
     */
    static HttpServlet asyncTimeoutAnsweredThroughAListenerGivenTheRequestAndResponse(int status) {
        return servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(200);
            async.addListener(new TimeoutAnswer(status, false), request, response);
        });
    }

    /**
     * A servlet whose {@link AsyncListener} re-registers itself in {@code onStartAsync} through the event's context,
     * as that method's javadoc advises: the servlet starts a cycle, adds the listener and dispatches; the dispatch
     * starts a second cycle that times out after 200 ms, and the listener then answers with
     * {@code sendError(status)} and {@code complete()} through the event's context.
     */
    static HttpServlet asyncRestartedTimeoutAnsweredWith(int status) {
        return servlet((request, response) -> {
            if (request.getDispatcherType() != DispatcherType.ASYNC) {
                AsyncContext async = request.startAsync();
                async.addListener(new TimeoutAnswer(status, true));
                async.dispatch();
            } else {
                request.startAsync().setTimeout(200);
            }
        });
    }

    /** A servlet that starts an async cycle (60 s timeout), then throws an upstream failure on the request thread. */
    static HttpServlet asyncStartedThenThrows(FailureCause cause) {
        return servlet((request, response) -> {
            request.startAsync().setTimeout(60_000);
            throw new UpstreamFailureException(UpstreamFailure.of(cause), null);
        });
    }

    /** Handles a timeout or an error of its cycle, as told. */
    private static final class OneEvent implements AsyncListener {
        private final EventHandler handler;
        private final boolean timeout;

        OneEvent(EventHandler handler, boolean timeout) {
            this.handler = handler;
            this.timeout = timeout;
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            if (timeout) {
                handler.handle(event);
            }
        }

        @Override
        public void onError(AsyncEvent event) throws IOException {
            if (!timeout) {
                handler.handle(event);
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }
    }

    /**
     * Answers its cycle's timeout with {@code sendError(status)} and {@code complete()} through the event's context,
     * as applications do; when told to, re-registers itself in {@code onStartAsync} through the event's context.
     */
    private static final class TimeoutAnswer implements AsyncListener {
        private final int status;
        private final boolean reRegisters;

        TimeoutAnswer(int status, boolean reRegisters) {
            this.status = status;
            this.reRegisters = reRegisters;
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            ((HttpServletResponse) event.getSuppliedResponse()).sendError(status);
            event.getAsyncContext().complete();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            if (reRegisters) {
                event.getAsyncContext().addListener(this);
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }
    }

    /**
     * A servlet whose {@code WriteListener} writes and flushes the first part of the body, then throws an upstream
     * failure ({@code connection_refused}), in a cycle with a 60 s timeout. Its {@code onError} does nothing: on Tomcat
     * the filter's listener of the cycle answers, on Jetty the filter's wrapper of this listener.
     */
    static HttpServlet writeListenerThrowsAfterCommit() {
        return servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(60_000);
            response.setContentType("text/plain");
            ServletOutputStream out = response.getOutputStream();
            out.setWriteListener(new WriteListener() {
                private final FirstPart firstPart = new FirstPart();

                @Override
                public void onWritePossible() throws IOException {
                    if (!firstPart.writtenAndFlushed(out)) {
                        return;
                    }
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
                }

                @Override
                public void onError(Throwable failure) {
                    // the filter's listener of the cycle answers
                }
            });
        });
    }

    /**
     * A servlet whose {@code ReadListener} reads the request's body and then, from {@code onAllDataRead}, writes and
     * flushes the first part of the response's body and throws an upstream failure ({@code connection_refused}), in a
     * cycle with a 60 s timeout. Its {@code onError} completes the cycle, as an application releasing what it holds
     * would.
     */
    static HttpServlet readListenerThrowsAfterCommit() {
        return servlet((request, response) -> {
            AsyncContext async = request.startAsync();
            async.setTimeout(60_000);
            ServletInputStream in = request.getInputStream();
            in.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    readWhatIsThere(in);
                }

                @Override
                public void onAllDataRead() throws IOException {
                    async.getResponse().getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
                    async.getResponse().flushBuffer();
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), null);
                }

                @Override
                public void onError(Throwable failure) {
                    async.complete();
                }
            });
        });
    }

    /**
     * Drains what a non-blocking read has now, for a {@code ReadListener}'s {@code onDataAvailable}: reads while
     * {@code isReady()} says it may, until the body's end.
     */
    static void readWhatIsThere(ServletInputStream in) throws IOException {
        byte[] buffer = new byte[1000];
        while (in.isReady() && in.read(buffer) >= 0) {
            // on to what is there
        }
    }

    /**
     * The first part of a body, written and then flushed from a {@code WriteListener}: each step once
     * {@code isReady()} allowed it (Jetty refuses a write it did not), the rest on the next {@code onWritePossible}.
     * Not thread-safe: one per listener, which the container calls one at a time.
     */
    static final class FirstPart {
        /** What was done: 0 nothing, 1 written, 2 flushed. */
        private int done;

        /**
         * @return whether the first part is written and flushed and the stream ready; {@code false} when the listener
         *     must return and wait for its next {@code onWritePossible}
         */
        boolean writtenAndFlushed(ServletOutputStream out) throws IOException {
            if (done == 0) {
                done = 1;
                out.write("first part".getBytes(StandardCharsets.US_ASCII));
                if (!out.isReady()) {
                    return false;
                }
            }
            if (done == 1) {
                done = 2;
                out.flush();
                return out.isReady();
            }
            return true;
        }
    }
}
