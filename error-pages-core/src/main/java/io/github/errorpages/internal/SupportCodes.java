package io.github.errorpages.internal;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Makes support codes: short, unguessable identifiers of one error response, shown on the page and
 * written to the log line so that support can find the incident (R33).
 *
 * <p>A code is eight characters of Crockford's base32 (no I, L, O or U, so it survives being read aloud)
 * in two groups, e.g. {@code 7KQ2-MF4X}: 40 random bits from a {@link StripedSecureRandom}. A caller-supplied
 * request id is used instead when it is safe to echo ({@code [A-Za-z0-9._-]{1,64}}, R39) and not in that shape.
 */
public final class SupportCodes {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /**
     * The shape of this class's own codes, in either case: a caller's id of that shape could be the code of another
     * request's page, and the code a user reports would lead to two log lines.
     */
    private static final Pattern OWN_SHAPE = Pattern.compile("[A-Za-z0-9]{4}-[A-Za-z0-9]{4}");

    private SupportCodes() {
    }

    /**
     * @param requestId the caller's request id, or {@code null}
     * @return the request id when it is safe to echo and not in the shape of this class's own codes, else a new
     *     random code
     */
    public static String supportCode(@Nullable String requestId) {
        if (requestId != null && SAFE_REQUEST_ID.matcher(requestId).matches()
                && !OWN_SHAPE.matcher(requestId).matches()) {
            return requestId;
        }
        return newCode();
    }

    /**
     * @return a new random code such as {@code 7KQ2-MF4X}
     */
    public static String newCode() {
        long bits = StripedSecureRandom.nextLong();
        char[] code = new char[9];
        for (int i = 0, c = 0; i < 9; i++) {
            if (i == 4) {
                code[i] = '-';
                continue;
            }
            code[i] = ALPHABET[(int) (bits >>> (5 * c++)) & 31];
        }
        return new String(code);
    }
}
