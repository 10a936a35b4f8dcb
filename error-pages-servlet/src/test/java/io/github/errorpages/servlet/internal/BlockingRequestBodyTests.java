package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Request;
import org.junit.jupiter.api.Test;

/**
 * The body of a request without async support as the Jetty transport streams it: what the proxy knows of it once
 * Jetty's client asked for it, while the blocking read it handed on has not begun. The client asks before it sends
 * the request's head, so an upstream may answer before that read begins.
 */
class BlockingRequestBodyTests {

    /** Holds the reads handed to it: none begins, as when the upstream answers first. */
    private final List<Runnable> heldReads = new ArrayList<>();
    private final Executor reads = heldReads::add;
    private final UnreadInput input = new UnreadInput();
    private final BlockingRequestBody body =
            new BlockingRequestBody(ClientInputStreamTests.requestReading(input), 20, reads);

    /**
     * Asked for, the upload counts as started and cut short before its read began: an answer from then on is an early
     * one, which says {@code Connection: close} and waits for that read. Taken for unread, the upstream's 502 to the
     * head alone kept the connection (TomcatIntegrationTests'
     * {@code anUploadAnsweredEarlyLeavesNoReadBehindInAServletWithoutAsyncSupport}, which failed on a loaded machine),
     * and the read that began after it took the bytes of the client's next request. Touched, it is never sent again
     * (R13): a retry would read the client's stream while this attempt's read might still.
     */
    @Test
    void anUploadAskedForCountsAsStartedBeforeItsReadBegins() {
        assertThat(body.isSourceUnread()).as("unread before it is asked for").isTrue();
        assertThat(body.isUntouched()).as("untouched before it is asked for").isTrue();

        Request.Content content = body.content();
        assertThat(content.read()).as("nothing read yet").isNull(); // Jetty's client, before it sends the head
        content.demand(() -> { });

        assertThat(heldReads).as("reads handed on").hasSize(1);
        assertThat(input.reads).as("reads of the container's stream").hasValue(0);
        assertThat(body.isSourceUnread()).as("unread").isFalse();
        assertThat(body.isSourceCutShort()).as("cut short: the rest is in flight").isTrue();
        assertThat(body.isCutShort()).as("an answer now is an early one").isTrue();
        assertThat(body.isUntouched()).as("untouched: may be sent again").isFalse();
    }

    /** Never asked for, the body stays unread and may be sent again, as before. */
    @Test
    void anUploadNeverAskedForStaysUnreadAndUntouched() {
        body.content();

        assertThat(body.isSourceUnread()).isTrue();
        assertThat(body.isCutShort()).isFalse();
        assertThat(body.isUntouched()).isTrue();
    }

    /** The container's stream, which counts its reads. */
    private static final class UnreadInput extends ServletInputStream {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public int read() {
            reads.incrementAndGet();
            return -1;
        }

        @Override
        public boolean isFinished() {
            return false;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException();
        }
    }
}
