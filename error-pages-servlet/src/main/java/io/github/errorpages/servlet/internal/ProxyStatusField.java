package io.github.errorpages.servlet.internal;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.upstream.internal.ProxyStatus;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Writes the proxy's member of a {@code Proxy-Status} response field (RFC 9209 §2) for a response it answers
 * because of an upstream failure: its name, the failure's error type, and the status the upstream answered
 * with, if it answered. Nothing else: no {@code next-hop}, no {@code details}, which would tell the client
 * about hosts and configuration behind the gateway (RFC 9209 §4, R6). The members of the intermediaries behind
 * the proxy, in a response it relays, reach the client on the same terms ({@link #relayed}).
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
    /** An error type of RFC 9209 §2.3 or its registry: lower case, digits and underscores. */
    private static final Pattern ERROR_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern STATUS = Pattern.compile("[1-9][0-9]{2}");
    /** The pseudonym of each intermediary behind the proxy, as in the {@code Via} the client gets. */
    private static final String HIDDEN = "upstream";

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

    /**
     * An upstream's {@code Proxy-Status} as the client gets it: one member per intermediary behind the proxy,
     * named {@code upstream} as in {@code Via}, with its {@code error} type and {@code received-status} alone.
     * Their names are often internal host names or addresses, and {@code next-hop}, {@code details} and the
     * other parameters tell host names, addresses and configuration behind the gateway (RFC 9209 §4: "backend
     * topology"; R6, R37): {@code billing-lb.internal; error=connection_timeout; next-hop="10.2.0.7:8080"}
     * becomes {@code upstream; error=connection_timeout}.
     *
     * @param received one {@code Proxy-Status} field value of the upstream's response
     * @return the value to relay, or {@code null} when no member of it is well-formed
     */
    public static @Nullable String relayed(String received) {
        StringBuilder relayed = new StringBuilder(32);
        int length = received.length();
        int at = 0;
        while (at < length) {
            int end = ProxyStatus.separator(received, at, ',', length);
            appendMember(relayed, received, at, end);
            at = end + 1;
        }
        return relayed.length() == 0 ? null : relayed.toString();
    }

    /** Appends the member between {@code from} and {@code end}, if it has a name, as the client gets it. */
    private static void appendMember(StringBuilder relayed, String value, int from, int end) {
        int nameEnd = ProxyStatus.separator(value, from, ';', end);
        if (value.substring(from, nameEnd).isBlank()) {
            return;
        }
        StringBuilder member = new StringBuilder(HIDDEN);
        int at = nameEnd + 1;
        while (at < end) {
            int paramEnd = ProxyStatus.separator(value, at, ';', end);
            String parameter = value.substring(at, paramEnd).strip();
            int equals = parameter.indexOf('=');
            if (equals > 0) {
                String key = parameter.substring(0, equals);
                String parameterValue = parameter.substring(equals + 1);
                if ((key.equals("error") && ERROR_TYPE.matcher(parameterValue).matches())
                        || (key.equals("received-status") && STATUS.matcher(parameterValue).matches())) {
                    member.append("; ").append(key).append('=').append(parameterValue);
                }
            }
            at = paramEnd + 1;
        }
        if (relayed.length() > 0) {
            relayed.append(", ");
        }
        relayed.append(member);
    }
}
