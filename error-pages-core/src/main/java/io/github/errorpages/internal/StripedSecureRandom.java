package io.github.errorpages.internal;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Unguessable random values for many request threads at once: the support code and the problem
 * {@code instance} of every error response.
 *
 * <p>The JDK's default {@link SecureRandom} on Linux ({@code NativePRNG}) serialises every caller of every
 * instance on one process-wide lock, and {@link UUID#randomUUID()} uses it too; when an upstream fails and
 * every request thread renders an error page at once, the threads queue on that lock (the load harness of
 * the benchmarks module showed it as the most contended monitor after logging). Callers are spread instead
 * over a fixed set of DRBG generators (NIST SP 800-90A, the JDK's {@code DRBG}), picked by thread id, each
 * seeded once from the system's entropy source, so that two threads rarely share one. A fixed set rather than
 * one generator per thread, because with virtual threads that would seed a new generator for every request.
 *
 * <p>Thread-safe.
 */
public final class StripedSecureRandom {

    /** A power of two, well above the number of threads that run at the same time on usual machines. */
    private static final int STRIPES = 16;
    private static final SecureRandom[] GENERATORS = new SecureRandom[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            try {
                GENERATORS[i] = SecureRandom.getInstance("DRBG");
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException("every JRE since 9 has DRBG", impossible);
            }
        }
    }

    private StripedSecureRandom() {
    }

    /**
     * @return 64 random bits
     */
    public static long nextLong() {
        byte[] bytes = new byte[Long.BYTES];
        generator().nextBytes(bytes);
        long value = 0;
        for (byte b : bytes) {
            value = value << 8 | (b & 0xff);
        }
        return value;
    }

    /**
     * @return a random (version 4) UUID, as {@link UUID#randomUUID()} makes one
     */
    public static UUID randomUuid() {
        long mostSignificant = nextLong();
        long leastSignificant = nextLong();
        mostSignificant = mostSignificant & ~0xf000L | 0x4000L; // version 4
        leastSignificant = leastSignificant & 0x3fffffffffffffffL | 0x8000000000000000L; // IETF variant
        return new UUID(mostSignificant, leastSignificant);
    }

    private static SecureRandom generator() {
        return GENERATORS[(int) Thread.currentThread().getId() & (STRIPES - 1)];
    }
}
