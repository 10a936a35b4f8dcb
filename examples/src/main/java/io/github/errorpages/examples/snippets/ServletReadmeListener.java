package io.github.errorpages.examples.snippets;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.servlet.ErrorPagesFilter;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;

/**
 * error-pages-servlet/README.md: the filter registered in code for the statuses it answers, and the reverse proxy
 * in front of an upstream of two endpoints, answering its failures with the same pages.
 */
public final class ServletReadmeListener implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext servletContext = event.getServletContext();
        ErrorPages pages = ErrorPages.ofDefaults();
        // snippet:servlet-readme-filter
        FilterRegistration.Dynamic errorPages = servletContext.addFilter("errorPages",
                ErrorPagesFilter.builder().errorPages(pages).interceptedStatuses(List.of(502, 503, 504)).build());
        errorPages.setAsyncSupported(true);
        errorPages.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC), false, "/*");
        // end-snippet

        // snippet:servlet-readme-proxy
        UpstreamGuard billing = UpstreamGuard.of(UpstreamConfig.builder("billing")
                .endpoints(URI.create("http://10.0.0.7:8080/api"), URI.create("http://10.0.0.8:8080/api"))
                .build());
        ServletRegistration.Dynamic proxy = servletContext.addServlet("billing",
                ReverseProxyServlet.builder(billing).errorPages(pages).build());
        proxy.setAsyncSupported(true); // no container thread waits for the upstream (Jetty's client, below)
        proxy.addMapping("/billing/*");
        // end-snippet
    }
}
