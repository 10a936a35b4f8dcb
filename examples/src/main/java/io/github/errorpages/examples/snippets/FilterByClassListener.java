package io.github.errorpages.examples.snippets;

import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.EnumSet;

/**
 * docs/servlet-quick-start.md, "Programmatic, with init-parameters": registers {@link ErrorPagesFilter} by
 * class from a listener, configured with the same init-parameters {@code web.xml} would give it.
 */
public final class FilterByClassListener implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        // snippet:filter-by-class
        ServletContext context = event.getServletContext();
        FilterRegistration.Dynamic errorPages = context.addFilter("errorPages", ErrorPagesFilter.class);
        errorPages.setInitParameter("retry-after.max", "10m");
        errorPages.setInitParameter("robots-txt.fallback", "User-agent: *\nDisallow:\n");
        errorPages.setAsyncSupported(true);
        errorPages.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC), false, "/*");
        // end-snippet
    }
}
