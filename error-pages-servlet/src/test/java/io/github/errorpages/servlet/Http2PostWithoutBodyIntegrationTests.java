package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An HTTP/2 POST without a body (its HEADERS frame ends the stream, no {@code Content-Length}) is a body of unknown
 * length that has ended before the proxy reads it. On Tomcat the stream is finished before the proxy's listener is
 * set, and Tomcat calls that listener's {@code onAllDataRead} only when {@code isReady()} is asked again: a body end
 * that waited for it (as Undertow's must) held the request until the attempt timed out, and the client got a 408.
 */
class Http2PostWithoutBodyIntegrationTests {

    @ParameterizedTest
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void isForwardedAtOnceOnTomcat(ProxyTransport transport) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                TomcatServer tomcat = TomcatServer.inCode().h2c().servlet("/*", ReverseProxyServlet.builder(
                        UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                                .attemptTimeout(Duration.ofSeconds(5)).build()))
                        .transport(transport).build()).start()) {
            HttpClient client = Http2Clients.started();
            try {
                ContentResponse response = client.newRequest(tomcat.uri("/orders")).method("POST")
                        .timeout(20, TimeUnit.SECONDS).send();

                assertThat(response.getStatus()).isEqualTo(200);
                assertThat(upstream.requests()).singleElement()
                        .satisfies(forwarded -> assertThat(forwarded.method()).isEqualTo("POST"));
            } finally {
                client.stop();
            }
        }
    }
}
