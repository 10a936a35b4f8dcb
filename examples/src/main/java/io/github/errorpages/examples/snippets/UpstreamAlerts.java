package io.github.errorpages.examples.snippets;

import io.github.errorpages.upstream.UpstreamEvent;
import io.github.errorpages.upstream.UpstreamEventListener;
import io.github.errorpages.upstream.UpstreamGuard;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * docs/operations.md, "Events to alert on": one log line per circuit-breaker transition and per episode of an
 * exhausted retry budget, and the length of the current outage of an upstream, for a gauge.
 */
public final class UpstreamAlerts implements UpstreamEventListener {

    private static final Logger log = LoggerFactory.getLogger(UpstreamAlerts.class);

    // snippet:upstream-alerts
    // Register with UpstreamGuard.builder(config).listener(new UpstreamAlerts()).build().
    // Called on the thread that made the decision: fast, never blocking.
    @Override
    public void onEvent(UpstreamEvent event) {
        if (event instanceof UpstreamEvent.BreakerStateChanged changed) {
            log.warn("upstream={} breaker={} state={} previous={}",
                    changed.upstream(), changed.breaker(), changed.to(), changed.from());
        } else if (event instanceof UpstreamEvent.RetryBudgetExhausted exhausted) {
            log.warn("upstream={} retry budget exhausted: retries={} calls={} in the window",
                    exhausted.upstream(), exhausted.retries(), exhausted.calls());
        }
    }

    /** Seconds since the upstream started failing (0 while healthy): alert when it passes hours, not days. */
    public static long secondsFailing(UpstreamGuard guard, Clock clock) {
        return guard.failingSince()
                .map(since -> Duration.between(since, clock.instant()).toSeconds())
                .orElse(0L);
    }
    // end-snippet
}
