package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.Filter;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A filter in front of the error pages' filter that adds to the response after the chain returned, as a session
 * filter saving its session or a security filter writing its headers does when the response is not committed yet:
 * the page has gone out by then, for a HEAD as for a GET, and carries none of it (R12, R15, R17, R41). A HEAD's page
 * has no body to commit it, nor a GET's whose length a compressing wrapper hides: Jetty and Tomcat let the filter add
 * a session cookie, a cookie, a second {@code Cache-Control} ({@code public, max-age=600}) and a second
 * {@code X-Frame-Options} to them.
 */
class FrontFilterAfterThePageIntegrationTests {

    /** Adds a session, a cookie and headers that contradict the page's, after the chain. */
    private static final Filter LATE_ADDITIONS = (request, response, chain) -> {
        chain.doFilter(request, response);
        HttpServletResponse http = (HttpServletResponse) response;
        if (!http.isCommitted()) {
            ((HttpServletRequest) request).getSession(true);
            http.addCookie(new Cookie("visited", "1"));
            http.addHeader("Cache-Control", "public, max-age=600");
            http.addHeader("X-Frame-Options", "SAMEORIGIN");
        }
    };

    /**
     * Hides the response's length from the container, as a compressing wrapper of the application's does (it
     * compresses what is written, to a length of its own): the page's GET was then not committed either.
     */
    private static final Filter LENGTH_HIDING = (request, response, chain) -> chain.doFilter(request,
            new HttpServletResponseWrapper((HttpServletResponse) response) {
                @Override
                public void setContentLength(int length) {
                    // the compressed length is not known yet
                }

                @Override
                public void setContentLengthLong(long length) {
                    // the compressed length is not known yet
                }
            });

    @ParameterizedTest(name = "{0} {1}, length hidden: {2}")
    @CsvSource({"jetty, GET, false", "jetty, HEAD, false", "tomcat, GET, false", "tomcat, HEAD, false",
        "jetty, GET, true", "tomcat, GET, true"})
    void pageCarriesNothingAFilterInFrontAddsAfterTheChain(String container, String method, boolean lengthHidden)
            throws Exception {
        HttpServlet failing = TestServlets.servlet((request, response) -> {
            throw new ConnectException("Connection refused");
        });
        Filter between = lengthHidden ? LENGTH_HIDING : (request, response, chain) -> chain.doFilter(request, response);
        Function<String, URI> uri;
        AutoCloseable server;
        if (container.equals("jetty")) {
            JettyServer jetty = new JettyServer().filter(LATE_ADDITIONS).filter(between)
                    .filter(new ErrorPagesFilter()).servlet("/orders", failing).start();
            uri = jetty::uri;
            server = jetty;
        } else {
            TomcatServer tomcat = TomcatServer.inCode().filter("late", LATE_ADDITIONS).filter("between", between)
                    .filter("errorPages", new ErrorPagesFilter()).servlet("/orders", failing).start();
            uri = tomcat::uri;
            server = tomcat;
        }
        try (server) {
            // The JSON page, shorter than any container's response buffer: the HTML one fills Tomcat's (8 KiB).
            HttpResponse<byte[]> response = Client.send(method, uri.apply("/orders"),
                    lengthHidden ? "application/problem+json" : "text/html");

            if (lengthHidden) { // sent chunked: the Content-Length PageAssertions wants is hidden
                assertThat(response.statusCode()).isEqualTo(502);
                assertThat(response.headers().allValues("Cache-Control")).as("R15, R16").containsExactly("no-store");
            } else {
                PageAssertions.assertErrorPage(response, method, 502, "\\d+");
            }
            assertThat(response.headers().allValues("Set-Cookie")).as("R17").isEmpty();
            assertThat(response.headers().allValues("Expires")).as("R15").isEmpty();
            assertThat(response.headers().allValues("X-Frame-Options")).as("R41").containsExactly("DENY");
        }
    }
    /**
     * A HEAD's page over HTTP/2 ends its stream, nothing added to it: flushed, its head went with a Content-Length
     * and no end of stream, and Jetty 12 never ended it (the client waited until it gave up).
     */
    @Test
    void headsPageOverHttp2EndsItsStreamWithNothingAdded() throws Exception {
        HttpServlet failing = TestServlets.servlet((request, response) -> {
            throw new ConnectException("Connection refused");
        });
        org.eclipse.jetty.client.HttpClient h2 = Http2Clients.started();
        try (JettyServer jetty = new JettyServer().h2c().filter(LATE_ADDITIONS).filter(new ErrorPagesFilter())
                .servlet("/orders", failing).start()) {
            // identity: Jetty's client decodes what it asked for gzipped, and the GET's length would be the page's
            ContentResponse get = h2.newRequest(jetty.h2cUri("/orders")).headers(fields -> fields.put("Accept",
                    "text/html").put("Accept-Encoding", "identity")).timeout(10, TimeUnit.SECONDS).send();
            ContentResponse head = h2.newRequest(jetty.h2cUri("/orders")).method("HEAD").headers(fields -> fields.put(
                    "Accept", "text/html").put("Accept-Encoding", "identity")).timeout(10, TimeUnit.SECONDS).send();

            assertThat(head.getStatus()).isEqualTo(502);
            assertThat(head.getHeaders().getLongField("Content-Length")).as("R12")
                    .isEqualTo(get.getContent().length);
            assertThat(head.getHeaders().getValuesList("Set-Cookie")).as("R17").isEmpty();
            assertThat(head.getHeaders().getValuesList("X-Frame-Options")).as("R41").containsExactly("DENY");
        } finally {
            h2.stop();
        }
    }
}
