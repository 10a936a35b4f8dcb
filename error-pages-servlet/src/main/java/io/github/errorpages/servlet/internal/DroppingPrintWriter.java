package io.github.errorpages.servlet.internal;

import java.io.PrintWriter;

/**
 * The writer the application behind the filter gets: a {@link PrintWriter} over a {@link DroppingWriter}, whose
 * {@link #checkError()} also asks the container's writer. A {@code PrintWriter} asks only a {@code PrintWriter} it
 * wraps for errors, so over the {@code DroppingWriter} alone it would always answer {@code false}: the container's
 * writer swallows the failure of a client that went away, as every {@code PrintWriter} does, and only sets its own
 * error flag. A streaming loop that stops on {@code checkError()} (server-sent events, long polling) would then
 * write for ever to a client that is gone.
 *
 * <p>Not thread-safe beyond what {@code PrintWriter} is, like the response it belongs to.
 */
final class DroppingPrintWriter extends PrintWriter {

    private final PrintWriter container;
    private final CapturingResponse owner;

    DroppingPrintWriter(PrintWriter container, CapturingResponse owner) {
        super(new DroppingWriter(container, owner), false);
        this.container = container;
        this.owner = owner;
    }

    /**
     * Formatted by the container's writer while output is not dropped: Jetty's formats with the response's locale
     * ({@code setLocale}), {@code PrintWriter}'s own with the JVM's. Nothing of it is held here (this writer does not
     * buffer), so the order of what is written stays as it was. While output is dropped, formatted here with the
     * response's locale, into the {@link DroppingWriter}, which holds it. ({@code printf} calls this.)
     */
    @Override
    public PrintWriter format(String format, Object... args) {
        if (owner.dropsOutput()) {
            super.format(owner.getLocale(), format, args);
        } else {
            container.format(format, args);
        }
        return this;
    }

    /** @return what holds the output while it is dropped: the {@link DroppingWriter} this writer writes to */
    HeldOutput held() {
        return (HeldOutput) out;
    }

    @Override
    public boolean checkError() {
        // While output is dropped the container's writer is not asked: its checkError() flushes, which would commit
        // the captured status before the page is written.
        return super.checkError() || (!owner.dropsOutput() && container.checkError());
    }
}
