package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.io.Writer;
import java.util.function.BooleanSupplier;

/**
 * The application's writer while a captured status may replace its output: characters go to the
 * container's writer, or nowhere while {@code dropping} says so (see {@link DroppingOutputStream}).
 */
final class DroppingWriter extends Writer {

    private final Writer delegate;
    private final BooleanSupplier dropping;

    DroppingWriter(Writer delegate, BooleanSupplier dropping) {
        this.delegate = delegate;
        this.dropping = dropping;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        if (!dropping.getAsBoolean()) {
            delegate.write(cbuf, off, len);
        }
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
        if (!dropping.getAsBoolean()) {
            delegate.write(str, off, len);
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
        if (!dropping.getAsBoolean()) {
            delegate.close();
        }
    }
}
