package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyHeaders} on real requests parsed by Jetty: raw HTTP in, the fields the proxy would send
 * upstream (or give the client) out.
 */
class ProxyHeadersIntegrationTests {

    private static final String PSEUDONYM = "error-pages-k3y9x2ab";
    private static Server server;
    private static LocalConnector connector;

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                StringBuilder out = new StringBuilder();
                ProxyHeaders.towardUpstream(request, "1.1 " + PSEUDONYM, (name, value) -> out.append(name).append(": ")
                        .append(value).append('\n'));
                out.append("passed: ").append(ProxyHeaders.hasPassed(request, PSEUDONYM)).append('\n');
                response.getWriter().write(out.toString());
            }
        }), "/upstream");
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                ProxyHeaders.towardClient(Map.of(
                        "Content-Type", List.of("text/plain"),
                        "Set-Cookie", List.of("a=1", "b=2"),
                        "connection", List.of("close, X-Internal-Route"),
                        "X-Internal-Route", List.of("pod-7"),
                        "Keep-Alive", List.of("timeout=5"),
                        "Transfer-Encoding", List.of("chunked"),
                        "Content-Length", List.of("999"),
                        ":status", List.of("200"),
                        "ETag", List.of("\"v1\"")), response);
            }
        }), "/client");
        server.setHandler(context);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private static String upstreamHeadersFor(String headers) throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse(
                "GET /upstream HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n"));
        return response.getContent();
    }

    @Test
    void dropsHopByHopFieldsAndThoseConnectionNames() throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\nConnection: X-Trace-Hop\r\nX-Trace-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\nProxy-Authorization: Basic c2VjcmV0\r\nTE: trailers\r\n"
                + "Trailer: X-Checksum\r\nExpect: 100-continue\r\nAccept: text/html\r\nCookie: s=1\r\n");

        assertThat(sent).contains("Accept: text/html\n", "Cookie: s=1\n")
                .doesNotContainIgnoringCase("x-trace-hop")
                .doesNotContainIgnoringCase("keep-alive")
                .doesNotContainIgnoringCase("proxy-authorization")
                .doesNotContainIgnoringCase("\nte:")
                .doesNotContainIgnoringCase("trailer")
                .doesNotContainIgnoringCase("expect")
                .doesNotContainIgnoringCase("\nhost:")
                .doesNotContainIgnoringCase("connection");
    }

    @Test
    void addsForwardingFieldsForThisHop() throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example:8443\r\n");

        // LocalConnector clients have no IP address; Jetty reports 0.0.0.0.
        assertThat(sent).containsPattern("(?m)^X-Forwarded-For: [^,\\n]+$")
                .contains("X-Forwarded-Proto: http\n", "X-Forwarded-Host: shop.example:8443\n",
                        ";host=\"shop.example:8443\";proto=http\n", "Via: 1.1 error-pages-k3y9x2ab\n",
                        "passed: false\n");
    }

    @Test
    void appendsToForwardingFieldsOfEarlierHopsButReplacesProtoAndHost() throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\nX-Forwarded-For: 203.0.113.9\r\n"
                + "Forwarded: for=203.0.113.9;proto=https\r\nVia: 1.1 cdn\r\nX-Forwarded-Proto: gopher\r\n"
                + "X-Forwarded-Host: evil.example\r\n");

        assertThat(sent).containsPattern("(?m)^X-Forwarded-For: 203\\.0\\.113\\.9, [^,\\n]+$")
                .containsPattern("(?m)^Forwarded: for=203\\.0\\.113\\.9;proto=https, for=[^\\n]+;host=shop\\.example;proto=http$")
                .contains("Via: 1.1 cdn, 1.1 error-pages-k3y9x2ab\n", "X-Forwarded-Proto: http\n",
                        "X-Forwarded-Host: shop.example\n", "passed: false\n")
                .doesNotContain("gopher", "evil.example");
    }

    /** RFC 9110 §7.6.3: Via lets a proxy detect a loop; its own pseudonym, in any element, in any Via field. */
    @Test
    void recognisesARequestThatPassedThisProxyBefore() throws Exception {
        assertThat(upstreamHeadersFor("Host: a\r\nVia: 1.1 cdn, 1.1 error-pages-k3y9x2ab\r\n"))
                .contains("passed: true\n");
        assertThat(upstreamHeadersFor("Host: a\r\nVia: 1.1 cdn\r\nVia: HTTP/1.1 ERROR-PAGES-K3Y9X2AB (comment)\r\n"))
                .contains("passed: true\n");
        assertThat(upstreamHeadersFor("Host: a\r\nVia: 1.0 fred,,\t1.1\terror-pages-k3y9x2ab\t(tabs)\r\n"))
                .as("tabs as whitespace, an empty element").contains("passed: true\n");
        assertThat(upstreamHeadersFor("Host: a\r\nVia: 1.1 error-pages-other001, 1.1 error-pages-k3y9x2ab2\r\n"))
                .as("another proxy's, and a longer name").contains("passed: false\n");
        assertThat(upstreamHeadersFor("Host: a\r\nVia: error-pages-k3y9x2ab\r\n")).as("a protocol with no receiver")
                .contains("passed: false\n");
    }

    @Test
    void knowsTheHopByHopFieldsOfRfc9110() {
        // Jetty refuses Upgrade on a plain request, so it is checked here rather than on the wire.
        assertThat(List.of("Upgrade", "TE", "Transfer-Encoding", "Proxy-Authenticate", "keep-alive"))
                .allMatch(ProxyHeaders::isHopByHop);
        assertThat(ProxyHeaders.isHopByHop("Accept")).isFalse();
    }

    @Test
    void quotesIpv6AddressesInForwarded() {
        assertThat(ProxyHeaders.forwardedElement("2001:db8::1", "shop.example", "https"))
                .isEqualTo("for=\"[2001:db8::1]\";host=shop.example;proto=https");
    }

    @Test
    void passesUpstreamFieldsToClientExceptHopByHopOnes() throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse(
                "GET /client HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"));

        assertThat(response.getValuesList("Set-Cookie")).containsExactly("a=1", "b=2");
        assertThat(response.get("ETag")).isEqualTo("\"v1\"");
        assertThat(response.get("X-Internal-Route")).isNull();
        assertThat(response.get("Keep-Alive")).isNull();
        assertThat(response.get(":status")).isNull();
        assertThat(response.get("Content-Length")).isNotEqualTo("999");
    }
}
