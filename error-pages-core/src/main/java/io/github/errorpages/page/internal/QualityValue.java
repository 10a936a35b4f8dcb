package io.github.errorpages.page.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the elements of a weighted field, {@code Accept}, {@code Accept-Language} or {@code Accept-Encoding}:
 * each element's value and its weight ({@code q} parameter, RFC 9110 §12.4.2).
 *
 * @param value the media range, language range or coding, stripped and in lower case
 * @param q the weight, in [0, 1]; 1 when the element has none
 */
record QualityValue(String value, double q) {

    /** What {@link #weight} returns for a parameter that is not named {@code q}. */
    private static final double NOT_A_WEIGHT = -2;

    /**
     * Reads a field tolerantly: an element whose weight is malformed says nothing and is skipped, and at most
     * {@code max} elements are read, so that a hostile field costs a bounded amount of work.
     *
     * <p>Elements are separated by the commas, and parameters by the semicolons, that are outside a quoted string
     * (RFC 9110 §5.6.1, §5.6.4, §5.6.6): {@code text/plain;level="1,2";q=0} is one element, refused, and
     * {@code text/html;x="a;q=0"} has no weight. A backslash in a quoted string escapes the next character. An
     * element whose quoted string is not closed is malformed, and so is the rest of the field, which it swallows.
     * Empty elements are skipped (RFC 9110 §5.6.1), but counted.
     *
     * @param field the field value
     * @param max how many elements to read at most, malformed ones included
     * @return the well-formed elements among the first {@code max}, in the client's order
     */
    static List<QualityValue> elements(String field, int max) {
        List<QualityValue> elements = new ArrayList<>();
        int length = field.length();
        int start = 0;
        for (int read = 0; read < max && start <= length; read++) {
            int end = delimiter(field, start);
            if (end < 0) {
                break; // an unclosed quoted string: nothing more can be read reliably
            }
            String value = field.substring(start, end).strip().toLowerCase(Locale.ROOT);
            double q = 1;
            boolean weighed = false;
            while (end < length && field.charAt(end) == ';') {
                int parameter = end + 1;
                end = delimiter(field, parameter);
                if (end < 0) {
                    return elements;
                }
                // The first parameter named q is the weight (RFC 9110 §12.5.1: it ends a media type's own
                // parameters); any after it are extensions.
                double weight = weighed ? NOT_A_WEIGHT : weight(field, parameter, end);
                if (weight != NOT_A_WEIGHT) {
                    q = weight;
                    weighed = true;
                }
            }
            if (q >= 0 && !value.isEmpty()) {
                elements.add(new QualityValue(value, q));
            }
            start = end + 1;
        }
        return elements;
    }

    /**
     * Where the element or parameter that starts at {@code from} ends: the index of the next {@code ,} or
     * {@code ;} outside a quoted string, or the field's length.
     *
     * @return that index, or -1 when a quoted string is not closed before the field ends
     */
    private static int delimiter(String field, int from) {
        boolean quoted = false;
        for (int i = from; i < field.length(); i++) {
            char c = field.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++; // quoted-pair: the next character is literal, a '"' included
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',' || c == ';') {
                return i;
            }
        }
        return quoted ? -1 : field.length();
    }

    /**
     * The weight a parameter gives, if it is one.
     *
     * @param field the field value
     * @param from where the parameter starts, after its {@code ;}
     * @param to where it ends
     * @return the q-value in [0, 1], -1 when the parameter is a malformed weight, or {@link #NOT_A_WEIGHT}
     */
    private static double weight(String field, int from, int to) {
        int start = from;
        int end = to;
        while (start < end && Character.isWhitespace(field.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(field.charAt(end - 1))) {
            end--;
        }
        if (!namesQ(field, start, end)) {
            return NOT_A_WEIGHT;
        }
        // RFC 9110 §12.4.2: weight = OWS ";" OWS "q=" qvalue. No space around "=" and no empty value, so
        // "q = 0", "q= 0", "q=" and a bare "q" are malformed, not absent.
        if (end - start < 3 || field.charAt(start + 1) != '=' || field.charAt(start + 2) <= ' ') {
            return -1;
        }
        String qvalue = field.substring(start + 2, end);
        if (!isDecimal(qvalue)) {
            return -1;
        }
        double q = Double.parseDouble(qvalue);
        return q <= 1 ? q : -1;
    }

    /**
     * Whether a weight's value is digits with at most one dot, as a qvalue is ({@code 0.5}, {@code 1}, {@code 1.000};
     * more than three decimals are tolerated). What else {@code Double.parseDouble} reads is malformed: a sign
     * ({@code -0} would refuse what it names), an exponent ({@code 0e0}), hexadecimal ({@code 0x0p0}), a Java
     * suffix ({@code 0.5d}), {@code NaN} and {@code Infinity}.
     */
    private static boolean isDecimal(String qvalue) {
        boolean digit = false;
        boolean dot = false;
        for (int i = 0; i < qvalue.length(); i++) {
            char c = qvalue.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                return false;
            }
        }
        return digit;
    }

    /**
     * Whether a parameter's name, in any case, is {@code q}: {@code q=0.5}, {@code Q =0}, {@code q}.
     *
     * @param field the field value
     * @param start where the parameter starts, past any white space
     * @param end where it ends, before any white space
     */
    private static boolean namesQ(String field, int start, int end) {
        if (start == end || (field.charAt(start) != 'q' && field.charAt(start) != 'Q')) {
            return false;
        }
        for (int i = start + 1; i < end && field.charAt(i) != '='; i++) {
            if (!Character.isWhitespace(field.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
