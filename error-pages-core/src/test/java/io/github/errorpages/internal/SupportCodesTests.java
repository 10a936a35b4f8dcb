package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SupportCodesTests {

    private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /**
     * A support code is read out to support over the phone (R33): it is written in Crockford's base32, which leaves
     * out I, L, O and U, and every one of its 32 characters turns up, and no other. A single code matched against the
     * pattern catches a wrong alphabet only by chance (one code in four holds a given character), so many are drawn:
     * with a U in place of the V, the alphabet's only difference, some code among them holds a U.
     */
    @Test
    void newCodesUseEveryCharacterOfCrockfordsBase32AndNoOther() {
        Set<Character> seen = new TreeSet<>();
        for (int i = 0; i < 2_000; i++) {
            String code = SupportCodes.newCode();

            assertThat(code).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
            code.chars().filter(c -> c != '-').forEach(c -> seen.add((char) c));
        }

        assertThat(seen).containsExactlyElementsOf(CROCKFORD.chars().mapToObj(c -> (char) c).toList());
    }
}
