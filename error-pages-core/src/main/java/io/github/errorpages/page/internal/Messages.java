package io.github.errorpages.page.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The built-in messages of one language: {@code io/github/errorpages/messages/messages_<tag>.properties}
 * (UTF-8, {@code -} of the tag written {@code _}), each key falling back to the English base file, so a
 * bundle that lags behind shows English rather than nothing.
 *
 * <p>Patterns are formatted with {@link MessageFormat} in {@link Locale#ROOT}, so numbers keep Latin
 * digits in every language, as the {@code Retry-After} header and the countdown do. Instances are
 * immutable and thread-safe.
 */
public final class Messages {

    static final String FOLDER = "io/github/errorpages/messages/";

    private final Map<String, String> values;

    private Messages(Map<String, String> values) {
        this.values = values;
    }

    /**
     * @param locale the language, e.g. {@code zh-CN}
     * @return its messages, English where it has none
     * @throws UncheckedIOException if the English base file cannot be read (a broken jar)
     */
    public static Messages load(Locale locale) {
        Map<String, String> values = new HashMap<>(read("messages.properties"));
        if (!locale.getLanguage().equals("en")) {
            values.putAll(read("messages_" + locale.toLanguageTag().replace('-', '_') + ".properties"));
        }
        return new Messages(Collections.unmodifiableMap(values));
    }

    /**
     * @return every message, by key; unmodifiable
     */
    public Map<String, String> all() {
        return values;
    }

    /**
     * @param key a message key
     * @return the message
     * @throws IllegalArgumentException if no bundle has the key (a bug in the templates or the code)
     */
    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no built-in message " + key);
        }
        return value;
    }

    /**
     * @param key the key of a {@link MessageFormat} pattern
     * @param arguments its arguments
     * @return the formatted message
     * @throws IllegalArgumentException if no bundle has the key
     */
    public String format(String key, Object... arguments) {
        return new MessageFormat(get(key), Locale.ROOT).format(arguments);
    }

    private static Map<String, String> read(String file) {
        Properties properties = new Properties();
        try (InputStream in = Messages.class.getClassLoader().getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                if (file.equals("messages.properties")) {
                    throw new UncheckedIOException(new IOException("missing " + FOLDER + file));
                }
                return Map.of();
            }
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FOLDER + file, e);
        }
        Map<String, String> values = new HashMap<>();
        properties.forEach((key, value) -> values.put((String) key, (String) value));
        return values;
    }
}
