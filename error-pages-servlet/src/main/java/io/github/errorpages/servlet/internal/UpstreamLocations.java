package io.github.errorpages.servlet.internal;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Rewrites a {@code Location} or {@code Content-Location} that points at one of the proxy's endpoints into the
 * gateway's own path for it, as nginx's {@code proxy_redirect default} and Apache's {@code ProxyPassReverse} do.
 *
 * <p>An upstream that builds absolute URLs from the {@code Host} it received (the endpoint's, which the HTTP
 * client sets) redirects to {@code http://10.0.0.7:8080/api/orders/43}: relayed as it is, that names an internal
 * host to the client (R37) and sends the client where it cannot go. Under the servlet mapped to
 * {@code /billing/*} with the endpoint {@code http://10.0.0.7:8080/api}, it becomes {@code /billing/orders/43}:
 * the query and fragment kept, and relative (RFC 9110 §10.2.2 allows a URI reference), so that nothing of the
 * request's own {@code Host} is echoed. Anything else is relayed unchanged: a URL of another origin, a path
 * outside the endpoint's base path (the gateway has no path for it), a path, which the client resolves against
 * the gateway's URL already, and a value that is not a URI. A network-path reference ({@code //host/path})
 * counts as a URL of the endpoint's scheme.
 *
 * <p>Immutable and thread-safe.
 */
public final class UpstreamLocations {

    private final List<Base> bases;

    private UpstreamLocations(List<Base> bases) {
        this.bases = bases;
    }

    /**
     * @param endpoints the proxy's endpoints, each an absolute {@code http} or {@code https} URI with an
     *     optional base path
     * @return the rewriting for them
     */
    public static UpstreamLocations of(List<URI> endpoints) {
        return new UpstreamLocations(endpoints.stream().map(Base::of).toList());
    }

    /**
     * @param name a response field's name
     * @return whether its value is a URI reference this rewrites: {@code Location} or {@code Content-Location}
     */
    public static boolean isLocation(String name) {
        int length = name.length();
        return (length == 8 && name.equalsIgnoreCase("Location"))
                || (length == 16 && name.equalsIgnoreCase("Content-Location"));
    }

    /**
     * @param value the upstream's {@code Location} or {@code Content-Location}
     * @param request the client's request, for the path the servlet is mapped to
     * @return the gateway's path for the same resource when the value points under an endpoint's base URL,
     *     else the value itself
     */
    public String rewrite(String value, HttpServletRequest request) {
        URI location;
        try {
            location = new URI(value.trim());
        } catch (URISyntaxException notAUri) {
            return value;
        }
        if (location.getRawAuthority() == null) {
            return value; // a path, resolved by the client against the gateway's URL already
        }
        String path = location.getRawPath() == null ? "" : location.getRawPath();
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

    /** The gateway's path that the endpoint's base path stands for: the context and a path mapping's prefix. */
    private static String mappingPrefix(HttpServletRequest request) {
        HttpServletMapping mapping = request.getHttpServletMapping();
        boolean pathMapping = mapping != null && mapping.getMappingMatch() == MappingMatch.PATH;
        // The context's own path, not the request's: that is the client's raw text, dot segments and all.
        String context = request.getServletContext().getContextPath();
        return RequestTargets.encodeDisallowed(pathMapping ? context + request.getServletPath() : context);
    }

    /** One endpoint's origin and base path (without a trailing '/'). */
    private record Base(String scheme, String host, int port, String path) {

        static Base of(URI endpoint) {
            String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
            String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return new Base(scheme, endpoint.getHost().toLowerCase(Locale.ROOT), port(scheme, endpoint.getPort()), path);
        }

        /** @return the part of the location's path after this base path, when it has this origin and is under it */
        @Nullable String pathUnder(URI location, String locationPath) {
            // A network-path reference ("//host/path") has the scheme of the response's own URL.
            String locationScheme = location.getScheme() == null
                    ? scheme : location.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals(locationScheme) || location.getHost() == null
                    || !host.equalsIgnoreCase(location.getHost())
                    || port != port(locationScheme, location.getPort())) {
                return null;
            }
            if (!locationPath.startsWith(path)) {
                return null;
            }
            String rest = locationPath.substring(path.length());
            return rest.isEmpty() || rest.startsWith("/") ? rest : null;
        }

        private static int port(String scheme, int port) {
            if (port >= 0) {
                return port;
            }
            return "https".equals(scheme) ? 443 : 80;
        }
    }
}
