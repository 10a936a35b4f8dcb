package io.github.errorpages.servlet.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The host an {@code http(s)} URL leads a browser to, whichever way it is spelled, as the WHATWG URL standard's
 * host parser reads it: percent-decoded, mapped to ASCII as UTS #46 maps it ({@code ＯＲＤＥＲＳ} is
 * {@code orders}, {@code 。} a dot, {@code straße} is {@code xn--strae-oqa}; {@link #ascii}), an IPv4 address in
 * any of its forms ({@code 127.1}, {@code 0x7f.0.0.1}, {@code 017700000001}, {@code 2130706433},
 * {@code 127.0.0.1.}) as its four decimal parts, an IPv6 address in one form. A domain's one
 * trailing dot is dropped too: the standard keeps it, but DNS resolves {@code orders.internal.} to the host
 * {@code orders.internal} names. So {@link UpstreamLocations} recognises every spelling of an endpoint's host,
 * which would otherwise have named it to the client. Nothing is looked up.
 */
final class UrlHosts {

    private static final BigInteger[] IPV4_LIMITS = {null, BigInteger.ONE.shiftLeft(32), BigInteger.ONE.shiftLeft(24),
        BigInteger.ONE.shiftLeft(16), BigInteger.ONE.shiftLeft(8)};

    private static final BigInteger OCTET_LIMIT = BigInteger.valueOf(256);

    private UrlHosts() {
    }

    /**
     * @param host a URL's host as written, an IPv6 address in its brackets
     * @return the host in one spelling (lower case; an IPv4 address dotted-decimal, an IPv6 one as
     *     {@link Inet6Address#getHostAddress()} writes it, in brackets), or {@code null} for a host browsers refuse
     */
    static @Nullable String canonical(String host) {
        if (host.startsWith("[")) {
            return host.endsWith("]") ? ipv6(host.substring(1, host.length() - 1)) : null;
        }
        String ascii = ascii(decoded(host));
        if (ascii == null || ascii.isEmpty()) {
            return null;
        }
        if (endsInANumber(ascii)) {
            return ipv4(ascii);
        }
        return ascii.length() > 1 && ascii.endsWith(".") ? ascii.substring(0, ascii.length() - 1) : ascii;
    }

    /**
     * The host in ASCII, as UTS #46 (which browsers follow) maps it, closely: compatibility forms to their letters and
     * digits (NFKC: {@code Ｏ}, {@code ᴼ}, {@code ⓞ} are {@code o}, {@code ſ} is {@code s}), {@code ẞ} to {@code ss},
     * lower case, the ideographic full stop a dot, the characters it ignores (a soft hyphen) dropped, and each label
     * still not ASCII in Punycode ({@code straße} is {@code xn--strae-oqa}: {@code ß} is kept, as browsers keep it).
     *
     * @return the host, or {@code null} when browsers refuse it (a code point whose compatibility form is a dot) or
     *     a label cannot be encoded
     */
    private static @Nullable String ascii(String host) {
        if (host.chars().allMatch(c -> c < 0x80)) {
            return host.toLowerCase(Locale.ROOT);
        }
        StringBuilder kept = new StringBuilder(host.length());
        for (int at = 0; at < host.length(); at += Character.charCount(host.codePointAt(at))) {
            int c = host.codePointAt(at);
            if (c < 0x80) {
                kept.append((char) c);
            } else if (c == 0x1E9E) {
                kept.append("ss"); // capital sharp s: UTS #46 maps it to ss, lower case to ß
            } else if (!isIgnored(c)) {
                String compatible = Normalizer.normalize(new String(Character.toChars(c)), Normalizer.Form.NFKC);
                if ((compatible.indexOf('.') >= 0 || compatible.indexOf('\u3002') >= 0) && c != 0xFF0E && c != 0xFF61
                        && c != 0x3002) {
                    // A dot of its own (one dot leader, small or vertical full stop, "⒈"): UTS #46 disallows it, and
                    // browsers refuse the URL, where NFKC would make new labels of it.
                    return null;
                }
                kept.appendCodePoint(c);
            }
        }
        String mapped = Normalizer.normalize(kept, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT)
                .replace('\u3002', '.');
        StringBuilder ascii = new StringBuilder(mapped.length() + 16);
        String[] labels = mapped.split("\\.", -1);
        for (int i = 0; i < labels.length; i++) {
            String label = labels[i];
            if (i > 0) {
                ascii.append('.');
            }
            if (label.chars().allMatch(c -> c < 0x80)) {
                ascii.append(label);
                continue;
            }
            String encoded = Punycode.encode(label);
            if (encoded == null) {
                return null;
            }
            ascii.append("xn--").append(encoded);
        }
        return ascii.toString();
    }

    /**
     * Code points UTS #46 maps to nothing: soft hyphen, combining grapheme joiner, Mongolian free variation selectors
     * (not the vowel separator U+180E, which it disallows), zero-width space, word joiner, invisible plus, byte order
     * mark, shorthand format controls, variation selectors.
     */
    private static boolean isIgnored(int c) {
        return c == 0x00AD || c == 0x034F || (c >= 0x180B && c <= 0x180D) || c == 0x180F || c == 0x200B
                || c == 0x2060 || c == 0x2064 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF
                || (c >= 0x1BCA0 && c <= 0x1BCA3) || (c >= 0xE0100 && c <= 0xE01EF);
    }

    /**
     * @param authority an authority as a field value holds it
     * @return the authority as {@link java.net.URI} accepts it, naming the same host: each control character and each
     *     character of {@code U+007F} to {@code U+00FF} percent-encoded as the one byte it came as (ISO-8859-1),
     *     which {@link #canonical} decodes as a browser does, as UTF-8; in the user info (before the last {@code @}),
     *     which says nothing of the host, also whatever else RFC 3986 does not allow there ({@code |}, {@code [},
     *     a {@code %} without two hex digits), so that {@code http://a|b@10.0.0.7/} is read as its host
     */
    static String byteEscaped(String authority) {
        int hostStart = authority.lastIndexOf('@') + 1;
        StringBuilder escaped = null;
        for (int i = 0; i < authority.length(); i++) {
            char c = authority.charAt(i);
            boolean escape = c <= 0x20 || (c >= 0x7f && c <= 0xff)
                    || (i < hostStart - 1 && !isUserInfoChar(authority, i));
            if (escape) {
                if (escaped == null) {
                    escaped = new StringBuilder(authority.length() + 16).append(authority, 0, i);
                }
                if (c > 0xff) {
                    escaped.append("%3F"); // in the user info, whose content does not matter here
                    continue;
                }
                escaped.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else if (escaped != null) {
                escaped.append(c);
            }
        }
        return escaped == null ? authority : escaped.toString();
    }

    /** RFC 3986 §3.2.1: {@code userinfo = *( unreserved / pct-encoded / sub-delims / ":" )}. */
    private static boolean isUserInfoChar(String authority, int i) {
        char c = authority.charAt(i);
        if (isAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=:".indexOf(c) >= 0) {
            return true;
        }
        return RequestTargets.isPercentEscape(authority, i);
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static @Nullable String ipv6(String literal) {
        // A zone ("%25eth0") is refused by browsers; InetAddress would look its interface up.
        if (literal.indexOf('%') >= 0 || literal.indexOf(':') < 0) {
            return null;
        }
        try {
            // A literal: only checked, never resolved. An IPv4-mapped one comes back as that IPv4 address, which
            // a dual-stack client connects to.
            InetAddress address = InetAddress.getByName("[" + literal + "]");
            return address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        } catch (UnknownHostException notAnAddress) {
            return null;
        }
    }

    /** The WHATWG URL "ends in a number checker": whether the host's last label makes it an IPv4 address. */
    private static boolean endsInANumber(String host) {
        String[] parts = host.split("\\.", -1);
        int last = parts.length - 1;
        if (parts[last].isEmpty()) {
            if (last == 0) {
                return false;
            }
            last--;
        }
        String label = parts[last];
        if (!label.isEmpty() && label.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return true;
        }
        return label.startsWith("0x") && label.chars().skip(2).allMatch(c -> Character.digit(c, 16) >= 0);
    }

    /** The WHATWG URL IPv4 parser: one to four parts, each decimal, octal ({@code 0} first) or hexadecimal. */
    private static @Nullable String ipv4(String host) {
        String[] parts = host.split("\\.", -1);
        int count = parts[parts.length - 1].isEmpty() ? parts.length - 1 : parts.length;
        if (count > 4) {
            return null;
        }
        BigInteger address = BigInteger.ZERO;
        for (int i = 0; i < count; i++) {
            BigInteger number = ipv4Number(parts[i]);
            boolean lastPart = i == count - 1;
            if (number == null || number.compareTo(lastPart ? IPV4_LIMITS[count] : OCTET_LIMIT) >= 0) {
                return null;
            }
            address = lastPart ? address.shiftLeft(8 * (4 - i)).add(number) : address.shiftLeft(8).add(number);
        }
        long value = address.longValue();
        return (value >>> 24) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "." + (value & 0xff);
    }

    private static @Nullable BigInteger ipv4Number(String part) {
        if (part.isEmpty()) {
            return null;
        }
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x")) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() > 1 && part.charAt(0) == '0') {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty()) {
            return BigInteger.ZERO;
        }
        int r = radix;
        if (!digits.chars().allMatch(c -> Character.digit(c, r) >= 0 && c < 128)) {
            return null;
        }
        return new BigInteger(digits, radix);
    }

    /**
     * The host with its {@code %XX} escapes decoded as UTF-8. A field value reaches the proxy as ISO-8859-1, a
     * character per byte, and goes to the client so: a browser decodes its non-ASCII bytes as UTF-8 (a full-width
     * {@code １} arrives as three such characters), and so does this, when they are UTF-8. Characters that are not
     * (a value already decoded: {@code straße} as text) are taken as they are.
     */
    private static String decoded(String host) {
        boolean ascii = host.chars().allMatch(c -> c < 0x80);
        if (ascii && host.indexOf('%') < 0) {
            return host;
        }
        if (host.chars().allMatch(c -> c <= 0xff)) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .decode(ByteBuffer.wrap(percentDecoded(host.getBytes(StandardCharsets.ISO_8859_1)))).toString();
            } catch (CharacterCodingException notUtf8) {
                // text, not bytes: as below
            }
        }
        return new String(percentDecoded(host.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** The bytes with their {@code %XX} escapes decoded; a {@code %} without two hex digits stays. */
    private static byte[] percentDecoded(byte[] raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            int high = i + 2 < raw.length ? Character.digit(raw[i + 1], 16) : -1;
            int low = high >= 0 ? Character.digit(raw[i + 2], 16) : -1;
            if (raw[i] == '%' && low >= 0) {
                bytes.write(high * 16 + low);
                i += 2;
            } else {
                bytes.write(raw[i]);
            }
        }
        return bytes.toByteArray();
    }
}
