package io.github.errorpages.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's files, found from the module's folder (where Maven runs the tests). */
public final class RepositoryFiles {

    private RepositoryFiles() {
    }

    /** @return the repository's root: the folder holding {@code README.md} and {@code examples/} */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("examples"))
                    && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    /**
     * @param relative a path from the root, e.g. {@code docs/operations.md}
     * @return the file's text
     */
    public static String read(String relative) {
        try {
            return Files.readString(root().resolve(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code README.md} and every Markdown file in {@code docs/}, as paths from the root */
    public static List<String> documentation() {
        try (Stream<Path> docs = Files.list(root().resolve("docs"))) {
            return Stream.concat(Stream.of("README.md", "error-pages-servlet/README.md"), docs
                    .filter(path -> path.getFileName().toString().endsWith(".md"))
                    .map(path -> "docs/" + path.getFileName())
                    .sorted()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
