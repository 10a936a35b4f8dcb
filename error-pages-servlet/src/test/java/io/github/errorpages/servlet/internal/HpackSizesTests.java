package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.eclipse.jetty.http.compression.HuffmanEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HpackSizesTests {

    /** RFC 7541 Appendix B, as Jetty's encoder has it: every octet alone, and strings of all of them. */
    @Test
    void codesEveryOctetAsJettysHuffmanEncoderDoes() {
        for (char c = 0; c <= 0xFF; c++) {
            String one = String.valueOf(c);
            assertThat(HpackSizes.huffmanLength(one)).as("U+%04X", (int) c)
                    .isEqualTo(HuffmanEncoder.octetsNeeded(one));
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            StringBuilder s = new StringBuilder();
            for (int n = random.nextInt(300); n > 0; n--) {
                s.append((char) random.nextInt(0x100));
            }
            assertThat(HpackSizes.huffmanLength(s.toString())).isEqualTo(HuffmanEncoder.octetsNeeded(s.toString()));
        }
    }

    /** A character above U+00FF: the string is coded as its UTF-8 bytes, and sent as as many octets. */
    @Test
    void codesAStringBeyondLatin1AsItsUtf8Bytes() {
        String euros = "\u20ac".repeat(10);
        byte[] utf8 = euros.getBytes(StandardCharsets.UTF_8);

        assertThat(HpackSizes.huffmanLength(euros)).isEqualTo(HuffmanEncoder.octetsNeeded(utf8));
        assertThat(HpackSizes.octets(euros)).isEqualTo(30);
        assertThat(HpackSizes.octets("caf\u00e9")).isEqualTo(4);
    }

    /** RFC 7541 §5.1: a length below 127 in the prefix byte; from 127 on, the rest in bytes of 7 bits. */
    @ParameterizedTest
    @CsvSource({"0, 4", "126, 130", "127, 132", "254, 259", "255, 261", "16638, 16645"})
    void countsTheLengthPrefixOfAString(int length, long fieldBytes) {
        // X is 8 bits, as long coded as raw; a name of one 0 is a byte either way, 2 with its length.
        String value = "X".repeat(length);
        assertThat(HpackSizes.huffmanLength(value)).isEqualTo(length);

        assertThat(HpackSizes.literalField("0", value)).isEqualTo(fieldBytes);
    }

    /**
     * A string raw where that is longer: Jetty writes Authorization, Content-MD5 and the proxy authentication fields
     * raw, 8 bits a letter where Huffman coding takes 5. Counted coded, 3,000 letters of Content-MD5 beside 3,200 ~
     * were taken for 7,117 bytes and ended an HTTP/2 client's connection.
     */
    @Test
    void countsAStringRawWhereThatIsLongerThanCoded() {
        String letters = "a".repeat(16); // 10 bytes Huffman-coded

        assertThat(HpackSizes.literalField("content-md5", letters)).isEqualTo(1 + (1 + 11) + (1 + 16));
    }
}
