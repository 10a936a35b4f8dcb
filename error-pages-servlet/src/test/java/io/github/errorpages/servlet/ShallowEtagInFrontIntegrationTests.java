package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.http.HttpServlet;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.web.filter.ShallowEtagHeaderFilter;

/**
 * Spring's {@link ShallowEtagHeaderFilter} in front of the proxy, as a Spring application registers it for all its
 * paths: it holds a response's body to tag it with its hash, and answers a request that names that tag with 304. The
 * proxy's answers stream, and it tells the filter so by the filter's own switch (the {@code STREAMING} request
 * attribute): each answer reaches the client as the upstream sent it, untagged. With the Jetty transport the filter
 * tagged each answer when the request's dispatch returned, before the upstream answered, with the hash of an empty
 * body, and answered a revalidation with 304 for a body that had changed. The filter's wrapper keeps a
 * {@code Content-Length} set on it to itself, and hands it on only with bytes it holds: a HEAD gets its GET's length
 * all the same (R12), its page and its relayed answer alike.
 */
class ShallowEtagInFrontIntegrationTests {

    private static final String UPSTREAMS_BODY = "hello world, this is the body";

    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void answersOfTheUpstreamPassUntagged(ProxyContainer container, ProxyTransport transport) throws Exception {
        AtomicInteger version = new AtomicInteger();
        try (FaultyUpstream changing = FaultyUpstream.start(exchange -> exchange.respond(200,
                "version " + version.incrementAndGet(), "Content-Type", "text/plain"));
                ProxyContainer.Server server = container.start(List.of(new ShallowEtagHeaderFilter()),
                        ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("catalog")
                                .endpoints(changing.uri()).build())).transport(transport).build(), true)) {
            HttpClient client = Client.ofItsOwn();
            String emptyBodysTag = "\"0d41d8cd98f00b204e9800998ecf8427e\""; // as Spring tags it
            for (int request = 1; request <= 3; request++) {
                HttpResponse<byte[]> response = Client.send(client, HttpRequest.newBuilder(server.uri("/items"))
                        .header("If-None-Match", emptyBodysTag), "text/plain");

                assertThat(response.statusCode()).as("answer %d", request).isEqualTo(200);
                assertThat(Client.text(response)).isEqualTo("version " + request);
                assertThat(response.headers().firstValue("ETag")).as("no tag of Spring's").isEmpty();
            }
        }
    }

    /**
     * An answer relayed through the filter keeps the upstream's {@code Content-Length}, which the filter's wrapper
     * hands on only with bytes it holds, and the relayed bytes pass it by. An answer to HEAD, which has none, said
     * {@code Content-Length: 0} on Jetty and Undertow and none on Tomcat where its GET's said the upstream's length
     * (R12, RFC 9110 §8.6); a GET's body longer than the container's buffer went chunked.
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aRelayedAnswerKeepsTheUpstreamsLength(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        String large = "x".repeat(100_000);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200,
                exchange.request().target().startsWith("/large") ? large : UPSTREAMS_BODY,
                "Content-Type", "text/plain"));
                ProxyContainer.Server server = container.start(
                        List.of(new ShallowEtagHeaderFilter(), ErrorPagesFilter.builder().build()),
                        ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("catalog")
                                .endpoints(upstream.uri()).build())).transport(transport).build(), true)) {
            HttpClient client = Client.ofItsOwn();
            HttpResponse<byte[]> head = head(client, server.uri("/items"), "text/plain");
            HttpResponse<byte[]> get = Client.send(client, HttpRequest.newBuilder(server.uri("/large")), "text/plain");

            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.headers().firstValue("Content-Length")).as("HEAD")
                    .contains(String.valueOf(UPSTREAMS_BODY.length()));
            assertThat(head.body()).isEmpty();
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValue("Content-Length")).as("GET").contains(String.valueOf(large.length()));
            assertThat(Client.text(get)).isEqualTo(large);
        }
    }

    /**
     * R12: a HEAD gets the status and header fields of its GET, and RFC 9110 §8.6 no {@code Content-Length} other
     * than its GET's. The proxy's page for a HEAD was written without its body, and the filter's wrapper hands on no
     * length without bytes: the client read {@code Content-Length: 0} (Jetty, Undertow) or none (Tomcat) where its
     * GET's said the page's length.
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aHeadsPageFromTheProxyGetsItsGetsLength(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream down = FaultyUpstream.start(exchange -> exchange.respond(503, "down",
                "Content-Type", "text/plain", "Retry-After", "20"));
                ProxyContainer.Server server = container.start(
                        List.of(new ShallowEtagHeaderFilter(), ErrorPagesFilter.builder().build()),
                        ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("catalog")
                                .endpoints(down.uri()).build())).transport(transport).build(), true)) {
            assertHeadsAsItsGet(server.uri("/items"), 503);
        }
    }

    /**
     * R12 and RFC 9110 §8.6, for the error pages' filter's own page behind the Spring filter, whose wrapper holds the
     * page to tag it: a HEAD's page said {@code Content-Length: 0} (Jetty, Undertow) or none (Tomcat), for it held no
     * bytes for the length to go with.
     */
    @ParameterizedTest(name = "{0} server")
    @EnumSource(ProxyContainer.class)
    void aHeadsPageFromTheFilterGetsItsGetsLength(ProxyContainer container) throws Exception {
        HttpServlet refused = TestServlets.servlet((request, response) -> {
            throw new ConnectException("Connection refused");
        });
        try (ProxyContainer.Server server = container.start(
                List.of(new ShallowEtagHeaderFilter(), ErrorPagesFilter.builder().build()), refused, true)) {
            assertHeadsAsItsGet(server.uri("/orders"), 502);
        }
    }

    /**
     * The HTML page and the problem details, each to HEAD with its GET's status and length (or, like it, none; the
     * problem details, short, go with theirs on every container).
     */
    private static void assertHeadsAsItsGet(URI uri, int status) {
        HttpClient client = Client.ofItsOwn();
        for (String accept : List.of("text/html", "application/problem+json")) {
            HttpResponse<byte[]> get = Client.send(client, HttpRequest.newBuilder(uri), accept);
            HttpResponse<byte[]> head = head(client, uri, accept);

            assertThat(get.statusCode()).as(accept).isEqualTo(status);
            if (accept.contains("json")) {
                assertThat(get.headers().firstValue("Content-Length")).as("the GET's length").isPresent();
            }
            assertThat(head.statusCode()).as(accept).isEqualTo(status);
            assertThat(head.headers().firstValue("Content-Length")).as("%s: the GET's length", accept)
                    .isEqualTo(get.headers().firstValue("Content-Length"));
            get.headers().firstValue("Content-Length").ifPresent(length -> assertThat(length).as(accept)
                    .isEqualTo(String.valueOf(get.body().length)));
            assertThat(head.body()).as(accept).isEmpty();
        }
    }

    private static HttpResponse<byte[]> head(HttpClient client, URI uri, String accept) {
        return Client.send(client, HttpRequest.newBuilder(uri)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), accept);
    }
}
