package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.io.Writer;
import org.jspecify.annotations.Nullable;

/**
 * The application's writer while a captured status may replace its output: characters go to the
 * container's writer, or nowhere while the {@link CapturingResponse} that made it drops output (see
 * {@link DroppingOutputStream}), held meanwhile in case the status gives way to another ({@link HeldOutput}).
 */
final class DroppingWriter extends Writer implements HeldOutput {

    /** {@link #held} once the output outgrew what the container would have held ({@link HeldOutput#outgrown()}). */
    private static final StringBuilder OUTGROWN = new StringBuilder(0);

    private final Writer delegate;
    private final CapturingResponse owner;
    /** What was written while output is dropped, {@link #OUTGROWN}, or {@code null} when nothing is held. */
    private @Nullable StringBuilder held;

    DroppingWriter(Writer delegate, CapturingResponse owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        if (owner.dropsOutput()) {
            StringBuilder holder = holder(len);
            if (holder != null) {
                holder.append(cbuf, off, len);
            }
            return;
        }
        delegate.write(cbuf, off, len);
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
        if (owner.dropsOutput()) {
            StringBuilder holder = holder(len);
            if (holder != null) {
                holder.append(str, off, off + len);
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
     * @param length how many more characters are to be held
     * @return where to hold them, or {@code null} when they are only dropped: nothing is held now
     *     ({@link CapturingResponse#holdsDroppedOutput()}), or they would not have fitted in the container's buffer
     *     (counted in characters: at least as many bytes)
     */
    private @Nullable StringBuilder holder(int length) {
        StringBuilder holder = held;
        if (holder == OUTGROWN || !owner.holdsDroppedOutput()) {
            return null;
        }
        if (!owner.fitsInBuffer(holder == null ? 0 : holder.length(), length)) {
            held = OUTGROWN;
            return null;
        }
        if (holder == null) {
            holder = new StringBuilder();
            held = holder;
        }
        return holder;
    }

    @Override
    public boolean outgrown() {
        return held == OUTGROWN;
    }

    @Override
    public void outgrow() {
        if (owner.holdsDroppedOutput()) {
            held = OUTGROWN;
        }
    }

    @Override
    public void release() throws IOException {
        StringBuilder holder = held;
        held = null;
        if (holder != null && holder != OUTGROWN) {
            delegate.append(holder);
        }
    }

    @Override
    public void discard() {
        held = null;
    }
}
