package io.github.errorpages.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.examples.RepositoryFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java, XML and mustache block of the README and of {@code docs/} is a snippet of the examples' sources,
 * which compile (and which the snippets' tests run); and every snippet is shown somewhere. Blocks are
 * compared line by line, ignoring indentation.
 */
class DocSnippetsTests {

    private static final Pattern FENCE = Pattern.compile("^(\\s*)```(\\w*)\\s*$");
    private static final Pattern START = Pattern.compile("snippet:([a-z0-9-]+)");
    private static final List<String> CHECKED_LANGUAGES = List.of("java", "xml", "mustache");

    @Test
    void everyCodeBlockOfTheDocsIsASnippetOfTheExamples() {
        Map<String, List<String>> snippets = snippets();
        List<String> strays = new ArrayList<>();
        for (CodeBlock block : codeBlocks()) {
            if (CHECKED_LANGUAGES.contains(block.language())
                    && snippets.values().stream().noneMatch(lines -> Collections.indexOfSubList(lines, block.lines()) >= 0)) {
                strays.add(block.file() + ":" + block.line() + " (" + block.language() + ")");
            }
        }
        assertThat(strays).as("code blocks that no snippet of examples/src contains").isEmpty();
        assertThat(codeBlocks()).as("the docs show code at all").filteredOn(block -> block.language().equals("java"))
                .hasSizeGreaterThan(5);
    }

    @Test
    void everySnippetIsShownInTheDocs() {
        List<CodeBlock> blocks = codeBlocks();
        List<String> unused = new ArrayList<>();
        snippets().forEach((name, lines) -> {
            if (blocks.stream().noneMatch(block -> block.lines().equals(lines))) {
                unused.add(name);
            }
        });
        assertThat(unused).as("snippets that no doc shows whole").isEmpty();
    }

    /** Regions between {@code snippet:<name>} and {@code end-snippet}; a template file of snippets/ whole. */
    static Map<String, List<String>> snippets() {
        Map<String, List<String>> snippets = new LinkedHashMap<>();
        Path sources = RepositoryFiles.root().resolve("examples/src");
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = file.getFileName().toString();
                if (!(name.endsWith(".java") || name.endsWith(".xml") || name.endsWith(".mustache"))) {
                    continue;
                }
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (name.endsWith(".mustache") && file.toString().contains("snippets")) {
                    snippets.put(sources.relativize(file).toString(), trimmed(lines));
                    continue;
                }
                for (int i = 0; i < lines.size(); i++) {
                    Matcher start = START.matcher(lines.get(i));
                    if (start.find() && !lines.get(i).contains("\"")) {
                        int end = i + 1;
                        while (!lines.get(end).contains("end-snippet")) {
                            end++;
                        }
                        snippets.put(start.group(1), trimmed(lines.subList(i + 1, end)));
                        i = end;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(snippets).as("snippets found").hasSizeGreaterThan(10);
        return snippets;
    }

    static List<CodeBlock> codeBlocks() {
        List<CodeBlock> blocks = new ArrayList<>();
        for (String doc : RepositoryFiles.documentation()) {
            List<String> lines = RepositoryFiles.read(doc).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                Matcher open = FENCE.matcher(lines.get(i));
                if (open.matches() && !open.group(2).isEmpty()) {
                    int end = i + 1;
                    while (!lines.get(end).strip().equals("```")) {
                        end++;
                    }
                    blocks.add(new CodeBlock(doc, i + 1, open.group(2), trimmed(lines.subList(i + 1, end))));
                    i = end;
                }
            }
        }
        return blocks;
    }

    private static List<String> trimmed(List<String> lines) {
        return lines.stream().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    record CodeBlock(String file, int line, String language, List<String> lines) {
    }
}
