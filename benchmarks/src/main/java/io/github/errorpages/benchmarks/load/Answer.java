package io.github.errorpages.benchmarks.load;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * What the server answered one request of a measurement with, told apart the way wrk cannot: wrk counts the
 * answers that are not 2xx or 3xx and the bytes it read, and an error scenario answered by Jetty's own 500 page (a
 * library that threw), the branded scenario answered by Jetty's 502 page, or a page that lost its body, counted as
 * valid.
 *
 * @param status the status
 * @param branded whether error-pages wrote the answer: its pages, and only they, carry a
 *     {@code Content-Security-Policy} (Jetty's pages and the benchmark's servlets send none)
 * @param size the bytes of the whole answer as they came over the socket (status line, header fields, the body as
 *     sent: compressed, chunked), which is what wrk counts as read
 * @param body the body, decoded (without its chunks' framing, and gunzipped when it came gzip-compressed) as UTF-8
 */
record Answer(int status, boolean branded, long size, String body) {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Long enough for the never-open dead route's answer, which waits out two connect timeouts. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Sends one request as wrk sends them ({@code GET}, HTTP/1.1, {@code Host} and the given header fields) over a
     * socket of its own, and reads its answer to the end, counting its bytes as wrk does.
     *
     * @param target the URL
     * @param headers the header fields wrk sends, each {@code "Name: value"}
     * @return the answer
     * @throws IOException when no whole HTTP/1.1 answer arrives
     */
    static Answer take(URI target, List<String> headers) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.getHost(), target.getPort()), (int) CONNECT_TIMEOUT.toMillis());
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            StringBuilder request = new StringBuilder("GET ").append(target.getRawPath())
                    .append(target.getRawQuery() == null ? "" : "?" + target.getRawQuery()).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(target.getHost()).append(':').append(target.getPort()).append("\r\n");
            headers.forEach(header -> request.append(header).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read(new CountingInput(new BufferedInputStream(socket.getInputStream())));
        } catch (NumberFormatException malformed) {
            throw new IOException("an answer whose status, length or chunk size is no number", malformed);
        }
    }

    /** Reads one HTTP/1.1 response to its end: by its {@code Content-Length}, its chunks, or the end of the stream. */
    private static Answer read(CountingInput in) throws IOException {
        String statusLine = in.line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        Map<String, String> fields = new HashMap<>();
        for (String line = in.line(); !line.isEmpty(); line = in.line()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IOException("not a header field: " + line);
            }
            fields.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        byte[] body;
        String length = fields.get("content-length");
        if (fields.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = chunkSize(in.line()); size > 0; size = chunkSize(in.line())) {
                chunks.write(in.bytes(size));
                in.line(); // the CRLF after the chunk
            }
            while (!in.line().isEmpty()) {
                // trailer fields, if any, up to the empty line
            }
            body = chunks.toByteArray();
        } else if (length != null) {
            body = in.bytes(Integer.parseInt(length));
        } else {
            body = in.rest();
        }
        if ("gzip".equalsIgnoreCase(fields.getOrDefault("content-encoding", ""))) {
            try (InputStream gunzip = new GZIPInputStream(new ByteArrayInputStream(body))) {
                body = gunzip.readAllBytes();
            }
        }
        return new Answer(Integer.parseInt(parts[1]), fields.containsKey("content-security-policy"), in.count(),
                new String(body, StandardCharsets.UTF_8));
    }

    private static int chunkSize(String line) {
        int extension = line.indexOf(';');
        return Integer.parseInt((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
    }

    /**
     * @param status a status
     * @param branded whether error-pages wrote the answer
     * @return how a problem names such an answer
     */
    static String kind(String status, boolean branded) {
        return status + (branded ? " (error-pages' page)" : " (not error-pages' page)");
    }

    @Override
    public String toString() {
        return kind(Integer.toString(status), branded) + " of " + size + " bytes, its body " + body.length()
                + " characters";
    }

    /** The response's bytes, read one by one from a buffer and counted. */
    private static final class CountingInput {
        private final InputStream in;
        private long count;

        CountingInput(InputStream in) {
            this.in = in;
        }

        private int next() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the answer ended after " + count + " bytes, before its end");
            }
            count++;
            return b;
        }

        /** @return the next line, without its CRLF */
        String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = next(); b != '\n'; b = next()) {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        byte[] bytes(int length) throws IOException {
            byte[] bytes = in.readNBytes(length);
            count += bytes.length;
            if (bytes.length < length) {
                throw new EOFException("the answer ended after " + count + " bytes, before its end");
            }
            return bytes;
        }

        byte[] rest() throws IOException {
            byte[] bytes = in.readAllBytes();
            count += bytes.length;
            return bytes;
        }

        long count() {
            return count;
        }
    }
}
