package io.github.errorpages.page;

import static io.github.errorpages.page.BuiltInPage.BROWSER_ACCEPT;
import static io.github.errorpages.page.BuiltInPage.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every built-in page in every format, parsed as a client would (jsoup, no JavaScript): the rules of the
 * standards file for language, title, structure, refresh, zoom and links, canonical, server-rendered
 * content, and the headers.
 */
class BuiltInPagesTests {

    /** Lighthouse's link-text blocklist (core/audits/seo/link-text.js), English entries. */
    private static final Set<String> VAGUE_LINK_TEXTS = Set.of("click here", "click this", "go", "here", "information",
            "learn more", "more", "more info", "more information", "right here", "read more", "see more", "start",
            "this", "continue", "details");
    private static final Pattern MAXIMUM_SCALE = Pattern.compile("maximum-scale\\s*=\\s*([0-9.]+)");

    private static final ErrorPages DEFAULTS = BuiltInPage.pages(PageConfig.ofDefaults());
    private static final ErrorPages BRANDED = BuiltInPage.pages(PageConfig.builder()
            .branding(Branding.builder().siteName("Acme").statusPageUrl("https://status.acme.example")
                    .supportEmail("help@acme.example").build())
            .autoRetryEnabled(true)
            .build());
    private static final ErrorPages LOGO_BRANDED = BuiltInPage.pages(PageConfig.builder().branding(Branding.builder()
            .siteName("Acme")
            .logo("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><circle cx=\"5\" cy=\"5\" r=\"5\"/></svg>")
            .build()).build());

    /**
     * The mark beside the site name is one character: "ßeta" had "SS", the upper case of ß, and an e with a combining
     * accent lost its accent (half a character).
     */
    @ParameterizedTest
    @CsvSource({"Acme, A", "\u00dfeta, \u00df", "\u00e9clair, \u00c9", "\u01c6ungla, \u01c5", "1-800 Flowers, 1",
        "e\u0301cole, E\u0301"})
    void marksTheSiteWithTheTitleCaseOfItsFirstCharacter(String siteName, String mark) {
        ErrorPages pages = BuiltInPage.pages(PageConfig.builder()
                .branding(Branding.builder().siteName(siteName).build()).build());

        Document html = Jsoup.parse(BuiltInPage.BAD_GATEWAY_502.render(pages, BROWSER_ACCEPT, "en").bodyText());

        assertThat(html.selectFirst(".brand .mark").text()).isEqualTo(mark);
    }

    static Stream<Arguments> pagesInEveryLanguage() {
        return Stream.of(BuiltInPage.values()).flatMap(page -> PageConfig.SHIPPED_LOCALES.stream()
                .map(locale -> Arguments.of(page, locale.toLanguageTag())));
    }

    @ParameterizedTest
    @MethodSource("pagesInEveryLanguage")
    void htmlLangEqualsContentLanguageInEveryLanguage(BuiltInPage page, String language) { // R48, R35
        ErrorResponse response = page.render(BRANDED, BROWSER_ACCEPT, language + ";q=0.9, en;q=0.1");
        Document html = Jsoup.parse(response.bodyText());

        assertThat(response.header("Content-Language")).isEqualTo(language);
        assertThat(html.selectFirst("html").attr("lang")).isEqualTo(language);
        assertThat(Locale.forLanguageTag(language).toLanguageTag()).isEqualTo(language); // a valid BCP 47 tag
        assertThat(html.selectFirst("html").attr("dir")).isEqualTo(language.equals("ar") ? "rtl" : "ltr");
        assertThat(html.selectFirst("h1").text()).isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void titleNamesTheProblemAndTheBrand(BuiltInPage page) { // R49
        Document html = Jsoup.parse(page.render(BRANDED, BROWSER_ACCEPT, "en").bodyText());
        Document unbranded = Jsoup.parse(page.render(DEFAULTS, BROWSER_ACCEPT, "en").bodyText());

        assertThat(html.title()).endsWith(" \u2013 Acme").doesNotStartWith("Error").hasSizeGreaterThan(" \u2013 Acme".length() + 10);
        assertThat(unbranded.title()).isEqualTo(html.title().replace(" \u2013 Acme", "")).isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void hasOneMainOneH1HeadingsInOrderAndTextForEveryImage(BuiltInPage page) { // R51
        for (ErrorPages pages : List.of(DEFAULTS, BRANDED, LOGO_BRANDED)) {
            Document html = Jsoup.parse(page.render(pages, BROWSER_ACCEPT, "en").bodyText());

            assertThat(html.select("main")).hasSize(1);
            assertThat(html.select("h1")).hasSize(1);
            int previous = 0;
            for (Element heading : html.select("h1, h2, h3, h4, h5, h6")) {
                int level = heading.tagName().charAt(1) - '0';
                assertThat(level).as("heading %s after h%d", heading, previous).isLessThanOrEqualTo(previous + 1);
                previous = level;
            }
            assertThat(html.select("img")).allSatisfy(img -> assertThat(img.attr("alt")).isNotBlank());
            assertThat(html.select("svg")).allSatisfy(svg -> assertThat(svg.attr("aria-hidden")).isEqualTo("true"));
        }
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void neverRefreshesByMarkupAndAnnouncesTheOptionalCountdown(BuiltInPage page) { // R52
        Document plain = Jsoup.parse(page.render(DEFAULTS, BROWSER_ACCEPT, "en").bodyText());
        Document counting = Jsoup.parse(page.render(BRANDED, BROWSER_ACCEPT, "en").bodyText());

        for (Document html : List.of(plain, counting)) {
            assertThat(html.select("meta[http-equiv]")).noneSatisfy(meta ->
                    assertThat(meta.attr("http-equiv")).isEqualToIgnoringCase("refresh"));
        }
        assertThat(plain.getElementById("auto-retry")).isNull();
        Element countdown = counting.getElementById("auto-retry");
        String retryAfter = page.render(BRANDED, BROWSER_ACCEPT, "en").header("Retry-After");
        if (retryAfter == null || Long.parseLong(retryAfter) > PageConfig.DEFAULT_AUTO_RETRY_MAX.getSeconds()) {
            assertThat(countdown).as("nothing to count down to (a 500), or too long a wait to count down").isNull();
            return;
        }
        assertThat(countdown).isNotNull();
        assertThat(countdown.hasAttr("hidden")).as("hidden until its script runs").isTrue();
        assertThat(countdown.select("[role=status]")).hasSize(1);
        assertThat(countdown.select("button").text()).isEqualTo("Pause automatic retry");
        assertThat(countdown.attr("data-seconds")).isEqualTo(retryAfter);
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void countsDownOnlyForGet(BuiltInPage page) { // R52: reloading would send a POST again
        // A method is case-sensitive (RFC 9110 §9.1): "get" is not GET, and a reload would send a GET instead.
        for (String method : new String[] {"POST", "get"}) {
            ErrorResponse other = page.render(BRANDED, new ErrorRequest(method, "/orders", BROWSER_ACCEPT, "en", null));

            assertThat(Jsoup.parse(other.bodyText()).getElementById("auto-retry")).as(method).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void allowsZoomAndNamesEveryLinkAndButton(BuiltInPage page) { // R53
        Document html = Jsoup.parse(page.render(BRANDED, BROWSER_ACCEPT, "en").bodyText());

        String viewport = html.selectFirst("meta[name=viewport]").attr("content");
        assertThat(viewport).contains("width=device-width").doesNotContain("user-scalable=no");
        Matcher scale = MAXIMUM_SCALE.matcher(viewport);
        if (scale.find()) {
            assertThat(Double.parseDouble(scale.group(1))).isGreaterThanOrEqualTo(2);
        }
        assertThat(html.select("a, button")).isNotEmpty().allSatisfy(control -> {
            assertThat(control.text()).isNotBlank();
            assertThat(VAGUE_LINK_TEXTS).doesNotContain(control.text().toLowerCase(Locale.ROOT));
        });
        assertThat(html.select("a").eachText()).contains("Try again", "Go to the homepage", "Check service status",
                "Contact support");
    }

    /**
     * The links lead where the branding says: home, the status page, and support, which is the support page when one
     * is set (it is preferred over the address) and otherwise the address as a mailto: link. The test above reads
     * only their names: a support address linked without its mailto:, a link relative to the failing site, went
     * unseen, as did the address winning over the support page.
     */
    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void linksToTheConfiguredHomeStatusPageAndSupport(BuiltInPage page) {
        ErrorPages supportPage = BuiltInPage.pages(PageConfig.builder().branding(Branding.builder().siteName("Acme")
                .homeUrl("https://acme.example/").supportUrl("/help?topic=outage").supportEmail("help@acme.example")
                .build()).build());

        Document branded = Jsoup.parse(page.render(BRANDED, BROWSER_ACCEPT, "en").bodyText());
        Document withSupportPage = Jsoup.parse(page.render(supportPage, BROWSER_ACCEPT, "en").bodyText());

        assertThat(href(branded, "Go to the homepage")).isEqualTo("/");
        assertThat(href(branded, "Check service status")).isEqualTo("https://status.acme.example");
        assertThat(href(branded, "Contact support")).isEqualTo("mailto:help@acme.example");
        assertThat(href(withSupportPage, "Go to the homepage")).isEqualTo("https://acme.example/");
        assertThat(href(withSupportPage, "Contact support")).isEqualTo("/help?topic=outage");
        assertThat(withSupportPage.select("a").eachText()).doesNotContain("Check service status");
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void hasNoCanonicalLinkAndLoadsNothingFromElsewhere(BuiltInPage page) { // R28, R42
        Document html = Jsoup.parse(page.render(LOGO_BRANDED, BROWSER_ACCEPT, "en").bodyText());

        assertThat(html.select("link[rel~=(?i)canonical]")).isEmpty();
        // The one link: an empty icon, so that a browser asks the gateway for no /favicon.ico, which a proxy in front
        // of the failing upstream forwards to it (a request, a breaker failure and a log line per page view).
        assertThat(html.select("link")).singleElement().satisfies(icon -> {
            assertThat(icon.attr("rel")).isEqualTo("icon");
            assertThat(icon.attr("href")).isEqualTo("data:,");
        });
        assertThat(html.select("script[src], iframe, object, embed, base, form")).isEmpty();
        assertThat(html.select("[src]")).allSatisfy(element -> assertThat(element.attr("src")).startsWith("data:image/"));
        assertThat(html.select("[style]")).as("style attributes would be blocked by the CSP").isEmpty();
        assertThat(html.getAllElements()).allSatisfy(element -> assertThat(element.attributes().asList())
                .noneSatisfy(attribute -> assertThat(attribute.getKey()).startsWithIgnoringCase("on")));
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void saysEverythingInServerRenderedHtml(BuiltInPage page) { // R29
        ErrorResponse response = page.render(DEFAULTS, BROWSER_ACCEPT, null);
        Document html = Jsoup.parse(response.bodyText());

        assertThat(html.title()).isNotBlank();
        assertThat(html.select("h1").text()).isNotBlank();
        assertThat(html.selectFirst("p.lead").text()).hasSizeGreaterThan(40);
        assertThat(html.select("code").text()).isEqualTo(response.supportCode());
        assertThat(html.selectFirst("#try-again").attr("href")).as("reloads without JavaScript").isEmpty();
        assertThat(html.selectFirst("#copy-details").hasAttr("hidden")).as("shown by the script that makes it work").isTrue();
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void statesTheSameRetryDelayAsTheHeader(BuiltInPage page) { // R7-R11: one value everywhere
        ErrorResponse response = page.render(BRANDED, BROWSER_ACCEPT, "en");
        Document html = Jsoup.parse(response.bodyText());
        String retryAfter = response.header("Retry-After");

        if (page == BuiltInPage.INTERNAL_ERROR_500) {
            assertThat(retryAfter).isNull();
            assertThat(html.select("time[datetime^=PT]")).isEmpty();
            return;
        }
        Element time = html.selectFirst("time[datetime^=PT]");
        assertThat(time.attr("datetime")).isEqualTo("PT" + retryAfter + "S");
        long seconds = Long.parseLong(retryAfter);
        String expected = seconds < 120 ? seconds + " seconds" : (seconds + 59) / 60 + " minutes";
        assertThat(time.text()).isEqualTo(expected);
        assertThat(time.parent().text()).isEqualTo("Please try again in " + expected + ".");
    }

    @ParameterizedTest
    @EnumSource(value = BuiltInPage.class, mode = EnumSource.Mode.EXCLUDE, names = "MAINTENANCE")
    void tellsWhetherTheTroubleIsNewOrHasLasted(BuiltInPage page) {
        ErrorPages pages = DEFAULTS;
        String fresh = Jsoup.parse(pages.render(page.failure(NOW.minusSeconds(90)), html()).bodyText()).select(".facts").text();
        String lasting = Jsoup.parse(pages.render(page.failure(NOW.minus(Duration.ofMinutes(47))), html()).bodyText())
                .select(".facts").text();
        String yesterday = Jsoup.parse(pages.render(page.failure(NOW.minus(Duration.ofHours(20))), html()).bodyText())
                .select(".facts").text();
        String unknown = Jsoup.parse(pages.render(page.failure(null), html()).bodyText()).select(".facts").text();

        assertThat(fresh).contains("This started in the last few minutes");
        assertThat(lasting).contains("This has been going on since 09:28 UTC.");
        assertThat(yesterday).contains("This has been going on since 14:15 UTC on November 23, 2026.");
        assertThat(unknown).doesNotContain("This started", "going on since");
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void staysSmallEnoughToServeWhileEverythingElseIsDown(BuiltInPage page) {
        for (ErrorPages pages : List.of(DEFAULTS, BRANDED)) {
            ErrorResponse response = page.render(pages, BROWSER_ACCEPT, "ar");

            assertThat(response.body().length).isLessThan(16 * 1024);
        }
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void sendsTheSecurityAndCachingHeaders(BuiltInPage page) { // R16, R18, R23, R26, R41
        for (String accept : List.of(BROWSER_ACCEPT, "application/json", "text/plain")) {
            ErrorResponse response = page.render(DEFAULTS, accept, "de");

            assertThat(response.status()).isEqualTo(page.status);
            assertThat(response.header("Cache-Control")).isEqualTo("no-store");
            assertThat(response.header("Vary")).isEqualTo("Accept, Accept-Language, Accept-Encoding");
            assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(response.header("X-Frame-Options")).isEqualTo("DENY");
            assertThat(response.header("Referrer-Policy")).isEqualTo("strict-origin-when-cross-origin");
            assertThat(response.header("Content-Language")).isEqualTo("de");
            assertThat(response.header("Location")).isNull();
            assertThat(response.header("X-Robots-Tag")).isNull();
            assertThat(response.header("Set-Cookie")).isNull();
            String csp = response.header("Content-Security-Policy");
            assertThat(csp).startsWith("default-src 'none'").contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
        }
        String csp = page.render(DEFAULTS, BROWSER_ACCEPT, "de").header("Content-Security-Policy");
        assertThat(csp).matches("default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; "
                + "script-src 'sha256-[A-Za-z0-9+/]{43}='; img-src data:; base-uri 'none'; form-action 'self'; "
                + "frame-ancestors 'none'");
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void headGetsTheSameStatusAndHeadersWithoutABody(BuiltInPage page) { // R12
        for (String accept : List.of(BROWSER_ACCEPT, "application/json", "text/plain")) {
            ErrorResponse get = page.render(DEFAULTS, new ErrorRequest("GET", "/x", accept, "fr", "req-1"));
            ErrorResponse head = page.render(DEFAULTS, new ErrorRequest("HEAD", "/x", accept, "fr", "req-1"));

            assertThat(head.status()).isEqualTo(get.status());
            assertThat(head.headers()).isEqualTo(get.headers());
            assertThat(head.body()).isEmpty();
            assertThat(get.body()).isNotEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void offersNoindexAndMicroCachingOnlyWhenAskedTo(BuiltInPage page) { // R17, R26
        ErrorPages optedIn = BuiltInPage.pages(PageConfig.builder().noindexEnabled(true).cacheMaxAge(Duration.ofSeconds(10))
                .build());
        ErrorResponse response = page.render(optedIn, BROWSER_ACCEPT, "en");
        Document html = Jsoup.parse(response.bodyText());

        assertThat(response.header("X-Robots-Tag")).isEqualTo("noindex");
        assertThat(html.select("meta[name=robots]").attr("content")).isEqualTo("noindex");
        assertThat(Jsoup.parse(page.render(DEFAULTS, BROWSER_ACCEPT, "en").bodyText()).select("meta[name=robots]")).isEmpty();
        String retryAfter = response.header("Retry-After");
        long maxAge = retryAfter == null ? 10 : Math.min(10, Long.parseLong(retryAfter));
        assertThat(response.header("Cache-Control")).isEqualTo("public, max-age=" + maxAge);
    }

    /**
     * R10, R17: a page that may be cached is not kept beyond its {@code Retry-After}: a breaker that closes in 3 s,
     * or an upstream that asks for 5 s, gives that {@code max-age}, not the configured 10 s, or a shared cache would
     * go on serving the 503 after the upstream is back. (The built-in pages' own failures all say 30 s or more.)
     */
    @ParameterizedTest
    @CsvSource({"breaker, 3", "upstream, 5"})
    void microCachingNeverOutlastsTheRetryAfter(String from, int seconds) {
        ErrorPages optedIn = BuiltInPage.pages(PageConfig.builder().cacheMaxAge(Duration.ofSeconds(10)).build());
        UpstreamFailure failure = from.equals("breaker")
                ? UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE).upstream("orders").attempts(0)
                        .breakerRemainingOpen(Duration.ofSeconds(seconds)).build()
                : UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstream("orders").upstreamStatus(503)
                        .upstreamRetryAfter(Duration.ofSeconds(seconds)).build();

        ErrorResponse response = optedIn.render(failure, new ErrorRequest("GET", "/orders/42", BROWSER_ACCEPT, "en",
                null));

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo(Integer.toString(seconds));
        assertThat(response.header("Cache-Control")).isEqualTo("public, max-age=" + seconds);
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void answersApiClientsWithProblemDetails(BuiltInPage page) throws Exception { // R32, R33
        ErrorResponse response = page.render(DEFAULTS, "application/json", "es");
        JsonNode json = JsonMapper.shared().readTree(response.bodyText());

        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(json.get("type").asString()).isEqualTo("about:blank");
        assertThat(json.get("status").asInt()).isEqualTo(response.status());
        assertThat(json.get("title").asString()).isEqualTo(reasonPhrase(page.status));
        assertThat(json.get("detail").asString()).isNotBlank().doesNotContainIgnoringCase("exception");
        assertThat(json.get("instance").asString()).matches("urn:uuid:[0-9a-f-]{36}");
        assertThat(json.get("support_code").asString()).isEqualTo(response.supportCode());
        assertThat(json.get("code").asString()).isEqualTo(response.decision().errorCode());
        if (response.header("Retry-After") != null) {
            assertThat(json.get("retry_after").asString()).isEqualTo(response.header("Retry-After"));
        } else {
            assertThat(json.has("retry_after")).isFalse();
        }
    }

    /**
     * An upstream's own 5xx is passed on with its status, and its problem details, whose type is about:blank, are
     * titled with that status's recommended reason phrase (R32), as its text page is; a status the registry leaves
     * unassigned gets "Server Error". The built-in pages only ever showed 500, 502, 503, 504 and 507, so a phrase
     * missing for any other (a 511 titled "Server Error") went unseen.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"501, Not Implemented", "505, HTTP Version Not Supported", "506, Variant Also Negotiates",
        "507, Insufficient Storage", "508, Loop Detected", "510, Not Extended",
        "511, Network Authentication Required", "509, Server Error", "599, Server Error"})
    void titlesAnUpstreamsOwnStatusWithItsReasonPhrase(int status, String phrase) throws Exception {
        UpstreamFailure failure = UpstreamFailure.builder(FailureCause.UPSTREAM_STATUS).upstreamStatus(status)
                .upstream(BuiltInPage.UPSTREAM_NAME).build();

        ErrorResponse json = DEFAULTS.render(failure, new ErrorRequest("GET", "/", "application/json", "en", null));
        ErrorResponse text = DEFAULTS.render(failure, new ErrorRequest("GET", "/", "text/plain", "en", null));

        assertThat(json.status()).isEqualTo(status);
        assertThat(JsonMapper.shared().readTree(json.bodyText()).get("title").asString()).isEqualTo(phrase);
        assertThat(text.bodyText().lines().findFirst()).contains(status + " " + phrase);
    }

    /**
     * A client that refuses application/problem+json but takes application/json gets the problem details as
     * application/json, and one that refuses text/html gets no HTML, even naming application/xhtml+xml (RFC 9110
     * §12.5.1: q=0 is "not acceptable"). Both were sent the type they refused.
     */
    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void neverSendsAMediaTypeTheClientRefuses(BuiltInPage page) throws Exception { // R32, R34
        ErrorResponse json = page.render(DEFAULTS, "application/json, application/problem+json;q=0", "en");
        ErrorResponse noHtml = page.render(DEFAULTS, "application/xhtml+xml, text/html;q=0, text/plain;q=0.5", "en");

        assertThat(json.contentType()).isEqualTo("application/json");
        assertThat(JsonMapper.shared().readTree(json.bodyText()).get("status").asInt()).isEqualTo(json.status());
        assertThat(noHtml.contentType()).isEqualTo("text/plain; charset=UTF-8");
        assertThat(noHtml.bodyText()).doesNotContain("<");
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void answersPlainTextClientsWithAFewReadableLines(BuiltInPage page) {
        ErrorResponse response = page.render(DEFAULTS, "text/plain", "en");
        List<String> lines = response.bodyText().lines().toList();

        assertThat(response.contentType()).isEqualTo("text/plain; charset=UTF-8");
        assertThat(lines.get(0)).isEqualTo(page.status + " " + reasonPhrase(page.status));
        assertThat(lines).contains("Support code: " + response.supportCode(), "Time (UTC): 2026-11-24 10:15:30 UTC");
        if (response.header("Retry-After") != null) {
            assertThat(response.bodyText()).contains("Please try again in ");
        }
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).doesNotContain("{{", "<");
    }

    /**
     * French puts a no-break space before a colon or a question mark, so that no line starts with one; Chinese
     * writes a full-width colon. The text body and the details the page copies for support joined a label and its
     * value with ": " in every language ("Code d’assistance: …"). The pages rendered ahead keep the character too.
     */
    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void joinsALabelAndItsValueAsTheLanguageWritesIt(BuiltInPage page) {
        for (int i = 0; i < 2; i++) { // the first may render in full, the second comes from the page rendered ahead
            ErrorResponse text = page.render(DEFAULTS, "text/plain", "fr");
            ErrorResponse html = page.render(DEFAULTS, BROWSER_ACCEPT, "fr");
            ErrorResponse chinese = page.render(DEFAULTS, "text/plain", "zh-CN");

            assertThat(text.bodyText().lines()).contains("Code d’assistance\u00a0: " + text.supportCode(),
                    "Heure (UTC)\u00a0: 2026-11-24 10:15:30 UTC");
            assertThat(text.bodyText()).doesNotContain(" :", "assistance:", "(UTC):");
            assertThat(Jsoup.parse(html.bodyText()).getElementById("copy-details").attr("data-separator"))
                    .isEqualTo("\u00a0: ");
            assertThat(html.bodyText()).contains("Besoin d’aide\u00a0?");
            assertThat(chinese.bodyText().lines()).contains("支持代码：" + chinese.supportCode());
        }
    }

    /**
     * Left-to-right values among right-to-left words are isolated, so that the bidirectional algorithm does not
     * reorder them: in plain text the code and the time (U+2066 … U+2069; a code starting with digits, "0763-J8N1",
     * read "J8N1-0763" after an Arabic label), in HTML the site name ({@code <bdi>}, "Acme Inc." read ".Acme Inc") and
     * in the title the site name (U+2068 … U+2069, as the title is no markup). Pages all in one direction get none of
     * these invisible characters: a code copied from them is the code as logged.
     */
    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void isolatesLeftToRightValuesAmongRightToLeftWords(BuiltInPage page) {
        ErrorPages incorporated = BuiltInPage.pages(PageConfig.builder()
                .branding(Branding.builder().siteName("Acme Inc.").build()).build());

        ErrorResponse arabicText = page.render(incorporated, "text/plain", "ar");
        ErrorResponse englishText = page.render(incorporated, "text/plain", "en");
        Document arabic = Jsoup.parse(page.render(incorporated, BROWSER_ACCEPT, "ar").bodyText());
        Document english = Jsoup.parse(page.render(incorporated, BROWSER_ACCEPT, "en").bodyText());

        assertThat(arabicText.bodyText().lines()).contains("رمز الدعم: \u2066" + arabicText.supportCode() + "\u2069",
                "الوقت (UTC): \u20662026-11-24 10:15:30 UTC\u2069");
        assertThat(englishText.bodyText()).doesNotContain("\u2066", "\u2068", "\u2069");
        assertThat(arabic.selectFirst("header .brand bdi").text()).isEqualTo("Acme Inc.");
        assertThat(arabic.title()).endsWith(" \u2013 \u2068Acme Inc.\u2069");
        assertThat(english.title()).endsWith(" \u2013 Acme Inc.");
    }

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void neverShowsTheUpstreamOrTheRequestPath(BuiltInPage page) { // R33, R36, R37
        for (String accept : List.of(BROWSER_ACCEPT, "application/json", "text/plain")) {
            ErrorResponse response = page.render(BRANDED, new ErrorRequest("GET", "/internal/orders/42", accept, "en", null));
            String everything = response.bodyText() + response.headers();

            assertThat(everything).doesNotContain(BuiltInPage.UPSTREAM_NAME, "/internal/orders/42", "svc.cluster")
                    .doesNotContainPattern("(?i)exception|\\bat [a-z0-9_.$]+\\(|\\.java:\\d+|caused by");
        }
    }

    private static String href(Document html, String linkText) {
        List<String> hrefs = html.select("a").stream().filter(link -> link.text().equals(linkText))
                .map(link -> link.attr("href")).distinct().toList();
        assertThat(hrefs).as(linkText).hasSize(1);
        return hrefs.get(0);
    }

    private static ErrorRequest html() {
        return new ErrorRequest("GET", "/", BROWSER_ACCEPT, "en", null);
    }

    private static String reasonPhrase(int status) {
        return switch (status) {
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Insufficient Storage";
        };
    }
}
