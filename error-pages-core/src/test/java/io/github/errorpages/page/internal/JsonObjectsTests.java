package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * R32: what an application's problem+json template renders must be a JSON object (RFC 8259), or clients that asked
 * for problem details cannot read it. The check is of syntax only, and takes every JSON object.
 */
class JsonObjectsTests {

    @Test
    void takesEveryJsonObject() {
        assertThat(JsonObjects.isObject("{}")).isTrue();
        assertThat(JsonObjects.isObject(" \r\n\t{ } \n")).isTrue();
        assertThat(JsonObjects.isObject("{\"type\": \"about:blank\", \"status\": 502, \"retry_after\": 30}")).isTrue();
        assertThat(JsonObjects.isObject("{\"a\": [1, -0.5, 2e10, 3E-2, 0, true, false, null, \"\", [], {}, [[{\"b\": "
                + "{}}]]], \"c\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uABCD é \uE000\"}")).isTrue();
        assertThat(JsonObjects.isObject("{\"deep\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}"))
                .as("nested deeper than a stack holds, without recursion").isTrue();
    }

    @Test
    void refusesWhatIsNoJsonObject() {
        for (String text : new String[] {
            "", " ", "[]", "\"a\"", "502", "null", "{", "}", "{}}", "{} {}", "{},",
            "{\"a\": 1,}", "{,}", "{\"a\" 1}", "{\"a\":}", "{a: 1}", "{'a': 1}", "{\"a\": 1 \"b\": 2}",
            "{\"a\": [1,]}", "{\"a\": [1 2]}", "{\"a\": [}", "{\"a\": ]}", "{\"a\": {]}",
            "{\"a\": 01}", "{\"a\": +1}", "{\"a\": 1.}", "{\"a\": .5}", "{\"a\": 1e}", "{\"a\": -}", "{\"a\": 0x1}",
            "{\"a\": NaN}", "{\"a\": True}", "{\"a\": nul}", "{\"a\": truex}", "{\"a\": connection_refused}",
            "{\"a\": \"b}", "{\"a\": \"\\x\"}", "{\"a\": \"\\u12\"}", "{\"a\": \"\\u٣٣٣٣\"}",
            "{\"a\": \"line\nbreak\"}",
            "{\"a", "{\"a\\x\": 1}", "{\"a\": 1, \"b", "\uFEFF{}",
        }) {
            assertThat(JsonObjects.isObject(text)).as(text).isFalse();
        }
    }

    /**
     * RFC 9457 §3.1.2: the {@code status} member must be the response's status. The scan gives the top-level member
     * as it is written, whatever its type, so the caller can tell {@code 502} from {@code "502"}, {@code 502.0} or
     * {@code null}; a member of that name inside another member is not the problem's.
     */
    @Test
    void findsTheTopLevelStatusMemberAsItIsWritten() {
        assertThat(JsonObjects.scan("{\"type\": \"about:blank\", \"status\": 502, \"retry_after\": 30}"))
                .isEqualTo(new JsonObjects.Scan(true, "502"));
        assertThat(JsonObjects.scan(" {\"status\"\n:\t503 } ").status()).isEqualTo("503");
        assertThat(JsonObjects.scan("{\"status\": \"502\"}").status()).isEqualTo("\"502\"");
        assertThat(JsonObjects.scan("{\"status\": 502.0}").status()).isEqualTo("502.0");
        assertThat(JsonObjects.scan("{\"status\": -5e2}").status()).isEqualTo("-5e2");
        assertThat(JsonObjects.scan("{\"status\": null}").status()).isEqualTo("null");
        assertThat(JsonObjects.scan("{\"status\": {\"code\": [502]}, \"a\": 1}").status())
                .isEqualTo("{\"code\": [502]}");
        assertThat(JsonObjects.scan("{\"status\": []}").status()).isEqualTo("[]");
        assertThat(JsonObjects.scan("{\"st\\u0061tus\": 503}").status()).as("the name a parser reads").isEqualTo("503");
        assertThat(JsonObjects.scan("{\"status\": 503, \"status\": 502}").status()).as("the last, as parsers keep")
                .isEqualTo("502");
        assertThat(JsonObjects.scan("{\"a\": {\"b\": [1, {}]}, \"status\": 504}").status()).isEqualTo("504");
        assertThat(JsonObjects.scan("{\"status\": 502, \"detail\": {\"status\": 503}}").status()).isEqualTo("502");
        assertThat(JsonObjects.scan("{\"deep\": " + "[".repeat(100_000) + "{\"status\": 1}" + "]".repeat(100_000)
                + ", \"status\": 502}").status()).as("after nesting deeper than a stack holds").isEqualTo("502");
    }

    @Test
    void findsNoStatusWhereTheObjectHasNoTopLevelOne() {
        for (String text : new String[] {
            "{}", "{\"title\": \"status\"}", "{\"Status\": 503}", "{\"statuses\": 503}", "{\"stat\": 503}",
            "{\"st\\\"atus\": 503}", "{\"upstream\": {\"status\": 503}}", "{\"a\": [{\"status\": 503}]}",
        }) {
            assertThat(JsonObjects.scan(text)).as(text).isEqualTo(new JsonObjects.Scan(true, null));
        }
    }

    @Test
    void findsNoStatusInWhatIsNoJsonObject() {
        for (String text : new String[] {"{\"status\": 502,}", "{\"status\": 502} x", "{\"status\": 5 02}",
            "[{\"status\": 502}]", "{\"status\": 502"}) {
            assertThat(JsonObjects.scan(text)).as(text).isEqualTo(new JsonObjects.Scan(false, null));
        }
    }
}
