package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.io.Writer;

/**
 * The application's writer while a captured status may replace its output: characters go to the
 * container's writer, or nowhere while the {@link CapturingResponse} that made it drops output (see
 * {@link DroppingOutputStream}).
 */
final class DroppingWriter extends Writer {

    private final Writer delegate;
    private final CapturingResponse owner;

    DroppingWriter(Writer delegate, CapturingResponse owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
        if (!owner.dropsOutput()) {
            delegate.write(cbuf, off, len);
        }
    }

    @Override
    public void write(String str, int off, int len) throws IOException {
        if (!owner.dropsOutput()) {
            delegate.write(str, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!owner.dropsOutput()) {
            delegate.flush();
        }
    }

    @Override
    public void close() throws IOException {
        if (!owner.dropsOutput()) {
            delegate.close();
        }
    }
}
