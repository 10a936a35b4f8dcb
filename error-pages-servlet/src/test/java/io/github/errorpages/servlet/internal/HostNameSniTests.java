package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNameSniTests {

    /**
     * The endpoint's host as the server name, as the JDK's client sends it, whatever the JDK's engine left out; none
     * for an IP address (RFC 6066 §3). Jetty's {@code NON_DOMAIN_SNI_PROVIDER} sent {@code 127.0.0.1}, and threw
     * for {@code ::1} and {@code localhost.}, which failed every request to such an endpoint.
     */
    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
        "orders,                   orders",
        "localhost,                localhost",
        "localhost.,               localhost",
        "orders.internal.example,  orders.internal.example",
        "127.0.0.1,                none",
        "::1,                      none",
        "[::1],                    none",
        "2001:db8::7,              none",
        "under_score,              none"})
    void namesTheEndpointsHostButNoAddress(String host, String named) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(host, 443);

        List<SNIServerName> names = new HostNameSni().apply(engine, List.of());

        assertThat(names).containsExactlyElementsOf(named == null ? List.of() : List.of(new SNIHostName(named)));
    }

    @ParameterizedTest
    @CsvSource({"orders.internal.example", "localhost"})
    void keepsTheNamesTheEngineChose(String host) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(host, 443);
        List<SNIServerName> chosen = List.of(new SNIHostName("chosen.example"));

        assertThat(new HostNameSni().apply(engine, chosen)).isSameAs(chosen);
    }
}
