package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A 205 (Reset Content) has no content: "a server MUST NOT generate content in a 205 response" (RFC 9110 §15.3.6),
 * which the proxy, a server toward its client, must not relay either, as it relays none for a HEAD, a 204 or a 304.
 * An upstream that sends one anyway frames it (a 205 is no body-less status to HTTP/1.1's framing, RFC 9112 §6.3):
 * both HTTP clients read that body, and the proxy relayed it, as it came, on Jetty and Undertow (Tomcat drops what is
 * written to a 205 and says {@code Content-Length: 0}). Now every container and transport answers a 205 with
 * {@code Content-Length: 0} (the first of the three ways RFC 9110 §15.3.6 allows) and nothing after the head, whatever
 * the upstream's framing, and the client's connection serves its next request. The upstream's body is dropped, which
 * counts nothing against the upstream: the 205 was whole.
 */
class ResetContentIntegrationTests {

    /** The end of the upstream's 205 head, and the body it sends with it anyway, framed by its length or chunked. */
    private static final String CONTENT_LENGTH = "Content-Length: 5\r\n\r\nhello";
    private static final String CHUNKED = "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

    static Stream<Arguments> containersTransportsAndFramings() {
        List<Arguments> all = new ArrayList<>();
        ProxyContainer.withEachTransport().forEach(pair -> {
            for (String framing : List.of("length", "chunked")) {
                all.add(Arguments.of(pair.get()[0], pair.get()[1], framing));
            }
        });
        return all.stream();
    }

    /**
     * What the user sees: the 205 of a form they submitted, with {@code Content-Length: 0} and no content, and the
     * next answer on the same connection whole, none of the upstream's 205 body in front of it (the body relayed
     * under no length, or its chunks after a length of 0, would be read as the start of the next response).
     */
    @ParameterizedTest(name = "{0} server, {1} transport, a body framed by {2}")
    @MethodSource("containersTransportsAndFramings")
    void aResetContentIsRelayedWithoutItsBodyAndTheConnectionServesTheNextRequest(ProxyContainer container,
            ProxyTransport transport, String framing) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            if (exchange.request().method().equals("POST")) {
                exchange.writeRaw("HTTP/1.1 205 Reset Content\r\nContent-Type: text/plain\r\nX-Form: reset\r\n"
                        + (framing.equals("length") ? CONTENT_LENGTH : CHUNKED));
            } else {
                exchange.respond(200, "order 42", "Content-Type", "text/plain");
            }
        })) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
            try (ProxyContainer.Server proxy = container.start(List.of(), ReverseProxyServlet.builder(guard)
                    .transport(transport).build(), true);
                    Socket client = new Socket("127.0.0.1", proxy.port())) {
                exchangeAResetAndAnOrder(client);
            }
            // The body dropped is no failure of the upstream's: the client's 205 was whole.
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(2);
        }
    }

    /**
     * A 205 whose announced body never comes: its client gets the 205, with {@code Content-Length: 0}, once
     * {@code body-idle-timeout} has passed (the wait for a body that is not relayed, bounded as any wait for a body
     * is), counting nothing against the upstream. With the Jetty transport nothing bounded that wait but the
     * exchange's own idle timeout, a backstop of minutes.
     */
    @ParameterizedTest(name = "{0} transport")
    @EnumSource(value = ProxyTransport.class, names = {"JETTY", "JDK"})
    void aResetContentWhoseBodyNeverComesIsAnsweredAfterTheBodyIdleTimeout(ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
            exchange.writeRaw("HTTP/1.1 205 Reset Content\r\nContent-Length: 5\r\n\r\n");
            exchange.stall();
        })) {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
            try (ProxyContainer.Server proxy = ProxyContainer.JETTY.start(List.of(), ReverseProxyServlet.builder(guard)
                    .transport(transport).bodyIdleTimeout(Duration.ofMillis(300)).build(), true)) {
                String answer = Client.rawExchange(proxy.port(), "POST /orders/42/form HTTP/1.1\r\n"
                        + "Host: shop.example\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=1");

                assertThat(answer).startsWith("HTTP/1.1 205 ");
                assertThat(answer.toLowerCase(Locale.ROOT)).contains("\r\ncontent-length: 0\r\n")
                        .endsWith("\r\n\r\n");
            }
            assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
        }
    }

    /** A form's POST, answered 205, then a GET on the same connection, answered 200 with {@code order 42}. */
    private static void exchangeAResetAndAnOrder(Socket client) throws IOException {
        client.setSoTimeout(20_000);
        OutputStream out = client.getOutputStream();
        InputStream in = client.getInputStream();

        KeepAliveConnection.send(out, "POST /orders/42/form HTTP/1.1\r\nHost: shop.example\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1");
        ByteArrayOutputStream resetBody = new ByteArrayOutputStream();
        String reset = KeepAliveConnection.readResponse(in, resetBody);

        assertThat(reset).startsWith("HTTP/1.1 205 ");
        String fields = reset.toLowerCase(Locale.ROOT);
        assertThat(fields).as("no content: RFC 9110 §15.3.6 a)").contains("\r\ncontent-length: 0\r\n")
                .doesNotContain("transfer-encoding").contains("\r\nx-form: reset\r\n");
        assertThat(resetBody.size()).isZero();

        KeepAliveConnection.send(out, "GET /orders/42 HTTP/1.1\r\nHost: shop.example\r\n\r\n");
        ByteArrayOutputStream nextBody = new ByteArrayOutputStream();
        String next = KeepAliveConnection.readResponse(in, nextBody);

        assertThat(next).as("the next response, not the 205's body").startsWith("HTTP/1.1 200 ");
        assertThat(nextBody.toString(StandardCharsets.ISO_8859_1)).isEqualTo("order 42");
    }
}
