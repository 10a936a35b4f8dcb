package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An upstream that sends its head and the first 4096 bytes of a 100000-byte body, then resets the connection: the
 * relayed bytes are still in the gateway's response buffer, nothing was committed, and every client gets the whole
 * 502 page in their place (R1), never a body cut short that looks whole (R5). On Undertow with the Jetty transport,
 * whose relay writes without blocking, the page went out in an {@code ASYNC} dispatch whose end raced Undertow's own
 * close of the stream on its IO thread: of sixty clients, two got no answer at all, their connection closed, and
 * nineteen the page's head with {@code Content-Length: 0}, while every one was logged as answered with the page. The
 * race shows in some requests, not in each: sixty in a row, one at a time, in each container with either transport.
 */
class PageForABodyBrokenOffBeforeCommitIntegrationTests {

    private static final int REQUESTS = 60;
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^Content-Length:[ \\t]*(\\d+)[ \\t]*$");

    @ParameterizedTest(name = "{0}, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void everyClientGetsTheWholePage(ProxyContainer container, ProxyTransport transport) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.resetMidBody())) {
            // A breaker that never opens: each request is to reach the upstream and break off.
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("resets").endpoints(upstream.uri())
                    .circuitBreakerConfig(CircuitBreakerConfig.custom().slidingWindowSize(1000)
                            .minimumNumberOfCalls(1000).build())
                    .build());
            ReverseProxyServlet servlet = ReverseProxyServlet.builder(guard).transport(transport).build();
            try (ProxyContainer.Server server = container.start(List.of(), servlet, true)) {
                Map<String, Integer> answers = new TreeMap<>();
                for (int i = 0; i < REQUESTS; i++) {
                    String answer = Client.rawExchange(server.port(), "GET /download/" + i + " HTTP/1.1\r\n"
                            + "Host: 127.0.0.1\r\nAccept: text/html\r\nConnection: close\r\n\r\n");
                    answers.merge(kind(answer), 1, Integer::sum);
                }
                assertThat(answers).isEqualTo(Map.of("502 with the whole page", REQUESTS));
            }
        }
    }

    /** What a client got: nothing, a status line with a body of the length its head declares, or another. */
    private static String kind(String answer) {
        if (answer.isEmpty()) {
            return "nothing";
        }
        int end = answer.indexOf("\r\n\r\n");
        if (!answer.startsWith("HTTP/1.1 ") || end < 0) {
            return "no whole head: " + answer.substring(0, Math.min(answer.length(), 20));
        }
        String status = answer.substring(9, 12);
        String head = answer.substring(0, end + 2);
        byte[] body = answer.substring(end + 4).getBytes(StandardCharsets.UTF_8);
        Matcher length = CONTENT_LENGTH.matcher(head);
        if (!length.find()) {
            return status + " without Content-Length";
        }
        if (Long.parseLong(length.group(1)) != body.length || body.length == 0) {
            return status + " with Content-Length " + length.group(1) + " and " + body.length + " bytes";
        }
        return new String(body, StandardCharsets.UTF_8).endsWith("</html>\n") ? status + " with the whole page"
                : status + " with another body";
    }
}
