package io.github.errorpages.servlet;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A web application's own filter, declared by class name in a test {@code web.xml}: it sets
 * {@code X-Application-Filter: seen} on every response before the chain, so that a test sees it ran. Uses nothing but
 * the Servlet API, so that it can be copied into a web application's {@code WEB-INF/classes} on its own.
 */
public final class ApplicationHeaderFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    /** Containers instantiate it by class name. */
    public ApplicationHeaderFilter() {
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        response.setHeader("X-Application-Filter", "seen");
        chain.doFilter(request, response);
    }
}
