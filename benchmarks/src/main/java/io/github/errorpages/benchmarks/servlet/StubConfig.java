package io.github.errorpages.benchmarks.servlet;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import java.util.Collections;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/**
 * The configuration a container hands to {@code init} of a filter or servlet that was configured in code:
 * a name and no init-parameters. Immutable.
 *
 * @param name the filter's or servlet's name
 */
public record StubConfig(String name) implements FilterConfig, ServletConfig {

    @Override
    public String getFilterName() {
        return name;
    }

    @Override
    public String getServletName() {
        return name;
    }

    /**
     * No application: {@code null}, which a filter or servlet configured in code accepts. A container always has
     * one, and the filter keeps it only to tell its own application's requests from another's (cross-context
     * dispatch), which a benchmark's request never is.
     */
    @Override
    public @Nullable ServletContext getServletContext() {
        return null;
    }

    @Override
    public @Nullable String getInitParameter(String parameter) {
        return null;
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
        return Collections.emptyEnumeration();
    }
}
