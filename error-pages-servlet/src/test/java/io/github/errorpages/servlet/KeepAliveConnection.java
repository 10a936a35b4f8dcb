package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Raw HTTP/1.1 on one keep-alive socket, for tests that look at what a page does to the connection it is sent on:
 * whether it says {@code Connection: close}, and whether the next request on the connection is answered.
 */
final class KeepAliveConnection {

    private KeepAliveConnection() {
    }

    /** Writes {@code text} (request heads and bodies, ISO-8859-1) and flushes it. */
    static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /**
     * Reads one response of known length: its head, then as many bytes of body as its {@code Content-Length} says,
     * failing when the connection ends first.
     *
     * @return the response's head
     */
    static String readResponse(InputStream in) throws IOException {
        return readResponse(in, new ByteArrayOutputStream());
    }

    /**
     * Reads one response of known length as {@link #readResponse(InputStream)} does, its body into {@code body}.
     *
     * @return the response's head
     */
    static String readResponse(InputStream in, ByteArrayOutputStream body) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("a response, not the connection's end, after %s", head).isNotEqualTo(-1);
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        long length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        byte[] bytes = in.readNBytes((int) length);
        assertThat(bytes).hasSize((int) length);
        body.write(bytes);
        return text;
    }
}
