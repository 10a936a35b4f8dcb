package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.function.BooleanSupplier;

/**
 * The application's output stream while a captured status may replace its output: bytes go to the
 * container's stream, or nowhere while {@code dropping} says so. Flushing is dropped too, because it
 * would commit the response before the page is written.
 */
final class DroppingOutputStream extends ServletOutputStream {

    private final ServletOutputStream delegate;
    private final BooleanSupplier dropping;

    DroppingOutputStream(ServletOutputStream delegate, BooleanSupplier dropping) {
        this.delegate = delegate;
        this.dropping = dropping;
    }

    @Override
    public void write(int b) throws IOException {
        if (!dropping.getAsBoolean()) {
            delegate.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!dropping.getAsBoolean()) {
            delegate.write(b, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!dropping.getAsBoolean()) {
            delegate.flush();
        }
    }

    @Override
    public void close() throws IOException {
        // Closing completes the response in some containers: never before the page is written.
        if (!dropping.getAsBoolean()) {
            delegate.close();
        }
    }

    @Override
    public boolean isReady() {
        return dropping.getAsBoolean() || delegate.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
        delegate.setWriteListener(listener);
    }
}
