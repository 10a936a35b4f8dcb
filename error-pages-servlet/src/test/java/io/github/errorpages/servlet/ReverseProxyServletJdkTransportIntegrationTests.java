package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ReverseProxyServletIntegrationTests} with {@link ProxyTransport#JDK}. */
class ReverseProxyServletJdkTransportIntegrationTests extends ReverseProxyServletIntegrationTests {

    ReverseProxyServletJdkTransportIntegrationTests() {
        super(ProxyTransport.JDK);
    }

    /**
     * A JVM whose default TLS context cannot be made (a key store or a trust store moved, a trust store's password
     * wrong: set for another library in the JVM) does not stop a proxy whose endpoints are all plain {@code http}
     * from starting and forwarding: the JDK's client, which takes the default context when built, is given one it
     * never uses instead. Each setting in a JVM of its own ({@link DefaultTlsContextProbe}).
     */
    @Test
    void aJvmDefaultTlsContextThatCannotBeMadeLeavesAPlainHttpProxyStartingAndForwarding(@TempDir Path folder)
            throws Exception {
        DefaultTlsContextProbe.runForEachBrokenSetting(folder, broken -> List.of("JDK", "http")).forEach(
                (broken, printed) -> assertThat(printed).as(broken + ": " + printed).contains("forwarded 200 took it"));
    }

    /**
     * With an {@code https} endpoint, a JVM default TLS context that cannot be made fails the servlet's start with a
     * message that names the upstream and says where to look, as with the Jetty transport.
     */
    @Test
    void aJvmDefaultTlsContextThatCannotBeMadeFailsTheStartOfAnHttpsProxyNamingTheSystemProperties(
            @TempDir Path folder) throws Exception {
        DefaultTlsContextProbe.runForEachBrokenSetting(folder, broken -> List.of("JDK", "https")).forEach(
                (broken, printed) -> assertThat(printed).as(broken + ": " + printed).contains("threw "
                        + "java.lang.IllegalStateException: could not make the JVM's default TLS context for "
                        + "upstream orders (see the javax.net.ssl.* system properties)"));
    }
}
