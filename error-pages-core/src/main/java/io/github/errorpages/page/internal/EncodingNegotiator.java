package io.github.errorpages.page.internal;

import org.jspecify.annotations.Nullable;

/**
 * Decides from a request's {@code Accept-Encoding} field whether its error page may be sent gzip-compressed
 * (RFC 9110 §12.5.3).
 *
 * <p>gzip is chosen when the field gives {@code gzip} (or its alias {@code x-gzip}) a q-value above zero, or,
 * when it names neither, gives {@code *} one; and the client does not rank {@code identity} above it. An
 * absent or empty field, {@code gzip;q=0}, and any field the client rates otherwise get the page
 * uncompressed, which is always acceptable: never a 406. Every browser sends {@code gzip}; {@code curl}, the
 * JDK's HttpClient and wrk send no field unless told to.
 *
 * <p>Parsing is tolerant and bounded: malformed elements are skipped and at most {@value #MAX_CODINGS} are
 * read. Instances are thread-safe; they remember what they made of the values they saw ({@link HeaderMemo}).
 */
public final class EncodingNegotiator {

    static final int MAX_CODINGS = 32;

    private final HeaderMemo<Boolean> known = new HeaderMemo<>(EncodingNegotiator::parse);

    /**
     * @param acceptEncoding the {@code Accept-Encoding} field value, or {@code null} when absent
     * @return whether the client takes a gzip-compressed body
     */
    public boolean acceptsGzip(@Nullable String acceptEncoding) {
        if (acceptEncoding == null || acceptEncoding.isBlank()) {
            return false;
        }
        return known.get(acceptEncoding);
    }

    private static Boolean parse(String acceptEncoding) {
        double gzip = -1;
        double identity = -1;
        double any = -1;
        for (QualityValue coding : QualityValue.elements(acceptEncoding, MAX_CODINGS)) {
            double q = coding.q();
            switch (coding.value()) {
                case "gzip", "x-gzip" -> gzip = Math.max(gzip, q);
                case "identity" -> identity = Math.max(identity, q);
                case "*" -> any = Math.max(any, q);
                default -> {
                    // another coding (br, zstd, deflate): not offered here
                }
            }
        }
        double q = gzip >= 0 ? gzip : any;
        return q > 0 && q >= identity;
    }
}
