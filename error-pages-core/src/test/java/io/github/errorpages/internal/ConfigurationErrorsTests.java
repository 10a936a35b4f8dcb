package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigurationErrorsTests {

    static Stream<Arguments> valuesWithControlCharacters() {
        return Stream.of(
                Arguments.of("Acme\r\nINFO Server started", "Acme\\r\\nINFO Server started"),
                Arguments.of("User-agent: *\nDisallow: /", "User-agent: *\\nDisallow: /"),
                Arguments.of("a\tb\u0000c\u007fd\u0085e\u2028f", "a\\tb\\u0000c\\u007Fd\\u0085e\\u2028f"),
                // A backslash stays: a Windows path is shown as written.
                Arguments.of("C:\\pages\\errors", "C:\\pages\\errors"),
                Arguments.of("déjà vu ✓", "déjà vu ✓"));
    }

    /**
     * A refused value is shown on one line: a line break in it (a site name refused for its CR LF, a misspelt key's
     * multi-line robots.txt) wrote a line of its own into the startup log, which could pass for the container's.
     */
    @ParameterizedTest
    @MethodSource("valuesWithControlCharacters")
    void showsAValueOnOneLine(String value, String shown) {
        assertThat(ConfigurationErrors.invalid("branding.site-name", value, "must be a name").getMessage())
                .isEqualTo("Invalid error-pages configuration: branding.site-name must be a name, but was " + shown);
    }

    /** A misspelt key is the operator's too, and named first. */
    @Test
    void showsAKeyOnOneLine() {
        assertThat(ConfigurationErrors.invalid("retry-after.max\nINFO x", "1s", "is no parameter").getMessage())
                .isEqualTo("Invalid error-pages configuration: retry-after.max\\nINFO x is no parameter, but was 1s");
    }

    /**
     * A value of kilobytes (a logo or a robots.txt under a misspelt key) is cut short, its length said: it was shown
     * whole, a startup log line of its size. One of the limit's length, such as an endpoints list, is shown whole.
     */
    @Test
    void cutsALongValueShortSayingItsLength() {
        String limit = "a".repeat(ConfigurationErrors.MAX_SHOWN_LENGTH);

        assertThat(ConfigurationErrors.shown(limit)).isEqualTo(limit);
        assertThat(ConfigurationErrors.shown(limit + "b".repeat(5000))).isEqualTo(limit + "... (5256 characters)");
        // Escaped after the cut, whatever it makes longer; never between the two halves of a surrogate pair.
        assertThat(ConfigurationErrors.shown("a\n".repeat(150))).isEqualTo("a\\n".repeat(128) + "... (300 characters)");
        assertThat(ConfigurationErrors.shown("a".repeat(255) + "😀".repeat(10)))
                .isEqualTo("a".repeat(255) + "😀... (265 characters)");
    }

    /**
     * Characters are counted as configuration.md counts them, and the site name's limit does: an emoji is one. Counted
     * in UTF-16 units, a value of 300 emoji was cut at 128 of them and said to have 600 characters.
     */
    @Test
    void countsCharactersNotUtf16Units() {
        String rockets = "\uD83D\uDE80".repeat(ConfigurationErrors.MAX_SHOWN_LENGTH);

        assertThat(ConfigurationErrors.shown(rockets)).isEqualTo(rockets);
        assertThat(ConfigurationErrors.shown(rockets + "\uD83D\uDE80".repeat(44)))
                .isEqualTo(rockets + "... (300 characters)");
    }

    @Test
    void namesABlankValueSo() {
        assertThat(ConfigurationErrors.shown(" \t\n")).isEqualTo("an empty value");
        assertThat(ConfigurationErrors.shown(42)).isEqualTo("42");
    }
}
