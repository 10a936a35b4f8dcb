package io.github.errorpages.internal;

import java.time.Duration;
import java.util.Locale;

/**
 * The one wording of a refused configuration value, shared by every builder and the servlet module's parameters:
 * {@code Invalid error-pages configuration: <key> <rule>, but was <value>}, a blank value named so rather than left
 * as nothing after "but was", and the key and the value on one line, a long value cut short ({@link #shown}).
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class ConfigurationErrors {

    /**
     * The most characters of a value a message shows. A whole endpoints list fits, not kilobytes (a logo or a
     * robots.txt under a misspelt key, shown with the whole list of known keys): a startup log line of their size.
     */
    public static final int MAX_SHOWN_LENGTH = 256;

    private ConfigurationErrors() {
    }

    /**
     * @param key the configuration key
     * @param value the refused value, shown as given (a caller masks what must not be shown), but for its control
     *     characters, and a {@link Duration} as the configuration writes one ({@link #shown})
     * @param rule what the value must be, such as {@code must be a duration}
     * @return the exception to throw
     */
    public static IllegalArgumentException invalid(String key, Object value, String rule) {
        return new IllegalArgumentException("Invalid error-pages configuration: " + oneLine(key) + " " + rule
                + ", but was " + shown(value));
    }

    /**
     * A refused value as a message shows it: a blank one as {@code an empty value}, and a control character (C0, DEL,
     * C1) or a line or paragraph separator escaped as in a Java literal (a line feed as backslash n, U+0085 as
     * backslash u0085). Those are the values refused for holding one (a site name or URL with a CR LF, which no
     * page may carry), and the values of a misspelt key, which may be a multi-line robots.txt: shown raw, they
     * wrote lines of their own into the startup log, which could pass for lines of the container's. A value longer
     * than {@value #MAX_SHOWN_LENGTH} characters (code points: an emoji is one) is cut there, and its length said.
     * A {@link Duration} is shown as the configuration writes one ({@link Durations#shown}: {@code 2h}, not
     * {@code PT2H}), the notation of the rule before it.
     *
     * @param value the value
     * @return the value for display, on one line
     */
    public static String shown(Object value) {
        if (value instanceof String string && string.isBlank()) {
            return "an empty value";
        }
        String text = value instanceof Duration duration ? Durations.shown(duration) : String.valueOf(value);
        // Characters as a reader counts them, and as the limits of the values do (a site name of 100): code points.
        // Counted in chars, an emoji was two, and a name of 300 emoji said "(600 characters)".
        int characters = text.codePointCount(0, text.length());
        if (characters <= MAX_SHOWN_LENGTH) {
            return oneLine(text);
        }
        // Never between the two halves of a surrogate pair, which would show as a character of its own.
        return oneLine(text.substring(0, text.offsetByCodePoints(0, MAX_SHOWN_LENGTH))) + "... (" + characters
                + " characters)";
    }

    /**
     * A text on one line, escaped as {@link #shown} escapes a value, whatever its length: for a name that is no
     * refused value but goes into a log line or a message all the same (a template folder's, which may hold a line
     * feed). Not a backslash: a Windows path stays as written, and a character escaped is one no single line can hold.
     *
     * @param text the text
     * @return the text, its control characters and line separators escaped
     */
    public static String oneLine(String text) {
        StringBuilder shown = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escaped = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                        ? String.format(Locale.ROOT, "\\u%04X", (int) c) : null;
            };
            if (escaped != null && shown == null) {
                shown = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (shown != null) {
                if (escaped != null) {
                    shown.append(escaped);
                } else {
                    shown.append(c);
                }
            }
        }
        return shown == null ? text : shown.toString();
    }
}
