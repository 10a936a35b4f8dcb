package io.github.errorpages.servlet.internal;

import java.nio.ByteBuffer;

/**
 * Where a relayed stream ({@link StreamingResponses}) is: between its records, or within one. A stream quiet between
 * records for the body idle timeout is quiet as streams are (the next price, the next chat line, may be minutes away),
 * and as one whose client left, which the proxy learns of only when it writes: neither is a failure of the
 * upstream's. One that stalls within a record (an event, a line), which the upstream does not do whether the client
 * is there or not, is. Not thread-safe: one thread at a time sees the parts, in the order in which they are relayed;
 * {@link #isBetweenRecords()} may be asked on another.
 */
public final class StreamTail {

    private enum Records {
        /**
         * Server-sent events: an event ends with an empty line, lines end with CRLF, LF or CR, and a comment line
         * ({@code ":"} first) adds nothing to an event (the HTML standard's event stream format).
         */
        EVENTS,
        /** Newline-delimited JSON and the like: a record ends with LF. */
        LINES,
        /** A format whose records are not read here (gRPC-Web, multipart, compressed): always between them. */
        OPAQUE
    }

    private final Records records;
    private volatile boolean betweenRecords = true;
    // EVENTS: where the current line and event are.
    private boolean atLineStart = true;
    private boolean commentLine;
    private boolean afterCarriageReturn;
    /** Whether a field line (not a comment) came since the last empty line: an event under way. */
    private boolean eventUnderWay;

    private StreamTail(Records records) {
        this.records = records;
    }

    /** @return the tail of an event stream ({@code text/event-stream}), before any byte */
    public static StreamTail events() {
        return new StreamTail(Records.EVENTS);
    }

    /** @return the tail of a stream of lines, before any byte */
    public static StreamTail lines() {
        return new StreamTail(Records.LINES);
    }

    /** @return the tail of a stream whose records are not read: always between them */
    public static StreamTail opaque() {
        return new StreamTail(Records.OPAQUE);
    }

    /**
     * Notes a part about to be relayed.
     *
     * @param part the part, read from its position to its limit, which are left as they are
     */
    public void saw(ByteBuffer part) {
        if (records == Records.OPAQUE || !part.hasRemaining()) {
            return;
        }
        if (records == Records.LINES) {
            betweenRecords = part.get(part.limit() - 1) == '\n';
            return;
        }
        for (int i = part.position(); i < part.limit(); i++) {
            event(part.get(i));
        }
        betweenRecords = atLineStart && !eventUnderWay;
    }

    /** @return whether this is an event stream's tail ({@link #events()}) */
    public boolean readsEvents() {
        return records == Records.EVENTS;
    }

    /** @return whether the bytes seen so far end between records: none seen, or a record's end last */
    public boolean isBetweenRecords() {
        return betweenRecords;
    }

    private void event(byte b) {
        boolean lineFeedOfCrLf = afterCarriageReturn && b == '\n';
        afterCarriageReturn = b == '\r';
        if (lineFeedOfCrLf) {
            return; // the line ended with the CR
        }
        if (b == '\r' || b == '\n') {
            if (atLineStart) {
                eventUnderWay = false; // an empty line: the event is dispatched
            } else if (!commentLine) {
                eventUnderWay = true;
            }
            atLineStart = true;
        } else if (atLineStart) {
            commentLine = b == ':';
            atLineStart = false;
        }
    }
}
