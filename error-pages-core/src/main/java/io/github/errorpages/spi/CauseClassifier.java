package io.github.errorpages.spi;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Recognises one kind of exception thrown by an HTTP client library, so that failures of clients the
 * library does not know (Feign's, gRPC's, a client of the application's own, …) get the right {@link FailureCause};
 * an exception for a 5xx response also its status ({@link #statusFailure(Throwable)}). The JDK's clients, Jetty's,
 * OkHttp, Apache HttpClient 4 and 5, Netty and Reactor Netty (Spring's WebClient), the Vert.x web client's connection
 * failures, and Spring's and the JAX-RS clients' exceptions for a 5xx (and for a status outside 100–599, the
 * upstream's {@link FailureCause#HTTP_PROTOCOL_ERROR}) are known already.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/io.github.errorpages.spi.CauseClassifier}; an application that is a named module declares
 * {@code provides io.github.errorpages.spi.CauseClassifier with ...} instead, since the services files of named
 * modules are not read) or handed to {@link io.github.errorpages.FailureClassifier#of(java.util.List)} directly.
 *
 * <p>{@link io.github.errorpages.FailureClassifier} calls {@link #classify(Throwable)} once for each
 * throwable in a cause chain, so an implementation looks at the one throwable it is given, not at its
 * causes. When several throwables of a chain are recognised, the most specific cause wins (a DNS error
 * beats the connect failure that wraps it).
 *
 * <p>Implementations must be thread-safe and cheap: they run on the error path of every failing request.
 * They must not throw; an exception thrown anyway is logged once and treated as "not recognised".
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface CauseClassifier {

    /**
     * Recognises one throwable.
     *
     * @param throwable one element of a cause chain, never {@code null}
     * @return the cause, or empty when this classifier does not recognise the throwable
     */
    Optional<FailureCause> classify(Throwable throwable);

    /**
     * What the upstream answered, for a throwable {@link #classify(Throwable)} recognised as
     * {@link FailureCause#UPSTREAM_STATUS}: a client's exception for a 5xx response it read (Feign's, a
     * generated client's), whose status the page keeps (R3) and whose {@code Retry-After} is honoured. Asked only for
     * the throwable whose cause won. The default knows neither: the failure is a 502 without either.
     *
     * @param throwable the throwable this classifier recognised as an upstream status, never {@code null}
     * @return the upstream's status, in [500, 599], and the delay of its {@code Retry-After} if it sent one (the
     *     rest of the failure, its attempts for one, is ignored: that is the guard's to say); or {@code null} when not
     *     known
     * @since 0.1.0
     */
    default @Nullable UpstreamFailure statusFailure(Throwable throwable) {
        return null;
    }
}
