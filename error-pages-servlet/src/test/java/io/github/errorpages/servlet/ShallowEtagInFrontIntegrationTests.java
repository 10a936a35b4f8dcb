package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.web.filter.ShallowEtagHeaderFilter;

/**
 * Spring's {@link ShallowEtagHeaderFilter} in front of the proxy, as a Spring application registers it for all its
 * paths: it holds a response's body to tag it with its hash, and answers a request that names that tag with 304. The
 * proxy's answers stream, and it tells the filter so by the filter's own switch (the {@code STREAMING} request
 * attribute): each answer reaches the client as the upstream sent it, untagged. With the Jetty transport the filter
 * tagged each answer when the request's dispatch returned, before the upstream answered, with the hash of an empty
 * body, and answered a revalidation with 304 for a body that had changed.
 */
class ShallowEtagInFrontIntegrationTests {

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
}
