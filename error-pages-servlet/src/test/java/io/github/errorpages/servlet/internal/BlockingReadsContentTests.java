package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The content through which the Jetty transport sends an upload read with blocking servlet I/O: the thread of Jetty's
 * client that asks for it is never the one that waits for the client's bytes. It waited in Jetty's own
 * {@code InputStreamRequestContent}, and stalled uploads held every thread of the client's, which its other exchanges
 * needed. The client's stream is a stand-in here: a read held until the test hands it bytes.
 */
class BlockingReadsContentTests {

    private final ExecutorService reads = Executors.newCachedThreadPool();
    private final HeldStream client = new HeldStream();
    /** The threads the content's first ask was noted on. */
    private final BlockingQueue<Thread> asked = new LinkedBlockingQueue<>();
    private final BlockingReadsContent content = new BlockingReadsContent(client, reads,
            () -> asked.add(Thread.currentThread()));

    @AfterEach
    void stopReads() {
        reads.shutdownNow();
    }

    @Test
    void theThreadThatAsksForTheBodyNeverWaitsForTheClient() throws Exception {
        assertThat(content.read()).as("nothing read before a demand").isNull();
        assertThat(client.reads).as("reads of the client's stream").isEmpty();

        BlockingQueue<Thread> calledBackOn = new LinkedBlockingQueue<>();
        content.demand(() -> calledBackOn.add(Thread.currentThread()));
        Thread reader = client.reads.poll(5, TimeUnit.SECONDS);

        assertThat(reader).as("the read of the client's stream").isNotNull().isNotSameAs(Thread.currentThread());
        assertThat(content.read()).as("nothing while the client sends nothing").isNull();
        assertThat(calledBackOn).as("demands called back").isEmpty();

        client.sends("order");
        assertThat(calledBackOn.poll(5, TimeUnit.SECONDS)).as("the demand called back").isSameAs(reader);
        Content.Chunk chunk = content.read();
        assertThat(chunk).isNotNull();
        assertThat(StandardCharsets.UTF_8.decode(chunk.getByteBuffer()).toString()).isEqualTo("order");
        assertThat(chunk.isLast()).isFalse();
        assertThat(content.read()).as("nothing more read yet").isNull();

        content.demand(() -> calledBackOn.add(Thread.currentThread()));
        client.ends();
        assertThat(calledBackOn.poll(5, TimeUnit.SECONDS)).as("the demand called back").isNotNull();
        assertThat(content.read()).isSameAs(Content.Chunk.EOF);
        assertThat(content.getContentType()).as("no Content-Type made up").isNull();
    }

    /**
     * Jetty's client asks for the content before it sends the request's head: the ask is noted then, on its thread,
     * once, before any read of the client's began ({@link BlockingRequestBody} counts the body as started from then).
     */
    @Test
    void theFirstAskIsNotedOnTheAskingThreadBeforeAnyReadBegins() throws Exception {
        assertThat(content.read()).as("nothing read before a demand").isNull();

        assertThat(asked).as("asks noted").containsExactly(Thread.currentThread());
        assertThat(client.reads).as("reads of the client's stream").isEmpty();

        content.demand(() -> { });
        assertThat(client.reads.poll(5, TimeUnit.SECONDS)).as("the read of the client's stream").isNotNull();
        content.read();
        assertThat(asked).as("asks noted, the first only").hasSize(1);
    }

    /** A demand with no read before it is the first ask: noted before the read it hands on may begin. */
    @Test
    void aDemandThatComesFirstIsTheAskNoted() throws Exception {
        reads.shutdown(); // the demand's read never begins

        content.demand(() -> { });

        assertThat(asked).as("asks noted").containsExactly(Thread.currentThread());
        assertThat(client.reads).as("reads of the client's stream").isEmpty();
    }

    @Test
    void aFailedReadFailsTheContentWithItsFailure() throws Exception {
        IOException gone = new IOException("the client went away");
        AtomicReference<Content.Chunk> afterDemand = new AtomicReference<>();
        BlockingQueue<Boolean> calledBack = new LinkedBlockingQueue<>();
        content.demand(() -> {
            afterDemand.set(content.read());
            calledBack.add(true);
        });
        assertThat(client.reads.poll(5, TimeUnit.SECONDS)).as("the read of the client's stream").isNotNull();

        client.fails(gone);

        assertThat(calledBack.poll(5, TimeUnit.SECONDS)).as("the demand called back").isTrue();
        assertThat(afterDemand.get()).satisfies(chunk -> {
            assertThat(Content.Chunk.isFailure(chunk, true)).isTrue();
            assertThat(chunk.getFailure()).isSameAs(gone);
        });
    }

    @Test
    void aDemandOnceTheForwarderStoppedFailsTheContent() {
        reads.shutdown();
        AtomicReference<Content.Chunk> afterDemand = new AtomicReference<>();

        content.demand(() -> afterDemand.set(content.read()));

        assertThat(afterDemand.get()).as("called back at once").isNotNull()
                .satisfies(chunk -> assertThat(Content.Chunk.isFailure(chunk, true)).isTrue());
        assertThat(client.reads).as("reads of the client's stream").isEmpty();
    }

    /**
     * A read handed on for an attempt that then failed (aborted, timed out, answered) before the read began takes no
     * byte of the client's: they would be lost, sent by no attempt. The demand is still called back, once, with the
     * failure. No retry follows either: the demand that handed the read on marked the body touched first (R13).
     */
    @Test
    void aReadHandedOnForAContentFailedSinceTakesNoByteOfTheClients() {
        BlockingQueue<Runnable> held = new LinkedBlockingQueue<>();
        BlockingReadsContent heldContent = new BlockingReadsContent(client, held::add,
                () -> asked.add(Thread.currentThread()));
        List<Content.Chunk> afterDemand = new CopyOnWriteArrayList<>();
        IOException aborted = new IOException("the attempt was aborted");

        heldContent.demand(() -> afterDemand.add(heldContent.read()));
        assertThat(asked).as("the body noted asked for (touched) before the read was handed on")
                .containsExactly(Thread.currentThread());
        heldContent.fail(aborted);
        assertThat(afterDemand).as("called back by the read handed on, not twice").isEmpty();
        client.sends("next request's bytes");
        held.forEach(Runnable::run);

        assertThat(client.reads).as("reads of the client's stream").isEmpty();
        assertThat(afterDemand).as("the demand called back once, with the failure").singleElement()
                .satisfies(chunk -> assertThat(chunk.getFailure()).isSameAs(aborted));
    }

    /**
     * A failure while a read is under way: the read's bytes are kept, but the failure comes first, and the demand
     * is called back once, when the read returns (Jetty's {@code Content.Source}: a failed source returns its
     * failure from then on).
     */
    @Test
    void aFailureWhileAReadIsUnderWayIsReturnedBeforeTheBytesReadAndTheDemandCalledBackOnce() throws Exception {
        IOException aborted = new IOException("the attempt was aborted");
        BlockingQueue<Content.Chunk> afterDemand = new LinkedBlockingQueue<>();
        content.demand(() -> afterDemand.add(content.read()));
        assertThat(client.reads.poll(5, TimeUnit.SECONDS)).as("the read of the client's stream").isNotNull();

        content.fail(aborted);
        assertThat(afterDemand).as("not called back while the read is under way").isEmpty();
        client.sends("order");

        assertThat(afterDemand.poll(5, TimeUnit.SECONDS)).as("the demand called back")
                .satisfies(chunk -> assertThat(chunk.getFailure()).isSameAs(aborted));
        assertThat(content.read()).as("the failure again, never the bytes read")
                .satisfies(chunk -> assertThat(chunk.getFailure()).isSameAs(aborted));
        assertThat(afterDemand).as("called back once").isEmpty();
    }

    /** Jetty's client demands again from within the demand's callback: the next read is handed on, nothing lost. */
    @Test
    void aDemandMadeFromItsOwnCallbackReadsOn() throws Exception {
        client.sends("or");
        client.sends("der");
        client.ends();
        BlockingQueue<Content.Chunk> chunks = new LinkedBlockingQueue<>();
        AtomicReference<Runnable> onContent = new AtomicReference<>();
        onContent.set(() -> {
            Content.Chunk chunk = content.read();
            chunks.add(chunk);
            if (chunk != null && !chunk.isLast()) {
                content.demand(onContent.get());
            }
        });

        content.demand(onContent.get());

        List<String> text = new ArrayList<>();
        Content.Chunk chunk;
        while ((chunk = chunks.poll(5, TimeUnit.SECONDS)) != null && !chunk.isLast()) {
            text.add(StandardCharsets.UTF_8.decode(chunk.getByteBuffer()).toString());
        }
        assertThat(text).as("the chunks, in order").containsExactly("or", "der");
        assertThat(chunk).as("then the end").isSameAs(Content.Chunk.EOF);
        assertThat(client.reads).as("reads of the client's stream, one per demand").hasSize(3);
    }

    /** A client's stream whose each read waits until the test hands it what the client sends. */
    private static final class HeldStream extends InputStream {
        /** The thread of each read, as it begins. */
        final BlockingQueue<Thread> reads = new LinkedBlockingQueue<>();
        private final BlockingQueue<Object> sent = new LinkedBlockingQueue<>();

        void sends(String text) {
            sent.add(text.getBytes(StandardCharsets.UTF_8));
        }

        void ends() {
            sent.add(-1);
        }

        void fails(IOException failure) {
            sent.add(failure);
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("read in parts");
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            reads.add(Thread.currentThread());
            Object next;
            try {
                next = sent.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            if (next instanceof IOException failure) {
                throw failure;
            }
            if (next instanceof byte[] bytes) {
                System.arraycopy(bytes, 0, b, off, bytes.length);
                return bytes.length;
            }
            return -1;
        }
    }
}
