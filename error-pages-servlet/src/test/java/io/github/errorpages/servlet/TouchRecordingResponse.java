package io.github.errorpages.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * A response that tells {@link #touched} of every write of it, on the thread that makes it: its status or an error,
 * a field, its length, type or encoding, a reset, its body or a flush, each named ({@code "setStatus(200)"}). For the
 * tests that check that two threads (a relay that writes the upstream's head and a thread that writes the page) never
 * write one response, which is not thread-safe: a relay's write starts with one of them.
 */
abstract class TouchRecordingResponse extends HttpServletResponseWrapper {

    TouchRecordingResponse(HttpServletResponse response) {
        super(response);
    }

    /**
     * Told of a write before it is made, on the writing thread.
     *
     * @param what the write, named
     */
    protected abstract void touched(String what);

    @Override
    public void setStatus(int status) {
        touched("setStatus(" + status + ")");
        super.setStatus(status);
    }

    @Override
    public void sendError(int status) throws IOException {
        touched("sendError(" + status + ")");
        super.sendError(status);
    }

    @Override
    public void sendError(int status, String message) throws IOException {
        touched("sendError(" + status + ")");
        super.sendError(status, message);
    }

    @Override
    public void setHeader(String name, String value) {
        touched("setHeader(" + name + ")");
        super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        touched("addHeader(" + name + ")");
        super.addHeader(name, value);
    }

    @Override
    public void setContentType(String type) {
        touched("setContentType(" + type + ")");
        super.setContentType(type);
    }

    @Override
    public void setContentLength(int length) {
        touched("setContentLength(" + length + ")");
        super.setContentLength(length);
    }

    @Override
    public void setContentLengthLong(long length) {
        touched("setContentLengthLong(" + length + ")");
        super.setContentLengthLong(length);
    }

    @Override
    public void setCharacterEncoding(String encoding) {
        touched("setCharacterEncoding(" + encoding + ")");
        super.setCharacterEncoding(encoding);
    }

    @Override
    public void reset() {
        touched("reset()");
        super.reset();
    }

    @Override
    public void resetBuffer() {
        touched("resetBuffer()");
        super.resetBuffer();
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        touched("getOutputStream()");
        return super.getOutputStream();
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        touched("getWriter()");
        return super.getWriter();
    }

    @Override
    public void flushBuffer() throws IOException {
        touched("flushBuffer()");
        super.flushBuffer();
    }
}
