package io.github.errorpages.upstream;

import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What an {@link UpstreamGuard} needs to know about a request to decide whether it may be sent again:
 * its method, whether it carries an {@code Idempotency-Key}, and whether its body can be replayed; and, for a
 * body streamed from a client, whether a failed attempt was the client's doing rather than the upstream's.
 *
 * <p>The method is matched case-sensitively, as RFC 9110 §9.1 requires: {@code get} is not {@code GET}.
 *
 * <p>Instances are immutable and thread-safe, provided the body checks are.
 *
 * @since 0.1.0
 */
public final class UpstreamRequest {

    /** The idempotent methods of RFC 9110 §9.2.2. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    /** The methods retried after a read timeout: safe, so a duplicate cannot change anything (R13). */
    private static final Set<String> RETRIED_AFTER_READ_TIMEOUT = Set.of("GET", "HEAD");
    private static final BooleanSupplier ALWAYS = () -> true;
    private static final BooleanSupplier NEVER = () -> false;

    private final String method;
    private final boolean idempotencyKey;
    private final BooleanSupplier bodyReplayable;
    private final BooleanSupplier bodySourceFailed;
    private final BooleanSupplier bodySourceAwaited;

    private UpstreamRequest(String method, boolean idempotencyKey, BooleanSupplier bodyReplayable,
            BooleanSupplier bodySourceFailed, BooleanSupplier bodySourceAwaited) {
        this.method = method;
        this.idempotencyKey = idempotencyKey;
        this.bodyReplayable = bodyReplayable;
        this.bodySourceFailed = bodySourceFailed;
        this.bodySourceAwaited = bodySourceAwaited;
    }

    /**
     * A request without an {@code Idempotency-Key} whose body, if any, can be sent again.
     *
     * @param method the HTTP method, e.g. {@code GET}
     * @return the request
     * @throws IllegalArgumentException if {@code method} is empty or holds a character that is not a token
     *     character (RFC 9110 §5.6.2)
     */
    public static UpstreamRequest of(String method) {
        Objects.requireNonNull(method, "method");
        if (!isToken(method)) {
            throw new IllegalArgumentException("method must be an HTTP token, but was '" + method + "'");
        }
        return new UpstreamRequest(method, false, ALWAYS, NEVER, NEVER);
    }

    /**
     * @param present whether the request carries an {@code Idempotency-Key} header with a key in it: a blank value
     *     (empty, or white space, quotes and commas only) names nothing an upstream could recognise a retry by, and
     *     {@link GuardedHttpClient} and {@code ReverseProxyServlet} count it as none
     * @return a copy with that flag
     */
    public UpstreamRequest withIdempotencyKey(boolean present) {
        return new UpstreamRequest(method, present, bodyReplayable, bodySourceFailed, bodySourceAwaited);
    }

    /**
     * @param replayable whether the body can be sent again (always {@code true} for a request without one)
     * @return a copy with that flag
     */
    public UpstreamRequest withReplayableBody(boolean replayable) {
        return new UpstreamRequest(method, idempotencyKey, replayable ? ALWAYS : NEVER, bodySourceFailed,
                bodySourceAwaited);
    }

    /**
     * Sets a check that is asked, each time a retry is considered, whether the body can still be sent
     * again: for a streamed body, for example, "not a byte of it has been read yet".
     *
     * @param replayable the check; must be thread-safe and must not throw
     * @return a copy with that check
     */
    public UpstreamRequest withReplayableBody(BooleanSupplier replayable) {
        return new UpstreamRequest(method, idempotencyKey, Objects.requireNonNull(replayable, "replayable"),
                bodySourceFailed, bodySourceAwaited);
    }

    /**
     * Sets the checks, asked when an attempt fails, of the body's source: the client a body is streamed from.
     * When reading from it failed (the client went away), or when the attempt timed out while the body waited
     * for more of it (the client stalled, so the upstream could not answer yet), the failure is the caller's,
     * not the upstream's: the guard ends the call with an {@link java.io.UncheckedIOException} whose cause is
     * what the attempt threw, and neither retries it, nor counts it in the circuit breaker, nor marks the
     * upstream as failing. Without them, ten clients hanging up during their uploads could open the breaker
     * for everyone. A failure of the upstream's own (a reset, a refused connection) while the body waits is
     * still the upstream's.
     *
     * @param failed whether reading from the source failed; must be thread-safe and must not throw
     * @param awaited whether the body is waiting for more of its source right now (asked only after a timeout);
     *     must be thread-safe and must not throw
     * @return a copy with those checks
     */
    public UpstreamRequest withBodySource(BooleanSupplier failed, BooleanSupplier awaited) {
        return new UpstreamRequest(method, idempotencyKey, bodyReplayable, Objects.requireNonNull(failed, "failed"),
                Objects.requireNonNull(awaited, "awaited"));
    }

    /** @return the method */
    public String method() {
        return method;
    }

    /** @return whether the request carries an {@code Idempotency-Key} header */
    public boolean hasIdempotencyKey() {
        return idempotencyKey;
    }

    /** @return whether the body can be sent again now (asks the check) */
    public boolean isBodyReplayable() {
        return bodyReplayable.getAsBoolean();
    }

    /** @return whether reading the body's source failed (asks the check; {@code false} without one) */
    public boolean isBodySourceFailed() {
        return bodySourceFailed.getAsBoolean();
    }

    /** @return whether the body waits for more of its source right now (asks the check; {@code false} without one) */
    public boolean isBodySourceAwaited() {
        return bodySourceAwaited.getAsBoolean();
    }

    /** @return whether the method is idempotent (RFC 9110 §9.2.2): GET, HEAD, OPTIONS, TRACE, PUT, DELETE */
    public boolean isIdempotent() {
        return IDEMPOTENT.contains(method);
    }

    /** @return whether the method may be sent again after a read timeout: GET and HEAD only (R13) */
    public boolean isRetriedAfterReadTimeout() {
        return RETRIED_AFTER_READ_TIMEOUT.contains(method);
    }

    /** Whether the method is an HTTP token; a loop, not a stream: it runs for every request proxied. */
    private static boolean isToken(String method) {
        if (method.isEmpty()) {
            return false;
        }
        for (int i = 0; i < method.length(); i++) {
            if (!isTokenChar(method.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    @Override
    public String toString() {
        return "UpstreamRequest{" + method + (idempotencyKey ? ", Idempotency-Key" : "") + '}';
    }
}
