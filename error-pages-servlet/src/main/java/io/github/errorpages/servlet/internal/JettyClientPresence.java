package io.github.errorpages.servlet.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    public static final String ABSENT = "org.eclipse.jetty:jetty-client is not on the class path (on the module "
            + "path: no module requires org.eclipse.jetty.client)";

    static final String CLIENT_CLASS = "org.eclipse.jetty.client.HttpClient";
    /**
     * A class of {@code jetty-client} and of each Jetty jar it needs, whose versions must all be 12.1: classes that
     * every version has, so that another version's jar is named by its version (Jetty 11's jetty-io has no
     * {@code Content}, and a missing class sent the user after a jar that was there). What 12.1 alone has is
     * checked by linking the forwarder.
     */
    private static final List<String> JAR_CLASSES = List.of(CLIENT_CLASS, "org.eclipse.jetty.http.HttpField",
            "org.eclipse.jetty.io.ByteBufferPool", "org.eclipse.jetty.util.BufferUtil");
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
        ClassLoader in = loader != null ? loader : ownLoader();
        Map<String, @Nullable String> versions = new LinkedHashMap<>();
        for (String jar : JAR_CLASSES) {
            try {
                versions.put(jar, versionOf(Class.forName(jar, false, in)));
            } catch (ClassNotFoundException | LinkageError absent) {
                if (jar.equals(CLIENT_CLASS) && absent instanceof LinkageError unlinkable) {
                    // The client's class is there, but not one it extends (ContainerLifeCycle, without jetty-util):
                    // not absent, which would send the user nowhere and, with auto, fall back without a word.
                    return notAllThere(missing(unlinkable) + " is missing");
                }
                if (jar.equals(CLIENT_CLASS)) {
                    return ABSENT;
                }
                // A jar of another version found before may be why: its version says what is wrong, where the
                // missing class would send the user after one more jar.
                String unfit = unfitVersion(versions);
                return unfit != null ? unfit : notAllThere(jar + " is missing");
            }
        }
        String unfit = unfitVersion(versions);
        if (unfit != null) {
            return unfit;
        }
        try {
            Class.forName(FORWARDER_CLASS, true, ownLoader());
        } catch (ClassNotFoundException | LinkageError unlinkable) {
            return notAllThere(unlinkable.toString());
        }
        return null;
    }

    /**
     * Jetty 11 and 12.0 have a client of the same class name, without what the forwarder calls; and a build may mix
     * versions (an application's {@code jetty-client} 12.1 with a framework's Jetty 12.0 BOM), which fails the
     * client's first use.
     *
     * @param versions the version each jar declares, by a class of it, {@code jetty-client}'s first; {@code null}
     *     for a jar that declares none
     * @return why the versions do not do, or {@code null} when they do
     */
    static @Nullable String unfitVersion(Map<String, @Nullable String> versions) {
        for (Map.Entry<String, @Nullable String> jar : versions.entrySet()) {
            String version = jar.getValue();
            if (version != null && !isSupported(version)) {
                return jar.getKey().equals(CLIENT_CLASS)
                        ? "org.eclipse.jetty:jetty-client on the class path is " + version + ", not " + MAJOR + "."
                                + MINOR
                        : "org.eclipse.jetty:jetty-client is on the class path with the Jetty classes of " + version
                                + " (" + jar.getKey() + "), not " + MAJOR + "." + MINOR;
            }
        }
        return null;
    }

    /** Why the Jetty transport cannot run when what it needs is not all there, as the messages say it. */
    private static String notAllThere(String what) {
        return "the Jetty classes org.eclipse.jetty:jetty-client " + MAJOR + "." + MINOR
                + " needs are not all on the class path (" + what + ")";
    }

    /** The class a linkage error names ({@code NoClassDefFoundError}'s message names it with slashes). */
    private static String missing(LinkageError unlinkable) {
        String message = unlinkable.getMessage();
        return message == null ? unlinkable.getClass().getName() : message.replace('/', '.');
    }

    private static @Nullable String versionOf(Class<?> type) {
        Package of = type.getPackage();
        return of == null ? null : of.getImplementationVersion();
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
