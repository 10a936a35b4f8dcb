package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every built-in page is rendered ahead ({@link PageShape}), never in full per response: a change to a built-in
 * template or to the model that broke the shapes would still give right pages (the full render is the fallback),
 * but would quietly cost five times as much (issue 7's 5 µs budget).
 */
class PageRendererShapesTests {

    private static final Instant NOW = Instant.parse("2026-11-24T10:15:30Z");
    private static final ErrorPolicy POLICY = ErrorPolicy.of(ErrorPagesConfig.ofDefaults());

    @Test
    void everyBuiltInPageInEveryFormatAndLanguageIsRenderedAhead() {
        PageConfig config = PageConfig.builder().autoRetryEnabled(true).noindexEnabled(true)
                .branding(Branding.builder().siteName("Acme & Sons <Travel>").statusPageUrl("https://status.example/?a=1&b=2")
                        .supportEmail("help@acme.example").build())
                .build();
        PageRenderer renderer = PageRenderer.create(config, Clock.fixed(NOW, ZoneOffset.UTC), getClass().getClassLoader());
        List<UpstreamFailure> failures = List.of(
                UpstreamFailure.of(FailureCause.PROXY_INTERNAL_ERROR),
                UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).failingSince(NOW.minusSeconds(30)).build(),
                UpstreamFailure.builder(FailureCause.DESTINATION_UNAVAILABLE).breakerRemainingOpen(Duration.ofSeconds(45))
                        .failingSince(NOW.minus(Duration.ofHours(3))).build(),
                UpstreamFailure.of(FailureCause.CONNECTION_TIMEOUT),
                UpstreamFailure.ofUpstreamStatus(507, Duration.ofMinutes(5)));
        for (String language : List.of("en", "de", "fr", "es", "pt", "ja", "zh-CN", "ar")) {
            for (String accept : List.of("text/html", "application/problem+json", "text/plain")) {
                for (String method : List.of("GET", "HEAD")) {
                    ErrorRequest request = new ErrorRequest(method, "/", accept, language, null);
                    for (UpstreamFailure failure : failures) {
                        ErrorDecision decision = POLICY.decide(failure);
                        renderer.render(decision, request, "7KQ2-MF4X", false, null);
                    }
                    renderer.render(POLICY.decide(failures.get(2)), request, "7KQ2-MF4X", true, NOW.plusSeconds(5400));
                }
            }
        }

        long[] counts = renderer.shapeCounts();
        assertThat(counts[0]).as("shapes kept").isGreaterThanOrEqualTo(8 * 3 * 6);
        assertThat(counts[1]).as("pages rendered in full on every response").isZero();
    }

    /**
     * The shapes kept are bounded: a gateway that relays every upstream 5xx status (R3) in every language and
     * format has 2,400 of them, and a renderer that kept each would grow with what its upstreams answer. Past the
     * bound a page is rendered in full, and is the page a renderer with room for its shape gives.
     */
    @Test
    void shapesPastTheBoundAreNotKeptAndTheirPagesAreRenderedInFull() {
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        PageRenderer renderer = PageRenderer.create(PageConfig.ofDefaults(), clock, getClass().getClassLoader());
        List<String> languages = List.of("en", "de", "fr", "es", "pt", "ja", "zh-CN", "ar");
        List<String> accepts = List.of("text/html", "application/problem+json", "text/plain");
        ErrorResponse last = null;
        ErrorRequest lastRequest = null;
        ErrorDecision lastDecision = null;
        for (int status = 500; status <= 599; status++) {
            ErrorDecision decision = POLICY.decide(UpstreamFailure.ofUpstreamStatus(status, null));
            for (String language : languages) {
                for (String accept : accepts) {
                    lastRequest = new ErrorRequest("GET", "/", accept, language, null);
                    lastDecision = decision;
                    last = renderer.render(decision, lastRequest, "7KQ2-MF4X", false, null);
                }
            }
        }

        long[] counts = renderer.shapeCounts();
        assertThat(counts[0]).as("shapes kept").isEqualTo(1024);
        assertThat(counts[1]).as("pages without a shape").isZero();
        ErrorResponse withRoom = PageRenderer.create(PageConfig.ofDefaults(), clock, getClass().getClassLoader())
                .render(lastDecision, lastRequest, "7KQ2-MF4X", false, null);
        assertThat(last.status()).isEqualTo(599);
        assertThat(last.headers()).isEqualTo(withRoom.headers());
        assertThat(withoutInstance(last.bodyText())).isEqualTo(withoutInstance(withRoom.bodyText()))
                .contains("7KQ2-MF4X");
    }

    /**
     * An application's problem+json template must render a JSON object (R32), checked on the page of the real values
     * only: the one rendered with sentinels has one where the built-in template, and one copied from it, writes the
     * {@code Retry-After} as a number, and checked too it would have such a page rendered in full on every response.
     */
    @Test
    void aJsonTemplateWithANumberOfTheResponseIsRenderedAhead(@TempDir Path folder) throws IOException {
        Files.writeString(folder.resolve("5xx.json.mustache"), "{\"status\": {{status}}, \"support_code\": "
                + "\"{{supportCode}}\"{{#hasRetryAfter}}, \"retry_after\": {{retryAfterSeconds}}{{/hasRetryAfter}}}");
        PageRenderer renderer = PageRenderer.create(PageConfig.builder().templateDirectory(folder)
                .strictTemplatesEnabled(true).build(), Clock.fixed(NOW, ZoneOffset.UTC), getClass().getClassLoader());
        ErrorRequest request = new ErrorRequest("GET", "/", "application/problem+json", "en", null);

        for (String supportCode : List.of("7KQ2-MF4X", "0763-J8N1")) {
            assertThat(renderer.render(POLICY.decide(UpstreamFailure.of(FailureCause.CONNECTION_REFUSED)), request,
                    supportCode, false, null).bodyText())
                    .isEqualTo("{\"status\": 502, \"support_code\": \"" + supportCode + "\", \"retry_after\": 10}");
        }

        long[] counts = renderer.shapeCounts();
        assertThat(counts[0]).as("shapes kept").isEqualTo(1);
        assertThat(counts[1]).as("pages rendered in full on every response").isZero();
    }

    private static String withoutInstance(String body) {
        return body.replaceAll("urn:uuid:[0-9a-f-]{36}", "urn:uuid:");
    }
}
