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

    /**
     * Reads a field tolerantly: an element whose weight is malformed says nothing and is skipped, and at most
     * {@code max} elements are read, so that a hostile field costs a bounded amount of work.
     *
     * @param field the field value
     * @param max how many elements to read at most, malformed ones included
     * @return the well-formed elements among the first {@code max}, in the client's order
     */
    static List<QualityValue> elements(String field, int max) {
        List<QualityValue> elements = new ArrayList<>();
        int read = 0;
        for (String element : field.split(",")) {
            if (++read > max) {
                break;
            }
            String[] parts = element.split(";", -1);
            double q = weight(parts);
            if (q >= 0) {
                elements.add(new QualityValue(parts[0].strip().toLowerCase(Locale.ROOT), q));
            }
        }
        return elements;
    }

    /**
     * @param parts the element split at {@code ;}: the value, then its parameters
     * @return the q-value in [0, 1], 1 when absent, or -1 when it is malformed
     */
    private static double weight(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            if (!namesQ(parameter)) {
                continue;
            }
            // RFC 9110 §12.4.2: weight = OWS ";" OWS "q=" qvalue. No space around "=" and no empty value, so
            // "q = 0", "q= 0", "q=" and a bare "q" are malformed, not absent.
            if (parameter.length() < 3 || parameter.charAt(1) != '=' || parameter.charAt(2) <= ' ') {
                return -1;
            }
            String qvalue = parameter.substring(2);
            if (!isDecimal(qvalue)) {
                return -1;
            }
            double q = Double.parseDouble(qvalue);
            return q <= 1 ? q : -1;
        }
        return 1;
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

    /** Whether a parameter's name, trimmed and in any case, is {@code q}: {@code q=0.5}, {@code Q =0}, {@code q}. */
    private static boolean namesQ(String parameter) {
        if (parameter.isEmpty() || (parameter.charAt(0) != 'q' && parameter.charAt(0) != 'Q')) {
            return false;
        }
        for (int i = 1; i < parameter.length() && parameter.charAt(i) != '='; i++) {
            if (!Character.isWhitespace(parameter.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
