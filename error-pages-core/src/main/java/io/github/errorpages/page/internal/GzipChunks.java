package io.github.errorpages.page.internal;

import java.io.ByteArrayOutputStream;
import java.util.function.IntFunction;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.jspecify.annotations.Nullable;

/**
 * The fixed text of a {@link PageShape}, compressed once, so that a response's page can be sent
 * gzip-compressed (RFC 1952) at the cost of a copy, like the uncompressed one.
 *
 * <p>Each chunk is compressed as DEFLATE blocks (RFC 1951) that end on a full flush: the stream is then
 * byte-aligned and the compressor's history is reset, so no later block refers back across a gap. A
 * response's own values go into the gaps as stored (uncompressed) blocks; they are a few dozen bytes, and
 * compressing them would mean compressing per response. Storing them also keeps the page from being a
 * compression oracle (BREACH): nothing of a response is compressed together with anything else, so the
 * compressed length says no more than the uncompressed one. The last chunk ends the stream. The CRC-32 of the
 * trailer is computed per response over the uncompressed text.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class GzipChunks {

    /** Shorter pages are not worth a {@code Content-Encoding}: the text pages and problem details. */
    static final int MIN_LENGTH = 1024;

    /** ID1, ID2, CM = deflate, FLG = 0, MTIME = 0 (none), XFL = 2 (best compression), OS = 255 (unknown). */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, (byte) 0xff};
    private static final int TRAILER_LENGTH = 8;
    private static final int MAX_STORED_BLOCK = 0xffff;
    /** A stored block's header once the stream is byte-aligned: BFINAL 0, BTYPE 00, padding, LEN, NLEN. */
    private static final int STORED_BLOCK_HEADER = 5;

    /** One per chunk of the shape; the last one ends the DEFLATE stream. */
    private final byte[][] deflated;
    private final int deflatedLength;

    private GzipChunks(byte[][] deflated) {
        this.deflated = deflated;
        int length = 0;
        for (byte[] part : deflated) {
            length += part.length;
        }
        this.deflatedLength = length;
    }

    /**
     * @param chunks a shape's fixed text, UTF-8
     * @param fixedLength their total length
     * @return them compressed, or {@code null} when the text is too short for compression to pay
     */
    static @Nullable GzipChunks of(byte[][] chunks, int fixedLength) {
        if (fixedLength < MIN_LENGTH) {
            return null;
        }
        byte[][] deflated = new byte[chunks.length][];
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            for (int i = 0; i < chunks.length; i++) {
                deflater.setInput(chunks[i]);
                boolean last = i == chunks.length - 1;
                if (last) {
                    deflater.finish();
                }
                deflated[i] = drain(deflater, last);
            }
        } finally {
            deflater.end();
        }
        GzipChunks compressed = new GzipChunks(deflated);
        // Only when it saves a tenth: otherwise the client's inflating is all the page would get.
        return HEADER.length + compressed.deflatedLength + TRAILER_LENGTH < fixedLength * 0.9 ? compressed : null;
    }

    private static byte[] drain(Deflater deflater, boolean last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        if (last) {
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
        } else {
            int written;
            do { // a full buffer may hold back output: ask again until it is not full (Deflater#deflate)
                written = deflater.deflate(buffer, 0, buffer.length, Deflater.FULL_FLUSH);
                out.write(buffer, 0, written);
            } while (written == buffer.length);
        }
        return out.toByteArray();
    }

    /**
     * @param chunks the shape's fixed text, as given to {@link #of}
     * @param slots which value fills each gap
     * @param values the values, escaped and UTF-8 encoded; present where {@code slots} points
     * @param plainLength the length of the uncompressed page
     * @param arrays gives the array of a length to write the member into, all of which is overwritten
     * @return the page as one gzip member
     */
    byte[] member(byte[][] chunks, int[] slots, byte[][] values, int plainLength, IntFunction<byte[]> arrays) {
        int length = HEADER.length + deflatedLength + TRAILER_LENGTH;
        for (int slot : slots) {
            length += storedLength(values[slot].length);
        }
        byte[] member = arrays.apply(length);
        System.arraycopy(HEADER, 0, member, 0, HEADER.length);
        int at = HEADER.length;
        CRC32 crc = new CRC32();
        for (int gap = 0; gap < slots.length; gap++) {
            at = copy(deflated[gap], member, at);
            crc.update(chunks[gap]);
            byte[] value = values[slots[gap]];
            at = stored(value, member, at);
            crc.update(value);
        }
        at = copy(deflated[slots.length], member, at);
        crc.update(chunks[slots.length]);
        at = littleEndian((int) crc.getValue(), member, at);
        littleEndian(plainLength, member, at);
        return member;
    }

    private static int storedLength(int length) {
        return length + STORED_BLOCK_HEADER * ((length + MAX_STORED_BLOCK - 1) / MAX_STORED_BLOCK);
    }

    private static int stored(byte[] value, byte[] to, int at) {
        for (int from = 0; from < value.length; from += MAX_STORED_BLOCK) {
            int length = Math.min(MAX_STORED_BLOCK, value.length - from);
            to[at++] = 0; // BFINAL 0, BTYPE 00 (stored), then padding to the byte boundary
            to[at++] = (byte) length;
            to[at++] = (byte) (length >>> 8);
            to[at++] = (byte) ~length;
            to[at++] = (byte) (~length >>> 8);
            System.arraycopy(value, from, to, at, length);
            at += length;
        }
        return at;
    }

    private static int copy(byte[] from, byte[] to, int at) {
        System.arraycopy(from, 0, to, at, from.length);
        return at + from.length;
    }

    private static int littleEndian(int value, byte[] to, int at) {
        to[at] = (byte) value;
        to[at + 1] = (byte) (value >>> 8);
        to[at + 2] = (byte) (value >>> 16);
        to[at + 3] = (byte) (value >>> 24);
        return at + 4;
    }
}
