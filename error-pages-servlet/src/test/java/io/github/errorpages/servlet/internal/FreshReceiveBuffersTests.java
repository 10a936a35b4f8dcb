package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.junit.jupiter.api.Test;

/**
 * The buffers the Jetty client's receivers read responses into are never reused: a receiver that clears, after its
 * listeners ran, the buffer it had released meanwhile (Jetty 12.1's {@code HttpReceiverOverHTTP.parse}, for an
 * exchange aborted then) empties no other connection's. From Jetty's pool the next connection got that very buffer,
 * and what it had read of its response was lost: an event-stream relay stalled after its head (seen once in CI,
 * reproduced with Jetty's client alone). Buffers of other sizes are pooled as before.
 */
class FreshReceiveBuffersTests {

    private static final int RECEIVE = 16384;

    private final ArrayByteBufferPool pooled = new ArrayByteBufferPool(0, 2048, 65536, 4);
    private final FreshReceiveBuffers pool = new FreshReceiveBuffers(pooled, () -> RECEIVE);

    @Test
    void aLateClearOfAReleasedReceiveBufferEmptiesNoOtherConnectionsBuffer() {
        RetainableByteBuffer first = pool.acquire(RECEIVE, true);
        ByteBuffer stale = first.getByteBuffer(); // the receiver's local variable
        first.release(); // a demand that read nothing released it

        RetainableByteBuffer second = pool.acquire(RECEIVE, true); // another connection's receiver
        ByteBuffer filled = second.getByteBuffer();
        int position = BufferUtil.flipToFill(filled);
        filled.put("HTTP/1.1 200 OK\r\n\r\ndata: reading\n\n".getBytes(StandardCharsets.US_ASCII));
        BufferUtil.flipToFlush(filled, position);
        BufferUtil.clear(stale); // the first receiver, back from its listeners

        assertThat(BufferUtil.toString(second.getByteBuffer(), StandardCharsets.US_ASCII))
                .isEqualTo("HTTP/1.1 200 OK\r\n\r\ndata: reading\n\n");
        second.release();
        assertThat(pooled.getAvailableDirectByteBufferCount() + pooled.getAvailableHeapByteBufferCount())
                .as("none went to the pool").isZero();
    }

    @Test
    void otherBuffersArePooled() {
        RetainableByteBuffer buffer = pool.acquire(4096, true);
        assertThat(buffer.isDirect()).isTrue();
        buffer.release();

        assertThat(pooled.getAvailableDirectByteBufferCount()).isEqualTo(1);
    }
}
