package io.github.errorpages.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * RFC 9110 §5.6.2: a token is visible ASCII without the delimiters. A method with a control character, DEL, a
     * non-ASCII letter or a delimiter would be written into the request line as it is (a request split in two, or
     * one the upstream refuses); refused, naming it. Every other visible character is a token's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET\u0000", "\tGET", "GE\u007fT", "GÉT", "GET\"", "M(", "M)", "M,", "M/", "M:", "M;",
        "M<", "M=", "M>", "M?", "M@", "M[", "M\\", "M]", "M{", "M}"})
    void rejectsMethodsWithCharactersNoTokenHolds(String method) {
        assertThatIllegalArgumentException().isThrownBy(() -> UpstreamRequest.of(method))
                .withMessage("method must be an HTTP token, but was '" + method + "'");
    }

    @Test
    void takesEveryOtherVisibleCharacterAndShowsItsMethod() {
        UpstreamRequest request = UpstreamRequest.of("!#$%&'*+-.^_`|~09AZaz");

        assertThat(request.method()).isEqualTo("!#$%&'*+-.^_`|~09AZaz");
        assertThat(UpstreamRequest.of("POST").withIdempotencyKey(true))
                .hasToString("UpstreamRequest{POST, Idempotency-Key}");
        assertThat(UpstreamRequest.of("GET")).hasToString("UpstreamRequest{GET}");
    }
}
