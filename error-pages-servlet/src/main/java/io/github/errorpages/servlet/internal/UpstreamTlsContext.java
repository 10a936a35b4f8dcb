package io.github.errorpages.servlet.internal;

import io.github.errorpages.upstream.UpstreamGuard;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The TLS context a client of the proxy's own is built with. For {@code https} endpoints: the context configured,
 * else the JVM's default, which the {@code javax.net.ssl.*} system properties configure and a setting there that
 * cannot be read (a key store moved, a wrong password) fails the start, naming the upstream. For an upstream whose
 * endpoints are all plain {@code http}, the default is not made: those settings may be another library's, and a
 * gateway that never speaks TLS must not fail for them. Both clients still want a context when built (the JDK's
 * takes the default, Jetty's makes one from the same properties): they get one that trusts no certificate and has
 * no key, made from none of the properties, and never used.
 */
public final class UpstreamTlsContext {

    private UpstreamTlsContext() {
    }

    /**
     * The context for the upstream's client.
     *
     * @param guard the upstream's guard, whose endpoints tell whether TLS is spoken at all
     * @param configured the context configured, or {@code null} for the JVM's default
     * @return the context to build the client with
     * @throws IllegalStateException when the JVM's default context, needed, cannot be made
     */
    public static SSLContext of(UpstreamGuard guard, @Nullable SSLContext configured) {
        if (configured != null) {
            return configured;
        }
        boolean tls = false;
        for (URI endpoint : guard.config().endpoints()) {
            tls |= !"http".equalsIgnoreCase(endpoint.getScheme());
        }
        try {
            return tls ? SSLContext.getDefault() : trustingNothing();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("could not make the JVM's default TLS context for upstream " + guard.name()
                    + " (see the javax.net.ssl.* system properties)", e);
        }
    }

    private static SSLContext trustingNothing() {
        try {
            KeyStore none = KeyStore.getInstance(KeyStore.getDefaultType());
            none.load(null, null);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null); // no key managers: no key, not javax.net.ssl.keyStore
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not make a TLS context for a client that speaks no TLS", e);
        }
    }
}
