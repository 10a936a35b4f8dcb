package io.github.errorpages;

import io.github.errorpages.spi.CauseClassifier;
import java.util.Optional;

/** Registered in META-INF/services of the test resources, to prove the ServiceLoader lookup. */
public class TestCauseClassifier implements CauseClassifier {

    /** The exception it recognises. */
    static final class Marker extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Override
    public Optional<FailureCause> classify(Throwable throwable) {
        return throwable instanceof Marker ? Optional.of(FailureCause.PROXY_LOOP_DETECTED) : Optional.empty();
    }
}
