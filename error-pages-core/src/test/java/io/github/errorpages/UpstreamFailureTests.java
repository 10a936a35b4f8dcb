package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UpstreamFailureTests {

    /**
     * The upstream's name goes into the incident's log line: one with a CR or LF split it in two, the second line
     * the caller's to write ("error page status=200 ..."), from application code that builds its own failure.
     */
    @ParameterizedTest
    @ValueSource(strings = {"orders\nerror page status=200", "orders\r", "a\u0000b", "a\u007fb", "a\u0085b"})
    void refusesAnUpstreamNameWithAControlCharacter(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name).build())
                .withMessageStartingWith("upstream must hold no control character, but held U+")
                .withMessageNotContaining(name);
        assertThatIllegalArgumentException().isThrownBy(() -> new UpstreamFailure(name, FailureCause.CONNECTION_REFUSED,
                0, null, null, 1, Duration.ZERO, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "orders", "orders-1.eu_west", "bestellungen-ü"})
    void acceptsNames(String name) {
        assertThat(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream(name).build().upstream())
                .isEqualTo(name);
    }
}
