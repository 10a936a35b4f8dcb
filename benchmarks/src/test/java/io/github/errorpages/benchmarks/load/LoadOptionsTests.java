package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A misspelt option or measurement stops the harness at once, naming it: it ran the defaults (a 20 s warm-up for
 * {@code --warm-up 60s}), or measured without the measurement a budget compares with, and said nothing.
 */
class LoadOptionsTests {

    @Test
    void takesTheDefaultsAndWhatIsGiven() {
        LoadOptions defaults = LoadOptions.parse();
        assertThat(defaults.warmup()).isEqualTo(Duration.ofSeconds(20));
        assertThat(defaults.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.connections()).isEqualTo(32);
        assertThat(defaults.threads()).isEqualTo(2);
        assertThat(defaults.rounds()).isEqualTo(1);
        assertThat(defaults.measurements()).isEqualTo(Measurement.all());
        assertThat(defaults.jfrDirectory()).isNull();

        LoadOptions given = LoadOptions.parse("--warmup", "0s", "--duration", "3", "--rounds", "3",
                "--only", "branded-502, jetty-502", "--jfr", "recordings");
        assertThat(given.warmup()).isZero();
        assertThat(given.duration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(given.rounds()).isEqualTo(3);
        assertThat(given.measurements()).extracting(Measurement::name).as("in the table's order, spaces ignored")
                .containsExactly("jetty-502", "branded-502");
        assertThat(given.jfrDirectory()).isEqualTo(java.nio.file.Path.of("recordings").toAbsolutePath());
    }

    @Test
    void refusesAnUnknownOptionOrOneWithoutValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--warm-up", "60s"))
                .withMessageStartingWith("unknown option --warm-up (known: ").withMessageContaining("--warmup");
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--only", "hello", "--rounds"))
                .withMessage("--rounds needs a value");
    }

    @Test
    void helpNamesEveryOptionAndEveryMeasurement() {
        String help = LoadOptions.help();

        assertThat(help).startsWith(LoadOptions.USAGE)
                .contains("--warmup", "--duration", "--connections", "--threads", "--only", "--rounds", "--jfr");
        Measurement.all().forEach(measurement -> assertThat(help).contains(measurement.name()));
    }

    @Test
    void refusesAnUnknownMeasurementNamingTheKnownOnes() {
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--only", "jetty-502,branded502"))
                .withMessageStartingWith("no measurement is named branded502 (known: ")
                .withMessageContaining("branded-502");
    }

    @Test
    void refusesValuesThatDoNotParseNamingOptionAndValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--rounds", "x"))
                .withMessage("--rounds must be a whole number, at least 1, but was x");
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--connections", "0"))
                .withMessageEndingWith("but was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--warmup", "1m"))
                .withMessage("--warmup must be whole seconds, at least 0s, such as 20s, but was 1m");
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--duration", "0s"))
                .withMessageEndingWith("but was 0s");
    }

    /**
     * JFR splits {@code -XX:StartFlightRecording}'s options at commas: {@code --jfr /tmp/jfr,x} wrote every server's
     * recording to the one file {@code /tmp/jfr}, each overwriting the one before, and said nothing.
     */
    @Test
    void refusesAJfrDirectoryWithAComma() {
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--jfr", "/tmp/jfr,x"))
                .withMessage("--jfr must not contain a comma, which ends the file name JFR is given, "
                        + "but was /tmp/jfr,x");
    }

    /** wrk refuses more threads than connections, but only after the servers started and warmed up. */
    @Test
    void refusesMoreThreadsThanConnections() {
        assertThatIllegalArgumentException().isThrownBy(() -> LoadOptions.parse("--connections", "1"))
                .withMessage("--threads must not exceed --connections (1), each wrk thread needs a connection, "
                        + "but was 2");
        assertThat(LoadOptions.parse("--connections", "4", "--threads", "4").threads()).isEqualTo(4);
    }
}
