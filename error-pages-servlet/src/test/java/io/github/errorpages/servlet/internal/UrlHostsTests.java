package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * R37: {@link UrlHosts} reads a host as browsers do (WHATWG URL with UTS #46). Each expected value is what Node 20's
 * {@code new URL("http://" + host + "/").hostname} printed, but for a trailing dot, which is dropped (DNS resolves
 * both spellings to one host). {@code java.net.IDN} maps as IDNA 2003 did: {@code straße} became {@code strasse},
 * another host, and a capital {@code ẞ}, modifier and enclosed letters were left unmatched.
 */
class UrlHostsTests {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "straße.internal|xn--strae-oqa.internal",
        "STRAẞE.internal|strasse.internal",
        "ſtrasse.internal|strasse.internal",
        "ᴮilling-internal.svc|billing-internal.svc",
        "bill\u00ADing-internal.svc|billing-internal.svc",
        "ＯＲＤＥＲＳ.internal|orders.internal",
        "ⓞrders.internal|orders.internal",
        "ǆ.internal|xn--d-toa.internal",
        "Bücher.Example|xn--bcher-kva.example",
        "%62%C3%BCcher.example|xn--bcher-kva.example",
        "xn--bcher-kva.example|xn--bcher-kva.example",
        "例え.テスト|xn--r8jz45g.xn--zckzah",
        "münchen.de.|xn--mnchen-3ya.de",
        // Two non-ASCII letters beside ASCII ones: the bias after the first is adapted as after any later one.
        "ñandú.internal|xn--and-6ma2c.internal",
        "grüße.example|xn--gre-6ka8l.example",
        "10｡0｡0｡7|10.0.0.7",
        "0x0000000000000000000000000000000000000000000000000000000000000000000000a.0.0.7|10.0.0.7",
        "127.1|127.0.0.1",
        "0x|0.0.0.0",
        "10.0.0\u2064.7|10.0.0.7",
        "10.0.0.7\uD82F\uDCA0|10.0.0.7",
        "orders\uFF61internal|orders.internal",
        "orders\uFF0Einternal|orders.internal",
        "orders\u180Finternal|ordersinternal"})
    void readsAHostAsBrowsersDo(String host, String canonical) {
        assertThat(UrlHosts.canonical(host)).isEqualTo(canonical);
    }

    /** A field value's bytes reach the proxy a character each (ISO-8859-1); browsers read them as UTF-8. */
    @ParameterizedTest
    @ValueSource(strings = {"straße.internal", "ＯＲＤＥＲＳ.internal", "例え.テスト"})
    void readsAHostReceivedAsItsBytesAsItsUtf8(String host) {
        String received = new String(host.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        assertThat(UrlHosts.canonical(received)).isEqualTo(UrlHosts.canonical(host));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"[::1]|[0:0::1]", "[::ffff:127.0.0.1]|127.0.0.1", "[::FFFF:7f00:1]|127.0.0.1"})
    void readsAnIpv6AddressInOneSpelling(String host, String sameHost) {
        assertThat(UrlHosts.canonical(host)).isNotNull().isEqualTo(UrlHosts.canonical(sameHost));
    }

    /** Hosts browsers refuse: nothing to compare. */
    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3.4.5", "127.0.0.256", "09.0.0.1", "[::1%25eth0]", "[v1.x]", "[::1", "[1:2:3]",
        "[::1::2]", "1..2",
        "10.0.0\u248E", "orders\u2024internal", "orders\uFE52internal", "orders\uFE12internal"})
    void refusesWhatBrowsersRefuse(String host) {
        assertThat(UrlHosts.canonical(host)).isNull();
    }

    /**
     * A label whose Punycode overflows (RFC 3492 §6.4: a code point far above the ASCII letters before it, thousands
     * of them) is refused, as browsers refuse the URL; the same code point after a few letters is encoded.
     */
    @Test
    void refusesALabelWhosePunycodeOverflows() {
        assertThat(UrlHosts.canonical("a".repeat(2100) + "\uDBBF\uDFFD.internal")).isNull();
        assertThat(UrlHosts.canonical("a".repeat(20) + "\uDBBF\uDFFD.internal")).startsWith("xn--");
    }

    /** Only the user info is escaped beyond control and Latin-1 characters: URI refused the authority. */
    @ParameterizedTest
    @CsvSource(delimiter = '>', value = {"a|b@10.0.0.7 > a%7Cb@10.0.0.7", "%zz@[::1]:8080 > %25zz@[::1]:8080",
        "u[1]:p^w@h > u%5B1%5D:p%5Ew@h", "10.0.0.7:8080 > 10.0.0.7:8080", "p€ü@h > p%3F%FC@h"})
    void escapesWhatUriRefusesInTheUserInfo(String authority, String escaped) {
        assertThat(UrlHosts.byteEscaped(authority)).isEqualTo(escaped);
    }
}
