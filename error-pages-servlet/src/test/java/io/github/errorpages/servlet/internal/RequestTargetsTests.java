package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetsTests {

    @Test
    void leavesAnAllowedTargetAsTheSameString() {
        String target = "/api/orders/42;v=1?full=1&sort=-date&q=a%20b+c&at=x:y@z/w?v~._!$'()*,";

        assertThat(RequestTargets.encodeDisallowed(target)).isSameAs(target);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
        "/orders/a%2Fb,          /orders,        /a%2Fb",
        "/orders;v=1/a%2Fb,      /orders,        /a%2Fb",
        "/shop/orders;v=1,       /shop/orders,   ''",
        "/sh%6Fp;x/orders/b,     /shop/orders,   /b",
        "/a%2Fb,                 '',             /a%2Fb",
        "/ordersx/b,             /orders,        null",
        "/other/b,               /orders,        null",
        "/orders,                /orders/b,      null"})
    void findsTheRawPathBelowTheMappedPrefixSegmentBySegment(String raw, String prefix, String below) {
        assertThat(RequestTargets.rawPathBelow(raw, prefix)).isEqualTo(below);
    }

    @Test
    void mergesRunsOfSlashesAsTomcatMapsThem() {
        String unchanged = "/a/b%2F/c";

        assertThat(RequestTargets.mergeEmptySegments("//a///b/%2F//c//")).isEqualTo("/a/b/%2F/c/");
        assertThat(RequestTargets.mergeEmptySegments(unchanged)).isSameAs(unchanged);
    }

    @Test
    void encodesWhatBrowsersLeaveUnencodedKeepingWhatTheClientEncoded() {
        assertThat(RequestTargets.encodeDisallowed("/search?q={a}|b^c`d\"e<f>g\\h%7Bi"))
                .isEqualTo("/search?q=%7Ba%7D%7Cb%5Ec%60d%22e%3Cf%3Eg%5Ch%7Bi");
    }

    @Test
    void encodesSpacesFragmentsBracketsAndNonAsciiAsUtf8() {
        assertThat(RequestTargets.encodeDisallowed("/a b#c[d]?é=€&emoji=\uD83D\uDE00"))
                .isEqualTo("/a%20b%23c%5Bd%5D?%C3%A9=%E2%82%AC&emoji=%F0%9F%98%80");
    }

    /** A '%' that starts no escape is text: java.net.URI refused it, and the proxy answered 400. */
    @Test
    void encodesAPercentSignThatStartsNoEscape() {
        assertThat(RequestTargets.encodeDisallowed("/x?q=100%&r=%zz&s=%4&t=%41%\u0663\u0663&u=%"))
                .isEqualTo("/x?q=100%25&r=%25zz&s=%254&t=%41%25%D9%A3%D9%A3&u=%25");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/x?{}|^`", "/ä/ö?ü", "/a b?c d", "/\uD83D\uDE00?#", "/x?q=100%&r=%zz"})
    void resultIsAUriThatDecodesBackToTheTarget(String target) {
        URI uri = URI.create("http://upstream" + RequestTargets.encodeDisallowed(target));

        String decoded = uri.getPath() + (uri.getQuery() == null ? "" : "?" + uri.getQuery());
        assertThat(decoded).isEqualTo(target);
    }

    @Test
    void leavesAPathWithoutDotSegmentsAsTheSameString() {
        for (String path : List.of("/", "/orders/42", "/a%20b/c.json", "/.well-known/x", "/a/...", "/a/.b/c..", "/a//b")) {
            assertThat(RequestTargets.removeDotSegments(path)).as(path).isSameAs(path);
        }
    }

    /** RFC 3986 §5.2.4, and its examples of §5.4 as far as they are paths. */
    @ParameterizedTest
    @CsvSource({
        "/a/b/c/./../../g,      /a/g",
        "/mid/content=5/../6,   /mid/6",
        "/a/./b,                /a/b",
        "/a/b/.,                /a/b/",
        "/a/b/..,               /a/",
        "/a/..,                 /",
        "/..,                   /",
        "/../../a,              /a",
        "/.,                    /",
        "/a/b/../../../../c,    /c",
        "//x/../admin,          //admin",
        "/a//../b,              /a/b"})
    void removesDotSegmentsAsRfc3986Does(String path, String resolved) {
        assertThat(RequestTargets.removeDotSegments(path)).isEqualTo(resolved);
    }

    /** Encoded dots, and dots with path parameters, which Tomcat strips before resolving a segment. */
    @ParameterizedTest
    @CsvSource({
        "/a/%2e%2e/b,           /b",
        "/a/%2E%2e/b,           /b",
        "/a/.%2e/b,             /b",
        "/a/%2e/b,              /a/b",
        "/a/..;x=1/b,           /b",
        "/a/b/..;,              /a/",
        "/a/.;x/b,              /a/b",
        "/a/%2e%2e%2e/b,        /a/%2e%2e%2e/b",
        "/a/%2f../b,            /a/%2f../b",
        "/a/..%2fb,             /a/..%2fb"})
    void treatsEncodedDotsAndDotsWithParametersAsDotSegments(String path, String resolved) {
        assertThat(RequestTargets.removeDotSegments(path)).isEqualTo(resolved);
    }

    @ParameterizedTest
    @CsvSource({
        "/orders/42,                /orders/42",
        "/a%20b/c,                  /a b/c",
        "/a;jsessionid=1/b;v=2,     /a/b",
        "/%C3%A9t%C3%A9,            /été",
        "/a%2Fb,                    /a/b",
        "/x%41,                     /xA"})
    void decodesAPathAsAContainerMapsIt(String raw, String decoded) {
        assertThat(RequestTargets.decodePath(raw)).isEqualTo(decoded);
    }

    @Test
    void refusesToDecodeAMalformedEscape() {
        assertThat(RequestTargets.decodePath("/a%2")).isNull();
        assertThat(RequestTargets.decodePath("/a%zz")).isNull();
        assertThat(RequestTargets.decodePath("/plain")).isEqualTo("/plain");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/orders/42                 | /orders/42",
        "/admin;/secret             | /admin%3B/secret",
        "/a?b#c%d e                 | /a%3Fb%23c%25d%20e",
        "/caf\u00e9/x:y@z/a+b=c,d   | /caf%C3%A9/x:y@z/a+b=c,d",
        "//a/b                      | //a/b",
        "/a\\b^c                    | /a%5Cb%5Ec",
        "/\uD83D\uDE00              | /%F0%9F%98%80"})
    void encodesADecodedPathKeepingNoSemicolonAsADelimiter(String decoded, String encoded) {
        assertThat(RequestTargets.encodePath(decoded)).isEqualTo(encoded);
        assertThat(RequestTargets.decodePath(encoded)).isEqualTo(decoded);
    }

    @ParameterizedTest
    @CsvSource({"/a/../../admin, true", "/a/./b, true", "/..\\admin, true", "/a/..., false", "/a..b/c, false",
        "/a/%2e%2e/b, false", "/a/b, false"})
    void findsTheDotSegmentsOfADecodedPath(String decoded, boolean hasDotSegment) {
        assertThat(RequestTargets.hasDecodedDotSegment(decoded)).isEqualTo(hasDotSegment);
    }

    /**
     * A dot segment behind an encoded separator, {@code /} or {@code \}, in either case of its hex digits: an upstream
     * that decodes {@code %5c} before it resolves dot segments, and reads a backslash as a separator, resolves
     * {@code /a/..%5c..%5cadmin} out of the endpoint's base path as it does {@code /a/..%5C..%5Cadmin}. Such a
     * path, which Tomcat's {@code encodedReverseSolidusHandling="passthrough"} maps with the escapes as written,
     * must be encoded again, not forwarded as written.
     */
    @ParameterizedTest
    @CsvSource({"/a/..%2F..%2Fadmin, true", "/a/..%2f..%2fadmin, true", "/a/..%5C..%5Cadmin, true",
        "/a/..%5c..%5cadmin, true", "/ids/a%2Fb, false", "/ids/a%5cb, false", "/a/..x%5c, false", "/a/b, false"})
    void findsADotSegmentBehindAnEncodedSeparatorInEitherCase(String raw, boolean hasDotSegment) {
        assertThat(RequestTargets.hasDotSegmentBehindAnEncodedSlash(raw)).isEqualTo(hasDotSegment);
    }
}
