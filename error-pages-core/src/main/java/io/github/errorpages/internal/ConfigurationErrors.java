package io.github.errorpages.internal;

/**
 * The one wording of a refused configuration value, shared by every builder and the servlet module's parameters:
 * {@code Invalid error-pages configuration: <key> <rule>, but was <value>}, a blank value named so rather than left
 * as nothing after "but was".
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class ConfigurationErrors {

    private ConfigurationErrors() {
    }

    /**
     * @param key the configuration key
     * @param value the refused value, shown as given (a caller masks what must not be shown)
     * @param rule what the value must be, such as {@code must be a duration}
     * @return the exception to throw
     */
    public static IllegalArgumentException invalid(String key, Object value, String rule) {
        Object shown = value instanceof String text && text.isBlank() ? "an empty value" : value;
        return new IllegalArgumentException("Invalid error-pages configuration: " + key + " " + rule + ", but was "
                + shown);
    }
}
