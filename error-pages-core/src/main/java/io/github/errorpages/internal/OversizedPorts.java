package io.github.errorpages.internal;

/**
 * A URL's port of more digits than an {@code int} holds ({@code https://example.com:99999999999/logo.png}), which
 * {@link java.net.URI} does not read as a port: it reads such an authority as a registry name, with no host and no
 * port, or refuses an IPv6 literal's as malformed. A check of the URL's host then refused it as no absolute URL at
 * all, where a port one digit shorter was refused, clearly, as out of range.
 *
 * <p>Static methods only; thread-safe.
 */
public final class OversizedPorts {

    /** A port as much out of range, which java.net.URI reads. */
    private static final String OUT_OF_RANGE = "65536";

    private OversizedPorts() {
    }

    /**
     * @param url a URL as configured, valid or not
     * @return the URL with a port of ASCII digits past an {@code int}'s range written as {@code 65536}, a port
     *     {@link java.net.URI} reads and every check of ports refuses as out of range; the URL itself when its port
     *     is none such, or it has no authority ({@code //})
     */
    public static String readable(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int start = scheme + 3;
        int end = start;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        // The port follows the authority's last ':', if that comes after its user info and any IPv6 literal.
        int colon = url.lastIndexOf(':', end - 1);
        if (colon < start || colon < url.lastIndexOf('@', end - 1) || colon < url.lastIndexOf(']', end - 1)
                || colon + 1 == end) {
            return url;
        }
        for (int i = colon + 1; i < end; i++) {
            char c = url.charAt(i);
            if (c < '0' || c > '9') {
                return url;
            }
        }
        try {
            Integer.parseInt(url, colon + 1, end, 10);
            return url; // within an int: java.net.URI reads it, and the checks judge it
        } catch (NumberFormatException pastAnInt) {
            return url.substring(0, colon + 1) + OUT_OF_RANGE + url.substring(end);
        }
    }
}
