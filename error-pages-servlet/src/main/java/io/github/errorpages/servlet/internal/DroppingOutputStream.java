package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import org.jspecify.annotations.Nullable;

/**
 * The application's output stream while a captured status may replace its output: bytes go to the
 * container's stream, or nowhere while the {@link CapturingResponse} that made it drops output. Flushing is
 * dropped too, because it would commit the response before the page is written. (The response itself is
 * asked, rather than a {@code BooleanSupplier}, to save a lambda per response that writes a body.) What the
 * container's stream throws, or reports to the application's {@link WriteListener}, is
 * {@linkplain ClientAborts#mark marked} as the request connection's own failure. An upstream failure that listener
 * throws before the response was committed is answered with the page at once
 * ({@link CapturingResponse#answersListenerFailure}); one it throws after commit aborts the response on Jetty, which
 * would end the body as if whole ({@link CapturingResponse#abortFor}).
 */
final class DroppingOutputStream extends ServletOutputStream implements HeldOutput {

    /** {@link #held} once the output outgrew what the container would have held ({@link HeldOutput#outgrown()}). */
    private static final ByteArrayOutputStream OUTGROWN = new ByteArrayOutputStream(0);
    private static final String JETTY_PACKAGE = "org.eclipse.jetty.";

    private final ServletOutputStream delegate;
    private final CapturingResponse owner;
    /**
     * What was written while output is dropped ({@link HeldOutput}), {@link #OUTGROWN}, or {@code null} when nothing
     * is held. One field for both, so that the stream stays at 24 bytes (benchmarks/README.md counts them).
     */
    private @Nullable ByteArrayOutputStream held;

    DroppingOutputStream(ServletOutputStream delegate, CapturingResponse owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    @Override
    public void write(int b) throws IOException {
        if (owner.dropsOutput()) {
            ByteArrayOutputStream holder = holder(1);
            if (holder != null) {
                holder.write(b);
            }
            return;
        }
        try {
            delegate.write(b);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (owner.dropsOutput()) {
            ByteArrayOutputStream holder = holder(len);
            if (holder != null) {
                holder.write(b, off, len);
            }
            return;
        }
        try {
            delegate.write(b, off, len);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    /**
     * The container's own (Servlet 6.1), which may write a direct buffer without copying it; while output is dropped,
     * the buffer is taken whole, to nowhere.
     */
    @Override
    public void write(ByteBuffer buffer) throws IOException {
        if (owner.dropsOutput()) {
            ByteArrayOutputStream holder = holder(buffer.remaining());
            if (holder != null) {
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                holder.writeBytes(bytes);
            }
            buffer.position(buffer.limit());
            return;
        }
        try {
            delegate.write(buffer);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    /**
     * The container's own: Jetty's encodes in the response's charset, where the Servlet API's, which this class would
     * inherit, writes ISO-8859-1 whatever the charset and refuses text beyond it. (The API's other {@code print}s and
     * its {@code println}s call this.)
     */
    @Override
    public void print(String s) throws IOException {
        if (owner.dropsOutput()) {
            if (held == OUTGROWN || !owner.holdsDroppedOutput()) {
                return; // nothing more is held: not encoded for nothing
            }
            if (!delegate.getClass().getName().startsWith(JETTY_PACKAGE)) {
                super.print(s); // as the container's own would: the Servlet API's, one byte a character, held
                return;
            }
            // Held as Jetty's print encodes it, in the response's charset.
            byte[] bytes = String.valueOf(s).getBytes(Charset.forName(owner.getCharacterEncoding()));
            ByteArrayOutputStream holder = holder(bytes.length);
            if (holder != null) {
                holder.writeBytes(bytes);
            }
            return;
        }
        try {
            delegate.print(s);
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public void flush() throws IOException {
        if (owner.dropsOutput()) {
            outgrow(); // the container would have committed the captured status
            return;
        }
        try {
            delegate.flush();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    @Override
    public void close() throws IOException {
        // Closing completes the response in some containers: never before the page is written.
        if (owner.dropsOutput()) {
            outgrow();
            return;
        }
        try {
            delegate.close();
        } catch (IOException e) {
            throw ClientAborts.mark(e);
        }
    }

    /**
     * @param length how many more bytes are to be held
     * @return where to hold them, or {@code null} when they are only dropped: nothing is held now
     *     ({@link CapturingResponse#holdsDroppedOutput()}), or they would not have fitted in the container's buffer
     */
    private @Nullable ByteArrayOutputStream holder(int length) {
        ByteArrayOutputStream holder = held;
        if (holder == OUTGROWN || !owner.holdsDroppedOutput()) {
            return null;
        }
        if (!owner.fitsInBuffer(holder == null ? 0 : holder.size(), length)) {
            held = OUTGROWN;
            return null;
        }
        if (holder == null) {
            holder = new ByteArrayOutputStream();
            held = holder;
        }
        return holder;
    }

    @Override
    public boolean outgrown() {
        return held == OUTGROWN;
    }

    @Override
    public long length() {
        ByteArrayOutputStream holder = held;
        return holder == null || holder == OUTGROWN ? 0 : holder.size();
    }

    @Override
    public void outgrow() {
        if (owner.holdsDroppedOutput()) {
            held = OUTGROWN;
        }
    }

    @Override
    public void release() throws IOException {
        ByteArrayOutputStream holder = held;
        held = null;
        if (holder != null && holder != OUTGROWN) {
            try {
                holder.writeTo(delegate);
            } catch (IOException e) {
                throw ClientAborts.mark(e);
            }
        }
    }

    @Override
    public void discard() {
        held = null;
    }

    @Override
    public boolean isReady() {
        return owner.dropsOutput() || delegate.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
        // What was held cannot be written to a stream that no longer blocks without its isReady(): dropped, as it
        // was before output was held.
        held = null;
        delegate.setWriteListener(new WriteListener() {
            private volatile @Nullable Throwable thrownByListener;

            @Override
            public void onWritePossible() throws IOException {
                try {
                    listener.onWritePossible();
                } catch (IOException | RuntimeException own) {
                    if (!answered(own) && !aborted(own)) {
                        thrownByListener = own;
                        throw own;
                    }
                } catch (Error own) {
                    thrownByListener = own;
                    throw own;
                }
            }

            /**
             * Whether the filter answered what the callback threw with its page (written without blocking, as the
             * stream now writes) and completed the cycle. Then it is not thrown on: Jetty would only report it to this
             * listener's {@code onError}, not to the cycle's listeners, and the client got an empty 200 at the
             * cycle's timeout; Tomcat reported it to the cycle's {@code onError}, whose page never reached the
             * client. The application's {@code onError} gets it all the same, as the containers pass it there, to
             * release what it holds. After commit, or what the filter does not answer, is thrown on as before.
             */
            private boolean answered(Exception own) {
                if (!owner.answersListenerFailure(own)) {
                    return false;
                }
                try {
                    listener.onError(own);
                } finally {
                    owner.listenerTold();
                }
                return true;
            }

            /**
             * Whether what the callback threw after commit is an upstream failure the filter aborted the response for,
             * on Jetty: the listener's {@code onError} is told of it, and the response aborted once it returned
             * ({@link ResponseAbortedException#abortAround}). Not thrown on: Jetty would tell {@code onError} and then
             * close the stream, which ends the chunked body with its last chunk (or the HTTP/2 stream with END_STREAM)
             * before the abort.
             */
            private boolean aborted(Exception own) {
                ResponseAbortedException abort = owner.abortFor(own, true);
                if (abort == null) {
                    return false;
                }
                owner.abort(abort, () -> listener.onError(own));
                return true;
            }

            @Override
            public void onError(Throwable failure) {
                listener.onError(ClientAborts.markReported(failure, thrownByListener));
            }
        });
        owner.startedWritingWithoutBlocking();
    }
}
