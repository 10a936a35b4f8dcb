package io.github.errorpages.servlet.internal;

import java.nio.charset.StandardCharsets;

/**
 * The size of a header field as an HPACK encoder writes it at most (RFC 7541 §5.2, §6.2):
 * the one count that bounds a head for an HTTP/2 client by what Jetty's HTTP/2 server must fit into its encoding
 * buffer, which it sizes by the client's {@code SETTINGS_MAX_HEADER_LIST_SIZE}. RFC 9113 sizes a field section
 * uncompressed, name and value plus 32 bytes a field, but Huffman coding lengthens what its code gives long codes
 * (13 to 30 bits for {@code ~}, {@code \}, a control or any byte above 0x7F): a head within the client's limit as RFC
 * 9113 counts it overflowed Jetty's buffer, which ends the client's whole connection ({@code GOAWAY} with
 * {@code COMPRESSION_ERROR}). Measured on Jetty 12.1 with an 8 KiB client limit: 6,000 {@code ~} (6 KB as RFC 9113
 * counts, 9.75 KB Huffman-coded) ended the connection, 4,000 did not.
 *
 * <p>Counted as if nothing were indexed (no static or dynamic table entry), each string Huffman-coded or written raw,
 * whichever is longer (Jetty writes the values of {@code Authorization}, {@code Content-MD5} and the proxy
 * authentication fields raw, and Huffman-codes the others): an upper bound of what an encoder writes. A string of
 * characters up to U+00FF is a byte a character, as Jetty codes it; one with a character above that, its UTF-8
 * bytes. Stateless and thread-safe.
 */
public final class HpackSizes {

    /** RFC 7541 Appendix B: the length in bits of the Huffman code of each octet. */
    private static final byte[] CODE_BITS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
    };

    private HpackSizes() {
    }

    /**
     * @param name the field's name, as HTTP/2 sends it (lower case)
     * @param value its value
     * @return the bytes of a literal field representation with a new name (RFC 7541 §6.2.2): one byte, then name
     *     and value as strings with their lengths, each Huffman-coded or raw, whichever is longer
     */
    public static long literalField(String name, String value) {
        return 1 + string(name) + string(value);
    }

    /**
     * @param s a string
     * @return the bytes of {@code s} Huffman-coded (RFC 7541 §5.2): the code's bits padded to whole bytes
     */
    public static long huffmanLength(String s) {
        long bits = 0;
        if (isLatin1(s)) {
            for (int i = 0; i < s.length(); i++) {
                bits += CODE_BITS[s.charAt(i)];
            }
        } else {
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                bits += CODE_BITS[b & 0xFF];
            }
        }
        return (bits + 7) / 8;
    }

    /**
     * @param s a string
     * @return its octets as HTTP sends them: a byte a character up to U+00FF, else its UTF-8 bytes
     */
    public static long octets(String s) {
        return isLatin1(s) ? s.length() : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A string, Huffman-coded or raw: its length as an integer of a 7-bit prefix (RFC 7541 §5.1), then its bytes. */
    private static long string(String s) {
        long length = Math.max(huffmanLength(s), octets(s));
        long bytes = 1;
        if (length >= 127) { // the prefix full, then what is over it 7 bits a byte
            bytes++;
            for (long rest = length - 127; rest >= 128; rest >>>= 7) {
                bytes++;
            }
        }
        return bytes + length;
    }

    private static boolean isLatin1(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }
}
