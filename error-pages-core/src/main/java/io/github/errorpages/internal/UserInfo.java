package io.github.errorpages.internal;

/**
 * Masks the user info of a URL written into a message: a startup log line must not carry the password of a
 * URL that was refused. Textual, not by {@link java.net.URI}, which does not find the user info of a URL it
 * cannot parse as a server authority ({@code http://ops:p@ss@host}) — and those are the URLs that get refused.
 * A password may hold any character, a {@code /}, {@code ?} or {@code #} too ({@code http://ops:p/ss@host}), so
 * where the authority ends cannot be told: everything up to the URL's last {@code @} is masked, which for an
 * {@code @} in a path or query masks more than the user info, never less.
 *
 * <p>Stateless and thread-safe.
 */
public final class UserInfo {

    private UserInfo() {
    }

    /**
     * @param url a URL as configured, valid or not
     * @return the URL with everything between {@code //} and its last {@code @} replaced by {@code ***}, or the
     *     URL itself when it has no {@code @} after {@code //}
     */
    public static String masked(String url) {
        int start = url.indexOf("//");
        if (start < 0) {
            return url;
        }
        int authorityStart = start + 2;
        int at = url.lastIndexOf('@');
        return at < authorityStart ? url : url.substring(0, authorityStart) + "***" + url.substring(at);
    }
}
