package io.github.errorpages.servlet.internal;

import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.internal.BodySources;
import io.github.errorpages.upstream.internal.BodySourceFailure;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Recognises a failure of the request's own connection: a client that went away, cut its body short or stalled past
 * the container's idle timeout, or a stream of the request the application used wrongly. Such a failure is never an
 * upstream's: no page, no WARN line.
 *
 * <p>Three ways tell. The filter's wrappers of the container's streams of the request ({@link RequestBodyStream},
 * {@link RequestBodyReader}, {@link DroppingOutputStream}) {@linkplain #mark mark} what those streams throw,
 * whatever its type, and so does its request ({@link AsyncCapturingRequest}) for what the container throws as it
 * reads a form's parameters or a multipart body itself: the class alone cannot tell, since Jetty's
 * {@code EofException} is thrown by its HTTP client on an upstream's connection as by its server on the client's,
 * and an {@code IOException} "Idle timeout expired", "Stream closed" or Undertow's "Remote peer closed connection"
 * looks like an upstream's to the classifier. The exceptions only a server's side throws, which this module cannot
 * reference, are matched by simple name anywhere in the cause chain, the names of their superclasses too, as Spring
 * Boot's {@code ErrorPageFilter} does: Tomcat's {@code ClientAbortException} and {@code CloseNowException}, Spring's
 * {@code AsyncRequestNotUsableException}. And Jetty's {@code EofException} (its server's {@code HttpEofException}
 * among them), its {@code BadMessageException}, and any of its {@code HttpException}s with a 4xx status (Jetty
 * 12.1's {@code 400: Early EOF} of a client that sent less than its {@code Content-Length}) are matched unless the
 * stack shows that Jetty's HTTP client threw them, or a future's failure holds them. Thread-safe (stateless).
 */
public final class ClientAborts {

    private static final Set<String> CLIENT_ABORT_TYPES =
            Set.of("ClientAbortException", "CloseNowException", "AsyncRequestNotUsableException");
    /**
     * Jetty's failure of a connection ({@code EofException}), the server's and its HTTP client's alike; and its 4xx
     * for a request it could not read ({@code BadMessageException}), thrown by its server as it parses a form or a
     * multipart body itself (through no stream the filter wraps), the idle timeout of a client that stalled in it
     * among the causes, and by its HTTP client for an upstream's malformed response. The client's are told apart by
     * their stack ({@link #isThrownByJettysClient}).
     */
    private static final Set<String> JETTY_TYPES = Set.of("EofException", "BadMessageException");
    private static final String JETTY_CLIENT = "org.eclipse.jetty.client.";
    private static final int MAX_CHAIN = 32;
    /**
     * Attached as suppressed to what a container's stream of the request threw: allocated once, not per failure,
     * and shown in the server log as what it says.
     */
    private static final Throwable MARK = new RequestConnectionFailure();

    private ClientAborts() {
    }

    /**
     * Marks a failure thrown by a container's stream of the request as the request connection's own, and each of its
     * causes: Tomcat reports the cause to the request's async listeners ({@code SocketException: Connection reset}),
     * not the {@code ClientAbortException} its stream threw. An exception whose suppression is disabled cannot be
     * marked, and is recognised by its name only, if at all.
     *
     * @param <T> the failure's type
     * @param failure what the container's stream threw
     * @return {@code failure}, to be thrown on
     */
    static <T extends Throwable> T mark(T failure) {
        Throwable current = failure;
        for (int i = 0; current != null && i < MAX_CHAIN && !isMarked(current); i++, current = current.getCause()) {
            current.addSuppressed(MARK);
        }
        return failure;
    }

    /**
     * The container's own exception in a failure of the request's connection that was passed on wrapped (a request
     * body's source that failed, say): thrown on as it is, a container logs it as a client's abort (Tomcat at
     * DEBUG), where a wrapper of it is logged as a servlet's failure, stack trace and all (SEVERE).
     *
     * @param failure a failure {@link #isClientAbort} recognises, or any other
     * @return the outermost link of its cause chain that a container's stream threw, or {@code failure} itself
     */
    public static IOException containerException(IOException failure) {
        Throwable current = failure;
        for (int i = 0; current != null && i < MAX_CHAIN; i++, current = current.getCause()) {
            if (current instanceof UpstreamFailureException) {
                break;
            }
            if (current instanceof IOException io && (isMarked(io)
                    || isNamed(io, CLIENT_ABORT_TYPES))) {
                return io;
            }
        }
        return failure;
    }

    /**
     * Marks a failure the container reported to the application's read or write listener, unless it is what that
     * listener's own callback threw: the container reports that one to {@code onError} too, and it is the
     * application's (an upstream's body it relayed from {@code onWritePossible}, say), not the connection's.
     *
     * @param <T> the failure's type
     * @param failure what the container passed to {@code onError}
     * @param thrownByListener what the listener's own callback threw, or {@code null}
     * @return {@code failure}, to be passed on
     */
    static <T extends Throwable> T markReported(T failure, @Nullable Throwable thrownByListener) {
        Throwable current = failure;
        for (int i = 0; current != null && i < MAX_CHAIN; i++, current = current.getCause()) {
            if (current == thrownByListener) {
                return failure;
            }
        }
        return mark(failure);
    }

    /**
     * Whether something the filter chain threw, or the container reported to the request's async listeners, is a
     * failure of the request's own connection.
     *
     * @param throwable what the chain threw, or what the container passed to {@code AsyncListener.onError}
     * @return whether the chain holds an exception a container's stream of the request (or its reading of the
     *     request's parameters or parts) threw, a container's client-abort exception, Jetty's {@code EofException},
     *     {@code BadMessageException} or {@code HttpException} with a 4xx status not thrown by Jetty's HTTP client,
     *     or the guard's {@link BodySourceFailure}, and no {@link UpstreamFailureException} above it
     */
    public static boolean isClientAbort(Throwable throwable) {
        // The guard's word that the request body's source failed an upstream call, the client stalling in its upload
        // or gone (an application's GuardedHttpClient call that streams the request's body): its chain holds the
        // attempt's timeout too, which read as the upstream's made a 504 page of it. Found as ErrorPages.handle finds
        // it, by the one walk.
        if (BodySources.isBodySourceFailure(throwable)) {
            return true;
        }
        Throwable current = throwable;
        boolean underAFuture = false;
        for (int i = 0; current != null && i < MAX_CHAIN; i++, current = current.getCause()) {
            if (current instanceof UpstreamFailureException) {
                return false;
            }
            if (isMarked(current) || isNamed(current, CLIENT_ABORT_TYPES)
                    || ((isNamed(current, JETTY_TYPES) || ClientBodyStatus.jettyCode(current) != 0) && !underAFuture
                            && !isThrownByJettysClient(current))) {
                return true;
            }
            // A future's failure is that of work the application started, a call of Jetty's client (send() gets
            // the failure of its exchange from one): never the request's own stream, which fails in the caller.
            underAFuture |= current instanceof ExecutionException || current instanceof CompletionException;
        }
        return false;
    }

    /**
     * Whether the failure's class, or one of its superclasses, has one of the simple names: Jetty's server throws
     * subclasses of its {@code EofException} ({@code HttpConnection.HttpEofException} for a client's early end of
     * a body), and a container may well do so of its client-abort exception.
     */
    private static boolean isNamed(Throwable failure, Set<String> simpleNames) {
        for (Class<?> type = failure.getClass(); type != null; type = type.getSuperclass()) {
            if (simpleNames.contains(type.getSimpleName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether Jetty's HTTP client threw it, on an upstream's connection: its stack holds the client's frames.
     * Jetty's server throws the same {@code EofException} for the client's connection where no wrapper of the
     * filter's sees it (the container reading a form's parameters or a multipart body itself, say). A write the
     * client's connection finished later, on a selector's thread, fails without the client's frames: its failure
     * reaches the application through the exchange's future ({@link #isClientAbort}).
     */
    private static boolean isThrownByJettysClient(Throwable eof) {
        for (StackTraceElement frame : eof.getStackTrace()) {
            if (frame.getClassName().startsWith(JETTY_CLIENT)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMarked(Throwable failure) {
        for (Throwable suppressed : failure.getSuppressed()) {
            if (suppressed == MARK) {
                return true;
            }
        }
        return false;
    }

    /** The mark: no stack trace, and no suppression of its own, so that it stays as it was made. */
    private static final class RequestConnectionFailure extends Exception {
        private static final long serialVersionUID = 1L;

        RequestConnectionFailure() {
            super("thrown by the container's stream of the request's own connection, not by an upstream", null, false,
                    false);
        }
    }
}
