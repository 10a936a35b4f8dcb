package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The built-in pages in a real browser: Debian's headless Chromium, driven through Debian's chromedriver
 * (both installed by {@code .ci/install-test-tools}), loading pages from a loopback server with the real
 * response headers, Content-Security-Policy included. Checks what only a browser can: axe-core finds no
 * accessibility violation (light, dark, right to left, 320 px wide), the page reflows to 320 px without
 * horizontal scrolling (R53), the hashed style and script actually run under the CSP (R41), the copy button
 * copies code, time and address, and the countdown can be paused (R52). Screenshots land in
 * {@code target/screenshots/}.
 *
 * <p>Skipped, loudly, only where Chromium or chromedriver is absent; under CI ({@code CI=true}) their
 * absence fails the test instead.
 */
class PageBrowserIntegrationTests {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Path BROWSER_TEMP = Path.of("target", "browser-temp");
    private static final Duration PATIENCE = Duration.ofSeconds(15);
    private static final ErrorPages DEFAULT_PAGES = ErrorPages.builder().build();
    private static final ErrorPages BRANDED_PAGES = ErrorPages.builder().pageConfig(PageConfig.builder()
            .branding(Branding.builder().siteName("Acme Travel").statusPageUrl("https://status.acme.example")
                    .supportEmail("help@acme.example").build())
            .autoRetryEnabled(true).build()).build();
    /** A site name with no place to break a line: a real one, a German ministry's. */
    private static final ErrorPages LONG_NAME_PAGES = ErrorPages.builder().pageConfig(PageConfig.builder()
            .branding(Branding.builder().siteName("Bundesgesundheitsministeriumsinformationsdienst").build()).build())
            .build();
    /** A wordmark ten times as wide as high, sized and unsized (only a viewBox). */
    private static final Map<String, ErrorPages> WIDE_LOGO_PAGES = Map.of(
            "wide-logo", logoPages("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\""
                    + " viewBox=\"0 0 400 40\"><rect width=\"400\" height=\"40\" fill=\"#1f5fbf\"/></svg>"),
            "wide-unsized-logo", logoPages("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 40\">"
                    + "<rect width=\"400\" height=\"40\" fill=\"#1f5fbf\"/></svg>"));

    private static HttpServer server;
    private static ChromeDriver browser;
    private static String axe;
    /** The Content-Encoding of the last error page served, or "identity". */
    private static volatile String lastContentEncoding = "";

    @BeforeAll
    static void startServerAndBrowser() throws IOException {
        Optional<Path> chromium = executable("chromium", "chromium-browser", "google-chrome");
        Optional<Path> driver = executable("chromedriver");
        Optional<Path> axeScript = findUpwards(Path.of(".ci", "test-tools", "node_modules", "axe-core", "axe.min.js"));
        if (chromium.isEmpty() || driver.isEmpty() || axeScript.isEmpty()) {
            String message = "\n\n*** PageBrowserIntegrationTests SKIPPED: Chromium, chromedriver or axe-core is not "
                    + "installed. Run .ci/install-test-tools once (it installs Debian's chromium and chromium-driver "
                    + "and axe-core from npm). ***\n";
            System.out.println(message);
            System.err.println(message);
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("Chromium, chromedriver and axe-core are required under CI: " + message);
            }
            Assumptions.abort(message);
        }
        axe = Files.readString(axeScript.get(), StandardCharsets.UTF_8);

        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", PageBrowserIntegrationTests::serve);
        server.start();

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1200,1000",
                "--lang=en-US");
        // Chromium leaves its singleton socket's folder behind in TMPDIR when it quits: kept under target/.
        Files.createDirectories(BROWSER_TEMP);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort().withEnvironment(Map.of("TMPDIR", BROWSER_TEMP.toAbsolutePath().toString()))
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    static Stream<Arguments> statusesAndLanguages() {
        return Stream.of(502, 503, 504).flatMap(status -> Stream.of("en", "ar").map(lang -> Arguments.of(status, lang)));
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("statusesAndLanguages")
    void defaultPagesHaveNoAccessibilityViolationsInLightAndDarkAndAtEveryWidth(int status, String lang) throws IOException {
        open("default", status, lang);

        assertThat(lastContentEncoding).as("Chromium took the page gzip-compressed").isEqualTo("gzip");
        assertThat(browser.getTitle()).isNotBlank();
        assertThat(browser.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo(lang);
        assertThat(axeViolations()).as("axe-core, light, %s %s", status, lang).isEmpty();
        assertThat(styleAndScriptRan()).as("the CSP hashes let the page's own style and script run").isTrue();
        screenshot(status + "-" + lang);

        darkMode(true);
        try {
            assertThat(axeViolations()).as("axe-core, dark, %s %s", status, lang).isEmpty();
            screenshot(status + "-" + lang + "-dark");
        } finally {
            darkMode(false);
        }

        narrow(320);
        try {
            assertThat(script("return document.documentElement.scrollWidth")).as("no horizontal scrolling at 320 px (R53)")
                    .isEqualTo(320L);
            assertThat(axeViolations()).as("axe-core, 320 px, %s %s", status, lang).isEmpty();
            screenshot(status + "-" + lang + "-320px");
        } finally {
            narrow(0);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("brandedStatuses")
    void brandedPagesWithACountdownHaveNoAccessibilityViolations(int status) throws IOException {
        open("branded", status, "en");

        assertThat(axeViolations()).as("axe-core, branded %s", status).isEmpty();
        screenshot("branded-" + status + "-en");
    }

    static Stream<Integer> brandedStatuses() {
        return Stream.of(502, 503, 504);
    }

    /** A long one-word site name wraps and a wide logo shrinks: neither scrolls the page sideways. */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("longBrandsAndLanguages")
    void aLongSiteNameOrAWideLogoFitsInto320Pixels(String variant, String lang) throws IOException { // R53
        open(variant, 502, lang);
        narrow(320);
        try {
            assertThat(script("return document.documentElement.scrollWidth")).as("no horizontal scrolling at 320 px")
                    .isEqualTo(320L);
            WebElement brand = browser.findElement(By.cssSelector(".brand"));
            assertThat(((Number) script("const r = arguments[0].getBoundingClientRect(); return r.left;", brand))
                    .doubleValue()).as("the brand's left edge").isGreaterThanOrEqualTo(0);
            assertThat(((Number) script("const r = arguments[0].getBoundingClientRect(); return r.right;", brand))
                    .doubleValue()).as("the brand's right edge").isLessThanOrEqualTo(320);
            if (variant.equals("long-name")) {
                Object mark = script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];",
                        browser.findElement(By.cssSelector(".brand .mark")));
                assertThat(((List<?>) mark).stream().map(side -> ((Number) side).doubleValue()))
                        .as("the initial's badge stays square").containsExactly(32.0, 32.0);
            } else {
                Object shape = script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];",
                        browser.findElement(By.cssSelector(".brand img")));
                List<?> size = (List<?>) shape;
                assertThat(((Number) size.get(1)).doubleValue()).as("the logo's height").isBetween(1.0, 32.0);
            }
            assertThat(axeViolations()).as("axe-core, %s %s at 320 px", variant, lang).isEmpty();
            screenshot(variant + "-" + lang + "-320px");
        } finally {
            narrow(0);
        }
    }

    static Stream<Arguments> longBrandsAndLanguages() {
        return Stream.of("long-name", "wide-logo", "wide-unsized-logo")
                .flatMap(variant -> Stream.of("de", "ar").map(lang -> Arguments.of(variant, lang)));
    }

    @Test
    void theCountdownIsAnnouncedAndCanBePaused() { // R52
        open("branded", 503, "en");
        WebElement status = browser.findElement(By.id("auto-retry-status"));
        WebElement count = browser.findElement(By.id("auto-retry-count"));
        WebElement toggle = browser.findElement(By.id("auto-retry-toggle"));

        assertThat(browser.findElement(By.id("auto-retry")).isDisplayed()).isTrue();
        assertThat(status.getAttribute("role")).isEqualTo("status");
        assertThat(status.getText()).isEqualTo("This page will try again automatically.");
        String first = count.getText();
        await(() -> !count.getText().equals(first), "the countdown to tick");

        toggle.click();
        assertThat(status.getText()).isEqualTo("Automatic retry paused.");
        assertThat(toggle.getText()).isEqualTo("Resume automatic retry");
        toggle.click();
        assertThat(status.getText()).isEqualTo("Automatic retry resumed.");
        assertThat(toggle.getText()).isEqualTo("Pause automatic retry");
    }

    @Test
    void copyDetailsPutsCodeTimeAndAddressOnTheClipboard() {
        String clipboard = copyDetails("en");
        String supportCode = browser.findElement(By.cssSelector("dd code")).getText();

        assertThat(browser.findElement(By.id("copy-status")).getText())
                .isEqualTo("Details copied. Paste them into your message to support.");
        assertThat(clipboard).contains("Support code: " + supportCode).containsPattern(
                "Time \\(UTC\\): \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC")
                .contains("Page: " + browser.getCurrentUrl());
    }

    /**
     * On a right-to-left page the copied code, time and address are each isolated left to right (U+2066 … U+2069):
     * pasted into a right-to-left message, "0763-J8N1" showed as "J8N1-0763", the digits read as an Arabic number.
     */
    @Test
    void copyDetailsIsolatesTheValuesOnARightToLeftPage() {
        String clipboard = copyDetails("ar");
        String supportCode = browser.findElement(By.cssSelector("dd code")).getText();

        assertThat(clipboard).contains(": \u2066" + supportCode + "\u2069\n")
                .containsPattern(": \u2066\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\u2069\n")
                .endsWith(": \u2066" + browser.getCurrentUrl() + "\u2069");
    }

    /** Opens the default 502 page in a language, presses "Copy details for support" and reads the clipboard. */
    private static String copyDetails(String lang) {
        open("default", 502, lang); // first: a permission cannot be granted to about:blank, an opaque origin
        browser.setPermission("clipboard-read", "granted");
        browser.setPermission("clipboard-write", "granted");
        browser.findElement(By.id("copy-details")).click();
        await(() -> !browser.findElement(By.id("copy-status")).getText().isEmpty(), "the copy to be confirmed");
        return (String) browser.executeAsyncScript("const done = arguments[arguments.length - 1]; "
                + "navigator.clipboard.readText().then(done, e => done('' + e));");
    }

    @Test
    void axeFindsViolationsWhereThereAreSome() {
        browser.get("http://127.0.0.1:" + server.getAddress().getPort() + "/inaccessible");

        assertThat(axeViolations()).anySatisfy(violation -> assertThat(violation).startsWith("html-has-lang"))
                .anySatisfy(violation -> assertThat(violation).startsWith("image-alt"));
    }

    private static void serve(HttpExchange exchange) throws IOException {
        if (exchange.getRequestURI().getPath().equals("/inaccessible")) {
            byte[] page = ("<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>x</h1>"
                    + "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"></main></body></html>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=UTF-8");
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
            return;
        }
        // /<variant>/<status>/<language>
        String[] parts = exchange.getRequestURI().getPath().split("/");
        ErrorPages pages = switch (parts[1]) {
            case "branded" -> BRANDED_PAGES;
            case "long-name" -> LONG_NAME_PAGES;
            case "default" -> DEFAULT_PAGES;
            default -> WIDE_LOGO_PAGES.get(parts[1]);
        };
        int status = Integer.parseInt(parts[2]);
        // Chromium sends Accept-Encoding: gzip, so the pages it checks are the compressed ones.
        ErrorRequest request = new ErrorRequest(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Accept"), parts[3], null,
                exchange.getRequestHeaders().getFirst("Accept-Encoding"));
        ErrorResponse response = pages.render(failure(status), request);
        lastContentEncoding = Optional.ofNullable(response.header("Content-Encoding")).orElse("identity");
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body());
        }
    }

    private static ErrorPages logoPages(String svg) {
        return ErrorPages.builder().pageConfig(PageConfig.builder()
                .branding(Branding.builder().siteName("Acme Travel").logo(svg).build()).build()).build();
    }

    private static UpstreamFailure failure(int status) {
        Instant now = Instant.now();
        return switch (status) {
            case 502 -> UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).failingSince(now.minusSeconds(47 * 60)).build();
            case 503 -> UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE).attempts(0)
                    .breakerRemainingOpen(Duration.ofSeconds(45)).failingSince(now.minusSeconds(90)).build();
            case 504 -> UpstreamFailure.builder(FailureCause.HTTP_RESPONSE_TIMEOUT).build();
            default -> UpstreamFailure.ofUpstreamStatus(status, null);
        };
    }

    private static void open(String variant, int status, String lang) {
        browser.get("http://127.0.0.1:" + server.getAddress().getPort() + "/" + variant + "/" + status + "/" + lang);
    }

    private static List<String> axeViolations() {
        script(axe);
        Object result = browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
                + " 'wcag22aa', 'best-practice']}}).then(r => done(JSON.stringify(r.violations)), e => done('error: ' + e));");
        String json = (String) result;
        if (json.startsWith("error: ")) {
            throw new AssertionError("axe-core failed: " + json);
        }
        List<String> violations = new ArrayList<>();
        for (JsonNode violation : JsonMapper.shared().readTree(json)) {
            StringBuilder line = new StringBuilder(violation.get("id").asString()).append(": ")
                    .append(violation.get("help").asString());
            for (JsonNode node : violation.get("nodes")) {
                line.append(" | ").append(node.get("html").asString()).append(" ").append(node.get("failureSummary").asString());
            }
            violations.add(line.toString());
        }
        return violations;
    }

    /** The body has the canvas colour from the hashed style sheet, and the hashed script un-hid the copy button. */
    private static boolean styleAndScriptRan() {
        Object background = script("return getComputedStyle(document.body).backgroundColor");
        return !"rgba(0, 0, 0, 0)".equals(background) && browser.findElement(By.id("copy-details")).isDisplayed();
    }

    private static void darkMode(boolean dark) {
        browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", dark ? "dark" : "light"))));
    }

    private static void narrow(int width) {
        if (width == 0) {
            browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        } else {
            browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", 900,
                    "deviceScaleFactor", 1, "mobile", true));
        }
    }

    private static Object script(String source, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(source, arguments);
    }

    private static void screenshot(String name) throws IOException {
        Object height = script("return Math.ceil(document.documentElement.getBoundingClientRect().height)");
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true));
        byte[] png = java.util.Base64.getDecoder().decode((String) shot.get("data"));
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
        assertThat(png.length).as("screenshot of %s (%s px high)", name, height).isGreaterThan(1000);
    }

    private static void await(Supplier<Boolean> condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + PATIENCE + " waiting for " + what);
            }
        }
    }

    private static Optional<Path> executable(String... names) {
        for (String directory : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : names) {
                Path candidate = Path.of(directory, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> findUpwards(Path relative) {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            if (Files.isRegularFile(directory.resolve(relative))) {
                return Optional.of(directory.resolve(relative));
            }
        }
        return Optional.empty();
    }
}
