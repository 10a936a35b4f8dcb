package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which header fields a reverse proxy passes on, in each direction (RFC 9110 §7.6).
 *
 * <p>Hop-by-hop fields are dropped both ways: {@code Connection}, every field {@code Connection} names,
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Proxy-Authenticate}, {@code Proxy-Authorization},
 * {@code TE}, {@code Trailer}, {@code Transfer-Encoding} and {@code Upgrade}. Toward the upstream,
 * {@code Host}, {@code Content-Length} and {@code Expect} are left to the HTTP client, which sets them for
 * the request it really sends, a {@code Proxy} field is dropped (httpoxy: a CGI upstream's program reads it as
 * {@code HTTP_PROXY}, its own outgoing proxy), and so is {@code HTTP2-Settings} (connection-specific, RFC 7540
 * §3.2.1, whether {@code Connection} names it or not), and the proxy adds:
 * <ul>
 *   <li>{@code X-Forwarded-For}: the received value with the client's address appended;</li>
 *   <li>{@code X-Real-IP}: the client's address alone, replacing a received one, as nginx's
 *       {@code proxy_set_header X-Real-IP $remote_addr} sets it: upstreams that read it (nginx's
 *       {@code real_ip_header}, chi's {@code RealIP}, Gin) take it as the client's address, and a client's own
 *       value named any address it liked. The other fields that name the client's address are dropped for the
 *       same reason: {@code True-Client-IP} and {@code CF-Connecting-IP}, {@code Fastly-Client-IP} (CDNs' fields,
 *       which chi, Gin's trusted platforms and django-ipware read before or instead of {@code X-Real-IP}),
 *       {@code X-Client-IP}, {@code Client-IP} and {@code X-Cluster-Client-IP} (read first by Node's
 *       {@code request-ip}, Rails' {@code RemoteIp}). Behind a CDN, let the container report the client's address
 *       from the CDN's field (Jetty's {@code ForwardedRequestCustomizer}, Tomcat's {@code RemoteIpValve}): it is
 *       forwarded as {@code X-Real-IP} and in {@code X-Forwarded-For};</li>
 *   <li>{@code X-Forwarded-Proto} and {@code X-Forwarded-Host}: the scheme and {@code Host} this proxy saw
 *       (on HTTP/2, the {@code :authority}),
 *       replacing received values (which the client could have made up; a container behind a trusted
 *       TLS terminator reports the client's scheme and address itself, e.g. with Jetty's
 *       {@code ForwardedRequestCustomizer}, Tomcat's {@code RemoteIpValve}, and those are what is forwarded).
 *       A received {@code X-Forwarded-Port} is dropped: {@code X-Forwarded-Host} carries the port, and upstreams
 *       that read both (Spring's {@code ForwardedHeaderFilter}, Tomcat's {@code RemoteIpValve} as Spring Boot
 *       configures it) would take the client's port over it. A received {@code X-Forwarded-Prefix}, which
 *       Spring's filter reads on its own, and {@code X-Forwarded-Ssl} are dropped too, as are the fields by which
 *       a front proxy names the path it received ({@code X-Original-URL}, {@code X-Rewrite-URL},
 *       {@code X-Original-URI}, {@code X-Forwarded-Uri}), which some upstreams route by;</li>
 *   <li>{@code Forwarded} (RFC 7239): this hop's element alone ({@link #forwardedElement}), replacing received
 *       ones: Spring's {@code ForwardedHeaderUtils} and others read the first {@code host} and {@code proto} of
 *       {@code Forwarded} and ignore {@code X-Forwarded-*} beside it, so a client's {@code Forwarded} would
 *       choose the host of the upstream's absolute URLs (reset links);</li>
 *   <li>{@code Via}: the received value with {@code 1.1 error-pages-<id>} appended, its version that of the
 *       request the proxy received ({@code 1.0}, {@code 1.1}, {@code 2}, {@code 3}), and a pseudonym rather than a
 *       host name (RFC 9110 §7.6.3, R37), random per proxy ({@link #pseudonym()}), by which a proxy recognises a
 *       request that comes back to it ({@link #hasPassed}).</li>
 * </ul>
 * Toward the client, the upstream's product banners are dropped ({@link #BANNERS}), so is its {@code Alt-Svc},
 * which names the upstream's alternative services, not the gateway's ({@link #ALT_SVC}), and its {@code Via} keeps
 * the protocols of the hops behind the proxy, each named {@code upstream} ({@link #viaTowardClient}): a cache or
 * proxy there (Varnish, Squid) names its host, often an internal one, and its software in it (RFC 9110 §7.6.3,
 * R37); its {@code Proxy-Status} likewise names each member {@code upstream}, with its error type and received
 * status alone ({@link ProxyStatusField#relayed}); and a {@code Set-Cookie} loses a {@code Domain} that names an
 * endpoint's host, and a {@code Path} at or below an endpoint's base path becomes the gateway's path for it
 * ({@link UpstreamLocations#cookieTowardClient}).
 * The {@code Max-Forwards} of an {@code OPTIONS} request goes one lower (RFC 9110 §7.6.2; one at 0 is not
 * forwarded: {@link LocalAnswers}); a number beyond what a {@code long} holds goes as {@code Long.MAX_VALUE}, the
 * most this proxy holds (the RFC asks for the lesser of the two); a value that is not one number is answered as
 * one at 0 ({@link LocalAnswers}), and goes as received only on other methods, for which the RFC lets a recipient
 * ignore it.
 * {@code Cookie} fields, which HTTP/2 may split into one per cookie, go as one, joined by {@code "; "} (RFC 9113
 * §8.2.3). Field names and values the JDK's client would refuse (not a token, control characters) are dropped
 * rather than failing the request. A request field spelled like one of those dropped or replaced toward the
 * upstream but with {@code _} for {@code -} ({@code X_Real_IP}, {@code X-Forwarded_For}) is dropped as that one
 * is: CGI-style upstreams read both spellings as one ({@link #isDroppedTowardUpstream}).
 *
 * <p>This runs for every forwarded request, so it matches names without regular expressions and without
 * lower-casing copies, and allocates only the values it builds. Thread-safe (stateless).
 */
public final class ProxyHeaders {

    /** What every proxy's pseudonym starts with. */
    /**
     * The most header field names a request forwarded may have; one with more is answered with 431 and not
     * forwarded, as Tomcat, Envoy and HAProxy refuse a request of more than about a hundred fields by default. The
     * Servlet API hands a request's fields out by name, and Jetty and Tomcat look through all of them for each name:
     * a head of a few thousand names (8 KiB, Jetty's default limit) cost a hundred times the CPU of another request.
     */
    public static final int MAX_FIELD_NAMES = 100;

    private static final String PSEUDONYM_PREFIX = "error-pages-";
    private static final char[] PSEUDONYM_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection",
        "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"};
    /**
     * Hop-by-hop, or set by the client for the request it sends, or added below from what this proxy saw. A name
     * matches also with {@code _} in place of any {@code -} ({@link #isDroppedTowardUpstream}).
     */
    private static final String[] DROPPED_TOWARD_UPSTREAM = {"connection", "keep-alive", "proxy-connection",
        "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
        "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-ssl", "forwarded", "via", "x-real-ip",
        "true-client-ip", "x-client-ip", "client-ip", "x-cluster-client-ip", "cf-connecting-ip", "fastly-client-ip",
        // What a front proxy says of the client's connection, read by upstreams as the scheme or TLS of it (Jetty's
        // ForwardedRequestCustomizer takes the first three for isSecure(): a plain-http client passed HTTPS checks).
        "x-proxied-https", "proxy-ssl-id", "proxy-auth-cert", "front-end-https", "x-forwarded-scheme",
        "x-forwarded-protocol", "x-url-scheme", "x-forwarded-server",
        // What a front proxy says of the path it received, which upstreams route by instead of the request's own
        // (IIS URL Rewrite's and Symfony's X-Original-URL and X-Rewrite-URL, Traefik's X-Forwarded-Uri): a client's
        // value reached a path outside the endpoint's base path, or one the gateway's own rules had refused.
        "x-original-url", "x-rewrite-url", "x-original-uri", "x-forwarded-uri",
        // The settings of an h2c upgrade the client asked of this connection (RFC 7540 §3.2.1: connection-specific),
        // sent without a Connection field naming it: no upstream connection of the proxy's is being upgraded.
        "http2-settings",
        // No field of HTTP's: CGI hands it to the upstream's program as HTTP_PROXY, which HTTP clients take for
        // their outgoing proxy (httpoxy, CVE-2016-5385): a client's value would route the upstream's own calls.
        "proxy"};
    /**
     * Left out of the request for a container's error page ({@link ErrorDispatches}): what the client sends of its own
     * URL that would make the upstream answer something else than its page, the conditions its cache holds for that
     * URL and a range of it. The page is the answer whatever the client holds, and the upstream's 304, 412, 206 or
     * 416 under the error's status would be a 404 without its page, or a part of the page taken for the whole. And
     * the fields of the client's body, which is not sent: the page is asked for with a {@code GET} or {@code HEAD}
     * ({@link ErrorDispatches#upstreamMethod}), not with a {@code Content-Type} or digest of a body that is not there
     * ({@code Content-Length} and {@code Expect} are never forwarded as received).
     */
    private static final String[] DROPPED_FOR_AN_ERROR_PAGE = {"range", "if-range", "if-match", "if-none-match",
        "if-modified-since", "if-unmodified-since", "content-type", "content-encoding", "content-language",
        "content-location", "content-range", "content-md5", "content-digest", "repr-digest", "digest"};
    /**
     * Left out of a container's error page the upstream answers ({@link ErrorDispatches}): what the upstream says of
     * its page's resource, not of the client's URL, which the error's status answers. The validators, which a client
     * or cache would send back for that URL (a 404 is revalidated as any response), and a range
     * ({@code Content-Range}, of a 206 now under the error's status: a part taken for the whole). The rest is relayed:
     * {@code Cache-Control} and {@code Expires} are the page's freshness, which nginx's error pages pass on too.
     */
    private static final String[] DROPPED_FROM_AN_ERROR_PAGE = {"etag", "last-modified", "content-range"};
    /**
     * The upstream's product banners: they name the software, its version and often the operating system of a
     * host behind the gateway (RFC 9110 §17.12, §10.2.4; OWASP removes them), and are not passed to the client.
     * nginx and Envoy do not pass {@code Server} on by default either. The container's own {@code Server}, if it
     * sends one, is its to configure.
     */
    private static final String[] BANNERS = {"server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"};
    /**
     * The upstream's alternative services (RFC 7838): they are the upstream origin's (§3: an alternative service
     * applies to the origin of the response that advertised it), but the client would apply them to the gateway's
     * origin, and try the host they name, often an internal one (R37), for every later request to the gateway.
     */
    private static final String ALT_SVC = "Alt-Svc";
    /**
     * The pseudonym of every host behind the proxy in the {@code Via} of a response toward the client, in place of
     * their names (RFC 9110 §7.6.3, R37).
     */
    private static final String HIDDEN_VIA = "upstream";
    /** A {@code Via} element's protocol version as versions are written: 1.0, 1.1, 2, 3. */
    private static final Pattern VIA_VERSION = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3})?");
    /** A {@code Via} element's protocol name: HTTP (RFC 9110 §7.6.3 writes no other), or HTTPS as some write it. */
    private static final Pattern VIA_PROTOCOL_NAME = Pattern.compile("(?i)HTTPS?");
    /** A {@code Max-Forwards} of digits alone beyond what a {@code long} holds, as read before it is passed on. */
    private static final long BEYOND_LONG = -2;
    /** The most {@code Max-Forwards} this proxy passes on: the largest number it holds. */
    private static final String LONG_MAX = Long.toString(Long.MAX_VALUE);
    /** RFC 9110 §5.6.2 tchar, by character below 128. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+.^_`|~-".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private ProxyHeaders() {
    }

    /**
     * @return a new pseudonym for one proxy's {@code Via} entries: {@code error-pages-} and eight random letters
     *     or digits, so that two proxies of one application, or of two gateways in a row, tell themselves apart
     */
    public static String pseudonym() {
        SecureRandom random = new SecureRandom();
        StringBuilder pseudonym = new StringBuilder(PSEUDONYM_PREFIX.length() + 8).append(PSEUDONYM_PREFIX);
        for (int i = 0; i < 8; i++) {
            pseudonym.append(PSEUDONYM_CHARS[random.nextInt(PSEUDONYM_CHARS.length)]);
        }
        return pseudonym.toString();
    }

    /**
     * Whether a request has passed the proxy of a pseudonym before: a {@code Via} element received by it
     * (RFC 9110 §7.6.3: {@code Via} lets a proxy detect a forwarding loop). Such a request would go round again.
     *
     * @param request the client's request
     * @param pseudonym the proxy's {@link #pseudonym()}
     * @return whether one of the request's {@code Via} elements names it as the receiver
     */
    public static boolean hasPassed(HttpServletRequest request, String pseudonym) {
        for (Enumeration<String> values = request.getHeaders("Via"); values.hasMoreElements(); ) {
            if (names(values.nextElement(), pseudonym)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether one element of a {@code Via} value ({@code received-protocol RWS received-by [ RWS comment ]},
     * elements separated by commas) was received by {@code pseudonym}. Scans in place: most requests behind a
     * CDN or a load balancer carry a {@code Via}.
     */
    private static boolean names(String value, String pseudonym) {
        int length = value.length();
        int at = 0;
        while (at < length) {
            at = skipWhitespace(value, at);
            int protocolEnd = at;
            while (protocolEnd < length && !isWhitespace(value.charAt(protocolEnd))
                    && value.charAt(protocolEnd) != ',') {
                protocolEnd++;
            }
            int receivedBy = skipWhitespace(value, protocolEnd);
            int end = receivedBy + pseudonym.length();
            if (receivedBy > protocolEnd && protocolEnd > at
                    && value.regionMatches(true, receivedBy, pseudonym, 0, pseudonym.length())
                    && (end == length || isWhitespace(value.charAt(end)) || value.charAt(end) == ',')) {
                return true;
            }
            int comma = value.indexOf(',', protocolEnd);
            at = comma < 0 ? length : comma + 1;
        }
        return false;
    }

    private static int skipWhitespace(String value, int from) {
        int at = from;
        while (at < value.length() && isWhitespace(value.charAt(at))) {
            at++;
        }
        return at;
    }

    /** SP or HTAB: RWS and OWS (RFC 9110 §5.6.3). */
    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * Gives the header fields to send to the upstream for a client request, in order; for a container's error page,
     * without the client's conditions and range, and the fields of its body ({@link #DROPPED_FOR_AN_ERROR_PAGE}).
     *
     * @param request the client's request
     * @param pseudonym this proxy's name in {@code Via} ({@link #pseudonym()})
     * @param sink takes each name/value pair; a name repeats for each of its values
     * @throws ForwardedHeadTooLargeException when the request has more than {@link #MAX_FIELD_NAMES} field names
     */
    public static void towardUpstream(HttpServletRequest request, String pseudonym, BiConsumer<String, String> sink) {
        List<String> dropped = null;
        for (Enumeration<String> connection = request.getHeaders("Connection"); connection.hasMoreElements(); ) {
            dropped = listedIn(connection.nextElement(), dropped);
        }
        boolean errorPage = ErrorDispatches.status(request) != 0;
        int namesSeen = 0;
        for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            if (++namesSeen > MAX_FIELD_NAMES) {
                throw ForwardedHeadTooLargeException.names(MAX_FIELD_NAMES);
            }
            if (isDroppedTowardUpstream(name) || (dropped != null && containsIgnoringCase(dropped, name))
                    || !isToken(name) || errorPage && isOneOf(name, DROPPED_FOR_AN_ERROR_PAGE)) {
                continue;
            }
            if (name.length() == 12 && name.equalsIgnoreCase("Max-Forwards")
                    && request.getMethod().equalsIgnoreCase("OPTIONS")) {
                long received = receivedMaxForwards(request);
                if (received > 0 || received == BEYOND_LONG) {
                    // RFC 9110 §7.6.2: the lesser of the received value less one and the most this proxy holds.
                    sink.accept(name, received == BEYOND_LONG ? LONG_MAX : Long.toString(received - 1));
                    continue;
                }
                // Not one number: answered before as at 0 (LocalAnswers), else passed on as received.
            }
            if (name.length() == 6 && name.equalsIgnoreCase("Cookie")) {
                // HTTP/2 may split it into one field per cookie: one field toward HTTP/1.1 (RFC 9113 §8.2.3).
                String cookies = joined(request, name, "; ");
                if (cookies != null) {
                    sink.accept(name, cookies);
                }
                continue;
            }
            for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
                String value = values.nextElement();
                if (isFieldValue(value)) {
                    sink.accept(name, value);
                }
            }
        }
        String client = address(request.getRemoteAddr());
        String host = host(request);
        if (host != null && !isFieldValue(host)) {
            host = null;
        }
        String scheme = scheme(request);
        sink.accept("X-Forwarded-For", appended(received(request, "X-Forwarded-For", dropped), client));
        sink.accept("X-Real-IP", client);
        sink.accept("X-Forwarded-Proto", scheme);
        if (host != null) {
            sink.accept("X-Forwarded-Host", host);
        }
        sink.accept("Forwarded", forwardedElement(client, host, scheme));
        sink.accept("Via", appended(received(request, "Via", dropped), receivedProtocol(request) + " " + pseudonym));
    }

    /**
     * The {@code received-protocol} of this hop's {@code Via} element: the version of the request the proxy received,
     * without the protocol name, which is left out for HTTP (RFC 9110 §7.6.3: a client's HTTP/1.0 request is
     * forwarded with {@code Via: 1.0 ...}, an HTTP/2 one with {@code Via: 2 ...}). An upstream reads what the hops
     * before it speak from it. A container's other spellings of a protocol go as {@code 1.1}.
     */
    private static String receivedProtocol(HttpServletRequest request) {
        String protocol = request.getProtocol();
        if (protocol == null) {
            return "1.1";
        }
        switch (protocol) {
            case "HTTP/1.0": return "1.0";
            case "HTTP/2.0": case "HTTP/2": return "2";
            case "HTTP/3.0": case "HTTP/3": return "3";
            default: return "1.1";
        }
    }

    /**
     * The request's scheme; by whether it came over TLS when the container gives none, or none fit for a field: a
     * request of Jetty 12's cross-context include has no scheme. The connection's where an HTTP/1.1 client named
     * another in its request line, which Jetty reports as the request's ({@link JettyConnectionSchemes}).
     */
    private static String scheme(HttpServletRequest request) {
        String scheme = request.getScheme();
        if (!"http".equals(scheme) && request.getProtocol() != null && request.getProtocol().startsWith("HTTP/1.")) {
            // Only a scheme other than plain http can be a client's claim: https over a plain connection, ws, ftp.
            // HTTP/2's :scheme is taken as it comes: https over h2c is a TLS terminator's HTTP/2 to the gateway.
            String connection = JettyConnectionSchemes.overridden(request, scheme);
            if (connection != null) {
                return connection;
            }
        }
        if (scheme != null && isToken(scheme)) {
            return scheme;
        }
        return request.isSecure() ? "https" : "http";
    }

    /**
     * The values received of a field that this proxy appends to, unless the client's {@code Connection} field names
     * it: then it is not forwarded (RFC 9110 §7.6.1), and the proxy's own element stands alone.
     */
    private static @Nullable String received(HttpServletRequest request, String name, @Nullable List<String> dropped) {
        return dropped != null && containsIgnoringCase(dropped, name) ? null : joined(request, name, ", ");
    }

    /**
     * Whether a request's {@code Max-Forwards} ends its forwarding here (RFC 9110 §7.6.2, for {@code OPTIONS}): its
     * one field is 0, or it has a field no hop can count down, neither one number of digits alone ({@code -1},
     * {@code 5x}, empty) nor one field ({@code 5} and {@code 0}). Passed on unchanged, such a request went round a
     * loop of proxies that cannot read it either, for ever: it is read as 0.
     *
     * @param request the client's request
     * @return whether it has a {@code Max-Forwards} field, and its fields say 0 or no number
     */
    public static boolean maxForwardsEndsHere(HttpServletRequest request) {
        Enumeration<String> fields = request.getHeaders("Max-Forwards");
        if (fields == null || !fields.hasMoreElements()) {
            return false;
        }
        long received = receivedMaxForwards(request);
        return received == 0 || received == -1;
    }

    /**
     * The number of times a request may still be forwarded, by its one {@code Max-Forwards} field (RFC 9110 §7.6.2:
     * {@code 1*DIGIT}): -1 without the field, with more than one, or with a value that is not a number of digits
     * alone; {@link #BEYOND_LONG} for digits alone beyond {@code Long.MAX_VALUE}.
     */
    private static long receivedMaxForwards(HttpServletRequest request) {
        Enumeration<String> fields = request.getHeaders("Max-Forwards");
        if (fields == null || !fields.hasMoreElements()) {
            return -1;
        }
        String value = fields.nextElement();
        if (fields.hasMoreElements() || value.isEmpty()) {
            return -1;
        }
        long number = 0;
        boolean beyond = false; // past a long: the rest is only checked to be digits
        for (int i = 0; i < value.length(); i++) {
            int digit = value.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            beyond = beyond || number > (Long.MAX_VALUE - digit) / 10;
            if (!beyond) {
                number = number * 10 + digit;
            }
        }
        return beyond ? BEYOND_LONG : number;
    }

    /**
     * Copies an upstream response's header fields to the client's response, hop-by-hop fields, product banners
     * ({@code Server}, {@code X-Powered-By}) and {@code Content-Length} aside, a {@code Location},
     * {@code Content-Location}, {@code Link} target or {@code Refresh} URL that points at an endpoint rewritten to
     * the gateway's path for it ({@link UpstreamLocations}), and the hosts of a {@code Via} hidden
     * ({@link #viaTowardClient}), and for a container's error page the upstream's validators and
     * {@code Content-Range} ({@link #DROPPED_FROM_AN_ERROR_PAGE}). A field replaces one of its name the response had
     * ({@code Date}), but a {@code Set-Cookie} or {@code Vary}, which goes beside the gateway's own
     * ({@link #goesBesideTheGateways}).
     *
     * @param upstream the upstream's fields, by name (as the JDK's {@code HttpHeaders.map()} gives them)
     * @param response the client's response, not committed
     * @param locations the proxy's endpoints, for {@code Location}, {@code Content-Location}, {@code Link} and
     *     {@code Refresh}
     * @param request the client's request, for the path the proxy is mapped to
     */
    public static void towardClient(Map<String, List<String>> upstream, HttpServletResponse response,
            UpstreamLocations locations, HttpServletRequest request) {
        List<String> dropped = null;
        for (Map.Entry<String, List<String>> field : upstream.entrySet()) {
            if (field.getKey().equalsIgnoreCase("Connection")) {
                for (String value : field.getValue()) {
                    dropped = listedIn(value, dropped);
                }
            }
        }
        boolean errorPage = ErrorDispatches.status(request) != 0;
        for (Map.Entry<String, List<String>> field : upstream.entrySet()) {
            String name = field.getKey();
            if (!isRelayedTowardClient(name, dropped) || errorPage && isOneOf(name, DROPPED_FROM_AN_ERROR_PAGE)) {
                continue;
            }
            boolean first = true;
            for (String received : field.getValue()) {
                String value = relayedValue(name, received, locations, request);
                if (value == null) {
                    continue;
                }
                if (first && !goesBesideTheGateways(name)) {
                    set(response, name, value); // replaces a default the container may have set (Date)
                    first = false;
                } else {
                    add(response, name, value);
                }
            }
        }
    }

    /**
     * Copies an upstream response's header fields, given one field at a time in the order received, to the
     * client's response: as {@link #towardClient(Map, HttpServletResponse, UpstreamLocations, HttpServletRequest)}
     * does for fields grouped by name.
     *
     * @param <F> the client library's field type
     * @param fields the upstream's fields; a name repeats for each of its fields
     * @param name a field's name
     * @param value a field's value
     * @param response the client's response, not committed
     * @param locations the proxy's endpoints, for {@code Location}, {@code Content-Location}, {@code Link} and
     *     {@code Refresh}
     * @param request the client's request, for the path the proxy is mapped to
     */
    public static <F> void towardClient(Iterable<F> fields, Function<F, String> name, Function<F, String> value,
            HttpServletResponse response, UpstreamLocations locations, HttpServletRequest request) {
        List<String> dropped = null;
        for (F field : fields) {
            if (name.apply(field).equalsIgnoreCase("Connection")) {
                dropped = listedIn(value.apply(field), dropped);
            }
        }
        List<String> set = new ArrayList<>(16);
        boolean errorPage = ErrorDispatches.status(request) != 0;
        for (F field : fields) {
            String fieldName = name.apply(field);
            if (!isRelayedTowardClient(fieldName, dropped)
                    || errorPage && isOneOf(fieldName, DROPPED_FROM_AN_ERROR_PAGE)) {
                continue;
            }
            String fieldValue = relayedValue(fieldName, value.apply(field), locations, request);
            if (fieldValue == null) {
                continue;
            }
            if (goesBesideTheGateways(fieldName) || containsIgnoringCase(set, fieldName)) {
                add(response, fieldName, fieldValue);
            } else {
                set(response, fieldName, fieldValue); // replaces a default the container may have set
                set.add(fieldName);
            }
        }
    }

    /**
     * Whether a relayed field is added to the response, never set, beside the gateway's own of its name:
     * <ul>
     *   <li>{@code Set-Cookie}: each such field is a cookie of its own (RFC 6265 §3; RFC 9110 §5.3: never combined),
     *       and the gateway's are in the response already (the container's session cookie, for a session a filter
     *       in front made for its sign-in; a CSRF cookie of a filter's). Set, the upstream's first cookie replaced
     *       them all, and each response of an upstream that sets a cookie signed the gateway's users out;</li>
     *   <li>{@code Vary}: a list of what the response varies on (RFC 9110 §12.5.5), at the gateway too: the
     *       {@code Origin} of a CORS filter in front that allows one origin. Set, the upstream's
     *       {@code Accept-Encoding} replaced it, and a shared cache gave every origin the response that allows
     *       one.</li>
     * </ul>
     */
    private static boolean goesBesideTheGateways(String name) {
        return isSetCookie(name) || isVary(name);
    }

    /**
     * Sets a relayed field, a {@code Content-Type} exactly as the upstream sent it: Jetty 12.1's ee11 environment takes
     * the field for {@code setContentType} and, for a type without a charset, adds the one it infers for the type
     * when it commits ({@code text/html;charset=utf-8}, {@code text/plain;charset=iso-8859-1}), which overrides the
     * charset a page names itself ({@code <meta charset>}) and garbles its text. Clearing the response's character
     * encoding keeps the field as set.
     */
    private static void set(HttpServletResponse response, String name, String value) {
        response.setHeader(name, value);
        keepContentTypeAsSet(response, name, value);
    }

    /**
     * Adds a relayed field's second or later value, or one that goes beside the gateway's own: a repeated
     * {@code Content-Type} as sent too ({@link #set}), a {@code Vary} without the members the response lists already.
     */
    private static void add(HttpServletResponse response, String name, String value) {
        String added = isVary(name) ? unlisted(response, value) : value;
        if (added == null) {
            return;
        }
        response.addHeader(name, added);
        keepContentTypeAsSet(response, name, added);
    }

    /**
     * The members of a {@code Vary} value that the response's {@code Vary} fields do not list yet, in one value:
     * Jetty's {@code GzipHandler} in front, say, has said {@code Accept-Encoding} already, which the upstream's
     * {@code Vary: Accept-Encoding} would have repeated in a field of its own.
     *
     * @return those members, or {@code null} when there are none
     */
    private static @Nullable String unlisted(HttpServletResponse response, String vary) {
        List<String> listed = null;
        for (String field : response.getHeaders("Vary")) {
            listed = listedIn(field, listed);
        }
        if (listed == null) {
            return vary;
        }
        StringBuilder unlisted = new StringBuilder(vary.length());
        for (String member : vary.split(",")) {
            String name = member.trim();
            if (!name.isEmpty() && !containsIgnoringCase(listed, name)) {
                unlisted.append(unlisted.length() == 0 ? "" : ", ").append(name);
                listed.add(name);
            }
        }
        return unlisted.length() == 0 ? null : unlisted.toString();
    }

    private static void keepContentTypeAsSet(HttpServletResponse response, String name, String value) {
        if (name.equalsIgnoreCase("Content-Type") && !value.toLowerCase(Locale.ROOT).contains("charset=")) {
            response.setCharacterEncoding((String) null);
        }
    }

    /**
     * A field of an upstream's response as relayed toward the client: its URIs rewritten to the gateway's, the hosts
     * of a {@code Via} and the members of a {@code Proxy-Status} hidden ({@code 1.1 a} becomes {@code 1.1 upstream}),
     * a {@code Set-Cookie}'s {@code Domain} that names an endpoint dropped and its {@code Path} under an endpoint's
     * base path made the gateway's (except where {@link UpstreamLocations#cookieTowardClient} keeps it). The head's
     * size check counts it, so that a head within {@code max-response-header-size} as relayed stays within it, and
     * within the container's own limit and an HTTP/2 client's.
     *
     * @param name the field's name
     * @param received its value as the upstream sent it
     * @param locations the proxy's endpoints
     * @param request the client's request, whose URL the rewritten URIs take
     * @return the value relayed, {@code received} itself for a field relayed as received; {@code null} for a
     *     {@code Via} or {@code Proxy-Status} with nothing to relay
     */
    public static @Nullable String relayedTowardClient(String name, String received, UpstreamLocations locations,
            HttpServletRequest request) {
        if (!UpstreamLocations.hasUris(name) && !isVia(name) && !name.equalsIgnoreCase(ProxyStatusField.HEADER)
                && !isSetCookie(name)) {
            return received;
        }
        return relayedValue(name, received, locations, request);
    }

    /**
     * A relayed field's value as the client gets it: its URI references that point at an endpoint rewritten
     * ({@link UpstreamLocations#rewriteField}), the hosts of a {@code Via} hidden ({@link #viaTowardClient}) and
     * those of a {@code Proxy-Status} with it ({@link ProxyStatusField#relayed}), the {@code Domain} of a
     * {@code Set-Cookie} that names an endpoint dropped and its {@code Path} under an endpoint's base path made the
     * gateway's ({@link UpstreamLocations#cookieTowardClient}), any other value as received;
     * {@code null} for a {@code Via} or {@code Proxy-Status} with nothing to relay.
     */
    private static @Nullable String relayedValue(String name, String received, UpstreamLocations locations,
            HttpServletRequest request) {
        if (UpstreamLocations.hasUris(name)) {
            return locations.rewriteField(name, received, request);
        }
        if (isVia(name)) {
            return viaTowardClient(received);
        }
        if (isSetCookie(name)) {
            return locations.cookieTowardClient(received, request);
        }
        return name.equalsIgnoreCase(ProxyStatusField.HEADER) ? ProxyStatusField.relayed(received) : received;
    }

    private static boolean isSetCookie(String name) {
        return name.length() == 10 && name.equalsIgnoreCase("Set-Cookie");
    }

    private static boolean isVary(String name) {
        return name.length() == 4 && name.equalsIgnoreCase("Vary");
    }

    private static boolean isVia(String name) {
        return name.length() == 3 && name.equalsIgnoreCase("Via");
    }

    /**
     * An upstream's {@code Via} as the client gets it: each element's protocol with {@link #HIDDEN_VIA} in place
     * of its {@code received-by}, consecutive elements of one protocol in one (RFC 9110 §7.6.3: an intermediary
     * at a firewall SHOULD replace each received-by host behind it by a pseudonym, and MAY combine such elements),
     * and no comments, which name software and versions as {@code Server} does ({@code 1.1 billing-7 (Varnish/6.0)}
     * becomes {@code 1.1 upstream}).
     *
     * @param value one {@code Via} field value of the upstream's response
     * @return the value to relay, or {@code null} when no element of it is well-formed
     */
    static @Nullable String viaTowardClient(String value) {
        StringBuilder relayed = new StringBuilder(16);
        String last = null;
        int length = value.length();
        int at = 0;
        while (at < length) {
            int end = elementEnd(value, at);
            String protocol = viaProtocol(value, at, end);
            if (protocol != null && !protocol.equals(last)) {
                if (relayed.length() > 0) {
                    relayed.append(", ");
                }
                relayed.append(protocol).append(' ').append(HIDDEN_VIA);
                last = protocol;
            }
            at = end + 1;
        }
        return relayed.length() == 0 ? null : relayed.toString();
    }

    /** Where the {@code Via} element starting at {@code from} ends: at a comma outside a comment, or the end. */
    private static int elementEnd(String value, int from) {
        int depth = 0;
        for (int i = from; i < value.length(); i++) {
            char c = value.charAt(i);
            if (depth > 0 && c == '\\') {
                i++; // a quoted-pair inside a comment
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return value.length();
    }

    /**
     * The {@code received-protocol} of a {@code Via} element ({@code [ protocol-name "/" ] protocol-version}), when
     * it is followed by a {@code received-by}; else {@code null}. A version is digits with at most one point (1.1, 2),
     * and a name HTTP: an element written host first ({@code 10.0.0.9 1.1}, {@code billing-7.internal/1.1 squid},
     * {@code billing/1.1 squid}), whose host was taken for the protocol and relayed, is dropped instead, as is one
     * of a protocol other than HTTP, which no gateway in front of HTTP upstreams receives.
     */
    private static @Nullable String viaProtocol(String value, int from, int end) {
        int start = skipWhitespace(value, from);
        int protocolEnd = start;
        while (protocolEnd < end && !isWhitespace(value.charAt(protocolEnd))) {
            protocolEnd++;
        }
        int receivedBy = skipWhitespace(value, protocolEnd);
        if (protocolEnd == start || receivedBy >= end || value.charAt(receivedBy) == '(') {
            return null;
        }
        String protocol = value.substring(start, protocolEnd);
        int slash = protocol.indexOf('/');
        String name = slash < 0 ? null : protocol.substring(0, slash);
        boolean valid = VIA_VERSION.matcher(slash < 0 ? protocol : protocol.substring(slash + 1)).matches()
                && (name == null || VIA_PROTOCOL_NAME.matcher(name).matches());
        return valid ? protocol : null;
    }

    /**
     * Whether an upstream response field goes to the client: not a pseudo-header, not hop-by-hop, not named in
     * the response's {@code Connection}, not {@code Content-Length}, which the proxy sets itself, not a
     * product banner ({@link #BANNERS}) and not {@code Alt-Svc} ({@link #ALT_SVC}).
     */
    private static boolean isRelayedTowardClient(String name, @Nullable List<String> droppedByConnection) {
        return !name.startsWith(":") && !isHopByHop(name) && !name.equalsIgnoreCase("Content-Length")
                && !isOneOf(name, BANNERS) && !name.equalsIgnoreCase(ALT_SVC)
                && (droppedByConnection == null || !containsIgnoringCase(droppedByConnection, name));
    }

    /**
     * @param name a header name
     * @return whether a proxy must not forward it (RFC 9110 §7.6.1), not counting names listed in
     *     {@code Connection}
     */
    public static boolean isHopByHop(String name) {
        return isOneOf(name, HOP_BY_HOP);
    }

    /**
     * Builds this hop's {@code Forwarded} element (RFC 7239 §4): {@code for}, {@code host} and
     * {@code proto}, each quoted when it is not a token (an IPv6 address, a host with a port).
     *
     * @param client the client's address; an IPv6 address with or without brackets
     * @param host the {@code Host} the client sent, or {@code null}
     * @param scheme the scheme the client used
     * @return e.g. {@code for=192.0.2.60;host="shop.example:8443";proto=https}
     */
    public static String forwardedElement(String client, @Nullable String host, String scheme) {
        StringBuilder element = new StringBuilder(64).append("for=");
        String address = address(client);
        if (address.indexOf(':') >= 0) {
            appendForwardedValue(element, "[" + address + "]");
        } else {
            appendForwardedValue(element, address);
        }
        if (host != null && isFieldValue(host)) {
            appendForwardedValue(element.append(";host="), host);
        }
        appendForwardedValue(element.append(";proto="), scheme);
        return element.toString();
    }

    /**
     * The host the client asked for: its {@code Host} field, or on HTTP/2 and later, which carry it in the
     * {@code :authority} pseudo-header instead (RFC 9113 §8.3.1), that authority as the container reports it
     * (Jetty gives no {@code Host} field for it; Tomcat makes one). {@code null} for an HTTP/1.0 request without
     * {@code Host}: the container's server name is then its own address, not what the client asked for.
     */
    private static @Nullable String host(HttpServletRequest request) {
        String host = request.getHeader("Host");
        if (host != null || !RequestBodies.isHttp2OrLater(request.getProtocol())) {
            return host;
        }
        String name = request.getServerName();
        if (name == null || name.isEmpty()) {
            return null;
        }
        if (name.indexOf(':') >= 0 && name.charAt(0) != '[') {
            name = "[" + name + "]"; // an IPv6 address, as a Host field writes it
        }
        int port = request.getServerPort();
        boolean defaultPort = port <= 0 || (port == 443 && "https".equalsIgnoreCase(request.getScheme()))
                || (port == 80 && "http".equalsIgnoreCase(request.getScheme()));
        return defaultPort ? name : name + ":" + port;
    }

    /**
     * The client's address as {@code X-Forwarded-For} lists it: an IPv6 address without brackets. Jetty 12 gives
     * {@code getRemoteAddr()} as {@code [2001:db8::1]}, Tomcat as {@code 2001:db8::1}; {@code unknown} (RFC 7239
     * §6.3) when the container gives none.
     */
    private static String address(@Nullable String remoteAddr) {
        if (remoteAddr == null || remoteAddr.isEmpty()) {
            return "unknown";
        }
        int last = remoteAddr.length() - 1;
        return last > 1 && remoteAddr.charAt(0) == '[' && remoteAddr.charAt(last) == ']'
                ? remoteAddr.substring(1, last) : remoteAddr;
    }

    private static void appendForwardedValue(StringBuilder out, String value) {
        if (isToken(value)) {
            out.append(value);
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '"') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }

    /**
     * Whether a request field is one of {@link #DROPPED_TOWARD_UPSTREAM}, ignoring case and taking {@code _} for
     * {@code -}: {@code X_Real_IP}, {@code X-Forwarded_For} and {@code Content_Length} are dropped like
     * {@code X-Real-IP}, {@code X-Forwarded-For} and {@code Content-Length}. Upstreams that read fields the CGI way
     * (Rack and Puma, WSGI, PHP's {@code $_SERVER}) turn both spellings into one key ({@code HTTP_X_REAL_IP}), and
     * some keep the value of the one that came last: a client's underscore spelling would stand for the field this
     * proxy replaces, and name any address, host or scheme it liked (puma's GHSA-9hf4-67fc-4vf4).
     *
     * <p>nginx, by default ({@code underscores_in_headers off}), drops every field with an {@code _} in its name,
     * and Apache 2.4 drops such fields before CGI sees them. This drops only the spellings of the fields it drops
     * or replaces itself: those are the ones that could stand for a field it vouches for, and an application's own
     * fields with underscores ({@code X_Request_Id}, {@code api_key}), which a container passes on, still reach it.
     */
    private static boolean isDroppedTowardUpstream(String name) {
        if (isOneOf(name, DROPPED_TOWARD_UPSTREAM)) {
            return true;
        }
        if (name.indexOf('_') < 0) {
            return false; // the name of nearly every field
        }
        int length = name.length();
        for (String candidate : DROPPED_TOWARD_UPSTREAM) {
            if (candidate.length() == length && matchesWithUnderscores(name, candidate)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code name} is {@code lowerCaseName}, ignoring case and with {@code _} where it has {@code -}; of
     * equal length.
     */
    private static boolean matchesWithUnderscores(String name, String lowerCaseName) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            char expected = lowerCaseName.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (c == '_' ? expected != '-' : lower != expected) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code name} is one of {@code lowerCaseNames}, ignoring case. */
    private static boolean isOneOf(String name, String[] lowerCaseNames) {
        int length = name.length();
        for (String candidate : lowerCaseNames) {
            if (candidate.length() == length && candidate.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsIgnoringCase(List<String> names, String name) {
        for (String candidate : names) {
            if (candidate.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 9110 §5.6.2: one or more tchar. */
    private static boolean isToken(String value) {
        int length = value.length();
        if (length == 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /**
     * HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5). The JDK's client accepts obs-text, but writes each such
     * character as {@code ?} ({@link #forJdkClient}); Jetty's forwards the bytes as received.
     */
    private static boolean isFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    /**
     * A field as {@link #towardUpstream} gives it, made fit for the JDK's client, which sends each character beyond
     * US-ASCII (obs-text) as {@code ?}: a value changed, and two {@code Idempotency-Key}s made one. Of the fields
     * this proxy joins or appends to, only the parts with such characters go: a cookie of {@code Cookie} (not the
     * session's beside it), the received elements of {@code X-Forwarded-For} and {@code Via} (not this hop's); any
     * other field goes whole.
     *
     * @param name the field's name
     * @param value its value
     * @return the value to send, or {@code null} to send no such field
     */
    public static @Nullable String forJdkClient(String name, String value) {
        if (isVisibleAscii(value)) {
            return value;
        }
        if (name.equalsIgnoreCase("Cookie")) {
            StringBuilder kept = new StringBuilder(value.length());
            for (String cookie : value.split(";")) {
                String trimmed = cookie.trim();
                if (!trimmed.isEmpty() && isVisibleAscii(trimmed)) {
                    kept.append(kept.length() == 0 ? "" : "; ").append(trimmed);
                }
            }
            return kept.length() == 0 ? null : kept.toString();
        }
        if (name.equalsIgnoreCase("X-Forwarded-For") || isVia(name)) {
            // This hop's element, appended last by towardUpstream, is ASCII: a client's address, the pseudonym.
            int last = value.lastIndexOf(',');
            String own = value.substring(last + 1).trim();
            return isVisibleAscii(own) ? own : null;
        }
        return null;
    }

    private static boolean isVisibleAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * The request's non-blank values of a field, trimmed, in one value; {@code null} when it has none. Built in one
     * buffer: concatenated value by value, thousands of {@code Cookie} or {@code Via} lines (a container whose header
     * limit was raised for large cookies lets a 64 KiB head have 6,000) copied the growing value each time, a quarter
     * of a second of CPU per request.
     */
    private static @Nullable String joined(HttpServletRequest request, String name, String separator) {
        String first = null;
        StringBuilder joined = null;
        for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
            String value = values.nextElement();
            if (!value.isBlank() && isFieldValue(value)) {
                if (first == null) {
                    first = value.trim(); // the one line of nearly every request: no buffer
                } else {
                    if (joined == null) {
                        joined = new StringBuilder(first);
                    }
                    joined.append(separator).append(value.trim());
                }
            }
        }
        return joined != null ? joined.toString() : first;
    }

    private static String appended(@Nullable String received, String added) {
        return received == null ? added : received + ", " + added;
    }

    /** Adds the names a {@code Connection} (or {@code Vary}) field value lists to {@code names}, made when needed. */
    private static @Nullable List<String> listedIn(String connection, @Nullable List<String> names) {
        List<String> listed = names;
        for (String token : connection.split(",")) {
            String name = token.trim();
            if (!name.isEmpty()) {
                if (listed == null) {
                    listed = new ArrayList<>(4);
                }
                listed.add(name);
            }
        }
        return listed;
    }
}
