package io.github.errorpages.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTP/1.1 upstream on a loopback port that misbehaves on demand, over real sockets: it answers,
 * resets, stalls, sends garbage or a truncated body, and counts every request it receives. Shared by the
 * tests of every module (the core module publishes it in its test-jar).
 *
 * <p>The behaviour can be switched while the server runs ({@link #behave(Behaviour)}), so one upstream
 * can fail and then recover. Thread-safe.
 */
public final class FaultyUpstream implements Closeable {

    private static final String KEYSTORE = "/io/github/errorpages/testing/self-signed.p12";
    /** The sockets that keep the ports of {@link #closedPort()} bound and refusing. */
    private static final List<Socket> HELD_PORTS = new CopyOnWriteArrayList<>();

    private final ServerSocket server;
    /** Layered on each accepted connection for an HTTPS upstream, so that a test can cut it under the TLS. */
    private final @Nullable SSLContext tls;
    private final boolean needClientAuth;
    private final AtomicReference<Behaviour> behaviour;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    /** The host names clients asked for in their TLS handshakes (SNI), one entry a connection. */
    private final List<String> serverNames = new CopyOnWriteArrayList<>();
    private final List<Long> requestNanos = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-upstream");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch closed = new CountDownLatch(1);

    private FaultyUpstream(ServerSocket server, @Nullable SSLContext tls, boolean needClientAuth, Behaviour behaviour) {
        this.server = server;
        this.tls = tls;
        this.needClientAuth = needClientAuth;
        this.behaviour = new AtomicReference<>(behaviour);
        threads.execute(this::acceptLoop);
    }

    /**
     * Starts a plain-HTTP upstream on an ephemeral loopback port.
     *
     * @param behaviour what it does with each request
     * @return the running upstream
     */
    public static FaultyUpstream start(Behaviour behaviour) {
        try {
            ServerSocket socket = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            return new FaultyUpstream(socket, null, false, behaviour);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts an HTTPS upstream whose certificate is self-signed (for {@code localhost} and 127.0.0.1),
     * so a client with the default trust store fails verification.
     *
     * @param behaviour what it does with each request (after a successful handshake)
     * @return the running upstream
     */
    public static FaultyUpstream startTlsSelfSigned(Behaviour behaviour) {
        return startTls(behaviour, false);
    }

    /**
     * Starts an HTTPS upstream like {@link #startTlsSelfSigned(Behaviour)} that requires a client certificate
     * (mTLS) and trusts none, so every client fails the handshake with the upstream's alert (a blocking client may
     * see its write fail first: "Broken pipe").
     *
     * @param behaviour what it does with each request (never reached)
     * @return the running upstream
     */
    public static FaultyUpstream startTlsRequiringClientCertificate(Behaviour behaviour) {
        return startTls(behaviour, true);
    }

    /**
     * Starts an HTTPS upstream like {@link #startTlsSelfSigned(Behaviour)} that requires a client certificate and
     * trusts its own: a client with {@link #presentingTheUpstreamsCertificate()} passes (mutual TLS).
     *
     * @param behaviour what it does with each request (after a successful handshake)
     * @return the running upstream
     */
    public static FaultyUpstream startMutualTls(Behaviour behaviour) {
        return startTls(behaviour, true, true);
    }

    private static FaultyUpstream startTls(Behaviour behaviour, boolean needClientAuth) {
        return startTls(behaviour, needClientAuth, false);
    }

    private static FaultyUpstream startTls(Behaviour behaviour, boolean needClientAuth, boolean trustingItself) {
        try {
            ServerSocket socket = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            return new FaultyUpstream(socket, serverContext(trustingItself), needClientAuth, behaviour);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The server side's TLS context of {@link #startTlsSelfSigned(Behaviour)}, for a test's own TLS server or engine:
     * it presents the upstream's self-signed certificate, which {@link #trustingSelfSigned()} trusts.
     *
     * @return an initialised context
     */
    public static SSLContext serverContext() {
        return serverContext(false);
    }

    private static SSLContext serverContext(boolean trustingItself) {
        try (InputStream in = FaultyUpstream.class.getResourceAsStream(KEYSTORE)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "changeit".toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trustingItself ? trustManagers(store) : null, null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A client's TLS context that trusts the certificate of {@link #startTlsSelfSigned(Behaviour)}, as a gateway
     * configured with its internal certificate authority would: for {@code localhost} and 127.0.0.1 only, so host
     * names are still verified.
     *
     * @return an initialised context
     */
    public static SSLContext trustingSelfSigned() {
        return clientContext(false);
    }

    /**
     * A client's TLS context like {@link #trustingSelfSigned()} that presents the upstream's own certificate as its
     * client certificate, which {@link #startMutualTls(Behaviour)} trusts.
     *
     * @return an initialised context
     */
    public static SSLContext presentingTheUpstreamsCertificate() {
        return clientContext(true);
    }

    private static SSLContext clientContext(boolean presenting) {
        try (InputStream in = FaultyUpstream.class.getResourceAsStream(KEYSTORE)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "changeit".toCharArray());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(presenting ? keys.getKeyManagers() : null, trustManagers(store), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Trust in the upstream's own certificate only. */
    private static javax.net.ssl.TrustManager[] trustManagers(KeyStore store)
            throws IOException, java.security.GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("upstream", store.getCertificate("upstream"));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        return trust.getTrustManagers();
    }

    /** @return the host names clients sent in their TLS handshakes (SNI), one a connection that sent one */
    public List<String> serverNames() {
        return List.copyOf(serverNames);
    }

    /**
     * Returns a loopback port on which nothing listens, so connecting to it is refused, for as long as the JVM
     * runs. The port stays bound to a socket that never listens: a port merely closed again could be handed to
     * the next server that binds port 0, an upstream of the same test, which would then answer the "refused"
     * calls (it did, with a 500, in a fault matrix row).
     *
     * @return the port
     */
    public static int closedPort() {
        Socket holder = new Socket();
        try {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HELD_PORTS.add(holder); // never closed: a few sockets per test JVM
        return holder.getLocalPort();
    }

    /** @param next the behaviour for requests from now on */
    public void behave(Behaviour next) {
        behaviour.set(next);
    }

    /** @return {@code http://127.0.0.1:port} (or {@code https://localhost:port}), with no trailing slash */
    public URI uri() {
        return URI.create((tls != null ? "https://localhost:" : "http://127.0.0.1:") + port());
    }

    /** @return the port */
    public int port() {
        return server.getLocalPort();
    }

    /** @return how many connections have been accepted so far */
    public int connectionCount() {
        return accepted.get();
    }

    /** @return how many request heads have been received so far */
    public int requestCount() {
        return requests.size();
    }

    /** @return the requests received so far, oldest first */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /**
     * Returns when each request head was received, as {@link System#nanoTime()} values in the order of
     * {@link #requests()}, so a test can measure the gap before a retry.
     *
     * @return the receipt times so far, oldest first
     */
    public List<Long> requestTimesNanos() {
        return List.copyOf(requestNanos);
    }

    /**
     * Waits until at least {@code count} requests have been received.
     *
     * @param count the number of requests to wait for
     * @param timeout the longest wait
     * @return whether that many arrived in time
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitRequests(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (requests) {
            while (requests.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(requests, left);
            }
            return true;
        }
    }

    /** Forgets the requests received so far and their receipt times. */
    public void clearRequests() {
        requests.clear();
        requestNanos.clear();
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        threads.shutdownNow();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket raw) {
        try (raw; Socket socket = tls != null ? layerTls(raw, tls) : raw) {
            raw.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            boolean first = true;
            while (true) {
                RecordedRequest request = readRequest(in);
                if (request == null) {
                    return;
                }
                if (first && socket instanceof SSLSocket secured
                        && secured.getSession() instanceof javax.net.ssl.ExtendedSSLSession session) {
                    for (javax.net.ssl.SNIServerName name : session.getRequestedServerNames()) {
                        if (name instanceof javax.net.ssl.SNIHostName host) {
                            serverNames.add(host.getAsciiName());
                        }
                    }
                }
                first = false;
                requestNanos.add(System.nanoTime());
                synchronized (requests) {
                    requests.add(request);
                    requests.notifyAll();
                }
                Exchange exchange = new Exchange(socket, raw, out, request, closed);
                behaviour.get().handle(exchange);
                if (exchange.connectionClosed || "close".equalsIgnoreCase(request.headers().get("connection"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away, or a behaviour closed the socket: nothing to do
        } finally {
            open.remove(raw);
        }
    }

    /** The server side of TLS over an accepted connection; its handshake comes with the first read. */
    private Socket layerTls(Socket raw, SSLContext context) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
        socket.setUseClientMode(false);
        socket.setNeedClientAuth(needClientAuth);
        return socket;
    }

    private static RecordedRequest readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        String[] parts = requestLine.split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
        }
        byte[] body = readBody(in, headers);
        return new RecordedRequest(parts[0], parts.length > 1 ? parts[1] : "", headers, body);
    }

    /**
     * Reads a request's body whole. A body cut short (the connection ended before its {@code Content-Length} or its
     * last chunk) ends the connection without recording the request, so that a test never takes a cut body for one
     * the upstream received.
     */
    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            int expected = Integer.parseInt(length.trim());
            byte[] body = in.readNBytes(expected);
            if (body.length < expected) {
                throw new EOFException("body cut after " + body.length + " of " + expected + " bytes");
            }
            return body;
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                int n = Integer.parseInt(requiredLine(in).split(";", 2)[0].trim(), 16);
                if (n == 0) {
                    while (!requiredLine(in).isEmpty()) {
                        // a trailer field: not recorded
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(n);
                if (chunk.length < n) {
                    throw new EOFException("chunk cut after " + chunk.length + " of " + n + " bytes");
                }
                body.write(chunk);
                if (!requiredLine(in).isEmpty()) {
                    throw new IOException("no CRLF after a chunk's data");
                }
            }
        }
        return new byte[0];
    }

    private static String requiredLine(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            throw new EOFException("chunked body cut before its last chunk");
        }
        return line;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /**
     * One request as the upstream received it.
     *
     * @param method the method
     * @param target the request target (path and query)
     * @param headers header fields, names in lower case, repeated fields joined with ", "
     * @param body the body, empty when none
     */
    public record RecordedRequest(String method, String target, Map<String, String> headers, byte[] body) {
        /** @return the body as UTF-8 text */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What the upstream does with one request. Implementations must be thread-safe. */
    @FunctionalInterface
    public interface Behaviour {
        /**
         * @param exchange the request and the means to answer it
         * @throws IOException when writing fails
         */
        void handle(Exchange exchange) throws IOException;

        /**
         * Answers with a complete response.
         *
         * @param status the status code
         * @param body the body, sent with a Content-Length
         * @param headers header name/value pairs
         * @return the behaviour
         */
        static Behaviour respond(int status, String body, String... headers) {
            return exchange -> exchange.respond(status, body, headers);
        }

        /**
         * Behaves as the first behaviour for the first request, as the second for the second, and so on; the
         * last one for every request after that. Counts the requests it handles itself, so it can be switched
         * in with {@link FaultyUpstream#behave(Behaviour)} at any time.
         *
         * @param behaviours at least one behaviour
         * @return the behaviour
         */
        static Behaviour sequence(Behaviour... behaviours) {
            if (behaviours.length == 0) {
                throw new IllegalArgumentException("at least one behaviour");
            }
            List<Behaviour> steps = List.of(behaviours);
            AtomicInteger handled = new AtomicInteger();
            return exchange -> steps.get(Math.min(handled.getAndIncrement(), steps.size() - 1)).handle(exchange);
        }

        /** @return a behaviour that answers 200 with {@code ok} */
        static Behaviour ok() {
            return respond(200, "ok", "Content-Type", "text/plain");
        }

        /** @return a behaviour that resets the connection (TCP RST) after reading the request */
        static Behaviour resetBeforeResponse() {
            return Exchange::reset;
        }

        /** @return a behaviour that closes the connection cleanly (FIN) without answering */
        static Behaviour closeBeforeResponse() {
            return Exchange::closeConnection;
        }

        /** @return a behaviour that reads the request and never answers, until the upstream is closed */
        static Behaviour stall() {
            return Exchange::stall;
        }

        /**
         * @param delay how long to wait before answering 200
         * @return a behaviour that answers late; the wait ends early when the upstream is closed
         */
        static Behaviour delay(Duration delay) {
            return exchange -> {
                exchange.await(delay);
                exchange.respond(200, "late", "Content-Type", "text/plain");
            };
        }

        /** @return a behaviour that answers with bytes that are not HTTP */
        static Behaviour garbage() {
            return exchange -> {
                exchange.writeRaw("SSH-2.0-OpenSSH_9.2 this is not HTTP\r\n\r\n");
                exchange.closeConnection();
            };
        }

        /** @return a behaviour that promises 1000 bytes, sends 10, then closes cleanly */
        static Behaviour truncatedBody() {
            return exchange -> {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789");
                exchange.closeConnection();
            };
        }

        /**
         * @param body the chunked body as sent, chunk headers included, e.g. {@code "5\r\nhello\r\n0\r\n\r\n"}
         * @return a behaviour that answers 200 with {@code Transfer-Encoding: chunked} and this body, then closes
         */
        static Behaviour chunked(String body) {
            return exchange -> {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
                exchange.closeConnection();
            };
        }

        /** @return a behaviour that sends 200 headers and part of the body, then resets */
        static Behaviour resetMidBody() {
            return exchange -> {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
                exchange.writeRaw("x".repeat(4096));
                exchange.reset();
            };
        }

        /**
         * Answers 200 with a body of the given size, written in 64 KiB pieces from one reused buffer, so
         * that the upstream itself holds no more than that however large the body.
         *
         * @param bytes the body's length
         * @return the behaviour
         */
        static Behaviour largeBody(long bytes) {
            return exchange -> {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                        + bytes + "\r\n\r\n");
                if (!"HEAD".equals(exchange.request().method())) {
                    exchange.writeRepeated((byte) 'x', bytes);
                }
            };
        }

        /** @return a behaviour that sends 200 headers and part of the body, then never sends more */
        static Behaviour stallMidBody() {
            return exchange -> {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
                exchange.writeRaw("x".repeat(4096));
                exchange.stall();
            };
        }

        /**
         * Like {@link #resetMidBody()}, but with 64 KiB of the body sent, more than a gateway's response
         * buffer holds (so a streaming gateway has committed), and the reset waits for a permit of
         * {@code release} (at most ten seconds, or until the upstream is closed). A reset that follows the
         * bytes at once may reach the client before it has read them, and the kernel then drops them: a
         * test that must see the failure after the client (or a gateway) has read the headers releases one
         * permit per request once it has.
         *
         * @param release one permit per request lets its reset happen
         * @return the behaviour
         */
        static Behaviour resetMidBodyAfter(Semaphore release) {
            return exchange -> {
                exchange.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n");
                exchange.writeRaw("x".repeat(64 * 1024));
                exchange.await(release, Duration.ofSeconds(10));
                exchange.reset();
            };
        }
    }

    /** One request being answered. Not thread-safe: it belongs to one connection's thread. */
    public static final class Exchange {
        private final Socket socket;
        /** The TCP connection under {@link #socket}; the same socket for plain HTTP. */
        private final Socket raw;
        private final OutputStream out;
        private final RecordedRequest request;
        private final CountDownLatch upstreamClosed;
        private boolean connectionClosed;

        Exchange(Socket socket, Socket raw, OutputStream out, RecordedRequest request, CountDownLatch upstreamClosed) {
            this.socket = socket;
            this.raw = raw;
            this.out = out;
            this.request = request;
            this.upstreamClosed = upstreamClosed;
        }

        /** @return the request */
        public RecordedRequest request() {
            return request;
        }

        /**
         * Writes a complete response with a Content-Length.
         *
         * @param status the status code
         * @param body the body
         * @param headers name/value pairs
         * @throws IOException when writing fails
         */
        public void respond(int status, String body, String... headers) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (!"HEAD".equals(request.method())) {
                out.write(bytes);
            }
            out.flush();
        }

        /**
         * @param text bytes to write as is (ISO-8859-1)
         * @throws IOException when writing fails
         */
        public void writeRaw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /**
         * Writes one byte value many times, from a reused 64 KiB buffer.
         *
         * @param value the byte
         * @param count how many times
         * @throws IOException when writing fails
         */
        public void writeRepeated(byte value, long count) throws IOException {
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, value);
            for (long left = count; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            out.flush();
        }

        /**
         * Resets the connection: SO_LINGER 0 and close sends a TCP RST. Over TLS without a closure alert before it,
         * as from a server that crashed or aborted the connection.
         */
        public void reset() {
            try {
                raw.setSoLinger(true, 0);
            } catch (SocketException ignored) {
                // already gone
            }
            connectionClosed = true;
            closeQuietly(raw);
        }

        /** Closes the connection cleanly: over TLS with its closure alert ({@code close_notify}), then a TCP FIN. */
        public void closeConnection() {
            connectionClosed = true;
            closeQuietly(socket);
        }

        /**
         * Closes the TCP connection without the TLS closure alert before it: over TLS a truncation, which a client
         * must not take for the end of a body delimited by the connection's end (RFC 9112 §9.8). For plain HTTP
         * the same as {@link #closeConnection()}.
         */
        public void closeWithoutClosureAlert() {
            connectionClosed = true;
            closeQuietly(raw);
        }

        /**
         * Waits until the client closes (or resets) the connection, dropping whatever it sends meanwhile.
         *
         * @param timeout the longest wait
         * @return whether the client closed it within the timeout
         */
        public boolean awaitClosedByClient(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                InputStream in = socket.getInputStream();
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    if (in.read() < 0) {
                        return true;
                    }
                }
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        /** Blocks until the upstream is closed, answering nothing. */
        public void stall() {
            await(Duration.ofMinutes(10));
            closeConnection();
        }

        /**
         * Waits for a permit, for the given time at most, or until the upstream is closed.
         *
         * @param permits where the permit comes from
         * @param timeout the longest wait
         */
        public void await(Semaphore permits, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                // Short slices, so that closing the upstream ends the wait too.
                while (upstreamClosed.getCount() > 0 && System.nanoTime() < deadline) {
                    if (permits.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Waits for the given time, or until the upstream is closed.
         *
         * @param delay the longest wait
         */
        public void await(Duration delay) {
            try {
                upstreamClosed.await(delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static String reason(int status) {
            switch (status) {
                case 200: return "OK";
                case 500: return "Internal Server Error";
                case 502: return "Bad Gateway";
                case 503: return "Service Unavailable";
                case 504: return "Gateway Timeout";
                default: return "Status";
            }
        }
    }

    /**
     * A listening socket whose accept queue is full, so a connect to it hangs until the client's connect
     * timeout fires: a loopback stand-in for an unreachable host (non-routable addresses are off-limits).
     *
     * <p>Keep a reference to it for as long as it must stay dead: once it is garbage-collected its sockets
     * close and the port starts refusing connections instead of hanging them.
     */
    public static final class Blackhole implements Closeable {
        private final ServerSocket server;
        private final List<Socket> fillers = new ArrayList<>();

        private Blackhole() throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            fillers.addAll(fillAcceptQueue(server));
        }

        /**
         * Fills the accept queue of a loopback socket listening with a backlog of 1, so that a connect to it hangs
         * until the queue has room again (until the socket accepts one, which it may never do).
         *
         * @param server a listening loopback socket, with a backlog of 1
         * @return the connections that fill the queue, to close once it may have room again
         * @throws IllegalStateException when the queue takes more connections than a backlog of 1 should
         */
        public static List<Socket> fillAcceptQueue(ServerSocket server) {
            List<Socket> fillers = new ArrayList<>();
            // Linux queues backlog + 1 connections; fill the queue until a connect no longer completes.
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 200);
                    fillers.add(s);
                } catch (IOException full) {
                    closeQuietly(s);
                    return fillers;
                }
            }
            fillers.forEach(FaultyUpstream::closeQuietly);
            throw new IllegalStateException("could not fill the accept queue of a loopback socket");
        }

        /** @return a new blackhole on an ephemeral loopback port */
        public static Blackhole open() {
            try {
                return new Blackhole();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** @return the port */
        public int port() {
            return server.getLocalPort();
        }

        /** @return {@code http://127.0.0.1:port} */
        public URI uri() {
            return URI.create("http://127.0.0.1:" + port());
        }

        @Override
        public void close() {
            fillers.forEach(FaultyUpstream::closeQuietly);
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
