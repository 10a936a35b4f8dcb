package io.github.errorpages.servlet.internal;

import io.github.errorpages.internal.ConfigurationErrors;
import io.github.errorpages.internal.Durations;
import io.github.errorpages.internal.OversizedPorts;
import io.github.errorpages.upstream.UpstreamConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the init-parameters of the proxy servlet that configure its upstream: the keys of
 * {@link UpstreamConfig} without their {@code upstreams.<name>.} prefix, since the servlet has one
 * upstream. Values are validated by {@link UpstreamConfig.Builder}, whose messages name the full key.
 */
public final class UpstreamParameters {

    /** The keys read, in the order they are documented. */
    public static final List<String> KEYS = List.of("endpoints", "max-attempts", "deadline", "attempt-timeout",
            "min-attempt-timeout", "retry.statuses", "retry.max-honoured-retry-after",
            "retry.on-connect-failure-for-unsafe", "retry.with-idempotency-key", "retry.on-proxy-status-error",
            "retry.max-replay-body", "retry-budget.enabled", "fail-on-5xx");

    private UpstreamParameters() {
    }

    /**
     * Builds the upstream's configuration.
     *
     * @param name the upstream's name
     * @param parameters init-parameters by name; those that are not {@link #KEYS} are ignored here (the servlet
     *     refuses them before, naming them)
     * @return the configuration
     * @throws IllegalArgumentException naming the key and the value when a value is invalid or
     *     {@code endpoints} is missing
     */
    public static UpstreamConfig config(String name, Map<String, String> parameters) {
        UpstreamConfig.Builder builder = UpstreamConfig.builder(name);
        parameters.forEach((key, raw) -> {
            String value = raw.trim();
            String fullKey = "upstreams." + name + "." + key;
            if (key.equals("endpoints")) {
                endpoints(builder, name, fullKey, value); // its messages mask user info in the whole value already
            } else {
                ConfigParameters.asWritten(fullKey, value, () -> apply(builder, key, fullKey, value));
            }
        });
        if (!parameters.containsKey("endpoints")) {
            throw ConfigParameters.invalid("upstreams." + name + ".endpoints", "(none)",
                    "must name at least one base URL (init-parameter endpoints)");
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException refused) {
            throw timeoutsAsWritten(refused, name, parameters);
        }
    }

    /**
     * A refusal of the timeouts against each other ({@code attempt-timeout} longer than {@code deadline}, ...), which
     * names two values as the builder shows them ({@code 10s} for {@code 10000ms}), with those the operator set as
     * written.
     */
    private static IllegalArgumentException timeoutsAsWritten(IllegalArgumentException refused, String name,
            Map<String, String> parameters) {
        String message = refused.getMessage();
        if (message == null) {
            return refused;
        }
        String worded = message;
        for (String key : List.of("deadline", "attempt-timeout", "min-attempt-timeout")) {
            String raw = parameters.get(key);
            if (raw == null) {
                continue;
            }
            String value = raw.trim();
            String parsed = Durations.shown(ConfigParameters.duration(key, value));
            String fullKey = "upstreams." + name + "." + key;
            if (worded.startsWith("Invalid error-pages configuration: " + fullKey + " ")
                    && worded.endsWith(", but was " + parsed)) {
                worded = worded.substring(0, worded.length() - parsed.length()) + ConfigurationErrors.shown(value);
            } else {
                // Shown as ConfigurationErrors shows a value: "10\ns" reads as 10 s, and its line feed stays escaped.
                worded = worded.replace(fullKey + " (" + parsed, fullKey + " (" + ConfigurationErrors.shown(value));
            }
        }
        return worded.equals(message) ? refused : ConfigParameters.reworded(refused, worded);
    }

    private static void apply(UpstreamConfig.Builder builder, String key, String fullKey, String value) {
        switch (key) {
            case "max-attempts" -> builder.maxAttempts(ConfigParameters.integer(fullKey, value));
            case "deadline" -> builder.deadline(ConfigParameters.duration(fullKey, value));
            case "attempt-timeout" -> builder.attemptTimeout(ConfigParameters.duration(fullKey, value));
            case "min-attempt-timeout" -> builder.minAttemptTimeout(ConfigParameters.duration(fullKey, value));
            case "retry.statuses" -> builder.retryStatuses(statuses(fullKey, value));
            case "retry.max-honoured-retry-after" ->
                    builder.maxHonouredRetryAfter(ConfigParameters.duration(fullKey, value));
            case "retry.on-connect-failure-for-unsafe" ->
                    builder.retryUnsafeNeverSentEnabled(ConfigParameters.bool(fullKey, value));
            case "retry.with-idempotency-key" ->
                    builder.retryUnsafeWithIdempotencyKeyEnabled(ConfigParameters.bool(fullKey, value));
            case "retry.on-proxy-status-error" ->
                    builder.retryOnProxyStatusErrorEnabled(ConfigParameters.bool(fullKey, value));
            case "retry.max-replay-body" -> builder.maxReplayBody(ConfigParameters.integer(fullKey, value));
            case "retry-budget.enabled" -> builder.retryBudgetEnabled(ConfigParameters.bool(fullKey, value));
            case "fail-on-5xx" -> builder.failOn5xxEnabled(ConfigParameters.bool(fullKey, value));
            default -> {
                // not an upstream key
            }
        }
    }

    private static void endpoints(UpstreamConfig.Builder builder, String name, String key, String value) {
        try {
            if (value.isBlank()) {
                throw ConfigParameters.invalid(key, value, "must name at least one base URL");
            }
            List<URI> endpoints = new ArrayList<>();
            // -1, and an empty element refused, as for the lists of statuses: "a," or "a,,b" is a list cut short, a
            // failover endpoint dropped, perhaps, and started without it.
            for (String listed : value.split(",", -1)) {
                if (listed.isBlank()) {
                    throw ConfigParameters.invalid(key, value, "must not hold an empty element (a list cut short)");
                }
                for (String endpoint : listed.strip().split("\\s+")) {
                    try {
                        endpoints.add(URI.create(endpoint));
                    } catch (IllegalArgumentException e) {
                        refusePortPastAnInt(name, key, endpoint);
                        throw ConfigParameters.invalid(key, endpoint, "must hold URLs");
                    }
                }
            }
            builder.endpoints(endpoints);
        } catch (IllegalArgumentException invalid) {
            if (value.indexOf('@') < 0) {
                throw invalid;
            }
            // The whole value, masked: a password may hold a comma or a space, and the element refused would then
            // be a piece of it cut off from its URL's "//", which masking cannot tell.
            throw ConfigParameters.invalid(key, value, "must hold absolute http or https URLs separated by commas "
                    + "or spaces, with a host and no query, fragment or user info, no server twice");
        }
    }

    /**
     * Refuses an endpoint that {@link URI} refuses for a port past an {@code int}'s range as the builder refuses it
     * with that port written as {@code 65536} ({@link OversizedPorts}): for its port, naming the value as written. A
     * host name's or an IPv4 address's such port is read (the authority as a registry name), and the builder gives it
     * the port's message; an IPv6 literal's is refused as malformed, which said "must hold URLs". Asked of a builder
     * of its own, of the upstream's name, which is thrown away: were the endpoint accepted, the upstream's builder
     * would not hold it, nor anything in place of the endpoints configured after it.
     *
     * @throws IllegalArgumentException the builder's refusal, so worded, for such an endpoint; nothing for another
     */
    private static void refusePortPastAnInt(String name, String key, String endpoint) {
        String readable = OversizedPorts.readable(endpoint);
        if (readable.equals(endpoint)) {
            return;
        }
        URI portOutOfRange;
        try {
            portOutOfRange = URI.create(readable);
        } catch (IllegalArgumentException stillNoUrl) {
            return;
        }
        // Refused, for its port or whatever else a host name's endpoint with that port is refused for.
        ConfigParameters.asWritten(key, endpoint, () -> UpstreamConfig.builder(name).endpoints(portOutOfRange));
    }

    private static Set<Integer> statuses(String key, String value) {
        List<Integer> listed = ConfigParameters.statusList(key, value, "must hold only 5xx statuses (500-599)");
        Set<Integer> statuses = new LinkedHashSet<>(listed);
        if (statuses.size() < listed.size()) {
            // As the filter's intercept-statuses: a repeat is a slip (a status meant, another typed), not a wish.
            throw ConfigParameters.invalid(key, value, "must not name a status twice");
        }
        return statuses; // blank, none: no status is retried
    }
}
