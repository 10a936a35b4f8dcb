package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Rewrites a {@code Location} or {@code Content-Location} that points at one of the proxy's endpoints into the
 * gateway's own path for it, as nginx's {@code proxy_redirect default} and Apache's {@code ProxyPassReverse} do,
 * and so the targets and anchors of a {@code Link} and the URL of a {@code Refresh} ({@link #rewriteField}), and
 * the {@code Domain} and {@code Path} of a {@code Set-Cookie} ({@link #cookieTowardClient}).
 *
 * <p>An upstream that builds absolute URLs from the {@code Host} it received (the endpoint's, which the HTTP
 * client sets) redirects to {@code http://10.0.0.7:8080/api/orders/43}: relayed as it is, that names an internal
 * host to the client (R37) and sends the client where it cannot go. Under the servlet mapped to
 * {@code /billing/*} with the endpoint {@code http://10.0.0.7:8080/api}, it becomes {@code /billing/orders/43}:
 * the query and fragment kept, and relative (RFC 9110 §10.2.2 allows a URI reference), so that nothing of the
 * request's own {@code Host} is echoed. The path is compared with its dot segments removed, encoded ones too
 * ({@link RequestTargets#removeDotSegments}), as the client resolves it: {@code http://10.0.0.7:8080/api/../admin/}
 * is outside the base path, and would have become {@code /billing/../admin/}, which the client resolves outside
 * the servlet's mapping. Anything else is relayed unchanged: a URL of another origin, a path
 * outside the endpoint's base path (the gateway has no path for it), a path, which the client resolves against
 * the gateway's URL already, and a value that is not a URI. A URL with characters RFC 3986 does not allow after
 * its authority ({@code |}, a space, ...), which browsers follow as they encode them, is read with them
 * percent-encoded, and rewritten so when it points at an endpoint. A network-path reference ({@code //host/path})
 * counts as a URL of the endpoint's scheme. Hosts are compared as browsers read them ({@link UrlHosts}):
 * {@code http://0xa.23.1029/} is {@code http://10.23.4.5/}.
 *
 * <p>Immutable and thread-safe.
 */
public final class UpstreamLocations {

    /**
     * What comes before the URL of a {@code Refresh}, as browsers read it (HTML's shared declarative refresh
     * steps): a delay, then a {@code ;} or {@code ,} or just whitespace, and optionally {@code url=}. The URL
     * follows, optionally quoted.
     */
    private static final Pattern REFRESH_BEFORE_URL =
            Pattern.compile("(?i)\\s*[0-9.]+(?:\\s*[;,]\\s*|\\s+)(?:url\\s*=\\s*)?");

    /** A URL's scheme, if it has one, and the run of slashes (backslashes taken for slashes) that follows it. */
    private static final Pattern SCHEME_AND_SLASHES = Pattern.compile("(?:([A-Za-z][A-Za-z0-9+.-]*):)?/*");

    private final List<Base> bases;

    /** The endpoints' hosts as a cookie's {@code Domain} is compared with them ({@link #cookieHost}). */
    private final Set<String> cookieHosts;

    private UpstreamLocations(List<Base> bases, Set<String> cookieHosts) {
        this.bases = bases;
        this.cookieHosts = cookieHosts;
    }

    /**
     * @param endpoints the proxy's endpoints, each an absolute {@code http} or {@code https} URI with an
     *     optional base path
     * @return the rewriting for them
     */
    public static UpstreamLocations of(List<URI> endpoints) {
        Set<String> cookieHosts = new HashSet<>();
        for (URI endpoint : endpoints) {
            String host = cookieHost(endpoint.getHost());
            cookieHosts.add(host != null ? host : endpoint.getHost().toLowerCase(Locale.ROOT));
        }
        return new UpstreamLocations(endpoints.stream().map(Base::of).toList(), Set.copyOf(cookieHosts));
    }

    /**
     * @param name a response field's name
     * @return whether its value is a URI reference this rewrites: {@code Location} or {@code Content-Location}
     */
    private static boolean isLocation(String name) {
        int length = name.length();
        return (length == 8 && name.equalsIgnoreCase("Location"))
                || (length == 16 && name.equalsIgnoreCase("Content-Location"));
    }

    /**
     * @param name a response field's name
     * @return whether its value holds URI references this rewrites ({@link #rewriteField}): {@code Location},
     *     {@code Content-Location}, {@code Link} or {@code Refresh}
     */
    public static boolean hasUris(String name) {
        int length = name.length();
        return isLocation(name) || (length == 4 && name.equalsIgnoreCase("Link"))
                || (length == 7 && name.equalsIgnoreCase("Refresh"));
    }

    /**
     * A {@code Set-Cookie} of the upstream's as the client gets it, as nginx's {@code proxy_cookie_domain} and
     * {@code proxy_cookie_path} (Apache's {@code ProxyPassReverseCookieDomain} and {@code ProxyPassReverseCookiePath})
     * make it for the endpoints:
     * <ul>
     *   <li>without a {@code Domain} attribute that names an endpoint's host ({@code Domain=10.0.0.7},
     *       {@code Domain=.billing-internal.svc.cluster.local}, with a port or without: {@code Domain=10.0.0.7:8081};
     *       an IPv6 address with or without its brackets, in another case or form, with or without a zone:
     *       {@code Domain=fd00::7}, {@code Domain=[FD00:0:0::7]:8081}), as an upstream sets it that takes its cookie
     *       domain from the {@code Host} it received, the endpoint's. Relayed so, it named an
     *       internal host to the client (R37), and the client, whose request went to the gateway's host, refused the
     *       cookie (RFC 6265 §5.3, step 6: the request host does not domain-match it). Without it the cookie is the
     *       gateway's host's alone.
     *       A {@code Domain} naming any other host, a parent domain the gateway's host shares with the endpoint's
     *       included, is kept.</li>
     *   <li>with a {@code Path} at or below an endpoint's base path, segment by segment ({@code /api} and
     *       {@code /api/orders} under {@code /api}, not {@code /apiary}), in the gateway's path for it, as a
     *       {@code Location}'s path becomes it ({@link #rewrite}): under the servlet mapped to {@code /billing/*}
     *       with the endpoint {@code http://10.0.0.7:8080/api}, {@code Path=/api} becomes {@code Path=/billing} and
     *       {@code Path=/api/orders} {@code Path=/billing/orders}. Relayed as it came, the client never sent the
     *       cookie back to the gateway's paths for the upstream (a session lost on every request), and did send it
     *       to whatever the gateway serves at {@code /api}. So too beside a kept {@code Domain}, as nginx maps it: a
     *       context path's session cookie for a domain its hosts share ({@code Path=/api; Domain=example.com}, as
     *       Tomcat sets it), its path kept, never came back to the gateway's paths for the upstream either. Of an
     *       endpoint with no base path every {@code Path} below the root is below it: {@code Path=/x} becomes
     *       {@code Path=/billing/x}. Compared as the client compares it with a request's path (RFC 6265 §5.1.4): as
     *       it is written, case and percent-encoding included, with no dot segments resolved. Of endpoints with
     *       different base paths, the longest one it is at or below: the cookie does not say which endpoint
     *       answered, so endpoints of one upstream (failover ones) had better share their base path. Each
     *       {@code Path} of a cookie is mapped alike, so the last one, the one the client takes (§5.3, step 7), is.
     *       Kept as received, though:
     *       <ul>
     *         <li>{@code Path=/}: the upstream meant the cookie for the whole site, and the client sends it to the
     *             gateway's paths for the upstream too. Made {@code /billing}, it broke a {@code __Host-} cookie
     *             (the client refuses one whose {@code Path} is not {@code /}, RFC 6265bis §4.1.3.2) and hid an
     *             {@code XSRF-TOKEN} from the gateway's other pages whose script sends it back.</li>
     *         <li>every {@code Path} of a {@code __Host-} cookie (its name's prefix in any case, as clients compare
     *             it), which the client takes only with {@code Path=/}. A {@code Domain} naming an endpoint still
     *             goes from it (R37): a {@code __Host-} cookie may have no {@code Domain} at all, and the client
     *             refused it with that one.</li>
     *         <li>a {@code Path} outside every base path, and one the client replaces by its default path (empty,
     *             or not starting with {@code /}, §5.2.4).</li>
     *       </ul></li>
     * </ul>
     * Attribute names in any case, with whitespace around them and their values (RFC 6265 §5.2); the cookie's own
     * {@code name=value} is no attribute and is kept as it is.
     *
     * @param value the upstream's {@code Set-Cookie} value
     * @param request the client's request, for the path the servlet is mapped to
     * @return the value with those attributes dropped or rewritten, else the value itself
     */
    public String cookieTowardClient(String value, HttpServletRequest request) {
        int start = value.indexOf(';');
        if (start < 0) {
            return value; // a name and value alone, no attributes
        }
        // A __Host- cookie's Path must stay "/". A kept Domain's Path is mapped all the same, as nginx's
        // proxy_cookie_path does: kept, a context path's session cookie for a shared domain (Tomcat's, Path=/api;
        // Domain=example.com) never came back to the gateway's paths for the upstream.
        boolean hostPrefixed = isHostPrefixed(value);
        StringBuilder relayed = null;
        int copied = 0;
        while (start >= 0) {
            int end = value.indexOf(';', start + 1);
            int attributeEnd = end < 0 ? value.length() : end;
            int equals = value.indexOf('=', start + 1);
            if (equals >= 0 && equals < attributeEnd) {
                if (isNamed(value, start + 1, equals, "Domain")
                        && namesAnEndpoint(value.substring(equals + 1, attributeEnd))) {
                    relayed = relayed != null ? relayed : new StringBuilder(value.length());
                    relayed.append(value, copied, start);
                    copied = attributeEnd;
                } else if (!hostPrefixed && isNamed(value, start + 1, equals, "Path")) {
                    int pathStart = skipWhitespace(value, equals + 1, attributeEnd);
                    int pathEnd = attributeEnd;
                    while (pathEnd > pathStart && value.charAt(pathEnd - 1) <= ' ') {
                        pathEnd--;
                    }
                    String path = value.substring(pathStart, pathEnd);
                    String gatewayPath = gatewayCookiePath(path, request);
                    if (gatewayPath != null && !gatewayPath.equals(path)) {
                        relayed = relayed != null ? relayed : new StringBuilder(value.length() + 16);
                        relayed.append(value, copied, pathStart).append(gatewayPath);
                        copied = pathEnd;
                    }
                }
            }
            start = end;
        }
        return relayed == null ? value : relayed.append(value, copied, value.length()).toString();
    }

    /**
     * Whether a cookie's name starts with {@code __Host-} in any case, as clients compare it (RFC 6265bis
     * §4.1.3.2); of a cookie without a name (no {@code =} before the first {@code ;}), its value, for which they
     * refuse the cookie whatever its path.
     */
    private static boolean isHostPrefixed(String value) {
        String prefix = "__Host-";
        return value.regionMatches(true, skipWhitespace(value, 0, value.length()), prefix, 0, prefix.length());
    }

    /**
     * Whether the attribute name between {@code from} and {@code to}, whitespace around it ignored (as
     * {@link String#trim} takes it), is {@code name} in any case.
     */
    private static boolean isNamed(String value, int from, int to, String name) {
        int first = skipWhitespace(value, from, to);
        int last = to;
        while (last > first && value.charAt(last - 1) <= ' ') {
            last--;
        }
        return last - first == name.length() && value.regionMatches(true, first, name, 0, name.length());
    }

    private static int skipWhitespace(String value, int from, int to) {
        int at = from;
        while (at < to && value.charAt(at) <= ' ') {
            at++;
        }
        return at;
    }

    /**
     * Whether a cookie's {@code Domain} value names an endpoint's host: without a leading dot, which §5.2.3 ignores,
     * and without a port ({@code Domain=10.0.0.7:8081}, {@code Domain=[fd00::7]:8081},
     * {@code Domain=orders.internal:8080}, as an upstream writes it that copies the {@code Host} it received, PHP's
     * {@code HTTP_HOST} among them), in the spelling {@link UrlHosts} gives hosts. An IPv6 address with or without
     * its brackets ({@code Domain=fd00::7}, as an upstream writes it that splits the port off the {@code Host} it
     * received, Go's {@code net.SplitHostPort} among them), in another case or form ({@code FD00:0:0::7}), with or
     * without a zone ({@code fe80::1%eth0}, compared without it, as the endpoint's is): each names the endpoint's
     * address to the client (R37), and the client, whose request went to the gateway's host, refuses the cookie.
     * Without brackets, an IPv6 address's last group is never read as a port ({@code fd00::7:8081} is an address).
     */
    private boolean namesAnEndpoint(String domainValue) {
        String domain = domainValue.trim();
        String name = withoutPort(domain.startsWith(".") ? domain.substring(1) : domain);
        // A ':' left is in no domain name: read so, it is an IPv6 address, in the brackets UrlHosts reads one in.
        String host = cookieHost(name.indexOf(':') >= 0 && !name.startsWith("[") ? "[" + name + "]" : name);
        return host != null && cookieHosts.contains(host);
    }

    /**
     * The host of a {@code Domain} value without the {@code :digits} port after it: after an IPv6 literal's
     * {@code ]}, or after a name or IPv4 address, which then holds the only {@code :}. An unbracketed IPv6 address
     * (more than one {@code :}) is kept whole.
     */
    private static String withoutPort(String name) {
        int colon = name.lastIndexOf(':');
        if (colon < 0 || colon == name.length() - 1) {
            return name;
        }
        for (int at = colon + 1; at < name.length(); at++) {
            char c = name.charAt(at);
            if (c < '0' || c > '9') {
                return name;
            }
        }
        boolean afterLiteral = name.startsWith("[") && name.charAt(colon - 1) == ']';
        return afterLiteral || name.indexOf(':') == colon ? name.substring(0, colon) : name;
    }

    /**
     * A host as {@link #namesAnEndpoint} compares it: in {@link UrlHosts}'s spelling, an IPv6 literal's zone
     * ({@code %eth0}, {@code %25eth0}) removed, which UrlHosts refuses and which names no other address.
     *
     * @param host a host, an IPv6 address in its brackets
     * @return the host, or {@code null} for one browsers refuse
     */
    private static @Nullable String cookieHost(String host) {
        int zone = host.startsWith("[") ? host.indexOf('%') : -1;
        return UrlHosts.canonical(zone < 0 ? host : host.substring(0, zone) + "]");
    }

    /**
     * The gateway's path for a cookie's {@code Path} at or below an endpoint's base path, else {@code null}: the
     * mapping's path and what follows the base path, as is. A {@code ;} of the mapping's path encoded, which would
     * end the attribute.
     */
    private @Nullable String gatewayCookiePath(String path, HttpServletRequest request) {
        if (!path.startsWith("/")) {
            return null; // RFC 6265 §5.2.4: the client takes its default path, from the gateway's URL already
        }
        if (path.length() == 1) {
            return null; // the whole site's, which the gateway's paths for the upstream are part of
        }
        String basePath = null;
        for (Base base : bases) {
            if ((basePath == null || base.path().length() > basePath.length()) && path.startsWith(base.path())
                    && (path.length() == base.path().length() || path.charAt(base.path().length()) == '/')) {
                basePath = base.path();
            }
        }
        if (basePath == null) {
            return null;
        }
        String gatewayPath = mappingPrefix(request).replace(";", "%3B") + path.substring(basePath.length());
        return gatewayPath.isEmpty() ? "/" : gatewayPath;
    }

    /**
     * Rewrites the URI references of a field {@link #hasUris} names that point under an endpoint's base URL: a
     * {@code Location} or {@code Content-Location} ({@link #rewrite}), each target of a {@code Link}
     * ({@code <http://10.0.0.7:8080/api/orders?page=2>; rel="next"}, RFC 8288 §3, as an API that builds its
     * pagination links from the {@code Host} it received sends them) and the URI reference of its {@code anchor},
     * and the URL of a {@code Refresh} ({@code 5; url=http://10.0.0.7:8080/api/login}, which nginx's
     * {@code proxy_redirect} rewrites too).
     *
     * @param name the field's name, one {@link #hasUris} accepts
     * @param value the upstream's value
     * @param request the client's request, for the path the servlet is mapped to
     * @return the value with those references rewritten, else the value itself
     */
    public String rewriteField(String name, String value, HttpServletRequest request) {
        if (isLocation(name)) {
            return rewrite(value, request);
        }
        return name.length() == 4 ? rewriteLink(value, request) : rewriteRefresh(value, request);
    }

    /**
     * Rewrites each {@code <URI-Reference>} of a {@code Link} value and the URI reference its {@code anchor}
     * parameter quotes (RFC 8288 §3.2, the link's context), skipping other quoted parameter values.
     */
    private String rewriteLink(String value, HttpServletRequest request) {
        StringBuilder rewritten = null;
        int copied = 0;
        int length = value.length();
        int at = 0;
        while (at < length) {
            char c = value.charAt(at);
            int from = at + 1;
            int to;
            int next;
            if (c == '"') {
                to = closingQuote(value, at);
                if (to < 0) {
                    break;
                }
                next = to + 1;
                if (!isAnchorValue(value, at)) {
                    at = next;
                    continue;
                }
            } else if (c == '<') {
                to = value.indexOf('>', from);
                if (to < 0) {
                    break;
                }
                next = to + 1;
            } else {
                at++;
                continue;
            }
            String target = value.substring(from, to);
            // A quoted anchor is a quoted-string: its quoted-pairs are read as the characters they stand for. A
            // <target> has none: a backslash there is a character of the URI, which rewrite() encodes as it does in
            // Location.
            String replaced = c == '"' && target.indexOf('\\') >= 0 ? rewriteQuoted(target, request)
                    : rewrite(target, request);
            if (!replaced.equals(target)) {
                if (rewritten == null) {
                    rewritten = new StringBuilder(length);
                }
                rewritten.append(value, copied, from).append(replaced);
                copied = to;
            }
            at = next;
        }
        return rewritten == null ? value : rewritten.append(value, copied, length).toString();
    }

    /**
     * Rewrites the content of a quoted-string (RFC 9110 §5.6.4) with quoted-pairs: unquoted, rewritten as any
     * reference, and quoted again if it changed. Left as it was, an anchor naming an endpoint would reach the client.
     */
    private String rewriteQuoted(String quoted, HttpServletRequest request) {
        StringBuilder unquoted = new StringBuilder(quoted.length());
        for (int at = 0; at < quoted.length(); at++) {
            char c = quoted.charAt(at);
            if (c == '\\' && at + 1 < quoted.length()) {
                c = quoted.charAt(++at);
            }
            unquoted.append(c);
        }
        String rewritten = rewrite(unquoted.toString(), request);
        if (rewritten.contentEquals(unquoted)) {
            return quoted;
        }
        // rewrite() percent-encodes both '"' and '\', but the quoted-string must not end early whatever it returns.
        StringBuilder requoted = new StringBuilder(rewritten.length() + 2);
        for (int at = 0; at < rewritten.length(); at++) {
            char c = rewritten.charAt(at);
            if (c == '"' || c == '\\') {
                requoted.append('\\');
            }
            requoted.append(c);
        }
        return requoted.toString();
    }

    /** Where the quoted-string opening at {@code open} closes (its closing quote), quoted-pairs skipped; else -1. */
    private static int closingQuote(String value, int open) {
        int at = open + 1;
        while (at < value.length()) {
            char c = value.charAt(at);
            if (c == '\\') {
                at += 2;
            } else if (c == '"') {
                return at;
            } else {
                at++;
            }
        }
        return -1;
    }

    /** Whether the quoted-string opening at {@code open} is the value of an {@code anchor} parameter. */
    private static boolean isAnchorValue(String value, int open) {
        int at = open - 1;
        while (at >= 0 && Character.isWhitespace(value.charAt(at))) {
            at--;
        }
        if (at < 0 || value.charAt(at) != '=') {
            return false;
        }
        at--;
        while (at >= 0 && Character.isWhitespace(value.charAt(at))) {
            at--;
        }
        int name = at - 5;
        return name >= 0 && value.regionMatches(true, name, "anchor", 0, 6)
                && (name == 0 || value.charAt(name - 1) == ';' || Character.isWhitespace(value.charAt(name - 1)));
    }

    /**
     * Rewrites the URL of a {@code Refresh} value: a delay, {@code ;}, {@code ,} or whitespace, and {@code url=}
     * optionally. A URL that opens with a quote ends at the next such quote, or with the value when there is none,
     * as browsers read it.
     */
    private String rewriteRefresh(String value, HttpServletRequest request) {
        Matcher before = REFRESH_BEFORE_URL.matcher(value);
        if (!before.lookingAt()) {
            return value;
        }
        int start = before.end();
        int end = value.length();
        char quote = start < end ? value.charAt(start) : ' ';
        if (quote == '\'' || quote == '"') {
            start++;
            int close = value.indexOf(quote, start);
            if (close >= 0) {
                end = close;
            }
        }
        while (end > start && Character.isWhitespace(value.charAt(end - 1))) {
            end--;
        }
        String url = value.substring(start, end);
        String replaced = url.isEmpty() ? url : rewrite(url, request);
        return replaced.equals(url) ? value : value.substring(0, start) + replaced + value.substring(end);
    }

    /**
     * @param value the upstream's {@code Location} or {@code Content-Location}
     * @param request the client's request, for the path the servlet is mapped to
     * @return the gateway's path for the same resource when the value points under an endpoint's base URL,
     *     else the value itself
     */
    public String rewrite(String value, HttpServletRequest request) {
        URI location = parse(asBrowsersRead(value.trim()));
        if (location == null || location.getRawAuthority() == null) {
            return value; // a path, resolved by the client against the gateway's URL already
        }
        // Resolved first, as the client will: "/api/../admin/" is no path under the base path "/api".
        String path = location.getRawPath() == null ? "" : RequestTargets.removeDotSegments(location.getRawPath());
        for (Base base : bases) {
            String rest = base.pathUnder(location, path);
            if (rest != null) {
                StringBuilder rewritten = new StringBuilder(value.length()).append(mappingPrefix(request)).append(rest);
                // One leading '/' only: "//evil.example/x" is a URL of another host to the client.
                int slashes = 0;
                while (slashes < rewritten.length() && rewritten.charAt(slashes) == '/') {
                    slashes++;
                }
                rewritten.replace(0, slashes, "/");
                if (location.getRawQuery() != null) {
                    rewritten.append('?').append(location.getRawQuery());
                }
                if (location.getRawFragment() != null) {
                    rewritten.append('#').append(location.getRawFragment());
                }
                return rewritten.toString();
            }
        }
        return value;
    }

    /**
     * A value as browsers read it against an {@code http(s)} URL (WHATWG URL): tabs and line breaks dropped, a
     * {@code \} before the query taken for a {@code /}, and any run of slashes after the scheme, or two or more
     * without one, for the {@code //} before an authority. So {@code http://10.0.0.7:8080\api\x},
     * {@code http:\\10.0.0.7:8080/api/x}, {@code \\10.0.0.7:8080/api/x} and {@code ///10.0.0.7:8080/api/x} name the
     * endpoint they lead a browser to; relayed as they came, they named it to the client.
     */
    private static String asBrowsersRead(String value) {
        String v = value.indexOf('\t') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0 ? value
                : value.replaceAll("[\t\n\r]", "");
        int query = 0;
        while (query < v.length() && v.charAt(query) != '?' && v.charAt(query) != '#') {
            query++;
        }
        String beforeQuery = v.substring(0, query).replace('\\', '/');
        Matcher leading = SCHEME_AND_SLASHES.matcher(beforeQuery);
        leading.lookingAt(); // true: the pattern matches the empty string too
        String scheme = leading.group(1);
        int slashes = leading.end() - (scheme == null ? 0 : scheme.length() + 1);
        boolean http = scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
        if (scheme == null ? slashes < 2 : slashes == 0 && !http) {
            // A path, or a URL of another scheme without slashes ("mailto:"). An http(s) one without them
            // ("http:10.0.0.7:8080/api/x") is its authority to a browser on a page of the other scheme.
            return v;
        }
        return (scheme == null ? "" : scheme + ":") + "//" + beforeQuery.substring(leading.end()) + v.substring(query);
    }

    /**
     * The URI a value stands for. A URL with characters {@link URI} refuses after its authority
     * ({@code http://10.0.0.7:8080/api/search?tags=a|b}, <code>?sort={name}</code>, a space), which browsers follow
     * as they encode them, is read with those characters percent-encoded as {@link RequestTargets#encodeDisallowed}
     * encodes a request's target, its fragment apart: rewritten, it names the same resource, and it still names an
     * endpoint's host otherwise. In its authority, the characters a field value's non-ASCII bytes came as
     * ({@link UrlHosts#byteEscaped}).
     *
     * @return the URI, or {@code null} for a value that is no URI even so
     */
    private static @Nullable URI parse(String value) {
        try {
            return new URI(value);
        } catch (URISyntaxException notAUri) {
            int authority = authorityStart(value);
            if (authority < 0) {
                return null; // a path: relayed as it is in any case
            }
            int pathStart = authority;
            while (pathStart < value.length() && "/?#".indexOf(value.charAt(pathStart)) < 0) {
                pathStart++;
            }
            int hash = value.indexOf('#', pathStart);
            String encoded = value.substring(0, authority) + UrlHosts.byteEscaped(value.substring(authority, pathStart))
                    + RequestTargets.encodeDisallowed(value.substring(pathStart, hash < 0 ? value.length() : hash))
                    + (hash < 0 ? "" : "#" + RequestTargets.encodeDisallowed(value.substring(hash + 1)));
            try {
                return new URI(encoded);
            } catch (URISyntaxException stillNotAUri) {
                return null;
            }
        }
    }

    /**
     * Where the authority of a URL ({@code scheme://authority...}) or network-path reference ({@code //authority...})
     * starts: after its {@code //}; -1 for any other value.
     */
    private static int authorityStart(String value) {
        int at = 0;
        if (!value.startsWith("//")) {
            while (at < value.length() && isSchemeChar(value.charAt(at), at == 0)) {
                at++;
            }
            if (at == 0 || !value.startsWith("://", at)) {
                return -1;
            }
            at++; // the ':'
        }
        return at + 2;
    }

    /** RFC 3986 §3.1: {@code scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )}. */
    private static boolean isSchemeChar(char c, boolean first) {
        boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        return letter || (!first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    }

    /** The gateway's path that the endpoint's base path stands for: the context and a path mapping's prefix. */
    private static String mappingPrefix(HttpServletRequest request) {
        HttpServletMapping mapping = request.getHttpServletMapping();
        boolean pathMapping = mapping != null && mapping.getMappingMatch() == MappingMatch.PATH;
        // The context's own path, not the request's: that is the client's raw text, dot segments and all.
        String context = request.getServletContext().getContextPath();
        return RequestTargets.encodeDisallowed(pathMapping ? context + request.getServletPath() : context);
    }

    /** One endpoint's origin and base path (without a trailing '/'). */
    private record Base(String scheme, Authority authority, String path) {

        static Base of(URI endpoint) {
            String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
            String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            String host = endpoint.getHost();
            String canonical = UrlHosts.canonical(host);
            int port = endpoint.getPort() >= 0 ? endpoint.getPort() : Authority.defaultPort(scheme);
            return new Base(scheme, new Authority(canonical != null ? canonical : host.toLowerCase(Locale.ROOT), port),
                    path);
        }

        /** @return the part of the location's path after this base path, when it has this origin and is under it */
        @Nullable String pathUnder(URI location, String locationPath) {
            // A network-path reference ("//host/path") has the scheme of the response's own URL.
            String locationScheme = location.getScheme() == null
                    ? scheme : location.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals(locationScheme)
                    || !authority.equals(Authority.of(location.getRawAuthority(), locationScheme))) {
                return null;
            }
            if (!locationPath.startsWith(path)) {
                return null;
            }
            String rest = locationPath.substring(path.length());
            return rest.isEmpty() || rest.startsWith("/") ? rest : null;
        }
    }

    /**
     * Where a URL leads a browser: its host in one spelling ({@link UrlHosts}) and its port. Read from the raw
     * authority, not from {@link URI#getHost()}, which has none for a host RFC 2396 does not allow but browsers
     * read, {@code 127.1} or {@code 0x7f.0.0.1} among them.
     */
    private record Authority(String host, int port) {

        /** @return the authority, or {@code null} for one browsers refuse (a bad host, a port above 65535) */
        static @Nullable Authority of(String rawAuthority, String scheme) {
            String hostAndPort = rawAuthority.substring(rawAuthority.lastIndexOf('@') + 1);
            int length = hostAndPort.length();
            int hostEnd;
            if (hostAndPort.startsWith("[")) {
                hostEnd = hostAndPort.indexOf(']') + 1; // 0 when it is not closed
                if (hostEnd == 0 || (hostEnd < length && hostAndPort.charAt(hostEnd) != ':')) {
                    return null;
                }
            } else {
                int colon = hostAndPort.indexOf(':');
                hostEnd = colon < 0 ? length : colon;
            }
            String host = UrlHosts.canonical(hostAndPort.substring(0, hostEnd));
            if (host == null) {
                return null;
            }
            if (hostEnd >= length - 1) {
                return new Authority(host, defaultPort(scheme)); // no port, or an empty one
            }
            long port = 0;
            for (int at = hostEnd + 1; at < length; at++) {
                char c = hostAndPort.charAt(at);
                if (c < '0' || c > '9') {
                    return null;
                }
                port = port * 10 + (c - '0');
                if (port > 65535) {
                    return null;
                }
            }
            return new Authority(host, (int) port);
        }

        static int defaultPort(String scheme) {
            return "https".equals(scheme) ? 443 : 80;
        }
    }
}
