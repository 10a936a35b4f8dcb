package io.github.errorpages.servlet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

/** The JDK's HttpClient, as a browser or API client would call the application. */
final class Client {

    static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private Client() {
    }

    static HttpResponse<byte[]> send(String method, URI uri, String accept, String... headers) throws IOException {
        return send(method, uri, accept, HttpResponse.BodyHandlers.ofByteArray(), headers);
    }

    /** Returns as soon as the status and headers are in; the body is read from the stream. */
    static HttpResponse<InputStream> stream(String method, URI uri, String accept, String... headers)
            throws IOException {
        return send(method, uri, accept, HttpResponse.BodyHandlers.ofInputStream(), headers);
    }

    private static <T> HttpResponse<T> send(String method, URI uri, String accept, HttpResponse.BodyHandler<T> handler,
            String... headers) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (accept != null) {
            request.header("Accept", accept);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        HttpRequest.BodyPublisher body = "POST".equals(method)
                ? HttpRequest.BodyPublishers.ofString("order=42&note=urgent") : HttpRequest.BodyPublishers.noBody();
        request.method(method, body);
        if ("POST".equals(method)) {
            request.header("Content-Type", "application/x-www-form-urlencoded");
        }
        try {
            return HTTP.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static HttpResponse<byte[]> get(URI uri, String accept) {
        try {
            return send("GET", uri, accept);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client of the caller's own, on HTTP/1.1: its requests one after the other go on one connection. */
    static HttpClient ofItsOwn() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A GET with the client given ({@link #ofItsOwn()}), so that its next request reuses the connection. */
    static HttpResponse<byte[]> get(HttpClient client, URI uri, String accept) {
        return send(client, HttpRequest.newBuilder(uri).GET(), accept);
    }

    /**
     * A GET, or a POST of a short text body (not a form, whose parameters a container reads the body for), with the
     * client given ({@link #ofItsOwn()}), so that its next request reuses the connection.
     */
    static HttpResponse<byte[]> send(HttpClient client, String method, URI uri, String accept) {
        return "POST".equals(method) ? send(client, HttpRequest.newBuilder(uri).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("order=42&note=urgent")), accept) : get(client, uri, accept);
    }

    /**
     * Sends the request with the client, 20 s at most, with an {@code Accept} field, and reads the body whole.
     *
     * @throws UncheckedIOException when the exchange failed
     * @throws IllegalStateException when the wait was interrupted
     */
    static HttpResponse<byte[]> send(HttpClient client, HttpRequest.Builder request, String accept) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(20)).header("Accept", accept).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** The text of a gzip-compressed body (this client never decompresses on its own). */
    static String gunzip(byte[] body) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a raw socket's stream a byte at a time until what was read holds {@code marker}, or the stream ends:
     * nothing past the marker is consumed, so the caller can go on reading the response from there.
     */
    static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (!read.toString(StandardCharsets.UTF_8).contains(marker)) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            read.write(b);
        }
        return read.toString(StandardCharsets.UTF_8);
    }

    /**
     * Sends a raw request to a server on the loopback port on a connection of its own and reads until the server
     * closes or resets it, or a chunked body's last chunk came (10 s at most): a connection kept alive after a whole
     * response is not waited on.
     */
    static String rawChunkedExchange(int port, String request) {
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            StringBuilder read = new StringBuilder();
            InputStream in = client.getInputStream();
            try {
                for (int b = in.read(); b >= 0; b = in.read()) {
                    read.append((char) b);
                    if (read.toString().endsWith("\r\n0\r\n\r\n")) {
                        break;
                    }
                }
            } catch (SocketException reset) {
                // what came before the reset is the answer
            }
            return read.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends a raw request to a server on the loopback port on a connection of its own and reads until the server
     * closes it (10 s at most), or resets it: what came before the reset is the answer.
     */
    static String rawExchange(int port, String request) {
        return rawAnswer(port, request).text();
    }

    /**
     * Sends a raw request as {@link #rawExchange} does, and tells how the server ended the connection: a body
     * delimited by the connection's end (RFC 9112 §6.3, rule 8) is whole when it ends with a close, cut short when it
     * ends with a reset.
     */
    static RawAnswer rawAnswer(int port, String request) {
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            boolean reset = false;
            try {
                client.getInputStream().transferTo(read);
            } catch (SocketException resetByServer) {
                reset = true; // what came before the reset is the answer
            }
            return new RawAnswer(read.toString(StandardCharsets.UTF_8), reset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a raw exchange read.
     *
     * @param text the answer, as read until the connection ended
     * @param reset whether the server reset the connection, rather than closed it
     */
    record RawAnswer(String text, boolean reset) {
    }
}
