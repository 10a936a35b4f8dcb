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
    private static final Stripe[] GENERATORS = new Stripe[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            try {
                GENERATORS[i] = new Stripe(SecureRandom.getInstance("DRBG"));
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
        return GENERATORS[(int) Thread.currentThread().getId() & (STRIPES - 1)].nextLong();
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

    /**
     * One generator and the bytes it made ahead. A DRBG request costs about the same for 8 bytes as for 256
     * (two SHA-256 rounds and the bookkeeping of a request, about 0.5 µs, against about 35 ns for each further
     * 8 bytes), and an error response takes three values: so each stripe asks for {@value #BUFFER} bytes at a
     * time and hands them out 8 at a time, wiping each as it goes.
     */
    private static final class Stripe {
        private static final int BUFFER = 256;

        private final SecureRandom generator;
        private final byte[] ahead = new byte[BUFFER];
        private int next = BUFFER;

        Stripe(SecureRandom generator) {
            this.generator = generator;
        }

        synchronized long nextLong() {
            if (next == BUFFER) {
                generator.nextBytes(ahead);
                next = 0;
            }
            long value = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                value = value << 8 | (ahead[next] & 0xff);
                ahead[next++] = 0;
            }
            return value;
        }
    }
}
