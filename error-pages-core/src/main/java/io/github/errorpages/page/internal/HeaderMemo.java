package io.github.errorpages.page.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers what a negotiation made of a request header's value. Clients send the same few values over and
 * over (a browser's {@code Accept} is one fixed string of about 130 characters), and parsing one, with its
 * splits and q-values, costs about ten times the lookup; under an outage every request is negotiated.
 *
 * <p>Bounded twice, so that a client sending a new value with every request cannot grow it: values longer
 * than {@value #MAX_VALUE_LENGTH} characters are never kept (they are negotiated each time), and a new value
 * that finds {@value #MAX_ENTRIES} kept starts the memo afresh. Starting afresh, not keeping no more: a memo
 * that stopped at its bound was fixed for the life of the JVM by whoever sent the first values, and a
 * client with a thousand made-up ones took it from every browser for good. A value in use is negotiated again
 * once after each fresh start. Thread-safe.
 *
 * @param <T> what a value negotiates to
 */
final class HeaderMemo<T> {

    static final int MAX_ENTRIES = 1024;
    static final int MAX_VALUE_LENGTH = 256;

    private final Map<String, T> known = new ConcurrentHashMap<>();
    private final Function<String, T> negotiation;

    /**
     * @param negotiation what a value negotiates to; a pure function of the value
     */
    HeaderMemo(Function<String, T> negotiation) {
        this.negotiation = negotiation;
    }

    /**
     * @param value a header value
     * @return what it negotiates to, remembered or worked out now
     */
    T get(String value) {
        T result = known.get(value);
        if (result == null) {
            result = negotiation.apply(value);
            if (value.length() <= MAX_VALUE_LENGTH) {
                if (known.size() >= MAX_ENTRIES) {
                    known.clear(); // racing threads may each put one more first: still bounded
                }
                known.put(value, result);
            }
        }
        return result;
    }
}
