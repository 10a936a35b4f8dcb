package io.github.errorpages.servlet.internal;

import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The answer to a request whose body the proxy could not read whole (RFC 9110 §15.5): 408 only for a client that
 * stalled (the container's idle timeout ended a read, or the attempt's timeout came while the upstream waited for
 * the rest); the container's own 4xx when it refused the body (Jetty's 400 for a malformed chunked framing, its 413
 * for a body over a limit); 500 for a body that a wrapper in front made longer than its length
 * ({@link RequestBodyOverrunException}); else 400: the request did not arrive as a whole message (it ended early).
 * Never 408 for those: clients, browsers among them, send a request answered with 408 again.
 *
 * <p>Stateless and thread-safe.
 */
public final class ClientBodyStatus {

    /** How deep the cause chain is searched, as the failure classifier searches it. */
    private static final int MAX_DEPTH = 16;
    private static final String JETTY_HTTP_EXCEPTION = "org.eclipse.jetty.http.HttpException";
    /** Tomcat's exception for a request body it cannot decode (a bad chunk header), its status already set to 400. */
    private static final String TOMCAT_BAD_REQUEST = "org.apache.coyote.BadRequestException";

    private ClientBodyStatus() {
    }

    /**
     * @param failure why the body could not be read
     * @return 408, the container's 4xx, 500, or 400
     */
    public static int of(Throwable failure) {
        int containerCode = 0;
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof RequestBodyOverrunException) {
                return 500; // a wrapper in front, not the client
            }
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException
                    || t instanceof HttpTimeoutException) {
                return 408;
            }
            if (containerCode == 0) {
                containerCode = jettyCode(t);
            }
        }
        return containerCode != 0 ? containerCode : 400;
    }

    /**
     * @param failure an error of the request's asynchronous cycle, or of reading its body
     * @return whether the container refused the request's body with a 4xx of its own (Jetty's 413 for a body over
     *     a {@code SizeLimitHandler}'s limit): the client is still there, and is answered with it
     */
    public static boolean refusedByContainer(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (jettyCode(t) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param status what {@link #of} returned
     * @return the whole of the answer's body, plain text: the status and what it means, nothing of the request
     */
    public static byte[] body(int status) {
        String text = switch (status) {
            case 408 -> "408 Request Timeout: the request was not received in full.\n";
            case 413 -> "413 Content Too Large: the request body is larger than accepted.\n";
            case 400 -> "400 Bad Request: the request body could not be read.\n";
            case 500 -> "500 Internal Server Error: the request body could not be forwarded.\n";
            default -> status + ": the request body was not accepted.\n";
        };
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param failure an error of the request's asynchronous cycle, or {@code null}
     * @return whether it is Tomcat's refusal of a request body it could not decode ({@code BadRequestException}, found
     *     by name, in the cause chain)
     */
    public static boolean refusedByTomcat(@Nullable Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
                if (type.getName().equals(TOMCAT_BAD_REQUEST)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The 4xx code of Jetty's {@code HttpException} (an interface of {@code jetty-http}, which another container
     * does not have: found by name), which Jetty's server throws for a body it refuses (12.1's
     * {@code HttpException.RuntimeException} with 400 for a form cut short, {@code BadMessageException} among them);
     * 0 for anything else. Read through reflection: this module cannot reference Jetty's server classes, which may
     * come from another class loader than the application's Jetty client.
     */
    static int jettyCode(Throwable t) {
        for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
            for (Class<?> implemented : type.getInterfaces()) {
                if (implemented.getName().equals(JETTY_HTTP_EXCEPTION)) {
                    try {
                        int code = (int) implemented.getMethod("getCode").invoke(t);
                        return code >= 400 && code < 500 ? code : 0;
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        return 0;
                    }
                }
            }
        }
        return 0;
    }
}
