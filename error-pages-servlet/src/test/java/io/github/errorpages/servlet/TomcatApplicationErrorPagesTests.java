package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.ServletOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ErrorPagesFilter and ReverseProxyServlet on a Tomcat whose application has error pages of its own, and with the
 * filter mapped as {@code web.xml} maps one without {@code <dispatcher>}: for {@code REQUEST} only.
 */
class TomcatApplicationErrorPagesTests {

    private static final String APPLICATION_PAGE = "[the application's error page]";
    private static final int CUT_AFTER = 50_000;
    private static FaultyUpstream cutting;
    /** With an application error page for {@code Throwable}. */
    private static TomcatServer throwablePage;
    /** With a default application error page (a location only, as Spring Boot registers one). */
    private static TomcatServer defaultPage;
    /** The filter for REQUEST only, no error page. */
    private static TomcatServer requestOnly;

    @BeforeAll
    static void start() {
        // A chunked body that breaks off after its first chunk.
        cutting = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(CUT_AFTER) + "\r\n"
                    + "x".repeat(CUT_AFTER) + "\r\n");
            exchange.closeConnection();
        });
        throwablePage = withApplication(TomcatServer.inCode().errorPage(Throwable.class, "/app-error")).start();
        defaultPage = withApplication(TomcatServer.inCode().errorPage(null, "/app-error")).start();
        requestOnly = TomcatServer.inCode().filter("errorPages", ErrorPagesFilter.builder().build(), "REQUEST")
                .servlet("/send-error-503", servlet((request, response) -> {
                    response.setHeader("Retry-After", "45");
                    response.sendError(503);
                }))
                .servlet("/forward/*", servlet((request, response) ->
                        request.getRequestDispatcher(request.getPathInfo()).forward(request, response)))
                .start();
    }

    private static TomcatServer withApplication(TomcatServer tomcat) {
        return tomcat
                .servlet("/proxy-jetty/*", proxy(ProxyTransport.JETTY))
                .servlet("/proxy-jdk/*", proxy(ProxyTransport.JDK))
                .filter(ErrorPagesFilter.builder().build())
                .servlet("/committed-then-upstream-failure", servlet((request, response) -> {
                    ServletOutputStream out = response.getOutputStream();
                    out.write("x".repeat(CUT_AFTER).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    throw new UpstreamFailureException(UpstreamFailure.of(FailureCause.CONNECTION_TERMINATED), null);
                }))
                .servlet("/app-error", servlet((request, response) -> response.getWriter().write(APPLICATION_PAGE)));
    }

    private static ReverseProxyServlet proxy(ProxyTransport transport) {
        return ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("downloads")
                .endpoints(cutting.uri()).build())).transport(transport).build();
    }

    @AfterAll
    static void stop() {
        throwablePage.close();
        defaultPage.close();
        requestOnly.close();
        cutting.close();
    }

    static Stream<Arguments> pathsUnderErrorPages() {
        return Stream.of("/committed-then-upstream-failure", "/proxy-jetty/archive.bin", "/proxy-jdk/archive.bin")
                .flatMap(path -> Stream.of(Arguments.of("Throwable", path), Arguments.of("default", path)));
    }

    /**
     * R5 whatever error pages the application has: Tomcat includes an error page that matches the exception of a
     * committed response into it and ends it as if it were whole (with a writer-based page, the body's last chunk
     * and a kept-alive connection; with a stream-based one, the page appended to the body). Its own
     * ClientAbortException, which the abort is thrown as on Tomcat, is matched by none.
     */
    @ParameterizedTest(name = "{0} error page, {1}")
    @MethodSource("pathsUnderErrorPages")
    void aResponseCommittedBeforeTheFailureIsAbortedWhateverErrorPageMatches(String errorPage, String path) {
        TomcatServer tomcat = errorPage.equals("Throwable") ? throwablePage : defaultPage;

        String[] raw = new String[1];
        String log = StandardError.capture(() -> raw[0] = rawGet(tomcat.uri(path)));

        assertThat(raw[0]).startsWith("HTTP/1.1 200 ").contains("x".repeat(1000))
                .doesNotContain(APPLICATION_PAGE, "ResponseAbortedException", "ClientAbortException")
                .as("no last chunk: the body does not look whole").doesNotEndWith("\r\n0\r\n\r\n");
        assertThat(log).containsOnlyOnce("aborted: upstream failure");
    }

    /**
     * With the filter mapped for REQUEST only, a status the target of a forward sets cannot be turned into the page:
     * Tomcat calls the response committed when the forward returns. The application's status goes out, not Tomcat's
     * 500 report naming this library's exception, and the log says what to change.
     */
    @Test
    void aStatusAForwardSetsReachesTheClientWhenTheFilterIsNotMappedForForward() {
        AtomicReference<HttpResponse<byte[]>> answer = new AtomicReference<>();
        String log = StandardError.capture(() -> answer.set(Client.get(requestOnly.uri("/forward/send-error-503"),
                "application/json")));

        assertThat(answer.get().statusCode()).isEqualTo(503);
        assertThat(answer.get().headers().firstValue("Retry-After")).hasValue("45");
        assertThat(Client.text(answer.get())).doesNotContain("Exception", "Tomcat");
        assertThat(log).contains("The error page for the 503 of GET /forward/send-error-503 could not be written")
                .contains("register ErrorPagesFilter for the FORWARD dispatcher type too")
                .doesNotContain("aborted");
        HttpResponse<byte[]> direct = Client.get(requestOnly.uri("/send-error-503"), "application/json");
        assertThat(Client.text(direct)).as("the page, where no forward is in the way").contains("\"status\": 503");
    }

    /** The raw bytes of a GET's answer, up to the connection's close; fails if the server keeps it open. */
    private static String rawGet(URI uri) {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getAuthority()
                    + "\r\nAccept: text/html\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    received.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException keptOpen) {
                fail("the connection was kept open after: " + received.toString(StandardCharsets.ISO_8859_1));
            } catch (IOException reset) {
                // a reset ends it as well as a close
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
