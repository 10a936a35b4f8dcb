package io.github.errorpages.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The troubleshooting guide's filter for Undertow's {@code UT005088} line drops that line and only that one. */
class UndertowIoLogFilterTests {

    @Test
    void dropsUndertowsLineForAClientThatLeftAndKeepsTheOthers() {
        UndertowIoLogFilter.install();
        java.util.logging.Filter filter = java.util.logging.Logger.getLogger("io.undertow.request.io").getFilter();

        assertThat(filter).as("the filter, on the logger Undertow logs the line with").isNotNull();
        assertThat(filter.isLoggable(new LogRecord(Level.SEVERE,
                "UT005088: Failed to execute ServletOutputStream.closeAsync() on IO thread"))).isFalse();
        assertThat(filter.isLoggable(new LogRecord(Level.SEVERE, "UT005023: Exception handling request to /x")))
                .isTrue();
        assertThat(filter.isLoggable(new LogRecord(Level.FINE, null))).isTrue();
    }
}
