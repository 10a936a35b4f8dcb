package io.github.errorpages.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.ErrorPolicy;
import io.github.errorpages.FailureCause;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DecisionTableTests {

    @Test
    void printsOneRowPerCause() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DecisionTable.print(ErrorPolicy.of(ErrorPagesConfig.ofDefaults()), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);

        assertThat(table.lines()).hasSize(FailureCause.values().length + 1);
        assertThat(table).containsPattern("connection_refused\\s+502\\s+10\\s+connection_refused")
                .containsPattern("destination_unavailable\\s+503\\s+30")
                .containsPattern("destination_not_found\\s+500\\s+-")
                // R3: the upstream's own 503 and its Retry-After pass through as they came
                .containsPattern("upstream 503, Retry-After: 20\\s+503\\s+20\\s+upstream_status");
    }
}
