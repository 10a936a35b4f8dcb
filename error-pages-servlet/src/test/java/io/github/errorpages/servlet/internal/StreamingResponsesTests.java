package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(StreamingResponses.isEventStream(contentType)).isTrue();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"application/x-ndjson", "text/event-streams", "text/event", ""})
    void otherTypesAreNoEventStreams(String contentType) {
        assertThat(StreamingResponses.isEventStream(contentType)).isFalse();
    }
}
