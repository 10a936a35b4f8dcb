package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailureException;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The guard's way to end a call before any attempt, handed over once ({@link CallsFailedBeforeAnyAttempt}). */
class CallsFailedBeforeAnyAttemptTests {

    /**
     * A {@code null} way is refused at once, naming the parameter, as {@code InternalErrors.grantAccess} refuses its
     * own, and the guard's way stays in place: a guard still ends a call before
     * any attempt through it. Installed, a {@code null} left every such call to fail far from the mistake.
     */
    @Test
    void refusesANullWayAndKeepsTheGuardsOwn() {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://127.0.0.1:9")).build()); // loaded: its way is installed

        assertThatNullPointerException().isThrownBy(() -> CallsFailedBeforeAnyAttempt.install(null))
                .withMessage("guardsOwn");

        CloneNotSupportedException bug = new CloneNotSupportedException("boom in the body's wrapper");
        UpstreamFailureException failed =
                CallsFailedBeforeAnyAttempt.withBug(guard, UpstreamRequest.of("PUT"), bug, System.nanoTime());
        assertThat(failed.failure().cause()).isEqualTo(FailureCause.PROXY_INTERNAL_ERROR);
        assertThat(failed.failure().attempts()).isZero();
        assertThat(failed.getCause()).isSameAs(bug);
        assertThat(guard.metrics().failedCalls()).isEqualTo(1);
    }

    /** A second way is refused: the guard's, installed by its class initialisation, is the only one. */
    @Test
    void refusesASecondWay() {
        UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(URI.create("http://127.0.0.1:9")).build());

        assertThatIllegalStateException().isThrownBy(() -> CallsFailedBeforeAnyAttempt.install(
                (guard, request, bug, started) -> {
                    throw new AssertionError("never called");
                })).withMessage("installed already");
    }
}
