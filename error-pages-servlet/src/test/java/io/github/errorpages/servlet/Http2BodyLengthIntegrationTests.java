package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.PageAssertions.assertErrorPage;
import static io.github.errorpages.servlet.PageAssertions.assertNoLeak;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The JDK's client holds an HTTP/1.1 body to its Content-Length, but not an HTTP/2 one: the proxy relayed the
 * length, then wrote what came, and the container answered the mismatch with its own 500, naming the exception
 * ("IllegalStateException: too much content written", R36). The upstream here speaks HTTP/2 after an h2c upgrade,
 * frame by frame, so that it can send DATA that disagrees with its Content-Length, which no real server does.
 */
class Http2BodyLengthIntegrationTests {

    @Test
    void answersABodyLongerThanItsContentLengthWithAProtocolError() throws Exception {
        HttpResponse<byte[]> page = throughProxy("hello, and more than five bytes", 5);

        assertErrorPage(page, "GET", 502, "10");
        assertThat(Client.text(page)).contains("http_protocol_error");
        assertNoLeak(page);
    }

    @Test
    void answersABodyShorterThanItsContentLengthAsIncomplete() throws Exception {
        HttpResponse<byte[]> page = throughProxy("hello", 50);

        assertErrorPage(page, "GET", 502, "10");
        assertThat(Client.text(page)).contains("http_response_incomplete");
        assertNoLeak(page);
    }

    private static HttpResponse<byte[]> throughProxy(String body, int contentLength) throws Exception {
        try (MislengthUpstream upstream = new MislengthUpstream(body, contentLength)) {
            HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            // The upgrade: the connection speaks HTTP/2 from its first request on, which the upstream answers well.
            assertThat(http2.send(HttpRequest.newBuilder(upstream.uri().resolve("/warm")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ok");
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("mislength").endpoints(upstream.uri())
                    .attemptTimeout(Duration.ofSeconds(5)).build());
            try (JettyServer gateway = new JettyServer()
                    .servlet("/*", ReverseProxyServlet.builder(guard).httpClient(http2).build()).start()) {
                return Client.get(gateway.uri("/orders/42"), "application/json");
            }
        }
    }

    /**
     * Upgrades to h2c, answers the upgraded request (stream 1) with 200 "ok", and every later stream with the body
     * and Content-Length it was given: literal HPACK, no Huffman, no flow control beyond the defaults.
     */
    private static final class MislengthUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final String body;
        private final int contentLength;
        private final Thread acceptor;

        MislengthUpstream(String body, int contentLength) throws IOException {
            this.body = body;
            this.contentLength = contentLength;
            this.acceptor = new Thread(this::accept, "mislength-upstream");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        private void accept() {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    serve(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream());
                } catch (IOException closed) {
                    // the test is over, or the client went away
                }
            }
        }

        private void serve(InputStream in, OutputStream out) throws IOException {
            Map<String, String> head = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    head.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            in.readNBytes(Integer.parseInt(head.getOrDefault("Content-Length", "0")));
            out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            frame(out, 4, 0, 0, new byte[0]); // SETTINGS
            respond(out, 1, "ok", 2);
            in.readNBytes(24); // the client's preface
            while (true) {
                byte[] frameHead = in.readNBytes(9);
                if (frameHead.length < 9) {
                    return;
                }
                int length = (frameHead[0] & 0xff) << 16 | (frameHead[1] & 0xff) << 8 | frameHead[2] & 0xff;
                int type = frameHead[3] & 0xff;
                int flags = frameHead[4] & 0xff;
                int stream = (frameHead[5] & 0x7f) << 24 | (frameHead[6] & 0xff) << 16 | (frameHead[7] & 0xff) << 8
                        | frameHead[8] & 0xff;
                in.readNBytes(length);
                if (type == 4 && (flags & 1) == 0) {
                    frame(out, 4, 1, 0, new byte[0]); // SETTINGS ACK
                } else if (type == 1 && stream >= 3) {
                    respond(out, stream, body, contentLength);
                }
            }
        }

        private static void respond(OutputStream out, int stream, String body, int contentLength) throws IOException {
            frame(out, 1, 4, stream, literals(":status", "200", "content-length", Integer.toString(contentLength)));
            frame(out, 0, 1, stream, body.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
            out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream});
            out.write(payload);
        }

        /** HPACK literal fields without indexing, each with a new name, names and values shorter than 127 bytes. */
        private static byte[] literals(String... namesAndValues) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                block.write(0);
                for (String text : new String[] {namesAndValues[i], namesAndValues[i + 1]}) {
                    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                    block.write(bytes.length);
                    block.writeBytes(bytes);
                }
            }
            return block.toByteArray();
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
