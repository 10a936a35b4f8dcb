package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyStatusFieldTests {

    /** R6: the shape of the field when the gateway names an error. */
    private static final String R6_PATTERN = "^[A-Za-z0-9._-]+; error=[a-z_]+(; received-status=\\d{3})?$";

    @ParameterizedTest
    @EnumSource(value = FailureCause.class, mode = EnumSource.Mode.EXCLUDE, names = "UPSTREAM_STATUS")
    void namesEachErrorByItsRfc9209Type(FailureCause cause) {
        String value = ProxyStatusField.value("edge-gateway", UpstreamFailure.builder(cause).upstream("billing")
                .attempts(2).elapsed(Duration.ofMillis(40)).build());

        assertThat(value).isEqualTo("edge-gateway; error=" + cause.token()).matches(R6_PATTERN);
    }

    @Test
    void addsTheStatusReceivedWithAnError() {
        String value = ProxyStatusField.value("edge", UpstreamFailure.builder(FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE)
                .upstreamStatus(200).build());

        assertThat(value).isEqualTo("edge; error=http_response_header_section_size; received-status=200")
                .matches(R6_PATTERN);
    }

    @Test
    void reportsAnUpstream5xxAsTheStatusReceivedNotAsAnError() {
        // RFC 9209 §2.1.1: error is for errors the proxy met; a well-formed 5xx is the upstream's answer (R3).
        String value = ProxyStatusField.value("edge", UpstreamFailure.ofUpstreamStatus(503, Duration.ofSeconds(20)));

        assertThat(value).isEqualTo("edge; received-status=503");
    }

    @Test
    void neverNamesTheUpstreamOrItsTiming() {
        String value = ProxyStatusField.value("edge", UpstreamFailure.builder(FailureCause.CONNECTION_TIMEOUT)
                .upstream("billing-internal").attempts(3).elapsed(Duration.ofSeconds(2)).build());

        assertThat(value).doesNotContain("billing", "next-hop", "details", "3", "2000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"e", "edge-gateway", "gw_1.eu-west"})
    void acceptsTokens(String name) {
        assertThat(ProxyStatusField.name("proxy-status", name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " edge", "edge gateway", "1edge", "edge;details=x", "edge,other", "\"edge\"",
            "10.0.0.7:8080", "édge"})
    void refusesAnythingElseNamingKeyAndValue(String name) {
        assertThatThrownBy(() -> ProxyStatusField.name("proxy-status", name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxy-status")
                .hasMessageEndingWith("but was " + (name.isEmpty() ? "an empty value" : name));
    }

    @Test
    void refusesANameLongerThan64Characters() {
        assertThat(ProxyStatusField.name("proxy-status", "e".repeat(64))).hasSize(64);
        assertThatThrownBy(() -> ProxyStatusField.name("proxy-status", "e".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * R6, R37, RFC 9209 §4: the members of the intermediaries behind the gateway reach the client named
     * {@code upstream}, with their error type and received status alone: no host, address or configuration in a
     * name, {@code next-hop} or {@code details} (commas and semicolons inside its strings included).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "billing-lb.internal; error=connection_timeout; next-hop=\"10.2.0.7:8080\"  | upstream; error=connection_timeout",
        "envoy-7f9c; received-status=503                                          | upstream; received-status=503",
        "cdn; error=http_response_timeout; details=\"origin a.b, c; d\", 10.23.4.5 | upstream; error=http_response_timeout, upstream",
        "\"squid 4.10\"; rcode=\"SERVFAIL\"; error=dns_error; info-code=3         | upstream; error=dns_error",
        "lb; error=Connection-Refused; received-status=5030; alert-id=42          | upstream"})
    void relaysTheErrorTypesOfTheIntermediariesBehindWithoutTheirHosts(String received, String relayed) {
        assertThat(ProxyStatusField.relayed(received)).isEqualTo(relayed)
                .doesNotContain("10.", "internal", "next-hop", "details", "squid", "origin");
    }

    /** Not one member with a name: nothing to relay. */
    @ParameterizedTest
    @ValueSource(strings = {"", " , ", "; error=connection_refused", " ;a=1 , ;b=2"})
    void relaysNoProxyStatusWithoutAMember(String received) {
        assertThat(ProxyStatusField.relayed(received)).isNull();
    }

    /**
     * R6: an error type is relayed only as RFC 9209 §2.3 spells one (a lower-case token of at most 64
     * characters) and a received status only as three digits from 100: anything longer or else, which could carry
     * what a host behind the gateway chose to put there, is dropped with its parameter.
     */
    @Test
    void relaysOnlyErrorTypesOfAtMost64CharactersAndStatusesFrom100() {
        String type = "e".repeat(64);

        assertThat(ProxyStatusField.relayed("lb; error=" + type)).isEqualTo("upstream; error=" + type);
        assertThat(ProxyStatusField.relayed("lb; error=" + type + "e")).isEqualTo("upstream");
        assertThat(ProxyStatusField.relayed("lb; received-status=100")).isEqualTo("upstream; received-status=100");
        assertThat(ProxyStatusField.relayed("lb; received-status=099")).isEqualTo("upstream");
    }
}
