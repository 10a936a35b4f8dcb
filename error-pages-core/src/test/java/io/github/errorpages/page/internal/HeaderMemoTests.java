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

    @Test
    void pastItsBoundNewValuesAreNegotiatedEachTimeAndOldOnesStillRemembered() {
        for (int i = 0; i < HeaderMemo.MAX_ENTRIES; i++) {
            memo.get("value-" + i);
        }
        negotiated.clear();

        assertThat(memo.get("one more")).isEqualTo(8);
        assertThat(memo.get("one more")).isEqualTo(8);
        assertThat(memo.get("value-7")).isEqualTo(7);

        assertThat(negotiated).containsExactly("one more", "one more");
    }
}
