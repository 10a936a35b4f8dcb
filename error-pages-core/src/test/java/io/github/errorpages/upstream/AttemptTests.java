package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AttemptTests {

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({
        "http://10.0.0.7:8080,      http://billing/orders/42?full=true, http://10.0.0.7:8080/orders/42?full=true",
        "http://10.0.0.7:8080/api,  /orders/42,                        http://10.0.0.7:8080/api/orders/42",
        "https://b.internal,        http://any,                        https://b.internal/",
        "https://b.internal/api,    http://any,                        https://b.internal/api",
        "http://h:1,                /a%20b/c?x=%2F&y,                  http://h:1/a%20b/c?x=%2F&y",
        "http://h:1/api,            urn:isbn:0451450523,               http://h:1/api"})
    void sendsThePathAndQueryToTheAttemptsEndpoint(String endpoint, String target, String expected) {
        Attempt attempt = new Attempt(URI.create(endpoint), 1, Duration.ofSeconds(1));

        assertThat(attempt.resolve(URI.create(target))).isEqualTo(URI.create(expected));
    }

    /**
     * A target's dot segments are resolved before the endpoint's path is put in front, never above the target's
     * root: sent as they were, the upstream resolved {@code /api/users/../../admin} to {@code /admin}, out of the
     * endpoint's path (an application passing on a path its own client chose).
     */
    @ParameterizedTest
    @CsvSource({
        "/users/../../admin,            http://10.0.0.7:8080/api/admin",
        "/users/%2e%2e/%2E%2E/admin?x,  http://10.0.0.7:8080/api/admin?x",
        "/users/..;x=1/../admin,        http://10.0.0.7:8080/api/admin",
        "/orders/./42/.,                http://10.0.0.7:8080/api/orders/42/",
        "/..,                           http://10.0.0.7:8080/api/"})
    void resolvesTheTargetsDotSegmentsWithinTheEndpointsPath(String target, String expected) {
        Attempt attempt = new Attempt(URI.create("http://10.0.0.7:8080/api"), 1, Duration.ofSeconds(1));

        assertThat(attempt.resolve(URI.create(target))).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @CsvSource({"0, PT1S", "1, PT0S", "1, PT-1S"})
    void rejectsImpossibleAttempts(int number, String timeout) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Attempt(URI.create("http://h"), number, Duration.parse(timeout)));
    }

    /**
     * A relative target would run into the endpoint's own path: {@code orders/42} at {@code http://h/api} would be
     * sent to {@code /apiorders/42}, another resource. Refused, naming the path.
     */
    @Test
    void refusesATargetWhosePathIsNotAbsolute() {
        Attempt attempt = new Attempt(URI.create("http://10.0.0.7:8080/api"), 1, Duration.ofSeconds(1));

        assertThatIllegalArgumentException().isThrownBy(() -> attempt.resolve(URI.create("orders/42?full=true")))
                .withMessage("target path must start with '/', but was 'orders/42'");
    }
}
