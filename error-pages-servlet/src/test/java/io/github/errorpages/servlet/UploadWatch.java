package io.github.errorpages.servlet;

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
import java.util.concurrent.CountDownLatch;

/**
 * Counts down a latch when the proxy waits for more of a request body after its first {@code bytes}: a
 * blocking read beyond them, or a non-blocking stream that says nothing more is there.
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
}
