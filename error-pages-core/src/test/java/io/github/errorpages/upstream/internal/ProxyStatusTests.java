package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Standards R47 and RFC 9209 §2: an error parameter on any member means another gateway gave up. */
class ProxyStatusTests {

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "ExampleCDN; error=connection_timeout                                 | true",
        "cdn, ExampleProxy;error=http_response_incomplete                       | true",
        "ExampleProxy; received-status=503, ExampleCDN; error=destination_unavailable | true",
        "ExampleProxy; received-status=503                                      | false",
        "ExampleProxy; details=\"error=none; here\"                              | false",
        "ExampleProxy; errors=2                                                 | false",
        "ExampleProxy                                                           | false",
        "''                                                                     | false"})
    void findsAnErrorParameter(String value, boolean error) {
        assertThat(ProxyStatus.hasError(value)).isEqualTo(error);
    }

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "gateway; error=proxy_loop_detected                                     | true",
        "upstream; error=proxy_loop_detected; received-status=502, edge; received-status=502 | true",
        "edge; received-status=502, upstream;error=proxy_loop_detected          | true",
        "edge; error=proxy_loop_detected_not                                    | false",
        "edge; error=connection_timeout                                         | false",
        "edge; details=\"error=proxy_loop_detected\"                            | false",
        "edge; next-hop=proxy_loop_detected                                     | false",
        // Another error of the same length: an upstream proxy's malformed response, no loop.
        "edge; error=http_protocol_error                                        | false",
        // A parameter list that ends in its separator.
        "edge;                                                                  | false",
        // An escaped quote does not end the string that holds the separator.
        "edge; details=\"a \\\" ; error=proxy_loop_detected; x=\\\"\"           | false",
        "edge; details=\"a \\\\\" ; error=proxy_loop_detected                      | true"})
    void findsAnErrorParameterOfAType(String value, boolean loop) {
        assertThat(ProxyStatus.hasError(value, "proxy_loop_detected")).isEqualTo(loop);
    }

    @Test
    void absentHeaderIsNoError() {
        assertThat(ProxyStatus.hasError(null)).isFalse();
        assertThat(ProxyStatus.hasError(null, "proxy_loop_detected")).isFalse();
    }
}
