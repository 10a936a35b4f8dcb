package io.github.errorpages.servlet.internal;

import java.util.function.IntSupplier;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * The pool of {@link JettyForwarder}'s client: Jetty's, but for the buffers its HTTP/1.1 receivers read the network
 * into, which are new each time and never go back to a pool (told by their size, the client's response buffer size,
 * which nothing else of Jetty 12.1's client asks for: its TLS buffers are larger, its request buffers smaller).
 *
 * <p>Jetty 12.1's receiver ({@code HttpReceiverOverHTTP.parse}) keeps its connection's network buffer in a local
 * variable while the response's listeners run, and afterwards, when the exchange was aborted meanwhile, clears it.
 * But the listeners' demand may have released that buffer to the pool before (a read that found nothing), and another
 * connection's receiver may have taken it and filled it: the late clear emptied that connection's buffer, and what it
 * had read of its response (a head, an event, a part of a body) was lost, its exchange waiting for bytes that had come
 * already. An upload its client abandons aborts an exchange just so, while another one starts
 * (jetty/jetty.project#12934 is about this buffer's management). Views of pooled memory do not help: the stale
 * receiver's work reaches the memory. A buffer never reused harms nobody when it is cleared late. The cost: one heap
 * buffer of the client's response buffer size (16 KiB) for each time a connection starts to read, garbage once read
 * (an event stream whose events come one by one takes one for each).
 * Thread-safe, as the pool it wraps.
 */
final class FreshReceiveBuffers extends ByteBufferPool.Wrapper {

    private final ByteBufferPool.NonPooling fresh = new ByteBufferPool.NonPooling();
    private final IntSupplier receiveBufferSize;

    /**
     * @param pool the pool of every other buffer
     * @param receiveBufferSize the size the receivers ask for: the client's response buffer size, read at each
     *     acquisition (it may be set until the client starts)
     */
    FreshReceiveBuffers(ByteBufferPool pool, IntSupplier receiveBufferSize) {
        super(pool);
        this.receiveBufferSize = receiveBufferSize;
    }

    @Override
    public RetainableByteBuffer.Mutable acquire(int size, boolean direct) {
        // On the heap: a direct buffer costs far more to allocate than the copy the JDK makes into its own.
        return size == receiveBufferSize.getAsInt() ? fresh.acquire(size, false) : super.acquire(size, direct);
    }
}
