package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.StandardError;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies that a filter in front of the proxy handed down in a wrapper of its own (one that caches the body
 * and replays it, one that changed it and not its {@code Content-Length}), or read for the container to parse (a
 * form's parameters). A container's own stream ends where the length says; a wrapper's may not, and a parsed form's
 * has nothing left. Whatever the proxy gets, the upstream must get one whole request, the client's, or none, and the
 * upstream is blamed for none of it. Jetty, Tomcat and Undertow, both transports.
 */
class RequestBodyWrappersIntegrationTests {

    private static final String BODY = "order=42&note=urgent";
    private static final String SMUGGLED = "GET /admin HTTP/1.1\r\nHost: upstream\r\n\r\n";

    static Stream<Arguments> containersTransportsAndMethods() {
        List<Arguments> all = new ArrayList<>();
        ProxyContainer.withEachTransport().forEach(pair -> {
            for (String method : List.of("POST", "PUT")) { // a POST is streamed, a short PUT buffered to be replayed
                for (boolean async : List.of(true, false)) {
                    all.add(Arguments.of(pair.get()[0], pair.get()[1], method, async));
                }
            }
        });
        return all.stream();
    }

    /**
     * A body that goes on past its {@code Content-Length} (a filter in front rewrote it and kept the length): nothing
     * past the length reaches the upstream, where it was read as a request of its own (request smuggling), nor the
     * body cut at the length, which the upstream took for the whole. The client gets 500 (the gateway's fault, not its
     * own), the WARN names the request, and nothing counts against the upstream.
     */
    @ParameterizedTest(name = "{0} server, {1} transport, {2}, async {3}")
    @MethodSource("containersTransportsAndMethods")
    void aBodyLongerThanItsContentLengthIsNotForwarded(ProxyContainer container, ProxyTransport transport,
            String method, boolean async) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Behaviour.ok())) {
            UpstreamGuard guard = guard(upstream);
            Filter growing = replacingTheBody(body -> (new String(body, StandardCharsets.US_ASCII) + SMUGGLED)
                    .getBytes(StandardCharsets.US_ASCII), true);
            try (ProxyContainer.Server server = container.start(List.of(growing),
                    ReverseProxyServlet.builder(guard).transport(transport).build(), async)) {
                AtomicReference<HttpResponse<byte[]>> response = new AtomicReference<>();
                String log = StandardError.capture(() -> response.set(upload(method, server)));

                assertThat(response.get().statusCode()).isEqualTo(500);
                assertThat(Client.text(response.get()))
                        .isEqualTo("500 Internal Server Error: the request body could not be forwarded.\n");
                upstream.awaitRequests(2, Duration.ofMillis(200)); // a request past the body would come by then
                assertThat(upstream.requests()).as("nothing past the length, nor a body that looks whole")
                        .noneMatch(received -> received.target().equals("/admin"))
                        .noneMatch(received -> received.body().length == BODY.length());
                assertThat(log).contains("WARN").contains("The body of " + method + " /orders goes on past its "
                        + "Content-Length of " + BODY.length() + " bytes");
                assertThat(guard.metrics().failedCalls()).isZero();
            }
        }
    }

    /**
     * A body that ends before its {@code Content-Length} (a wrapper's stream that gives less) is no failure of the
     * upstream's, which waited for the rest until the attempt timed out (504, counted against its breaker), but the
     * request's: 400, at once, nothing counted.
     */
    @ParameterizedTest(name = "{0} server, {1} transport, {2}, async {3}")
    @MethodSource("containersTransportsAndMethods")
    void aBodyShorterThanItsContentLengthIsNotBlamedOnTheUpstream(ProxyContainer container, ProxyTransport transport,
            String method, boolean async) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Behaviour.ok())) {
            UpstreamGuard guard = guard(upstream);
            try (ProxyContainer.Server server = container.start(List.of(replacingTheBody(
                    body -> Arrays.copyOf(body, body.length / 2), true)),
                    ReverseProxyServlet.builder(guard).transport(transport).build(), async)) {
                HttpResponse<byte[]> response = upload(method, server);

                assertThat(response.statusCode()).as(Client.text(response)).isEqualTo(400);
                assertThat(guard.metrics().failedCalls()).isZero();
                assertThat(guard.circuitBreakers().get(0).getMetrics().getNumberOfFailedCalls()).isZero();
            }
        }
    }

    /**
     * A wrapper's stream that holds the body in memory and never learned non-blocking reads
     * ({@code setReadListener} throws {@code UnsupportedOperationException}, as many body-caching wrappers' do): the
     * body is forwarded whole, read with blocking reads, which such a stream never makes wait. The Jetty transport
     * answered with the container's 500, naming the exception.
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aCachedBodyWithoutNonBlockingReadsIsForwarded(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Behaviour.ok());
                ProxyContainer.Server server = container.start(List.of(replacingTheBody(body -> body, false)),
                        ReverseProxyServlet.builder(guard(upstream)).transport(transport).build(), true)) {
            HttpResponse<byte[]> response = upload("POST", server);

            assertThat(response.statusCode()).as(Client.text(response)).isEqualTo(200);
            assertThat(upstream.requests()).singleElement()
                    .satisfies(received -> assertThat(received.bodyText()).isEqualTo(BODY));
        }
    }

    /**
     * A form that a filter in front had the container parse ({@code getParameter}, as Spring Security's CSRF check and
     * a hidden-method filter do) is forwarded whole: its body, which the container read and the stream no longer has,
     * made again from the parameters, less the query string's, encoded as the browser sent them. Forwarded as it was,
     * it went out with its {@code Content-Length} and no body, and the upstream waited for it until the attempt timed
     * out: a 504 blamed on the upstream (Jetty transport), or a 400 (JDK transport).
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aFormAFilterInFrontReadIsForwardedWhole(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        String form = "tag=a&note=caf%C3%A9+au+lait&tag=b&empty=&qty=2";
        Filter readingAParameter = (request, response, chain) -> {
            request.getParameter("_csrf");
            chain.doFilter(request, response);
        };
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Behaviour.ok());
                ProxyContainer.Server server = container.start(List.of(readingAParameter),
                        ReverseProxyServlet.builder(guard(upstream)).transport(transport).build(), true)) {
            HttpResponse<byte[]> response = postForm(server, "/orders?tag=q", form);

            assertThat(response.statusCode()).as(Client.text(response)).isEqualTo(200);
            assertThat(upstream.requests()).singleElement().satisfies(received -> {
                assertThat(received.target()).isEqualTo("/orders?tag=q");
                assertThat(received.headers())
                        .containsEntry("content-length", Integer.toString(received.body().length));
                assertThat(received.bodyText().split("&")).as("the form's pairs, as the browser encoded them")
                        .containsExactlyInAnyOrder(form.split("&"));
            });
        }
    }

    /**
     * A parsed form whose body made again from its parameters is not the client's: encoded otherwise ({@code %20} for
     * a space, where a browser writes {@code +}), or read by a filter that parsed nothing (a logging filter that read
     * the stream: the parameters hold none of the body's). Never sent with another length, nor empty: the request
     * fails as one whose body ended early (400), nothing blamed on the upstream.
     */
    @ParameterizedTest(name = "{0} server, {1} transport, {2}")
    @MethodSource("formsThatCannotBeMadeAgain")
    void aFormThatCannotBeMadeAgainIsNotSent(ProxyContainer container, ProxyTransport transport, String what,
            Filter inFront, String form) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Behaviour.ok())) {
            UpstreamGuard guard = guard(upstream);
            try (ProxyContainer.Server server = container.start(List.of(inFront),
                    ReverseProxyServlet.builder(guard).transport(transport).build(), false)) {
                HttpResponse<byte[]> response = postForm(server, "/orders", form);

                assertThat(response.statusCode()).as(Client.text(response)).isEqualTo(400);
                assertThat(upstream.requests()).as("no whole request forwarded: with another body, or none")
                        .noneMatch(received -> Integer.toString(received.body().length)
                                .equals(received.headers().get("content-length")));
                assertThat(guard.metrics().failedCalls()).isZero();
            }
        }
    }

    static Stream<Arguments> formsThatCannotBeMadeAgain() {
        Filter readingAParameter = (request, response, chain) -> {
            request.getParameter("_method");
            chain.doFilter(request, response);
        };
        Filter readingTheStream = (request, response, chain) -> {
            request.getInputStream().readAllBytes(); // a logging filter's, which wraps nothing
            chain.doFilter(request, response);
        };
        List<Arguments> all = new ArrayList<>();
        ProxyContainer.withEachTransport().forEach(pair -> {
            all.add(Arguments.of(pair.get()[0], pair.get()[1], "%20 for a space", readingAParameter, "note=a%20b"));
            all.add(Arguments.of(pair.get()[0], pair.get()[1], "read, not parsed", readingTheStream,
                    "amount=100&to=alice"));
        });
        return all.stream();
    }

    /**
     * More parsed forms, each forwarded as the client sent it: under a query string of UTF-8 (which the container
     * decodes otherwise than the body: the body's charset is told from the body alone), without a length (chunked),
     * and turned into a PUT by a hidden-method filter ({@code _method}), which the container parsed as the POST it
     * received.
     */
    @ParameterizedTest(name = "{0} server, {1} transport")
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void moreParsedFormsAreForwardedAsSent(ProxyContainer container, ProxyTransport transport) throws Exception {
        Filter hiddenMethod = (request, response, chain) -> {
            String method = request.getParameter("_method");
            chain.doFilter(method == null ? request : new HttpServletRequestWrapper((HttpServletRequest) request) {
                @Override
                public String getMethod() {
                    return method;
                }
            }, response);
        };
        try (FaultyUpstream upstream = FaultyUpstream.start(FaultyUpstream.Behaviour.ok());
                ProxyContainer.Server server = container.start(List.of(hiddenMethod),
                        ReverseProxyServlet.builder(guard(upstream)).transport(transport).build(), true)) {
            HttpResponse<byte[]> underUtf8Query = postForm(server, "/orders?q=%E4%B8%AD", "note=caf%C3%A9");
            String chunked = Client.rawChunkedExchange(server.port(), "POST /orders HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n13\r\namount=100&to=alice\r\n0\r\n\r\n");
            HttpResponse<byte[]> hidden = postForm(server, "/orders", "_method=PUT&name=alice");

            assertThat(underUtf8Query.statusCode()).as(Client.text(underUtf8Query)).isEqualTo(200);
            assertThat(chunked).startsWith("HTTP/1.1 200");
            assertThat(hidden.statusCode()).as(Client.text(hidden)).isEqualTo(200);
            assertThat(upstream.requests()).extracting(received -> received.method() + " " + received.bodyText())
                    .containsExactly("POST note=caf%C3%A9", "POST amount=100&to=alice", "PUT _method=PUT&name=alice");
        }
    }

    private static HttpResponse<byte[]> postForm(ProxyContainer.Server server, String target, String form) {
        return Client.send(Client.ofItsOwn(), HttpRequest.newBuilder(server.uri(target)).header("Content-Type",
                "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)), "text/plain");
    }

    /** Sends {@link #BODY} as plain text, on a connection of its own. */
    private static HttpResponse<byte[]> upload(String method, ProxyContainer.Server server) {
        return Client.send(Client.ofItsOwn(), HttpRequest.newBuilder(server.uri("/orders"))
                .header("Content-Type", "text/plain").method(method, HttpRequest.BodyPublishers.ofString(BODY)),
                "text/plain");
    }

    private static UpstreamGuard guard(FaultyUpstream upstream) {
        return UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri())
                .attemptTimeout(Duration.ofSeconds(10)).build());
    }

    /**
     * A filter that reads the whole body before the chain and hands down a wrapper whose stream gives what
     * {@code change} makes of it, the {@code Content-Length} left as it was.
     *
     * @param nonBlocking whether the stream takes a {@code ReadListener} (calling it at once, its body in memory),
     *     or throws {@code UnsupportedOperationException} from {@code setReadListener}
     */
    private static Filter replacingTheBody(UnaryOperator<byte[]> change, boolean nonBlocking) {
        return (request, response, chain) -> {
            byte[] body = change.apply(request.getInputStream().readAllBytes());
            chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
                @Override
                public ServletInputStream getInputStream() {
                    return new InMemoryStream(body, nonBlocking);
                }
            }, response);
        };
    }

    /** A body-caching wrapper's stream, as such wrappers write it. */
    private static final class InMemoryStream extends ServletInputStream {

        private final ByteArrayInputStream in;
        private final boolean nonBlocking;

        InMemoryStream(byte[] body, boolean nonBlocking) {
            this.in = new ByteArrayInputStream(body);
            this.nonBlocking = nonBlocking;
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            if (!nonBlocking) {
                throw new UnsupportedOperationException("not implemented");
            }
            try {
                listener.onDataAvailable();
                if (isFinished()) {
                    listener.onAllDataRead();
                }
            } catch (IOException e) {
                listener.onError(e);
            }
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }
    }
}
