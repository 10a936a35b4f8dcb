package io.github.errorpages.upstream.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that tests move by hand, shared by the breaker under test and the assertions. Thread-safe. */
public final class MutableClock extends Clock {

    private volatile Instant now;

    /** @param start the first instant */
    public MutableClock(Instant start) {
        this.now = start;
    }

    /** @param delta how far to move the clock forward */
    public void advance(Duration delta) {
        now = now.plus(delta);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
