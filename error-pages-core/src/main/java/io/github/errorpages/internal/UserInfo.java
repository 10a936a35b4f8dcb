package io.github.errorpages.internal;

/**
 * Masks the user info of a URL written into a message: a startup log line must not carry the password of a
 * URL that was refused. Textual, not by {@link java.net.URI}, which does not find the user info of a URL it
 * cannot parse as a server authority ({@code http://ops:p@ss@host}) — and those are the URLs that get refused.
 *
 * <p>Stateless and thread-safe.
 */
public final class UserInfo {

    private UserInfo() {
    }

    /**
     * @param url a URL as configured, valid or not
     * @return the URL with everything between {@code //} and the authority's last {@code @} replaced by
     *     {@code ***}, or the URL itself when it has no user info
     */
    public static String masked(String url) {
        int start = url.indexOf("//");
        if (start < 0) {
            return url;
        }
        int authorityStart = start + 2;
        int end = url.length();
        for (char delimiter : new char[] {'/', '?', '#'}) {
            int at = url.indexOf(delimiter, authorityStart);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        int at = url.lastIndexOf('@', end - 1);
        return at < authorityStart ? url : url.substring(0, authorityStart) + "***" + url.substring(at);
    }
}
