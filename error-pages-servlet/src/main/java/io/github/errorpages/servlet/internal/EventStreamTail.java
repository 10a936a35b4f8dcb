package io.github.errorpages.servlet.internal;

import java.nio.ByteBuffer;

/**
 * Whether the bytes of an event stream relayed so far end between events: with the empty line that ends an event
 * (or a comment), or before any byte. Only a stream quiet there may be ended as a whole response: one that stalls
 * within an event, or within an HTTP chunk the upstream announced (which cuts an event too, unless the chunk held
 * whole events only), is a failure of the upstream's. Lines end with CRLF, LF or CR (the HTML standard's event stream
 * format). Not thread-safe: one thread at a time sees the parts (the order in which they are relayed); {@link
 * #isBetweenEvents()} may be asked on another.
 */
public final class EventStreamTail {

    /** The last three bytes relayed, the latest in the lowest byte; as many as {@link #count} says. */
    private int last;
    private int count;
    private volatile boolean betweenEvents = true;

    /**
     * Notes a part about to be relayed.
     *
     * @param part the part, read from its position to its limit, which are left as they are
     */
    public void saw(ByteBuffer part) {
        int start = Math.max(part.position(), part.limit() - 3);
        for (int i = start; i < part.limit(); i++) {
            last = (last << 8 | part.get(i) & 0xff) & 0xffffff;
        }
        count = Math.min(3, count + part.limit() - start);
        betweenEvents = endsBetweenEvents();
    }

    /** @return whether the bytes seen so far end between events: with an empty line, or none seen */
    public boolean isBetweenEvents() {
        return betweenEvents;
    }

    private boolean endsBetweenEvents() {
        if (count == 0) {
            return true;
        }
        // The last line's end (CRLF as one), and before it another line's end: the empty line that ends an event.
        int ending = byteAt(0) == '\n' && count >= 2 && byteAt(1) == '\r' ? 2
                : byteAt(0) == '\n' || byteAt(0) == '\r' ? 1 : 0;
        if (ending == 0) {
            return false;
        }
        if (ending == count) {
            return true; // the stream's first line is empty: no event under way
        }
        int before = byteAt(ending);
        return before == '\n' || before == '\r';
    }

    /** @return the byte {@code back} bytes before the last (0: the last) */
    private int byteAt(int back) {
        return last >>> (8 * back) & 0xff;
    }
}
