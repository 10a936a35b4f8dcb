package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpTester;
import org.jspecify.annotations.Nullable;

/**
 * Counts down a latch when the proxy waits for more of a request body after its first {@code bytes}: a
 * blocking read beyond them, or a non-blocking stream that says nothing more is there. With the client's and the
 * upstream's sides of such a paused upload, over raw sockets ({@link #sendHalfAnUpload}).
 */
final class UploadWatch implements Filter {
    private final int bytes;
    private final CountDownLatch waiting;

    UploadWatch(int bytes, CountDownLatch waiting) {
        this.bytes = bytes;
        this.waiting = waiting;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
            @Override
            public ServletInputStream getInputStream() throws IOException {
                return new WatchedStream(super.getInputStream());
            }
        }, response);
    }

    private final class WatchedStream extends ServletInputStream {
        private final ServletInputStream in;
        private long read;

        WatchedStream(ServletInputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            noteRead();
            int b = in.read();
            read += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            noteRead();
            int n = in.read(b, off, len);
            read += Math.max(n, 0);
            return n;
        }

        private void noteRead() {
            if (read >= bytes) {
                waiting.countDown();
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            // Read without blocking (the JETTY transport of an asynchronous request): the proxy waits for more
            // once the stream says nothing is there.
            boolean ready = in.isReady();
            if (!ready && read >= bytes) {
                waiting.countDown();
            }
            return ready;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }

    /**
     * The upstream's side of a paused upload: reads the request's head and the first byte of its body, then waits
     * until the proxy waits for more of the upload ({@link UploadWatch}), the client pausing for the answer: a
     * blocking read of the upload is then blocked.
     */
    static void readUntilTheProxyWaitsForMoreUpload(InputStream in, CountDownLatch waitingForMoreUpload)
            throws IOException, InterruptedException {
        readHead(in);
        in.read(); // the first byte of the body: the proxy reads the client's upload
        assertThat(waitingForMoreUpload.await(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Reads a request's head, to its empty line (or the connection's end). */
    static void readHead(InputStream in) throws IOException {
        for (int matched = 0; matched < 4; ) {
            int b = in.read();
            matched = b < 0 ? 4 : b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    /** Sends the head of a 20-byte upload and its first 10 bytes. */
    static void sendHalfAnUpload(OutputStream out) throws IOException {
        out.write(("POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Length: 20"
                + "\r\n\r\n" + "A".repeat(10)).getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * Sends the rest of {@link #sendHalfAnUpload}'s upload and a request behind it.
     *
     * @return the answer that comes, or {@code null} for the connection's end (a reset included: the rest came
     *     after the close, an end as good as the close itself)
     */
    static HttpTester.@Nullable Response answerToTheRestOfTheUploadAndARequest(OutputStream out,
            HttpTester.Input in) throws IOException {
        out.write(("B".repeat(10) + "GET /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        try {
            return HttpTester.parseResponse(in);
        } catch (SocketException resetByTheProxy) {
            return null;
        }
    }
}
