package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A client's request body on its way to the upstream, with the bounded buffer that lets a retry send it
 * again. Up to {@code limit} bytes are read before the first attempt: a body that fits is kept whole and
 * can be sent any number of times; a larger one is streamed (the bytes read so far, then the rest as it
 * arrives), never held whole in memory, and can be sent once only, so the guard must not retry it.
 *
 * <p>Thread-safe: an attempt's publisher reads on the HTTP client's threads.
 */
public final class ReplayableBody {

    private final byte[] head;
    private final long contentLength;
    private final @Nullable InputStream rest;
    private final AtomicBoolean restTaken = new AtomicBoolean();

    private ReplayableBody(byte[] head, long contentLength, @Nullable InputStream rest) {
        this.head = head;
        this.contentLength = contentLength;
        this.rest = rest;
    }

    /**
     * Reads the start of a request's body.
     *
     * @param request the client's request
     * @param limit the most bytes kept for replay
     * @return the body
     * @throws IOException when reading the request fails (the client went away)
     */
    public static ReplayableBody of(HttpServletRequest request, int limit) throws IOException {
        long length = request.getContentLengthLong();
        if (length == 0 || (length < 0 && request.getHeader("Transfer-Encoding") == null)) {
            return new ReplayableBody(new byte[0], 0, null);
        }
        InputStream in = request.getInputStream();
        byte[] head = in.readNBytes((int) Math.min(limit + 1L, length < 0 ? limit + 1L : length));
        boolean whole = head.length <= limit && (length >= 0 ? head.length == length : in.read() == -1);
        if (whole) {
            return new ReplayableBody(head, head.length, null);
        }
        return new ReplayableBody(head, length, in);
    }

    /**
     * @return whether the body can be sent again: it fits the replay buffer, or nothing of it was sent yet
     */
    public boolean isReplayable() {
        return rest == null || !restTaken.get();
    }

    /**
     * @return whether there is a body at all
     */
    public boolean isPresent() {
        return head.length > 0 || rest != null;
    }

    /**
     * Returns the publisher for one attempt.
     *
     * @return a publisher with the body's length when it is known (else the body is sent chunked)
     */
    public BodyPublisher publisher() {
        if (!isPresent()) {
            return BodyPublishers.noBody();
        }
        if (rest == null) {
            return BodyPublishers.ofByteArray(head);
        }
        BodyPublisher streamed = BodyPublishers.ofInputStream(this::stream);
        return contentLength >= 0 ? BodyPublishers.fromPublisher(streamed, contentLength) : streamed;
    }

    private InputStream stream() {
        if (!restTaken.compareAndSet(false, true)) {
            // The guard asks isReplayable() before a retry; only a client-internal resend gets here.
            throw new UncheckedIOException(new IOException("the request body was streamed already and cannot be sent again"));
        }
        return new SequenceInputStream(new ByteArrayInputStream(head), rest);
    }
}
