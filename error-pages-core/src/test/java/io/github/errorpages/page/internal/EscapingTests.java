package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.page.PageFormat;
import org.junit.jupiter.api.Test;
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

    /**
     * R38/R39: no page value can hold a control character today (the site name and links refuse them, nothing of
     * the request is shown), so these are the escapers' last line of defence should a future value carry one: in
     * problem details a control character is escaped (a raw one makes the JSON invalid), in text it becomes a space
     * (a line break would let a value forge lines of the page; C1 and DEL move a terminal's cursor).
     */
    @Test
    void escapesControlCharactersInProblemDetailsAndBlanksThemInText() {
        assertThat(Escaping.escape(PageFormat.PROBLEM_JSON, "a\nb\rc\td")).isEqualTo("a\\nb\\rc\\td");
        assertThat(Escaping.escape(PageFormat.PROBLEM_JSON, "a\u0001b\u007fc\u001b[2J"))
                .isEqualTo("a\\u0001b\\u007fc\\u001b[2J");
        assertThat(Escaping.escape(PageFormat.TEXT, "a\nb\rc\td")).isEqualTo("a b c d");
        assertThat(Escaping.escape(PageFormat.TEXT, "a\u0001b\u007fc\u001b[2J")).isEqualTo("a b c [2J");
        assertThat(Escaping.escape(PageFormat.TEXT, "\u0085\u009fnext\u0080")).isEqualTo("  next ");
        assertThat(Escaping.escape(PageFormat.TEXT, "ok\u00a0\u2028\n")).isEqualTo("ok\u00a0\u2028 ");
    }

    /** R38: a text page is no markup: what HTML escapes stands in it as it is, the very same string. */
    @Test
    void leavesTextAsItIsWhenItHasNoControlCharacter() {
        String value = "Joe's & <b> = `x` \\ \"";
        assertThat(Escaping.escape(PageFormat.TEXT, value)).isSameAs(value);
    }
}
