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
}
