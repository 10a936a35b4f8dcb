package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The proxy streams: a 200 MB response crosses it (upstream, proxy and client in this JVM) while the heap
 * grows by less than 32 MB, measured after full GCs half-way through, for a second in which the client
 * reads nothing, and again at the end. A proxy that buffered the body, or read the upstream faster than
 * the client takes it, would keep growing while the client waits. While the client waits, none of the JETTY
 * transport's client threads is blocked writing to it (its writes do not block; the JDK transport's container
 * thread is). Runs once per
 * {@link ProxyTransport}
 * ({@link ReverseProxyServletStreamingJettyTransportIntegrationTests},
 * {@link ReverseProxyServletStreamingJdkTransportIntegrationTests}).
 */
abstract class ReverseProxyServletStreamingIntegrationTests {

    private static final long SIZE = 200L * 1024 * 1024;
    private static final long MAX_GROWTH = 32L * 1024 * 1024;
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private final ProxyTransport transport;
    /** A thread of the proxy's Jetty client seen blocked in a servlet write, or null. */
    private @Nullable String blockedWriter;

    ReverseProxyServletStreamingIntegrationTests(ProxyTransport transport) {
        this.transport = transport;
    }

    @Test
    void streams200MegabyteResponseWithBoundedHeap() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.largeBody(SIZE));
                JettyServer jetty = new JettyServer()
                        .servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                                UpstreamConfig.builder("downloads").endpoints(upstream.uri()).build()))
                                .transport(transport).build())
                        .start()) {
            long baseline = usedHeapAfterGc();

            HttpResponse<InputStream> response = Client.stream("GET", jetty.uri("/archive.bin"), "*/*");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
            long read;
            long halfWay;
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[64 * 1024];
                read = skip(body, buffer, SIZE / 2);
                blockedWriter = null;
                halfWay = largestGrowthWhileClientWaits(baseline);
                read += skip(body, buffer, Long.MAX_VALUE);
            }
            long atEnd = usedHeapAfterGc() - baseline;

            assertThat(read).isEqualTo(SIZE);
            System.out.printf("heap growth streaming 200 MB (%s): %.1f MB half-way, %.1f MB at the end%n",
                    transport, halfWay / 1048576.0, atEnd / 1048576.0);
            assertThat(halfWay).as("heap growth half-way, bytes").isLessThan(MAX_GROWTH);
            assertThat(atEnd).as("heap growth at the end, bytes").isLessThan(MAX_GROWTH);
            if (transport == ProxyTransport.JETTY) {
                assertThat(blockedWriter).as("a client thread blocked writing to the client while it read nothing")
                        .isNull();
            }
        }
    }

    @Test
    void clientThatPausesLongerThanTheBodyIdleTimeoutGetsTheWholeBody() throws Exception {
        // The proxy asks the upstream for the next part only once the client took the last: while the client
        // pauses, the upstream is not late, and its body idle timeout must not end the response.
        long size = 16L * 1024 * 1024;
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.largeBody(size));
                JettyServer jetty = new JettyServer()
                        .servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                                UpstreamConfig.builder("downloads").endpoints(upstream.uri()).build()))
                                .transport(transport).bodyIdleTimeout(Duration.ofMillis(300)).build())
                        .start()) {
            HttpResponse<InputStream> response = Client.stream("GET", jetty.uri("/archive.bin"), "*/*");
            long read;
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[64 * 1024];
                read = skip(body, buffer, 1024 * 1024);
                readNothingFor(Duration.ofMillis(1500)); // the scenario: five body idle timeouts without reading
                read += skip(body, buffer, Long.MAX_VALUE);
            }

            assertThat(read).as("bytes the client got").isEqualTo(size);
        }
    }

    /**
     * A client that reads slowly but steadily (16 KiB every 10 ms, about 1.6 MB/s) gets the whole body, though
     * reading it takes several times the client-idle-timeout: that timeout counts from when the part now waiting for
     * the client arrived, not from the first part that ever waited. The proxy's send buffer is small, so that each
     * read makes room for the next part soon: Linux's, grown up to 4 MiB, tells a writer only once a good part of it
     * was read, which for a reader this slow alone takes longer than a second (see
     * {@link ReverseProxyServlet.Builder#clientIdleTimeout}).
     */
    @Test
    void clientThatReadsSlowlyButSteadilyPastTheClientIdleTimeoutGetsTheWholeBody() throws Exception {
        long size = 6L * 1024 * 1024;
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.largeBody(size));
                JettyServer jetty = new JettyServer().sendBufferSize(64 * 1024)
                        .servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                                UpstreamConfig.builder("downloads").endpoints(upstream.uri()).build()))
                                .transport(transport).clientIdleTimeout(Duration.ofSeconds(1)).build())
                        .start();
                Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.setSoTimeout(10_000);
            client.connect(new InetSocketAddress("127.0.0.1", jetty.port()));
            client.getOutputStream().write(("GET /archive.bin HTTP/1.1\r\nHost: shop.example\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(client.getInputStream());
            String head = readHead(in);
            byte[] buffer = new byte[16 * 1024];
            long read = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                read += n;
                readNothingFor(Duration.ofMillis(10)); // the scenario: the client's pace
            }

            assertThat(head).startsWith("HTTP/1.1 200 ");
            assertThat(read).as("bytes the client got").isEqualTo(size);
        }
    }

    /**
     * A HEAD response whose upstream head announces no length (a GET's body would be chunked) is sent with nothing
     * after it, so that the container adds no {@code Content-Length: 0}. The JETTY transport sent it with a
     * blocking flush on a thread of its client, which then waited for as long as the client read nothing (up to
     * the container's idle timeout): a thread per such client, taken from every other exchange. Here the head is
     * larger than the sockets' buffers between the proxy and a client that reads nothing yet. (The JDK transport's
     * container thread waits, as it does for every write.)
     */
    @Test
    void headWithoutLengthForAClientThatReadsNothingHoldsNoClientThread() throws Exception {
        int padding = 256 * 1024;
        CountDownLatch answered = new CountDownLatch(1);
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> {
                    exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                            + "X-Padding: " + "p".repeat(padding) + "\r\n\r\n");
                    answered.countDown();
                });
                JettyServer jetty = new JettyServer().sendBufferSize(8 * 1024).responseHeaderSize(512 * 1024)
                        .servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                                UpstreamConfig.builder("heads").endpoints(upstream.uri()).build()))
                                .transport(transport).maxResponseHeaderSize(300 * 1024).build())
                        .start();
                Socket client = new Socket()) {
            client.setReceiveBufferSize(4 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", jetty.port()));
            client.getOutputStream().write("HEAD /archive.bin HTTP/1.1\r\nHost: shop.example\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(answered.await(10, TimeUnit.SECONDS)).as("the upstream answered").isTrue();
            String blocked = null;
            for (long deadline = System.nanoTime() + 1_000_000_000L; blocked == null && System.nanoTime() < deadline; ) {
                blocked = clientThreadBlockedInAServletWrite("error-pages-proxy-heads", true);
                LockSupport.parkNanos(10_000_000L); // sampled while the client reads nothing
            }
            String head = readHead(new BufferedInputStream(client.getInputStream()));

            if (transport == ProxyTransport.JETTY) {
                assertThat(blocked).as("a client thread blocked writing to a client that read nothing").isNull();
            }
            assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("\r\nX-Padding: " + "p".repeat(padding) + "\r\n")
                    .doesNotContainIgnoringCase("Content-Length");
        }
    }

    /**
     * An HTTP/2 client that reads nothing on several streams of one connection, each answered with a body that fits
     * the response buffer: the JETTY transport wrote such a body with a blocking write, which over HTTP/2 waits for
     * the stream's flow-control window, so each stream held a thread of the proxy's client, every other exchange's
     * too (a hundred streams of one connection took the proxy down for everyone). Here each stream's window is a
     * KiB, and the bodies are 16 KB.
     */
    @Test
    void http2ClientThatReadsNothingOnItsStreamsHoldsNoClientThread() throws Exception {
        int streams = 4;
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200, "x".repeat(16_000),
                        "Content-Type", "application/octet-stream"));
                JettyServer jetty = new JettyServer().h2c()
                        .servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                                UpstreamConfig.builder("h2-readers").endpoints(upstream.uri()).build()))
                                .transport(transport).build())
                        .start()) {
            HTTP2Client h2 = new HTTP2Client();
            h2.setInitialStreamRecvWindow(1024);
            h2.start();
            try {
                URI gateway = jetty.h2cUri("/");
                Session session = h2.connect(new InetSocketAddress("127.0.0.1", gateway.getPort()),
                        new Session.Listener() { }).get(10, TimeUnit.SECONDS);
                for (int i = 0; i < streams; i++) {
                    MetaData.Request request = new MetaData.Request("GET",
                            HttpURI.from(gateway.resolve("/orders/" + i).toString()), HttpVersion.HTTP_2, HttpFields.EMPTY);
                    session.newStream(new HeadersFrame(request, null, true), new Stream.Listener() {
                        @Override
                        public void onHeaders(Stream stream, HeadersFrame frame) {
                            // demands no data: the client reads nothing, and grants no more window
                        }
                    });
                }
                assertThat(upstream.awaitRequests(streams, Duration.ofSeconds(10))).as("the upstream has them").isTrue();
                String blocked = null;
                for (long deadline = System.nanoTime() + 1_000_000_000L; blocked == null && System.nanoTime() < deadline; ) {
                    blocked = clientThreadBlockedInAServletWrite("error-pages-proxy-h2-readers", false);
                    LockSupport.parkNanos(10_000_000L); // sampled while the client reads nothing
                }

                if (transport == ProxyTransport.JETTY) {
                    assertThat(blocked).as("a client thread blocked writing to an HTTP/2 client that read nothing")
                            .isNull();
                }
            } finally {
                h2.stop();
            }
        }
    }

    /**
     * HTTP/1 clients that read nothing hold at most a quarter of the JETTY transport's client threads: a body that
     * fits the response buffer is written with a blocking write only while fewer than that are, and through the write
     * listener otherwise. Every such write held a thread until the client read: two hundred clients pipelining
     * requests they never read took every thread, other clients' exchanges waited for one until their attempt timed
     * out, and the breaker of the healthy upstream opened. (Buffers of 4 KiB on both sides of each connection, so
     * that one unread 30 KB body is enough; the client's pool has Jetty's default 200 threads.)
     */
    @Test
    void http1ClientsThatReadNothingHoldAtMostAQuarterOfTheClientsThreads() throws Exception {
        Assumptions.assumeTrue(transport == ProxyTransport.JETTY, "the JETTY transport's client threads");
        int quarter = 200 / 4;
        int clients = quarter + 10;
        List<Socket> sockets = new ArrayList<>();
        try (FaultyUpstream upstream = FaultyUpstream.start(exchange -> exchange.respond(200, "x".repeat(30_000),
                        "Content-Type", "application/octet-stream"));
                JettyServer jetty = new JettyServer().sendBufferSize(4096)
                        .servlet("/*", ReverseProxyServlet.builder(UpstreamGuard.of(UpstreamConfig.builder("unread")
                                .endpoints(upstream.uri()).build())).transport(transport).build())
                        .start()) {
            for (int i = 0; i < clients; i++) {
                Socket socket = new Socket();
                sockets.add(socket);
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", jetty.port()));
                socket.getOutputStream().write(("GET /orders/" + i + " HTTP/1.1\r\nHost: gateway\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                // One after the other, within the bulkhead (50 calls), whose permit the head of each gives back.
                assertThat(upstream.awaitRequests(i + 1, Duration.ofSeconds(10))).as("the upstream has %s", i).isTrue();
            }
            int most = 0;
            // Sampled while the clients read nothing: the bodies reach the writes a moment after the upstream sent
            // them.
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline && most <= quarter) {
                most = Math.max(most, clientThreadsBlockedInAServletWrite("error-pages-proxy-unread"));
                LockSupport.parkNanos(20_000_000L);
            }

            assertThat(most).as("client threads blocked writing to clients that read nothing").isBetween(1, quarter);
            HttpResponse<byte[]> reader = Client.get(jetty.uri("/orders/reader"), "*/*");
            assertThat(reader.statusCode()).as("a client that reads").isEqualTo(200);
            assertThat(reader.body()).hasSize(30_000);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** The response head, up to the empty line that ends it, read byte by byte: what follows stays in {@code in}. */
    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            int length = head.length();
            if (b == '\n' && length >= 4 && head.charAt(length - 2) == '\r' && head.charAt(length - 3) == '\n') {
                break;
            }
        }
        return head.toString();
    }

    /** A client that reads nothing for a while: the time is the scenario, nothing waits on it to happen. */
    private static void readNothingFor(Duration pause) {
        long until = System.nanoTime() + pause.toNanos();
        for (long left = pause.toNanos(); left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * The client stops reading for a second: a proxy that streams stops too (TCP flow control up to the
     * upstream), one that buffers goes on reading the upstream into memory. Sampled after GCs, ending early
     * once the limit is crossed.
     */
    private long largestGrowthWhileClientWaits(long baseline) {
        long largest = 0;
        long deadline = System.nanoTime() + 1_000_000_000L;
        do {
            largest = Math.max(largest, usedHeapAfterGc() - baseline);
            if (blockedWriter == null) {
                // Writes only: a streamed body's flush may wait a moment on the output's lock, which is no blocking.
                blockedWriter = clientThreadBlockedInAServletWrite("error-pages-proxy-downloads", false);
            }
        } while (largest < MAX_GROWTH && System.nanoTime() < deadline);
        return largest;
    }

    /**
     * The name of a thread of the proxy's Jetty client ({@code error-pages-proxy-<upstream>-*}) that waits inside
     * Jetty's servlet output stream's write (or flush, when asked) for the client, a blocking write to a slow
     * client (CI twice took a moment's wait for the output's lock for one), or null. Other threads of
     * this JVM (servers of other tests, the JDK transport's container threads) are not looked at.
     */
    private static int clientThreadsBlockedInAServletWrite(String threadNamePrefix) {
        int blocked = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (isBlockedInAServletWrite(thread, thread.getStackTrace(), threadNamePrefix, false)) {
                blocked++;
            }
        }
        return blocked;
    }

    private static @Nullable String clientThreadBlockedInAServletWrite(String threadNamePrefix, boolean flushToo) {
        for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
            if (isBlockedInAServletWrite(thread.getKey(), thread.getValue(), threadNamePrefix, flushToo)) {
                return thread.getKey().getName();
            }
        }
        return null;
    }

    private static boolean isBlockedInAServletWrite(Thread thread, StackTraceElement[] stack, String threadNamePrefix,
            boolean flushToo) {
        Thread.State state = thread.getState();
        if (!thread.getName().startsWith(threadNamePrefix)
                || (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING)) {
            return false;
        }
        boolean inServletOutput = false;
        boolean blocked = false;
        for (StackTraceElement frame : stack) {
            inServletOutput |= frame.getClassName().equals("org.eclipse.jetty.ee10.servlet.HttpOutput")
                    && (frame.getMethodName().startsWith("write")
                            || (flushToo && frame.getMethodName().equals("flush")));
            // Where a blocking write or flush waits for the client (Blocker's callback, or its turn at the
            // shared one); a wait for the output's lock, which a non-blocking write may take for a moment
            // while the container's thread holds it, is no blocking write.
            blocked |= frame.getClassName().startsWith("org.eclipse.jetty.util.Blocker");
        }
        return inServletOutput && blocked;
    }

    private static long skip(InputStream in, byte[] buffer, long limit) throws java.io.IOException {
        long total = 0;
        while (total < limit) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - total));
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static long usedHeapAfterGc() {
        // Two rounds: the first may only queue finalisable or weakly referenced objects.
        System.gc();
        System.gc();
        return MEMORY.getHeapMemoryUsage().getUsed();
    }
}
