package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ProxyHeaders} on real requests parsed by Jetty: raw HTTP in, the fields the proxy would send
 * upstream (or give the client) out.
 */
class ProxyHeadersIntegrationTests {

    private static final String PSEUDONYM = "error-pages-k3y9x2ab";
    private static final String UPSTREAM_DATE = "Tue, 01 Dec 2026 10:00:00 GMT";
    /** The endpoints of R37's example: an internal host name and an internal IP, each with a base path. */
    private static final UpstreamLocations LOCATIONS = UpstreamLocations.of(List.of(
            URI.create("https://billing-internal.svc.cluster.local:8443/api"), URI.create("http://10.23.4.5/api/")));
    /**
     * Endpoints with different base paths: none ({@code /}; an IPv4 address, an IPv6 one, a link-local IPv6 one with
     * its zone), one below another's.
     */
    private static final UpstreamLocations SEVERAL_BASES = UpstreamLocations.of(List.of(URI.create("http://10.23.4.6/"),
            URI.create("http://[fd00::7]:8081/"), URI.create("http://[fe80::1%25eth0]:8080/"),
            URI.create("http://10.23.4.7/api/v2/")));
    private static Server server;
    private static LocalConnector connector;
    /** Behind a TLS terminator: Jetty takes the client's address from the terminator's X-Forwarded-For. */
    private static LocalConnector behindTerminator;

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        connector = new LocalConnector(server);
        server.addConnector(connector);
        HttpConfiguration trusting = new HttpConfiguration();
        trusting.addCustomizer(new ForwardedRequestCustomizer());
        behindTerminator = new LocalConnector(server, new HttpConnectionFactory(trusting));
        server.addConnector(behindTerminator);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                StringBuilder out = new StringBuilder();
                ProxyHeaders.towardUpstream(request, PSEUDONYM, (name, value) -> out.append(name).append(": ")
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
                        "Date", List.of(UPSTREAM_DATE),
                        ":status", List.of("200"),
                        "ETag", List.of("\"v1\"")), response, LOCATIONS, request);
            }
        }), "/client");
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                // As a context's <response-character-encoding> (or a filter) leaves it before the proxy relays.
                response.setCharacterEncoding("UTF-8");
                ProxyHeaders.towardClient(Map.of("Content-Type", List.of("text/plain")), response, LOCATIONS,
                        request);
            }
        }), "/client-with-default-encoding");
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                // The Jetty transport's overload: the upstream's fields in the order received, the names of
                // fields Jetty does not know in the case received.
                ProxyHeaders.towardClient(List.of(new HttpField("Content-Type", "text/plain"),
                        new HttpField("Set-Cookie", "a=1"), new HttpField("Date", UPSTREAM_DATE),
                        new HttpField("X-Tag", "1"), new HttpField("Set-Cookie", "b=2"), new HttpField("x-tag", "2")),
                        HttpField::getName, HttpField::getValue, response, LOCATIONS, request);
            }
        }), "/client-fields");
        HttpServlet locations = relaying(LOCATIONS);
        context.addServlet(new ServletHolder(locations), "/billing/*");
        context.addServlet(new ServletHolder(locations), "/");
        context.addServlet(new ServletHolder(relaying(SEVERAL_BASES)), "/several/*");
        ServletContextHandler shop = new ServletContextHandler("/shop");
        shop.addServlet(new ServletHolder(relaying(LOCATIONS)), "/billing/*");
        server.setHandler(new ContextHandlerCollection(context, shop));
        server.start();
    }

    /**
     * Gives the client the Location (and Content-Location) of the query's "location" parameter, or the field its
     * "field" parameter names with the value of its "value" parameter, relayed for these endpoints.
     */
    private static HttpServlet relaying(UpstreamLocations endpoints) {
        return new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) {
                String field = request.getParameter("field");
                if (field != null) {
                    ProxyHeaders.towardClient(Map.of(field, List.of(request.getParameter("value"))), response,
                            endpoints, request);
                    return;
                }
                String location = request.getParameter("location");
                ProxyHeaders.towardClient(Map.of("Location", List.of(location), "Content-Location", List.of(location)),
                        response, endpoints, request);
            }
        };
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private static String upstreamHeadersFor(String headers) throws Exception {
        return upstreamHeadersFor("/upstream", headers);
    }

    private static String upstreamHeadersFor(String target, String headers) throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse(
                "GET " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n"));
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

    /** RFC 9110 §7.6.1: field names are case-insensitive, in Connection too; the named field did cross. */
    @Test
    void dropsAFieldConnectionNamesInAnotherCase() throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\nConnection: x-trace-hop\r\nX-Trace-Hop: 1\r\n");

        assertThat(sent).contains("X-Forwarded-Proto: http\n").doesNotContainIgnoringCase("x-trace-hop");
    }

    /**
     * RFC 9110 §7.6.2: an OPTIONS request's Max-Forwards is decremented only when it is one number; two fields are
     * not one (a proxy that read only the first sent {@code 4} and dropped the {@code 0}, forwarding what the
     * client had asked to end here), and they pass on as received. (The proxy answers such an OPTIONS itself, as
     * one at 0: {@code LocalAnswers}.)
     */
    @Test
    void passesTwoMaxForwardsFieldsOnAsReceived() throws Exception {
        String sent = HttpTester.parseResponse(connector.getResponse("OPTIONS /upstream HTTP/1.1\r\n"
                + "Host: shop.example\r\nMax-Forwards: 5\r\nMax-Forwards: 0\r\nConnection: close\r\n\r\n"))
                .getContent();

        assertThat(sent).contains("Max-Forwards: 5\nMax-Forwards: 0\n").doesNotContain("Max-Forwards: 4");
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

    /**
     * An HTTP/1.0 request without {@code Host}: the upstream is told of no host, neither in {@code X-Forwarded-Host}
     * nor in {@code Forwarded}, rather than of the container's own name or address, which the client never asked for.
     */
    @Test
    void namesNoForwardedHostForAnHttp10RequestWithoutHost() throws Exception {
        String sent = HttpTester.parseResponse(connector.getResponse("GET /upstream HTTP/1.0\r\n\r\n")).getContent();

        assertThat(sent).contains("X-Forwarded-Proto: http\n", "Via: 1.0 error-pages-k3y9x2ab\n")
                .containsPattern("(?m)^Forwarded: for=[^;\n]+;proto=http$")
                .doesNotContainIgnoringCase("X-Forwarded-Host").doesNotContain("host=");
    }

    /**
     * RFC 9110 §7.6.3: this hop's {@code Via} element names the version of the request the proxy received, as the
     * RFC's own example does for an HTTP/1.0 client ({@code Via: 1.0 fred}). It was always {@code 1.1}.
     */
    @Test
    void namesTheReceivedProtocolVersionInVia() throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse(
                "GET /upstream HTTP/1.0\r\nHost: shop.example\r\nVia: 1.1 cdn\r\n\r\n"));

        assertThat(response.getContent()).contains("Via: 1.1 cdn, 1.0 error-pages-k3y9x2ab\n");
    }

    /**
     * The addresses of earlier hops chain in {@code X-Forwarded-For} and {@code Via}; what the client says of the
     * scheme, host, port and prefix does not reach the upstream. Spring's {@code ForwardedHeaderUtils} reads the
     * first {@code host} and {@code proto} of {@code Forwarded} and ignores {@code X-Forwarded-*} beside it: a
     * received {@code Forwarded} with this hop's element appended let the client choose the host of the
     * upstream's absolute URLs. {@code Forwarded} is this hop's element alone; {@code X-Forwarded-Prefix} (which
     * Spring's filter reads on its own) and {@code X-Forwarded-Ssl} are dropped, and so are the fields by which
     * upstreams (IIS URL Rewrite, Symfony) route instead of the request's path: X-Original-URL and the like.
     */
    @Test
    void appendsAddressesOfEarlierHopsButReplacesForwardedAndDropsTheClientsProtoHostPortPrefixAndSsl()
            throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\nX-Forwarded-For: 203.0.113.9\r\n"
                + "Forwarded: for=203.0.113.9;host=evil.example;proto=https\r\nVia: 1.1 cdn\r\n"
                + "X-Forwarded-Proto: gopher\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Port: 1337\r\n"
                + "X-Forwarded-Prefix: /evil-prefix\r\nX-Forwarded-Ssl: on\r\nX-Original-URL: /admin/a\r\n"
                + "X-Rewrite-URL: /admin/b\r\nX-Original-URI: /admin/c\r\nX-Forwarded-Uri: /admin/d\r\n");

        assertThat(sent).containsPattern("(?m)^X-Forwarded-For: 203\\.0\\.113\\.9, [^,\\n]+$")
                .containsPattern("(?m)^Forwarded: for=[^,\\n]+;host=shop\\.example;proto=http$")
                .contains("Via: 1.1 cdn, 1.1 error-pages-k3y9x2ab\n", "X-Forwarded-Proto: http\n",
                        "X-Forwarded-Host: shop.example\n", "passed: false\n")
                // The client's port would win over X-Forwarded-Host's with Spring's ForwardedHeaderFilter.
                .doesNotContain("gopher", "evil.example", "1337", "https", "/evil-prefix", "/admin")
                .doesNotContainIgnoringCase("x-forwarded-prefix")
                .doesNotContainIgnoringCase("x-forwarded-ssl");
    }

    /**
     * What a front proxy says of the client's connection (Jetty's ForwardedRequestCustomizer takes X-Proxied-Https,
     * Proxy-Ssl-Id and Proxy-Auth-Cert for isSecure()): a plain-http client passed an upstream's HTTPS checks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"X-Proxied-Https: on", "Proxy-Ssl-Id: 1234", "Proxy-Auth-Cert: abc", "Front-End-Https: on",
        "X-Forwarded-Scheme: https", "X-Forwarded-Protocol: https", "X-Url-Scheme: https",
        "X-Forwarded-Server: evil.example", "X_Proxied_Https: on"})
    void dropsWhatTheClientSaysOfItsSchemeOrTls(String field) throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\n" + field + "\r\n");

        assertThat(sent).contains("X-Forwarded-Proto: http\n").doesNotContainIgnoringCase(field.substring(0, field.indexOf(':')));
    }

    /**
     * httpoxy (CVE-2016-5385): a client's Proxy field reached the upstream, whose CGI program reads it as HTTP_PROXY,
     * the outgoing proxy of its HTTP clients: the client chose where the upstream's own calls go.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Proxy: http://evil.example:8080", "proxy: http://evil.example:8080"})
    void dropsAProxyFieldThatCgiWouldTakeForTheOutgoingProxy(String field) throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\n" + field + "\r\n");

        assertThat(sent).doesNotContain("evil.example").contains("X-Forwarded-Proto: http\n");
    }

    /** RFC 9110 §7.6.1: a field the client's Connection names is not forwarded, not even appended to. */
    @Test
    void appendsToNoXForwardedForOrViaThatConnectionNames() throws Exception {
        String sent = upstreamHeadersFor("Host: shop.example\r\nConnection: X-Forwarded-For, Via\r\n"
                + "X-Forwarded-For: 1.2.3.4\r\nVia: 1.1 spoof\r\n");

        assertThat(sent).containsPattern("(?m)^X-Forwarded-For: [^,\\n]+$").contains("Via: 1.1 error-pages-k3y9x2ab\n")
                .doesNotContain("1.2.3.4", "spoof");
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
        assertThat(ProxyHeaders.forwardedElement("[2001:db8::1]", null, "http")).as("as Jetty 12 reports it")
                .isEqualTo("for=\"[2001:db8::1]\";proto=http");
    }

    /**
     * A client with an IPv6 address is named in {@code Forwarded} as {@code for="[2001:db8::1]"} (RFC 7239 §6: an
     * IPv6 address in brackets, quoted) and in {@code X-Forwarded-For} without brackets, as other proxies list it.
     * Jetty 12 reports the address already in brackets ({@code getRemoteAddr()} is {@code [2001:db8::1]}), and the
     * proxy sent {@code for="[[2001:db8::1]]"}, which no recipient parses, and {@code X-Forwarded-For: [2001:db8::1]}.
     * Here Jetty has the address from a TLS terminator in front of it ({@code ForwardedRequestCustomizer}, as the
     * module's README advises): the tests' JVM runs with IPv4 only.
     */
    @Test
    void namesAnIpv6ClientInBracketsInForwardedOnlyAndOnce() throws Exception {
        String sent = HttpTester.parseResponse(behindTerminator.getResponse("GET /upstream HTTP/1.1\r\n"
                + "Host: shop.example\r\nX-Forwarded-For: 2001:db8::1\r\nConnection: close\r\n\r\n")).getContent();

        assertThat(sent).contains("X-Forwarded-For: 2001:db8::1, 2001:db8::1\n",
                "Forwarded: for=\"[2001:db8::1]\";host=shop.example;proto=http\n");
    }

    /**
     * Upstreams behind nginx read {@code X-Real-IP} as the client's address (nginx's {@code real_ip_header}, chi's
     * {@code RealIP}, Gin), and chi reads a CDN's {@code True-Client-IP} before it: a client's own values passed
     * on unchanged named any address it liked. {@code X-Real-IP} is the address the container reports, here
     * taken from a trusted terminator's {@code X-Forwarded-For} (the last entry of the proxy's own), as nginx's
     * {@code proxy_set_header X-Real-IP $remote_addr} sets it. The client's other address fields, which
     * frameworks read before or instead of it (CDNs' {@code True-Client-IP}, {@code CF-Connecting-IP},
     * {@code Fastly-Client-IP}; {@code X-Client-IP}, {@code Client-IP}, {@code X-Cluster-Client-IP}, read first by
     * Node's {@code request-ip} and Rails), are dropped.
     */
    @Test
    void setsXRealIpToTheClientsAddressAndDropsTheClientsOtherAddressFields() throws Exception {
        String sent = HttpTester.parseResponse(behindTerminator.getResponse("GET /upstream HTTP/1.1\r\n"
                + "Host: shop.example\r\nX-Forwarded-For: 192.0.2.60\r\nX-Real-IP: 10.0.0.1\r\n"
                + "x-real-ip: 10.0.0.2\r\nTrue-Client-IP: 10.0.0.3\r\nCF-Connecting-IP: 10.0.0.4\r\n"
                + "Fastly-Client-IP: 10.0.0.5\r\nX-Client-IP: 10.0.0.6\r\nclient-ip: 10.0.0.7\r\n"
                + "X-Cluster-Client-IP: 10.0.0.8\r\nConnection: close\r\n\r\n")).getContent();

        assertThat(sent).contains("X-Forwarded-For: 192.0.2.60, 192.0.2.60\n", "X-Real-IP: 192.0.2.60\n")
                .doesNotContain("10.0.0.")
                .doesNotContainIgnoringCase("true-client-ip")
                .doesNotContainIgnoringCase("connecting-ip")
                .doesNotContainIgnoringCase("client-ip:");
        assertThat(sent.split("(?i)x-real-ip", -1)).as("X-Real-IP fields").hasSize(2);
    }

    /**
     * R37: Jetty takes a request's scheme from an absolute-form target ({@code GET https://host/path}, RFC 9112
     * §3.2.2) whatever the connection, and reported {@code https} for a plain one: the upstream was told
     * {@code X-Forwarded-Proto: https} by a plain-http client, as if it had come over TLS. The connection's scheme
     * is forwarded; a scheme a trusted terminator's fields set ({@code ForwardedRequestCustomizer}) still is.
     */
    @ParameterizedTest
    @CsvSource({"https://shop.example/upstream", "HTTPS://shop.example/upstream", "ws://shop.example/upstream",
        "ftp://shop.example/upstream"})
    void forwardsTheConnectionsSchemeWhereTheRequestLineNamesAnother(String target) throws Exception {
        String sent = upstreamHeadersFor(target, "Host: shop.example\r\n");

        assertThat(sent).contains("X-Forwarded-Proto: http\n").doesNotContain("proto=https", "proto=ws", "proto=ftp")
                .containsPattern("(?m)^Forwarded: for=[^;\n]+;host=shop\\.example;proto=http$");
    }

    @Test
    void forwardsTheSchemeATrustedTerminatorNamedButNotOneTheRequestLineNamesBehindIt() throws Exception {
        String terminated = HttpTester.parseResponse(behindTerminator.getResponse("GET /upstream HTTP/1.1\r\n"
                + "Host: shop.example\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")).getContent();
        String named = HttpTester.parseResponse(behindTerminator.getResponse(
                "GET https://shop.example/upstream HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"))
                .getContent();

        assertThat(terminated).contains("X-Forwarded-Proto: https\n")
                .containsPattern("(?m)^Forwarded: .*;proto=https$");
        assertThat(named).contains("X-Forwarded-Proto: http\n").doesNotContain("proto=https");
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

    /**
     * The upstream's Date replaces the one the container sets: one Date, the upstream's (RFC 9110 §6.6.1), with
     * either transport's fields; a field of several values keeps them all, also when the upstream wrote its name in
     * two cases (field names are case-insensitive, RFC 9110 §5.1).
     */
    @ParameterizedTest
    @ValueSource(strings = {"/client", "/client-fields"})
    void relaysTheUpstreamsDateInPlaceOfTheContainersOwnAndEveryValueOfAField(String path) throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse(
                "GET " + path + " HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"));

        assertThat(response.getValuesList("Date")).containsExactly(UPSTREAM_DATE);
        assertThat(response.getValuesList("Set-Cookie")).containsExactly("a=1", "b=2");
        if (path.equals("/client-fields")) {
            assertThat(response.getValuesList("X-Tag")).as("one field name in two cases").containsExactly("1", "2");
        }
    }

    /**
     * A Content-Type without a charset is relayed as the upstream sent it, even where the response already had a
     * character encoding: Jetty appended {@code ;charset=UTF-8}, which tells the client another encoding than the
     * upstream's bytes have (a Latin-1 page read as UTF-8).
     */
    @Test
    void relaysAContentTypeWithoutCharsetAsReceived() throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse(
                "GET /client-with-default-encoding HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"));

        assertThat(response.get("Content-Type")).isEqualTo("text/plain");
    }

    /**
     * A Location that points at an endpoint becomes the gateway's path for it (R37: no internal host reaches the
     * client), as nginx's {@code proxy_redirect default} does: relative, with the query and fragment kept; the
     * scheme, host and port compared as URIs do (case, default ports). Never with two leading slashes, which would
     * make it a URL of another host ({@code //evil.example/x}). Also in the forms browsers read as that URL (WHATWG
     * URL): backslashes for slashes, more or fewer slashes after the scheme, a tab inside; relayed as they came,
     * they led the browser to the endpoint.
     */
    @ParameterizedTest
    @CsvSource({
        "/billing/x,  https://billing-internal.svc.cluster.local:8443/api/orders/43?full=1#top, /billing/orders/43?full=1#top",
        "/billing/x,  HTTPS://Billing-Internal.svc.cluster.local:8443/api,                      /billing",
        "/billing/x,  http://10.23.4.5:80/api/orders/43,                                         /billing/orders/43",
        "/billing/x,  http://10.23.4.5/api/,                                                     /billing/",
        "/billing,    http://10.23.4.5/api/a%20b/c,                                              /billing/a%20b/c",
        "/orders/42,  http://10.23.4.5/api/orders/43,                                            /orders/43",
        "/,           http://10.23.4.5/api,                                                      /",
        "/billing/x,  //10.23.4.5/api/x,                                                         /billing/x",
        "/,           http://10.23.4.5/api//evil.example/x,                                      /evil.example/x",
        "/billing/x,  http://10.23.4.5\\api\\orders\\43?a=\\b,                                    /billing/orders/43?a=%5Cb",
        "/billing/x,  http:\\\\10.23.4.5/api/x,                                                     /billing/x",
        "/billing/x,  http:/10.23.4.5/api/x,                                                     /billing/x",
        "/billing/x,  HTTP:10.23.4.5\\api\\x,                                                       /billing/x",
        "/billing/x,  \\\\10.23.4.5/api/x,                                                          /billing/x",
        "/billing/x,  ///10.23.4.5/api/x,                                                        /billing/x",
        "/billing/x,  '\thttp://10.23.4.5/a\tpi/x',                                               /billing/x",
        // With a character java.net.URI refuses, read with it encoded: a network-path reference, a scheme in capitals.
        "/billing/x,  //10.23.4.5/api/search?tags=a|b,          /billing/search?tags=a%7Cb",
        "/billing/x,  HTTP://10.23.4.5/api/search?tags=a|b,     /billing/search?tags=a%7Cb"})
    void rewritesLocationPointingAtAnEndpointToTheGatewaysPath(String requested, String location, String rewritten)
            throws Exception {
        HttpTester.Response response = locationsFor(requested, location);

        assertThat(response.get("Location")).isEqualTo(rewritten);
        assertThat(response.get("Content-Location")).isEqualTo(rewritten);
    }

    /**
     * R37: every spelling of an endpoint's host that browsers connect to it for (WHATWG URL's host parser, as
     * Node's {@code new URL()} read each of these): an IPv4 address in one to four parts, octal, hexadecimal, a
     * trailing dot, percent-encoded, full-width, IPv4-mapped IPv6, a port with leading zeros. Relayed as they came,
     * they named the internal host (URI has no host for most of them).
     */
    @ParameterizedTest
    @ValueSource(strings = {"http://10.23.1029/api/x", "http://0xa.23.4.5/api/x", "http://012.23.4.5/api/x",
        "http://169280517/api/x", "http://0xa170405/api/x", "http://10.23.4.05/api/x", "http://10.23.4.5./api/x",
        "http://%31%30.23.4.5/api/x", "http://[::ffff:10.23.4.5]/api/x", "http://[::ffff:a17:405]:80/api/x",
        "http://１０.２３.４.５/api/x", "http://10。23。4。5/api/x", "http://u:p@0xa.23.4.5/api/x",
        "http://10.23.4.5:0080/api/x", "http://10.23.4.5:/api/x", "//0xa.23.4.5/api/x",
        "https://billing-internal.svc.cluster.local.:8443/api/x",
        "https://billing%2Dinternal.svc.cluster.local:8443/api/x",
        "https://ＢＩＬＬＩＮＧ-internal.svc.cluster.local:8443/api/x",
        "https://ᴮill\u00ADing-internal.svc.cluster.local:8443/api/x", "http://a|b@10.23.4.5/api/x",
        // Each kind of code point UTS #46 maps to nothing, as browsers drop it from a host.
        "https://billing\u200B-internal.svc.cluster.local:8443/api/x",
        "https://billing-internal\u2060.svc.cluster\u2064.local:8443/api/x",
        "https://\uFEFFbilling-internal.svc.cluster.local\uFE0F:8443/api/x",
        "https://bill\u034Fing-inter\u180Bnal\u180F.svc.cluster.local:8443/api/x",
        "https://billing-\uD82F\uDCA0internal\uDB40\uDD00.svc.cluster.local:8443/api/x",
        "http://%zz@0xa.23.4.5/api/x",
        "http://0x000000000000000000000000000000000000000000000000000000000000000000a.23.4.5/api/x"})
    void rewritesEverySpellingOfAnEndpointsHost(String location) throws Exception {
        assertThat(locationsFor("/billing/y", location).get("Location")).isEqualTo("/billing/x");
    }

    /**
     * A non-ASCII host as it reaches the proxy from an upstream: its UTF-8 bytes, a character each (ISO-8859-1),
     * which a browser reads back as UTF-8.
     */
    @Test
    void rewritesAFullWidthHostReceivedAsItsBytes() throws Exception {
        String received = new String("http://１０.23.4.5/api/x".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1);

        assertThat(locationsFor("/billing/y", received).get("Location")).isEqualTo("/billing/x");
    }

    /**
     * Elsewhere, outside the base path, another port or scheme (also on the endpoint's port: another origin),
     * relative, or not a URI, or a port out of range (4294967376 is 80 plus 2^32, no port 80): relayed unchanged.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://login.example/sso?back=1", "http://10.23.4.5/apiary/x", "http://10.23.4.5/other",
        "http://10.23.4.5:8080/api/x", "https://10.23.4.5/api/x", "https://10.23.4.5:80/api/x", "/api/orders/43",
        "orders/43", "?page=2",
        "//10.23.4.5:8443/api/x", "http://[bad/x", "http://10.23.4.5.5/api/x", "http://10.23.4.256/api/x",
        "http://10.23.4.5:65616/api/x", "http://0x10.23.4.5/api/x", "http://10.23.4.6/api/x",
        "http://10.23.4.5:4294967376/api/x",
        "http://10.23.4.5..//api/x",
        "http://[::1%25eth0]/api/x", "http://10.23.4.5:8o/api/x", "/api/a b|c"})
    void relaysOtherLocationsUnchanged(String location) throws Exception {
        HttpTester.Response response = locationsFor("/billing/x", location);

        assertThat(response.get("Location")).isEqualTo(location);
    }

    /**
     * R37: a cache or proxy behind the gateway names its host, often an internal one, and its software in
     * {@code Via}; the client gets each element's protocol with the pseudonym {@code upstream} (RFC 9110 §7.6.3),
     * elements of one protocol in a row in one, comments (commas and escaped parentheses inside) dropped.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.1 billing-internal.svc.cluster.local:8443                        | 1.1 upstream",
        "1.1 10.23.4.5 (Varnish/6.0, build 7)                                | 1.1 upstream",
        "HTTP/1.0 squid-2 (squid/4.10), 1.1 10.23.4.5, 1.1 error-pages-k3y9 | HTTP/1.0 upstream, 1.1 upstream",
        "1.1 a (a \\) b, (c)), 2 b                                           | 1.1 upstream, 2 upstream",
        "1.1 a), 2 b                                                          | 1.1 upstream, 2 upstream",
        "' 1.0 fred ,,1.1 p.example.net '                                    | 1.0 upstream, 1.1 upstream",
        "10.0.0.9 1.1, 1.1 gateway-2, HTTP/2 edge                            | 1.1 upstream, HTTP/2 upstream"})
    void hidesTheHostsAndSoftwareOfTheUpstreamsViaTowardTheClient(String received, String relayed) {
        assertThat(ProxyHeaders.viaTowardClient(received)).isEqualTo(relayed);
    }

    /**
     * Toward the JDK's client, which sends a character beyond US-ASCII as {@code ?}: a cookie with one is dropped, the
     * others (the session's) kept, as one {@code Cookie} with no empty pieces; of {@code X-Forwarded-For} and
     * {@code Via} only this hop's element goes; any other field with one goes not at all rather than changed.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "Cookie          | s=1;; name=Jürgen;  ; t=2                 | s=1; t=2",
        "Cookie          | name=Jürgen; s=1                          | s=1",
        "cookie          | name=Jürgen                               | null",
        "X-Forwarded-For | 10.0.0.1 (Zürich), 192.0.2.7              | 192.0.2.7",
        "Via             | 1.1 café, 1.1 error-pages-k3y9x2ab        | 1.1 error-pages-k3y9x2ab",
        "Idempotency-Key | clé-7                                     | null",
        "Accept          | text/html                                 | text/html"})
    void keepsForTheJdkClientOnlyWhatItSendsUnchanged(String name, String value, @Nullable String sent) {
        assertThat(ProxyHeaders.forJdkClient(name, value)).isEqualTo(sent);
    }

    /**
     * Not one element with a protocol and a receiver: nothing to relay, and nothing of it reaches the client. An
     * element written host first too: its host was taken for the protocol version, or name, and relayed (R37).
     */
    @ParameterizedTest
    @ValueSource(strings = {"", " , ", "billing-internal.svc", "1.1", "1.1 (Varnish/6.0)", "1.1/ host", "a\"b host",
        "10.0.0.9 1.1", "billing-7.internal/1.1 squid", "fe80::1 1.1", "10.0.0.9/1.1 squid", "billing-7/1.1 squid",
        "billing/1.1 squid", "localhost/1.1 squid"})
    void relaysNoViaWithoutAWellFormedElement(String received) {
        assertThat(ProxyHeaders.viaTowardClient(received)).isNull();
    }

    /**
     * R37: the targets of a {@code Link} (RFC 8288: pagination links an API builds from the {@code Host} it received,
     * the endpoint's) and the URL of a {@code Refresh} that point at an endpoint become the gateway's paths, as a
     * {@code Location} does; other targets, and what parameters quote, stay as they are.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "Link | <http://10.23.4.5/api/orders?page=2>; rel=\"next\" | </billing/orders?page=2>; rel=\"next\"",
        "link | <https://billing-internal.svc.cluster.local:8443/api/a>; rel=prev | </billing/a>; rel=prev",
        "Link | <http://10.23.4.5/api/a>;rel=prev, <http://10.23.4.5/api/b> | </billing/a>;rel=prev, </billing/b>",
        "Link | <https://docs.example/x>;rel=help, <http://10.23.4.5/api/y> | <https://docs.example/x>;rel=help, </billing/y>",
        "Link | <http://10.23.4.5/api/a>;title=\"<http://10.23.4.5/api/q>,\" | </billing/a>;title=\"<http://10.23.4.5/api/q>,\"",
        // The anchor parameter is a URI reference too (RFC 8288 §3.2), the link's context; a lookalike is not.
        "Link | <http://10.23.4.5/api/a>; rel=x; anchor=\"http://10.23.4.5/api/b\" | </billing/a>; rel=x; anchor=\"/billing/b\"",
        "Link | </a>;ANCHOR = \"http://10.23.4.5/api/b#s\" | </a>;ANCHOR = \"/billing/b#s\"",
        "Link | </a>; xanchor=\"http://10.23.4.5/api/q\" | </a>; xanchor=\"http://10.23.4.5/api/q\"",
        // A quoted anchor's quoted-pairs stand for their characters (RFC 9110 §5.6.4): \b is b; a quote is
        // percent-encoded, as in a Location.
        "Link | </a>; anchor=\"http://10.23.4.5/api/\\b\" | </a>; anchor=\"/billing/b\"",
        "Link | </a>; anchor=\"http://10.23.4.5/api/a\\\"b\" | </a>; anchor=\"/billing/a%22b\"",
        "Link | </a>; anchor=\"http://10.23.4.5/api/a#x\\\"y\" | </a>; anchor=\"/billing/a#x%22y\"",
        // A quoted anchor that names no endpoint stays as written, its quoted-pairs too; a quoted-string that is no
        // parameter's value is skipped; an unclosed quote or target ends the rewriting, what came before rewritten.
        "Link | </a>; anchor=\"https://docs.example/\\x\" | </a>; anchor=\"https://docs.example/\\x\"",
        "Link | <http://10.23.4.5/api/a>; \"http://10.23.4.5/api/q\" | </billing/a>; \"http://10.23.4.5/api/q\"",
        "Link | <http://10.23.4.5/api/a>;t=\"x <http://10.23.4.5/api/q> | </billing/a>;t=\"x <http://10.23.4.5/api/q>",
        "Link | <http://10.23.4.5/api/a>, <http://10.23.4.5/api/b | </billing/a>, <http://10.23.4.5/api/b",
        "Refresh | 5; url=http://10.23.4.5/api/login?next=%2F | 5; url=/billing/login?next=%2F",
        "Refresh | 0;URL='https://billing-internal.svc.cluster.local:8443/api' | 0;URL='/billing'",
        "Refresh | 3, http://10.23.4.5/api/x | 3, /billing/x",
        "Refresh | 5 ;URL = \"http://10.23.4.5/api/x\" | 5 ;URL = \"/billing/x\"",
        "Refresh | 5; url=https://login.example/sso | 5; url=https://login.example/sso",
        "Refresh | 5 | 5",
        // A delay and a separator with no URL after them: nothing to rewrite, and the field relayed as it came.
        "Refresh | 5; | 5;",
        "Refresh | 0; url= | 0; url=",
        "Refresh | 0; url='' | 0; url=''",
        // Browsers also take whitespace alone after the delay, and a quoted URL up to its closing quote or the end.
        "Refresh | 5 url=http://10.23.4.5/api/x | 5 url=/billing/x",
        "Refresh | 0 http://10.23.4.5/api/x | 0 /billing/x",
        "Refresh | 5; url='http://10.23.4.5/api/x | 5; url='/billing/x",
        "Refresh | 5; url=\"http://10.23.4.5/api/x\" ; x | 5; url=\"/billing/x\" ; x",
        "Refresh | 5; url='http://10.23.4.5/api/x  ' | 5; url='/billing/x  '"})
    void rewritesLinkTargetsAndRefreshUrlsPointingAtAnEndpoint(String field, String received, String relayed)
            throws Exception {
        HttpTester.Response response = HttpTester.parseResponse(connector.getResponse("GET /billing/x?field=" + field
                + "&value=" + URLEncoder.encode(received, StandardCharsets.UTF_8)
                + " HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n"));

        assertThat(response.get(field)).isEqualTo(relayed);
    }

    /**
     * A cookie's {@code Path} at or below an endpoint's base path, segment by segment, becomes the gateway's path for
     * it, as a {@code Location}'s path does (nginx's {@code proxy_cookie_path}): relayed as it came, the client never
     * sent the cookie back to the gateway's paths for the upstream (its session lost), and did send it to whatever
     * the gateway serves at the endpoint's path. The attribute's name in any case, whitespace around it and its value
     * kept as they came; each {@code Path} mapped alike, so the one the client takes, the last (RFC 6265 §5.3,
     * step 7), is; compared as the client compares it (§5.1.4), as written. Under a context path, that and the
     * mapping's path; under the default mapping ({@code /}), the context's alone. Of an endpoint with no base path,
     * every path below the root ({@code /x}, an {@code XSRF-TOKEN}'s too); of several base paths, the longest.
     * Alongside a {@code Domain} naming the endpoint, before or after the {@code Path}, which goes (R37; an IPv6
     * address with or without its brackets, as an upstream writes it that splits the port off the {@code Host} it
     * received, in another case or spelling too; with the port, as one writes it that copies the {@code Host}, an
     * IPv6 literal's, an IPv4 address's or a host name's; an IPv6 address with or without the endpoint's zone;
     * another address, or another host with a port, stays), an empty one, which the client ignores
     * (RFC 6265 §5.2.3), and one kept (a parent domain, before or after the
     * {@code Path}, in any case, beside a dropped endpoint one), as nginx maps it: a Tomcat upstream with a context
     * path and a shared cookie domain sends {@code JSESSIONID=…; Path=/api; Domain=example.com}, and with its
     * {@code Path} kept the client never sent the session back to {@code /billing/...}.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/billing/x | s=1; Path=/api                          | s=1; Path=/billing",
        "/billing/x | s=1; Path=/api/                         | s=1; Path=/billing/",
        "/billing/x | s=1; Path=/api/orders/a%20b; HttpOnly   | s=1; Path=/billing/orders/a%20b; HttpOnly",
        "/billing/x | s=1;PATH=/api/x                         | s=1;PATH=/billing/x",
        "/billing/x | 's=1; pAtH  =  /api/x  ; Secure'        | 's=1; pAtH  =  /billing/x  ; Secure'",
        "/billing/x | s=1; Path=/other; Path=/api/x           | s=1; Path=/other; Path=/billing/x",
        "/billing/x | s=1; Path=/api/x; Max-Age=60; Path=/api | s=1; Path=/billing/x; Max-Age=60; Path=/billing",
        "/billing/x | s=1; Domain=10.23.4.5; Path=/api/x      | s=1; Path=/billing/x",
        "/billing/x | s=1; Path=/api/../admin                 | s=1; Path=/billing/../admin",
        "/shop/billing/x | s=1; Path=/api/x               | s=1; Path=/shop/billing/x",
        "/shop/billing/x | s=1; Path=/api                 | s=1; Path=/shop/billing",
        "/          | s=1; Path=/api                          | s=1; Path=/",
        "/          | s=1; Path=/api/x                        | s=1; Path=/x",
        "/billing/x | s=1; Path=/api/x; Domain=.BILLING-INTERNAL.svc.cluster.local | s=1; Path=/billing/x",
        "/billing/x | s=1; Domain=; Path=/api                 | s=1; Domain=; Path=/billing",
        "/several/x | s=1; Path=/x                            | s=1; Path=/several/x",
        "/several/x | s=1; Path=/x/y                         | s=1; Path=/several/x/y",
        "/several/x | XSRF-TOKEN=t0k3n; Path=/spa             | XSRF-TOKEN=t0k3n; Path=/several/spa",
        "/several/x | s=1; Domain=10.23.4.6; Path=/x          | s=1; Path=/several/x",
        "/several/x | s=1; Domain=[fd00::7]; Path=/x          | s=1; Path=/several/x",
        "/several/x | s=1; Domain=fd00::7; Path=/x            | s=1; Path=/several/x",
        "/several/x | s=1; Path=/x; DOMAIN=.FD00:0:0::7       | s=1; Path=/several/x",
        "/several/x | s=1; Domain=fd00::8; Path=/x            | s=1; Domain=fd00::8; Path=/several/x",
        "/several/x | s=1; Domain=[fd00::7]:8081; Path=/x     | s=1; Path=/several/x",
        "/several/x | s=1; Domain=10.23.4.6:8081; Path=/x     | s=1; Path=/several/x",
        "/billing/x | s=1; Domain=billing-internal.svc.cluster.local:8443; Path=/api | s=1; Path=/billing",
        "/several/x | s=1; Domain=.10.23.4.7:80; Path=/x      | s=1; Path=/several/x",
        "/several/x | s=1; Domain=shop.example:8080; Path=/x  | s=1; Domain=shop.example:8080; Path=/several/x",
        "/several/x | s=1; Domain=[fd00::8]:8081; Path=/x     | s=1; Domain=[fd00::8]:8081; Path=/several/x",
        "/several/x | s=1; Domain=fe80::1%eth0; Path=/x       | s=1; Path=/several/x",
        "/several/x | s=1; Domain=[FE80:0::1%25eth0]:8080; Path=/x | s=1; Path=/several/x",
        "/several/x | s=1; Domain=fe80::1; Path=/x            | s=1; Path=/several/x",
        "/several/x | s=1; Domain=fe80::2%eth0; Path=/x       | s=1; Domain=fe80::2%eth0; Path=/several/x",
        "/several/x | s=1; Path=/api/v2                       | s=1; Path=/several",
        "/several/x | s=1; Path=/api/v2/x                     | s=1; Path=/several/x",
        "/several/x | s=1; Path=/api/v2x                      | s=1; Path=/several/api/v2x",
        "/billing/x | s=1; Domain=shop.example; Path=/api     | s=1; Domain=shop.example; Path=/billing",
        "/billing/x | JSESSIONID=a1; Path=/api; Domain=example.com; HttpOnly"
            + " | JSESSIONID=a1; Path=/billing; Domain=example.com; HttpOnly",
        "/billing/x | s=1; Path=/api/x; Domain=.example.com   | s=1; Path=/billing/x; Domain=.example.com",
        "/shop/billing/x | sso=1; DOMAIN = example.com ; Path=/api | sso=1; DOMAIN = example.com ; Path=/shop/billing",
        "/billing/x | s=1; Domain=10.23.4.5; Domain=shop.example; Path=/api | s=1; Domain=shop.example; Path=/billing",
        "/several/x | s=1; Domain=shop.example; Path=/x       | s=1; Domain=shop.example; Path=/several/x"})
    void rewritesACookiePathAtOrBelowAnEndpointsBasePathToTheGatewaysPath(String requested, String received,
            String relayed) throws Exception {
        assertThat(cookieFor(requested, received)).isEqualTo(relayed);
    }

    /**
     * A cookie's {@code Path} outside every endpoint's base path (in another case too, RFC 6265 §5.1.4), one the
     * client replaces by its default path (empty, not starting with {@code /}, §5.2.4), another attribute that ends
     * with {@code path}, and the cookie's own name and value, are relayed as they came.
     */
    @ParameterizedTest
    @ValueSource(strings = {"s=1; Path=/apiary", "s=1; Path=/API/x", "s=1; Path=/", "s=1; Path=/other/api",
        "s=1; Path=", "s=1; Path=api/x", "s=1; Path", "s=1; XPath=/api", "Path=/api; Max-Age=60", "s=/api; Secure",
        "s=1"})
    void relaysACookiePathOutsideTheEndpointsBasePathsAsReceived(String received) throws Exception {
        assertThat(cookieFor("/billing/x", received)).isEqualTo(received);
    }

    /**
     * A cookie the upstream meant for more than its own paths keeps its {@code Path} as received, whatever the
     * mapping: {@code Path=/} (the whole site's, which the client sends to the gateway's paths for the upstream too),
     * even from an endpoint with no base path, under which every path is; every {@code Path} of a {@code __Host-}
     * cookie, its prefix in any case (RFC 6265bis §4.1.3.2: the client refuses one whose {@code Path} is not
     * {@code /}), beside a {@code Domain} naming an endpoint, which still goes (R37). {@code Path=/} beside a kept
     * {@code Domain} too. Before, {@code Path=/} from an endpoint with no base path became {@code Path=/several}: the
     * client refused a {@code __Host-} cookie, and an {@code XSRF-TOKEN} was hidden from the gateway's other pages
     * whose script sends it back.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/several/x | s=1; Path=/                                 | s=1; Path=/",
        "/several/x | XSRF-TOKEN=t0k3n; Path=/                    | XSRF-TOKEN=t0k3n; Path=/",
        "/several/x | 's=1; path =  /  ; Secure'                  | 's=1; path =  /  ; Secure'",
        "/several/x | s=1; Path=/x; Path=/                        | s=1; Path=/several/x; Path=/",
        "/several/x | __Host-s=1; Path=/; Secure; HttpOnly        | __Host-s=1; Path=/; Secure; HttpOnly",
        "/several/x | __HOST-s=1; Secure; Path=/x                | __HOST-s=1; Secure; Path=/x",
        "/billing/x | __host-s=1; Path=/api; Secure               | __host-s=1; Path=/api; Secure",
        "/several/x | __Host-s=1; Domain=10.23.4.6; Path=/; Secure | __Host-s=1; Path=/; Secure",
        "/several/x | s=1; Domain=shop.example; Path=/            | s=1; Domain=shop.example; Path=/"})
    void keepsThePathOfACookieForTheWholeSiteOrAHostPrefixedOneAsReceived(String requested, String received,
            String relayed) throws Exception {
        assertThat(cookieFor(requested, received)).isEqualTo(relayed);
    }

    private static String cookieFor(String requested, String received) throws Exception {
        return HttpTester.parseResponse(connector.getResponse("GET " + requested + "?field=Set-Cookie&value="
                + URLEncoder.encode(received, StandardCharsets.UTF_8)
                + " HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n")).get("Set-Cookie");
    }

    private static HttpTester.Response locationsFor(String requested, String location) throws Exception {
        return HttpTester.parseResponse(connector.getResponse("GET " + requested + "?location="
                + URLEncoder.encode(location, StandardCharsets.UTF_8) + " HTTP/1.1\r\nHost: shop.example\r\n"
                + "Connection: close\r\n\r\n"));
    }
}
