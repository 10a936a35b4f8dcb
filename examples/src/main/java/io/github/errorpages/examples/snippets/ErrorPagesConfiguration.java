package io.github.errorpages.examples.snippets;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.servlet.ErrorPagesFilter;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * docs/servlet-quick-start.md, "Spring Boot": the filter and a proxy route of a Spring Boot application, as
 * registration beans, until the starter ships. Spring Boot's embedded Tomcat and Jetty run no
 * {@code ServletContainerInitializer} of a jar, so the servlet jar's auto-registration does not happen there; and a
 * filter declared as a plain {@code @Bean} is mapped for {@code REQUEST} only, which leaves out the {@code ASYNC}
 * dispatch of a controller's {@code Callable} or {@code DeferredResult}.
 */
@Configuration(proxyBeanMethods = false)
public class ErrorPagesConfiguration {

    // snippet:spring-boot-filter
    @Bean
    ErrorPages errorPages() {
        return ErrorPages.builder()
                .pageConfig(PageConfig.builder()
                        .branding(Branding.builder().siteName("Acme Travel").build())
                        .build())
                .build();
    }

    @Bean
    FilterRegistrationBean<ErrorPagesFilter> errorPagesFilter(ErrorPages errorPages) {
        FilterRegistrationBean<ErrorPagesFilter> registration =
                new FilterRegistrationBean<>(ErrorPagesFilter.builder().errorPages(errorPages).build());
        // For /* and with async support by default; a plain @Bean of the filter would be REQUEST only.
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE); // in front of the application's filters
        return registration;
    }
    // end-snippet

    // snippet:spring-boot-proxy
    @Bean
    ServletRegistrationBean<ReverseProxyServlet> ordersProxy(ErrorPages errorPages,
            @Value("${orders.endpoint}") URI endpoint) {
        UpstreamGuard orders = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(endpoint)
                .attemptTimeout(Duration.ofSeconds(5))
                .deadline(Duration.ofSeconds(12))
                .build());
        ServletRegistrationBean<ReverseProxyServlet> registration = new ServletRegistrationBean<>(
                ReverseProxyServlet.builder(orders).errorPages(errorPages).build(), "/orders/*");
        registration.setLoadOnStartup(1); // started with the application, not at its first request
        return registration;
    }
    // end-snippet
}
