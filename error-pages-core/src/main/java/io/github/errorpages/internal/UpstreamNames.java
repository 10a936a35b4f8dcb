package io.github.errorpages.internal;


/**
 * The one rule for an upstream's name, shared by the configuration ({@code upstreams.<name>}) and the failures that
 * name an upstream ({@code UpstreamFailure.upstream}): the name goes as it is into the incident's log line of
 * {@code key=value} fields, which a space, an {@code =} or a line break in it would forge.
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class UpstreamNames {

    /** What a name must be, worded to follow "must be". */
    public static final String RULE = "1 to 64 of A-Z a-z 0-9 . _ - starting with a letter or digit";

    private UpstreamNames() {
    }

    /**
     * @param name a name
     * @return whether it is an upstream's name by {@link #RULE}
     */
    public static boolean isValid(String name) {
        // A loop, not a regular expression: every failure's name is checked, a call refused by an open breaker's too,
        // and a matcher allocated about 400 bytes there.
        if (name.isEmpty() || name.length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alphanumeric = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alphanumeric && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A refused name as a message shows it: in single quotes, a backslash, a control character (C0, DEL, C1) and a
     * line or paragraph separator escaped as in a Java literal (a line feed as backslash n, U+0085 as backslash
     * u0085), so that the message stays one line and says which character it was.
     *
     * @param name a name
     * @return the name for display
     */
    public static String quoted(String name) {
        // A backslash too, which no name holds: the escapes stay readable as such. The rest as every refused value.
        return "'" + ConfigurationErrors.oneLine(name.replace("\\", "\\\\")) + "'";
    }
}
