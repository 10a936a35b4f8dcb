package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JettyClientPresenceTests {

    /**
     * The forwarder calls what jetty-client 12.1 has: Jetty 11's and 12.0's clients, of the same class name, are
     * passed over (auto) or refused (jetty) by their jar's version, rather than failing with a NoSuchMethodError in
     * the middle of a request. A version that is not two numbers first is left to the linking to tell.
     */
    @ParameterizedTest
    @CsvSource({"12.1.14, true", "12.1.0.beta3, true", "12.1.0-SNAPSHOT, true", "12.2.0, true", "12.0.25, false",
            "11.0.20, false", "10.0.24, false", "13.0.0, false", "unknown, true", "'', true", "12, true"})
    void supportsJettyClient121AndLater12(String version, boolean supported) {
        assertThat(JettyClientPresence.isSupported(version)).isEqualTo(supported);
    }

    /**
     * jetty-client 12.1 with jetty-http, -io and -util of 12.0 (an application's client under a framework's Jetty
     * 12.0 BOM) passed the check, and the client's constructor failed with NoSuchFieldError: RFC9110.
     */
    @Test
    void refusesJettyClient121WithTheJettyJarsOfAnotherVersion() {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put(JettyClientPresence.CLIENT_CLASS, "12.1.14");
        versions.put("org.eclipse.jetty.http.HttpField", "12.0.20");
        versions.put("org.eclipse.jetty.io.Content", null); // declares none: left to the linking

        assertThat(JettyClientPresence.unfitVersion(versions))
                .isEqualTo("org.eclipse.jetty:jetty-client is on the class path with the Jetty classes of 12.0.20 "
                        + "(org.eclipse.jetty.http.HttpField), not 12.1");
        versions.put("org.eclipse.jetty.http.HttpField", "12.1.14");
        assertThat(JettyClientPresence.unfitVersion(versions)).isNull();
        versions.put(JettyClientPresence.CLIENT_CLASS, "11.0.20");
        assertThat(JettyClientPresence.unfitVersion(versions))
                .isEqualTo("org.eclipse.jetty:jetty-client on the class path is 11.0.20, not 12.1");
    }
}
