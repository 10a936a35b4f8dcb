package io.github.errorpages.upstream.internal;

/**
 * What counts as an {@code Idempotency-Key} (draft-ietf-httpapi-idempotency-key-header): a field with a value. An
 * empty one, or one of white space, quotes and commas only ({@code ""}, {@code " "}, {@code ,}), names nothing the
 * upstream could recognise a request by; a retry of a non-idempotent request that carries only such a field would be
 * the same request twice, unrecognised.
 *
 * <p>This class has static methods only and is thread-safe.
 */
public final class IdempotencyKeys {

    /** The field's name. */
    public static final String FIELD = "Idempotency-Key";

    private IdempotencyKeys() {
    }

    /**
     * @param value the value of an {@code Idempotency-Key} field
     * @return whether it is a key: whether it has a character other than white space, a control, a quote or a comma
     */
    public static boolean isKey(String value) {
        return value.chars().anyMatch(c -> c > ' ' && c != '"' && c != ',' && c != 0x7f);
    }
}
