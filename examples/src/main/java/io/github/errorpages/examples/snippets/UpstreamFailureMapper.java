package io.github.errorpages.examples.snippets;

import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Optional;

/**
 * docs/servlet-quick-start.md, "Spring MVC and JAX-RS applications": Jersey answers an exception no mapper takes
 * with its own {@code sendError(500)} before the filter sees it. This mapper names the upstream failure for the
 * filter instead, for synchronous and asynchronous resources alike.
 */
// snippet:jax-rs-mapper
@Provider
public class UpstreamFailureMapper implements ExceptionMapper<Throwable> {
    private static final FailureClassifier CLASSIFIER = FailureClassifier.ofDefaults();
    @Context private HttpServletRequest request;

    @Override
    public Response toResponse(Throwable thrown) {
        // Empty for no upstream failure, and for a failure of the request's own connection
        // (an upload stalled or cut short).
        Optional<UpstreamFailure> failure = ErrorPagesFilter.upstreamFailureOf(thrown, CLASSIFIER);
        if (failure.isEmpty()) {
            return thrown instanceof WebApplicationException web ? web.getResponse() : Response.serverError().build();
        }
        request.setAttribute(ErrorPagesFilter.FAILURE_ATTRIBUTE, failure.get());
        return Response.status(Response.Status.BAD_GATEWAY).build();
    }
}
// end-snippet
