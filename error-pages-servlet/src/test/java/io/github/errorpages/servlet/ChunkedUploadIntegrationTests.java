package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.Await;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamEvent;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
    /** The name of an XNIO worker's IO thread, which reads Undertow's connections. */
    private static final String IO_THREAD = "XNIO-\\d+ I/O-\\d+";

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
     * On Undertow with the Jetty transport, a body read with a listener is asked for ({@code isReady()}) and read only
     * on the exchange's IO thread, never on the upstream client's: an {@code isReady()} that found nothing resumes the
     * connection's reads, not in one step with its check, and when data came in between, Undertow's IO thread read
     * the connection again while the client's thread read the stream's data and then the connection itself. For one
     * chunked upload in thousands (under load, on JDK 25 as on 17) its chunked decoding then failed: the client got
     * 400 "the request body could not be read." for a body it sent whole (Undertow's {@code onError} on the IO
     * thread), or its read threw "Buffer has already been freed" and the connection closed without an answer. That
     * race runs inside Undertow; the test makes its precondition certain: a filter's stream in front holds the
     * upstream client's first look at the body until Undertow's IO thread has the body's data ready, which that thread
     * then asks for and reads itself, chunked (RFC 9112 §7.1) or of announced length (RFC 9112 §6.2).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"chunked", "Content-Length"})
    void onUndertowTheJettyTransportAsksAndReadsABodyOnlyOnTheExchangesIoThread(String framing) throws Exception {
        Queue<String> askingThreads = new ConcurrentLinkedQueue<>();
        Queue<String> readingThreads = new ConcurrentLinkedQueue<>();
        CountDownLatch dataReady = new CountDownLatch(1);
        Filter recording = wrapping(container -> new RecordingStream(container, askingThreads, readingThreads,
                dataReady, () -> { }));
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = undertowWithTheJettyTransport(recording, upstream)) {
            String answer = Client.rawExchange(proxy.port(), framing.equals("chunked")
                    ? HEAD + "\r\n" + CHUNK + LAST_CHUNK
                    : HEAD.replace("Transfer-Encoding: chunked", "Content-Length: " + BODY.length()) + "\r\n" + BODY);

            assertForwardedWhole(answer, upstream);
            assertThat(dataReady.getCount()).as("Undertow told the listener the body's data was there").isZero();
            assertThat(askingThreads).as("the threads that asked Undertow's stream whether it is ready").isNotEmpty()
                    .allSatisfy(thread -> assertThat(thread).matches(IO_THREAD));
            assertThat(readingThreads).as("the threads that read Undertow's stream").isNotEmpty()
                    .allSatisfy(thread -> assertThat(thread).matches(IO_THREAD));
        }
    }

    /**
     * A filter's stream in front whose {@code isReady()} throws (a bug of the application's) fails the request at
     * once with the container's 500, the exception thrown to the container, as where the stream is asked on the
     * upstream client's thread. Asked as a task of Undertow's IO thread, what it threw reached only XNIO, which logged
     * it, and the body's demand waited for the attempt's timeout, then taken for a stall of the client's: a 408, after
     * 3 s, for a client that sent its whole body at once.
     */
    @Test
    void onUndertowAStreamWhoseIsReadyThrowsFailsTheRequestNotAsTheClientsStall() throws Exception {
        Filter throwing = wrapping(container -> new RecordingStream(container, new ConcurrentLinkedQueue<>(),
                new ConcurrentLinkedQueue<>(), new CountDownLatch(1), () -> {
                    throw new IllegalStateException("a filter's stream that cannot tell");
                }));
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = undertowWithTheJettyTransport(throwing, upstream)) {
            String answer = Client.rawExchange(proxy.port(), HEAD + "\r\n" + CHUNK + LAST_CHUNK);

            assertThat(answer).as("the gateway's bug, not the client's stall (408)").startsWith("HTTP/1.1 500");
        }
    }

    /**
     * While Undertow's IO thread is busy (here: held in the filter's {@code isReady()}, its first ask of the stream)
     * the body's data, sent whole with the head, is there, and the demand handed to that thread waits for it, not for
     * the client: an attempt that times out meanwhile, the upstream not answering, is the upstream's (504, R1, R22),
     * never a stall of the client's (408), as on other containers, where the stream is asked at once. The demand
     * counted as waiting for the client from the moment it was handed over.
     */
    @Test
    void onUndertowADemandTheBusyIoThreadHasNotAskedYetIsNoStallOfTheClients() throws Exception {
        CountDownLatch ioThreadHeld = new CountDownLatch(1);
        CountDownLatch callEnded = new CountDownLatch(1);
        AtomicReference<Boolean> heldUntilTheCallEnded = new AtomicReference<>();
        Filter holding = wrapping(container -> new RecordingStream(container, new ConcurrentLinkedQueue<>(),
                new ConcurrentLinkedQueue<>(), new CountDownLatch(1), () -> {
                    if (Thread.currentThread().getName().matches(IO_THREAD) && ioThreadHeld.getCount() > 0) {
                        ioThreadHeld.countDown();
                        // The IO thread, busy until the guard has ended the call; asserted on the test's thread, for
                        // what this throws would be taken for the stream's bug.
                        heldUntilTheCallEnded.set(Await.opened(callEnded));
                    }
                }));
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.stall());
                ProxyContainer.Server proxy = ProxyContainer.UNDERTOW.start(List.of(holding),
                        ReverseProxyServlet.builder(UpstreamGuard.builder(UpstreamConfig.builder("orders")
                                .endpoints(upstream.uri()).attemptTimeout(Duration.ofSeconds(3)).build())
                                .listener(event -> {
                                    if (event instanceof UpstreamEvent.CallFailed
                                            || event instanceof UpstreamEvent.CallAborted) {
                                        callEnded.countDown();
                                    }
                                }).build()).transport(ProxyTransport.JETTY).build(), true)) {
            String answer = Client.rawExchange(proxy.port(), HEAD + "\r\n" + CHUNK + LAST_CHUNK);

            assertThat(ioThreadHeld.getCount()).as("the IO thread was busy when it was to ask the stream").isZero();
            Await.until(() -> heldUntilTheCallEnded.get() != null, "the IO thread let go");
            assertThat(heldUntilTheCallEnded.get()).as("the IO thread held until the guard ended the call").isTrue();
            assertThat(answer).as("the upstream's timeout, not the client's stall (408)").startsWith("HTTP/1.1 504");
        }
    }

    /**
     * A client that stalls its upload on Undertow (its head sent, then none of the body) is still answered 408 when
     * the attempt times out, its own stall, not the upstream's (R22): the demand handed to the IO thread waits for the
     * client once that thread found the stream without data.
     */
    @Test
    void onUndertowAClientThatStallsItsUploadIsAnswered408() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                ProxyContainer.Server proxy = proxy(ProxyContainer.UNDERTOW, ProxyTransport.JETTY, upstream)) {
            String answer = Client.rawExchange(proxy.port(), HEAD + "\r\n");

            assertThat(answer).as("the client's stall, not the upstream's timeout (504)").startsWith("HTTP/1.1 408");
        }
    }

    /** A proxy on Undertow with the Jetty transport and {@code inFront}, whose attempt timeout is 3 s. */
    private static ProxyContainer.Server undertowWithTheJettyTransport(Filter inFront, FaultyUpstream upstream) {
        return ProxyContainer.UNDERTOW.start(List.of(inFront), ReverseProxyServlet.builder(UpstreamGuard.of(
                UpstreamConfig.builder("orders").endpoints(upstream.uri()).attemptTimeout(Duration.ofSeconds(3))
                        .build())).transport(ProxyTransport.JETTY).build(), true);
    }

    /** A filter that hands down the request with the stream {@code wrap} makes of the container's. */
    private static Filter wrapping(UnaryOperator<ServletInputStream> wrap) {
        return (request, response, chain) -> chain.doFilter(new HttpServletRequestWrapper(
                (HttpServletRequest) request) {
            @Override
            public ServletInputStream getInputStream() throws IOException {
                return wrap.apply(super.getInputStream());
            }
        }, response);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).as("waited 10 s").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A filter's stream in front of Undertow's, which records the thread of each {@code isReady()} and read, runs
     * {@code onIsReady} before each {@code isReady()}, and holds the listener's setter until the container called the
     * listener with data there (what a busy upstream client's thread may come to see: the stream ready when it first
     * looks). It calls {@code onDataAvailable} as the Servlet specification has a container call it: once, then again
     * only after {@code isReady()} returned {@code false}; Undertow may call it twice at first (its read listener, and
     * the task {@code setReadListener} queued), which would run a demand that only the proxy's own ask is to run.
     */
    private static final class RecordingStream extends ServletInputStream {

        private final ServletInputStream container;
        private final Queue<String> askingThreads;
        private final Queue<String> readingThreads;
        private final CountDownLatch dataReady;
        private final Runnable onIsReady;
        /** Whether the listener may be told of data: at first, and after {@code isReady()} returned {@code false}. */
        private final AtomicBoolean mayTell = new AtomicBoolean(true);

        RecordingStream(ServletInputStream container, Queue<String> askingThreads, Queue<String> readingThreads,
                CountDownLatch dataReady, Runnable onIsReady) {
            this.container = container;
            this.askingThreads = askingThreads;
            this.readingThreads = readingThreads;
            this.dataReady = dataReady;
            this.onIsReady = onIsReady;
        }

        @Override
        public boolean isFinished() {
            return container.isFinished();
        }

        @Override
        public boolean isReady() {
            askingThreads.add(Thread.currentThread().getName());
            onIsReady.run();
            boolean ready = container.isReady();
            if (!ready) {
                mayTell.set(true);
            }
            return ready;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            container.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    if (mayTell.getAndSet(false)) {
                        listener.onDataAvailable();
                    }
                    dataReady.countDown(); // after the call, which finds no demand set yet: it runs none
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
            // The upstream client's thread, asking for the body's first part: it looks once the data is there.
            await(dataReady);
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
