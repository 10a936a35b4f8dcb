package io.github.errorpages.upstream.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The JDK {@code HttpClient}'s switch {@value #PROPERTY}, which makes it send any request again on its own, a POST
 * too, when its connection closes before the response. Read as the client reads it ({@code MultiExchange}, through
 * {@code sun.net.NetProperties}): the system property, else the JDK's {@code conf/net.properties}; absent is off,
 * empty is on, else {@link Boolean#parseBoolean}. Stateless and thread-safe.
 */
public final class AllMethodRetry {

    /** The switch's name. */
    public static final String PROPERTY = "jdk.httpclient.enableAllMethodRetry";

    private AllMethodRetry() {
    }

    /**
     * @return what turns the switch on in this JVM, with its value ("the system property … ('true')"), or
     *     {@code null} when it is off
     */
    public static @Nullable String enabledBy() {
        String javaHome = System.getProperty("java.home");
        Path netProperties;
        try {
            netProperties = javaHome == null ? null : Path.of(javaHome, "conf", "net.properties");
        } catch (InvalidPathException unusable) {
            netProperties = null;
        }
        return enabledBy(System.getProperty(PROPERTY), netProperties);
    }

    /**
     * @param systemProperty the system property's value, or {@code null} when it is not set
     * @param netProperties the JDK's networking properties file, or {@code null} when there is none
     * @return what turns the switch on, with its value, or {@code null} when it is off
     */
    static @Nullable String enabledBy(@Nullable String systemProperty, @Nullable Path netProperties) {
        if (systemProperty != null) {
            // A system property wins over the file, on or off, as NetProperties.get reads them.
            return isOn(systemProperty) ? "the system property " + PROPERTY + " ('" + systemProperty + "')" : null;
        }
        String inFile = netProperties == null ? null : read(netProperties);
        return inFile != null && isOn(inFile) ? PROPERTY + " ('" + inFile + "') in " + netProperties : null;
    }

    private static boolean isOn(String value) {
        return value.isEmpty() || Boolean.parseBoolean(value);
    }

    private static @Nullable String read(Path file) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in); // ISO 8859-1, as the JDK loads it
        } catch (NoSuchFileException absent) {
            return null;
        } catch (IOException | IllegalArgumentException unreadable) {
            return null; // the JDK's client cannot read it either, and takes the switch as off
        }
        return properties.getProperty(PROPERTY);
    }
}
