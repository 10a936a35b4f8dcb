package io.github.errorpages.page.internal;

/**
 * Tells a JSON object (RFC 8259) from any other text: what an application's problem+json template must render
 * (RFC 9457 §3), and what a client that asked for problem details parses. A template with a comma too many, a
 * value left unquoted or a brace missing rendered a body that every such client failed to read, sent as
 * {@code application/problem+json} all the same; it is now a broken template like one that does not compile.
 *
 * <p>Only the syntax is checked, in one pass without recursion (a template may nest as deep as it likes, on a
 * request thread's stack). Thread-safe (static methods only).
 */
final class JsonObjects {

    private JsonObjects() {
    }

    /**
     * @param text a rendered body
     * @return whether it is one JSON object, perhaps with white space around it
     */
    static boolean isObject(String text) {
        int at = whiteSpace(text, 0);
        if (at >= text.length() || text.charAt(at) != '{') {
            return false;
        }
        // The arrays and objects open around the current position, innermost last: '[' or '{'.
        StringBuilder open = new StringBuilder();
        boolean valueNext = true;
        while (true) {
            at = whiteSpace(text, at);
            if (at >= text.length()) {
                return false;
            }
            char c = text.charAt(at);
            if (valueNext) {
                if (c == '{' || c == '[') {
                    open.append(c);
                    at = whiteSpace(text, at + 1);
                    if (at < text.length() && text.charAt(at) == (c == '{' ? '}' : ']')) {
                        valueNext = false; // empty: its end is read next
                    } else if (c == '{') {
                        at = memberName(text, at);
                    }
                } else {
                    at = scalar(text, at);
                    valueNext = false;
                }
                if (at < 0) {
                    return false;
                }
            } else if (c == ',' && open.length() > 0) {
                at = open.charAt(open.length() - 1) == '{' ? memberName(text, whiteSpace(text, at + 1)) : at + 1;
                if (at < 0) {
                    return false;
                }
                valueNext = true;
            } else if (open.length() > 0 && c == (open.charAt(open.length() - 1) == '{' ? '}' : ']')) {
                open.setLength(open.length() - 1);
                at++;
                if (open.length() == 0) {
                    return whiteSpace(text, at) == text.length();
                }
            } else {
                return false;
            }
        }
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
        for (String literal : new String[] {"true", "false", "null"}) {
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
