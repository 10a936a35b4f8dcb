package io.github.errorpages;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import io.github.errorpages.testing.StandardError;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The values a decision and a response take, checked where they are made: a decision built by hand (for
 * {@link ErrorPages#render(ErrorDecision, ErrorRequest)}) with a CR in its {@code Retry-After} failed the page and its
 * plain fallback alike, with an exception {@code render} does not name; one with a CR in its code split the incident's
 * log line in two (R39).
 */
class ErrorDecisionTests {

    private static final UpstreamFailure REFUSED = UpstreamFailure.of(FailureCause.CONNECTION_REFUSED);

    @ParameterizedTest
    @ValueSource(strings = {"", "x\"}\r\n<b>", "two words", "_leading", "naïve", "1st"})
    void anErrorCodeThatIsNoTokenIsRefused(String code) {
        assertThatIllegalArgumentException().isThrownBy(() -> new ErrorDecision(502, FailureCause.CONNECTION_REFUSED,
                code, null, null, REFUSED)).withMessageStartingWith("errorCode must be a token")
                .withMessageNotContaining("\r").withMessageNotContaining("\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"connection_refused", "maintenance", "Upstream-Down", "*x", "a:b/c.d", "e0123456789"})
    void anErrorCodeThatIsATokenIsTaken(String code) { // RFC 8941 §3.3.4
        assertThat(new ErrorDecision(502, FailureCause.CONNECTION_REFUSED, code, null, null, REFUSED).errorCode())
                .isEqualTo(code);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30\r\nSet-Cookie: x=1", "30\n", "\u000030", "30\u007f", "1\u0085", "30\u009f"})
    void aRetryAfterHeaderWithAControlCharacterIsRefused(String header) {
        assertThatIllegalArgumentException().isThrownBy(() -> new ErrorDecision(503, FailureCause.DESTINATION_UNAVAILABLE,
                "destination_unavailable", Duration.ofSeconds(30), header, REFUSED))
                .withMessageStartingWith("retryAfterHeader must be a field value")
                .withMessageNotContaining("\r").withMessageNotContaining("\n");
    }

    /** A decision made by hand answers with a 5xx, 500 and 599 included, or is refused: never 2xx, 3xx or 4xx (R1). */
    @ParameterizedTest
    @ValueSource(ints = {0, 200, 302, 404, 499, 600})
    void aStatusThatIsNo5xxIsRefused(int status) { // R1
        assertThatIllegalArgumentException().isThrownBy(() -> new ErrorDecision(status,
                FailureCause.CONNECTION_REFUSED, "connection_refused", null, null, REFUSED))
                .withMessage("status must be in [500, 599], but was " + status);
        assertThat(new ErrorDecision(500, FailureCause.PROXY_INTERNAL_ERROR, "proxy_internal_error", null, null,
                REFUSED).status()).isEqualTo(500);
        assertThat(new ErrorDecision(599, FailureCause.UPSTREAM_STATUS, "upstream_status", null, null, REFUSED)
                .status()).isEqualTo(599);
    }

    /**
     * The page's countdown and cache lifetime read {@code retryAfter}, the header {@code retryAfterHeader}: a
     * decision with one and not the other would send a header the page contradicts, or a countdown with no header
     * (R8, R10).
     */
    @Test
    void aRetryAfterWithoutItsHeaderOrAHeaderWithoutItsDelayIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> unavailable(Duration.ofSeconds(30), null))
                .withMessage("retryAfter and retryAfterHeader must both be set or both be null");
        assertThatIllegalArgumentException().isThrownBy(() -> unavailable(null, "30"))
                .withMessage("retryAfter and retryAfterHeader must both be set or both be null");
    }

    /**
     * The delay is whole seconds and at least one, as the header's delay-seconds is (R7, R10): the page counts
     * {@code retryAfterSeconds()}, which drops a fraction, down to a time before the header's.
     */
    @ParameterizedTest
    @ValueSource(longs = {0, 999, 1_500, 29_001})
    void aRetryAfterBelowOneSecondOrNotWholeIsRefused(long millis) { // R7, R10
        Duration delay = Duration.ofMillis(millis);

        assertThatIllegalArgumentException().isThrownBy(() -> unavailable(delay, "30"))
                .withMessage("retryAfter must be whole seconds >= 1, but was " + delay);
    }

    /** What a decision made by hand gives now: the page, its header and its one log line. */
    @Test
    void aDecisionMadeByHandIsRendered() {
        ErrorDecision decision = new ErrorDecision(503, FailureCause.DESTINATION_UNAVAILABLE, "upstream:down",
                Duration.ofSeconds(30), "Tue, 24 Nov 2026 10:16:00 GMT", REFUSED);
        ErrorResponse[] rendered = new ErrorResponse[1];

        String log = StandardError.capture(() -> rendered[0] = ErrorPages.ofDefaults().render(decision,
                new ErrorRequest("GET", "/", "application/json", null, null)));

        assertThat(rendered[0].header("Retry-After")).isEqualTo("Tue, 24 Nov 2026 10:16:00 GMT");
        assertThat(rendered[0].bodyText()).contains("upstream:down");
        assertThat(log.lines().filter(line -> line.contains("error page status=503"))).singleElement()
                .asString().contains("cause=upstream:down");
    }

    @Test
    void aResponsesHeaderWithoutANameOrValueIsNamed() {
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(REFUSED);
        Map<String, String> noValue = new HashMap<>();
        noValue.put("Retry-After", null);
        Map<String, String> noName = new HashMap<>();
        noName.put(null, "30");

        assertThatNullPointerException().isThrownBy(() -> new ErrorResponse(502, noValue, new byte[0], "7KQ2-MF4X",
                decision)).withMessage("value of header Retry-After");
        assertThatNullPointerException().isThrownBy(() -> new ErrorResponse(502, noName, new byte[0], "7KQ2-MF4X",
                decision)).withMessage("header name");
    }

    /**
     * A response made by hand (a renderer of the application's own) with a status outside 5xx, or a header whose name
     * or value holds a CR or LF, is refused where it is made, naming what is wrong: never a 2xx or 4xx for an
     * upstream failure (R1, R22), never a header the client would read as two (R39).
     */
    @Test
    void aResponseOutside5xxOrWithAHeaderThatWouldSplitIsRefused() {
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(REFUSED);

        assertThatIllegalArgumentException().isThrownBy(() -> new ErrorResponse(200, Map.of(), new byte[0],
                "7KQ2-MF4X", decision)).withMessage("status must be in [500, 599], but was 200");
        assertThatIllegalArgumentException().isThrownBy(() -> new ErrorResponse(600, Map.of(), new byte[0],
                "7KQ2-MF4X", decision)).withMessage("status must be in [500, 599], but was 600");
        for (Map<String, String> split : List.of(Map.of("Retry-After", "30\r\nSet-Cookie: a=b"),
                Map.of("Retry-After", "30\nX: y"), Map.of("X-A\rB", "1"), Map.of("X-A\nB", "1"))) {
            assertThatIllegalArgumentException().isThrownBy(() -> new ErrorResponse(502, split, new byte[0],
                    "7KQ2-MF4X", decision)).withMessageEndingWith("must not contain CR or LF");
        }
    }

    /**
     * Two responses are equal when their status, headers, body bytes, support code and decision are: the body by its
     * content, not by the array that holds it (a record compares arrays by identity). Without a Content-Type the
     * response is plain text.
     */
    @Test
    void responsesOfEqualPartsAreEqual() {
        ErrorDecision decision = ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(REFUSED);
        ErrorResponse response = new ErrorResponse(502, Map.of("Retry-After", "10"), "down".getBytes(UTF_8),
                "7KQ2-MF4X", decision);
        ErrorResponse same = new ErrorResponse(502, Map.of("Retry-After", "10"), "down".getBytes(UTF_8),
                "7KQ2-MF4X", decision);

        assertThat(response).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo("down");
        assertThat(response).isNotEqualTo(new ErrorResponse(503, Map.of("Retry-After", "10"), "down".getBytes(UTF_8),
                "7KQ2-MF4X", decision));
        assertThat(response).isNotEqualTo(new ErrorResponse(502, Map.of(), "down".getBytes(UTF_8), "7KQ2-MF4X",
                decision));
        assertThat(response).isNotEqualTo(new ErrorResponse(502, Map.of("Retry-After", "10"), "up".getBytes(UTF_8),
                "7KQ2-MF4X", decision));
        assertThat(response).isNotEqualTo(new ErrorResponse(502, Map.of("Retry-After", "10"), "down".getBytes(UTF_8),
                "8KQ2-MF4X", decision));
        assertThat(response).isNotEqualTo(new ErrorResponse(502, Map.of("Retry-After", "10"), "down".getBytes(UTF_8),
                "7KQ2-MF4X", ErrorPolicy.of(ErrorPagesConfig.ofDefaults()).decide(
                        UpstreamFailure.of(FailureCause.DNS_ERROR))));
        assertThat(response.contentType()).isEqualTo("text/plain; charset=UTF-8");
    }

    private static ErrorDecision unavailable(Duration retryAfter, String retryAfterHeader) {
        return new ErrorDecision(503, FailureCause.DESTINATION_UNAVAILABLE, "destination_unavailable", retryAfter,
                retryAfterHeader, REFUSED);
    }
}
