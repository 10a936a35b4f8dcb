package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OversizedPortsTests {

    /** Only the port, and only one past an int's range, is rewritten; the rest of the URL is kept as written. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "https://example.com:99999999999/logo.png | https://example.com:65536/logo.png",
        "http://host:2147483648 | http://host:65536",
        "https://[::1]:99999999999/help | https://[::1]:65536/help",
        "https://ops:p4ss@host:99999999999?q=a:1#f | https://ops:p4ss@host:65536?q=a:1#f",
        // within an int: java.net.URI reads it, and the checks judge it as it is
        "http://host:2147483647 | http://host:2147483647",
        "http://host:99999 | http://host:99999",
        "http://host:000000000000000000000080 | http://host:000000000000000000000080",
        // no port, or none of ASCII digits alone
        "http://host/a:99999999999 | http://host/a:99999999999",
        "http://[::1]/x | http://[::1]/x",
        "http://ops:99999999999@host/ | http://ops:99999999999@host/",
        "http://host:/ | http://host:/",
        "http://host:-99999999999 | http://host:-99999999999",
        "http://host:\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669 "
                + "| http://host:\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669\u0669",
        "/help:99999999999 | /help:99999999999",
        "mailto:ops@example.com | mailto:ops@example.com",
    })
    void writesAPortPastAnIntsRangeAsOneOutOfRange(String url, String readable) {
        assertThat(OversizedPorts.readable(url)).isEqualTo(readable);
    }

    /** What the rewrite is for: java.net.URI reads a host and a port out of range, where it read no host. */
    @ParameterizedTest
    @ValueSource(strings = {"https://example.com:99999999999/logo.png", "http://host:2147483648"})
    void aUrlSoRewrittenHasAHostAndAPortOutOfRange(String url) {
        assertThat(URI.create(url).getHost()).as("as written").isNull();

        URI read = URI.create(OversizedPorts.readable(url));

        assertThat(read.getHost()).isNotNull();
        assertThat(read.getPort()).isEqualTo(65536);
    }
}
