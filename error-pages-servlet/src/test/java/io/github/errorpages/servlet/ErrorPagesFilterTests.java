package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorPagesFilterTests {

    @Test
    void builderRejectsStatusesOutside5xxNamingParameterAndValue() {
        assertThatThrownBy(() -> ErrorPagesFilter.builder().interceptedStatuses(List.of(502, 404)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid error-pages configuration: intercept-statuses must list 5xx statuses (500-599) "
                        + "only, but was [502, 404]");
    }

    @Test
    void builderRejectsInvalidRequestIdHeaderName() {
        assertThatThrownBy(() -> ErrorPagesFilter.builder().requestIdHeader("X-Request Id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("request-id-header must be a header name, but was X-Request Id");
    }

    @Test
    void describesItsInterceptedStatuses() {
        assertThat(ErrorPagesFilter.builder().interceptedStatuses(List.of(504, 502)).build())
                .hasToString("ErrorPagesFilter{interceptedStatuses=[502, 504]}");
        assertThat(new ErrorPagesFilter()).hasToString("ErrorPagesFilter{not initialised}");
    }

    @Test
    void refusesRequestsBeforeInit() {
        assertThatThrownBy(() -> new ErrorPagesFilter().doFilter(null, null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not initialised");
    }
}
