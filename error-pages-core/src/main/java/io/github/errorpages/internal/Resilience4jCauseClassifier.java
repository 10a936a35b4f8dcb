package io.github.errorpages.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.spi.CauseClassifier;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.util.Optional;

/**
 * Recognises the exceptions Resilience4j throws instead of calling: an open circuit breaker
 * ({@link CallNotPermittedException}) and a full bulkhead ({@link BulkheadFullException}); the rate
 * limiter's {@code RequestNotPermitted} is matched by name, because that module is optional. A
 * TimeLimiter throws {@link java.util.concurrent.TimeoutException}, which {@link JdkCauseClassifier} knows.
 */
public final class Resilience4jCauseClassifier implements CauseClassifier {

    private static final String RATE_LIMITER_REJECTION = "io.github.resilience4j.ratelimiter.RequestNotPermitted";

    @Override
    public Optional<FailureCause> classify(Throwable t) {
        if (t instanceof CallNotPermittedException) {
            return Optional.of(FailureCause.DESTINATION_UNAVAILABLE);
        }
        if (t instanceof BulkheadFullException || RATE_LIMITER_REJECTION.equals(t.getClass().getName())) {
            return Optional.of(FailureCause.CONNECTION_LIMIT_REACHED);
        }
        return Optional.empty();
    }
}
