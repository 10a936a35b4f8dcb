package io.github.errorpages.examples.snippets;

import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * docs/servlet-quick-start.md, "What the filter answers": an application down for planned maintenance that has the
 * filter answer with the maintenance page, whose {@code Retry-After} points at the announced end.
 */
public final class MaintenanceServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** When the maintenance is announced to end. */
    private final Instant maintenanceEnd;

    /**
     * @param maintenanceEnd when the maintenance is announced to end
     */
    public MaintenanceServlet(Instant maintenanceEnd) {
        this.maintenanceEnd = Objects.requireNonNull(maintenanceEnd, "maintenanceEnd");
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // snippet:maintenance-attribute
        // Down for planned maintenance: the maintenance page, its Retry-After at the end (unknown: Boolean.TRUE).
        request.setAttribute(ErrorPagesFilter.MAINTENANCE_ATTRIBUTE, maintenanceEnd);
        response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        // end-snippet
    }
}
