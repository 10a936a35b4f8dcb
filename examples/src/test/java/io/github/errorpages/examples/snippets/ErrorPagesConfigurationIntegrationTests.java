package io.github.errorpages.examples.snippets;

import static io.github.errorpages.examples.Http.BROWSER;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.examples.Http;
import io.github.errorpages.examples.upstream.DemoMode;
import io.github.errorpages.examples.upstream.DemoUpstream;
import io.github.errorpages.servlet.ErrorPagesFilter;
import io.github.errorpages.servlet.ReverseProxyServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;

/**
 * The Spring Boot snippet of docs/servlet-quick-start.md ({@link ErrorPagesConfiguration}): its registration beans
 * applied to a real Tomcat as Spring Boot's embedded container applies them (each bean's {@code onStartup} with the
 * context, from the one initializer Boot runs, none of the jars'), in front of an application servlet that fails as
 * a controller's {@code Callable} does (in its {@code ASYNC} dispatch) and of the proxy route, against a real demo
 * upstream on loopback.
 */
class ErrorPagesConfigurationIntegrationTests {

    private static final String EMPTY_WEB_XML = """
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"/>
            """;

    private final DemoUpstream upstream = DemoUpstream.start();

    @AfterEach
    void stopUpstream() {
        upstream.close();
    }

    /**
     * The user sees the branded page, with the failure's status and {@code Retry-After} (R2), for the proxy route and
     * for an upstream failure the application throws in an async dispatch; the healthy route's 200 is the upstream's.
     * Mapped for {@code REQUEST} only (a plain {@code @Bean} of the filter), the async failure was Tomcat's 500.
     */
    @Test
    void registrationBeansOfTheDocsAnswerTheProxysAndAnAsyncControllersFailuresWithTheBrandedPage() throws Exception {
        ErrorPagesConfiguration configuration = new ErrorPagesConfiguration();
        ErrorPages errorPages = configuration.errorPages();
        FilterRegistrationBean<ErrorPagesFilter> filter = configuration.errorPagesFilter(errorPages);
        ServletRegistrationBean<ReverseProxyServlet> proxy = configuration.ordersProxy(errorPages, upstream.uri());
        assertThat(filter.getUrlPatterns()).as("mapped for /* by default").isEmpty();
        assertThat(filter.isAsyncSupported()).isTrue();
        assertThat(proxy.isAsyncSupported()).isTrue();
        try (TomcatWebApp app = new TomcatWebApp(TomcatWebApp.webApp(EMPTY_WEB_XML))
                .initializer((classes, context) -> {
                    filter.onStartup(context);
                    proxy.onStartup(context);
                })
                .servlet("/api/stock", new FailingInItsAsyncDispatchServlet())
                .start()) {

            HttpResponse<String> orders = Http.get(app.uri("/orders/42"), BROWSER);
            assertThat(orders.statusCode()).isEqualTo(200);
            assertThat(orders.body()).contains("Your orders");

            upstream.mode(DemoMode.REFUSING);
            HttpResponse<String> proxied = Http.get(app.uri("/orders/42"), BROWSER);
            assertThat(proxied.statusCode()).isEqualTo(502);
            assertThat(proxied.headers().firstValue("Retry-After")).contains("10");
            assertThat(proxied.body()).contains("<title>Page not available – Acme Travel</title>");

            HttpResponse<String> page = Http.get(app.uri("/api/stock"), BROWSER);
            assertThat(page.statusCode()).isEqualTo(502);
            assertThat(page.headers().firstValue("Retry-After")).contains("10");
            assertThat(page.body()).contains("<title>Page not available – Acme Travel</title>")
                    .doesNotContain("ConnectException", "Tomcat");
            HttpResponse<String> problem = Http.get(app.uri("/api/stock"), "application/json");
            assertThat(Http.contentType(problem)).isEqualTo("application/problem+json");
            assertThat(Http.member(problem.body(), "code")).contains("connection_refused");
        }
    }

    /**
     * Starts an async cycle and dispatches it, as Spring MVC does for a controller's {@code Callable}, and throws its
     * upstream's failure in the {@code ASYNC} dispatch, as {@code DispatcherServlet} throws what the controller threw.
     */
    static final class FailingInItsAsyncDispatchServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws ServletException {
            if (request.getDispatcherType() == DispatcherType.ASYNC) {
                throw new ServletException("Request processing failed",
                        new ConnectException("Connection refused"));
            }
            request.startAsync().dispatch();
        }
    }
}
