package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BrandingTests {

    @Test
    void defaultsHaveNoNameNoLogoAndReadableColours() {
        Branding branding = Branding.ofDefaults();

        assertThat(branding.siteName()).isEmpty();
        assertThat(branding.logo()).isEmpty();
        assertThat(branding.homeUrl()).isEqualTo("/");
        assertThat(branding.supportUrl()).isEmpty();
        assertThat(branding.statusPageUrl()).isEmpty();
        assertThat(branding.primaryColor()).isEqualTo(Branding.DEFAULT_PRIMARY_COLOR);
    }

    @Test
    void rejectsATextColourBelowTheContrastMinimumNamingBothKeysAndTheRatio() { // R50
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().textColor("#999999").build())
                .withMessage("Invalid error-pages configuration: branding.text-color must have a contrast of at least "
                        + "4.5:1 with branding.background-color #ffffff (WCAG 2.2 SC 1.4.3), but was #999999 (2.85:1)");
    }

    @Test
    void rejectsAPrimaryColourBelowTheContrastMinimumInEitherScheme() { // R50
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().primaryColor("#7fb3ff").build())
                .withMessageContaining("branding.primary-color").withMessageContaining("#7fb3ff")
                .withMessageContaining("branding.background-color #ffffff");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().darkPrimaryColor("#1f5fd1").build())
                .withMessageContaining("branding.dark.primary-color").withMessageContaining("#1f5fd1")
                .withMessageContaining("branding.dark.background-color #181b21");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().backgroundColor("#1f5fd1").build())
                .withMessageContaining("branding.text-color");
    }

    @Test
    void acceptsABrandPaletteThatIsReadable() {
        Branding branding = Branding.builder().primaryColor("#B3261E").backgroundColor("#FFFBFE").textColor("#1C1B1F")
                .darkPrimaryColor("#f2b8b5").darkBackgroundColor("#1c1b1f").darkTextColor("#e6e1e5").build();

        assertThat(branding.primaryColor()).isEqualTo("#b3261e");
        assertThat(branding.darkPrimaryColor()).isEqualTo("#f2b8b5");
    }

    @ParameterizedTest
    @ValueSource(strings = {"red", "#12345", "#1234567", "rgb(0,0,0)", "#fff;}body{display:none", "#ggg", "", "  "})
    void acceptsOnlyHexColoursSoNothingElseReachesTheStyleSheet(String color) {
        // A blank value is named: the message ended in "but was " with nothing after it.
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().primaryColor(color))
                .withMessageEndingWith("branding.primary-color must be a colour written #rgb or #rrggbb, but was "
                        + (color.isBlank() ? "an empty value" : color));
    }

    @ParameterizedTest
    @ValueSource(strings = {"javascript:alert(1)", "//evil.example/", "data:text/html,x", "ftp://host/", "https://",
        "/a b", "https://host/\"onmouseover=", "relative/path", "\\\\host"})
    void acceptsOnlyHttpUrlsAndPathsOnThisSite(String url) {
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl(url))
                .withMessageContaining("branding.home-url must be an absolute http(s) URL or a path starting with /");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(url))
                .withMessageContaining("branding.status-page-url");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().supportUrl(url))
                .withMessageContaining("branding.support-url");
    }

    /**
     * A link whose port no browser takes is refused at startup, naming the key and the value: above 65535 it is no URL
     * to a browser (WHATWG URL), which leaves every visitor's "Contact support" leading nowhere, and port 0 is one
     * Fetch blocks. java.net.URI takes any number, and each was accepted, as a typo such as {@code :84433}
     * would be. A port in range, the highest too, and an empty one (the scheme's own, as a browser reads it) are kept.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://help.acme.example:84433/", "http://status.acme.example:65536",
        "https://acme.example:0/", "https://[::1]:99999/help"})
    void refusesALinkWithAPortNoBrowserTakesNamingTheKeyAndTheValue(String url) {
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().supportUrl(url))
                .withMessage("Invalid error-pages configuration: branding.support-url must have a port from 1 to "
                        + "65535, if any, but was " + url);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(url))
                .withMessageContaining("branding.status-page-url must have a port from 1 to 65535");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl(url))
                .withMessageContaining("branding.home-url must have a port from 1 to 65535");
    }

    /**
     * A link whose port has more digits than an int holds (a typo, or a port pasted twice) gets the same message as
     * any port out of range, naming the key and the value: java.net.URI reads no host in it (a registry authority;
     * for an IPv6 literal, a malformed URI), and it was refused as "must be an absolute http(s) URL", which sent the
     * operator looking for what was wrong with the scheme or the host. A host no URL takes is still no URL.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://example.com:99999999999/logo.png", "http://status.acme.example:2147483648",
        "https://[::1]:99999999999/help", "https://help.acme.example:99999999999?q=a:1"})
    void refusesALinkWithAPortTooLongForAnIntAsOutOfRangeNotAsNoUrl(String url) {
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().supportUrl(url))
                .withMessage("Invalid error-pages configuration: branding.support-url must have a port from 1 to "
                        + "65535, if any, but was " + url);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(url))
                .withMessage("Invalid error-pages configuration: branding.status-page-url must have a port from 1 to "
                        + "65535, if any, but was " + url);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl(url))
                .withMessage("Invalid error-pages configuration: branding.home-url must have a port from 1 to "
                        + "65535, if any, but was " + url);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().homeUrl("https://acme_shop.example:99999999999/"))
                .withMessageContaining("branding.home-url must be an absolute http(s) URL or a path starting with /");
    }

    @Test
    void keepsALinkWithAPortInRangeOrAnEmptyOne() {
        Branding branding = Branding.builder().homeUrl("https://acme.example:65535/")
                .supportUrl("http://help.acme.example:1/").statusPageUrl("https://status.acme.example:/").build();

        assertThat(branding.homeUrl()).isEqualTo("https://acme.example:65535/");
        assertThat(branding.supportUrl()).contains("http://help.acme.example:1/");
        assertThat(branding.statusPageUrl()).contains("https://status.acme.example:/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://ops:s3cret@help.acme.example/", "http://token@status.acme.example"})
    void refusesUserInfoWithoutRepeatingItInTheMessage(String url) {
        // The page shows its links to every visitor (R36): no credentials on it, none in the startup log.
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().supportUrl(url))
                .withMessageContaining("branding.support-url must not hold user info")
                .withMessageContaining("***@")
                .withMessageNotContaining("s3cret").withMessageNotContaining("token");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(url))
                .withMessageContaining("branding.status-page-url");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl(url))
                .withMessageContaining("branding.home-url");
    }

    /**
     * A logo given as a URL, which is refused (an inline SVG or a data: URI only), is named without its user info
     * too: a CDN's URL with a token in it went whole into the startup log.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://ops:s3cret@cdn.acme.example/logo.png", "http://token@cdn.acme.example/logo.svg"})
    void refusesALogoUrlWithoutRepeatingItsUserInfo(String url) { // R36
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo(url))
                .withMessageContaining("branding.logo must be an inline <svg> or a data:image/")
                .withMessageContaining("***@cdn.acme.example/logo.")
                .withMessageNotContaining("s3cret").withMessageNotContaining("token");
    }

    @Test
    void keepsValidLinks() {
        Branding branding = Branding.builder().homeUrl("https://acme.example/").supportUrl("/help?topic=outage")
                .statusPageUrl("https://status.acme.example/incidents").supportEmail("help@acme.example").build();

        assertThat(branding.homeUrl()).isEqualTo("https://acme.example/");
        assertThat(branding.supportUrl()).contains("/help?topic=outage");
        assertThat(branding.statusPageUrl()).contains("https://status.acme.example/incidents");
        assertThat(branding.supportEmail()).contains("help@acme.example");
        assertThat(branding.toBuilder().statusPageUrl(null).build().statusPageUrl()).isEmpty();
    }

    /**
     * The limit of a link is 2048 characters, as the message says: a link of exactly that length (a status page URL
     * with a long query) is taken, one character more is refused. The link was refused at its limit.
     */
    @Test
    void takesALinkOfUpTo2048Characters() {
        String url = "https://status.acme.example/?" + "q".repeat(2048 - 29);
        String path = "/" + "p".repeat(2047);

        assertThat(List.of(url, path)).allSatisfy(link -> assertThat(link).hasSize(2048));
        assertThat(Branding.builder().statusPageUrl(url).build().statusPageUrl()).contains(url);
        assertThat(Branding.builder().homeUrl(path).build().homeUrl()).isEqualTo(path);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(url + "q"))
                .withMessageContaining("branding.status-page-url must be an absolute http(s) URL or a path starting "
                        + "with /, at most 2048 characters without spaces");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl(path + "p"))
                .withMessageContaining("branding.home-url");
    }

    /**
     * A refused link or logo is shown as configuration.md says every value is: whole up to 256 characters, a longer
     * one cut there with its length added. Links and logos were cut at 77 characters with no length, which hid what
     * was wrong with them, here the space near the end of a status page's URL.
     */
    @Test
    void namesARefusedLinkOrLogoWholeUpTo256CharactersAndCutPastThemWithItsLength() {
        String url = "https://status.acme.example/" + "p".repeat(120) + " x";
        String home = "/" + "h".repeat(2998) + " x";
        String logo = "https://cdn.acme.example/" + "l".repeat(200) + ".png";

        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(url))
                .withMessageStartingWith("Invalid error-pages configuration: branding.status-page-url must be ")
                .withMessageEndingWith(", but was " + url);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl(home))
                .withMessageEndingWith(", but was " + home.substring(0, 256) + "... (3001 characters)");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo(logo))
                .withMessageStartingWith("Invalid error-pages configuration: branding.logo must be an inline <svg>")
                .withMessageEndingWith(", but was " + logo);
    }

    /**
     * A value read from a properties file keeps the blanks after it, and a YAML block its line break: the address is
     * taken without them, so that the page links to {@code mailto:help@acme.example}, not to an address that starts
     * or ends with a blank.
     */
    @Test
    void takesTheSupportAddressWithoutTheBlanksAroundIt() {
        Branding branding = Branding.builder().supportEmail("  help@acme.example \n").build();

        assertThat(branding.supportEmail()).contains("help@acme.example");
        assertThat(branding.toBuilder().build().supportEmail()).contains("help@acme.example");
    }

    /**
     * An empty property ({@code error-pages.branding.logo=}, as a deployment writes it to switch off what a shared
     * file sets) clears the value: the page shows no logo and no support link, rather than refusing to start over a
     * value that is no logo, URL or address, or keeping the one set before.
     */
    @Test
    void aBlankLogoSupportUrlOrAddressClearsTheOneSetBefore() {
        String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"/>";
        Branding set = Branding.builder().siteName("Acme").logo(svg).supportUrl("https://help.acme.example/")
                .supportEmail("help@acme.example").build();

        for (String blank : new String[] {"", "  \n", null}) {
            Branding cleared = set.toBuilder().logo(blank).supportUrl(blank).supportEmail(blank).build();

            assertThat(cleared.logo()).as("logo %s", blank).isEmpty();
            assertThat(cleared.supportUrl()).as("support URL %s", blank).isEmpty();
            assertThat(cleared.supportEmail()).as("support address %s", blank).isEmpty();
            assertThat(cleared.siteName()).isEqualTo("Acme");
        }
    }

    /**
     * The configuration is logged at startup: a logo of up to {@link Branding#MAX_LOGO_LENGTH} characters shows as
     * its length, so that the log line stays readable, and every other value shows as it is.
     */
    @Test
    void toStringShowsTheLogosLengthAndEveryOtherValue() {
        String logo = "data:image/png;base64,iVBORw0KGgo=";
        Branding branding = Branding.builder().siteName("Acme").logo(logo).supportEmail("help@acme.example").build();

        assertThat(branding.toString()).contains("siteName=Acme", "logo=" + logo.length() + " chars",
                "supportEmail=help@acme.example", "homeUrl=/", "supportUrl=null").doesNotContain("base64");
        assertThat(Branding.ofDefaults().toString()).contains("logo=none");
    }

    @ParameterizedTest
    @ValueSource(strings = {"help", "help@", "a@b", "x@y.example?subject=hi", "<a@b.example>", "a b@c.example"})
    void rejectsAnythingButAPlainSupportAddress(String email) {
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().supportEmail(email))
                .withMessageContaining("branding.support-email").withMessageContaining(email);
    }

    @Test
    void turnsAnInlineSvgLogoIntoADataUriSoItCannotRunScript() {
        String svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"><rect width=\"1\" height=\"1\"/></svg>";

        Branding branding = Branding.builder().siteName("Acme").logo(svg).build();

        assertThat(branding.logo()).contains("data:image/svg+xml;base64,"
                + Base64.getEncoder().encodeToString(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(Branding.builder().siteName("Acme").logo("data:image/png;base64,iVBORw0KGgo=").build().logo())
                .contains("data:image/png;base64,iVBORw0KGgo=");
    }

    @Test
    void rejectsLogosThatAreNotImagesOrTooLargeOrWithoutAName() {
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo("https://cdn.example/logo.png"))
                .withMessageContaining("branding.logo must be an inline <svg> or a data:image/");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo("data:text/html;base64,PHNjcmlwdD4="))
                .withMessageContaining("branding.logo");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo("<svg><script>"))
                .withMessageContaining("must be a complete <svg> document");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo(
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect></svg>")).withMessageContaining("well-formed XML");
    }

    /**
     * A document a browser would not show as an image is refused at startup, not shown broken on every page: XML that
     * is no SVG passed (it started with an XML declaration and ended with "/>"), as did an svg root element without
     * SVG's namespace. What drawing programs write (an XML declaration and SVG 1.1's DOCTYPE) is taken, its DTD
     * unread.
     */
    @Test
    void takesOnlyALogoDocumentABrowserShowsAsAnImage() {
        for (String notAnImage : List.of("<?xml version=\"1.0\"?><html/>", "<svg viewBox=\"0 0 1 1\"/>",
                "<html xmlns=\"http://www.w3.org/2000/svg\"/>", "<svg xmlns=\"http://www.w3.org/2000/svg\"/><svg/>")) {
            assertThatIllegalArgumentException().as(notAnImage)
                    .isThrownBy(() -> Branding.builder().logo(notAnImage))
                    .withMessageStartingWith("Invalid error-pages configuration: branding.logo must be a complete "
                            + "<svg> document: well-formed XML whose root element is svg with "
                            + "xmlns=\"http://www.w3.org/2000/svg\"");
        }
        String drawn = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
                + "\"http://192.0.2.1/svg11.dtd\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1 1\"/>";
        assertThat(Branding.builder().siteName("Acme").logo(drawn).build().logo()).isPresent();
        // As a file read whole gives it, with a byte order mark: taken, without the mark.
        String logo = Branding.builder().siteName("Acme").logo("\uFEFF" + drawn).build().logo().orElseThrow();
        byte[] taken = Base64.getDecoder().decode(logo.substring(logo.indexOf(',') + 1));
        assertThat(new String(taken, StandardCharsets.UTF_8)).isEqualTo(drawn);
    }

    /**
     * The JDK's own parser reads a logo, whatever JAXP would look up: with Xerces on an application's class path every
     * inline logo was refused (Xerces refuses the setting that keeps the parser from loading a DTD), and the filter did
     * not start. Here JAXP's lookup is pointed at a parser that refuses a setting as Xerces does, once the JDK's XML
     * classes are set up (they look the parser up once, for good).
     */
    @Test
    void readsAnSvgLogoWithTheJdksParserWhateverJaxpWouldLookUp() {
        assertThat(Branding.builder().siteName("Acme").logo("<svg xmlns=\"http://www.w3.org/2000/svg\"/>").build()
                .logo()).isPresent();
        String property = "javax.xml.parsers.SAXParserFactory";
        System.setProperty(property, XercesLikeSaxParserFactory.class.getName());
        try {
            assertThat(Branding.builder().siteName("Acme").logo("<svg xmlns=\"http://www.w3.org/2000/svg\"/>").build()
                    .logo()).isPresent();
        } finally {
            System.clearProperty(property);
        }
    }

    /**
     * The page carries a logo as UTF-8 bytes: a declaration of another encoding made the browser read them as that
     * one (Café became CafÃ©, a UTF-16 one nothing). The same document as an SVG data: URI is checked as inline.
     */
    @Test
    void takesAnSvgLogoInUtf8OnlyAndChecksAnSvgDataUriAsAnInlineOne() {
        for (String encoding : List.of("ISO-8859-1", "UTF-16", "windows-1252")) {
            assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().logo("<?xml version=\"1.0\" "
                    + "encoding=\"" + encoding + "\"?><svg xmlns=\"http://www.w3.org/2000/svg\">"
                    + "<title>Caf\u00e9</title></svg>")).withMessageContaining("in UTF-8");
        }
        assertThat(Branding.builder().siteName("Acme").logo("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").build().logo()).isPresent();
        String latin1 = "data:image/svg+xml;base64," + Base64.getEncoder().encodeToString(
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>Caf\u00e9</title></svg>".getBytes(
                        StandardCharsets.ISO_8859_1));
        assertThatIllegalArgumentException().as("bytes that are no UTF-8").isThrownBy(() -> Branding.builder()
                .logo(latin1)).withMessageContaining("in UTF-8");
        for (String document : List.of("<svg><rect/></svg>", "<html/>", "not xml at all")) {
            String dataUri = "data:image/svg+xml;base64,"
                    + Base64.getEncoder().encodeToString(document.getBytes(StandardCharsets.UTF_8));
            assertThatIllegalArgumentException().as(document).isThrownBy(() -> Branding.builder().logo(dataUri))
                    .withMessageContaining("must be a complete <svg> document");
        }
        String svg = "data:image/svg+xml;base64," + Base64.getEncoder().encodeToString(
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8));
        assertThat(Branding.builder().siteName("Acme").logo(svg).build().logo()).contains(svg);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().logo("data:image/png;base64," + "A".repeat(Branding.MAX_LOGO_LENGTH)))
                .withMessageContaining("must be at most 16384 characters");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().logo("data:image/png;base64,iVBORw0KGgo=").build())
                .withMessageContaining("branding.logo needs branding.site-name as its text alternative");
    }

    @Test
    void rejectsSiteNamesWithControlCharactersOrTooLong() {
        // The value shown on one line: raw, its CR LF wrote a line of its own into the startup log.
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().siteName("Acme\r\nSet-Cookie: x=1"))
                .withMessageContaining("branding.site-name")
                .withMessageEndingWith(", but was Acme\\r\\nSet-Cookie: x=1");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().siteName("x".repeat(101)))
                .withMessageContaining("at most 100 characters");
        assertThat(Branding.builder().siteName("  Acme & Co <Ltd>  ").build().siteName()).isEqualTo("Acme & Co <Ltd>");
    }

    /**
     * The limit of 100 characters is on the name as shown, without the blanks around it (a properties file keeps those
     * after a value): a name of 100 characters with blanks around it is taken, its blanks dropped.
     */
    @Test
    void countsTheSiteNameWithoutTheBlanksAroundIt() {
        String name = "Acme ".repeat(20).strip() + "!";

        assertThat(name).hasSize(100);
        assertThat(Branding.builder().siteName("  " + name + " \t\n").build().siteName()).isEqualTo(name);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().siteName(" " + name + "!"))
                .withMessageContaining("branding.site-name must be at most 100 characters");
    }

    /**
     * The limits count characters as configuration.md says and a reader does: code points. Counted in UTF-16 units, a
     * name of 60 emoji (or of CJK Extension B characters, two units each too) was refused as more than 100 characters,
     * and a link's 2048 characters were 1024 such ones.
     */
    @Test
    void countsTheLimitsOfTheSiteNameAndOfALinkInCharactersNotUtf16Units() {
        String rocket = "\uD83D\uDE80";
        String extensionB = "\uD840\uDC00"; // U+20000

        assertThat(Branding.builder().siteName(rocket.repeat(60)).build().siteName()).isEqualTo(rocket.repeat(60));
        assertThat(Branding.builder().siteName(extensionB.repeat(100)).build().siteName()).hasSize(200);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().siteName(rocket.repeat(101)))
                .withMessageContaining("branding.site-name must be at most 100 characters");
        String path = "/" + rocket.repeat(2047);
        assertThat(Branding.builder().homeUrl(path).build().homeUrl()).isEqualTo(path);
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().statusPageUrl(path + rocket))
                .withMessageContaining("branding.status-page-url must be an absolute http(s) URL or a path starting "
                        + "with /, at most 2048 characters without spaces");
    }

    /**
     * A C1 control, a noncharacter or half a surrogate pair is a code point the HTML standard forbids in a
     * document: accepted, it went into the page's title, header and {@code href}, which the Nu checker then refused.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Acme\u0085Shop", "Acme\u009b", "Acme\u007f", "Acme\ufffe", "Acme\ufdd0",
        "Acme\ud83f\udffe", "Acme\ud800"})
    void rejectsCharactersNoPageMayCarryInTheSiteNameAndUrls(String value) {
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().siteName(value))
                .withMessageContaining("branding.site-name");
        assertThatIllegalArgumentException().isThrownBy(() -> Branding.builder().homeUrl("/" + value))
                .withMessageContaining("branding.home-url");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Branding.builder().supportUrl("https://x.example/" + value))
                .withMessageContaining("branding.support-url");
    }

    @Test
    void acceptsCharactersBeyondTheBasicPlane() {
        assertThat(Branding.builder().siteName("Acme \ud83d\ude80 \u00e9").build().siteName()).isEqualTo("Acme 🚀 é");
    }
}
