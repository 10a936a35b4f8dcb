package io.github.errorpages.servlet.internal;

import io.github.errorpages.ErrorPagesConfig;
import io.github.errorpages.FailureCause;
import io.github.errorpages.RetryAfterFormat;
import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.UserInfo;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the keys of {@link ErrorPagesConfig} from string parameters (servlet init-parameters, context
 * parameters): {@code status.<token>}, {@code retry-after.max}, {@code retry-after.default.<status>},
 * {@code retry-after.on-502-504}, {@code retry-after.jitter} and {@code retry-after.format}. A value that
 * does not parse is rejected with the same message style as the builder's: the key and the value.
 */
public final class ConfigParameters {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern STATUS_OVERRIDE = Pattern.compile("status\\.([a-z_]+)");
    /**
     * A status as HTTP writes one, three digits from 100 (RFC 9110 §15): {@code retry-after.default.099} is no key, as
     * {@code retry-after.default.5031} is none. Read as 99, it was refused as a key nobody wrote,
     * {@code retry-after.default.99}, with a value nobody wrote, 99.
     */
    private static final Pattern RETRY_AFTER_DEFAULT = Pattern.compile("retry-after\\.default\\.([1-9]\\d\\d)");
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d*)?|\\.\\d+");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
    /** How every refusal of a configuration value begins ({@link ConfigurationErrors#invalid}). */
    private static final String PREFIX = "Invalid error-pages configuration: ";

    private ConfigParameters() {
    }

    /**
     * Builds the configuration from the parameters that are its keys.
     *
     * @param parameters parameters by key; keys that are not configuration keys are ignored
     * @return the configuration
     * @throws IllegalArgumentException naming the key and the value when a value is invalid
     */
    public static ErrorPagesConfig config(Map<String, String> parameters) {
        ErrorPagesConfig.Builder builder = ErrorPagesConfig.builder();
        parameters.forEach((key, value) -> asWritten(key, value.trim(), () -> apply(builder, key, value.trim())));
        return builder.build();
    }

    /**
     * @param key a parameter name
     * @return whether it is a key of {@link ErrorPagesConfig}
     */
    public static boolean isConfigKey(String key) {
        return STATUS_OVERRIDE.matcher(key).matches() || RETRY_AFTER_DEFAULT.matcher(key).matches()
                || key.equals("retry-after.max") || key.equals("retry-after.on-502-504")
                || key.equals("retry-after.jitter") || key.equals("retry-after.format");
    }

    private static void apply(ErrorPagesConfig.Builder builder, String key, String value) {
        Matcher status = STATUS_OVERRIDE.matcher(key);
        Matcher retryAfterDefault = RETRY_AFTER_DEFAULT.matcher(key);
        if (status.matches()) {
            FailureCause cause = FailureCause.fromToken(status.group(1)).orElseThrow(() -> invalid(key, value,
                    "names no failure cause (use an RFC 9209 token such as status.connection_refused)"));
            builder.status(cause, integer(key, value));
        } else if (retryAfterDefault.matches()) {
            builder.retryAfterDefault(Integer.parseInt(retryAfterDefault.group(1)), duration(key, value));
        } else if (key.equals("retry-after.max")) {
            builder.retryAfterMax(duration(key, value));
        } else if (key.equals("retry-after.on-502-504")) {
            builder.retryAfterOn502And504Enabled(bool(key, value));
        } else if (key.equals("retry-after.jitter")) {
            builder.retryAfterJitter(decimal(key, value));
        } else if (key.equals("retry-after.format")) {
            builder.retryAfterFormat(format(key, value));
        }
    }

    /**
     * Parses a duration: whole seconds ({@code 30}), a number with a unit ({@code 500ms}, {@code 30s},
     * {@code 5m}, {@code 1h}, {@code 1d}) or ISO-8601 ({@code PT30S}).
     *
     * @param key the key, for the message
     * @param value the value
     * @return the duration
     * @throws IllegalArgumentException naming the key and the value when it does not parse or is too long for a
     *         {@link Duration}
     */
    public static Duration duration(String key, String value) {
        Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            String unit = m.group(2) == null ? "s" : m.group(2);
            try {
                long amount = Long.parseLong(m.group(1));
                switch (unit) {
                    case "ms": return Duration.ofMillis(amount);
                    case "m": return Duration.ofMinutes(amount);
                    case "h": return Duration.ofHours(amount);
                    case "d": return Duration.ofDays(amount);
                    default: return Duration.ofSeconds(amount);
                }
            } catch (ArithmeticException | NumberFormatException tooLong) {
                // NumberFormatException: only digits matched, so more of them than a long holds
                throw invalid(key, value, "is too long a duration");
            }
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            if (e.getCause() instanceof ArithmeticException || e.getCause() instanceof NumberFormatException) {
                throw invalid(key, value, "is too long a duration"); // ISO-8601 whose number overflows
            }
            throw invalid(key, value, "must be a duration such as 30s, 500ms, 5m or PT30S");
        }
    }

    /**
     * @param key the key, for the message
     * @param value {@code true} or {@code false}, any case
     * @return the value
     * @throws IllegalArgumentException naming the key and the value for anything else
     */
    public static boolean bool(String key, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw invalid(key, value, "must be true or false");
    }

    /**
     * @param key the key, for the message
     * @param value a decimal integer
     * @return the value
     * @throws IllegalArgumentException naming the key and the value when it does not parse
     */
    public static int integer(String key, String value) {
        try {
            return asciiInteger(value);
        } catch (NumberFormatException e) {
            // Digits past an int's range are a number still: "must be an integer" said the wrong thing of them.
            throw invalid(key, value, INTEGER.matcher(value).matches() ? "is out of range" : "must be an integer");
        }
    }

    /**
     * Reads a list of statuses (the filter's {@code intercept-statuses}, an upstream's {@code retry.statuses}):
     * decimal integers separated by commas, each perhaps between spaces (any that {@link String#isBlank()} takes for
     * one, as for a blank value); a blank value lists none. One loop for both: two copies drifted apart in what
     * they took and how they worded a refusal.
     *
     * @param key the key, for the message
     * @param value the value as written, trimmed
     * @param outOfRange the rule a refused number breaks, worded as the key's other refusals of a status out of
     *     range are
     * @return the statuses in the order written, a repeat kept (its key words that refusal), none out of range
     *     refused but those past an {@code int}'s
     * @throws IllegalArgumentException naming the key and the whole value (one element alone says little, and an
     *     empty one would show as nothing) when an element is empty ({@code ","}, {@code "502,"}: a list cut short
     *     intercepted or retried fewer statuses, or none, without a word), or is no integer of ASCII digits
     *     ({@code "must list statuses separated by commas"}); or when it is digits past an {@code int}'s range, a
     *     status out of range ({@code outOfRange}), which "separated by commas" misnamed
     */
    public static List<Integer> statusList(String key, String value, String outOfRange) {
        if (value.isBlank()) {
            return List.of();
        }
        List<Integer> statuses = new ArrayList<>();
        // -1: "502," and "," are refused as ",502" is; dropped, the empty elements made "," list no status at all.
        for (String status : value.split(",", -1)) {
            // strip(), not trim(): the spaces isBlank() takes, a Unicode space (U+2003) among them. trim() kept
            // those, so a value of them alone listed none, and beside a status refused the whole list.
            String element = status.strip();
            try {
                statuses.add(asciiInteger(element));
            } catch (NumberFormatException e) {
                throw invalid(key, value, INTEGER.matcher(element).matches() ? outOfRange
                        : "must list statuses separated by commas");
            }
        }
        return statuses;
    }

    /**
     * Reads a decimal integer as every key writes one: ASCII digits, perhaps after a minus sign. Integer.parseInt
     * also reads other scripts' digits (٥٠٣, fullwidth ５０３) and a plus sign, which no duration or decimal key takes.
     *
     * @param value the value as written, trimmed
     * @return the integer
     * @throws NumberFormatException when it is not such an integer, or outside the range of an {@code int}
     */
    private static int asciiInteger(String value) {
        if (!INTEGER.matcher(value).matches()) {
            throw new NumberFormatException(value);
        }
        return Integer.parseInt(value);
    }

    private static double decimal(String key, String value) {
        // Digits with at most one point: Double.parseDouble also reads Java's spellings (1d, 0x1p-1, 1e-1).
        if (!DECIMAL.matcher(value).matches()) {
            throw invalid(key, value, "must be a number between 0 and 1");
        }
        return Double.parseDouble(value);
    }

    private static RetryAfterFormat format(String key, String value) {
        String normalized = value.toUpperCase(Locale.ROOT).replace('-', '_');
        for (RetryAfterFormat format : RetryAfterFormat.values()) {
            if (format.name().equals(normalized)) {
                return format;
            }
        }
        throw invalid(key, value, "must be delay-seconds or http-date");
    }

    /**
     * Applies one parameter to a builder, and words the builder's refusal with the value as the operator wrote it. A
     * builder names what it was given: {@code 2h} for {@code 120m}, {@code [502, 600]} for {@code 502, 600}, a path
     * made absolute, which the operator then searches the configuration for in vain.
     *
     * @param key the key the builder's message names
     * @param value the value as written (trimmed); a URL's user info is masked, as {@link #invalid} does
     * @param apply what hands the parsed value to the builder
     * @throws IllegalArgumentException the builder's, so worded
     */
    public static void asWritten(String key, String value, Runnable apply) {
        try {
            apply.run();
        } catch (IllegalArgumentException refused) {
            String message = asWritten(refused.getMessage(), key, value, false);
            throw message == null ? refused : reworded(refused, message);
        }
    }

    /**
     * Builds what the parameters configured, and words a refusal of the whole (one key's value against another's, a
     * folder that must exist, a colour's contrast) with the value of the key it names as the operator wrote it, and
     * what it was read as: a language tag in another case, a path made absolute, a colour in lower case.
     *
     * @param <T> what is built
     * @param parameters the parameters, by key, as written
     * @param build builds it
     * @return what was built
     * @throws IllegalArgumentException the builder's, so worded
     * @throws IllegalStateException the builder's for a file-system folder that is not there, so worded
     */
    public static <T> T builtAsWritten(Map<String, String> parameters, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException refused) {
            String message = asWritten(refused.getMessage(), parameters);
            throw message == null ? refused : reworded(refused, message);
        } catch (IllegalStateException refused) {
            String message = asWritten(refused.getMessage(), parameters);
            if (message == null) {
                throw refused;
            }
            IllegalStateException worded = new IllegalStateException(message);
            worded.setStackTrace(refused.getStackTrace());
            throw worded;
        }
    }

    /** @return the message worded with the value of the key it names, as written and as read; null if as it was */
    private static @Nullable String asWritten(@Nullable String message, Map<String, String> parameters) {
        String named = null;
        for (String key : parameters.keySet()) {
            if (message != null && message.startsWith(PREFIX + key + " ")
                    && (named == null || key.length() > named.length())) {
                named = key; // the longest: retry-after.default.503 before retry-after.default
            }
        }
        return named == null ? null : asWritten(message, named, parameters.get(named).trim(), true);
    }

    /** @return the message worded with the value as written (and as read); null if as it was */
    private static @Nullable String asWritten(@Nullable String message, String key, String value, boolean readAs) {
        // The first: the value shown after it may itself hold one.
        int was = message == null ? -1 : message.indexOf(", but was ");
        if (value.isEmpty() || was < 0 || !message.startsWith(PREFIX + key + " ")
                || key.endsWith("." + message.substring(was + ", but was ".length()))) {
            // Nothing written (its message says so in words), another key's, no value named, or what is named is
            // a part of the key (retry-after.default.200 "names no status ..., but was 200").
            return null;
        }
        String shown = message.substring(was + ", but was ".length());
        // Masked before any cut (cut short, a URL's user info may lose the "@" that masking looks for), and cut only
        // as every message cuts a value of kilobytes (a logo): past 256 characters, its length said, never between
        // the halves of a surrogate pair (ConfigurationErrors.shown). Cut at 80 here as well, it no longer matched
        // the builder's value and was shown twice: cut, then whole as "read as".
        String written = UserInfo.masked(value);
        String writtenShown = ConfigurationErrors.shown(written);
        if (readAs && shown.startsWith(writtenShown + " (")) {
            // The value as written, and what the builder adds to it: a colour's contrast, #7fb2ff (2.16:1), which
            // the builder's message, as templates.md shows it, says without a "read as" #7fb2ff.
            return null;
        }
        String asWritten = invalid(key, written, message.substring(PREFIX.length() + key.length() + 1, was))
                .getMessage();
        // Compared as shown: a value whose control characters the message escapes was not read as another.
        return readAs && !shown.equals(writtenShown) ? asWritten + " (read as " + shown + ")" : asWritten;
    }

    /**
     * @param refused a builder's refusal
     * @param message its message worded with the values as written
     * @return the refusal with that message, thrown where the builder threw it (its stack trace)
     */
    static IllegalArgumentException reworded(IllegalArgumentException refused, String message) {
        IllegalArgumentException worded = new IllegalArgumentException(message);
        worded.setStackTrace(refused.getStackTrace());
        return worded;
    }

    /**
     * @param key the key
     * @param value the rejected value; a URL's user info is masked in the message (a URL that does not parse, or
     *     a misspelt key, would otherwise put a password into the startup log), and a blank one is named so
     * @param rule what the value must be
     * @return the exception, worded like {@link ErrorPagesConfig.Builder}'s
     */
    public static IllegalArgumentException invalid(String key, Object value, String rule) {
        return ConfigurationErrors.invalid(key, value instanceof String text ? UserInfo.masked(text) : value, rule);
    }
}
