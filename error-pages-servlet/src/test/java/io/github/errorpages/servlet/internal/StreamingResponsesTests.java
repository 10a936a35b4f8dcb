package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingResponsesTests {

    @ParameterizedTest
    @ValueSource(strings = {"text/event-stream", "text/event-stream; charset=utf-8", " Text/Event-Stream ",
            "application/x-ndjson", "application/ndjson;charset=UTF-8", "application/jsonl", "application/stream+json",
            "application/json-seq", "application/grpc-web", "application/grpc-web+proto", "application/grpc-web+json",
            "application/grpc-web-text", "application/grpc-web-text+proto", "APPLICATION/GRPC-WEB-TEXT ; a=b",
            "multipart/x-mixed-replace; boundary=frame"})
    void streamingMediaTypesAreStreams(String contentType) {
        assertThat(StreamingResponses.isStream(contentType, null)).isTrue();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"application/json", "text/html; charset=utf-8", "text/event-streams", "text/plain",
            "application/grpc", "application/grpc-webfoo", "application/grpc-web-textual", "application/grpc-we",
            "application/octet-stream", "", ";"})
    void otherBodiesAreBuffered(String contentType) {
        assertThat(StreamingResponses.isStream(contentType, null)).isFalse();
        assertThat(StreamingResponses.isStream(contentType, "yes")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"no", "No", " no "})
    void anyResponseMarkedNotToBeBufferedIsAStream(String accelBuffering) {
        assertThat(StreamingResponses.isStream("application/json", accelBuffering)).isTrue();
        assertThat(StreamingResponses.isStream(null, accelBuffering)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/event-stream", "TEXT/EVENT-STREAM;charset=utf-8", "text/event-stream ; retry=1"})
    void eventStreamsAreToldApart(String contentType) {
        assertThat(StreamingResponses.tailOf(contentType, null, null).readsEvents()).isTrue();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"application/x-ndjson", "text/event-streams", "text/event", ""})
    void otherTypesAreNoEventStreams(String contentType) {
        StreamTail tail = StreamingResponses.tailOf(contentType, null, null);
        assertThat(tail != null && tail.readsEvents()).isFalse();
    }

    @Test
    void otherBodiesHaveNoTail() {
        assertThat(StreamingResponses.tailOf("application/json", null, null)).isNull();
        assertThat(StreamingResponses.tailOf(null, null, "gzip")).isNull();
    }

    @Test
    void anEventStreamsTailTellsEventsApart() {
        StreamTail tail = StreamingResponses.tailOf("text/event-stream; charset=utf-8", null, "identity");

        assertThat(tail).isNotNull();
        tail.saw(bytes("data: a\n"));
        assertThat(tail.isBetweenRecords()).isFalse();
        tail.saw(bytes("\n"));
        assertThat(tail.isBetweenRecords()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/x-ndjson", "application/ndjson", "application/jsonl",
            "application/stream+json", "application/json-seq"})
    void aLineStreamsTailTellsLinesApart(String contentType) {
        StreamTail tail = StreamingResponses.tailOf(contentType, null, null);

        assertThat(tail).isNotNull();
        tail.saw(bytes("{\"n\":1"));
        assertThat(tail.isBetweenRecords()).isFalse();
        tail.saw(bytes("}\n"));
        assertThat(tail.isBetweenRecords()).isTrue();
    }

    /** A compressed stream, gRPC-Web's frames, a multipart stream's parts, and a stream of any other type. */
    @ParameterizedTest
    @ValueSource(strings = {"text/event-stream|gzip", "application/x-ndjson|br", "application/grpc-web+proto|",
            "multipart/x-mixed-replace; boundary=f|", "application/json|accel"})
    void theTailOfAStreamWhoseRecordsAreNotReadIsAlwaysBetweenThem(String typeAndCoding) {
        String[] given = typeAndCoding.split("\\|", -1);
        boolean accel = given[1].equals("accel");
        StreamTail tail = StreamingResponses.tailOf(given[0], accel ? "no" : null,
                accel || given[1].isEmpty() ? null : given[1]);

        assertThat(tail).isNotNull();
        tail.saw(bytes("data: a"));
        assertThat(tail.isBetweenRecords()).isTrue();
    }

    @Test
    void onlyAnEventStreamAGetAskedForWithoutLengthOrCodingEndsWholeWhenQuiet() {
        assertThat(endsWholeWhenQuiet("GET", "text/event-stream", -1, null)).isTrue();
        assertThat(endsWholeWhenQuiet("GET", "text/event-stream", -1, " Identity")).isTrue();
        assertThat(endsWholeWhenQuiet("POST", "text/event-stream", -1, null)).isFalse();
        assertThat(endsWholeWhenQuiet("GET", "text/event-stream", 99, null)).isFalse();
        assertThat(endsWholeWhenQuiet("GET", "text/event-stream", -1, "gzip")).isFalse();
        assertThat(endsWholeWhenQuiet("GET", "application/x-ndjson", -1, null)).isFalse();
        assertThat(endsWholeWhenQuiet("GET", null, -1, null)).isFalse();
    }

    /** The decision for a response of this head, from its tail as the proxy takes it. */
    private static boolean endsWholeWhenQuiet(String method, String contentType, long length, String coding) {
        return StreamingResponses.endsWholeWhenQuiet(method, StreamingResponses.tailOf(contentType, null, coding),
                length);
    }

    private static ByteBuffer bytes(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }
}
