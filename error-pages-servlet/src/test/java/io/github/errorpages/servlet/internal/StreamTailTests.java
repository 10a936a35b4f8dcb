package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamTailTests {

    @Test
    void aStreamWithNothingRelayedIsBetweenRecords() {
        assertThat(StreamTail.events().isBetweenRecords()).isTrue();
        assertThat(StreamTail.lines().isBetweenRecords()).isTrue();
        assertThat(StreamTail.opaque().isBetweenRecords()).isTrue();
    }

    /** Parts separated by "|": each is seen on its own, and an event's end may span them. */
    @ParameterizedTest
    @ValueSource(strings = {"data: a\n\n", "data: a\r\n\r\n", "data: a\r\r", "data: a\n\r\n", "data: a\r\n\n",
            "data: a\n\r", ": ping\n\n", ": ping\n", "data: a\n\n: heartbeat\n", "data: a\n\n: hb\r\n: hb\r", "\n",
            "\r\n", "data: a\n|\n", "data: a\r\n|\r\n", "data: a\r\n\r|\n", "data: a\n\n|data: b\n|\n", "data: a\n\n|",
            "x|\n|\n", "data: a\r|\r", "data: a\r|\n|\r|\n", "data: é€😀\n\n", "id: 7\nevent: x\ndata: a\n\n"})
    void eventStreamsEndingWithAnEventsEndAreBetweenEvents(String parts) {
        assertThat(seen(StreamTail::events, parts).isBetweenRecords()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"data: a", "data: a\n", "data: a\r\n", "data: a\r", "data: a\n\n|data: b",
            "data: a\n\n|data: b\n", "data: a\n|data: b\r\n", "data: a\r|\n", "data: a\n\n|x", ": ping",
            "data: a\n: comment\n", "data: a\n\n: hb\ndata: b\n", "data: é€😀\n"})
    void eventStreamsEndingWithinAnEventAreNot(String parts) {
        assertThat(seen(StreamTail::events, parts).isBetweenRecords()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"n\":1}\n", "{\"n\":1}\r\n", "{\"n\":1}\n{\"n\":2}\n", "{\"n\"|:1}\n", "{}\n|",
            "\u001e{\"n\":1}\n"})
    void lineStreamsEndingWithALineFeedAreBetweenLines(String parts) {
        assertThat(seen(StreamTail::lines, parts).isBetweenRecords()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"n\":1", "{\"n\":1}\n{", "{\"n\":1}\r", "{\"n\":1}\n|{\"n\""})
    void lineStreamsEndingWithinALineAreNot(String parts) {
        assertThat(seen(StreamTail::lines, parts).isBetweenRecords()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"data: a", "{\"n\":1", "\u0000\u0000\u0000\u0000\u0010abc"})
    void opaqueStreamsAreAlwaysBetweenRecords(String parts) {
        assertThat(seen(StreamTail::opaque, parts).isBetweenRecords()).isTrue();
    }

    @Test
    void readsThePartWithoutMovingItsPosition() {
        ByteBuffer part = ByteBuffer.wrap("xxdata: a\n\n".getBytes(StandardCharsets.US_ASCII));
        part.position(2);
        StreamTail tail = StreamTail.events();

        tail.saw(part);

        assertThat(part.position()).isEqualTo(2);
        assertThat(part.remaining()).isEqualTo(9);
        assertThat(tail.isBetweenRecords()).isTrue();
    }

    @Test
    void onlyTheBytesFromThePositionCount() {
        ByteBuffer part = ByteBuffer.wrap("\n\ndata: b".getBytes(StandardCharsets.US_ASCII));
        part.position(2);
        StreamTail tail = StreamTail.events();

        tail.saw(part.slice(2, 0)); // an empty part changes nothing
        assertThat(tail.isBetweenRecords()).isTrue();
        tail.saw(part);
        assertThat(tail.isBetweenRecords()).isFalse();
        StreamTail lines = StreamTail.lines();
        lines.saw(ByteBuffer.wrap("a\n".getBytes(StandardCharsets.US_ASCII)));
        lines.saw(part.slice(2, 0));
        assertThat(lines.isBetweenRecords()).isTrue();
    }

    private static StreamTail seen(Supplier<StreamTail> kind, String parts) {
        StreamTail tail = kind.get();
        for (String part : parts.split("\\|", -1)) {
            tail.saw(ByteBuffer.wrap(part.getBytes(StandardCharsets.UTF_8)));
        }
        return tail;
    }
}
