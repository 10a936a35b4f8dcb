package io.github.errorpages.examples.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.examples.Http;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo's control page on a real Jetty server, switching a real demo upstream. */
class DemoControlServletIntegrationTests {

    private final DemoUpstream upstream = DemoUpstream.start();
    private final AtomicInteger switches = new AtomicInteger();
    private final Server server = new Server();
    private URI control;

    @BeforeEach
    void start() throws Exception {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new DemoControlServlet(upstream, switches::incrementAndGet)), "/_demo");
        server.setHandler(context);
        server.start();
        control = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/_demo");
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        upstream.close();
    }

    @Test
    void pageOffersEveryModeAndMarksTheCurrentOne() {
        upstream.mode(DemoMode.SLOW);

        HttpResponse<String> page = Http.get(control, Http.BROWSER);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Cache-Control")).contains("no-store");
        for (DemoMode mode : DemoMode.values()) {
            assertThat(page.body()).contains("value=\"" + mode.slug() + "\"");
        }
        // The current mode is a state on its row, not a filled button that looks like the thing to click.
        assertThat(page.body()).containsOnlyOnce("aria-current=\"true\"")
                .contains("<li class=\"current\" aria-current=\"true\"><form method=\"post\" action=\"/_demo\"><input "
                        + "type=\"hidden\" name=\"mode\" value=\"slow\">");
        assertThat(page.body()).as("what the gateway answers in each mode")
                .contains("gateway: 502 connection_refused", "gateway: 504 after about 2 s");
        assertThat(page.body()).contains("curl -X POST 'http://" + control.getAuthority() + "/_demo?mode=unavailable'");
        assertThat(page.body()).doesNotContain("A link does not switch");
    }

    @Test
    void saysThatALinkWithAModeDoesNotSwitch() {
        HttpResponse<String> page = Http.get(URI.create(control + "?mode=slow"), Http.BROWSER);

        assertThat(page.body()).contains("A link does not switch the upstream");
        assertThat(upstream.mode()).isEqualTo(DemoMode.HEALTHY);
    }

    /**
     * The page opened as {@code /_demo?mode=slow} (the address the README and the banner print): its buttons post
     * to the page without that query, and the mode clicked wins over a query's even when both come.
     */
    @Test
    void buttonOnAPageOpenedWithAModeSwitchesToTheModeClicked() {
        HttpResponse<String> page = Http.get(URI.create(control + "?mode=slow"), Http.BROWSER);
        HttpResponse<String> clicked = Http.send(HttpRequest.newBuilder(URI.create(control + "?mode=slow"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("mode=refusing")).build());

        assertThat(page.body()).contains("<form method=\"post\" action=\"/_demo\">").doesNotContain("action=\"/_demo?");
        assertThat(clicked.statusCode()).isEqualTo(200);
        assertThat(upstream.mode()).isEqualTo(DemoMode.REFUSING);
    }

    /**
     * Another site's page can post a form to the demo on the reader's machine without a CORS preflight: refused,
     * by {@code Sec-Fetch-Site} where the browser sends it, else by {@code Origin}. The page itself, and curl,
     * still switch.
     */
    @Test
    void refusesASwitchPostedFromAnotherSite() {
        HttpResponse<String> crossSite = post("Sec-Fetch-Site", "cross-site");
        HttpResponse<String> otherOrigin = post("Origin", "https://evil.example");

        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(otherOrigin.statusCode()).isEqualTo(403);
        assertThat(upstream.mode()).isEqualTo(DemoMode.HEALTHY);
        assertThat(switches).hasValue(0);

        assertThat(post("Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(200);
        assertThat(post("Origin", "http://" + control.getAuthority()).statusCode()).isEqualTo(200);
        assertThat(switches).hasValue(2);
    }

    @Test
    void optionsNamesOnlyTheMethodsTheControlAnswers() {
        HttpResponse<String> options = Http.send(HttpRequest.newBuilder(control)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());

        assertThat(options.headers().firstValue("Allow")).hasValue("GET, HEAD, POST, OPTIONS");
    }

    private HttpResponse<String> post(String header, String value) {
        return Http.send(HttpRequest.newBuilder(URI.create(control + "?mode=garbage")).header(header, value)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    @Test
    void refusesOtherMethodsSayingWhichAreAllowed() {
        HttpResponse<String> put = Http.send(java.net.http.HttpRequest.newBuilder(control)
                .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build());

        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, POST, OPTIONS");
    }

    @Test
    void curlSwitchesTheModeAndGetsOneLineOfText() {
        HttpResponse<String> switched = Http.post(URI.create(control + "?mode=unavailable"), "*/*");

        assertThat(switched.statusCode()).isEqualTo(200);
        assertThat(switched.body()).isEqualTo("upstream mode: unavailable (answers 503 with Retry-After: 30)\n");
        assertThat(upstream.mode()).isEqualTo(DemoMode.UNAVAILABLE);
        assertThat(switches).hasValue(1);
    }

    @Test
    void browserIsSentBackToThePageWithSeeOther() {
        HttpResponse<String> switched = Http.post(URI.create(control + "?mode=garbage"), Http.BROWSER);

        assertThat(switched.statusCode()).isEqualTo(303);
        assertThat(switched.headers().firstValue("Location")).hasValueSatisfying(location ->
                assertThat(location).endsWith("/_demo"));
        assertThat(upstream.mode()).isEqualTo(DemoMode.GARBAGE);
    }

    /** A mode Jetty cannot decode is one more unknown mode, not the container's page naming its exceptions. */
    @Test
    void undecodableModeIsABadRequestLikeAnUnknownOne() throws IOException {
        // java.net.URI refuses "%ZZ" in a query: those requests go as raw bytes.
        String inQuery = raw("POST /_demo?mode=%ZZ HTTP/1.1\r\nHost: demo\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n");
        HttpResponse<String> inForm = Http.send(HttpRequest.newBuilder(control)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("mode=%ZZ")).build());
        String page = raw("GET /_demo?mode=%ZZ HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n");

        assertThat(inQuery).startsWith("HTTP/1.1 400 ").contains("Unknown mode").doesNotContain("Exception", "jetty");
        assertThat(inForm.statusCode()).isEqualTo(400);
        assertThat(inForm.body()).contains("Unknown mode").doesNotContain("Exception", "jetty");
        assertThat(page).startsWith("HTTP/1.1 200 ").contains("A link does not switch the upstream");
        assertThat(upstream.mode()).isEqualTo(DemoMode.HEALTHY);
        assertThat(switches).hasValue(0);
    }

    /** Sends a request as it is written, and reads the whole response (the request asks to close). */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket(control.getHost(), control.getPort())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void unknownModeIsABadRequestAndChangesNothing() {
        HttpResponse<String> refused = Http.post(URI.create(control + "?mode=on-fire"), "*/*");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("Unknown mode", "healthy", "flapping");
        assertThat(upstream.mode()).isEqualTo(DemoMode.HEALTHY);
        assertThat(switches).hasValue(0);
    }
}
