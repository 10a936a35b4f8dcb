package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.Serial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request body that goes on past its {@code Content-Length}. A container's own stream never does: the request
 * passed a wrapper in front of the proxy (a filter that rewrote or decompressed the body and kept the length). The
 * bytes past the length are never forwarded, nor is the last part before them: sent on, the upstream read them as
 * the next request on its connection (request smuggling), and the body it got was not the one the wrapper meant.
 * The gateway's own fault, not the client's: answered with 500 ({@link ClientBodyStatus}), and logged as a WARN
 * that names the request, for the application's developers to find the wrapper.
 */
final class RequestBodyOverrunException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(RequestBodyOverrunException.class);

    private RequestBodyOverrunException(long length) {
        super("the request body goes on past its Content-Length of " + length + " bytes");
    }

    /**
     * @param request the request whose body overran
     * @param length its {@code Content-Length}
     * @return the failure to end the forwarded body with, once logged
     */
    static RequestBodyOverrunException logged(ServletRequest request, long length) {
        if (request instanceof HttpServletRequest http) {
            log.warn("The body of {} {} goes on past its Content-Length of {} bytes: a filter in front of the proxy "
                    + "changed the body and not its length. Nothing of it was forwarded past the length, and the "
                    + "request was answered with 500", http.getMethod(), http.getRequestURI(), length);
        }
        return new RequestBodyOverrunException(length);
    }
}
