package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;

/** What every error response must look like on the wire (DESIGN §4; standards R7, R12, R16, R18, R36, R37). */
final class PageAssertions {

    /** R36: no stack traces, exception names or framework/container banners. */
    static final Pattern LEAKS = Pattern.compile("(?i)exception|\\bat [a-z0-9_.$]+\\(|\\.java:\\d+|caused by"
            + "|org\\.springframework|io\\.github\\.resilience4j|java\\.net\\.|javax?\\.net\\.ssl|Tomcat/|Jetty\\(");
    /** R7: delay-seconds or IMF-fixdate. */
    static final Pattern RETRY_AFTER = Pattern.compile("^\\d+$|^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} "
            + "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$");

    private PageAssertions() {
    }

    /**
     * Asserts an error page: status, the headers of DESIGN §4, the body shape of its content type (or no
     * body for HEAD), and that nothing leaks.
     *
     * @param retryAfter the expected Retry-After as a regular expression (digits match themselves), or
     *     {@code null} when there must be none
     */
    static void assertErrorPage(HttpResponse<byte[]> response, String method, int status, String retryAfter) {
        assertThat(response.statusCode()).as("status (R1, R2)").isEqualTo(status);
        assertThat(response.headers().allValues("Cache-Control")).as("R16").containsExactly("no-store");
        assertThat(response.headers().firstValue("Vary").orElse("")).as("R18: field names, so any case").containsIgnoringCase("Accept");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).as("R41").hasValue("nosniff");
        assertThat(response.headers().firstValue("Location")).as("R23").isEmpty();
        assertThat(response.headers().firstValue("Set-Cookie")).as("R17").isEmpty();
        assertThat(response.headers().allValues("Expires")).as("R15").isEmpty();
        if (retryAfter == null) {
            assertThat(response.headers().allValues("Retry-After")).as("R4/R9").isEmpty();
        } else {
            assertThat(response.headers().allValues("Retry-After")).as("R7: exactly one").hasSize(1);
            assertThat(response.headers().firstValue("Retry-After").orElseThrow()).as("R7, R8, R10")
                    .matches(retryAfter).matches(RETRY_AFTER);
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        long contentLength = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if ("HEAD".equals(method)) {
            assertThat(response.body()).as("R12: no body for HEAD").isEmpty();
            assertThat(contentLength).as("R12: Content-Length of the GET").isPositive();
        } else {
            assertThat(contentLength).as("Content-Length").isEqualTo(response.body().length);
            assertBodyShape(contentType, new String(response.body(), StandardCharsets.UTF_8), status);
        }
    }

    /**
     * Asserts one page, not two one after the other (a filter's written after the servlet's, say): what opens a
     * page of its content type is in the body once. ({@link #assertErrorPage} checks the Content-Length against
     * the body, and that an HTML page has one {@code h1}.)
     */
    static void assertOnePage(HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        String type = contentType(response);
        String opening = type.startsWith("text/html") ? "<!DOCTYPE html>"
                : type.contains("json") ? "\"status\"" : body.lines().findFirst().orElse("");
        assertThat(opening).as("what opens the page").isNotBlank();
        assertThat(body).as("one page").containsOnlyOnce(opening);
    }

    /**
     * @return the Content-Type in a comparable form: lower case, no spaces (containers differ in both)
     */
    static String contentType(HttpResponse<byte[]> response) {
        return normalizedContentType(response.headers().firstValue("Content-Type").orElse(""));
    }

    static String normalizedContentType(String contentType) {
        return contentType.toLowerCase(Locale.ROOT).replace(" ", "");
    }

    /** The body matches its content type: HTML with a title, problem+json with the status, or text. */
    static void assertBodyShape(String contentType, String body, int status) {
        String type = contentType.toLowerCase(Locale.ROOT);
        if (type.startsWith("text/html")) {
            Document page = Jsoup.parse(body);
            assertThat(page.title()).as("R49").isNotBlank();
            assertThat(page.select("h1")).as("R51").hasSize(1);
        } else if (type.startsWith("application/problem+json")) {
            assertThat(body.trim()).startsWith("{").endsWith("}");
            assertThat(body).as("R32: status member").containsPattern("\"status\"\\s*:\\s*" + status + "\\b");
        } else {
            assertThat(type).as("content type").startsWith("text/plain");
            assertThat(body).contains(String.valueOf(status));
        }
    }

    /**
     * R36: the 500 page of {@code proxy_internal_error} says nothing of the exception, and the log (as
     * {@code StandardError} captured it) has, besides the page's WARN line, one ERROR line of the page's logger naming
     * its support code, followed by the exception's stack trace.
     */
    static void assertBugLoggedUnderThePagesSupportCode(HttpResponse<byte[]> page, String log, String exception) {
        assertErrorPage(page, "GET", 500, null);
        String text = Client.text(page);
        assertThat(text).containsPattern("\"code\"\\s*:\\s*\"proxy_internal_error\"");
        assertNoLeak(page, "CloneNotSupported", "boom", "10.1.2.3", "5432", "UpstreamFailureException", "Exception");
        Matcher pageLine = Pattern.compile("WARN io\\.github\\.errorpages\\.ErrorPages - error page status=500 "
                + "cause=proxy_internal_error upstream=orders .* support_code=(\\S+)").matcher(log);
        assertThat(pageLine.find()).as(log).isTrue();
        String supportCode = pageLine.group(1);
        assertThat(text).contains(supportCode);
        assertThat(log).as("once, at ERROR, on the page's logger, under its support code").containsOnlyOnce(
                "ERROR io.github.errorpages.ErrorPages - proxy_internal_error: what was thrown (upstream=orders, "
                        + "support_code=" + supportCode + ")");
        assertThat(log).containsOnlyOnce("error page status=").containsOnlyOnce(exception)
                .containsPattern("\tat io\\.github\\.errorpages\\.");
    }

    /** R36, R37: no exception names, stack traces, upstream hosts, addresses or ports. */
    static void assertNoLeak(HttpResponse<byte[]> response, String... secrets) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        StringBuilder headers = new StringBuilder();
        response.headers().map().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("date")) {
                headers.append(name).append(": ").append(values).append('\n');
            }
        });
        for (String text : new String[] {body, headers.toString()}) {
            assertThat(text).doesNotContainPattern(LEAKS);
            assertThat(text).doesNotContain("127.0.0.1", "localhost", "10.23.4.5", "billing-internal");
            for (String secret : secrets) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }

    /**
     * R12: a HEAD gets the headers a GET gets (the Date aside). A Retry-After that counts down an open
     * breaker's remaining time may have ticked by one second between the two requests; otherwise it is equal.
     */
    static void assertSameHeaders(HttpResponse<byte[]> head, HttpResponse<byte[]> get) {
        Map<String, Object> headHeaders = headersOf(head);
        Map<String, Object> getHeaders = headersOf(get);
        Object headRetryAfter = headHeaders.remove("retry-after");
        Object getRetryAfter = getHeaders.remove("retry-after");
        assertThat(headHeaders).as("R12: HEAD headers equal GET headers").isEqualTo(getHeaders);
        assertThat(headRetryAfter == null).as("R12: Retry-After on HEAD as on GET").isEqualTo(getRetryAfter == null);
        if (headRetryAfter != null) {
            long headSeconds = Long.parseLong(head.headers().firstValue("Retry-After").orElseThrow());
            long getSeconds = Long.parseLong(get.headers().firstValue("Retry-After").orElseThrow());
            assertThat(Math.abs(headSeconds - getSeconds)).as("R12: Retry-After on HEAD as on GET, %s vs %s",
                    headRetryAfter, getRetryAfter).isLessThanOrEqualTo(1);
        }
    }

    private static Map<String, Object> headersOf(HttpResponse<byte[]> response) {
        Map<String, Object> headers = new TreeMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("date")) {
                headers.put(name.toLowerCase(Locale.ROOT), values);
            }
        });
        return headers;
    }
}
