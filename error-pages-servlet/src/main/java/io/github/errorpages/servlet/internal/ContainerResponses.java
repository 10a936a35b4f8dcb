package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;

/**
 * The container's own response below every wrapper, by which the module tells the container it runs in (it depends on
 * none).
 *
 * <p>Static methods only; thread-safe.
 */
final class ContainerResponses {

    private static final String TOMCAT_PACKAGE = "org.apache.catalina.";

    private ContainerResponses() {
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
     * @param response a response, wrapped or not
     * @return whether it is Tomcat's
     */
    static boolean onTomcat(ServletResponse response) {
        return of(response).getClass().getName().startsWith(TOMCAT_PACKAGE);
    }
}
