package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 9110 §5.6.1, §5.6.4, §5.6.6, §12.4.2: how a weighted field is cut into elements, parameters and weights. */
class QualityValueTests {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            'application/json;q=0.9, text/plain;level="1,2";q=0' | application/json 0.9, text/plain 0.0
            'text/html;x="a,b";q=0, application/json;q=0.5'      | text/html 0.0, application/json 0.5
            'text/html;x="a;q=0", application/json;q=0.5'        | text/html 1.0, application/json 0.5
            'text/html;x="q=0,", text/plain;q=0.1'               | text/html 1.0, text/plain 0.1
            'text/html;x="a\\",b";q=0, text/plain'               | text/html 0.0, text/plain 1.0
            'text/html;x="a\\\\";q=0, text/plain'                | text/html 0.0, text/plain 1.0
            'text/html ; x="" ; q=0.2 , text/plain'              | text/html 0.2, text/plain 1.0
            'text/html;q=0.5;x="1,2", text/plain'                | text/html 0.5, text/plain 1.0
            'text/html;q=0.5;q=0, text/plain;q=0.1'              | text/html 0.5, text/plain 0.1
            'application/json, text/html;x="unclosed, text/plain' | application/json 1.0
            'text/html;x="unclosed\\", text/plain'               | ''
            'de;q=0.8,,en, '                                     | de 0.8, en 1.0
            'GZIP;Q=0.5'                                         | gzip 0.5
            """)
    void splitsOnlyOnDelimitersOutsideQuotedStrings(String field, String expected) {
        // A comma or semicolon inside a quoted string (RFC 9110 §5.6.4, with quoted-pair escapes) separates
        // nothing, so it neither ends an element nor starts a parameter that could be read as its weight. A quoted
        // string that is never closed makes the rest of the field malformed: nothing from it is read, not a q=1.
        // The first q parameter is the weight (§12.5.1); empty elements are skipped (§5.6.1).
        String elements = QualityValue.elements(field, 64).stream()
                .map(element -> element.value() + " " + element.q())
                .collect(Collectors.joining(", "));

        assertThat(elements).isEqualTo(expected);
    }

    @Test
    void readsAtMostTheGivenNumberOfElementsWithQuotedCommasNotCounted() {
        assertThat(QualityValue.elements("a;x=\",,,,\", b, c, d", 2))
                .containsExactly(new QualityValue("a", 1), new QualityValue("b", 1));
        assertThat(QualityValue.elements("a, , b, c", 2)).as("an empty element is counted, as a malformed one is")
                .containsExactly(new QualityValue("a", 1));
    }
}
