package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailureException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bounds of what {@link ResponseHeadCheck} refuses in an upstream's head, checked on the class itself: the
 * integration tests send heads well inside or well outside each bound, these sit on them.
 */
class ResponseHeadCheckTests {

    /** Every field relayed as received. */
    private static final BiFunction<String, String, @Nullable String> AS_RECEIVED = (name, value) -> value;
    /** {@code "HTTP/1.1 200 \r\n"} and the empty line that ends the head. */
    private static final int STATUS_LINE_AND_END = 17;

    private static @Nullable FailureCause problem(int status, String... namesAndValues) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.computeIfAbsent(namesAndValues[i], name -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        UpstreamFailureException failure = ResponseHeadCheck.problem(status, fields, 8192, "HTTP/1.1", AS_RECEIVED);
        return failure == null ? null : failure.failure().cause();
    }

    /** RFC 9110 §15: 100–599 are the statuses; 599 is one (relayed: no failure status by default), 600 is not. */
    @Test
    void relaysStatusesUpTo599AndRefusesAbove() {
        assertThat(problem(599, "Content-Length", "2")).isNull();
        assertThat(problem(100, "Content-Length", "2")).isNull();
        assertThat(problem(600, "Content-Length", "2")).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(problem(99, "Content-Length", "2")).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    /**
     * RFC 9112 §6.3 (response splitting, R39): Transfer-Encoding beside any Content-Length is refused, a length of
     * 0 included: the JDK's client would read no body and leave the chunks to be read as the next response.
     */
    @Test
    void refusesChunkedBesideAContentLengthOfZero() {
        assertThat(problem(200, "Transfer-Encoding", "chunked", "Content-Length", "0"))
                .isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(problem(200, "Transfer-Encoding", "chunked")).isNull();
    }

    /** Chunked twice, in two fields, is a coding other than chunked alone: the JDK's client decodes it once. */
    @Test
    void refusesChunkedTwice() {
        assertThat(problem(200, "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked"))
                .isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    /** RFC 9112 §6.3: two Content-Length fields are refused, equal or not, as Jetty's parser refuses them. */
    @ParameterizedTest
    @ValueSource(strings = {"5", "7"})
    void refusesASecondContentLengthField(String second) {
        assertThat(problem(200, "Content-Length", "5", "Content-Length", second))
                .isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    /** Up to 18 digits a length is read (no overflow of a long); 19 are refused, even when the number would fit. */
    @Test
    void readsALengthOfUpTo18Digits() {
        assertThat(problem(200, "Content-Length", "9".repeat(18))).isNull();
        assertThat(ResponseHeadCheck.contentLength(200, List.of("9".repeat(18)))).isEqualTo(999_999_999_999_999_999L);
        assertThat(problem(200, "Content-Length", "0" + "9".repeat(18))).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
    }

    /** RFC 9110 §8.6: a 204's Content-Length of 0 passes the check, and is not passed on. */
    @Test
    void passesNoLengthOnForA204() {
        assertThat(problem(204, "Content-Length", "0")).isNull();
        assertThat(ResponseHeadCheck.contentLength(204, List.of("0"))).isEqualTo(ResponseHeadCheck.UNKNOWN_LENGTH);
        assertThat(ResponseHeadCheck.contentLength(200, List.of("0"))).isZero();
    }

    /**
     * RFC 9110 §15.3.6: no server may send content in a 205, so its relayed length is 0 whatever its head says; a body
     * it announces anyway, framed as any other status's (RFC 9112 §6.3), passes the check (its content is dropped), a
     * malformed framing does not.
     */
    @Test
    void relaysA205WithALengthOf0WhateverItsHeadSays() {
        assertThat(problem(205, "Content-Length", "5")).isNull();
        assertThat(problem(205, "Transfer-Encoding", "chunked")).isNull();
        assertThat(problem(205, "Content-Length", "5, 5")).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(ResponseHeadCheck.contentLength(205, List.of("5"))).isZero();
        assertThat(ResponseHeadCheck.contentLength(205, List.of())).isZero();
    }

    /**
     * RFC 9112 §6.1: a Transfer-Encoding in an HTTP/1.0 response is faulty framing (R2: {@code http_protocol_error}),
     * even the chunked alone that an HTTP/1.1 one may carry; an HTTP/1.0 response framed by its length or by the end
     * of its connection is none. The version comes from Jetty's client, as it gives a head field by field.
     */
    @Test
    void refusesATransferEncodingInAnHttp10Response() {
        List<Map.Entry<String, String>> chunked = List.of(Map.entry("Transfer-Encoding", "chunked"));
        List<Map.Entry<String, String>> length = List.of(Map.entry("Content-Length", "2"));

        assertThat(jettyProblem(chunked, true)).isEqualTo(FailureCause.HTTP_PROTOCOL_ERROR);
        assertThat(jettyProblem(chunked, false)).isNull();
        assertThat(jettyProblem(length, true)).isNull();
        assertThat(jettyProblem(List.of(), true)).isNull();
    }

    private static @Nullable FailureCause jettyProblem(List<Map.Entry<String, String>> fields, boolean http10) {
        UpstreamFailureException failure = ResponseHeadCheck.problem(200, fields, Map.Entry::getKey,
                Map.Entry::getValue, http10, 8192, "HTTP/1.1", AS_RECEIVED);
        return failure == null ? null : failure.failure().cause();
    }

    /**
     * A head of exactly {@code max-response-header-size} bytes as relayed (status line, fields with ": " and CRLF,
     * the empty line) is relayed; one byte more is the size failure (RFC 9209 §2.3.19).
     */
    @Test
    void relaysAHeadOfExactlyTheLimit() {
        int limit = 1000;
        String padding = "p".repeat(limit - STATUS_LINE_AND_END - "X-Padding".length() - 4);
        Map<String, List<String>> exact = Map.of("X-Padding", List.of(padding));
        Map<String, List<String>> over = Map.of("X-Padding", List.of(padding + "p"));

        assertThat(ResponseHeadCheck.problem(200, exact, limit, "HTTP/1.1", AS_RECEIVED)).isNull();
        assertThat(ResponseHeadCheck.problem(200, over, limit, "HTTP/1.1", AS_RECEIVED)).isNotNull()
                .satisfies(failure -> assertThat(failure.failure().cause())
                        .isEqualTo(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE));
    }
}
