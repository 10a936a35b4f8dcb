package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.FailureClassifier;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.servlet.internal.ResponseAbortedException;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorPagesFilterTests {

    @Test
    void builderRejectsStatusesOutside5xxNamingParameterAndValue() {
        assertThatThrownBy(() -> ErrorPagesFilter.builder().interceptedStatuses(List.of(502, 404)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid error-pages configuration: intercept-statuses must list 5xx statuses (500-599) "
                        + "only, but was [502, 404]");
    }

    /**
     * The whole value, not the element that does not parse: an empty one showed as nothing after "but was". An empty
     * element at the end too: "," intercepted no status at all (the filter answered exceptions only), "502," one
     * fewer than the list was cut short of. ASCII digits only, as every other integer key: Arabic-Indic and fullwidth
     * 503 were read as 503, and +502 as 502.
     */
    @ParameterizedTest
    @ValueSource(strings = {"502, ,503", "502,bad", "502;503", ",", "502,", "502,,504", "\u0665\u0660\u0663",
        "502,\uFF15\uFF10\uFF13", "+502"})
    void initRejectsInterceptStatusesThatDoNotParseNamingTheWholeValue(String value) {
        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of("intercept-statuses", value))))
                .isInstanceOf(ServletException.class)
                .hasMessage("Invalid error-pages configuration: intercept-statuses must list statuses separated by "
                        + "commas, but was " + value);
    }

    /**
     * A status with more digits than an int holds (a status pasted twice, 503503503503) is a status out of range, and
     * the filter does not start, saying so with the whole value: it was refused as a list that does not parse, "must
     * list statuses separated by commas", of a value that is one number, or numbers separated by commas.
     */
    @ParameterizedTest
    @ValueSource(strings = {"503503503503", "502, 99999999999", "-2147483649"})
    void initRefusesAnInterceptStatusPastAnIntsRangeAsOutOf5xxNotAsAListThatDoesNotParse(String value) {
        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of("intercept-statuses", value))))
                .isInstanceOf(ServletException.class)
                .hasMessage("Invalid error-pages configuration: intercept-statuses must list 5xx statuses (500-599) "
                        + "only, but was " + value);
    }

    /**
     * A repeated status is refused, as a repeated language or endpoint is (a slip: another status meant); a status
     * outside 5xx is named with the value as written, not as a parsed list. Both were accepted or reprinted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"502,502", "502, 503, 502", "503,600", "502, 404"})
    void initRejectsRepeatedOrNon5xxInterceptStatusesNamingTheValueAsWritten(String value) {
        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of("intercept-statuses", value))))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: intercept-statuses must ")
                .hasMessageEndingWith(", but was " + value);
        assertThatThrownBy(() -> ErrorPagesFilter.builder().interceptedStatuses(List.of(502, 502)))
                .hasMessage("Invalid error-pages configuration: intercept-statuses must not name a status twice, but "
                        + "was [502, 502]");
    }

    /**
     * A refusal of the whole configuration, one value against another or a folder that must exist, names the value
     * as written too, and what it was read as: it named "en" for EN, an absolute path for a relative one, "#abcdef"
     * for #ABCDEF, none of which the operator finds in the configuration.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "locales=de,fr;default-locale=EN|default-locale must be one of locales [de, fr]|, but was EN (read as en)",
        "templates.directory=no/such/dir;templates.strict=true|templates.directory must be an existing folder "
                + "(templates.strict is on)|, but was no/such/dir (read as /",
        "branding.text-color=#ABCDEF|branding.text-color must have a contrast of at least 4.5:1 with "
                + "branding.background-color|, but was #ABCDEF (read as #abcdef (1.65:1))"})
    void initRefusalOfTheWholeNamesTheValueAsWrittenAndAsRead(String parameters, String rule, String shown) {
        Map<String, String> config = new java.util.LinkedHashMap<>();
        for (String parameter : parameters.split(";")) {
            config.put(parameter.substring(0, parameter.indexOf('=')), parameter.substring(parameter.indexOf('=') + 1));
        }

        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(config)))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: " + rule)
                .hasMessageContaining(shown);
    }

    /**
     * A value of kilobytes (a logo) is named as every message names one: its first 256 characters and its length
     * (configuration.md). It was cut at 77, as no other message cuts a value.
     */
    @Test
    void initRefusalOfTheWholeNamesALongValueShortened() {
        String logo = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">"
                + "<rect width=\"10\" height=\"10\"/>".repeat(200) + "</svg>";

        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of("branding.logo", logo))))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: branding.logo needs branding.site-name")
                .hasMessageContaining(", but was " + logo.substring(0, 256) + "... (" + logo.length()
                        + " characters) (read as a logo without branding.site-name)")
                .satisfies(refused -> assertThat(refused.getMessage()).hasSizeLessThan(500));
    }

    /**
     * A branding value refused by init-parameter is shown as the builder shows it: whole up to 256 characters, once,
     * with no "read as". It was cut at 77 (between the two halves of an emoji's surrogate pair, past 76 letters) and
     * then shown whole again as "(read as ...)", as if the library had read it as another value.
     */
    @ParameterizedTest
    @ValueSource(strings = {"branding.site-name", "branding.home-url"})
    void initRefusalOfABrandingValueShowsItAsWrittenOnceAndUncut(String key) {
        String prefix = key.equals("branding.home-url") ? "/" : "";
        String rockets = prefix + "A".repeat(76) + "\uD83D\uDE80".repeat(30) + "\u0085";
        for (String value : List.of(prefix + "Acme ".repeat(20) + "!", rockets)) {
            assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of(key, value))))
                    .isInstanceOf(ServletException.class)
                    .hasMessageStartingWith("Invalid error-pages configuration: " + key + " must ")
                    .hasMessageEndingWith(", but was " + value.replace("\u0085", "\\u0085"))
                    .hasMessageNotContaining("read as");
        }
    }

    /**
     * A contrast refusal by init-parameter reads as the builder's, which templates.md shows: the colour and its ratio.
     * It said the colour was "read as" itself: {@code but was #7fb2ff (read as #7fb2ff (2.16:1))}.
     */
    @Test
    void initRefusalOfAContrastReadsAsTheBuildersWhenTheColourIsAsWritten() { // R50
        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of("branding.primary-color", "#7fb2ff"))))
                .isInstanceOf(ServletException.class)
                .hasMessage("Invalid error-pages configuration: branding.primary-color must have a contrast of at "
                        + "least 4.5:1 with branding.background-color #ffffff (WCAG 2.2 SC 1.4.3), but was #7fb2ff "
                        + "(2.16:1)");
    }

    /**
     * A refusal shows the value on one line, its line breaks escaped: a misspelt key's multi-line robots.txt, or a
     * value refused for its CR LF, wrote lines of their own into the container's startup log.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "robots-txt.fallbak|User-agent: *\\nDisallow: /",
        "branding.site-name|Acme\\r\\nINFO Server started",
        "retry-after.format|http-date\\nINFO Server started"})
    void initRefusalShowsTheValueOnOneLine(String key, String shown) {
        String value = shown.replace("\\r", "\r").replace("\\n", "\n");

        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of(key, value))))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: " + key + " ")
                .hasMessageEndingWith(", but was " + shown)
                .satisfies(refused -> assertThat(refused.getMessage()).doesNotContain("\r", "\n"));
    }

    /**
     * A misspelt key's value of kilobytes (a logo) is cut short: the message showed it whole, with the whole list of
     * known keys, a startup log line of 16 KiB.
     */
    @Test
    void initRefusalOfAMisspeltKeyCutsALongValueShort() {
        String logo = "data:image/png;base64," + "A".repeat(16_000);

        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of("branding.lgo", logo))))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: branding.lgo is no parameter")
                .hasMessageEndingWith(", but was " + logo.substring(0, 256) + "... (16022 characters)");
    }

    /**
     * The bounds of 5xx are statuses the filter intercepts: 500 and 599 are accepted, by init-parameter as by the
     * builder, as the message of a refusal says ("500-599").
     */
    /**
     * A Retry-After default whose status is not written as a status is (three digits from 100) is an unknown parameter,
     * as {@code retry-after.default.0503} was, named as written with its value: {@code 099} was read as 99 and refused
     * as {@code retry-after.default.99 ..., but was 99}, a key and a value the configuration does not hold.
     */
    @ParameterizedTest
    @ValueSource(strings = {"retry-after.default.099", "retry-after.default.0503", "retry-after.default.000"})
    void initRefusesARetryAfterDefaultForNoStatusNamingTheKeyAndTheValueAsWritten(String key) {
        assertThatThrownBy(() -> new ErrorPagesFilter().init(filterConfig(Map.of(key, "5s"))))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Invalid error-pages configuration: " + key + " is no parameter of "
                        + "ErrorPagesFilter (known: ")
                .hasMessageEndingWith(", but was 5s");
    }

    @Test
    void interceptsTheStatusesAtTheBoundsOf5xx() throws ServletException {
        ErrorPagesFilter configured = new ErrorPagesFilter();
        configured.init(filterConfig(Map.of("intercept-statuses", "599, 500")));

        assertThat(configured).hasToString("ErrorPagesFilter{interceptedStatuses=[500, 599]}");
        assertThat(ErrorPagesFilter.builder().interceptedStatuses(List.of(500, 599)).build())
                .hasToString("ErrorPagesFilter{interceptedStatuses=[500, 599]}");
    }

    /**
     * {@code intercept-statuses} set empty (or blank) intercepts no status, as its documentation says ("empty to answer
     * exceptions only"): not the defaults, and not a refusal of an empty element.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void anEmptyInterceptStatusesInterceptsNoStatus(String value) throws ServletException {
        ErrorPagesFilter configured = new ErrorPagesFilter();
        configured.init(filterConfig(Map.of("intercept-statuses", value)));

        assertThat(configured).hasToString("ErrorPagesFilter{interceptedStatuses=[]}");
    }

    /**
     * robots.txt's fallback set twice, inline and as a resource, is refused at init, naming both keys: one of them
     * would otherwise be dropped without a word, and which one the operator could not tell.
     */
    @Test
    void initRefusesARobotsTxtFallbackSetBothInlineAndAsAResource() {
        FilterConfig both = filterConfig(Map.of("robots-txt.fallback", "User-agent: *\nDisallow:\n",
                "robots-txt.fallback-resource", "/WEB-INF/robots-fallback.txt"));

        assertThatThrownBy(() -> new ErrorPagesFilter().init(both)).isInstanceOf(ServletException.class)
                .hasMessage("Invalid error-pages configuration: robots-txt.fallback-resource cannot be combined with "
                        + "robots-txt.fallback, but was /WEB-INF/robots-fallback.txt");
    }

    @Test
    void builderRejectsInvalidRequestIdHeaderName() {
        assertThatThrownBy(() -> ErrorPagesFilter.builder().requestIdHeader("X-Request Id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("request-id-header must be a header name, but was X-Request Id");
    }

    @Test
    void describesItsInterceptedStatuses() {
        assertThat(ErrorPagesFilter.builder().interceptedStatuses(List.of(504, 502)).build())
                .hasToString("ErrorPagesFilter{interceptedStatuses=[502, 504]}");
        assertThat(new ErrorPagesFilter()).hasToString("ErrorPagesFilter{not initialised}");
    }

    /**
     * The quick start's reading of what a JAX-RS mapper caught, with the system clock: an upstream failure wrapped in
     * a {@link ServletException} is read as the filter reads it from the chain (R2); the request connection's own
     * failure (Tomcat's {@code ClientAbortException} of a reset) and an answer the proxy aborted already stand for no
     * upstream failure, though the classifier alone reads the reset as an upstream's (R4: no page, no WARN).
     */
    @Test
    void upstreamFailureOfReadsAWrappedFailureAndNoneForTheClientsOwnConnection() {
        FailureClassifier classifier = FailureClassifier.ofDefaults();
        assertThat(ErrorPagesFilter.upstreamFailureOf(new ServletException(new ConnectException("Connection refused")),
                classifier)).map(UpstreamFailure::cause).hasValue(FailureCause.CONNECTION_REFUSED);

        ClientAbortException reset = new ClientAbortException(new SocketException("Connection reset"));
        assertThat(classifier.classify(reset)).as("the classifier alone").isPresent();
        assertThat(ErrorPagesFilter.upstreamFailureOf(new ServletException(reset), classifier)).isEmpty();
        assertThat(ErrorPagesFilter.upstreamFailureOf(new ResponseAbortedException("aborted"), classifier)).isEmpty();
    }

    @Test
    void refusesRequestsBeforeInit() {
        assertThatThrownBy(() -> new ErrorPagesFilter().doFilter(null, null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not initialised");
    }

    @Test
    void initFailsWithServletExceptionForATemplateThatDoesNotCompileInStrictMode(@TempDir Path templates)
            throws IOException {
        // As documented: a ServletException naming the problem, not an IllegalStateException escaping init.
        Files.writeString(templates.resolve("5xx.json.mustache"), "{\"code\": \"{{#unclosed}}\"}");
        FilterConfig config = filterConfig(Map.of("templates.directory", templates.toString(), "templates.strict", "true"));

        assertThatThrownBy(() -> new ErrorPagesFilter().init(config))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("5xx.json.mustache");
    }

    /**
     * The filter the initializer registered from context parameters: a startup failure names the parameter with the
     * prefix the application wrote; one that names no parameter (a template's) is left as it is. The prefix was put
     * in front of any message: "context parameter error-pages.template layout.html.mustache ... does not compile".
     */
    @Test
    void autoRegisteredFilterNamesTheContextParameterOnlyWhereTheMessageNamesOne(@TempDir Path templates)
            throws IOException {
        Files.writeString(templates.resolve("5xx.json.mustache"), "{\"code\": \"{{#unclosed}}\"}");
        FilterConfig invalid = filterConfig(ErrorPagesInitializer.FILTER_NAME,
                Map.of(ErrorPagesInitializer.MARK_PARAMETER, "true", "retry-after.max", "forever"));
        FilterConfig broken = filterConfig(ErrorPagesInitializer.FILTER_NAME,
                Map.of(ErrorPagesInitializer.MARK_PARAMETER, "true", "templates.directory", templates.toString(),
                        "templates.strict", "true"));

        assertThatThrownBy(() -> new ErrorPagesFilter().init(invalid)).isInstanceOf(ServletException.class)
                .hasMessageStartingWith(
                        "Invalid error-pages configuration: context parameter error-pages.retry-after.max ")
                .hasMessageContaining("but was forever");
        assertThatThrownBy(() -> new ErrorPagesFilter().init(broken)).isInstanceOf(ServletException.class)
                .hasMessageContaining("5xx.json.mustache").hasMessageNotContaining("context parameter");
    }

    /** The container's part of a filter's configuration: its name and init-parameters. */
    private static FilterConfig filterConfig(Map<String, String> parameters) {
        return filterConfig("errorPages", parameters);
    }

    private static FilterConfig filterConfig(String name, Map<String, String> parameters) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return name;
            }

            @Override
            public ServletContext getServletContext() {
                return null; // read only for robots-txt.fallback-resource, not set here
            }

            @Override
            public String getInitParameter(String name) {
                return parameters.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(parameters.keySet());
            }
        };
    }
}
