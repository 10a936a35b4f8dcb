package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;

/**
 * The container's own request below every wrapper, by which the module tells the container it runs in (it depends on
 * none).
 *
 * <p>Static methods only; thread-safe.
 */
final class ContainerRequests {

    private static final String UNDERTOW_PACKAGE = "io.undertow.";

    private ContainerRequests() {
    }

    /**
     * @param request a request, wrapped or not
     * @return the container's own request, below every wrapper
     */
    static ServletRequest of(ServletRequest request) {
        ServletRequest inner = request;
        while (inner instanceof ServletRequestWrapper wrapper) {
            inner = wrapper.getRequest();
        }
        return inner;
    }

    /**
     * @param request a request, wrapped or not
     * @return whether it is Undertow's
     */
    static boolean onUndertow(ServletRequest request) {
        return of(request).getClass().getName().startsWith(UNDERTOW_PACKAGE);
    }
}
