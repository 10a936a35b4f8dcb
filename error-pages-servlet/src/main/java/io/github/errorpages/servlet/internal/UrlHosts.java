package io.github.errorpages.servlet.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.IDN;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The host an {@code http(s)} URL leads a browser to, whichever way it is spelled, as the WHATWG URL standard's
 * host parser reads it: percent-decoded, mapped to ASCII (IDNA: {@code ＯＲＤＥＲＳ} is {@code orders}, {@code 。}
 * a dot), an IPv4 address in any of its forms ({@code 127.1}, {@code 0x7f.0.0.1}, {@code 017700000001},
 * {@code 2130706433}, {@code 127.0.0.1.}) as its four decimal parts, an IPv6 address in one form. A domain's one
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
        String decoded = decoded(host);
        String ascii;
        try {
            ascii = IDN.toASCII(decoded, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException notADomain) {
            return null;
        }
        if (ascii.isEmpty()) {
            return null;
        }
        if (endsInANumber(ascii)) {
            return ipv4(ascii);
        }
        return ascii.length() > 1 && ascii.endsWith(".") ? ascii.substring(0, ascii.length() - 1) : ascii;
    }

    /**
     * @param authority an authority as a field value holds it
     * @return the authority with each control character and each character of {@code U+007F} to {@code U+00FF}
     *     percent-encoded as the one byte it came as (ISO-8859-1), which {@link java.net.URI} then accepts and
     *     {@link #canonical} decodes as a browser does: as UTF-8
     */
    static String byteEscaped(String authority) {
        StringBuilder escaped = null;
        for (int i = 0; i < authority.length(); i++) {
            char c = authority.charAt(i);
            if (c <= 0x20 || (c >= 0x7f && c <= 0xff)) {
                if (escaped == null) {
                    escaped = new StringBuilder(authority.length() + 16).append(authority, 0, i);
                }
                escaped.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else if (escaped != null) {
                escaped.append(c);
            }
        }
        return escaped == null ? authority : escaped.toString();
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
     * {@code １} arrives as three such characters), and so does this, but for a value already holding characters
     * above {@code U+00FF}.
     */
    private static String decoded(String host) {
        boolean ascii = host.chars().allMatch(c -> c < 0x80);
        if (ascii && host.indexOf('%') < 0) {
            return host;
        }
        boolean latin1 = host.chars().allMatch(c -> c <= 0xff);
        byte[] raw = host.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
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
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }
}
