package io.github.errorpages.benchmarks.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A response that a container would send, for the JMH benchmarks: status, header fields and body are
 * kept in memory, and the response commits when its buffer would overflow or is flushed, as a container's
 * does. Like {@link StubRequest} it allocates nothing once warm (header fields in a fixed array, the body in
 * a buffer that is reused), so the allocation JMH reports is the code under test's. Not thread-safe: one
 * per benchmark thread.
 */
public final class StubResponse implements HttpServletResponse {

    private static final int MAX_HEADERS = 24;
    private static final int BUFFER_SIZE = 32 * 1024;

    private final String[] headerNames = new String[MAX_HEADERS];
    private final String[] headerValues = new String[MAX_HEADERS];
    private final Body body = new Body();
    private final PrintWriter writer = new PrintWriter(new OutputStreamWriter(body, StandardCharsets.UTF_8), false);
    private byte[] content = new byte[BUFFER_SIZE];
    private int length;
    private int status = SC_OK;
    private @Nullable String contentType;
    private long contentLength = -1;
    private boolean committed;

    /** Makes the response new again, for the next invocation: status 200, no header, no body. */
    public void clear() {
        committed = false; // first: reset() refuses a committed response, and a page or a flush commits one
        reset();
    }

    /** @return the body written so far */
    public byte[] body() {
        return Arrays.copyOf(content, length);
    }

    /** @return how many body bytes were written */
    public int bodyLength() {
        return length;
    }

    /** @return the declared {@code Content-Length}, or -1 */
    public long contentLength() {
        return contentLength;
    }

    @Override
    public void setStatus(int sc) {
        if (!committed) {
            status = sc;
        }
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public void sendError(int sc) {
        sendError(sc, null);
    }

    @Override
    public void sendError(int sc, @Nullable String msg) {
        if (committed) {
            throw new IllegalStateException("Committed");
        }
        reset();
        status = sc;
        committed = true; // the container's error handling answers from here
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) {
        if (committed) {
            throw new IllegalStateException("Committed");
        }
        reset();
        status = sc;
        setHeader("Location", location);
        committed = true;
    }

    @Override
    public void setHeader(String name, @Nullable String value) {
        if (committed) {
            return;
        }
        if (name.equalsIgnoreCase("Content-Type")) {
            contentType = value;
            return;
        }
        int free = -1;
        for (int i = 0; i < MAX_HEADERS; i++) {
            if (name.equalsIgnoreCase(headerNames[i])) {
                if (value == null) {
                    headerNames[i] = null;
                }
                headerValues[i] = value;
                return;
            }
            if (free < 0 && headerNames[i] == null) {
                free = i;
            }
        }
        if (value == null) {
            return;
        }
        if (free < 0) {
            throw new IllegalStateException("the stub holds at most " + MAX_HEADERS + " header fields");
        }
        headerNames[free] = name;
        headerValues[free] = value;
    }

    @Override
    public void addHeader(String name, String value) {
        setHeader(name, value); // one value per name is all the benchmarks write
    }

    @Override
    public void setIntHeader(String name, int value) {
        setHeader(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        setIntHeader(name, value);
    }

    @Override
    public boolean containsHeader(String name) {
        return getHeader(name) != null;
    }

    @Override
    public @Nullable String getHeader(String name) {
        if (name.equalsIgnoreCase("Content-Type")) {
            return contentType;
        }
        for (int i = 0; i < MAX_HEADERS; i++) {
            if (name.equalsIgnoreCase(headerNames[i])) {
                return headerValues[i];
            }
        }
        return null;
    }

    @Override
    public Collection<String> getHeaders(String name) {
        String value = getHeader(name);
        return value == null ? List.of() : List.of(value);
    }

    @Override
    public Collection<String> getHeaderNames() {
        List<String> names = new ArrayList<>();
        for (String name : headerNames) {
            if (name != null) {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public void setContentType(@Nullable String type) {
        if (!committed) {
            contentType = type;
        }
    }

    @Override
    public @Nullable String getContentType() {
        return contentType;
    }

    @Override
    public void setContentLength(int len) {
        setContentLengthLong(len);
    }

    @Override
    public void setContentLengthLong(long len) {
        if (!committed) {
            contentLength = len;
        }
    }

    @Override
    public String getCharacterEncoding() {
        return "UTF-8";
    }

    @Override
    public void setCharacterEncoding(String charset) {
        // Always UTF-8.
    }

    @Override
    public ServletOutputStream getOutputStream() {
        return body;
    }

    @Override
    public PrintWriter getWriter() {
        return writer;
    }

    @Override
    public void setBufferSize(int size) {
        // The buffer is fixed.
    }

    @Override
    public int getBufferSize() {
        return BUFFER_SIZE;
    }

    @Override
    public void flushBuffer() {
        committed = true;
    }

    @Override
    public void resetBuffer() {
        if (committed) {
            throw new IllegalStateException("Committed");
        }
        length = 0;
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public void reset() {
        if (committed) {
            throw new IllegalStateException("Committed");
        }
        Arrays.fill(headerNames, null);
        Arrays.fill(headerValues, null);
        status = SC_OK;
        contentType = null;
        contentLength = -1;
        length = 0;
    }

    @Override
    public void setLocale(Locale loc) {
        // Not recorded.
    }

    @Override
    public Locale getLocale() {
        return Locale.ENGLISH;
    }

    @Override
    public void addCookie(Cookie cookie) {
        throw new UnsupportedOperationException("not needed by the benchmarks");
    }

    @Override
    public String encodeURL(String url) {
        return url;
    }

    @Override
    public String encodeRedirectURL(String url) {
        return url;
    }

    @Override
    public void setDateHeader(String name, long date) {
        throw new UnsupportedOperationException("not needed by the benchmarks");
    }

    @Override
    public void addDateHeader(String name, long date) {
        throw new UnsupportedOperationException("not needed by the benchmarks");
    }

    /** The body: bytes go to the buffer; the response commits as a container's would when it is full. */
    private final class Body extends ServletOutputStream {
        @Override
        public void write(int b) {
            ensure(1);
            content[length++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int count) {
            ensure(count);
            System.arraycopy(bytes, offset, content, length, count);
            length += count;
        }

        @Override
        public void flush() {
            committed = true;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            throw new UnsupportedOperationException("not needed by the benchmarks");
        }

        private void ensure(int count) {
            if (length + count > content.length) {
                committed = true; // a container would have sent the full buffer by now
                content = Arrays.copyOf(content, Math.max(content.length * 2, length + count));
            }
        }
    }
}
