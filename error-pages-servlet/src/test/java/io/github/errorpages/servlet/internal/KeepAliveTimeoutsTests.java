package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeepAliveTimeoutsTests {

    /** As Apache httpd, Node.js and others send it; the parameter's name in any case, the value possibly quoted. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"timeout=5, max=100|5", "max=100,timeout=7|7", "Timeout = 3|3",
        "timeout=\"4\"|4", "timeout=0|0", "timeout=99999999999|999999999", "TIMEOUT=60|60"})
    void readsTheTimeoutParameter(String value, long seconds) {
        assertThat(KeepAliveTimeouts.timeoutSeconds(value)).isEqualTo(seconds);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "max=100", "timeout=", "timeout=-1", "timeout=1.5", "timeout=abc", "timeouts=5",
        "timeout", "timeout=\"\"", "timeout=5s"})
    void readsNoTimeoutFromAValueWithoutOne(String value) {
        assertThat(KeepAliveTimeouts.timeoutSeconds(value)).isEqualTo(-1);
    }

    /** A second off, or half of a timeout under 2 s: the upstream's clock starts before the client's. */
    @ParameterizedTest
    @CsvSource({"0, 0", "1, 500", "2, 1000", "5, 4000", "75, 74000"})
    void takesAMarginOff(long seconds, long millis) {
        assertThat(KeepAliveTimeouts.afterMargin(seconds)).isEqualTo(millis);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"timeout=5|timeout=2|1000", "max=3|timeout=5|4000", "max=3|max=2|-1"})
    void takesTheShortestOfSeveralFields(String first, String second, long millis) {
        HttpFields fields = HttpFields.build().add("Keep-Alive", first).add("keep-alive", second)
                .add("Connection", "keep-alive");

        assertThat(KeepAliveTimeouts.allowedIdleMillis(fields)).isEqualTo(millis);
    }
}
