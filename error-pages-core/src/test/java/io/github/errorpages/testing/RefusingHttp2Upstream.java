package io.github.errorpages.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * An HTTPS upstream that speaks HTTP/2 only (ALPN {@code h2}), written frame by frame: it refuses the first stream of
 * each connection unprocessed, with {@code RST_STREAM} {@code REFUSED_STREAM} (RFC 9113 §8.7: a client may send such a
 * request again, whatever its method, as the JDK's client does from Java 21 or so), and answers every other stream,
 * once its request has ended, with 200 and {@code ok}. Its certificate is {@link FaultyUpstream#startTlsSelfSigned}'s:
 * a client trusts it with {@link FaultyUpstream#trustingSelfSigned()}. Thread-safe.
 */
public final class RefusingHttp2Upstream implements AutoCloseable {

    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int REFUSED_STREAM = 0x7;
    /** The client's connection preface (RFC 9113 §3.4), 24 bytes. */
    private static final int PREFACE_LENGTH = 24;

    private final SSLServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "refusing-h2-upstream");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger streams = new AtomicInteger();

    private RefusingHttp2Upstream(SSLServerSocket server) {
        this.server = server;
        threads.execute(this::accept);
    }

    /** @return a started upstream on a loopback port */
    public static RefusingHttp2Upstream start() {
        try {
            SSLServerSocket server = (SSLServerSocket) FaultyUpstream.serverContext().getServerSocketFactory()
                    .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            SSLParameters parameters = server.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            server.setSSLParameters(parameters);
            return new RefusingHttp2Upstream(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code https://localhost:<port>}, a name the certificate holds */
    public URI uri() {
        return URI.create("https://localhost:" + server.getLocalPort());
    }

    /** @return how many request streams it has seen, refused ones included */
    public int requestCount() {
        return streams.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket connection = server.accept();
                connections.add(connection);
                threads.execute(() -> serve(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(connection.getInputStream()));
            OutputStream out = new BufferedOutputStream(connection.getOutputStream());
            in.readFully(new byte[PREFACE_LENGTH]);
            frame(out, SETTINGS, 0, 0, new byte[0]);
            boolean refused = false;
            Set<Integer> answering = new HashSet<>();
            while (true) {
                byte[] head = new byte[9];
                in.readFully(head);
                int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
                int type = head[3] & 0xff;
                int flags = head[4] & 0xff;
                int stream = (head[5] & 0x7f) << 24 | (head[6] & 0xff) << 16 | (head[7] & 0xff) << 8 | head[8] & 0xff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                boolean ended = (flags & END_STREAM) != 0;
                if (type == SETTINGS && (flags & ACK) == 0) {
                    frame(out, SETTINGS, ACK, 0, new byte[0]);
                } else if (type == PING && (flags & ACK) == 0) {
                    frame(out, PING, ACK, 0, payload);
                } else if (type == HEADERS) {
                    streams.incrementAndGet();
                    if (!refused) {
                        refused = true;
                        frame(out, RST_STREAM, 0, stream, fourBytes(REFUSED_STREAM));
                    } else if (ended) {
                        answer(out, stream);
                    } else {
                        answering.add(stream);
                    }
                } else if (type == DATA) {
                    if (length > 0) { // the body's bytes, given back to the connection's and the stream's windows
                        frame(out, WINDOW_UPDATE, 0, 0, fourBytes(length));
                        frame(out, WINDOW_UPDATE, 0, stream, fourBytes(length));
                    }
                    if (ended && answering.remove(stream)) {
                        answer(out, stream);
                    }
                } else if (type == GOAWAY) {
                    return;
                }
            }
        } catch (IOException ended) {
            // the client closed the connection, or close() did
        }
    }

    private static void answer(OutputStream out, int stream) throws IOException {
        byte[] name = "content-length".getBytes(StandardCharsets.US_ASCII);
        // HPACK: ":status: 200" from the static table (index 8), then a literal without indexing, a new name.
        byte[] block = new byte[1 + 1 + 1 + name.length + 1 + 1];
        block[0] = (byte) 0x88;
        block[1] = 0x00;
        block[2] = (byte) name.length;
        System.arraycopy(name, 0, block, 3, name.length);
        block[3 + name.length] = 1;
        block[4 + name.length] = '2';
        frame(out, HEADERS, END_HEADERS, stream, block);
        frame(out, DATA, END_STREAM, stream, "ok".getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] fourBytes(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        int length = payload.length;
        out.write(new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
        out.flush();
    }

    @Override
    public void close() {
        try {
            server.close();
            for (Socket connection : connections) {
                connection.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            threads.shutdownNow();
        }
    }
}
