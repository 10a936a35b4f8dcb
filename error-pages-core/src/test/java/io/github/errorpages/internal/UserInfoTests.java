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
        "http://host/path?mail=a@b.example | http://host/path?mail=a@b.example",
        "http://host#a@b | http://host#a@b",
        "/help@desk | /help@desk",
        "mailto:ops@example.com | mailto:ops@example.com",
        "http://@host | http://***@host",
    })
    void masksTheUserInfoOfTheAuthorityOnly(String url, String masked) {
        assertThat(UserInfo.masked(url)).isEqualTo(masked);
    }
}
