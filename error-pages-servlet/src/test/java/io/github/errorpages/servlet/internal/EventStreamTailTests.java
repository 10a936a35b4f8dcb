package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventStreamTailTests {

    @Test
    void aStreamWithNothingRelayedIsBetweenEvents() {
        assertThat(new EventStreamTail().isBetweenEvents()).isTrue();
    }

    /** Parts separated by "|": each is seen on its own, and the last bytes may span them. */
    @ParameterizedTest
    @ValueSource(strings = {"data: a\n\n", "data: a\r\n\r\n", "data: a\r\r", "data: a\n\r\n", "data: a\r\n\n",
            "data: a\n\r", ": ping\n\n", "\n", "\r\n", "data: a\n|\n", "data: a\r\n|\r\n", "data: a\r\n\r|\n",
            "data: a\n\n|data: b\n|\n", "data: a\n\n|", "x|\n|\n", "data: a\r|\r"})
    void partsEndingWithAnEmptyLineEndBetweenEvents(String parts) {
        assertThat(seen(parts).isBetweenEvents()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"data: a", "data: a\n", "data: a\r\n", "data: a\r", "data: a\n\n|data: b",
            "data: a\n\n|data: b\n", "data: a\n|data: b\r\n", "data: a\r|\n", "data: a\n\n|x"})
    void partsEndingWithinAnEventDoNot(String parts) {
        assertThat(seen(parts).isBetweenEvents()).isFalse();
    }

    @Test
    void readsThePartWithoutMovingItsPosition() {
        ByteBuffer part = ByteBuffer.wrap("xxdata: a\n\n".getBytes(StandardCharsets.US_ASCII));
        part.position(2);
        EventStreamTail tail = new EventStreamTail();

        tail.saw(part);

        assertThat(part.position()).isEqualTo(2);
        assertThat(part.remaining()).isEqualTo(9);
        assertThat(tail.isBetweenEvents()).isTrue();
    }

    @Test
    void onlyTheBytesFromThePositionCount() {
        ByteBuffer part = ByteBuffer.wrap("\n\nabc".getBytes(StandardCharsets.US_ASCII));
        part.position(2);
        EventStreamTail tail = new EventStreamTail();
        tail.saw(ByteBuffer.wrap("\n".getBytes(StandardCharsets.US_ASCII)));

        tail.saw(part.slice(2, 0)); // an empty part changes nothing
        assertThat(tail.isBetweenEvents()).isTrue();
        tail.saw(part);
        assertThat(tail.isBetweenEvents()).isFalse();
    }

    private static EventStreamTail seen(String parts) {
        EventStreamTail tail = new EventStreamTail();
        for (String part : parts.split("\\|", -1)) {
            tail.saw(ByteBuffer.wrap(part.getBytes(StandardCharsets.US_ASCII)));
        }
        return tail;
    }
}
