package io.github.errorpages.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.examples.RepositoryFiles;
import io.github.errorpages.internal.Durations;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.servlet.ErrorPagesFilter;
import io.github.errorpages.servlet.ErrorPagesInitializer;
import io.github.errorpages.servlet.ProxyTransport;
import io.github.errorpages.servlet.ReverseProxyServlet;
import io.github.errorpages.servlet.internal.ConfigParameters;
import io.github.errorpages.servlet.internal.PageParameters;
import io.github.errorpages.servlet.internal.UpstreamParameters;
import io.github.errorpages.upstream.UpstreamConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/configuration.md against the code: every configuration key that the builders' javadoc names
 * ({@code (key {@code ...})}), every init-parameter of the filter and the proxy servlet, and the defaults
 * that are public constants.
 */
class ConfigurationReferenceTests {

    private static final String REFERENCE = RepositoryFiles.read("docs/configuration.md");
    private static final Pattern ONE_KEY = Pattern.compile("\\(key \\{@code ([^}]+)}");
    private static final Pattern SEVERAL_KEYS = Pattern.compile("\\(keys ([^)]*)\\)");
    private static final Pattern CODE = Pattern.compile("\\{@code ([^}]+)}");
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);

    @ParameterizedTest
    @ValueSource(strings = {
        "error-pages-core/src/main/java/io/github/errorpages/ErrorPagesConfig.java",
        "error-pages-core/src/main/java/io/github/errorpages/page/PageConfig.java",
        "error-pages-core/src/main/java/io/github/errorpages/page/Branding.java",
        "error-pages-core/src/main/java/io/github/errorpages/upstream/UpstreamConfig.java",
    })
    void documentsEveryKeyTheBuildersName(String source) {
        Set<String> keys = keysNamedIn(RepositoryFiles.read(source));

        assertThat(keys).as("keys named in %s", source).hasSizeGreaterThan(5);
        assertThat(keys).allSatisfy(key -> assertThat(REFERENCE).as("docs/configuration.md").contains("`" + key + "`"));
    }

    @Test
    void documentsEveryInitParameter() {
        List<String> parameters = new ArrayList<>(UpstreamParameters.KEYS);
        parameters.addAll(List.of(ErrorPagesFilter.INTERCEPT_STATUSES_PARAMETER, ErrorPagesFilter.ROBOTS_TXT_FALLBACK_PARAMETER,
                ErrorPagesFilter.ROBOTS_TXT_FALLBACK_RESOURCE_PARAMETER, ErrorPagesFilter.REQUEST_ID_HEADER_PARAMETER,
                ReverseProxyServlet.UPSTREAM_PARAMETER, ReverseProxyServlet.CONNECT_TIMEOUT_PARAMETER,
                ReverseProxyServlet.BODY_IDLE_TIMEOUT_PARAMETER, ReverseProxyServlet.TRANSPORT_PARAMETER,
                ReverseProxyServlet.MAX_RESPONSE_HEADER_SIZE_PARAMETER, ReverseProxyServlet.MAX_CONNECTIONS_PARAMETER,
                ReverseProxyServlet.PROXY_STATUS_PARAMETER, ErrorPagesInitializer.ENABLED_PARAMETER));

        assertThat(parameters).allSatisfy(parameter -> assertThat(REFERENCE).contains("`" + parameter + "`"));
        assertThat(section("## `ReverseProxyServlet` init-parameters")).as("the proxy's upstream keys, listed")
                .contains(String.join("`, `", UpstreamParameters.KEYS.subList(1, UpstreamParameters.KEYS.size())));
    }

    @Test
    void documentedDefaultsAreTheCodesDefaults() {
        Map<String, String> defaults = defaults();
        Map<String, String> expected = new HashMap<>();
        expected.put("retry-after.max", duration(ErrorPagesConfig.DEFAULT_RETRY_AFTER_MAX));
        expected.put("retry-after.on-502-504", Boolean.toString(ErrorPagesConfig.DEFAULT_RETRY_AFTER_ON_502_504));
        expected.put("retry-after.jitter", "0");
        expected.put("auto-retry.max", duration(PageConfig.DEFAULT_AUTO_RETRY_MAX));
        expected.put("default-locale", PageConfig.DEFAULT_LOCALE.toLanguageTag());
        expected.put("negotiation.fallback", "problem-json");
        expected.put("branding.home-url", Branding.DEFAULT_HOME_URL);
        expected.put("branding.text-color", Branding.DEFAULT_TEXT_COLOR);
        expected.put("branding.background-color", Branding.DEFAULT_BACKGROUND_COLOR);
        expected.put("branding.primary-color", Branding.DEFAULT_PRIMARY_COLOR);
        expected.put("branding.dark.text-color", Branding.DEFAULT_DARK_TEXT_COLOR);
        expected.put("branding.dark.background-color", Branding.DEFAULT_DARK_BACKGROUND_COLOR);
        expected.put("branding.dark.primary-color", Branding.DEFAULT_DARK_PRIMARY_COLOR);
        expected.put("max-attempts", Integer.toString(UpstreamConfig.DEFAULT_MAX_ATTEMPTS));
        expected.put("deadline", duration(UpstreamConfig.DEFAULT_DEADLINE));
        expected.put("attempt-timeout", duration(UpstreamConfig.DEFAULT_ATTEMPT_TIMEOUT));
        expected.put("retry.max-honoured-retry-after", duration(UpstreamConfig.DEFAULT_MAX_HONOURED_RETRY_AFTER));
        expected.put("intercept-statuses", "502,503,504");
        expected.put("request-id-header", ErrorPagesFilter.DEFAULT_REQUEST_ID_HEADER);
        expected.put("connect-timeout", duration(ReverseProxyServlet.DEFAULT_CONNECT_TIMEOUT));
        expected.put("body-idle-timeout", duration(ReverseProxyServlet.DEFAULT_BODY_IDLE_TIMEOUT));
        expected.put("client-idle-timeout", duration(ReverseProxyServlet.DEFAULT_CLIENT_IDLE_TIMEOUT));
        expected.put("transport", ProxyTransport.AUTO.name().toLowerCase(java.util.Locale.ROOT));
        expected.put("max-response-header-size", Integer.toString(ReverseProxyServlet.DEFAULT_MAX_RESPONSE_HEADER_SIZE));
        expected.put("max-connections", Integer.toString(ReverseProxyServlet.DEFAULT_MAX_CONNECTIONS));

        expected.forEach((key, value) -> assertThat(defaults).as("default of %s", key).containsEntry(key, value));
        assertThat(ErrorPagesFilter.DEFAULT_INTERCEPTED_STATUSES).containsExactlyInAnyOrder(502, 503, 504);
        assertThat(REFERENCE).contains("`" + duration(UpstreamConfig.DEFAULT_BACKOFF_INITIAL) + "`, `"
                + UpstreamConfig.DEFAULT_BACKOFF_MULTIPLIER + "`, `" + duration(UpstreamConfig.DEFAULT_BACKOFF_MAX) + "`, `"
                + UpstreamConfig.DEFAULT_BACKOFF_JITTER + "`");
        assertThat(REFERENCE).contains("`true`, `" + UpstreamConfig.DEFAULT_RETRY_BUDGET_RATIO + "`, `"
                + UpstreamConfig.DEFAULT_RETRY_BUDGET_MIN_RETRIES + "`, `" + duration(UpstreamConfig.DEFAULT_RETRY_BUDGET_WINDOW) + "`");
        assertThat(REFERENCE).contains("| `retry.max-replay-body` | `" + UpstreamConfig.DEFAULT_MAX_REPLAY_BODY / 1024 + " KiB` |");
    }

    @Test
    void exampleOfAValidationMessageIsWordedAsTheCodeWordsIt() {
        String asWritten = org.assertj.core.api.Assertions.catchThrowable(() ->
                ConfigParameters.config(Map.of("retry-after.max", "500ms"))).getMessage();
        String builders = org.assertj.core.api.Assertions.catchThrowable(() ->
                ErrorPagesConfig.builder().retryAfterMax(Duration.ofMillis(500))).getMessage();

        assertThat(REFERENCE.replaceAll("\\s+", " ")).contains("`" + asWritten + "`");
        assertThat(builders).isEqualTo(asWritten);
        assertThat(REFERENCE.replaceAll("\\s+", " ")).contains("a builder's message shows the duration it was given, "
                + "`Duration.ofMillis(500)`, the same way");
    }

    /**
     * The formats of {@code negotiation.fallback} are listed as the message refusing another names them, which is
     * how they are written in init-parameters and properties: the table listed {@code PROBLEM_JSON}, {@code HTML}
     * and {@code TEXT} while the message said "must be html, problem-json or text".
     */
    @Test
    void fallbackFormatsAreListedAsTheMessageNamesThem() {
        String message = org.assertj.core.api.Assertions.catchThrowable(() ->
                PageParameters.config(Map.of("negotiation.fallback", "xml"))).getMessage();
        String row = REFERENCE.lines().filter(line -> line.startsWith("| `negotiation.fallback` |")).findFirst()
                .orElseThrow();

        assertThat(message).contains("must be html, problem-json or text, but was xml");
        assertThat(row).startsWith("| `negotiation.fallback` | `problem-json` |")
                .contains("`html`, `problem-json` or `text`");
        for (String spelling : List.of("html", "problem-json", "text")) {
            assertThat(PageParameters.config(Map.of("negotiation.fallback", spelling)).fallbackFormat().name())
                    .isEqualTo(spelling.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
        assertThat(PageConfig.DEFAULT_FALLBACK_FORMAT.name()).isEqualTo("PROBLEM_JSON");
    }

    /**
     * A designer offering German writes the tag a browser sends, {@code locales=en,de-DE}, and the start-up fails: the
     * row said "a subset of the built-in ones, as language tags", and {@code de-DE} is a language tag of German. It now
     * says that each is written as listed, and that requests for a region of it still get it.
     */
    @Test
    void localesAreWrittenAsListedWhileARequestForARegionGetsTheLanguage() {
        String row = REFERENCE.lines().filter(line -> line.startsWith("| `locales` |")).findFirst().orElseThrow();

        for (String locales : List.of("en,de-DE", "en,zh")) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                    PageParameters.config(Map.of("locales", locales)))).as(locales)
                    .hasMessageContaining("locales must name only languages with built-in messages");
        }
        ErrorPages pages = ErrorPages.builder()
                .pageConfig(PageParameters.config(Map.of("locales", "en,de"))).build();
        for (String requested : List.of("de-DE", "de-AT")) {
            assertThat(pages.render(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED),
                    new ErrorRequest("GET", "/", "text/plain", requested, null))
                    .header("Content-Language")).as(requested).isEqualTo("de");
        }
        assertThat(row).contains("each written as in this list: `de-DE` or `zh` is refused, while a request for "
                + "`de-DE` or `de-AT` gets `de`");
    }

    static Set<String> keysNamedIn(String javaSource) {
        String text = javaSource.replaceAll("\\n\\s*\\*\\s?", " ");
        Set<String> keys = new LinkedHashSet<>();
        Matcher one = ONE_KEY.matcher(text);
        while (one.find()) {
            keys.add(one.group(1));
        }
        Matcher several = SEVERAL_KEYS.matcher(text);
        while (several.find()) {
            Matcher code = CODE.matcher(several.group(1));
            while (code.find()) {
                keys.add(code.group(1));
            }
        }
        return keys;
    }

    /** The second column of every table row whose first column is one key, without backticks. */
    private static Map<String, String> defaults() {
        Map<String, String> defaults = new HashMap<>();
        Matcher row = ROW.matcher(REFERENCE);
        while (row.find()) {
            defaults.putIfAbsent(row.group(1), row.group(2).strip().replace("`", "").replaceAll(" \\(.*\\)$", ""));
        }
        return defaults;
    }

    private static String section(String heading) {
        int start = REFERENCE.indexOf(heading);
        int end = REFERENCE.indexOf("\n## ", start + heading.length());
        return REFERENCE.substring(start, end < 0 ? REFERENCE.length() : end);
    }

    /** A duration as the docs write it, as every message does: {@code 1h}, {@code 5m}, {@code 30s}, {@code 100ms}. */
    private static String duration(Duration duration) {
        return Durations.shown(duration);
    }
}
