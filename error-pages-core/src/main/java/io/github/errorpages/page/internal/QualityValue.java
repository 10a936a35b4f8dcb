package io.github.errorpages.page.internal;

/**
 * Reads the weight ({@code q} parameter, RFC 9110 §12.4.2) of one element of {@code Accept},
 * {@code Accept-Language} or {@code Accept-Encoding}.
 */
final class QualityValue {

    private QualityValue() {
    }

    /**
     * @param parts the element split at {@code ;}: the range, then its parameters
     * @return the q-value in [0, 1], 1 when absent, or -1 when it is malformed (the element is then skipped)
     */
    static double of(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            if (parameter.length() > 2 && (parameter.charAt(0) == 'q' || parameter.charAt(0) == 'Q')
                    && parameter.charAt(1) == '=') {
                try {
                    double q = Double.parseDouble(parameter.substring(2).strip());
                    return q >= 0 && q <= 1 ? q : -1; // also rejects NaN
                } catch (NumberFormatException malformed) {
                    return -1;
                }
            }
        }
        return 1;
    }
}
