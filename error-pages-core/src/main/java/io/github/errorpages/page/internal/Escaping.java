package io.github.errorpages.page.internal;

import com.github.mustachejava.util.HtmlEscaper;
import io.github.errorpages.page.PageFormat;
import java.io.StringWriter;

/**
 * Escaping for the formats that have no escaper in mustache.java. HTML uses mustache.java's own
 * {@code HtmlEscaper} (which also escapes quotes, {@code =} and backticks, so it is safe in attribute values).
 */
final class Escaping {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Escaping() {
    }

    /**
     * Escapes a value as the templates of a format do ({@link TemplateFactory#encode}).
     *
     * @param format the format
     * @param value the value
     * @return the escaped value; the value itself when nothing in it needs escaping
     */
    static String escape(PageFormat format, String value) {
        if (!needsEscaping(value)) {
            return value;
        }
        return switch (format) {
            case HTML -> {
                StringWriter out = new StringWriter(value.length() + 16);
                HtmlEscaper.escape(value, out);
                yield out.toString();
            }
            case PROBLEM_JSON -> jsonString(value);
            case TEXT -> plainText(value);
        };
    }

    /**
     * Whether a value has a character that any of the three escapers changes: a quick test that spares most
     * values (codes, times, numbers, plain words) a copy. A superset of each escaper's set on purpose.
     */
    private static boolean needsEscaping(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '"' || c == '&' || c == '\'' || c == '<' || c == '='
                    || c == '>' || c == '`' || c == '\\' || c == '\u2028' || c == '\u2029') {
                return true;
            }
        }
        return false;
    }

    /**
     * Escapes a value for use inside a JSON string (RFC 8259 §7). Besides what JSON requires ({@code "},
     * {@code \}, control characters), {@code < > & '} and the line separators U+2028/U+2029 are written as
     * {@code \}{@code uXXXX}, so the body stays inert even if something sniffs it as HTML or script.
     *
     * @param value the value
     * @return the escaped value, without surrounding quotes
     */
    static String jsonString(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String replacement = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\'' || c == 0x7f || c == '\u2028'
                        || c == '\u2029' ? unicodeEscape(c) : null;
            };
            if (replacement != null) {
                if (out == null) {
                    out = new StringBuilder(value.length() + 16).append(value, 0, i);
                }
                out.append(replacement);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? value : out.toString();
    }

    /**
     * Makes a value safe for one line of a plain-text body: control characters (which could start a new
     * line or move the cursor of a terminal) become spaces.
     *
     * @param value the value
     * @return the value without control characters
     */
    static String plainText(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
            if (control && out == null) {
                out = new StringBuilder(value.length()).append(value, 0, i);
            }
            if (out != null) {
                out.append(control ? ' ' : c);
            }
        }
        return out == null ? value : out.toString();
    }

    private static String unicodeEscape(char c) {
        return "\\u" + HEX[c >> 12 & 0xf] + HEX[c >> 8 & 0xf] + HEX[c >> 4 & 0xf] + HEX[c & 0xf];
    }
}
