package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.page.PageFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FormatNegotiatorTests {

    private final FormatNegotiator negotiator = new FormatNegotiator(PageFormat.PROBLEM_JSON);

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "ABSENT", textBlock = """
            text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8                       | HTML
            text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8 | HTML
            application/json                                                                        | PROBLEM_JSON
            application/problem+json                                                                | PROBLEM_JSON
            */*                                                                                     | PROBLEM_JSON
            ABSENT                                                                                  | PROBLEM_JSON
            ''                                                                                      | PROBLEM_JSON
            image/png                                                                               | PROBLEM_JSON
            text/html;q=0.1, application/json                                                       | PROBLEM_JSON
            """)
    void followsTheStandardsMatrix(String accept, PageFormat expected) { // R34
        assertThat(negotiator.negotiate(accept)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            text/plain                                    | TEXT
            text/*                                        | TEXT
            text/*, */*;q=0.1                             | TEXT
            text/*;q=0.5, */*                             | PROBLEM_JSON
            TEXT/HTML                                     | HTML
            application/xhtml+xml                         | HTML
            application/vnd.api+json                      | PROBLEM_JSON
            application/*                                 | PROBLEM_JSON
            text/plain;q=0.9, text/html;q=0.9             | HTML
            application/json;q=0.5, text/plain            | TEXT
            text/html;q=0, */*                            | PROBLEM_JSON
            application/json;q=0, text/html;q=0.2         | HTML
            application/json;q=0, */*                     | PROBLEM_JSON
            '*/*;q=0'                                     | PROBLEM_JSON
            text/html;level=1;q=0.7, application/json;q=0.5 | HTML
            text/html;q=abc, application/json;q=0.1       | PROBLEM_JSON
            text/html;q=2                                 | PROBLEM_JSON
            text/html;q=-0, application/xhtml+xml         | HTML
            text/html;q=0e0, application/xhtml+xml        | HTML
            text/html;q=0x0p0, application/xhtml+xml      | HTML
            text/html;q=0.0d, application/xhtml+xml       | HTML
            text/html;q=+0, application/xhtml+xml         | HTML
            text/html;q=0.0001                            | HTML
            text/html;q = 0, application/json;q=0.5       | PROBLEM_JSON
            text/html;q=, application/json                | PROBLEM_JSON
            text/html;q, application/json;q=0.5           | PROBLEM_JSON
            text/html;q= 0.9, application/json;q=0.5      | PROBLEM_JSON
            text/html;Q=0.9, application/json;q=0.5       | HTML
            text/html;quality=0, application/json;q=0.5   | HTML
            'text/html ; q=0.8 , application/json ; q=0.9' | PROBLEM_JSON
            ;;;,,,                                        | PROBLEM_JSON
            """)
    void weighsQValuesAndSpecificityAndNeverRefuses(String accept, PageFormat expected) { // R34: never 406
        // A weight with space around "=" or no value is malformed (RFC 9110 §12.4.2: OWS ";" OWS "q=" qvalue),
        // and a range with a malformed weight is skipped, not read as q=1; "quality" is no weight. A qvalue is
        // digits with at most one dot: a sign, an exponent, a hexadecimal or a Java suffix make it malformed, so
        // text/html;q=-0 refuses nothing (it was read as 0, a refusal); more than three decimals are tolerated.
        assertThat(negotiator.negotiate(accept)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] fallback {0}: {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            HTML         | 'text/html;q=0.1, */*'                 | PROBLEM_JSON
            HTML         | 'text/html;q=0.001, */*;q=1'           | PROBLEM_JSON
            TEXT         | 'text/html;q=0.1, */*'                 | TEXT
            HTML         | 'text/plain;q=0.1, */*'                | HTML
            HTML         | 'text/plain;q=0.1, application/*'      | PROBLEM_JSON
            HTML         | 'application/json;q=0.1, text/*'       | TEXT
            HTML         | 'application/json;q=0.1, text/*, */*'  | TEXT
            HTML         | 'text/html;q=0.1, text/*'              | TEXT
            HTML         | 'application/json, */*'                | PROBLEM_JSON
            PROBLEM_JSON | 'text/html, */*'                       | HTML
            PROBLEM_JSON | 'text/plain;q=0.8, */*;q=0.8'          | TEXT
            """)
    void aFormatNamedBelowAWildcardLosesToTheFormatsTheWildcardCovers(PageFormat fallback, String accept,
            PageFormat expected) {
        // R34 ("HTML only when the client prefers text/html"), RFC 9110 §12.5.1: the range naming a type decides
        // its weight, and a wildcard weighs the types no range names. A named type rated below the wildcard was
        // served all the same: HTML to text/html;q=0.1, */*. At equal weight the named type still wins.
        assertThat(new FormatNegotiator(fallback).negotiate(accept)).isEqualTo(expected);
    }

    @Test
    void usesTheConfiguredFallbackWhenTheClientStatesNoPreference() {
        FormatNegotiator htmlByDefault = new FormatNegotiator(PageFormat.HTML);

        assertThat(htmlByDefault.negotiate(null)).isEqualTo(PageFormat.HTML);
        assertThat(htmlByDefault.negotiate("*/*")).isEqualTo(PageFormat.HTML);
        assertThat(htmlByDefault.negotiate("application/json")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(htmlByDefault.negotiate("text/html;q=0, */*")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(htmlByDefault.negotiate("image/png")).isEqualTo(PageFormat.HTML); // R34: disregarded, no 406
    }

    @Test
    void aFormatTheClientAcceptsBeatsAFallbackNoRangeMentions() {
        // R34: the client asked for application/*, which covers problem details and not HTML (RFC 9110
        // §12.5.1), so the HTML fallback is for clients that state no usable preference, not for this one.
        FormatNegotiator htmlByDefault = new FormatNegotiator(PageFormat.HTML);

        assertThat(htmlByDefault.negotiate("application/*")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(htmlByDefault.negotiate("image/png, application/*;q=0.1")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(new FormatNegotiator(PageFormat.TEXT).negotiate("application/*")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(new FormatNegotiator(PageFormat.TEXT).negotiate("application/json;q=0, image/png"))
                .as("nothing accepted: the fallback, unless excluded").isEqualTo(PageFormat.TEXT);
    }

    @Test
    void aNarrowerWildcardDecidesOverABroaderOne() {
        // R34, RFC 9110 §12.5.1: the most specific range decides among wildcards too, so text/*;q=0 excludes HTML
        // and text whatever */* says, and application/*;q=0 excludes problem details.
        assertThat(new FormatNegotiator(PageFormat.HTML).negotiate("text/*;q=0, */*")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(new FormatNegotiator(PageFormat.TEXT).negotiate("text/*;q=0, */*")).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(negotiator.negotiate("application/*;q=0, */*")).isEqualTo(PageFormat.HTML);
        assertThat(negotiator.negotiate("application/*;q=0, text/plain;q=0.5, */*")).as("HTML weighs 1 by */*")
                .isEqualTo(PageFormat.HTML);
        assertThat(negotiator.negotiate("application/*;q=0, text/plain, */*;q=0.5")).isEqualTo(PageFormat.TEXT);
    }

    @ParameterizedTest(name = "[{index}] fallback {0}: {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            HTML         | '*/*;q=0.1, application/*'             | PROBLEM_JSON
            HTML         | 'application/*, text/*;q=0.1'          | PROBLEM_JSON
            HTML         | 'text/*;q=0.1, application/*'          | PROBLEM_JSON
            HTML         | 'text/*;q=0.5, */*'                    | PROBLEM_JSON
            HTML         | 'text/*, application/*;q=0.1'          | TEXT
            HTML         | 'text/*, */*'                          | HTML
            HTML         | '*/*, application/*;q=0.5'             | HTML
            TEXT         | 'application/*, text/*;q=0.1'          | PROBLEM_JSON
            TEXT         | '*/*;q=0.1, application/*'             | PROBLEM_JSON
            TEXT         | '*/*, application/*;q=0.5'             | TEXT
            TEXT         | 'text/*, */*'                          | TEXT
            PROBLEM_JSON | 'text/*, application/*;q=0.1'          | TEXT
            PROBLEM_JSON | 'application/*, text/*;q=0.1'          | PROBLEM_JSON
            PROBLEM_JSON | '*/*, application/*;q=0.5'             | HTML
            PROBLEM_JSON | '*/*;q=0.5, text/*;q=0.1'              | PROBLEM_JSON
            PROBLEM_JSON | 'application/*;q=0.5, */*'             | HTML
            """)
    void weighsWildcardsWhateverTheFallback(PageFormat fallback, String accept, PageFormat expected) {
        // R34, RFC 9110 §12.5.1: when only wildcards decide, a format's weight is that of the narrowest one
        // covering it, and the highest weight wins; the fallback only breaks a tie. So a client that rates
        // application/* ten times above everything else gets problem details even with an HTML fallback.
        assertThat(new FormatNegotiator(fallback).negotiate(accept)).isEqualTo(expected);
    }

    /**
     * R34: any {@code application/*+json} asks for problem details, whatever the fallback; under a problem-details
     * fallback the rows above cannot tell the rule from the fallback.
     */
    @ParameterizedTest(name = "fallback {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            HTML | application/vnd.api+json
            TEXT | application/vnd.api+json
            HTML | application/merge-patch+json;q=0.9
            """)
    void anApplicationPlusJsonTypeAsksForProblemDetailsWhateverTheFallback(PageFormat fallback, String accept) {
        assertThat(new FormatNegotiator(fallback).negotiate(accept)).isEqualTo(PageFormat.PROBLEM_JSON);
    }

    /**
     * R34: only {@code application/*+json} names problem details; a {@code +json} type of another top-level type
     * ({@code text/}, {@code image/}) names none of our formats, so the fallback answers.
     */
    @ParameterizedTest(name = "fallback {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            HTML | text/vnd.example+json
            TEXT | image/vnd.example+json
            """)
    void aPlusJsonTypeOutsideApplicationAsksForNothing(PageFormat fallback, String accept) {
        assertThat(new FormatNegotiator(fallback).negotiate(accept)).isEqualTo(fallback);
    }

    @ParameterizedTest(name = "[{index}] fallback {0}: {1} -> {2}, {3}")
    @CsvSource(delimiter = '|', textBlock = """
            HTML         | 'application/json;q=0, text/*;q=0, */*'             | PROBLEM_JSON | application/problem+json
            PROBLEM_JSON | 'application/json;q=0, application/*'              | PROBLEM_JSON | application/problem+json
            PROBLEM_JSON | 'application/json;q=0, text/*;q=0.5, */*'          | PROBLEM_JSON | application/problem+json
            PROBLEM_JSON | 'application/vnd.api+json;q=0, */*'                | PROBLEM_JSON | application/problem+json
            HTML         | 'application/xhtml+xml;q=0, */*'                   | HTML         | text/html; charset=UTF-8
            PROBLEM_JSON | 'application/xhtml+xml;q=0, text/plain;q=0, text/*, application/*;q=0' | HTML | text/html
            PROBLEM_JSON | 'application/problem+json;q=0, application/json;q=0, application/*'    | HTML | text/html
            """)
    void refusesOnlyTheMediaTypesNamedWithQZero(PageFormat fallback, String accept, PageFormat format,
            String contentType) {
        // R34, RFC 9110 §12.5.1: q=0 on application/json refuses that type, not application/problem+json, which
        // problem details go as; q=0 on application/xhtml+xml refuses nothing, as HTML goes as text/html. They
        // refused the whole format: HTML was sent to a client that accepted only application/* (and problem
        // details through it), or against its text/*;q=0. The last row: problem details refused both ways, so
        // HTML, which no range refuses (nor accepts), rather than the fallback.
        FormatNegotiator.Choice choice = new FormatNegotiator(fallback).choose(accept);

        assertThat(choice.format()).isEqualTo(format);
        assertThat(choice.contentType()).startsWith(contentType);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}, {2}")
    @CsvSource(delimiter = '|', textBlock = """
            application/json, application/problem+json;q=0                | PROBLEM_JSON | application/json
            application/vnd.api+json, application/problem+json;q=0        | PROBLEM_JSON | application/json
            '*/*, application/problem+json;q=0'                           | PROBLEM_JSON | application/json
            application/*, application/problem+json;q=0                   | PROBLEM_JSON | application/json
            application/*;q=0, application/json                           | PROBLEM_JSON | application/json
            application/json;q=0, application/problem+json                | PROBLEM_JSON | application/problem+json
            'application/problem+json;q=0, application/json;q=0, */*'     | HTML         | text/html; charset=UTF-8
            application/xhtml+xml, text/html;q=0                          | PROBLEM_JSON | application/problem+json
            application/xhtml+xml, text/html;q=0, text/plain;q=0.1        | TEXT         | text/plain; charset=UTF-8
            application/xhtml+xml, text/*;q=0, application/json;q=0.1     | PROBLEM_JSON | application/problem+json
            text/*, text/html;q=0                                         | TEXT         | text/plain; charset=UTF-8
            text/*;q=0, text/html                                         | HTML         | text/html; charset=UTF-8
            'application/json;q=0.9, text/plain;level="1,2";q=0'          | PROBLEM_JSON | application/problem+json
            'text/html;x="a,b";q=0, application/json;q=0.5'               | PROBLEM_JSON | application/problem+json
            'text/html;x="a;q=1;b";q=0, application/json;q=0.5'           | PROBLEM_JSON | application/problem+json
            """)
    void neverSendsAMediaTypeTheClientRefuses(String accept, PageFormat format, String contentType) { // R34
        // RFC 9110 §12.5.1: the most specific range covering the type sent decides, and q=0 is "not acceptable".
        // HTML goes as text/html only; problem details as application/problem+json, else application/json.
        // A comma or semicolon in a quoted parameter value (§5.6.4) neither ends the range nor starts its weight.
        FormatNegotiator.Choice choice = negotiator.choose(accept);

        assertThat(choice.format()).isEqualTo(format);
        assertThat(choice.contentType()).isEqualTo(contentType);
    }

    @Test
    void aFallbackTheClientRefusesByTheTypeSentIsNotSent() {
        FormatNegotiator htmlByDefault = new FormatNegotiator(PageFormat.HTML);

        assertThat(htmlByDefault.choose("application/xhtml+xml, text/html;q=0"))
                .isEqualTo(FormatNegotiator.Choice.of(PageFormat.PROBLEM_JSON));
        assertThat(htmlByDefault.choose("image/png, text/html;q=0, application/problem+json;q=0").contentType())
                .isEqualTo("application/json");
        assertThat(htmlByDefault.choose("text/html;q=0, application/*;q=0, text/plain;q=0"))
                .as("every format refused: the fallback anyway, never a 406").isEqualTo(FormatNegotiator.Choice.of(PageFormat.HTML));
    }

    /**
     * R34, RFC 9110 §12.5.1: {@code text/*;q=0} refuses plain text as it refuses HTML, so a client that also
     * refuses {@code application/*} refuses every format and gets the fallback, not text/plain (which
     * {@code *}{@code /*}, absent here, would have allowed).
     */
    @ParameterizedTest(name = "fallback {0}")
    @CsvSource({"HTML", "PROBLEM_JSON"})
    void textWildcardAtZeroRefusesPlainText(PageFormat fallback) {
        assertThat(new FormatNegotiator(fallback).negotiate("text/*;q=0, application/*;q=0")).isEqualTo(fallback);
    }

    @Test
    void readsABoundedNumberOfRanges() {
        String flood = "image/png,".repeat(FormatNegotiator.MAX_RANGES) + "text/html";

        assertThat(negotiator.negotiate(flood)).isEqualTo(PageFormat.PROBLEM_JSON);
        assertThat(negotiator.negotiate("image/png,".repeat(FormatNegotiator.MAX_RANGES - 1) + "text/html"))
                .isEqualTo(PageFormat.HTML);
    }
}
