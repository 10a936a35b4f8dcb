package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9110 §12.5.3: which {@code Accept-Encoding} values get a gzip-compressed page. */
class EncodingNegotiatorTests {

    private final EncodingNegotiator negotiator = new EncodingNegotiator();

    @ParameterizedTest
    @ValueSource(strings = {
            "gzip, deflate, br, zstd", // Chrome
            "gzip, deflate, br", // Firefox, Safari
            "gzip",
            "GZIP",
            "x-gzip",
            "deflate, gzip;q=0.5",
            "*",
            "br;q=1, *;q=0.1",
            "identity;q=0.5, gzip",
            "gzip;q=0.5, identity;q=0.5",
            "gzip ; q=0.001",
            "gzip;q=nonsense, x-gzip", // a malformed element is skipped
    })
    void takesGzip(String acceptEncoding) {
        assertThat(negotiator.acceptsGzip(acceptEncoding)).as(acceptEncoding).isTrue();
        assertThat(negotiator.acceptsGzip(acceptEncoding)).as("remembered: " + acceptEncoding).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            " ",
            "identity",
            "deflate, br, zstd",
            "gzip;q=0",
            "gzip;q=0.0, *",
            "*;q=0",
            "br, *;q=0",
            "gzip;q=0.5, identity",
            "gzip;q=2", // not a q-value
            "gzip;q=nonsense",
            "gzip;q = 0", // RFC 9110 §12.4.2: no space around "=" in a weight; malformed, so skipped, not q=1
            "gzip;q=",
            "gzip;q",
            "gzip; Q =1",
            "gzip;x=\"1,*\";q=0", // RFC 9110 §5.6.4: the quoted comma ends nothing, so the q=0 is gzip's
            ",,;;",
    })
    void doesNotTakeGzip(String acceptEncoding) {
        assertThat(negotiator.acceptsGzip(acceptEncoding)).as(String.valueOf(acceptEncoding)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "31|true", // gzip is element 32
            "32|false", // element 33 is not read
    })
    void readsABoundedNumberOfElements(int others, boolean takesGzip) {
        String acceptEncoding = "br, ".repeat(others) + "gzip";
        assertThat(negotiator.acceptsGzip(acceptEncoding)).isEqualTo(takesGzip);
    }
}
