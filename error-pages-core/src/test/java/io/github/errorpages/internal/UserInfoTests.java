package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserInfoTests {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://ops:s3cret@host/api | http://***@host/api",
        // java.net.URI finds no user info here (two '@'): the URLs that get refused, and must not leak
        "http://ops:p@ss@host:8080 | http://***@host:8080",
        "https://token@status.example?x=1 | https://***@status.example?x=1",
        // A password may hold '/', '?' or '#': where the authority ends cannot be told, so up to the last '@'
        "http://ops:p/ss@billing.internal:8443/x | http://***@billing.internal:8443/x",
        "http://ops:p?ss@billing.internal:8443/x | http://***@billing.internal:8443/x",
        "http://ops:p#ss@billing.internal:8443/x | http://***@billing.internal:8443/x",
        // ... which masks more than the user info when an '@' is in the path or query, never less
        "http://host/path?mail=a@b.example | http://***@b.example",
        "http://host#a@b | http://***@b",
        "http://host/path | http://host/path",
        "/help@desk | /help@desk",
        "mailto:ops@example.com | mailto:ops@example.com",
        "http://@host | http://***@host",
    })
    void masksEverythingUpToTheLastAt(String url, String masked) {
        assertThat(UserInfo.masked(url)).isEqualTo(masked);
    }
}
