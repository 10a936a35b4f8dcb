package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import java.lang.reflect.Method;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Hears of the failure of a request's stream on Jetty 12 (ee10, ee11) whenever it comes: an HTTP/2 client's reset,
 * the connection closing. Jetty tells an asynchronous cycle of it with {@code AsyncListener.onError} only once the
 * dispatch that started the cycle has returned: its {@code ServletChannelState.asyncError} drops a failure that comes
 * while the servlet is still in {@code service()} (checked with 12.1.14), and tells nobody later. A reset that came
 * between the proxy's {@code startAsync()} and its return (the upstream had the request already) was lost: the
 * exchange held its bulkhead permit and the upstream's connection until the attempt timed out, and that timeout
 * counted against the upstream. Jetty's own failure listener of the request ({@code Request.addFailureListener}) is
 * called in every state; reflection, because this module depends on no container. Elsewhere nothing is added.
 *
 * <p>Thread-safe. The methods found are kept for one request class at a time (one container per application), and
 * only in a field of this class: a {@code ClassValue} would make Jetty's classes hold this one's loader.
 */
public final class JettyStreamFailures {

    private static final String JETTY_SERVLET_PACKAGE = "org\\.eclipse\\.jetty\\.ee1\\d\\.servlet";
    private static final String CORE_REQUEST = "org.eclipse.jetty.server.Request";

    private static volatile @Nullable Hook hook;

    private JettyStreamFailures() {
    }

    /**
     * Adds a listener of the request's stream failures, called on a thread of Jetty's with each failure that comes
     * from now on; one that came before is not told (Jetty adds no listener to a failed request).
     *
     * @param request the request, wrapped or not
     * @param listener told of a failure; it must not block
     * @return whether it was added: {@code false} on any other container, or a Jetty without the methods
     */
    public static boolean listen(ServletRequest request, Consumer<Throwable> listener) {
        ServletRequest inner = Containers.of(request);
        Class<?> type = inner.getClass();
        Hook found = hook;
        if (found == null || found.requestType != type) {
            found = Hook.of(type);
            hook = found;
        }
        if (found.toCoreRequest == null || found.addFailureListener == null) {
            return false;
        }
        try {
            Object coreRequest = found.toCoreRequest.invoke(null, inner);
            if (coreRequest == null) {
                return false;
            }
            found.addFailureListener.invoke(coreRequest, listener);
            return true;
        } catch (ReflectiveOperationException | RuntimeException notAdded) {
            return false;
        }
    }

    /**
     * Jetty's methods for one request class; both {@code null} for another container's.
     *
     * @param requestType the container's innermost request class
     * @param toCoreRequest {@code ServletContextRequest.getServletContextRequest(ServletRequest)}, static
     * @param addFailureListener {@code Request.addFailureListener(Consumer)}
     */
    private record Hook(Class<?> requestType, @Nullable Method toCoreRequest, @Nullable Method addFailureListener) {

        static Hook of(Class<?> requestType) {
            String servletPackage = requestType.getPackageName();
            if (servletPackage.matches(JETTY_SERVLET_PACKAGE)) {
                try {
                    ClassLoader loader = requestType.getClassLoader();
                    Method toCoreRequest = Class.forName(servletPackage + ".ServletContextRequest", false, loader)
                            .getMethod("getServletContextRequest", ServletRequest.class);
                    Method addFailureListener = Class.forName(CORE_REQUEST, false, loader)
                            .getMethod("addFailureListener", Consumer.class);
                    return new Hook(requestType, toCoreRequest, addFailureListener);
                } catch (ReflectiveOperationException | LinkageError notThere) {
                    // Another Jetty: nothing is added
                }
            }
            return new Hook(requestType, null, null);
        }
    }
}
