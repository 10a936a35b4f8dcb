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

    @Override
    public ServletContext getServletContext() {
        throw new UnsupportedOperationException("a filter or servlet configured in code does not need its context");
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
