package io.github.errorpages.servlet.internal;

import org.jspecify.annotations.Nullable;

/**
 * Whether the Jetty transport can run: {@code org.eclipse.jetty:jetty-client} 12.1 on the class path, with every
 * Jetty class {@link JettyForwarder} links against. Apart from {@link JettyForwarder}, which names Jetty's types
 * throughout: the JVM verifies a class before any method of it runs, so asking it where those types are absent (on
 * Tomcat, with no Jetty jar at all) fails with a {@code NoClassDefFoundError}, even for the JDK transport.
 *
 * <p>Thread-safe: stateless.
 */
public final class JettyClientPresence {

    /** Why the Jetty transport cannot run when {@code jetty-client} is absent, as the messages say it. */
    public static final String ABSENT = "org.eclipse.jetty:jetty-client is not on the class path";

    private static final String CLIENT_CLASS = "org.eclipse.jetty.client.HttpClient";
    private static final String FORWARDER_CLASS = "io.github.errorpages.servlet.internal.JettyForwarder";
    private static final int MAJOR = 12;
    private static final int MINOR = 1;

    private JettyClientPresence() {
    }

    /**
     * @param loader the class loader to look for Jetty's client in, or {@code null} for this class's own
     * @return {@code null} when the Jetty transport can run, else why not, for a message: {@link #ABSENT}, or which
     *     version of {@code jetty-client} is there instead of 12.1, or which Jetty class is missing
     */
    public static @Nullable String unusableBecause(@Nullable ClassLoader loader) {
        Class<?> client;
        try {
            client = Class.forName(CLIENT_CLASS, false, loader != null ? loader : ownLoader());
        } catch (ClassNotFoundException | LinkageError absent) {
            return ABSENT;
        }
        Package clientPackage = client.getPackage();
        String version = clientPackage == null ? null : clientPackage.getImplementationVersion();
        if (version != null && !isSupported(version)) {
            // Jetty 11 and 12.0 have a client of that name too, without what the forwarder calls.
            return "org.eclipse.jetty:jetty-client on the class path is " + version + ", not " + MAJOR + "." + MINOR;
        }
        try {
            Class.forName(FORWARDER_CLASS, true, ownLoader());
        } catch (ClassNotFoundException | LinkageError unlinkable) {
            return "the Jetty classes org.eclipse.jetty:jetty-client " + MAJOR + "." + MINOR
                    + " needs are not all on the class path (" + unlinkable + ")";
        }
        return null;
    }

    /** 12.1 or a later 12.x; a version that does not start with two numbers is left to the linking to tell. */
    static boolean isSupported(String version) {
        String[] parts = version.split("[.-]", 3);
        if (parts.length < 2 || !parts[0].matches("\\d{1,4}") || !parts[1].matches("\\d{1,4}")) {
            return true;
        }
        return Integer.parseInt(parts[0]) == MAJOR && Integer.parseInt(parts[1]) >= MINOR;
    }

    private static @Nullable ClassLoader ownLoader() {
        return JettyClientPresence.class.getClassLoader();
    }
}
