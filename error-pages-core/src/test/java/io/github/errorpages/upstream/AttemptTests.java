package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttemptTests {

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({
        "http://10.0.0.7:8080,      http://billing/orders/42?full=true, http://10.0.0.7:8080/orders/42?full=true",
        "http://10.0.0.7:8080/api,  /orders/42,                        http://10.0.0.7:8080/api/orders/42",
        "https://b.internal,        http://any,                        https://b.internal/",
        "https://b.internal/api,    http://any,                        https://b.internal/api",
        "http://h:1,                /a%20b/c?x=%2F&y,                  http://h:1/a%20b/c?x=%2F&y"})
    void sendsThePathAndQueryToTheAttemptsEndpoint(String endpoint, String target, String expected) {
        Attempt attempt = new Attempt(URI.create(endpoint), 1, Duration.ofSeconds(1));

        assertThat(attempt.resolve(URI.create(target))).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @CsvSource({"0, PT1S", "1, PT0S", "1, PT-1S"})
    void rejectsImpossibleAttempts(int number, String timeout) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Attempt(URI.create("http://h"), number, Duration.parse(timeout)));
    }
}
