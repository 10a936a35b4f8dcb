package io.github.errorpages.page.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderMemoTests {

    private final List<String> negotiated = new ArrayList<>();
    private final HeaderMemo<Integer> memo = new HeaderMemo<>(value -> {
        negotiated.add(value);
        return value.length();
    });

    @Test
    void aValueSeenBeforeIsNotNegotiatedAgain() {
        assertThat(memo.get("text/html")).isEqualTo(9);
        assertThat(memo.get(new String("text/html"))).isEqualTo(9); // another request's copy of the same value

        assertThat(negotiated).containsExactly("text/html");
    }

    @Test
    void aLongValueIsNegotiatedEachTime() {
        String longValue = "a".repeat(HeaderMemo.MAX_VALUE_LENGTH + 1);

        memo.get(longValue);
        memo.get(longValue);

        assertThat(negotiated).hasSize(2);
    }

    /**
     * Made-up values from one client fill the memo, then a browser's: it is remembered all the same. A memo that
     * kept no more past its bound negotiated the browser's value on every request from then on.
     */
    @Test
    void pastItsBoundTheMemoStartsAfreshSoThatAValueInUseIsRememberedAgain() {
        for (int i = 0; i < HeaderMemo.MAX_ENTRIES; i++) {
            memo.get("made-up-" + i);
        }
        negotiated.clear();

        String browsers = "text/html,application/xhtml+xml";
        for (int request = 0; request < 3; request++) {
            assertThat(memo.get(browsers)).isEqualTo(browsers.length());
            assertThat(memo.get("made-up-" + (HeaderMemo.MAX_ENTRIES + request))).isGreaterThan(8);
        }

        assertThat(negotiated).containsOnlyOnce(browsers).hasSize(4);
    }
}
