package io.github.errorpages.servlet;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A web application's folder as a WAR unpacks to, for a container to deploy: {@code WEB-INF/web.xml}, the
 * application's own classes in {@code WEB-INF/classes}, and in {@code WEB-INF/lib} what a WAR that depends on
 * error-pages-servlet carries: that module's jar, its runtime dependencies (listed by the build in
 * {@code target/web-application-libraries.txt}: error-pages-core, Resilience4j, mustache.java, the SLF4J API) and
 * the application's logging provider (slf4j-simple, which writes to standard error). A module the build gives as a
 * folder of classes (this module's, and error-pages-core's in a reactor build before it is packaged) is packed
 * into a jar, as the WAR's build would have it.
 */
final class WebApplicationFolder {

    /** Written by the build (maven-dependency-plugin's build-classpath), relative to the module's folder. */
    private static final Path LIBRARIES = Path.of("target", "web-application-libraries.txt");

    private WebApplicationFolder() {
    }

    /**
     * Writes the web application into {@code folder}.
     *
     * @param folder an empty folder
     * @param webXml the whole {@code WEB-INF/web.xml}
     * @param applicationClasses the application's own classes, copied from this class path into
     *     {@code WEB-INF/classes}; they must use nothing but the JDK, the Servlet API and what {@code WEB-INF/lib} has
     * @return {@code folder}
     */
    static Path write(Path folder, String webXml, Class<?>... applicationClasses) {
        return write(folder, webXml, true, applicationClasses);
    }

    /**
     * Writes the web application into {@code folder} without the library in {@code WEB-INF/lib}: for a server that
     * has it on its own class path, as an embedded Jetty's application may.
     *
     * @param folder an empty folder
     * @param webXml the whole {@code WEB-INF/web.xml}
     * @param applicationClasses the application's own classes, as for {@link #write(Path, String, Class[])}
     * @return {@code folder}
     */
    static Path writeWithoutTheLibrary(Path folder, String webXml, Class<?>... applicationClasses) {
        return write(folder, webXml, false, applicationClasses);
    }

    private static Path write(Path folder, String webXml, boolean withTheLibrary, Class<?>... applicationClasses) {
        try {
            Path webInf = Files.createDirectories(folder.resolve("WEB-INF"));
            Files.writeString(webInf.resolve("web.xml"), webXml);
            for (Class<?> type : applicationClasses) {
                String name = type.getName().replace('.', '/') + ".class";
                Path target = webInf.resolve("classes").resolve(name);
                Files.createDirectories(target.getParent());
                try (InputStream in = type.getClassLoader().getResourceAsStream(name)) {
                    Files.copy(in, target);
                }
            }
            if (!withTheLibrary) {
                return folder;
            }
            Path lib = Files.createDirectories(webInf.resolve("lib"));
            for (Path library : libraries()) {
                if (Files.isDirectory(library)) {
                    // A module's target/classes: the jar is named after the module's folder.
                    jar(library, lib.resolve(library.toAbsolutePath().normalize().getParent().getParent().getFileName()
                            + ".jar"));
                } else {
                    Files.copy(library, lib.resolve(library.getFileName()));
                }
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This module's classes, its runtime dependencies and slf4j-simple, each a jar or a folder of classes. */
    private static List<Path> libraries() throws IOException {
        List<Path> libraries = new ArrayList<>();
        libraries.add(origin(ErrorPagesFilter.class));
        if (!Files.isRegularFile(LIBRARIES)) {
            throw new IllegalStateException(LIBRARIES + " is missing: the build writes it (generate-test-resources)");
        }
        for (String entry : Files.readString(LIBRARIES).trim().split(File.pathSeparator)) {
            libraries.add(Path.of(entry));
        }
        libraries.add(origin(org.slf4j.simple.SimpleLogger.class));
        return libraries;
    }

    private static Path origin(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Packs a folder of classes (a module's {@code target/classes}) into a jar. */
    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
                Stream<Path> paths = Files.walk(classes)) {
            for (Path path : paths.sorted().toList()) {
                if (path.equals(classes)) {
                    continue;
                }
                String name = classes.relativize(path).toString().replace(File.separatorChar, '/');
                if (Files.isDirectory(path)) {
                    out.putNextEntry(new JarEntry(name + "/"));
                } else {
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(path, out);
                }
                out.closeEntry();
            }
        }
    }
}
