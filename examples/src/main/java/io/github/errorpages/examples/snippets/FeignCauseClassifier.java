package io.github.errorpages.examples.snippets;

import feign.FeignException;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryAfter;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.spi.CauseClassifier;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * docs/servlet-quick-start.md, "Other HTTP clients": Feign's exception for an upstream's 5xx answer taught to the
 * classifier, so that the page keeps the upstream's status and {@code Retry-After} rather than being a 500 (or a
 * 502 without either). Feign's connection failures need nothing: they wrap the JDK's exceptions, which the
 * classifier knows. Listed in {@code META-INF/services/io.github.errorpages.spi.CauseClassifier}.
 */
// snippet:feign-classifier
public final class FeignCauseClassifier implements CauseClassifier {

    @Override
    public Optional<FailureCause> classify(Throwable throwable) {
        // Feign's ErrorDecoder makes one for every 5xx (wrapped in a RetryableException when it has a Retry-After).
        return throwable instanceof FeignException.FeignServerException
                ? Optional.of(FailureCause.UPSTREAM_STATUS) : Optional.empty();
    }

    @Override
    public @Nullable UpstreamFailure statusFailure(Throwable throwable) {
        FeignException answer = (FeignException) throwable;
        return UpstreamFailure.ofUpstreamStatus(answer.status(), retryAfter(answer.responseHeaders()));
    }

    private static @Nullable Duration retryAfter(Map<String, Collection<String>> headers) {
        return headers.entrySet().stream().filter(header -> header.getKey().equalsIgnoreCase("Retry-After"))
                .flatMap(header -> header.getValue().stream()).findFirst()
                .flatMap(value -> RetryAfter.parse(value, Clock.systemUTC())).orElse(null);
    }
}
// end-snippet
