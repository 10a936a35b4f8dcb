package io.github.errorpages.servlet.internal;

import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server name (SNI) Jetty's client sends in its TLS handshakes: the endpoint's host name, as the JDK's client
 * sends it. The JDK's engine sends none for a name without a dot inside ({@code localhost}, a Kubernetes service's
 * {@code orders}), and an upstream that picks its certificate by SNI answered with another one: a certificate error
 * on a healthy upstream. Never an IP address (RFC 6066 §3), nor a name {@link SNIHostName} refuses: Jetty's own
 * {@code NON_DOMAIN_SNI_PROVIDER} sent {@code 127.0.0.1}, and threw for {@code ::1} or {@code localhost.}, which
 * failed every request to such an endpoint with an exception no classifier knows. Stateless and thread-safe.
 */
final class HostNameSni implements SslContextFactory.Client.SniProvider {

    @Override
    public List<SNIServerName> apply(SSLEngine engine, List<SNIServerName> serverNames) {
        if (serverNames != null && !serverNames.isEmpty()) {
            return serverNames; // the JDK's engine named it (a name with a dot inside)
        }
        String host = engine.getPeerHost();
        if (host == null) {
            return serverNames;
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1); // a fully qualified name: SNI names it without its root
        }
        if (host.isEmpty() || isIpAddress(host)) {
            return serverNames;
        }
        try {
            return List.of(new SNIHostName(host));
        } catch (IllegalArgumentException notAHostName) {
            return serverNames; // no name SNI can carry: none, as the JDK's engine sends then
        }
    }

    /** An IPv6 address (with a colon, in brackets or not) or an IPv4 one (digits and dots only). */
    static boolean isIpAddress(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
