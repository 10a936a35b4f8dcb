package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code HTTP2-Settings} is the settings of an h2c upgrade the client asks of its own connection (RFC 7540 §3.2.1: a
 * connection-specific field), and goes to no upstream even when the client's {@code Connection} does not name it, as
 * it must. The containers pass such a request to the servlet, and the field was forwarded.
 */
class ConnectionSpecificFieldsIntegrationTests {

    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void http2SettingsIsNotForwarded(ProxyContainer container, ProxyTransport transport) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = container.start(List.of(), ReverseProxyServlet.builder(
                        UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build()))
                        .transport(transport).build(), true)) {
            String answer = Client.rawExchange(proxy.port(), "GET /orders HTTP/1.1\r\nHost: shop.example\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nAccept: text/plain\r\nConnection: close\r\n\r\n");

            assertThat(answer).startsWith("HTTP/1.1 200");
            assertThat(upstream.awaitRequests(1, Duration.ofSeconds(5))).isTrue();
            assertThat(upstream.requests().get(0).headers()).containsEntry("accept", "text/plain")
                    .doesNotContainKey("http2-settings");
        }
    }
}
