package io.github.errorpages.servlet.internal;

import java.io.Serial;

/**
 * A request whose head is too large to forward: forwarded with the proxy's fields added, it would be larger than
 * Jetty's client writes ({@link JettyForwarder#MAX_FORWARDED_HEAD}), or it has more field names than the proxy
 * copies ({@link ProxyHeaders#MAX_FIELD_NAMES}). The client is answered with 431 (RFC 6585 §5), nothing is sent.
 * An {@link IllegalArgumentException}, as the other requests that cannot be forwarded, so that a caller that does
 * not tell it apart still answers 400.
 */
public final class ForwardedHeadTooLargeException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private ForwardedHeadTooLargeException(String message) {
        super(message);
    }

    ForwardedHeadTooLargeException(long size) {
        this("the forwarded request head would be about " + size + " bytes, more than "
                + JettyForwarder.MAX_FORWARDED_HEAD);
    }

    static ForwardedHeadTooLargeException names(int limit) {
        return new ForwardedHeadTooLargeException("the request has more than " + limit + " header field names");
    }
}
