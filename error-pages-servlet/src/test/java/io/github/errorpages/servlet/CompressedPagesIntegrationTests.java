package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.Client.BROWSER_ACCEPT;
import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The page goes gzip-compressed to a browser over real sockets (RFC 9110 §8.4, §12.5.3): {@code Content-Length}
 * is the compressed length, HEAD gets the GET's headers (R12), and behind Jetty's own {@code GzipHandler} the
 * page is compressed once, not twice.
 */
class CompressedPagesIntegrationTests {

    private static final String[] BROWSER_HEADERS = {"Accept-Encoding", "gzip, deflate, br, zstd", "X-Request-Id", "req-42"};
    private static JettyServer jetty;
    private static JettyServer behindGzipHandler;

    @BeforeAll
    static void start() {
        jetty = mount(new JettyServer()).start();
        behindGzipHandler = mount(new JettyServer().gzipHandler()).start();
    }

    @AfterAll
    static void stop() {
        jetty.close();
        behindGzipHandler.close();
    }

    private static JettyServer mount(JettyServer server) {
        server.filter(ErrorPagesFilter.builder().build());
        server.servlet("/send-error-502", servlet((request, response) -> response.sendError(502)));
        server.servlet("/long-text", servlet((request, response) -> {
            response.setContentType("text/plain");
            response.getWriter().write("a page long enough for GzipHandler to compress\n".repeat(100));
        }));
        return server;
    }

    @Test
    void aBrowserGetsThePageCompressedWithItsCompressedLength() throws IOException {
        HttpResponse<byte[]> response = Client.send("GET", jetty.uri("/send-error-502"), BROWSER_ACCEPT, BROWSER_HEADERS);

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Encoding")).contains("gzip");
        assertThat(response.headers().firstValue("Vary")).contains("Accept, Accept-Language, Accept-Encoding");
        assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(response.body().length);
        String page = Client.gunzip(response.body());
        assertThat(page).startsWith("<!DOCTYPE html>").contains("req-42").endsWith("</html>\n");
        assertThat(response.body().length).isLessThan(page.getBytes(StandardCharsets.UTF_8).length / 2);
    }

    @Test
    void aHeadRequestGetsTheCompressedGetsHeadersAndNoBody() throws IOException { // R12
        HttpResponse<byte[]> get = Client.send("GET", jetty.uri("/send-error-502"), BROWSER_ACCEPT, BROWSER_HEADERS);
        HttpResponse<byte[]> head = Client.send("HEAD", jetty.uri("/send-error-502"), BROWSER_ACCEPT, BROWSER_HEADERS);

        assertThat(head.statusCode()).isEqualTo(502);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Encoding")).contains("gzip");
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(get.body().length);
    }

    @Test
    void aClientThatSendsNoAcceptEncodingGetsThePageUncompressed() throws IOException {
        HttpResponse<byte[]> response = Client.send("GET", jetty.uri("/send-error-502"), BROWSER_ACCEPT);

        assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(response.headers().firstValue("Vary")).contains("Accept, Accept-Language, Accept-Encoding");
        assertThat(Client.text(response)).startsWith("<!DOCTYPE html>");
    }

    @Test
    void behindJettysGzipHandlerThePageIsCompressedOnce() throws IOException {
        HttpResponse<byte[]> text = Client.send("GET", behindGzipHandler.uri("/long-text"), "text/plain", BROWSER_HEADERS);
        assertThat(text.headers().firstValue("Content-Encoding")).as("the GzipHandler is at work").contains("gzip");

        HttpResponse<byte[]> page = Client.send("GET", behindGzipHandler.uri("/send-error-502"), BROWSER_ACCEPT,
                BROWSER_HEADERS);

        assertThat(page.statusCode()).isEqualTo(502);
        assertThat(page.headers().allValues("Content-Encoding")).containsExactly("gzip");
        assertThat(Client.gunzip(page.body())).startsWith("<!DOCTYPE html>").contains("req-42");
    }
}
