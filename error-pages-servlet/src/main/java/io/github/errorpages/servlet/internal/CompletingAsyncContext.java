package io.github.errorpages.servlet.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container's {@link AsyncContext}, except that {@code complete()} first runs a hook: the filter
 * writes the page for a captured status there, before the container finishes the response. The application's
 * listeners get events that carry this context, not the container's: a timeout handler that calls
 * {@code sendError(504)} and then {@code event.getAsyncContext().complete()} would otherwise complete the
 * response without the page. {@code onStartAsync} carries the context the request hands out for the new cycle, for
 * the same reason: a listener that re-registers itself there through {@code event.getAsyncContext()}, as
 * {@link AsyncListener#onStartAsync} advises, would otherwise get the container's context in its later events. An
 * upstream failure that a task given to {@code start(Runnable)} throws is answered with the page. On Tomcat, a
 * cycle the application started without arguments is dispatched by {@code dispatch()} to the original request's
 * URI, as Tomcat would have: the request started it with the filter's wrappers, which Tomcat would otherwise read
 * the path from. The listeners added through it are known for the cycle, to be told of an upstream failure its
 * starter or the target of its dispatch threw, which the filter answers, so that the container never hears of it
 * ({@link #tellListenersOfFailure}).
 */
final class CompletingAsyncContext implements AsyncContext {

    private static final Logger log = LoggerFactory.getLogger(CompletingAsyncContext.class);

    private final AsyncContext delegate;
    private final Runnable beforeComplete;
    private final UnaryOperator<AsyncContext> handOut;
    private final Predicate<RuntimeException> answersTaskFailure;
    private final Predicate<Throwable> answersListenerFailure;
    private final Supplier<@Nullable String> originalPathIfElsewhere;
    /** Whether the application called {@code startAsync()} without arguments for this cycle. */
    private volatile boolean startedWithoutArguments;
    /**
     * Which cycle of the request this is: the containers hand out the same context for each, and so does the
     * request, this one. A task's failure is answered only in the cycle the task was started in.
     */
    private volatile int cycle;
    /** Whether this cycle was completed or dispatched: a task that throws afterwards is no longer its to answer. */
    private volatile boolean ended;
    /**
     * Whether the filter completed this cycle with its page for what a read or write listener threw, or answers what
     * the target of its dispatch threw: the application's {@code onError}, called then, may complete it again, which
     * must be harmless.
     */
    private volatile boolean completedByFilter;
    /**
     * Whether the filter tells the listeners of a failure it answers ({@link #tellListenersOfFailure}): their
     * {@code complete()} is harmless then, the filter completing the cycle once the page is written.
     */
    private volatile boolean tellingListeners;
    /**
     * Whether the request handed this context to the application. If not, the application started the cycle on the
     * container's request, past the filter's wrapper, and holds the container's own context, whose {@code complete()}
     * this one cannot tell from the filter's: a second one Tomcat refuses with an {@code IllegalStateException}.
     */
    private volatile boolean handedToApplication;
    /**
     * The listeners added through this context in this cycle: the containers drop a cycle's listeners when the next
     * starts (Servlet 6.0 {@code AsyncListener.onStartAsync}), and so does {@link #newCycle}, keeping those re-added in
     * their {@code onStartAsync}.
     */
    private final List<Rebinding> listeners = new CopyOnWriteArrayList<>();
    /**
     * The context of the request's last cycle, when the container's context is new for each (Undertow): its
     * listeners are told {@code onStartAsync} only once the dispatch that started this cycle returned, and completed
     * with this cycle, so they are still the request's while it runs ({@link #tellListenersOfFailure}).
     */
    private volatile @Nullable CompletingAsyncContext last;

    /**
     * @param delegate the container's context
     * @param beforeComplete what {@code complete()} runs first
     * @param handOut the context the request hands out for a container's context (of a later cycle, too)
     * @param answersTaskFailure answers what a task given to {@link #start} threw while the cycle was under way, if
     *     it can ({@link Interception#onTaskFailure}), and says whether it did
     * @param answersListenerFailure answers what a read or write listener's callback threw, if it can
     *     ({@link Interception#onListenerFailure}), and says whether it did
     * @param originalPathIfElsewhere where {@code dispatch()} goes for a cycle started without arguments, when not
     *     where the container's {@code dispatch()} would go ({@code null})
     */
    CompletingAsyncContext(AsyncContext delegate, Runnable beforeComplete, UnaryOperator<AsyncContext> handOut,
            Predicate<RuntimeException> answersTaskFailure, Predicate<Throwable> answersListenerFailure,
            Supplier<@Nullable String> originalPathIfElsewhere) {
        this.delegate = delegate;
        this.beforeComplete = beforeComplete;
        this.handOut = handOut;
        this.answersTaskFailure = answersTaskFailure;
        this.answersListenerFailure = answersListenerFailure;
        this.originalPathIfElsewhere = originalPathIfElsewhere;
    }

    /**
     * The listeners added through this context so far, which a cycle the application starts next drops
     * ({@link #newCycle}): taken before the container starts it, for it tells them {@code onStartAsync} as it does.
     *
     * @return the listeners, in no form the caller may use but to pass them to {@link #newCycle}
     */
    List<?> listenersSoFar() {
        return List.copyOf(listeners);
    }

    /**
     * Called when the application starts a cycle through the request, the first or a later one (after a dispatch).
     * The listeners of the earlier cycles are dropped, as the containers drop theirs, but not one added while the
     * container started this cycle: a listener re-adds itself in {@code onStartAsync} (as {@link AsyncListener}
     * advises, to be told of the new cycle), which Jetty and Tomcat call from within {@code startAsync}.
     *
     * @param withoutArguments whether the application started it with {@code startAsync()} (its no-argument form)
     *     rather than with a request and response of its own
     * @param ofEarlierCycles what {@link #listenersSoFar} returned before the container started the cycle, of this
     *     context or of the one of the last cycle (on Undertow, whose context is new for each cycle)
     */
    void newCycle(boolean withoutArguments, List<?> ofEarlierCycles) {
        startedWithoutArguments = withoutArguments;
        cycle++; // on the container thread that starts the cycle, after the last one was dispatched
        ended = false;
        listeners.removeAll(ofEarlierCycles);
    }

    /**
     * @param lastCycle the context of the request's last cycle, which the container's context of this one replaced
     */
    void follows(CompletingAsyncContext lastCycle) {
        last = lastCycle;
        lastCycle.last = null; // only the last cycle's listeners are the request's still: hold no chain of them
    }

    /**
     * Tells the cycle's listeners added through this context, in the order they were added, of what the servlet that
     * started the cycle, or the target of the cycle's dispatch, threw, before the filter answers it with its page, as
     * the container would have told them before its error dispatch (Servlet 6.0 §2.3.3.3, {@code AsyncContext}): the
     * filter answers it, so the container never hears of it, and the listeners got only {@code onComplete}. Their
     * {@code complete()} there, through the event's context, is harmless, and a {@code dispatch} refused: the filter
     * completes a cycle under way once the page is written, and the response of one dispatched ends with the page as
     * the dispatch returns. What a listener throws is logged, and the next listener told, as the containers do. The
     * container's {@code onError} of what answering the failure throws on (the abort of a response that a listener's
     * {@code onError} committed, a client's reset) is not passed on to a listener told here: one failure, one
     * {@code onError}.
     * On Undertow, the last cycle's listeners that it has not told {@code onStartAsync} yet are told first: it tells
     * them only once the dispatch that started this cycle returned, so after the failure, and it completes them with
     * this cycle, so they are the request's until then, as a listener that adds itself again there would be.
     *
     * @param failure what was thrown, as the containers pass it on
     * @param underWay whether the cycle is still started (its starter threw), which the filter completes after the
     *     page; else it was dispatched, and its dispatch's target threw
     */
    void tellListenersOfFailure(Throwable failure, boolean underWay) {
        ended = true;
        if (!underWay) {
            completedByFilter = true; // for good: nothing is to complete it
        }
        List<Rebinding> told = new ArrayList<>();
        CompletingAsyncContext lastCycle = last;
        if (lastCycle != null) {
            for (Rebinding listener : lastCycle.listeners) {
                if (!listener.toldOfNextCycle) {
                    told.add(listener);
                }
            }
        }
        told.addAll(listeners);
        tellingListeners = true;
        try {
            for (Rebinding listener : told) {
                try {
                    listener.onError(failure, this);
                } catch (IOException | RuntimeException thrown) {
                    log.warn("An AsyncListener's onError threw, told of a failure the error page answers", thrown);
                }
            }
        } finally {
            tellingListeners = false;
        }
    }

    /**
     * @param context a container's async context
     * @return whether this one wraps it
     */
    boolean wraps(AsyncContext context) {
        return delegate == context;
    }

    /**
     * Answers what a read or write listener's callback threw with the page and completes the cycle, unless the cycle
     * ended already (the listener completed it, then threw) or the filter cannot answer it. When the application holds
     * the container's own context, the cycle is completed only once the listener was told ({@link #listenerTold}).
     *
     * @param failure what the callback threw
     * @return whether it was answered
     */
    boolean answersListenerFailure(Throwable failure) {
        try {
            if (ended || !answersListenerFailure.test(failure)) {
                return false;
            }
            if (handedToApplication) {
                delegate.complete(); // the application's own complete(), through this context, is then harmless
            }
        } catch (RuntimeException whileAnswering) {
            // The cycle ended otherwise meanwhile (the container's timeout): the listener's own failure is thrown on.
            failure.addSuppressed(whileAnswering);
            return false;
        }
        ended = true;
        completedByFilter = true;
        return true;
    }

    /** The request handed this context to the application ({@link #handedToApplication}). */
    void handedToApplication() {
        handedToApplication = true;
    }

    /**
     * Completes the cycle whose listener's failure the filter answered, once the listener was told of it, when the
     * application holds the container's own context: its {@code onError}, told first, completes it in most
     * applications, and the filter's {@code complete()} comes second, where Tomcat refuses it (Jetty ignores it);
     * one that does not complete there leaves it to the filter's.
     */
    void listenerTold() {
        if (!completedByFilter || handedToApplication) {
            return; // not answered, or completed as it was answered
        }
        try {
            delegate.complete();
        } catch (IllegalStateException completedByTheApplication) {
            // Tomcat: the application's onError completed it, as it should.
        }
    }

    @Override
    public void complete() {
        if (completedByFilter || tellingListeners) {
            return; // the filter completes the cycle with its page; the application's onError completes it again
        }
        ended = true;
        try {
            beforeComplete.run();
        } finally {
            delegate.complete();
        }
    }

    @Override
    public ServletRequest getRequest() {
        return delegate.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
        return delegate.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return delegate.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
        refuseOnceAnswered();
        String original = startedWithoutArguments ? originalPathIfElsewhere.get() : null;
        ended = true;
        if (original == null) {
            delegate.dispatch();
        } else {
            delegate.dispatch(original);
        }
    }

    @Override
    public void dispatch(String path) {
        refuseOnceAnswered();
        ended = true;
        delegate.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
        refuseOnceAnswered();
        ended = true;
        delegate.dispatch(context, path);
    }

    /**
     * Refuses a dispatch of a cycle the filter answers with its page, as the container refuses one of a cycle that
     * completed or dispatched already: in the {@code onError} the filter tells, the page is on its way.
     */
    private void refuseOnceAnswered() {
        if (completedByFilter || tellingListeners) {
            throw new IllegalStateException("The async cycle is answered with the error page: it cannot be dispatched");
        }
    }

    /**
     * Runs the task as the container does, answering an upstream failure it throws with the page: the container only
     * logs what a task threw, and the cycle waited for its timeout, then the container's 500.
     */
    @Override
    public void start(Runnable run) {
        int startedIn = cycle;
        delegate.start(() -> {
            try {
                run.run();
            } catch (RuntimeException failure) {
                boolean answered;
                try {
                    answered = !ended && cycle == startedIn && answersTaskFailure.test(failure);
                } catch (RuntimeException whileAnswering) {
                    // The cycle ended otherwise meanwhile (the container's timeout, and the request recycled): the
                    // task's own failure is what the container should log.
                    failure.addSuppressed(whileAnswering);
                    answered = false;
                }
                if (!answered) {
                    throw failure;
                }
            }
        });
    }

    @Override
    public void addListener(AsyncListener listener) {
        Rebinding rebinding = new Rebinding(listener);
        delegate.addListener(rebinding);
        try {
            // The cycle's request and response, which its events carry, while the cycle is under way: Tomcat refuses
            // them once it was dispatched.
            rebinding.carries(delegate.getRequest(), delegate.getResponse());
        } catch (IllegalStateException ended) {
            return; // added to a cycle that ended (a container that allows it): it has no failure to be told of
        }
        listeners.add(rebinding);
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        Rebinding rebinding = new Rebinding(listener);
        delegate.addListener(rebinding, request, response);
        rebinding.carries(request, response);
        listeners.add(rebinding);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
        return delegate.createListener(clazz);
    }

    @Override
    public void setTimeout(long timeout) {
        delegate.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
        return delegate.getTimeout();
    }

    /**
     * Passes the container's events on with this context in place of the container's, and {@code onStartAsync}
     * with the context the request hands out for the new cycle.
     */
    private final class Rebinding implements AsyncListener {
        private final AsyncListener listener;
        /** The request and response its events carry: those it was added with, else the cycle's. */
        private volatile @Nullable ServletRequest request;
        private volatile @Nullable ServletResponse response;
        /** Whether the container told it of the cycle after its own ({@code onStartAsync}). */
        private volatile boolean toldOfNextCycle;
        /** Whether the filter told it of the failure of its cycle ({@link #tellListenersOfFailure}). */
        private volatile boolean toldOfFailure;

        Rebinding(AsyncListener listener) {
            this.listener = listener;
        }

        void carries(ServletRequest supplied, ServletResponse suppliedResponse) {
            request = supplied;
            response = suppliedResponse;
        }

        @Override
        public void onComplete(AsyncEvent event) throws IOException {
            listener.onComplete(rebound(event));
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            listener.onTimeout(rebound(event));
        }

        /**
         * Passes the container's {@code onError} on, unless the filter told the listener of its cycle's failure
         * already: then it is of what answering that failure threw on, the abort of a response committed meanwhile
         * (by a listener's {@code onError}, which answered it) or the client's reset while the page was written, which
         * Jetty, Tomcat and Undertow tell the cycle's listeners of, a second {@code onError} of the one failure.
         */
        @Override
        public void onError(AsyncEvent event) throws IOException {
            if (!toldOfFailure) {
                listener.onError(rebound(event));
            }
        }

        /**
         * Tells the listener of a failure the container did not hear of, with the event the container would make.
         *
         * @param context the context of the cycle that failed, the event's
         */
        void onError(Throwable failure, AsyncContext context) throws IOException {
            toldOfFailure = true;
            listener.onError(new AsyncEvent(context, request, response, failure));
        }

        @Override
        public void onStartAsync(AsyncEvent event) throws IOException {
            // A new cycle, with a context of its own: the listener may add itself to it again.
            toldOfNextCycle = true;
            listener.onStartAsync(rebound(event, handOut.apply(event.getAsyncContext())));
        }

        private AsyncEvent rebound(AsyncEvent event) {
            return rebound(event, CompletingAsyncContext.this);
        }

        private AsyncEvent rebound(AsyncEvent event, AsyncContext context) {
            return new AsyncEvent(context, event.getSuppliedRequest(), event.getSuppliedResponse(),
                    event.getThrowable());
        }
    }
}
