package io.github.errorpages.upstream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JDK client's switch that repeats any request, a POST too (R13), read where the JDK reads it: the system
 * property, else the JDK's {@code conf/net.properties}, which a system property of either value overrides.
 */
class AllMethodRetryTests {

    @TempDir
    Path jdkConf;

    @ParameterizedTest(name = "system property ''{0}'', net.properties ''{1}'': on by {2}")
    @CsvSource(nullValues = "absent", value = {
            "absent, absent, nothing",
            "true, absent, system",
            "'', absent, system",
            "false, absent, nothing",
            "absent, true, file",
            "absent, '', file",
            "absent, false, nothing",
            "false, true, nothing",
            "true, false, system"})
    void readsTheSwitchWhereTheJdksClientReadsIt(String systemProperty, String inFile, String onBy) throws IOException {
        Path netProperties = jdkConf.resolve("net.properties");
        if (inFile != null) {
            Files.writeString(netProperties, "# the JDK's own\nhttp.nonProxyHosts=localhost\n"
                    + AllMethodRetry.PROPERTY + "=" + inFile + "\n", StandardCharsets.ISO_8859_1);
        }

        String enabledBy = AllMethodRetry.enabledBy(systemProperty, netProperties);

        switch (onBy) {
            case "system" -> assertThat(enabledBy)
                    .isEqualTo("the system property " + AllMethodRetry.PROPERTY + " ('" + systemProperty + "')");
            case "file" -> assertThat(enabledBy)
                    .isEqualTo(AllMethodRetry.PROPERTY + " ('" + inFile + "') in " + netProperties);
            default -> assertThat(enabledBy).isNull();
        }
    }

    @Test
    void aMissingOrUnreadableFileIsOff() throws IOException {
        assertThat(AllMethodRetry.enabledBy(null, jdkConf.resolve("absent.properties"))).isNull();
        assertThat(AllMethodRetry.enabledBy(null, null)).isNull();
        assertThat(AllMethodRetry.enabledBy(null, jdkConf)).as("a directory").isNull();
        Path malformed = Files.writeString(jdkConf.resolve("malformed.properties"),
                AllMethodRetry.PROPERTY + "=\\u12", StandardCharsets.ISO_8859_1);
        assertThat(AllMethodRetry.enabledBy(null, malformed)).isNull();
    }

    @Test
    void thisJvmsOwnSettingIsOffWhereTheTestsRun() {
        assertThat(AllMethodRetry.enabledBy()).isNull();
    }
}
