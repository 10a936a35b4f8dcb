package io.github.errorpages.examples.snippets;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.net.URI;
import java.time.Duration;

/**
 * docs/servlet-quick-start.md, "The reverse-proxy servlet" (and the README): a gateway route to one
 * upstream with two endpoints, built in code, answering its failures with the same branded pages as the filter
 * ({@link FilterBuilderListener}, which leaves its {@link ErrorPages} in a context attribute for it, when it ran first;
 * alone, the built-in pages). The endpoints come from the context parameter {@code orders.endpoints} here, so that
 * the snippet runs as it is shown.
 */
public final class ProxyServletListener implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        String[] endpoints = event.getServletContext().getInitParameter("orders.endpoints").split(",");
        URI orders1 = URI.create(endpoints[0]);
        URI orders2 = URI.create(endpoints[1]);
        // The filter's pages when its listener ran first (declare it first: web.xml runs listeners in order, a
        // container annotated ones in no order it promises), else the built-in ones.
        Object filters = event.getServletContext().getAttribute(ErrorPages.class.getName());
        ErrorPages errorPages = filters instanceof ErrorPages pages ? pages : ErrorPages.ofDefaults();
        // snippet:proxy-builder
        UpstreamGuard orders = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(orders1, orders2)               // both take calls, in turn; a retry goes to the other
                .attemptTimeout(Duration.ofSeconds(5))     // until the response headers, per attempt
                .deadline(Duration.ofSeconds(12))          // all attempts together
                .build());

        ServletRegistration.Dynamic proxy = event.getServletContext()
                .addServlet("orders", ReverseProxyServlet.builder(orders).errorPages(errorPages).build());
        proxy.setAsyncSupported(true);
        proxy.addMapping("/orders/*");                     // /orders/42 -> <endpoint>/42
        // end-snippet
        event.getServletContext().setAttribute(UpstreamGuard.class.getName(), orders);
    }
}
