package io.github.errorpages.examples.snippets;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.time.Duration;
import java.util.EnumSet;

/**
 * docs/servlet-quick-start.md, "Programmatic, with the builder" (and the README): a branded
 * {@link ErrorPagesFilter} built in code, registered from a listener.
 */
public final class FilterBuilderListener implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        // snippet:filter-builder
        ErrorPages errorPages = ErrorPages.builder()
                .config(ErrorPagesConfig.builder()
                        .retryAfterMax(Duration.ofMinutes(10))
                        .build())
                .pageConfig(PageConfig.builder()
                        .branding(Branding.builder()
                                .siteName("Acme Travel")
                                .primaryColor("#0b5cad")
                                .supportEmail("help@acme.example")
                                .statusPageUrl("https://status.acme.example")
                                .build())
                        .build())
                .build();

        FilterRegistration.Dynamic registration = event.getServletContext()
                .addFilter("errorPages", ErrorPagesFilter.builder().errorPages(errorPages).build());
        registration.setAsyncSupported(true);
        registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC), false, "/*");
        // end-snippet
        // For ProxyServletListener: the proxy answers its own failures, with the same pages.
        event.getServletContext().setAttribute(ErrorPages.class.getName(), errorPages);
    }
}
