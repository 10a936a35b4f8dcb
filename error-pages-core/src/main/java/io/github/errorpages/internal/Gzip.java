package io.github.errorpages.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/** Reads a gzip-compressed body (RFC 1952). */
public final class Gzip {

    private Gzip() {
    }

    /**
     * @param compressed one or more gzip members
     * @return what they decompress to; {@link GZIPInputStream} checks each member's CRC-32 and length
     * @throws UncheckedIOException when the bytes are not valid gzip
     */
    public static byte[] decompress(byte[] compressed) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
