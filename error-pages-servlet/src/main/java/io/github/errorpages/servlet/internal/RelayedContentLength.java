package io.github.errorpages.servlet.internal;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Sets the {@code Content-Length} of a relayed answer so that it reaches the client. Spring's
 * {@code ContentCachingResponseWrapper} (that of its {@code ShallowEtagHeaderFilter}) keeps a length set on it to
 * itself, and hands it on only together with bytes it holds; the proxy's bytes pass it by (the proxy sets the filter's
 * {@code STREAMING} attribute), so an answer's length never reached the client: an answer to HEAD, which has no bytes,
 * said {@code Content-Length: 0} on Jetty and Undertow and none on Tomcat where its GET's said the upstream's length
 * (RFC 9110 §8.6, R12), and a GET's body went chunked. The length is set on the response below each such wrapper too,
 * as the wrapper would have handed it on; any other wrapper sees it as before. By class name: this module needs no
 * Spring.
 *
 * <p>Static methods only; thread-safe.
 */
public final class RelayedContentLength {

    private static final String SPRING_CACHING_WRAPPER = "org.springframework.web.util.ContentCachingResponseWrapper";

    /**
     * Whether a wrapper class is or extends Spring's caching wrapper, looked up once per class: every relayed answer
     * walks the wrappers above the container's response.
     */
    private static final ClassValue<Boolean> KEEPS_LENGTH_TO_ITSELF = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> wrapper) {
            for (Class<?> type = wrapper; type != ServletResponseWrapper.class; type = type.getSuperclass()) {
                if (SPRING_CACHING_WRAPPER.equals(type.getName())) {
                    return true;
                }
            }
            return false;
        }
    };

    private RelayedContentLength() {
    }

    /**
     * @param response the client's response, not committed
     * @param length the length the upstream announced, not negative
     */
    public static void set(HttpServletResponse response, long length) {
        response.setContentLengthLong(length);
        ServletResponse outer = response;
        while (outer instanceof ServletResponseWrapper wrapper) {
            ServletResponse inner = wrapper.getResponse();
            if (KEEPS_LENGTH_TO_ITSELF.get(wrapper.getClass())) {
                inner.setContentLengthLong(length);
            }
            outer = inner;
        }
    }
}
