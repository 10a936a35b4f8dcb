package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.github.errorpages.ErrorPages;
import java.io.InputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every problem+json body validates against the JSON Schema of RFC 9457, Appendix A (R32). */
class ProblemJsonSchemaTests {

    private static final ErrorPages PAGES = BuiltInPage.pages(PageConfig.ofDefaults());
    private static Schema schema;

    @BeforeAll
    static void loadSchema() throws Exception {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
        try (InputStream in = ProblemJsonSchemaTests.class.getResourceAsStream("rfc9457-problem.schema.json")) {
            schema = registry.getSchema(in);
        }
    }

    static Stream<Arguments> pagesAndLanguages() {
        return Stream.of(BuiltInPage.values()).flatMap(page -> PageConfig.SHIPPED_LOCALES.stream()
                .map(locale -> Arguments.of(page, locale.toLanguageTag())));
    }

    @ParameterizedTest
    @MethodSource("pagesAndLanguages")
    void problemDetailsValidateAgainstTheRfc9457Schema(BuiltInPage page, String language) {
        String json = page.render(PAGES, "application/problem+json", language).bodyText();

        assertThat(schema.validate(json, InputFormat.JSON)).as(json).isEmpty();
    }

    @Test
    void theSchemaRejectsWhatIsNoProblemObject() {
        assertThat(schema.validate("{\"status\": \"503\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"status\": 700}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"instance\": \"not a uri reference\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("[]", InputFormat.JSON)).isNotEmpty();
    }
}
