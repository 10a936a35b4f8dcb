package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Clients at once, each on a connection of its own, get whole pages of their own. The filter writes each page from
 * an array of its container thread's own, which the thread fills again for its next page (ThreadBodies): a page
 * written from another response's array, or from one being filled meanwhile, would carry another response's support
 * code or a mix of two pages. (Real Jetty 12, real sockets, the JDK's client. No rule of standards.md of its own:
 * a support code per response, the one its log line has, is the mission's.)
 */
class PagesUnderConcurrencyIntegrationTests {

    private static final int CLIENTS = 8;
    private static final int REQUESTS_EACH = 100;
    private static final Pattern SUPPORT_CODE = Pattern.compile("[0-9A-Z]{4}-[0-9A-Z]{4}");

    @Test
    void everyClientGetsAWholePageWithASupportCodeOfItsOwn() throws Exception {
        List<String> pages = new ArrayList<>();
        try (JettyServer server = new JettyServer()) {
            server.filter(ErrorPagesFilter.builder().build());
            server.servlet("/orders", servlet((request, response) -> {
                throw new IOException("the orders call failed", new ConnectException("Connection refused"));
            }));
            server.start();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<Future<List<String>>> perClient = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    boolean gzip = c % 2 == 0; // half of them as browsers, which get the page compressed
                    perClient.add(clients.submit(() -> requestPages(server, gzip)));
                }
                for (Future<List<String>> client : perClient) {
                    pages.addAll(client.get(2, TimeUnit.MINUTES));
                }
            } finally {
                clients.shutdownNow();
            }
        }

        Set<String> supportCodes = new HashSet<>();
        Set<String> shapes = new HashSet<>();
        for (String page : pages) {
            Matcher code = SUPPORT_CODE.matcher(page);
            assertThat(code.find()).as("a support code on the page").isTrue();
            supportCodes.add(code.group());
            assertThat(page.strip()).endsWith("</html>");
            // All but the response's own values: its support code, problem instance, and the digits of its times.
            shapes.add(page.replace(code.group(), "SUPPORT-CODE").replaceAll("urn:uuid:[0-9a-f-]{36}", "INSTANCE")
                    .replaceAll("[0-9]", "0"));
        }
        assertThat(pages).hasSize(CLIENTS * REQUESTS_EACH);
        assertThat(supportCodes).as("support codes, one per response").hasSize(pages.size());
        assertThat(shapes).as("pages but for their own values, compressed or not").hasSize(1);
    }

    private static List<String> requestPages(JettyServer server, boolean gzip) {
        HttpClient client = Client.ofItsOwn();
        List<String> pages = new ArrayList<>();
        for (int i = 0; i < REQUESTS_EACH; i++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/orders"));
            if (gzip) {
                request.header("Accept-Encoding", "gzip");
            }
            HttpResponse<byte[]> response = Client.send(client, request, "text/html");
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.headers().firstValue("Content-Encoding").isPresent()).isEqualTo(gzip);
            pages.add(gzip ? Client.gunzip(response.body()) : new String(response.body(), StandardCharsets.UTF_8));
        }
        return pages;
    }
}
