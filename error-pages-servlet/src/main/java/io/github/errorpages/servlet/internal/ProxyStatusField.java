package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.util.regex.Pattern;

/**
 * Writes the proxy's member of a {@code Proxy-Status} response field (RFC 9209 §2) for a response it answers
 * because of an upstream failure: its name, the failure's error type, and the status the upstream answered
 * with, if it answered. Nothing else: no {@code next-hop}, no {@code details}, which would tell the client
 * about hosts and configuration behind the gateway (RFC 9209 §4, R6).
 *
 * <p>Stateless and thread-safe.
 */
public final class ProxyStatusField {

    /** The field's name. */
    public static final String HEADER = "Proxy-Status";

    /**
     * The names accepted: a structured-field token (RFC 8941 §3.3.4) of the characters R6 allows. A token, not a
     * string, so that nothing in it needs escaping.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

    private ProxyStatusField() {
    }

    /**
     * Checks a configured name.
     *
     * @param key the configuration key, for the message
     * @param name the name
     * @return the name
     * @throws IllegalArgumentException naming the key and the value when the name is not a letter followed by
     *     at most 63 letters, digits, {@code .}, {@code _} or {@code -}
     */
    public static String name(String key, String name) {
        if (!NAME.matcher(name).matches()) {
            throw ConfigParameters.invalid(key, name, "must be a letter followed by at most 63 letters, digits, "
                    + "'.', '_' or '-' (a Proxy-Status name, RFC 9209 §2)");
        }
        return name;
    }

    /**
     * @param name a name checked by {@link #name(String, String)}
     * @param failure what the proxy answers
     * @return the member, such as {@code gateway; error=connection_refused}; for an upstream's 5xx, which is no
     *     error of the proxy (RFC 9209 §2.1.1), {@code gateway; received-status=503} (§2.1.4)
     */
    public static String value(String name, UpstreamFailure failure) {
        StringBuilder value = new StringBuilder(64).append(name);
        if (failure.cause() != FailureCause.UPSTREAM_STATUS) {
            // The other causes' tokens are RFC 9209 §2.3 error types; UPSTREAM_STATUS's is the library's own.
            value.append("; error=").append(failure.cause().token());
        }
        if (failure.upstreamStatus() != 0) {
            value.append("; received-status=").append(failure.upstreamStatus());
        }
        return value.toString();
    }
}
