package io.github.errorpages.page;

import static io.github.errorpages.page.BuiltInPage.ACCEPTS;
import static io.github.errorpages.page.BuiltInPage.BROWSER_ACCEPT;
import static io.github.errorpages.page.BuiltInPage.INSTANCE;
import static io.github.errorpages.page.BuiltInPage.LANGUAGES;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.UpstreamFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pages are rendered ahead once per shape (format, page, status, language, flags) and each response only fills
 * in its own values (issue 7: the HTML page within 5 µs). These tests hold the fast path to what a full render
 * of the template gives: the first response of a shape is a full render (checked against the shape before the
 * shape is kept), so every later response must equal it with only the per-response values changed.
 */
class PagesRenderedAheadTests {


    @TempDir
    Path folder;

    @ParameterizedTest
    @EnumSource(BuiltInPage.class)
    void aLaterResponseIsTheFirstWithItsOwnSupportCodeInstanceAndTime(BuiltInPage page) {
        SettableClock clock = new SettableClock(BuiltInPage.NOW);
        ErrorPages pages = ErrorPages.builder().clock(clock).pageConfig(PageConfig.builder().autoRetryEnabled(true).build())
                .build();
        for (String language : LANGUAGES) {
            for (String accept : ACCEPTS) {
                for (String method : List.of("GET", "HEAD")) {
                    clock.set(BuiltInPage.NOW);
                    ErrorResponse first = render(pages, page, method, accept, language, "first-response-1");
                    clock.set(BuiltInPage.NOW.plusSeconds(1));
                    ErrorResponse later = render(pages, page, method, accept, language, "later-response-2");

                    String expected = instanceOf(later.bodyText(), first.bodyText())
                            .replace("first-response-1", "later-response-2")
                            .replace("2026-11-24T10:15:30Z", "2026-11-24T10:15:31Z")
                            .replace("2026-11-24 10:15:30 UTC", "2026-11-24 10:15:31 UTC");
                    String where = page + " " + method + " " + accept + " " + language;
                    assertThat(later.bodyText()).as(where).isEqualTo(expected);
                    assertThat(later.headers()).as(where).isEqualTo(first.headers());
                    if (method.equals("GET")) {
                        assertThat(later.bodyText()).as(where).contains("later-response-2");
                        assertThat(later.bodyText().contains("2026-11-24 10:15:31 UTC")).as(where)
                                .isEqualTo(!accept.equals("application/json")); // problem+json has no time
                    }
                }
            }
        }
    }

    @Test
    void aTemplateThatTestsWhetherAValueIsEmptyGetsTheRightTextInEveryLanguage() throws IOException {
        // The Japanese sentence starts with the delay ("{0}後に…"): its prefix is empty, the English one is not.
        write("503.txt.mustache", "{{#retryPrefix}}prefix [{{retryPrefix}}]{{/retryPrefix}}"
                + "{{^retryPrefix}}no prefix{{/retryPrefix}} {{retryText}} {{supportCode}}\n");
        ErrorPages pages = userPages();

        for (int round = 0; round < 2; round++) {
            assertThat(text(pages, "en", Duration.ofSeconds(30), "code-" + round))
                    .isEqualTo("prefix [Please try again in ] 30 seconds code-" + round + "\n");
            assertThat(text(pages, "ja", Duration.ofSeconds(30), "code-" + round))
                    .isEqualTo("no prefix 30秒 code-" + round + "\n");
        }
    }

    @Test
    void theWordsForTheDelayFollowEachResponsesRetryAfter() throws IOException {
        write("503.txt.mustache", "{{retrySentence}}|{{retryAfterSeconds}}\n");
        ErrorPages pages = userPages();

        assertThat(text(pages, "en", Duration.ofSeconds(30), "a")).isEqualTo("Please try again in 30 seconds.|30\n");
        assertThat(text(pages, "en", Duration.ofSeconds(150), "b")).isEqualTo("Please try again in 3 minutes.|150\n");
        assertThat(text(pages, "en", Duration.ofSeconds(1), "c")).isEqualTo("Please try again in 1 second.|1\n");
        assertThat(text(pages, "en", Duration.ofSeconds(30), "d")).isEqualTo("Please try again in 30 seconds.|30\n");
    }

    @Test
    void aValueInsideAScriptGetsAPolicyWithTheHashOfEachResponsesOwnScript() throws IOException {
        // R41: the policy lists the hash of the script as sent, so a per-response value in it needs a policy per response.
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title>"
                + "<script>var code = \"{{supportCode}}\";</script></html>");
        ErrorPages pages = userPages();

        for (String code : List.of("code-one", "code-two", "code-three")) {
            ErrorResponse response = pages.render(UpstreamFailure.of(io.github.errorpages.FailureCause.CONNECTION_REFUSED),
                    new ErrorRequest("GET", "/", BROWSER_ACCEPT, "en", code));
            String script = "var code = \"" + code + "\";";
            assertThat(response.bodyText()).contains("<script>" + script + "</script>");
            assertThat(response.header("Content-Security-Policy")).contains("script-src 'sha256-" + sha256(script) + "'");
        }
    }

    @Test
    void aTemplateWithPrivateUseCharactersOfItsOwnIsRenderedAsWritten() throws IOException {
        // The sentinels that mark the values while a page is rendered ahead are private-use characters too.
        String ownText = "icons \uE000\uE001\uE000 \uE000 \uE001";
        write("503.txt.mustache", ownText + " {{supportCode}} {{retryText}}\n");
        ErrorPages pages = userPages();

        assertThat(text(pages, "en", Duration.ofSeconds(30), "first")).isEqualTo(ownText + " first 30 seconds\n");
        assertThat(text(pages, "en", Duration.ofSeconds(30), "second")).isEqualTo(ownText + " second 30 seconds\n");
    }

    private ErrorPages userPages() {
        return BuiltInPage.pages(PageConfig.builder().templateDirectory(folder).build());
    }

    private static String text(ErrorPages pages, String language, Duration retryAfter, String requestId) {
        return pages.render(UpstreamFailure.ofUpstreamStatus(503, retryAfter),
                new ErrorRequest("GET", "/", "text/plain", language, requestId)).bodyText();
    }

    private static ErrorResponse render(ErrorPages pages, BuiltInPage page, String method, String accept, String language,
            String requestId) {
        ErrorRequest request = new ErrorRequest(method, "/orders/42", accept, language, requestId);
        if (page == BuiltInPage.MAINTENANCE) {
            return pages.renderMaintenance(request, BuiltInPage.NOW.plus(Duration.ofMinutes(90)));
        }
        return pages.render(page.failure(BuiltInPage.NOW.minus(Duration.ofHours(2))), request);
    }

    /** Replaces the problem instance of {@code body} with the one in {@code from}, if both have one. */
    private static String instanceOf(String from, String body) {
        Matcher instance = INSTANCE.matcher(from);
        return instance.find() ? INSTANCE.matcher(body).replaceAll(instance.group()) : body;
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(folder.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** A clock the test moves; reads are from the rendering thread only. */
    private static final class SettableClock extends Clock {
        private Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
