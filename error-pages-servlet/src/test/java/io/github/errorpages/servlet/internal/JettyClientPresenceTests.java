package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.BufferUtil;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JettyClientPresenceTests {

    /**
     * The forwarder calls what jetty-client 12.1 has: Jetty 11's and 12.0's clients, of the same class name, are
     * passed over (auto) or refused (jetty) by their jar's version, rather than failing with a NoSuchMethodError in
     * the middle of a request. A version that is not two numbers first is left to the linking to tell, also when
     * only its first or only its second part is no number (a jar's manifest may say anything): read as numbers, they
     * failed the check itself with a NumberFormatException.
     */
    @ParameterizedTest
    @CsvSource({"12.1.14, true", "12.1.0.beta3, true", "12.1.0-SNAPSHOT, true", "12.2.0, true", "12.0.25, false",
            "11.0.20, false", "10.0.24, false", "13.0.0, false", "unknown, true", "'', true", "12, true",
            "v12.1.0, true", "12.x.1, true"})
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
        versions.put("org.eclipse.jetty.io.ByteBufferPool", null); // declares none: left to the linking

        assertThat(JettyClientPresence.unfitVersion(versions))
                .isEqualTo("org.eclipse.jetty:jetty-client is on the class path with the Jetty classes of 12.0.20 "
                        + "(org.eclipse.jetty.http.HttpField), not 12.1");
        versions.put("org.eclipse.jetty.http.HttpField", "12.1.14");
        assertThat(JettyClientPresence.unfitVersion(versions)).isNull();
        versions.put(JettyClientPresence.CLIENT_CLASS, "11.0.20");
        assertThat(JettyClientPresence.unfitVersion(versions))
                .isEqualTo("org.eclipse.jetty:jetty-client on the class path is 11.0.20, not 12.1");
    }

    /**
     * Jetty 11's jars have no {@code org.eclipse.jetty.io.Content}: the check named that class missing, which sent
     * the user after a jetty-io jar to mix with 11, rather than saying the client is 11. Here Jetty's own 12.1 jars
     * stand for 11's: jetty-client's declares 11.0.20, jetty-io is left out.
     */
    @Test
    void namesTheClientsVersionWhenAnotherVersionLacksAClassOf121(@TempDir Path dir) throws Exception {
        Path client = copied(HttpClient.class, dir.resolve("jetty-client.jar"), "11.0.20", null);
        Path http = copied(HttpField.class, dir.resolve("jetty-http.jar"), null, null);
        Path util = copied(BufferUtil.class, dir.resolve("jetty-util.jar"), null, null);
        URL[] jars = {client.toUri().toURL(), http.toUri().toURL(), util.toUri().toURL()};
        try (URLClassLoader jetty11 = new URLClassLoader(jars, ClassLoader.getPlatformClassLoader())) {
            assertThat(Class.forName(HttpClient.class.getName(), false, jetty11).getPackage()
                    .getImplementationVersion()).isEqualTo("11.0.20");

            assertThat(JettyClientPresence.unusableBecause(jetty11))
                    .isEqualTo("org.eclipse.jetty:jetty-client on the class path is 11.0.20, not 12.1");
        }
    }

    /**
     * jetty-client 12.1 with Jetty 11's jetty-io, which lacks {@code org.eclipse.jetty.io.Content}: named by the
     * jar's version, not by that class (it sent the user after a jetty-io jar that was there). Jetty's own 12.1
     * jetty-io stands for 11's, declaring 11.0.20, without its {@code Content} classes.
     */
    @Test
    void namesTheVersionOfAJettyJarThatLacksAClassOf121(@TempDir Path dir) throws Exception {
        Path client = copied(HttpClient.class, dir.resolve("jetty-client.jar"), null, null);
        Path http = copied(HttpField.class, dir.resolve("jetty-http.jar"), null, null);
        Path io = copied(Content.class, dir.resolve("jetty-io.jar"), "11.0.20", "org/eclipse/jetty/io/Content");
        Path util = copied(BufferUtil.class, dir.resolve("jetty-util.jar"), null, null);
        URL[] jars = {client.toUri().toURL(), http.toUri().toURL(), io.toUri().toURL(), util.toUri().toURL()};
        try (URLClassLoader mixed = new URLClassLoader(jars, ClassLoader.getPlatformClassLoader())) {
            assertThat(mixed.getResource("org/eclipse/jetty/io/Content.class")).isNull();

            assertThat(JettyClientPresence.unusableBecause(mixed)).isEqualTo("org.eclipse.jetty:jetty-client is on the "
                    + "class path with the Jetty classes of 11.0.20 (org.eclipse.jetty.io.ByteBufferPool), not 12.1");
        }
    }

    /**
     * jetty-client without jetty-util: the client's class is there but not the class it extends. It was reported as
     * absent, which named no jar to add and, with {@code auto}, fell back to the JDK's client without a WARN line.
     */
    @Test
    void namesTheClassTheClientNeedsWhenItsJarIsMissing(@TempDir Path dir) throws Exception {
        Path client = copied(HttpClient.class, dir.resolve("jetty-client.jar"), null, null);
        Path http = copied(HttpField.class, dir.resolve("jetty-http.jar"), null, null);
        Path io = copied(Content.class, dir.resolve("jetty-io.jar"), null, null);
        URL[] jars = {client.toUri().toURL(), http.toUri().toURL(), io.toUri().toURL()};
        try (URLClassLoader withoutUtil = new URLClassLoader(jars, ClassLoader.getPlatformClassLoader())) {
            assertThat(JettyClientPresence.unusableBecause(withoutUtil)).isEqualTo("the Jetty classes "
                    + "org.eclipse.jetty:jetty-client 12.1 needs are not all on the class path "
                    + "(org.eclipse.jetty.util.component.ContainerLifeCycle is missing)");
        }
        try (URLClassLoader none = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
            assertThat(JettyClientPresence.unusableBecause(none)).isEqualTo(JettyClientPresence.ABSENT);
        }
    }

    /**
     * The jar {@code type} came from, copied, with {@code version} as its manifest's, if any, and without the
     * entries that start with {@code leftOut}, if any.
     */
    private static Path copied(Class<?> type, Path to, @Nullable String version, @Nullable String leftOut)
            throws Exception {
        Path from = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile jar = new JarFile(from.toFile())) {
            Manifest manifest = new Manifest(jar.getManifest());
            if (version != null) {
                manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
            }
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(to), manifest)) {
                for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().equalsIgnoreCase(JarFile.MANIFEST_NAME)
                            || (leftOut != null && entry.getName().startsWith(leftOut))) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream in = jar.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
        return to;
    }
}
