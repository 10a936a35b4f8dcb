package io.github.errorpages.examples;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Prints what error-pages answers for every cause of upstream failure: the status, the
 * {@code Retry-After} and the error code, with the default configuration. Run it with
 * {@code mvn -B -q -Pdemo -pl examples -am package -DskipTests -Dmaven.javadoc.skip -Dexec.mainClass=io.github.errorpages.examples.DecisionTable}.
 */
public final class DecisionTable {

    private DecisionTable() {
    }

    /**
     * @param args ignored
     */
    public static void main(String[] args) {
        print(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()), System.out);
    }

    static void print(ErrorPolicy policy, PrintStream out) {
        out.printf(Locale.ROOT, "%-36s %-6s %-12s %s%n", "cause (RFC 9209 token)", "status", "Retry-After", "error code");
        for (FailureCause cause : FailureCause.values()) {
            UpstreamFailure failure = cause == FailureCause.UPSTREAM_STATUS
                    ? UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(20))
                    : UpstreamFailure.of(cause);
            ErrorDecision decision = policy.decide(failure);
            String label = cause == FailureCause.UPSTREAM_STATUS ? "upstream 503, Retry-After: 20" : cause.token();
            out.printf(Locale.ROOT, "%-36s %-6d %-12s %s%n", label, decision.status(),
                    decision.retryAfterHeader() == null ? "-" : decision.retryAfterHeader(), decision.errorCode());
        }
    }
}
