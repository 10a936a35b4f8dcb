package io.github.errorpages.servlet.internal;

import org.jspecify.annotations.Nullable;

/**
 * Punycode (RFC 3492), the encoding of a domain label's Unicode in ASCII behind {@code xn--}. {@link java.net.IDN}
 * encodes only after the mapping of IDNA 2003 (Unicode 3.2, {@code ß} made {@code ss}), which browsers no longer
 * apply (UTS #46): {@link UrlHosts} maps as browsers do and encodes with this.
 */
final class Punycode {

    private static final int BASE = 36;
    private static final int T_MIN = 1;
    private static final int T_MAX = 26;
    private static final int SKEW = 38;
    private static final int DAMP = 700;
    private static final int INITIAL_BIAS = 72;
    private static final int INITIAL_N = 128;

    private Punycode() {
    }

    /**
     * @param label a label with at least one non-ASCII character
     * @return its encoding, without {@code xn--}, or {@code null} when it overflows (a label no browser encodes)
     */
    static @Nullable String encode(String label) {
        int[] points = label.codePoints().toArray();
        StringBuilder out = new StringBuilder(points.length + 8);
        for (int c : points) {
            if (c < INITIAL_N) {
                out.append((char) c);
            }
        }
        int basic = out.length();
        if (basic > 0) {
            out.append('-');
        }
        long n = INITIAL_N;
        long delta = 0;
        int bias = INITIAL_BIAS;
        int handled = basic;
        while (handled < points.length) {
            long m = Long.MAX_VALUE;
            for (int c : points) {
                if (c >= n && c < m) {
                    m = c;
                }
            }
            delta += (m - n) * (handled + 1);
            n = m;
            for (int c : points) {
                if (c < n) {
                    delta++;
                }
                if (delta > Integer.MAX_VALUE) {
                    return null;
                }
                if (c == n) {
                    long q = delta;
                    for (int k = BASE; ; k += BASE) {
                        int t = k <= bias ? T_MIN : Math.min(k - bias, T_MAX);
                        if (q < t) {
                            break;
                        }
                        out.append(digit(t + (int) ((q - t) % (BASE - t))));
                        q = (q - t) / (BASE - t);
                    }
                    out.append(digit((int) q));
                    bias = adapt(delta, handled + 1, handled == basic);
                    delta = 0;
                    handled++;
                }
            }
            delta++;
            n++;
        }
        return out.toString();
    }

    private static int adapt(long delta, int points, boolean first) {
        long d = first ? delta / DAMP : delta / 2;
        d += d / points;
        int k = 0;
        while (d > ((BASE - T_MIN) * T_MAX) / 2) {
            d /= BASE - T_MIN;
            k += BASE;
        }
        return (int) (k + (BASE - T_MIN + 1) * d / (d + SKEW));
    }

    private static char digit(int d) {
        return (char) (d < 26 ? 'a' + d : '0' + d - 26);
    }
}
