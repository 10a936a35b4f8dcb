package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpstreamRequestTests {

    @ParameterizedTest(name = "{0}: idempotent {1}, after read timeout {2}")
    @CsvSource({"GET, true, true", "HEAD, true, true", "OPTIONS, true, false", "TRACE, true, false",
        "PUT, true, false", "DELETE, true, false", "POST, false, false", "PATCH, false, false",
        "get, false, false", "PROPFIND, false, false"})
    void knowsWhichMethodsMayBeRepeated(String method, boolean idempotent, boolean afterReadTimeout) { // R13
        UpstreamRequest request = UpstreamRequest.of(method);

        assertThat(request.isIdempotent()).isEqualTo(idempotent);
        assertThat(request.isRetriedAfterReadTimeout()).isEqualTo(afterReadTimeout);
    }

    @Test
    void asksTheBodyCheckEachTime() {
        AtomicBoolean untouched = new AtomicBoolean(true);
        UpstreamRequest request = UpstreamRequest.of("POST").withIdempotencyKey(true).withReplayableBody(untouched::get);

        assertThat(request.isBodyReplayable()).isTrue();
        untouched.set(false);
        assertThat(request.isBodyReplayable()).isFalse();
        assertThat(request.hasIdempotencyKey()).isTrue();
        assertThat(request.withReplayableBody(true).isBodyReplayable()).isTrue();
    }

    @Test
    void rejectsMethodsThatAreNoTokens() {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamRequest.of("GET /"))
                .withMessage("method must be an HTTP token, but was 'GET /'");
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamRequest.of(""));
    }
}
