package io.github.errorpages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What a consumer's build resolves from this module's POM, which the reactor's own {@code dependencyManagement}
 * hides: it pins {@code slf4j-api}, so the reactor's {@code dependencyConvergence} passed while a consumer's failed
 * on Resilience4j's {@code slf4j-api} 1.7.30 beside this module's 2.0. Read from the POM, since only a build
 * outside the reactor would resolve it as a consumer does.
 */
class ConsumerDependenciesTests {

    @Test
    void resilience4jBringsNoSlf4jApiOfItsOwn() throws Exception {
        Element project = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile()).getDocumentElement();
        Element dependencies = child(project, "dependencies");
        assertThat(dependencies).isNotNull();
        List<String> resilience4j = new ArrayList<>();
        List<String> excludingSlf4j = new ArrayList<>();
        for (Element dependency : children(dependencies, "dependency")) {
            if (!text(dependency, "groupId").equals("io.github.resilience4j")) {
                continue;
            }
            resilience4j.add(text(dependency, "artifactId"));
            Element exclusions = child(dependency, "exclusions");
            if (exclusions != null && children(exclusions, "exclusion").stream().anyMatch(
                    e -> text(e, "groupId").equals("org.slf4j") && text(e, "artifactId").equals("slf4j-api"))) {
                excludingSlf4j.add(text(dependency, "artifactId"));
            }
        }

        assertThat(resilience4j).isNotEmpty();
        assertThat(excludingSlf4j).containsExactlyElementsOf(resilience4j);
    }

    private static @Nullable Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        Element found = child(parent, name);
        return found == null ? "" : found.getTextContent().trim();
    }
}
