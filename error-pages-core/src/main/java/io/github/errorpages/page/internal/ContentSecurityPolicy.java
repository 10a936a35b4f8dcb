package io.github.errorpages.page.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Content-Security-Policy} of error responses (standards R41).
 *
 * <p>For an HTML page: nothing may load from anywhere ({@code default-src 'none'}), the page's own inline
 * {@code <style>} and {@code <script>} elements run because their SHA-256 hashes are listed, images only
 * from {@code data:} URIs (the logo), no {@code <base>}, forms only to this origin, and no framing. The
 * hashes are taken from the rendered page, so a replaced template that changes its style or script stays
 * consistent, and an injected {@code <script>} (there should be none) would not run. Inline event-handler
 * attributes and {@code style} attributes never run under this policy, which is why the built-in
 * templates have none.
 *
 * <p>Other formats get {@code default-src 'none'; frame-ancestors 'none'}: nothing in them may ever be
 * executed or framed, even if a browser is tricked into rendering one.
 */
public final class ContentSecurityPolicy {

    /** The policy of every non-HTML response. */
    public static final String NON_HTML = "default-src 'none'; frame-ancestors 'none'";

    private static final Pattern STYLE = Pattern.compile("<style(?:\\s[^>]*)?>(.*?)</style\\s*>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern SCRIPT = Pattern.compile("<script(?:\\s[^>]*)?>(.*?)</script\\s*>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private ContentSecurityPolicy() {
    }

    /**
     * @param html the rendered page
     * @return the policy for it
     */
    public static String forHtml(String html) {
        StringBuilder policy = new StringBuilder("default-src 'none'");
        appendHashes(policy, "style-src", STYLE.matcher(html));
        appendHashes(policy, "script-src", SCRIPT.matcher(html));
        return policy.append("; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'").toString();
    }

    private static void appendHashes(StringBuilder policy, String directive, Matcher elements) {
        Set<String> hashes = new LinkedHashSet<>();
        while (elements.find()) {
            hashes.add("'sha256-" + sha256(elements.group(1)) + "'");
        }
        if (!hashes.isEmpty()) {
            policy.append("; ").append(directive).append(' ').append(String.join(" ", hashes));
        }
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return Base64.getEncoder().encodeToString(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JRE has SHA-256", impossible);
        }
    }
}
