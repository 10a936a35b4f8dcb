package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * Public methods that a null reached deep inside: a JDK message ("Cannot invoke ... because ... is null",
 * {@code "elements" is null}) or none at all (an override looked up for a null cause gave the default status). Each
 * now says which argument, as its {@code @throws} does.
 */
class NullArgumentTests {

    @Test
    void aNullArgumentIsNamed() {
        assertThatNullPointerException().isThrownBy(() -> ErrorPagesConfig.ofDefaults().statusFor(null))
                .withMessage("cause");
        assertThatNullPointerException().isThrownBy(() -> RetryAfter.formatDelaySeconds(null)).withMessage("delay");
        assertThatNullPointerException().isThrownBy(() -> UpstreamConfig.builder("orders").endpoints((URI[]) null))
                .withMessage("endpoints");
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://10.0.0.7:8080")).build());
        assertThatNullPointerException().isThrownBy(() -> guard.mayRetryAfterSending(null)).withMessage("request");
        // A null argument answered as "no upstream failure" or "no such header", against the packages' convention.
        ErrorPages pages = ErrorPages.builder().build();
        ErrorRequest request = new ErrorRequest("GET", "/", "text/html", null, null);
        assertThatNullPointerException().isThrownBy(() -> pages.handle(null, request)).withMessage("throwable");
        assertThatNullPointerException().isThrownBy(() -> pages.handle(new IllegalStateException(), null))
                .withMessage("request");
        ErrorResponse page = pages.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED), request);
        assertThatNullPointerException().isThrownBy(() -> page.header(null)).withMessage("name");
    }
}
