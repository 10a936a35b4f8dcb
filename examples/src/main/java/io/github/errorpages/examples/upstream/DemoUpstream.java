package io.github.errorpages.examples.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's upstream: a tiny HTTP/1.1 server on a loopback port whose failure mode can be switched while
 * it runs ({@link #mode(DemoMode)}). It speaks raw sockets on purpose, because a real HTTP server cannot be
 * made to reset connections or answer garbage. Refusing closes the listening socket and every open
 * connection, and a later mode reopens the port. Thread-safe.
 */
public final class DemoUpstream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoUpstream.class);
    private static final String PAGE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Orders – demo upstream</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
            <h1>Your orders</h1><p>This page comes from the demo upstream, through the gateway.</p>
            <ul><li>#1042 · Espresso machine · shipped</li><li>#1043 · Grinder · packing</li></ul>
            </body></html>
            """;
    /**
     * The shop's {@code robots.txt}: plain text that lets crawlers in. Served as the shop page, it would be HTML that
     * crawlers read as "allow everything" (R27), which the gateway's own answer during a failure is not.
     */
    private static final String ROBOTS = "User-agent: *\nDisallow: /_demo\n";
    private static final String JSON = "{\"orders\":[{\"id\":1042,\"status\":\"shipped\"},{\"id\":1043,\"status\":\"packing\"}]}";

    private final int port;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "demo-upstream");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile DemoMode mode = DemoMode.HEALTHY;
    private ServerSocket server;
    private CountDownLatch acceptLoopEnded = new CountDownLatch(0);
    /** While refusing: a socket bound to the port but not listening, so connects are refused and no other
     * process can take the port in the meantime. */
    private @Nullable Socket portHolder;

    private DemoUpstream(int port) {
        this.port = port;
    }

    /**
     * Starts the demo upstream on a free loopback port, healthy.
     *
     * @return the running upstream
     * @throws UncheckedIOException if no socket can be opened
     */
    public static DemoUpstream start() {
        try {
            ServerSocket socket = listen(0);
            DemoUpstream upstream = new DemoUpstream(socket.getLocalPort());
            upstream.accept(socket);
            return upstream;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the upstream's base URL, {@code http://127.0.0.1:PORT} */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** @return the current mode */
    public DemoMode mode() {
        return mode;
    }

    /** @return how many requests the upstream has received */
    public long requestCount() {
        return requests.get();
    }

    /**
     * Switches the behaviour for the requests that follow.
     *
     * @param next the new mode
     * @throws UncheckedIOException if the port cannot be reopened after {@link DemoMode#REFUSING}
     */
    public synchronized void mode(DemoMode next) {
        DemoMode previous = mode;
        try {
            if (next == DemoMode.REFUSING && previous != DemoMode.REFUSING) {
                stopListening();
                // A process that stops takes its connections with it: a client's pooled connection must not
                // keep being answered.
                open.forEach(DemoUpstream::closeQuietly);
                portHolder = holdPort();
            } else if (next != DemoMode.REFUSING && previous == DemoMode.REFUSING) {
                if (portHolder != null) {
                    portHolder.close();
                    portHolder = null;
                }
                accept(listen(port));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        mode = next;
        log.info("demo upstream is now {}: {}", next.slug(), next.description());
    }

    @Override
    public synchronized void close() {
        closed.countDown();
        try {
            server.close();
            if (portHolder != null) {
                portHolder.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(DemoUpstream::closeQuietly);
        threads.shutdownNow();
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        return socket;
    }

    private void accept(ServerSocket socket) {
        server = socket;
        CountDownLatch ended = new CountDownLatch(1);
        acceptLoopEnded = ended;
        threads.execute(() -> {
            try {
                while (!socket.isClosed()) {
                    Socket connection = socket.accept();
                    open.add(connection);
                    threads.execute(() -> serve(connection));
                }
            } catch (IOException closedNow) {
                // the mode closed the listening socket, or the upstream was closed
            } finally {
                ended.countDown();
            }
        });
    }

    /**
     * Closes the listening socket and waits until it is gone: a socket closed while another thread is blocked
     * in {@code accept} is released only when that thread leaves, and the port cannot be bound again before.
     */
    private void stopListening() throws IOException {
        server.close();
        try {
            if (!acceptLoopEnded.await(5, TimeUnit.SECONDS)) {
                log.warn("demo upstream: the accepting thread did not end within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while closing the listening socket");
        }
    }

    /** A socket bound to the port but not listening: connects are refused, and no other process takes the port. */
    private @Nullable Socket holdPort() {
        Socket holder = new Socket();
        try {
            holder.setReuseAddress(true);
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return holder;
        } catch (IOException e) {
            closeQuietly(holder);
            log.warn("demo upstream: cannot hold port {} while refusing ({}); connects are refused all the same", port,
                    e.toString());
            return null;
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            Received request;
            while ((request = readRequest(in)) != null) {
                requests.incrementAndGet();
                if (!answer(socket, out, request, requests.get())) {
                    return;
                }
            }
        } catch (IOException e) {
            // the gateway went away or the mode closed the socket
        } finally {
            open.remove(socket);
        }
    }

    /** @return whether the connection stays open for another request */
    private boolean answer(Socket socket, OutputStream out, Received request, long count) throws IOException {
        switch (mode) {
            case SLOW:
                try {
                    closed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                return respond(out, request, 200, "");
            case RESETTING:
                socket.setSoLinger(true, 0);
                socket.close();
                return false;
            case GARBAGE:
                out.write("SSH-2.0-OpenSSH_9.2 this is not HTTP\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return false;
            case UNAVAILABLE:
                return respond(out, request, 503, "Retry-After: 30\r\n");
            case FLAPPING:
                return respond(out, request, count % 2 == 0 ? 500 : 200, "");
            case HEALTHY:
            case REFUSING: // a connection accepted just before the switch
            default:
                return respond(out, request, 200, "");
        }
    }

    /**
     * Writes a response, head and body in one write: written apart, Nagle's algorithm held the body back until the
     * gateway acknowledged the head, which its delayed acknowledgement put off by about 40 ms a response.
     */
    static boolean respond(OutputStream out, Received request, int status, String extraHeaders) throws IOException {
        boolean api = request.target().startsWith("/api/");
        boolean robots = request.target().equals("/robots.txt");
        String body = status == 200 ? (api ? JSON : robots ? ROBOTS : PAGE)
                : "<html><body><h1>" + status + "</h1><pre>java.lang.IllegalStateException: pool exhausted\n"
                        + "\tat com.example.orders.OrderRepository.find(OrderRepository.java:42)</pre></body></html>";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String type = status != 200 ? "text/html; charset=UTF-8"
                : api ? "application/json" : robots ? "text/plain; charset=UTF-8" : "text/html; charset=UTF-8";
        String reason = status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Internal Server Error";
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: " + type + "\r\nContent-Length: "
                + bytes.length + "\r\n" + extraHeaders + "\r\n";
        ByteArrayOutputStream response = new ByteArrayOutputStream(head.length() + bytes.length);
        response.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        if (!request.method().equals("HEAD")) {
            // A HEAD gets the GET's head only: a body after it would be read as the start of the next response.
            response.writeBytes(bytes);
        }
        response.writeTo(out);
        out.flush();
        return true;
    }

    /** A request's method and target. */
    record Received(String method, String target) {
    }

    /** Reads one request (head and a Content-Length body); returns its method and target, or null at end of stream. */
    private static @Nullable Received readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        long length = 0;
        boolean chunked = false;
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            skipChunkedBody(in);
        } else {
            in.skipNBytes(length);
        }
        String[] parts = requestLine.split(" ");
        return new Received(parts[0], parts.length > 1 ? parts[1] : "/");
    }

    private static void skipChunkedBody(InputStream in) throws IOException {
        for (String size = readLine(in); size != null; size = readLine(in)) {
            long n = Long.parseLong(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                for (String trailer = readLine(in); trailer != null && !trailer.isEmpty(); trailer = readLine(in)) {
                    // trailers are ignored
                }
                return;
            }
            in.skipNBytes(n);
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
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
}
