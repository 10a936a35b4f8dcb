package io.github.errorpages.page.internal;

import org.jspecify.annotations.Nullable;

/**
 * Tells a JSON object (RFC 8259) from any other text: what an application's problem+json template must render
 * (RFC 9457 §3), and what a client that asked for problem details parses. A template with a comma too many, a
 * value left unquoted or a brace missing rendered a body that every such client failed to read, sent as
 * {@code application/problem+json} all the same; it is now a broken template like one that does not compile.
 * On the way it finds the object's top-level {@code status} member, which must be the response's status
 * (RFC 9457 §3.1.2).
 *
 * <p>Only the syntax is checked, in one pass without recursion (a template may nest as deep as it likes, on a
 * request thread's stack). Thread-safe (static methods only).
 */
final class JsonObjects {

    /** JSON's literal names (RFC 8259 §3). */
    private static final String[] LITERALS = {"true", "false", "null"};

    private static final Scan NO_OBJECT = new Scan(false, null);

    private JsonObjects() {
    }

    /**
     * A rendered body, read once.
     *
     * @param isObject whether it is one JSON object, perhaps with white space around it
     * @param status the value of the object's top-level {@code status} member as it is written: a number
     *     ({@code 502}, {@code 502.0}), a string with its quotes ({@code "502"}), a literal, an object or an array;
     *     of several members of that name the last, which JavaScript's {@code JSON.parse}, Jackson and most
     *     parsers keep; {@code null} when there is none, or no object. A member of that name nested deeper is
     *     some other thing's
     */
    record Scan(boolean isObject, @Nullable String status) {
    }

    /**
     * @param text a rendered body
     * @return whether it is one JSON object, perhaps with white space around it
     */
    static boolean isObject(String text) {
        return scan(text).isObject();
    }

    /**
     * @param text a rendered body
     * @return whether it is one JSON object, and its top-level {@code status} member
     */
    static Scan scan(String text) {
        int at = whiteSpace(text, 0);
        if (at >= text.length() || text.charAt(at) != '{') {
            return NO_OBJECT;
        }
        // The arrays and objects open around the current position, innermost last: '[' or '{'.
        StringBuilder open = new StringBuilder();
        boolean valueNext = true;
        // Whether the value read next is a top-level status member's; where that value starts while it is read.
        boolean statusNext = false;
        int statusStart = -1;
        String status = null;
        while (true) {
            at = whiteSpace(text, at);
            if (at >= text.length()) {
                return NO_OBJECT;
            }
            char c = text.charAt(at);
            if (valueNext) {
                if (statusNext) {
                    statusStart = at;
                    statusNext = false;
                }
                if (c == '{' || c == '[') {
                    open.append(c);
                    at = whiteSpace(text, at + 1);
                    if (at < text.length() && text.charAt(at) == (c == '{' ? '}' : ']')) {
                        valueNext = false; // empty: its end is read next
                    } else if (c == '{') {
                        statusNext = open.length() == 1 && isStatus(text, at);
                        at = memberName(text, at);
                    }
                } else {
                    at = scalar(text, at);
                    valueNext = false;
                    if (at >= 0 && open.length() == 1 && statusStart >= 0) {
                        status = text.substring(statusStart, at);
                        statusStart = -1;
                    }
                }
                if (at < 0) {
                    return NO_OBJECT;
                }
            } else if (c == ',' && open.length() > 0) {
                if (open.charAt(open.length() - 1) == '{') {
                    int name = whiteSpace(text, at + 1);
                    statusNext = open.length() == 1 && isStatus(text, name);
                    at = memberName(text, name);
                } else {
                    at++;
                }
                if (at < 0) {
                    return NO_OBJECT;
                }
                valueNext = true;
            } else if (open.length() > 0 && c == (open.charAt(open.length() - 1) == '{' ? '}' : ']')) {
                open.setLength(open.length() - 1);
                at++;
                if (open.length() == 1 && statusStart >= 0) {
                    status = text.substring(statusStart, at); // an object or array, now closed
                    statusStart = -1;
                } else if (open.length() == 0) {
                    return whiteSpace(text, at) == text.length() ? new Scan(true, status) : NO_OBJECT;
                }
            } else {
                return NO_OBJECT;
            }
        }
    }

    /**
     * @return whether the member name at {@code at} (its quote) is {@code status}, escapes decoded as a parser
     *     decodes them (a letter written as a backslash, {@code u} and four hex digits is that letter); whether it is
     *     well-formed is {@link #memberName}'s to say
     */
    private static boolean isStatus(String text, int at) {
        if (at >= text.length() || text.charAt(at) != '"') {
            return false;
        }
        int i = at + 1;
        for (int k = 0; k < "status".length(); k++) {
            if (i >= text.length()) {
                return false;
            }
            int c = text.charAt(i);
            if (c == '\\' && text.startsWith("u", i + 1) && i + 6 <= text.length()) {
                c = 0;
                for (int hex = i + 2; hex < i + 6; hex++) {
                    int digit = "0123456789abcdef".indexOf(Character.toLowerCase(text.charAt(hex)));
                    if (digit < 0) {
                        return false;
                    }
                    c = c * 16 + digit;
                }
                i += 6;
            } else {
                i++; // another escape stands for no letter: not the name
            }
            if (c != "status".charAt(k)) {
                return false;
            }
        }
        return i < text.length() && text.charAt(i) == '"';
    }

    /** @return the index after a member's name and its colon, or -1 when there is none at {@code at} */
    private static int memberName(String text, int at) {
        if (at >= text.length() || text.charAt(at) != '"') {
            return -1;
        }
        int end = string(text, at);
        if (end < 0) {
            return -1;
        }
        end = whiteSpace(text, end);
        return end < text.length() && text.charAt(end) == ':' ? end + 1 : -1;
    }

    /** @return the index after the string, number or literal at {@code at}, or -1 when there is none */
    private static int scalar(String text, int at) {
        char c = text.charAt(at);
        if (c == '"') {
            return string(text, at);
        }
        for (String literal : LITERALS) {
            if (text.startsWith(literal, at)) {
                return at + literal.length();
            }
        }
        return number(text, at);
    }

    /** @return the index after the string that starts at {@code at} (its quote), or -1 when it is malformed */
    private static int string(String text, int at) {
        for (int i = at + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                return i + 1;
            } else if (c < 0x20) {
                return -1; // a control character must be escaped
            } else if (c == '\\') {
                char escaped = i + 1 < text.length() ? text.charAt(i + 1) : ' ';
                if (escaped == 'u') {
                    for (int hex = i + 2; hex < i + 6; hex++) {
                        if (hex >= text.length() || "0123456789abcdefABCDEF".indexOf(text.charAt(hex)) < 0) {
                            return -1;
                        }
                    }
                    i += 5;
                } else if ("\"\\/bfnrt".indexOf(escaped) >= 0) {
                    i++;
                } else {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** @return the index after the number at {@code at}: {@code -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?} */
    private static int number(String text, int at) {
        int i = text.charAt(at) == '-' ? at + 1 : at;
        if (i < text.length() && text.charAt(i) == '0') {
            i++;
        } else {
            int digits = digits(text, i);
            if (digits == i) {
                return -1;
            }
            i = digits;
        }
        if (i < text.length() && text.charAt(i) == '.') {
            int digits = digits(text, i + 1);
            if (digits == i + 1) {
                return -1;
            }
            i = digits;
        }
        if (i < text.length() && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int digits = digits(text, i);
            if (digits == i) {
                return -1;
            }
            i = digits;
        }
        return i;
    }

    private static int digits(String text, int at) {
        int i = at;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /** @return the index of the first character at or after {@code at} that is not JSON's white space */
    private static int whiteSpace(String text, int at) {
        int i = at;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == '\n'
                || text.charAt(i) == '\r')) {
            i++;
        }
        return i;
    }
}
