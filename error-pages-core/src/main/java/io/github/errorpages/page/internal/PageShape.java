package io.github.errorpages.page.internal;

import io.github.errorpages.internal.Gzip;
import io.github.errorpages.internal.ThreadBodies;
import io.github.errorpages.page.PageFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * One page rendered ahead: everything a template writes for responses of one shape (format, page, status,
 * language and {@link PageModels#shapeFlags flags}), as UTF-8 bytes, with gaps where the per-response values
 * go ({@link PageModels#PER_RESPONSE_KEYS}). A response then costs a copy of the bytes and its own few
 * values, not a walk of the template, a page-sized {@code String} and its encoding.
 *
 * <p>The gaps are found by rendering the template once with a sentinel in place of each per-response value:
 * a private-use character pair that every escaper leaves as it is. The shape is trusted only after it has
 * reproduced, byte for byte, the page the template renders for a real response ({@link #of}); anything a
 * sentinel could get wrong (a template that uses a value's emptiness, a sentinel that the template itself
 * contains) shows up there, and such a page is rendered in full every time instead.
 *
 * <p>A long page is also kept compressed ({@link GzipChunks}), for clients that take gzip; likewise only
 * after the compressed page has decompressed to that same page.
 *
 * <p>Instances are immutable and thread-safe.
 */
final class PageShape {

    /** Opens and closes a sentinel; between them, {@link #SLOT_BASE} plus the slot. */
    private static final char MARK = '\uE000';
    private static final char SLOT_BASE = '\uE001';

    /** The text between the gaps: {@code chunks.length == slots.length + 1}. */
    private final byte[][] chunks;
    /** Which per-response value fills each gap. */
    private final int[] slots;
    /** The format, whose escaping the values get (as the template's escaper would write them). */
    private final PageFormat format;
    private final int fixedLength;
    private final String contentSecurityPolicy;
    /** The chunks compressed, or {@code null} when the page is sent uncompressed only. */
    private final @Nullable GzipChunks gzip;

    private PageShape(PageFormat format, byte[][] chunks, int[] slots, String contentSecurityPolicy,
            @Nullable GzipChunks gzip) {
        this.format = format;
        this.chunks = chunks;
        this.slots = slots;
        int length = 0;
        for (byte[] chunk : chunks) {
            length += chunk.length;
        }
        this.fixedLength = length;
        this.contentSecurityPolicy = contentSecurityPolicy;
        this.gzip = gzip;
    }

    /**
     * @param slot an index into {@link PageModels#PER_RESPONSE_KEYS}
     * @return the sentinel that stands for that value while the shape is rendered
     */
    static String sentinel(int slot) {
        return new String(new char[] {MARK, (char) (SLOT_BASE + slot), MARK});
    }

    /**
     * @param values the per-response values, or {@code null} where absent
     * @return the same array shape, with a sentinel for every value that is present
     */
    static @Nullable String[] sentinels(@Nullable String[] values) {
        String[] sentinels = new String[values.length];
        for (int slot = 0; slot < values.length; slot++) {
            sentinels[slot] = values[slot] == null ? null : sentinel(slot);
        }
        return sentinels;
    }

    /**
     * Cuts a page rendered with {@link #sentinels} into fixed text and gaps, and checks that it rebuilds the
     * page rendered with the real values.
     *
     * @param format the format the page is in
     * @param withSentinels the page rendered from the model with sentinels
     * @param real the page rendered from the same model with the real values
     * @param values the real values, or {@code null} where absent
     * @param contentSecurityPolicy the policy of every response of this shape
     * @param compress whether to keep the page compressed too, for clients that take gzip; it is kept only if
     *     long enough to gain from it, and only if it decompresses to the same page
     * @return the shape, or {@code null} when it does not reproduce {@code real} exactly
     */
    static @Nullable PageShape of(PageFormat format, String withSentinels, String real, @Nullable String[] values,
            String contentSecurityPolicy, boolean compress) {
        List<byte[]> chunks = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        int chunkStart = 0;
        boolean onlyBlankText = true;
        for (int at = withSentinels.indexOf(MARK); at >= 0; at = withSentinels.indexOf(MARK, at + 1)) {
            int slot = at + 2 < withSentinels.length() && withSentinels.charAt(at + 2) == MARK
                    ? withSentinels.charAt(at + 1) - SLOT_BASE : -1;
            if (slot < 0 || slot >= values.length || values[slot] == null) {
                continue; // not a sentinel of ours: the template's own text, checked below with the rest
            }
            String text = withSentinels.substring(chunkStart, at);
            onlyBlankText &= text.isBlank();
            chunks.add(text.getBytes(StandardCharsets.UTF_8));
            slots.add(slot);
            at += 2;
            chunkStart = at + 1;
        }
        String last = withSentinels.substring(chunkStart);
        onlyBlankText &= last.isBlank();
        chunks.add(last.getBytes(StandardCharsets.UTF_8));
        if (onlyBlankText) {
            return null; // whether such a page is blank depends on its values: check each one as it is rendered
        }
        byte[][] fixed = chunks.toArray(new byte[0][]);
        int[] gaps = slots.stream().mapToInt(Integer::intValue).toArray();
        PageShape shape = new PageShape(format, fixed, gaps, contentSecurityPolicy, null);
        // New arrays: a thread's own (ThreadBodies) would hold the rebuilt page and then the compressed one.
        byte[] rebuilt = shape.body(values, false, byte[]::new);
        if (!new String(rebuilt, StandardCharsets.UTF_8).equals(real)) {
            return null;
        }
        GzipChunks gzip = compress ? GzipChunks.of(fixed, shape.fixedLength) : null;
        if (gzip == null) {
            return shape;
        }
        PageShape compressed = new PageShape(format, fixed, gaps, contentSecurityPolicy, gzip);
        return Arrays.equals(Gzip.decompress(compressed.body(values, true, byte[]::new)), rebuilt) ? compressed : shape;
    }

    /**
     * @return the {@code Content-Security-Policy} of every response of this shape
     */
    String contentSecurityPolicy() {
        return contentSecurityPolicy;
    }

    /**
     * @return whether {@link #body} can send this page gzip-compressed
     */
    boolean isCompressed() {
        return gzip != null;
    }

    /**
     * @param values the response's values; present where the shape has gaps. Each one the page shows is
     *     escaped for the format and encoded once, however often it appears; the others are left alone
     * @param compressed whether to return the page as a gzip member; only when {@link #isCompressed()}
     * @return the page as UTF-8, or that compressed, in a new array or in one of the thread's own
     *     ({@link ThreadBodies#array})
     */
    byte[] body(@Nullable String[] values, boolean compressed) {
        return body(values, compressed, ThreadBodies::array);
    }

    private byte[] body(@Nullable String[] values, boolean compressed, IntFunction<byte[]> arrays) {
        byte[][] encoded = new byte[values.length][];
        int length = fixedLength;
        for (int slot : slots) {
            if (encoded[slot] == null) {
                encoded[slot] = Escaping.escape(format, values[slot]).getBytes(StandardCharsets.UTF_8);
            }
            length += encoded[slot].length;
        }
        if (compressed) {
            if (gzip == null) {
                throw new IllegalStateException("this page is not kept compressed");
            }
            return gzip.member(chunks, slots, encoded, length, arrays);
        }
        byte[] body = arrays.apply(length);
        int at = 0;
        for (int gap = 0; gap < slots.length; gap++) {
            at = copy(chunks[gap], body, at);
            at = copy(encoded[slots[gap]], body, at);
        }
        copy(chunks[slots.length], body, at);
        return body;
    }

    private static int copy(byte[] from, byte[] to, int at) {
        System.arraycopy(from, 0, to, at, from.length);
        return at + from.length;
    }
}
