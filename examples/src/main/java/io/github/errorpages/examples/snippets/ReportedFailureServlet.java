package io.github.errorpages.examples.snippets;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * docs/servlet-quick-start.md, "What the filter answers": an application that sets an intercepted status
 * itself and names the real cause, so that the page, its error code and the log line say what happened.
 */
public final class ReportedFailureServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // snippet:failure-attribute
        // Our own search pool is full: say so, rather than a bare 503. No attempt reached the upstream.
        request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE,
                UpstreamFailure.builder(FailureCause.CONNECTION_LIMIT_REACHED).upstream("search").attempts(0).build());
        response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        // end-snippet
    }
}
