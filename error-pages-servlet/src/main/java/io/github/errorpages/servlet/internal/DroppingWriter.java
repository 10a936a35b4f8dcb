package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.io.Writer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The application's writer while a captured status may replace its output: characters go to the
 * container's writer, or nowhere while the {@link CapturingResponse} that made it drops output (see
 * {@link DroppingOutputStream}), held meanwhile in case the status gives way to another ({@link HeldOutput}).
 */
final class DroppingWriter extends Writer implements HeldOutput {

    /** The size of Tomcat's buffer of characters ({@code OutputBuffer.DEFAULT_BUFFER_SIZE}). */
    private static final int TOMCAT_CHARACTERS = 8 * 1024;
    /** {@link #held} once the output outgrew what the container would have held ({@link HeldOutput#outgrown()}). */
    private static final HeldText OUTGROWN = new HeldText();

    private final Writer delegate;
    private final CapturingResponse owner;
    /** What was written while output is dropped, {@link #OUTGROWN}, or {@code null} when nothing is held. */
    private @Nullable HeldText held;

    DroppingWriter(Writer delegate, CapturingResponse owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        if (owner.dropsOutput()) {
            HeldText holder = holder(CharBuffer.wrap(cbuf), off, len);
            if (holder != null) {
                holder.text.append(cbuf, off, len);
            }
            return;
        }
        delegate.write(cbuf, off, len);
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
        if (owner.dropsOutput()) {
            HeldText holder = holder(str, off, len);
            if (holder != null) {
                holder.text.append(str, off, off + len);
            }
            return;
        }
        delegate.write(str, off, len);
    }

    @Override
    public void flush() throws IOException {
        if (owner.dropsOutput()) {
            outgrow(); // the container would have committed the captured status
            return;
        }
        delegate.flush();
    }

    @Override
    public void close() throws IOException {
        if (owner.dropsOutput()) {
            outgrow();
            return;
        }
        delegate.close();
    }

    /**
     * @param text holds what is to be held
     * @param off where that starts in it
     * @param len how many characters that is
     * @return where to hold them, or {@code null} when they are only dropped: nothing is held now
     *     ({@link CapturingResponse#holdsDroppedOutput()}), or they would not have fitted in the container's buffer:
     *     counted in characters where the container keeps text unencoded ({@link #fitsUnencoded}), elsewhere in the
     *     bytes the container's writer makes of them in the response's charset
     */
    private @Nullable HeldText holder(CharSequence text, int off, int len) {
        HeldText holder = held;
        if (holder == OUTGROWN || !owner.holdsDroppedOutput()) {
            return null;
        }
        long bytes = encodedLength(text, off, off + len);
        boolean fits = owner.buffersText() ? fitsUnencoded(holder, text, off, len, bytes)
                : owner.fitsInBuffer(holder == null ? 0 : holder.bytes, bytes);
        if (!fits) {
            held = OUTGROWN;
            return null;
        }
        if (holder == null) {
            holder = new HeldText();
            held = holder;
        }
        holder.bytes += bytes;
        return holder;
    }

    /**
     * Whether text fits where the container keeps it unencoded ({@link CapturingResponse#buffersText()}): Tomcat holds
     * a buffer's worth of characters, encodes them into its buffer of bytes only as more come, and commits once that
     * one overflows. So a buffer's worth of characters fits, and fewer than twice as many when the first buffer's worth
     * makes one byte a character, which fills the buffer of bytes exactly: the next buffer's worth, encoded into the
     * full one, commits (as a single write of twice as many does, which Tomcat encodes at once).
     *
     * @param holder what is held already, or {@code null}
     * @param text holds what is to be held
     * @param off where that starts in it
     * @param len how many characters that is
     * @param bytes how many bytes the container's writer makes of them
     */
    private boolean fitsUnencoded(@Nullable HeldText holder, CharSequence text, int off, int len, long bytes) {
        long heldChars = holder == null ? 0 : holder.text.length();
        if (owner.bufferSizeSet()) {
            // Its buffer of bytes grown, Tomcat's buffer of characters keeps the size it was made with, 8 KiB unless
            // the connector asks for another: the text fits while it stays within that, or while all of it fits in
            // the bytes (a bound: the last characters may still be unencoded, and the commit later).
            return heldChars + len <= TOMCAT_CHARACTERS
                    || owner.fitsInBuffer(holder == null ? 0 : holder.bytes, bytes);
        }
        if (owner.fitsInBuffer(heldChars, len)) {
            return true;
        }
        long size = owner.getBufferSize();
        if (heldChars + len >= 2 * size) {
            return false;
        }
        if (heldChars >= size) {
            // Past a buffer's worth only after one byte a character; at it, those made as many bytes.
            return holder != null && (heldChars > size || holder.bytes == size);
        }
        long heldBytes = holder == null ? 0 : holder.bytes;
        return heldBytes + encodedLength(text, off, off + (int) (size - heldChars)) == size;
    }

    /**
     * How many bytes the container's writer makes of the text in the response's charset. Counted without encoding for
     * the charsets of nearly every response: UTF-8, one byte a character up to U+007F, two up to U+07FF, four for a
     * surrogate pair (two for each half; a lone one, which the writer replaces with one byte, is overcounted), three
     * otherwise; ISO-8859-1 and US-ASCII one byte a character. Any other is encoded, into a buffer thrown away: the
     * text of one write, while a captured status holds it (UTF-16's encoder starts each with a byte-order mark, which
     * the container's writes once: overcounted, which errs towards the page).
     */
    private long encodedLength(CharSequence text, int start, int end) {
        Charset charset = Charset.forName(owner.getCharacterEncoding());
        if (charset.equals(StandardCharsets.UTF_8)) {
            long bytes = end - start;
            for (int i = start; i < end; i++) {
                char c = text.charAt(i);
                if (c >= 0x80) {
                    bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
                }
            }
            return bytes;
        }
        if (charset.equals(StandardCharsets.ISO_8859_1) || charset.equals(StandardCharsets.US_ASCII)) {
            return end - start;
        }
        return charset.encode(CharBuffer.wrap(text, start, end)).remaining();
    }

    @Override
    public boolean outgrown() {
        return held == OUTGROWN;
    }

    @Override
    public long length() {
        HeldText holder = held;
        return holder == null || holder == OUTGROWN ? 0 : owner.buffersText() ? holder.text.length() : holder.bytes;
    }

    @Override
    public void outgrow() {
        if (owner.holdsDroppedOutput()) {
            held = OUTGROWN;
        }
    }

    @Override
    public void release() throws IOException {
        HeldText holder = held;
        held = null;
        if (holder != null && holder != OUTGROWN) {
            delegate.append(holder.text);
        }
    }

    @Override
    public void discard() {
        held = null;
    }

    /**
     * The text held, and how many bytes the container's writer makes of it: counted as it comes, for the text is
     * held as characters, to be written to that writer.
     */
    private static final class HeldText {
        final StringBuilder text;
        long bytes;

        HeldText() {
            text = new StringBuilder();
        }
    }
}
