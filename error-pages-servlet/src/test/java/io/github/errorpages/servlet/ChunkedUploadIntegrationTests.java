package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.Filter;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A well-formed chunked request body (RFC 9112 §7.1: no {@code Content-Length}, the body ended by its last chunk) is
 * forwarded whole, at once, in each container with either transport: sent in one write, in writes of its own (the
 * head, each chunk, the last chunk), with trailer fields, and by the JDK's client streaming a body of unknown length.
 * On Undertow with the Jetty transport every such body waited for the container's {@code onAllDataRead}, which
 * Undertow calls, when a read rather than its I/O thread found the body's end, only from a later {@code isReady()}:
 * the upstream got the head without the last chunk, and the client a 408 at the attempt's timeout, for a body it sent
 * whole.
 */
class ChunkedUploadIntegrationTests {

    private static final String HEAD = "POST /orders HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n"
            + "Content-Type: application/json\r\nConnection: close\r\n";
    private static final String BODY = "{\"a\":1}";
    private static final String CHUNK = "7\r\n" + BODY + "\r\n";
    private static final String LAST_CHUNK = "0\r\n\r\n";

    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aChunkedBodySentInOneWriteIsForwardedWhole(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = proxy(container, transport, upstream)) {
            String answer = Client.rawExchange(proxy.port(), HEAD + "\r\n" + CHUNK + LAST_CHUNK);

            assertForwardedWhole(answer, upstream);
        }
    }

    /**
     * The body's parts in writes of their own, after the container's {@code 100 Continue}: the proxy reads the head
     * and starts the attempt before any of the body is there.
     */
    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aChunkedBodySentInWritesOfItsOwnIsForwardedWhole(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = proxy(container, transport, upstream);
                Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            out.write((HEAD + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(Client.readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 100");
            for (String part : List.of("7\r\n", BODY, "\r\n", LAST_CHUNK)) {
                out.write(part.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);

            assertForwardedWhole(answer.toString(StandardCharsets.UTF_8), upstream);
        }
    }

    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aChunkedBodyWithTrailerFieldsIsForwardedWhole(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = proxy(container, transport, upstream)) {
            String answer = Client.rawExchange(proxy.port(), HEAD + "Trailer: X-Checksum\r\n\r\n" + CHUNK
                    + "0\r\nX-Checksum: 7\r\n\r\n");

            assertForwardedWhole(answer, upstream);
        }
    }

    /** The JDK's client streams a body of unknown length chunked, as {@code fetch} with a stream or curl do. */
    @ParameterizedTest
    @MethodSource("io.github.errorpages.servlet.ProxyContainer#withEachTransport")
    void aBodyStreamedByTheJdksClientIsForwardedWhole(ProxyContainer container, ProxyTransport transport)
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = proxy(container, transport, upstream)) {
            HttpResponse<String> answer = Client.ofItsOwn().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + proxy.port() + "/orders")).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                            BODY.getBytes(StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(upstream.requests()).singleElement()
                    .satisfies(forwarded -> assertThat(forwarded.bodyText()).isEqualTo(BODY));
        }
    }

    /**
     * On Undertow with the Jetty transport, the body is read only on the exchange's IO thread, never on the upstream
     * client's: an {@code isReady()} that found nothing resumes the connection's reads, not in one step with its check,
     * and when data came in between, Undertow's IO thread read the connection again while the client's thread read the
     * stream's data and then the connection itself. For one chunked upload in thousands (under load, on JDK 25 as on
     * 17) its chunked decoding then failed: the client got 400 "the request body could not be read." for a body it
     * sent whole (Undertow's {@code onError} on the IO thread), or its read threw "Buffer has already been freed" and
     * the connection closed without an answer. That race runs inside Undertow; the test makes its precondition
     * certain: a filter's stream in front holds the upstream client's first look at the body until Undertow's IO
     * thread has the body's data ready, which that thread then read itself (RFC 9112 §7.1).
     */
    @Test
    void onUndertowTheJettyTransportReadsAChunkedBodyOnlyOnTheExchangesIoThread() throws Exception {
        Queue<String> readingThreads = new ConcurrentLinkedQueue<>();
        CountDownLatch dataReady = new CountDownLatch(1);
        Filter recording = (request, response, chain) -> chain.doFilter(new HttpServletRequestWrapper(
                (HttpServletRequest) request) {
            @Override
            public ServletInputStream getInputStream() throws IOException {
                return new ReadRecordingStream(super.getInputStream(), readingThreads, dataReady);
            }
        }, response);
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = ProxyContainer.UNDERTOW.start(List.of(recording),
                        ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("orders")
                                .endpoints(upstream.uri()).attemptTimeout(Duration.ofSeconds(3)).build()))
                                .transport(ProxyTransport.JETTY).build(), true)) {
            String answer = Client.rawExchange(proxy.port(), HEAD + "\r\n" + CHUNK + LAST_CHUNK);

            assertForwardedWhole(answer, upstream);
            assertThat(dataReady.getCount()).as("Undertow told the listener the body's data was there").isZero();
            assertThat(readingThreads).as("the threads that read Undertow's stream").isNotEmpty()
                    .allSatisfy(thread -> assertThat(thread).matches("XNIO-\\d+ I/O-\\d+"));
        }
    }

    /**
     * A filter's stream in front of Undertow's, which records the thread of each read, and holds the listener's
     * setter until the container called the listener with data there (what a busy upstream client's thread may come
     * to see: the stream ready when it first looks).
     */
    private static final class ReadRecordingStream extends ServletInputStream {

        private final ServletInputStream container;
        private final Queue<String> readingThreads;
        private final CountDownLatch dataReady;

        ReadRecordingStream(ServletInputStream container, Queue<String> readingThreads, CountDownLatch dataReady) {
            this.container = container;
            this.readingThreads = readingThreads;
            this.dataReady = dataReady;
        }

        @Override
        public boolean isFinished() {
            return container.isFinished();
        }

        @Override
        public boolean isReady() {
            return container.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            container.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    dataReady.countDown();
                    listener.onDataAvailable();
                }

                @Override
                public void onAllDataRead() throws IOException {
                    listener.onAllDataRead();
                }

                @Override
                public void onError(Throwable t) {
                    listener.onError(t);
                }
            });
            try {
                // The upstream client's thread, asking for the body's first part: it looks once the data is there.
                dataReady.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public int read() throws IOException {
            readingThreads.add(Thread.currentThread().getName());
            return container.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            readingThreads.add(Thread.currentThread().getName());
            return container.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return container.available();
        }

        @Override
        public void close() throws IOException {
            container.close();
        }
    }

    /** An attempt timeout well under the 10 s a raw exchange waits, so that a body held to it fails the test. */
    private static ProxyContainer.Server proxy(ProxyContainer container, ProxyTransport transport,
            FaultyUpstream upstream) {
        return container.start(List.of(), ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig
                .builder("orders").endpoints(upstream.uri()).attemptTimeout(Duration.ofSeconds(3)).build()))
                .transport(transport).build(), true);
    }

    private static void assertForwardedWhole(String answer, FaultyUpstream upstream) {
        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(upstream.requests()).singleElement().satisfies(forwarded -> {
            assertThat(forwarded.method()).isEqualTo("POST");
            assertThat(forwarded.bodyText()).isEqualTo(BODY);
        });
    }
}
