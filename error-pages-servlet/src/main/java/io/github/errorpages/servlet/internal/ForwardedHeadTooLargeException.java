package io.github.errorpages.servlet.internal;

import java.io.Serial;

/**
 * A request whose head, forwarded with the proxy's fields added, would be larger than Jetty's client writes
 * ({@link JettyForwarder#MAX_FORWARDED_HEAD}): the client answers it with 431 (RFC 6585 §5), nothing is sent.
 * An {@link IllegalArgumentException}, as the other requests that cannot be forwarded, so that a caller that does
 * not tell it apart still answers 400.
 */
public final class ForwardedHeadTooLargeException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    ForwardedHeadTooLargeException(long size) {
        super("the forwarded request head would be about " + size + " bytes, more than "
                + JettyForwarder.MAX_FORWARDED_HEAD);
    }
}
