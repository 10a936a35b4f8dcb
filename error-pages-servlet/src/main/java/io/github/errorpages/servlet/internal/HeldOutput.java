package io.github.errorpages.servlet.internal;

import java.io.IOException;

/**
 * What the application writes while a status it set is captured ({@link CapturingResponse}), held in case it sets
 * another status in place of that one, as the container holds in its buffer what the application writes before the
 * response is committed. Without the filter a later {@code setStatus(200)} sends the body with the 200; dropped, the
 * body was lost and the client got an empty 200. Held up to the response's buffer size (counted in bytes, text in the
 * response's charset; but in characters on Tomcat, whose writer keeps text unencoded in a buffer of characters as
 * large: {@link CapturingResponse#buffersText()}), and not past a flush or a close: then the container would have
 * committed the captured status with that output, and ignored a status set after it, so the captured status stands
 * and its page replaces the output ({@link #outgrown()}). So it does once the output completes a Content-Length the
 * application set, which closes the output as {@code close()} does (Servlet 6.0 §5.7). Not held after a
 * {@code sendError}, which fixes the status, nor while the stream writes without blocking (a {@code WriteListener}),
 * where the output's release could not wait for the stream to be ready.
 *
 * <p>Implemented by the stream and the writer the application gets; not thread-safe, like the response.
 */
interface HeldOutput {

    /** @return whether more was written than the buffer holds, or the output was flushed or closed */
    boolean outgrown();

    /**
     * @return how much is held, counted as the container counts what is written against a Content-Length: bytes, or
     *     the writer's characters where the container buffers text ({@link CapturingResponse#buffersText()});
     *     {@code 0} when nothing is held
     */
    long length();

    /** Notes that the response was flushed: the container would have committed the captured status. */
    void outgrow();

    /**
     * Writes what is held to the container's stream or writer, and forgets it: the captured status gave way to one
     * the application set.
     *
     * @throws IOException when the container's stream or writer fails
     */
    void release() throws IOException;

    /** Forgets what is held: the container cleared its buffer ({@code resetBuffer}, {@code sendError}, a redirect). */
    void discard();
}
