package io.github.errorpages.servlet;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Answers with the status named by its init-parameter {@code status} through {@code sendError}: a servlet
 * declared by class name in a test {@code web.xml}, so it must be public.
 */
public final class StatusServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** Containers instantiate it by class name. */
    public StatusServlet() {
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.sendError(Integer.parseInt(getInitParameter("status")));
    }
}
