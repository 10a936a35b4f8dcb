package io.github.errorpages.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.RetryAfter;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.spi.CauseClassifier;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Recognises the exceptions HTTP client libraries throw for a well-formed 5xx response they read: Spring's
 * {@code RestClientResponseException} (RestTemplate, RestClient, HTTP interface clients: its
 * {@code HttpServerErrorException}) and {@code WebClientResponseException} (WebClient), and the JAX-RS client's
 * {@code ServerErrorException} (Jersey's, RESTEasy's, CXF's client; not one a resource or the server's runtime
 * throws). Each holds the upstream's status and headers: the failure keeps that status and its {@code Retry-After}
 * (R3), as for HttpURLConnection's "Server returned HTTP response
 * code: 503" ({@link JdkCauseClassifier#upstreamStatus}). Left unrecognised, a Spring application's
 * {@code HttpServerErrorException} reached the container, whose 500 page quotes the upstream's URL and body.
 *
 * <p>A status outside 100–599 is no HTTP status (RFC 9110 §15), whatever these exceptions' classes say: Spring's
 * {@code UnknownHttpStatusCodeException} for an upstream's "600" (its {@code getStatusCode().value()} is 600), the
 * JAX-RS client's {@code WebApplicationException} for it. Such an exception is the upstream's protocol error,
 * {@link FailureCause#HTTP_PROTOCOL_ERROR} with no upstream status (R2), as HttpURLConnection's "Server returned HTTP
 * response code: 600" is ({@link JdkCauseClassifier}) and as the guard takes a response whose adapter reads such a
 * status: neither the upstream's answer nor a 5xx, whose status the page would keep (R3).
 *
 * <p>Matched by class name and read by reflection, since none of these libraries is a dependency: an exception
 * for a 4xx, or one whose status cannot be read, is no failure ({@link #responseStatus} reads any status of
 * 100–599, so that the guard takes such an exception for the response it is). Thread-safe (stateless).
 */
public final class ResponseExceptionClassifier implements CauseClassifier {

    /** The exception classes, superclasses of those thrown, with the methods that give the status and headers. */
    private static final String[][] RESPONSE_EXCEPTIONS = {
        {"org.springframework.web.client.RestClientResponseException", "getStatusCode", "getResponseHeaders"},
        {"org.springframework.web.reactive.function.client.WebClientResponseException", "getStatusCode", "getHeaders"},
        {"jakarta.ws.rs.ServerErrorException", "getResponse", "getResponse"},
    };
    private static final int JAX_RS = 2;
    /** {@link #kindOf}: another JAX-RS exception that holds a response ({@link #JAX_RS_RESPONSE}). */
    private static final int OTHER_JAX_RS = -2;
    /** {@link #kindOf}: none of these. */
    private static final int NONE = -1;
    /** The superclass of every JAX-RS exception that holds a response. */
    private static final String JAX_RS_RESPONSE = "jakarta.ws.rs.WebApplicationException";
    /** The packages of the JAX-RS clients (Jersey's, RESTEasy's and its MicroProfile one, CXF's). */
    private static final String[] JAX_RS_CLIENTS = {"org.glassfish.jersey.client.", "org.jboss.resteasy.client.",
        "org.jboss.resteasy.microprofile.client.", "org.apache.cxf.jaxrs.client."};

    @Override
    public Optional<FailureCause> classify(Throwable throwable) {
        int kind = kindOf(throwable);
        if (kind == NONE) {
            return Optional.empty(); // every cause chain's other exceptions: one look at their classes
        }
        // Read once: a 5xx of the exceptions that stand for one is the upstream's status; a status outside 100–599,
        // of any JAX-RS client's exception too, no HTTP status at all.
        Integer status = readStatus(throwable, kind == OTHER_JAX_RS ? JAX_RS : kind);
        if (status == null) {
            return Optional.empty();
        }
        if (kind != OTHER_JAX_RS && status >= 500 && status <= 599) {
            return Optional.of(FailureCause.UPSTREAM_STATUS);
        }
        return status < 100 || status > 599 ? Optional.of(FailureCause.HTTP_PROTOCOL_ERROR) : Optional.empty();
    }

    /**
     * The failure for a response exception this classifier recognises: the upstream's 5xx status and the delay of
     * its {@code Retry-After}, if it sent a valid one.
     *
     * @param throwable a throwable of a cause chain
     * @param clock what "now" is for a {@code Retry-After} date
     * @return the failure, or {@code null} when {@code throwable} is no such exception or its status no 5xx
     */
    public static @Nullable UpstreamFailure failureOf(Throwable throwable, Clock clock) {
        int kind = kindOf(throwable);
        int status = kind < 0 ? 0 : status(throwable, kind);
        if (status == 0) {
            return null;
        }
        Duration retryAfter = RetryAfter.parse(header(throwable, kind, "Retry-After"), clock).orElse(null);
        return UpstreamFailure.ofUpstreamStatus(status, retryAfter);
    }

    /**
     * A field of the response a response exception in a cause chain holds: its {@code Proxy-Status}, say, which the
     * guard reads as it reads a response's.
     *
     * @param throwable what an attempt threw
     * @param name the field's name
     * @return the field's first value, or {@code null} when the chain holds no recognised 5xx response exception or
     *     the response has no such field
     */
    public static @Nullable String header(Throwable throwable, String name) {
        Throwable current = throwable;
        for (int i = 0; current != null && i < FailureClassifier.MAX_CHAIN; i++, current = Causes.of(current)) {
            int kind = kindOf(current);
            if (kind >= 0 && status(current, kind) != 0) {
                return header(current, kind, name);
            }
        }
        return null;
    }

    /**
     * @return the index in {@link #RESPONSE_EXCEPTIONS} of the first of its classes listed there, else
     *     {@link #OTHER_JAX_RS} for another JAX-RS exception that holds a response, else {@link #NONE}: one walk up
     *     its classes
     */
    private static int kindOf(Throwable throwable) {
        int found = NONE;
        for (Class<?> type = throwable.getClass(); type != null && type != Throwable.class;
                type = type.getSuperclass()) {
            String name = type.getName();
            for (int kind = 0; kind < RESPONSE_EXCEPTIONS.length; kind++) {
                if (name.equals(RESPONSE_EXCEPTIONS[kind][0])) {
                    return kind;
                }
            }
            if (name.equals(JAX_RS_RESPONSE)) {
                found = OTHER_JAX_RS;
            }
        }
        return found;
    }

    /**
     * The status of the response a recognised client library's exception holds, whatever it is: the 4xx of Spring's
     * {@code HttpClientErrorException} or the JAX-RS client's {@code NotFoundException} as well. Such an exception is
     * the upstream's answer, no failure of the exchange.
     *
     * @param throwable a throwable
     * @return the status, in [100, 599], or 0 when {@code throwable} is no such exception or its status unreadable
     */
    public static int responseStatus(Throwable throwable) {
        int kind = kindOf(throwable);
        // A JAX-RS client's 4xx (ClientErrorException), 3xx (RedirectionException) and any other status (a
        // WebApplicationException of its own) are read as its ServerErrorException is.
        int status = kind == NONE ? 0 : anyStatus(throwable, kind == OTHER_JAX_RS ? JAX_RS : kind);
        return status >= 100 && status <= 599 ? status : 0;
    }

    /** The 5xx status, or 0. */
    private static int status(Throwable throwable, int kind) {
        int status = anyStatus(throwable, kind);
        return status >= 500 && status <= 599 ? status : 0;
    }

    /** The status, or 0 when it cannot be read (or, for JAX-RS, the exception is no client's). */
    private static int anyStatus(Throwable throwable, int kind) {
        Integer status = readStatus(throwable, kind);
        return status == null ? 0 : status;
    }

    /**
     * The status as the exception holds it, whatever the number (600 as well: no HTTP status), or {@code null} when it
     * cannot be read (or, for JAX-RS, the exception is no client's).
     */
    private static @Nullable Integer readStatus(Throwable throwable, int kind) {
        Object status = call(throwable, RESPONSE_EXCEPTIONS[kind][1]);
        if (kind == JAX_RS) {
            // Resources and the JAX-RS runtime throw ServerErrorException too (a resource's own
            // InternalServerErrorException, Jersey's 500 for an entity it cannot write): only a client's counts, made
            // in its code (CXF's client and server share one response class, so that cannot tell).
            status = status == null || !thrownByJaxRsClient(throwable) ? null : call(status, "getStatus");
        } else if (status != null) {
            status = call(status, "value"); // Spring's HttpStatusCode
        }
        return status instanceof Integer code ? code : null;
    }

    private static boolean thrownByJaxRsClient(Throwable throwable) {
        for (StackTraceElement frame : throwable.getStackTrace()) {
            String type = frame.getClassName();
            for (String client : JAX_RS_CLIENTS) {
                if (type.startsWith(client)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static @Nullable String header(Throwable throwable, int kind, String name) {
        Object headers = call(throwable, RESPONSE_EXCEPTIONS[kind][2]);
        if (headers == null) {
            return null;
        }
        Object value = kind == JAX_RS ? call(headers, "getHeaderString", name)
                : call(headers, "getFirst", name); // Spring's HttpHeaders
        return value instanceof String string ? string : null;
    }

    /**
     * Calls a public method through the public class or interface that declares it: the runtime class of what a
     * library returns may be package-private (Spring's {@code DefaultHttpStatusCode}, Jersey's response).
     */
    private static @Nullable Object call(Object target, String name, String... arguments) {
        Class<?>[] types = new Class<?>[arguments.length];
        Arrays.fill(types, String.class);
        try {
            Method method = target.getClass().getMethod(name, types);
            Method accessible = publiclyDeclared(method);
            return accessible == null ? null : accessible.invoke(target, (Object[]) arguments);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unreadable) {
            return null;
        }
    }

    private static @Nullable Method publiclyDeclared(Method method) {
        if (Modifier.isPublic(method.getDeclaringClass().getModifiers())) {
            return method;
        }
        for (Class<?> type = method.getDeclaringClass(); type != null; type = type.getSuperclass()) {
            for (Class<?> candidate : withInterfaces(type)) {
                if (Modifier.isPublic(candidate.getModifiers())) {
                    try {
                        return candidate.getMethod(method.getName(), method.getParameterTypes());
                    } catch (NoSuchMethodException notHere) {
                        // look further up
                    }
                }
            }
        }
        return null;
    }

    private static Class<?>[] withInterfaces(Class<?> type) {
        Class<?>[] interfaces = type.getInterfaces();
        Class<?>[] all = new Class<?>[interfaces.length + 1];
        all[0] = type;
        System.arraycopy(interfaces, 0, all, 1, interfaces.length);
        return all;
    }
}
