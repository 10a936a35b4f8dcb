package io.github.errorpages.servlet.internal;

import org.jspecify.annotations.Nullable;

/**
 * Which relayed responses are streams: sent to the client part by part as they arrive, each part flushed, and their
 * head at once, before the first part. Any other body waits in the response buffer until it fills or the body ends,
 * so that an upstream that fails within the first buffer still gets the client a clean page; a stream's next part may
 * be minutes away, and held so it reached the client only with the parts after it (a chat's next line, a price).
 * Both proxy transports ask here, also where a stream's records end ({@link #tailOf}) and whether a stream quiet
 * between them ends whole ({@link #endsWholeWhenQuiet}).
 * Thread-safe (stateless).
 */
public final class StreamingResponses {

    /** Server-sent events: relayed as a stream, and ended whole when quiet for the body idle timeout. */
    private static final String EVENT_STREAM = "text/event-stream";

    /**
     * Media types of streams whose records end with a line feed: newline-delimited JSON under its names in use, JSON
     * text sequences (RFC 7464) and Spring's {@code application/stream+json}.
     */
    private static final String[] LINE_STREAMS = {"application/x-ndjson", "application/ndjson", "application/jsonl",
            "application/stream+json", "application/json-seq"};
    /** The multipart replacement stream of camera feeds, whose parts are not read here. */
    private static final String MIXED_REPLACE = "multipart/x-mixed-replace";
    /** gRPC-Web, whose subtypes are this followed by {@code +} or {@code -text}, and whose frames are not read here. */
    private static final String GRPC_WEB = "application/grpc-web";

    /** The kinds of media type, by how a stream of it is relayed. */
    private enum Kind {
        /** No stream: buffered. */
        NONE,
        /** An event stream. */
        EVENTS,
        /** A stream of lines. */
        LINES,
        /** A stream whose records are not read. */
        OPAQUE
    }

    private StreamingResponses() {
    }

    /**
     * Where a stream's records end, for telling a quiet stream from one that stalls ({@link StreamTail}).
     *
     * @param contentType the response's {@code Content-Type}, or {@code null} without one
     * @param accelBuffering the response's first {@code X-Accel-Buffering} value, or {@code null} without one
     * @param contentEncoding the response's first {@code Content-Encoding} value, or {@code null} without one
     * @return the new tail of a stream ({@link #isStream}), or {@code null} for any other body
     */
    public static @Nullable StreamTail tailOf(@Nullable String contentType, @Nullable String accelBuffering,
            @Nullable String contentEncoding) {
        Kind kind = kind(contentType);
        if (kind == Kind.NONE && !isUnbuffered(accelBuffering)) {
            return null;
        }
        if (!isIdentity(contentEncoding)) {
            return StreamTail.opaque(); // a compressed stream's records cannot be told apart
        }
        return kind == Kind.EVENTS ? StreamTail.events() : kind == Kind.LINES ? StreamTail.lines()
                : StreamTail.opaque();
    }

    /**
     * Whether a stream quiet between its records for the body idle timeout ({@link StreamTail}) ends as a whole
     * response; any other is aborted (neither counts against the upstream). Only an event stream that answers a GET,
     * as a browser's {@code EventSource} asks, which reconnects to a stream that ended, and without a length or a
     * content coding, either of which the end would cut short. A stream that answers a POST (a chat's reply, read
     * with {@code fetch}) is not asked again: ended whole, its reader would take the part for all there was.
     *
     * @param method the request's method
     * @param tail the response's tail ({@link #tailOf}, which reads the events of an event stream without a content
     *     coding only), or {@code null} for a body that is no stream
     * @param length the response's {@code Content-Length}, or -1 without one
     * @return whether the stream ends whole when quiet
     */
    public static boolean endsWholeWhenQuiet(String method, @Nullable StreamTail tail, long length) {
        return "GET".equals(method) && length < 0 && tail != null && tail.readsEvents();
    }

    private static boolean isIdentity(@Nullable String contentEncoding) {
        return contentEncoding == null || contentEncoding.strip().equalsIgnoreCase("identity");
    }

    /**
     * Whether a response is a stream: an event stream, of a media type of {@link #LINE_STREAMS}, gRPC-Web or
     * {@link #MIXED_REPLACE}, or marked by its upstream
     * with {@code X-Accel-Buffering: no}, nginx's field for "do not buffer this response", which applications already
     * send to tell the proxies in front that a response of another type streams (the field is relayed, for a proxy
     * in front of this one). Allocates nothing: asked of every relayed response.
     *
     * @param contentType the response's {@code Content-Type}, or {@code null} without one
     * @param accelBuffering the response's first {@code X-Accel-Buffering} value, or {@code null} without one
     * @return whether each part is to be flushed as it arrives
     */
    public static boolean isStream(@Nullable String contentType, @Nullable String accelBuffering) {
        return isUnbuffered(accelBuffering) || kind(contentType) != Kind.NONE;
    }

    private static boolean isUnbuffered(@Nullable String accelBuffering) {
        return accelBuffering != null && accelBuffering.strip().equalsIgnoreCase("no");
    }

    /** The kind of a media type, parameters aside: found in one pass over the list, asked of every response. */
    private static Kind kind(@Nullable String contentType) {
        if (contentType == null) {
            return Kind.NONE;
        }
        int start = start(contentType);
        int end = end(contentType);
        if (isType(contentType, start, end, EVENT_STREAM)) {
            return Kind.EVENTS;
        }
        for (String lines : LINE_STREAMS) {
            if (isType(contentType, start, end, lines)) {
                return Kind.LINES;
            }
        }
        return isType(contentType, start, end, MIXED_REPLACE) || isGrpcWeb(contentType, start, end) ? Kind.OPAQUE
                : Kind.NONE;
    }

    /** Whether the media type between {@code start} and {@code end} is gRPC-Web's, one of its subtypes. */
    private static boolean isGrpcWeb(String contentType, int start, int end) {
        int subtype = start + GRPC_WEB.length();
        return end >= subtype && contentType.regionMatches(true, start, GRPC_WEB, 0, GRPC_WEB.length())
                && (end == subtype || contentType.charAt(subtype) == '+'
                        || contentType.regionMatches(true, subtype, "-text", 0, 5)
                                && (end == subtype + 5 || contentType.charAt(subtype + 5) == '+'));
    }

    /** Whether the media type between {@code start} and {@code end} is {@code type}, in any case. */
    private static boolean isType(String contentType, int start, int end, String type) {
        return end - start == type.length() && contentType.regionMatches(true, start, type, 0, type.length());
    }

    /** Where the media type starts: after leading white space. */
    private static int start(String contentType) {
        int start = 0;
        while (start < contentType.length() && isWhiteSpace(contentType.charAt(start))) {
            start++;
        }
        return start;
    }

    /** Where the media type ends: before its parameters and the white space before them. */
    private static int end(String contentType) {
        int parameters = contentType.indexOf(';');
        int end = parameters < 0 ? contentType.length() : parameters;
        while (end > 0 && isWhiteSpace(contentType.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isWhiteSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
