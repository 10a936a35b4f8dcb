package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which header fields a reverse proxy passes on, in each direction (RFC 9110 §7.6).
 *
 * <p>Hop-by-hop fields are dropped both ways: {@code Connection}, every field {@code Connection} names,
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Proxy-Authenticate}, {@code Proxy-Authorization},
 * {@code TE}, {@code Trailer}, {@code Transfer-Encoding} and {@code Upgrade}. Toward the upstream,
 * {@code Host}, {@code Content-Length} and {@code Expect} are left to the HTTP client, which sets them for
 * the request it really sends, and the proxy adds:
 * <ul>
 *   <li>{@code X-Forwarded-For}: the received value with the client's address appended;</li>
 *   <li>{@code X-Forwarded-Proto} and {@code X-Forwarded-Host}: the scheme and {@code Host} this proxy saw,
 *       replacing received values (which the client could have made up; a container behind a trusted
 *       TLS terminator already reports the terminator's scheme, e.g. Jetty's
 *       {@code ForwardedRequestCustomizer}, Tomcat's {@code RemoteIpValve});</li>
 *   <li>{@code Forwarded} (RFC 7239): the received elements with one for this hop appended;</li>
 *   <li>{@code Via}: the received value with {@code 1.1 error-pages} appended, a pseudonym rather than a
 *       host name (RFC 9110 §7.6.3, R37).</li>
 * </ul>
 * Field names and values the JDK's client would refuse (not a token, control characters) are dropped
 * rather than failing the request.
 */
public final class ProxyHeaders {

    /** The pseudonym this proxy gives itself in {@code Via}. */
    public static final String VIA = "1.1 error-pages";

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");
    /** Set by the client for the request it sends, or added below from what this proxy saw. */
    private static final Set<String> REPLACED_TOWARD_UPSTREAM = Set.of("host", "content-length", "expect",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "via");
    /** Written by the servlet from the response it streams. */
    private static final Set<String> REPLACED_TOWARD_CLIENT = Set.of("content-length");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern FIELD_VALUE = Pattern.compile("[\\t\\x20-\\x7e\\x80-\\xff]*");

    private ProxyHeaders() {
    }

    /**
     * Returns the header fields to send to the upstream for a client request, in order.
     *
     * @param request the client's request
     * @return name/value pairs; a name repeats for each of its values
     */
    public static List<Map.Entry<String, String>> towardUpstream(HttpServletRequest request) {
        Set<String> dropped = droppedBy(request.getHeaders("Connection"));
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || REPLACED_TOWARD_UPSTREAM.contains(lower) || dropped.contains(lower)
                    || !TOKEN.matcher(name).matches()) {
                continue;
            }
            for (String value : Collections.list(request.getHeaders(name))) {
                if (FIELD_VALUE.matcher(value).matches()) {
                    headers.add(Map.entry(name, value));
                }
            }
        }
        String client = request.getRemoteAddr();
        String host = request.getHeader("Host");
        headers.add(Map.entry("X-Forwarded-For", appended(joined(request, "X-Forwarded-For"), client)));
        headers.add(Map.entry("X-Forwarded-Proto", request.getScheme()));
        if (host != null && FIELD_VALUE.matcher(host).matches()) {
            headers.add(Map.entry("X-Forwarded-Host", host));
        }
        headers.add(Map.entry("Forwarded", appended(joined(request, "Forwarded"), forwardedElement(client,
                host, request.getScheme()))));
        headers.add(Map.entry("Via", appended(joined(request, "Via"), VIA)));
        return headers;
    }

    /**
     * Copies an upstream response's header fields to the client's response, hop-by-hop fields and
     * {@code Content-Length} aside.
     *
     * @param upstream the upstream's fields, by name (as the JDK's {@code HttpHeaders.map()} gives them)
     * @param response the client's response, not committed
     */
    public static void towardClient(Map<String, List<String>> upstream, HttpServletResponse response) {
        List<String> connection = new ArrayList<>();
        upstream.forEach((name, values) -> {
            if (name.equalsIgnoreCase("Connection")) {
                connection.addAll(values);
            }
        });
        Set<String> dropped = droppedBy(Collections.enumeration(connection));
        upstream.forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || HOP_BY_HOP.contains(lower) || REPLACED_TOWARD_CLIENT.contains(lower)
                    || dropped.contains(lower)) {
                return;
            }
            boolean first = true;
            for (String value : values) {
                if (first) {
                    response.setHeader(name, value); // replaces a default the container may have set (Date)
                    first = false;
                } else {
                    response.addHeader(name, value);
                }
            }
        });
    }

    /**
     * @param name a header name
     * @return whether a proxy must not forward it (RFC 9110 §7.6.1), not counting names listed in
     *     {@code Connection}
     */
    public static boolean isHopByHop(String name) {
        return HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Builds this hop's {@code Forwarded} element (RFC 7239 §4): {@code for}, {@code host} and
     * {@code proto}, each quoted when it is not a token (an IPv6 address, a host with a port).
     *
     * @param client the client's address
     * @param host the {@code Host} the client sent, or {@code null}
     * @param scheme the scheme the client used
     * @return e.g. {@code for=192.0.2.60;host="shop.example:8443";proto=https}
     */
    public static String forwardedElement(String client, @Nullable String host, String scheme) {
        StringBuilder element = new StringBuilder("for=").append(forwardedValue(client.indexOf(':') >= 0
                ? "[" + client + "]" : client));
        if (host != null && FIELD_VALUE.matcher(host).matches()) {
            element.append(";host=").append(forwardedValue(host));
        }
        return element.append(";proto=").append(forwardedValue(scheme)).toString();
    }

    private static String forwardedValue(String value) {
        if (TOKEN.matcher(value).matches()) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static @Nullable String joined(HttpServletRequest request, String name) {
        List<String> values = new ArrayList<>();
        for (String value : Collections.list(request.getHeaders(name))) {
            if (!value.isBlank() && FIELD_VALUE.matcher(value).matches()) {
                values.add(value.trim());
            }
        }
        return values.isEmpty() ? null : String.join(", ", values);
    }

    private static String appended(@Nullable String received, String added) {
        return received == null ? added : received + ", " + added;
    }

    private static Set<String> droppedBy(Enumeration<String> connection) {
        Set<String> names = new HashSet<>();
        for (String value : Collections.list(connection)) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
