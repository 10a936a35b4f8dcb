package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.internal.Gzip;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * The compressed chunks of a page with a response's values filled in as stored blocks must be one valid gzip
 * member (RFC 1952) that decompresses to the uncompressed page, whatever the chunks and the values are.
 */
class GzipChunksTests {

    private static final byte[] PAGE_LIKE = ("<p class=\"lead\">The service did not answer in time.</p>\n").repeat(60)
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void valuesBetweenChunksDecompressToThePageWithThoseValues() {
        byte[][] chunks = {PAGE_LIKE, bytes("<dd>"), bytes("</dd><dd>"), PAGE_LIKE};
        int[] slots = {0, 1, 0};
        byte[][] values = {bytes("7KQ2-MF4X"), bytes("2026-11-30 05:21:12 UTC — ünïcödé, 日本語, العربية")};

        assertRoundTrip(chunks, slots, values);
    }

    @Test
    void emptyChunksAndEmptyValuesNeedNoBlocks() {
        byte[][] chunks = {new byte[0], PAGE_LIKE, new byte[0], new byte[0]};
        int[] slots = {0, 1, 0};
        byte[][] values = {new byte[0], bytes("x")};

        assertRoundTrip(chunks, slots, values);
    }

    @Test
    void aValueLongerThanOneStoredBlockIsSplit() {
        byte[] longValue = new byte[3 * 65_535 + 17];
        new Random(7).nextBytes(longValue);
        byte[][] chunks = {PAGE_LIKE, PAGE_LIKE};

        assertRoundTrip(chunks, new int[] {0}, new byte[][] {longValue});
    }

    @Test
    void aChunkWhoseCompressedFormIsLongerThanTheBufferIsCompressedWhole() {
        // Lower-case letters at random compress to about 60 %: some 36 KB, several times the 8 KB buffer.
        Random random = new Random(11);
        byte[] letters = new byte[60_000];
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (byte) ('a' + random.nextInt(26));
        }
        assertRoundTrip(new byte[][] {letters, letters, letters}, new int[] {0, 0}, new byte[][] {bytes("value")});
    }

    @Test
    void aShortOrIncompressiblePageIsNotCompressed() {
        assertThat(GzipChunks.of(new byte[][] {bytes("502 Bad Gateway\n")}, 16)).isNull();

        byte[] noise = new byte[4096];
        new Random(3).nextBytes(noise);
        assertThat(GzipChunks.of(new byte[][] {noise}, noise.length)).isNull();
    }

    private static void assertRoundTrip(byte[][] chunks, int[] slots, byte[][] values) {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        for (int gap = 0; gap < slots.length; gap++) {
            plain.writeBytes(chunks[gap]);
            plain.writeBytes(values[slots[gap]]);
        }
        plain.writeBytes(chunks[slots.length]);
        int fixedLength = Arrays.stream(chunks).mapToInt(chunk -> chunk.length).sum();

        GzipChunks gzip = GzipChunks.of(chunks, fixedLength);
        assertThat(gzip).as("worth compressing").isNotNull();
        byte[] member = gzip.member(chunks, slots, values, plain.size(), byte[]::new);

        assertThat(member).startsWith(0x1f, 0x8b, 8);
        // GZIPInputStream checks the CRC-32 and the length in the trailer.
        assertThat(Gzip.decompress(member)).isEqualTo(plain.toByteArray());
        assertThat(inflateStrictly(member)).isEqualTo(plain.toByteArray());
    }

    /** The DEFLATE stream alone: it must end with its final block exactly where the 8-byte trailer starts. */
    private static byte[] inflateStrictly(byte[] member) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(member, 10, member.length - 18);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int inflated = inflater.inflate(buffer);
                if (inflated == 0 && inflater.needsInput()) {
                    throw new AssertionError("the DEFLATE stream has no final block");
                }
                out.write(buffer, 0, inflated);
            }
            assertThat(inflater.getRemaining()).as("bytes between the final block and the trailer").isZero();
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new AssertionError(e);
        } finally {
            inflater.end();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
