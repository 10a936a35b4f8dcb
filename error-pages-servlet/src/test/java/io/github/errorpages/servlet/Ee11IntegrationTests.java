package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.servlet.internal.JettyStreamFailures;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The filter and the reverse proxy on Jetty 12.1's ee11 environment (Servlet 6.1), where a response differs from
 * ee10's: the container takes a {@code Content-Type} set as a header field for {@code setContentType}.
 */
class Ee11IntegrationTests {

    private static final String PAGE = "<!DOCTYPE html><meta charset=utf-8><p>Z\u00fcrich</p>";

    private static FaultyUpstream upstream;
    private static Server server;
    private static ServerConnector connector;

    @BeforeAll
    static void start() throws Exception {
        upstream = FaultyUpstream.start(exchange -> {
            String target = exchange.request().target();
            String type = target.substring(target.lastIndexOf('/') + 1).replace('_', '/');
            if (target.startsWith("/twice/")) {
                // Invalid for a singleton field, but sent (a front proxy's add_header and the application's own).
                exchange.respond(200, PAGE, "Content-Type", type, "Content-Type", type);
            } else {
                exchange.respond(200, PAGE, "Content-Type", type);
            }
        });
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        for (ProxyTransport transport : List.of(ProxyTransport.JETTY, ProxyTransport.JDK)) {
            ServletHolder proxy = new ServletHolder(ReverseProxyServlet.builder(UpstreamGuard.of(
                    UpstreamConfig.builder("pages-" + transport).endpoints(upstream.uri()).build()))
                    .transport(transport).build());
            proxy.setAsyncSupported(true);
            context.addServlet(proxy, "/" + transport.name().toLowerCase(java.util.Locale.ROOT) + "/*");
        }
        FilterHolder filter = new FilterHolder(new ErrorPagesFilter());
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/app/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        context.addServlet(new ServletHolder(TestServlets.servlet((request, response) -> {
            throw new ConnectException("Connection refused");
        })), "/app/refused");
        ServletHolder writeListenerThrowsAfterCommit = new ServletHolder(TestServlets.writeListenerThrowsAfterCommit());
        writeListenerThrowsAfterCommit.setAsyncSupported(true);
        context.addServlet(writeListenerThrowsAfterCommit, "/app/write-listener-throws-after-commit");
        ServletHolder readListenerThrowsAfterCommit = new ServletHolder(TestServlets.readListenerThrowsAfterCommit());
        readListenerThrowsAfterCommit.setAsyncSupported(true);
        context.addServlet(readListenerThrowsAfterCommit, "/app/read-listener-throws-after-commit");
        context.addServlet(new ServletHolder(TestServlets.servlet((request, response) -> response.getWriter()
                .print(JettyStreamFailures.listen(new HttpServletRequestWrapper(request), failure -> {
                })))), "/listen");
        server.setHandler(context);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
        upstream.close();
    }

    /** An application's upstream failure behind the filter: the page (R1, R2), on ee11 as on ee10 and Tomcat. */
    @ParameterizedTest
    @ValueSource(strings = {"text/html", "application/problem+json", "text/plain"})
    void failureBehindTheFilterIsThePage(String accept) {
        HttpResponse<byte[]> response = Client.get(
                URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app/refused"), accept);

        PageAssertions.assertErrorPage(response, "GET", 502, "\\d+");
        // JSON has no charset parameter (RFC 8259 §11); text goes in UTF-8, and says so.
        assertThat(PageAssertions.contentType(response))
                .isEqualTo(accept.endsWith("json") ? accept : accept + ";charset=utf-8");
    }

    /**
     * An upstream failure a {@code WriteListener} throws after it committed the response with the first part of the
     * body aborts the response on ee11 as on ee10 (R5): ee11's own {@code HttpOutput} also tells it only to the
     * listener's {@code onError} and then closes the stream, which would end the body as if whole; the filter knows
     * ee11's response for Jetty's and aborts it through its {@code sendError(-1)}: the last chunk never comes, and the
     * incident is logged once, at WARN, without an "error page" line.
     */
    @Test
    void anUpstreamFailureAWriteListenerThrowsAfterCommitCutsTheBodyShort() {
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(Client.rawExchange(connector.getLocalPort(), "GET "
                + "/app/write-listener-throws-after-commit HTTP/1.1\r\nHost: test\r\nAccept: application/json"
                + "\r\n\r\n")));

        AbortedAfterCommit.assertCutShort(answer.get(), "first part");
        AbortedAfterCommit.assertLoggedOnce(log, "GET /app/write-listener-throws-after-commit");
    }

    /**
     * The same from a {@code ReadListener}'s {@code onAllDataRead} (ee11's own {@code HttpInput} tells it only to the
     * listener's {@code onError}, whose {@code complete()} would end the body as if whole).
     */
    @Test
    void anUpstreamFailureAReadListenerThrowsAfterCommitCutsTheBodyShort() {
        AtomicReference<String> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(Client.rawExchange(connector.getLocalPort(), "POST "
                + "/app/read-listener-throws-after-commit HTTP/1.1\r\nHost: test\r\nAccept: application/json\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nitems=3")));

        AbortedAfterCommit.assertCutShort(answer.get(), "partial");
        AbortedAfterCommit.assertLoggedOnce(log, "POST /app/read-listener-throws-after-commit");
    }

    /**
     * The proxy hears of a client's stream reset on ee11 as on ee10 (where the h2c tests show what it does with it):
     * Jetty's failure listener is reached through ee11's own {@code ServletContextRequest}, from a wrapped request.
     */
    @Test
    void streamFailuresAreListenedTo() {
        HttpResponse<byte[]> response = Client.get(
                URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/listen"), "text/plain");

        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("true");
    }

    /**
     * The upstream's Content-Type relayed as it sent it (RFC 9110 §8.3): ee11 added the charset it infers for the type
     * ("text/html;charset=utf-8", "text/plain;charset=iso-8859-1"), which overrides any the body names itself: the
     * UTF-8 "Zürich" of a text/plain body the client decodes as ISO-8859-1 is "ZÃ¼rich".
     */
    @ParameterizedTest(name = "{0} transport, {1}")
    @CsvSource({"jetty, text/html", "jetty, text/plain", "jetty, text/xml", "jdk, text/html", "jdk, text/plain",
        "jetty, text/plain;charset=utf-8"})
    void upstreamsContentTypeIsRelayedAsSent(String transport, String contentType) {
        URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/" + transport + "/"
                + contentType.replace('/', '_'));

        HttpResponse<byte[]> response = Client.get(uri, "text/html");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().allValues("Content-Type")).containsExactly(contentType);
        assertThat(response.body()).isEqualTo(PAGE.getBytes(StandardCharsets.UTF_8));
    }

    /** The same for a Content-Type the upstream repeats: a client reads the last, which got the inferred charset. */
    @ParameterizedTest(name = "{0} transport")
    @ValueSource(strings = {"jetty", "jdk"})
    void upstreamsRepeatedContentTypeIsRelayedAsSent(String transport) {
        URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/" + transport + "/twice/text_plain");

        HttpResponse<byte[]> response = Client.get(uri, "text/html");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().allValues("Content-Type")).isNotEmpty().containsOnly("text/plain");
        assertThat(response.body()).isEqualTo(PAGE.getBytes(StandardCharsets.UTF_8));
    }
}
