package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;

/**
 * The container's own request and response below every wrapper, by which the module tells the container it runs in
 * (it depends on none).
 *
 * <p>Static methods only; thread-safe.
 */
final class Containers {

    private static final String TOMCAT_PACKAGE = "org.apache.catalina.";
    private static final String UNDERTOW_PACKAGE = "io.undertow.";

    private Containers() {
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
     * @param response a response, wrapped or not
     * @return the container's own response, below every wrapper
     */
    static ServletResponse of(ServletResponse response) {
        ServletResponse inner = response;
        while (inner instanceof ServletResponseWrapper wrapper) {
            inner = wrapper.getResponse();
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

    /**
     * @param request a request, wrapped or not
     * @return whether it is Tomcat's
     */
    static boolean onTomcat(ServletRequest request) {
        return of(request).getClass().getName().startsWith(TOMCAT_PACKAGE);
    }

    /**
     * @param response a response, wrapped or not
     * @return whether it is Tomcat's
     */
    static boolean onTomcat(ServletResponse response) {
        return of(response).getClass().getName().startsWith(TOMCAT_PACKAGE);
    }
}
