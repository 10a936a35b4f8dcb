package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.page.PageFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * R38: a value whose only special character is one of HTML's is escaped all the same. The shortcut that returns a
 * value as it is when nothing in it needs escaping must know every character the escaper changes: a site name such
 * as {@code Joe's} inside a custom template's single-quoted attribute would otherwise end the attribute.
 */
class EscapingTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "Joe's           | Joe&#39;s",
        "a&b             | a&amp;b",
        "a<b             | a&lt;b",
        "a>b             | a&gt;b",
        "a\"b             | a&quot;b",
        "a=b             | a&#61;b",
        "a`b             | a&#96;b"})
    void escapesAValueWhoseOnlySpecialCharacterIsOneOfHtmls(String value, String escaped) {
        assertThat(Escaping.escape(PageFormat.HTML, value)).isEqualTo(escaped);
    }

    /**
     * U+2028 and U+2029 may stand in a JSON string as they are, but end a line of JavaScript before ES2019: problem
     * details carry them as escapes, so that the body stays inert even where something reads it as script. A value
     * whose only special character is one of them (a site name, which may hold them, in a replacement template) is
     * escaped all the same: the shortcut passed it through as it was.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "Acme\u2028Shop | Acme\\u2028Shop",
        "Acme\u2029Shop | Acme\\u2029Shop"})
    void escapesTheLineSeparatorsOfAProblemDetailsValue(String value, String escaped) {
        assertThat(Escaping.escape(PageFormat.PROBLEM_JSON, value)).isEqualTo(escaped);
    }
}
