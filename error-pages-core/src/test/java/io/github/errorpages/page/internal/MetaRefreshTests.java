package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * R52: a page that has a {@code <meta http-equiv="refresh">} reloads or redirects on its own. The check reads the
 * rendered page's tags and comments as a browser does, in one pass over the page.
 */
class MetaRefreshTests {

    @Test
    void findsARefreshWhateverTheCaseQuotesOrderAndReferences() {
        for (String html : new String[] {
            "<meta http-equiv=\"refresh\" content=\"5\">",
            "<META content='30;url=/' HTTP-EQUIV='Refresh'>",
            "<meta content=5 http-equiv = refresh>",
            "<meta content=\"0;url=/x?a>b\" http-equiv=\"refresh\">",
            "<meta\thttp-equiv=\" refresh\n\" content=5>",
            "<meta http-equiv=\"&#82;efresh\" content=\"5\">",
            "<meta http-equiv=\"&#x72;efresh\">",
            "<meta http-equiv=\"&#X52;&#69;&#x46;resh\">",
            "<meta http-equiv=&#114efresh>",
            "<meta/http-equiv=refresh content=5>",
            "<p>a < b</p><!--> <meta http-equiv=refresh>",
            "<!---><meta http-equiv=refresh>",
            "<!-- a --><meta http-equiv=refresh><!-- b -->",
            "<!-- a --!><meta http-equiv=refresh><!-- b -->",
            "<meta http-equiv=refresh",
        }) {
            assertThat(MetaRefresh.in(html)).as(html).isEqualTo(!html.endsWith("refresh"));
        }
    }

    @Test
    void aRefreshInACommentAnAttributesValueOrAnotherTagIsNone() {
        for (String html : new String[] {
            "",
            "<",
            "<!-- old: <meta http-equiv=\"refresh\" content=\"30\"> -->",
            "<!-- never closed <meta http-equiv=refresh>",
            "<meta name=\"description\" content=\"no http-equiv=refresh here\">",
            "<meta name='x' content='<meta http-equiv=refresh content=5>'>",
            "<div title=\"<meta http-equiv=refresh>\"></div>",
            "<metadata http-equiv=refresh>",
            "<meta http-equiv=\"refresh-rate\">",
            "<meta http-equiv=\"content-language\" content=\"en\">http-equiv=refresh",
            "<meta http-equiv=\"re&#103;resh\">",
            "<meta http-equiv=\"&#99999999999999999999;efresh\">",
            "<meta http-equiv=\"refre\u017Fh\">",
            "<meta content=\"unclosed http-equiv=refresh>",
        }) {
            assertThat(MetaRefresh.in(html)).as(html).isFalse();
        }
    }

    /**
     * A regular expression backtracked over every unclosed {@code <meta }: 17 to 21 seconds for the first page. The
     * pages that mention {@code http-equiv} are read tag by tag to the end.
     */
    @Test
    void readsAPageOfManyUnclosedTagsToTheEnd() {
        assertThat(MetaRefresh.in("<meta ".repeat(20_000))).isFalse();
        assertThat(MetaRefresh.in("<meta http-equiv=refresh ".repeat(20_000))).as("one tag, never closed").isFalse();
        assertThat(MetaRefresh.in("<meta ".repeat(20_000) + "><meta http-equiv=refresh>")).isTrue();
        assertThat(MetaRefresh.in("<!--".repeat(20_000) + "<meta http-equiv=refresh>")).isFalse();
        assertThat(MetaRefresh.in("<a b='".repeat(20_000))).isFalse();
    }
}
